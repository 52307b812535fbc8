// The contact details panel: editable name, email, phone, notes, tags and custom attributes; what
// the visitor's browser told (location with the IP database's credit, OS and browser, IP, referrer,
// consents, browsing history); the deal details the panel captures, Create lead, "… > Create deal",
// linking and the Created items (crm.tsx); the contact's other conversations; starting an email
// conversation with the contact.
import { TagEditor } from "../find/tags";
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import { errText } from "../state/inbox";
import type { Contact, ContactDetails, Conversation, CreatedItem } from "../types";
import { countryName, Dialog, formatDateTime, formatWhen, Icon, languageName, useId, useInbox } from "./common";
import { Attributes, CreatedItems, DealCapture } from "./crm";

export function Details({ c, onClose }: { c: Conversation; onClose: () => void }) {
  const inbox = useInbox("log", "visitor");
  // The visitor came, left or opened a page: their browsing history and "last seen" changed.
  const pings = inbox.visitorPings.get(c.contact_id) || 0;
  const onSite = inbox.onSite(c);
  const [d, setD] = useState<ContactDetails | null>(null);
  const [error, setError] = useState("");
  const [items, setItems] = useState<CreatedItem[] | null>(null);
  const [made, setMade] = useState(0);
  const [mailOpen, setMailOpen] = useState(false);

  // Captured details and created items arrive as log entries: read them again then.
  let capturedAt = 0;
  let itemsAt = 0;
  for (const m of inbox.log.bySeq.values()) {
    if (m.kind === "capture" || m.kind === "consent") capturedAt = Math.max(capturedAt, m.seq);
    if (m.kind === "event" && m.event && (m.event.type === "item_created" || m.event.type === "item_linked")) itemsAt = Math.max(itemsAt, m.seq);
  }

  useEffect(() => {
    let live = true;
    api<ContactDetails>("GET", "contacts/" + c.contact_id).then(
      (r) => live && (setD(r), setError("")),
      (e) => live && setError(errText(e)),
    );
    return () => {
      live = false;
    };
  }, [c.contact_id, capturedAt, pings]);

  useEffect(() => {
    let live = true;
    api<{ items: CreatedItem[] }>("GET", `conversations/${c.id}/items`).then(
      (r) => live && setItems(r.items || []),
      () => live && setItems([]),
    );
    return () => {
      live = false;
    };
  }, [c.id, itemsAt, made]);

  const visitor = d && d.visitors && d.visitors[0];
  const others = d ? (d.conversations || []).filter((x) => x.id !== c.id) : [];
  return (
    <aside class="details" aria-labelledby="details-h">
      <header class="pane-head">
        <button type="button" class="icon-btn" onClick={onClose} aria-label={t("details.close")}>
          <Icon name="back" class="phone-only" />
          <Icon name="x" class="not-phone" />
        </button>
        <h2 id="details-h">{t("details.title")}</h2>
      </header>
      <div class="details-body">
        {error && (
          <p class="err" role="alert">
            {error}
          </p>
        )}
        {!d && !error && <p class="muted">{t("loading")}</p>}
        {d && (
          <ContactForm
            key={d.contact.id}
            contact={d.contact}
            onSaved={(ct) => {
              setD({ ...d, contact: ct });
              inbox.renamed(ct.id, ct.name || ct.email);
            }}
          />
        )}
        <TagEditor key={c.id} c={c} />
        {d && d.contact.email && (
          <p class="start-mail">
            <button type="button" class="btn btn-s" onClick={() => setMailOpen(true)}>
              <Icon name="mail" />
              <span>{t("mail.start")}</span>
            </button>
          </p>
        )}

        {visitor && (
          <section class="sect" aria-labelledby="visit-h">
            <h3 id="visit-h">{t("details.visitor")}</h3>
            <dl class="facts">
              {visitor.country && (
                <>
                  <dt>{t("details.location")}</dt>
                  <dd>
                    {countryName(visitor.country)}
                    {d!.location_attribution && <span class="muted small credit">{d!.location_attribution}</span>}
                  </dd>
                </>
              )}
              {(visitor.os || visitor.browser) && (
                <>
                  <dt>{t("details.system")}</dt>
                  <dd>{[visitor.browser, visitor.os].filter(Boolean).join(" · ")}</dd>
                </>
              )}
              {visitor.ip && (
                <>
                  <dt>{t("details.ip")}</dt>
                  <dd>{visitor.ip}</dd>
                </>
              )}
              {visitor.locale && (
                <>
                  <dt>{t("details.language")}</dt>
                  <dd>
                    {languageName(visitor.locale)}
                    {languageName(visitor.locale) !== visitor.locale && <span class="muted small"> ({visitor.locale})</span>}
                  </dd>
                </>
              )}
              <dt>{t("details.referrer")}</dt>
              <dd class="wrap">{visitor.referrer || t("details.direct")}</dd>
              <dt>{t("details.firstSeen")}</dt>
              <dd>{formatDateTime(visitor.first_seen)}</dd>
              <dt>{t("details.lastSeen")}</dt>
              <dd>{onSite ? <span class="visitor-online">{t("details.onSiteNow")}</span> : formatDateTime(visitor.last_seen)}</dd>
            </dl>
            <BlockButton
              visitorId={visitor.id}
              blocked={visitor.blocked}
              onChange={(b) => setD({ ...d!, visitors: d!.visitors!.map((v) => (v.id === visitor.id ? { ...v, blocked: b } : v)) })}
            />
          </section>
        )}

        {d && (
          <section class="sect" aria-labelledby="consent-h">
            <h3 id="consent-h">{t("details.consents")}</h3>
            {!d.consents || d.consents.length === 0 ? (
              <p class="muted small">{t("details.noConsents")}</p>
            ) : (
              <ul class="plain-list">
                {d.consents.map((x) => (
                  <li key={x.id}>
                    <span>{x.text}</span>
                    <div class="muted small">{t("details.consentGiven", { version: x.version, when: formatDateTime(x.given_at) })}</div>
                  </li>
                ))}
              </ul>
            )}
          </section>
        )}

        <DealCapture c={c} refresh={(d ? d.contact.updated_at : 0) + capturedAt} />
        {d && <CreatedItems c={c} contact={d.contact} items={items} onMade={() => setMade((n) => n + 1)} />}

        {d && d.page_views && d.page_views.length > 0 && (
          <section class="sect" aria-labelledby="pages-h">
            <h3 id="pages-h">{t("details.pages")}</h3>
            <ol class="plain-list pages">
              {d.page_views.map((p, i) => (
                <li key={i}>
                  {safeHref(p.url) ? (
                    <a href={p.url} target="_blank" rel="noopener noreferrer nofollow" class="wrap">
                      {p.title || pagePath(p.url)}
                    </a>
                  ) : (
                    <span class="wrap">{p.title || p.url}</span>
                  )}
                  <div class="muted small page-meta">
                    {p.title && <span class="wrap">{pagePath(p.url)}</span>}
                    <span>{formatWhen(p.at)}</span>
                  </div>
                </li>
              ))}
            </ol>
          </section>
        )}

        {d && (
          <section class="sect" aria-labelledby="past-h">
            <h3 id="past-h">{t("details.past")}</h3>
            {others.length === 0 ? (
              <p class="muted small">{t("details.noPast")}</p>
            ) : (
              <ul class="plain-list">
                {others.map((x) => (
                  <li key={x.id}>
                    <a href={"#/c/" + x.id}>{x.preview || t("details.conversation", { id: x.id })}</a>
                    <div class="muted small">
                      {x.status === "closed" ? t("conv.closed") : t("conv.open")} · {formatWhen(x.last_message_at)}
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </section>
        )}
      </div>
      {mailOpen && d && <StartMailDialog contact={d.contact} onClose={() => setMailOpen(false)} />}
    </aside>
  );
}

function ContactForm({ contact, onSaved }: { contact: Contact; onSaved: (c: Contact) => void }) {
  const inbox = useInbox();
  const [saved, setSaved] = useState("");
  const save = async (patch: Partial<Contact>) => {
    try {
      const r = await api<{ contact: Contact }>("PATCH", "contacts/" + contact.id, patch);
      onSaved(r.contact);
      setSaved(t("details.saved"));
      window.setTimeout(() => setSaved(""), 2500);
      return true;
    } catch (e) {
      inbox.toast(errText(e), true);
      return false;
    }
  };
  return (
    <section class="sect" aria-labelledby="contact-h">
      <div class="sect-head">
        <h3 id="contact-h">{t("details.contact")}</h3>
        <span class="muted small" role="status">
          {saved}
        </span>
      </div>
      <EditField label={t("details.name")} value={contact.name} autocomplete="off" onSave={(v) => save({ name: v })} />
      <EditField label={t("details.email")} type="email" value={contact.email} autocomplete="off" onSave={(v) => save({ email: v })} />
      <EditField label={t("details.phone")} type="tel" value={contact.phone} autocomplete="off" onSave={(v) => save({ phone: v })} />
      <EditField
        label={t("details.notes")}
        multiline
        value={contact.notes}
        autocomplete="off"
        hint={t("details.notesHint")}
        onSave={(v) => save({ notes: v })}
      />
      <Tags tags={contact.tags || []} onSave={(tags) => save({ tags })} />
      <Attributes contact={contact} onSave={(attributes) => save({ attributes })} />
    </section>
  );
}

/** EditField saves when it loses focus (or on Enter in one-line fields) if the value changed. */
function EditField(props: {
  label: string;
  value: string;
  type?: string;
  multiline?: boolean;
  autocomplete: string;
  hint?: string;
  onSave: (v: string) => Promise<boolean>;
}) {
  const [v, setV] = useState(props.value);
  const id = useId("ed");
  const hintId = useId("edh");
  useEffect(() => setV(props.value), [props.value]);
  const commit = async () => {
    if (v.trim() === (props.value || "").trim()) return;
    if (!(await props.onSave(v))) setV(props.value);
  };
  const common = {
    id,
    value: v,
    autocomplete: props.autocomplete,
    "aria-describedby": props.hint ? hintId : undefined,
    onInput: (e: Event) => setV((e.target as HTMLInputElement).value),
    onBlur: () => void commit(),
  };
  return (
    <div class="field field-s">
      <label for={id}>{props.label}</label>
      {props.multiline ? (
        <textarea {...common} rows={3} />
      ) : (
        <input
          {...common}
          type={(props.type || "text") as "text"}
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
      {props.hint && (
        <p class="hint small" id={hintId}>
          {props.hint}
        </p>
      )}
    </div>
  );
}

function Tags({ tags, onSave }: { tags: string[]; onSave: (t: string[]) => Promise<boolean> }) {
  const [draft, setDraft] = useState("");
  const id = useId("tags");
  const add = async () => {
    const v = draft.trim().replace(/,$/, "");
    if (!v) return;
    if (tags.some((x) => x.toLowerCase() === v.toLowerCase())) {
      setDraft("");
      return;
    }
    if (await onSave([...tags, v])) setDraft("");
  };
  return (
    <div class="field field-s">
      <label for={id}>{t("details.tags")}</label>
      {tags.length > 0 && (
        <ul class="chips" aria-label={t("details.tags")}>
          {tags.map((tag) => (
            <li key={tag} class="chip">
              <span>{tag}</span>
              <button type="button" class="chip-x" onClick={() => void onSave(tags.filter((x) => x !== tag))} aria-label={t("details.removeTag", { tag })}>
                <Icon name="x" />
              </button>
            </li>
          ))}
        </ul>
      )}
      <input
        id={id}
        value={draft}
        placeholder={t("details.addTag")}
        onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" || e.key === ",") {
            e.preventDefault();
            void add();
          }
        }}
        onBlur={() => void add()}
      />
    </div>
  );
}

function BlockButton({ visitorId, blocked, onChange }: { visitorId: number; blocked: boolean; onChange: (b: boolean) => void }) {
  const inbox = useInbox();
  return (
    <div class="block-row">
      {blocked && <span class="tag tag-blocked">{t("details.blocked")}</span>}
      <button
        type="button"
        class={"btn btn-s" + (blocked ? "" : " btn-danger-quiet")}
        onClick={async () => {
          try {
            await api(blocked ? "DELETE" : "POST", `visitors/${visitorId}/block`);
            onChange(!blocked);
            inbox.toast(blocked ? t("details.unblockedDone") : t("details.blockedDone"));
          } catch (e) {
            inbox.toast(errText(e), true);
          }
        }}
      >
        {blocked ? t("details.unblock") : t("conv.block")}
      </button>
    </div>
  );
}

/** pagePath is a page's address without the site: its path, query and fragment ("/demo?lang=de"). */
export function pagePath(u: string): string {
  try {
    const x = new URL(u);
    return x.pathname + x.search + x.hash;
  } catch {
    return u;
  }
}

/** safeHref says whether a URL a visitor's browser reported may be a link: http and https only. */
function safeHref(u: string): boolean {
  return /^https?:\/\//i.test(u);
}

/** StartMailDialog starts an email conversation with the contact, from an email inbox the agent works in. */
function StartMailDialog({ contact, onClose }: { contact: Contact; onClose: () => void }) {
  const inbox = useInbox();
  const [inboxes, setInboxes] = useState<{ id: number; name: string; address: string }[] | null>(null);
  const [inboxId, setInboxId] = useState(0);
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const ids = { inbox: useId("mi"), subject: useId("ms"), body: useId("mb") };
  useEffect(() => {
    let live = true;
    api<{ email_inboxes: { id: number; name: string; address: string }[] }>("GET", "email-inboxes").then(
      (r) => {
        if (!live) return;
        setInboxes(r.email_inboxes || []);
        if (r.email_inboxes && r.email_inboxes.length) setInboxId(r.email_inboxes[0].id);
      },
      (e) => live && setError(errText(e)),
    );
    return () => void (live = false);
  }, []);
  return (
    <Dialog title={t("mail.startTitle", { email: contact.email })} onClose={onClose}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError("");
          try {
            const r = await api<{ conversation: Conversation }>("POST", `contacts/${contact.id}/conversations`, {
              inbox_id: inboxId,
              subject: subject.trim(),
              body: body.trim(),
              client_id: "start-" + Date.now().toString(36),
            });
            inbox.toast(t("mail.started"));
            onClose();
            location.hash = "#/c/" + r.conversation.id;
          } catch (err) {
            setError(errText(err));
            setBusy(false);
          }
        }}
      >
        {error && (
          <p class="err" role="alert">
            {error}
          </p>
        )}
        {inboxes && inboxes.length === 0 && <p class="muted">{t("mail.noInbox")}</p>}
        {inboxes && inboxes.length > 0 && (
          <>
            <div class="field">
              <label for={ids.inbox}>{t("mail.from")}</label>
              <select id={ids.inbox} value={String(inboxId)} onChange={(e) => setInboxId(Number((e.target as HTMLSelectElement).value))}>
                {inboxes.map((x) => (
                  <option key={x.id} value={String(x.id)}>
                    {x.name} ({x.address})
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for={ids.subject}>{t("compose.subject")}</label>
              <input id={ids.subject} value={subject} required maxLength={300} onInput={(e) => setSubject((e.target as HTMLInputElement).value)} />
            </div>
            <div class="field">
              <label for={ids.body}>{t("mail.message")}</label>
              <textarea id={ids.body} rows={6} value={body} required onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)} />
            </div>
          </>
        )}
        <div class="dlg-actions">
          <button type="button" class="btn" onClick={onClose}>
            {t("cancel")}
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy || !inboxId || !subject.trim() || !body.trim()}>
            {t("mail.send")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
