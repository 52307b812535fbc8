// A record's page: what it holds (editable by whoever may), and its timeline — planned activities
// first, then notes (added and edited in place), done activities, its conversations with their
// latest messages and emails (within the conversations' own rule), and every change with who made
// it, when, and each field before → after. Deals are won or lost here, leads converted, persons and
// organisations merged.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import { errText } from "../state/inbox";
import type { Note, Pipeline, RecordType } from "../types";
import { ChannelIcon, Dialog, formatDateTime, formatTime, Icon, useId, useInbox } from "../ui/common";
import { currencies, majorUnits } from "../ui/crm";
import { dueText, fieldsOf, formatDayOf, money, pipelines } from "./data";
import { MergeDialog } from "./merge";
import { allStages, dueState, fieldText, listOf, titleOf, type Field, type Rec } from "./model";
import "./crm.css";
import { StageOptions, ActivityTypeOptions } from "./pickers";

interface Allowed {
  edit: boolean;
  delete: boolean;
}

interface Change {
  id: number;
  user_id?: number;
  user_name?: string;
  action: "updated" | "merged";
  changes: { field: string; before: unknown; after: unknown }[];
  merged_id?: number;
  merged_name?: string;
  at: number;
}

interface RecordConversation {
  conversation_id: number;
  hidden?: boolean;
  why: string;
  channel?: string;
  status?: string;
  subject?: string;
  contact_name?: string;
  assignee_name?: string;
  last_at?: number;
  lines?: { seq: number; at: number; from: string; name: string; text: string; subject?: string }[];
}

type Filter = "all" | "notes" | "activities" | "conversations" | "emails" | "changes";

/** RecordView is a record's page. */
export function RecordView({ type, id, onBack }: { type: RecordType; id: number; onBack: () => void }) {
  const inbox = useInbox("crm");
  const list = listOf[type];
  const [rec, setRec] = useState<Rec | null>(null);
  const [allowed, setAllowed] = useState<Allowed>({ edit: false, delete: false });
  const [error, setError] = useState("");
  const [notes, setNotes] = useState<Note[] | null>(null);
  const [acts, setActs] = useState<Rec[] | null>(null);
  const [convs, setConvs] = useState<RecordConversation[] | null>(null);
  const [changes, setChanges] = useState<Change[] | null>(null);
  const [sales, setSales] = useState<{ leads: Rec[]; deals: Rec[]; persons: Rec[] } | null>(null);
  const [fields, setFields] = useState<Field[]>([]);
  const [pls, setPls] = useState<Pipeline[]>([]);
  const [filter, setFilter] = useState<Filter>("all");
  const [dialog, setDialog] = useState<"edit" | "lost" | "delete" | "merge" | null>(null);
  const [reload, setReload] = useState(0);
  const changed = inbox.crmChanged;
  // A change to this record, or to a note on it, reads it again.
  const mine = changed.type === type && changed.id === id ? changed.n : 0;

  useEffect(() => {
    let live = true;
    void fieldsOf(type).then((f) => live && setFields(f));
    void pipelines().then((p) => live && setPls(p));
    return () => {
      live = false;
    };
  }, [type]);

  useEffect(() => {
    let live = true;
    const get = <T,>(path: string, then: (x: T) => void, fail: () => void) =>
      api<T>("GET", path).then(
        (r) => live && then(r),
        () => live && fail(),
      );
    api<Record<string, unknown>>("GET", `${list}/${id}`).then(
      (r) => {
        if (!live) return;
        setRec(r[type] as Rec);
        setAllowed((r.allowed as Allowed) || { edit: false, delete: false });
        setError("");
      },
      (e) => live && setError(errText(e)),
    );
    void get<{ notes: Note[] }>(`notes?record_type=${type}&record_id=${id}&limit=100`, (r) => setNotes(r.notes || []), () => setNotes([]));
    void get<{ changes: Change[] }>(`${list}/${id}/history?limit=100`, (r) => setChanges(r.changes || []), () => setChanges([]));
    if (type !== "activity") {
      void get<{ activities: Rec[] }>(`activities?${type}_id=${id}&limit=100`, (r) => setActs(r.activities || []), () => setActs([]));
      void get<{ conversations: RecordConversation[] }>(`${list}/${id}/conversations`, (r) => setConvs(r.conversations || []), () => setConvs([]));
    } else {
      setActs([]);
      setConvs([]);
    }
    if (type === "person" || type === "organization") {
      Promise.all([
        api<{ leads: Rec[] }>("GET", `leads?${type}_id=${id}&limit=100`),
        api<{ deals: Rec[] }>("GET", `deals?${type}_id=${id}&limit=100`),
        type === "organization" ? api<{ persons: Rec[] }>("GET", `persons?organization_id=${id}&limit=100`) : Promise.resolve({ persons: [] as Rec[] }),
      ]).then(
        ([l, d, p]) => live && setSales({ leads: l.leads || [], deals: d.deals || [], persons: p.persons || [] }),
        () => live && setSales({ leads: [], deals: [], persons: [] }),
      );
    }
    return () => {
      live = false;
    };
  }, [type, id, mine, reload]);

  useEffect(() => {
    document.title = (rec ? titleOf(rec) + " · " : "") + t("item." + type) + " · Parley";
  }, [rec, type]);

  const again = () => setReload((n) => n + 1);
  const patch = async (body: Record<string, unknown>) => {
    try {
      const r = await api<Record<string, Rec>>("PATCH", `${list}/${id}`, body);
      setRec(r[type]);
      again();
      return true;
    } catch (e) {
      inbox.toast(errText(e), true);
      return false;
    }
  };

  const title = rec ? titleOf(rec) : "";
  const stageName = (sid?: number) => allStages(pls).find((s) => s.id === sid)?.name || (sid ? "#" + sid : "");
  const facts: [string, preact.ComponentChildren][] = [];
  if (rec) {
    if (type === "lead" || type === "deal") facts.push([t("rec.value"), money(rec.value, rec.currency)]);
    if (rec.status) facts.push([t("rec.status"), t("status." + rec.status) + (rec.lost_reason ? " · " + rec.lost_reason : "")]);
    if (type === "deal") facts.push([t("rec.stage"), rec.stage_name || stageName(rec.stage_id)]);
    if (rec.expected_close_date) facts.push([t("crm.closeDate"), formatDayOf(rec.expected_close_date)]);
    if (rec.due_date) facts.push([t("rec.due"), dueText(rec)]);
    if (rec.emails && rec.emails.length) facts.push([t("rec.emails"), <>{rec.emails.map((e) => <div key={e.value}>{e.value}</div>)}</>]);
    if (rec.phones && rec.phones.length) facts.push([t("rec.phones"), <>{rec.phones.map((e) => <div key={e.value}>{e.value}</div>)}</>]);
    if (rec.address) facts.push([t("rec.address"), rec.address]);
    if (rec.person_id) facts.push([t("crm.person"), <a href={"#/crm/person/" + rec.person_id}>{rec.person_name || "#" + rec.person_id}</a>]);
    if (rec.organization_id)
      facts.push([t("crm.organization"), <a href={"#/crm/organization/" + rec.organization_id}>{rec.organization_name || "#" + rec.organization_id}</a>]);
    if (rec.deal_id && type !== "deal") facts.push([t("item.deal"), <a href={"#/crm/deal/" + rec.deal_id}>#{rec.deal_id}</a>]);
    if (rec.lead_id && type !== "lead") facts.push([t("item.lead"), <a href={"#/crm/lead/" + rec.lead_id}>#{rec.lead_id}</a>]);
    facts.push([t("rec.owner"), rec.owner_name || t("rec.nobody")]);
    if (rec.labels && rec.labels.length) facts.push([t("rec.labels"), rec.labels.join(", ")]);
    for (const f of fields) {
      const v = (rec.fields || {})[f.key];
      if (v !== undefined && v !== null) facts.push([f.label, fieldText(v, (m, c) => money(m, c))]);
    }
    if (rec.note && type === "activity") facts.push([t("crm.note"), rec.note]);
    if (rec.source) facts.push([t("rec.source"), t("source." + rec.source)]);
    if (rec.conversation_id) facts.push([t("rec.fromChat"), <a href={"#/c/" + rec.conversation_id}>{t("rec.openChat")}</a>]);
    facts.push([t("rec.created"), formatDateTime(rec.created_at) + (rec.created_by_name ? " · " + rec.created_by_name : "")]);
  }

  return (
    <main class="main recordpage" id="main" aria-labelledby="rec-h">
      <header class="pane-head rec-head">
        <button type="button" class="icon-btn" onClick={onBack} aria-label={t("rec.back")}>
          <Icon name="back" />
        </button>
        <h2 id="rec-h">
          <span class="tag">{t("item." + type)}</span> {title}
        </h2>
        {rec && (
          <div class="crm-actions">
            {type === "deal" && rec.status === "open" && allowed.edit && (
              <>
                <button type="button" class="btn btn-s btn-resolve" onClick={() => void patch({ status: "won" })}>
                  {t("cs.won")}
                </button>
                <button type="button" class="btn btn-s btn-danger-quiet" onClick={() => setDialog("lost")}>
                  {t("cs.lost")}
                </button>
              </>
            )}
            {type === "deal" && rec.status !== "open" && allowed.edit && (
              <button type="button" class="btn btn-s" onClick={() => void patch({ status: "open" })}>
                {t("cs.reopen")}
              </button>
            )}
            {type === "lead" && rec.status !== "converted" && allowed.edit && (
              <button
                type="button"
                class="btn btn-s btn-primary"
                onClick={async () => {
                  try {
                    const r = await api<{ deal: Rec }>("POST", `leads/${id}/convert`);
                    location.hash = "#/crm/deal/" + r.deal.id;
                  } catch (e) {
                    inbox.toast(errText(e), true);
                  }
                }}
              >
                {t("cs.convert")}
              </button>
            )}
            {(type === "person" || type === "organization") && allowed.edit && (
              <button type="button" class="btn btn-s" onClick={() => setDialog("merge")}>
                <Icon name="merge" />
                {t("cs.merge")}
              </button>
            )}
            {allowed.edit && (
              <button type="button" class="btn btn-s" onClick={() => setDialog("edit")}>
                <Icon name="edit" />
                {t("cs.edit")}
              </button>
            )}
            {allowed.delete && (
              <button type="button" class="icon-btn" aria-label={t("cs.delete.named", { name: title })} title={t("cs.delete")} onClick={() => setDialog("delete")}>
                <Icon name="trash" />
              </button>
            )}
          </div>
        )}
      </header>
      <div class="record-body rec-grid">
        {error && (
          <p class="err" role="alert">
            {error}
          </p>
        )}
        {!rec && !error && <p class="muted">{t("loading")}</p>}
        {rec && (
          <aside class="rec-side" aria-label={t("cs.details")}>
            <dl class="facts record-facts">
              {facts.map(([k, v]) => (
                <>
                  <dt>{k}</dt>
                  <dd>{v}</dd>
                </>
              ))}
            </dl>
            {sales && (
              <>
                {type === "organization" && <SalesList kind="person" list={sales.persons} />}
                <SalesList kind="deal" list={sales.deals} />
                <SalesList kind="lead" list={sales.leads} />
              </>
            )}
          </aside>
        )}
        {rec && (
          <div class="rec-main">
            <Composer type={type} id={id} rec={rec} onDone={again} />
            {type !== "activity" && <Planned acts={acts} onChange={again} />}
            <section class="sect" aria-labelledby="tl-h">
              <div class="sect-head">
                <h3 id="tl-h">{t("cs.timeline")}</h3>
              </div>
              <div class="tl-chips" role="group" aria-label={t("cs.timeline.filter")}>
                {(["all", "notes", "activities", "conversations", "emails", "changes"] as Filter[]).map((f) => (
                  <button key={f} type="button" class="tl-chip" aria-pressed={filter === f ? "true" : "false"} onClick={() => setFilter(f)}>
                    {t("cs.tl." + f)}
                  </button>
                ))}
              </div>
              <Timeline rec={rec} type={type} filter={filter} notes={notes} acts={acts} convs={convs} changes={changes} fields={fields} pipelines={pls} onChange={again} />
            </section>
          </div>
        )}
      </div>
      {dialog === "edit" && rec && <EditDialog type={type} rec={rec} fields={fields} pipelines={pls} onClose={() => setDialog(null)} onSave={patch} />}
      {dialog === "lost" && <LostDialog onClose={() => setDialog(null)} onLost={(reason) => patch({ status: "lost", lost_reason: reason })} />}
      {dialog === "merge" && rec && (type === "person" || type === "organization") && <MergeDialog type={type} into={rec} onClose={() => setDialog(null)} onMerged={again} />}
      {dialog === "delete" && (
        <Dialog title={t("cs.delete.title", { name: title })} onClose={() => setDialog(null)}>
          <p>{t("cs.delete.text")}</p>
          <div class="dlg-actions">
            <button type="button" class="btn" onClick={() => setDialog(null)}>
              {t("cancel")}
            </button>
            <button
              type="button"
              class="btn btn-danger"
              onClick={async () => {
                try {
                  await api("DELETE", `${list}/${id}`);
                  setDialog(null);
                  location.hash = "#/crm/" + list;
                } catch (e) {
                  inbox.toast(errText(e), true);
                }
              }}
            >
              {t("cs.delete")}
            </button>
          </div>
        </Dialog>
      )}
    </main>
  );
}

/** Composer adds a note or an activity to the record. */
function Composer({ type, id, rec, onDone }: { type: RecordType; id: number; rec: Rec; onDone: () => void }) {
  const inbox = useInbox();
  const [mode, setMode] = useState<"note" | "activity">("note");
  const [body, setBody] = useState("");
  const [act, setAct] = useState({ subject: "", type: "call", date: "", time: "" });
  const [busy, setBusy] = useState(false);
  const ids = { note: useId("cn"), subj: useId("cas"), type: useId("cat"), date: useId("cad"), time: useId("cati") };
  const addNote = async (e: Event) => {
    e.preventDefault();
    if (!body.trim()) return;
    setBusy(true);
    try {
      await api("POST", "notes", { record_type: type, record_id: id, body });
      setBody("");
      onDone();
    } catch (err) {
      inbox.toast(errText(err), true);
    } finally {
      setBusy(false);
    }
  };
  const addActivity = async (e: Event) => {
    e.preventDefault();
    if (!act.subject.trim()) return;
    const link: Record<string, number> = { [type + "_id"]: id };
    if ((type === "deal" || type === "lead") && rec.person_id) link.person_id = rec.person_id;
    setBusy(true);
    try {
      await api("POST", "activities", { subject: act.subject, type: act.type, due_date: act.date || undefined, due_time: act.time, ...link });
      setAct({ subject: "", type: act.type, date: "", time: "" });
      onDone();
    } catch (err) {
      inbox.toast(errText(err), true);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="sect rec-compose" aria-label={t("cs.add")}>
      {type !== "activity" && (
        <div class="tl-chips" role="group" aria-label={t("cs.add")}>
          <button type="button" class="tl-chip" aria-pressed={mode === "note" ? "true" : "false"} onClick={() => setMode("note")}>
            {t("cs.add.note")}
          </button>
          <button type="button" class="tl-chip" aria-pressed={mode === "activity" ? "true" : "false"} onClick={() => setMode("activity")}>
            {t("cs.add.activity")}
          </button>
        </div>
      )}
      {mode === "note" ? (
        <form onSubmit={addNote}>
          <div class="field field-s">
            <label for={ids.note}>{t("cs.add.note")}</label>
            <textarea id={ids.note} rows={3} value={body} placeholder={t("cs.note.placeholder")} onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)} />
          </div>
          <div class="dlg-actions">
            <button type="submit" class="btn btn-s btn-primary" disabled={busy || !body.trim()}>
              {t("cs.note.save")}
            </button>
          </div>
        </form>
      ) : (
        <form onSubmit={addActivity}>
          <div class="field-row even">
            <div class="field field-s">
              <label for={ids.subj}>{t("cs.col.subject")}</label>
              <input id={ids.subj} value={act.subject} onInput={(e) => setAct({ ...act, subject: (e.target as HTMLInputElement).value })} />
            </div>
            <div class="field field-s">
              <label for={ids.type}>{t("cs.col.type")}</label>
              <select id={ids.type} value={act.type} onChange={(e) => setAct({ ...act, type: (e.target as HTMLSelectElement).value })}>
                <ActivityTypeOptions />
              </select>
            </div>
          </div>
          <div class="field-row even">
            <div class="field field-s">
              <label for={ids.date}>{t("cs.act.date")}</label>
              <input id={ids.date} type="date" value={act.date} onInput={(e) => setAct({ ...act, date: (e.target as HTMLInputElement).value })} />
            </div>
            <div class="field field-s">
              <label for={ids.time}>{t("cs.act.time")}</label>
              <input id={ids.time} type="time" value={act.time} onInput={(e) => setAct({ ...act, time: (e.target as HTMLInputElement).value })} />
            </div>
          </div>
          <p class="hint small">{t("cs.act.zone", { zone: inbox.me.time_zone || "UTC" })}</p>
          <div class="dlg-actions">
            <button type="submit" class="btn btn-s btn-primary" disabled={busy || !act.subject.trim()}>
              {t("cs.act.add")}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

/** Planned is the record's activities still to do, soonest first. */
function Planned({ acts, onChange }: { acts: Rec[] | null; onChange: () => void }) {
  const open = (acts || []).filter((a) => !a.done).sort((a, b) => (a.due_at || 0) - (b.due_at || 0));
  return (
    <section class="sect" aria-labelledby="plan-h">
      <h3 id="plan-h">{t("cs.planned")}</h3>
      {acts && open.length === 0 && <p class="muted small">{t("cs.planned.none")}</p>}
      <ul class="plain-list tl">
        {open.map((a) => (
          <ActivityItem key={a.id} a={a} onChange={onChange} />
        ))}
      </ul>
    </section>
  );
}

function ActivityItem({ a, onChange }: { a: Rec; onChange: () => void }) {
  const inbox = useInbox();
  const st = dueState(a);
  const toggle = async () => {
    try {
      await api("PATCH", "activities/" + a.id, { done: !a.done });
      onChange();
    } catch (e) {
      inbox.toast(errText(e), true);
    }
  };
  return (
    <li class={"tl-item tl-activity due-" + st}>
      <input type="checkbox" checked={!!a.done} onChange={() => void toggle()} aria-label={t(a.done ? "cs.act.undone" : "cs.act.markDone", { name: a.subject || "" })} />
      <div class="tl-body">
        <a href={"#/crm/activity/" + a.id}>{a.subject}</a> <span class="tag">{t("act." + a.type)}</span>
        {st === "overdue" && <span class="tag tag-overdue">{t("cs.due.overdue")}</span>}
        <div class="muted small">
          {dueText(a)}
          {a.owner_name ? " · " + a.owner_name : ""}
        </div>
      </div>
    </li>
  );
}

interface Item {
  at: number;
  key: string;
  kind: Filter;
  node: preact.ComponentChildren;
}

function Timeline(props: {
  rec: Rec;
  type: RecordType;
  filter: Filter;
  notes: Note[] | null;
  acts: Rec[] | null;
  convs: RecordConversation[] | null;
  changes: Change[] | null;
  fields: Field[];
  pipelines: Pipeline[];
  onChange: () => void;
}) {
  const { rec, filter } = props;
  const items: Item[] = [];
  for (const n of props.notes || []) items.push({ at: n.created_at, key: "n" + n.id, kind: "notes", node: <NoteItem n={n} onChange={props.onChange} /> });
  for (const a of props.acts || []) if (a.done) items.push({ at: a.updated_at || a.created_at, key: "a" + a.id, kind: "activities", node: <ActivityItem a={a} onChange={props.onChange} /> });
  for (const c of props.convs || [])
    items.push({ at: c.last_at || 0, key: "c" + c.conversation_id, kind: c.channel === "email" ? "emails" : "conversations", node: <ConversationItem c={c} /> });
  for (const ch of props.changes || []) items.push({ at: ch.at, key: "h" + ch.id, kind: "changes", node: <ChangeItem ch={ch} rec={rec} fields={props.fields} pipelines={props.pipelines} /> });
  items.push({
    at: rec.created_at,
    key: "created",
    kind: "changes",
    node: (
      <li class="tl-item tl-change">
        <span class="tl-dot" aria-hidden="true" />
        <div class="tl-body">
          {rec.created_by_name ? t("cs.tl.createdBy", { name: rec.created_by_name }) : t("cs.tl.created")}
          <div class="muted small">
            <time dateTime={new Date(rec.created_at).toISOString()}>{formatDateTime(rec.created_at)}</time>
          </div>
        </div>
      </li>
    ),
  });
  const shown = items.filter((x) => filter === "all" || x.kind === filter || (filter === "conversations" && x.kind === "emails")).sort((a, b) => b.at - a.at);
  const loading = props.notes === null || props.changes === null || props.convs === null;
  return (
    <>
      {loading && <p class="muted small">{t("loading")}</p>}
      {!loading && shown.length === 0 && <p class="muted small">{t("cs.tl.none")}</p>}
      <ol class="plain-list tl notes">
        {shown.map((x) => (
          <TimelineSlot key={x.key}>{x.node}</TimelineSlot>
        ))}
      </ol>
    </>
  );
}

function TimelineSlot({ children }: { children: preact.ComponentChildren }) {
  return <>{children}</>;
}

/** NoteItem is a note, edited in place by whoever may. */
function NoteItem({ n, onChange }: { n: Note; onChange: () => void }) {
  const inbox = useInbox();
  const [editing, setEditing] = useState(false);
  const [body, setBody] = useState(n.body);
  const id = useId("ne");
  const admin = inbox.me.role === "owner" || inbox.me.role === "admin";
  const mayEdit = !n.hidden && (admin || !n.created_by_user_id || n.created_by_user_id === inbox.me.id);
  if (n.hidden) {
    return (
      <li class="tl-item note note-hidden">
        <span class="tl-dot" aria-hidden="true" />
        <div class="tl-body">
          <p class="muted">{t("rec.hiddenNote")}</p>
          <div class="muted small">{formatDateTime(n.created_at)}</div>
        </div>
      </li>
    );
  }
  const save = async () => {
    try {
      await api("PATCH", "notes/" + n.id, { body });
      setEditing(false);
      onChange();
    } catch (e) {
      inbox.toast(errText(e), true);
    }
  };
  const ex = n.excerpt;
  return (
    <li class={"tl-item note" + (ex ? " note-chat" : "")}>
      <span class="tl-dot tl-note" aria-hidden="true" />
      <div class="tl-body">
        {editing ? (
          <div class="note-edit">
            <label for={id} class="sr">
              {t("cs.note.edit")}
            </label>
            <textarea id={id} rows={4} value={body} onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)} />
            <div class="dlg-actions">
              <button
                type="button"
                class="btn btn-s"
                onClick={() => {
                  setBody(n.body);
                  setEditing(false);
                }}
              >
                {t("cancel")}
              </button>
              <button type="button" class="btn btn-s btn-primary" onClick={() => void save()} disabled={!ex && !body.trim()}>
                {t("cs.save")}
              </button>
            </div>
          </div>
        ) : (
          n.html && <div class="note-body" dangerouslySetInnerHTML={{ __html: n.html }} />
        )}
        {ex && (
          <div class="excerpt">
            <div class="small excerpt-head">
              <a href={"#/c/" + ex.conversation_id}>{t("rec.openChat")}</a> ·{" "}
              {ex.status === "closed" ? t("rec.closed") : ex.assignee_name ? t("rec.assigned", { name: ex.assignee_name }) : t("rec.unassigned")}
            </div>
            <ol class="excerpt-lines">
              {ex.lines.map((l) => (
                <li key={l.seq} class={"excerpt-line from-" + l.from}>
                  <span class="excerpt-who">{l.from === "visitor" && l.name === "Visitor" ? t("visitor") : l.name}</span>{" "}
                  <time class="muted small" dateTime={new Date(l.at).toISOString()}>
                    {formatTime(l.at)}
                  </time>
                  <div class="excerpt-text">{l.text}</div>
                </li>
              ))}
            </ol>
            <div class="muted small">{t("rec.until", { when: formatDateTime(ex.until) })}</div>
          </div>
        )}
        <div class="muted small tl-meta">
          <span>
            {t("cs.tl.note")} · {formatDateTime(n.created_at)}
            {n.created_by_name ? " · " + n.created_by_name : ""}
            {n.edited_at ? " · " + t("rec.edited", { name: n.edited_by_name || t("someone") }) : ""}
          </span>
          {mayEdit && !editing && (
            <button type="button" class="link-btn" onClick={() => setEditing(true)}>
              {t("cs.edit")}
            </button>
          )}
        </div>
      </div>
    </li>
  );
}

function ConversationItem({ c }: { c: RecordConversation }) {
  if (c.hidden) {
    return (
      <li class="tl-item tl-conv">
        <span class="tl-dot" aria-hidden="true" />
        <div class="tl-body muted">{t("cs.tl.hiddenConv")}</div>
      </li>
    );
  }
  return (
    <li class={"tl-item tl-conv" + (c.channel === "email" ? " tl-email" : "")}>
      <span class="tl-dot tl-chat" aria-hidden="true" />
      <div class="tl-body">
        <div class="tl-conv-head">
          {c.channel && <ChannelIcon channel={c.channel as "web"} />}
          <a href={"#/c/" + c.conversation_id}>{c.subject || t("cs.tl.conversationWith", { name: c.contact_name || t("visitor") })}</a>
          <span class="tag">{c.status === "closed" ? t("rec.closed") : c.assignee_name ? t("rec.assigned", { name: c.assignee_name }) : t("rec.unassigned")}</span>
          {c.why === "linked" && <span class="tag tag-linked">{t("items.linked")}</span>}
        </div>
        <ol class="excerpt-lines">
          {(c.lines || []).map((l) => (
            <li key={l.seq} class={"excerpt-line from-" + l.from}>
              <span class="excerpt-who">{l.from === "visitor" && l.name === "Visitor" ? t("visitor") : l.name}</span>{" "}
              <time class="muted small" dateTime={new Date(l.at).toISOString()}>
                {formatDateTime(l.at)}
              </time>
              {l.subject && <div class="small">{t("cs.tl.subject", { subject: l.subject })}</div>}
              <div class="excerpt-text">{l.text}</div>
            </li>
          ))}
        </ol>
      </div>
    </li>
  );
}

const fieldNames: Record<string, string> = {
  name: "cs.col.name",
  title: "cs.col.title",
  subject: "cs.col.subject",
  value: "cs.col.value",
  currency: "lead.currency",
  status: "cs.col.status",
  stage_id: "cs.col.stage",
  pipeline_id: "cs.pipeline",
  owner_user_id: "cs.col.owner",
  person_id: "cs.col.person",
  organization_id: "cs.col.organization",
  emails: "cs.col.emails",
  phones: "cs.col.phones",
  labels: "cs.col.labels",
  expected_close_date: "cs.col.close",
  lost_reason: "cs.lostReason",
  probability: "cs.probability",
  done: "cs.col.done",
  due_date: "cs.act.date",
  due_time: "cs.act.time",
  duration_minutes: "cs.duration",
  type: "cs.col.type",
  note: "crm.note",
  address: "cs.col.address",
  contact_id: "cs.contact",
  deal_id: "item.deal",
  lead_id: "item.lead",
};

/** ChangeItem is one entry of the record's history: who, when, each field before → after. */
function ChangeItem({ ch, rec, fields, pipelines: pls }: { ch: Change; rec: Rec; fields: Field[]; pipelines: Pipeline[] }) {
  const inbox = useInbox();
  const label = (f: string) => {
    if (f.startsWith("fields.")) return fields.find((x) => x.key === f.slice(7))?.label || f.slice(7);
    return fieldNames[f] ? t(fieldNames[f]) : f;
  };
  const show = (f: string, v: unknown): string => {
    if (v === null || v === undefined || v === "") return "—";
    switch (f) {
      case "value":
        return money(v as number, rec.currency);
      case "owner_user_id":
        return inbox.users.get(v as number)?.name || "#" + v;
      case "stage_id":
        return allStages(pls).find((s) => s.id === v)?.name || "#" + v;
      case "pipeline_id":
        return pls.find((p) => p.id === v)?.name || "#" + v;
      case "status":
        return t("status." + v);
      case "type":
        return t("act." + v);
      case "done":
        return v ? t("cs.yes") : t("cs.no");
      case "expected_close_date":
      case "due_date":
        return formatDayOf(String(v));
    }
    if (Array.isArray(v)) return v.map((x) => (x && typeof x === "object" && "value" in x ? String((x as { value: unknown }).value) : String(x))).join(", ");
    if (typeof v === "object") return fieldText(v, (m, c) => money(m, c));
    if (f === "organization_id" && v === rec.organization_id && rec.organization_name) return rec.organization_name;
    if (f === "person_id" && v === rec.person_id && rec.person_name) return rec.person_name;
    if (f.endsWith("_id")) return "#" + v;
    return String(v);
  };
  const who = ch.user_name || (ch.user_id ? t("someone") : t("cs.tl.system"));
  return (
    <li class="tl-item tl-change">
      <span class="tl-dot" aria-hidden="true" />
      <div class="tl-body">
        <div>{ch.action === "merged" ? t("cs.tl.merged", { who, name: ch.merged_name || "#" + ch.merged_id }) : t("cs.tl.changed", { who })}</div>
        <ul class="plain-list tl-fields">
          {ch.changes.map((c) => (
            <li key={c.field}>
              <span class="tl-field">{label(c.field)}</span>: <del>{show(c.field, c.before)}</del> <span aria-hidden="true">→</span>
              <span class="sr">{t("cs.tl.to")}</span> <ins>{show(c.field, c.after)}</ins>
            </li>
          ))}
        </ul>
        <div class="muted small">
          <time dateTime={new Date(ch.at).toISOString()}>{formatDateTime(ch.at)}</time>
        </div>
      </div>
    </li>
  );
}

function SalesList({ kind, list }: { kind: "lead" | "deal" | "person"; list: Rec[] }) {
  const h = useId("sl");
  return (
    <section class="sect" aria-labelledby={h}>
      <h3 id={h}>{t(kind === "person" ? "cs.title.persons" : "rec." + kind + "s")}</h3>
      {list.length === 0 && <p class="muted small">{kind === "person" ? t("cs.none.persons") : t("rec.no" + (kind === "deal" ? "Deals" : "Leads"))}</p>}
      <ul class="plain-list">
        {list.map((r) => (
          <li key={r.id}>
            <a href={"#/crm/" + kind + "/" + r.id}>{titleOf(r)}</a>
            {r.value ? <span> · {money(r.value, r.currency)}</span> : null}
            {r.status && <span class="muted small"> · {t("status." + r.status)}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

function LostDialog({ onClose, onLost }: { onClose: () => void; onLost: (reason: string) => Promise<boolean> }) {
  const [reason, setReason] = useState("");
  const id = useId("lr");
  return (
    <Dialog title={t("cs.lost.title")} onClose={onClose}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (await onLost(reason.trim())) onClose();
        }}
      >
        <div class="field">
          <label for={id}>{t("cs.lostReason")}</label>
          <input id={id} value={reason} maxLength={200} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
        </div>
        <div class="dlg-actions">
          <button type="button" class="btn" onClick={onClose}>
            {t("cancel")}
          </button>
          <button type="submit" class="btn btn-danger">
            {t("cs.lost")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** EditDialog changes a record's fields. */
function EditDialog({ type, rec, fields, pipelines: pls, onClose, onSave }: { type: RecordType; rec: Rec; fields: Field[]; pipelines: Pipeline[]; onClose: () => void; onSave: (b: Record<string, unknown>) => Promise<boolean> }) {
  const inbox = useInbox();
  const id = useId("ed");
  const [f, setF] = useState({
    name: rec.name || rec.title || rec.subject || "",
    emails: (rec.emails || []).map((e) => e.value).join(", "),
    phones: (rec.phones || []).map((e) => e.value).join(", "),
    address: rec.address || "",
    value: majorUnits(rec.value || 0, rec.currency || "EUR"),
    currency: rec.currency || "EUR",
    close: rec.expected_close_date || "",
    status: rec.status || "open",
    stage: String(rec.stage_id || ""),
    owner: String(rec.owner_user_id || 0),
    labels: (rec.labels || []).join(", "),
    date: rec.due_date || "",
    time: rec.due_time || "",
    kind: rec.type || "task",
    note: rec.note || "",
  });
  const [vals, setVals] = useState<Record<string, string>>(() => {
    const out: Record<string, string> = {};
    for (const fd of fields) out[fd.key] = fieldText((rec.fields || {})[fd.key], (m) => majorUnits(m, rec.currency || "EUR"));
    return out;
  });
  const [error, setError] = useState("");
  const set = (p: Partial<typeof f>) => setF({ ...f, ...p });
  const users = [...inbox.users.values()].filter((u) => !u.deactivated).sort((a, b) => a.name.localeCompare(b.name));
  const split = (s: string) =>
    s
      .split(/[;,]/)
      .map((x) => x.trim())
      .filter(Boolean);
  const input = (k: keyof typeof f, label: string, extra: Record<string, unknown> = {}) => (
    <div class="field">
      <label for={id + k}>{label}</label>
      <input id={id + k} value={f[k]} onInput={(e) => set({ [k]: (e.target as HTMLInputElement).value } as Partial<typeof f>)} {...extra} />
    </div>
  );
  const submit = async (e: Event) => {
    e.preventDefault();
    setError("");
    const b: Record<string, unknown> = { owner_user_id: Number(f.owner), labels: split(f.labels) };
    if (type === "person" || type === "organization") b.name = f.name;
    if (type === "lead" || type === "deal") b.title = f.name;
    if (type === "activity") {
      Object.assign(b, { subject: f.name, due_date: f.date, due_time: f.time, type: f.kind, note: f.note });
    }
    if (type === "person") {
      b.emails = split(f.emails).map((value) => ({ value }));
      b.phones = split(f.phones).map((value) => ({ value }));
    }
    if (type === "organization") b.address = f.address;
    if (type === "lead" || type === "deal") {
      const v = f.value.trim() ? Math.round(Number(f.value.replace(",", ".")) * 100) : 0;
      if (Number.isNaN(v)) {
        setError(t("lead.badValue"));
        return;
      }
      Object.assign(b, { value: v, currency: f.currency, expected_close_date: f.close });
      if (type === "lead" && f.status !== "converted") b.status = f.status;
      if (type === "deal" && f.stage) b.stage_id = Number(f.stage);
    }
    const fv: Record<string, unknown> = {};
    for (const fd of fields) {
      const raw = (vals[fd.key] || "").trim();
      const before = fieldText((rec.fields || {})[fd.key], (m) => majorUnits(m, rec.currency || "EUR"));
      if (raw === before) continue;
      if (!raw) fv[fd.key] = null;
      else if (fd.type === "number") fv[fd.key] = Number(raw.replace(",", "."));
      else if (fd.type === "money") fv[fd.key] = { value: Math.round(Number(raw.replace(",", ".")) * 100), currency: rec.currency || "EUR" };
      else if (fd.type === "options") fv[fd.key] = split(raw);
      else fv[fd.key] = raw;
    }
    if (Object.keys(fv).length) b.fields = fv;
    if (await onSave(b)) onClose();
  };
  return (
    <Dialog title={t("cs.edit.title", { name: titleOf(rec) })} onClose={onClose} class="dlg-crm">
      <form onSubmit={submit}>
        {error && (
          <p class="err" role="alert">
            {error}
          </p>
        )}
        {input("name", type === "person" || type === "organization" ? t("cs.col.name") : type === "activity" ? t("cs.col.subject") : t("cs.col.title"), { required: true })}
        {type === "person" && (
          <>
            {input("emails", t("cs.col.emails"))}
            {input("phones", t("cs.col.phones"))}
          </>
        )}
        {type === "organization" && input("address", t("cs.col.address"))}
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
          </>
        )}
        {type === "lead" && f.status !== "converted" && (
          <div class="field">
            <label for={id + "status"}>{t("cs.col.status")}</label>
            <select id={id + "status"} value={f.status} onChange={(e) => set({ status: (e.target as HTMLSelectElement).value })}>
              {["open", "qualified", "disqualified"].map((s) => (
                <option key={s} value={s}>
                  {t("status." + s)}
                </option>
              ))}
            </select>
          </div>
        )}
        {type === "deal" && (
          <div class="field">
            <label for={id + "stage"}>{t("crm.stage")}</label>
            <select id={id + "stage"} value={f.stage} onChange={(e) => set({ stage: (e.target as HTMLSelectElement).value })}>
              <StageOptions pipelines={pls} />
            </select>
          </div>
        )}
        {type === "activity" && (
          <>
            <div class="field">
              <label for={id + "kind"}>{t("cs.col.type")}</label>
              <select id={id + "kind"} value={f.kind} onChange={(e) => set({ kind: (e.target as HTMLSelectElement).value })}>
                <ActivityTypeOptions />
              </select>
            </div>
            <div class="field-row even">
              {input("date", t("cs.act.date"), { type: "date", required: true })}
              {input("time", t("cs.act.time"), { type: "time" })}
            </div>
            <div class="field">
              <label for={id + "note"}>{t("crm.note")}</label>
              <textarea id={id + "note"} rows={3} value={f.note} onInput={(e) => set({ note: (e.target as HTMLTextAreaElement).value })} />
            </div>
          </>
        )}
        <div class="field">
          <label for={id + "owner"}>{t("rec.owner")}</label>
          <select id={id + "owner"} value={f.owner} onChange={(e) => set({ owner: (e.target as HTMLSelectElement).value })}>
            <option value="0">{t("rec.nobody")}</option>
            {users.map((u) => (
              <option key={u.id} value={String(u.id)}>
                {u.name}
              </option>
            ))}
          </select>
        </div>
        {input("labels", t("cs.labelsComma"))}
        {fields.map((fd) => (
          <div class="field" key={fd.key}>
            <label for={id + "f" + fd.key}>{fd.label}</label>
            {fd.type === "option" ? (
              <select id={id + "f" + fd.key} value={vals[fd.key] || ""} onChange={(e) => setVals({ ...vals, [fd.key]: (e.target as HTMLSelectElement).value })}>
                <option value="">—</option>
                {fd.options.map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </select>
            ) : (
              <input
                id={id + "f" + fd.key}
                type={(fd.type === "date" ? "date" : "text") as "text"}
                inputMode={fd.type === "number" || fd.type === "money" ? "decimal" : undefined}
                value={vals[fd.key] || ""}
                onInput={(e) => setVals({ ...vals, [fd.key]: (e.target as HTMLInputElement).value })}
              />
            )}
          </div>
        ))}
        <div class="dlg-actions">
          <button type="button" class="btn" onClick={onClose}>
            {t("cancel")}
          </button>
          <button type="submit" class="btn btn-primary" disabled={!f.name.trim()}>
            {t("cs.save")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
