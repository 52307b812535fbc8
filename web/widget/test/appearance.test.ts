import { test } from "node:test";
import assert from "node:assert/strict";
import { appearanceOf, contrast, parseAppearance, theme } from "../src/lib/appearance";
import { chooseLocale } from "../src/lib/locale";

test("the appearance keeps only values it can use safely", () => {
  assert.equal(parseAppearance(undefined), undefined); // not sent: keep what is known
  assert.deepEqual(parseAppearance(null), {}); // sent as nothing: the default look
  assert.deepEqual(parseAppearance("blue"), {});
  assert.deepEqual(
    parseAppearance({
      color: "#1F6F43",
      text_color: "#fff",
      icon: "wave",
      bot_name: "  Shop assistant ",
      avatar: "/widget/v1/pk_x8Rb2LqN4vTz7hKc/bot.png",
      side: "left",
      language: "de-AT",
      unknown: 1,
    }),
    {
      color: "#1f6f43",
      text_color: "#fff",
      icon: "wave",
      bot_name: "Shop assistant",
      avatar: "/widget/v1/pk_x8Rb2LqN4vTz7hKc/bot.png",
      side: "left",
      language: "de",
    },
  );
  assert.deepEqual(
    parseAppearance({
      color: "red;background:url(x)",
      text_color: "#12",
      icon: "/icon.png",
      bot_name: 7,
      avatar: "//evil.example/a.png",
      side: "top",
      language: "fr",
    }),
    {},
  );
  assert.deepEqual(parseAppearance({ icon: "help", avatar: "https://cdn.shop.example/bot.png" }), { icon: "help", avatar: "https://cdn.shop.example/bot.png" });
  for (const avatar of ["/a b.png", "/\\evil", "javascript:alert(1)", "http://shop.example/a.png", "/a.png\")", "data:image/png;base64,AA"]) {
    assert.deepEqual(parseAppearance({ avatar }), {}, avatar);
  }
  assert.equal(parseAppearance({ bot_name: "x".repeat(300) })!.bot_name!.length, 100);
});

test("the theme keeps AA contrast whatever colours were chosen", () => {
  assert.equal(Math.round(contrast("#000", "#ffffff")), 21);
  assert.equal(contrast("#1f6f43", "#1f6f43"), 1);
  assert.deepEqual(theme({}), {});
  assert.deepEqual(theme({ color: "#1f6f43", text_color: "#ffffff" }), { "--parley-accent": "#1f6f43", "--parley-on-accent": "#ffffff", "--parley-ink": "#1f6f43" });
  // No text colour given: the more readable of white and dark.
  assert.equal(theme({ color: "#0b3d91" })["--parley-on-accent"], "#ffffff");
  // A light accent: dark text on it, and not used for text on white.
  const yellow = theme({ color: "#ffd400", text_color: "#ffffff" });
  assert.deepEqual(yellow, { "--parley-accent": "#ffd400", "--parley-on-accent": "#1d2433", "--parley-ink": "#1d2433" });
  for (const c of ["#ffd400", "#1f6f43", "#e11d48", "#777777", "#0ea5e9", "#fff", "#000"]) {
    const t = theme({ color: c, text_color: "#808080" });
    assert.ok(contrast(c, t["--parley-on-accent"]) >= 4.5, c + " text on it");
    assert.ok(contrast(t["--parley-ink"], "#ffffff") >= 4.5, c + " as ink on white");
  }
});

test("the playbook's language comes after the site's choice, before the browser's and the page's", () => {
  assert.equal(chooseLocale("", "de", ["nl"], "hu"), "hu");
  assert.equal(chooseLocale("tr", "de", ["nl"], "hu"), "tr");
  assert.equal(chooseLocale("", "", ["nl"], "hu"), "hu");
  assert.equal(chooseLocale("", "fr", ["nl"], "hu-HU"), "hu");
  assert.equal(chooseLocale("", "de", ["nl"], ""), "nl");
  assert.equal(chooseLocale("", "de", ["fr"], ""), "de");
  assert.equal(chooseLocale("", "fr", ["nl"], "xx"), "nl");
  assert.equal(chooseLocale(undefined, "", ["nl-BE"], undefined), "nl");
});

test("the appearance comes from the session answer's playbook", () => {
  const look = { color: "#1f6f43", text_color: "#ffffff", icon: "chat", bot_name: "Parley bot", avatar: "", language: "en", side: "right" };
  // What POST /widget/v1/{key}/session answers (internal/httpapi playbookView).
  const session = { agents_available: 0, conversation: null, messages: [], playbook: { appearance: look, delay_seconds: 0, id: 1 }, token: "pv_x", visitor_id: 1 };
  assert.deepEqual(appearanceOf(session), look);
  assert.deepEqual(parseAppearance(appearanceOf(session)), { color: "#1f6f43", text_color: "#ffffff", icon: "chat", bot_name: "Parley bot", side: "right", language: "en" });
  assert.equal(appearanceOf({ ...session, playbook: null }), null); // no playbook on this page: the default look
  assert.equal(appearanceOf({ conversation: null, messages: [] }), undefined); // says nothing: keep the look
  assert.deepEqual(appearanceOf({ t: "ready", appearance: look }), look);
});
