import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "./fixtures";
import { headerName, Log, pageSize } from "../src/lib/log";
import type { Message, Update } from "../src/lib/protocol";

const seqs = (l: Log) => l.list().map((m) => m.seq);

function msg(seq: number, from: Message["from"] = "agent", extra: Partial<Message> = {}): Message {
  return { id: 1000 + seq, seq, from, kind: "text", body: "m" + seq, created_at: seq, ...extra };
}

function conv(id: number, last: number, extra: Record<string, unknown> = {}): Update["conversation"] {
  return { id, status: "open", last_seq: last, read_seq: 0, ...extra } as Update["conversation"];
}

test("ready fills the log; a live frame with entries already held adds nothing", () => {
  const l = new Log();
  assert.deepEqual(l.snapshot(fixture<Update>("visitor-ready.json")), {});
  assert.deepEqual(seqs(l), [1, 2, 4, 5]); // seq 3 is a note the visitor never sees: not a gap
  assert.equal(l.lastSeq, 5);
  assert.equal(l.agentsAvailable, 2);
  assert.deepEqual(l.live(fixture<Update>("visitor-conversation.json")), {});
  assert.deepEqual(seqs(l), [1, 2, 4, 5]);
  assert.ok(l.hasClientId("c-lq3x9k-1"));
  assert.equal(l.unread(4), 1);
  assert.equal(l.unread(0), 3); // the bot, the joined line, the agent
});

test("an empty ready shows the empty state", () => {
  const l = new Log();
  l.snapshot(fixture<Update>("visitor-ready-empty.json"));
  assert.equal(l.convId, 0);
  assert.equal(l.conv, null);
  assert.equal(l.agentsAvailable, 0);
  assert.deepEqual(seqs(l), []);
});

test("a conversation frame may come before ready: applied after it, no duplicates", () => {
  const l = new Log();
  l.snapshot(fixture<Update>("visitor-ready.json"));
  l.live(fixture<Update>("visitor-conversation.json"));
  l.live(fixture<Update>("visitor-conversation.json"));
  assert.equal(l.list().length, 4);
});

test("a gap asks for a resume from the last seq accounted for", () => {
  const l = new Log();
  l.snapshot({ conversation: conv(7, 3), messages: [msg(1), msg(2), msg(3)], from_seq: 1, to_seq: 3 });
  // A note (seq 4, invisible) arrives as an empty range: accounted for, no gap.
  assert.deepEqual(l.live({ conversation: conv(7, 4), messages: [], from_seq: 4, to_seq: 4 }), {});
  assert.equal(l.lastSeq, 4);
  assert.deepEqual(l.live({ conversation: conv(7, 5), messages: [msg(5)], from_seq: 5, to_seq: 5 }), {});
  // Seq 6 was missed.
  assert.deepEqual(l.live({ conversation: conv(7, 7), messages: [msg(7)], from_seq: 7, to_seq: 7 }), { resume: 5 });
  assert.deepEqual(seqs(l), [1, 2, 3, 5]);
  // The answer to the resume fills it.
  assert.deepEqual(l.snapshot({ conversation: conv(7, 7), messages: [msg(6), msg(7)], from_seq: 6, to_seq: 7, agents_available: 1 }, 5, 7), {});
  assert.deepEqual(seqs(l), [1, 2, 3, 5, 6, 7]);
  assert.equal(l.lastSeq, 7);
});

test("a resume answered with another conversation starts again from seq 0", () => {
  const l = new Log();
  l.snapshot({ conversation: conv(7, 3), messages: [msg(1), msg(2), msg(3)], from_seq: 1, to_seq: 3 });
  assert.deepEqual(l.snapshot({ conversation: conv(8, 2), messages: [msg(3)], from_seq: 3, to_seq: 3 }, 2, 7), { resume: 0 });
  assert.equal(l.convId, 7);
});

test("a full page asks for the rest", () => {
  const l = new Log();
  const page: Message[] = [];
  for (let i = 1; i <= pageSize; i++) page.push(msg(i));
  assert.deepEqual(l.snapshot({ conversation: conv(3, 700), messages: page, from_seq: 1, to_seq: pageSize }), { resume: pageSize });
  assert.deepEqual(l.snapshot({ conversation: conv(3, 700), messages: [msg(501), msg(700)], from_seq: 501, to_seq: 700 }, pageSize, 3), {});
  assert.equal(l.list().length, pageSize + 2);
  assert.equal(l.lastSeq, 700);
});

test("older conversations are ignored; a newer one replaces the log and keeps a closed one above", () => {
  const l = new Log();
  l.snapshot({ conversation: conv(7, 2, { status: "closed" }), messages: [msg(1, "visitor"), msg(2)], from_seq: 1, to_seq: 2 });
  assert.deepEqual(l.live({ conversation: conv(6, 9), messages: [msg(9)], from_seq: 9, to_seq: 9 }), {});
  assert.equal(l.convId, 7);
  assert.deepEqual(l.live({ conversation: conv(8, 1), messages: [msg(1, "visitor", { client_id: "c-x-1" })], from_seq: 1, to_seq: 1 }), {});
  assert.equal(l.convId, 8);
  assert.deepEqual(seqs(l), [1]);
  assert.ok(l.hasClientId("c-x-1"));
  assert.equal(l.previous.length, 2);
});

test("a change without entries only refreshes the conversation, never backwards", () => {
  const l = new Log();
  l.snapshot(fixture<Update>("visitor-ready.json"));
  l.live({ conversation: conv(4821, 9, { status: "closed", rating: 5 }), messages: [] });
  assert.equal(l.conv!.status, "closed");
  assert.equal(l.conv!.rating, 5);
  l.live({ conversation: conv(4821, 6, { status: "open" }), messages: [] });
  assert.equal(l.conv!.status, "closed");
});

test("the resume fixture: a closed, rated conversation", () => {
  const l = new Log();
  l.snapshot(fixture<Update>("visitor-ready.json"));
  assert.deepEqual(l.snapshot(fixture<Update>("visitor-conversation-resume.json"), 5, 4821), {});
  assert.equal(l.conv!.status, "closed");
  assert.equal(l.lastSeq, 9);
  assert.equal(l.agentsAvailable, 1);
  assert.deepEqual(seqs(l), [1, 2, 4, 5, 8]);
});

test("deleted clears the conversation on screen only", () => {
  const l = new Log();
  l.snapshot(fixture<Update>("visitor-ready.json"));
  l.deleted(fixture<{ conversation_id: number }>("visitor-deleted.json").conversation_id + 1);
  assert.equal(l.list().length, 4);
  l.deleted(fixture<{ conversation_id: number }>("visitor-deleted.json").conversation_id);
  assert.equal(l.list().length, 0);
  assert.equal(l.convId, 0);
});

test("the header follows the assignee, with the avatar of their messages", () => {
  const ready = fixture<Update>("visitor-ready.json");
  assert.deepEqual(headerName(ready.messages, { name: "Shop" }), { name: "Jana Novak", avatar: "/avatars/12.png" });
  assert.deepEqual(headerName([], { name: "Shop" }), { name: "Shop", avatar: undefined });
  const more = ready.messages.concat([
    { id: 1, seq: 6, from: "system", kind: "event", event: { type: "assigned", user_id: 14, user_name: "Tom Berg" }, created_at: 1 },
  ]);
  assert.deepEqual(headerName(more, { name: "Shop" }), { name: "Tom Berg", avatar: undefined });
  const back = more.concat([{ id: 2, seq: 7, from: "system", kind: "event", event: { type: "unassigned", auto: true }, created_at: 2 }]);
  assert.deepEqual(headerName(back, { name: "Shop" }), { name: "Shop", avatar: undefined });
});
