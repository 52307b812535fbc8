// The composer's "/" list: saved replies searched as the agent types, filled in for the
// conversation when one is picked (with its file, sent as a new upload with the message).
import { t } from "../i18n";
import { errText } from "../state/inbox";
import { triggerAt, type Source } from "../ui/completion";
import { attachmentFile, fill, rank, savedReplies } from "./store";

const shown = 8;

function firstLine(s: string): string {
  const line = s.split("\n").find((l) => l.trim()) || "";
  return line.length > 90 ? line.slice(0, 89) + "…" : line;
}

/** replySource completes "/word" with saved replies; note tells the agent what was left empty. */
export function replySource(conversationId: () => number, note: (text: string, error: boolean) => void): Source {
  return {
    id: "reply",
    label: t("replies.suggest"),
    match: (before) => triggerAt(before, "/", /^[^\s/]*$/, 40),
    list: async (q) =>
      rank(await savedReplies(), q)
        .slice(0, shown)
        .map((r) => ({
          key: String(r.id),
          label: "/" + r.shortcut,
          tag: r.scope === "shared" ? t("replies.sharedTag") : undefined,
          detail: r.title + " · " + firstLine(r.body),
        })),
    pick: async (s) => {
      try {
        const f = await fill(Number(s.key), conversationId());
        if (f.missing && f.missing.length) note(t("replies.missing", { names: f.missing.join(", ") }), false);
        const file = f.attachment ? await attachmentFile(Number(s.key), f.attachment) : undefined;
        return { text: f.body, file };
      } catch (e) {
        note(t("replies.failed", { error: errText(e) }), true);
        return null;
      }
    },
    empty: (q) => t("replies.suggestEmpty", { q }),
    footer: { href: "#/admin/replies", text: t("replies.manage") },
  };
}
