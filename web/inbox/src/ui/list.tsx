// The folder's conversations, virtualised: rows have one fixed height and only those in view (and
// a few around them) are in the DOM, so ten thousand conversations scroll as smoothly as ten. The
// next page is fetched as the end comes into view; live changes move rows without refetching.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { t } from "../i18n";
import { tickEvery, waitingSince } from "../lib/time";
import type { Conversation, Folder, View } from "../types";
import { FilterBar } from "../find/filters";
import { SearchBox } from "../find/search";
import { contactName, ChannelIcon, Flag, formatDuration, formatWhen, Icon, useInbox, userName } from "./common";

export const rowHeight = 76;
const overscan = 6;

interface Props {
  folder: Folder;
  openId: number;
  onMenu: () => void;
  /** a filtered list's query string (with its folder), and the saved view it is, if one */
  filter?: string;
  view?: View;
}

export function ConversationList({ folder, openId, onMenu, filter, view: saved }: Props) {
  const inbox = useInbox("list", "counts", "typing");
  const scroller = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 800 });
  const [, tick] = useState(0);

  useLayoutEffect(() => {
    const el = scroller.current!;
    const measure = () => setView({ top: el.scrollTop, height: el.clientHeight });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // A new folder starts at the top.
  useEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
  }, [folder, filter]);

  const ids = inbox.ids;
  const first = Math.max(0, Math.floor(view.top / rowHeight) - overscan);
  const last = Math.min(ids.length, Math.ceil((view.top + view.height) / rowHeight) + overscan);

  // Near the end of what is loaded: fetch the next page.
  useEffect(() => {
    if (inbox.cursor && !inbox.listLoading && last >= ids.length - overscan) void inbox.loadMore();
  }, [last, ids.length, inbox.cursor, inbox.listLoading]);

  // Keep the open conversation in view when j/k move through the list.
  useEffect(() => {
    const el = scroller.current;
    const at = ids.indexOf(openId);
    if (!el || at < 0) return;
    const top = at * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight - el.clientHeight;
  }, [openId]);

  // Waiting times tick: each second while one in view is under a minute, else twice a minute.
  const now = Date.now();
  let every = 30000;
  for (let i = first; i < last; i++) {
    const c = inbox.get(ids[i]);
    const since = c ? waitingSince(c) : 0;
    if (since) every = Math.min(every, tickEvery(now - since));
  }
  useEffect(() => {
    const h = window.setTimeout(() => tick((n) => n + 1), every);
    return () => clearTimeout(h);
  });

  const rows = [];
  for (let i = first; i < last; i++) {
    const c = inbox.get(ids[i]);
    if (c) rows.push(<Row key={c.id} c={c} index={i} total={ids.length} open={c.id === openId} now={now} folder={folder} />);
  }
  const count = filter !== undefined ? (saved && typeof saved.count === "number" ? saved.count : null) : inbox.counts && folder !== "closed" && folder !== "all" ? inbox.counts[folder] : null;
  const title = saved ? saved.name : filter !== undefined ? t("find.filtered") : t("folder." + folder);
  return (
    <section class="listpane" aria-labelledby="list-h">
      <header class="pane-head">
        <button type="button" class="icon-btn phone-only" onClick={onMenu} aria-label={t("nav.menu")}>
          <Icon name="menu" />
        </button>
        <h1 id="list-h">{title}</h1>
        {count !== null && <span class="muted">{count}</span>}
        {filter === undefined && (
          <a class="btn btn-s list-filter" href={"#/q/" + encodeURIComponent("folder=" + folder)}>
            {t("find.filters")}
          </a>
        )}
      </header>
      <SearchBox />
      {filter !== undefined && <FilterBar filter={filter} view={saved} />}
      <div
        class="scroller"
        ref={scroller}
        onScroll={(e) => {
          const el = e.currentTarget as HTMLDivElement;
          setView({ top: el.scrollTop, height: el.clientHeight });
        }}
      >
        {inbox.listLoaded && ids.length === 0 && !inbox.listError && <p class="empty">{filter !== undefined ? t("find.empty") : t("list.empty." + folder)}</p>}
        {inbox.listError && (
          <p class="empty err" role="alert">
            {inbox.listError}{" "}
            <button type="button" class="link-btn" onClick={() => void inbox.loadFolder(folder)}>
              {t("retry")}
            </button>
          </p>
        )}
        <ul class="rows" role="list" aria-label={title} aria-busy={inbox.listLoading ? "true" : "false"} style={{ height: ids.length * rowHeight + "px" }}>
          {rows}
        </ul>
        {inbox.listLoading && (
          <p class="loading muted" role="status">
            {t("loading")}
          </p>
        )}
      </div>
    </section>
  );
}

/** previewText is a row's last line: a picture without a caption (stored as "📷") is worded. */
export function previewText(preview: string): string {
  return preview === "📷" ? "📷 " + t("list.photo") : preview;
}

function Row({ c, index, total, open, now, folder }: { c: Conversation; index: number; total: number; open: boolean; now: number; folder: Folder }) {
  const inbox = useInbox();
  const typing = inbox.typing.get(c.id);
  // Spam waits for nobody: no waiting time, not new.
  const since = c.spam ? 0 : waitingSince(c);
  const name = contactName(c);
  const isNewChat = c.status === "open" && !c.first_response_at && !c.spam;
  let state = "";
  if (typing && typing.from === "visitor") state = t("live.typing");
  const onSite = c.status === "open" ? inbox.onSite(c) : undefined;
  // Where several people's conversations are listed, who has each.
  const assignee = (folder === "open" || folder === "others" || folder === "closed" || folder === "all") && c.assignee_id ? userName(inbox.users, c.assignee_id) : "";
  const meta = onSite !== undefined || isNewChat || assignee || (c.tags && c.tags.length > 0);
  return (
    <li class={"row" + (open ? " row-open" : "") + (c.unread ? " row-unread" : "")} style={{ transform: `translateY(${index * rowHeight}px)` }} aria-setsize={total} aria-posinset={index + 1}>
      <a href={"#/c/" + c.id} class="row-link" aria-current={open ? "true" : undefined}>
        <span class="row-1">
          <ChannelIcon channel={c.channel} />
          <Flag code={c.contact_country} />
          <span class="row-name">{name}</span>
          {since ? (
            <span class="row-wait" title={t("list.waiting")}>
              <span class="sr">{t("list.waiting")} </span>
              {formatDuration(now - since)}
            </span>
          ) : (
            <span class="row-time muted">{c.status === "closed" && c.closed_at ? t("list.closedAt", { when: formatWhen(c.closed_at, now) }) : formatWhen(c.last_message_at, now)}</span>
          )}
        </span>
        <span class="row-2">
          <span class={"row-preview" + (state ? " row-live" : "")}>{state || previewText(c.preview) || "\u00a0"}</span>
          {c.unread > 0 && (
            <span class="badge" aria-label={t("list.unread", { n: c.unread })}>
              {c.unread > 99 ? "99+" : c.unread}
            </span>
          )}
        </span>
        {meta && (
          <span class="row-3 small">
            {onSite !== undefined && <span class={"live " + (onSite ? "live-on" : "live-off")}>{t(onSite ? "live.onSite" : "live.left")}</span>}
            {isNewChat && <span class="tag tag-new">{t("live.new")}</span>}
            {(c.tags || []).map((tag) => (
              <span key={tag.id} class="tag tag-conv" style={tag.color ? { borderColor: tag.color } : undefined}>
                {tag.name}
              </span>
            ))}
            {assignee && (
              <span class="row-assignee" title={t("conv.assignedTo", { name: assignee })}>
                <span class="sr">{t("conv.assignedTo", { name: assignee })}</span>
                <span aria-hidden="true">
                  <Icon name="user" />
                  {assignee}
                </span>
              </span>
            )}
          </span>
        )}
      </a>
      {c.allowed && c.allowed.close && (
        <button type="button" class="btn-resolve row-resolve" onClick={() => void inbox.resolve(c.id)} aria-label={t("conv.resolveNamed", { name })} title={t("conv.resolve")}>
          <Icon name="check" />
        </button>
      )}
    </li>
  );
}
