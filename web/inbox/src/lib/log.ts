// A conversation's log on screen: entries keyed by seq (gapless per conversation, agents see
// every entry), merged from pages, live frames and resume answers in any order.
import type { Card, Message } from "../types";

export interface Log {
  /** Entries by seq. */
  bySeq: Map<number, Message>;
  /** The highest seq up to which nothing is missing since the oldest loaded entry. */
  top: number;
  /** The oldest seq loaded (scroll back asks for entries before it); 0 when nothing is. */
  oldest: number;
  /** Whether older entries may exist. */
  more: boolean;
}

export function emptyLog(): Log {
  return { bySeq: new Map(), top: 0, oldest: 0, more: true };
}

/** merge adds entries (dropping seqs already held) and moves top over what is now contiguous. */
export function merge(log: Log, msgs: Message[]): Log {
  const bySeq = new Map(log.bySeq);
  for (const m of msgs) if (!bySeq.has(m.seq)) bySeq.set(m.seq, m);
  let oldest = log.oldest;
  for (const m of msgs) if (oldest === 0 || m.seq < oldest) oldest = m.seq;
  let top = log.top;
  if (top === 0 && oldest > 0) top = oldest - 1;
  while (bySeq.has(top + 1)) top++;
  return { bySeq, top, oldest, more: log.more && oldest !== 1 };
}

/** withDelivery is the log with one entry's delivery changed (a new object, so it draws again). */
export function withDelivery(log: Log, seq: number, id: number, d: Message["delivery"]): Log {
  const m = log.bySeq.get(seq);
  if (!m || m.id !== id) return log;
  const bySeq = new Map(log.bySeq);
  bySeq.set(seq, { ...m, delivery: d });
  return { ...log, bySeq };
}

/**
 * gap says whether a live frame starts after entries the inbox has not got (docs/widget-protocol.md
 * 3.2: from_seq should be top + 1): then ask for them with resume {id: top}.
 */
export function gap(log: Log, fromSeq: number | undefined): boolean {
  if (!fromSeq || log.top === 0) return false;
  return fromSeq > log.top + 1;
}

/** ordered returns the entries oldest first. */
export function ordered(log: Log): Message[] {
  return [...log.bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * foldCards applies "a later entry whose card.id equals an earlier card's replaces that card where
 * it stands" (docs/widget-protocol.md 4.1): the first entry of each card shows the latest state.
 */
export function foldCards(msgs: Message[]): Message[] {
  const latest = new Map<string, Card>();
  for (const m of msgs) if (m.kind === "card" && m.card) latest.set(m.card.id, m.card);
  const shown = new Set<string>();
  const out: Message[] = [];
  for (const m of msgs) {
    if (m.kind === "card" && m.card) {
      if (shown.has(m.card.id)) continue;
      shown.add(m.card.id);
      out.push({ ...m, card: latest.get(m.card.id) });
    } else out.push(m);
  }
  return out;
}
