// Keyboard shortcuts: single keys and "g" followed by a folder letter. Pure: the app feeds it key
// presses (outside text fields) and runs the command it names.

export type Command =
  | "next"
  | "prev"
  | "reply"
  | "note"
  | "assign"
  | "resolve"
  | "help"
  | "escape"
  | "search"
  | "folder:unassigned"
  | "folder:mine"
  | "folder:others"
  | "folder:open"
  | "folder:closed";

const single: Record<string, Command> = { j: "next", k: "prev", r: "reply", n: "note", a: "assign", e: "resolve", "?": "help", Escape: "escape", "/": "search" };
const afterG: Record<string, Command> = { u: "folder:unassigned", m: "folder:mine", o: "folder:others", a: "folder:open", c: "folder:closed" };

/** The shortcuts as the help overlay lists them (keys, and the catalogue key of what they do). */
export const shortcutList: { keys: string[]; what: string }[] = [
  { keys: ["j"], what: "keys.next" },
  { keys: ["k"], what: "keys.prev" },
  { keys: ["r"], what: "keys.reply" },
  { keys: ["n"], what: "keys.note" },
  { keys: ["a"], what: "keys.assign" },
  { keys: ["e"], what: "keys.resolve" },
  { keys: ["g", "u"], what: "keys.unassigned" },
  { keys: ["g", "m"], what: "keys.mine" },
  { keys: ["g", "o"], what: "keys.others" },
  { keys: ["g", "a"], what: "keys.open" },
  { keys: ["g", "c"], what: "keys.closed" },
  { keys: ["/"], what: "keys.search" },
  { keys: ["?"], what: "keys.help" },
  { keys: ["Esc"], what: "keys.escape" },
];

/** A Chord remembers a pending "g" for a second and a half. */
export class Chord {
  private g = 0;

  /** press returns the command for key at time now (ms), or null. */
  press(key: string, now: number): Command | null {
    if (this.g && now - this.g < 1500) {
      this.g = 0;
      return afterG[key] || null;
    }
    this.g = 0;
    if (key === "g") {
      this.g = now;
      return null;
    }
    return single[key] || null;
  }
}
