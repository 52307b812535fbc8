// Bot cards (docs/widget-protocol.md 4): which cards the log shows and where, which are answered,
// the capture rules checked before sending, and the live chat card's countdown. Pure, so it is
// unit-tested with the protocol's fixtures.

import type { Field, Message } from "./protocol";
import type { Strings } from "../i18n/en";
import { plural } from "../i18n/format";

/**
 * lines is the log as drawn: a card entry whose card.id an earlier entry already had replaces that
 * card where it stands instead of adding a bubble (4.1). A replacement without html (the live chat
 * card's joined state) keeps showing the earlier html.
 */
export function lines(list: Message[]): Message[] {
  const out: Message[] = [];
  const at = new Map<string, number>();
  for (const m of list) {
    const c = m.card;
    if (m.kind !== "card" || !c) {
      out.push(m);
      continue;
    }
    const i = at.get(c.id);
    if (i === undefined) {
      at.set(c.id, out.length);
      out.push(m);
      continue;
    }
    const old = out[i].card!;
    out[i] = c.html || !old.html ? m : { ...m, card: { ...c, html: old.html } };
  }
  return out;
}

/** responses maps card ids to the visitor's entry that answered them. */
export function responses(list: Message[]): Map<string, Message> {
  const got = new Map<string, Message>();
  for (const m of list) if (m.from === "visitor" && m.response && m.response.card_id && !got.has(m.response.card_id)) got.set(m.response.card_id, m);
  return got;
}

/** Why a capture value was refused: the rule it broke (n: the length limit). */
export interface Invalid {
  why: "required" | "short" | "long" | "pattern" | "email" | "phone";
  n?: number;
}

const emailRe = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const phoneRe = /^[0-9 +()\-./]+$/;
const builtinMax: Record<string, number> = { name: 200, company: 200, phone: 40, email: 254 };

/**
 * checkCapture checks a value against the field's type and rules, as the server will (4.4); the
 * server checks again and decides. An empty value is fine when the field is not required: it is
 * what Skip sends.
 */
export function checkCapture(field: Field, value: string): Invalid | null {
  const r = field.rules || {};
  const v = value.trim();
  if (!v) return r.required ? { why: "required" } : null;
  const len = Array.from(v).length;
  if (r.min_length && len < r.min_length) return { why: "short", n: r.min_length };
  const max = Math.min(r.max_length || Infinity, builtinMax[field.type] || Infinity);
  if (len > max) return { why: "long", n: max };
  if (field.type === "email" && !emailRe.test(v)) return { why: "email" };
  if (field.type === "phone" && !(phoneRe.test(v) && /\d/.test(v))) return { why: "phone" };
  if (r.pattern) {
    const re = regexp(r.pattern);
    if (re && !re.test(v)) return { why: "pattern" };
  }
  return null;
}

/**
 * invalidText words a refusal in the visitor's language. The field's hint, when it has one, is the
 * message for every broken rule but an empty required field (protocol 4.4).
 */
export function invalidText(bad: Invalid, field: Field, S: Strings): string {
  if (bad.why === "required") return S.required;
  const hint = field.rules && field.rules.hint;
  if (hint) return hint;
  switch (bad.why) {
    case "short":
      return plural(S.tooShort, bad.n || 0);
    case "long":
      return plural(S.tooLongField, bad.n || 0);
    case "email":
      return S.emailInvalid;
    case "phone":
      return S.phoneInvalid;
  }
  return S.fieldInvalid;
}

function regexp(p: string): RegExp | null {
  for (const flags of ["u", ""]) {
    try {
      return new RegExp(p, flags);
    } catch {
      // not valid here: try without Unicode mode, else leave it to the server
    }
  }
  return null;
}

/** Input attributes for a capture field's type. */
export function inputFor(type: string): { type: "email" | "tel" | "text"; autocomplete?: "email" | "tel" | "name" | "organization" } {
  switch (type) {
    case "email":
      return { type: "email", autocomplete: "email" };
    case "phone":
      return { type: "tel", autocomplete: "tel" };
    case "name":
      return { type: "text", autocomplete: "name" };
    case "company":
      return { type: "text", autocomplete: "organization" };
  }
  return { type: "text" };
}

/**
 * Clock estimates how far the widget's clock is ahead of the server's, from entries that arrive
 * live: each was written (created_at) just before it arrived, so the smallest difference seen is
 * the best guess (the rest is network delay). Until one arrives, the clocks are taken to agree.
 */
export class Clock {
  offset = 0;
  private known = false;

  observe(createdAt: number, localNow: number): void {
    if (!(createdAt > 0)) return;
    const d = localNow - createdAt;
    if (!this.known || d < this.offset) this.offset = d;
    this.known = true;
  }
}

/** secondsLeft is the live chat card's countdown: the seconds to its deadline, within 0 and waiting_seconds. */
export function secondsLeft(deadline: number, waiting: number | undefined, localNow: number, offset: number): number {
  let s = Math.ceil((deadline - (localNow - offset)) / 1000);
  if (waiting && waiting > 0) s = Math.min(s, waiting);
  return Math.max(0, s);
}

/** mmss formats seconds as m:ss. */
export function mmss(s: number): string {
  const sec = s % 60;
  return Math.floor(s / 60) + ":" + (sec < 10 ? "0" : "") + sec;
}
