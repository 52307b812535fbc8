import { test } from "node:test";
import assert from "node:assert/strict";
import { backoff, maxDelayMs, soon } from "../src/lib/backoff";

test("back-off grows from 0.5 s and stops at 30 s", () => {
  const top = () => 0.999999;
  assert.equal(backoff(0, top), 499);
  assert.equal(backoff(1, top), 999);
  assert.equal(backoff(5, top), 15999);
  assert.equal(backoff(6, top), maxDelayMs - 1);
  assert.equal(backoff(60, top), maxDelayMs - 1);
});

test("back-off is jittered down to zero", () => {
  assert.equal(backoff(4, () => 0), 0);
  assert.equal(backoff(4, () => 0.5), 4000);
  for (let i = 0; i < 1000; i++) {
    const d = backoff(i % 12);
    assert.ok(d >= 0 && d < maxDelayMs, "delay " + d);
  }
});

test("a reconnect that should be soon waits under a second", () => {
  assert.equal(soon(() => 0), 0);
  assert.equal(soon(() => 0.999), 999);
});
