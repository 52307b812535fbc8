import { test } from "node:test";
import assert from "node:assert/strict";
import { emptyLog, foldCards, gap, merge, ordered, withDelivery } from "../src/lib/log";
import { msg } from "./fixtures";

test("entries merge by seq from pages and frames in any order; top moves over what is contiguous", () => {
  let log = emptyLog();
  log = merge(log, [msg(48), msg(49), msg(50)]); // the newest page
  assert.equal(log.oldest, 48);
  assert.equal(log.top, 50);
  assert.equal(log.more, true);
  log = merge(log, [msg(52)]); // 51 missing
  assert.equal(log.top, 50);
  log = merge(log, [msg(51), msg(50, { body: "again" })]);
  assert.equal(log.top, 52);
  assert.equal(log.bySeq.get(50)!.body, "m50", "a seq already held is not replaced");
  log = merge(log, [msg(1), msg(2)]); // scrolled back to the start
  assert.equal(log.oldest, 1);
  assert.equal(log.more, false);
  assert.deepEqual(ordered(log).map((m) => m.seq), [1, 2, 48, 49, 50, 51, 52]);
});

test("a frame that starts after the next seq is a gap; one that overlaps is not", () => {
  const log = merge(emptyLog(), [msg(3), msg(4), msg(5)]);
  assert.equal(gap(log, 6), false);
  assert.equal(gap(log, 5), false);
  assert.equal(gap(log, 7), true);
  assert.equal(gap(log, undefined), false);
  assert.equal(gap(emptyLog(), 9), false, "nothing loaded yet: the page read brings it");
});

test("a later card with the same id replaces the earlier one where it stands", () => {
  const waiting = msg(2, { sender_kind: "bot", kind: "card", card: { id: "live", type: "live_chat", state: "waiting" } });
  const joined = msg(4, { sender_kind: "bot", kind: "card", card: { id: "live", type: "live_chat", state: "joined", user_name: "Jana" } });
  const out = foldCards([msg(1), waiting, msg(3), joined]);
  assert.deepEqual(out.map((m) => m.seq), [1, 2, 3]);
  assert.equal(out[1].card!.state, "joined");
});

test("a delivery change replaces its entry with a new object, and only that entry", () => {
  let log = merge(emptyLog(), [msg(1), msg(2)]);
  const before = log.bySeq.get(1);
  log = withDelivery(log, 2, log.bySeq.get(2)!.id, { status: "sent" });
  assert.equal(log.bySeq.get(1), before);
  assert.deepEqual(log.bySeq.get(2)!.delivery, { status: "sent" });
  assert.equal(withDelivery(log, 2, 999, { status: "failed" }), log, "another message's id changes nothing");
});
