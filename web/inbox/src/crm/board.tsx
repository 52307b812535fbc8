// The deals board: a pipeline's open deals in a column per stage, each column with how many deals
// it holds and their total. A card is dragged to another stage (mouse, pen or finger) or moved
// with the keyboard (← and → on its handle); won and lost from the card. The list's filters apply.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api";
import { t } from "../i18n";
import { errText } from "../state/inbox";
import type { Pipeline } from "../types";
import { Dialog, Icon, useId, useInbox } from "../ui/common";
import { fieldsOf, listSettings, money, pipelines, saveListSettings } from "./data";
import { FilterBar } from "./list";
import { activeFilters, allStages, moveTotals, noFilters, queryOf, titleOf, type Field, type Filters, type Rec } from "./model";
import "./crm.css";

type Summary = Map<number, { count: number; totals: { value: number; currency: string }[] }>;

const perColumn = 50;

function storedFilters(): Filters {
  try {
    const s = sessionStorage.getItem("parley.crm.filters.board");
    if (s) return { ...noFilters, ...JSON.parse(s) };
  } catch {
    /* none kept */
  }
  return noFilters;
}

export function DealsBoard({ onMenu }: { onMenu: () => void }) {
  const inbox = useInbox("crm");
  const [pls, setPls] = useState<Pipeline[]>([]);
  const [fields, setFields] = useState<Field[]>([]);
  const [pipelineId, setPipelineId] = useState(0);
  const [filters, setFilters] = useState<Filters>(storedFilters);
  const [q, setQ] = useState(filters.q);
  const [showFilters, setShowFilters] = useState(false);
  const [cols, setCols] = useState<Map<number, Rec[]>>(new Map());
  const [more, setMore] = useState<Map<number, string>>(new Map());
  const [sum, setSum] = useState<Summary>(new Map());
  const [error, setError] = useState("");
  const [said, setSaid] = useState("");
  const [lost, setLost] = useState<Rec | null>(null);
  const [drag, setDrag] = useState<{ id: number; from: number; x: number; y: number; over: number; w: number } | null>(null);
  const focusAfter = useRef({ id: 0, until: 0 });
  const seq = useRef(0);
  const headId = useId("board-h");
  const searchId = useId("board-q");
  const pipeId = useId("board-p");

  useEffect(() => {
    let live = true;
    void fieldsOf("deal").then((f) => live && setFields(f));
    Promise.all([pipelines(), listSettings("deal")]).then(([p, s]) => {
      if (!live) return;
      setPls(p);
      const chosen = p.find((x) => x.id === s.pipeline_id) || p.find((x) => x.default) || p[0];
      if (chosen) setPipelineId(chosen.id);
    });
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    const h = window.setTimeout(() => setFilters((f) => (f.q === q ? f : { ...f, q })), 200);
    return () => clearTimeout(h);
  }, [q]);

  useEffect(() => {
    try {
      sessionStorage.setItem("parley.crm.filters.board", JSON.stringify(filters));
    } catch {
      /* this view only */
    }
  }, [filters]);

  const pipeline = pls.find((p) => p.id === pipelineId);
  const base = () => {
    const p = queryOf("deals", { ...filters, pipeline: "", stage: "", status: "" }, "", inbox.me.time_zone);
    p.set("pipeline_id", String(pipelineId));
    p.set("status", "open");
    return p;
  };
  const query = pipelineId ? base().toString() : "";

  const load = async () => {
    if (!pipeline) return;
    const n = ++seq.current;
    try {
      const [s, ...pages] = await Promise.all([
        api<{ stages: { stage_id: number; count: number; totals: { value: number; currency: string }[] }[] }>("GET", "deals/summary?" + query),
        ...pipeline.stages.map((st) => api<{ deals: Rec[]; next?: { cursor: string } }>("GET", `deals?${query}&stage_id=${st.id}&limit=${perColumn}`)),
      ]);
      if (n !== seq.current) return;
      const m: Summary = new Map();
      for (const x of s.stages) m.set(x.stage_id, { count: x.count, totals: x.totals });
      const c = new Map<number, Rec[]>();
      const mo = new Map<number, string>();
      pipeline.stages.forEach((st, i) => {
        c.set(st.id, pages[i].deals || []);
        if (pages[i].next?.cursor) mo.set(st.id, pages[i].next!.cursor);
      });
      setSum(m);
      setCols(c);
      setMore(mo);
      setError("");
    } catch (e) {
      if (n === seq.current) setError(errText(e));
    }
  };

  useEffect(() => {
    void load();
  }, [query, pipeline]);

  // Deals changed elsewhere (another agent moved one): read the board again.
  const changed = inbox.crmChanged;
  useEffect(() => {
    if (changed.n && changed.type === "deal" && !drag) void load();
  }, [changed.n]);

  // The card moved with the keyboard keeps the focus in its new column, also when the board is
  // read again just after (the move's own change comes back live).
  useEffect(() => {
    const k = focusAfter.current;
    if (!k.id || Date.now() > k.until) return;
    const el = document.querySelector<HTMLElement>(`.deal-card[data-id="${k.id}"] .card-grip`);
    const active = document.activeElement;
    if (el && active !== el && (!active || active === document.body || !active.closest(".deal-card"))) el.focus();
  });

  const loadMore = async (stageId: number) => {
    const cursor = more.get(stageId);
    if (!cursor) return;
    try {
      const r = await api<{ deals: Rec[]; next?: { cursor: string } }>("GET", `deals?${query}&stage_id=${stageId}&limit=${perColumn}&cursor=${encodeURIComponent(cursor)}`);
      setCols((c) => new Map(c).set(stageId, [...(c.get(stageId) || []), ...(r.deals || [])]));
      setMore((m) => {
        const x = new Map(m);
        if (r.next?.cursor) x.set(stageId, r.next.cursor);
        else x.delete(stageId);
        return x;
      });
    } catch (e) {
      inbox.toast(errText(e), true);
    }
  };

  const stageName = (id: number) => pipeline?.stages.find((s) => s.id === id)?.name || "";

  const move = async (d: Rec, to: number) => {
    const from = d.stage_id || 0;
    if (from === to) return;
    // At once on screen; back again if the server says no.
    setCols((c) => {
      const x = new Map(c);
      x.set(from, (x.get(from) || []).filter((r) => r.id !== d.id));
      x.set(to, [{ ...d, stage_id: to, stage_name: stageName(to) }, ...(x.get(to) || [])]);
      return x;
    });
    setSum((s) => moveTotals(s, from, to, d.value || 0, d.currency || "EUR"));
    setSaid(t("cs.board.moved", { name: titleOf(d), stage: stageName(to) }));
    try {
      await api("PATCH", "deals/" + d.id, { stage_id: to });
    } catch (e) {
      inbox.toast(errText(e), true);
      void load();
    }
  };

  const close = async (d: Rec, status: "won" | "lost", reason = "") => {
    const from = d.stage_id || 0;
    try {
      await api("PATCH", "deals/" + d.id, status === "lost" ? { status, lost_reason: reason } : { status });
      setCols((c) => new Map(c).set(from, (c.get(from) || []).filter((r) => r.id !== d.id)));
      setSum((s) => moveTotals(s, from, -1, d.value || 0, d.currency || "EUR"));
      setSaid(t("cs.board." + status, { name: titleOf(d) }));
      inbox.toast(t("cs.board." + status, { name: titleOf(d) }));
    } catch (e) {
      inbox.toast(errText(e), true);
    }
  };

  const keyMove = (e: KeyboardEvent, d: Rec) => {
    if (!pipeline || (e.key !== "ArrowLeft" && e.key !== "ArrowRight")) return;
    const i = pipeline.stages.findIndex((s) => s.id === d.stage_id);
    const j = i + (e.key === "ArrowRight" ? 1 : -1);
    if (j < 0 || j >= pipeline.stages.length) return;
    e.preventDefault();
    focusAfter.current = { id: d.id, until: Date.now() + 3000 };
    void move(d, pipeline.stages[j].id);
  };

  // Dragging with pointer events: it works with a mouse, a pen and a finger alike.
  const start = (e: PointerEvent, d: Rec) => {
    if (e.button !== 0 || (e.target as HTMLElement).closest("a,button:not(.card-grip)")) return;
    const el = e.currentTarget as HTMLElement;
    const box = el.getBoundingClientRect();
    const x0 = e.clientX;
    const y0 = e.clientY;
    let moving = false;
    el.setPointerCapture(e.pointerId);
    const overOf = (x: number, y: number) => {
      const col = (document.elementsFromPoint(x, y) as HTMLElement[]).map((n) => n.closest<HTMLElement>(".board-col")).find(Boolean);
      return col ? Number(col.dataset.stage) : 0;
    };
    const onMove = (ev: PointerEvent) => {
      if (!moving && Math.abs(ev.clientX - x0) + Math.abs(ev.clientY - y0) < 6) return;
      moving = true;
      ev.preventDefault();
      setDrag({ id: d.id, from: d.stage_id || 0, x: ev.clientX - (x0 - box.left), y: ev.clientY - (y0 - box.top), over: overOf(ev.clientX, ev.clientY), w: box.width });
    };
    const onUp = (ev: PointerEvent) => {
      el.removeEventListener("pointermove", onMove);
      el.removeEventListener("pointerup", onUp);
      el.removeEventListener("pointercancel", onUp);
      if (!moving) return;
      const to = ev.type === "pointerup" ? overOf(ev.clientX, ev.clientY) : 0;
      setDrag(null);
      if (to && to !== d.stage_id) void move(d, to);
    };
    el.addEventListener("pointermove", onMove);
    el.addEventListener("pointerup", onUp);
    el.addEventListener("pointercancel", onUp);
  };

  const dragged = drag ? allStages([...cols.values()].map((stages) => ({ stages }))).find((r) => r.id === drag.id) : undefined;
  const nFilters = activeFilters({ ...filters, pipeline: "", stage: "", status: "" });
  return (
    <section class="crm board" aria-labelledby={headId}>
      <header class="pane-head crm-head">
        <button type="button" class="icon-btn phone-only" onClick={onMenu} aria-label={t("nav.menu")}>
          <Icon name="menu" />
        </button>
        <h1 id={headId}>{t("cs.board.title")}</h1>
        <div class="crm-actions">
          <a class="btn btn-s" href="#/crm/deals">
            <Icon name="table" />
            <span class="not-phone">{t("cs.board.list")}</span>
            <span class="sr phone-sr">{t("cs.board.list")}</span>
          </a>
        </div>
      </header>
      <div class="crm-bar">
        {pls.length > 1 && (
          <div class="board-pipeline">
            <label for={pipeId} class="sr">
              {t("cs.pipeline")}
            </label>
            <select
              id={pipeId}
              value={String(pipelineId)}
              onChange={(e) => {
                const id = Number((e.target as HTMLSelectElement).value);
                setPipelineId(id);
                void listSettings("deal").then((s) => saveListSettings("deal", { ...s, pipeline_id: id }));
              }}
            >
              {pls.map((p) => (
                <option key={p.id} value={String(p.id)}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div class="crm-search">
          <Icon name="search" />
          <label for={searchId} class="sr">
            {t("cs.search")}
          </label>
          <input id={searchId} type="search" value={q} placeholder={t("cs.search")} autocomplete="off" onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
        </div>
        <button type="button" class={"btn btn-s" + (showFilters ? " on" : "")} aria-expanded={showFilters ? "true" : "false"} onClick={() => setShowFilters(!showFilters)}>
          <Icon name="filter" />
          <span>{nFilters > 0 ? t("cs.filters.n", { n: nFilters }) : t("cs.filters")}</span>
        </button>
      </div>
      {showFilters && <FilterBar list="deals" board filters={filters} set={(p) => setFilters((f) => ({ ...f, ...p }))} fields={fields} pipelines={[]} stages={[]} />}
      <p class="sr" aria-live="polite">
        {said}
      </p>
      <p class="hint small board-hint">{t("cs.board.hint")}</p>
      {error && (
        <p class="err" role="alert">
          {error}
        </p>
      )}
      <div class="board-cols">
        {(pipeline?.stages || []).map((st) => {
          const s = sum.get(st.id);
          const list = cols.get(st.id) || [];
          const total = s && s.totals.length ? s.totals.map((x) => money(x.value, x.currency)).join(" + ") : money(0, "EUR");
          return (
            <section key={st.id} class={"board-col" + (drag && drag.over === st.id && drag.from !== st.id ? " board-over" : "")} data-stage={st.id} aria-labelledby={"stage-" + st.id}>
              <header class="board-col-head">
                <h2 id={"stage-" + st.id}>{st.name}</h2>
                <p class="board-sum small">
                  <span class="board-count">{t("cs.board.count", { n: s ? s.count : 0 })}</span> · <span class="board-total">{total}</span>
                </p>
              </header>
              <ul class="plain-list board-cards" aria-label={st.name}>
                {list.map((d) => (
                  <li
                    key={d.id}
                    class={"deal-card" + (drag && drag.id === d.id ? " card-ghost" : "")}
                    data-id={d.id}
                    onPointerDown={(e) => start(e as unknown as PointerEvent, d)}
                  >
                    <div class="card-top">
                      <a href={"#/crm/deal/" + d.id} class="card-title">
                        {titleOf(d)}
                      </a>
                      <button
                        type="button"
                        class="icon-btn card-grip"
                        aria-label={t("cs.board.grip", { name: titleOf(d), stage: st.name })}
                        aria-describedby="board-keys"
                        onKeyDown={(e) => keyMove(e as unknown as KeyboardEvent, d)}
                      >
                        <Icon name="grip" />
                      </button>
                    </div>
                    <div class="card-value">{money(d.value, d.currency)}</div>
                    <div class="muted small card-who">{[d.organization_name, d.person_name].filter(Boolean).join(" · ") || "\u00a0"}</div>
                    <div class="card-foot">
                      <span class="muted small">{d.owner_name || t("rec.nobody")}</span>
                      <span class="card-actions">
                        <button type="button" class="btn btn-s btn-resolve" onClick={() => void close(d, "won")} aria-label={t("cs.board.wonNamed", { name: titleOf(d) })}>
                          {t("cs.won")}
                        </button>
                        <button type="button" class="btn btn-s btn-danger-quiet" onClick={() => setLost(d)} aria-label={t("cs.board.lostNamed", { name: titleOf(d) })}>
                          {t("cs.lost")}
                        </button>
                      </span>
                    </div>
                  </li>
                ))}
              </ul>
              {more.has(st.id) && (
                <button type="button" class="link-btn board-more" onClick={() => void loadMore(st.id)}>
                  {t("cs.board.more")}
                </button>
              )}
            </section>
          );
        })}
      </div>
      <p id="board-keys" class="sr">
        {t("cs.board.keys")}
      </p>
      {drag && dragged && (
        <div class="deal-card card-flying" style={{ left: drag.x + "px", top: drag.y + "px", width: drag.w + "px" }} aria-hidden="true">
          <div class="card-title">{titleOf(dragged)}</div>
          <div class="card-value">{money(dragged.value, dragged.currency)}</div>
        </div>
      )}
      {lost && <LostReason d={lost} onClose={() => setLost(null)} onLost={(r) => void close(lost, "lost", r)} />}
    </section>
  );
}

function LostReason({ d, onClose, onLost }: { d: Rec; onClose: () => void; onLost: (reason: string) => void }) {
  const [reason, setReason] = useState("");
  const id = useId("blr");
  return (
    <Dialog title={t("cs.lost.titleNamed", { name: titleOf(d) })} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onLost(reason.trim());
          onClose();
        }}
      >
        <div class="field">
          <label for={id}>{t("cs.lostReason")}</label>
          <input id={id} value={reason} maxLength={200} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
        </div>
        <div class="dlg-actions">
          <button type="button" class="btn" onClick={onClose}>
            {t("cancel")}
          </button>
          <button type="submit" class="btn btn-danger">
            {t("cs.lost")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
