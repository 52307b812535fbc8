// Folder lists: which folders a conversation is in, their order (newest activity first, as the
// API pages them), and merging pages and live changes into an ordered list of ids without
// refetching. Pure: the store keeps the conversations, these functions keep the order.
import type { Channel, Conversation, Counts, Folder } from "../types";

/**
 * inFolder says whether c belongs in folder f for user me (the folders' definitions, as the API's),
 * within one channel when channel is set. Spam is in the Spam view only, open or closed.
 */
export function inFolder(c: Conversation, f: Folder, me: number, channel: Channel | "" = ""): boolean {
  if (c.with_bot) return false; // only the bot has spoken: in nobody's folder yet
  if (channel && c.channel !== channel) return false;
  if (f === "spam") return !!c.spam;
  if (c.spam) return false;
  const assignee = c.assignee_id || 0;
  switch (f) {
    case "all":
      return true;
    case "closed":
      return c.status === "closed";
    case "open":
      return c.status === "open";
    case "unassigned":
      return c.status === "open" && assignee === 0;
    case "mine":
      return c.status === "open" && assignee === me;
    case "others":
      return c.status === "open" && assignee !== 0 && assignee !== me;
  }
}

/** before says whether a sorts before b: newest activity first, then the higher id. */
export function before(a: Conversation, b: Conversation): boolean {
  if (a.last_message_at !== b.last_message_at) return a.last_message_at > b.last_message_at;
  return a.id > b.id;
}

/** Cursor is the key of the last row the API gave (next page starts after it), or null when done. */
export interface Cursor {
  before: number;
  before_id: number;
}

/** pastCursor says whether c sorts after the cursor: it belongs to a page not loaded yet. */
export function pastCursor(c: Conversation, cur: Cursor | null): boolean {
  if (!cur) return false;
  if (c.last_message_at !== cur.before) return c.last_message_at < cur.before;
  return c.id < cur.before_id;
}

/**
 * place puts conversation c where it belongs in ids (sorted by `before`), or takes it out when it
 * no longer belongs in the folder. A row that sorts past the loaded pages is left to its page.
 * Returns a new array when something changed, else the same one.
 */
export function place(ids: number[], get: (id: number) => Conversation | undefined, c: Conversation, belongs: boolean, cur: Cursor | null): number[] {
  const at = ids.indexOf(c.id);
  if (!belongs || pastCursor(c, cur)) {
    if (at < 0) return ids;
    const out = ids.slice();
    out.splice(at, 1);
    return out;
  }
  const rest = at < 0 ? ids : ids.slice(0, at).concat(ids.slice(at + 1));
  // Binary search for the first row that c sorts before.
  let lo = 0;
  let hi = rest.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const other = get(rest[mid]);
    if (other && before(other, c)) lo = mid + 1;
    else hi = mid;
  }
  if (at === lo && at >= 0) return ids; // already there
  const out = rest.slice();
  out.splice(lo, 0, c.id);
  return out;
}

/** appendPage adds a page's rows after the loaded ones, skipping any already listed. */
export function appendPage(ids: number[], page: Conversation[]): number[] {
  const seen = new Set(ids);
  const out = ids.slice();
  for (const c of page) {
    if (!seen.has(c.id)) {
      seen.add(c.id);
      out.push(c.id);
    }
  }
  return out;
}

/** remove takes an id out of a list (hidden, deleted). */
export function remove(ids: number[], id: number): number[] {
  const at = ids.indexOf(id);
  if (at < 0) return ids;
  const out = ids.slice();
  out.splice(at, 1);
  return out;
}

const countedFolders: ("unassigned" | "mine" | "others" | "open" | "spam")[] = ["unassigned", "mine", "others", "open", "spam"];

/**
 * recount moves a conversation's contribution to the folder counts from its old state to its new
 * one (either may be undefined: not visible). Only call it when the old state is known.
 */
export function recount(n: Counts, old: Conversation | undefined, now: Conversation | undefined, me: number, channel: Channel | "" = ""): Counts {
  const out = { ...n };
  for (const f of countedFolders) {
    const was = old ? inFolder(old, f, me, channel) : false;
    const is = now ? inFolder(now, f, me, channel) : false;
    if (was !== is) out[f] = Math.max(0, (out[f] || 0) + (is ? 1 : -1));
  }
  return out;
}

/**
 * isNew says whether a live change is a conversation's start (its log begins at seq 1): the inbox
 * then knows it was in no folder before. A change to a conversation the inbox did not hold, that is
 * not its start, leaves the counts uncertain (it may have been assigned, closed, or handed over by
 * the bot): they are fetched again.
 */
export function isNew(fromSeq: number | undefined): boolean {
  return fromSeq === 1;
}
