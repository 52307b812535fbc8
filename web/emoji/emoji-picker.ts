// The emoji picker, built into each app's lazily loaded chunk (dist/emoji.js): plain DOM, no
// framework, so the chunk stays small and the apps' main bundles do not carry it. A search field,
// the recently used emoji, then every group; arrows move between emoji, Enter picks, Escape closes
// and gives the focus back. The chunk announces its API on its own script element (see
// announcePicker), so it needs no global.

import { loadEmoji, recentEmoji, searchEmoji, usedEmoji, type EmojiRow, type EmojiTable } from "./emoji";
import { pickerText } from "./emoji-text";

export interface PickerOptions {
  /** the element the picker goes into (it places itself with CSS) */
  container: HTMLElement;
  /** where the focus returns when the picker closes */
  anchor: HTMLElement;
  /** the emoji table's URL for the language */
  data: string;
  /** the language of the picker's own words (en, de, nl, tr, hu) */
  lang: string;
  pick(emoji: string): void;
  closed?(): void;
}

export interface Picker {
  close(): void;
}

export type OpenPicker = (o: PickerOptions) => Picker;

const cols = 8;
const searchLimit = 120;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

let seq = 0;

export function openPicker(o: PickerOptions): Picker {
  const id = "emo" + ++seq;
  const text = pickerText[o.lang] || pickerText.en;
  const root = el("div", "emo");
  root.setAttribute("role", "dialog");
  root.setAttribute("aria-label", text.label);
  const q = el("input", "emo-q");
  q.type = "search";
  q.placeholder = text.search;
  q.setAttribute("aria-label", text.search);
  q.setAttribute("aria-controls", id);
  q.autocomplete = "off";
  q.spellcheck = false;
  const body = el("div", "emo-body");
  body.id = id;
  const status = el("p", "emo-status");
  status.setAttribute("role", "status");
  root.append(q, body, status);
  o.container.appendChild(root);

  let table: EmojiTable | null = null;
  let open = true;

  const close = (refocus: boolean) => {
    if (!open) return;
    open = false;
    root.remove();
    document.removeEventListener("pointerdown", outside, true);
    if (refocus) o.anchor.focus();
    if (o.closed) o.closed();
  };
  const outside = (e: Event) => {
    const t = e.target as Node;
    if (!root.contains(t) && !o.anchor.contains(t)) close(false);
  };
  document.addEventListener("pointerdown", outside, true);

  const buttons = () => Array.from(body.querySelectorAll<HTMLButtonElement>("button.emo-e"));

  const button = (e: EmojiRow | string): HTMLButtonElement => {
    const b = el("button", "emo-e");
    b.type = "button";
    b.tabIndex = -1;
    const ch = typeof e === "string" ? e : e[0];
    b.textContent = ch;
    const name = typeof e === "string" ? nameOf(e) : e[1];
    b.setAttribute("aria-label", name);
    b.title = typeof e === "string" || !e[2] ? name : name + "  :" + e[2] + ":";
    b.addEventListener("click", () => {
      usedEmoji(ch);
      o.pick(ch);
      close(true);
    });
    return b;
  };

  const nameOf = (ch: string): string => {
    if (table) for (const e of table.emoji) if (e[0] === ch) return e[1];
    return ch;
  };

  const group = (title: string, list: (EmojiRow | string)[]) => {
    const h = el("h3", "emo-h", title);
    h.id = id + "-" + body.childElementCount;
    const g = el("div", "emo-g");
    g.setAttribute("role", "group");
    g.setAttribute("aria-labelledby", h.id);
    for (const e of list) g.appendChild(button(e));
    body.append(h, g);
  };

  const draw = () => {
    body.textContent = "";
    if (!table) {
      status.textContent = text.loading;
      return;
    }
    const t = table;
    const query = q.value.trim();
    if (query) {
      const found = searchEmoji(t, query, searchLimit);
      if (found.length) group(text.results.replace("{n}", String(found.length)), found);
      else body.appendChild(el("p", "emo-none", text.none));
      status.textContent = found.length ? text.results.replace("{n}", String(found.length)) : text.none;
    } else {
      const recent = recentEmoji();
      if (recent.length) group(text.recent, recent);
      const by: EmojiRow[][] = t.groups.map(() => []);
      for (const e of t.emoji) if (by[e[4]]) by[e[4]].push(e);
      t.groups.forEach((name, i) => group(name, by[i]));
      status.textContent = "";
    }
    const first = buttons()[0];
    if (first) first.tabIndex = 0;
  };

  const focusAt = (i: number) => {
    const all = buttons();
    if (!all.length) return;
    const n = Math.max(0, Math.min(all.length - 1, i));
    for (const b of all) b.tabIndex = -1;
    all[n].tabIndex = 0;
    all[n].focus();
    all[n].scrollIntoView({ block: "nearest" });
  };

  root.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close(true);
      return;
    }
    const all = buttons();
    if (e.target === q) {
      if (e.key === "ArrowDown" || (e.key === "Enter" && all.length)) {
        e.preventDefault();
        if (e.key === "Enter") all[0].click();
        else focusAt(0);
      }
      return;
    }
    const i = all.indexOf(e.target as HTMLButtonElement);
    if (i < 0) return;
    if (e.key === "Enter") {
      // Picked on keydown (a keyboard's later keypress would click the button again).
      e.preventDefault();
      all[i].click();
      return;
    }
    const step: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -cols, ArrowDown: cols, Home: -i, End: all.length - 1 - i };
    if (!(e.key in step)) return;
    e.preventDefault();
    if (e.key === "ArrowUp" && i < cols) q.focus();
    else focusAt(i + step[e.key]);
  });
  q.addEventListener("input", draw);

  draw();
  // On a touch screen the search field would raise the keyboard over the emoji: the dialog takes
  // the focus instead, and a tap on the field searches.
  root.tabIndex = -1;
  if (matchMedia("(pointer: coarse)").matches) root.focus();
  else q.focus();
  loadEmoji(o.data).then(
    (t) => {
      table = t;
      if (open) draw();
    },
    () => {
      status.textContent = text.none;
    },
  );
  return { close: () => close(false) };
}

/** announcePicker hands the picker to the app that loaded this chunk, on the chunk's own script element. */
export function announcePicker(): void {
  const s = document.currentScript;
  if (s) s.dispatchEvent(new CustomEvent("parley-emoji", { detail: openPicker }));
}
