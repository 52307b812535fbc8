import { test } from "node:test";
import assert from "node:assert/strict";
import { duration, tickEvery, waitingSince } from "../src/lib/time";
import { conv } from "./fixtures";

const u = { s: (n: number) => n + " s", m: (n: number) => n + " min", h: (h: number, m: number) => (m ? `${h} h ${m} min` : `${h} h`), d: (n: number) => n + " d" };

test("waiting time reads in seconds, minutes, hours and days", () => {
  assert.equal(duration(0, u), "0 s");
  assert.equal(duration(59999, u), "59 s");
  assert.equal(duration(60000, u), "1 min");
  assert.equal(duration(59 * 60000 + 59999, u), "59 min");
  assert.equal(duration(3600000, u), "1 h");
  assert.equal(duration(3600000 + 5 * 60000, u), "1 h 5 min");
  assert.equal(duration(49 * 3600000, u), "2 d");
  assert.equal(duration(-5, u), "0 s", "a clock a little ahead is no negative wait");
  assert.equal(tickEvery(5000), 1000);
  assert.equal(tickEvery(120000), 30000);
});

test("a contact waits from the start until answered, then from their unread messages", () => {
  assert.equal(waitingSince(conv(1, { created_at: 100 })), 100);
  assert.equal(waitingSince(conv(1, { created_at: 100, first_response_at: 200, last_message_at: 300 })), 0);
  assert.equal(waitingSince(conv(1, { created_at: 100, first_response_at: 200, last_message_at: 300, unread: 2 })), 300);
  assert.equal(waitingSince(conv(1, { status: "closed" })), 0);
});
