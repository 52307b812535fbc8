import { test } from "node:test";
import assert from "node:assert/strict";
import { lineBefore, lineText, pointBack } from "../src/lib/caret";
import type { MdNode } from "../src/lib/markdown";

// A tiny DOM, as in markdown.test.ts: el("b", "text", el("i", …)).
const txt = (s: string): MdNode => ({ nodeType: 3, nodeName: "#text", nodeValue: s, childNodes: [] });
function el(name: string, ...kids: (MdNode | string)[]): MdNode {
  return { nodeType: 1, nodeName: name.toUpperCase(), nodeValue: null, childNodes: kids.map((k) => (typeof k === "string" ? txt(k) : k)) };
}
const kid = (n: MdNode, i: number) => n.childNodes[i];

test("the caret's line: from the last line break or block start, across formatting, up to the caret", () => {
  const word = txt("/wel");
  const root = el("div", "Hi ", el("b", "there"), " ", word);
  assert.equal(lineText(lineBefore(root, word, 4)!), "Hi there /wel");
  assert.equal(lineText(lineBefore(root, word, 2)!), "Hi there /w");

  const after = txt("second :he");
  const lines = el("div", "first", el("br"), after);
  assert.equal(lineText(lineBefore(lines, after, 10)!), "second :he");

  const inBlock = txt("/x");
  const blocks = el("div", "one", el("div", "two"), el("div", inBlock));
  assert.equal(lineText(lineBefore(blocks, inBlock, 2)!), "/x");
  // Text after a block is a line of its own.
  const tail = txt("tail");
  assert.equal(lineText(lineBefore(el("div", el("div", "block"), tail), tail, 4)!), "tail");
  // In a list item.
  const item = txt("b :sm");
  assert.equal(lineText(lineBefore(el("div", "x", el("ul", el("li", "a"), el("li", item))), item, 5)!), "b :sm");
});

test("a caret between elements, at the start of a line, or outside the editor", () => {
  const root = el("div", "one", el("br"), "two", el("b", "three"));
  // The caret after the second child (the <br>): an empty line.
  assert.deepEqual(lineBefore(root, root, 2), []);
  // After "two" and the bold word.
  assert.equal(lineText(lineBefore(root, root, 4)!), "twothree");
  assert.equal(lineText(lineBefore(root, kid(root, 3), 1)!), "twothree");
  assert.equal(lineBefore(root, txt("elsewhere"), 0), null);
  assert.deepEqual(lineBefore(el("div"), el("div"), 0), null);
});

test("the last n characters may start in an earlier text node", () => {
  const b = el("b", "/we");
  const l = txt("l");
  const root = el("div", "Hi ", b, l);
  const line = lineBefore(root, l, 1)!;
  assert.equal(lineText(line), "Hi /wel");
  assert.deepEqual(pointBack(line, 1), { node: l, offset: 0 });
  assert.deepEqual(pointBack(line, 4), { node: kid(b, 0), offset: 0 });
  assert.deepEqual(pointBack(line, 6), { node: kid(root, 0), offset: 1 });
  assert.deepEqual(pointBack(line, 7), { node: kid(root, 0), offset: 0 });
  assert.equal(pointBack(line, 8), null);
  assert.equal(pointBack(line, 0), null);
});
