// Which live changes notify the agent, and how, per their settings (kept on the server, GET/PUT
// /api/v1/me/settings; docs/notifications.md). Pure: the store calls decide() with what it held
// before a change and what the change says.
import type { Conversation, Message } from "../types";

/** The events an open tab tells of itself. */
export type NotifyEvent = "new_unassigned" | "assigned_me" | "message_mine" | "message_others" | "message_unassigned";
export const notifyEvents: NotifyEvent[] = ["new_unassigned", "assigned_me", "message_mine", "message_others", "message_unassigned"];
/** Every event of the settings: the five above and the two that are emails only. */
export type SettingEvent = NotifyEvent | "offline_message" | "missed_chat";
export const settingEvents: SettingEvent[] = [...notifyEvents, "offline_message", "missed_chat"];

export type WayName = "in_app" | "desktop" | "sound" | "push" | "email";
export const ways: WayName[] = ["in_app", "desktop", "sound", "push", "email"];
export type Way = Record<WayName, boolean>;

export type SoundName = "chime" | "bell" | "knock";
export const soundNames: SoundName[] = ["chime", "bell", "knock"];

export interface NotifySettings {
  notify: Record<SettingEvent, Way>;
  sounds: Record<NotifyEvent, SoundName>;
  /** 0 to 100 */
  volume: number;
  /** the language of the mail the server sends ("" until the inbox tells it) */
  language: string;
}

/** waysOf says which ways an event has: the two email events only email. */
export function waysOf(ev: SettingEvent): WayName[] {
  return ev === "offline_message" || ev === "missed_chat" ? ["email"] : ways;
}

/** The defaults, as the server has them: the three events docs/product.md names in every way, the two emails on, others' and unassigned messages off. */
export function defaultSettings(): NotifySettings {
  const all = (email: boolean): Way => ({ in_app: true, desktop: true, sound: true, push: true, email });
  const none = (): Way => ({ in_app: false, desktop: false, sound: false, push: false, email: false });
  const mail = (): Way => ({ ...none(), email: true });
  return {
    notify: {
      new_unassigned: all(false),
      assigned_me: all(true),
      message_mine: all(true),
      message_others: none(),
      message_unassigned: none(),
      offline_message: mail(),
      missed_chat: mail(),
    },
    sounds: { new_unassigned: "bell", assigned_me: "bell", message_mine: "chime", message_others: "chime", message_unassigned: "chime" },
    volume: 70,
    language: "",
  };
}

/** parseSettings reads settings (the server's, or a cached copy), keeping the defaults for anything missing or malformed. */
export function parseSettings(raw: unknown): NotifySettings {
  const s = defaultSettings();
  let v: any = raw;
  if (typeof raw === "string") {
    try {
      v = JSON.parse(raw);
    } catch {
      return s;
    }
  }
  if (!v || typeof v !== "object") return s;
  const n = v.notify && typeof v.notify === "object" ? v.notify : {};
  for (const e of settingEvents) {
    const w = n[e];
    if (!w || typeof w !== "object") continue;
    for (const way of waysOf(e)) if (typeof w[way] === "boolean") s.notify[e][way] = w[way];
  }
  const snd = v.sounds && typeof v.sounds === "object" ? v.sounds : {};
  for (const e of notifyEvents) if ((soundNames as string[]).includes(snd[e])) s.sounds[e] = snd[e];
  if (typeof v.volume === "number" && v.volume >= 0 && v.volume <= 100) s.volume = v.volume;
  if (typeof v.language === "string") s.language = v.language;
  return s;
}

/** notifyPatch is the settings as the server takes them: of each event only the ways it has. */
export function notifyPatch(s: NotifySettings): Record<string, Partial<Way>> {
  const out: Record<string, Partial<Way>> = {};
  for (const e of settingEvents) {
    const w: Partial<Way> = {};
    for (const way of waysOf(e)) w[way] = s.notify[e][way];
    out[e] = w;
  }
  return out;
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

/** The window in which a visible tab counts as in use after its last use (the server's too). */
export const attentionMs = 2 * 60 * 1000;

export interface Attention {
  visible: boolean;
  /** when the tab was last used (a key, a click, a touch, a scroll), ms */
  usedAt: number;
}

/** attentive: the tab is visible and was used lately — the server holds pushes back meanwhile. */
export function attentive(a: Attention, now: number): boolean {
  return a.visible && now - a.usedAt < attentionMs;
}

/**
 * ways picks how this tab tells of an event so the agent is never told the same thing twice: the
 * server pushes to this browser's service worker while no tab of theirs is in use, so an idle tab
 * leaves the desktop notification to the push when this browser is subscribed and the event's
 * push is on. inApp is off when the company switched in-app notifications off.
 */
export function howToTell(
  ev: NotifyEvent,
  s: NotifySettings,
  o: { inAppAllowed: boolean; focused: boolean; attentive: boolean; pushHere: boolean; permission: string },
): { inApp: boolean; desktop: boolean; sound: boolean } {
  const w = s.notify[ev];
  const pushWillTell = o.pushHere && w.push && !o.attentive;
  return {
    inApp: w.in_app && o.inAppAllowed,
    desktop: w.desktop && o.permission === "granted" && !o.focused && !pushWillTell,
    sound: w.sound && s.volume > 0 && !pushWillTell,
  };
}
