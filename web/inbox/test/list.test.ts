import { test } from "node:test";
import assert from "node:assert/strict";
import { appendPage, inFolder, isNew, pastCursor, place, recount, remove } from "../src/lib/list";
import type { Conversation } from "../src/types";
import { conv } from "./fixtures";

const me = 7;

test("folders are the API's: unassigned, mine, others, all open, closed; bot-only chats are in none", () => {
  const un = conv(1);
  const mine = conv(2, { assignee_id: me });
  const other = conv(3, { assignee_id: 9 });
  const closed = conv(4, { status: "closed", assignee_id: me });
  const bot = conv(5, { with_bot: true });
  assert.deepEqual(
    [un, mine, other, closed, bot].map((c) => (["unassigned", "mine", "others", "open", "closed"] as const).filter((f) => inFolder(c, f, me)).join(",")),
    ["unassigned,open", "mine,open", "others,open", "closed", ""],
  );
});

function store(list: Conversation[]) {
  const m = new Map(list.map((c) => [c.id, c]));
  return { m, get: (id: number) => m.get(id) };
}

test("place keeps newest activity first, ties broken by the higher id, and moves a row that changed", () => {
  const s = store([conv(1, { last_message_at: 300 }), conv(2, { last_message_at: 200 }), conv(3, { last_message_at: 200 }), conv(4, { last_message_at: 100 })]);
  let ids = [1, 3, 2, 4];
  // A new message in 4 takes it to the top.
  const c4 = conv(4, { last_message_at: 400 });
  s.m.set(4, c4);
  ids = place(ids, s.get, c4, true, null);
  assert.deepEqual(ids, [4, 1, 3, 2]);
  // A new conversation with the same time as 3 and 2 but a higher id goes before them.
  const c5 = conv(5, { last_message_at: 200 });
  s.m.set(5, c5);
  ids = place(ids, s.get, c5, true, null);
  assert.deepEqual(ids, [4, 1, 5, 3, 2]);
  // Nothing changed: the same array comes back.
  assert.equal(place(ids, s.get, c5, true, null), ids);
  // It left the folder (assigned elsewhere, closed).
  assert.deepEqual(place(ids, s.get, c5, false, null), [4, 1, 3, 2]);
  assert.deepEqual(remove([4, 1], 1), [4]);
});

test("a row that sorts past the loaded pages is left to its page", () => {
  const cur = { before: 200, before_id: 3 };
  assert.equal(pastCursor(conv(9, { last_message_at: 100 }), cur), true);
  assert.equal(pastCursor(conv(2, { last_message_at: 200 }), cur), true);
  assert.equal(pastCursor(conv(4, { last_message_at: 200 }), cur), false);
  assert.equal(pastCursor(conv(4, { last_message_at: 100 }), null), false);
  const s = store([conv(1, { last_message_at: 300 }), conv(3, { last_message_at: 200 })]);
  const old = conv(8, { last_message_at: 50 });
  s.m.set(8, old);
  assert.deepEqual(place([1, 3], s.get, old, true, cur), [1, 3]);
  assert.deepEqual(place([1, 3], s.get, old, true, null), [1, 3, 8]);
});

test("pages append without repeating a row that moved meanwhile", () => {
  assert.deepEqual(appendPage([5, 1], [conv(1), conv(2), conv(3)]), [5, 1, 2, 3]);
});

test("the list stays ordered through many random live changes", () => {
  const s = store([]);
  let ids: number[] = [];
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < 5000; i++) {
    const id = 1 + Math.floor(rnd() * 300);
    const c = conv(id, { last_message_at: Math.floor(rnd() * 1000) });
    s.m.set(id, c);
    ids = place(ids, s.get, c, rnd() > 0.1, null);
  }
  for (let i = 1; i < ids.length; i++) {
    const a = s.m.get(ids[i - 1])!;
    const b = s.m.get(ids[i])!;
    assert.ok(a.last_message_at > b.last_message_at || (a.last_message_at === b.last_message_at && a.id > b.id), "order at " + i);
  }
  assert.equal(new Set(ids).size, ids.length);
});

test("counts follow a conversation from folder to folder", () => {
  let n = { unassigned: 2, mine: 1, others: 0, open: 3 };
  const un = conv(1);
  const mine = conv(1, { assignee_id: me });
  const closed = conv(1, { assignee_id: me, status: "closed" });
  n = recount(n, un, mine, me);
  assert.deepEqual(n, { unassigned: 1, mine: 2, others: 0, open: 3 });
  n = recount(n, mine, closed, me);
  assert.deepEqual(n, { unassigned: 1, mine: 1, others: 0, open: 2 });
  n = recount(n, undefined, conv(2), me); // a new one
  assert.deepEqual(n, { unassigned: 2, mine: 1, others: 0, open: 3 });
  n = recount(n, conv(2), undefined, me); // hidden or deleted
  assert.deepEqual(n, { unassigned: 1, mine: 1, others: 0, open: 2 });
  n = recount(n, conv(3, { assignee_id: 9 }), conv(3, { assignee_id: 9, last_message_at: 5000 }), me); // only a message
  assert.deepEqual(n, { unassigned: 1, mine: 1, others: 0, open: 2 });
  assert.deepEqual(recount({ unassigned: 0, mine: 0, others: 0, open: 0 }, conv(1), undefined, me), { unassigned: 0, mine: 0, others: 0, open: 0 });
  assert.equal(isNew(1), true);
  assert.equal(isNew(4), false);
  assert.equal(isNew(undefined), false);
});

test("ten thousand conversations: pages append and live changes keep the order", () => {
  const s = store([]);
  let ids: number[] = [];
  // 100 pages of 100, newest first, as the API gives them.
  for (let p = 0; p < 100; p++) {
    const page = [];
    for (let i = 0; i < 100; i++) {
      const id = 10000 - (p * 100 + i);
      const c = conv(id, { last_message_at: id * 10 });
      s.m.set(id, c);
      page.push(c);
    }
    ids = appendPage(ids, page);
  }
  assert.equal(ids.length, 10000);
  // Two thousand messages arrive in random conversations: each goes to the top.
  let t = 200000;
  for (let i = 0; i < 2000; i++) {
    const id = 1 + ((i * 7919) % 10000);
    const c = conv(id, { last_message_at: ++t });
    s.m.set(id, c);
    ids = place(ids, s.get, c, true, null);
    assert.equal(ids[0], id);
  }
  assert.equal(ids.length, 10000);
  for (let i = 1; i < ids.length; i++) assert.ok(s.m.get(ids[i - 1])!.last_message_at >= s.m.get(ids[i])!.last_message_at);
});

test("spam is in the Spam view only, open or closed; a channel narrows every folder", () => {
  const spam = conv(1, { spam: true });
  const closedSpam = conv(2, { spam: true, status: "closed" });
  const mail = conv(3, { channel: "email" });
  const all = ["unassigned", "mine", "others", "open", "closed", "spam"] as const;
  assert.deepEqual(all.filter((f) => inFolder(spam, f, me)), ["spam"]);
  assert.deepEqual(all.filter((f) => inFolder(closedSpam, f, me)), ["spam"]);
  assert.ok(inFolder(mail, "unassigned", me, "email"));
  assert.ok(!inFolder(mail, "unassigned", me, "web"));
  assert.ok(!inFolder(conv(4), "unassigned", me, "email"));
  // Released: it moves from Spam to Unassigned in the counts.
  const n = recount({ unassigned: 0, mine: 0, others: 0, open: 0, spam: 1 }, spam, { ...spam, spam: false }, me);
  assert.deepEqual(n, { unassigned: 1, mine: 0, others: 0, open: 1, spam: 0 });
});
