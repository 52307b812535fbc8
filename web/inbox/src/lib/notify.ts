// Which live changes notify the agent, and how (desktop, sound), per their settings. Pure: the
// store calls decide() with what it held before a change and what the change says.
import type { Conversation, Message } from "../types";

export type NotifyEvent = "new_unassigned" | "assigned_me" | "message_mine" | "message_others" | "message_unassigned";
export const notifyEvents: NotifyEvent[] = ["new_unassigned", "assigned_me", "message_mine", "message_others", "message_unassigned"];

export interface Way {
  desktop: boolean;
  sound: boolean;
}
export type NotifySettings = Record<NotifyEvent, Way>;

/** The defaults: the three events docs/product.md names are on; others' and unassigned messages opt-in. */
export function defaultSettings(): NotifySettings {
  const on = (): Way => ({ desktop: true, sound: true });
  const off = (): Way => ({ desktop: false, sound: false });
  return { new_unassigned: on(), assigned_me: on(), message_mine: on(), message_others: off(), message_unassigned: off() };
}

/** parseSettings reads stored settings, keeping the defaults for anything missing or malformed. */
export function parseSettings(raw: string | null): NotifySettings {
  const s = defaultSettings();
  if (!raw) return s;
  try {
    const v = JSON.parse(raw);
    for (const e of notifyEvents) {
      const w = v && v[e];
      if (w && typeof w === "object") s[e] = { desktop: w.desktop === true, sound: w.sound === true };
    }
  } catch {
    /* keep the defaults */
  }
  return s;
}

export interface Change {
  /** The conversation as the inbox held it before, or null when it did not hold it. */
  old: Conversation | null;
  now: Conversation;
  messages: Message[];
  fromSeq?: number;
}

/**
 * decide returns the one event a change is about for user me (the most specific), or null. Nothing
 * the user did themselves notifies them.
 */
export function decide(c: Change, me: number): NotifyEvent | null {
  const { old, now, messages } = c;
  // Spam waits in its own view, and an auto-reply is recorded but never notified.
  if (now.status !== "open" || now.with_bot || now.spam) return null;
  const assignee = now.assignee_id || 0;
  const wasAssignee = old ? old.assignee_id || 0 : -1;
  const byMe = (m: Message) => (m.sender_kind === "agent" && m.sender_id === me) || (m.event && m.event.actor_id === me);
  const events = messages.filter((m) => m.kind === "event" && m.event);
  const said = messages.filter((m) => m.sender_kind === "visitor");
  if (said.length > 0 && events.length === 0 && said.every((m) => m.email && m.email.auto_reply)) return null;
  if (assignee === me && wasAssignee !== me) {
    const took = events.find((m) => (m.event!.type === "joined" || m.event!.type === "assigned") && m.event!.user_id === me);
    if (took && !byMe(took)) return "assigned_me";
  }
  const fromContact = messages.some((m) => m.sender_kind === "visitor" && !(m.email && m.email.auto_reply));
  if (assignee === 0) {
    const wasUnassigned = old !== null && old.status === "open" && !old.assignee_id && !old.with_bot;
    if (!wasUnassigned && (c.fromSeq === 1 || (old === null && fromContact) || (old !== null && events.some((m) => !byMe(m))))) {
      return "new_unassigned";
    }
    return fromContact ? "message_unassigned" : null;
  }
  if (!fromContact) return null;
  return assignee === me ? "message_mine" : "message_others";
}

/** notificationText is the body of a desktop notification: the contact's newest words. */
export function notificationText(messages: Message[], fallback: string): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.sender_kind === "visitor") {
      const text = (m.body || (m.attachment && m.attachment.name) || "").trim();
      if (text) return text.length > 140 ? text.slice(0, 139) + "…" : text;
    }
  }
  return fallback;
}
