// The inbox's places, in the URL's hash: #/f/<folder>, #/c/<conversation id>, #/crm/<list>
// (persons, organizations, leads, deals, activities; deals/board, persons/import, …),
// #/crm/<type>/<id>, #/admin/<...>, #/visitors, #/q/<filters> (a filtered list), #/v/<view id>,
// #/search/<words>, #/reports.
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
  | { kind: "visitors" }
  | { kind: "filter"; filter: string }
  | { kind: "view"; id: number }
  | { kind: "search"; q: string }
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
    case "q":
      return { kind: "filter", filter: parts[1] || "" };
    case "v": {
      const id = Number(parts[1]);
      if (Number.isSafeInteger(id) && id > 0) return { kind: "view", id };
      break;
    }
    case "search":
      if (parts[1]) return { kind: "search", q: parts.slice(1).join("/") };
      break;
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
    case "crm":
      return "#/crm/" + r.list + (r.view ? "/" + r.view : "");
    case "admin":
      return "#/admin" + r.path.map((p) => "/" + encodeURIComponent(p)).join("");
    case "visitors":
      return "#/visitors";
    case "filter":
      return "#/q/" + encodeURIComponent(r.filter);
    case "view":
      return "#/v/" + r.id;
    case "search":
      return "#/search/" + encodeURIComponent(r.q);
    case "reports":
      return "#/reports";
  }
}

/** splitFilter takes a list's query string apart: its folder (default all) and the filters without it. */
export function splitFilter(filter: string): { folder: Folder; rest: string } {
  const q = new URLSearchParams(filter);
  const f = (q.get("folder") || "all") as Folder;
  q.delete("folder");
  return { folder: (folders as string[]).includes(f) || f === "all" ? f : "all", rest: q.toString() };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
