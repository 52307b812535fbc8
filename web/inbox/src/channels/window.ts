// The reply window of a Messenger or WhatsApp conversation as the composer shows it: what the API
// said (conversation.reply_window), moved on by the contact's messages that came live since.
import type { Conversation, Message, ReplyWindow } from "../types";

const day = 24 * 60 * 60 * 1000;
const week = 7 * day;

/**
 * effectiveWindow is the conversation's reply window at now, or null for channels without one (or
 * before the API said anything: the server decides then). A message of the contact newer than the
 * window knows opens it again for 24 hours.
 */
export function effectiveWindow(c: Conversation, log: Iterable<Message>, now: number): ReplyWindow | null {
  if (c.channel !== "messenger" && c.channel !== "whatsapp") return null;
  const w = c.reply_window;
  let last = (w && w.last_inbound_at) || 0;
  for (const m of log) if (m.sender_kind === "visitor" && m.conversation_id === c.id && m.created_at > last) last = m.created_at;
  if (!w && !last) return null;
  const closes = last ? last + day : 0;
  const open = now < closes;
  const out: ReplyWindow = { last_inbound_at: last, closes_at: closes, open };
  if (c.channel === "messenger" && w && w.tag_until) {
    out.tag_until = last + week;
    if (!open && now < out.tag_until) out.tag = "HUMAN_AGENT";
  }
  if (c.channel === "whatsapp") out.templates_only = !open;
  return out;
}

/** nextChange is when the window's state changes next after now (0: never), for a timer. */
export function nextChange(w: ReplyWindow | null, now: number): number {
  if (!w) return 0;
  if (w.open) return w.closes_at;
  if (w.tag && w.tag_until && now < w.tag_until) return w.tag_until;
  return 0;
}

/** fillTemplate puts the variables' values into a template's text ({{1}}, {{name}}); an empty one shows its placeholder. */
export function fillTemplate(body: string, values: Record<string, string>): string {
  return body.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (m, k: string) => (values[k] && values[k].trim() ? values[k] : m));
}

/** templateKeys are a template's variable names in the order its text uses them, then any others. */
export function templateKeys(body: string, variables: Record<string, string> | undefined): string[] {
  const out: string[] = [];
  const re = /\{\{\s*([\w.]+)\s*\}\}/g;
  for (let m = re.exec(body); m; m = re.exec(body)) if (!out.includes(m[1])) out.push(m[1]);
  for (const k of Object.keys(variables || {}).sort((a, b) => Number(a) - Number(b) || a.localeCompare(b))) if (!out.includes(k)) out.push(k);
  return out;
}
