import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "./fixtures";
import { checkCapture, Clock, inputFor, invalidText, lines, mmss, responses, secondsLeft } from "../src/lib/cards";
import { botWho, headerName, Log } from "../src/lib/log";
import { commands } from "../src/lib/commands";
import { cardPending, parsePending, type Pending } from "../src/lib/pending";
import { catalogue } from "../src/i18n";
import type { Card, Field, Message, Update } from "../src/lib/protocol";

const m = (name: string) => fixture<Message>(name + ".json");

/** The fixtures' story in seq order: welcome, question, answer, live chat waiting then offline,
 * email capture and its value, consent and the consent, the optional order number. */
const story = () => [
  m("bot-message"),
  m("bot-question"),
  m("bot-reply-answer"),
  m("bot-livechat-waiting"),
  m("bot-livechat-offline"),
  m("bot-capture"),
  m("bot-reply-capture"),
  m("bot-consent"),
  m("bot-reply-consent"),
  m("bot-capture-custom"),
];

function logOf(msgs: Message[]): Log {
  const l = new Log();
  const last = msgs.reduce((n, x) => Math.max(n, x.seq), 0);
  l.snapshot({ conversation: { id: 4821, status: "open", last_seq: last, read_seq: 0 }, messages: msgs, from_seq: 1, to_seq: last } as Update);
  return l;
}

test("a card entry with a card id seen before replaces that card where it stands", () => {
  const all = logOf(story()).list();
  assert.equal(all.length, 10);
  const shown = lines(all);
  assert.deepEqual(
    shown.map((x) => x.seq),
    [1, 2, 3, 5, 6, 7, 8, 9, 10],
  );
  const live = shown[3].card!;
  assert.equal(live.id, "crd_live_1");
  assert.equal(live.state, "offline");
  assert.match(live.html!, /nobody is free/);
  // The fixtures' entries are not touched.
  assert.equal(all[3].card!.state, "waiting");
});

test("the joined state keeps the waiting card's message in place, without a new bubble", () => {
  const joined = { ...m("bot-livechat-joined"), seq: 5 };
  const shown = lines([m("bot-message"), m("bot-question"), m("bot-reply-answer"), m("bot-livechat-waiting"), joined]);
  assert.equal(shown.length, 4);
  const c = shown[3].card!;
  assert.equal(c.state, "joined");
  assert.equal(c.user_name, "Jana Novak");
  assert.equal(c.html, m("bot-livechat-waiting").card!.html);
  // Ordinary entries pass through.
  const plain = fixture<Update>("visitor-ready.json").messages;
  assert.deepEqual(lines(plain), plain);
});

test("a card is answered once a visitor entry points at it, or a response is queued", () => {
  const got = responses(logOf(story()).list());
  assert.deepEqual(Array.from(got.keys()).sort(), ["crd_email_1", "crd_gdpr_1", "crd_q_1"]);
  assert.equal(got.get("crd_q_1")!.body, "Talk to someone");
  assert.equal(got.get("crd_order_1"), undefined);
  // Cards' own entries and others' lines never count.
  assert.equal(responses([m("bot-question"), { ...m("bot-reply-answer"), from: "agent" }]).size, 0);
  const queued: Pending[] = [
    { client_id: "c-1", body: "hi", created_at: 1 },
    { client_id: "c-2", body: "", created_at: 2, cmd: { t: "capture", card_id: "crd_order_1", value: "" } },
  ];
  assert.equal(cardPending(queued, "crd_order_1")!.client_id, "c-2");
  assert.equal(cardPending(queued, "crd_q_1"), undefined);
});

test("capture rules: the email card's", () => {
  const f = m("bot-capture").card!.field!;
  assert.deepEqual(checkCapture(f, ""), { why: "required" });
  assert.deepEqual(checkCapture(f, "   "), { why: "required" });
  assert.equal(checkCapture(f, "ana.berger@example.com"), null);
  assert.equal(checkCapture(f, "  ana.berger@example.com "), null);
  assert.deepEqual(checkCapture(f, "ana@"), { why: "email" });
  assert.deepEqual(checkCapture(f, "ana berger@example.com"), { why: "email" });
  assert.deepEqual(checkCapture(f, "a".repeat(250) + "@x.io"), { why: "long", n: 254 });
  const S = catalogue("en");
  assert.equal(invalidText({ why: "required" }, f, S), "Please fill in this field.");
  assert.equal(invalidText({ why: "email" }, f, S), "Please enter a valid email address.");
  assert.equal(invalidText({ why: "long", n: 254 }, f, S), "Please enter at most 254 characters.");
  assert.equal(invalidText({ why: "required" }, f, catalogue("de")), "Bitte füllen Sie dieses Feld aus.");
});

test("capture rules: the optional order number's, with its hint as the message", () => {
  const f = m("bot-capture-custom").card!.field!;
  assert.equal(checkCapture(f, ""), null); // not required: what Skip sends
  assert.deepEqual(checkCapture(f, "12345"), { why: "short", n: 6 });
  assert.deepEqual(checkCapture(f, "12345678901"), { why: "long", n: 10 });
  assert.deepEqual(checkCapture(f, "abcdef"), { why: "pattern" });
  assert.deepEqual(checkCapture(f, "2026-0142"), { why: "pattern" });
  assert.equal(checkCapture(f, "20260142"), null);
  const S = catalogue("en");
  assert.equal(invalidText({ why: "short", n: 6 }, f, S), "Order numbers have 6 to 10 digits.");
  assert.equal(invalidText({ why: "pattern" }, f, S), "Order numbers have 6 to 10 digits.");
  // Without a hint, each rule has its own words.
  const bare: Field = { type: "custom", rules: { min_length: 6, pattern: "^[0-9]+$" } };
  assert.equal(invalidText(checkCapture(bare, "123")!, bare, S), "Please enter at least 6 characters.");
  assert.equal(invalidText(checkCapture(bare, "abcdefg")!, bare, S), "Please check what you entered.");
});

test("capture rules: built-in types, characters not UTF-16 units, and patterns JavaScript cannot read", () => {
  const phone: Field = { type: "phone", rules: { required: true } };
  assert.equal(checkCapture(phone, "+43 (1) 234-56.78/9"), null);
  assert.deepEqual(checkCapture(phone, "call me"), { why: "phone" });
  assert.deepEqual(checkCapture(phone, "+()"), { why: "phone" });
  assert.deepEqual(checkCapture(phone, "1".repeat(41)), { why: "long", n: 40 });
  assert.deepEqual(checkCapture({ type: "name" }, "x".repeat(201)), { why: "long", n: 200 });
  assert.deepEqual(checkCapture({ type: "company", rules: { max_length: 500 } }, "x".repeat(201)), { why: "long", n: 200 });
  const short: Field = { type: "custom", rules: { max_length: 3 } };
  assert.equal(checkCapture(short, "😀😀😀"), null);
  assert.equal(checkCapture({ type: "custom", rules: { pattern: "^\\p{L}+$" } }, "Ümit"), null);
  assert.equal(checkCapture({ type: "custom", rules: { pattern: "(?P<x>a)" } }, "b"), null); // left to the server
  assert.deepEqual(inputFor("email"), { type: "email", autocomplete: "email" });
  assert.deepEqual(inputFor("phone"), { type: "tel", autocomplete: "tel" });
  assert.deepEqual(inputFor("company"), { type: "text", autocomplete: "organization" });
  assert.deepEqual(inputFor("custom"), { type: "text" });
});

test("the countdown runs from the deadline on the server's clock, as seen from here", () => {
  const card = m("bot-livechat-waiting").card as Card & { deadline: number };
  const created = m("bot-livechat-waiting").created_at;
  assert.equal(card.deadline - created, 120000);
  // Our clock is 3 s ahead; the frame took 250 ms to arrive.
  const clock = new Clock();
  assert.equal(clock.offset, 0);
  clock.observe(created, created + 3250);
  assert.equal(clock.offset, 3250);
  clock.observe(created + 5000, created + 9000); // a slower frame: no better guess
  assert.equal(clock.offset, 3250);
  clock.observe(created + 6000, created + 9100); // a quicker one
  assert.equal(clock.offset, 3100);
  const at = (ms: number) => secondsLeft(card.deadline, card.waiting_seconds, created + 3100 + ms, clock.offset);
  assert.equal(at(0), 120);
  assert.equal(at(1), 120);
  assert.equal(at(61500), 59);
  assert.equal(at(119999), 1);
  assert.equal(at(120000), 0);
  assert.equal(at(500000), 0);
  // A clock far behind shows no more than the waiting time.
  assert.equal(secondsLeft(card.deadline, card.waiting_seconds, created - 3600000, 0), 120);
  assert.equal(secondsLeft(card.deadline, undefined, created - 10000, 0), 130);
  assert.equal(mmss(120), "2:00");
  assert.equal(mmss(59), "0:59");
  assert.equal(mmss(0), "0:00");
  assert.equal(mmss(605), "10:05");
  const S = catalogue("en");
  assert.equal(S.waiting.replace("{time}", mmss(at(61500))), "Waiting for an agent… 0:59");
});

test("the header: the bot until an agent joins, by the line or by the live chat card", () => {
  const waiting = [m("bot-message"), m("bot-question"), m("bot-reply-answer"), m("bot-livechat-waiting")];
  const bot = botWho(waiting, {}, "Shop");
  assert.deepEqual(bot, { name: "Shop assistant", avatar: "/widget/v1/pk_x8Rb2LqN4vTz7hKc/bot.png" });
  assert.deepEqual(headerName(waiting, bot), bot);
  assert.deepEqual(botWho(waiting, { bot_name: "Shopper", avatar: "/a.png" }, "Shop"), { name: "Shopper", avatar: "/a.png" });
  assert.deepEqual(botWho(waiting, { bot_name: "Shopper" }, "Shop"), { name: "Shopper", avatar: undefined });
  assert.deepEqual(botWho([], {}, "Shop"), { name: "Shop", avatar: undefined });
  const line: Message = { id: 90410, seq: 5, from: "system", kind: "event", event: { type: "joined", user_id: 12, user_name: "Jana Novak" }, created_at: 1767364251830 };
  const card = { ...m("bot-livechat-joined"), seq: 6 };
  const jana = { name: "Jana Novak", avatar: "/avatars/12.png" };
  assert.deepEqual(headerName(waiting.concat(line, card), bot), jana);
  assert.deepEqual(headerName(waiting.concat(card), bot), jana); // the card alone is enough
  assert.deepEqual(headerName(waiting.concat(line), bot), { name: "Jana Novak", avatar: undefined }); // initials until a picture is known
  const back: Message = { id: 90412, seq: 7, from: "system", kind: "event", event: { type: "unassigned", auto: true }, created_at: 1767364290000 };
  assert.deepEqual(headerName(waiting.concat(line, card, back), bot), bot);
});

test("card responses go out in the fixtures' shape, with the pending entry's client id", () => {
  const cases: [string, Pending][] = [
    ["bot-cmd-answer.json", { client_id: "c-lq3x9k-5", body: "Talk to someone", created_at: 1, cmd: { t: "answer", card_id: "crd_q_1", answer_id: "talk" } }],
    ["bot-cmd-capture.json", { client_id: "c-lq3x9k-6", body: "ana.berger@example.com", created_at: 1, cmd: { t: "capture", card_id: "crd_email_1", value: "ana.berger@example.com" } }],
    ["bot-cmd-consent.json", { client_id: "c-lq3x9k-7", body: "I agree", created_at: 1, cmd: { t: "consent", card_id: "crd_gdpr_1", version: "2026-01", accepted: true } }],
  ];
  for (const [name, p] of cases) assert.deepEqual(commands.send(p), fixture(name), name);
  // They survive storage like messages; a malformed one is dropped.
  const stored = parsePending(JSON.stringify([cases[0][1], { client_id: "c-x", body: "", cmd: { t: "hack", card_id: "x" } }, { client_id: "c-y", body: "", cmd: { t: "answer" } }]));
  assert.deepEqual(stored, [cases[0][1]]);
  // The server's refusal of a capture names the card.
  const err = fixture<{ ref: string; code: string }>("bot-error-capture-invalid.json");
  assert.equal(err.ref, m("bot-capture").card!.id);
  assert.equal(err.code, "capture_invalid");
});

test("the bot's typing frame is typing like an agent's", () => {
  const f = fixture<{ t: string; from: string; name: string; on: boolean }>("bot-typing.json");
  assert.equal(f.t, "typing");
  assert.equal(f.from, "bot");
  assert.equal(f.name, m("bot-message").name);
});

test("after consent_version_stale the conversation read again replaces the cards held", () => {
  const l = logOf(story().slice(0, 8));
  const newer = { ...m("bot-consent"), card: { ...m("bot-consent").card!, version: "2026-02" } };
  const again = { conversation: { id: 4821, status: "open", last_seq: 8, read_seq: 0 }, messages: [newer], from_seq: 8, to_seq: 8, agents_available: 1 } as Update;
  l.snapshot(again, 0, 0);
  assert.equal(l.entries.get(8)!.card!.version, "2026-01"); // an ordinary merge keeps what it holds
  l.snapshot(again, 0, 0, true);
  assert.equal(l.entries.get(8)!.card!.version, "2026-02");
  assert.equal(l.list().length, 8);
});
