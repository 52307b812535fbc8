// Times shown in lists: how long a contact has been waiting, and short relative times.
import type { Conversation } from "../types";

/**
 * waitingSince is when the contact started waiting for an answer, or 0 when they are not waiting:
 * an open conversation nobody has answered yet waits since it started; one with unread messages
 * from the contact, since its last activity (the API gives no per-message "answered" mark).
 */
export function waitingSince(c: Conversation): number {
  if (c.status !== "open") return 0;
  if (!c.first_response_at) return c.created_at;
  if (c.unread > 0) return c.last_message_at;
  return 0;
}

/** Units is how durations read in a language: each takes a whole number. */
export interface Units {
  s(n: number): string;
  m(n: number): string;
  h(n: number, m: number): string;
  d(n: number): string;
}

/** duration formats ms as "45 s", "12 min", "2 h 5 min", "3 d" (rounded down). */
export function duration(ms: number, u: Units): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return u.s(s);
  const m = Math.floor(s / 60);
  if (m < 60) return u.m(m);
  const h = Math.floor(m / 60);
  if (h < 24) return u.h(h, m % 60);
  return u.d(Math.floor(h / 24));
}

/** tickEvery is how often a duration of ms must be redrawn to stay right: seconds tick each second. */
export function tickEvery(ms: number): number {
  return ms < 60000 ? 1000 : 30000;
}
