// Pieces every screen uses: the store's context and subscriptions, a modal dialog, icons,
// avatars and the date formats (in the user's language and time zone).
import { createContext, type ComponentChildren } from "preact";
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import { lang, t } from "../i18n";
import { duration, type Units } from "../lib/time";
import type { Inbox, Topic } from "../state/inbox";
import type { Channel, User } from "../types";

export const InboxContext = createContext<Inbox | null>(null);

/** useInbox returns the store and re-renders the caller when one of the topics changes. */
export function useInbox(...topics: Topic[]): Inbox {
  const inbox = useContext(InboxContext)!;
  const [, bump] = useState(0);
  useEffect(() => {
    const offs = topics.map((tp) => inbox.on(tp, () => bump((n) => n + 1)));
    return () => offs.forEach((off) => off());
  }, [inbox, topics.join(",")]);
  return inbox;
}

let uid = 0;
/** useId gives a component an id for label and ARIA references. */
export function useId(prefix: string): string {
  const ref = useRef("");
  if (!ref.current) ref.current = prefix + "-" + ++uid;
  return ref.current;
}

// ---- dialog

interface DialogProps {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  class?: string;
  /** The element to focus first (defaults to the dialog's first field or button). */
  initial?: string;
}

/** Dialog is a modal <dialog>: focus stays inside, Escape closes it, focus returns where it was. */
export function Dialog({ title, onClose, children, class: cls, initial }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId("dlg");
  useEffect(() => {
    const d = ref.current!;
    const back = document.activeElement as HTMLElement | null;
    if (!d.open) d.showModal();
    const first = (initial && d.querySelector<HTMLElement>(initial)) || d.querySelector<HTMLElement>("input,textarea,select,button:not(.dlg-x)");
    if (first) first.focus();
    return () => {
      if (back && document.contains(back)) back.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class={"dlg " + (cls || "")}
      aria-labelledby={id}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        if (e.target === ref.current) onClose(); // the backdrop
      }}
    >
      <div class="dlg-head">
        <h2 id={id}>{title}</h2>
        <button type="button" class="icon-btn dlg-x" onClick={onClose} aria-label={t("close")}>
          <Icon name="x" />
        </button>
      </div>
      {children}
    </dialog>
  );
}

// ---- icons (inline SVG: no requests, recoloured by CSS)

const paths: Record<string, string> = {
  x: "M6 6l12 12M18 6L6 18",
  bell: "M6 16V11a6 6 0 1112 0v5l1.5 2h-15zM10 20a2 2 0 004 0",
  back: "M15 5l-7 7 7 7",
  menu: "M4 7h16M4 12h16M4 17h16",
  check: "M5 12.5l4.5 4.5L19 7",
  info: "M12 8h.01M11 11h1v6h1M12 21a9 9 0 110-18 9 9 0 010 18z",
  bold: "M7 5h6a3.5 3.5 0 010 7H7zM7 12h7a3.5 3.5 0 010 7H7z",
  italic: "M10 5h8M6 19h8M14 5l-4 14",
  link: "M10 14a4 4 0 005.7 0l3-3a4 4 0 00-5.7-5.7l-1 1M14 10a4 4 0 00-5.7 0l-3 3a4 4 0 005.7 5.7l1-1",
  list: "M9 6h11M9 12h11M9 18h11M4.5 6h.01M4.5 12h.01M4.5 18h.01",
  clip: "M20 11.5l-8 8a5 5 0 01-7-7l8.5-8.5a3.3 3.3 0 014.7 4.7l-8.5 8.5a1.7 1.7 0 01-2.4-2.4l7.8-7.8",
  send: "M4 12l16-8-6 16-2.5-6.5z",
  more: "M12 6h.01M12 12h.01M12 18h.01",
  chevron: "M7 10l5 5 5-5",
  user: "M12 12a4 4 0 100-8 4 4 0 000 8zM4 21a8 8 0 0116 0",
  panel: "M4 5h16v14H4zM15 5v14",
  keyboard: "M3 7h18v10H3zM7 11h.01M11 11h.01M15 11h.01M8 14h8",
  gear: "M12 15a3 3 0 100-6 3 3 0 000 6zM19.4 15a1.7 1.7 0 00.3 1.8l.1.1a2 2 0 11-2.8 2.8l-.1-.1a1.7 1.7 0 00-1.8-.3 1.7 1.7 0 00-1 1.5V21a2 2 0 11-4 0v-.1a1.7 1.7 0 00-1.1-1.5 1.7 1.7 0 00-1.8.3l-.1.1a2 2 0 11-2.8-2.8l.1-.1a1.7 1.7 0 00.3-1.8 1.7 1.7 0 00-1.5-1H3a2 2 0 110-4h.1a1.7 1.7 0 001.5-1.1 1.7 1.7 0 00-.3-1.8l-.1-.1a2 2 0 112.8-2.8l.1.1a1.7 1.7 0 001.8.3H9a1.7 1.7 0 001-1.5V3a2 2 0 114 0v.1a1.7 1.7 0 001 1.5 1.7 1.7 0 001.8-.3l.1-.1a2 2 0 112.8 2.8l-.1.1a1.7 1.7 0 00-.3 1.8V9a1.7 1.7 0 001.5 1H21a2 2 0 110 4h-.1a1.7 1.7 0 00-1.5 1z",
  logout: "M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10",
  inbox: "M4 13l2.5-8h11L20 13v6H4zM4 13h5l1 2h4l1-2h5",
  mail: "M3 6h18v12H3zM3 7l9 6 9-6",
  reply: "M9 7L4 12l5 5M4 12h10a6 6 0 016 6",
  smile: "M12 21a9 9 0 110-18 9 9 0 010 18zM8.5 14.5a4.5 4.5 0 007 0M9 9.5h.01M15 9.5h.01",
  chart: "M4 20V4M4 20h16M8 16v-5M12 16V8M16 16v-3M20 16V6",
  eye: "M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12zM12 15a3 3 0 100-6 3 3 0 000 6z",
  chat: "M4 5h16v11H9l-5 4z",
  users: "M9 11a3.5 3.5 0 100-7 3.5 3.5 0 000 7zM2.5 20a6.5 6.5 0 0113 0M16 4.3a3.5 3.5 0 010 6.4M18 14.5a6.5 6.5 0 013.5 5.5",
  target: "M12 21a9 9 0 110-18 9 9 0 010 18zM12 16a4 4 0 110-8 4 4 0 010 8zM12 12h.01",
  deal: "M3 7h18v12H3zM3 11h18M8 15h3",
  calendar: "M4 6h16v14H4zM4 10h16M8 3v5M16 3v5",
  board: "M4 4h4v16H4zM10 4h4v10h-4zM16 4h4v13h-4z",
  table: "M4 5h16v14H4zM4 10h16M4 15h16M10 5v14",
  download: "M12 4v11M7 10l5 5 5-5M5 20h14",
  upload: "M12 20V9M7 14l5-5 5 5M5 4h14",
  filter: "M4 5h16l-6 8v5l-4 2v-7z",
  columns: "M4 5h16v14H4zM9.5 5v14M14.5 5v14",
  merge: "M7 4v5a5 5 0 005 5h5M7 20v-6M14 11l3 3-3 3",
  search: "M10.5 17a6.5 6.5 0 110-13 6.5 6.5 0 010 13zM15.5 15.5L20 20",
  plus: "M12 5v14M5 12h14",
  trash: "M5 7h14M10 7V4h4v3M7 7l1 13h8l1-13",
  grip: "M9 6h.01M15 6h.01M9 12h.01M15 12h.01M9 18h.01M15 18h.01",
  edit: "M4 20h4L19 9l-4-4L4 16zM14 6l4 4",
  arrowLeft: "M19 12H5M11 6l-6 6 6 6",
  arrowRight: "M5 12h14M13 6l6 6-6 6",
};

export function Icon({ name, class: cls }: { name: string; class?: string }) {
  return (
    <svg class={"ic " + (cls || "")} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={paths[name] || ""} />
    </svg>
  );
}

/**
 * ChannelIcon marks a conversation's channel as docs/product.md says: website chat has none, Messenger a
 * blue Messenger icon, email a red envelope, WhatsApp its green icon.
 */
export function ChannelIcon({ channel }: { channel: Channel }) {
  if (channel === "web") return null;
  const label = t("channel." + channel);
  switch (channel) {
    case "messenger":
      return (
        <svg class="ch ch-messenger" viewBox="0 0 24 24" role="img" aria-label={label}>
          <title>{label}</title>
          <path d="M12 2C6.5 2 2 6.1 2 11.2c0 2.9 1.4 5.5 3.7 7.2V22l3.4-1.9c.9.3 1.9.4 2.9.4 5.5 0 10-4.1 10-9.2S17.5 2 12 2zm1 12.4l-2.6-2.7-5 2.7 5.5-5.8 2.6 2.7 4.9-2.7z" />
        </svg>
      );
    case "email":
      return (
        <svg class="ch ch-email" viewBox="0 0 24 24" role="img" aria-label={label}>
          <title>{label}</title>
          <path d="M3 5h18a1 1 0 011 1v12a1 1 0 01-1 1H3a1 1 0 01-1-1V6a1 1 0 011-1zm.8 2l8.2 6 8.2-6z" />
        </svg>
      );
    case "whatsapp":
      return (
        <svg class="ch ch-whatsapp" viewBox="0 0 24 24" role="img" aria-label={label}>
          <title>{label}</title>
          <path d="M12 2a10 10 0 00-8.6 15.1L2 22l5-1.3A10 10 0 1012 2zm5.4 14.1c-.2.6-1.3 1.2-1.8 1.2-.5.1-1 .2-3.3-.7-2.8-1.1-4.5-4-4.7-4.2-.1-.2-1.1-1.5-1.1-2.8s.7-2 1-2.3c.2-.3.5-.3.7-.3h.5c.2 0 .4 0 .6.5l.8 2c.1.1.1.3 0 .5l-.3.5-.4.4c-.1.1-.3.3-.1.6.2.3.8 1.3 1.7 2.1 1.1 1 2.1 1.3 2.4 1.5.3.1.5.1.6-.1l.9-1.1c.2-.3.4-.2.7-.1l1.9.9c.3.1.5.2.5.3.1.2.1.6-.1 1.1z" />
        </svg>
      );
  }
  return null;
}

// ---- avatars

function hue(seed: string): number {
  let h = 0;
  for (let i = 0; i < seed.length; i++) h = (h * 31 + seed.charCodeAt(i)) >>> 0;
  return h % 6;
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (!parts.length) return "?";
  const a = Array.from(parts[0])[0] || "";
  const b = parts.length > 1 ? Array.from(parts[parts.length - 1])[0] || "" : "";
  return (a + b).toUpperCase();
}

/** Avatar is a picture or initials; with dot set, a presence dot (green: available; empty: not). */
export function Avatar({ name, url, dot, size }: { name: string; url?: string; dot?: "on" | "off"; size?: "s" | "m" }) {
  return (
    <span class={"av av-" + (size || "m") + " av-c" + hue(name)} aria-hidden="true">
      {url ? <img src={url} alt="" /> : initials(name)}
      {dot && <span class={"dot dot-" + dot} />}
    </span>
  );
}

// ---- times and numbers

function tz(): string | undefined {
  return currentTimeZone || undefined;
}
let currentTimeZone = "";
/** setTimeZone makes dates show in the user's time zone (their profile's), not the browser's. */
export function setTimeZone(z: string | undefined): void {
  try {
    if (z) new Intl.DateTimeFormat("en", { timeZone: z });
    currentTimeZone = z || "";
  } catch {
    currentTimeZone = "";
  }
}

export function formatTime(ms: number): string {
  return new Intl.DateTimeFormat(lang(), { hour: "2-digit", minute: "2-digit", timeZone: tz() }).format(ms);
}

export function formatDay(ms: number): string {
  return new Intl.DateTimeFormat(lang(), { year: "numeric", month: "short", day: "numeric", timeZone: tz() }).format(ms);
}

export function formatDateTime(ms: number): string {
  return new Intl.DateTimeFormat(lang(), { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZone: tz() }).format(ms);
}

/** formatWhen is a list's time: the time today, the weekday this week, else the date. */
export function formatWhen(ms: number, now = Date.now()): string {
  const day = (x: number) => new Intl.DateTimeFormat("en-CA", { timeZone: tz() }).format(x);
  if (day(ms) === day(now)) return formatTime(ms);
  if (now - ms < 6 * 86400000) return new Intl.DateTimeFormat(lang(), { weekday: "short", timeZone: tz() }).format(ms);
  return new Intl.DateTimeFormat(lang(), { day: "numeric", month: "short", timeZone: tz() }).format(ms);
}

const units: Units = {
  s: (n) => t("dur.s", { n }),
  m: (n) => t("dur.m", { n }),
  h: (n, m) => (m ? t("dur.hm", { h: n, m }) : t("dur.h", { n })),
  d: (n) => t("dur.d", { n }),
};

export function formatDuration(ms: number): string {
  return duration(ms, units);
}

export function formatSize(bytes: number): string {
  const f = new Intl.NumberFormat(lang(), { maximumFractionDigits: 1 });
  if (bytes < 1024) return t("size.b", { n: f.format(bytes) });
  if (bytes < 1024 * 1024) return t("size.kb", { n: f.format(bytes / 1024) });
  return t("size.mb", { n: f.format(bytes / 1024 / 1024) });
}

/** formatMoney shows a value in minor units (cents) in its currency. */
export function formatMoney(minor: number, currency: string): string {
  try {
    const f = new Intl.NumberFormat(lang(), { style: "currency", currency });
    const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
    return f.format(minor / Math.pow(10, digits));
  } catch {
    return String(minor) + " " + currency;
  }
}

/** minorUnits reads an amount typed in major units ("12,50" or "12.50") as minor units; NaN if bad. */
export function minorUnits(typed: string, currency: string): number {
  let digits = 2;
  try {
    digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    /* unknown currency: the server says so */
  }
  const s = typed.trim().replace(/\s/g, "").replace(",", ".");
  if (!/^\d+(\.\d+)?$/.test(s)) return NaN;
  const [whole, frac = ""] = s.split(".");
  if (frac.length > digits) return NaN;
  return Number(whole) * Math.pow(10, digits) + Number((frac + "0".repeat(digits)).slice(0, digits) || "0");
}

/** countryName is a country code's name in the user's language. */
export function countryName(code: string): string {
  if (!code) return "";
  try {
    const names = new (Intl as unknown as { DisplayNames: new (l: string[], o: { type: string }) => { of(c: string): string | undefined } }).DisplayNames([lang()], { type: "region" });
    return names.of(code.toUpperCase()) || code;
  } catch {
    return code;
  }
}

/** languageName is a language tag ("de-AT") as words in the user's language ("German (Austria)"). */
export function languageName(tag: string): string {
  if (!tag) return "";
  try {
    const names = new (Intl as unknown as { DisplayNames: new (l: string[], o: { type: string }) => { of(c: string): string | undefined } }).DisplayNames([lang()], { type: "language" });
    return names.of(tag) || tag;
  } catch {
    return tag;
  }
}

/**
 * contactName is how a conversation's contact is named: the API says "Visitor" for an anonymous
 * one (no name or email yet), which the inbox says in the user's language with the contact's
 * number, so that two anonymous visitors are told apart ("Visitor 31").
 */
export function contactName(c: { contact_name?: string; contact_id?: number }): string {
  if (c.contact_name && c.contact_name !== "Visitor") return c.contact_name;
  return c.contact_id ? t("visitor.n", { n: c.contact_id }) : t("visitor");
}

/** flag is a country's flag (two regional indicator letters), from its ISO code; "" when none. */
export function flag(code: string | undefined): string {
  if (!code || !/^[a-z]{2}$/i.test(code)) return "";
  return String.fromCodePoint(...[...code.toUpperCase()].map((ch) => 0x1f1e6 + ch.charCodeAt(0) - 65));
}

/** Flag shows where a visitor is, with the country's name for screen readers and on hover. */
export function Flag({ code }: { code?: string }) {
  const f = flag(code);
  if (!f) return null;
  const name = countryName(code!);
  return (
    <span class="flag" role="img" aria-label={name} title={name}>
      {f}
    </span>
  );
}

export function userName(users: Map<number, User>, id: number | undefined): string {
  if (!id) return "";
  const u = users.get(id);
  return u ? u.name : t("someone");
}
