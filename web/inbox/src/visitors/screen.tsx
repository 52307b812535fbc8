// Visitors (#/visitors): who is on the agent's websites right now, live — page, time on site, pages
// seen, country, new or returning, where they came from, whether they are in a chat — and "Start
// chat", whose message opens the visitor's chat window. The list comes from GET /api/v1/visitors and
// then from the socket (`visitors` on; `live_visitors`, `live_visitor`, `live_visitor_gone` frames).
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import { errText } from "../state/inbox";
import { countryName, Dialog, formatDuration, Icon, useId, useInbox } from "../ui/common";
import "./visitors.css";

export interface LiveVisitor {
  id: string;
  website_id: number;
  page_url: string;
  page_title?: string;
  referrer?: string;
  since: number;
  pages: number;
  country?: string;
  returning: boolean;
  contact_id?: number;
  conversation_id?: number;
  in_chat: boolean;
  left_at?: number;
}

interface Site {
  id: number;
  name: string;
}

const keyOf = (v: { id: string; website_id: number }) => v.website_id + ":" + v.id;

/** flag is a country's flag emoji from its two-letter code. */
function flag(code?: string): string {
  if (!code || !/^[A-Za-z]{2}$/.test(code)) return "🌐";
  return String.fromCodePoint(...[...code.toUpperCase()].map((c) => 0x1f1e6 + c.charCodeAt(0) - 65));
}

function host(u: string): string {
  try {
    return new URL(u).host;
  } catch {
    return u;
  }
}

function path(u: string): string {
  try {
    const x = new URL(u);
    return x.pathname + x.search;
  } catch {
    return u;
  }
}

export function VisitorsScreen({ onMenu }: { onMenu: () => void }) {
  const inbox = useInbox("socket");
  const [list, setList] = useState<Map<string, LiveVisitor>>(new Map());
  const [sites, setSites] = useState<Site[]>([]);
  const [site, setSite] = useState(0);
  const [now, setNow] = useState(Date.now());
  const [starting, setStarting] = useState<LiveVisitor | null>(null);
  const selectId = useId("vis-site");
  const held = useRef(list);
  held.current = list;

  useEffect(() => {
    let live = true;
    void api<{ visitors: LiveVisitor[] }>("GET", "visitors").then(
      (r) => live && setList(new Map((r.visitors || []).map((v) => [keyOf(v), v]))),
      () => undefined,
    );
    void api<{ websites: Site[] }>("GET", "websites").then((r) => live && setSites(r.websites || []), () => undefined);
    const off = inbox.onFrames((f) => {
      const x = f as unknown as { t: string; visitors?: LiveVisitor[]; visitor?: LiveVisitor; id?: string; website_id?: number };
      if (x.t === "live_visitors") setList(new Map((x.visitors || []).map((v) => [keyOf(v), v])));
      else if (x.t === "live_visitor" && x.visitor) setList(new Map(held.current).set(keyOf(x.visitor), x.visitor));
      else if (x.t === "live_visitor_gone" && x.id) {
        const next = new Map(held.current);
        next.delete(keyOf({ id: x.id, website_id: x.website_id || 0 }));
        setList(next);
      }
    });
    const tick = window.setInterval(() => setNow(Date.now()), 5000);
    return () => {
      live = false;
      off();
      clearInterval(tick);
      inbox.sendFrame({ t: "visitors", on: false });
    };
  }, []);
  // (Re)subscribe whenever the socket is up: a reconnect starts with a fresh list.
  useEffect(() => {
    if (inbox.connected) inbox.sendFrame({ t: "visitors", on: true });
  }, [inbox.connected]);

  const rows = [...list.values()].filter((v) => !site || v.website_id === site).sort((a, b) => b.since - a.since || a.id.localeCompare(b.id));
  const present = rows.filter((v) => !v.left_at).length;
  const siteName = (id: number) => (sites.find((s) => s.id === id) || { name: "" }).name;
  return (
    <section class="vis" aria-labelledby="vis-h">
      <header class="pane-head">
        <button type="button" class="icon-btn phone-only" onClick={onMenu} aria-label={t("nav.menu")}>
          <Icon name="menu" />
        </button>
        <h1 id="vis-h">{t("visitors.title")}</h1>
        <span class="muted" role="status">
          {t("visitors.count", { n: present })}
        </span>
      </header>
      <div class="vis-body">
        <p class="muted">{t("visitors.lead")}</p>
        {sites.length > 1 && (
          <p class="vis-filter">
            <label for={selectId}>{t("visitors.website")}</label>{" "}
            <select id={selectId} value={String(site)} onChange={(e) => setSite(Number((e.currentTarget as HTMLSelectElement).value))}>
              <option value="0">{t("visitors.all")}</option>
              {sites.map((s) => (
                <option key={s.id} value={String(s.id)}>
                  {s.name}
                </option>
              ))}
            </select>
          </p>
        )}
        {rows.length === 0 ? (
          <p class="vis-empty">{t("visitors.none")}</p>
        ) : (
          <table class="vis-table">
            <thead>
              <tr>
                <th scope="col">{t("visitors.visitor")}</th>
                <th scope="col">{t("visitors.page")}</th>
                <th scope="col">{t("visitors.time")}</th>
                <th scope="col">{t("visitors.pages")}</th>
                <th scope="col">{t("visitors.from")}</th>
                <th scope="col">{t("visitors.status")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((v) => (
                <tr key={keyOf(v)} data-visitor={v.id} class={v.left_at ? "vis-left" : undefined}>
                  <td data-label={t("visitors.visitor")}>
                    <span class="vis-flag" aria-hidden="true">
                      {flag(v.country)}
                    </span>{" "}
                    {v.country ? countryName(v.country) : t("visitors.unknownCountry")}{" "}
                    <span class={"tag " + (v.returning ? "vis-back" : "vis-new")}>{v.returning ? t("visitors.returning") : t("visitors.new")}</span>
                    {sites.length > 1 && <span class="muted small vis-site"> · {siteName(v.website_id)}</span>}
                  </td>
                  <td data-label={t("visitors.page")} class="vis-page">
                    <span class="vis-title">{v.page_title || path(v.page_url)}</span>
                    <span class="muted small">{path(v.page_url)}</span>
                  </td>
                  <td data-label={t("visitors.time")}>{formatDuration(Math.max(0, (v.left_at || now) - v.since))}</td>
                  <td data-label={t("visitors.pages")}>{v.pages}</td>
                  <td data-label={t("visitors.from")}>{v.referrer ? host(v.referrer) : t("visitors.direct")}</td>
                  <td data-label={t("visitors.status")} class="vis-status">
                    {v.left_at ? (
                      <span class="tag tag-left">{t("visitors.left")}</span>
                    ) : v.in_chat && v.conversation_id ? (
                      <a class="tag tag-online" href={"#/c/" + v.conversation_id}>
                        {t("visitors.inChat")}
                      </a>
                    ) : (
                      <>
                        <span class="muted small">{t("visitors.browsing")}</span>{" "}
                        <button type="button" class="btn btn-primary btn-small" onClick={() => setStarting(v)} aria-label={t("visitors.start") + ": " + (v.page_title || path(v.page_url))}>
                          {t("visitors.start")}
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {starting && (
        <StartChat
          v={starting}
          onClose={() => setStarting(null)}
          onSent={() => {
            setStarting(null);
            inbox.toast(t("visitors.sent"));
          }}
        />
      )}
    </section>
  );
}

function StartChat({ v, onClose, onSent }: { v: LiveVisitor; onClose: () => void; onSent: () => void }) {
  const [body, setBody] = useState("");
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState("");
  const id = useId("vis-msg");
  const hint = useId("vis-hint");
  return (
    <Dialog title={t("visitors.startWith", { page: v.page_title || path(v.page_url) })} onClose={onClose}>
      <form
        class="vis-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!body.trim()) return;
          setBusy(true);
          setErr("");
          try {
            await api("POST", `visitors/live/${encodeURIComponent(v.id)}/chat`, { website_id: v.website_id, body });
            onSent();
          } catch (x) {
            setErr(errText(x));
          } finally {
            setBusy(false);
          }
        }}
      >
        <label for={id}>{t("visitors.message")}</label>
        <textarea id={id} rows={3} required maxLength={10000} aria-describedby={hint} value={body} onInput={(e) => setBody((e.currentTarget as HTMLTextAreaElement).value)} />
        <p class="hint small" id={hint}>
          {t("visitors.messageHint")}
        </p>
        {err && (
          <p class="err" role="alert">
            {err}
          </p>
        )}
        <div class="dlg-actions">
          <button type="button" class="btn" onClick={onClose}>
            {t("cancel")}
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy || !body.trim()}>
            {t("visitors.send")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
