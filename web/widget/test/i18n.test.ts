import { test } from "node:test";
import assert from "node:assert/strict";
import * as en from "../src/i18n/en";
import * as de from "../src/i18n/de";
import * as nl from "../src/i18n/nl";
import * as tr from "../src/i18n/tr";
import * as hu from "../src/i18n/hu";
import { catalogue } from "../src/i18n";
import { fill, plural } from "../src/i18n/format";

// The distinct placeholders (a text may have two forms, "one|other", each with them).
const placeholders = (s: string) => [...new Set(s.match(/\{\w+\}/g) || [])].sort().join(" ");

test("every language has every string, with the same placeholders", () => {
  for (const [name, c] of Object.entries({ de, nl, tr, hu })) {
    for (const part of ["launcher", "strings"] as const) {
      const ref = en[part] as Record<string, string>;
      const got = c[part] as Record<string, string>;
      assert.deepEqual(Object.keys(got).sort(), Object.keys(ref).sort(), name + " " + part);
      for (const k of Object.keys(ref)) {
        assert.ok(got[k].trim() !== "", name + " " + k + " is empty");
        assert.equal(placeholders(got[k]), placeholders(ref[k]), name + " " + k);
      }
    }
  }
});

test("catalogue falls back to English; fill fills placeholders", () => {
  assert.equal(catalogue("de-DE").send, "Senden");
  assert.equal(catalogue("xx").send, "Send");
  assert.equal(fill(catalogue("de").joined, { name: "Jana Novak" }), "Jana Novak ist dem Chat beigetreten");
  assert.equal(fill("{n} of {m}", { n: 3 }), "3 of {m}");
});

test("counts take the singular or the plural form", () => {
  assert.equal(plural(en.launcher.unread, 1), "1 unread message");
  assert.equal(plural(en.launcher.unread, 3), "3 unread messages");
  assert.equal(plural(de.launcher.unread, 1), "1 ungelesene Nachricht");
  assert.equal(plural(de.launcher.unread, 2), "2 ungelesene Nachrichten");
  assert.equal(plural(nl.launcher.unread, 1), "1 ongelezen bericht");
  assert.equal(plural(tr.launcher.unread, 5), "5 okunmamış mesaj");
  assert.equal(plural(hu.launcher.unread, 1), "1 olvasatlan üzenet");
  assert.equal(plural(en.strings.tooShort, 1), "Please enter at least 1 character.");
  assert.equal(plural(en.strings.tooShort, 0), "Please enter at least 0 characters.");
  for (const c of [en, de, nl, tr, hu]) for (const s of [...Object.values(c.launcher), ...Object.values(c.strings)]) assert.ok(s.split("|").length <= 2, s);
});
