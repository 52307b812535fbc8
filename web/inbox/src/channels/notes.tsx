// What a Messenger or WhatsApp message carries besides its text, said under it: a Page's message
// sent from elsewhere, the button or quick reply pressed, a sticker, the tag or template a reply
// went with, files that could not be kept.
import { t } from "../i18n";
import type { ChannelMeta } from "../types";

export function ChannelNotes({ meta }: { meta: ChannelMeta }) {
  const notes: string[] = [];
  if (meta.echo) notes.push(t("channels.note.echo"));
  if (meta.quick_reply) notes.push(t("channels.note.quickReply", { payload: meta.quick_reply }));
  if (meta.postback) notes.push(t("channels.note.postback", { payload: meta.postback }));
  if (meta.sticker && meta.sticker !== "like") notes.push(t("channels.note.sticker"));
  if (meta.tag) notes.push(t("channels.note.tag", { tag: meta.tag }));
  if (meta.template) notes.push(t("channels.note.template", { name: meta.template.name || meta.template.sid }));
  for (const r of meta.refused || []) notes.push(t("channels.note.refused", { what: r }));
  if (!notes.length) return null;
  return (
    <div class="channel-notes small">
      {notes.map((n) => (
        <p class="muted" key={n}>
          {n}
        </p>
      ))}
    </div>
  );
}
