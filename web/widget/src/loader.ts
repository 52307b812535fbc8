// The loader: the one script a website includes.
//
//   <script src="https://parley.example.com/widget.js" data-website-key="pk_…" async></script>
//
// It draws the launcher button in a shadow root (the page's CSS cannot reach it) and creates the
// chat frame, served by Parley with its own strict CSP, only when the visitor opens the chat — or
// at once when the frame told us before that this visitor has an open conversation. The page and
// the frame talk through postMessage, each accepting only the other's window and origin. It also
// reports page views (single-page navigation included), shows the unread count, blinks the page
// title while closed, and offers the JavaScript API on window.Parley.

import { launcher as en, type Launcher } from "./i18n/en";
import { launcher as de } from "./i18n/de";
import { launcher as nl } from "./i18n/nl";
import { launcher as tr } from "./i18n/tr";
import { launcher as hu } from "./i18n/hu";
import { plural } from "./i18n/format";
import { chooseLocale } from "./lib/locale";
import { bridgeMessage, type Identity, type Look, type Page, type ToFrame, type ToHost } from "./lib/bridge";

type Listener = (data?: unknown) => void;

const catalogues: Record<string, Launcher> = { en, de, nl, tr, hu };

const css =
  ":host{all:initial}" +
  ".l{position:fixed;right:20px;bottom:20px;width:56px;height:56px;margin:0;padding:0;border:0;border-radius:50%;cursor:pointer;" +
  "background:var(--parley-accent,#1f6f43);color:var(--parley-on-accent,#fff);box-shadow:0 4px 14px rgba(0,0,0,.25);" +
  "display:flex;align-items:center;justify-content:center;z-index:2}" +
  ".l:hover{filter:brightness(1.1)}.l:focus-visible{outline:3px solid #1a56db;outline-offset:3px}" +
  ".l svg{width:28px;height:28px;fill:currentColor}.x,.o .c{display:none}.o .x{display:block}" +
  ".b{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;box-sizing:border-box;border-radius:10px;" +
  "background:#c81e1e;color:#fff;font:700 12px/20px system-ui,sans-serif;text-align:center}" +
  ".f{position:fixed;right:20px;bottom:88px;width:380px;height:640px;max-height:calc(100% - 108px);border:0;border-radius:16px;" +
  "box-shadow:0 8px 32px rgba(0,0,0,.25);background:#fff;display:none;z-index:1;color-scheme:normal}.o .f{display:block}" +
  ".left .l,.left .f{right:auto;left:20px}.left .b{right:auto;left:-4px}" +
  ".t{position:fixed;right:20px;bottom:88px;max-width:260px;display:flex;align-items:flex-start;gap:4px;padding:10px 8px 10px 14px;" +
  "background:#fff;color:#1d2433;border-radius:14px;box-shadow:0 4px 18px rgba(0,0,0,.22);font:15px/1.4 system-ui,sans-serif}" +
  ".t button{all:unset;cursor:pointer}.t .tb{flex:1}.t .tx{padding:0 4px;font-size:18px;line-height:1;color:#4a5568}" +
  ".t button:focus-visible{outline:3px solid #1a56db;outline-offset:2px}.o .t{display:none}.left .t{right:auto;left:20px}" +
  "@media (max-width:480px){.o .f{top:0;left:0;right:0;bottom:0;width:100%;height:100%;max-height:none;border-radius:0}.o .l{display:none}}";

const svgNS = "http://www.w3.org/2000/svg";

// The launcher's icons (a playbook's appearance picks one; internal/playbook Icons).
const icons: Record<string, string> = {
  chat: "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z",
  help: "M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20zm0 2a8 8 0 1 0 0 16 8 8 0 0 0 0-16zm0 11.6a1.2 1.2 0 1 1 0 2.4 1.2 1.2 0 0 1 0-2.4zM8.5 9.5a3.5 3.5 0 1 1 5.3 3c-.8.5-.8.8-.8 1.5h-2c0-1.5.4-2.4 1.7-3.2a1.5 1.5 0 1 0-2.2-1.3z",
  wave: "M5.7 13L17.1 9.2L18.6 14A6 6 0 0 1 7.2 17.7zM6 13.9L4.1 8A1.3 1.3 0 0 1 6.5 7.2L8.5 13.1zM9 12.9L6.3 4.7A1.3 1.3 0 0 1 8.7 3.9L11.4 12.1zM11.9 12L9.4 4.3A1.3 1.3 0 0 1 11.9 3.5L14.4 11.2zM14.9 11L13.2 5.6A1.3 1.3 0 0 1 15.6 4.8L17.4 10.2zM8.8 20.9L3.2 17.2A1.3 1.3 0 0 1 4.6 15.1L7.5 16.9z",
};

function icon(cls: string, d: string): SVGElement {
  const s = document.createElementNS(svgNS, "svg");
  s.setAttribute("class", cls);
  s.setAttribute("viewBox", "0 0 24 24");
  s.setAttribute("aria-hidden", "true");
  const p = document.createElementNS(svgNS, "path");
  p.setAttribute("d", d);
  s.appendChild(p);
  return s;
}

function storage(kind: "localStorage" | "sessionStorage"): Storage | null {
  try {
    return window[kind];
  } catch {
    return null; // storage blocked by the browser's settings
  }
}

function get(s: Storage | null, k: string): string | null {
  try {
    return s ? s.getItem(k) : null;
  } catch {
    return null;
  }
}

function set(s: Storage | null, k: string, v: string | null): void {
  try {
    if (s) v === null ? s.removeItem(k) : s.setItem(k, v);
  } catch {
    // full or blocked: the widget works without it, it just forgets
  }
}

/** The page's playbook greeting, from allowed.js (internal/widget.Teaser). */
interface Teaser {
  id: number;
  delay_seconds: number;
  text: string;
  language?: string;
}

function main(): void {
  const w = window as unknown as { Parley?: unknown };
  if (w.Parley && (w.Parley as { version?: number }).version) return; // the snippet is on the page twice
  const script = (document.currentScript || document.querySelector("script[data-website-key]")) as HTMLScriptElement | null;
  const key = script && script.getAttribute("data-website-key");
  if (!script || !key) {
    console.warn("Parley: the widget's script tag needs a data-website-key attribute");
    return;
  }
  const origin = new URL(script.src, location.href).origin;
  const local = storage("localStorage");
  const session = storage("sessionStorage");
  const kActive = "parley:" + key + ":active";
  const kOpen = "parley:" + key + ":open";
  const kReset = "parley:" + key + ":reset";
  const kLook = "parley:" + key + ":look";
  const kTeaser = "parley:" + key + ":teaser";

  let fixedLocale = script.getAttribute("data-locale") || "";
  let L = en;
  let locale = "en";
  let isOpen = false;
  let unread = 0;
  let frame: HTMLIFrameElement | null = null;
  // The live frame (src/live.ts): hidden, on every page, for the inbox's Visitors screen.
  let live: HTMLIFrameElement | null = null;
  let hello = false;
  let helloTimer = 0;
  let identity: Identity | undefined;
  let disabled = false;
  let ready = false;
  let focusOnHello = false;
  let look: Look = {};
  const listeners: Record<string, Listener[]> = {};

  // The host element keeps its place whatever the page's CSS says: inline !important wins.
  const host = document.createElement("parley-widget");
  const hs = host.style;
  for (const [p, v] of [["display", "block"], ["position", "fixed"], ["width", "0"], ["height", "0"], ["bottom", "0"], ["right", "0"],
    ["z-index", "2147483000"], ["margin", "0"], ["padding", "0"], ["border", "0"], ["overflow", "visible"], ["visibility", "hidden"], ["opacity", "1"],
    ["transform", "none"], ["filter", "none"], ["contain", "none"]]) {
    hs.setProperty(p, v, "important");
  }
  const root = host.attachShadow({ mode: "open" });
  // A constructed stylesheet is not blocked by a strict style-src on the host page.
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    (root as ShadowRoot & { adoptedStyleSheets: CSSStyleSheet[] }).adoptedStyleSheets = [sheet];
  } catch {
    const st = document.createElement("style");
    st.textContent = css;
    root.appendChild(st);
  }
  const wrap = document.createElement("div");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "l";
  button.setAttribute("aria-expanded", "false");
  const glyph = icon("c", icons.chat);
  button.appendChild(glyph);
  button.appendChild(icon("x", "M18.3 5.7a1 1 0 0 0-1.4 0L12 10.6 7.1 5.7a1 1 0 0 0-1.4 1.4l4.9 4.9-4.9 4.9a1 1 0 1 0 1.4 1.4l4.9-4.9 4.9 4.9a1 1 0 0 0 1.4-1.4L13.4 12l4.9-4.9a1 1 0 0 0 0-1.4z"));
  const badge = document.createElement("span");
  badge.className = "b";
  badge.setAttribute("aria-hidden", "true");
  badge.hidden = true;
  button.appendChild(badge);
  wrap.appendChild(button);
  root.appendChild(wrap);

  // Under 480 px the open chat covers the page (the CSS above): the frame then keeps the focus.
  const phone = matchMedia("(max-width:480px)");
  phone.addEventListener("change", () => frame && hello && post({ parley: "layout", full: phone.matches }));

  function emit(name: string, data?: unknown): void {
    for (const fn of listeners[name] || []) {
      try {
        fn(data);
      } catch (e) {
        console.error(e);
      }
    }
  }

  function post(m: ToFrame): void {
    if (frame && hello && frame.contentWindow) frame.contentWindow.postMessage(m, origin);
  }

  function page(): Page {
    return { url: location.href, title: blinking ? baseTitle : document.title, referrer: document.referrer };
  }

  function label(): void {
    let text = isOpen ? L.close : L.open;
    if (unread > 0 && !isOpen) text += ". " + plural(L.unread, unread);
    button.setAttribute("aria-label", text);
    button.setAttribute("aria-expanded", String(isOpen));
    badge.textContent = unread > 9 ? "9+" : String(unread);
    badge.hidden = unread === 0 || isOpen;
    if (frame) frame.title = L.frameTitle;
  }

  function applyLocale(): void {
    locale = chooseLocale(fixedLocale, document.documentElement.lang, navigator.languages || [navigator.language], look.language);
    L = catalogues[locale] || en;
    label();
    post({ parley: "locale", locale });
  }

  // The page title blinks while the chat is closed and something unread waits.
  let blinking = 0;
  let baseTitle = "";
  let alt = false;
  function blink(): void {
    const want = unread > 0 && !isOpen;
    if (want && !blinking) {
      baseTitle = document.title;
      blinking = window.setInterval(() => {
        const altTitle = "(" + unread + ") " + L.newMessage;
        if (document.title !== altTitle && document.title !== baseTitle) baseTitle = document.title; // the page changed its title
        alt = !alt;
        document.title = alt ? altTitle : baseTitle;
      }, 1500);
    } else if (!want && blinking) {
      clearInterval(blinking);
      blinking = 0;
      if (alt) document.title = baseTitle;
      alt = false;
    }
  }

  // The playbook's look (colours, icon, side, language), told by the frame and remembered for the
  // next page, so the launcher shows it before the frame loads. data-position on the tag wins.
  function applyLook(l: Look): void {
    look = l || {};
    wrap.style.setProperty("--parley-accent", look.accent || null);
    wrap.style.setProperty("--parley-on-accent", look.on || null);
    wrap.classList.toggle("left", (script!.getAttribute("data-position") || look.side) === "left");
    glyph.firstElementChild!.setAttribute("d", icons[look.icon || ""] || icons.chat);
  }

  function showTeaser(t: Teaser): void {
    const box = document.createElement("div");
    box.className = "t";
    box.setAttribute("role", "status");
    const say = document.createElement("button");
    say.type = "button";
    say.className = "tb";
    say.textContent = t.text;
    say.onclick = () => open(true);
    const x = document.createElement("button");
    x.type = "button";
    x.className = "tx";
    x.textContent = "×";
    x.setAttribute("aria-label", L.dismiss);
    x.onclick = () => {
      set(session, kTeaser, "1");
      box.remove();
    };
    box.append(say, x);
    wrap.appendChild(box);
  }

  function disable(reason: string): void {
    if (disabled) return;
    disabled = true;
    console.warn("Parley: the chat is not shown on this page (" + reason + ")");
    isOpen = false;
    unread = 0;
    blink();
    set(local, kActive, null);
    set(session, kOpen, null);
    host.remove();
  }

  function ensureFrame(): void {
    if (frame || disabled) return;
    const f = document.createElement("iframe");
    f.className = "f";
    f.title = L.frameTitle;
    // The frame learns which origin embeds it from the fragment; it checks that against the
    // website's allowed domains, and the server's frame-ancestors makes the browser check it too.
    f.src = origin + "/widget/v1/" + encodeURIComponent(key!) + "/frame#" + encodeURIComponent(location.origin);
    f.addEventListener("load", () => {
      // A frame refused by frame-ancestors loads an error page and never says hello.
      if (!hello) helloTimer = window.setTimeout(() => hello || disable("the website's allowed domains do not include " + location.hostname), 3000);
    });
    frame = f;
    wrap.insertBefore(f, button);
  }

  function open(focus: boolean): void {
    if (isOpen || disabled) return;
    isOpen = true;
    const t = wrap.querySelector(".t");
    if (t) t.remove(); // the greeting is in the chat now
    ensureFrame();
    wrap.classList.add("o");
    set(session, kOpen, "1");
    label();
    blink();
    if (focus && frame) frame.focus();
    focusOnHello = focus;
    post({ parley: "open", focus, full: phone.matches });
    emit("open");
  }

  function close(refocus: boolean): void {
    if (!isOpen) return;
    isOpen = false;
    wrap.classList.remove("o");
    set(session, kOpen, null);
    label();
    blink();
    post({ parley: "close" });
    if (refocus) button.focus();
    emit("close");
  }

  button.addEventListener("click", () => (isOpen ? close(true) : open(true)));

  function tellLive(): void {
    if (live && live.contentWindow) live.contentWindow.postMessage({ parley: "page", page: page() }, origin);
  }

  addEventListener("message", (e: MessageEvent) => {
    if (live && e.source === live.contentWindow && e.origin === origin) {
      const m = bridgeMessage<ToHost>(e.data);
      if (m && m.parley === "live") tellLive();
      if (m && m.parley === "invite") open(false); // an agent wrote to this visitor
      return;
    }
    if (!frame || e.source !== frame.contentWindow || e.origin !== origin) return;
    const m = bridgeMessage<ToHost>(e.data);
    if (!m) return;
    switch (m.parley) {
      case "hello": {
        hello = true;
        clearTimeout(helloTimer);
        const reset = get(local, kReset) === "1";
        post({ parley: "init", open: isOpen, focus: isOpen && focusOnHello, full: phone.matches, locale, page: page(), identity, reset });
        if (reset) set(local, kReset, null);
        break;
      }
      case "unread":
        unread = m.n;
        label();
        blink();
        break;
      case "active":
        set(local, kActive, m.on ? "1" : null);
        break;
      case "close":
        close(true);
        break;
      case "message":
        emit("message", { from: m.from, name: m.name, text: m.text });
        break;
      case "disable":
        disable(m.reason);
        break;
      case "look":
        set(local, kLook, JSON.stringify(m.look));
        applyLook(m.look);
        applyLocale();
        break;
    }
  });

  // Page views: the first comes with the session; then every navigation, single-page ones too.
  let lastURL = location.href;
  let navTimer = 0;
  function navigated(): void {
    clearTimeout(navTimer);
    // Let the app set its new title first.
    navTimer = window.setTimeout(() => {
      if (location.href === lastURL) return;
      lastURL = location.href;
      post({ parley: "page", page: page() });
      tellLive();
    }, 300);
  }
  for (const name of ["pushState", "replaceState"] as const) {
    const orig = history[name];
    history[name] = function (this: History, ...args: Parameters<History["pushState"]>) {
      const r = orig.apply(this, args);
      navigated();
      return r;
    };
  }
  addEventListener("popstate", navigated);
  addEventListener("hashchange", navigated);

  // The page may change its language later (single-page apps): follow <html lang>.
  new MutationObserver(() => fixedLocale || applyLocale()).observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });

  const api = {
    version: 1,
    open(): void {
      const ua = (navigator as Navigator & { userActivation?: { isActive: boolean } }).userActivation;
      open(!!ua && ua.isActive);
    },
    close(): void {
      close(false);
    },
    setLocale(l: string): void {
      fixedLocale = String(l || "");
      applyLocale();
    },
    identify(i: Identity): void {
      if (!i || !i.id || !i.hash) {
        console.warn("Parley.identify needs at least {id, hash}");
        return;
      }
      identity = { id: String(i.id), name: i.name, email: i.email, hash: String(i.hash), attributes: i.attributes };
      post({ parley: "identify", identity });
    },
    reset(): void {
      close(false);
      identity = undefined;
      unread = 0;
      set(local, kActive, null);
      if (frame && hello) post({ parley: "reset" });
      else set(local, kReset, "1");
      label();
      blink();
    },
    on(name: string, fn: Listener): void {
      (listeners[name] = listeners[name] || []).push(fn);
      if (name === "ready" && ready) setTimeout(() => fn());
    },
    off(name: string, fn: Listener): void {
      listeners[name] = (listeners[name] || []).filter((f) => f !== fn);
    },
  };

  // Calls queued before the script loaded: window.Parley = [["identify", {...}], ...].
  const queued = Array.isArray(w.Parley) ? (w.Parley as unknown[][]) : [];
  w.Parley = api;

  try {
    applyLook(JSON.parse(get(local, kLook) || "{}"));
  } catch {
    applyLook({});
  }
  applyLocale();
  (document.body || document.documentElement).appendChild(host);
  // The launcher shows once Parley says this page's domain is among the website's allowed ones. A
  // script element, not fetch: pages that allow Parley's script allow this one (connect-src may
  // not), and its error event is the refusal.
  const check = document.createElement("script");
  check.src = origin + "/widget/v1/" + encodeURIComponent(key) + "/allowed.js?host=" + encodeURIComponent(location.host) + "&url=" + encodeURIComponent(location.href);
  let teaser: Teaser | null = null;
  check.addEventListener("parley", (e) => (teaser = ((e as CustomEvent).detail || {}).playbook || null));
  check.onload = () => {
    hs.setProperty("visibility", "visible", "important");
    const l = (live = document.createElement("iframe"));
    l.src = origin + "/widget/v1/" + encodeURIComponent(key) + "/live#" + encodeURIComponent(location.origin);
    l.title = "";
    l.tabIndex = -1;
    l.setAttribute("aria-hidden", "true");
    l.style.display = "none";
    root.appendChild(l);
    // The page's playbook greets after its delay, next to the launcher, unless this visitor is
    // already chatting or closed the greeting in this session. Nothing is stored until they open it.
    const t = teaser;
    // This page's playbook speaks its language from the first paint, before the frame says so.
    if (t && t.language && t.language !== look.language) {
      look.language = t.language;
      applyLocale();
    }
    if (t && t.text && get(local, kActive) !== "1" && get(session, kTeaser) !== "1") {
      setTimeout(() => isOpen || disabled || showTeaser(t), Math.max(0, t.delay_seconds || 0) * 1000);
    }
  };
  check.onerror = () => disable("the website's allowed domains do not include " + location.hostname);
  document.head.appendChild(check);
  for (const [name, ...args] of queued) {
    const fn = (api as unknown as Record<string, (...a: unknown[]) => void>)[String(name)];
    if (typeof fn === "function") fn(...args);
  }
  if (get(session, kOpen) === "1") open(false);
  else if (get(local, kActive) === "1") ensureFrame(); // an open conversation: connect now, for the unread count
  ready = true;
  emit("ready");
}

main();
