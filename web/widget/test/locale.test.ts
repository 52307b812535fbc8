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

test("the site's choice wins, then the playbook, then the browser, then the page, then English", () => {
  assert.equal(chooseLocale("tr", "de", ["nl"], "hu"), "tr");
  assert.equal(chooseLocale("", "en", ["nl-NL"], "hu"), "hu");
  // Neither the site nor a playbook fixes one: the browser's languages, de-AT being German, even
  // on a page written in English.
  assert.equal(chooseLocale("", "en", ["de-AT", "en-US"]), "de");
  assert.equal(chooseLocale("xx", "fr", ["pt", "hu-HU", "de"]), "hu");
  // None of the browser's languages is one of the widget's: the page's.
  assert.equal(chooseLocale("", "de-CH", ["fr-FR", "es"]), "de");
  assert.equal(chooseLocale(null, "", []), "en");
  assert.equal(chooseLocale(undefined, "fr", ["es"]), "en");
});
