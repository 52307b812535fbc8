import { test } from "node:test";
import assert from "node:assert/strict";
import { columnsOf, dayEnd, dayStart, dueState, moveTotals, nextSort, noFilters, queryOf, shownColumns, type Field } from "../src/crm/model";
import { parseHash, hashOf } from "../src/lib/router";

const seats: Field = { id: 1, record_type: "deal", key: "seats", label: "Seats", type: "number", options: [] };
const colours: Field = { id: 2, record_type: "deal", key: "colours", label: "Colours", type: "options", options: ["red"] };

test("a list's columns: its own, then its custom fields'; the user's choice in its order, the first always", () => {
  const all = columnsOf("deals", [seats, colours, { ...seats, record_type: "person" }]);
  assert.equal(all[0].key, "title");
  assert.deepEqual(all.slice(-2).map((c) => [c.key, c.sort]), [["fields.seats", "fields.seats"], ["fields.colours", undefined]]);
  assert.deepEqual(shownColumns(all, []).map((c) => c.key), ["title", "value", "stage_name", "status", "person_name", "organization_name", "owner_name", "expected_close_date"]);
  assert.deepEqual(shownColumns(all, ["fields.seats", "value", "gone"]).map((c) => c.key), ["title", "fields.seats", "value"]);
});

test("a header's clicks sort ascending, descending, then newest first again", () => {
  assert.equal(nextSort("", "value"), "value");
  assert.equal(nextSort("value", "value"), "-value");
  assert.equal(nextSort("-value", "value"), "");
  assert.equal(nextSort("-value", "title"), "title");
});

test("filters make the list's query; dates are the user's days", () => {
  const q = queryOf("deals", { ...noFilters, q: " ana ", owner: "3", label: "vip", status: "open", pipeline: "1", stage: "2", closeTo: "2025-06-30", field: "seats", fieldValue: "40", due: "today" }, "-value");
  assert.equal(q.toString(), "q=ana&owner_user_id=3&label=vip&status=open&close_to=2025-06-30&pipeline_id=1&stage_id=2&field.seats=40&sort=-value");
  const a = queryOf("activities", { ...noFilters, due: "overdue", done: "false", status: "won" }, "");
  assert.equal(a.toString(), "due=overdue&done=false");
  assert.equal(dayStart("2025-03-10", "Europe/Berlin"), Date.UTC(2025, 2, 9, 23));
  assert.equal(dayEnd("2025-03-10", "Europe/Berlin"), Date.UTC(2025, 2, 10, 23) - 1);
  assert.equal(dayStart("2025-03-10"), Date.UTC(2025, 2, 10));
});

test("a deal dragged to another stage moves its value and count", () => {
  const sum = new Map([
    [1, { count: 2, totals: [{ value: 5000, currency: "EUR" }] }],
    [2, { count: 0, totals: [] as { value: number; currency: string }[] }],
  ]);
  const out = moveTotals(sum, 1, 2, 2000, "EUR");
  assert.deepEqual(out.get(1), { count: 1, totals: [{ value: 3000, currency: "EUR" }] });
  assert.deepEqual(out.get(2), { count: 1, totals: [{ value: 2000, currency: "EUR" }] });
  assert.deepEqual(sum.get(2)!.count, 0);
});

test("an activity is overdue, today or upcoming in its own time zone", () => {
  const now = Date.UTC(2025, 2, 10, 23, 30);
  assert.equal(dueState({ due_date: "2025-03-11", time_zone: "Europe/Berlin" }, now), "today");
  assert.equal(dueState({ due_date: "2025-03-10", time_zone: "Europe/Berlin" }, now), "overdue");
  assert.equal(dueState({ due_date: "2025-03-10", time_zone: "America/New_York" }, now), "today");
  assert.equal(dueState({ due_date: "2025-03-10", due_time: "09:00", due_at: Date.UTC(2025, 2, 10, 13), time_zone: "America/New_York" }, now), "overdue");
  assert.equal(dueState({ due_date: "2025-03-11", time_zone: "America/New_York" }, now), "upcoming");
  assert.equal(dueState({ due_date: "2025-03-01", done: true }, now), "done");
});

test("the CRM's places are in the URL", () => {
  assert.deepEqual(parseHash("#/crm/deals/board"), { kind: "crm", list: "deals", view: "board" });
  assert.deepEqual(parseHash("#/crm/persons/import"), { kind: "crm", list: "persons", view: "import" });
  assert.deepEqual(parseHash("#/crm/leads/import"), { kind: "crm", list: "leads", view: "" });
  assert.deepEqual(parseHash("#/crm/deal/7"), { kind: "record", type: "deal", id: 7 });
  assert.deepEqual(parseHash("#/f/mine/"), { kind: "folder", folder: "mine" }); // the Conversations place
  assert.equal(hashOf({ kind: "crm", list: "organizations", view: "import" }), "#/crm/organizations/import");
});
