// The chat frame's view: header, the conversation (role=log, announced politely) with the bot's
// cards, typing, rating prompt, offline contact form, uploads and the composer. All text comes
// from the catalogue. The forms most chats never show (capture and consent cards, the rating
// prompt, the offline contact form) are a chunk of their own, loaded the first time one is drawn
// (forms.tsx, Later below).

import { Fragment, jsx } from "preact/jsx-runtime";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Chat } from "./chat";
import type { Form, FormProps, Forms, Handover } from "./forms";
import { reveal, sid } from "./place";
import { fill } from "../i18n/format";
import { botWho, headerName } from "../lib/log";
import { lines, mmss, responses, secondsLeft } from "../lib/cards";
import type { Attachment, Card, Message } from "../lib/protocol";
import { cardPending, type Pending } from "../lib/pending";
import { loadPicker } from "../../../emoji/emoji-load";
import { loadChunk } from "../../../chunk/load";

/** Whether the visitor's focus was last in the conversation (not the composer, not the header):
 * only then does a new card take the focus. A control that gets disabled or removed under the
 * focus leaves it on the body; that still counts as in the conversation. */
let inLog = false;

/**
 * shown scrolls the log to its end when a picture that just loaded is the last thing in it and its
 * top is in view: the space kept for it was smaller, so it would stay cut off at the bottom. A
 * picture further up, or one the visitor scrolled away from, stays where it is.
 */
function shown(img: Element): void {
  const log = img.closest(".log");
  if (!log) return;
  const a = img.getBoundingClientRect();
  const b = log.getBoundingClientRect();
  const below = log.scrollHeight - log.scrollTop - log.clientHeight; // hidden under the view
  if (a.bottom > b.bottom && a.top < b.bottom && below <= a.bottom - b.bottom + 80) log.scrollTop = log.scrollHeight;
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0] || "?").charAt(0) + (parts.length > 1 ? parts[parts.length - 1].charAt(0) : "")).toUpperCase();
}

function Avatar({ name, src }: { name: string; src?: string }) {
  const [broken, setBroken] = useState(false);
  if (src && !broken) return <img class="av" src={src} alt="" onError={() => setBroken(true)} />;
  return (
    <span class="av" aria-hidden="true">
      {initials(name)}
    </span>
  );
}

function time(ts: number, locale: string): string {
  try {
    return new Date(ts).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
  } catch {
    return "";
  }
}

function File({ chat, att, clientId }: { chat: Chat; att?: Attachment; clientId?: string }) {
  const a = att || (clientId ? chat.sentFiles.get(clientId) : undefined);
  const [url, setURL] = useState("");
  const id = a ? a.id : 0;
  useEffect(() => {
    if (!id) return;
    let gone = false;
    let made = "";
    chat.fileURL(id).then(
      (u) => (gone ? URL.revokeObjectURL(u) : setURL((made = u))),
      () => undefined,
    );
    return () => {
      gone = true;
      if (made) URL.revokeObjectURL(made);
    };
  }, [id]);
  const S = chat.S;
  if (!a) return <span class="file">📎 {S.file}</span>;
  if (/^image\/(png|jpeg|gif|webp)$/.test(a.content_type)) {
    return url ? (
      <img class="img" src={url} alt={a.name || S.image} width={a.width} height={a.height} onLoad={(e) => shown(e.currentTarget as Element)} />
    ) : (
      <span class="img ph" role="img" aria-label={a.name || S.image} />
    );
  }
  return (
    <a class="file" href={url || undefined} download={a.name} aria-label={fill(S.download, { name: a.name })}>
      📎 {a.name}
    </a>
  );
}

/** Where a card stands: false when it can take no response (an earlier or closed conversation). */
type CardState = false | { done?: Message; busy?: Pending };

function Bubble({ chat, m, first, last, live, mark }: { chat: Chat; m: Message; first: boolean; last: boolean; live?: CardState; mark?: string }) {
  const S = chat.S;
  const mine = m.from === "visitor";
  const who = mine ? S.you : m.name || chat.look.bot_name || chat.cfg.name;
  const card = m.kind === "card" ? m.card : undefined;
  let content;
  if (card) {
    const controls = live ? <CardControls chat={chat} card={card} {...live} /> : null;
    if (!card.html && !card.text && !controls) return null;
    content = (
      <>
        {card.html ? <div class="rich" id={"cq-" + sid(card)} dangerouslySetInnerHTML={{ __html: card.html }} /> : <div id={"cq-" + sid(card)}>{card.text}</div>}
        {controls}
      </>
    );
  } else if (m.kind === "attachment" || m.attachment_id || m.attachment) {
    // The visitor's own uploads are known in full; for others only the id comes with the message.
    const sent = m.client_id ? chat.sentFiles.get(m.client_id) : undefined;
    const att = m.attachment || sent || (m.attachment_id ? ({ id: m.attachment_id, name: "", content_type: "" } as Attachment) : undefined);
    content = (
      <>
        <File chat={chat} att={att} clientId={m.client_id} />
        {m.body ? <div>{m.body}</div> : null}
      </>
    );
  } else if (m.html) {
    content = <div class="rich" dangerouslySetInnerHTML={{ __html: m.html }} />;
  } else {
    content = m.body || (mine && m.kind === "capture" ? S.skipped : "");
  }
  return (
    <div class={"m " + (mine ? "me" : "them") + (first ? " first" : "")} data-card={mark}>
      {!mine && (first ? <Avatar name={who} src={m.avatar || (m.from === "bot" ? chat.look.avatar : undefined)} /> : <span class="av sp" />)}
      <div class="col">
        {!mine && first && <div class="who">{who}</div>}
        <div class="bub" title={time(m.created_at, chat.locale)}>
          <span class="sr">{who}: </span>
          {content}
        </div>
        {last && <time class="st">{time(m.created_at, chat.locale)}</time>}
      </div>
    </div>
  );
}

function PendingBubble({ chat, p }: { chat: Chat; p: Pending }) {
  return (
    <div class="m me pend">
      <div class="col">
        <div class="bub">
          <span class="sr">{chat.S.you}: </span>
          {p.attachment ? <File chat={chat} att={p.attachment} /> : null}
          {p.body}
        </div>
        {!p.acked && <div class="st">{chat.S.sending}</div>}
      </div>
    </div>
  );
}

/** Entries of one sender written within five minutes of each other form a run: one name, one time. */
function sameRun(a: Message | undefined, b: Message | undefined): boolean {
  return !!a && !!b && a.kind !== "event" && b.kind !== "event" && a.from === b.from && a.name === b.name && Math.abs(b.created_at - a.created_at) < 300000;
}

function Lines({ chat, list, old }: { chat: Chat; list: Message[]; old?: boolean }) {
  let prev: Message | undefined;
  const got = responses(list);
  // Cards take responses while the conversation is open and no agent has joined; earlier
  // conversations' cards, and those an agent took over from (the offline path's capture form once
  // someone answers in person), are history.
  const open = !old && !!chat.log.conv && chat.log.conv.status === "open";
  let joined = 0;
  for (const m of list) if (m.from === "agent" || (m.kind === "event" && m.event && m.event.type === "joined")) joined = Math.max(joined, m.seq);
  const drawn = lines(list);
  return (
    <>
      {drawn.map((m, i) => {
        let el;
        if (m.kind === "event") {
          const text = chat.systemText(m);
          el = text ? (
            <p class="sys" key={"s" + m.seq}>
              {text}
            </p>
          ) : null;
        } else {
          const first = !sameRun(prev, m);
          const c = m.kind === "card" && m.card;
          const takes = open && (!c || c.type === "live_chat" || m.seq > joined);
          const live: CardState | undefined = c ? takes && { done: got.get(c.id), busy: cardPending(chat.pending, c.id) } : undefined;
          // data-card marks the cards that may take the focus when they are new (App)
          const mark = c && takes ? chat.log.convId + ":" + c.id : undefined;
          el = <Bubble key={c ? "c" + c.id : "m" + m.seq} chat={chat} m={m} first={first} last={!sameRun(m, drawn[i + 1])} live={live} mark={mark} />;
        }
        prev = m;
        return el;
      })}
    </>
  );
}

/**
 * CardControls draws what a card asks of the visitor until the log holds their response (done).
 * While a response is on its way (busy), answer buttons go (the visitor's bubble shows the
 * choice) but forms stay, so that a refused value is still there to correct.
 */
function CardControls({ chat, card, done, busy }: { chat: Chat; card: Card; done?: Message; busy?: Pending }) {
  if (card.type === "live_chat") return card.state === "waiting" && card.deadline ? <Countdown chat={chat} card={card} /> : null;
  if (done || (busy && card.type === "question")) return null;
  switch (card.type) {
    case "question":
      return (
        <div class="cc ans" role="group" aria-labelledby={"cq-" + sid(card)}>
          {(card.answers || []).map((a) => (
            <button type="button" class="opt" key={a.id} onClick={() => chat.answer(card, a.id, a.label)}>
              {a.label}
            </button>
          ))}
        </div>
      );
    case "capture":
      return card.field ? <Later form="Capture" chat={chat} card={card} busy={!!busy} /> : null;
    case "consent":
      return <Later form="Consent" chat={chat} card={card} busy={!!busy} />;
  }
  return null;
}

/** Countdown shows the live chat card's waiting time; the timer itself runs on the server. */
function Countdown({ chat, card }: { chat: Chat; card: Card }) {
  const [, tick] = useState(0);
  const left = secondsLeft(card.deadline!, card.waiting_seconds, Date.now(), chat.clock.offset);
  useEffect(() => {
    if (left <= 0) return;
    // Tick when the seconds left change.
    const ms = card.deadline! - (Date.now() - chat.clock.offset);
    const t = setTimeout(() => tick((n) => n + 1), (ms % 1000) + 5);
    return () => clearTimeout(t);
  });
  // role=timer is not announced on every tick (aria-live off), unlike the log around it.
  return (
    <p class="cc wait" role="timer" aria-live="off">
      {fill(chat.S.waiting, { time: mmss(left) })}
    </p>
  );
}

/** The forms chunk once loaded (forms.tsx), and whether it is being asked for. */
let forms: Forms | null = null;
let asking = false;

/**
 * Later draws one of the forms chunk's forms, loading the chunk the first time; then the whole
 * view draws again (a chunk that failed is asked for again when the view next draws). Until it is
 * in, an empty placeholder (data-wait) stands in: App does not count a card as seen before its
 * controls are there, so a new card still takes the focus once they are.
 */
function Later(p: FormProps & { form: keyof Forms }) {
  const lazy = p.chat.cfg.lazy || {};
  useEffect(() => {
    if (forms || asking) return;
    asking = true;
    loadChunk<(h: Handover) => Forms>(lazy["forms.js"], lazy["forms.css"], "parley-forms").then(
      (make) => {
        forms = make({ jsx, Fragment, useState, useEffect, useRef, inLog: () => inLog });
        asking = false;
        p.chat.redraw();
      },
      () => (asking = false),
    );
  });
  if (!forms) return <div class="cc" data-wait="" />;
  const F: Form = forms[p.form];
  return <F chat={p.chat} card={p.card} busy={p.busy} />;
}

function Rating({ chat }: { chat: Chat }) {
  const c = chat.log.conv;
  if (!c || c.status !== "closed") return null;
  if (c.rating || chat.rated.conv === c.id) return <p class="sys">{chat.S.ratedThanks}</p>;
  return <Later form="Stars" chat={chat} />;
}

/** Transcript lets the visitor of a closed chat have it by email. */
function Transcript({ chat }: { chat: Chat }) {
  const S = chat.S;
  const [err, setErr] = useState("");
  const [busy, setBusy] = useState(false);
  const c = chat.log.conv;
  if (!c || c.status !== "closed") return null;
  if (chat.transcriptFor === c.id) return <p class="sys">{fill(S.transcriptSent, { email: chat.contactEmail })}</p>;
  const submit = async (e: Event) => {
    e.preventDefault();
    const f = e.currentTarget as HTMLFormElement;
    const input = f.elements.namedItem("email") as HTMLInputElement | null;
    setBusy(true);
    setErr(await chat.transcript(input ? input.value : ""));
    setBusy(false);
  };
  return (
    <form class="card rate" onSubmit={submit} noValidate>
      {!chat.contactEmail && (
        <>
          <label for="tr-email">{S.emailLabel}</label>
          <input id="tr-email" name="email" type="email" autocomplete="email" required aria-invalid={err ? "true" : undefined} aria-describedby={err ? "tr-err" : undefined} />
        </>
      )}
      {err && (
        <p id="tr-err" class="err" role="alert">
          {err}
        </p>
      )}
      <button type="submit" class="btn" disabled={busy}>
        {S.transcriptAsk}
      </button>
    </form>
  );
}

function Offline({ chat }: { chat: Chat }) {
  if (chat.contactEmail) return <p class="sys">{fill(chat.S.saved, { email: chat.contactEmail })}</p>;
  // With the bot's cards in the conversation the playbook decides how to reach a human (its live
  // chat card's offline path asks for the email): no second form.
  // An agent who joined answers in person: no form either.
  if (chat.log.agentsAvailable !== 0 || chat.log.list().some((m) => m.kind === "card" || m.from === "agent" || (m.kind === "event" && !!m.event && m.event.type === "joined"))) return null;
  return <Later form="Contact" chat={chat} />;
}

function Composer({ chat }: { chat: Chat }) {
  const S = chat.S;
  const box = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const [text, setText] = useState("");
  useEffect(() => {
    if (chat.focusTick && box.current) box.current.focus();
  }, [chat.focusTick]);
  const grow = () => {
    const b = box.current;
    if (!b) return;
    b.style.height = "auto";
    b.style.height = Math.min(b.scrollHeight, 120) + "px";
  };
  const submit = (e?: Event) => {
    if (e) e.preventDefault();
    if (chat.send(text)) {
      setText("");
      if (box.current) box.current.value = "";
      grow();
    }
  };
  const disabled = chat.status === "off";
  const lazy = chat.cfg.lazy || {};
  // The picker is a chunk of its own, loaded the first time it is opened (web/emoji/emoji-picker.ts).
  const emoji = (e: MouseEvent) => {
    const anchor = e.currentTarget as HTMLElement;
    const root = anchor.closest(".chat") as HTMLElement;
    if (root.querySelector(".emo")) return;
    loadPicker(lazy["emoji.js"], lazy["emoji.css"]).then(
      (open) =>
        open({
          container: root,
          anchor,
          lang: chat.locale,
          data: lazy["emoji-" + chat.locale + ".json"] || lazy["emoji-en.json"],
          pick: (ch) => {
            const b = box.current!;
            const v = b.value.slice(0, b.selectionStart) + ch + b.value.slice(b.selectionEnd);
            const at = b.selectionStart + ch.length;
            setText(v);
            b.value = v;
            b.setSelectionRange(at, at);
            grow();
          },
          closed: () => box.current && box.current.focus(),
        }),
      () => undefined, // not loaded: the button tries again
    );
  };
  return (
    <form class="comp" onSubmit={submit}>
      <button type="button" class="ic" aria-label={S.attach} title={S.attach} disabled={disabled} onClick={() => fileInput.current && fileInput.current.click()}>
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <path d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5H9v9a3 3 0 0 0 6 0V5a4.5 4.5 0 0 0-9 0v11.5a6 6 0 0 0 12 0v-10z" />
        </svg>
      </button>
      <input
        ref={fileInput}
        type="file"
        class="sr"
        tabIndex={-1}
        aria-hidden="true"
        onChange={(e) => {
          const input = e.currentTarget as HTMLInputElement;
          const f = input.files && input.files[0];
          input.value = "";
          if (f) void chat.attach(f);
        }}
      />
      {lazy["emoji.js"] && (
        <button type="button" class="ic" aria-label={S.emoji} title={S.emoji} aria-haspopup="dialog" disabled={disabled} onClick={emoji}>
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16zM7 13h10a5 5 0 0 1-10 0zm1-5h2v3H8zm6 0h2v3h-2z" />
          </svg>
        </button>
      )}
      <textarea
        ref={box}
        rows={1}
        value={text}
        disabled={disabled}
        aria-label={S.messageLabel}
        placeholder={S.placeholder}
        maxLength={10000}
        onInput={(e) => {
          const v = (e.currentTarget as HTMLTextAreaElement).value;
          setText(v);
          grow();
          chat.typing(v.trim() !== "");
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) submit(e);
        }}
      />
      <button type="submit" class="ic send" aria-label={S.send} title={S.send} disabled={disabled}>
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <path d="M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z" />
        </svg>
      </button>
    </form>
  );
}

/** openLink opens links in messages in a new tab, not inside the frame. */
function openLink(e: MouseEvent): void {
  const t = e.target as Element | null;
  const a = t && t.closest ? (t.closest(".rich a[href]") as HTMLAnchorElement | null) : null;
  if (!a) return;
  e.preventDefault();
  window.open(a.href, "_blank", "noopener,noreferrer");
}

export function App({ chat }: { chat: Chat }) {
  const [, setVersion] = useState(0);
  const redraw = () => setVersion((n) => n + 1);
  useEffect(() => {
    const stop = chat.subscribe(redraw);
    redraw(); // a change may have come between the first render and now
    return stop;
  }, [chat]);
  const logRef = useRef<HTMLDivElement>(null);
  const seenCards = useRef<Set<string> | null>(null);
  useEffect(() => {
    const where = (e: Event) => (inLog = !!logRef.current && logRef.current.contains(e.target as Node));
    document.addEventListener("focusin", where);
    document.addEventListener("pointerdown", where);
    return () => {
      document.removeEventListener("focusin", where);
      document.removeEventListener("pointerdown", where);
    };
  }, []);
  // A new card takes the focus (its first control) when the visitor's focus was in the conversation.
  useEffect(() => {
    const el = logRef.current;
    if (!el || chat.status !== "live") return;
    const seen = seenCards.current;
    let target: HTMLElement | null = null;
    const now = new Set<string>();
    el.querySelectorAll<HTMLElement>("[data-card]").forEach((c) => {
      const id = c.getAttribute("data-card")!;
      if (c.querySelector("[data-wait]")) return; // its controls are on their way (Later)
      now.add(id);
      if (seen && !seen.has(id)) target = c.querySelector<HTMLElement>("button, input") || target;
    });
    seenCards.current = seen ? new Set([...seen, ...now]) : now;
    if (target && inLog && document.hasFocus()) {
      (target as HTMLElement).focus({ preventScroll: true });
      reveal(target);
    }
  });
  const S = chat.S;
  const list = chat.log.list();
  const pending = chat.pending.filter((p) => !chat.log.hasClientId(p.client_id));
  const bot = botWho(list, chat.look, chat.cfg.name);
  const head = headerName(list, bot);
  const count = list.length + pending.length + chat.uploads.length + (chat.typingName ? 1 : 0);
  // The end of the log in view: when something is added, and when the forms chunk has drawn the
  // forms that were waiting for it (Later).
  useLayoutEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [count, chat.isOpen, !!forms]);
  useEffect(() => {
    const esc = (e: KeyboardEvent) => {
      if (e.key === "Escape") chat.close();
      // Full screen (a phone): the page behind is covered, so Tab wraps around inside the chat
      // instead of walking into it; Escape still closes the chat and gives the focus back.
      if (e.key === "Tab" && chat.full && chat.isOpen) {
        const all = [...document.querySelectorAll<HTMLElement>("button,input,textarea,select,a[href],[tabindex]")].filter(
          (el) => !(el as HTMLButtonElement).disabled && el.tabIndex >= 0 && el.getClientRects().length > 0,
        );
        const first = all[0];
        const last = all[all.length - 1];
        if (!first) return;
        if (document.activeElement === (e.shiftKey ? first : last)) {
          e.preventDefault();
          (e.shiftKey ? last : first).focus();
        }
      }
    };
    addEventListener("keydown", esc);
    return () => removeEventListener("keydown", esc);
  }, [chat]);
  const status =
    chat.status === "away" ? S.reconnecting : chat.status === "connecting" ? S.connecting : chat.status === "off" ? S.unavailable : "";
  // Once an agent has joined, the header names them: they are here, whatever the count said before.
  const presence = chat.log.agentsAvailable === 0 && head.name === bot.name ? S.away : S.online;
  return (
    <div class="chat">
      <header class="head">
        <Avatar name={head.name} src={head.avatar} />
        <div class="ht">
          <h1>{head.name}</h1>
          <p>{presence}</p>
        </div>
        <button type="button" class="ic x" aria-label={S.close} title={S.close} onClick={() => chat.close()}>
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M18.3 5.7a1 1 0 0 0-1.4 0L12 10.6 7.1 5.7a1 1 0 0 0-1.4 1.4l4.9 4.9-4.9 4.9a1 1 0 1 0 1.4 1.4l4.9-4.9 4.9 4.9a1 1 0 0 0 1.4-1.4L13.4 12l4.9-4.9a1 1 0 0 0 0-1.4z" />
          </svg>
        </button>
      </header>
      <div class={"banner" + (status ? "" : " sr")} role="status">
        {status}
      </div>
      <div
        class="log"
        ref={logRef}
        role="log"
        aria-live="polite"
        aria-relevant="additions"
        aria-label={head.name}
        tabIndex={0 /* scrollable with the keyboard, also when it holds no control */}
        onClick={openLink}
      >
        {chat.log.previous.length > 0 && (
          <section class="old" aria-label={S.earlier}>
            <p class="div">{S.earlier}</p>
            <Lines chat={chat} list={chat.log.previous} old />
          </section>
        )}
        {list.length === 0 && pending.length === 0 && (
          <div class="m them first">
            <Avatar name={bot.name} src={bot.avatar} />
            <div class="col">
              <div class="who">{bot.name}</div>
              <div class="bub">{S.greeting}</div>
            </div>
          </div>
        )}
        {chat.log.away !== null && (
          <p class="away" role="note">
            {chat.log.away || S.away}
          </p>
        )}
        <Lines chat={chat} list={list} />
        {pending.map((p) => (
          <PendingBubble key={p.client_id} chat={chat} p={p} />
        ))}
        {chat.uploads.map((u) => (
          <div class="m me pend" key={"u" + u.id}>
            <div class="col">
              <div class="bub">
                {fill(S.uploading, { name: u.name })}
                <progress max={1} value={u.progress} aria-label={fill(S.uploading, { name: u.name })} />
              </div>
            </div>
          </div>
        ))}
        <Rating chat={chat} />
        <Transcript chat={chat} />
        <Offline chat={chat} />
      </div>
      <div class="typing" aria-hidden={chat.typingName ? undefined : "true"}>
        {chat.typingName ? fill(S.typing, { name: chat.typingName }) : ""}
      </div>
      {chat.notice && (
        <p class="err note" role="alert">
          {chat.notice}
        </p>
      )}
      <Composer chat={chat} />
    </div>
  );
}
