import { test } from "node:test";
import assert from "node:assert/strict";
import { chooseLocale, supported } from "../src/lib/locale";

test("supported reduces language tags to the widget's languages", () => {
  assert.equal(supported("de-AT"), "de");
  assert.equal(supported("NL"), "nl");
  assert.equal(supported("tr_TR"), "tr");
  assert.equal(supported(" hu "), "hu");
  assert.equal(supported("pt-BR"), "");
  assert.equal(supported(""), "");
  assert.equal(supported(undefined), "");
});

test("the site's choice wins, then the page, then the browser, then English", () => {
  assert.equal(chooseLocale("tr", "de", ["nl"]), "tr");
  assert.equal(chooseLocale("", "de-CH", ["nl-NL"]), "de");
  assert.equal(chooseLocale("xx", "fr", ["pt", "hu-HU", "de"]), "hu");
  assert.equal(chooseLocale(null, "", []), "en");
  assert.equal(chooseLocale(undefined, "fr", ["es"]), "en");
});
