// The chat as the frame runs it: the visitor's session and token, the socket, the conversation
// log, messages waiting to be confirmed, uploads, and the conversation with the host page's loader.
// The view (app.tsx) reads this state and calls its methods; every change notifies it.

import { Api } from "./api";
import { Socket } from "./socket";
import { load, save } from "./storage";
import { catalogue, type Strings } from "../i18n";
import { fill } from "../i18n/format";
import { Log } from "../lib/log";
import { cardPending, clientIdMaker, merged, parsePending, without, type CardCmd, type Pending } from "../lib/pending";
import { Clock, responses } from "../lib/cards";
import { appearanceOf, parseAppearance, theme, type Appearance } from "../lib/appearance";
import { supported } from "../lib/locale";
import { commands } from "../lib/commands";
import { bridgeMessage, type Identity, type Page, type ToFrame, type ToHost } from "../lib/bridge";
import type { Attachment, Card, Frame, Message, Update } from "../lib/protocol";

export interface Config {
  key: string;
  name: string;
  domains: string[];
  /** the files loaded when first needed (the forms chunk, the emoji picker): name → versioned URL */
  lazy?: Record<string, string>;
}

/** Link replaces the visitor's socket, for "Try it" in the playbook editor (src/frame/try.tsx): its
 * URL, its first frame instead of auth, and where the frames the chat does not know go. */
export interface Link {
  ws: string;
  first: () => object;
  other: (f: Frame) => void;
}

export interface Upload {
  id: number;
  name: string;
  progress: number;
}

/** idle: no session yet; live: the socket is ready; away: reconnecting; off: the chat is refused. */
export type Status = "idle" | "connecting" | "live" | "away" | "off";

const maxBody = 10000;
const ackWaitMs = 10000;
const emailRe = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function random(): number {
  const a = new Uint32Array(1);
  crypto.getRandomValues(a);
  return a[0] / 4294967296;
}

export class Chat {
  S: Strings = catalogue("en");
  locale = "en";
  isOpen = false;
  /** the chat covers the whole screen (a phone): Tab stays inside it */
  full = false;
  status: Status = "idle";
  log = new Log();
  /** sent by this visitor and not yet in the log (queued, or acknowledged but not yet pushed) */
  pending: Pending[] = [];
  uploads: Upload[] = [];
  notice = "";
  typingName = "";
  contactEmail: string;
  /** the conversation this visitor rated in this frame, and how */
  rated = { conv: 0, rating: 0 };
  /** the conversation whose transcript this visitor asked for in this frame */
  transcriptFor = 0;
  /** bumps when the composer should take focus */
  focusTick = 0;
  /** attachments this visitor sent, by client id (the visitor frames carry no attachment yet) */
  sentFiles = new Map<string, Attachment>();
  /** the look of the playbook on the page (protocol section 2), remembered in the frame's storage */
  look: Appearance = {};
  /** the server's clock as seen from here, for the live chat card's countdown */
  clock = new Clock();
  /** the server's capture_invalid message for a capture card, by card id */
  cardErrors = new Map<string, string>();

  private api: Api;
  private sock: Socket;
  private kToken: string;
  private kPending: string;
  private kContact: string;
  private kLook: string;
  private listeners = new Set<() => void>();
  private newId = clientIdMaker(random);
  private page: Page = { url: "", title: "" };
  private pageSent = "";
  private identity?: Identity;
  private identified = "";
  private early: Frame[] = [];
  private resumeAsked: { after: number; conv: number; overwrite?: boolean } | null = null;
  private readSent = 0;
  private lastUnread = -1;
  private lastActive: boolean | null = null;
  private typingTimer = 0;
  private typingSentAt = 0;
  private sentAt = new Map<string, number>();
  private ackTimer = 0;
  private starting = false;
  /** the page's playbook was asked to start on this page load */
  private botAsked = false;
  private uploadSeq = 0;
  /** tells this visitor's other tabs what was read here (read cursors are not pushed) */
  private tabs: BroadcastChannel | null = null;

  constructor(
    public cfg: Config,
    private parentOrigin: string,
    private link?: Link,
  ) {
    const base = "/widget/v1/" + encodeURIComponent(cfg.key);
    this.kToken = "parley:" + cfg.key + ":token";
    this.kPending = "parley:" + cfg.key + ":pending";
    this.kContact = "parley:" + cfg.key + ":contact";
    this.kLook = "parley:" + cfg.key + ":appearance"; // not the loader's ":look" (the same origin on /demo)
    this.contactEmail = load(this.kContact) || "";
    this.pending = parsePending(load(this.kPending));
    this.api = new Api(base, () => this.token());
    const wsURL = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + base + "/ws";
    this.sock = new Socket(link ? link.ws : wsURL, {
      token: () => this.token(),
      live: () => load("parley:" + cfg.key + ":lv"),
      frame: (f) => this.onFrame(f),
      state: (up) => this.set(() => (this.status = up ? "live" : "away")),
      refused: () => this.refused(),
    }, link && link.first);
    addEventListener("message", (e: MessageEvent) => {
      if (e.source !== window.parent || e.origin !== this.parentOrigin) return;
      const m = bridgeMessage<ToFrame>(e.data);
      if (m) this.fromHost(m);
    });
    document.addEventListener("visibilitychange", () => this.markRead());
    if (typeof BroadcastChannel !== "undefined") {
      this.tabs = new BroadcastChannel("parley:" + cfg.key);
      this.tabs.onmessage = (e: MessageEvent) => {
        const d = e.data as { conv?: number; read?: number };
        if (d && d.conv === this.log.convId && typeof d.read === "number" && d.read > this.readSent) {
          this.readSent = d.read;
          this.report();
        }
      };
    }
    this.toHost({ parley: "hello" });
    try {
      this.setLook(JSON.parse(load(this.kLook) || "null") || undefined);
    } catch {
      // forget a broken one
    }
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** redraw has the view draw again: something it draws has arrived (the forms chunk). */
  redraw(): void {
    this.set(() => undefined);
  }

  private set(change: () => void): void {
    change();
    for (const fn of this.listeners) fn();
  }

  private toHost(m: ToHost): void {
    window.parent.postMessage(m, this.parentOrigin);
  }

  private token(): string | null {
    return load(this.kToken);
  }

  // ---- the host page

  private fromHost(m: ToFrame): void {
    switch (m.parley) {
      case "init":
        this.full = m.full;
        this.page = m.page;
        this.setLocale(m.locale);
        if (m.reset) this.forget();
        if (m.identity) this.identity = m.identity;
        if (m.open) this.opened(m.focus);
        else if (this.token()) this.begin();
        break;
      case "open":
        this.full = m.full;
        this.opened(m.focus);
        break;
      case "layout":
        this.full = m.full;
        break;
      case "close":
        this.set(() => (this.isOpen = false));
        this.report();
        break;
      case "page":
        this.page = m.page;
        this.sendPage();
        break;
      case "locale":
        this.setLocale(m.locale);
        break;
      case "identify":
        this.identity = m.identity;
        this.identify();
        break;
      case "reset":
        this.forget();
        break;
    }
  }

  private setLocale(l: string): void {
    this.set(() => {
      this.locale = supported(l) || "en";
      this.S = catalogue(this.locale);
      document.documentElement.lang = this.locale;
    });
  }

  /** setLook applies the playbook's appearance: undefined keeps what is known, null the default look. */
  private setLook(v: unknown): void {
    const a = parseAppearance(v);
    if (!a) return;
    save(this.kLook, JSON.stringify(a));
    const st = document.documentElement.style;
    for (const k of ["--parley-accent", "--parley-on-accent", "--parley-ink"]) st.removeProperty(k);
    const vars = theme(a);
    for (const k in vars) st.setProperty(k, vars[k]);
    this.set(() => (this.look = a));
    this.toHost({ parley: "look", look: { accent: vars["--parley-accent"], on: vars["--parley-on-accent"], icon: a.icon, side: a.side, language: a.language } });
  }

  private opened(focus: boolean): void {
    this.set(() => {
      this.isOpen = true;
      if (focus) this.focusTick++;
    });
    this.begin();
    this.markRead();
    this.startBot();
  }

  /**
   * startBot asks the server to start the page's playbook once the visitor opens the chat and has
   * no open conversation (protocol 4.0). The server decides: no playbook, or an open conversation,
   * and nothing happens.
   */
  private startBot(): void {
    if (this.botAsked || !this.isOpen || !this.sock.ready || this.pending.length > 0) return;
    if (this.log.conv && this.log.conv.status === "open") return;
    if (this.sock.send(commands.start(this.page.url, this.newId()))) this.botAsked = true;
  }

  /** close asks the loader to close the chat (the header's button, Escape). */
  close(): void {
    this.toHost({ parley: "close" });
  }

  // ---- session and socket

  /** begin connects, starting a session first when this visitor has none. */
  private begin(): void {
    if (this.status === "off") return;
    if (this.token()) {
      if (!this.sock.active) {
        this.set(() => (this.status = this.status === "idle" ? "connecting" : this.status));
        this.sock.start();
      }
      void this.identify();
      return;
    }
    void this.startSession();
  }

  private async startSession(): Promise<void> {
    if (this.starting) return;
    this.starting = true;
    this.set(() => (this.status = "connecting"));
    let withPage = true;
    for (let attempt = 0; ; attempt++) {
      const r = await this.api.call<{ token?: string }>("POST", "/session", {
        page_url: withPage ? this.page.url : "",
        page_title: withPage ? this.page.title : "",
        referrer: this.page.referrer || "",
        // The browser's own first language ("de-AT"), for the agent's details panel; the widget's
        // language (this.locale) is only what the widget speaks.
        locale: (navigator.languages && navigator.languages[0]) || navigator.language || "",
      });
      if (r.status === 201 && r.data.token) {
        save(this.kToken, r.data.token);
        this.setLook(appearanceOf(r.data));
        if (withPage) this.pageSent = this.page.url; // the session recorded it
        break;
      }
      if (r.code === "page_url_invalid" && withPage) {
        withPage = false; // a page Parley cannot record (file:, odd URLs): start without it
        continue;
      }
      // Too many new sessions from this address (429) passes: try again later, like a 5xx.
      if (!this.fatal(r.code) && r.status !== 0 && r.status < 500 && r.status !== 429) {
        console.warn("Parley: the chat session failed:", r.code);
        this.off("session_failed");
      }
      if (this.status === "off") {
        this.starting = false;
        return;
      }
      await new Promise((res) => setTimeout(res, Math.min(30000, 500 * Math.pow(2, attempt)) * random()));
    }
    this.starting = false;
    this.sock.restart();
    void this.identify();
  }

  /** fatal handles the errors after which the widget stops; it reports whether code was one. */
  private fatal(code: string): boolean {
    switch (code) {
      case "domain_not_allowed":
      case "website_unknown":
      case "crawler":
        this.toHost({ parley: "disable", reason: code });
        this.off(code);
        return true;
      case "blocked":
        this.off(code);
        return true;
    }
    return false;
  }

  private off(why: string): void {
    this.sock.stop();
    this.set(() => {
      this.status = "off";
      this.notice = why === "blocked" ? this.S.unavailable : "";
    });
  }

  /** refused learns why the socket closed before it was ready (the handshake hides the status). */
  private async refused(): Promise<boolean> {
    const token = this.token();
    if (!token) return false;
    const r = await this.api.call("POST", "/session", { token });
    if (r.status === 200) this.setLook(appearanceOf(r.data));
    if (r.status === 401 || r.code === "visitor_token_invalid") {
      this.sock.stop();
      save(this.kToken, null);
      this.log.clear(false);
      void this.startSession();
      return false;
    }
    return !this.fatal(r.code);
  }

  private async identify(): Promise<void> {
    const id = this.identity;
    if (!id || !this.token()) return;
    const sig = JSON.stringify(id);
    if (sig === this.identified) return;
    this.identified = sig;
    const r = await this.api.call<{ token?: string; new_identity?: boolean }>("POST", "/identify", {
      user_id: id.id,
      name: id.name || "",
      email: id.email || "",
      signature: id.hash,
      attributes: id.attributes || {},
    });
    if (r.status !== 200) {
      console.warn("Parley.identify was refused:", r.code);
      return;
    }
    if (r.data.new_identity && r.data.token) {
      // Another person: a new visitor identity, nothing of the old one shown.
      save(this.kToken, r.data.token);
      this.pending = [];
      save(this.kPending, null);
      this.set(() => this.log.clear(false));
    }
    // The socket stays registered under the old contact until it reconnects (protocol section 6).
    this.sock.restart();
  }

  /** forget drops the visitor's identity (the site's logout): the next interaction (opening the
   * chat, sending) starts a new visitor. */
  private forget(): void {
    this.sock.stop();
    save(this.kToken, null);
    save(this.kPending, null);
    save(this.kContact, null);
    this.identity = undefined;
    this.identified = "";
    this.pageSent = "";
    this.sentFiles.clear();
    this.readSent = 0;
    this.set(() => {
      this.log = new Log();
      this.pending = [];
      this.rated = { conv: 0, rating: 0 };
      this.contactEmail = "";
      this.status = "idle";
      this.notice = "";
    });
    this.report();
  }

  // ---- frames

  private onFrame(f: Frame): void {
    switch (f.t) {
      case "ready":
        this.setLook(appearanceOf(f));
        this.set(() => {
          this.resumeAsked = null;
          this.follow(this.log.snapshot(f as unknown as Update), 0);
          for (const e of this.early.splice(0)) this.follow(this.log.live(e as unknown as Update), 0);
        });
        this.flush();
        this.sendPage();
        this.after([]);
        this.startBot();
        break;
      case "conversation": {
        const u = f as unknown as Update;
        if (!("agents_available" in f)) {
          // Written just now: their times tell how far the server's clock is from ours.
          const now = Date.now();
          for (const m of u.messages || []) this.clock.observe(m.created_at, now);
        }
        if (!this.sock.ready) {
          this.early.push(f);
          return;
        }
        const before = this.log.maxSeq();
        const convBefore = this.log.convId;
        this.set(() => {
          if ("agents_available" in f && this.resumeAsked) {
            const asked = this.resumeAsked;
            this.resumeAsked = null;
            this.follow(this.log.snapshot(u, asked.after, asked.conv, asked.overwrite), asked.conv);
          } else {
            this.follow(this.log.live(u), 0);
          }
        });
        const fresh = this.log.convId !== convBefore ? this.log.list() : this.log.list().filter((m) => m.seq > before);
        this.after(fresh);
        break;
      }
      case "ack": {
        const id = String(f.client_id || "");
        this.sentAt.delete(id);
        // Confirmed: stored once on the server, whatever happens to this tab now.
        save(this.kPending, JSON.stringify(without(parsePending(load(this.kPending)), id)));
        this.set(() => (this.pending = this.pending.map((q) => (q.client_id === id ? { ...q, acked: true } : q))));
        this.settle();
        break;
      }
      case "error":
        this.onError(String(f.ref || ""), String(f.code || ""), String(f.message || ""));
        break;
      case "typing":
        if (f.from !== "visitor") this.showTyping(f.on ? String(f.name || (f.from === "bot" && (this.look.bot_name || this.cfg.name)) || "") : "");
        break;
      case "deleted":
        this.set(() => this.log.deleted(Number(f.conversation_id)));
        this.report();
        break;
      default:
        if (this.link) this.link.other(f);
    }
  }

  /** follow acts on what the log asks for: a resume to fill a gap or read on. */
  private follow(next: { resume?: number }, conv: number): void {
    if (next.resume === undefined) return;
    const after = next.resume;
    this.resumeAsked = { after, conv: after > 0 ? conv || this.log.convId : 0 };
    this.sock.send(commands.resume(after));
  }

  /** after runs once new entries are in the log. */
  private after(fresh: Message[]): void {
    this.settle();
    for (const m of fresh) {
      if (m.from === "agent" || m.from === "bot") {
        if (this.typingName && m.name === this.typingName) this.showTyping("");
        const text = m.body || (m.card && m.card.text) || "";
        if (text || m.kind !== "card") this.toHost({ parley: "message", from: m.from, name: m.name || "", text });
      }
    }
    this.markRead();
    this.report();
  }

  /** settle drops confirmed messages from the pending list once the log holds them. */
  private settle(): void {
    const left = this.pending.filter((p) => !this.log.hasClientId(p.client_id));
    if (left.length !== this.pending.length) {
      for (const p of this.pending) if (p.attachment && !this.sentFiles.has(p.client_id)) this.sentFiles.set(p.client_id, p.attachment);
      this.set(() => (this.pending = left));
    }
  }

  /** onError handles an error frame: ref is a send's client id, or a card's id for card responses. */
  private onError(ref: string, code: string, message: string): void {
    const p = this.pending.find((q) => q.client_id === ref) || cardPending(this.pending, ref);
    if (code === "blocked") {
      this.off(code);
      return;
    }
    if (code === "capture_invalid") {
      // Nothing stored: show the server's words under the field; the visitor corrects and sends
      // again, with a new client id.
      if (p) this.replacePending(p.client_id, null);
      this.set(() => this.cardErrors.set(ref, message || this.S.fieldInvalid));
      return;
    }
    if (!p) return;
    const id = p.client_id;
    if (p.cmd && (code === "card_invalid" || code === "consent_required" || code === "invalid")) {
      // Unknown, answered another way (another tab), or refused for good: the log's word stands.
      this.replacePending(id, null);
      return;
    }
    switch (code) {
      case "too_many_messages":
        // Kept pending; sent again with the same id after a moment.
        this.sentAt.set(id, Date.now() - ackWaitMs + 1500 + random() * 1000);
        this.watchAcks();
        break;
      case "client_id_taken":
      case "client_id_invalid": {
        const again: Pending = { ...p, client_id: this.newId() };
        this.replacePending(id, again);
        this.transmit(again);
        break;
      }
      case "consent_version_stale":
        // The playbook changed the text: read the conversation again, which has the new version.
        this.replacePending(id, null);
        this.resumeAsked = { after: 0, conv: 0, overwrite: true };
        this.sock.send(commands.resume(0));
        break;
      case "body_too_long":
      case "body_required":
      case "body_invalid":
        this.replacePending(id, null);
        this.set(() => (this.notice = code === "body_too_long" ? this.S.tooLong : ""));
        break;
    }
  }

  private replacePending(id: string, p: Pending | null): void {
    let list = without(parsePending(load(this.kPending)), id);
    if (p) list = merged(list, p);
    save(this.kPending, JSON.stringify(list));
    this.set(() => (this.pending = p ? this.pending.map((q) => (q.client_id === id ? p : q)) : this.pending.filter((q) => q.client_id !== id)));
  }

  private showTyping(name: string): void {
    clearTimeout(this.typingTimer);
    this.set(() => (this.typingName = name));
    if (name) this.typingTimer = window.setTimeout(() => this.showTyping(""), 6000);
  }

  // ---- sending

  /** send queues a message and sends it when the socket is up; false when it was not accepted. */
  send(body: string): boolean {
    const text = body.trim();
    if (!text) return false;
    if (text.length > maxBody) {
      this.set(() => (this.notice = this.S.tooLong));
      return false;
    }
    this.queue({ client_id: this.newId(), body: text, created_at: Date.now() });
    this.typing(false);
    return true;
  }

  /** answered tells whether a card has a response, in the log or on its way. */
  answered(cardId: string): Message | Pending | undefined {
    return responses(this.log.list()).get(cardId) || cardPending(this.pending, cardId);
  }

  /** respond sends a card's response (protocol 4.3–4.5) through the queue messages use. */
  respond(cmd: CardCmd, body: string): void {
    if (this.answered(cmd.card_id)) return;
    this.cardErrors.delete(cmd.card_id);
    this.queue({ client_id: this.newId(), body, cmd, created_at: Date.now() });
  }

  answer(card: Card, answerId: string, label: string): void {
    this.respond({ t: "answer", card_id: card.id, answer_id: answerId }, label);
  }

  capture(card: Card, value: string): void {
    this.respond({ t: "capture", card_id: card.id, value }, value || this.S.skipped);
  }

  consent(card: Card, accepted: boolean): void {
    this.respond({ t: "consent", card_id: card.id, version: card.version || "", accepted }, accepted ? card.checkbox_label || this.S.confirm : this.S.declined);
  }

  private queue(p: Pending): void {
    save(this.kPending, JSON.stringify(merged(parsePending(load(this.kPending)), p)));
    this.set(() => {
      this.pending = merged(this.pending, p);
      this.notice = "";
    });
    this.begin();
    this.transmit(p);
  }

  private transmit(p: Pending): void {
    if (this.sock.send(commands.send(p))) {
      this.sentAt.set(p.client_id, Date.now());
      this.watchAcks();
    }
  }

  /** flush sends every unconfirmed message again with its own client id (also other tabs' ones). */
  private flush(): void {
    const stored = parsePending(load(this.kPending)).filter((p) => !this.log.hasClientId(p.client_id));
    save(this.kPending, JSON.stringify(stored));
    let list = this.pending.filter((p) => !p.acked);
    for (const p of stored) list = merged(list, p);
    this.set(() => (this.pending = list.filter((p) => !this.log.hasClientId(p.client_id))));
    for (const p of this.pending) if (!p.acked) this.transmit(p);
  }

  /** watchAcks resends what the server has not acknowledged within 10 s (same client id). */
  private watchAcks(): void {
    clearTimeout(this.ackTimer);
    if (this.sentAt.size === 0) return;
    let next = Infinity;
    for (const t of this.sentAt.values()) next = Math.min(next, t + ackWaitMs);
    this.ackTimer = window.setTimeout(() => {
      const now = Date.now();
      for (const [id, t] of Array.from(this.sentAt)) {
        if (t + ackWaitMs > now) continue;
        this.sentAt.delete(id);
        const p = this.pending.find((q) => q.client_id === id);
        if (p) this.transmit(p);
      }
      this.watchAcks();
    }, Math.max(0, next - Date.now()));
  }

  /** typing tells the agent the visitor types: on at most every 3 s, off when the box empties. */
  typing(on: boolean): void {
    const now = Date.now();
    if (on && now - this.typingSentAt < 3000) return;
    if (!on && this.typingSentAt === 0) return;
    this.typingSentAt = on ? now : 0;
    this.sock.send(commands.typing(on));
  }

  /** attach uploads a file with progress, then sends it as a message. */
  async attach(file: File): Promise<void> {
    if (file.size > 10 * 1024 * 1024) {
      this.set(() => (this.notice = this.S.fileTooLarge));
      return;
    }
    if (!this.token()) {
      this.begin();
      await new Promise<void>((res) => {
        const stop = this.subscribe(() => {
          if (this.token() || this.status === "off") {
            stop();
            res();
          }
        });
      });
      if (!this.token()) return;
    }
    const up: Upload = { id: ++this.uploadSeq, name: file.name, progress: 0 };
    this.set(() => {
      this.uploads = this.uploads.concat(up);
      this.notice = "";
    });
    const r = await this.api.upload(file, (f) => this.set(() => (this.uploads = this.uploads.map((u) => (u.id === up.id ? { ...u, progress: f } : u)))));
    this.set(() => (this.uploads = this.uploads.filter((u) => u.id !== up.id)));
    const att = r.data.attachment;
    if (!att) {
      this.set(() => (this.notice = r.status === 413 ? this.S.fileTooLarge : r.status === 415 ? this.S.fileType : this.S.uploadFailed));
      return;
    }
    this.queue({ client_id: this.newId(), body: "", attachment: att, created_at: Date.now() });
  }

  /** fileURL returns a blob: URL for an attachment (fetched with the visitor's header). */
  fileURL(id: number): Promise<string> {
    return this.api.blobURL(id);
  }

  async rate(n: number, comment: string): Promise<void> {
    const c = this.log.conv;
    if (!c) return;
    const body: Record<string, unknown> = { conversation_id: c.id, rating: n };
    if (comment.trim()) body.comment = comment.trim();
    const r = await this.api.call("POST", "/rating", body);
    if (r.status === 204) this.set(() => (this.rated = { conv: c.id, rating: n }));
  }

  /** transcript asks for the conversation by email (to email, saved on the visitor, when given); it returns an error text or "". */
  async transcript(email: string): Promise<string> {
    const c = this.log.conv;
    if (!c) return "";
    email = email.trim();
    if (email && !emailRe.test(email)) return this.S.emailInvalid;
    const r = await this.api.call("POST", "/transcript", { conversation_id: c.id, email: email || undefined });
    if (r.status !== 202) return r.code === "email_invalid" || r.code === "email_required" ? this.S.emailInvalid : this.S.uploadFailed;
    if (email) save(this.kContact, email);
    this.set(() => {
      if (email) this.contactEmail = email;
      this.transcriptFor = c.id;
    });
    return "";
  }

  /** saveContact sends the offline form; it returns an error text or "". */
  async saveContact(name: string, email: string): Promise<string> {
    email = email.trim();
    if (!emailRe.test(email)) return this.S.emailInvalid;
    const r = await this.api.call("POST", "/contact", { name: name.trim(), email });
    if (r.status !== 200) return r.code === "email_invalid" ? this.S.emailInvalid : this.S.uploadFailed;
    save(this.kContact, email);
    this.set(() => (this.contactEmail = email));
    return "";
  }

  // ---- reading, unread, page views

  private sendPage(): void {
    if (!this.page.url || this.page.url === this.pageSent || !this.sock.ready) return;
    if (this.sock.send(commands.page(this.page.url, this.page.title))) this.pageSent = this.page.url;
  }

  private readSeq(): number {
    return Math.max(this.readSent, this.log.conv ? this.log.conv.read_seq : 0);
  }

  private markRead(): void {
    const top = this.log.maxSeq();
    if (!this.isOpen || document.visibilityState !== "visible" || top <= this.readSeq()) return;
    if (this.sock.send(commands.read(top))) {
      this.readSent = top;
      if (this.tabs) this.tabs.postMessage({ conv: this.log.convId, read: top });
    }
    this.report();
  }

  /** report tells the loader the unread count and whether an open conversation exists. */
  private report(): void {
    const n = this.isOpen ? 0 : this.log.unread(this.readSeq());
    if (n !== this.lastUnread) {
      this.lastUnread = n;
      this.toHost({ parley: "unread", n });
    }
    const active = !!this.log.conv && this.log.conv.status === "open";
    if (active !== this.lastActive) {
      this.lastActive = active;
      this.toHost({ parley: "active", on: active });
    }
  }

  /** systemText is a system line in the visitor's language (protocol 1.9); "" hides it. */
  systemText(m: Message): string {
    const e = m.event;
    if (!e) return "";
    const name = e.user_name || "";
    switch (e.type) {
      case "joined":
        return fill(this.S.joined, { name });
      case "assigned":
        return e.user_id ? fill(this.S.assignedUser, { name }) : this.S.assignedTeam;
      case "unassigned":
        return this.S.unassigned;
      case "closed":
        return this.S.closed;
      case "reopened":
        return this.S.reopened;
    }
    return "";
  }
}
