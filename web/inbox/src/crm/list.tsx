// A list of records — persons, organisations, leads, deals or activities: sortable columns (custom
// fields too), filters, search as you type, keyset pages fetched as the end comes into view with
// only the rows in view drawn, each user's choice of columns, bulk actions and the CSV export.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import { errText } from "../state/inbox";
import type { Pipeline } from "../types";
import { Dialog, Icon, useId, useInbox } from "../ui/common";
import { currencies } from "../ui/crm";
import { cellText, fieldsOf, listSettings, pipelines, saveListSettings, type ListSettings } from "./data";
import {
  activeFilters,
  allStages,
  columnsOf,
  dueState,
  listOf,
  nextSort,
  noFilters,
  queryOf,
  shownColumns,
  titleOf,
  typeOf,
  type Column,
  type Field,
  type Filters,
  type ListName,
  type Rec,
} from "./model";
import "./crm.css";
import { StageOptions, ActivityTypeOptions } from "./pickers";

export const crmRowHeight = 44;
const overscan = 8;
const pageSize = 100;

interface Page {
  rows: Rec[];
  cursor: string | null;
  loading: boolean;
  error: string;
  loaded: boolean;
}

function storedFilters(list: ListName): Filters {
  try {
    const s = sessionStorage.getItem("parley.crm.filters." + list);
    if (s) return { ...noFilters, ...JSON.parse(s) };
  } catch {
    /* none kept */
  }
  return list === "activities" ? { ...noFilters, done: "false" } : noFilters;
}

/** RecordList is one list screen. */
export function RecordList({ list, onMenu }: { list: ListName; onMenu: () => void }) {
  const inbox = useInbox("crm");
  const type = typeOf[list];
  const admin = inbox.me.role === "owner" || inbox.me.role === "admin";
  const [fields, setFields] = useState<Field[]>([]);
  const [pls, setPls] = useState<Pipeline[]>([]);
  const [settings, setSettings] = useState<ListSettings | null>(null);
  const [filters, setFilters] = useState<Filters>(() => storedFilters(list));
  const [q, setQ] = useState(filters.q);
  const [showFilters, setShowFilters] = useState(false);
  const [page, setPage] = useState<Page>({ rows: [], cursor: null, loading: false, error: "", loaded: false });
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [dialog, setDialog] = useState<"columns" | "new" | "delete" | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 800 });
  const loadSeq = useRef(0);

  useEffect(() => {
    let live = true;
    void fieldsOf(type).then((f) => live && setFields(f));
    void listSettings(type).then((s) => live && setSettings(s));
    if (list === "deals" || list === "activities") void pipelines().then((p) => live && setPls(p));
    return () => {
      live = false;
    };
  }, [type]);

  // Search as you type: the query follows the box a moment after the last key.
  useEffect(() => {
    const h = window.setTimeout(() => setFilters((f) => (f.q === q ? f : { ...f, q })), 200);
    return () => clearTimeout(h);
  }, [q]);

  useEffect(() => {
    try {
      sessionStorage.setItem("parley.crm.filters." + list, JSON.stringify(filters));
    } catch {
      /* kept for this view only */
    }
  }, [filters]);

  const all = useMemo(() => columnsOf(list, fields), [list, fields]);
  const cols = shownColumns(all, settings?.columns);
  // Activities come soonest due first until the user sorts otherwise.
  const sort = settings ? settings.sort || (list === "activities" ? "due" : "") : "";
  const query = settings ? queryOf(list, filters, sort, inbox.me.time_zone).toString() : "";

  const load = async (cursor: string | null) => {
    const seq = ++loadSeq.current;
    setPage((p) => ({ ...p, loading: true, error: "" }));
    try {
      const r = await api<Record<string, unknown>>("GET", list + "?" + query + "&limit=" + pageSize + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
      if (seq !== loadSeq.current) return;
      const rows = (r[list] as Rec[]) || [];
      const next = (r.next as { cursor?: string } | undefined)?.cursor || null;
      setPage((p) => ({ rows: cursor ? p.rows.concat(rows.filter((x) => !p.rows.some((y) => y.id === x.id))) : rows, cursor: next, loading: false, error: "", loaded: true }));
    } catch (e) {
      if (seq !== loadSeq.current) return;
      setPage((p) => ({ ...p, loading: false, error: errText(e), loaded: true }));
    }
  };

  // A new query starts from the top.
  useEffect(() => {
    if (!settings) return;
    setSelected(new Set());
    if (scroller.current) scroller.current.scrollTop = 0;
    void load(null);
  }, [query, settings !== null]);

  // A record of this list changed somewhere: read the rows loaded again (the first page).
  const changed = inbox.crmChanged;
  useEffect(() => {
    if (changed.n && settings && (changed.type === type || changed.type === "note") && !page.loading && (scroller.current?.scrollTop || 0) < crmRowHeight * 20) void load(null);
  }, [changed.n]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => setView({ top: el.scrollTop, height: el.clientHeight });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const rows = page.rows;
  const first = Math.max(0, Math.floor(view.top / crmRowHeight) - overscan);
  const last = Math.min(rows.length, Math.ceil((view.top + view.height) / crmRowHeight) + overscan);
  useEffect(() => {
    if (page.cursor && !page.loading && last >= rows.length - overscan) void load(page.cursor);
  }, [last, rows.length, page.cursor, page.loading]);

  const save = (s: ListSettings) => {
    setSettings(s);
    void saveListSettings(type, s);
  };
  const setSort = (key: string) => save({ ...(settings || { columns: [], sort: "" }), sort: nextSort(sort, key) });
  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));

  const toggle = (id: number) => {
    const s = new Set(selected);
    if (s.has(id)) s.delete(id);
    else s.add(id);
    setSelected(s);
  };
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));

  const bulk = async (body: Record<string, unknown>) => {
    try {
      const r = await api<{ done: number[]; failed: { id: number; message: string }[] }>("POST", list + "/bulk", { ...body, ids: [...selected] });
      inbox.toast(r.failed.length ? t("cs.bulk.partly", { n: r.done.length, failed: r.failed.length, why: r.failed[0].message }) : t("cs.bulk.done", { n: r.done.length }), r.failed.length > 0);
      setSelected(new Set());
      void load(null);
    } catch (e) {
      inbox.toast(errText(e), true);
    }
  };

  const toggleDone = async (r: Rec) => {
    try {
      const res = await api<{ activity: Rec }>("PATCH", "activities/" + r.id, { done: !r.done });
      setPage((p) => ({ ...p, rows: p.rows.map((x) => (x.id === r.id ? { ...x, ...res.activity } : x)) }));
    } catch (e) {
      inbox.toast(errText(e), true);
    }
  };

  const headId = useId("crm-h");
  const searchId = useId("crm-q");
  const stages = pls.find((p) => String(p.id) === filters.pipeline)?.stages || allStages(pls);
  const exportHref = "/api/v1/" + list + "?" + query + (query ? "&" : "") + "format=csv";
  const nFilters = activeFilters(filters) - (list === "activities" && filters.done === "false" ? 1 : 0);

  const body = [];
  for (let i = first; i < last; i++) {
    const r = rows[i];
    body.push(
      <tr key={r.id} class={"crm-row" + (selected.has(r.id) ? " crm-row-sel" : "")} style={{ height: crmRowHeight + "px" }} aria-rowindex={i + 2}>
        <td class="crm-check">
          <input type="checkbox" checked={selected.has(r.id)} onChange={() => toggle(r.id)} aria-label={t("cs.select", { name: titleOf(r) })} />
        </td>
        {cols.map((c, ci) => (
          <Cell key={c.key} r={r} c={c} first={ci === 0} list={list} onDone={() => void toggleDone(r)} />
        ))}
      </tr>,
    );
  }

  return (
    <section class="crm" aria-labelledby={headId}>
      <header class="pane-head crm-head">
        <button type="button" class="icon-btn phone-only" onClick={onMenu} aria-label={t("nav.menu")}>
          <Icon name="menu" />
        </button>
        <h1 id={headId}>{t("cs.title." + list)}</h1>
        <div class="crm-actions">
          {list === "deals" && (
            <a class="btn btn-s" href="#/crm/deals/board">
              <Icon name="board" />
              <span class="not-phone">{t("cs.board")}</span>
              <span class="sr phone-sr">{t("cs.board")}</span>
            </a>
          )}
          {(list === "persons" || list === "organizations") && (
            <a class="btn btn-s" href={"#/crm/" + list + "/import"}>
              <Icon name="upload" />
              <span class="not-phone">{t("cs.import")}</span>
              <span class="sr phone-sr">{t("cs.import")}</span>
            </a>
          )}
          <a class="btn btn-s" href={exportHref} download={list + ".csv"}>
            <Icon name="download" />
            <span class="not-phone">{t("cs.export")}</span>
            <span class="sr phone-sr">{t("cs.export")}</span>
          </a>
          <button type="button" class="btn btn-s btn-primary" onClick={() => setDialog("new")}>
            <Icon name="plus" />
            <span>{t("cs.new." + type)}</span>
          </button>
        </div>
      </header>
      {(list === "persons" || list === "organizations") && (
        <nav class="crm-tabs" aria-label={t("cs.nav.contacts")}>
          <a href="#/crm/persons" class="crm-tab" aria-current={list === "persons" ? "page" : undefined}>
            {t("cs.title.persons")}
          </a>
          <a href="#/crm/organizations" class="crm-tab" aria-current={list === "organizations" ? "page" : undefined}>
            {t("cs.title.organizations")}
          </a>
        </nav>
      )}
      {list === "activities" && (
        <div class="crm-tabs" role="group" aria-label={t("cs.due.label")}>
          {["", "overdue", "today", "upcoming"].map((d) => (
            <button key={d} type="button" class={"crm-tab" + (d ? " due-" + d : "")} aria-pressed={filters.due === d ? "true" : "false"} onClick={() => set({ due: d })}>
              {t("cs.due." + (d || "all"))}
            </button>
          ))}
        </div>
      )}
      <div class="crm-bar">
        <div class="crm-search">
          <Icon name="search" />
          <label for={searchId} class="sr">
            {t("cs.search")}
          </label>
          <input id={searchId} type="search" value={q} placeholder={t("cs.search")} autocomplete="off" onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
        </div>
        <button type="button" class={"btn btn-s" + (showFilters ? " on" : "")} aria-expanded={showFilters ? "true" : "false"} onClick={() => setShowFilters(!showFilters)}>
          <Icon name="filter" />
          <span>{nFilters > 0 ? t("cs.filters.n", { n: nFilters }) : t("cs.filters")}</span>
        </button>
        <button type="button" class="btn btn-s" onClick={() => setDialog("columns")}>
          <Icon name="columns" />
          <span class="not-phone">{t("cs.columns")}</span>
          <span class="sr phone-sr">{t("cs.columns")}</span>
        </button>
      </div>
      {showFilters && <FilterBar list={list} filters={filters} set={set} fields={fields} pipelines={pls} stages={stages} />}
      {selected.size > 0 && <BulkBar n={selected.size} admin={admin} onBulk={bulk} onDelete={() => setDialog("delete")} onClear={() => setSelected(new Set())} />}
      <div
        class="crm-scroller"
        ref={scroller}
        onScroll={(e) => {
          const el = e.currentTarget as HTMLDivElement;
          setView({ top: el.scrollTop, height: el.clientHeight });
        }}
      >
        <table class="crm-table" aria-labelledby={headId} aria-rowcount={page.cursor ? -1 : rows.length + 1} aria-busy={page.loading ? "true" : "false"}>
          <thead>
            <tr aria-rowindex={1}>
              <th class="crm-check" scope="col">
                <input
                  type="checkbox"
                  checked={allSelected}
                  aria-label={t("cs.selectAll")}
                  onChange={() => setSelected(allSelected ? new Set() : new Set(rows.map((r) => r.id)))}
                />
              </th>
              {cols.map((c) => (
                <th
                  key={c.key}
                  scope="col"
                  class={c.narrow ? "crm-narrow" : undefined}
                  aria-sort={c.sort && sort === c.sort ? "ascending" : c.sort && sort === "-" + c.sort ? "descending" : undefined}
                >
                  {c.sort ? (
                    <button type="button" class="crm-sort" onClick={() => setSort(c.sort!)}>
                      {c.custom ? c.label : t(c.label)}
                      <span aria-hidden="true" class="crm-arrow">
                        {sort === c.sort ? "▲" : sort === "-" + c.sort ? "▼" : ""}
                      </span>
                    </button>
                  ) : c.custom ? (
                    c.label
                  ) : (
                    t(c.label)
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {first > 0 && (
              <tr class="crm-spacer" aria-hidden="true">
                <td colSpan={cols.length + 1} style={{ height: first * crmRowHeight + "px" }} />
              </tr>
            )}
            {body}
            {last < rows.length && (
              <tr class="crm-spacer" aria-hidden="true">
                <td colSpan={cols.length + 1} style={{ height: (rows.length - last) * crmRowHeight + "px" }} />
              </tr>
            )}
          </tbody>
        </table>
        {page.loaded && rows.length === 0 && !page.error && <p class="empty">{filters.q || nFilters ? t("cs.none.filtered") : t("cs.none." + list)}</p>}
        {page.error && (
          <p class="empty err" role="alert">
            {page.error}{" "}
            <button type="button" class="link-btn" onClick={() => void load(null)}>
              {t("retry")}
            </button>
          </p>
        )}
        {page.loading && (
          <p class="loading muted" role="status">
            {t("loading")}
          </p>
        )}
      </div>
      <p class="crm-count muted small" aria-live="polite">
        {page.loaded ? (page.cursor ? t("cs.count.more", { n: rows.length }) : t("cs.count", { n: rows.length })) : ""}
      </p>
      {dialog === "columns" && <ColumnsDialog all={all} shown={cols} onClose={() => setDialog(null)} onSave={(columns) => save({ ...(settings || { columns: [], sort: "" }), columns })} />}
      {dialog === "new" && <NewRecordDialog list={list} pipelines={pls} onClose={() => setDialog(null)} />}
      {dialog === "delete" && (
        <Dialog title={t("cs.bulk.deleteTitle", { n: selected.size })} onClose={() => setDialog(null)}>
          <p>{t("cs.bulk.deleteText", { n: selected.size })}</p>
          <div class="dlg-actions">
            <button type="button" class="btn" onClick={() => setDialog(null)}>
              {t("cancel")}
            </button>
            <button
              type="button"
              class="btn btn-danger"
              onClick={() => {
                setDialog(null);
                void bulk({ action: "delete" });
              }}
            >
              {t("cs.bulk.delete")}
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}

function Cell({ r, c, first, list, onDone }: { r: Rec; c: Column; first: boolean; list: ListName; onDone: () => void }) {
  const inbox = useInbox();
  const type = typeOf[list];
  if (first) {
    return (
      <th scope="row" class="crm-title">
        <a href={"#/crm/" + type + "/" + r.id}>{titleOf(r)}</a>
      </th>
    );
  }
  switch (c.key) {
    case "done":
      return (
        <td class="crm-narrow">
          <input type="checkbox" checked={!!r.done} onChange={onDone} aria-label={t(r.done ? "cs.act.undone" : "cs.act.markDone", { name: titleOf(r) })} />
        </td>
      );
    case "organization_name":
      return <td>{r.organization_id ? <a href={"#/crm/organization/" + r.organization_id}>{r.organization_name}</a> : ""}</td>;
    case "person_name":
      return <td>{r.person_id ? <a href={"#/crm/person/" + r.person_id}>{r.person_name}</a> : ""}</td>;
    case "status":
      return <td>{r.status ? <span class={"tag tag-" + r.status}>{t("status." + r.status)}</span> : ""}</td>;
    case "due": {
      const st = dueState(r);
      return (
        <td class={"due-" + st}>
          {cellText(r, "due", inbox.users)}
          {st === "overdue" && <span class="tag tag-overdue">{t("cs.due.overdue")}</span>}
        </td>
      );
    }
    case "linked":
      return (
        <td>
          {r.deal_id ? (
            <a href={"#/crm/deal/" + r.deal_id}>{t("item.deal") + " #" + r.deal_id}</a>
          ) : r.lead_id ? (
            <a href={"#/crm/lead/" + r.lead_id}>{t("item.lead") + " #" + r.lead_id}</a>
          ) : r.person_id ? (
            <a href={"#/crm/person/" + r.person_id}>{t("item.person") + " #" + r.person_id}</a>
          ) : r.organization_id ? (
            <a href={"#/crm/organization/" + r.organization_id}>{t("item.organization") + " #" + r.organization_id}</a>
          ) : (
            ""
          )}
        </td>
      );
  }
  return <td class={c.narrow ? "crm-narrow" : undefined}>{cellText(r, c.key, inbox.users)}</td>;
}

/** FilterBar is a list's filters (on the board: without pipeline, stage and status). */
export function FilterBar({
  list,
  board,
  filters,
  set,
  fields,
  pipelines: pls,
  stages,
}: {
  list: ListName;
  board?: boolean;
  filters: Filters;
  set: (p: Partial<Filters>) => void;
  fields: Field[];
  pipelines: Pipeline[];
  stages: { id: number; name: string }[];
}) {
  const inbox = useInbox();
  const id = useId("flt");
  const users = [...inbox.users.values()].filter((u) => !u.deactivated).sort((a, b) => a.name.localeCompare(b.name));
  const field = fields.find((f) => f.key === filters.field);
  const sel = (name: string, label: string, value: string, onChange: (v: string) => void, options: [string, string][]) => (
    <div class="field field-s">
      <label for={id + name}>{label}</label>
      <select id={id + name} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  );
  const date = (name: keyof Filters, label: string) => (
    <div class="field field-s">
      <label for={id + name}>{label}</label>
      <input id={id + name} type="date" value={filters[name]} onChange={(e) => set({ [name]: (e.target as HTMLInputElement).value } as Partial<Filters>)} />
    </div>
  );
  return (
    <div class="crm-filters" role="group" aria-label={t("cs.filters")}>
      {sel("owner", t("cs.col.owner"), filters.owner, (v) => set({ owner: v }), [["", t("cs.anyone")], [String(inbox.me.id), t("cs.me")], ...users.filter((u) => u.id !== inbox.me.id).map((u) => [String(u.id), u.name] as [string, string])])}
      <div class="field field-s">
        <label for={id + "label"}>{t("cs.col.labels")}</label>
        <input id={id + "label"} value={filters.label} onChange={(e) => set({ label: (e.target as HTMLInputElement).value })} />
      </div>
      {list === "leads" &&
        sel("status", t("cs.col.status"), filters.status, (v) => set({ status: v }), [["", t("cs.any")], ...["open", "qualified", "disqualified", "converted"].map((s) => [s, t("status." + s)] as [string, string])])}
      {list === "deals" && !board && (
        <>
          {sel("pipeline", t("cs.pipeline"), filters.pipeline, (v) => set({ pipeline: v, stage: "" }), [["", t("cs.any")], ...pls.map((p) => [String(p.id), p.name] as [string, string])])}
          {sel("stage", t("cs.col.stage"), filters.stage, (v) => set({ stage: v }), [["", t("cs.any")], ...stages.map((s) => [String(s.id), s.name] as [string, string])])}
          {sel("status", t("cs.col.status"), filters.status, (v) => set({ status: v }), [["", t("cs.any")], ...["open", "won", "lost"].map((s) => [s, t("status." + s)] as [string, string])])}
        </>
      )}
      {list === "activities" && sel("done", t("cs.col.done"), filters.done, (v) => set({ done: v }), [["false", t("cs.act.open")], ["true", t("cs.act.doneOnes")], ["", t("cs.any")]])}
      {(list === "leads" || list === "deals") && (
        <>
          {date("closeFrom", t("cs.closeFrom"))}
          {date("closeTo", t("cs.closeTo"))}
        </>
      )}
      {date("createdFrom", t("cs.createdFrom"))}
      {date("createdTo", t("cs.createdTo"))}
      {fields.length > 0 && (
        <>
          {sel("field", t("cs.customField"), filters.field, (v) => set({ field: v, fieldValue: "" }), [["", t("cs.none.field")], ...fields.map((f) => [f.key, f.label] as [string, string])])}
          {field && (field.type === "option" || field.type === "options" ? (
            sel("fieldValue", field.label, filters.fieldValue, (v) => set({ fieldValue: v }), [["", t("cs.any")], ...field.options.map((o) => [o, o] as [string, string])])
          ) : (
            <div class="field field-s">
              <label for={id + "fv"}>{field.label}</label>
              <input id={id + "fv"} type={(field.type === "date" ? "date" : "text") as "text"} value={filters.fieldValue} onChange={(e) => set({ fieldValue: (e.target as HTMLInputElement).value })} />
            </div>
          ))}
        </>
      )}
      <button type="button" class="btn btn-s crm-clear" onClick={() => set({ ...noFilters, q: filters.q, due: filters.due, done: list === "activities" ? "false" : "" })}>
        {t("cs.filters.clear")}
      </button>
    </div>
  );
}

function BulkBar({ n, admin, onBulk, onDelete, onClear }: { n: number; admin: boolean; onBulk: (b: Record<string, unknown>) => void; onDelete: () => void; onClear: () => void }) {
  const inbox = useInbox();
  const [owner, setOwner] = useState("");
  const [label, setLabel] = useState("");
  const id = useId("bulk");
  const users = [...inbox.users.values()].filter((u) => !u.deactivated).sort((a, b) => a.name.localeCompare(b.name));
  return (
    <div class="crm-bulk" role="region" aria-label={t("cs.bulk.label")}>
      <strong>{t("cs.bulk.selected", { n })}</strong>
      <div class="crm-bulk-op">
        <label for={id + "o"} class="sr">
          {t("cs.bulk.owner")}
        </label>
        <select id={id + "o"} value={owner} onChange={(e) => setOwner((e.target as HTMLSelectElement).value)}>
          <option value="">{t("cs.bulk.owner")}</option>
          <option value="0">{t("rec.nobody")}</option>
          {users.map((u) => (
            <option key={u.id} value={String(u.id)}>
              {u.name}
            </option>
          ))}
        </select>
        <button type="button" class="btn btn-s" disabled={owner === ""} onClick={() => onBulk({ action: "owner", owner_user_id: Number(owner) })}>
          {t("cs.bulk.apply")}
        </button>
      </div>
      <div class="crm-bulk-op">
        <label for={id + "l"} class="sr">
          {t("cs.bulk.label.add")}
        </label>
        <input id={id + "l"} value={label} placeholder={t("cs.bulk.label.add")} onInput={(e) => setLabel((e.target as HTMLInputElement).value)} />
        <button type="button" class="btn btn-s" disabled={!label.trim()} onClick={() => onBulk({ action: "add_label", label: label.trim() })}>
          {t("cs.bulk.apply")}
        </button>
      </div>
      {admin && (
        <button type="button" class="btn btn-s btn-danger-quiet" onClick={onDelete}>
          <Icon name="trash" />
          {t("cs.bulk.delete")}
        </button>
      )}
      <button type="button" class="link-btn" onClick={onClear}>
        {t("cs.bulk.clear")}
      </button>
    </div>
  );
}

/** ColumnsDialog chooses the columns a list shows, and their order. */
function ColumnsDialog({ all, shown, onClose, onSave }: { all: Column[]; shown: Column[]; onClose: () => void; onSave: (keys: string[]) => void }) {
  const [keys, setKeys] = useState(shown.map((c) => c.key));
  const move = (k: string, by: number) => {
    const i = keys.indexOf(k);
    const j = i + by;
    if (i < 1 || j < 1 || j >= keys.length) return;
    const out = keys.slice();
    [out[i], out[j]] = [out[j], out[i]];
    setKeys(out);
  };
  const ordered = [...keys.map((k) => all.find((c) => c.key === k)!).filter(Boolean), ...all.filter((c) => !keys.includes(c.key))];
  return (
    <Dialog title={t("cs.columns.title")} onClose={onClose}>
      <p class="hint small">{t("cs.columns.hint")}</p>
      <ul class="plain-list crm-cols">
        {ordered.map((c, i) => {
          const on = keys.includes(c.key);
          const name = c.custom ? c.label : t(c.label);
          return (
            <li key={c.key}>
              <label class="check">
                <input
                  type="checkbox"
                  checked={on}
                  disabled={i === 0}
                  onChange={() => setKeys(on ? keys.filter((k) => k !== c.key) : [...keys, c.key])}
                />{" "}
                {name}
              </label>
              {on && i > 0 && (
                <span class="crm-col-move">
                  <button type="button" class="icon-btn" disabled={i < 2} aria-label={t("cs.columns.up", { name })} onClick={() => move(c.key, -1)}>
                    ▲
                  </button>
                  <button type="button" class="icon-btn" disabled={i >= keys.length - 1} aria-label={t("cs.columns.down", { name })} onClick={() => move(c.key, 1)}>
                    ▼
                  </button>
                </span>
              )}
            </li>
          );
        })}
      </ul>
      <div class="dlg-actions">
        <button type="button" class="btn" onClick={onClose}>
          {t("cancel")}
        </button>
        <button
          type="button"
          class="btn btn-primary"
          onClick={() => {
            onSave(keys);
            onClose();
          }}
        >
          {t("cs.save")}
        </button>
      </div>
    </Dialog>
  );
}

/** NewRecordDialog makes a record of the list's type with its main fields; its page opens. */
export function NewRecordDialog({ list, pipelines: pls, onClose, link }: { list: ListName; pipelines: Pipeline[]; onClose: () => void; link?: Record<string, number> }) {
  const type = typeOf[list];
  const inbox = useInbox();
  const [f, setF] = useState({ name: "", email: "", phone: "", org: "", address: "", value: "", currency: "EUR", close: "", stage: "", kind: "task", date: "", time: "" });
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const id = useId("nr");
  const def = pls.find((p) => p.default) || pls[0];
  const set = (p: Partial<typeof f>) => setF({ ...f, ...p });
  const input = (k: keyof typeof f, label: string, extra: Record<string, unknown> = {}) => (
    <div class="field">
      <label for={id + k}>{label}</label>
      <input id={id + k} value={f[k]} onInput={(e) => set({ [k]: (e.target as HTMLInputElement).value } as Partial<typeof f>)} {...extra} />
    </div>
  );
  const submit = async (e: Event) => {
    e.preventDefault();
    setError("");
    const body: Record<string, unknown> = { ...(link || {}) };
    if (type === "person") {
      body.name = f.name;
      if (f.email.trim()) body.emails = [{ value: f.email.trim() }];
      if (f.phone.trim()) body.phones = [{ value: f.phone.trim() }];
      if (f.org.trim()) body.organization = { name: f.org.trim() };
    } else if (type === "organization") {
      body.name = f.name;
      body.address = f.address;
    } else if (type === "lead" || type === "deal") {
      body.title = f.name;
      const minor = f.value.trim() ? Math.round(Number(f.value.replace(",", ".")) * 100) : 0;
      if (Number.isNaN(minor)) {
        setError(t("lead.badValue"));
        return;
      }
      body.value = minor;
      body.currency = f.currency;
      if (f.close) body.expected_close_date = f.close;
      if (type === "deal" && f.stage) body.stage_id = Number(f.stage);
      if (f.org.trim() && !body.organization_id) body.organization = { name: f.org.trim() };
    } else {
      body.subject = f.name;
      body.type = f.kind;
      if (f.date) body.due_date = f.date;
      if (f.time) body.due_time = f.time;
    }
    setBusy(true);
    try {
      const r = await api<Record<string, Rec>>("POST", list, body);
      onClose();
      if (!link) location.hash = "#/crm/" + type + "/" + r[type].id;
      else inbox.toast(t("cs.created", { name: titleOf(r[type]) }));
    } catch (err) {
      setError(errText(err));
    } finally {
      setBusy(false);
    }
  };
  const nameLabel = type === "person" || type === "organization" ? t("cs.col.name") : type === "activity" ? t("cs.col.subject") : t("cs.col.title");
  return (
    <Dialog title={t("cs.new." + type)} onClose={onClose} class="dlg-crm">
      <form onSubmit={submit}>
        {error && (
          <p class="err" role="alert">
            {error}
          </p>
        )}
        {input("name", nameLabel, { required: true, maxLength: 200 })}
        {type === "person" && (
          <>
            <div class="field-row even">
              {input("email", t("crm.personEmail"), { type: "email" })}
              {input("phone", t("crm.personPhone"), { type: "tel" })}
            </div>
            {input("org", t("crm.organization"))}
          </>
        )}
        {type === "organization" && input("address", t("crm.orgAddress"))}
        {(type === "lead" || type === "deal") && (
          <>
            <div class="field-row">
              {input("value", t("rec.value"), { inputMode: "decimal" })}
              <div class="field">
                <label for={id + "cur"}>{t("lead.currency")}</label>
                <select id={id + "cur"} value={f.currency} onChange={(e) => set({ currency: (e.target as HTMLSelectElement).value })}>
                  {currencies.map((x) => (
                    <option key={x}>{x}</option>
                  ))}
                </select>
              </div>
            </div>
            {input("close", t("crm.closeDate"), { type: "date" })}
            {!link?.organization_id && input("org", t("crm.organization"))}
          </>
        )}
        {type === "deal" && def && (
          <div class="field">
            <label for={id + "st"}>{t("crm.stage")}</label>
            <select id={id + "st"} value={f.stage} onChange={(e) => set({ stage: (e.target as HTMLSelectElement).value })}>
              <StageOptions pipelines={pls} />
            </select>
          </div>
        )}
        {type === "activity" && (
          <>
            <div class="field">
              <label for={id + "k"}>{t("cs.col.type")}</label>
              <select id={id + "k"} value={f.kind} onChange={(e) => set({ kind: (e.target as HTMLSelectElement).value })}>
                <ActivityTypeOptions />
              </select>
            </div>
            <div class="field-row even">
              {input("date", t("cs.act.date"), { type: "date" })}
              {input("time", t("cs.act.time"), { type: "time" })}
            </div>
            <p class="hint small">{t("cs.act.zone", { zone: inbox.me.time_zone || "UTC" })}</p>
          </>
        )}
        <div class="dlg-actions">
          <button type="button" class="btn" onClick={onClose}>
            {t("cancel")}
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy || !f.name.trim()}>
            {t("cs.create")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export { listOf };
