// The open conversation: its header (the contact's name menu, assignment, Resolve, Reopen), the
// log with scroll-back paging, typing and read markers, and the composer. Every action shows only
// when the server's `allowed` says it works.
import { Component } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { t } from "../i18n";
import { foldCards, ordered } from "../lib/log";
import { ChannelNotes } from "../channels/notes";
import type { Conversation, Message } from "../types";
import { api } from "../api";
import { errText, type Inbox, type Pending } from "../state/inbox";
import { Composer, type ComposerHandle } from "./composer";
import { contactName, Avatar, ChannelIcon, Dialog, Flag, formatDateTime, formatDay, formatSize, formatTime, Icon, useInbox, userName } from "./common";

interface Props {
  id: number;
  onBack: () => void;
  onDetails: () => void;
  detailsOpen: boolean;
  composer: { current: ComposerHandle | null };
}

export function ConversationView({ id, onBack, onDetails, detailsOpen, composer }: Props) {
  const inbox = useInbox("open");
  const c = inbox.get(id);
  if (inbox.openError && !c) {
    return (
      <main class="main conv" id="main">
        <header class="pane-head">
          <button type="button" class="icon-btn narrow-only" onClick={onBack} aria-label={t("back")}>
            <Icon name="back" />
          </button>
          <h1>{t("conv.gone")}</h1>
        </header>
        <p class="empty">{inbox.openError === "deleted" ? t("conv.deleted") : inbox.openError}</p>
      </main>
    );
  }
  if (!c) {
    return (
      <main class="main conv" id="main" aria-busy="true">
        <p class="empty muted">{t("loading")}</p>
      </main>
    );
  }
  return (
    <main class="main conv" id="main" aria-labelledby="conv-h">
      <Header c={c} onBack={onBack} onDetails={onDetails} detailsOpen={detailsOpen} />
      <LogView c={c} />
      <TakeBar c={c} />
      <Composer c={c} handle={composer} />
    </main>
  );
}

/**
 * TakeBar tells an agent who is not available, up front, that they cannot take this unassigned
 * conversation, with one button that turns availability on and takes it (instead of a reply that
 * fails after it was typed).
 */
function TakeBar({ c }: { c: Conversation }) {
  const inbox = useInbox("open", "presence");
  const [busy, setBusy] = useState(false);
  const a = c.allowed;
  if (!a || !a.assign_to_me_if_available || inbox.available || c.status !== "open" || c.assignee_id) return null;
  return (
    <div class="take-bar" role="region" aria-label={t("presence.away")}>
      <p>{t("take.text")}</p>
      <button
        type="button"
        class="btn btn-primary"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          await inbox.setAvailable(true);
          if (inbox.available) await inbox.assignToMe(c.id);
          setBusy(false);
        }}
      >
        {t("take.button")}
      </button>
    </div>
  );
}

// ---- header

function Header({ c, onBack, onDetails, detailsOpen }: { c: Conversation; onBack: () => void; onDetails: () => void; detailsOpen: boolean }) {
  const inbox = useInbox("open", "presence");
  const [menu, setMenu] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const a = c.allowed;
  const name = contactName(c);
  let status: string;
  if (c.status === "closed") status = c.closed_at ? t("conv.closedAt", { when: formatDateTime(c.closed_at) }) : t("conv.closed");
  else if (c.assignee_id) status = c.assignee_id === inbox.me.id ? t("conv.assignedYou") : t("conv.assignedTo", { name: userName(inbox.users, c.assignee_id) });
  else if (c.team_id) status = t("conv.assignedTeam", { name: teamName(inbox, c.team_id) });
  else status = t("conv.unassigned");
  const onSite = inbox.onSite(c);
  return (
    <header class="conv-head">
      <button type="button" class="icon-btn narrow-only" onClick={onBack} aria-label={t("back")}>
        <Icon name="back" />
      </button>
      <div class="conv-title">
        <div class="menu-wrap">
          <button type="button" class="name-btn" aria-haspopup="menu" aria-expanded={menu ? "true" : "false"} onClick={() => setMenu(!menu)} id="conv-h">
            <ChannelIcon channel={c.channel} />
            <Flag code={c.contact_country} />
            {c.contact_picture && <img class="contact-pic" src={c.contact_picture} alt={t("channels.picture", { name })} width={24} height={24} />}
            <span>{name}</span>
            <Icon name="chevron" />
          </button>
          {menu && (
            <Menu onClose={() => setMenu(false)} label={name}>
              <MenuItem
                onSelect={() => {
                  setMenu(false);
                  onDetails();
                }}
              >
                {t("conv.contactDetails")}
              </MenuItem>
              {c.visitor_id ? (
                <MenuItem
                  onSelect={async () => {
                    setMenu(false);
                    if (await blockVisitor(inbox, c.visitor_id!)) inbox.toast(t("conv.blocked", { name }));
                  }}
                >
                  {t("conv.block")}
                </MenuItem>
              ) : null}
              {a && a.delete && (
                <MenuItem
                  danger
                  onSelect={() => {
                    setMenu(false);
                    setConfirmDelete(true);
                  }}
                >
                  {t("conv.delete")}
                </MenuItem>
              )}
            </Menu>
          )}
        </div>
        <span class="conv-sub">
          {c.spam && <span class="tag tag-spam">{t("conv.spamTag")}</span>}
          <span class="muted small conv-status">{status}</span>
          {c.channel === "email" && c.subject && (
            <span class="small conv-subject" title={c.subject}>
              {c.subject}
            </span>
          )}
          {onSite !== undefined && (
            <span class={"small visitor-state " + (onSite ? "visitor-online" : "muted visitor-left")}>{t(onSite ? "conv.onSite" : "conv.leftSite")}</span>
          )}
        </span>
      </div>
      <button type="button" class={"icon-btn details-toggle" + (detailsOpen ? " on" : "")} onClick={onDetails} aria-label={t("details.title")} aria-pressed={detailsOpen ? "true" : "false"} title={t("details.title")}>
        <Icon name="panel" />
      </button>
      <div class="conv-actions">
        {a && a.release && (
          <button type="button" class="btn btn-release" onClick={() => void inbox.release(c.id)}>
            {t("conv.release")}
          </button>
        )}
        {a && a.assign_to_me && (
          <button type="button" class="btn" onClick={() => void inbox.assignToMe(c.id)}>
            {t("conv.assignToMe")}
          </button>
        )}
        {a && a.assign && <AssignMenu c={c} />}
        {a && a.close && (
          <button type="button" class="btn btn-resolve" onClick={() => void inbox.resolve(c.id)}>
            <Icon name="check" />
            <span>{t("conv.resolve")}</span>
          </button>
        )}
        {a && a.reopen && (
          <button type="button" class="btn" onClick={() => void inbox.reopen(c.id)}>
            {t("conv.reopen")}
          </button>
        )}
      </div>
      {confirmDelete && <DeleteDialog c={c} onClose={() => setConfirmDelete(false)} />}
    </header>
  );
}

async function blockVisitor(inbox: Inbox, visitorId: number): Promise<boolean> {
  try {
    await api("POST", `visitors/${visitorId}/block`);
    return true;
  } catch (e) {
    inbox.toast(errText(e), true);
    return false;
  }
}

function teamName(inbox: Inbox, id: number): string {
  const tm = inbox.teams.find((x) => x.id === id);
  return tm ? tm.name : t("someone");
}

/**
 * Menu is a small menu of buttons: arrow keys move, Escape closes and gives focus back. Escape
 * closes the menu only, wherever the focus is (on its button, say): it never also reaches the
 * inbox's own Escape, which would leave the conversation.
 */
export function Menu({ children, onClose, label }: { children: any; onClose: () => void; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  // A layout effect: the keys are the menu's as soon as it is on screen, not a frame later.
  useLayoutEffect(() => {
    const el = ref.current!;
    const opener = el.parentElement!.querySelector<HTMLElement>("[aria-haspopup]");
    const items = () => Array.from(el.querySelectorAll<HTMLElement>("[role^=menuitem]"));
    items()[0]?.focus();
    const away = (e: Event) => {
      if (!el.parentElement!.contains(e.target as Node)) onClose();
    };
    const key = (e: KeyboardEvent) => {
      const list = items();
      const at = list.indexOf(document.activeElement as HTMLElement);
      if (e.key === "ArrowDown") list[(at + 1) % list.length]?.focus();
      else if (e.key === "ArrowUp") list[(at - 1 + list.length) % list.length]?.focus();
      else if (e.key === "Home") list[0]?.focus();
      else if (e.key === "End") list[list.length - 1]?.focus();
      else if (e.key === "Escape" || e.key === "Tab") {
        onClose();
        if (e.key === "Escape") opener?.focus();
      } else return;
      e.preventDefault();
      e.stopPropagation();
    };
    const escape = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || document.querySelector("dialog[open]")) return;
      e.preventDefault();
      e.stopPropagation();
      onClose();
      opener?.focus();
    };
    document.addEventListener("mousedown", away);
    document.addEventListener("keydown", escape, true); // capture: before anything else hears it
    el.addEventListener("keydown", key);
    return () => {
      document.removeEventListener("mousedown", away);
      document.removeEventListener("keydown", escape, true);
      el.removeEventListener("keydown", key);
    };
  }, []);
  return (
    <div class="menu" role="menu" aria-label={label} ref={ref}>
      {children}
    </div>
  );
}

export function MenuItem({ children, onSelect, danger, checked }: { children: any; onSelect: () => void; danger?: boolean; checked?: boolean }) {
  return (
    <button type="button" role={checked === undefined ? "menuitem" : "menuitemradio"} aria-checked={checked === undefined ? undefined : checked ? "true" : "false"} class={"menu-item" + (danger ? " danger" : "")} tabIndex={-1} onClick={onSelect}>
      {children}
    </button>
  );
}

/** AssignMenu is the reassign drop-down: the available people with access, teams, and Unassigned. */
function AssignMenu({ c }: { c: Conversation }) {
  const inbox = useInbox("open");
  const [open, setOpen] = useState(false);
  const current = c.assignee_id ? userName(inbox.users, c.assignee_id) : c.team_id ? teamName(inbox, c.team_id) : t("conv.unassigned");
  const assign = async (body: object) => {
    setOpen(false);
    await inbox.act(c.id, "assign", body);
  };
  return (
    <div class="menu-wrap">
      <button
        type="button"
        class="btn"
        aria-haspopup="menu"
        aria-expanded={open ? "true" : "false"}
        onClick={() => {
          if (!open) void inbox.fetchConversation(c.id); // who is available changes by the minute
          setOpen(!open);
        }}
      >
        <Icon name="user" />
        <span class="assign-current">{current}</span>
        <span class="sr">{t("conv.reassign")}</span>
        <Icon name="chevron" />
      </button>
      {open && (
        <Menu onClose={() => setOpen(false)} label={t("conv.reassign")}>
          {(c.assignee_id || c.team_id) && (
            <MenuItem checked={false} onSelect={() => void assign({ user_id: 0, team_id: 0 })}>
              {t("conv.unassigned")}
            </MenuItem>
          )}
          <p class="menu-h" aria-hidden="true">
            {t("conv.people")}
          </p>
          {inbox.assignees.length === 0 && <p class="menu-note muted">{t("conv.nobodyAvailable")}</p>}
          {inbox.assignees.map((u) => (
            <MenuItem key={"u" + u.id} checked={false} onSelect={() => void assign({ user_id: u.id })}>
              <Avatar name={u.name} url={u.avatar_url} size="s" dot="on" />
              <span>{u.id === inbox.me.id ? t("conv.me", { name: u.name }) : u.name}</span>
            </MenuItem>
          ))}
          {inbox.teams.length > 0 && (
            <p class="menu-h" aria-hidden="true">
              {t("conv.teams")}
            </p>
          )}
          {inbox.teams.map((tm) => (
            <MenuItem key={"t" + tm.id} checked={c.team_id === tm.id && !c.assignee_id} onSelect={() => void assign({ team_id: tm.id })}>
              {tm.name}
            </MenuItem>
          ))}
        </Menu>
      )}
    </div>
  );
}

function DeleteDialog({ c, onClose }: { c: Conversation; onClose: () => void }) {
  const inbox = useInbox();
  const [busy, setBusy] = useState(false);
  const external = c.channel === "messenger" || c.channel === "whatsapp" || c.channel === "email";
  return (
    <Dialog title={t("delete.title")} onClose={onClose} initial=".btn-cancel">
      <p>{t("delete.removed")}</p>
      <ul class="bullets">
        <li>{t("delete.messages")}</li>
        <li>{t("delete.attachments")}</li>
        <li>{t("delete.pageViews")}</li>
        <li>{t("delete.jobs")}</li>
      </ul>
      <p>{t("delete.stays")}</p>
      <ul class="bullets">
        <li>{t("delete.items")}</li>
        <li>{t("delete.contact")}</li>
        {external && <li>{t("delete.external." + c.channel)}</li>}
      </ul>
      <p class="hint">{t("delete.again")}</p>
      <div class="dlg-actions">
        <button type="button" class="btn btn-cancel" onClick={onClose}>
          {t("cancel")}
        </button>
        <button
          type="button"
          class="btn btn-danger"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            if (await inbox.remove(c.id)) {
              onClose();
              inbox.toast(t("delete.done"));
              location.hash = "#/f/" + inbox.folder;
            } else setBusy(false);
          }}
        >
          {t("delete.confirm")}
        </button>
      </div>
    </Dialog>
  );
}

// ---- the log

function LogView({ c }: { c: Conversation }) {
  const inbox = useInbox("log", "typing");
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true); // follow new entries while the user is at the bottom
  const anchor = useRef<{ height: number; top: number } | null>(null);
  const msgs = foldCards(ordered(inbox.log));
  const pending = inbox.pending.filter((p) => p.conversationId === c.id);
  const typing = inbox.typing.get(c.id);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (anchor.current) {
      // Older entries came in above: keep what the user looks at where it was.
      el.scrollTop = anchor.current.top + (el.scrollHeight - anchor.current.height);
      anchor.current = null;
    } else if (stick.current) {
      el.scrollTop = el.scrollHeight;
    }
    // A first page too short to scroll could never ask for the one before it.
    if (el.scrollHeight <= el.clientHeight && inbox.log.more && !inbox.logLoading && inbox.log.oldest) void inbox.loadOlder();
  });

  useEffect(() => {
    stick.current = true;
  }, [c.id]);

  const onScroll = () => {
    const el = ref.current;
    if (!el) return; // a scroll that arrives as the conversation closes
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (stick.current) inbox.markReadSoon();
    if (el.scrollTop < 200 && inbox.log.more && !inbox.logLoading) {
      anchor.current = { height: el.scrollHeight, top: el.scrollTop };
      void inbox.loadOlder();
    }
  };

  // The last of the agents' entries the contact has read ("Seen").
  let seenSeq = 0;
  for (const m of msgs) if (m.sender_kind === "agent" && m.kind !== "note" && m.seq <= c.contact_read_seq) seenSeq = m.seq;

  let lastDay = "";
  let lastSubject = "";
  const items = [];
  for (const m of msgs) {
    const day = formatDay(m.created_at);
    if (day !== lastDay) {
      lastDay = day;
      items.push(
        <li key={"d" + m.seq} class="day">
          <span>{formatDay(m.created_at)}</span>
        </li>,
      );
    }
    // An email's subject shows where the thread's subject changes, not on every message.
    let subject = "";
    if (m.email && m.email.subject && c.channel === "email") {
      const s = threadSubject(m.email.subject);
      if (s.toLowerCase() !== lastSubject.toLowerCase()) subject = m.email.subject;
      lastSubject = s;
    }
    items.push(<Entry key={m.seq} m={m} seen={m.seq === seenSeq} me={inbox.me.id} contact={contactName(c)} channel={c.channel} subject={subject} />);
  }
  return (
    <div class="log-wrap">
      <div class="log" ref={ref} onScroll={onScroll} tabIndex={0} role="log" aria-label={t("conv.history")}>
        {inbox.log.more && (
          <p class="muted small center" role="status">
            {inbox.logLoading ? t("loading") : ""}
          </p>
        )}
        {!inbox.log.more && msgs.length > 0 && <p class="muted small center">{t("conv.start")}</p>}
        <ol class="entries">
          {items}
          {pending.map((p) => (
            <PendingEntry key={p.clientId} p={p} />
          ))}
        </ol>
      </div>
      <p class={"typing" + (typing ? "" : " typing-off")} aria-live="polite">
        {typing ? (typing.from === "visitor" ? t("conv.typingVisitor", { name: contactName(c) }) : t("conv.typingAgent", { name: typing.name || t("someone") })) : ""}
      </p>
    </div>
  );
}

/**
 * Entry draws one log entry. Entries never change once stored but for a reply's delivery, which
 * comes as a new object: it draws each once, and again when its delivery moves on.
 */
class Entry extends Component<{ m: Message; seen: boolean; me: number; contact: string; channel: Conversation["channel"]; subject: string }> {
  shouldComponentUpdate(next: { m: Message; seen: boolean; contact: string; subject: string }) {
    return next.m !== this.props.m || next.seen !== this.props.seen || next.contact !== this.props.contact || next.subject !== this.props.subject;
  }
  render() {
    const { m, seen, me, contact, channel, subject } = this.props;
    if (m.kind === "event")
      return (
        <li class="sys">
          {eventLine(m)}
          {m.event?.comment && <q class="sys-comment">{m.event.comment}</q>}
        </li>
      );
    const side = m.sender_kind === "visitor" ? "them" : "us";
    const cls = "msg msg-" + side + (m.kind === "note" ? " msg-note" : "") + (m.sender_kind === "bot" ? " msg-bot" : "");
    // The contact's messages carry the contact's name as it is now (renamed in the details, too).
    const who = m.sender_kind === "visitor" ? contact : m.sender_kind === "agent" && m.sender_id === me ? t("conv.you") : m.sender_name || (m.sender_kind === "bot" ? t("conv.bot") : "");
    return (
      <li class={cls}>
        <div class="meta small">
          <span class="who">{who}</span>
          {m.kind === "note" && <span class="tag tag-note">{t("conv.noteTag")}</span>}
          {m.email && channel !== "email" && (
            <span class="by-email" title={t("conv.byEmail")}>
              <ChannelIcon channel="email" />
            </span>
          )}
          <time dateTime={new Date(m.created_at).toISOString()} title={formatDateTime(m.created_at)}>
            {formatTime(m.created_at)}
          </time>
        </div>
        {subject && <div class="mail-subject small">{subject}</div>}
        <div class="bubble">{body(m)}</div>
        {m.email && <MailNotes m={m} />}
        {m.channel_meta && <ChannelNotes meta={m.channel_meta} />}
        {m.repaired && !m.email && <p class="channel-notes small muted">{t("mail.repaired")}</p>}
        {m.delivery && <DeliveryLine m={m} channel={channel} />}
        {seen && <div class="seen small muted">{t("conv.seen")}</div>}
      </li>
    );
  }
}

/** threadSubject is a subject without reply and forward markers, to tell a new subject from an answer's. */
export function threadSubject(s: string): string {
  return s.replace(/^\s*((re|aw|antw|sv|vs|wg|fwd?|tr|ynt|vá|odp)(\[\d+\])?\s*[:：]\s*)+/i, "").trim();
}

/** MailNotes says what an email carried besides its text: the hidden quoted part, and why it is marked. */
function MailNotes({ m }: { m: Message }) {
  const inbox = useInbox();
  const [orig, setOrig] = useState<{ text: string; html?: string } | null>(null);
  const [open, setOpen] = useState(false);
  const e = m.email!;
  const notes: string[] = [];
  if (e.auto_reply) notes.push(t("mail.autoReply", { why: e.auto_reply }));
  if (e.spam) notes.push(t("mail.spam", { why: e.spam }));
  if (e.malformed) notes.push(t("mail.malformed"));
  if (m.repaired) notes.push(t("mail.repaired"));
  for (const r of e.refused || []) notes.push(t("mail.refused", { what: r }));
  if (e.dmarc === "fail") notes.push(t("mail.dmarcFail"));
  const toggle = async () => {
    if (!open && !orig) {
      try {
        const r = await api<{ original: { text: string; html?: string } }>("GET", `conversations/${m.conversation_id}/messages/${m.id}/original`);
        setOrig(r.original);
      } catch (err) {
        inbox.toast(errText(err), true);
        return;
      }
    }
    setOpen(!open);
  };
  return (
    <div class="mail-notes small">
      {notes.map((n) => (
        <p class="muted" key={n}>
          {n}
        </p>
      ))}
      {e.quoted && (
        <button type="button" class="link-btn" aria-expanded={open ? "true" : "false"} onClick={() => void toggle()}>
          {open ? t("mail.hideQuoted") : t("mail.showQuoted")}
        </button>
      )}
      {open && orig && (orig.html ? <div class="rich mail-original" dangerouslySetInnerHTML={{ __html: orig.html }} /> : <pre class="mail-original">{orig.text}</pre>)}
    </div>
  );
}

/** DeliveryLine says where a reply stands on its channel, with a retry when it failed. */
function DeliveryLine({ m, channel }: { m: Message; channel: Conversation["channel"] }) {
  const inbox = useInbox();
  const d = m.delivery!;
  const via = d.via && d.via !== channel ? t("delivery.via." + d.via) : "";
  const label = t("delivery." + d.status) + (via ? " · " + via : "");
  return (
    <div class={"delivery small" + (d.status === "failed" ? " err-line" : " muted")} role={d.status === "failed" ? "alert" : undefined}>
      {via && <ChannelIcon channel="email" />}
      <span>{label}</span>
      {d.error && <span class="delivery-err"> — {d.error}</span>}
      {d.status === "failed" && (
        <>
          {" "}
          <button type="button" class="link-btn" onClick={() => void inbox.retryDelivery(m.conversation_id, m.id)}>
            {t("retry")}
          </button>
        </>
      )}
    </div>
  );
}

function body(m: Message) {
  const parts = [];
  if (m.attachment || m.attachment_id) {
    const f = m.attachment;
    const url = "/api/v1/attachments/" + (f ? f.id : m.attachment_id);
    if (f && /^image\/(png|jpeg|gif|webp)$/.test(f.content_type)) {
      parts.push(
        <a href={url} target="_blank" rel="noopener" class="att-img" key="a">
          <img src={url} alt={f.name} width={f.width || undefined} height={f.height || undefined} loading="lazy" />
        </a>,
      );
    } else {
      parts.push(
        <a href={url} target="_blank" rel="noopener" class="att-file" key="a">
          <Icon name="clip" />
          <span>{f ? f.name : t("conv.attachment")}</span>
          {f && <span class="muted small">{formatSize(f.size)}</span>}
        </a>,
      );
    }
  }
  if (m.kind === "card" && m.card) {
    parts.push(<CardView key="c" m={m} />);
  } else if (m.html) {
    // Sanitised on the server (internal/richtext: goldmark with raw HTML off, then bluemonday).
    parts.push(<div class="rich" key="h" dangerouslySetInnerHTML={{ __html: m.html }} />);
  } else if (m.body) {
    parts.push(
      <p class="plain" key="b">
        {m.body}
      </p>,
    );
  }
  if (m.response && (m.kind === "answer" || m.kind === "capture" || m.kind === "consent")) {
    parts.push(
      <p class="muted small" key="r">
        {t("card.response." + m.kind)}
      </p>,
    );
  }
  return parts;
}

/** CardView shows a bot card readably: its text, and what kind of card it is. */
function CardView({ m }: { m: Message }) {
  const c = m.card!;
  let extra = null;
  if (c.type === "question" && c.answers && c.answers.length) {
    extra = (
      <ul class="card-answers">
        {c.answers.map((a) => (
          <li key={a.id}>{a.label}</li>
        ))}
      </ul>
    );
  } else if (c.type === "capture" && c.field) {
    // A built-in field in the agent's language; a custom one by the label the playbook gave it.
    const f = c.field;
    const field = ["name", "email", "phone", "company"].includes(f.type) ? t("admin.pb.field." + f.type) : f.label || f.key;
    extra = <p class="muted small">{t("card.asks", { field })}</p>;
  } else if (c.type === "consent" && c.checkbox_label) {
    extra = <p class="muted small">☐ {c.checkbox_label}</p>;
  } else if (c.type === "live_chat") {
    extra = <p class="muted small">{c.state === "joined" ? t("card.live.joined", { name: c.user_name || "" }) : c.state === "offline" ? t("card.live.offline") : t("card.live.waiting")}</p>;
  }
  return (
    <div class="card-entry">
      <span class="tag">{t("card.type." + (["message", "question", "capture", "consent", "live_chat"].includes(c.type) ? c.type : "message"))}</span>
      {c.text && <p class="plain">{c.text}</p>}
      {extra}
    </div>
  );
}

/** eventLine is a system line in the viewer's language. */
export function eventLine(m: Message): string {
  const e = m.event!;
  const actor = e.actor_name || t("someone");
  const time = formatTime(m.created_at);
  switch (e.type) {
    case "joined":
      return t("ev.joined", { name: e.user_name || actor });
    case "assigned":
      if (e.team_id && !e.user_id) return t("ev.assignedTeam", { actor, team: e.user_name || teamLabel(e.team_id) });
      if (e.actor_id && e.actor_id === e.user_id) return t("ev.took", { name: actor });
      return t("ev.assigned", { actor, name: e.user_name || t("someone") });
    case "unassigned":
      return e.auto ? t("ev.unassignedAuto") : t("ev.unassigned", { actor });
    case "closed":
      return t("ev.closed", { actor, time });
    case "reopened":
      return e.auto ? t("ev.reopenedAuto", { time }) : t("ev.reopened", { actor, time });
    case "rated":
      return t("ev.rated", { n: e.rating || 0 });
    case "released":
      return t("ev.released", { actor });
    case "item_created": {
      const item = t("item." + (e.item_type || "lead"));
      return e.auto || !e.actor_name ? t("ev.itemBot", { item, title: e.title || "", time }) : t("ev.item", { actor, item, title: e.title || "", time });
    }
    case "item_linked":
      return t("ev.linked", { actor, item: t("item." + (e.item_type || "person")), title: e.title || "", time });
  }
  return e.type;
}

let teamLabel: (id: number) => string = () => t("someone");
/** setTeamNames lets system lines name teams. */
export function setTeamNames(fn: (id: number) => string): void {
  teamLabel = fn;
}

function PendingEntry({ p }: { p: Pending }) {
  const inbox = useInbox();
  return (
    <li class={"msg msg-us msg-pending" + (p.note ? " msg-note" : "")}>
      <div class="meta small">
        <span class="who">{t("conv.you")}</span>
        {p.note && <span class="tag tag-note">{t("conv.noteTag")}</span>}
        <span>{p.failed ? t("conv.notSent") : t("conv.sending")}</span>
      </div>
      <div class="bubble">
        {p.attachmentName && (
          <span class="att-file">
            <Icon name="clip" />
            <span>{p.attachmentName}</span>
          </span>
        )}
        {p.shown && <p class="plain">{p.shown}</p>}
      </div>
      {p.failed && (
        <div class="small err-line" role="alert">
          {p.failed}{" "}
          <button type="button" class="link-btn" onClick={p.retry}>
            {t("retry")}
          </button>{" "}
          <button type="button" class="link-btn" onClick={() => inbox.discard(p)}>
            {t("discard")}
          </button>
        </div>
      )}
    </li>
  );
}
