// The conversation as the widget holds it: one conversation (the visitor's latest), its entries
// keyed by seq, and the highest seq accounted for. It follows docs/widget-protocol.md 1.5: merge
// by seq and drop what is already held, spot gaps from from_seq/to_seq, switch when a newer
// conversation appears. Pure: no I/O, so it is unit-tested with the protocol's fixtures.

import type { Conversation, Message, Update } from "./protocol";

/** The most entries one ready or resume answer carries; a full page means more may follow. */
export const pageSize = 500;

/** What the caller should do next. */
export interface Next {
  /** send {"t":"resume","seq":resume} (or GET …/conversation?after=resume) */
  resume?: number;
}

export class Log {
  convId = 0;
  lastSeq = 0;
  conv: Conversation | null = null;
  entries = new Map<number, Message>();
  /** lines of a closed conversation, kept above a divider once a new one starts */
  previous: Message[] = [];
  agentsAvailable = -1;
  /** outside business hours: the away message to show ("": the website set none) */
  away: string | null = null;

  /**
   * snapshot applies a ready frame or the answer to a resume (asked with seq after, for conversation
   * askedId). With overwrite, entries already held are replaced by the answer's (a card asked for
   * again after consent_version_stale, protocol 4.5).
   */
  snapshot(u: Update, after = 0, askedId = 0, overwrite = false): Next {
    if (typeof u.agents_available === "number") {
      this.agentsAvailable = u.agents_available;
      this.away = typeof u.away === "string" ? u.away : null;
    }
    const c = u.conversation;
    if (!c) {
      this.clear(false);
      return {};
    }
    if (after > 0 && askedId && c.id !== askedId) {
      // resume reads the latest conversation: a new one started, so read it from its start.
      return { resume: 0 };
    }
    if (c.id !== this.convId) this.switchTo(c.id);
    this.merge(u.messages, overwrite);
    this.refresh(c, true);
    if (u.messages.length >= pageSize) return { resume: u.to_seq || this.maxSeq() };
    this.lastSeq = Math.max(this.lastSeq, u.to_seq || 0, c.last_seq);
    return {};
  }

  /** live applies a conversation frame that was pushed. */
  live(u: Update): Next {
    const c = u.conversation;
    if (!c || c.id < this.convId) return {};
    if (c.id > this.convId) this.switchTo(c.id);
    if (u.from_seq === undefined || u.from_seq === 0) {
      this.refresh(c, false);
      return {};
    }
    if (u.from_seq > this.lastSeq + 1) return { resume: this.lastSeq };
    this.merge(u.messages);
    this.lastSeq = Math.max(this.lastSeq, u.to_seq || u.from_seq);
    this.refresh(c, false);
    return {};
  }

  /** deleted forgets the conversation when it is the one on screen. */
  deleted(id: number): void {
    if (id === this.convId) this.clear(false);
  }

  /** list is the entries in seq order. */
  list(): Message[] {
    return Array.from(this.entries.values()).sort((a, b) => a.seq - b.seq);
  }

  hasClientId(id: string): boolean {
    for (const m of this.entries.values()) if (m.client_id === id) return true;
    return false;
  }

  maxSeq(): number {
    let n = 0;
    for (const s of this.entries.keys()) n = Math.max(n, s);
    return n;
  }

  /** unread counts what others wrote after seq (the read cursor). */
  unread(readSeq: number): number {
    let n = 0;
    for (const m of this.entries.values()) if (m.from !== "visitor" && m.seq > readSeq) n++;
    return n;
  }

  clear(keepPrevious: boolean): void {
    this.previous = keepPrevious && this.conv && this.conv.status === "closed" ? this.list() : [];
    this.entries = new Map();
    this.convId = 0;
    this.lastSeq = 0;
    this.conv = null;
  }

  private switchTo(id: number): void {
    const had = this.convId !== 0;
    this.clear(had);
    this.convId = id;
  }

  private merge(msgs: Message[], overwrite = false): void {
    for (const m of msgs) if (overwrite || !this.entries.has(m.seq)) this.entries.set(m.seq, m);
  }

  private refresh(c: Conversation, force: boolean): void {
    if (force || !this.conv || c.last_seq >= this.conv.last_seq) this.conv = c;
  }
}

/** Who the header shows: a name and, when known, a picture. */
export interface Who {
  name: string;
  avatar?: string;
}

/**
 * botWho is who speaks before an agent joins: the playbook's bot (appearance), else the name and
 * avatar the bot's newest entry carries, else the website's name.
 */
export function botWho(entries: Message[], look: { bot_name?: string; avatar?: string }, site: string): Who {
  let i = entries.length - 1;
  while (i >= 0 && !(entries[i].from === "bot" && entries[i].name)) i--;
  const m = entries[i];
  const name = look.bot_name || (m && m.name) || site;
  return { name, avatar: look.avatar || (m && m.name === name ? m.avatar : undefined) };
}

/**
 * headerName works out who the visitor talks to (protocol 1.9): the bot until an agent joins, then
 * the assignee. The joined system line and the live chat card's joined state (4.6) mean the same;
 * either moves the header, and the card brings the agent's avatar.
 */
export function headerName(entries: Message[], bot: Who): Who {
  let name = bot.name;
  let avatar = bot.avatar;
  let person = false;
  for (const m of entries) {
    const e = m.event;
    const c = m.card;
    if (m.kind === "event" && e) {
      if ((e.type === "joined" || e.type === "assigned") && e.user_name) {
        if (!person || name !== e.user_name) avatar = undefined;
        name = e.user_name;
        person = true;
      } else if (e.type === "assigned" || e.type === "unassigned") {
        name = bot.name;
        avatar = bot.avatar;
        person = false;
      }
    } else if (c && c.type === "live_chat" && c.state === "joined" && c.user_name) {
      if (!person || name !== c.user_name) avatar = undefined;
      name = c.user_name;
      avatar = c.avatar || avatar;
      person = true;
    } else if (m.from === "agent" && person && m.name === name && m.avatar) {
      avatar = m.avatar;
    }
  }
  return { name, avatar };
}
