package crm_test

import (
	"encoding/json"
	"testing"

	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// fieldsOf is a change's fields as "field: before → after".
func changeText(c crm.Change) map[string]string {
	out := map[string]string{}
	for _, f := range c.Fields {
		out[f.Field] = string(f.Before) + " → " + string(f.After)
	}
	return out
}

func TestEveryChangeIsInTheRecordsHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		if _, err := f.svc.CreateField(f.ctx, f.admin, crm.FieldInput{RecordType: crm.PersonType, Key: "tier", Type: crm.TextField}); err != nil {
			t.Fatal(err)
		}
		p, err := f.svc.CreatePerson(f.ctx, f.a1, crm.PersonInput{PersonPatch: crm.PersonPatch{Name: ptr("Ana Berger")}})
		if err != nil {
			t.Fatal(err)
		}
		hist := func(tp crm.RecordType, id int64) []crm.Change {
			t.Helper()
			h, err := f.svc.History(f.ctx, f.a2, tp, id, crm.Query{})
			if err != nil {
				t.Fatal(err)
			}
			return h
		}
		if h := hist(crm.PersonType, p.ID); len(h) != 0 {
			t.Fatalf("a new person has history %+v", h)
		}

		// One change of several fields is one entry, by its author, with each field before and after.
		_, err = f.svc.UpdatePerson(f.ctx, f.a1, p.ID, crm.PersonPatch{Name: ptr("Ana Berger-Kraus"), Emails: &[]crm.Email{{Value: "Ana@Example.com"}},
			Fields: map[string]json.RawMessage{"tier": raw(`"gold"`)}, OwnerUserID: ptr(f.a2.ID)})
		if err != nil {
			t.Fatal(err)
		}
		h := hist(crm.PersonType, p.ID)
		if len(h) != 1 || h[0].UserID != f.a1.ID || h[0].UserName != "Alice Agent" || h[0].Action != crm.ChangeUpdated || h[0].At == 0 {
			t.Fatalf("history %+v", h)
		}
		got := changeText(h[0])
		want := map[string]string{
			"name":          `"Ana Berger" → "Ana Berger-Kraus"`,
			"emails":        `null → [{"value":"ana@example.com"}]`,
			"fields.tier":   `null → "gold"`,
			"owner_user_id": `` + jsonInt(f.a1.ID) + ` → ` + jsonInt(f.a2.ID),
		}
		if len(got) != len(want) {
			t.Fatalf("fields %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("%s: %q, want %q (all: %v)", k, got[k], v, got)
			}
		}

		// A change that changes nothing, or is refused, writes no entry.
		if _, err := f.svc.UpdatePerson(f.ctx, f.a2, p.ID, crm.PersonPatch{Name: ptr("Ana Berger-Kraus")}); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.UpdatePerson(f.ctx, f.a1, p.ID, crm.PersonPatch{Name: ptr("Someone else")}) // a1 owns it no more
		if !errs.Is(err, errs.Forbidden) {
			t.Fatalf("got %v, want forbidden", err)
		}
		_, err = f.svc.UpdatePerson(f.ctx, f.a2, p.ID, crm.PersonPatch{Name: ptr("X"), OrganizationID: ptr(int64(999999))})
		if !errs.Is(err, errs.Invalid) {
			t.Fatalf("got %v, want invalid", err)
		}
		if n := len(hist(crm.PersonType, p.ID)); n != 1 {
			t.Fatalf("%d entries, want 1", n)
		}

		// A lead converted into a deal: its status and deal in one entry.
		l, err := f.svc.CreateLead(f.ctx, f.a1, crm.LeadInput{LeadPatch: crm.LeadPatch{Title: ptr("Chairs"), Value: ptr(int64(1000))}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.UpdateLead(f.ctx, f.a1, l.ID, crm.LeadPatch{Value: ptr(int64(2500))}); err != nil {
			t.Fatal(err)
		}
		l2, d, err := f.svc.ConvertLead(f.ctx, f.a1, l.ID, crm.ConvertInput{})
		if err != nil {
			t.Fatal(err)
		}
		h = hist(crm.LeadType, l.ID)
		if len(h) != 2 {
			t.Fatalf("lead history %+v", h)
		}
		if c := changeText(h[0]); c["status"] != `"open" → "converted"` || c["deal_id"] != "null → "+jsonInt(d.ID) || len(c) != 2 {
			t.Fatalf("conversion %v", c)
		}
		if c := changeText(h[1]); c["value"] != "1000 → 2500" {
			t.Fatalf("value %v", c)
		}
		if l2.Status != crm.LeadConverted {
			t.Fatal(l2.Status)
		}

		// A deal moved along its pipeline and won; an activity done.
		pls, _ := f.svc.ListPipelines(f.ctx, f.a1)
		next := pls[0].Stages[1].ID
		if _, err := f.svc.UpdateDeal(f.ctx, f.a1, d.ID, crm.DealPatch{StageID: &next}); err != nil {
			t.Fatal(err)
		}
		won := crm.DealWon
		if _, err := f.svc.UpdateDeal(f.ctx, f.a1, d.ID, crm.DealPatch{Status: &won}); err != nil {
			t.Fatal(err)
		}
		h = hist(crm.DealType, d.ID)
		if len(h) != 2 || changeText(h[0])["status"] != `"open" → "won"` ||
			changeText(h[1])["stage_id"] != jsonInt(pls[0].Stages[0].ID)+" → "+jsonInt(next) {
			t.Fatalf("deal history %+v", h)
		}
		a, err := f.svc.CreateActivity(f.ctx, f.a1, crm.ActivityInput{ActivityPatch: crm.ActivityPatch{Subject: ptr("Call Ana"), DealID: &d.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.UpdateActivity(f.ctx, f.a1, a.ID, crm.ActivityPatch{Done: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		if h := hist(crm.ActivityType, a.ID); len(h) != 1 || changeText(h[0])["done"] != "false → true" || len(h[0].Fields) != 1 {
			t.Fatalf("activity history %+v", h)
		}

		// Paging, and a deleted record's history goes with it.
		page, err := f.svc.History(f.ctx, f.a1, crm.DealType, d.ID, crm.Query{Limit: 1})
		if err != nil || len(page) != 1 {
			t.Fatal(page, err)
		}
		rest, err := f.svc.History(f.ctx, f.a1, crm.DealType, d.ID, crm.Query{Limit: 1, BeforeID: page[0].ID})
		if err != nil || len(rest) != 1 || rest[0].ID >= page[0].ID {
			t.Fatal(rest, err)
		}
		if err := f.svc.DeleteDeal(f.ctx, f.admin, d.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.History(f.ctx, f.a1, crm.DealType, d.ID, crm.Query{}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("got %v, want not found", err)
		}
		var n int
		if err := db.Reader().QueryRowContext(f.ctx, "SELECT COUNT(*) FROM crm_changes WHERE record_type = 'deal'").Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d deal changes left (%v)", n, err)
		}
	})
}

func jsonInt(v int64) string {
	b, _ := json.Marshal(v)
	return string(b)
}
