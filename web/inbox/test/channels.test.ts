import { test } from "node:test";
import assert from "node:assert/strict";
import { effectiveWindow, fillTemplate, nextChange, templateKeys } from "../src/channels/window";
import type { Conversation, Message } from "../src/types";

const hour = 3600 * 1000;
const now = 1_800_000_000_000;

function conv(channel: Conversation["channel"], w?: Conversation["reply_window"]): Conversation {
  return { id: 7, inbox_id: 1, channel, contact_id: 2, status: "open", last_seq: 3, contact_read_seq: 0, preview: "", created_at: 0, updated_at: 0, last_message_at: 0, unread: 0, reply_window: w };
}

function msg(kind: Message["sender_kind"], at: number): Message {
  return { id: at, conversation_id: 7, seq: 1, sender_kind: kind, kind: "text", body: "x", created_at: at };
}

test("the reply window follows the API, and the contact's newer messages open it again", () => {
  assert.equal(effectiveWindow(conv("web"), [], now), null);
  assert.equal(effectiveWindow(conv("email"), [msg("visitor", now)], now), null);
  assert.equal(effectiveWindow(conv("messenger"), [], now), null, "nothing known: the server decides");

  const closed = conv("messenger", { last_inbound_at: now - 30 * hour, closes_at: now - 6 * hour, open: false });
  let w = effectiveWindow(closed, [msg("agent", now - hour)], now)!;
  assert.equal(w.open, false);
  assert.equal(w.tag, undefined);
  assert.equal(nextChange(w, now), 0);

  w = effectiveWindow(closed, [msg("visitor", now - hour)], now)!;
  assert.equal(w.open, true);
  assert.equal(w.closes_at, now + 23 * hour);
  assert.equal(nextChange(w, now), now + 23 * hour);

  const tagged = conv("messenger", { last_inbound_at: now - 30 * hour, closes_at: now - 6 * hour, open: false, tag: "HUMAN_AGENT", tag_until: now + 138 * hour });
  w = effectiveWindow(tagged, [], now)!;
  assert.equal(w.tag, "HUMAN_AGENT");
  assert.equal(nextChange(w, now), now + 138 * hour);

  const wa = conv("whatsapp", { last_inbound_at: now - 25 * hour, closes_at: now - hour, open: false, templates_only: true });
  assert.equal(effectiveWindow(wa, [], now)!.templates_only, true);
  assert.equal(effectiveWindow(wa, [msg("visitor", now)], now)!.templates_only, false);
});

test("a template's variables are filled in the order its text uses them", () => {
  const body = "Hello {{1}}, your order {{2}} ships {{ 1 }} {{when}}.";
  assert.deepEqual(templateKeys(body, { "2": "1234", "1": "Ana", "3": "x" }), ["1", "2", "when", "3"]);
  assert.equal(fillTemplate(body, { "1": "Ana", "2": " " }), "Hello Ana, your order {{2}} ships Ana {{when}}.");
});
