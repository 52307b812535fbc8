// Messages between the loader (on the host page) and the chat frame (on Parley's origin), sent
// with postMessage to one exact origin and accepted only from the window and origin expected.
// Every message carries `parley` (its type), so other scripts' messages are ignored.

export interface Page {
  url: string;
  title: string;
  referrer?: string;
}

export interface Identity {
  id: string;
  name?: string;
  email?: string;
  hash: string;
  attributes?: Record<string, string>;
}

/** Host page → frame. */
export type ToFrame =
  | { parley: "init"; open: boolean; focus: boolean; full: boolean; locale: string; page: Page; identity?: Identity; reset?: boolean }
  | { parley: "open"; focus: boolean; full: boolean }
  /** full: the chat covers the whole screen (phones): it keeps the keyboard focus inside */
  | { parley: "layout"; full: boolean }
  | { parley: "close" }
  | { parley: "page"; page: Page }
  | { parley: "locale"; locale: string }
  | { parley: "identify"; identity: Identity }
  | { parley: "reset" };

/** The playbook's look for the launcher (the frame checked it; see lib/appearance.ts). */
export interface Look {
  /** --parley-accent and --parley-on-accent */
  accent?: string;
  on?: string;
  /** the launcher's icon: chat, help or wave */
  icon?: string;
  side?: string;
  language?: string;
}

/** Frame → host page. */
export type ToHost =
  | { parley: "hello" }
  | { parley: "unread"; n: number }
  | { parley: "active"; on: boolean }
  | { parley: "close" }
  | { parley: "message"; from: string; name: string; text: string }
  | { parley: "disable"; reason: string }
  | { parley: "look"; look: Look }
  /** from the live frame (src/live.ts): it listens; and an agent invites this visitor to a chat */
  | { parley: "live" }
  | { parley: "invite" };

/** bridgeMessage returns data when it is a message of ours, else null. */
export function bridgeMessage<T extends { parley: string }>(data: unknown): T | null {
  return data && typeof data === "object" && typeof (data as { parley?: unknown }).parley === "string" ? (data as T) : null;
}
