// Filters as chips above a list, the form that adds one, saving them as a view; the views under
// the folders with their live counts. A filtered list's place is #/q/<query string>, a view's
// #/v/<id>; the query string is GET /api/v1/conversations' (docs/openapi.yaml).
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import type { TagInfo, View } from "../types";
import { Icon, useId, useInbox, userName } from "../ui/common";

const fields = ["status", "channel", "assignee", "team", "tags", "rating", "page_url", "ip", "country", "has_lead", "has_deal",
  "created_from", "created_to", "closed_from", "closed_to", "last_message_from", "last_message_to"] as const;
type Field = (typeof fields)[number];

let tagCache: TagInfo[] | null = null;

/** useTags reads the tags once per page (the filter chips and the tag editor name them). */
export function useTags(): TagInfo[] {
  const [tags, setTags] = useState<TagInfo[]>(tagCache || []);
  useEffect(() => {
    api<{ tags: TagInfo[] }>("GET", "tags").then(
      (r) => {
        tagCache = r.tags || [];
        setTags(tagCache);
      },
      () => {},
    );
  }, []);
  return tags;
}

/** forgetTags makes the next useTags read them again (a tag was added or changed). */
export function forgetTags(): void {
  tagCache = null;
}

function withParam(filter: string, key: string, value: string | null): string {
  const q = new URLSearchParams(filter);
  if (value === null || value === "") q.delete(key);
  else q.set(key, value);
  return q.toString();
}

export function FilterBar({ filter, view }: { filter: string; view?: View }) {
  const inbox = useInbox("views");
  const tags = useTags();
  const [adding, setAdding] = useState(false);
  const [saving, setSaving] = useState(false);
  const params = [...new URLSearchParams(filter).entries()].filter(([k, v]) => k !== "folder" || v !== "all");
  const admin = inbox.me.role === "owner" || inbox.me.role === "admin";
  const show = (k: string, v: string): string => {
    switch (k) {
      case "assignee":
        return v === "me" ? t("find.me") : v === "none" ? t("find.none.value") : userName(inbox.users, Number(v));
      case "team": {
        if (v === "none") return t("find.none.value");
        const tm = inbox.teams.find((x) => x.id === Number(v));
        return tm ? tm.name : v;
      }
      case "tags":
        return v
          .split(",")
          .map((id) => (tags.find((x) => x.id === Number(id)) || { name: id }).name)
          .join(", ");
      case "status":
        return t("find.status." + v);
      case "channel":
        return t("channel.name." + v);
      case "folder":
        return t("folder." + v);
      case "has_lead":
      case "has_deal":
        return v === "true" ? t("find.yes") : t("find.no");
      case "rating":
        return v.split(",").map((n) => "★".repeat(Number(n) || 0) || n).join(", ");
    }
    return v;
  };
  const go = (next: string) => {
    location.hash = "#/q/" + encodeURIComponent(next);
  };
  return (
    <div class="filterbar">
      <ul class="chips" aria-label={t("find.filters")}>
        {params.map(([k, v]) => (
          <li key={k} class="chip">
            <span>
              {t("find.f." + k)}: <strong>{show(k, v)}</strong>
            </span>
            <button type="button" class="chip-x" aria-label={t("find.remove", { name: t("find.f." + k) })} onClick={() => go(withParam(filter, k, null))}>
              <Icon name="x" />
            </button>
          </li>
        ))}
        <li>
          <button type="button" class="btn btn-s" aria-expanded={adding ? "true" : "false"} onClick={() => setAdding(!adding)}>
            {t("find.addFilter")}
          </button>
        </li>
        {!view && params.length > 0 && (
          <li>
            <button type="button" class="btn btn-s" aria-expanded={saving ? "true" : "false"} onClick={() => setSaving(!saving)}>
              {t("find.save")}
            </button>
          </li>
        )}
        {view && (view.owner_id === inbox.me.id || (view.shared && admin)) && (
          <li>
            <button
              type="button"
              class="btn btn-s"
              onClick={async () => {
                await api("DELETE", "views/" + view.id);
                await inbox.loadViews();
                location.hash = "#/f/" + inbox.folder;
              }}
            >
              {t("find.deleteView")}
            </button>
          </li>
        )}
      </ul>
      {adding && (
        <AddFilter
          tags={tags}
          onAdd={(k, v) => {
            setAdding(false);
            const cur = new URLSearchParams(filter).get(k);
            go(withParam(filter, k, k === "tags" && cur ? cur + "," + v : v));
          }}
        />
      )}
      {saving && <SaveView filter={filter} admin={admin} onDone={() => setSaving(false)} />}
    </div>
  );
}

function AddFilter({ tags, onAdd }: { tags: TagInfo[]; onAdd: (k: Field, v: string) => void }) {
  const inbox = useInbox();
  const [field, setField] = useState<Field>("status");
  const [value, setValue] = useState("");
  const fieldId = useId("ff");
  const valueId = useId("fv");
  const options = (): [string, string][] | null => {
    switch (field) {
      case "status":
        return [["open", t("find.status.open")], ["closed", t("find.status.closed")]];
      case "channel":
        return ["web", "email", "messenger", "whatsapp"].map((c) => [c, t("channel.name." + c)]);
      case "assignee":
        return [["me", t("find.me")], ["none", t("find.none.value")], ...[...inbox.users.values()].map((u) => [String(u.id), u.name] as [string, string])];
      case "team":
        return [["none", t("find.none.value")], ...inbox.teams.map((x) => [String(x.id), x.name] as [string, string])];
      case "tags":
        return tags.map((x) => [String(x.id), x.name]);
      case "rating":
        return ["5", "4", "3", "2", "1"].map((n) => [n, "★".repeat(Number(n))]);
      case "has_lead":
      case "has_deal":
        return [["true", t("find.yes")], ["false", t("find.no")]];
    }
    return null;
  };
  const opts = options();
  const date = field.endsWith("_from") || field.endsWith("_to");
  useEffect(() => setValue(opts && opts.length ? opts[0][0] : ""), [field]);
  return (
    <form
      class="addfilter"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim()) onAdd(field, value.trim());
      }}
    >
      <label for={fieldId}>{t("find.field")}</label>
      <select id={fieldId} value={field} onChange={(e) => setField((e.target as HTMLSelectElement).value as Field)}>
        {fields.map((f) => (
          <option key={f} value={f}>
            {t("find.f." + f)}
          </option>
        ))}
      </select>
      <label for={valueId}>{t("find.value")}</label>
      {opts ? (
        <select id={valueId} value={value} onChange={(e) => setValue((e.target as HTMLSelectElement).value)}>
          {opts.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
      ) : (
        date ? (
          <input id={valueId} type="date" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
        ) : (
          <input id={valueId} type="text" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
        )
      )}
      <button type="submit" class="btn btn-s btn-primary">
        {t("find.add")}
      </button>
    </form>
  );
}

function SaveView({ filter, admin, onDone }: { filter: string; admin: boolean; onDone: () => void }) {
  const inbox = useInbox();
  const [name, setName] = useState("");
  const [shared, setShared] = useState(false);
  const [error, setError] = useState("");
  const nameId = useId("vn");
  return (
    <form
      class="addfilter"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          const r = await api<{ view: View }>("POST", "views", { name, filters: filter, shared });
          await inbox.loadViews();
          onDone();
          inbox.toast(t("find.saved"));
          location.hash = "#/v/" + r.view.id;
        } catch (err) {
          setError((err as Error).message);
        }
      }}
    >
      <label for={nameId}>{t("find.viewName")}</label>
      <input id={nameId} value={name} required maxLength={60} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      {admin && (
        <label>
          <input type="checkbox" checked={shared} onChange={(e) => setShared((e.target as HTMLInputElement).checked)} /> {t("find.shared")}
        </label>
      )}
      <button type="submit" class="btn btn-s btn-primary">
        {t("find.save")}
      </button>
      {error && (
        <p class="err small" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** ViewLinks: the saved views under the folders, with how many conversations each holds now. */
export function ViewLinks({ active, onNavigate }: { active: number; onNavigate: () => void }) {
  const inbox = useInbox("views");
  useEffect(() => {
    if (!inbox.viewsLoaded) void inbox.loadViews();
  }, []);
  return (
    <div class="side-views">
      <p class="side-h">{t("find.views")}</p>
      <ul class="folders">
        {inbox.views.map((v) => (
          <li key={v.id}>
            <a href={"#/v/" + v.id} class="folder" aria-current={active === v.id ? "page" : undefined} onClick={onNavigate} data-view={v.name}>
              <span>{v.name}</span>
              {typeof v.count === "number" && (
                <span class="count" aria-label={t("folder.count", { n: v.count })}>
                  {v.count}
                </span>
              )}
            </a>
          </li>
        ))}
        <li>
          <a href={"#/q/" + encodeURIComponent("folder=all")} class="folder" onClick={onNavigate}>
            <span>{t("find.newFilter")}</span>
          </a>
        </li>
      </ul>
    </div>
  );
}
