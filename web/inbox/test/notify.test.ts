import { test } from "node:test";
import assert from "node:assert/strict";
import { attentive, decide, defaultSettings, howToTell, notificationText, notifyPatch, parseSettings, waysOf } from "../src/lib/notify";
import { chime, wav } from "../src/lib/wav";
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

test("settings default as the server's do, and survive bad storage", () => {
  const d = defaultSettings();
  const n = d.notify;
  assert.deepEqual([n.new_unassigned.desktop, n.assigned_me.sound, n.message_mine.push, n.message_others.desktop, n.message_unassigned.sound], [true, true, true, false, false]);
  assert.deepEqual([n.assigned_me.email, n.new_unassigned.email, n.offline_message.email, n.missed_chat.email, n.missed_chat.push], [true, false, true, true, false]);
  assert.deepEqual(parseSettings("{not json"), d);
  const s = parseSettings({ notify: { message_others: { desktop: true, sound: false }, missed_chat: { push: true }, bogus: 1 }, sounds: { assigned_me: "knock", message_mine: "trumpet" }, volume: 30 });
  assert.equal(s.notify.message_others.desktop, true);
  assert.equal(s.notify.missed_chat.push, false, "a way the event does not have stays off");
  assert.deepEqual(s.notify.new_unassigned, d.notify.new_unassigned);
  assert.equal(s.sounds.assigned_me, "knock");
  assert.equal(s.sounds.message_mine, "chime", "an unknown sound keeps the default");
  assert.equal(s.volume, 30);
  assert.deepEqual(waysOf("offline_message"), ["email"]);
  // What goes to the server names only the ways each event has (it refuses the others).
  const patch = notifyPatch(d);
  assert.deepEqual(patch.missed_chat, { email: true });
  assert.deepEqual(Object.keys(patch.assigned_me), ["in_app", "desktop", "sound", "push", "email"]);
  assert.equal(notificationText([msg(1, { body: "first" }), msg(2, { sender_kind: "agent", body: "reply" })], "x"), "first");
  assert.equal(notificationText([], "preview"), "preview");
});

test("never two of the same thing: an idle tab leaves the desktop notification to the push", () => {
  const s = defaultSettings();
  const base = { inAppAllowed: true, focused: false, attentive: true, pushHere: true, permission: "granted" };
  assert.deepEqual(howToTell("message_mine", s, base), { inApp: true, desktop: true, sound: true });
  // Not in use: the server pushes to this browser too, so the tab stays quiet but for its own note.
  assert.deepEqual(howToTell("message_mine", s, { ...base, attentive: false }), { inApp: true, desktop: false, sound: false });
  // No subscription here: the tab tells.
  assert.deepEqual(howToTell("message_mine", s, { ...base, attentive: false, pushHere: false }), { inApp: true, desktop: true, sound: true });
  // Focused: no desktop notification; the company switched in-app off.
  assert.deepEqual(howToTell("message_mine", s, { ...base, focused: true, inAppAllowed: false }), { inApp: false, desktop: false, sound: true });
  assert.equal(howToTell("message_others", s, base).sound, false);
  assert.equal(howToTell("message_mine", { ...s, volume: 0 }, base).sound, false);
});

test("a tab counts as in use while visible and used in the last two minutes", () => {
  const now = 1_000_000;
  assert.equal(attentive({ visible: true, usedAt: now - 60_000 }, now), true);
  assert.equal(attentive({ visible: true, usedAt: now - 121_000 }, now), false);
  assert.equal(attentive({ visible: false, usedAt: now }, now), false);
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

test("every sound is a short valid WAV, and they differ", () => {
  const seen = new Set<string>();
  for (const name of ["chime", "bell", "knock"] as const) {
    const w = wav(name, 8000);
    assert.equal(String.fromCharCode(...Array.from(w.subarray(0, 4))), "RIFF", name);
    assert.ok(w.length > 44 && w.length < 40000, name + ": " + w.length);
    seen.add(Array.from(w.subarray(44, 400)).join(","));
  }
  assert.equal(seen.size, 3);
});
