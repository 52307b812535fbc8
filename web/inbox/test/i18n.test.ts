import { test } from "node:test";
import assert from "node:assert/strict";
import { catalogues, langs, pickLang, setLang, t } from "../src/i18n";

// Placeholders are names ({name}); digits in braces are text (a pattern hint like \d{5}).
// The distinct placeholders (a text with a count may hold two forms, "one|other", each with them).
const placeholders = (s: string) => [...new Set(s.match(/\{[A-Za-z_]\w*\}/g) || [])].sort().join(" ");

test("every language has every string, with the same placeholders", () => {
  const en = catalogues.en;
  assert.ok(Object.keys(en).length > 200);
  for (const l of langs) {
    if (l === "en") continue;
    const c = catalogues[l];
    assert.deepEqual(Object.keys(c).sort(), Object.keys(en).sort(), l + ": keys differ from English");
    for (const k of Object.keys(en)) {
      assert.ok(c[k].trim() !== "", l + " " + k + " is empty");
      assert.equal(placeholders(c[k]), placeholders(en[k]), l + " " + k);
    }
  }
});

test("the language follows the browser's preferences, else English", () => {
  assert.equal(pickLang(["de-AT", "en"]), "de");
  assert.equal(pickLang(["fr-FR", "nl"]), "nl");
  assert.equal(pickLang(["TR"]), "tr");
  assert.equal(pickLang(["fr"]), "en");
});

test("counts take the singular or the plural form, in every language", () => {
  const doc = (globalThis as { document?: unknown }).document;
  (globalThis as { document?: unknown }).document = { documentElement: {} };
  try {
    setLang("en");
    assert.equal(t("folder.count", { n: 1 }), "1 conversation");
    assert.equal(t("folder.count", { n: 0 }), "0 conversations");
    assert.equal(t("admin.pb.problems", { n: 1 }), "1 problem to fix before saving.");
    assert.equal(t("admin.pb.problems", { n: 3 }), "3 problems to fix before saving.");
    setLang("de");
    assert.equal(t("folder.count", { n: 1 }), "1 Unterhaltung");
    assert.equal(t("admin.pb.f.answerCards", { n: 2 }), "2 Karten auf dem Pfad dieser Antwort");
    setLang("hu");
    assert.equal(t("folder.count", { n: 1 }), "1 beszélgetés");
  } finally {
    setLang("en");
    (globalThis as { document?: unknown }).document = doc;
  }
  // No text has more than the two forms, and none shows "(s)"-style guesses.
  for (const l of langs) {
    for (const [k, v] of Object.entries(catalogues[l])) {
      assert.ok(v.split("|").length <= 2, l + " " + k);
      assert.ok(!/\((s|e|en|n)\)|\/problemen/.test(v), l + " " + k + ": " + v);
    }
  }
});
