// How the widget looks, as configured on the playbook (docs/widget-protocol.md 2: the session
// answer's `playbook.appearance`). Everything is optional and checked here, since it ends up in CSS
// and in the host page: unknown or malformed values are dropped and the default theme stays.

import { supported } from "./locale";

export interface Appearance {
  /** the accent: header, launcher, the visitor's bubbles, buttons (#rgb or #rrggbb) */
  color?: string;
  /** text and icons on the accent; replaced when it would not be readable on it */
  text_color?: string;
  /** the launcher's icon: one of icons */
  icon?: string;
  bot_name?: string;
  /** the bot's picture: a path on Parley ("/…") or an https URL */
  avatar?: string;
  side?: "left" | "right";
  /** the playbook's language; a supported one only */
  language?: string;
}

const hexRe = /^#(?:[0-9a-f]{3}){1,2}$/i;

/** The launcher icons the loader draws (internal/playbook Icons). */
export const icons = ["chat", "help", "wave"];

function str(v: unknown): string {
  return typeof v === "string" ? v.trim() : "";
}

/** picture accepts a path on Parley ("/…", not "//…") or an https URL, with nothing odd in it. */
function picture(v: unknown): string {
  const s = str(v);
  return /^(\/(?![/\\])|https:\/\/)/i.test(s) && !/[\s"'()<>\\]/.test(s) ? s : "";
}

/**
 * appearanceOf finds the appearance in a session answer (`playbook`: {appearance, …} or null) or
 * a frame with a top-level `appearance`; undefined when the payload says nothing about it.
 */
export function appearanceOf(d: Record<string, unknown>): unknown {
  if ("playbook" in d) {
    const p = d.playbook as { appearance?: unknown } | null;
    return p && typeof p === "object" && p.appearance ? p.appearance : null;
  }
  return d.appearance;
}

/**
 * parseAppearance reads the server's appearance object. It returns undefined when v is undefined
 * (the server said nothing: keep what is known) and {} for null or junk (the default look).
 */
export function parseAppearance(v: unknown): Appearance | undefined {
  if (v === undefined) return undefined;
  const a: Appearance = {};
  if (!v || typeof v !== "object") return a;
  const o = v as Record<string, unknown>;
  const color = str(o.color);
  if (hexRe.test(color)) a.color = color.toLowerCase();
  const text = str(o.text_color);
  if (hexRe.test(text)) a.text_color = text.toLowerCase();
  const icon = str(o.icon);
  if (icons.indexOf(icon) >= 0) a.icon = icon;
  const name = str(o.bot_name).slice(0, 100);
  if (name) a.bot_name = name;
  const avatar = picture(o.avatar);
  if (avatar) a.avatar = avatar;
  if (o.side === "left" || o.side === "right") a.side = o.side;
  const lang = supported(str(o.language));
  if (lang) a.language = lang;
  return a;
}

function rgb(hex: string): number[] {
  let h = hex.slice(1);
  if (h.length === 3) h = h.replace(/./g, "$&$&");
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16) / 255);
}

function luminance(hex: string): number {
  const [r, g, b] = rgb(hex).map((c) => (c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4)));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** contrast is the WCAG contrast ratio of two #rgb/#rrggbb colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const x = luminance(a);
  const y = luminance(b);
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

const white = "#ffffff";
const ink = "#1d2433"; // the frame's text colour (frame.css --parley-text)

/**
 * theme turns an appearance into the frame's CSS variables, keeping AA contrast: the text on the
 * accent is the configured one when it reads at 4.5:1, else white or dark, whichever reads better
 * (black for mid-tones); --parley-ink is the accent where it is drawn on white (the send icon,
 * answer buttons), or the text colour when the accent is too light for that.
 */
export function theme(a: Appearance): Record<string, string> {
  const c = a.color;
  if (!c) return {};
  let on = a.text_color || "";
  if (!on || contrast(c, on) < 4.5) on = contrast(c, white) >= contrast(c, ink) ? white : ink;
  if (contrast(c, on) < 4.5) on = "#000000"; // mid-tones: black always reads there
  return { "--parley-accent": c, "--parley-on-accent": on, "--parley-ink": contrast(c, white) >= 4.5 ? c : ink };
}
