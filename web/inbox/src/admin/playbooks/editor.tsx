// The playbook editor: the flow as a tree of cards (edit, move, add, delete), targeting and
// appearance, checked by the server as you go (POST /playbooks/validate) with its problems shown on
// the cards they name; Save makes a new version. Versions, export, import and activation live in
// its header; a preview of the widget follows every change.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, ApiError } from "../../api";
import { t } from "../../i18n";
import { blankCard, byCard, type Card, cardTypes, type CardType, find, type Flow, insertAt, move, type PathRef, type Problem, problemsOf, remove, replace } from "../flow";
import { exportFileName } from "../text";
import type { Me, Playbook, PlaybookInput, PlaybookVersion, Rule, Team, User, Website } from "../types";
import { Confirm, Dialog, fmtTime, Icon, Loading, Status, useLoad, useSubmit } from "../ui";
import * as pbapi from "./api";
import { AppearanceForm } from "./appearance";
import { CardForm } from "./card-form";
import { Preview } from "./preview";
import { TargetingForm } from "./targeting";
import { TryIt } from "./try";
import { cardName, Tree, typeLabel } from "./tree";

interface Draft {
  name: string;
  priority: number;
  delay_seconds: number;
  targeting: Rule[];
  appearance: Playbook["appearance"];
  flow: Flow;
}

function draftOf(p: Playbook): Draft {
  return {
    name: p.name,
    priority: p.priority,
    delay_seconds: p.delay_seconds,
    targeting: p.targeting || [],
    appearance: p.appearance,
    flow: p.flow || { path: [] },
  };
}

function inputOf(d: Draft, websiteId: number): PlaybookInput {
  return { website_id: websiteId, name: d.name, priority: d.priority, delay_seconds: d.delay_seconds, targeting: d.targeting, appearance: d.appearance, flow: d.flow };
}

type Modal =
  | { kind: "edit"; card: Card; insert?: { ref: PathRef; index: number } }
  | { kind: "add"; ref: PathRef; index: number }
  | { kind: "delete"; id: string }
  | { kind: "versions" }
  | { kind: "import" }
  | { kind: "deletePlaybook" }
  | null;

type Tab = "flow" | "targeting" | "appearance";

export function Editor({ id, me, navigate }: { id: number; me: Me; navigate: (hash: string) => void }) {
  const pb = useLoad(() => pbapi.getPlaybook(id), [id]);
  const teams = useLoad(() => api<{ teams: Team[] }>("GET", "teams").then((r) => r.teams));
  const users = useLoad(() => api<{ users: User[] }>("GET", "users").then((r) => r.users.filter((u) => !u.deactivated)));
  const sites = useLoad(() => api<{ websites: Website[] }>("GET", "websites").then((r) => r.websites));
  if (!pb.data || !teams.data) return <Loading error={pb.error || teams.error} />;
  return (
    <EditorLoaded
      key={pb.data.id}
      playbook={pb.data}
      teams={teams.data}
      users={users.data || []}
      website={(sites.data || []).find((w) => w.id === pb.data!.website_id)}
      me={me}
      navigate={navigate}
      onReload={(p) => pb.set(p)}
    />
  );
}

function EditorLoaded(props: { playbook: Playbook; teams: Team[]; users: User[]; website?: Website; me: Me; navigate: (hash: string) => void; onReload: (p: Playbook) => void }) {
  const [pb, setPb] = useState(props.playbook);
  // A widget loading the playbook ends "offline only" while the editor is open.
  pbapi.useInstalled(pb.offline_only ? [pb.id] : [], (p) => setPb((x) => ({ ...x, offline_only: p.offline_only, loaded_at: p.loaded_at })));
  const [draft, setDraftState] = useState<Draft>(() => draftOf(props.playbook));
  const [dirty, setDirty] = useState(false);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [checking, setChecking] = useState<"" | "busy" | "done" | "failed">("");
  const [modal, setModal] = useState<Modal>(null);
  const [tab, setTab] = useState<Tab>("flow");
  const [highlight, setHighlight] = useState("");
  // The bot's funnel of the version being edited, drawn on its cards (docs/reports.md).
  const [funnels, setFunnels] = useState<pbapi.VersionFunnel[]>([]);
  useEffect(() => {
    pbapi.funnel(pb.id).then(setFunnels, () => setFunnels([]));
  }, [pb.id, pb.version]);
  const shown = funnels.find((f) => f.version === pb.version);
  const save = useSubmit();
  const act = useSubmit();
  const seq = useRef(0);
  const more = useRef<HTMLDetailsElement>(null);
  const closeMore = () => {
    if (more.current) more.current.open = false;
  };

  const setDraft = (fn: (d: Draft) => Draft) => {
    setDraftState(fn);
    setDirty(true);
    save.clear();
  };
  const setFlow = (fn: (f: Flow) => Flow) => setDraft((d) => ({ ...d, flow: fn(d.flow) }));

  // What validation sees: the draft, with the card being edited in its dialog applied.
  const effective = useMemo<Draft>(() => {
    if (!modal || modal.kind !== "edit") return draft;
    const flow = modal.insert ? insertAt(draft.flow, modal.insert.ref, modal.card, modal.insert.index) : replace(draft.flow, modal.card);
    return { ...draft, flow };
  }, [draft, modal]);

  const editing = modal && modal.kind === "edit";
  useEffect(() => {
    if (!dirty && !editing) return;
    const n = ++seq.current;
    setChecking("busy");
    const timer = setTimeout(async () => {
      try {
        const ps = await pbapi.validate(inputOf(effective, pb.website_id));
        if (n === seq.current) {
          setProblems(ps);
          setChecking("done");
        }
      } catch (e) {
        if (n !== seq.current) return;
        const ps = e instanceof ApiError ? problemsOf(e.details) : [];
        if (ps.length) {
          setProblems(ps);
          setChecking("done");
        } else setChecking("failed");
      }
    }, 400);
    return () => clearTimeout(timer);
  }, [effective, dirty]);

  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = "";
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  const grouped = useMemo(() => byCard(effective.flow, problems), [effective, problems]);
  const general = grouped.general;
  const cardProblems = [...grouped.cards.entries()];
  const targetingProblems = general.filter((p) => /^(targeting|priority|delay_seconds)/.test(p.field || ""));
  const appearanceProblems = general.filter((p) => /^appearance/.test(p.field || ""));

  const focusCard = (cardId: string) => {
    setTab("flow");
    setHighlight(cardId);
    requestAnimationFrame(() => {
      const el = document.getElementById("pb-card-" + cardId);
      if (el) {
        el.scrollIntoView({ block: "center" });
        el.focus();
      }
    });
  };

  const doSave = async () => {
    await save.run(async () => {
      try {
        const next = await pbapi.savePlaybook(pb.id, { ...inputOf(draft, pb.website_id), base_version: pb.version });
        setPb(next);
        props.onReload(next);
        setDraftState(draftOf(next));
        setDirty(false);
        setProblems([]);
        setChecking("");
        seq.current++;
      } catch (e) {
        if (e instanceof ApiError) {
          const ps = problemsOf(e.details);
          if (ps.length) {
            setProblems(ps);
            setChecking("done");
          }
        }
        throw e;
      }
    });
  };

  const toggleActive = () =>
    act.run(async () => {
      const next = await pbapi.setActive(pb.id, !pb.active);
      setPb(next);
    }, pb.active ? t("admin.pb.deactivated") : t("admin.pb.activated"));

  const doExport = () =>
    act.run(async () => {
      const doc = await pbapi.exportDocument(pb.id);
      const blob = new Blob([JSON.stringify(doc, null, 2) + "\n"], { type: "application/json" });
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = exportFileName(pb.name);
      a.className = "adm-offscreen";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    }, t("admin.pb.exported"));

  const actions = {
    edit: (cardId: string) => {
      const f = find(draft.flow, cardId);
      if (f) setModal({ kind: "edit", card: f.card });
    },
    remove: (cardId: string) => setModal({ kind: "delete", id: cardId }),
    move: (cardId: string, delta: -1 | 1) => {
      setFlow((f) => move(f, cardId, delta));
      requestAnimationFrame(() => {
        const card = document.getElementById("pb-card-" + cardId);
        const btn = card && card.querySelectorAll<HTMLButtonElement>(".pb-tools button")[delta < 0 ? 1 : 2];
        if (btn && !btn.disabled) btn.focus();
        else if (card) card.focus();
      });
    },
    add: (ref: PathRef, index: number) => setModal({ kind: "add", ref, index }),
  };

  const tabs: { id: Tab; label: string; count: number }[] = [
    { id: "flow", label: t("admin.pb.tab.flow"), count: cardProblems.reduce((n, [, ps]) => n + ps.length, 0) + general.filter((p) => p.field === "flow").length },
    { id: "targeting", label: t("admin.pb.tab.targeting"), count: targetingProblems.length },
    { id: "appearance", label: t("admin.pb.tab.appearance"), count: appearanceProblems.length },
  ];

  return (
    <div class="adm-screen pb-editor">
      <p class="adm-back">
        <a href="#/admin/playbooks">
          <Icon name="back" /> {t("admin.pb.all")}
        </a>
      </p>
      <div class="pb-header">
        <div class="pb-title">
          <h1>{pb.name}</h1>
          <p class="adm-muted">
            {props.website ? props.website.name + " · " : ""}
            <span class="pb-version" data-version={pb.version}>
              {t("admin.pb.version", { n: pb.version })}
            </span>{" "}
            <span class={"adm-badge " + (pb.active ? "adm-badge-on" : "adm-badge-off")}>{pb.active ? t("admin.pb.active") : t("admin.pb.inactive")}</span>
            {dirty && <span class="adm-badge adm-badge-warn">{t("admin.pb.unsaved")}</span>}
          </p>
        </div>
        <div class="pb-header-actions">
          <button type="button" class="adm-btn pb-toggle-active" onClick={toggleActive} disabled={act.busy}>
            {pb.active ? t("admin.pb.deactivate") : t("admin.pb.activate")}
          </button>
          <button type="button" class="adm-btn" onClick={() => setModal({ kind: "versions" })}>
            {t("admin.pb.versions")}
          </button>
          <details
            class="pb-more"
            ref={more}
            onKeyDown={(e) => {
              if (e.key === "Escape" && more.current && more.current.open) {
                e.preventDefault();
                closeMore();
                more.current.querySelector("summary")!.focus();
              }
            }}
          >
            <summary class="adm-btn">{t("admin.pb.more")}</summary>
            <div class="pb-more-menu">
              <button type="button" class="adm-btn" onClick={() => (closeMore(), doExport())}>
                <Icon name="download" /> {t("admin.pb.export")}
              </button>
              <button type="button" class="adm-btn" onClick={() => (closeMore(), setModal({ kind: "import" }))}>
                <Icon name="upload" /> {t("admin.pb.import")}
              </button>
              <button type="button" class="adm-btn adm-danger-outline" onClick={() => (closeMore(), setModal({ kind: "deletePlaybook" }))}>
                <Icon name="bin" /> {t("admin.pb.delete")}
              </button>
            </div>
          </details>
          <button type="button" class="adm-btn adm-primary pb-save" onClick={doSave} disabled={save.busy || !dirty}>
            {t("admin.pb.save")}
          </button>
        </div>
      </div>
      <div class="pb-status">
        <Status s={act} />
        {save.error && (
          <p class="adm-err pb-save-error" role="alert">
            {save.error}
          </p>
        )}
        <p class="adm-muted pb-check" role="status">
          {checking === "busy"
            ? t("admin.pb.checking")
            : checking === "failed"
              ? t("admin.pb.checkFailed")
              : checking === "done"
                ? problems.length
                  ? t("admin.pb.problems", { n: problems.length })
                  : t("admin.pb.noProblems")
                : !dirty && pb.version
                  ? t("admin.pb.savedVersion", { n: pb.version })
                  : ""}
        </p>
      </div>
      {problems.length > 0 && (
        <section class="adm-panel pb-problem-list" aria-labelledby="pb-problems-h">
          <h2 id="pb-problems-h">{t("admin.pb.problemsTitle")}</h2>
          <ul>
            {cardProblems.map(([cardId, ps]) => {
              const f = find(effective.flow, cardId);
              const name = f ? cardName(f.card) : cardId;
              return ps.map((p, i) => (
                <li key={cardId + i}>
                  <button type="button" class="adm-linkbtn" onClick={() => focusCard(cardId)}>
                    {name}
                  </button>
                  : {p.message}
                </li>
              ));
            })}
            {general.map((p, i) => (
              <li key={"g" + i}>
                {p.field && /^(targeting|priority|delay)/.test(p.field) ? (
                  <button type="button" class="adm-linkbtn" onClick={() => setTab("targeting")}>
                    {t("admin.pb.tab.targeting")}
                  </button>
                ) : p.field && /^appearance/.test(p.field) ? (
                  <button type="button" class="adm-linkbtn" onClick={() => setTab("appearance")}>
                    {t("admin.pb.tab.appearance")}
                  </button>
                ) : null}
                {p.field && /^(targeting|priority|delay|appearance)/.test(p.field) ? ": " : ""}
                {p.message}
              </li>
            ))}
          </ul>
        </section>
      )}
      <div class="pb-layout">
        <div class="pb-work">
          <div class="adm-field pb-name">
            <label for="pb-name">{t("admin.pb.name")}</label>
            <input id="pb-name" value={draft.name} maxLength={100} autocomplete="off" onInput={(e) => setDraft((d) => ({ ...d, name: (e.currentTarget as HTMLInputElement).value }))} />
            {general.find((p) => p.field === "name") && <p class="adm-err">{general.find((p) => p.field === "name")!.message}</p>}
          </div>
          <div class="adm-tabs" role="tablist" aria-label={t("admin.pb.sections")}>
            {tabs.map((x) => (
              <button
                type="button"
                role="tab"
                key={x.id}
                id={"pb-tab-" + x.id}
                aria-selected={tab === x.id}
                aria-controls={"pb-panel-" + x.id}
                tabIndex={tab === x.id ? 0 : -1}
                onClick={() => setTab(x.id)}
                onKeyDown={(e) => {
                  const i = tabs.findIndex((y) => y.id === tab);
                  const d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
                  if (!d) return;
                  e.preventDefault();
                  const next = tabs[(i + d + tabs.length) % tabs.length].id;
                  setTab(next);
                  requestAnimationFrame(() => document.getElementById("pb-tab-" + next)?.focus());
                }}
              >
                {x.label}
                {x.count > 0 && <span class="adm-count">{x.count}</span>}
              </button>
            ))}
          </div>
          <div role="tabpanel" id={"pb-panel-" + tab} aria-labelledby={"pb-tab-" + tab} class="pb-panel">
            {tab === "flow" && (
              <>
                {general
                  .filter((p) => p.field === "flow")
                  .map((p, i) => (
                    <p class="adm-err" key={i}>
                      {p.message}
                    </p>
                  ))}
                {shown && (
                  <p class="pb-funnel-sum" data-version={shown.version}>
                    {t("rep.funnel.title", { v: shown.version, n: shown.conversations, leads: shown.leads, deals: shown.deals })}
                  </p>
                )}
                <Tree
                  flow={draft.flow}
                  problems={grouped.cards}
                  teams={props.teams}
                  offlineOnly={pb.offline_only}
                  actions={actions}
                  highlight={highlight}
                  funnel={shown && new Map(shown.cards.map((c) => [c.card_id, c]))}
                />
              </>
            )}
            {tab === "targeting" && (
              <TargetingForm
                value={{ targeting: draft.targeting, priority: draft.priority, delay_seconds: draft.delay_seconds }}
                onChange={(v) => setDraft((d) => ({ ...d, ...v }))}
                problems={targetingProblems}
                active={pb.active}
                onToggleActive={toggleActive}
              />
            )}
            {tab === "appearance" && <AppearanceForm value={draft.appearance} onChange={(appearance) => setDraft((d) => ({ ...d, appearance }))} problems={appearanceProblems} />}
          </div>
        </div>
        <aside class="pb-side" aria-label={t("admin.pb.preview")}>
          <TryIt input={inputOf(effective, pb.website_id)} blocked={problems.length > 0}>
            <Preview appearance={effective.appearance} flow={effective.flow} />
          </TryIt>
        </aside>
      </div>
      {modal && modal.kind === "add" && (
        <AddCard
          onClose={() => setModal(null)}
          onPick={(type) => {
            const card = blankCard(type, t);
            setModal({ kind: "edit", card, insert: { ref: modal.ref, index: modal.index } });
          }}
        />
      )}
      {modal && modal.kind === "edit" && (
        <Dialog title={modal.insert ? t("admin.pb.newCard", { type: typeLabel(modal.card.type) }) : t("admin.pb.editCard", { card: typeLabel(modal.card.type) })} onClose={() => setModal(null)} wide>
          <form
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              const m = modal;
              setFlow((f) => (m.insert ? insertAt(f, m.insert.ref, m.card, m.insert.index) : replace(f, m.card)));
              setModal(null);
              focusCard(m.card.id);
            }}
          >
            <CardForm card={modal.card} onChange={(card) => setModal({ ...modal, card })} problems={grouped.cards.get(modal.card.id) || []} teams={props.teams} users={props.users} />
            <p class="adm-muted" role="status">
              {checking === "busy" ? t("admin.pb.checking") : (grouped.cards.get(modal.card.id) || []).length ? "" : checking === "done" ? t("admin.pb.cardOk") : ""}
            </p>
            <div class="adm-actions">
              <button type="button" class="adm-btn" onClick={() => setModal(null)}>
                {t("admin.cancel")}
              </button>
              <button type="submit" class="adm-btn adm-primary pb-card-save">
                {modal.insert ? t("admin.pb.addThisCard") : t("admin.pb.applyCard")}
              </button>
            </div>
          </form>
        </Dialog>
      )}
      {modal && modal.kind === "delete" && (
        <DeleteCard
          flow={draft.flow}
          id={modal.id}
          onClose={() => setModal(null)}
          onDelete={() => {
            const f = find(draft.flow, modal.id);
            setFlow((fl) => remove(fl, modal.id));
            setModal(null);
            if (f) {
              const path = f.ref.kind === "root" ? draft.flow.path : null;
              const neighbour = path ? path[f.index - 1] || path[f.index + 1] : null;
              if (neighbour) requestAnimationFrame(() => document.getElementById("pb-card-" + neighbour.id)?.focus());
            }
          }}
        />
      )}
      {modal && modal.kind === "versions" && (
        <Versions
          playbook={pb}
          teams={props.teams}
          onClose={() => setModal(null)}
          onLoad={(v) => {
            setDraft((d) => ({ ...d, flow: v.flow || { path: [] }, appearance: v.appearance }));
            setModal(null);
          }}
        />
      )}
      {modal && modal.kind === "import" && (
        <ImportDialog
          target={{ playbookId: pb.id }}
          text={t("admin.pb.importIntoText")}
          onClose={() => setModal(null)}
          onDone={(next) => {
            setPb(next);
            props.onReload(next);
            setDraftState(draftOf(next));
            setDirty(false);
            setProblems([]);
            setModal(null);
          }}
        />
      )}
      {modal && modal.kind === "deletePlaybook" && (
        <Confirm
          title={t("admin.pb.deleteTitle", { name: pb.name })}
          text={t("admin.pb.deleteText")}
          action={t("admin.pb.delete")}
          danger
          onClose={() => setModal(null)}
          onConfirm={async () => {
            await pbapi.deletePlaybook(pb.id);
            setDirty(false);
            props.navigate("#/admin/playbooks");
          }}
        />
      )}
    </div>
  );
}

function AddCard({ onClose, onPick }: { onClose: () => void; onPick: (t: CardType) => void }) {
  return (
    <Dialog title={t("admin.pb.addTitle")} onClose={onClose}>
      <ul class="pb-types">
        {cardTypes.map((ct) => (
          <li key={ct}>
            <button type="button" class="pb-type-btn" data-type={ct} onClick={() => onPick(ct)}>
              <strong>{typeLabel(ct)}</strong>
              <span>{t("admin.pb.about." + ct)}</span>
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}

function DeleteCard({ flow, id, onClose, onDelete }: { flow: Flow; id: string; onClose: () => void; onDelete: () => void }) {
  const f = find(flow, id);
  if (!f) return null;
  let inside = 0;
  const count = (c: Card) => {
    for (const a of c.answers || []) for (const x of a.path || []) (inside++, count(x));
    for (const x of c.offline_path || []) (inside++, count(x));
    for (const x of c.declined_path || []) (inside++, count(x));
  };
  count(f.card);
  return (
    <Confirm
      title={t("admin.pb.deleteCardTitle", { card: cardName(f.card) })}
      text={inside ? t("admin.pb.deleteCardInside", { n: inside }) : t("admin.pb.deleteCardText")}
      action={t("admin.pb.deleteCardAction")}
      danger
      onClose={onClose}
      onConfirm={onDelete}
    />
  );
}

function Versions({ playbook, teams, onClose, onLoad }: { playbook: Playbook; teams: Team[]; onClose: () => void; onLoad: (v: PlaybookVersion) => void }) {
  const list = useLoad(() => pbapi.versions(playbook.id));
  const users = useLoad(() => api<{ users: User[] }>("GET", "users").then((r) => r.users));
  const [open, setOpen] = useState<PlaybookVersion | null>(null);
  const s = useSubmit();
  const who = (uid: number) => ((users.data || []).find((u) => u.id === uid) || { name: "" }).name;
  return (
    <Dialog title={open ? t("admin.pb.versionTitle", { n: open.version }) : t("admin.pb.versions")} onClose={onClose} wide>
      {open ? (
        <>
          <p class="adm-muted">{t("admin.pb.versionBy", { time: fmtTime(open.created_at), name: who(open.created_by) || "—" })}</p>
          <div class="pb-layout pb-version-view">
            <div class="pb-work">
              <Tree flow={open.flow || { path: [] }} problems={new Map()} teams={teams} offlineOnly={false} />
            </div>
            <div class="pb-side">
              <Preview appearance={open.appearance} flow={open.flow || { path: [] }} />
            </div>
          </div>
          <div class="adm-actions">
            <button type="button" class="adm-btn" onClick={() => setOpen(null)}>
              {t("admin.pb.allVersions")}
            </button>
            {open.version !== playbook.version && (
              <button type="button" class="adm-btn adm-primary" onClick={() => onLoad(open)}>
                {t("admin.pb.loadVersion")}
              </button>
            )}
          </div>
        </>
      ) : !list.data ? (
        <Loading error={list.error} />
      ) : (
        <ul class="adm-list pb-version-list">
          {list.data.map((v) => (
            <li class="adm-row" key={v.version}>
              <div class="adm-row-main">
                <p class="adm-name">
                  {t("admin.pb.version", { n: v.version })}
                  {v.version === playbook.version && <span class="adm-badge">{t("admin.pb.current")}</span>}
                </p>
                <p class="adm-muted">{t("admin.pb.versionBy", { time: fmtTime(v.created_at), name: who(v.created_by) || "—" })}</p>
              </div>
              <div class="adm-row-side">
                <button type="button" class="adm-btn" disabled={s.busy} onClick={() => s.run(async () => setOpen(await pbapi.version(playbook.id, v.version)))}>
                  {t("admin.pb.view")}
                  <span class="adm-visually-hidden"> {t("admin.pb.version", { n: v.version })}</span>
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <Status s={s} />
    </Dialog>
  );
}

/** ImportDialog reads a playbook file and saves it: as a new version of a playbook, or a new playbook on a website. */
export function ImportDialog({ target, text, onClose, onDone }: { target: { playbookId?: number; websiteId?: number }; text: string; onClose: () => void; onDone: (p: Playbook) => void }) {
  const s = useSubmit();
  const [problems, setProblems] = useState<Problem[]>([]);
  return (
    <Dialog title={t("admin.pb.importTitle")} onClose={onClose}>
      <p>{text}</p>
      <div class="adm-field">
        <label for="pb-import-file">{t("admin.pb.importFile")}</label>
        <input
          id="pb-import-file"
          type="file"
          accept="application/json,.json"
          disabled={s.busy}
          onChange={async (e) => {
            const input = e.currentTarget as HTMLInputElement;
            const file = input.files && input.files[0];
            if (!file) return;
            setProblems([]);
            let doc: unknown;
            try {
              doc = JSON.parse(await file.text());
            } catch {
              s.setError(t("admin.pb.importNotJson"));
              input.value = "";
              return;
            }
            await s.run(async () => {
              try {
                onDone(await pbapi.importDocument(doc, target));
              } catch (err) {
                if (err instanceof ApiError) setProblems(problemsOf(err.details));
                input.value = "";
                throw err;
              }
            });
          }}
        />
      </div>
      {s.busy && <p role="status">{t("admin.pb.importing")}</p>}
      <Status s={s} />
      {problems.length > 1 && (
        <ul class="adm-problems">
          {problems.map((p, i) => (
            <li key={i} class="adm-err">
              {p.card_id ? `${p.card_id}: ` : ""}
              {p.message}
            </li>
          ))}
        </ul>
      )}
      <div class="adm-actions">
        <button type="button" class="adm-btn" onClick={onClose}>
          {t("admin.cancel")}
        </button>
      </div>
    </Dialog>
  );
}
