// The visitor's socket commands (docs/widget-protocol.md 1.4, 4), built in one place so a test can
// hold them against the protocol's fixtures.

import type { Pending } from "./pending";

export const commands = {
  /** live is the browser's live id (src/live.ts), so the Visitors screen knows who it is */
  auth: (token: string, live?: string | null) => (live ? { t: "auth", token, live } : { t: "auth", token }),
  /** send sends what is pending: a message, or a card response (answer, capture, consent; section 4) */
  send: (p: Pending): object =>
    p.cmd
      ? { ...p.cmd, client_id: p.client_id }
      : p.attachment
        ? { t: "send", client_id: p.client_id, body: p.body, attachment_id: p.attachment.id }
        : { t: "send", client_id: p.client_id, body: p.body },
  resume: (seq: number) => ({ t: "resume", seq }),
  read: (seq: number) => ({ t: "read", seq }),
  typing: (on: boolean) => ({ t: "typing", on }),
  page: (url: string, title: string) => ({ t: "page", url, title }),
  /** start asks for the page's playbook when the visitor opens the chat with no conversation (4.0) */
  start: (url: string, clientId: string) => ({ t: "start", url, client_id: clientId }),
  ping: () => ({ t: "ping" }),
};
