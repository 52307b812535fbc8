// The inbox's places, in the URL's hash: #/f/<folder>, #/c/<conversation id>, #/crm/<list>
// (persons, organizations, leads, deals, activities; deals/board, persons/import, …),
// #/crm/<type>/<id>, #/admin/<...>, #/visitors.
import { lists, type ListName } from "../crm/model";
import type { Folder, RecordType } from "../types";

export const recordTypes: RecordType[] = ["person", "organization", "lead", "deal", "activity"];

export const folders: Folder[] = ["unassigned", "mine", "others", "open", "closed", "spam"];

export type Route =
  | { kind: "folder"; folder: Folder }
  | { kind: "conversation"; id: number }
  | { kind: "record"; type: RecordType; id: number }
  | { kind: "crm"; list: ListName; view: "" | "board" | "import" }
  | { kind: "admin"; path: string[] }
  | { kind: "visitors" };

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
      if (lists.includes(parts[1] as ListName)) {
        const view = parts[2] === "board" && parts[1] === "deals" ? "board" : parts[2] === "import" && (parts[1] === "persons" || parts[1] === "organizations") ? "import" : "";
        return { kind: "crm", list: parts[1] as ListName, view };
      }
      const id = Number(parts[2]);
      if (recordTypes.includes(parts[1] as RecordType) && Number.isSafeInteger(id) && id > 0) return { kind: "record", type: parts[1] as RecordType, id };
      break;
    }
    case "admin":
      return { kind: "admin", path: parts.slice(1) };
    case "visitors":
      return { kind: "visitors" };
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
    case "crm":
      return "#/crm/" + r.list + (r.view ? "/" + r.view : "");
    case "admin":
      return "#/admin" + r.path.map((p) => "/" + encodeURIComponent(p)).join("");
    case "visitors":
      return "#/visitors";
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
