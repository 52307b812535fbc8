// What the CRM screens read besides records: custom fields, pipelines and each user's list
// settings, read once per page and kept; and writing values for people.
import { api } from "../api";
import { t } from "../i18n";
import { formatDay, formatDateTime, formatMoney } from "../ui/common";
import type { Pipeline, RecordType, User } from "../types";
import { fieldText, type Field, type ListName, type Rec } from "./model";

let fieldsP: Promise<Field[]> | null = null;
let pipelinesP: Promise<Pipeline[]> | null = null;

/** fieldsOf is the custom fields of a record type. */
export async function fieldsOf(type: RecordType): Promise<Field[]> {
  if (!fieldsP) fieldsP = api<{ fields: Field[] }>("GET", "custom-fields").then((r) => r.fields || [], () => ((fieldsP = null), []));
  return (await fieldsP).filter((f) => f.record_type === type);
}

/** pipelines is every pipeline with its stages. */
export function pipelines(): Promise<Pipeline[]> {
  if (!pipelinesP) pipelinesP = api<{ pipelines: Pipeline[] }>("GET", "pipelines").then((r) => r.pipelines || [], () => ((pipelinesP = null), []));
  return pipelinesP;
}

/** forget drops what was read, so the next screen reads it again (an admin changed it). */
export function forget(): void {
  fieldsP = null;
  pipelinesP = null;
}

export interface ListSettings {
  columns: string[];
  sort: string;
  pipeline_id?: number;
}

export async function listSettings(type: RecordType): Promise<ListSettings> {
  try {
    const r = await api<{ settings: ListSettings }>("GET", "list-settings/" + type);
    return { columns: r.settings.columns || [], sort: r.settings.sort || "", pipeline_id: r.settings.pipeline_id };
  } catch {
    return { columns: [], sort: "" };
  }
}

export function saveListSettings(type: RecordType, s: ListSettings): Promise<unknown> {
  return api("PUT", "list-settings/" + type, s).catch(() => undefined);
}

/** money writes a value in its currency. */
export function money(v: number | undefined, currency: string | undefined): string {
  return formatMoney(v || 0, currency || "EUR");
}

/** cellText is a record's value of a column as text. */
export function cellText(r: Rec, key: string, users: Map<number, User>): string {
  if (key.startsWith("fields.")) return fieldText((r.fields || {})[key.slice(7)], (v, c) => money(v, c));
  switch (key) {
    case "emails":
      return (r.emails || []).map((e) => e.value).join(", ");
    case "phones":
      return (r.phones || []).map((e) => e.value).join(", ");
    case "labels":
      return (r.labels || []).join(", ");
    case "value":
      return money(r.value, r.currency);
    case "status":
      return r.status ? t("status." + r.status) : "";
    case "source":
      return r.source ? t("source." + r.source) : "";
    case "type":
      return r.type ? t("act." + r.type) : "";
    case "owner_name":
      return r.owner_name || (r.owner_user_id ? users.get(r.owner_user_id)?.name || "" : "");
    case "created_at":
      return formatDay(r.created_at);
    case "updated_at":
      return r.updated_at ? formatDay(r.updated_at) : "";
    case "due":
      return dueText(r);
  }
  const v = (r as unknown as Record<string, unknown>)[key];
  return v === undefined || v === null ? "" : String(v);
}

/** dueText is when an activity is due: its date and time, in its owner's time zone. */
export function dueText(r: Rec): string {
  if (!r.due_date) return "";
  if (!r.due_time) return formatDayOf(r.due_date);
  return formatDayOf(r.due_date) + " " + r.due_time + (r.time_zone ? " (" + r.time_zone.replace(/_/g, " ") + ")" : "");
}

/** formatDayOf writes a calendar date (YYYY-MM-DD) in the user's language. */
export function formatDayOf(date: string): string {
  const [y, m, d] = date.split("-").map(Number);
  if (!y || !m || !d) return date;
  try {
    return new Intl.DateTimeFormat(document.documentElement.lang || "en", { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" }).format(Date.UTC(y, m - 1, d));
  } catch {
    return date;
  }
}

export { formatDateTime };

/** pathOf is a record list's API path. */
export function pathOf(list: ListName): string {
  return list;
}
