import { test } from "node:test";
import assert from "node:assert/strict";
import { bullets, continueList, link, wrap } from "../src/lib/markdown";

test("bold and italic wrap the selection, hugging the words, and unwrap it again", () => {
  assert.deepEqual(wrap({ text: "say hello there", start: 4, end: 9 }, "**", "x"), { text: "say **hello** there", start: 6, end: 11 });
  assert.deepEqual(wrap({ text: "say **hello** there", start: 6, end: 11 }, "**", "x"), { text: "say hello there", start: 4, end: 9 });
  assert.deepEqual(wrap({ text: "a hello b", start: 1, end: 8 }, "_", "x"), { text: "a _hello_ b", start: 3, end: 8 });
  // Nothing selected: a placeholder, selected so typing replaces it.
  assert.deepEqual(wrap({ text: "ab", start: 1, end: 1 }, "**", "bold"), { text: "a**bold**b", start: 3, end: 7 });
});

test("link makes [text](url) and selects the URL to type over", () => {
  assert.deepEqual(link({ text: "see docs now", start: 4, end: 8 }, "text"), { text: "see [docs](https://) now", start: 11, end: 19 });
  const url = link({ text: "https://parley.example", start: 0, end: 22 }, "text");
  assert.equal(url.text, "[https://parley.example](https://parley.example)");
});

test("bullets make lines a list and back", () => {
  assert.deepEqual(bullets({ text: "one\ntwo", start: 0, end: 7 }), { text: "- one\n- two", start: 0, end: 11 });
  assert.deepEqual(bullets({ text: "- one\n- two", start: 0, end: 11 }), { text: "one\ntwo", start: 0, end: 7 });
  assert.deepEqual(bullets({ text: "intro\nitem", start: 8, end: 8 }), { text: "intro\n- item", start: 10, end: 10 });
});

test("a new line in a list item continues the list; on an empty item it ends it", () => {
  assert.deepEqual(continueList({ text: "- one", start: 5, end: 5 }), { text: "- one\n- ", start: 8, end: 8 });
  assert.deepEqual(continueList({ text: "- one\n- ", start: 8, end: 8 }), { text: "- one\n", start: 6, end: 6 });
  assert.equal(continueList({ text: "plain", start: 5, end: 5 }), null);
});
