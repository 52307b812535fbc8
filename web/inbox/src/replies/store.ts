// Saved replies as the inbox holds them: read once and kept for a minute (the composer's "/" list
// searches them as the agent types, without a request per key), read again after a change.
import { api } from "../api";

export interface SavedReplyAttachment {
  id: number;
  name: string;
  content_type: string;
  size: number;
}

export interface SavedReply {
  id: number;
  scope: "personal" | "shared";
  owner_id?: number;
  shortcut: string;
  title: string;
  body: string;
  attachment: SavedReplyAttachment | null;
  created_at: number;
  updated_at: number;
}

export interface Filled {
  body: string;
  attachment: SavedReplyAttachment | null;
  missing: string[];
}

const freshMs = 60_000;
let held: SavedReply[] | null = null;
let heldAt = 0;
let loading: Promise<SavedReply[]> | null = null;

/** savedReplies returns the replies the agent may use, read again when older than a minute. */
export function savedReplies(force = false): Promise<SavedReply[]> {
  if (!force && held && Date.now() - heldAt < freshMs) return Promise.resolve(held);
  if (!loading) {
    loading = api<{ saved_replies: SavedReply[] }>("GET", "saved-replies").then(
      (r) => {
        held = r.saved_replies || [];
        heldAt = Date.now();
        loading = null;
        return held;
      },
      (e) => {
        loading = null;
        throw e;
      },
    );
  }
  return loading;
}

/** forget makes the next read go to the server (after the agent changed a reply). */
export function forget(): void {
  held = null;
}

/**
 * rank orders replies for what was typed after "/": shortcuts that start with it first, then
 * those whose shortcut, title or text hold every word of it.
 */
export function rank(list: SavedReply[], q: string): SavedReply[] {
  const query = q.trim().toLowerCase();
  if (!query) return list.slice();
  const words = query.split(/\s+/);
  const starts: SavedReply[] = [];
  const rest: SavedReply[] = [];
  for (const r of list) {
    if (r.shortcut.startsWith(query)) {
      starts.push(r);
      continue;
    }
    const hay = (r.shortcut + "\n" + r.title + "\n" + r.body).toLowerCase();
    if (words.every((w) => hay.includes(w))) rest.push(r);
  }
  return starts.concat(rest);
}

/** fill asks for a reply's text filled in for a conversation. */
export function fill(id: number, conversationId: number): Promise<Filled> {
  return api<Filled>("GET", `saved-replies/${id}/fill?conversation_id=${conversationId}`);
}

/** attachmentFile downloads a reply's file, to be sent as a new upload with the message. */
export async function attachmentFile(id: number, a: SavedReplyAttachment): Promise<File> {
  const res = await fetch(`/api/v1/saved-replies/${id}/attachment`, { credentials: "same-origin" });
  if (!res.ok) throw new Error(res.statusText || String(res.status));
  const blob = await res.blob();
  return new File([blob], a.name, { type: a.content_type || blob.type });
}
