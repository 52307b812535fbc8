// The inbox's places, in the URL's hash: #/f/<folder>, #/c/<conversation id>, #/crm/<type>/<id>,
// #/admin/<...>, #/visitors, #/reports.
import type { Folder, RecordType } from "../types";

export const recordTypes: RecordType[] = ["person", "organization", "lead", "deal", "activity"];

export const folders: Folder[] = ["unassigned", "mine", "others", "open", "closed", "spam"];

export type Route =
  | { kind: "folder"; folder: Folder }
  | { kind: "conversation"; id: number }
  | { kind: "record"; type: RecordType; id: number }
  | { kind: "admin"; path: string[] }
  | { kind: "visitors" }
  | { kind: "reports" };

export const defaultRoute: Route = { kind: "folder", folder: "unassigned" };

/** parseHash reads a location hash ("#/f/mine"); anything unknown is the default folder. */
export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter((p) => p !== "").map(safeDecode);
  switch (parts[0]) {
    case "f":
      if (folders.includes(parts[1] as Folder)) return { kind: "folder", folder: parts[1] as Folder };
      break;
    case "c": {
      const id = Number(parts[1]);
      if (Number.isSafeInteger(id) && id > 0) return { kind: "conversation", id };
      break;
    }
    case "crm": {
      const id = Number(parts[2]);
      if (recordTypes.includes(parts[1] as RecordType) && Number.isSafeInteger(id) && id > 0) return { kind: "record", type: parts[1] as RecordType, id };
      break;
    }
    case "admin":
      return { kind: "admin", path: parts.slice(1) };
    case "visitors":
      return { kind: "visitors" };
    case "reports":
      return { kind: "reports" };
  }
  return defaultRoute;
}

/** hashOf is the hash of a route. */
export function hashOf(r: Route): string {
  switch (r.kind) {
    case "folder":
      return "#/f/" + r.folder;
    case "conversation":
      return "#/c/" + r.id;
    case "record":
      return "#/crm/" + r.type + "/" + r.id;
    case "admin":
      return "#/admin" + r.path.map((p) => "/" + encodeURIComponent(p)).join("");
    case "visitors":
      return "#/visitors";
    case "reports":
      return "#/reports";
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
