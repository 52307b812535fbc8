import { test } from "node:test";
import {
  blankCard,
  byCard,
  canMove,
  cardIds,
  countCards,
  find,
  type Flow,
  getPath,
  insertAfter,
  insertAt,
  locate,
  move,
  opening,
  problemsOf,
  remove,
  replace,
} from "../src/admin/flow";
import { eq, ok } from "./admin-check";

// The "Chat with your leads" template's shape (internal/playbook/templates.go).
function liveChat(): Flow {
  return {
    path: [
      { id: "crd_welcome", type: "message", markdown: "Hi there!" },
      {
        id: "crd_help",
        type: "question",
        markdown: "How can we help?",
        answers: [
          {
            id: "talk",
            label: "Talk to someone",
            path: [
              {
                id: "crd_live",
                type: "live_chat",
                online_markdown: "One moment",
                waiting_seconds: 120,
                offline_markdown: "Nobody is free",
                offline_path: [
                  { id: "crd_email", type: "capture", markdown: "Your email?", field: { type: "email", key: "email", label: "Email", rules: { required: true } } },
                  { id: "crd_lead", type: "action", action: "create_lead", lead: { title: "Website chat" } },
                  { id: "crd_thanks", type: "message", markdown: "Thanks" },
                  { id: "crd_end", type: "end" },
                ],
              },
            ],
          },
          { id: "looking", label: "Just looking", path: [{ id: "crd_looking", type: "message", markdown: "Sure" }] },
        ],
      },
    ],
  };
}

const tr = (k: string) => k;

test("cards are found wherever they are, with the path that holds them", () => {
  const f = liveChat();
  eq(cardIds(f), ["crd_welcome", "crd_help", "crd_live", "crd_email", "crd_lead", "crd_thanks", "crd_end", "crd_looking"]);
  const live = find(f, "crd_live")!;
  eq(live.ref, { kind: "answer", cardId: "crd_help", answerId: "talk" });
  eq(live.index, 0);
  const lead = find(f, "crd_lead")!;
  eq(lead.ref, { kind: "offline", cardId: "crd_live" });
  eq(lead.index, 1);
  eq(find(f, "nope"), null);
  eq(getPath(f, { kind: "offline", cardId: "crd_live" })!.length, 4);
  eq(getPath(f, { kind: "answer", cardId: "crd_help", answerId: "nope" }), null);
  eq(getPath(f, { kind: "offline", cardId: "crd_help" }), null, "a question has no offline path");
});

test("inserting after a card puts it right after, in the same path, and keeps every id", () => {
  const f = liveChat();
  const before = JSON.stringify(f);
  const card = blankCard("message", tr);
  const g = insertAfter(f, "crd_email", card);
  eq(JSON.stringify(f), before, "the old flow is untouched");
  eq(cardIds(g), ["crd_welcome", "crd_help", "crd_live", "crd_email", card.id, "crd_lead", "crd_thanks", "crd_end", "crd_looking"]);
  ok(g.path[0] === f.path[0], "cards off the changed path are shared, not copied");
  ok(g.path[1].answers![1] === f.path[1].answers![1], "the other answer's path is shared");
});

test("cards go into an answer's path and into the offline path", () => {
  const f = liveChat();
  const a = blankCard("end", tr);
  const g = insertAt(f, { kind: "answer", cardId: "crd_help", answerId: "looking" }, a);
  eq(getPath(g, { kind: "answer", cardId: "crd_help", answerId: "looking" })!.map((c) => c.id), ["crd_looking", a.id]);
  const b = blankCard("message", tr);
  const h = insertAt(g, { kind: "offline", cardId: "crd_live" }, b, 0);
  eq(getPath(h, { kind: "offline", cardId: "crd_live" })!.map((c) => c.id), [b.id, "crd_email", "crd_lead", "crd_thanks", "crd_end"]);
  const c = blankCard("message", tr);
  const i = insertAt(h, { kind: "root" }, c, 99);
  eq(i.path.map((x) => x.id), ["crd_welcome", "crd_help", c.id], "an index past the end appends");
  eq(insertAt(f, { kind: "offline", cardId: "crd_nope" }, c), f, "an unknown path changes nothing");
});

test("a new live chat card starts with an empty offline path, a question with two answers", () => {
  const live = blankCard("live_chat", tr);
  eq(live.offline_path, []);
  eq(live.waiting_seconds, 120);
  const q = blankCard("question", tr);
  eq(q.answers!.length, 2);
  ok(q.answers![0].id !== q.answers![1].id, "answers get their own ids");
  const ids = new Set<string>();
  for (let i = 0; i < 200; i++) ids.add(blankCard("message", tr).id);
  eq(ids.size, 200, "ids do not repeat");
  for (const id of ids) ok(/^crd_[a-z0-9]{10}$/.test(id), `id ${id} is what the server accepts`);
});

test("deleting a card removes the paths it holds; the rest keep their ids and order", () => {
  const f = liveChat();
  eq(countCards(find(f, "crd_live")!.card), 5);
  const g = remove(f, "crd_live");
  eq(cardIds(g), ["crd_welcome", "crd_help", "crd_looking"]);
  const h = remove(f, "crd_lead");
  eq(cardIds(h), ["crd_welcome", "crd_help", "crd_live", "crd_email", "crd_thanks", "crd_end", "crd_looking"]);
  eq(remove(f, "nope"), f, "an unknown id changes nothing");
});

test("moving a card swaps it with its neighbour in its own path; at an end it stays", () => {
  const f = liveChat();
  const g = move(f, "crd_lead", -1);
  eq(getPath(g, { kind: "offline", cardId: "crd_live" })!.map((c) => c.id), ["crd_lead", "crd_email", "crd_thanks", "crd_end"]);
  const h = move(g, "crd_lead", 1);
  eq(JSON.stringify(h), JSON.stringify(f), "down again undoes it");
  eq(move(f, "crd_welcome", -1), f, "the first card cannot go up");
  eq(move(f, "crd_help", 1), f, "the last card cannot go down");
  ok(!canMove(f, "crd_live", -1) && !canMove(f, "crd_live", 1), "an only card cannot move");
  ok(canMove(f, "crd_email", 1), "a card with a card after it can go down");
  eq(cardIds(g).sort(), cardIds(f).sort(), "moving keeps every id");
});

test("replacing a card changes only that card", () => {
  const f = liveChat();
  const live = find(f, "crd_live")!.card;
  const g = replace(f, { ...live, waiting_seconds: 30 });
  eq(find(g, "crd_live")!.card.waiting_seconds, 30);
  eq(find(g, "crd_live")!.card.offline_path!.length, 4, "the card's own paths come along");
  eq(find(f, "crd_live")!.card.waiting_seconds, 120, "the old flow is untouched");
  eq(replace(f, { id: "nope", type: "end" }), f);
});

test("problems are placed on the card they name, by id or by tree location", () => {
  const f = liveChat();
  const ps = problemsOf({
    problems: [
      { card_id: "crd_live", card_type: "live_chat", field: "waiting_seconds", message: "waiting time must be between 10 and 3600 seconds" },
      { card_type: "message", location: "path[1].answers[0].path[0].offline_path[2]", field: "markdown", message: "the text is empty" },
      { field: "name", message: "name is required" },
    ],
  });
  eq(ps[0].message, "Waiting time must be between 10 and 3600 seconds", "messages read as sentences");
  const { cards, general } = byCard(f, ps);
  eq(cards.get("crd_live")!.length, 1);
  eq(cards.get("crd_thanks")!.map((p) => p.field), ["markdown"]);
  eq(general.map((p) => p.field), ["name"]);
  eq(problemsOf(undefined), []);
  eq(problemsOf({ problems: "nonsense" }), []);
});

test("tree locations resolve to cards, and nonsense to nothing", () => {
  const f = liveChat();
  eq(locate(f, "path[0]"), "crd_welcome");
  eq(locate(f, "path[1].answers[1].path[0]"), "crd_looking");
  eq(locate(f, "path[1].answers[0].path[0].offline_path[3]"), "crd_end");
  eq(locate(f, "path[1].answers[0]"), null, "an answer is not a card");
  eq(locate(f, "path[9]"), null);
  eq(locate(f, "path[1].answers[5].path[0]"), null);
  eq(locate(f, ""), null);
});

test("the preview opens with the messages up to the first card that waits for the visitor", () => {
  eq(opening(liveChat()).map((c) => c.id), ["crd_welcome", "crd_help"]);
  eq(opening({ path: [{ id: "a", type: "action", action: "qualify" }, { id: "m", type: "message", markdown: "x" }, { id: "e", type: "end" }, { id: "n", type: "message" }] }).map((c) => c.id), ["m"]);
  eq(opening({ path: [] }), []);
});
