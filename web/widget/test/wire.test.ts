import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "./fixtures";
import { commands } from "../src/lib/commands";
import { frames } from "../src/lib/protocol";
import { clientIdMaker, merged, parsePending, without } from "../src/lib/pending";

const keys = (o: object) => Object.keys(o).sort();

test("the widget's commands have the fixtures' shape", () => {
  const cases: [string, object][] = [
    ["visitor-cmd-auth.json", commands.auth("pv_x")],
    ["visitor-cmd-send.json", commands.send({ client_id: "c-1", body: "hi", created_at: 1 })],
    ["visitor-cmd-resume.json", commands.resume(7)],
    ["visitor-cmd-read.json", commands.read(5)],
    ["visitor-cmd-typing.json", commands.typing(true)],
    ["visitor-cmd-page.json", commands.page("https://shop.example/", "Shop")],
    ["visitor-cmd-ping.json", commands.ping()],
  ];
  for (const [name, got] of cases) {
    const want = fixture(name);
    assert.deepEqual(keys(got), keys(want), name);
    assert.equal((got as { t: string }).t, want.t, name);
  }
  const send = fixture("visitor-cmd-send.json") as { client_id: string; body: string };
  assert.deepEqual(commands.send({ client_id: send.client_id, body: send.body, created_at: 0 }), send);
  const withFile = commands.send({ client_id: "c-2", body: "", created_at: 0, attachment: { id: 9, name: "a.png", content_type: "image/png" } });
  assert.deepEqual(withFile, { t: "send", client_id: "c-2", body: "", attachment_id: 9 });
});

test("a socket message is one frame or an array of frames; junk is dropped", () => {
  const ack = JSON.stringify(fixture("visitor-ack.json"));
  const typing = JSON.stringify(fixture("visitor-typing.json"));
  assert.equal(frames(ack).length, 1);
  assert.deepEqual(frames("[" + ack + "," + typing + "]").map((f) => f.t), ["ack", "typing"]);
  assert.deepEqual(frames("not json"), []);
  assert.deepEqual(frames('[1, null, {"x":1}, {"t":"pong"}]').map((f) => f.t), ["pong"]);
});

test("client ids are short, printable and unique", () => {
  const next = clientIdMaker(() => 0.5);
  const a = next();
  const b = next();
  assert.match(a, /^c-[0-9a-z]+-1$/);
  assert.match(b, /^c-[0-9a-z]+-2$/);
  assert.ok(a.length <= 64);
  assert.notEqual(clientIdMaker(() => 0.25)(), clientIdMaker(() => 0.75)());
});

test("the pending queue survives storage and never holds an id twice", () => {
  assert.deepEqual(parsePending(null), []);
  assert.deepEqual(parsePending("{"), []);
  assert.deepEqual(parsePending('{"a":1}'), []);
  const one = { client_id: "c-a-1", body: "hi", created_at: 1 };
  const list = parsePending(JSON.stringify([one, { client_id: 5 }, null, { body: "x" }]));
  assert.deepEqual(list, [one]);
  assert.equal(merged(list, { ...one, body: "again" }).length, 1);
  assert.equal(merged(list, { client_id: "c-a-2", body: "two", created_at: 2 }).length, 2);
  assert.deepEqual(without(list, "c-a-1"), []);
});
