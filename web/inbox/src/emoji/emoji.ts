// Emoji in the inbox's composer: the picker (the widget's chunk, loaded the first time it is opened)
// and ":shortcode" completion from the same tables. The page names their versioned URLs in the
// body's data-lazy (internal/httpapi/emojiassets.go).
import { lang, t } from "../i18n";
import { byShortcode, loadEmoji } from "../../../emoji/emoji";
import { loadPicker } from "../../../emoji/emoji-load";
import type { Picker } from "../../../emoji/emoji-picker";
import { triggerAt, type Source } from "../ui/completion";

let lazy: Record<string, string> | null = null;

function assets(): Record<string, string> {
  if (!lazy) {
    try {
      lazy = JSON.parse(document.body.getAttribute("data-lazy") || "{}");
    } catch {
      lazy = {};
    }
  }
  return lazy || {};
}

function table(): string {
  const a = assets();
  return a["emoji-" + lang() + ".json"] || a["emoji-en.json"] || "";
}

/** hasEmoji says whether this Parley serves the emoji files (a build without them shows no button). */
export function hasEmoji(): boolean {
  return !!assets()["emoji.js"];
}

/** openEmoji opens the picker in container, above the composer; pick gets the emoji chosen. */
export async function openEmoji(container: HTMLElement, anchor: HTMLElement, pick: (e: string) => void, closed: () => void): Promise<Picker> {
  const a = assets();
  const open = await loadPicker(a["emoji.js"], a["emoji.css"]);
  return open({ container, anchor, data: table(), lang: lang(), pick, closed });
}

/** emojiSource completes ":sho" with the emoji whose shortcodes start so (two letters at least). */
export function emojiSource(): Source {
  return {
    id: "emoji",
    label: t("emoji.suggest"),
    match: (before) => triggerAt(before, ":", /^[a-z0-9_+-]{2,}$/i, 30),
    list: async (q) =>
      byShortcode(await loadEmoji(table()), q, 8).map((e) => ({ key: e[0], glyph: e[0], label: ":" + e[2] + ":", detail: e[1] })),
    pick: async (s) => ({ text: s.key }),
    empty: (q) => t("emoji.none", { q }),
  };
}
