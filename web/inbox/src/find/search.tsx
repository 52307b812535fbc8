// Search: the box above the list (/ focuses it) and the results, grouped by kind, each hit with
// its snippet (HTML from the server: the text escaped, the matches in <mark>).
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import type { SearchGroup } from "../types";
import { formatWhen, Icon } from "../ui/common";

export const searchBoxId = "search-box";

/** focusSearch puts the cursor in the search box (the / shortcut). */
export function focusSearch(): void {
  const el = document.getElementById(searchBoxId) as HTMLInputElement | null;
  if (el) {
    el.focus();
    el.select();
  }
}

export function SearchBox({ initial = "" }: { initial?: string }) {
  const [q, setQ] = useState(initial);
  useEffect(() => setQ(initial), [initial]);
  return (
    <form
      class="searchbox"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        if (q.trim()) location.hash = "#/search/" + encodeURIComponent(q.trim());
      }}
    >
      <input
        id={searchBoxId}
        type="search"
        value={q}
        placeholder={t("find.searchHint")}
        aria-label={t("find.search")}
        onInput={(e) => setQ((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") (e.target as HTMLInputElement).blur();
        }}
      />
    </form>
  );
}

const recordPath: Record<string, string> = { person: "person", organization: "organization", lead: "lead", deal: "deal" };

export function SearchResults({ q, onMenu }: { q: string; onMenu: () => void }) {
  const [groups, setGroups] = useState<SearchGroup[] | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    let live = true;
    setGroups(null);
    setError("");
    api<{ groups: SearchGroup[] }>("GET", "search?limit=10&q=" + encodeURIComponent(q)).then(
      (r) => live && setGroups(r.groups || []),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [q]);
  const now = Date.now();
  return (
    <section class="listpane search-pane" aria-labelledby="list-h">
      <header class="pane-head">
        <button type="button" class="icon-btn phone-only" onClick={onMenu} aria-label={t("nav.menu")}>
          <Icon name="menu" />
        </button>
        <h1 id="list-h">{t("find.results", { q })}</h1>
      </header>
      <SearchBox initial={q} />
      <div class="scroller search-results" aria-busy={groups === null ? "true" : "false"}>
        {error && (
          <p class="empty err" role="alert">
            {error}
          </p>
        )}
        {groups === null && !error && <p class="loading muted">{t("loading")}</p>}
        {groups && groups.length === 0 && <p class="empty">{t("find.none")}</p>}
        {groups &&
          groups.map((g) => (
            <section key={g.type} class="hit-group" aria-labelledby={"hits-" + g.type}>
              <h2 id={"hits-" + g.type}>{t("find.group." + g.type)}</h2>
              <ul class="hits">
                {g.hits.map((h) => {
                  const href = h.type === "message" ? "#/c/" + h.conversation_id : recordPath[h.type] ? "#/crm/" + recordPath[h.type] + "/" + h.id : "";
                  const body = (
                    <>
                      <span class="hit-1">
                        <span class="hit-title">{h.title}</span>
                        {h.note && <span class="tag">{t("find.note")}</span>}
                        <span class="muted small">{formatWhen(h.at, now)}</span>
                      </span>
                      {/* The server escaped the text and marked the matches. */}
                      <span class="hit-snippet" dangerouslySetInnerHTML={{ __html: h.snippet }} />
                    </>
                  );
                  return (
                    <li key={h.type + h.id} class="hit">
                      {href ? (
                        <a href={href} class="hit-link">
                          {body}
                        </a>
                      ) : (
                        <div class="hit-link">{body}</div>
                      )}
                    </li>
                  );
                })}
              </ul>
              {g.more && <p class="muted small hit-more">{t("find.more")}</p>}
            </section>
          ))}
      </div>
    </section>
  );
}
