// The live frame: a hidden iframe the loader puts on every page of an allowed domain, served by
// Parley (/widget/v1/{key}/live), so its socket is Parley's own and a host page's connect-src never
// blocks it. It tells Parley which page the browser shows — for the inbox's Visitors screen — and
// tells the loader when an agent invites this visitor to a chat. Nothing is stored on the server.
//
// The browser's live id (random, in this origin's storage, which browsers partition per site) lets
// the chat frame name the same browser when it authenticates. The visit — when it began, how many
// pages, where it came from — is kept for the tab in session storage.

import { allowsOrigin } from "./lib/domains";
import type { Page } from "./lib/bridge";

function store(kind: "localStorage" | "sessionStorage"): Storage | null {
  try {
    return window[kind];
  } catch {
    return null;
  }
}

interface Visit {
  s: number; // started
  p: number; // pages
  r: string; // referrer of its first page
  b: boolean; // the browser was here on an earlier visit
}

function start(): void {
  const root = document.documentElement;
  const key = root.getAttribute("data-key") || "";
  let parent = "";
  let domains: string[] = [];
  try {
    parent = decodeURIComponent(location.hash.slice(1));
    domains = JSON.parse(root.getAttribute("data-domains") || "[]");
  } catch {
    return;
  }
  if (!key || window.parent === window || !allowsOrigin(domains, parent)) return;
  const local = store("localStorage");
  const session = store("sessionStorage");
  const kLive = "parley:" + key + ":lv";
  const kVisit = "parley:" + key + ":visit";
  let id = "";
  try {
    id = (local && local.getItem(kLive)) || "";
  } catch {
    // blocked: a new id each page
  }
  const known = !!id;
  if (!id) {
    const a = new Uint8Array(16);
    crypto.getRandomValues(a);
    id = Array.from(a, (b) => (b + 256).toString(16).slice(1)).join("");
    try {
      if (local) local.setItem(kLive, id);
    } catch {
      // not remembered
    }
  }
  let visit: Visit | null = null;
  try {
    visit = JSON.parse((session && session.getItem(kVisit)) || "null");
  } catch {
    visit = null;
  }
  let page: Page | null = null;
  let ws: WebSocket | null = null;
  let tries = 0;
  const frame = (t: string) =>
    JSON.stringify({ t, id, url: page!.url, title: page!.title, referrer: visit!.r, since: visit!.s, pages: visit!.p, back: visit!.b });

  const connect = () => {
    const s = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/widget/v1/" + encodeURIComponent(key) + "/live/ws");
    s.onopen = () => {
      tries = 0;
      if (page) s.send(frame("hello"));
    };
    s.onmessage = (e) => {
      if (String(e.data).indexOf('"open"') > 0) window.parent.postMessage({ parley: "invite" }, parent);
    };
    s.onclose = () => {
      ws = null;
      if (tries < 10) setTimeout(connect, Math.min(60000, 1000 * 2 ** tries++) * (0.5 + Math.random()));
    };
    ws = s;
  };

  addEventListener("message", (e: MessageEvent) => {
    if (e.source !== window.parent || e.origin !== parent) return;
    const m = e.data as { parley?: string; page?: Page };
    if (!m || m.parley !== "page" || !m.page) return;
    const first = !page;
    page = m.page;
    if (!visit) visit = { s: Date.now(), p: 0, r: page.referrer || "", b: known };
    visit.p++;
    try {
      if (session) session.setItem(kVisit, JSON.stringify(visit));
    } catch {
      // the next page starts a new visit
    }
    if (first) connect();
    else if (ws && ws.readyState === 1) ws.send(frame("page"));
  });
  window.parent.postMessage({ parley: "live" }, parent);
}

start();
