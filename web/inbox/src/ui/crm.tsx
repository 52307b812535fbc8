// The CRM from a conversation: the deal details the panel captures (a draft shared by everyone who
// sees the conversation), Created items with Create lead, "… > Create deal" and linking, the
// dialogs they open. A record's own page is src/crm/record.tsx.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import { errText } from "../state/inbox";
import type { Contact, Conversation, CreatedItem, CRMRecord, Draft, Pipeline, Prefill, RecordType } from "../types";
import { Menu, MenuItem } from "./conversation";
import { Dialog, formatDateTime, formatMoney, Icon, minorUnits, useId, useInbox } from "./common";
import { StageOptions } from "../crm/pickers";

export const currencies = ["EUR", "USD", "GBP", "CHF", "TRY", "HUF", "PLN", "SEK", "DKK", "NOK", "CZK", "JPY"];

const plural: Record<RecordType, string> = { person: "persons", organization: "organizations", lead: "leads", deal: "deals", activity: "activities" };

/** majorUnits writes minor units as the amount a person types ("1200.50"); empty for 0. */
export function majorUnits(minor: number, currency: string): string {
  if (!minor) return "";
  let digits = 2;
  try {
    digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    /* unknown currency */
  }
  const s = String(minor).padStart(digits + 1, "0");
  return digits ? s.slice(0, -digits) + "." + s.slice(-digits) : s;
}

// saving is the draft's saves in flight: Create lead and Create deal wait for them, so a value typed
// just before opening them (saved as its field loses focus) is in what they start with.
let saving: Promise<unknown> = Promise.resolve();

/** useDraft reads the conversation's draft and prefill, and saves changes to the draft. */
function useDraft(convId: number, refresh: number) {
  const inbox = useInbox();
  const [draft, setDraft] = useState<Draft | null>(null);
  const [prefill, setPrefill] = useState<Prefill | null>(null);
  useEffect(() => {
    let live = true;
    api<{ draft: Draft; prefill: Prefill }>("GET", `conversations/${convId}/draft`).then(
      (r) => live && (setDraft(r.draft), setPrefill(r.prefill)),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [convId, refresh]);
  const save = async (patch: Partial<Draft>) => {
    try {
      const req = api<{ draft: Draft; prefill: Prefill }>("PATCH", `conversations/${convId}/draft`, patch);
      saving = saving.then(() => req).catch(() => {});
      const r = await req;
      setDraft(r.draft);
      setPrefill(r.prefill);
      return true;
    } catch (e) {
      inbox.toast(errText(e), true);
      return false;
    }
  };
  return { draft, prefill, save };
}

/** DealCapture is the panel's section for what a lead or deal will hold, saved as it is typed. */
export function DealCapture({ c, refresh }: { c: Conversation; refresh: number }) {
  const inbox = useInbox();
  const { draft, prefill, save } = useDraft(c.id, refresh);
  const ids = { value: useId("dv"), currency: useId("dc"), date: useId("dd"), org: useId("do"), addr: useId("da"), note: useId("dn"), hint: useId("dh") };
  if (!draft) return null;
  const currency = draft.currency || "EUR";
  return (
    <section class="sect" aria-labelledby="capture-h">
      <h3 id="capture-h">{t("capture.title")}</h3>
      <p class="hint small" id={ids.hint}>
        {t("capture.hint")}
      </p>
      <div class="field-row">
        <Saved
          id={ids.value}
          label={t("capture.value")}
          value={majorUnits(draft.value, currency)}
          inputMode="decimal"
          onSave={async (v) => {
            const minor = v.trim() ? minorUnits(v, currency) : 0;
            if (Number.isNaN(minor)) {
              inbox.toast(t("lead.badValue"), true);
              return false;
            }
            return save({ value: minor });
          }}
        />
        <div class="field field-s field-currency">
          <label for={ids.currency}>{t("lead.currency")}</label>
          <select id={ids.currency} value={currency} onChange={(e) => void save({ currency: (e.target as HTMLSelectElement).value })}>
            {currencies.map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </select>
        </div>
      </div>
      <Saved id={ids.date} label={t("crm.closeDate")} type="date" value={draft.expected_close_date} onSave={(v) => save({ expected_close_date: v })} />
      <Saved
        id={ids.org}
        label={t("crm.orgName")}
        value={draft.organization_name}
        placeholder={draft.organization_name ? undefined : prefill?.organization_name}
        onSave={(v) => save({ organization_name: v })}
      />
      <Saved id={ids.addr} label={t("crm.orgAddress")} multiline value={draft.organization_address} onSave={(v) => save({ organization_address: v })} />
      <Saved id={ids.note} label={t("crm.note")} multiline value={draft.note} onSave={(v) => save({ note: v })} />
    </section>
  );
}

/** Saved is a field that saves when it loses focus (or on Enter in one line) if it changed. */
export function Saved(props: {
  id: string;
  label: string;
  value: string;
  type?: string;
  multiline?: boolean;
  placeholder?: string;
  inputMode?: string;
  onSave: (v: string) => Promise<boolean>;
}) {
  const [v, setV] = useState(props.value);
  useEffect(() => setV(props.value), [props.value]);
  const commit = async () => {
    if (v.trim() === (props.value || "").trim()) return;
    if (!(await props.onSave(v))) setV(props.value);
  };
  const common = {
    id: props.id,
    value: v,
    autocomplete: "off",
    placeholder: props.placeholder,
    onInput: (e: Event) => setV((e.target as HTMLInputElement).value),
    onBlur: () => void commit(),
  };
  return (
    <div class="field field-s">
      <label for={props.id}>{props.label}</label>
      {props.multiline ? (
        <textarea {...common} rows={2} />
      ) : (
        <input
          {...common}
          type={(props.type || "text") as "text"}
          inputMode={props.inputMode as "decimal"}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              void commit();
            } else if (e.key === "Escape") {
              setV(props.value);
            }
          }}
        />
      )}
    </div>
  );
}

/** Attributes shows and edits the contact's custom attributes (captured by the bot or identify). */
export function Attributes({ contact, onSave }: { contact: Contact; onSave: (attrs: Record<string, string>) => Promise<boolean> }) {
  const attrs = contact.attributes || {};
  const keys = Object.keys(attrs).sort();
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const ids = { key: useId("ak"), value: useId("av") };
  const add = async () => {
    const k = key.trim();
    if (!k) return;
    if (await onSave({ ...attrs, [k]: value })) {
      setKey("");
      setValue("");
    }
  };
  return (
    <div class="attrs" role="group" aria-labelledby="attrs-h">
      <h4 id="attrs-h" class="attrs-h">
        {t("attrs.title")}
      </h4>
      {keys.length === 0 && <p class="muted small">{t("attrs.none")}</p>}
      {keys.map((k) => (
        <div class="attr" key={k}>
          <Saved id={"attr-" + k} label={k} value={attrs[k]} onSave={(v) => onSave({ ...attrs, [k]: v })} />
          <button
            type="button"
            class="icon-btn attr-x"
            aria-label={t("attrs.remove", { key: k })}
            onClick={() => {
              const next = { ...attrs };
              delete next[k];
              void onSave(next);
            }}
          >
            <Icon name="x" />
          </button>
        </div>
      ))}
      <div class="attr-add">
        <div class="field field-s">
          <label for={ids.key}>{t("attrs.key")}</label>
          <input id={ids.key} value={key} maxLength={64} autocomplete="off" onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field field-s">
          <label for={ids.value}>{t("attrs.value")}</label>
          <input
            id={ids.value}
            value={value}
            maxLength={1000}
            autocomplete="off"
            onInput={(e) => setValue((e.target as HTMLInputElement).value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                void add();
              }
            }}
          />
        </div>
        <button type="button" class="btn btn-s" disabled={!key.trim()} onClick={() => void add()}>
          {t("attrs.add")}
        </button>
      </div>
    </div>
  );
}

/** CreatedItems is the panel's Created items: Create lead, "…" (Create deal, Link), and the list. */
export function CreatedItems({ c, contact, items, onMade }: { c: Conversation; contact: Contact; items: CreatedItem[] | null; onMade: () => void }) {
  const [menu, setMenu] = useState(false);
  const [dialog, setDialog] = useState<"lead" | "deal" | "link" | null>(null);
  return (
    <section class="sect" aria-labelledby="crm-h">
      <div class="sect-head">
        <h3 id="crm-h">{t("items.title")}</h3>
        <div class="sect-actions menu-wrap">
          <button type="button" class="btn btn-s" onClick={() => setDialog("lead")}>
            {t("lead.create")}
          </button>
          <button
            type="button"
            class="icon-btn"
            aria-haspopup="menu"
            aria-expanded={menu ? "true" : "false"}
            aria-label={t("crm.more")}
            onClick={() => setMenu(!menu)}
          >
            <Icon name="more" />
          </button>
          {menu && (
            <Menu onClose={() => setMenu(false)} label={t("crm.more")}>
              <MenuItem
                onSelect={() => {
                  setMenu(false);
                  setDialog("deal");
                }}
              >
                {t("crm.createDeal")}
              </MenuItem>
              <MenuItem
                onSelect={() => {
                  setMenu(false);
                  setDialog("link");
                }}
              >
                {t("crm.link")}
              </MenuItem>
            </Menu>
          )}
        </div>
      </div>
      {items && items.length === 0 && <p class="muted small">{t("items.none")}</p>}
      {items && items.length > 0 && (
        <ul class="items">
          {items.map((it) => (
            <li key={it.type + it.id}>
              <span class="tag">{t("item." + it.type)}</span>{" "}
              <a href={"#/crm/" + it.type + "/" + it.id} class="item-link">
                {it.title}
              </a>
              {it.value ? <span> · {formatMoney(it.value, it.currency || "EUR")}</span> : null}
              {it.linked && <span class="tag tag-linked">{t("items.linked")}</span>}
              <div class="muted small">
                {it.created_by
                  ? t("items.by", { name: it.created_by.name, when: formatDateTime(it.created_at) })
                  : t("items.byBot", { when: formatDateTime(it.created_at) })}
              </div>
            </li>
          ))}
        </ul>
      )}
      {(dialog === "lead" || dialog === "deal") && <CreateDialog kind={dialog} c={c} onClose={() => setDialog(null)} onCreated={onMade} />}
      {dialog === "link" && <LinkDialog c={c} contact={contact} onClose={() => setDialog(null)} onLinked={onMade} />}
    </section>
  );
}

/** CreateDialog makes a lead or a deal from the conversation, prefilled from what was captured. */
function CreateDialog({ kind, c, onClose, onCreated }: { kind: "lead" | "deal"; c: Conversation; onClose: () => void; onCreated: () => void }) {
  const [prefill, setPrefill] = useState<Prefill | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    let live = true;
    saving
      .then(() => api<{ prefill: Prefill }>("GET", `conversations/${c.id}/draft`))
      .then(
        (r) => live && setPrefill(r.prefill),
        (e) => live && setError(errText(e)),
      );
    return () => {
      live = false;
    };
  }, []);
  return (
    <Dialog title={t(kind + ".title")} onClose={onClose} class="dlg-crm">
      {error && (
        <p class="err" role="alert">
          {error}
        </p>
      )}
      {!prefill && !error && <p class="muted">{t("loading")}</p>}
      {prefill && <CreateForm kind={kind} c={c} prefill={prefill} onClose={onClose} onCreated={onCreated} />}
    </Dialog>
  );
}

function CreateForm({
  kind,
  c,
  prefill,
  onClose,
  onCreated,
}: {
  kind: "lead" | "deal";
  c: Conversation;
  prefill: Prefill;
  onClose: () => void;
  onCreated: () => void;
}) {
  const inbox = useInbox();
  const [f, setF] = useState({
    title: prefill.title ? t(kind + ".defaultTitle", { name: prefill.title }) : "",
    value: majorUnits(prefill.value, prefill.currency || "EUR"),
    currency: prefill.currency || "EUR",
    date: prefill.expected_close_date,
    name: prefill.person_name,
    email: prefill.person_email,
    phone: prefill.person_phone,
    org: prefill.organization_name,
    address: prefill.organization_address,
    note: prefill.note,
    stage: 0,
    link: false,
  });
  const [pipelines, setPipelines] = useState<Pipeline[]>([]);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  // The form's first field takes the focus once the prefill is there.
  useEffect(() => {
    const first = document.querySelector<HTMLInputElement>("dialog[open] form input");
    if (first) first.focus();
  }, []);
  const set = (patch: Partial<typeof f>) => setF({ ...f, ...patch });
  const id = useId("cd");
  useEffect(() => {
    if (kind !== "deal") return;
    api<{ pipelines: Pipeline[] }>("GET", "pipelines").then(
      (r) => {
        setPipelines(r.pipelines);
        const def = r.pipelines.find((p) => p.default) || r.pipelines[0];
        if (def && def.stages.length) setF((x) => ({ ...x, stage: def.stages[0].id }));
      },
      () => {},
    );
  }, []);
  const submit = async (e: Event) => {
    e.preventDefault();
    const minor = f.value.trim() ? minorUnits(f.value, f.currency) : 0;
    if (Number.isNaN(minor)) {
      setError(t("lead.badValue"));
      return;
    }
    const body: Record<string, unknown> = {
      title: f.title.trim(),
      value: minor,
      currency: f.currency,
      expected_close_date: f.date,
      conversation_id: c.id,
      link: f.link,
    };
    if (f.note.trim()) body.note = f.note;
    if (prefill.person_id) body.person_id = prefill.person_id;
    if (f.name.trim() || f.email.trim() || f.phone.trim()) {
      body.person = {
        name: f.name.trim() || f.email.trim() || f.phone.trim(),
        emails: f.email.trim() ? [{ value: f.email.trim() }] : [],
        phones: f.phone.trim() ? [{ value: f.phone.trim() }] : [],
      };
      delete body.person_id;
    }
    if (f.org.trim()) body.organization = { name: f.org.trim(), address: f.address };
    if (kind === "deal" && f.stage) body.stage_id = f.stage;
    setBusy(true);
    setError("");
    try {
      const r = await api<Record<string, { title: string }>>("POST", plural[kind], body);
      inbox.toast(t(kind + ".created", { title: r[kind].title }));
      onCreated();
      onClose();
    } catch (err) {
      setError(errText(err));
      setBusy(false);
    }
  };
  const field = (key: keyof typeof f, label: string, opts: { type?: string; multiline?: boolean; required?: boolean; inputMode?: string } = {}) => (
    <div class="field">
      <label for={id + key}>{label}</label>
      {opts.multiline ? (
        <textarea id={id + key} rows={2} value={String(f[key])} onInput={(e) => set({ [key]: (e.target as HTMLTextAreaElement).value } as Partial<typeof f>)} />
      ) : (
        <input
          id={id + key}
          type={(opts.type || "text") as "text"}
          value={String(f[key])}
          required={opts.required}
          inputMode={opts.inputMode as "decimal"}
          autocomplete="off"
          onInput={(e) => set({ [key]: (e.target as HTMLInputElement).value } as Partial<typeof f>)}
        />
      )}
    </div>
  );
  return (
    <form onSubmit={submit}>
      {error && (
        <p class="err" role="alert">
          {error}
        </p>
      )}
      {field("title", t("lead.name"), { required: true })}
      <div class="field-row">
        {field("value", t("lead.value"), { inputMode: "decimal" })}
        <div class="field">
          <label for={id + "cur"}>{t("lead.currency")}</label>
          <select id={id + "cur"} value={f.currency} onChange={(e) => set({ currency: (e.target as HTMLSelectElement).value })}>
            {currencies.map((x) => (
              <option key={x} value={x}>
                {x}
              </option>
            ))}
          </select>
        </div>
      </div>
      {field("date", t("crm.closeDate"), { type: "date" })}
      {kind === "deal" && pipelines.length > 0 && (
        <div class="field">
          <label for={id + "stage"}>{t("crm.stage")}</label>
          <select id={id + "stage"} value={String(f.stage)} onChange={(e) => set({ stage: Number((e.target as HTMLSelectElement).value) })}>
            <StageOptions pipelines={pipelines} />
          </select>
        </div>
      )}
      <fieldset class="fieldset">
        <legend>{t("crm.person")}</legend>
        {field("name", t("crm.personName"))}
        <div class="field-row">
          {field("email", t("crm.personEmail"), { type: "email" })}
          {field("phone", t("crm.personPhone"), { type: "tel" })}
        </div>
      </fieldset>
      <fieldset class="fieldset">
        <legend>{t("crm.organization")}</legend>
        {field("org", t("crm.orgName"))}
        {field("address", t("crm.orgAddress"), { multiline: true })}
      </fieldset>
      {field("note", t("crm.note"), { multiline: true })}
      <label class="check">
        <input type="checkbox" checked={f.link} onChange={(e) => set({ link: (e.target as HTMLInputElement).checked })} /> {t("crm.linkAfter")}
      </label>
      <p class="hint small">{t("lead.hint")}</p>
      <div class="dlg-actions">
        <button type="button" class="btn" onClick={onClose}>
          {t("cancel")}
        </button>
        <button type="submit" class="btn btn-primary" disabled={busy || !f.title.trim()}>
          {t(kind + ".submit")}
        </button>
      </div>
    </form>
  );
}

/** LinkDialog links the conversation to an existing person, lead or deal, or a new person. */
function LinkDialog({ c, contact, onClose, onLinked }: { c: Conversation; contact: Contact; onClose: () => void; onLinked: () => void }) {
  const inbox = useInbox();
  const [type, setType] = useState<"person" | "lead" | "deal">("person");
  const [q, setQ] = useState(contact.name || contact.email || "");
  const [found, setFound] = useState<CRMRecord[] | null>(null);
  const [error, setError] = useState("");
  const ids = { type: useId("lt"), q: useId("lq"), hint: useId("lh") };
  useEffect(() => {
    let live = true;
    const h = window.setTimeout(() => {
      api<Record<string, CRMRecord[]>>("GET", `${plural[type]}?limit=10&q=${encodeURIComponent(q)}`).then(
        (r) => live && setFound(r[plural[type]] || []),
        (e) => live && setError(errText(e)),
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(h);
    };
  }, [type, q]);
  const link = async (id: number, title: string) => {
    setError("");
    try {
      await api("POST", `conversations/${c.id}/links`, { record_type: type, record_id: id });
      inbox.toast(t("link.done", { title }));
      onLinked();
      onClose();
    } catch (e) {
      setError(errText(e));
    }
  };
  const newPerson = async () => {
    setError("");
    const name = contact.name || contact.email || contact.phone || t("visitor");
    try {
      await api("POST", "persons", {
        name,
        emails: contact.email ? [{ value: contact.email }] : [],
        phones: contact.phone ? [{ value: contact.phone }] : [],
        conversation_id: c.id,
        link: true,
      });
      inbox.toast(t("link.done", { title: name }));
      onLinked();
      onClose();
    } catch (e) {
      setError(errText(e));
    }
  };
  return (
    <Dialog title={t("link.title")} onClose={onClose} class="dlg-crm">
      {error && (
        <p class="err" role="alert">
          {error}
        </p>
      )}
      <div class="field-row">
        <div class="field">
          <label for={ids.type}>{t("link.type")}</label>
          <select id={ids.type} value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value as "person")}>
            <option value="person">{t("item.person")}</option>
            <option value="lead">{t("item.lead")}</option>
            <option value="deal">{t("item.deal")}</option>
          </select>
        </div>
        <div class="field">
          <label for={ids.q}>{t("link.search")}</label>
          <input
            id={ids.q}
            type="search"
            value={q}
            autocomplete="off"
            aria-describedby={ids.hint}
            onInput={(e) => setQ((e.target as HTMLInputElement).value)}
          />
        </div>
      </div>
      <p class="hint small" id={ids.hint}>
        {t("link.searchHint")}
      </p>
      {found && found.length === 0 && <p class="muted small">{t("link.none")}</p>}
      {found && found.length > 0 && (
        <ul class="plain-list link-results">
          {found.map((r) => {
            const title = r.name || r.title || "";
            return (
              <li key={r.id} class="link-result">
                <span>
                  <strong>{title}</strong>
                  {r.emails && r.emails.length > 0 && <span class="muted small"> · {r.emails[0].value}</span>}
                  {r.value ? <span class="muted small"> · {formatMoney(r.value, r.currency || "EUR")}</span> : null}
                </span>
                <button type="button" class="btn btn-s" onClick={() => void link(r.id, title)}>
                  {t("link.choose")}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <div class="dlg-actions">
        <button type="button" class="btn" onClick={onClose}>
          {t("cancel")}
        </button>
        {type === "person" && (
          <button type="button" class="btn btn-primary" onClick={() => void newPerson()}>
            {t("link.newPerson")}
          </button>
        )}
      </div>
    </Dialog>
  );
}
