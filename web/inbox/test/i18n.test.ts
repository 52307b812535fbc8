import { test } from "node:test";
import assert from "node:assert/strict";
import { catalogues, langs, pickLang } from "../src/i18n";

// Placeholders are names ({name}); digits in braces are text (a pattern hint like \d{5}).
const placeholders = (s: string) => (s.match(/\{[A-Za-z_]\w*\}/g) || []).sort().join(" ");

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
