// The inbox's live state: the signed-in agent, colleagues and presence, the folder list and its
// counts, the open conversation and its log. It loads pages from the API and keeps them current
// from the agent socket's frames without refetching (docs/widget-protocol.md section 3).
// Components subscribe to topics and re-render when one changes.
import { api, ApiError } from "../api";
import { clientID } from "../lib/clientid";
import { lang, t } from "../i18n";
import { inFolder, appendPage, isNew, place, recount, remove, type Cursor } from "../lib/list";
import { emptyLog, gap, merge, withDelivery, type Log } from "../lib/log";
import { attentive, decide, notificationText, notifyPatch, parseSettings, type Attention, type NotifyEvent, type NotifySettings } from "../lib/notify";
import type { Assignee, Channel, Conversation, ConversationFrame, Counts, Folder, Frame, Message, Tag, Team, TemplateRef, User, View } from "../types";
import { AgentSocket } from "./socket";

export type Topic = "list" | "counts" | "open" | "log" | "presence" | "typing" | "socket" | "settings" | "toast" | "visitor" | "crm" | "views";

/** A message being sent: shown at once, replaced by the stored entry when it comes back. */
export interface Pending {
  clientId: string;
  conversationId: number;
  body: string;
  /** the text as the composer showed it (body is markdown) */
  shown: string;
  note: boolean;
  attachmentName?: string;
  /** An email reply's recipients and subject. */
  mail?: MailFields;
  failed?: string;
  retry: () => void;
}

/** MailFields are what a reply says besides its text: an email's recipients and subject, or the WhatsApp template it is. */
export interface MailFields {
  to?: string[];
  cc?: string[];
  subject?: string;
  template?: TemplateRef;
}

export interface Typing {
  from: "visitor" | "agent" | "bot";
  name?: string;
  until: number;
}

export interface Toast {
  id: number;
  text: string;
  error: boolean;
  /** an in-app notification: its conversation opens on a click */
  conversationId?: number;
  title?: string;
}

/** What a notification needs to know besides the event: the settings and the tab's state. */
export interface NotifyContext {
  settings: NotifySettings;
  /** the company allows in-app notifications */
  inAppAllowed: boolean;
  /** this tab is visible and was used lately */
  attentive: boolean;
}

export interface Notifier {
  /** Tells of an event as the settings say: in the app, a desktop notification, a sound. */
  fire(ev: NotifyEvent, c: Conversation, text: string, ctx: NotifyContext): void;
}

const pageSize = 100;
const logPage = 50;
const typingMs = 6000;
const settingsKey = "parley.notify.v2";
const channelKey = "parley.channel.v1";

export class Inbox {
  me: User;
  users = new Map<number, User>();
  teams: Team[] = [];

  // presence
  available = false;
  online = 0;
  connected = false;
  everConnected = false;

  // the conversations the inbox holds (visible to the user), and those it was told are hidden
  convs = new Map<number, Conversation>();
  hidden = new Set<number>();
  private stale = new Set<number>();
  counts: Counts | null = null;

  // the folder list
  folder: Folder = "unassigned";
  /** The list's filters (a query string of GET /api/v1/conversations, without folder), "" for a plain folder. */
  filter = "";
  /** Saved views (the user's and the shared ones), with their live counts. */
  views: View[] = [];
  viewsLoaded = false;
  private viewsTimer = 0;
  private reloadTimer = 0;
  ids: number[] = [];
  cursor: Cursor | null = null;
  listLoading = false;
  listLoaded = false;
  listError = "";
  private listGen = 0;

  // the open conversation
  openId = 0;
  openError = "";
  assignees: Assignee[] = [];
  log: Log = emptyLog();
  logLoading = false;
  pending: Pending[] = [];
  /** The channel the folders are narrowed to ("" for all), kept in this browser. */
  channel: Channel | "" = "";
  typing = new Map<number, Typing>();
  /** Whether each contact is on the website now, by contact id: from `visitor` frames and from what the API and live frames say. */
  visitors = new Map<number, boolean>();
  /** crmChanged is the CRM record the last crm frame named, and how many came (the "crm" topic). */
  crmChanged = { type: "", id: 0, n: 0 };
  /** How many `visitor` frames came for each contact (came, left, opened a page): the details panel reads them again. */
  visitorPings = new Map<number, number>();
  /** visitorEpoch counts `visitor` frames; visitorSeen holds the epoch of each contact's last one. */
  private visitorEpoch = 0;
  private visitorSeen = new Map<number, number>();

  settings: NotifySettings;
  /** counts the agent's own changes of settings, so an older answer from the server never undoes one */
  private settingsGen = 0;
  /** the company's switch for in-app notifications (GET /api/v1/company-settings) */
  inAppAllowed = true;
  toasts: Toast[] = [];
  /** whether this tab is visible, and when it was last used: the server hears of it (activity frames) */
  attention: Attention = { visible: true, usedAt: Date.now() };
  private activitySent = 0;
  private activityVisible = false;

  private socket: AgentSocket;
  private listeners = new Map<Topic, Set<() => void>>();
  /** screens that read frames of their own (the Visitors screen's live_visitor frames) */
  private frameHooks = new Set<(f: { t: string }) => void>();
  private fetching = new Map<number, boolean>(); // conversations being read, and whether to read again
  private countsTimer = 0;
  /**
   * countsEpoch counts the live changes applied to counts. Counts read from the API while one was
   * applied may predate it, so they are not taken as they are: they are read again.
   */
  private countsEpoch = 0;
  private readTimer = 0;
  private typingTimer = 0;
  private toastSeq = 0;
  private notifier: Notifier | null = null;

  constructor(me: User) {
    this.me = me;
    this.settings = parseSettings(safeGet(settingsKey));
    const ch = safeGet(channelKey);
    if (ch === "web" || ch === "email" || ch === "messenger" || ch === "whatsapp") this.channel = ch;
    void this.loadSettings();
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    this.socket = new AgentSocket(proto + "//" + location.host + "/api/v1/events", {
      frame: (f) => this.onFrame(f),
      state: (up) => {
        this.connected = up;
        if (up) this.sendActivity(true);
        if (up) {
          // What changed before this socket was up is not coming live: read the lists again
          // (on the first connect too, when they were read before the socket was up).
          this.everConnected = true;
          if (this.listLoaded || this.listLoading || this.openId) this.reload();
        }
        this.emit("socket");
      },
      refused: async () => {
        try {
          await api("GET", "me");
          return true;
        } catch (e) {
          // 401 signs the app out (api.ts); anything else: the server is away, try again later.
          return !(e instanceof ApiError && e.status === 401);
        }
      },
    });
  }

  // ---- subscriptions

  on(topic: Topic, fn: () => void): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(fn);
    return () => set!.delete(fn);
  }

  emit(...topics: Topic[]): void {
    for (const t of topics) for (const fn of this.listeners.get(t) || []) fn();
  }

  setNotifier(n: Notifier): void {
    this.notifier = n;
  }

  // ---- start and stop

  start(): void {
    this.socket.start();
    void this.loadPeople();
    void this.loadKnownUnassigned();
    void this.loadCompany();
    addEventListener("focus", () => this.markReadSoon());
    document.addEventListener("visibilitychange", () => this.markReadSoon());
    this.attention = { visible: document.visibilityState === "visible", usedAt: Date.now() };
    document.addEventListener("visibilitychange", this.onVisibility);
    for (const ev of ["pointerdown", "keydown", "wheel", "touchstart"]) addEventListener(ev, this.onUse, { capture: true, passive: true });
  }

  // ---- attention: the server holds pushes back while a tab of the agent's is visible and in use

  private onVisibility = () => {
    this.attention = { visible: document.visibilityState === "visible", usedAt: this.attention.usedAt };
    if (this.attention.visible) this.attention.usedAt = Date.now();
    this.sendActivity(true);
  };

  private onUse = () => {
    this.attention.usedAt = Date.now();
    this.sendActivity(false);
  };

  /** sendActivity tells the server the tab is in use (at most every 30 s) or hidden (at once). */
  private sendActivity(force: boolean): void {
    const now = Date.now();
    const visible = attentive(this.attention, now);
    if (!force && visible === this.activityVisible && (!visible || now - this.activitySent < 30_000)) return;
    if (this.socket.send({ t: "activity", visible })) {
      this.activitySent = now;
      this.activityVisible = visible;
    }
  }

  /** attentive says whether this tab is in use now. */
  isAttentive(): boolean {
    return attentive(this.attention, Date.now());
  }

  stop(): void {
    this.socket.stop();
    document.removeEventListener("visibilitychange", this.onVisibility);
    for (const ev of ["pointerdown", "keydown", "wheel", "touchstart"]) removeEventListener(ev, this.onUse, { capture: true });
  }

  /** reload fetches what a reconnect may have missed: the lists and counts again, the open log's rest. */
  private reload(): void {
    // What the inbox holds may be out of date now: it stays on screen, but a change to one of
    // these counts as one to a conversation not held, until a page or frame brings it afresh.
    this.stale = new Set(this.convs.keys());
    this.hidden.clear();
    void this.loadFolder(this.folder, true, this.filter);
    void this.loadKnownUnassigned();
    this.refreshViews();
    if (this.openId) {
      void this.fetchConversation(this.openId);
      this.resume(this.openId, this.log.top);
    }
  }

  private async loadPeople(): Promise<void> {
    try {
      const [u, tm] = await Promise.all([api<{ users: User[] }>("GET", "users"), api<{ teams: Team[] }>("GET", "teams")]);
      for (const x of u.users || []) this.users.set(x.id, x);
      this.teams = tm.teams || [];
      this.emit("list", "open");
    } catch {
      /* names fall back to what entries carry */
    }
  }

  /**
   * loadKnownUnassigned holds the Unassigned folder (one page of 200 is nearly always all of it), so a
   * conversation that enters it later is told apart from one that was there all along.
   */
  private async loadKnownUnassigned(): Promise<void> {
    try {
      const ve = this.visitorEpoch;
      const r = await api<{ conversations: Conversation[] }>("GET", "conversations?folder=unassigned&limit=200");
      for (const c of r.conversations || []) this.hold(c, ve);
    } catch {
      /* only notifications are less precise */
    }
  }

  private hold(c: Conversation, ve: number): void {
    this.noteVisitor(c, ve);
    const had = this.stale.has(c.id) ? undefined : this.convs.get(c.id);
    if (had && had.last_seq > c.last_seq) return;
    this.convs.set(c.id, { ...had, ...c });
    this.hidden.delete(c.id);
    this.stale.delete(c.id);
  }

  // ---- the folder list

  get(id: number): Conversation | undefined {
    return this.convs.get(id);
  }

  /** onSite says whether a website chat's visitor is on the site now (undefined for other channels). */
  onSite(c: Conversation): boolean | undefined {
    if (c.channel !== "web") return undefined;
    const v = this.visitors.get(c.contact_id);
    return v !== undefined ? v : !!c.visitor_online;
  }

  /**
   * noteVisitor takes the visitor's state from a conversation read at epoch ve, unless a `visitor`
   * frame for that contact came after the request went out: the frame is newer.
   */
  private noteVisitor(c: Conversation, ve: number): void {
    if (typeof c.visitor_online !== "boolean") return;
    const seen = this.visitorSeen.get(c.contact_id);
    if (seen !== undefined && seen > ve) return;
    this.visitors.set(c.contact_id, c.visitor_online);
  }

  /** loadFolder reads a folder's first page and the counts; again (after a reconnect) keeps the rows on screen until it comes. */
  async loadFolder(folder: Folder, again = false, filter = ""): Promise<void> {
    const gen = ++this.listGen;
    this.folder = folder;
    this.filter = filter;
    if (!again) {
      this.ids = [];
      this.listLoaded = false;
    }
    this.cursor = null;
    this.listLoading = true;
    this.listError = "";
    this.emit("list");
    try {
      const epoch = this.countsEpoch;
      const ve = this.visitorEpoch;
      const r = await api<{ conversations: Conversation[]; next?: Cursor; counts?: Counts }>(
        "GET",
        `conversations?folder=${folder}&limit=${pageSize}${this.filter ? "&" + this.filter : "&counts=true"}${this.channelQuery()}`,
      );
      if (gen !== this.listGen) return;
      this.ids = [];
      this.takePage(r.conversations || [], r.next || null, ve);
      if (r.counts) this.takeCounts(r.counts, epoch);
      else if (!this.counts) this.refreshCounts();
      this.emit("counts");
    } catch (e) {
      if (gen !== this.listGen) return;
      this.listError = errText(e);
    }
    this.listLoading = false;
    this.emit("list");
  }

  private channelQuery(): string {
    return this.channel ? "&channel=" + this.channel : "";
  }

  /** setChannel narrows the folders to one channel ("" for all) and reads them again. */
  setChannel(ch: Channel | ""): void {
    if (ch === this.channel) return;
    this.channel = ch;
    try {
      if (ch) localStorage.setItem(channelKey, ch);
      else localStorage.removeItem(channelKey);
    } catch {
      /* private mode: for this page only */
    }
    this.counts = null;
    void this.loadFolder(this.folder, false, this.filter);
    this.refreshViews();
  }

  /** loadMore fetches the next page (keyset: after the last row of the previous one). */
  async loadMore(): Promise<void> {
    if (this.listLoading || !this.cursor) return;
    const gen = this.listGen;
    const cur = this.cursor;
    const ve = this.visitorEpoch;
    this.listLoading = true;
    this.emit("list");
    try {
      const r = await api<{ conversations: Conversation[]; next?: Cursor }>(
        "GET",
        `conversations?folder=${this.folder}&limit=${pageSize}&before=${cur.before}&before_id=${cur.before_id}${this.filter ? "&" + this.filter : ""}${this.channelQuery()}`,
      );
      if (gen !== this.listGen) return;
      this.takePage(r.conversations || [], r.next || null, ve);
    } catch (e) {
      if (gen === this.listGen) this.listError = errText(e);
    }
    if (gen === this.listGen) {
      this.listLoading = false;
      this.emit("list");
    }
  }

  private takePage(rows: Conversation[], next: Cursor | null, ve: number): void {
    const keep: Conversation[] = [];
    for (const c of rows) {
      this.hold(c, ve);
      const held = this.convs.get(c.id)!;
      // A row that changed live since the page was read keeps its live place (a filtered list is
      // the server's to decide: it is read again on changes).
      if (this.filter || inFolder(held, this.folder, this.me.id, this.channel)) keep.push(held);
    }
    this.ids = appendPage(this.ids, keep);
    this.cursor = next && rows.length > 0 ? next : null;
    this.listLoaded = true;
  }

  private refreshCounts(): void {
    clearTimeout(this.countsTimer);
    this.countsTimer = window.setTimeout(async () => {
      try {
        const epoch = this.countsEpoch;
        const r = await api<{ counts?: Counts }>("GET", "conversations?folder=closed&limit=1&counts=true" + this.channelQuery());
        if (r.counts) {
          this.takeCounts(r.counts, epoch);
          this.emit("counts");
        }
      } catch {
        /* the next change tries again */
      }
    }, 700);
  }

  /**
   * takeCounts takes counts the API read, unless a live change was applied since the request went
   * out (epoch): they may not include it, so they are read again.
   */
  private takeCounts(c: Counts, epoch: number): void {
    if (epoch === this.countsEpoch || !this.counts) this.counts = c;
    else this.refreshCounts();
  }

  /** upsert applies a conversation's new state to the holdings, counts and the list. */
  private upsert(next: Conversation, old: Conversation | undefined, known: boolean, fromSeq?: number, ve = this.visitorEpoch): void {
    this.noteVisitor(next, ve);
    this.convs.set(next.id, next);
    this.hidden.delete(next.id);
    this.stale.delete(next.id);
    if (this.counts) {
      const before = this.counts;
      if (known) this.counts = recount(this.counts, old, next, this.me.id, this.channel);
      else if (isNew(fromSeq)) this.counts = recount(this.counts, undefined, next, this.me.id, this.channel);
      else this.refreshCounts();
      if (JSON.stringify(before) !== JSON.stringify(this.counts)) this.countsEpoch++;
    }
    if (this.filter) this.reloadSoon();
    else this.ids = place(this.ids, (id) => this.convs.get(id), next, inFolder(next, this.folder, this.me.id, this.channel), this.cursor);
    this.refreshViews();
    this.emit("list", "counts");
    if (next.id === this.openId) this.emit("open");
  }

  /** reloadSoon reads a filtered list again shortly after live changes (only the server knows its filters). */
  private reloadSoon(): void {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = window.setTimeout(() => {
      if (this.filter) void this.loadFolder(this.folder, true, this.filter);
    }, 500);
  }

  /** tagged takes a conversation's tags as an edit left them. */
  tagged(id: number, tags: Tag[]): void {
    const c = this.convs.get(id);
    if (!c) return;
    this.convs.set(id, { ...c, tags });
    if (this.filter) this.reloadSoon();
    this.refreshViews();
    this.emit("list", "open");
  }

  /** loadViews reads the saved views with their counts. */
  async loadViews(): Promise<void> {
    try {
      const r = await api<{ views: View[] }>("GET", "views?counts=true");
      this.views = r.views || [];
      this.viewsLoaded = true;
      this.emit("views");
    } catch {
      /* the next change tries again */
    }
  }

  /** refreshViews reads the views' counts again shortly after live changes. */
  refreshViews(): void {
    clearTimeout(this.viewsTimer);
    this.viewsTimer = window.setTimeout(() => void this.loadViews(), 400);
  }

  private drop(id: number): void {
    const old = this.stale.has(id) ? undefined : this.convs.get(id);
    this.stale.delete(id);
    if (old) {
      if (this.counts) {
        this.counts = recount(this.counts, old, undefined, this.me.id, this.channel);
        this.countsEpoch++;
      }
    } else if (!this.hidden.has(id)) {
      // Told it left the view, without holding it: it may have been counted.
      this.refreshCounts();
    }
    this.convs.delete(id);
    this.hidden.add(id);
    this.ids = remove(this.ids, id);
    this.refreshViews();
    this.emit("list", "counts");
    if (id === this.openId) this.emit("open");
  }

  /** fetchConversation reads one conversation with its name, unread count and allowed actions. */
  async fetchConversation(id: number): Promise<void> {
    if (this.fetching.has(id)) {
      this.fetching.set(id, true); // it changed while being read: read it again after
      return;
    }
    this.fetching.set(id, false);
    const ve = this.visitorEpoch;
    try {
      const r = await api<{ conversation: Conversation; allowed: Conversation["allowed"]; assignees?: Assignee[] }>("GET", "conversations/" + id);
      const c = { ...r.conversation, allowed: r.allowed };
      const held = this.stale.has(id) ? undefined : this.convs.get(id);
      const known = held !== undefined || this.hidden.has(id);
      if (held && held.last_seq > c.last_seq) {
        // Read before a change that has come live since: its name holds, what it allows may not.
        this.noteVisitor(c, ve);
        this.convs.set(id, { ...held, contact_name: c.contact_name, allowed: held.allowed || c.allowed });
        this.fetching.set(id, true);
        this.emit("list", "open");
      } else {
        this.upsert(c, held, known, undefined, ve);
      }
      if (id === this.openId) {
        this.assignees = r.assignees || [];
        this.openError = "";
        this.emit("open");
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        this.drop(id);
        if (id === this.openId) {
          this.openError = errText(e);
          this.emit("open");
        }
      }
    } finally {
      const again = this.fetching.get(id);
      this.fetching.delete(id);
      if (again) void this.fetchConversation(id);
    }
  }

  // ---- the open conversation

  open(id: number): void {
    if (this.openId === id) return;
    this.openId = id;
    this.openError = "";
    this.log = emptyLog();
    this.logLoading = false; // a page still coming for the conversation left is dropped
    this.assignees = [];
    this.emit("open", "log");
    void this.fetchConversation(id);
    void this.loadOlder();
  }

  close(): void {
    this.openId = 0;
    this.log = emptyLog();
    this.logLoading = false;
    this.emit("open", "log");
  }

  get current(): Conversation | undefined {
    return this.openId ? this.convs.get(this.openId) : undefined;
  }

  /** loadOlder reads the page of entries before the oldest loaded (the newest page at first). */
  async loadOlder(): Promise<void> {
    const id = this.openId;
    if (!id || this.logLoading || !this.log.more) return;
    this.logLoading = true;
    this.emit("log");
    const q = this.log.oldest ? `&before=${this.log.oldest}` : "";
    try {
      const r = await api<{ messages: Message[] }>("GET", `conversations/${id}/messages?limit=${logPage}${q}`);
      if (id !== this.openId) return;
      const msgs = r.messages || [];
      this.log = merge(this.log, msgs);
      if (msgs.length < logPage) this.log = { ...this.log, more: false };
      this.markReadSoon();
    } catch (e) {
      if (id === this.openId) this.openError = errText(e);
    } finally {
      if (id === this.openId) {
        this.logLoading = false;
        this.emit("log", "open");
      }
    }
  }

  private resume(id: number, seq: number): void {
    if (!this.socket.send({ t: "resume", cursors: { [String(id)]: seq } })) {
      void api<{ messages: Message[] }>("GET", `conversations/${id}/messages?after=${seq}&limit=500`).then((r) => {
        if (id !== this.openId) return;
        this.log = merge(this.log, r.messages || []);
        this.emit("log");
      }, () => {});
    }
  }

  /** markReadSoon tells the server the user read the open conversation, when they can see it. */
  markReadSoon(): void {
    clearTimeout(this.readTimer);
    this.readTimer = window.setTimeout(() => {
      const c = this.current;
      if (!c || document.visibilityState !== "visible" || !document.hasFocus()) return;
      const seq = Math.max(c.last_seq, this.log.top);
      if (!seq) return;
      if (c.unread) {
        this.convs.set(c.id, { ...c, unread: 0 });
        this.emit("list");
      }
      void api("POST", `conversations/${c.id}/read`, { seq }).catch(() => {});
    }, 400);
  }

  // ---- frames

  /** onFrames hands every socket frame to fn too, until the returned function is called. */
  onFrames(fn: (f: { t: string }) => void): () => void {
    this.frameHooks.add(fn);
    return () => this.frameHooks.delete(fn);
  }

  /** sendFrame sends a command on the socket; false when it is not up. */
  sendFrame(f: object): boolean {
    return this.socket.send(f);
  }

  private onFrame(f: Frame): void {
    for (const fn of this.frameHooks) fn(f);
    switch (f.t) {
      case "hello":
        this.available = f.available;
        this.online = (f.online_agents || []).length;
        this.emit("presence");
        break;
      case "presence":
        if (f.user_id === this.me.id) this.available = f.available;
        this.online = f.online_agents;
        this.emit("presence");
        break;
      case "conversation":
        this.onConversation(f);
        break;
      case "hidden":
        if (this.convs.has(f.conversation_id) || !this.hidden.has(f.conversation_id)) this.drop(f.conversation_id);
        break;
      case "deleted":
        this.drop(f.conversation_id);
        if (f.conversation_id === this.openId) {
          this.openError = "deleted";
          this.emit("open");
        }
        break;
      case "typing":
        if (f.on) this.typing.set(f.conversation_id, { from: f.from, name: f.name, until: Date.now() + typingMs });
        else this.typing.delete(f.conversation_id);
        this.scheduleTypingExpiry();
        this.emit("typing");
        break;
      case "visitor":
        this.visitorSeen.set(f.contact_id, ++this.visitorEpoch);
        this.visitors.set(f.contact_id, f.online);
        this.visitorPings.set(f.contact_id, (this.visitorPings.get(f.contact_id) || 0) + 1);
        this.emit("list", "open", "visitor");
        break;
      case "read": {
        const c = this.convs.get(f.conversation_id);
        if (!c) break;
        if (f.by === "visitor") {
          if (f.seq > c.contact_read_seq) this.convs.set(c.id, { ...c, contact_read_seq: f.seq });
        } else if (f.user_id === this.me.id && f.seq >= c.last_seq && c.unread) {
          this.convs.set(c.id, { ...c, unread: 0 });
        }
        this.emit("list", "open", "log");
        break;
      }
      case "crm":
        // A CRM record or a note on one changed: screens showing it read it again.
        this.crmChanged = { type: f.record_type, id: f.record_id, n: this.crmChanged.n + 1 };
        this.emit("crm");
        break;
      case "delivery":
        if (f.conversation_id === this.openId) {
          this.log = withDelivery(this.log, f.seq, f.message_id, f.delivery);
          this.emit("log");
        }
        break;
      case "tagged": {
        // Someone (or this user in another tab) tagged a conversation or took a tag off.
        const c = this.convs.get(f.conversation_id);
        if (c) {
          const had = (c.tags || []).filter((x) => x.id !== f.tag.id);
          const tags = f.action === "added" ? [...had, f.tag].sort((a, b) => a.name.localeCompare(b.name)) : had;
          this.tagged(c.id, tags);
        } else {
          this.refreshViews();
        }
        break;
      }
      case "resync":
        // Access changed (members, visibility, role) or this socket fell behind: the lists again.
        this.reload();
        break;
      case "error":
        if (f.code !== "not_found") this.toast(f.message, true);
        break;
    }
  }

  private onConversation(f: ConversationFrame): void {
    const live = f.conversation;
    const id = live.id;
    if (live.with_bot) return;
    const prev = this.convs.get(id); // for what live frames lack: the name, unread, allowed
    const held = this.stale.has(id) ? undefined : prev; // for counts and notifications: only if current
    const known = held !== undefined || this.hidden.has(id);
    const msgs = f.messages || [];
    if (id === this.openId) {
      if (gap(this.log, f.from_seq)) this.resume(id, this.log.top);
      this.log = merge(this.log, msgs);
      if (msgs.length >= 500 && f.to_seq) this.resume(id, f.to_seq); // a resume answer holds at most 500: more to come
      const sent = new Set(msgs.map((m) => m.client_id).filter(Boolean));
      if (sent.size) this.pending = this.pending.filter((p) => !sent.has(p.clientId));
      if (msgs.some((m) => m.sender_kind === "visitor")) this.typing.delete(id);
      this.emit("log", "typing");
      this.markReadSoon();
    }
    if (prev && live.last_seq < prev.last_seq) return; // an older state than the one held
    // Live frames carry no contact name and unread 0 (section 6); resume answers fill them in.
    const filled = live.contact_name !== undefined && live.contact_name !== "";
    const fresh = msgs.filter((m) => m.sender_kind === "visitor" && (!prev || m.seq > prev.last_seq)).length;
    const next: Conversation = {
      ...live,
      contact_name: filled ? live.contact_name : prev && prev.contact_name,
      contact_country: live.contact_country || (prev && prev.contact_country),
      // Only the API's single conversation tells these; live frames keep what it said.
      reply_window: live.reply_window || (prev && prev.reply_window),
      contact_picture: live.contact_picture || (prev && prev.contact_picture),
      tags: live.tags || (prev && prev.tags),
      unread: filled ? live.unread : (prev ? prev.unread : 0) + fresh,
      allowed: prev && prev.allowed,
    };
    if (id === this.openId && document.visibilityState === "visible" && document.hasFocus()) next.unread = 0;
    this.upsert(next, held, known, f.from_seq);
    // What only the API knows: the name of a new contact, and what the user may do now.
    const moved = prev && (prev.status !== next.status || (prev.assignee_id || 0) !== (next.assignee_id || 0) || (prev.team_id || 0) !== (next.team_id || 0));
    if (!next.contact_name || !next.allowed || moved) void this.fetchConversation(id);
    const ev = decide({ old: held || null, now: next, messages: msgs, fromSeq: f.from_seq }, this.me.id);
    if (ev && this.notifier && !(id === this.openId && document.visibilityState === "visible" && document.hasFocus())) {
      this.notifier.fire(ev, next, notificationText(msgs, next.preview), { settings: this.settings, inAppAllowed: this.inAppAllowed, attentive: this.isAttentive() });
    }
  }

  private scheduleTypingExpiry(): void {
    clearTimeout(this.typingTimer);
    let soonest = 0;
    for (const v of this.typing.values()) if (!soonest || v.until < soonest) soonest = v.until;
    if (!soonest) return;
    this.typingTimer = window.setTimeout(() => {
      const now = Date.now();
      for (const [k, v] of this.typing) if (v.until <= now) this.typing.delete(k);
      this.emit("typing");
      this.scheduleTypingExpiry();
    }, Math.max(50, soonest - Date.now()));
  }

  // ---- actions

  private sentTyping = 0;
  private stopTyping = 0;

  /** typed tells the visitor the agent is typing (at most every 3 s), and that they stopped. */
  typed(): void {
    const id = this.openId;
    if (!id) return;
    const now = Date.now();
    if (now - this.sentTyping > 3000) {
      this.sentTyping = now;
      this.sendTyping(id, true);
    }
    clearTimeout(this.stopTyping);
    this.stopTyping = window.setTimeout(() => this.quiet(id), 4000);
  }

  private quiet(id: number): void {
    clearTimeout(this.stopTyping);
    if (!this.sentTyping) return;
    this.sentTyping = 0;
    this.sendTyping(id, false);
  }

  private sendTyping(id: number, on: boolean): void {
    if (!this.socket.send({ t: "typing", conversation_id: id, on })) {
      void api("POST", `conversations/${id}/typing`, { on }).catch(() => {});
    }
  }

  /** send stores a reply or note (body in markdown; shown as the composer showed it; an email reply with its recipients and subject); a failed one stays on screen with a retry. */
  send(body: string, note: boolean, attachment?: File, shown = body, mail?: MailFields): void {
    const id = this.openId;
    if (!id) return;
    this.quiet(id);
    const p: Pending = { clientId: clientID(), conversationId: id, body, shown, note, attachmentName: attachment && attachment.name, mail, retry: () => {} };
    p.retry = () => {
      p.failed = undefined;
      this.emit("log");
      void this.deliver(p, attachment);
    };
    this.pending = [...this.pending, p];
    this.emit("log");
    void this.deliver(p, attachment);
  }

  private uploaded = new Map<string, number>();

  private async deliver(p: Pending, file?: File): Promise<void> {
    try {
      let attachmentId = this.uploaded.get(p.clientId) || 0;
      if (file && !attachmentId) {
        const up = await api<{ attachment: { id: number } }>("POST", `conversations/${p.conversationId}/attachments?name=${encodeURIComponent(file.name || "image")}`, file);
        attachmentId = up.attachment.id;
        this.uploaded.set(p.clientId, attachmentId);
      }
      const r = await api<{ message: Message }>("POST", `conversations/${p.conversationId}/messages`, {
        body: p.body,
        note: p.note,
        client_id: p.clientId,
        attachment_id: attachmentId || undefined,
        ...(p.mail && !p.note ? p.mail : {}),
      });
      this.uploaded.delete(p.clientId);
      this.pending = this.pending.filter((x) => x !== p);
      if (r && r.message && p.conversationId === this.openId) this.log = merge(this.log, [r.message]);
      this.emit("log");
    } catch (e) {
      p.failed = errText(e);
      this.emit("log");
    }
  }

  discard(p: Pending): void {
    this.pending = this.pending.filter((x) => x !== p);
    this.emit("log");
  }

  /** act runs a conversation action and applies the answer; errors become a toast. */
  async act(id: number, path: string, body?: unknown): Promise<boolean> {
    const ve = this.visitorEpoch;
    try {
      const r = await api<{ conversation?: Conversation }>("POST", `conversations/${id}/${path}`, body ?? {});
      if (r && r.conversation) {
        const held = this.convs.get(id);
        if (!held || r.conversation.last_seq >= held.last_seq) {
          this.upsert({ ...held, ...r.conversation, contact_name: (held && held.contact_name) || r.conversation.contact_name, unread: held ? held.unread : 0 }, held, held !== undefined || this.hidden.has(id), undefined, ve);
        }
      }
      void this.fetchConversation(id);
      return true;
    } catch (e) {
      this.toast(errText(e), true);
      return false;
    }
  }

  assignToMe(id: number): Promise<boolean> {
    return this.act(id, "assign", { user_id: this.me.id, if_unassigned: true });
  }

  resolve(id: number): Promise<boolean> {
    return this.act(id, "close");
  }

  reopen(id: number): Promise<boolean> {
    return this.act(id, "reopen");
  }

  /** release takes a conversation out of the Spam view. */
  release(id: number): Promise<boolean> {
    return this.act(id, "release");
  }

  /** retryDelivery sends a reply whose delivery failed again. */
  async retryDelivery(convId: number, msgId: number): Promise<void> {
    try {
      const r = await api<{ message: Message }>("POST", `conversations/${convId}/messages/${msgId}/retry`);
      if (convId === this.openId && r.message) {
        this.log = withDelivery(this.log, r.message.seq, r.message.id, r.message.delivery);
        this.emit("log");
      }
    } catch (e) {
      this.toast(errText(e), true);
    }
  }

  async remove(id: number): Promise<boolean> {
    try {
      await api("DELETE", "conversations/" + id);
      this.drop(id);
      return true;
    } catch (e) {
      this.toast(errText(e), true);
      return false;
    }
  }

  /** renamed shows a contact's new name (or email) on their conversations at once. */
  renamed(contactId: number, name: string): void {
    for (const [id, c] of this.convs) if (c.contact_id === contactId) this.convs.set(id, { ...c, contact_name: name });
    this.emit("list", "open");
  }

  async setAvailable(on: boolean): Promise<void> {
    try {
      const r = await api<{ available: boolean }>("PUT", "me/availability", { available: on });
      this.available = r.available;
      this.emit("presence");
      if (this.openId) void this.fetchConversation(this.openId);
    } catch (e) {
      this.toast(errText(e), true);
    }
  }

  /**
   * loadSettings reads the agent's settings from the server, where they follow the agent to every
   * device; this browser's copy is only for the first moment of a page load. The server learns the
   * language the inbox shows, for the mail it sends.
   */
  private async loadSettings(): Promise<void> {
    // A change the agent makes meanwhile (saveSettings) wins over an answer that was on its way.
    const gen = this.settingsGen;
    try {
      const r = await api<unknown>("GET", "me/settings");
      if (gen !== this.settingsGen) return;
      this.settings = parseSettings(r);
      this.cacheSettings();
      this.emit("settings");
      if (this.settings.language !== lang()) {
        const saved = parseSettings(await api<unknown>("PUT", "me/settings", { language: lang() }));
        if (gen !== this.settingsGen) return;
        this.settings = saved;
        this.cacheSettings();
      }
    } catch {
      /* the cached copy (or the defaults) stands */
    }
  }

  private async loadCompany(): Promise<void> {
    try {
      const r = await api<{ in_app_notifications: boolean }>("GET", "company-settings");
      this.inAppAllowed = r.in_app_notifications !== false;
      this.emit("settings");
    } catch {
      /* allowed, as by default */
    }
  }

  /** setInAppAllowed follows the admin's change of the company switch in this tab. */
  setInAppAllowed(on: boolean): void {
    this.inAppAllowed = on;
    this.emit("settings");
  }

  private cacheSettings(): void {
    try {
      localStorage.setItem(settingsKey, JSON.stringify(this.settings));
    } catch {
      /* private mode: for this page only */
    }
  }

  saveSettings(s: NotifySettings): void {
    this.settingsGen++;
    this.settings = s;
    this.cacheSettings();
    this.emit("settings");
    api("PUT", "me/settings", { notify: notifyPatch(s), sounds: s.sounds, volume: s.volume }).catch((e) => this.toast(errText(e), true));
  }

  /** notice shows an in-app notification: a note that opens its conversation. */
  notice(title: string, text: string, conversationId: number): void {
    const t: Toast = { id: ++this.toastSeq, text, title, error: false, conversationId };
    this.toasts = [...this.toasts, t].slice(-3);
    this.emit("toast");
    window.setTimeout(() => {
      this.toasts = this.toasts.filter((x) => x !== t);
      this.emit("toast");
    }, 8000);
  }

  dismiss(id: number): void {
    this.toasts = this.toasts.filter((x) => x.id !== id);
    this.emit("toast");
  }

  toast(text: string, error = false): void {
    const t: Toast = { id: ++this.toastSeq, text, error };
    this.toasts = [...this.toasts, t].slice(-3);
    this.emit("toast");
    window.setTimeout(() => {
      this.toasts = this.toasts.filter((x) => x !== t);
      this.emit("toast");
    }, error ? 8000 : 4000);
  }

  /** neighbour is the conversation after (or before) conversation from in the list, for j and k. */
  neighbour(from: number, step: 1 | -1): number {
    if (!this.ids.length) return 0;
    const at = this.ids.indexOf(from);
    if (at < 0) return step === 1 ? this.ids[0] : this.ids[this.ids.length - 1];
    const to = at + step;
    return to >= 0 && to < this.ids.length ? this.ids[to] : 0;
  }

}

/** errText is what to tell the user about a failure: in their language when the code is known. */
export function errText(e: unknown): string {
  if (e instanceof ApiError) {
    const k = "err." + e.code;
    const s = t(k);
    return s !== k ? s : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

function safeGet(k: string): string | null {
  try {
    return localStorage.getItem(k);
  } catch {
    return null;
  }
}
