// The CRM screens' model: what each list shows (its columns, sorts and filters), the query its
// filters make, and how values are written. Pure, so the unit tests cover it without a browser.
import type { RecordType } from "../types";

export type ListName = "persons" | "organizations" | "leads" | "deals" | "activities";

export const lists: ListName[] = ["persons", "organizations", "leads", "deals", "activities"];

export const typeOf: Record<ListName, RecordType> = {
  persons: "person",
  organizations: "organization",
  leads: "lead",
  deals: "deal",
  activities: "activity",
};

export const listOf: Record<RecordType, ListName> = {
  person: "persons",
  organization: "organizations",
  lead: "leads",
  deal: "deals",
  activity: "activities",
};

/** Rec is a CRM record as the API lists it (every type's fields, optional). */
export interface Rec {
  id: number;
  name?: string;
  title?: string;
  subject?: string;
  value?: number;
  currency?: string;
  status?: string;
  lost_reason?: string;
  stage_id?: number;
  stage_name?: string;
  pipeline_id?: number;
  probability?: number | null;
  expected_close_date?: string;
  emails?: { value: string; label?: string }[];
  phones?: { value: string; label?: string }[];
  address?: string;
  person_id?: number;
  person_name?: string;
  organization_id?: number;
  organization_name?: string;
  lead_id?: number;
  deal_id?: number;
  contact_id?: number;
  owner_user_id?: number;
  owner_name?: string;
  labels?: string[];
  fields?: Record<string, unknown>;
  source?: string;
  conversation_id?: number;
  type?: string;
  note?: string;
  due_date?: string;
  due_time?: string;
  due_at?: number;
  time_zone?: string;
  done?: boolean;
  closed_at?: number;
  created_at: number;
  updated_at?: number;
  created_by_name?: string;
}

/** Field is a custom field's definition. */
export interface Field {
  id: number;
  record_type: RecordType;
  key: string;
  label: string;
  type: "text" | "number" | "date" | "option" | "options" | "money";
  options: string[];
}

/** Column is one column a list may show. */
export interface Column {
  key: string;
  /** The i18n key of its header, or the custom field's label (custom). */
  label: string;
  custom?: boolean;
  /** The API's sort key, when it sorts. */
  sort?: string;
  /** Shown until the user chooses. */
  initial?: boolean;
  /** A narrow column (numbers, dates). */
  narrow?: boolean;
}

const c = (key: string, label: string, sort?: string, initial?: boolean, narrow?: boolean): Column => ({ key, label, sort, initial, narrow });

/** builtin lists each list's own columns, in their order. */
export const builtin: Record<ListName, Column[]> = {
  persons: [
    c("name", "cs.col.name", "name", true),
    c("emails", "cs.col.emails", undefined, true),
    c("phones", "cs.col.phones", undefined, true),
    c("organization_name", "cs.col.organization", "organization_name", true),
    c("owner_name", "cs.col.owner", "owner_name", true),
    c("labels", "cs.col.labels"),
    c("source", "cs.col.source"),
    c("created_at", "cs.col.created", "created_at", false, true),
    c("updated_at", "cs.col.updated", "updated_at", true, true),
  ],
  organizations: [
    c("name", "cs.col.name", "name", true),
    c("address", "cs.col.address", undefined, true),
    c("owner_name", "cs.col.owner", "owner_name", true),
    c("labels", "cs.col.labels", undefined, true),
    c("source", "cs.col.source"),
    c("created_at", "cs.col.created", "created_at", false, true),
    c("updated_at", "cs.col.updated", "updated_at", true, true),
  ],
  leads: [
    c("title", "cs.col.title", "title", true),
    c("value", "cs.col.value", "value", true, true),
    c("status", "cs.col.status", "status", true),
    c("person_name", "cs.col.person", "person_name", true),
    c("organization_name", "cs.col.organization", "organization_name", true),
    c("owner_name", "cs.col.owner", "owner_name", true),
    c("expected_close_date", "cs.col.close", "expected_close_date", false, true),
    c("labels", "cs.col.labels"),
    c("source", "cs.col.source"),
    c("created_at", "cs.col.created", "created_at", true, true),
    c("updated_at", "cs.col.updated", "updated_at", false, true),
  ],
  deals: [
    c("title", "cs.col.title", "title", true),
    c("value", "cs.col.value", "value", true, true),
    c("stage_name", "cs.col.stage", "stage", true),
    c("status", "cs.col.status", "status", true),
    c("person_name", "cs.col.person", "person_name", true),
    c("organization_name", "cs.col.organization", "organization_name", true),
    c("owner_name", "cs.col.owner", "owner_name", true),
    c("expected_close_date", "cs.col.close", "expected_close_date", true, true),
    c("labels", "cs.col.labels"),
    c("source", "cs.col.source"),
    c("created_at", "cs.col.created", "created_at", false, true),
    c("updated_at", "cs.col.updated", "updated_at", false, true),
  ],
  activities: [
    c("subject", "cs.col.subject", "subject", true),
    c("done", "cs.col.done", "done", true, true),
    c("type", "cs.col.type", "type", true),
    c("due", "cs.col.due", "due", true),
    c("owner_name", "cs.col.owner", "owner_name", true),
    c("linked", "cs.col.linked", undefined, true),
    c("labels", "cs.col.labels"),
    c("created_at", "cs.col.created", "created_at", false, true),
  ],
};

/** columnsOf is every column a list may show: its own and its custom fields'. */
export function columnsOf(list: ListName, fields: Field[]): Column[] {
  const out = builtin[list].slice();
  for (const f of fields) {
    if (f.record_type !== typeOf[list]) continue;
    out.push({ key: "fields." + f.key, label: f.label, custom: true, sort: f.type === "options" ? undefined : "fields." + f.key, narrow: f.type === "number" || f.type === "date" });
  }
  return out;
}

/** shownColumns is the columns a list shows: the user's choice (in its order), else the initial ones. The first column always shows. */
export function shownColumns(all: Column[], chosen: string[] | undefined): Column[] {
  if (!chosen || chosen.length === 0) return all.filter((x) => x.initial);
  const out = chosen.map((k) => all.find((x) => x.key === k)).filter((x): x is Column => !!x);
  if (!out.includes(all[0])) out.unshift(all[0]);
  return out;
}

/** Filters are what a list's filter bar holds. */
export interface Filters {
  q: string;
  owner: string; // a user id, or ""
  label: string;
  status: string;
  pipeline: string;
  stage: string;
  due: string; // activities: overdue, today, upcoming, or "" (all)
  done: string; // activities: "false", "true" or ""
  createdFrom: string; // YYYY-MM-DD
  createdTo: string;
  closeFrom: string;
  closeTo: string;
  field: string; // a custom field's key
  fieldValue: string;
}

export const noFilters: Filters = {
  q: "",
  owner: "",
  label: "",
  status: "",
  pipeline: "",
  stage: "",
  due: "",
  done: "",
  createdFrom: "",
  createdTo: "",
  closeFrom: "",
  closeTo: "",
  field: "",
  fieldValue: "",
};

/** dayStart is a date's first moment in a time zone (unix ms); dayEnd its last. */
export function dayStart(date: string, zone?: string): number {
  return zonedMidnight(date, zone);
}

export function dayEnd(date: string, zone?: string): number {
  const [y, m, d] = date.split("-").map(Number);
  const next = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  return zonedMidnight(next, zone) - 1;
}

function zonedMidnight(date: string, zone?: string): number {
  const [y, m, d] = date.split("-").map(Number);
  const utc = Date.UTC(y, m - 1, d);
  if (!zone) return utc;
  // The zone's offset at that moment: what the wall clock there reads, minus UTC.
  try {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, hour12: false, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }).formatToParts(utc);
    const get = (t: string) => Number(parts.find((p) => p.type === t)?.value || 0);
    const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour") % 24, get("minute"));
    return utc - (wall - utc);
  } catch {
    return utc;
  }
}

/** queryOf is a list's query string: its filters, sort, and page size (no cursor). */
export function queryOf(list: ListName, f: Filters, sort: string, zone?: string): URLSearchParams {
  const p = new URLSearchParams();
  if (f.q.trim()) p.set("q", f.q.trim());
  if (f.owner) p.set("owner_user_id", f.owner);
  if (f.label.trim()) p.set("label", f.label.trim());
  if (f.createdFrom) p.set("created_from", String(dayStart(f.createdFrom, zone)));
  if (f.createdTo) p.set("created_to", String(dayEnd(f.createdTo, zone)));
  if (list === "leads" || list === "deals") {
    if (f.status) p.set("status", f.status);
    if (f.closeFrom) p.set("close_from", f.closeFrom);
    if (f.closeTo) p.set("close_to", f.closeTo);
  }
  if (list === "deals") {
    if (f.pipeline) p.set("pipeline_id", f.pipeline);
    if (f.stage) p.set("stage_id", f.stage);
  }
  if (list === "activities") {
    if (f.due) p.set("due", f.due);
    if (f.done) p.set("done", f.done);
  }
  if (f.field && f.fieldValue.trim()) p.set("field." + f.field, f.fieldValue.trim());
  if (sort) p.set("sort", sort);
  return p;
}

/** activeFilters counts the filters set besides the search. */
export function activeFilters(f: Filters): number {
  let n = 0;
  for (const k of Object.keys(noFilters) as (keyof Filters)[]) {
    if (k === "q" || k === "fieldValue") continue;
    if (f[k]) n++;
  }
  return n;
}

/** nextSort is a column header's click: ascending, then descending, then back to the default. */
export function nextSort(current: string, key: string): string {
  if (current === key) return "-" + key;
  if (current === "-" + key) return "";
  return key;
}

/** allStages is every stage of the pipelines. */
export function allStages<S>(pls: { stages: S[] }[]): S[] {
  const out: S[] = [];
  for (const p of pls) out.push(...p.stages);
  return out;
}

/** titleOf is what a record is called. */
export function titleOf(r: Rec): string {
  return r.name || r.title || r.subject || "#" + r.id;
}

/** fieldText writes a custom value as text (money through money()). */
export function fieldText(v: unknown, money: (minor: number, currency: string) => string): string {
  if (v === null || v === undefined) return "";
  if (Array.isArray(v)) return v.join(", ");
  if (typeof v === "object" && "value" in (v as object)) {
    const m = v as { value: number; currency: string };
    return money(m.value, m.currency);
  }
  return String(v);
}

/** Totals adds up values by currency. */
export function addTotals(list: { value: number; currency: string }[]): { value: number; currency: string }[] {
  const by = new Map<string, number>();
  for (const x of list) by.set(x.currency, (by.get(x.currency) || 0) + x.value);
  return [...by.entries()].map(([currency, value]) => ({ currency, value })).sort((a, b) => b.value - a.value);
}

/** moveTotals moves one deal's value from one stage's totals to another's (a drag on the board). */
export function moveTotals(
  sum: Map<number, { count: number; totals: { value: number; currency: string }[] }>,
  from: number,
  to: number,
  value: number,
  currency: string,
): Map<number, { count: number; totals: { value: number; currency: string }[] }> {
  const out = new Map(sum);
  const take = (id: number, sign: number) => {
    const s = out.get(id) || { count: 0, totals: [] };
    const totals = addTotals([...s.totals, { value: sign * value, currency }]).filter((x) => x.value !== 0);
    out.set(id, { count: Math.max(0, s.count + sign), totals });
  };
  take(from, -1);
  take(to, 1);
  return out;
}

/** dueState says where an activity stands now: overdue, today or upcoming, in its own time zone. */
export function dueState(a: { due_date?: string; due_time?: string; due_at?: number; time_zone?: string; done?: boolean }, now = Date.now()): "overdue" | "today" | "upcoming" | "done" {
  if (a.done) return "done";
  let today = "";
  try {
    today = new Intl.DateTimeFormat("en-CA", { timeZone: a.time_zone || "UTC", year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
  } catch {
    today = new Date(now).toISOString().slice(0, 10);
  }
  const d = a.due_date || "";
  if (d < today || (d === today && a.due_time && (a.due_at || 0) < now)) return "overdue";
  if (d === today) return "today";
  return "upcoming";
}
