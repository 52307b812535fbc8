import { test } from "node:test";
import assert from "node:assert/strict";
import { toMarkdown, webAddress, type MdNode } from "../src/lib/markdown";

// A tiny DOM: el("b", "text", el("i", …)), with attributes as an object first.
function el(name: string, ...kids: (MdNode | string | Record<string, string>)[]): MdNode {
  const attrs: Record<string, string> = {};
  const children: MdNode[] = [];
  for (const k of kids) {
    if (typeof k === "string") children.push({ nodeType: 3, nodeName: "#text", nodeValue: k, childNodes: [] });
    else if ("nodeType" in k) children.push(k as MdNode);
    else Object.assign(attrs, k);
  }
  return { nodeType: 1, nodeName: name.toUpperCase(), nodeValue: null, childNodes: children, getAttribute: (n) => attrs[n] ?? null };
}
const root = (...kids: (MdNode | string)[]) => el("div", ...kids);

test("bold, italic and links become the markdown the server renders", () => {
  assert.equal(toMarkdown(root("Say ", el("b", "hello"), " and ", el("i", "bye"))), "Say **hello** and _bye_");
  assert.equal(toMarkdown(root("See ", el("a", { href: "https://example.com/prices" }, "our prices"), ".")), "See [our prices](https://example.com/prices).");
  assert.equal(toMarkdown(root(el("b", "bold ", el("i", "both")), " plain")), "**bold _both_** plain");
  assert.equal(toMarkdown(root(el("a", { href: "https://x.example" }, el("b", "big link")))), "[**big link**](https://x.example)");
});

test("markers hug the words, and runs of the same style merge", () => {
  assert.equal(toMarkdown(root("a", el("b", " spaced "), "b")), "a **spaced** b");
  assert.equal(toMarkdown(root(el("b", "one"), el("strong", " two"))), "**one two**");
  assert.equal(toMarkdown(root(el("b", " "), "x")), "x");
  assert.equal(toMarkdown(root(el("span", { style: "font-weight: 700;" }, "heavy"))), "**heavy**");
});

test("lines, empty lines and bullet lists", () => {
  assert.equal(toMarkdown(root("one", el("br"), "two")), "one\ntwo");
  assert.equal(toMarkdown(root("one", el("div", "two"), el("div", el("br")), el("div", "three"))), "one\ntwo\n\nthree");
  assert.equal(toMarkdown(root("Options:", el("ul", el("li", "red"), el("li", el("b", "blue"))), "Pick one")), "Options:\n- red\n- **blue**\nPick one");
  assert.equal(toMarkdown(root(el("ol", el("li", "first"), el("li", "second")))), "1. first\n2. second");
  assert.equal(toMarkdown(root("a\u00a0b", el("br"), el("br"))), "a b");
});

test("a link's text and target stay one link", () => {
  assert.equal(toMarkdown(root(el("a", { href: "https://example.com/a b(1)" }, "see [1]"))), "[see \\[1\\]](https://example.com/a%20b%281%29)");
});

test("typed text is sent as typed", () => {
  assert.equal(toMarkdown(root("**already markdown** and https://example.com/a_b_c")), "**already markdown** and https://example.com/a_b_c");
});

test("webAddress takes a bare domain, a full URL or an email, and nothing else", () => {
  assert.equal(webAddress("example.com"), "https://example.com/");
  assert.equal(webAddress(" example.com/prices?x=1 "), "https://example.com/prices?x=1");
  assert.equal(webAddress("http://shop.example.de/a"), "http://shop.example.de/a");
  assert.equal(webAddress("ana@example.com"), "mailto:ana@example.com");
  assert.equal(webAddress("https://"), "");
  assert.equal(webAddress("hello"), "");
  assert.equal(webAddress("two words.com"), "");
  assert.equal(webAddress("javascript:alert(1)"), "");
  assert.equal(webAddress("ftp://example.com"), "");
  assert.equal(webAddress("localhost:8080/demo"), "");
  assert.equal(webAddress("http://localhost:8080/demo"), "http://localhost:8080/demo");
});
