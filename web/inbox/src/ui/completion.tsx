// Completion in the composer: a word typed after a trigger ("/" for saved replies, ":" for emoji
// shortcodes) opens a list of suggestions above the text field. Up and down choose, Enter or Tab
// inserts, Escape closes it; the text field keeps the focus throughout (aria-activedescendant).
// The text field is anything that can say what stands before the caret and replace its end (a
// Field): the composer's formatted editor reads its caret's line (lib/caret.ts).
import type { JSX } from "preact";
import { useRef, useState } from "preact/hooks";
import { t } from "../i18n";
import { useId } from "./common";
import "./completion.css";

export interface Suggestion {
  key: string;
  label: string;
  detail?: string;
  /** a character shown before the label (an emoji) */
  glyph?: string;
  tag?: string;
}

/** What a picked suggestion puts into the composer in place of the trigger and the word. */
export interface Insert {
  text: string;
  file?: File;
}

/** The text field completion works on. */
export interface Field {
  /** the text before the caret on its line; null when there is a selection or no caret in the field */
  textBeforeCaret(): string | null;
  /** replaceBeforeCaret puts ins in place of the n characters before the caret (0: at the caret). */
  replaceBeforeCaret(n: number, ins: Insert): void;
}

export interface Source {
  id: string;
  /** the list's accessible name */
  label: string;
  /** match finds this source's trigger and word just before the caret (before: the text up to it). */
  match(before: string): { start: number; query: string } | null;
  list(query: string): Promise<Suggestion[]>;
  pick(s: Suggestion): Promise<Insert | null>;
  empty(query: string): string;
  footer?: { href: string; text: string };
}

interface Open {
  source: Source;
  start: number;
  query: string;
  items: Suggestion[];
  active: number;
  loaded: boolean;
}

/** triggerAt matches a trigger character at the start of a word, followed by the word typed so far. */
export function triggerAt(before: string, trigger: string, word: RegExp, maxLen: number): { start: number; query: string } | null {
  const i = before.lastIndexOf(trigger);
  if (i < 0 || (i > 0 && !/\s/.test(before.charAt(i - 1)))) return null;
  const query = before.slice(i + trigger.length);
  if (query.length > maxLen || !word.test(query)) return null;
  return { start: i, query };
}

export interface Completion {
  /** check looks at the text before the caret and opens, updates or closes the list. */
  check(): void;
  /** onKey handles the list's keys; true when the key was the list's. */
  onKey(e: KeyboardEvent): boolean;
  close(): void;
  /** the text field's ARIA attributes */
  aria: Record<string, string | undefined>;
  popup: JSX.Element | null;
}

/** useCompletion completes in field (the one of the latest render) from sources. */
export function useCompletion(field: Field, sources: Source[]): Completion {
  const [open, setOpen] = useState<Open | null>(null);
  const current = useRef<Open | null>(null);
  current.current = open;
  const dismissed = useRef("");
  const seq = useRef(0);
  const listId = useId("cpl");

  const close = () => {
    seq.current++;
    setOpen(null);
  };

  const check = () => {
    const before = field.textBeforeCaret();
    if (before === null) return close();
    for (const source of sources) {
      const m = source.match(before);
      if (!m) continue;
      const key = source.id + ":" + m.start;
      if (dismissed.current === key) return close();
      dismissed.current = "";
      const prev = current.current;
      if (prev && prev.source === source && prev.start === m.start && prev.query === m.query) return;
      const n = ++seq.current;
      setOpen({ source, start: m.start, query: m.query, items: prev && prev.source === source ? prev.items : [], active: 0, loaded: false });
      source.list(m.query).then(
        (items) => n === seq.current && setOpen({ source, start: m.start, query: m.query, items, active: 0, loaded: true }),
        () => n === seq.current && setOpen({ source, start: m.start, query: m.query, items: [], active: 0, loaded: true }),
      );
      return;
    }
    dismissed.current = "";
    if (current.current) close();
  };

  const pick = (i: number) => {
    const o = current.current;
    const f = field;
    if (!o || !o.items[i]) return;
    const s = o.items[i];
    close();
    void o.source.pick(s).then((ins) => {
      if (!ins) return;
      // The trigger and word typed may have changed meanwhile: then the text goes in at the caret.
      const before = f.textBeforeCaret();
      const typed = before === null ? null : o.source.match(before);
      f.replaceBeforeCaret(before !== null && typed && typed.start === o.start ? before.length - o.start : 0, ins);
    });
  };

  const onKey = (e: KeyboardEvent): boolean => {
    const o = current.current;
    if (!o || e.isComposing) return false;
    switch (e.key) {
      case "Escape":
        dismissed.current = o.source.id + ":" + o.start;
        close();
        e.preventDefault();
        e.stopPropagation();
        return true;
      case "ArrowDown":
      case "ArrowUp": {
        if (!o.items.length) return false;
        const step = e.key === "ArrowDown" ? 1 : -1;
        setOpen({ ...o, active: (o.active + step + o.items.length) % o.items.length });
        e.preventDefault();
        return true;
      }
      case "Enter":
      case "Tab":
        if (!o.items.length || e.shiftKey || e.ctrlKey || e.metaKey) return false;
        e.preventDefault();
        pick(o.active);
        return true;
    }
    return false;
  };

  const optionId = (i: number) => listId + "-" + i;
  const popup = open ? (
    <div class="cpl" data-source={open.source.id}>
      <p class="sr" role="status" aria-live="polite">
        {open.loaded && open.items.length ? t("replies.suggestCount", { n: open.items.length }) : ""}
      </p>
      {open.items.length > 0 ? (
        <ul id={listId} class="cpl-list" role="listbox" aria-label={open.source.label}>
          {open.items.map((s, i) => (
            <li
              key={s.key}
              id={optionId(i)}
              role="option"
              class="cpl-item"
              aria-selected={i === open.active ? "true" : "false"}
              data-key={s.key}
              onMouseDown={(e) => e.preventDefault()} // the text field keeps the focus
              onClick={() => pick(i)}
            >
              {s.glyph && (
                <span class="cpl-glyph" aria-hidden="true">
                  {s.glyph}
                </span>
              )}
              <span class="cpl-label">{s.label}</span>
              {s.tag && <span class="cpl-tag">{s.tag}</span>}
              {s.detail && <span class="cpl-detail">{s.detail}</span>}
            </li>
          ))}
        </ul>
      ) : (
        open.loaded && <p class="cpl-empty">{open.source.empty(open.query)}</p>
      )}
      {open.source.footer && (
        <a class="cpl-foot" href={open.source.footer.href} onMouseDown={(e) => e.preventDefault()}>
          {open.source.footer.text}
        </a>
      )}
    </div>
  ) : null;

  return {
    check,
    onKey,
    close,
    popup,
    aria: {
      "aria-controls": open && open.items.length ? listId : undefined,
      "aria-activedescendant": open && open.items.length ? optionId(open.active) : undefined,
      "aria-autocomplete": "list",
    },
  };
}
