// Reports (#/reports): conversations over time, first response and resolution times (median and
// p90), missed chats, ratings with their comments and the busiest hours, for a range of days in the
// viewer's time zone against the range before it, and a breakdown by agent, team, inbox or
// channel. Every chart has its table beside it and a CSV link; the charts (uPlot) come in a chunk
// of their own, loaded when this screen first opens. Figures: docs/reports.md.
import { useEffect, useRef, useState } from "preact/hooks";
import { loadChunk } from "../../../chunk/load";
import { api } from "../api";
import { lang, t } from "../i18n";
import { errText } from "../state/inbox";
import { Icon, useId } from "../ui/common";
import type { Charts, Series } from "./chart-types";
import { addDays, dayX, formatDuration, today, type Figures, type Overview, type Breakdown } from "./figures";
import "./reports.css";

const by = ["agent", "team", "inbox", "channel"] as const;
type By = (typeof by)[number];

function lazyURL(name: string): string {
  try {
    return (JSON.parse(document.body.getAttribute("data-lazy") || "{}") as Record<string, string>)[name] || "/inbox/assets/" + name;
  } catch {
    return "/inbox/assets/" + name;
  }
}

/** zone is the viewer's time zone. */
function zone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

export function ReportsScreen({ onMenu }: { onMenu: () => void }) {
  const tz = zone();
  const [to, setTo] = useState(today(tz));
  const [from, setFrom] = useState(addDays(today(tz), -6));
  const [group, setGroup] = useState<By>("agent");
  const [o, setO] = useState<Overview | null>(null);
  const [b, setB] = useState<Breakdown | null>(null);
  const [err, setErr] = useState("");
  const [charts, setCharts] = useState<Charts | null>(null);
  const [names, setNames] = useState<Record<string, Record<string, string>>>({ agent: {}, team: {}, inbox: {} });
  const fromId = useId("rep-from");
  const toId = useId("rep-to");
  const byId = useId("rep-by");

  useEffect(() => {
    loadChunk<Charts>(lazyURL("charts.js"), lazyURL("charts.css"), "parley-charts").then(setCharts, () => setErr(t("rep.chartsFailed")));
    const named = (list: { id: number; name: string }[] | undefined) => {
      const out: Record<string, string> = {};
      for (const x of list || []) out[String(x.id)] = x.name;
      return out;
    };
    void Promise.all([
      api<{ users: { id: number; name: string }[] }>("GET", "users").catch(() => ({ users: [] })),
      api<{ teams: { id: number; name: string }[] }>("GET", "teams").catch(() => ({ teams: [] })),
      api<{ inboxes: { id: number; name: string }[] }>("GET", "inboxes").catch(() => ({ inboxes: [] })),
    ]).then(([u, tm, ib]) => setNames({ agent: named(u.users), team: named(tm.teams), inbox: named(ib.inboxes) }));
  }, []);

  const query = "from=" + from + "&to=" + to + "&tz=" + encodeURIComponent(tz);
  useEffect(() => {
    if (!from || !to || from > to) return;
    let live = true;
    setErr("");
    api<Overview>("GET", "reports/overview?" + query).then(
      (r) => live && setO(r),
      (e) => live && setErr(errText(e)),
    );
    return () => {
      live = false;
    };
  }, [query]);
  useEffect(() => {
    if (!from || !to || from > to) return;
    let live = true;
    api<Breakdown>("GET", "reports/breakdown?by=" + group + "&" + query).then(
      (r) => live && setB(r),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [query, group]);

  const csv = (path: string, extra = "") => "/api/v1/reports/" + path + "?" + query + "&format=csv" + extra;
  const keyName = (k: string) => (group === "channel" ? t("channel.name." + k) : k === "0" ? t("rep.nobody") : names[group][k] || "#" + k);

  return (
    <section class="rep" aria-labelledby="rep-h">
      <header class="pane-head">
        <button type="button" class="icon-btn phone-only" onClick={onMenu} aria-label={t("nav.menu")}>
          <Icon name="menu" />
        </button>
        <h1 id="rep-h">{t("rep.title")}</h1>
      </header>
      <div class="rep-body">
        <form class="rep-range" onSubmit={(e) => e.preventDefault()}>
          <label for={fromId}>{t("rep.from")}</label>
          <input id={fromId} type="date" value={from} max={to} onChange={(e) => setFrom((e.currentTarget as HTMLInputElement).value)} />
          <label for={toId}>{t("rep.to")}</label>
          <input id={toId} type="date" value={to} min={from} onChange={(e) => setTo((e.currentTarget as HTMLInputElement).value)} />
          <span class="muted small">{t("rep.zone", { zone: tz })}</span>
        </form>
        {err && (
          <p class="err" role="alert">
            {err}
          </p>
        )}
        {o && (
          <>
            <p class="muted small rep-prev">{t("rep.comparedWith", { from: o.previous_range.from, to: o.previous_range.to })}</p>
            <Summary cur={o.current} prev={o.previous} />
            <Panel title={t("rep.conversations")} csv={csv("overview")}>
              <Chart
                charts={charts}
                x={o.days.map((d) => dayX(d.date))}
                labels={o.days.map((d) => d.date)}
                series={[
                  { label: t("rep.thisRange"), values: o.days.map((d) => d.conversations) },
                  { label: t("rep.previousRange"), values: o.previous_days.map((d) => d.conversations), dashed: true },
                  { label: t("rep.missed"), values: o.days.map((d) => d.missed) },
                ]}
              />
              <table class="rep-table" data-table="days">
                <thead>
                  <tr>
                    <th scope="col">{t("rep.day")}</th>
                    <th scope="col">{t("rep.conversations")}</th>
                    <th scope="col">{t("rep.missed")}</th>
                    <th scope="col">{t("rep.frMedian")}</th>
                    <th scope="col">{t("rep.frP90")}</th>
                  </tr>
                </thead>
                <tbody>
                  {o.days.map((d) => (
                    <tr key={d.date} data-date={d.date}>
                      <th scope="row">{d.date}</th>
                      <td>{d.conversations}</td>
                      <td>{d.missed}</td>
                      <td>{d.first_response.count ? formatDuration(d.first_response.median) : "–"}</td>
                      <td>{d.first_response.count ? formatDuration(d.first_response.p90) : "–"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Panel>
            <Panel title={t("rep.firstResponse")} csv={csv("overview")}>
              <Chart
                charts={charts}
                x={o.days.map((d) => dayX(d.date))}
                labels={o.days.map((d) => d.date)}
                value={(v) => formatDuration(v)}
                series={[
                  { label: t("rep.frMedian"), values: o.days.map((d) => (d.first_response.count ? d.first_response.median : null)) },
                  { label: t("rep.frP90"), values: o.days.map((d) => (d.first_response.count ? d.first_response.p90 : null)) },
                  { label: t("rep.resMedian"), values: o.days.map((d) => (d.resolution.count ? d.resolution.median : null)) },
                ]}
              />
              <table class="rep-table" data-table="times">
                <thead>
                  <tr>
                    <th scope="col"></th>
                    <th scope="col">{t("rep.median")}</th>
                    <th scope="col">{t("rep.p90")}</th>
                    <th scope="col">{t("rep.count")}</th>
                  </tr>
                </thead>
                <tbody>
                  <tr data-k="first_response">
                    <th scope="row">{t("rep.firstResponse")}</th>
                    <td>{formatDuration(o.current.first_response.median)}</td>
                    <td>{formatDuration(o.current.first_response.p90)}</td>
                    <td>{o.current.first_response.count}</td>
                  </tr>
                  <tr data-k="resolution">
                    <th scope="row">{t("rep.resolution")}</th>
                    <td>{formatDuration(o.current.resolution.median)}</td>
                    <td>{formatDuration(o.current.resolution.p90)}</td>
                    <td>{o.current.resolution.count}</td>
                  </tr>
                </tbody>
              </table>
            </Panel>
            <Panel title={t("rep.ratings")} csv={csv("overview", "&section=comments")}>
              <Chart
                charts={charts}
                bars
                x={[1, 2, 3, 4, 5]}
                labels={["1", "2", "3", "4", "5"]}
                series={[{ label: t("rep.ratingsCount"), values: o.current.ratings.distribution }]}
              />
              <table class="rep-table" data-table="ratings">
                <thead>
                  <tr>
                    <th scope="col">{t("rep.score")}</th>
                    <th scope="col">{t("rep.ratingsCount")}</th>
                  </tr>
                </thead>
                <tbody>
                  {o.current.ratings.distribution.map((n, i) => (
                    <tr key={i} data-score={i + 1}>
                      <th scope="row">{"★".repeat(i + 1)}</th>
                      <td>{n}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {o.comments.length > 0 && (
                <ul class="rep-comments">
                  {o.comments.map((c) => (
                    <li key={c.conversation_id}>
                      <a href={"#/c/" + c.conversation_id}>{"★".repeat(c.rating)}</a> <q>{c.comment}</q>
                    </li>
                  ))}
                </ul>
              )}
            </Panel>
            <Panel title={t("rep.hours")} csv={csv("overview", "&section=hours")}>
              <Heatmap hours={o.hours} />
            </Panel>
          </>
        )}
        <section class="rep-panel" aria-labelledby="rep-by-h">
          <header>
            <h2 id="rep-by-h">{t("rep.breakdown")}</h2>
            <label for={byId}>{t("rep.by")}</label>
            <select id={byId} value={group} onChange={(e) => setGroup((e.currentTarget as HTMLSelectElement).value as By)}>
              {by.map((k) => (
                <option key={k} value={k}>
                  {t("rep.by." + k)}
                </option>
              ))}
            </select>
            <a class="rep-csv" href={"/api/v1/reports/breakdown?by=" + group + "&" + query + "&format=csv"} download>
              {t("rep.csv")}
            </a>
          </header>
          {b && (
            <table class="rep-table" data-table="breakdown">
              <thead>
                <tr>
                  <th scope="col">{t("rep.by." + group)}</th>
                  <th scope="col">{t("rep.conversations")}</th>
                  <th scope="col">{t("rep.missed")}</th>
                  <th scope="col">{t("rep.frMedian")}</th>
                  <th scope="col">{t("rep.frP90")}</th>
                  <th scope="col">{t("rep.avgRating")}</th>
                </tr>
              </thead>
              <tbody>
                {b.rows.map((r) => (
                  <tr key={r.key} data-key={r.key}>
                    <th scope="row">{keyName(r.key)}</th>
                    <td>{r.current.conversations}</td>
                    <td>{r.current.missed}</td>
                    <td>{r.current.first_response.count ? formatDuration(r.current.first_response.median) : "–"}</td>
                    <td>{r.current.first_response.count ? formatDuration(r.current.first_response.p90) : "–"}</td>
                    <td>{r.current.ratings.count ? r.current.ratings.average.toFixed(2) : "–"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </section>
  );
}

function Summary({ cur, prev }: { cur: Figures; prev: Figures }) {
  // The last field: the exact value in ms of a duration (the text is rounded to seconds).
  const items: [string, string, string, string, number?][] = [
    ["conversations", t("rep.conversations"), String(cur.conversations), String(prev.conversations)],
    ["missed", t("rep.missed"), String(cur.missed), String(prev.missed)],
    ["fr_median", t("rep.frMedian"), formatDuration(cur.first_response.median), formatDuration(prev.first_response.median), cur.first_response.median],
    ["fr_p90", t("rep.frP90"), formatDuration(cur.first_response.p90), formatDuration(prev.first_response.p90), cur.first_response.p90],
    ["res_median", t("rep.resMedian"), formatDuration(cur.resolution.median), formatDuration(prev.resolution.median), cur.resolution.median],
    ["rating", t("rep.avgRating"), cur.ratings.count ? cur.ratings.average.toFixed(2) : "–", prev.ratings.count ? prev.ratings.average.toFixed(2) : "–"],
    ["ratings", t("rep.ratingsCount"), String(cur.ratings.count), String(prev.ratings.count)],
  ];
  return (
    <dl class="rep-summary">
      {items.map(([k, label, v, p, ms]) => (
        <div key={k} class="rep-fig" data-k={k}>
          <dt>{label}</dt>
          <dd class="rep-val" data-ms={ms}>
            {v}
          </dd>
          <dd class="rep-was muted small">{t("rep.was", { v: p })}</dd>
        </div>
      ))}
    </dl>
  );
}

function Panel({ title, csv, children }: { title: string; csv: string; children: preact.ComponentChildren }) {
  const id = useId("rep-p");
  return (
    <section class="rep-panel" aria-labelledby={id}>
      <header>
        <h2 id={id}>{title}</h2>
        <a class="rep-csv" href={csv} download>
          {t("rep.csv")}
        </a>
      </header>
      <div class="rep-pair">{children}</div>
    </section>
  );
}

/** Chart draws series with the charts chunk once it is in; until then, and without it, the table beside it says the same. */
function Chart(p: { charts: Charts | null; x: number[]; labels: string[]; series: Series[]; bars?: boolean; value?: (v: number) => string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!p.charts || !el.current) return;
    const w = Math.max(260, Math.min(560, el.current.clientWidth || 480));
    return p.charts.line(el.current, p.x, p.series, { width: w, height: 220, bars: p.bars, value: p.value });
  }, [p.charts, JSON.stringify(p.series), p.bars]);
  return <div class="rep-chart" ref={el} role="img" aria-label={p.series.map((s) => s.label).join(", ") + ": " + p.labels[0] + " – " + p.labels[p.labels.length - 1]} />;
}

function Heatmap({ hours }: { hours: number[][] }) {
  const peak = Math.max(1, ...hours.map((r) => Math.max(...r)));
  const day = (i: number) => new Date(2024, 0, 1 + i).toLocaleDateString(lang(), { weekday: "short" }); // 1 Jan 2024 was a Monday
  return (
    <div class="rep-heat-wrap">
      <table class="rep-heat" data-table="hours">
        <thead>
          <tr>
            <td></td>
            {hours[0].map((_, h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {hours.map((row, d) => (
            <tr key={d}>
              <th scope="row">{day(d)}</th>
              {row.map((n, h) => (
                <td key={h} data-n={n} style={{ background: n ? "rgba(35,82,196," + (0.15 + (0.85 * n) / peak).toFixed(2) + ")" : undefined }} title={day(d) + " " + h + ":00 – " + n}>
                  {n || ""}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
