// Where a card's controls sit in the log, for the frame's view (app.tsx) and the forms chunk
// (forms.tsx) alike: the ids their labels and messages point at, and scrolling one into sight.
import type { Card } from "../lib/protocol";

/** sid makes a card id safe for id and aria-describedby attributes. */
export function sid(c: Card): string {
  return c.id.replace(/[^\w-]/g, "_");
}

/** reveal scrolls the log (only the log, never the host page) until el is in sight. */
export function reveal(el: HTMLElement | null): void {
  const log = el && (el.closest(".log") as HTMLElement | null);
  if (!el || !log) return;
  const a = el.getBoundingClientRect();
  const b = log.getBoundingClientRect();
  if (a.bottom > b.bottom) log.scrollTop += a.bottom - b.bottom + 8;
  else if (a.top < b.top) log.scrollTop -= b.top - a.top + 8;
}
