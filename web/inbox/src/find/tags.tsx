// Conversation tags: the editor in the details panel (agents add and remove them) and the admin
// screen (rename, colour, merge, delete).
import { useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import type { Conversation, Tag, TagInfo } from "../types";
import { Confirm, Loading, Status, useLoad, useSubmit } from "../admin/ui";
import { Icon, useId, useInbox } from "../ui/common";
import { forgetTags, useTags } from "./filters";

function chipStyle(tag: Tag) {
  return tag.color ? { borderColor: tag.color, boxShadow: `inset 4px 0 0 ${tag.color}` } : undefined;
}

export function TagEditor({ c }: { c: Conversation }) {
  const inbox = useInbox();
  const known = useTags();
  // The conversation's tags as the inbox holds them: kept current by this editor and by live frames.
  const tags = c.tags || [];
  const [name, setName] = useState("");
  const [error, setError] = useState("");
  const inputId = useId("tag");
  const listId = useId("tags");
  const may = !!(c.allowed && c.allowed.note);
  const apply = (next: Tag[]) => inbox.tagged(c.id, next);
  return (
    <section class="sect" aria-labelledby="tags-h">
      <h3 id="tags-h">{t("find.tags")}</h3>
      {tags.length === 0 && <p class="muted small">{t("find.noTags")}</p>}
      <ul class="chips">
        {tags.map((tag) => (
          <li key={tag.id} class="chip" style={chipStyle(tag)}>
            <span>{tag.name}</span>
            {may && (
              <button
                type="button"
                class="chip-x"
                aria-label={t("find.removeTag", { name: tag.name })}
                onClick={async () => {
                  try {
                    apply((await api<{ tags: Tag[] }>("DELETE", `conversations/${c.id}/tags/${tag.id}`)).tags);
                  } catch (e) {
                    setError((e as Error).message);
                  }
                }}
              >
                <Icon name="x" />
              </button>
            )}
          </li>
        ))}
      </ul>
      {may && (
        <form
          class="tag-add"
          onSubmit={async (e) => {
            e.preventDefault();
            if (!name.trim()) return;
            try {
              apply((await api<{ tags: Tag[] }>("POST", `conversations/${c.id}/tags`, { name })).tags);
              setName("");
              setError("");
              forgetTags();
            } catch (err) {
              setError((err as Error).message);
            }
          }}
        >
          <label for={inputId} class="sr">
            {t("find.addTag")}
          </label>
          <input id={inputId} list={listId} value={name} maxLength={40} placeholder={t("find.addTag")} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <datalist id={listId}>
            {known.map((k) => (
              <option key={k.id} value={k.name} />
            ))}
          </datalist>
          <button type="submit" class="btn btn-s">
            {t("find.add")}
          </button>
        </form>
      )}
      {error && (
        <p class="err small" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

/** TagsScreen is the admin screen of tags. */
export function TagsScreen() {
  const tags = useLoad(() => api<{ tags: TagInfo[] }>("GET", "tags").then((r) => r.tags));
  const list = tags.data || [];
  return (
    <div class="adm-screen">
      <h1>{t("admin.tags.title")}</h1>
      <p class="adm-lead">{t("admin.tags.lead")}</p>
      {!tags.data ? (
        <Loading error={tags.error} />
      ) : list.length === 0 ? (
        <p class="adm-muted">{t("admin.tags.none")}</p>
      ) : (
        <ul class="adm-cards">
          {list.map((tag) => (
            <TagItem key={tag.id} tag={tag} all={list} onChange={() => (forgetTags(), tags.reload())} />
          ))}
        </ul>
      )}
    </div>
  );
}

function TagItem({ tag, all, onChange }: { tag: TagInfo; all: TagInfo[]; onChange: () => void }) {
  const [name, setName] = useState(tag.name);
  const [color, setColor] = useState(tag.color || "#888888");
  const [into, setInto] = useState(0);
  const [confirm, setConfirm] = useState(false);
  const s = useSubmit();
  const nameId = useId("tn");
  const colorId = useId("tc");
  const intoId = useId("ti");
  const headingId = `adm-tag-${tag.id}`;
  return (
    <li class="adm-panel" data-tag={tag.name}>
      <form
        aria-labelledby={headingId}
        onSubmit={async (e) => {
          e.preventDefault();
          await s.run(async () => {
            await api("PATCH", `tags/${tag.id}`, { name, color });
            onChange();
          }, t("admin.saved"));
        }}
      >
        <h2 id={headingId}>
          {tag.name} <span class="adm-muted small">{t("admin.tags.used", { n: tag.conversations })}</span>
        </h2>
        <div class="adm-row">
          <label for={nameId}>{t("admin.tags.name")}</label>
          <input id={nameId} value={name} required maxLength={40} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <label for={colorId}>{t("admin.tags.color")}</label>
          <input id={colorId} type="color" value={color} onInput={(e) => setColor((e.target as HTMLInputElement).value)} />
        </div>
        <Status s={s} />
        <div class="adm-actions">
          <label for={intoId}>{t("admin.tags.mergeInto")}</label>
          <select id={intoId} value={String(into)} onChange={(e) => setInto(Number((e.target as HTMLSelectElement).value))}>
            <option value="0">—</option>
            {all
              .filter((x) => x.id !== tag.id)
              .map((x) => (
                <option key={x.id} value={String(x.id)}>
                  {x.name}
                </option>
              ))}
          </select>
          <button
            type="button"
            class="adm-btn"
            disabled={!into || s.busy}
            onClick={() =>
              s.run(async () => {
                await api("POST", `tags/${tag.id}/merge`, { into });
                onChange();
              }, t("admin.tags.merged"))
            }
          >
            {t("admin.tags.merge")}
          </button>
          <button type="button" class="adm-btn adm-danger-outline" onClick={() => setConfirm(true)}>
            {t("admin.tags.delete")}
          </button>
          <button type="submit" class="adm-btn adm-primary" disabled={s.busy}>
            {t("admin.save")}
          </button>
        </div>
      </form>
      {confirm && (
        <Confirm
          title={t("admin.tags.deleteTitle", { name: tag.name })}
          text={t("admin.tags.deleteText")}
          action={t("admin.tags.delete")}
          danger
          onClose={() => setConfirm(false)}
          onConfirm={async () => {
            await api("DELETE", `tags/${tag.id}`);
            onChange();
          }}
        />
      )}
    </li>
  );
}
