import { test } from "node:test";
import assert from "node:assert/strict";
import { decide, defaultSettings, notificationText, parseSettings } from "../src/lib/notify";
import { chime } from "../src/lib/wav";
import { conv, msg } from "./fixtures";

const me = 7;
const visitorSays = [msg(5, { body: "Hello?" })];
const joined = (by: number, to: number) => msg(6, { sender_kind: "system", kind: "event", body: undefined, event: { type: "joined", actor_id: by, user_id: to } });

test("a new conversation in Unassigned, and messages in it (opt-in)", () => {
  assert.equal(decide({ old: null, now: conv(1), messages: [msg(1)], fromSeq: 1 }, me), "new_unassigned");
  // Handed over by the bot, or not held before: it just arrived in Unassigned.
  assert.equal(decide({ old: null, now: conv(1, { last_seq: 5 }), messages: visitorSays, fromSeq: 5 }, me), "new_unassigned");
  assert.equal(decide({ old: conv(1), now: conv(1), messages: visitorSays, fromSeq: 5 }, me), "message_unassigned");
  // Given back to Unassigned by someone else.
  const back = msg(7, { sender_kind: "system", kind: "event", event: { type: "unassigned", actor_id: 9 } });
  assert.equal(decide({ old: conv(1, { assignee_id: 9 }), now: conv(1), messages: [back], fromSeq: 7 }, me), "new_unassigned");
  // ... or by me: nothing.
  const mine = msg(7, { sender_kind: "system", kind: "event", event: { type: "unassigned", actor_id: me } });
  assert.equal(decide({ old: conv(1, { assignee_id: me }), now: conv(1), messages: [mine], fromSeq: 7 }, me), null);
});

test("assigned to me by someone else, not by myself", () => {
  assert.equal(decide({ old: conv(1), now: conv(1, { assignee_id: me }), messages: [joined(9, me)], fromSeq: 6 }, me), "assigned_me");
  assert.equal(decide({ old: conv(1), now: conv(1, { assignee_id: me }), messages: [joined(me, me)], fromSeq: 6 }, me), null);
});

test("messages in mine and in others'; nothing for closed ones or my own replies", () => {
  assert.equal(decide({ old: conv(1, { assignee_id: me }), now: conv(1, { assignee_id: me }), messages: visitorSays, fromSeq: 5 }, me), "message_mine");
  assert.equal(decide({ old: conv(1, { assignee_id: 9 }), now: conv(1, { assignee_id: 9 }), messages: visitorSays, fromSeq: 5 }, me), "message_others");
  assert.equal(decide({ old: conv(1, { assignee_id: me }), now: conv(1, { assignee_id: me, status: "closed" }), messages: visitorSays, fromSeq: 5 }, me), null);
  const reply = msg(5, { sender_kind: "agent", sender_id: me });
  assert.equal(decide({ old: conv(1, { assignee_id: me }), now: conv(1, { assignee_id: me }), messages: [reply], fromSeq: 5 }, me), null);
});

test("spam and auto-replies never notify", () => {
  assert.equal(decide({ old: null, now: conv(1, { spam: true }), messages: [msg(1)], fromSeq: 1 }, me), null);
  const auto = [msg(5, { body: "Out of office", email: { auto_reply: "auto-submitted" } })];
  assert.equal(decide({ old: null, now: conv(1), messages: auto, fromSeq: 1 }, me), null);
  assert.equal(decide({ old: conv(1, { assignee_id: me }), now: conv(1, { assignee_id: me }), messages: auto, fromSeq: 5 }, me), null);
  // A real answer in the same change still does.
  assert.equal(decide({ old: conv(1, { assignee_id: me }), now: conv(1, { assignee_id: me }), messages: [...auto, msg(6)], fromSeq: 5 }, me), "message_mine");
});

test("settings default to the three events docs/product.md names, and survive bad storage", () => {
  const d = defaultSettings();
  assert.deepEqual([d.new_unassigned.desktop, d.assigned_me.sound, d.message_mine.desktop, d.message_others.desktop, d.message_unassigned.sound], [true, true, true, false, false]);
  assert.deepEqual(parseSettings("{not json"), d);
  const s = parseSettings(JSON.stringify({ message_others: { desktop: true, sound: false }, bogus: 1 }));
  assert.deepEqual(s.message_others, { desktop: true, sound: false });
  assert.deepEqual(s.new_unassigned, d.new_unassigned);
  assert.equal(notificationText([msg(1, { body: "first" }), msg(2, { sender_kind: "agent", body: "reply" })], "x"), "first");
  assert.equal(notificationText([], "preview"), "preview");
});

test("the chime is a valid mono 16-bit WAV", () => {
  const w = chime(8000);
  const text = (a: number, b: number) => String.fromCharCode(...Array.from(w.subarray(a, b)));
  assert.equal(text(0, 4), "RIFF");
  assert.equal(text(8, 16), "WAVEfmt ");
  assert.equal(text(36, 40), "data");
  const d = new DataView(w.buffer);
  assert.equal(d.getUint32(4, true), w.length - 8);
  assert.equal(d.getUint16(22, true), 1);
  assert.equal(d.getUint32(24, true), 8000);
  assert.equal(d.getUint16(34, true), 16);
  assert.equal(d.getUint32(40, true), w.length - 44);
  assert.ok(w.length < 20000, "small: " + w.length);
});
