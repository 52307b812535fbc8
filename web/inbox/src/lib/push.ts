// Web push on this device (docs/notifications.md): the service worker at /inbox/sw.js, the
// browser's subscription with the installation's key, and the server's copy of it
// (POST /api/v1/me/push-subscriptions). The device's id on the server is kept in this browser, so
// the profile can tell "this device" in the list.
import { api } from "../api";

const deviceKey = "parley.push.device";

export function pushSupported(): boolean {
  return typeof navigator !== "undefined" && "serviceWorker" in navigator && typeof window !== "undefined" && "PushManager" in window && typeof Notification !== "undefined";
}

/** registration registers the service worker (once) and returns it when ready. */
export async function registration(): Promise<ServiceWorkerRegistration | null> {
  if (typeof navigator === "undefined" || !("serviceWorker" in navigator)) return null;
  try {
    await navigator.serviceWorker.register("/inbox/sw.js", { scope: "/inbox/" });
    return await navigator.serviceWorker.ready;
  } catch {
    return null;
  }
}

/** urlBase64ToBytes decodes a base64url string (the application server key). */
export function urlBase64ToBytes(s: string): Uint8Array {
  const pad = "=".repeat((4 - (s.length % 4)) % 4);
  const b = atob((s + pad).replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i);
  return out;
}

/** currentSubscription is this browser's push subscription, if it has one. */
export async function currentSubscription(): Promise<PushSubscription | null> {
  if (!pushSupported()) return null;
  const reg = await registration();
  if (!reg) return null;
  try {
    return await reg.pushManager.getSubscription();
  } catch {
    return null;
  }
}

/** deviceID is this browser's device id on the server (0: none). */
export function deviceID(): number {
  try {
    return Number(localStorage.getItem(deviceKey)) || 0;
  } catch {
    return 0;
  }
}

function keepDevice(id: number): void {
  try {
    if (id) localStorage.setItem(deviceKey, String(id));
    else localStorage.removeItem(deviceKey);
  } catch {
    /* this page only */
  }
}

/**
 * subscribe turns push on for this device: it asks for permission when needed (call it from a
 * click), subscribes with the server's key, and tells the server. It returns whether push is on.
 */
export async function subscribe(): Promise<boolean> {
  if (!pushSupported()) return false;
  if (Notification.permission === "default" && (await Notification.requestPermission()) !== "granted") return false;
  if (Notification.permission !== "granted") return false;
  const reg = await registration();
  if (!reg) return false;
  const { public_key } = await api<{ public_key: string }>("GET", "push/key");
  let sub = await reg.pushManager.getSubscription();
  if (sub && !sameKey(sub, public_key)) {
    await sub.unsubscribe(); // made with another installation's key (a restored profile)
    sub = null;
  }
  if (!sub) sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: urlBase64ToBytes(public_key) as BufferSource });
  const r = await api<{ device: { id: number } }>("POST", "me/push-subscriptions", sub.toJSON());
  keepDevice(r.device.id);
  return true;
}

function sameKey(sub: PushSubscription, key: string): boolean {
  const k = sub.options && sub.options.applicationServerKey;
  if (!k) return true;
  const a = new Uint8Array(k as ArrayBuffer);
  const b = urlBase64ToBytes(key);
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * refresh checks this device's subscription against the server's list on every start of the
 * inbox: still listed, push is on; removed (in the profile, from another device, or forgotten
 * after the push service said it is gone), the browser's subscription is dropped too, so a removed
 * device stays removed; a subscription the server never heard of (renewed by the service worker)
 * is told to it.
 */
export async function refresh(): Promise<boolean> {
  // The worker is registered in any case: it makes the inbox installable as an app.
  const reg = await registration();
  if (!reg || !pushSupported() || Notification.permission !== "granted") return false;
  const sub = await currentSubscription();
  if (!sub) return false;
  try {
    const id = deviceID();
    if (id) {
      const r = await api<{ devices: { id: number }[] }>("GET", "me/push-subscriptions");
      if (r.devices.some((d) => d.id === id)) return true;
      await sub.unsubscribe().catch(() => false);
      keepDevice(0);
      return false;
    }
    const r = await api<{ device: { id: number } }>("POST", "me/push-subscriptions", sub.toJSON());
    keepDevice(r.device.id);
    return true;
  } catch {
    return false;
  }
}

/** unsubscribe turns push off for this device, here and on the server. */
export async function unsubscribe(): Promise<void> {
  const id = deviceID();
  const sub = await currentSubscription();
  if (sub) await sub.unsubscribe().catch(() => false);
  if (id) await api("DELETE", "me/push-subscriptions/" + id).catch(() => {});
  keepDevice(0);
}

/** forgetDevice drops this browser's note of its device id (the profile removed it). */
export function forgetDevice(id: number): void {
  if (deviceID() === id) keepDevice(0);
}
