// Messages the visitor sent that the server has not confirmed yet. Each keeps its client id, so a
// retry — after a reconnect, a reload, in another tab — is stored once (docs/widget-protocol.md 1.6).

import type { Attachment } from "./protocol";

/** A response to a bot card (protocol 4.3–4.5), sent with the pending entry's client id. */
export type CardCmd =
  | { t: "answer"; card_id: string; answer_id: string }
  | { t: "capture"; card_id: string; value: string }
  | { t: "consent"; card_id: string; version: string; accepted: boolean };

export interface Pending {
  client_id: string;
  /** the text shown in the visitor's bubble until the server's entry replaces it */
  body: string;
  attachment?: Attachment;
  /** set for a card response; otherwise it is a message (send) */
  cmd?: CardCmd;
  created_at: number;
  /** the server acknowledged it; shown until the log holds it */
  acked?: boolean;
}

/** clientIdMaker returns a function making "c-<random base36>-<counter>", at most 64 printable ASCII characters. */
export function clientIdMaker(random: () => number = Math.random): () => string {
  const prefix = "c-" + Date.now().toString(36) + Math.floor(random() * 0x7fffffff).toString(36);
  let n = 0;
  return () => prefix + "-" + ++n;
}

/** parsePending reads the stored queue, dropping anything malformed. */
export function parsePending(raw: string | null): Pending[] {
  if (!raw) return [];
  try {
    const v = JSON.parse(raw);
    if (!Array.isArray(v)) return [];
    return v.filter((p) => p && typeof p.client_id === "string" && typeof p.body === "string" && (p.cmd === undefined || cardCmd(p.cmd)));
  } catch {
    return [];
  }
}

function cardCmd(c: CardCmd): boolean {
  return !!c && typeof c.card_id === "string" && (c.t === "answer" || c.t === "capture" || c.t === "consent");
}

/** cardPending is the queued response to a card, if any. */
export function cardPending(list: Pending[], cardId: string): Pending | undefined {
  for (const p of list) if (p.cmd && p.cmd.card_id === cardId) return p;
  return undefined;
}

/** without removes the message with this client id. */
export function without(list: Pending[], clientId: string): Pending[] {
  return list.filter((p) => p.client_id !== clientId);
}

/** merged adds p unless its client id is already queued. */
export function merged(list: Pending[], p: Pending): Pending[] {
  return list.some((q) => q.client_id === p.client_id) ? list : list.concat(p);
}
