// Pure helpers of the admin screens: the embed snippet, allowed-domain lists, generated passwords,
// the markdown toolbar's edits. No DOM, so the unit tests run them in node.

/** snippet is the one script tag a website puts on its pages. */
export function snippet(origin: string, websiteKey: string): string {
  const o = origin.replace(/\/+$/, "");
  return `<script src="${o}/widget.js" data-website-key="${websiteKey}" async></script>`;
}

/**
 * parseDomains reads allowed domains as an admin types them: one per line or separated by commas
 * or spaces; a pasted URL keeps only its host ("https://shop.example/x" → "shop.example"). Empty
 * entries and repeats go; the server checks and lower-cases the rest.
 */
export function parseDomains(text: string): string[] {
  const out: string[] = [];
  for (let d of text.split(/[\s,;]+/)) {
    d = d.trim().toLowerCase();
    if (!d) continue;
    d = d.replace(/^[a-z][a-z0-9+.-]*:\/\//, "");
    d = d.replace(/[/?#].*$/, "");
    if (d && !out.includes(d)) out.push(d);
  }
  return out;
}

export type Format = "bold" | "italic" | "link" | "list";

/** An edit of a text field: the new value and the selection to put back. */
export interface Edit {
  value: string;
  start: number;
  end: number;
}

/**
 * format applies a markdown toolbar button to the selection [start, end) of value: bold and italic
 * wrap it (or a placeholder word, selected, when nothing is selected); link makes [text](https://)
 * with the URL selected; list puts "- " before every selected line (or removes it when all have it).
 */
export function format(value: string, start: number, end: number, kind: Format, placeholder = "text"): Edit {
  const sel = value.slice(start, end);
  const before = value.slice(0, start);
  const after = value.slice(end);
  switch (kind) {
    case "bold":
    case "italic": {
      const mark = kind === "bold" ? "**" : "_";
      // Pressing it again on a wrapped selection unwraps it.
      if (before.endsWith(mark) && after.startsWith(mark) && sel) {
        const v = before.slice(0, -mark.length) + sel + after.slice(mark.length);
        return { value: v, start: start - mark.length, end: end - mark.length };
      }
      const text = sel || placeholder;
      return { value: before + mark + text + mark + after, start: start + mark.length, end: start + mark.length + text.length };
    }
    case "link": {
      const text = sel || placeholder;
      const url = "https://";
      const v = before + "[" + text + "](" + url + ")" + after;
      const urlStart = start + 1 + text.length + 2;
      return { value: v, start: urlStart, end: urlStart + url.length };
    }
    case "list": {
      const lineStart = value.lastIndexOf("\n", start - 1) + 1;
      let lineEnd = value.indexOf("\n", Math.max(end - (end > start && value[end - 1] === "\n" ? 1 : 0), start));
      if (lineEnd < 0) lineEnd = value.length;
      const lines = value.slice(lineStart, lineEnd).split("\n");
      const all = lines.every((l) => /^\s*[-*] /.test(l) || l.trim() === "");
      const next = lines.map((l) => (all ? l.replace(/^(\s*)[-*] /, "$1") : l.trim() === "" && lines.length > 1 ? l : "- " + l)).join("\n");
      const v = value.slice(0, lineStart) + next + value.slice(lineEnd);
      return { value: v, start: lineStart, end: lineStart + next.length };
    }
  }
}

/** Seconds as a short "2 min" / "45 s" / "1 h 5 min" for cards and badges. */
export function duration(seconds: number, units: { s: string; min: string; h: string }): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} ${units.s}`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const parts: string[] = [];
  if (h) parts.push(`${h} ${units.h}`);
  if (m) parts.push(`${m} ${units.min}`);
  if (rest && !h) parts.push(`${rest} ${units.s}`);
  return parts.join(" ");
}

/** download names a playbook export file: its name in lower case with dashes, e.g. "chat-with-your-leads.json". */
export function exportFileName(name: string): string {
  const base = name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return (base || "playbook") + ".playbook.json";
}

function channel(hex: string, i: number): number {
  const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
  return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}

/** contrast is the WCAG contrast ratio (1 to 21) of two #rrggbb colours; 0 when one is malformed. */
export function contrast(a: string, b: string): number {
  if (!/^#[0-9a-f]{6}$/i.test(a) || !/^#[0-9a-f]{6}$/i.test(b)) return 0;
  const lum = (h: string) => 0.2126 * channel(h, 0) + 0.7152 * channel(h, 1) + 0.0722 * channel(h, 2);
  const x = lum(a);
  const y = lum(b);
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

/** initials of a name, for an avatar without a picture: "Demo Owner" → "DO". */
export function initials(name: string): string {
  // The widget's rule (web/widget/src/frame/app.tsx), so the editor's preview shows the bot's
  // avatar as visitors will: the first letters of the first and last word, one letter for one word.
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const s = (parts[0] || "?").charAt(0) + (parts.length > 1 ? parts[parts.length - 1].charAt(0) : "");
  return s.toUpperCase();
}

/** device names a session's browser and system from its user agent, briefly. */
export function device(ua: string): string {
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /OPR\//.test(ua)
      ? "Opera"
      : /Firefox\//.test(ua)
        ? "Firefox"
        : /Chrome\//.test(ua) || /Chromium\//.test(ua)
          ? "Chrome"
          : /Safari\//.test(ua)
            ? "Safari"
            : /curl\//.test(ua)
              ? "curl"
              : "";
  const os = /Android/.test(ua)
    ? "Android"
    : /iPhone|iPad|iOS/.test(ua)
      ? "iOS"
      : /Windows/.test(ua)
        ? "Windows"
        : /Mac OS X|Macintosh/.test(ua)
          ? "macOS"
          : /Linux|X11/.test(ua)
            ? "Linux"
            : "";
  return [browser, os].filter(Boolean).join(" · ");
}
