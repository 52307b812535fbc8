import { test } from "node:test";
import assert from "node:assert/strict";
import { backoff, maxDelayMs, soon } from "../src/lib/backoff";
import { Chord } from "../src/lib/keys";
import { hashOf, parseHash } from "../src/lib/router";

test("routes: folders, conversations, records, admin; anything else is Unassigned", () => {
  assert.deepEqual(parseHash("#/f/mine"), { kind: "folder", folder: "mine" });
  assert.deepEqual(parseHash("#/c/4821"), { kind: "conversation", id: 4821 });
  assert.deepEqual(parseHash("#/crm/deal/7"), { kind: "record", type: "deal", id: 7 });
  assert.deepEqual(parseHash("#/admin/websites/3"), { kind: "admin", path: ["websites", "3"] });
  assert.deepEqual(parseHash("#/admin"), { kind: "admin", path: [] });
  for (const bad of ["", "#", "#/f/junk", "#/c/abc", "#/c/-1", "#/x", "#/crm/note/1", "#/crm/deal/0", "#/crm/deal"]) assert.deepEqual(parseHash(bad), { kind: "folder", folder: "unassigned" }, bad);
  assert.deepEqual(parseHash("#/f/spam"), { kind: "folder", folder: "spam" });
  for (const h of ["#/f/closed", "#/c/12", "#/crm/person/3", "#/admin/users"]) assert.equal(hashOf(parseHash(h)), h);
});

test("shortcuts: single keys and g followed by a folder letter", () => {
  const c = new Chord();
  assert.equal(c.press("j", 0), "next");
  assert.equal(c.press("g", 10), null);
  assert.equal(c.press("m", 20), "folder:mine");
  assert.equal(c.press("a", 30), "assign", "the chord is over");
  assert.equal(c.press("g", 40), null);
  assert.equal(c.press("c", 5000), null, "too late: c alone means nothing");
  assert.equal(c.press("?", 5001), "help");
  assert.equal(c.press("x", 5002), null);
});

test("reconnect back-off grows from 0.5 s to 30 s, jittered down to zero", () => {
  const top = () => 0.999999;
  assert.equal(backoff(0, top), 499);
  assert.equal(backoff(3, top), 3999);
  assert.equal(backoff(60, top), maxDelayMs - 1);
  assert.equal(backoff(5, () => 0), 0);
  assert.ok(soon() < 1000);
});
