// The flow drawn as a tree of cards: each path a list, each question's answers as branches below
// it, the live chat card's offline path below it, indented and labelled "If nobody answers".
import { t } from "../../i18n";
import { type Card, type CardType, type Flow, isTerminal, type PathRef, type Problem, rootRef, subpaths } from "../flow";
import { plain } from "../markdown";
import { duration } from "../text";
import type { Team } from "../types";
import { Icon, IconButton } from "../ui";
import type { CardFunnel } from "./api";

export interface TreeActions {
  edit: (id: string) => void;
  remove: (id: string) => void;
  move: (id: string, delta: -1 | 1) => void;
  add: (ref: PathRef, index: number) => void;
}

export function typeLabel(type: CardType | string): string {
  return t("admin.pb.type." + type);
}

const typeIcon: Record<string, string> = { message: "chat", question: "help", capture: "pencil", consent: "check", action: "plus", live_chat: "wave", end: "x" };

function short(s: string, n = 140): string {
  const p = plain(s);
  return p.length > n ? p.slice(0, n - 1) + "…" : p;
}

export function secondsText(s: number): string {
  return duration(s, { s: t("admin.unit.s"), min: t("admin.unit.min"), h: t("admin.unit.h") });
}

/** cardName names a card for problems and buttons: its type and the start of its text. */
export function cardName(c: Card): string {
  const text =
    c.type === "live_chat"
      ? c.online_markdown
      : c.type === "action"
        ? (c.lead && c.lead.title) || (c.deal && c.deal.title) || (c.activity && c.activity.subject) || t("admin.pb.action." + (c.action || ""))
        : c.markdown;
  const s = text ? short(text, 40) : "";
  return s ? `${typeLabel(c.type)} “${s}”` : typeLabel(c.type);
}

function Summary({ c, teams, offlineOnly }: { c: Card; teams: Team[]; offlineOnly: boolean }) {
  switch (c.type) {
    case "message":
      return <p class="pb-text">{short(c.markdown || "") || <em>{t("admin.pb.empty")}</em>}</p>;
    case "question":
      return <p class="pb-text">{short(c.markdown || "") || <em>{t("admin.pb.empty")}</em>}</p>;
    case "capture": {
      const f = c.field;
      return (
        <>
          <p class="pb-text">{short(c.markdown || "")}</p>
          <p class="pb-meta">
            {t("admin.pb.asksFor", { field: f ? (f.type === "custom" ? `${f.label || f.key} (${f.key})` : t("admin.pb.field." + f.type)) : "?" })}
            {f && f.rules && f.rules.required ? " · " + t("admin.pb.f.required") : " · " + t("admin.pb.optional")}
          </p>
        </>
      );
    }
    case "consent":
      return (
        <>
          <p class="pb-text">{short(c.markdown || "")}</p>
          <p class="pb-meta">
            {t("admin.pb.consentMeta", { version: c.version || "?" })} · {c.required ? t("admin.pb.f.required") : t("admin.pb.optional")}
          </p>
        </>
      );
    case "action":
      return (
        <p class="pb-text">
          {t("admin.pb.action." + (c.action || ""))}
          {c.action === "create_lead" && c.lead ? `: ${c.lead.title}` : ""}
          {c.action === "create_lead" && c.lead && c.lead.value ? ` · ${(c.lead.value / 100).toFixed(2)} ${c.lead.currency || ""}` : ""}
          {c.action === "create_deal" && c.deal ? `: ${c.deal.title}` : ""}
          {c.action === "create_deal" && c.deal && c.deal.value ? ` · ${(c.deal.value / 100).toFixed(2)} ${c.deal.currency || ""}` : ""}
          {c.action === "create_activity" && c.activity ? `: ${c.activity.subject}` : ""}
        </p>
      );
    case "live_chat": {
      const team = c.team_id ? teams.find((x) => x.id === c.team_id) : undefined;
      return (
        <>
          <p class="pb-text">
            <span class="pb-k">{t("admin.pb.onlineShort")}</span> {short(c.online_markdown || "")}
          </p>
          <p class="pb-meta">
            {t("admin.pb.waits", { time: secondsText(c.waiting_seconds || 120) })} · {team ? t("admin.pb.team", { name: team.name }) : t("admin.pb.f.anyAgent")}
            {offlineOnly && <span class="adm-badge adm-badge-warn">{t("admin.pb.offlineOnly")}</span>}
          </p>
          {offlineOnly && <p class="adm-hint pb-offline-why">{t("admin.pb.offlineOnlyHint")}</p>}
          <p class="pb-text">
            <span class="pb-k">{t("admin.pb.offlineShort")}</span> {short(c.offline_markdown || "")}
          </p>
        </>
      );
    }
    case "end":
      return <p class="pb-meta">{t("admin.pb.endSummary")}</p>;
  }
}

interface TreeProps {
  flow: Flow;
  problems: Map<string, Problem[]>;
  teams: Team[];
  offlineOnly: boolean;
  actions?: TreeActions; // none: read-only
  highlight?: string;
  /** how visitors went through each card of the version shown (the bot's funnel), by card id */
  funnel?: Map<string, CardFunnel>;
}

/** FunnelLine is a card's funnel figures: seen, answered, dropped off, and a live chat card's taken and offline. */
function FunnelLine({ f }: { f?: CardFunnel }) {
  if (!f) return null;
  const parts: [string, number][] = [["seen", f.seen]];
  if (f.type === "question" || f.type === "capture" || f.type === "consent") parts.push(["answered", f.answered], ["dropped", f.dropped_off]);
  if (f.type === "live_chat") parts.push(["taken", f.taken || 0], ["offline", f.offline || 0]);
  return (
    <p class="pb-funnel" data-funnel={f.card_id}>
      {parts.map(([k, n], i) => (
        <span key={k} data-k={k}>
          {i > 0 && " · "}
          <b>{n}</b> {t("rep.funnel." + k)}
        </span>
      ))}
    </p>
  );
}

export function Tree(props: TreeProps) {
  return (
    <div class="pb-tree">
      <Path {...props} path={props.flow.path || []} pathRef={rootRef} label={t("admin.pb.mainPath")} />
    </div>
  );
}

function Path(props: TreeProps & { path: Card[]; pathRef: PathRef; label: string }) {
  const { path, pathRef, actions } = props;
  const last = path[path.length - 1];
  const canAppend = actions && (!last || !isTerminal(last.type));
  return (
    <>
      <ol class="pb-path" aria-label={props.label}>
        {path.map((c, i) => (
          <Node key={c.id} {...props} card={c} index={i} count={path.length} />
        ))}
      </ol>
      {path.length === 0 && <p class="pb-emptypath">{t("admin.pb.emptyPath")}</p>}
      {canAppend && (
        <button type="button" class="adm-btn pb-add" onClick={() => actions!.add(pathRef, path.length)}>
          <Icon name="plus" /> {path.length === 0 ? t("admin.pb.addFirst") : t("admin.pb.addCard")}
          <span class="adm-visually-hidden"> ({props.label})</span>
        </button>
      )}
    </>
  );
}

function Node(props: TreeProps & { card: Card; index: number; count: number; pathRef: PathRef }) {
  const { card: c, actions, index, count } = props;
  const problems = props.problems.get(c.id) || [];
  const name = typeLabel(c.type);
  const headingId = "pb-h-" + c.id;
  return (
    <li class="pb-node">
      <div
        class={"pb-card pb-" + c.type + (problems.length ? " pb-invalid" : "") + (props.highlight === c.id ? " pb-hl" : "")}
        id={"pb-card-" + c.id}
        data-card-id={c.id}
        role="group"
        aria-labelledby={headingId}
        tabIndex={-1}
      >
        <div class="pb-card-head">
          <span class="pb-type" id={headingId}>
            <Icon name={typeIcon[c.type] || "chat"} /> {name}
            <span class="adm-visually-hidden">
              {" "}
              ({index + 1}/{count})
            </span>
          </span>
          {actions && (
            <span class="pb-tools">
              <IconButton icon="pencil" label={t("admin.pb.editCard", { card: name })} onClick={() => actions.edit(c.id)} class="pb-edit" />
              <IconButton icon="up" label={t("admin.pb.moveUp", { card: name })} disabled={index === 0} onClick={() => actions.move(c.id, -1)} />
              <IconButton icon="down" label={t("admin.pb.moveDown", { card: name })} disabled={index === count - 1} onClick={() => actions.move(c.id, 1)} />
              {!isTerminal(c.type) && <IconButton icon="plus" label={t("admin.pb.addAfter", { card: name })} onClick={() => actions.add(props.pathRef, index + 1)} />}
              <IconButton icon="bin" danger label={t("admin.pb.deleteCard", { card: name })} onClick={() => actions.remove(c.id)} class="pb-delete" />
            </span>
          )}
        </div>
        <Summary c={c} teams={props.teams} offlineOnly={props.offlineOnly} />
        {props.funnel && <FunnelLine f={props.funnel.get(c.id)} />}
        {problems.length > 0 && (
          <ul class="pb-problems">
            {problems.map((p, i) => (
              <li key={i} class="adm-err">
                <Icon name="warn" /> {p.message}
              </li>
            ))}
          </ul>
        )}
      </div>
      {subpaths(c).map((s) => {
        const label =
          s.ref.kind === "answer"
            ? t("admin.pb.ifAnswer", { answer: ((c.answers || []).find((a) => s.ref.kind === "answer" && a.id === s.ref.answerId) || { label: "" }).label || "…" })
            : s.ref.kind === "offline"
              ? t("admin.pb.ifNobody")
              : t("admin.pb.ifDeclined");
        return (
          <div class={"pb-branch pb-branch-" + s.ref.kind} key={s.ref.kind + (s.ref.kind === "answer" ? s.ref.answerId : "")}>
            <p class="pb-branch-label">{label}</p>
            <Path {...props} path={s.path} pathRef={s.ref} label={label} />
          </div>
        );
      })}
    </li>
  );
}
