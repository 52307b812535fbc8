// The emoji tables both apps load when an emoji is first asked for (dist/emoji-LANG.json, made at
// build time by web/bundle from emojibase-data), and searching them. Nothing here is loaded with
// the apps' main bundles but these few functions.

/** One emoji: [the emoji, its name, its shortcode, keywords, group index]. */
export type EmojiRow = [string, string, string, string, number];

export interface EmojiTable {
  groups: string[];
  emoji: EmojiRow[];
}

const tables = new Map<string, Promise<EmojiTable>>();

/** loadEmoji fetches a table once per URL; a failed fetch may be tried again. */
export function loadEmoji(url: string): Promise<EmojiTable> {
  let p = tables.get(url);
  if (!p) {
    p = fetch(url, { credentials: "same-origin" }).then((r) => {
      if (!r.ok) throw new Error("emoji " + r.status);
      return r.json() as Promise<EmojiTable>;
    });
    p.catch(() => tables.delete(url));
    tables.set(url, p);
  }
  return p;
}

function fold(s: string): string {
  return s.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
}

/**
 * searchEmoji finds emoji whose name, shortcode or keywords hold every word of q (accents and case
 * ignored): names that start with q first, then shortcodes that do, then the rest, at most limit.
 */
export function searchEmoji(t: EmojiTable, q: string, limit: number): EmojiRow[] {
  const query = fold(q.trim().replace(/^:|:$/g, ""));
  if (!query) return [];
  const words = query.split(/[\s_]+/).filter(Boolean);
  const first: EmojiRow[] = [];
  const second: EmojiRow[] = [];
  const rest: EmojiRow[] = [];
  for (const e of t.emoji) {
    const name = fold(e[1]);
    const code = e[2];
    const hay = name + " " + code.replace(/_/g, " ") + " " + fold(e[3]);
    if (!words.every((w) => hay.includes(w))) continue;
    if (name.startsWith(query)) first.push(e);
    else if (code.startsWith(query)) second.push(e);
    else rest.push(e);
  }
  return first.concat(second, rest).slice(0, limit);
}

/** byShortcode lists emoji whose shortcode starts with prefix (":+1", ":tad"), shortest first. */
export function byShortcode(t: EmojiTable, prefix: string, limit: number): EmojiRow[] {
  const p = prefix.toLowerCase();
  const out = t.emoji.filter((e) => e[2] && e[2].startsWith(p));
  out.sort((a, b) => a[2].length - b[2].length);
  return out.slice(0, limit);
}

const recentKey = "parley:emoji:recent";
const recentMax = 24;

/** recentEmoji is what this browser picked last, newest first. */
export function recentEmoji(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(recentKey) || "[]");
    return Array.isArray(v) ? v.filter((x) => typeof x === "string").slice(0, recentMax) : [];
  } catch {
    return [];
  }
}

/** usedEmoji puts e first among the recent ones. */
export function usedEmoji(e: string): void {
  try {
    localStorage.setItem(recentKey, JSON.stringify([e, ...recentEmoji().filter((x) => x !== e)].slice(0, recentMax)));
  } catch {
    // storage blocked: the recent ones are not remembered
  }
}
