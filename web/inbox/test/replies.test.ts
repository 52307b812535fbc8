import { test } from "node:test";
import assert from "node:assert/strict";
import { rank, type SavedReply } from "../src/replies/store";
import { triggerAt } from "../src/ui/completion";

const reply = (id: number, shortcut: string, title: string, body: string): SavedReply => ({
  id, scope: "shared", shortcut, title, body, attachment: null, created_at: 1, updated_at: 1,
});

test("the / list: shortcuts starting with the word first, then replies holding every word", () => {
  const list = [reply(1, "prices", "Our prices", "See the price list"), reply(2, "hello", "Welcome", "Hi, how can I help?"), reply(3, "help", "Help", "Our help pages")];
  assert.deepEqual(rank(list, "").map((r) => r.id), [1, 2, 3]);
  assert.deepEqual(rank(list, "hel").map((r) => r.id), [2, 3]);
  assert.deepEqual(rank(list, "help").map((r) => r.id), [3, 2]);
  assert.deepEqual(rank(list, "OUR list").map((r) => r.id), [1]);
  assert.deepEqual(rank(list, "nothing"), []);
});

test("a trigger counts at the start of a word only, with the word typed so far", () => {
  const word = /^[^\s/]*$/;
  assert.deepEqual(triggerAt("/", "/", word, 40), { start: 0, query: "" });
  assert.deepEqual(triggerAt("Hi /wel", "/", word, 40), { start: 3, query: "wel" });
  assert.deepEqual(triggerAt("line\n/x", "/", word, 40), { start: 5, query: "x" });
  assert.equal(triggerAt("and/or", "/", word, 40), null);
  assert.equal(triggerAt("/two words", "/", word, 40), null);
  assert.equal(triggerAt("https://x", "/", word, 40), null);
  assert.equal(triggerAt("/" + "a".repeat(41), "/", word, 40), null);
});
