// The signed-in inbox: sidebar, folder list, conversation and details side by side on a desk, as
// stacked screens on a phone (list → conversation → details). Routes live in the URL's hash.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { Admin, isAdmin } from "../admin";
import { WebhookAlerts } from "../admin/webhooks";
import { t, type Lang } from "../i18n";
import { Chord, shortcutList, type Command } from "../lib/keys";
import { hashOf, parseHash, splitFilter, type Route } from "../lib/router";
import { focusSearch, SearchResults } from "../find/search";
import type { Inbox } from "../state/inbox";
import type { Folder } from "../types";
import { Dialog, Icon, InboxContext, useInbox } from "./common";
import type { ComposerHandle } from "./composer";
import { ConversationView, setTeamNames } from "./conversation";
import { DealsBoard } from "../crm/board";
import { ImportScreen } from "../crm/importer";
import { RecordList } from "../crm/list";
import { sectionOf, TabBar } from "../crm/nav";
import { RecordView } from "../crm/record";
import { Details } from "./details";
import { ConversationList } from "./list";
import { BrowserNotifier, NotifyDialog, PermissionBanner } from "./notify";
import { Sidebar } from "./sidebar";
import { VisitorsScreen } from "../visitors/screen";
import { ReportsScreen } from "../reports/screen";

const folderKey = "parley.folder";

interface Props {
  inbox: Inbox;
  onLang: (l: Lang) => void;
  onSignOut: () => void;
}

export function Shell({ inbox, onLang, onSignOut }: Props) {
  const [route, setRoute] = useState<Route>(() => parseHash(location.hash));
  // The route as last drawn, for key presses that come before effects have run.
  const shown = useRef(route);
  shown.current = route;
  const [drawer, setDrawer] = useState(false);
  const [details, setDetails] = useState(() => matchMedia("(min-width: 1200px)").matches);
  const [bell, setBell] = useState(false);
  const [help, setHelp] = useState(false);
  const composer = useRef<ComposerHandle | null>(null);
  // The list last shown (a folder, a filtered list, a view): going back from a conversation returns to it.
  const lastList = useRef<Route>({ kind: "folder", folder: inbox.folder });
  // The route the effect below last followed ("" before the first).
  const shownRoute = useRef("");
  // Shell provides the inbox's context, so it follows the views itself.
  const [, viewsChanged] = useState(0);
  useEffect(() => inbox.on("views", () => viewsChanged((n) => n + 1)), []);
  const views = inbox.views;
  const viewOf = (id: number) => views.find((v) => v.id === id);
  const notifier = useMemo(() => new BrowserNotifier((title, text, id) => inbox.notice(title, text, id)), []);

  useEffect(() => {
    inbox.setNotifier(notifier);
    // A click on a push notification opens its conversation here (the service worker asks).
    const onWorker = (e: MessageEvent) => {
      const d = e.data as { t?: string; conversation_id?: number } | null;
      if (d && d.t === "open" && d.conversation_id) location.hash = "#/c/" + d.conversation_id;
    };
    if ("serviceWorker" in navigator) navigator.serviceWorker.addEventListener("message", onWorker);
    setTeamNames((id) => {
      const tm = inbox.teams.find((x) => x.id === id);
      return tm ? tm.name : t("someone");
    });
    const onHash = () => setRoute(parseHash(location.hash));
    addEventListener("hashchange", onHash);
    return () => {
      removeEventListener("hashchange", onHash);
      if ("serviceWorker" in navigator) navigator.serviceWorker.removeEventListener("message", onWorker);
    };
  }, []);

  // Follow the route: a folder loads its list; a conversation opens (over the last folder's list).
  useEffect(() => {
    if (route.kind === "folder" || route.kind === "filter" || route.kind === "view") lastList.current = route;
    if (route.kind === "folder") {
      try {
        sessionStorage.setItem(folderKey, route.folder);
      } catch {
        /* remembered for this page only */
      }
      if (inbox.folder !== route.folder || inbox.filter || (!inbox.listLoaded && !inbox.listLoading)) void inbox.loadFolder(route.folder);
      inbox.close();
    } else if (route.kind === "filter" || route.kind === "view") {
      const v = route.kind === "view" ? viewOf(route.id) : undefined;
      if (route.kind === "view" && !v) {
        if (!inbox.viewsLoaded) void inbox.loadViews();
      } else {
        const { folder, rest } = splitFilter(route.kind === "filter" ? route.filter : v!.filters);
        // A filter needs something to filter by: an empty one is every conversation.
        void inbox.loadFolder(folder, false, rest || "folder=" + folder);
      }
      inbox.close();
    } else if (route.kind === "search") {
      inbox.close();
    } else if (route.kind === "conversation") {
      if (!inbox.listLoaded && !inbox.listLoading) {
        let f: Folder = "unassigned";
        try {
          f = (sessionStorage.getItem(folderKey) as Folder) || "unassigned";
        } catch {
          /* the default */
        }
        void inbox.loadFolder(parseHash("#/f/" + f).kind === "folder" ? f : "unassigned");
      }
      inbox.open(route.id);
    } else {
      inbox.close();
    }
    // Going somewhere closes the drawer; the first showing does not (a tap on the menu button
    // right after the page drew would otherwise be undone).
    const h = hashOf(route);
    if (shownRoute.current !== "" && shownRoute.current !== h) setDrawer(false);
    shownRoute.current = h;
  }, [hashOf(route), route.kind === "view" && !!viewOf(route.id)]);

  const go = (r: Route) => {
    location.hash = hashOf(r);
  };

  // Keyboard shortcuts, outside text fields.
  const chord = useMemo(() => new Chord(), []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      const el = e.target as HTMLElement;
      const typing = el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
      if (typing || document.querySelector("dialog[open]") || document.querySelector(".menu")) return; // an open menu has the keys
      const cmd = chord.press(e.key, Date.now());
      if (!cmd) return;
      e.preventDefault();
      run(cmd);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  });

  const run = (cmd: Command) => {
    const c = shown.current.kind === "conversation" ? inbox.get(shown.current.id) : undefined;
    switch (cmd) {
      case "next":
      case "prev": {
        const r = shown.current;
        const id = inbox.neighbour(r.kind === "conversation" ? r.id : 0, cmd === "next" ? 1 : -1);
        if (id) go({ kind: "conversation", id });
        break;
      }
      case "reply":
      case "note":
        composer.current && composer.current.focus(cmd);
        break;
      case "assign":
        if (c && c.allowed && c.allowed.assign_to_me) void inbox.assignToMe(c.id);
        break;
      case "resolve":
        if (c && c.allowed && c.allowed.close) void inbox.resolve(c.id);
        break;
      case "help":
        setHelp(true);
        break;
      case "search":
        focusSearch();
        break;
      case "escape":
        if (drawer) setDrawer(false);
        else if (route.kind === "conversation" && details && !matchMedia("(min-width: 1200px)").matches) setDetails(false);
        else if (route.kind === "conversation") go(lastList.current);
        break;
      default:
        go({ kind: "folder", folder: cmd.slice(7) as Folder });
    }
  };

  const signOut = async () => {
    inbox.stop();
    onSignOut();
  };

  // The filter and view a list shows (a conversation shows over the list it was opened from).
  function listFilter(r: Route): { filter?: string; view?: (typeof views)[number] } {
    if (r.kind === "filter") return { filter: r.filter };
    if (r.kind === "view") {
      const v = viewOf(r.id);
      return { filter: v ? v.filters : "", view: v };
    }
    return {};
  }

  const active: Folder | "admin" | "visitors" | "reports" | null =
    route.kind === "folder" ? route.folder : route.kind === "admin" || route.kind === "visitors" || route.kind === "reports" ? route.kind : null;
  const section = sectionOf(route);
  const screen =
    route.kind === "conversation" ? (details ? "details" : "conversation") : route.kind === "admin" || route.kind === "visitors" || route.kind === "reports" || route.kind === "crm" || route.kind === "record" ? "admin" : "list";
  // The phone's tab bar shows on the places' own screens, not inside a conversation or a record.
  const tabs = route.kind === "folder" || route.kind === "crm" || route.kind === "filter" || route.kind === "view";
  return (
    <InboxContext.Provider value={inbox}>
      <div class="frame">
        <a href="#main" class="skip">
          {t("skip")}
        </a>
        <Bars notifier={notifier} />
        <div class={"shell" + (drawer ? " drawer-open" : "") + (details ? " with-details" : "") + (tabs ? " with-tabs" : "")} data-screen={screen}>
          <Sidebar active={active} section={section} activeView={route.kind === "view" ? route.id : 0} onBell={() => setBell(true)} onLang={onLang} onSignOut={signOut} onNavigate={() => setDrawer(false)} onHelp={() => setHelp(true)} />
          {drawer && <div class="scrim" onClick={() => setDrawer(false)} />}
          {route.kind === "reports" ? (
            <div class="adminpane" id="main">
              <ReportsScreen onMenu={() => setDrawer(true)} />
            </div>
          ) : route.kind === "crm" ? (
            <div class="adminpane crmpane" id="main">
              {route.view === "board" ? (
                <DealsBoard onMenu={() => setDrawer(true)} />
              ) : route.view === "import" && (route.list === "persons" || route.list === "organizations") ? (
                <ImportScreen list={route.list} onMenu={() => setDrawer(true)} />
              ) : (
                <RecordList key={route.list} list={route.list} onMenu={() => setDrawer(true)} />
              )}
            </div>
          ) : route.kind === "record" ? (
            <div class="adminpane crmpane">
              <RecordView key={route.type + route.id} type={route.type} id={route.id} onBack={() => history.back()} />
            </div>
          ) : route.kind === "visitors" ? (
            <div class="adminpane" id="main">
              <VisitorsScreen onMenu={() => setDrawer(true)} />
            </div>
          ) : route.kind === "admin" ? (
            <div class="adminpane" id="main">
              <Admin
                path={route.path}
                me={inbox.me as unknown as Parameters<typeof Admin>[0]["me"]}
                navigate={(h: string) => (location.hash = h)}
                onInApp={(on) => inbox.setInAppAllowed(on)}
              />
            </div>
          ) : (
            <>
              {route.kind === "search" ? (
                <SearchResults q={route.q} onMenu={() => setDrawer(true)} />
              ) : (
                <ConversationList
                  folder={route.kind === "folder" ? route.folder : inbox.folder}
                  openId={route.kind === "conversation" ? route.id : 0}
                  onMenu={() => setDrawer(true)}
                  {...listFilter(route.kind === "conversation" ? lastList.current : route)}
                />
              )}
              {route.kind === "conversation" ? (
                <ConversationView id={route.id} onBack={() => go(lastList.current)} onDetails={() => setDetails(!details)} detailsOpen={details} composer={composer} />
              ) : (
                <main class="main main-empty" id="main">
                  <p class="muted">{t("conv.none")}</p>
                  <p class="muted small">{t("keys.hint")}</p>
                </main>
              )}
              {route.kind === "conversation" && details && <DetailsFor id={route.id} onClose={() => setDetails(false)} />}
            </>
          )}
        </div>
        {tabs && <TabBar active={section} folder={inbox.folder} />}
      </div>
      {bell && <NotifyDialog notifier={notifier} onClose={() => setBell(false)} />}
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
      <Toasts />
    </InboxContext.Provider>
  );
}

function DetailsFor({ id, onClose }: { id: number; onClose: () => void }) {
  const inbox = useInbox("open");
  const c = inbox.get(id);
  return c ? <Details c={c} onClose={onClose} /> : null;
}

/** Bars: the reconnecting notice, the notification permission banner and, for admins, webhooks
 * Parley switched off. */
function Bars({ notifier }: { notifier: BrowserNotifier }) {
  const inbox = useInbox("socket");
  const admin = isAdmin(inbox.me as unknown as Parameters<typeof isAdmin>[0]);
  const [late, setLate] = useState(false);
  useEffect(() => {
    const h = window.setTimeout(() => setLate(true), 3000);
    return () => clearTimeout(h);
  }, []);
  const down = !inbox.connected && (inbox.everConnected || late);
  return (
    <div class="bars">
      <div class={"reconnect" + (down ? "" : " hidden")} role="status" aria-live="polite">
        {down ? (inbox.everConnected ? t("socket.reconnecting") : t("socket.connecting")) : ""}
      </div>
      <PermissionBanner notifier={notifier} />
      {admin && <WebhookAlerts />}
    </div>
  );
}

function Toasts() {
  const inbox = useInbox("toast");
  return (
    <div class="toasts" role="status" aria-live="polite">
      {inbox.toasts.map((x) =>
        x.conversationId ? (
          // An in-app notification: a click opens its conversation.
          <p key={x.id} class="toast toast-note">
            <a
              href={"#/c/" + x.conversationId}
              onClick={() => inbox.dismiss(x.id)}
            >
              <strong>{x.title}</strong>
              <span>{x.text}</span>
            </a>
            <button type="button" class="icon-btn toast-x" aria-label={t("close")} onClick={() => inbox.dismiss(x.id)}>
              <Icon name="x" />
            </button>
          </p>
        ) : (
          <p key={x.id} class={"toast" + (x.error ? " toast-err" : "")}>
            {x.text}
          </p>
        ),
      )}
    </div>
  );
}

function ShortcutHelp({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title={t("keys.title")} onClose={onClose}>
      <dl class="keys">
        {shortcutList.map((s) => (
          <div key={s.what} class="key-row">
            <dt>
              {s.keys.map((k, i) => (
                <>
                  {i > 0 && <span class="muted"> {t("keys.then")} </span>}
                  <kbd>{k}</kbd>
                </>
              ))}
            </dt>
            <dd>{t(s.what)}</dd>
          </div>
        ))}
      </dl>
      <p class="hint small">{t("keys.composer")}</p>
    </Dialog>
  );
}
