// The frame's forms that most chats never show, in a chunk of their own (dist/forms.js and
// forms.css), loaded the first time one is drawn (app.tsx, Later): a bot's capture and consent
// cards, the rating prompt after a chat is closed, and the contact form when nobody is online.
// They draw with the frame's Preact (kit.ts) and act through the frame's Chat.

import { useEffect, useRef, useState } from "preact/hooks";
import type { VNode } from "preact";
import type { Chat } from "./chat";
import { use, type Kit } from "./kit";
import { reveal, sid } from "./place";
import { fill } from "../i18n/format";
import { checkCapture, inputFor, invalidText } from "../lib/cards";
import type { Card } from "../lib/protocol";

export interface FormProps {
  chat: Chat;
  /** the card, for a card's form */
  card?: Card;
  /** the card's response is on its way */
  busy?: boolean;
}

export type Form = (p: FormProps) => VNode | null;

/** What the chunk offers the frame. */
export interface Forms {
  Capture: Form;
  Consent: Form;
  Stars: Form;
  Contact: Form;
}

/** What the frame hands over: its Preact, and whether the visitor's focus is in the conversation. */
export interface Handover extends Kit {
  inLog(): boolean;
}

let inLog = () => false;

function Capture({ chat, card, busy }: FormProps) {
  const S = chat.S;
  const f = card!.field!;
  const r = f.rules || {};
  const [value, setValue] = useState("");
  const [local, setLocal] = useState("");
  const input = useRef<HTMLInputElement>(null);
  const form = useRef<HTMLFormElement>(null);
  const server = chat.cardErrors.get(card!.id) || "";
  const err = local || server;
  useEffect(() => {
    if (server && inLog() && input.current) input.current.focus({ preventScroll: true });
  }, [server]);
  useEffect(() => reveal(err ? form.current : null), [err]);
  const id = sid(card!);
  const kind = inputFor(f.type);
  const submit = (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const bad = checkCapture(f, value);
    if (bad) {
      setLocal(invalidText(bad, f, S));
      if (input.current) input.current.focus({ preventScroll: true });
      return;
    }
    setLocal("");
    chat.capture(card!, value.trim());
  };
  const below = err ? "ce-" + id : r.hint ? "ch-" + id : undefined;
  return (
    <form ref={form} class="cc cf" onSubmit={submit} noValidate aria-busy={busy || undefined}>
      {f.label && <label for={"cf-" + id}>{f.label}</label>}
      <input
        ref={input}
        id={"cf-" + id}
        type={kind.type as "text" /* email or tel too: preact's types take one at a time */}
        autocomplete={kind.autocomplete}
        value={value}
        placeholder={f.placeholder}
        maxLength={r.max_length || undefined}
        required={!!r.required}
        readOnly={busy}
        aria-labelledby={f.label ? undefined : "cq-" + id}
        aria-invalid={err ? "true" : undefined}
        aria-describedby={below}
        onInput={(e) => {
          setValue((e.currentTarget as HTMLInputElement).value);
          setLocal("");
        }}
      />
      {err ? (
        <p id={"ce-" + id} class="err" role="alert">
          {err}
        </p>
      ) : (
        r.hint && (
          <p id={"ch-" + id} class="hint">
            {r.hint}
          </p>
        )
      )}
      <div class="acts">
        <button type="submit" class="btn">
          {S.send}
        </button>
        {!r.required && (
          <button type="button" class="btn alt" onClick={() => busy || chat.capture(card!, "")}>
            {S.skip}
          </button>
        )}
      </div>
    </form>
  );
}

function Consent({ chat, card, busy }: FormProps) {
  const S = chat.S;
  const [on, setOn] = useState(false);
  const [err, setErr] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => reveal(err ? form.current : null), [err]);
  const id = sid(card!);
  const submit = (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (!on && card!.required) return setErr(true);
    chat.consent(card!, on);
  };
  return (
    <form ref={form} class="cc cf" onSubmit={submit} noValidate aria-busy={busy || undefined}>
      <label class="chk">
        <input
          type="checkbox"
          checked={on}
          aria-invalid={err ? "true" : undefined}
          aria-describedby={err ? "ce-" + id : undefined}
          onChange={(e) => {
            setOn((e.currentTarget as HTMLInputElement).checked);
            setErr(false);
          }}
        />
        <span>{card!.checkbox_label || S.confirm}</span>
      </label>
      {err && (
        <p id={"ce-" + id} class="err" role="alert">
          {S.consentNeeded}
        </p>
      )}
      <div class="acts">
        <button type="submit" class="btn">
          {S.confirm}
        </button>
      </div>
    </form>
  );
}

/** Stars asks for a rating of the closed conversation: a score, then an optional comment. */
function Stars({ chat }: FormProps) {
  const S = chat.S;
  const [n, setN] = useState(0);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    await chat.rate(n, ((e.currentTarget as HTMLFormElement).elements.namedItem("comment") as HTMLTextAreaElement).value);
    setBusy(false);
  };
  return (
    <form class="card rate" onSubmit={submit} noValidate>
      <p id="rate-q">{S.ratePrompt}</p>
      <div role="group" aria-labelledby="rate-q">
        {[1, 2, 3, 4, 5].map((i) => (
          <button type="button" class={"star" + (i <= n ? " on" : "")} aria-pressed={i === n} aria-label={fill(S.star, { n: i })} onClick={() => setN(i)}>
            ★
          </button>
        ))}
      </div>
      {n > 0 && (
        <>
          <label for="rate-c">{S.rateComment}</label>
          <textarea id="rate-c" name="comment" rows={2} maxLength={1000} />
          <button class="btn" disabled={busy}>
            {S.send}
          </button>
        </>
      )}
    </form>
  );
}

/** Contact asks for an email address to reply to when nobody is online. */
function Contact({ chat }: FormProps) {
  const S = chat.S;
  const [err, setErr] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const f = e.currentTarget as HTMLFormElement;
    setBusy(true);
    const msg = await chat.saveContact((f.elements.namedItem("name") as HTMLInputElement).value, (f.elements.namedItem("email") as HTMLInputElement).value);
    setBusy(false);
    setErr(msg);
  };
  return (
    <form class="card off" onSubmit={submit} noValidate>
      <p class="t">{S.offlineTitle}</p>
      <p>{S.offlineText}</p>
      <label for="pf-email">{S.emailLabel}</label>
      <input id="pf-email" name="email" type="email" autocomplete="email" required aria-invalid={err ? "true" : undefined} aria-describedby={err ? "pf-err" : undefined} />
      <label for="pf-name">{S.nameLabel}</label>
      <input id="pf-name" name="name" autocomplete="name" />
      {err && (
        <p id="pf-err" class="err" role="alert">
          {err}
        </p>
      )}
      <button type="submit" class="btn" disabled={busy}>
        {S.save}
      </button>
    </form>
  );
}

/** announceForms hands the forms to the frame that loaded this chunk, on the chunk's own script element. */
export function announceForms(): void {
  const s = document.currentScript;
  const make = (h: Handover): Forms => {
    use(h);
    inLog = h.inLog;
    return { Capture, Consent, Stars, Contact };
  };
  if (s) s.dispatchEvent(new CustomEvent("parley-forms", { detail: make }));
}
