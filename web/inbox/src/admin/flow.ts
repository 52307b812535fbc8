// A playbook's flow as the API sends it (internal/playbook/flow.go), and the editor's operations on
// it. Every operation is pure: it returns a new flow and leaves the old one (and every card id)
// untouched, so the editor can keep an undo-free, re-render-friendly state and the tests can pin
// what each operation does.

export type CardType = "message" | "question" | "capture" | "consent" | "action" | "live_chat" | "end";
export const cardTypes: CardType[] = ["message", "question", "capture", "consent", "action", "live_chat", "end"];

export type FieldType = "name" | "email" | "phone" | "company" | "custom";
export const fieldTypes: FieldType[] = ["name", "email", "phone", "company", "custom"];

export type ActionKind = "qualify" | "disqualify" | "create_person" | "create_lead" | "create_deal" | "create_activity";
export const actionKinds: ActionKind[] = ["qualify", "disqualify", "create_person", "create_lead", "create_deal", "create_activity"];

export interface Rules {
  required: boolean;
  min_length?: number;
  max_length?: number;
  pattern?: string;
  hint?: string;
}

export interface Field {
  type: FieldType;
  key: string;
  label: string;
  placeholder?: string;
  rules: Rules;
}

export interface Lead {
  title: string;
  value?: number; // minor units (cents)
  currency?: string;
}

/** Deal is what a create_deal action makes (default: the default pipeline's first stage). */
export interface Deal extends Lead {
  pipeline_id?: number;
  stage_id?: number;
}

/** Activity is what a create_activity action makes, due due_in_days after it is made. */
export interface Activity {
  type: string;
  subject: string;
  due_in_days?: number;
  due_time?: string;
}

/** Owner owns what a create action makes: a user, or a team's members in turn. */
export interface Owner {
  user_id?: number;
  team_id?: number;
}

export interface Answer {
  id: string;
  label: string;
  path: Card[];
}

export interface Card {
  id: string;
  type: CardType;
  markdown?: string;
  answers?: Answer[];
  field?: Field;
  version?: string;
  checkbox_label?: string;
  required?: boolean;
  declined_path?: Card[];
  action?: ActionKind;
  lead?: Lead;
  deal?: Deal;
  activity?: Activity;
  owner?: Owner;
  online_markdown?: string;
  waiting_seconds?: number;
  offline_markdown?: string;
  team_id?: number;
  offline_path?: Card[];
}

export interface Flow {
  path: Card[];
}

/** Where a path hangs in the tree: the root path, an answer's path, or a card's offline or declined path. */
export type PathRef =
  | { kind: "root" }
  | { kind: "answer"; cardId: string; answerId: string }
  | { kind: "offline"; cardId: string }
  | { kind: "declined"; cardId: string };

export const rootRef: PathRef = { kind: "root" };

const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

/** newId returns prefix and ten random letters and digits, as the server makes them ("crd_…", "ans_…"). */
export function newId(prefix: string): string {
  const b = new Uint8Array(10);
  crypto.getRandomValues(b);
  let s = prefix;
  for (const x of b) s += alphabet[x % alphabet.length];
  return s;
}

/** terminal cards end their path: nothing after them would ever be shown (the server refuses it). */
export function isTerminal(type: CardType): boolean {
  return type === "question" || type === "live_chat" || type === "end";
}

/** subpaths lists the paths a card holds, in the order a reader sees them. */
export function subpaths(c: Card): { ref: PathRef; path: Card[] }[] {
  const out: { ref: PathRef; path: Card[] }[] = [];
  for (const a of c.answers || []) out.push({ ref: { kind: "answer", cardId: c.id, answerId: a.id }, path: a.path || [] });
  if (c.type === "consent" && !c.required) out.push({ ref: { kind: "declined", cardId: c.id }, path: c.declined_path || [] });
  if (c.type === "live_chat") out.push({ ref: { kind: "offline", cardId: c.id }, path: c.offline_path || [] });
  return out;
}

/** walk calls fn for every card, depth first, a card before the paths it holds. */
export function walk(flow: Flow, fn: (c: Card, depth: number) => void): void {
  const visit = (path: Card[], depth: number) => {
    for (const c of path) {
      fn(c, depth);
      for (const s of subpaths(c)) visit(s.path, depth + 1);
    }
  };
  visit(flow.path || [], 0);
}

/** ids lists every card id in reading order. */
export function cardIds(flow: Flow): string[] {
  const out: string[] = [];
  walk(flow, (c) => out.push(c.id));
  return out;
}

/** find returns the card with this id, the path holding it and its index there. */
export function find(flow: Flow, id: string): { card: Card; ref: PathRef; index: number } | null {
  const search = (path: Card[], ref: PathRef): { card: Card; ref: PathRef; index: number } | null => {
    for (let i = 0; i < path.length; i++) {
      const c = path[i];
      if (c.id === id) return { card: c, ref, index: i };
      for (const s of subpaths(c)) {
        const r = search(s.path, s.ref);
        if (r) return r;
      }
    }
    return null;
  };
  return search(flow.path || [], rootRef);
}

/** getPath returns the path a ref names; null when it names nothing in this flow. */
export function getPath(flow: Flow, ref: PathRef): Card[] | null {
  if (ref.kind === "root") return flow.path || [];
  const f = find(flow, ref.cardId);
  if (!f) return null;
  const c = f.card;
  switch (ref.kind) {
    case "answer": {
      const a = (c.answers || []).find((x) => x.id === ref.answerId);
      return a ? a.path || [] : null;
    }
    case "offline":
      return c.type === "live_chat" ? c.offline_path || [] : null;
    case "declined":
      return c.type === "consent" ? c.declined_path || [] : null;
  }
}

// withPath returns the flow with the path at ref replaced by fn(path). Only the cards on the way to
// it are copied; everything else is shared with the old flow.
function withPath(flow: Flow, ref: PathRef, fn: (path: Card[]) => Card[]): Flow {
  if (ref.kind === "root") return { ...flow, path: fn(flow.path || []) };
  let done = false;
  const rewrite = (path: Card[]): Card[] => {
    let changed = false;
    const out = path.map((c) => {
      if (done) return c;
      if (c.id === ref.cardId) {
        done = true;
        changed = true;
        switch (ref.kind) {
          case "answer":
            return { ...c, answers: (c.answers || []).map((a) => (a.id === ref.answerId ? { ...a, path: fn(a.path || []) } : a)) };
          case "offline":
            return { ...c, offline_path: fn(c.offline_path || []) };
          case "declined":
            return { ...c, declined_path: fn(c.declined_path || []) };
        }
      }
      const n = rewriteInside(c);
      if (n !== c) changed = true;
      return n;
    });
    return changed ? out : path;
  };
  const rewriteInside = (c: Card): Card => {
    let n = c;
    if (c.answers) {
      const answers = c.answers.map((a) => {
        if (done) return a;
        const p = rewrite(a.path || []);
        return p === a.path ? a : { ...a, path: p };
      });
      if (answers.some((a, i) => a !== c.answers![i])) n = { ...n, answers };
    }
    if (!done && c.offline_path) {
      const p = rewrite(c.offline_path);
      if (p !== c.offline_path) n = { ...n, offline_path: p };
    }
    if (!done && c.declined_path) {
      const p = rewrite(c.declined_path);
      if (p !== c.declined_path) n = { ...n, declined_path: p };
    }
    return n;
  };
  const path = rewrite(flow.path || []);
  return done ? { ...flow, path } : flow;
}

/** insertAt puts card into the path at ref, at index (clamped; the end when omitted). */
export function insertAt(flow: Flow, ref: PathRef, card: Card, index?: number): Flow {
  if (getPath(flow, ref) === null) return flow;
  return withPath(flow, ref, (p) => {
    const i = index === undefined ? p.length : Math.max(0, Math.min(index, p.length));
    return [...p.slice(0, i), card, ...p.slice(i)];
  });
}

/** insertAfter puts card right after the card with id afterId, in the same path. */
export function insertAfter(flow: Flow, afterId: string, card: Card): Flow {
  const f = find(flow, afterId);
  if (!f) return flow;
  return insertAt(flow, f.ref, card, f.index + 1);
}

/** remove deletes the card with this id, and the paths it holds with it. */
export function remove(flow: Flow, id: string): Flow {
  const f = find(flow, id);
  if (!f) return flow;
  return withPath(flow, f.ref, (p) => p.filter((c) => c.id !== id));
}

/** move shifts a card one place up (-1) or down (+1) within its path; at an end it stays. */
export function move(flow: Flow, id: string, delta: -1 | 1): Flow {
  const f = find(flow, id);
  if (!f) return flow;
  const to = f.index + delta;
  const path = getPath(flow, f.ref)!;
  if (to < 0 || to >= path.length) return flow;
  return withPath(flow, f.ref, (p) => {
    const out = p.slice();
    out[f.index] = p[to];
    out[to] = p[f.index];
    return out;
  });
}

/** replace puts next in the place of the card with next's id (its id must not change). */
export function replace(flow: Flow, next: Card): Flow {
  const f = find(flow, next.id);
  if (!f) return flow;
  return withPath(flow, f.ref, (p) => p.map((c) => (c.id === next.id ? next : c)));
}

/** canMove tells whether move would do anything. */
export function canMove(flow: Flow, id: string, delta: -1 | 1): boolean {
  const f = find(flow, id);
  if (!f) return false;
  const n = getPath(flow, f.ref)!.length;
  return f.index + delta >= 0 && f.index + delta < n;
}

/** countCards counts a card and every card in the paths it holds (what deleting it removes). */
export function countCards(c: Card): number {
  let n = 1;
  for (const s of subpaths(c)) for (const x of s.path) n += countCards(x);
  return n;
}

/**
 * blankCard makes a new card of a type with sensible starting content in the editor's texts
 * (given by tr), and fresh ids.
 */
export function blankCard(type: CardType, tr: (key: string) => string): Card {
  const id = newId("crd_");
  switch (type) {
    case "message":
      return { id, type, markdown: tr("admin.pb.new.message") };
    case "question":
      return {
        id,
        type,
        markdown: tr("admin.pb.new.question"),
        answers: [
          { id: newId("ans_"), label: tr("admin.pb.new.yes"), path: [] },
          { id: newId("ans_"), label: tr("admin.pb.new.no"), path: [] },
        ],
      };
    case "capture":
      return { id, type, markdown: tr("admin.pb.new.capture"), field: { type: "email", key: "email", label: tr("admin.pb.field.email"), rules: { required: true } } };
    case "consent":
      return { id, type, markdown: tr("admin.pb.new.consent"), version: "1", checkbox_label: tr("admin.pb.new.consentBox"), required: true };
    case "action":
      return { id, type, action: "create_lead", lead: { title: tr("admin.pb.new.leadTitle") } };
    case "live_chat":
      return { id, type, online_markdown: tr("admin.pb.new.online"), waiting_seconds: 120, offline_markdown: tr("admin.pb.new.offline"), offline_path: [] };
    case "end":
      return { id, type };
  }
}

/** A reason the server gave for refusing a playbook (internal/playbook/validate.go Problem). */
export interface Problem {
  card_id?: string;
  card_type?: string;
  location?: string;
  field?: string;
  message: string;
}

/**
 * problemsOf reads the problems from an ApiError's details or a validation answer
 * ({"problems": [...]}), each message starting with a capital letter as a sentence on its own.
 */
export function problemsOf(details: unknown): Problem[] {
  const d = details as { problems?: unknown } | null | undefined;
  if (!d || !Array.isArray(d.problems)) return [];
  return d.problems
    .filter((p): p is Problem => !!p && typeof (p as Problem).message === "string")
    .map((p) => ({ ...p, message: p.message.charAt(0).toUpperCase() + p.message.slice(1) }));
}

/** locate maps a problem's tree location ("path[1].answers[0].path[2]") to the card's id. */
export function locate(flow: Flow, location: string): string | null {
  const re = /(path|answers|offline_path|declined_path)\[(\d+)\]/g;
  let card: Card | null = null;
  let answer: Answer | null = null;
  let m: RegExpExecArray | null;
  while ((m = re.exec(location))) {
    const i = Number(m[2]);
    switch (m[1]) {
      case "path":
        card = ((answer ? answer.path : card ? null : flow.path) || [])[i] || null;
        answer = null;
        break;
      case "answers":
        answer = (card && card.answers && card.answers[i]) || null;
        if (!answer) return null;
        break;
      case "offline_path":
        card = (card && card.offline_path && card.offline_path[i]) || null;
        break;
      case "declined_path":
        card = (card && card.declined_path && card.declined_path[i]) || null;
        break;
    }
    if (!card && !answer) return null;
  }
  return card && !answer ? card.id : null;
}

/**
 * byCard groups problems by the card they name (by id, or by tree location for cards the server
 * had no id for); the rest are the playbook's own (name, targeting, appearance).
 */
export function byCard(flow: Flow, problems: Problem[]): { cards: Map<string, Problem[]>; general: Problem[] } {
  const cards = new Map<string, Problem[]>();
  const general: Problem[] = [];
  for (const p of problems) {
    const id = p.card_id || (p.location ? locate(flow, p.location) : null);
    if (id) {
      const list = cards.get(id) || [];
      list.push(p);
      cards.set(id, list);
    } else {
      general.push(p);
    }
  }
  return { cards, general };
}

/**
 * opening is what a visitor sees first: the cards of the root path up to and including the first
 * that waits for them (a question, a capture, a consent or a live chat card). Action cards are
 * not shown to visitors.
 */
export function opening(flow: Flow, max = 4): Card[] {
  const out: Card[] = [];
  for (const c of flow.path || []) {
    if (c.type === "action") continue;
    if (c.type === "end") break;
    out.push(c);
    if (c.type !== "message" || out.length >= max) break;
  }
  return out;
}

/** liveChatCards lists the flow's live chat cards. */
export function liveChatCards(flow: Flow): Card[] {
  const out: Card[] = [];
  walk(flow, (c) => {
    if (c.type === "live_chat") out.push(c);
  });
  return out;
}
