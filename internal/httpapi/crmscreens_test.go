package httpapi_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// The API behind the CRM's screens: sorted pages with cursors, filters, CSV exports of a list as
// filtered, bulk actions, CSV import, merging, a record's history and conversations, and each
// user's list settings.
func TestCRMScreensAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCRMEnv(t, db)
		c := e.conversation("Lena")
		alice, admin := e.client(), e.client()
		e.login(alice, "alice@example.com")
		e.login(admin, "admin@example.com")

		// Persons by import: a dry run reports the bad row, then the import makes the rest.
		file := "Name,Email,Company,Tags\nAna Berger,ana@example.com,Berger AG,vip\n\"Bob, Jr.\",bob@example.com,,\"=cmd, x\"\nNo Email,not-an-email,,\nZoë,zoe@example.com,,vip\n"
		body, _ := json.Marshal(map[string]any{"csv": file, "dry_run": true})
		r := e.do(alice, "POST", "/api/v1/persons/import", string(body))
		expect(t, r, 200, "")
		errsList := r.body["errors"].([]any)
		if len(errsList) != 1 || num(errsList[0].(map[string]any)["row"]) != 4 || errsList[0].(map[string]any)["column"] != "Email" || num(r.body["valid"]) != 3 {
			t.Fatalf("dry run %s", r.raw)
		}
		body, _ = json.Marshal(map[string]any{"csv": file, "mapping": r.body["mapping"]})
		r = e.do(alice, "POST", "/api/v1/persons/import", string(body))
		expect(t, r, 201, "")
		if num(r.body["created"]) != 3 {
			t.Fatalf("import %s", r.raw)
		}

		// A sorted page and the next one by its cursor.
		r = e.do(alice, "GET", "/api/v1/persons?sort=-name&limit=2", "")
		expect(t, r, 200, "")
		page := r.body["persons"].([]any)
		next, _ := r.body["next"].(map[string]any)
		if len(page) != 2 || page[0].(map[string]any)["name"] != "Zoë" || next == nil || next["cursor"] == "" || next["before_id"] != nil {
			t.Fatalf("page %s", r.raw)
		}
		r = e.do(alice, "GET", "/api/v1/persons?sort=-name&limit=2&cursor="+url.QueryEscape(next["cursor"].(string)), "")
		expect(t, r, 200, "")
		if p := r.body["persons"].([]any); len(p) != 1 || p[0].(map[string]any)["name"] != "Ana Berger" || r.body["next"] != nil {
			t.Fatalf("second page %s", r.raw)
		}
		expect(t, e.do(alice, "GET", "/api/v1/persons?sort=secret", ""), 400, "sort_invalid")
		expect(t, e.do(alice, "GET", "/api/v1/persons?field.nope=1", ""), 400, "field_unknown")
		expect(t, e.do(alice, "GET", "/api/v1/persons?field.x.y=1", ""), 400, "query_invalid")

		// The list as CSV, as filtered, by ?format=csv and by Accept alike; formulas defused.
		for _, hdr := range [][]string{nil, {"Accept", "text/csv"}} {
			path := "/api/v1/persons?label=vip&sort=name"
			if hdr == nil {
				path += "&format=csv"
			}
			r = e.do(alice, "GET", path, "", hdr...)
			expect(t, r, 200, "")
			if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" || !strings.Contains(r.header.Get("Content-Disposition"), "persons-") {
				t.Fatalf("content type %q %q", ct, r.header.Get("Content-Disposition"))
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.raw, "\uFEFF"))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 3 || rows[0][1] != "name" || rows[1][1] != "Ana Berger" || rows[1][4] != "Berger AG" || rows[2][1] != "Zoë" {
				t.Fatalf("csv %q", rows)
			}
		}
		r = e.do(alice, "GET", "/api/v1/persons?q=bob&format=csv", "")
		rows, _ := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.raw, "\uFEFF"))).ReadAll()
		if len(rows) != 2 || rows[1][1] != "Bob, Jr." || rows[1][6] != "'=cmd; x" {
			t.Fatalf("csv %q", rows)
		}

		// Bulk: alice labels what she owns; deleting is for admins.
		r = e.do(alice, "GET", "/api/v1/persons?sort=name", "")
		var ids []int64
		for _, p := range r.body["persons"].([]any) {
			ids = append(ids, num(p.(map[string]any)["id"]))
		}
		idsJSON, _ := json.Marshal(ids)
		r = e.do(alice, "POST", "/api/v1/persons/bulk", `{"action":"add_label","label":"fair 2025","ids":`+string(idsJSON)+`}`)
		expect(t, r, 200, "")
		if len(r.body["done"].([]any)) != 3 || len(r.body["failed"].([]any)) != 0 {
			t.Fatalf("bulk %s", r.raw)
		}
		expect(t, e.do(alice, "POST", "/api/v1/persons/bulk", `{"action":"delete","ids":`+string(idsJSON)+`}`), 403, "forbidden")
		r = e.do(alice, "GET", fmt.Sprintf("/api/v1/persons/%d/history", ids[0]), "")
		expect(t, r, 200, "")
		ch := r.body["changes"].([]any)
		if len(ch) != 1 || ch[0].(map[string]any)["user_name"] != "alice" || ch[0].(map[string]any)["changes"].([]any)[0].(map[string]any)["field"] != "labels" {
			t.Fatalf("history %s", r.raw)
		}

		// Merge Bob into Ana: the dry run states the winners, then the merge.
		r = e.do(alice, "POST", fmt.Sprintf("/api/v1/persons/%d/merge", ids[0]), fmt.Sprintf(`{"from_id":%d,"dry_run":true}`, ids[1]))
		expect(t, r, 200, "")
		if r.body["dry_run"] != true || r.body["person"].(map[string]any)["name"] != "Ana Berger" || len(r.body["fields"].([]any)) == 0 {
			t.Fatalf("dry merge %s", r.raw)
		}
		r = e.do(alice, "POST", fmt.Sprintf("/api/v1/persons/%d/merge", ids[0]), fmt.Sprintf(`{"from_id":%d}`, ids[1]))
		expect(t, r, 200, "")
		if emails := r.body["person"].(map[string]any)["emails"].([]any); len(emails) != 2 {
			t.Fatalf("merged %s", r.raw)
		}
		expect(t, e.do(alice, "GET", fmt.Sprintf("/api/v1/persons/%d", ids[1]), ""), 404, "not_found")

		// A deal from the chat: its conversations, and activities due today.
		r = e.do(alice, "POST", "/api/v1/deals", fmt.Sprintf(`{"title":"Chairs","conversation_id":%d}`, c.ID))
		expect(t, r, 201, "")
		deal := num(r.body["deal"].(map[string]any)["id"])
		r = e.do(alice, "GET", fmt.Sprintf("/api/v1/deals/%d/conversations", deal), "")
		expect(t, r, 200, "")
		if cv := r.body["conversations"].([]any); len(cv) != 1 || cv[0].(map[string]any)["why"] != "made_from" {
			t.Fatalf("conversations %s", r.raw)
		}
		expect(t, e.do(alice, "POST", "/api/v1/activities", `{"subject":"Call"}`), 201, "")
		r = e.do(alice, "GET", "/api/v1/activities?due=today", "")
		expect(t, r, 200, "")
		if len(r.body["activities"].([]any)) != 1 {
			t.Fatalf("due today %s", r.raw)
		}

		// List settings follow the user.
		expect(t, e.do(alice, "PUT", "/api/v1/list-settings/deal", `{"columns":["title","value","fields.seats"],"sort":"-value","pipeline_id":1}`), 200, "")
		r = e.do(alice, "GET", "/api/v1/list-settings/deal", "")
		if s := r.body["settings"].(map[string]any); len(s["columns"].([]any)) != 3 || s["sort"] != "-value" {
			t.Fatalf("settings %s", r.raw)
		}
		r = e.do(admin, "GET", "/api/v1/list-settings/deal", "")
		if s := r.body["settings"].(map[string]any); len(s["columns"].([]any)) != 0 {
			t.Fatalf("admin's settings %s", r.raw)
		}
		expect(t, e.do(alice, "PUT", "/api/v1/list-settings/secret", `{}`), 400, "record_type_invalid")
	})
}
