import { test } from "node:test";
import { inline, parse, plain, safeURL } from "../src/admin/markdown";
import { contrast, device, duration, exportFileName, format, initials, parseDomains, snippet } from "../src/admin/text";
import { eq } from "./admin-check";

test("the embed snippet is one script tag with the website's key", () => {
  eq(snippet("https://chat.example.com", "pk_abc123"), '<script src="https://chat.example.com/widget.js" data-website-key="pk_abc123" async></script>');
  eq(snippet("http://127.0.0.1:8080/", "pk_x"), '<script src="http://127.0.0.1:8080/widget.js" data-website-key="pk_x" async></script>', "a trailing slash is not doubled");
});

test("allowed domains are read one per line, by commas or spaces, and from pasted URLs", () => {
  eq(parseDomains("shop.example\n*.brand.example, Example.org  localhost"), ["shop.example", "*.brand.example", "example.org", "localhost"]);
  eq(parseDomains("https://shop.example/cart?x=1\nhttp://shop.example/"), ["shop.example"]);
  eq(parseDomains("  \n ,, "), []);
});

test("bold and italic wrap the selection, or a selected placeholder; again unwraps", () => {
  eq(format("hello world", 6, 11, "bold"), { value: "hello **world**", start: 8, end: 13 });
  eq(format("hello **world**", 8, 13, "bold"), { value: "hello world", start: 6, end: 11 });
  eq(format("hi ", 3, 3, "italic", "text"), { value: "hi _text_", start: 4, end: 8 });
});

test("a link wraps the selection and selects the address to type over", () => {
  const e = format("see docs", 4, 8, "link");
  eq(e.value, "see [docs](https://)");
  eq(e.value.slice(e.start, e.end), "https://");
});

test("the list button turns lines into bullets and back", () => {
  const e = format("one\ntwo\nthree", 0, 7, "list");
  eq(e.value, "- one\n- two\nthree");
  eq(format(e.value, 0, 11, "list").value, "one\ntwo\nthree");
  eq(format("intro\nitem", 8, 8, "list").value, "intro\n- item", "the cursor's line only");
});

test("durations read short", () => {
  const u = { s: "s", min: "min", h: "h" };
  eq(duration(45, u), "45 s");
  eq(duration(120, u), "2 min");
  eq(duration(125, u), "2 min 5 s");
  eq(duration(3900, u), "1 h 5 min");
});

test("export files are named after the playbook", () => {
  eq(exportFileName("Chat with your leads"), "chat-with-your-leads.playbook.json");
  eq(exportFileName("Müşteri görüşmesi!"), "musteri-gorusmesi.playbook.json");
  eq(exportFileName("***"), "playbook.playbook.json");
});

test("contrast is the WCAG ratio", () => {
  eq(Math.round(contrast("#000000", "#ffffff")), 21);
  eq(contrast("#1f6feb", "#ffffff").toFixed(2), "4.63");
  eq(contrast("#fff", "#000000"), 0, "malformed colours give 0");
});

test("initials and devices", () => {
  eq(initials("Demo Owner"), "DO");
  eq(initials("ada"), "A", "one word, one letter: as the widget shows the bot");
  eq(initials("Assistent"), "A");
  eq(initials("Jean Paul Sartre"), "JS");
  eq(device("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"), "Chrome · Linux");
  eq(device("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"), "Safari · iOS");
  eq(device("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"), "Firefox · Windows");
  eq(device("curl/8.5.0"), "curl");
  eq(device(""), "");
});

test("card text is read as bold, italic, links, lists and images, never as HTML", () => {
  eq(parse("Hi **there** and _you_\n\n- one\n- [two](https://x.test)"), [
    { t: "p", c: [{ t: "text", v: "Hi " }, { t: "b", c: [{ t: "text", v: "there" }] }, { t: "text", v: " and " }, { t: "i", c: [{ t: "text", v: "you" }] }] },
    { t: "ul", items: [[{ t: "text", v: "one" }], [{ t: "a", href: "https://x.test", c: [{ t: "text", v: "two" }] }]] },
  ]);
  eq(inline("<b>x</b>"), [{ t: "text", v: "<b>x</b>" }], "HTML stays text");
  eq(inline("[x](javascript:alert(1))"), [{ t: "text", v: "x" }, { t: "text", v: ")" }], "script links lose their address");
  eq(safeURL("//evil.test/x"), "");
  eq(safeURL("/uploads/a.png"), "/uploads/a.png");
  eq(plain("**Hello**,\n- a\n- b"), "Hello, • a • b");
});
