package crm_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// The lists behind the CRM's screens: sorting (also by custom values) with keyset pages, filters,
// bulk actions, CSV import and merging — on both engines.

func names[T any](list []T, name func(*T) string) []string {
	out := []string{}
	for i := range list {
		out = append(out, name(&list[i]))
	}
	return out
}

func TestListsSortAndPageByAnyColumn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		if _, err := f.svc.CreateField(f.ctx, f.admin, crm.FieldInput{RecordType: crm.PersonType, Key: "seats", Type: crm.NumberField}); err != nil {
			t.Fatal(err)
		}
		// Names in mixed case and with ties; seats for some.
		for i, n := range []string{"bob", "Ana", "Zoë", "ana", "Émile", "Carl", "ana", "Dora"} {
			in := crm.PersonInput{PersonPatch: crm.PersonPatch{Name: ptr(n)}}
			if i%3 != 0 {
				in.Fields = map[string]json.RawMessage{"seats": raw(fmt.Sprint(i * 10 % 35))}
			}
			if _, err := f.svc.CreatePerson(f.ctx, f.a1, in); err != nil {
				t.Fatal(err)
			}
		}
		// all pages through a list three at a time.
		all := func(q crm.Query) []crm.Person {
			t.Helper()
			q.Limit = 3
			var out []crm.Person
			for range 10 {
				page, err := f.svc.ListPersons(f.ctx, f.a2, q)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, page...)
				if len(page) < 3 {
					return out
				}
				q.Cursor = page[len(page)-1].Cursor
			}
			t.Fatal("too many pages")
			return nil
		}
		got := names(all(crm.Query{Sort: crm.ParseSort("name")}), func(p *crm.Person) string { return p.Name })
		want := []string{"Ana", "ana", "ana", "bob", "Carl", "Dora", "Zoë", "Émile"} // lower-cased byte order, ties by id
		if !slices.Equal(got, want) {
			t.Fatalf("by name %v, want %v", got, want)
		}
		got = names(all(crm.Query{Sort: crm.ParseSort("-name")}), func(p *crm.Person) string { return p.Name })
		slices.Reverse(want)
		if !slices.Equal(got, want) {
			t.Fatalf("by name descending %v, want %v", got, want)
		}
		bySeats := all(crm.Query{Sort: crm.ParseSort("-fields.seats")})
		var seats []string
		for _, p := range bySeats {
			seats = append(seats, fmt.Sprint(p.Fields["seats"]))
		}
		if strings.Join(seats, ",") != "20,15,10,5,0,<nil>,<nil>,<nil>" {
			t.Fatalf("by seats %v", seats)
		}
		// The default order pages newest first by cursor and by before_id alike.
		if n := len(all(crm.Query{})); n != 8 {
			t.Fatalf("%d persons newest first", n)
		}
		// A search keeps its order.
		got = names(all(crm.Query{Q: "an", Sort: crm.ParseSort("-created_at")}), func(p *crm.Person) string { return p.Name })
		if !slices.Equal(got, []string{"ana", "ana", "Ana"}) {
			t.Fatalf("search by created %v", got)
		}
		_, err := f.svc.ListPersons(f.ctx, f.a1, crm.Query{Sort: crm.ParseSort("password")})
		wantCode(t, err, errs.Invalid, "sort_invalid")
		_, err = f.svc.ListPersons(f.ctx, f.a1, crm.Query{Sort: crm.ParseSort("name"), Cursor: "bogus"})
		wantCode(t, err, errs.Invalid, "cursor_invalid")
		page, _ := f.svc.ListPersons(f.ctx, f.a1, crm.Query{Sort: crm.ParseSort("name"), Limit: 2})
		_, err = f.svc.ListPersons(f.ctx, f.a1, crm.Query{Sort: crm.ParseSort("updated_at"), Cursor: page[1].Cursor})
		wantCode(t, err, errs.Invalid, "cursor_invalid")
	})
}

func TestListsFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, fi := range []crm.FieldInput{
			{RecordType: crm.DealType, Key: "seats", Type: crm.NumberField},
			{RecordType: crm.DealType, Key: "region", Type: crm.OptionField, Options: &[]string{"north", "south"}},
			{RecordType: crm.DealType, Key: "colours", Type: crm.OptionsField, Options: &[]string{"red", "blue"}},
			{RecordType: crm.DealType, Key: "budget", Type: crm.MoneyField},
		} {
			if _, err := f.svc.CreateField(f.ctx, f.admin, fi); err != nil {
				t.Fatal(err)
			}
		}
		deal := func(title string, owner int64, labels []string, close string, fields string) *crm.Deal {
			t.Helper()
			in := crm.DealInput{DealPatch: crm.DealPatch{Title: ptr(title), OwnerUserID: &owner, Labels: &labels, ExpectedCloseDate: ptr(close)}}
			if fields != "" {
				_ = json.Unmarshal([]byte(fields), &in.Fields)
			}
			d, err := f.svc.CreateDeal(f.ctx, f.admin, in)
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		deal("A", f.a1.ID, []string{"hot"}, "2025-04-01", `{"seats": 40, "region": "north", "colours": ["red", "blue"], "budget": {"value": 500000, "currency": "EUR"}}`)
		b := deal("B", f.a2.ID, []string{"cold", "hot"}, "2025-05-15", `{"seats": 4, "region": "south", "colours": ["blue"]}`)
		deal("C", f.a1.ID, []string{}, "", `{"seats": 12}`)
		won := crm.DealWon
		if _, err := f.svc.UpdateDeal(f.ctx, f.admin, b.ID, crm.DealPatch{Status: &won}); err != nil {
			t.Fatal(err)
		}
		titles := func(q crm.Query) string {
			t.Helper()
			q.Sort = crm.ParseSort("title")
			list, err := f.svc.ListDeals(f.ctx, f.a1, q)
			if err != nil {
				t.Fatal(err)
			}
			return strings.Join(names(list, func(d *crm.Deal) string { return d.Title }), "")
		}
		for _, tc := range []struct {
			q    crm.Query
			want string
		}{
			{crm.Query{}, "ABC"},
			{crm.Query{Label: "hot"}, "AB"},
			{crm.Query{Label: "cold"}, "B"},
			{crm.Query{Label: "Hot"}, ""},
			{crm.Query{OwnerUserID: f.a1.ID}, "AC"},
			{crm.Query{Status: "won"}, "B"},
			{crm.Query{CloseFrom: "2025-04-02"}, "B"},
			{crm.Query{CloseTo: "2025-04-30"}, "A"},
			{crm.Query{Fields: []crm.FieldFilter{{Key: "seats", Min: "10"}}}, "AC"},
			{crm.Query{Fields: []crm.FieldFilter{{Key: "seats", Min: "5", Max: "20"}}}, "C"},
			{crm.Query{Fields: []crm.FieldFilter{{Key: "seats", Eq: "4"}}}, "B"},
			{crm.Query{Fields: []crm.FieldFilter{{Key: "region", Eq: "north"}}}, "A"},
			{crm.Query{Fields: []crm.FieldFilter{{Key: "colours", Eq: "blue"}}}, "AB"},
			{crm.Query{Fields: []crm.FieldFilter{{Key: "colours", Eq: "red"}}}, "A"},
			{crm.Query{Fields: []crm.FieldFilter{{Key: "budget", Min: "100000"}}}, "A"},
			{crm.Query{Fields: []crm.FieldFilter{{Key: "seats", Min: "10"}}, Label: "hot", Q: "a"}, "A"},
		} {
			if got := titles(tc.q); got != tc.want {
				t.Errorf("%+v: %q, want %q", tc.q, got, tc.want)
			}
		}
		_, err := f.svc.ListDeals(f.ctx, f.a1, crm.Query{Fields: []crm.FieldFilter{{Key: "nope", Eq: "1"}}})
		wantCode(t, err, errs.Invalid, "field_unknown")
		_, err = f.svc.ListDeals(f.ctx, f.a1, crm.Query{Fields: []crm.FieldFilter{{Key: "region", Min: "a"}}})
		wantCode(t, err, errs.Invalid, "query_invalid")
		_, err = f.svc.ListDeals(f.ctx, f.a1, crm.Query{Fields: []crm.FieldFilter{{Key: "region", Eq: "west"}}})
		wantCode(t, err, errs.Invalid, "query_invalid")
		if got := titles(crm.Query{Sort: crm.ParseSort("-fields.budget")}); got != "ABC" {
			t.Errorf("by budget %q", got)
		}
		// The board's heads: per stage, the deals the filters keep and their totals.
		v := int64(1250)
		if _, err := f.svc.UpdateDeal(f.ctx, f.admin, b.ID, crm.DealPatch{Value: &v}); err != nil {
			t.Fatal(err)
		}
		sum, err := f.svc.DealSummary(f.ctx, f.a1, crm.Query{Label: "hot"})
		if err != nil || len(sum) != 1 || sum[0].Count != 2 || len(sum[0].Totals) != 1 || sum[0].Totals[0].Value != 1250 || sum[0].Totals[0].Currency != "EUR" {
			t.Fatalf("summary %+v %v", sum, err)
		}
		if sum, _ := f.svc.DealSummary(f.ctx, f.a1, crm.Query{Status: "open", Q: "c"}); len(sum) != 1 || sum[0].Count != 1 {
			t.Fatalf("open summary %+v", sum)
		}
	})
}

// Activities are overdue, due today or upcoming in their own time zones: at 23:30 UTC it is
// already tomorrow in Berlin, still today in New York.
func TestActivitiesDueTodayOverdueUpcoming(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.SetClock(time.Date(2025, 3, 10, 23, 30, 0, 0, time.UTC))
		act := func(owner *int64, subject, date, at string) {
			t.Helper()
			if _, err := f.svc.CreateActivity(f.ctx, f.admin, crm.ActivityInput{ActivityPatch: crm.ActivityPatch{Subject: ptr(subject),
				DueDate: ptr(date), DueTime: ptr(at), OwnerUserID: owner}}); err != nil {
				t.Fatal(err)
			}
		}
		act(&f.a1.ID, "berlin-today", "2025-03-11", "")       // Berlin: it is the 11th
		act(&f.a1.ID, "berlin-yesterday", "2025-03-10", "")   // overdue in Berlin
		act(&f.a2.ID, "ny-today", "2025-03-10", "")           // New York: still the 10th
		act(&f.a2.ID, "ny-today-past", "2025-03-10", "09:00") // earlier today: overdue
		act(&f.a2.ID, "ny-tomorrow", "2025-03-11", "")
		subjects := func(due string) string {
			t.Helper()
			list, err := f.svc.ListActivities(f.ctx, f.a1, crm.Query{Due: due, Sort: crm.ParseSort("subject")})
			if err != nil {
				t.Fatal(err)
			}
			return strings.Join(names(list, func(a *crm.Activity) string { return a.Subject }), " ")
		}
		if got := subjects(crm.DueOverdue); got != "berlin-yesterday ny-today-past" {
			t.Errorf("overdue %q", got)
		}
		if got := subjects(crm.DueToday); got != "berlin-today ny-today" {
			t.Errorf("today %q", got)
		}
		if got := subjects(crm.DueUpcoming); got != "ny-tomorrow" {
			t.Errorf("upcoming %q", got)
		}
		_, err := f.svc.ListActivities(f.ctx, f.a1, crm.Query{Due: "someday"})
		wantCode(t, err, errs.Invalid, "query_invalid")
	})
}

func TestBulkActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var ids []int64
		for i, owner := range []int64{f.a1.ID, f.a1.ID, f.a2.ID} {
			l, err := f.svc.CreateLead(f.ctx, f.admin, crm.LeadInput{LeadPatch: crm.LeadPatch{Title: ptr(fmt.Sprint("Lead ", i)), OwnerUserID: &owner}})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, l.ID)
		}
		// a1 labels all three: the one a2 owns is refused, the others done, each with its history.
		res, err := f.svc.Bulk(f.ctx, f.a1, crm.LeadType, crm.BulkInput{IDs: ids, Action: crm.BulkLabel, Label: "vip"})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Done, ids[:2]) || len(res.Failed) != 1 || res.Failed[0].ID != ids[2] || res.Failed[0].Code != "forbidden" {
			t.Fatalf("labels %+v", res)
		}
		if h, _ := f.svc.History(f.ctx, f.a1, crm.LeadType, ids[0], crm.Query{}); len(h) != 1 || changeText(h[0])["labels"] != `null → ["vip"]` {
			t.Fatalf("history %+v", h)
		}
		// An admin gives them all to a2, then deletes two; agents may not delete.
		res, err = f.svc.Bulk(f.ctx, f.admin, crm.LeadType, crm.BulkInput{IDs: ids, Action: crm.BulkOwner, OwnerUserID: &f.a2.ID})
		if err != nil || len(res.Done) != 3 {
			t.Fatalf("owner %+v %v", res, err)
		}
		if list, _ := f.svc.ListLeads(f.ctx, f.a1, crm.Query{OwnerUserID: f.a2.ID}); len(list) != 3 {
			t.Fatalf("a2 owns %d", len(list))
		}
		_, err = f.svc.Bulk(f.ctx, f.a2, crm.LeadType, crm.BulkInput{IDs: ids, Action: crm.BulkDelete})
		wantCode(t, err, errs.Forbidden, "")
		res, err = f.svc.Bulk(f.ctx, f.admin, crm.LeadType, crm.BulkInput{IDs: []int64{ids[0], ids[1], 999999}, Action: crm.BulkDelete})
		if err != nil || len(res.Done) != 2 || len(res.Failed) != 1 || res.Failed[0].Code != "not_found" {
			t.Fatalf("delete %+v %v", res, err)
		}
		_, err = f.svc.Bulk(f.ctx, f.admin, crm.LeadType, crm.BulkInput{IDs: ids, Action: crm.BulkOwner, OwnerUserID: ptr(int64(999999))})
		wantCode(t, err, errs.Invalid, "owner_unknown")
		_, err = f.svc.Bulk(f.ctx, f.admin, crm.LeadType, crm.BulkInput{IDs: nil, Action: crm.BulkDelete})
		wantCode(t, err, errs.Invalid, "ids_invalid")
	})
}

func TestImportPersons(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		if _, err := f.svc.CreateField(f.ctx, f.admin, crm.FieldInput{RecordType: crm.PersonType, Key: "seats", Type: crm.NumberField, Label: ptr("Seats")}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CreatePerson(f.ctx, f.a1, crm.PersonInput{PersonPatch: crm.PersonPatch{Name: ptr("Old Ana"), Emails: &[]crm.Email{{Value: "ana@example.com"}}}}); err != nil {
			t.Fatal(err)
		}
		file := "\uFEFFFull name;E-mail;Telefon;Company;Owner;Tags;Seats;Notes\n" +
			"Ana Berger;ANA@example.com;+43 1 234;Berger AG;a1@example.com;vip, hot;40;x\n" + // duplicate of Old Ana
			"Bob Brown;bob@example.com;;Berger AG;;;12;\n" +
			";nobody@example.com;;;;;;\n" + // no name
			"Carl;carl@;;;;;;\n" + // bad email
			"Dora;dora@example.com;;;someone@else.com;;many;\n" + // unknown owner, bad number
			"\n" +
			"Bob again;BOB@example.com;;;;;;\n" + // duplicate of an earlier row
			"Emil;emil@example.com;'+49 30 5;Emil GmbH;Alice Agent;;;\n"
		res, err := f.svc.ImportPersons(f.ctx, f.a1, crm.ImportInput{CSV: file, DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		wantMap := map[string]string{"Full name": "name", "E-mail": "email", "Telefon": "phone", "Company": "organization", "Owner": "owner", "Tags": "labels", "Seats": "fields.seats"}
		if fmt.Sprint(res.Mapping) != fmt.Sprint(wantMap) {
			t.Fatalf("guessed %v", res.Mapping)
		}
		var errRows []string
		for _, e := range res.Errors {
			errRows = append(errRows, fmt.Sprintf("%d %s %s", e.Row, e.Column, e.Code))
		}
		if strings.Join(errRows, "|") != "4 Full name name_required|5 E-mail email_invalid|6 Owner owner_unknown|6 Seats field_invalid" {
			t.Fatalf("errors %v", errRows)
		}
		if res.Rows != 7 || res.Valid != 4 || res.Created != 0 || len(res.Duplicates) != 2 || res.Duplicates[0].Row != 2 || res.Duplicates[0].ExistingID == 0 ||
			res.Duplicates[1].Row != 8 || res.Duplicates[1].SameAsRow != 3 || res.Skipped != 5 {
			t.Fatalf("dry run %+v", res)
		}
		if n := f.count(t, "persons"); n != 1 {
			t.Fatalf("a dry run wrote %d persons", n)
		}
		res, err = f.svc.ImportPersons(f.ctx, f.a1, crm.ImportInput{CSV: file, Mapping: res.Mapping})
		if err != nil || res.Created != 2 {
			t.Fatalf("import %+v %v", res, err)
		}
		list, _ := f.svc.ListPersons(f.ctx, f.a2, crm.Query{Sort: crm.ParseSort("name")})
		got := names(list, func(p *crm.Person) string {
			return fmt.Sprintf("%s/%s/%s/%v/%d", p.Name, p.OrganizationName, strings.Join(names(p.Phones, func(x *crm.Phone) string { return x.Value }), ""),
				p.Fields["seats"], p.OwnerUserID)
		})
		want := []string{"Bob Brown/Berger AG//12/0", fmt.Sprintf("Emil/Emil GmbH/+49 30 5/<nil>/%d", f.a1.ID), "Old Ana///<nil>/" + fmt.Sprint(f.a1.ID)}
		if !slices.Equal(got, want) {
			t.Fatalf("persons %v, want %v", got, want)
		}
		if orgs, _ := f.svc.ListOrganizations(f.ctx, f.a1, crm.Query{}); len(orgs) != 2 {
			t.Fatalf("organisations %+v", orgs)
		}
		// Duplicates made anyway when asked.
		res, err = f.svc.ImportPersons(f.ctx, f.a1, crm.ImportInput{CSV: "name,email\nAna Again,ana@example.com\n", Duplicates: "create"})
		if err != nil || res.Created != 1 || len(res.Duplicates) != 1 {
			t.Fatalf("duplicates made %+v %v", res, err)
		}
		_, err = f.svc.ImportPersons(f.ctx, f.a1, crm.ImportInput{CSV: "email\nx@example.com\n"})
		wantCode(t, err, errs.Invalid, "mapping_invalid")
		_, err = f.svc.ImportPersons(f.ctx, f.a1, crm.ImportInput{CSV: "name\nx\n", Mapping: map[string]string{"name": "password"}})
		wantCode(t, err, errs.Invalid, "mapping_invalid")
		res, err = f.svc.ImportOrganizations(f.ctx, f.a1, crm.ImportInput{CSV: "Company,Address\nBerger AG,Graz\nNew Co,Linz\n"})
		if err != nil || res.Created != 1 || len(res.Duplicates) != 1 || res.Duplicates[0].Value != "Berger AG" {
			t.Fatalf("organisations %+v %v", res, err)
		}
	})
}

// Two persons merged: the survivor's values win, the other fills what it lacks; leads, deals,
// activities, notes and conversations follow.
func TestMergePersons(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c1, _ := f.started(t, "Vera")
		c2, _ := f.started(t, "Vera Two")
		into, err := f.svc.CreatePerson(f.ctx, f.a1, crm.PersonInput{PersonPatch: crm.PersonPatch{Name: ptr("Vera"), Emails: &[]crm.Email{{Value: "vera@example.com"}},
			Labels: &[]string{"vip"}}, ConversationID: c1.ID})
		if err != nil {
			t.Fatal(err)
		}
		org, _ := f.svc.CreateOrganization(f.ctx, f.a1, crm.OrganizationInput{OrganizationPatch: crm.OrganizationPatch{Name: ptr("Vera AG")}})
		from, err := f.svc.CreatePerson(f.ctx, f.a1, crm.PersonInput{PersonPatch: crm.PersonPatch{Name: ptr("V. Smith"), Emails: &[]crm.Email{{Value: "v@smith.com"},
			{Value: "vera@example.com"}}, Phones: &[]crm.Phone{{Value: "+1 555"}}, OrganizationID: &org.ID, Labels: &[]string{"VIP", "new"}}, ConversationID: c2.ID, Link: true})
		if err != nil {
			t.Fatal(err)
		}
		lead, _ := f.svc.CreateLead(f.ctx, f.a1, crm.LeadInput{LeadPatch: crm.LeadPatch{Title: ptr("Chairs"), PersonID: &from.ID}})
		deal, _ := f.svc.CreateDeal(f.ctx, f.a1, crm.DealInput{DealPatch: crm.DealPatch{Title: ptr("Desks"), PersonID: &from.ID}})
		act, _ := f.svc.CreateActivity(f.ctx, f.a1, crm.ActivityInput{ActivityPatch: crm.ActivityPatch{Subject: ptr("Call"), PersonID: &from.ID}})
		note, _ := f.svc.CreateNote(f.ctx, f.a1, crm.NoteInput{RecordType: crm.PersonType, RecordID: from.ID, Body: "Met at the fair"})

		// The dry run says what wins and changes nothing.
		dry, err := f.svc.MergePersons(f.ctx, f.a1, into.ID, crm.MergeInput{FromID: from.ID, DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		win := map[string]string{}
		for _, x := range dry.Fields {
			win[x.Field] = x.Winner
		}
		if win["name"] != "into" || win["emails"] != "both" || win["phones"] != "from" || win["organization_id"] != "from" || win["labels"] != "both" ||
			dry.Moved["leads"] != 1 || dry.Moved["deals"] != 1 || dry.Moved["activities"] != 1 || dry.Person.Name != "Vera" {
			t.Fatalf("dry run %+v %v", dry, win)
		}
		if _, _, err := f.svc.GetPerson(f.ctx, f.a1, from.ID); err != nil {
			t.Fatal("the dry run merged", err)
		}

		_, err = f.svc.MergePersons(f.ctx, f.a2, into.ID, crm.MergeInput{FromID: from.ID})
		wantCode(t, err, errs.Forbidden, "")
		res, err := f.svc.MergePersons(f.ctx, f.a1, into.ID, crm.MergeInput{FromID: from.ID})
		if err != nil {
			t.Fatal(err)
		}
		p := res.Person
		emails := names(p.Emails, func(e *crm.Email) string { return e.Value })
		if p.Name != "Vera" || !slices.Equal(emails, []string{"vera@example.com", "v@smith.com"}) || len(p.Phones) != 1 || p.OrganizationID != org.ID ||
			!slices.Equal(p.Labels, []string{"vip", "new"}) || p.ContactID != c1.ContactID {
			t.Fatalf("merged %+v", p)
		}
		if _, _, err := f.svc.GetPerson(f.ctx, f.a1, from.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("the merged person is still there: %v", err)
		}
		if l, _, _ := f.svc.GetLead(f.ctx, f.a1, lead.ID); l.PersonID != into.ID {
			t.Fatalf("lead %+v", l)
		}
		if d, _, _ := f.svc.GetDeal(f.ctx, f.a1, deal.ID); d.PersonID != into.ID {
			t.Fatalf("deal %+v", d)
		}
		if a, _, _ := f.svc.GetActivity(f.ctx, f.a1, act.ID); a.PersonID != into.ID {
			t.Fatalf("activity %+v", a)
		}
		if n, err := f.svc.GetNote(f.ctx, f.a1, note.ID); err != nil || n.RecordID != into.ID {
			t.Fatalf("note %+v %v", n, err)
		}
		// The other contact's conversation (linked to from, and its contact's) now follows Vera.
		items, err := f.svc.ItemsOf(f.ctx, f.a1, c2.ID)
		if err != nil {
			t.Fatal(err)
		}
		linked := false
		for _, it := range items {
			linked = linked || it.Type == crm.PersonType && it.ID == into.ID && it.Linked
		}
		if !linked {
			t.Fatalf("conversation 2's items %+v", items)
		}
		h, _ := f.svc.History(f.ctx, f.a1, crm.PersonType, into.ID, crm.Query{})
		if len(h) != 1 || h[0].Action != crm.ChangeMerged || h[0].MergedID != from.ID || h[0].MergedName != "V. Smith" || changeText(h[0])["phones"] == "" {
			t.Fatalf("history %+v", h)
		}
		if lh, _ := f.svc.History(f.ctx, f.a1, crm.LeadType, lead.ID, crm.Query{}); len(lh) != 1 || changeText(lh[0])["person_id"] == "" {
			t.Fatalf("lead history %+v", lh)
		}
		_, err = f.svc.MergePersons(f.ctx, f.a1, into.ID, crm.MergeInput{FromID: into.ID})
		wantCode(t, err, errs.Invalid, "from_id_invalid")
		_, err = f.svc.MergePersons(f.ctx, f.a1, into.ID, crm.MergeInput{FromID: from.ID})
		wantCode(t, err, errs.Invalid, "from_id_unknown")
	})
}

func TestMergeOrganizations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a, _ := f.svc.CreateOrganization(f.ctx, f.admin, crm.OrganizationInput{OrganizationPatch: crm.OrganizationPatch{Name: ptr("Berger AG")}})
		b, _ := f.svc.CreateOrganization(f.ctx, f.admin, crm.OrganizationInput{OrganizationPatch: crm.OrganizationPatch{Name: ptr("Berger"), Address: ptr("Graz")}})
		per, _ := f.svc.CreatePerson(f.ctx, f.admin, crm.PersonInput{PersonPatch: crm.PersonPatch{Name: ptr("Ana"), OrganizationID: &b.ID}})
		deal, _ := f.svc.CreateDeal(f.ctx, f.admin, crm.DealInput{DealPatch: crm.DealPatch{Title: ptr("Desks"), OrganizationID: &b.ID}})
		res, err := f.svc.MergeOrganizations(f.ctx, f.admin, a.ID, crm.MergeInput{FromID: b.ID})
		if err != nil {
			t.Fatal(err)
		}
		if res.Organization.Name != "Berger AG" || res.Organization.Address != "Graz" || res.Moved["persons"] != 1 || res.Moved["deals"] != 1 {
			t.Fatalf("merged %+v", res)
		}
		if p, _, _ := f.svc.GetPerson(f.ctx, f.admin, per.ID); p.OrganizationID != a.ID {
			t.Fatalf("person %+v", p)
		}
		if d, _, _ := f.svc.GetDeal(f.ctx, f.admin, deal.ID); d.OrganizationID != a.ID {
			t.Fatalf("deal %+v", d)
		}
	})
}

// A record's timeline shows its conversations with their latest messages to those who may see
// them; others see only that they exist.
func TestRecordConversations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c, _ := f.started(t, "Vera")
		p, err := f.svc.CreatePerson(f.ctx, f.a1, crm.PersonInput{PersonPatch: crm.PersonPatch{Name: ptr("Vera")}, ConversationID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		deal, _ := f.svc.CreateDeal(f.ctx, f.a1, crm.DealInput{DealPatch: crm.DealPatch{Title: ptr("Desks"), PersonID: &p.ID}})
		for _, who := range []struct {
			id   int64
			seen bool
		}{{f.a1.ID, true}, {f.outsider.ID, false}} {
			u, _ := db.UserByID(f.ctx, who.id)
			for _, rec := range []struct {
				t  crm.RecordType
				id int64
			}{{crm.PersonType, p.ID}, {crm.DealType, deal.ID}} {
				list, err := f.svc.RecordConversations(f.ctx, u, rec.t, rec.id)
				if err != nil || len(list) != 1 || list[0].ConversationID != c.ID {
					t.Fatalf("%s %d for %s: %+v %v", rec.t, rec.id, u.Name, list, err)
				}
				rc := list[0]
				if who.seen && (rc.Hidden || len(rc.Lines) != 1 || rc.Lines[0].Text != "Hello from Vera" || rc.Channel != "web" || rc.ContactName != "Vera") {
					t.Fatalf("seen %+v", rc)
				}
				if !who.seen && (!rc.Hidden || len(rc.Lines) != 0 || rc.Channel != "") {
					t.Fatalf("hidden %+v", rc)
				}
			}
		}
	})
}
