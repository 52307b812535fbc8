// The inbox's service worker (/inbox/sw.js, scope /inbox/): it shows the web pushes the server
// sends while no inbox tab of the agent is in use (docs/notifications.md), and a click on one opens
// its conversation — in an inbox window that is open already, or a new one. It caches nothing: the
// inbox is live or it is nothing.

/** PushData is what the server's push carries (internal/notify, PushData). */
interface PushData {
  title: string;
  body: string;
  tag: string;
  url: string;
  conversation_id: number;
  event: string;
  lang?: string;
}

// The few parts of the service worker's world used here (the app's TypeScript setup knows the
// page's DOM, not a worker's).
interface WindowClientLike {
  url: string;
  focused: boolean;
  focus(): Promise<unknown>;
  navigate(url: string): Promise<unknown>;
  postMessage(m: unknown): void;
}
interface ExtendableEventLike extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface PushEventLike extends ExtendableEventLike {
  data: { json(): unknown; text(): string } | null;
}
interface NotificationEventLike extends ExtendableEventLike {
  notification: { data: unknown; close(): void; tag: string };
}
interface SubscriptionChangeEventLike extends ExtendableEventLike {
  oldSubscription?: { options?: { applicationServerKey?: ArrayBuffer | null } } | null;
}
interface WorkerScope {
  registration: {
    scope: string;
    showNotification(title: string, options: Record<string, unknown>): Promise<void>;
    pushManager: { subscribe(o: Record<string, unknown>): Promise<{ toJSON(): unknown }> };
  };
  clients: {
    matchAll(o: Record<string, unknown>): Promise<WindowClientLike[]>;
    openWindow(url: string): Promise<WindowClientLike | null>;
    claim(): Promise<void>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: string, fn: (e: any) => void): void;
  location: { origin: string };
}

const sw = self as unknown as WorkerScope;

/** keep hands a promise to the event. An event made by script (DevTools, a test) refuses waitUntil: the work runs anyway. */
function keep(e: ExtendableEventLike, p: Promise<unknown>): void {
  try {
    e.waitUntil(p);
  } catch {
    /* untrusted event: nothing to extend */
  }
}

sw.addEventListener("install", (e: ExtendableEventLike) => keep(e, sw.skipWaiting()));
sw.addEventListener("activate", (e: ExtendableEventLike) => keep(e, sw.clients.claim()));

function parse(e: PushEventLike): PushData | null {
  if (!e.data) return null;
  try {
    const d = e.data.json() as PushData;
    return d && typeof d.title === "string" ? d : null;
  } catch {
    return null;
  }
}

sw.addEventListener("push", (e: PushEventLike) => {
  const d = parse(e);
  if (!d) return;
  keep(
    e,
    sw.registration.showNotification(d.title, {
      body: d.body,
      // The same tag as the open tab's own notification: one conversation shows one notification.
      tag: d.tag,
      renotify: true,
      lang: d.lang || undefined,
      icon: "/inbox/assets/icon-192.png",
      badge: "/inbox/assets/badge-96.png",
      data: { url: d.url, conversation_id: d.conversation_id },
    }),
  );
});

/** open shows the conversation: in an inbox window already open (told by a message, so it keeps its state), else in a new one. */
async function open(url: string, conversationID: number): Promise<void> {
  const target = new URL(url, sw.location.origin).href;
  const wins = await sw.clients.matchAll({ type: "window", includeUncontrolled: true });
  const inbox = wins.filter((w) => w.url.startsWith(sw.registration.scope));
  const win = inbox.find((w) => w.focused) || inbox[0];
  if (win) {
    win.postMessage({ t: "open", conversation_id: conversationID, url: target });
    await win.focus().catch(() => {});
    return;
  }
  await sw.clients.openWindow(target);
}

sw.addEventListener("notificationclick", (e: NotificationEventLike) => {
  e.notification.close();
  const d = (e.notification.data || {}) as { url?: string; conversation_id?: number };
  keep(e, open(d.url || "/inbox/", d.conversation_id || 0));
});

// The push service renewed or dropped the subscription: subscribe again with the same key and tell
// the server (the session cookie goes with the request).
sw.addEventListener("pushsubscriptionchange", (e: SubscriptionChangeEventLike) => {
  const key = e.oldSubscription && e.oldSubscription.options && e.oldSubscription.options.applicationServerKey;
  if (!key) return;
  keep(
    e,
    sw.registration.pushManager
      .subscribe({ userVisibleOnly: true, applicationServerKey: key })
      .then((sub) =>
        fetch("/api/v1/me/push-subscriptions", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(sub.toJSON()),
        }),
      )
      .catch(() => {}),
  );
});
