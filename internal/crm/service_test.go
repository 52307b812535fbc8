package crm_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
	"github.com/parleyhq/parley/internal/testworld"
)

// Integration tests of crm.Service with the real conversation service and store, on both engines.

// fixture is the shared test world (internal/testworld) with the conversation and CRM services on
// it; everyone is available.
type fixture struct {
	*testworld.World
	ctx   context.Context
	db    *store.DB
	convs *conversation.Service
	svc   *crm.Service

	owner, admin, a1, a2, outsider *auth.User
	web                            *inbox.Inbox // private; installed by admin; members a1 and a2
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	w := testworld.New(t, db, testworld.Options{Start: time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)})
	f := &fixture{World: w, ctx: w.Ctx, db: db, owner: w.Owner, admin: w.Admin, a1: w.A1, a2: w.A2, outsider: w.Outsider, web: w.Web}
	f.convs = conversation.NewService(conversation.Options{Repo: db, Now: w.Now, Presence: w.Presence, Mask: testworld.Mask})
	f.svc = crm.NewService(crm.Options{Repo: db, Conversations: f.convs, Now: w.Now, Render: func(s string) string { return "<p>" + s + "</p>" }})
	return f
}

// advance moves the clock on.
func (f *fixture) advance(d time.Duration) { f.Advance(d) }

// started is a new conversation of a new contact on the website, with one message of theirs.
func (f *fixture) started(t *testing.T, name string) (*conversation.Conversation, conversation.From) {
	t.Helper()
	var contactID int64
	if err := f.db.Writer().QueryRowContext(f.ctx, `INSERT INTO contacts (name, email, phone, attributes, created_at, updated_at)
		VALUES ($1, $2, '+43 1 234', '{"company":"Berger & Co"}', 1, 1) RETURNING id`, name, strings.ToLower(name)+"@example.com").Scan(&contactID); err != nil {
		t.Fatal(err)
	}
	from := conversation.From{Inbox: f.web, ContactID: contactID, Name: name}
	c, _, err := f.convs.ContactWrites(f.ctx, from, conversation.MessageInput{Body: "Hello from " + name})
	if err != nil {
		t.Fatal(err)
	}
	return c, from
}

func (f *fixture) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := f.db.Reader().QueryRowContext(f.ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) lastSeq(t *testing.T, convID int64) int64 {
	t.Helper()
	c, err := f.db.ConversationByID(f.ctx, convID)
	if err != nil {
		t.Fatal(err)
	}
	return c.LastSeq
}

// itemLines are the conversation's item_created and item_linked lines, as an admin reads the log.
func (f *fixture) itemLines(t *testing.T, convID int64) []conversation.Message {
	t.Helper()
	msgs, err := f.convs.History(f.ctx, f.admin, convID, 0, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	var out []conversation.Message
	for _, m := range msgs {
		if m.Kind == conversation.EventKind && (m.Event.Type == conversation.EventItemCreated || m.Event.Type == conversation.EventItemLinked) {
			out = append(out, m)
		}
	}
	return out
}

func wantCode(t *testing.T, err error, k errs.Kind, code string) {
	t.Helper()
	if !errs.Is(err, k) {
		t.Fatalf("got error %v (kind %s), want kind %s", err, errs.KindOf(err), k)
	}
	if got, _ := errs.Public(err); code != "" && got != code {
		t.Fatalf("got code %q (%v), want %q", got, err, code)
	}
}

func ptr[T any](v T) *T { return &v }

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func leadIn(title string, convID int64) crm.LeadInput {
	return crm.LeadInput{LeadPatch: crm.LeadPatch{Title: ptr(title)}, ConversationID: convID}
}

func TestCreateLeadRefusesBadInputAndChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c, _ := f.started(t, "Vera")
		other, _ := f.started(t, "Otto")
		seq := f.lastSeq(t, c.ID)
		if err := db.DeactivateUser(f.ctx, f.a2.ID, 5); err != nil {
			t.Fatal(err)
		}
		with := func(change func(*crm.LeadInput)) crm.LeadInput {
			in := leadIn("Deal", c.ID)
			change(&in)
			return in
		}
		for _, tc := range []struct {
			name  string
			actor *auth.User
			in    crm.LeadInput
			code  string
			field string // the message names it
		}{
			{"no title", f.a1, with(func(in *crm.LeadInput) { in.Title = ptr("  \t ") }), "title_required", "title"},
			{"long title", f.a1, with(func(in *crm.LeadInput) { in.Title = ptr(strings.Repeat("ä", crm.MaxTitle+1)) }), "title_too_long", "title"},
			{"negative value", f.a1, with(func(in *crm.LeadInput) { in.Value = ptr(int64(-1)) }), "value_invalid", "value"},
			{"huge value", f.a1, with(func(in *crm.LeadInput) { in.Value = ptr(int64(crm.MaxValue + 1)) }), "value_invalid", "value"},
			{"lower-case currency", f.a1, with(func(in *crm.LeadInput) { in.Currency = ptr("eur") }), "currency_invalid", "currency"},
			{"bad date", f.a1, with(func(in *crm.LeadInput) { in.ExpectedCloseDate = ptr("31.12.2025") }), "expected_close_date_invalid", "expected_close_date"},
			{"status", f.a1, with(func(in *crm.LeadInput) { in.Status = ptr(crm.LeadStatus("maybe")) }), "status_invalid", "status"},
			{"converted", f.a1, with(func(in *crm.LeadInput) { in.Status = ptr(crm.LeadConverted) }), "status_invalid", "convert"},
			{"unknown field", f.a1, with(func(in *crm.LeadInput) { in.Fields = map[string]json.RawMessage{"budget": raw("1")} }), "field_unknown", "budget"},
			{"unknown owner", f.a1, with(func(in *crm.LeadInput) { in.OwnerUserID = ptr(int64(424242)) }), "owner_unknown", "owner_user_id"},
			{"deactivated owner", f.a1, with(func(in *crm.LeadInput) { in.OwnerUserID = ptr(f.a2.ID) }), "owner_unknown", "owner_user_id"},
			{"unknown person", f.a1, with(func(in *crm.LeadInput) { in.PersonID = ptr(int64(424242)) }), "person_id_unknown", "person_id"},
			{"bad person email", f.a1, with(func(in *crm.LeadInput) {
				in.Person = &crm.PersonPatch{Name: ptr("X"), Emails: &[]crm.Email{{Value: "nope"}}}
			}),
				"email_invalid", "emails"},
			{"unknown conversation", f.a1, with(func(in *crm.LeadInput) { in.ConversationID = 424242 }), "conversation_unknown", "conversation_id"},
			{"conversation not seen", f.outsider, leadIn("Deal", c.ID), "conversation_unknown", "conversation_id"},
			{"another contact", f.a1, with(func(in *crm.LeadInput) { in.ContactID = other.ContactID }), "contact_mismatch", "contact_id"},
			{"contact not seen", f.outsider, crm.LeadInput{LeadPatch: crm.LeadPatch{Title: ptr("Deal")}, ContactID: c.ContactID}, "contact_unknown", "contact_id"},
		} {
			_, err := f.svc.CreateLead(f.ctx, tc.actor, tc.in)
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("%s: got %v, want invalid", tc.name, err)
			}
			code, msg := errs.Public(err)
			if code != tc.code || !strings.Contains(msg, tc.field) {
				t.Fatalf("%s: got %s %q, want code %s naming %q", tc.name, code, msg, tc.code, tc.field)
			}
		}
		gone := *f.a2 // as authentication reads a deactivated user
		gone.Deactivated = true
		_, err := f.svc.CreateLead(f.ctx, &gone, leadIn("Deal", c.ID))
		wantCode(t, err, errs.Forbidden, "")
		for _, table := range []string{"leads", "persons", "organizations", "notes"} {
			if n := f.count(t, table); n != 0 {
				t.Fatalf("refused input stored %d %s", n, table)
			}
		}
		if got := f.lastSeq(t, c.ID); got != seq {
			t.Fatalf("refused input wrote to the conversation: last_seq %d, was %d", got, seq)
		}
	})
}

// From the details panel: the draft the panel captured, prefilled from the contact and what the
// bot captured; a deal made from it with its person, organisation and note, in one write with the
// chat's lines; Created items; the conversation stays open, and a closed one takes deals too.
func TestCreateFromTheDetailsPanel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c, from := f.started(t, "Lena")

		d, pre, err := f.svc.GetDraft(f.ctx, f.a1, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Value != 0 || pre.PersonName != "Lena" || pre.PersonEmail != "lena@example.com" || pre.PersonPhone != "+43 1 234" ||
			pre.OrganizationName != "Berger & Co" || pre.PersonID != 0 {
			t.Fatalf("draft %+v prefill %+v", d, pre)
		}
		d, pre, err = f.svc.SaveDraft(f.ctx, f.a2, c.ID, crm.DraftPatch{Value: ptr(int64(120050)), Currency: ptr("CHF"), ExpectedCloseDate: ptr("2025-04-30"),
			OrganizationName: ptr("Berger AG"), OrganizationAddress: ptr("Hauptstraße 1\n8010 Graz"), Note: ptr("Wants 40 chairs")})
		if err != nil {
			t.Fatal(err)
		}
		if d.Value != 120050 || pre.Value != 120050 || pre.OrganizationName != "Berger AG" || pre.Note != "Wants 40 chairs" || d.UpdatedByUserID != f.a2.ID {
			t.Fatalf("saved draft %+v prefill %+v", d, pre)
		}
		_, _, err = f.svc.GetDraft(f.ctx, f.outsider, c.ID)
		wantCode(t, err, errs.NotFound, "")
		_, _, err = f.svc.SaveDraft(f.ctx, f.a1, c.ID, crm.DraftPatch{ExpectedCloseDate: ptr("soon")})
		wantCode(t, err, errs.Invalid, "expected_close_date_invalid")

		in := crm.DealInput{DealPatch: crm.DealPatch{Title: ptr("40 chairs"), Value: &pre.Value, Currency: &pre.Currency,
			ExpectedCloseDate: &pre.ExpectedCloseDate}, ConversationID: c.ID,
			Person:       &crm.PersonPatch{Name: &pre.PersonName, Emails: &[]crm.Email{{Value: pre.PersonEmail}}, Phones: &[]crm.Phone{{Value: pre.PersonPhone}}},
			Organization: &crm.OrganizationPatch{Name: &pre.OrganizationName, Address: &pre.OrganizationAddress}, Note: pre.Note}
		deal, err := f.svc.CreateDeal(f.ctx, f.a1, in)
		if err != nil {
			t.Fatal(err)
		}
		pls, _ := f.svc.ListPipelines(f.ctx, f.a1)
		if deal.Title != "40 chairs" || deal.Value != 120050 || deal.Currency != "CHF" || deal.ExpectedCloseDate != "2025-04-30" ||
			deal.Status != crm.DealOpen || deal.PipelineID != pls[0].ID || deal.StageID != pls[0].Stages[0].ID || deal.ContactID != c.ContactID ||
			deal.ConversationID != c.ID || deal.OwnerUserID != f.a1.ID || deal.Source != crm.SourceChat || deal.PersonName != "Lena" ||
			deal.OrganizationName != "Berger AG" {
			t.Fatalf("deal %+v", deal)
		}
		per, err := db.PersonOfContact(f.ctx, c.ContactID)
		if err != nil || per.ID != deal.PersonID || per.OrganizationID != deal.OrganizationID || len(per.Emails) != 1 || per.Emails[0].Value != "lena@example.com" {
			t.Fatalf("the contact became person %+v %v", per, err)
		}
		notes, err := f.svc.ListNotes(f.ctx, f.a2, crm.DealType, deal.ID, crm.Query{})
		if err != nil || len(notes) != 1 || notes[0].Body != "Wants 40 chairs" || notes[0].HTML != "<p>Wants 40 chairs</p>" {
			t.Fatalf("notes %+v %v", notes, err)
		}

		// The chat says what was made, by whom; the contact sees none of it; the chat stays open.
		lines := f.itemLines(t, c.ID)
		var made []string
		for _, l := range lines {
			made = append(made, l.Event.ItemType+":"+l.Event.Title)
			if l.Event.ActorID != f.a1.ID || l.Event.ItemID == 0 || l.VisibleToContact() {
				t.Fatalf("line %+v", l.Event)
			}
		}
		if strings.Join(made, ",") != "organization:Berger AG,person:Lena,deal:40 chairs" {
			t.Fatalf("lines %v", made)
		}
		cv, _, _ := f.convs.Get(f.ctx, f.a1, c.ID)
		if cv.Status != conversation.Open || cv.AssigneeID != 0 {
			t.Fatalf("creating changed the conversation: %+v", cv)
		}
		_, seen, _ := f.convs.ContactConversation(f.ctx, from, 0, 0)
		for _, m := range seen {
			if m.Kind == conversation.EventKind {
				t.Fatalf("the contact sees %+v", m.Event)
			}
		}

		// Created items, each with its record's id.
		items, err := f.svc.ItemsOf(f.ctx, f.a2, c.ID)
		if err != nil || len(items) != 3 {
			t.Fatalf("items %+v %v", items, err)
		}
		for _, it := range items {
			if !it.Created || it.CreatedBy == nil || it.CreatedBy.Name != "Alice Agent" {
				t.Fatalf("item %+v", it)
			}
		}
		_, err = f.svc.ItemsOf(f.ctx, f.outsider, c.ID)
		wantCode(t, err, errs.NotFound, "")

		// A lead for the same contact uses its person and the organisation of that name; a closed
		// conversation takes it too.
		if _, err := f.convs.Close(f.ctx, f.admin, c.ID); err != nil {
			t.Fatal(err)
		}
		lead, err := f.svc.CreateLead(f.ctx, f.a2, crm.LeadInput{LeadPatch: crm.LeadPatch{Title: ptr("Follow-up")}, ConversationID: c.ID,
			Person: &crm.PersonPatch{Name: ptr("Lena B."), Phones: &[]crm.Phone{{Value: "+43 660 1"}}}, Organization: &crm.OrganizationPatch{Name: ptr("Berger AG")}})
		if err != nil {
			t.Fatal(err)
		}
		if lead.PersonID != per.ID || lead.OrganizationID != deal.OrganizationID || f.count(t, "organizations") != 1 || f.count(t, "persons") != 1 {
			t.Fatalf("lead %+v", lead)
		}
		per, _ = db.PersonOfContact(f.ctx, c.ContactID)
		if per.Name != "Lena" || len(per.Phones) != 2 {
			t.Fatalf("what the panel adds to a person %+v", per)
		}
		if cv, _, _ := f.convs.Get(f.ctx, f.a1, c.ID); cv.Status != conversation.Closed {
			t.Fatal("creating reopened the conversation")
		}
	})
}

// Agents see every record and edit what they own or nobody owns; admins edit everything; only
// admins delete.
func TestRecordPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		mine, err := f.svc.CreatePerson(f.ctx, f.a1, crm.PersonInput{PersonPatch: crm.PersonPatch{Name: ptr("Ana Berger"),
			Emails: &[]crm.Email{{Value: " Ana@Example.COM ", Label: "work"}}, Labels: &[]string{"vip", "VIP", " hot "}}})
		if err != nil {
			t.Fatal(err)
		}
		if mine.OwnerUserID != f.a1.ID || mine.Emails[0].Value != "ana@example.com" || strings.Join(mine.Labels, ",") != "vip,hot" ||
			mine.Source != crm.SourceManual || mine.CreatedByName != "Alice Agent" {
			t.Fatalf("person %+v", mine)
		}
		nobodys, err := f.svc.CreatePerson(f.ctx, f.a1, crm.PersonInput{PersonPatch: crm.PersonPatch{Name: ptr("Nobody's"), OwnerUserID: ptr(int64(0))}})
		if err != nil || nobodys.OwnerUserID != 0 {
			t.Fatalf("unowned %+v %v", nobodys, err)
		}
		if _, a, err := f.svc.GetPerson(f.ctx, f.outsider, mine.ID); err != nil || a.Edit || a.Delete {
			t.Fatalf("another agent reads %+v %v", a, err)
		}
		_, err = f.svc.UpdatePerson(f.ctx, f.outsider, mine.ID, crm.PersonPatch{Name: ptr("Taken")})
		wantCode(t, err, errs.Forbidden, "")
		if _, err := f.svc.UpdatePerson(f.ctx, f.outsider, nobodys.ID, crm.PersonPatch{Name: ptr("Anyone may")}); err != nil {
			t.Fatal(err)
		}
		if p, err := f.svc.UpdatePerson(f.ctx, f.admin, mine.ID, crm.PersonPatch{OwnerUserID: ptr(f.outsider.ID)}); err != nil || p.OwnerUserID != f.outsider.ID {
			t.Fatalf("admin hands it over: %+v %v", p, err)
		}
		if _, err := f.svc.UpdatePerson(f.ctx, f.outsider, mine.ID, crm.PersonPatch{Name: ptr("Now mine")}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.svc.DeletePerson(f.ctx, f.outsider, mine.ID), errs.Forbidden, "")
		wantCode(t, f.svc.DeletePerson(f.ctx, f.a1, nobodys.ID), errs.Forbidden, "")
		if err := f.svc.DeletePerson(f.ctx, f.admin, mine.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.svc.DeletePerson(f.ctx, f.owner, mine.ID), errs.NotFound, "")
		// person.deleted carries the person as they were, with record_type.
		evs, err := f.db.EventsAfter(f.ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var gone struct {
			RecordType string `json:"record_type"`
			ID         int64  `json:"id"`
			Name       string `json:"name"`
		}
		for _, e := range evs {
			if e.Type == event.PersonDeleted {
				if err := json.Unmarshal(e.Data, &gone); err != nil {
					t.Fatal(err)
				}
			}
		}
		if gone.RecordType != "person" || gone.ID != mine.ID || gone.Name != "Now mine" {
			t.Fatalf("person.deleted carries %+v", gone)
		}

		// Set-up is the admins'.
		_, err = f.svc.CreateField(f.ctx, f.a1, crm.FieldInput{RecordType: crm.PersonType, Key: "tier", Type: crm.TextField})
		wantCode(t, err, errs.Forbidden, "")
		_, err = f.svc.CreatePipeline(f.ctx, f.a1, crm.PipelineInput{Name: ptr("Mine"), Stages: &[]crm.StageInput{{Name: "One"}}})
		wantCode(t, err, errs.Forbidden, "")
	})
}

// Custom fields are typed per record type; a deleted field's values are no longer shown.
func TestCustomFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		def := func(key string, typ crm.FieldType, options ...string) *crm.Field {
			t.Helper()
			in := crm.FieldInput{RecordType: crm.DealType, Key: key, Type: typ}
			if options != nil {
				in.Options = &options
			}
			x, err := f.svc.CreateField(f.ctx, f.admin, in)
			if err != nil {
				t.Fatal(err)
			}
			return x
		}
		def("note_line", crm.TextField)
		def("seats", crm.NumberField)
		def("start", crm.DateField)
		def("size", crm.OptionField, "S", "M", "L")
		def("extras", crm.OptionsField, "delivery", "assembly")
		budget := def("budget", crm.MoneyField)
		_, err := f.svc.CreateField(f.ctx, f.admin, crm.FieldInput{RecordType: crm.DealType, Key: "seats", Type: crm.TextField})
		wantCode(t, err, errs.Conflict, "key_taken")
		_, err = f.svc.CreateField(f.ctx, f.admin, crm.FieldInput{RecordType: crm.DealType, Key: "Bad Key", Type: crm.TextField})
		wantCode(t, err, errs.Invalid, "key_invalid")
		_, err = f.svc.CreateField(f.ctx, f.admin, crm.FieldInput{RecordType: crm.DealType, Key: "empty", Type: crm.OptionField})
		wantCode(t, err, errs.Invalid, "options_required")

		good := map[string]json.RawMessage{"note_line": raw(`"call first"`), "seats": raw("40"), "start": raw(`"2025-05-01"`), "size": raw(`"M"`),
			"extras": raw(`["assembly","assembly"]`), "budget": raw(`{"value":500000,"currency":"EUR"}`)}
		d, err := f.svc.CreateDeal(f.ctx, f.a1, crm.DealInput{DealPatch: crm.DealPatch{Title: ptr("Chairs"), Fields: good}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(d.Fields)
		if string(b) != `{"budget":{"currency":"EUR","value":500000},"extras":["assembly"],"note_line":"call first","seats":40,"size":"M","start":"2025-05-01"}` {
			t.Fatalf("fields %s", b)
		}
		for key, bad := range map[string]string{"seats": `"forty"`, "start": `"May"`, "size": `"XL"`, "extras": `["gift"]`, "budget": `{"value":-1}`,
			"note_line": `5`} {
			_, err := f.svc.UpdateDeal(f.ctx, f.a1, d.ID, crm.DealPatch{Fields: map[string]json.RawMessage{key: raw(bad)}})
			wantCode(t, err, errs.Invalid, "")
		}
		d, err = f.svc.UpdateDeal(f.ctx, f.a1, d.ID, crm.DealPatch{Fields: map[string]json.RawMessage{"seats": raw("null")}})
		if err != nil || d.Fields["seats"] != nil {
			t.Fatalf("removing a value: %+v %v", d.Fields, err)
		}
		if err := f.svc.DeleteField(f.ctx, f.admin, budget.ID); err != nil {
			t.Fatal(err)
		}
		d, _, _ = f.svc.GetDeal(f.ctx, f.a1, d.ID)
		if _, ok := d.Fields["budget"]; ok {
			t.Fatalf("a deleted field's value shows: %+v", d.Fields)
		}
	})
}

// Deals live in pipelines of ordered stages; a lead converts into a deal that takes what it had.
func TestDealsPipelinesAndConversion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		pls, err := f.svc.ListPipelines(f.ctx, f.a1)
		if err != nil || len(pls) != 1 || !pls[0].Default {
			t.Fatalf("the default pipeline %+v %v", pls, err)
		}
		def := pls[0]
		enterprise, err := f.svc.CreatePipeline(f.ctx, f.admin, crm.PipelineInput{Name: ptr("Enterprise"),
			Stages: &[]crm.StageInput{{Name: "Intro", Probability: ptr(5)}, {Name: "Pilot", Probability: ptr(50)}, {Name: "Contract"}}})
		if err != nil || enterprise.Default || len(enterprise.Stages) != 3 || enterprise.Stages[2].Probability != 100 {
			t.Fatalf("new pipeline %+v %v", enterprise, err)
		}
		d, err := f.svc.CreateDeal(f.ctx, f.a1, crm.DealInput{DealPatch: crm.DealPatch{Title: ptr("Fleet"), StageID: ptr(enterprise.Stages[1].ID)}})
		if err != nil || d.PipelineID != enterprise.ID || d.StageName != "Pilot" || d.Probability != nil {
			t.Fatalf("deal %+v %v", d, err)
		}
		_, err = f.svc.CreateDeal(f.ctx, f.a1, crm.DealInput{DealPatch: crm.DealPatch{Title: ptr("x"), PipelineID: ptr(def.ID),
			StageID: ptr(enterprise.Stages[0].ID)}})
		wantCode(t, err, errs.Invalid, "stage_mismatch")
		// A pipeline alone: its first stage.
		d, err = f.svc.UpdateDeal(f.ctx, f.a1, d.ID, crm.DealPatch{PipelineID: ptr(def.ID)})
		if err != nil || d.PipelineID != def.ID || d.StageID != def.Stages[0].ID {
			t.Fatalf("moved %+v %v", d, err)
		}
		d, err = f.svc.UpdateDeal(f.ctx, f.a1, d.ID, crm.DealPatch{Status: ptr(crm.DealLost), LostReason: ptr("Too expensive"), Probability: ptr(0)})
		if err != nil || d.Status != crm.DealLost || d.LostReason != "Too expensive" || d.ClosedAt == 0 || *d.Probability != 0 {
			t.Fatalf("lost %+v %v", d, err)
		}
		d, err = f.svc.UpdateDeal(f.ctx, f.a1, d.ID, crm.DealPatch{Status: ptr(crm.DealOpen), Probability: ptr(-1)})
		if err != nil || d.ClosedAt != 0 || d.LostReason != "" || d.Probability != nil {
			t.Fatalf("reopened %+v %v", d, err)
		}
		// Stages with deals stay; the default pipeline stays.
		_, err = f.svc.UpdatePipeline(f.ctx, f.admin, def.ID, crm.PipelineInput{Stages: &[]crm.StageInput{{ID: def.Stages[1].ID, Name: "Only"}}})
		wantCode(t, err, errs.Conflict, "stage_in_use")
		wantCode(t, f.svc.DeletePipeline(f.ctx, f.admin, def.ID), errs.Conflict, "pipeline_default")
		if _, err := f.svc.UpdatePipeline(f.ctx, f.admin, enterprise.ID, crm.PipelineInput{Default: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		if pls, _ = f.svc.ListPipelines(f.ctx, f.a1); pls[0].Default || !pls[1].Default {
			t.Fatalf("one default: %+v", pls)
		}
		if err := f.svc.DeletePipeline(f.ctx, f.admin, def.ID); !errs.Is(err, errs.Conflict) {
			t.Fatalf("deleting a pipeline with deals: %v", err)
		}

		// Convert: the deal takes the lead's title, value, person, its activities and notes.
		per, _ := f.svc.CreatePerson(f.ctx, f.a1, crm.PersonInput{PersonPatch: crm.PersonPatch{Name: ptr("Piet")}})
		l, err := f.svc.CreateLead(f.ctx, f.a1, crm.LeadInput{LeadPatch: crm.LeadPatch{Title: ptr("Vans"), Value: ptr(int64(9900)), Currency: ptr("USD"),
			PersonID: ptr(per.ID), Labels: &[]string{"fleet"}}, Note: "first call went well"})
		if err != nil {
			t.Fatal(err)
		}
		act, err := f.svc.CreateActivity(f.ctx, f.a1, crm.ActivityInput{ActivityPatch: crm.ActivityPatch{Subject: ptr("Call Piet"), LeadID: ptr(l.ID)}})
		if err != nil {
			t.Fatal(err)
		}
		l, deal, err := f.svc.ConvertLead(f.ctx, f.a1, l.ID, crm.ConvertInput{})
		if err != nil {
			t.Fatal(err)
		}
		if l.Status != crm.LeadConverted || l.DealID != deal.ID || deal.LeadID != l.ID || deal.Title != "Vans" || deal.Value != 9900 ||
			deal.Currency != "USD" || deal.PersonID != per.ID || deal.PipelineID != enterprise.ID || deal.Labels[0] != "fleet" {
			t.Fatalf("converted %+v into %+v", l, deal)
		}
		if a, _, _ := f.svc.GetActivity(f.ctx, f.a1, act.ID); a.DealID != deal.ID {
			t.Fatalf("the activity stayed with the lead: %+v", a)
		}
		if notes, _ := f.svc.ListNotes(f.ctx, f.a1, crm.DealType, deal.ID, crm.Query{}); len(notes) != 1 {
			t.Fatalf("the deal's notes %+v", notes)
		}
		_, _, err = f.svc.ConvertLead(f.ctx, f.a1, l.ID, crm.ConvertInput{})
		wantCode(t, err, errs.Conflict, "lead_converted")
	})
}

// An activity is due on its date and time in its owner's time zone.
func TestActivitiesAreDueInTheirOwnersTimeZone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a, err := f.svc.CreateActivity(f.ctx, f.a1, crm.ActivityInput{ActivityPatch: crm.ActivityPatch{Type: ptr(crm.Meeting), Subject: ptr("Demo"),
			DueDate: ptr("2025-03-12"), DueTime: ptr("09:30")}})
		if err != nil {
			t.Fatal(err)
		}
		berlin := time.Date(2025, 3, 12, 8, 30, 0, 0, time.UTC).UnixMilli() // 09:30 CET
		if a.TimeZone != "Europe/Berlin" || a.DueAt != berlin || a.OwnerUserID != f.a1.ID {
			t.Fatalf("activity %+v", a)
		}
		a, err = f.svc.UpdateActivity(f.ctx, f.a1, a.ID, crm.ActivityPatch{OwnerUserID: ptr(f.a2.ID)})
		newYork := time.Date(2025, 3, 12, 13, 30, 0, 0, time.UTC).UnixMilli() // 09:30 EDT
		if err != nil || a.TimeZone != "America/New_York" || a.DueAt != newYork || a.DueDate != "2025-03-12" || a.DueTime != "09:30" {
			t.Fatalf("handed over %+v %v", a, err)
		}
		a, err = f.svc.UpdateActivity(f.ctx, f.a2, a.ID, crm.ActivityPatch{Done: ptr(true)})
		if err != nil || !a.Done || a.DoneAt == 0 {
			t.Fatalf("done %+v %v", a, err)
		}
		// Without a date: today in the creator's zone, all day.
		today, err := f.svc.CreateActivity(f.ctx, f.a2, crm.ActivityInput{ActivityPatch: crm.ActivityPatch{Subject: ptr("Follow up")}})
		if err != nil || today.DueDate != "2025-03-10" || today.DueTime != "" || today.Type != crm.Task {
			t.Fatalf("today %+v %v", today, err)
		}
		_, err = f.svc.CreateActivity(f.ctx, f.a2, crm.ActivityInput{ActivityPatch: crm.ActivityPatch{Subject: ptr("x"), DueTime: ptr("25:00")}})
		wantCode(t, err, errs.Invalid, "due_time_invalid")
		done := false
		if list, err := f.svc.ListActivities(f.ctx, f.a1, crm.Query{Done: &done}); err != nil || len(list) != 1 || list[0].ID != today.ID {
			t.Fatalf("open activities %+v %v", list, err)
		}
	})
}

// A failing insert takes the whole change back: no record, no person, no line in the chat.
func TestAFailingInsertLeavesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c, _ := f.started(t, "Fay")
		seq := f.lastSeq(t, c.ID)
		failInserts(t, db, "leads")
		_, err := f.svc.CreateLead(f.ctx, f.a1, crm.LeadInput{LeadPatch: crm.LeadPatch{Title: ptr("Doomed")}, ConversationID: c.ID,
			Person: &crm.PersonPatch{Name: ptr("Fay")}, Organization: &crm.OrganizationPatch{Name: ptr("Fay Ltd")}})
		if err == nil {
			t.Fatal("the insert did not fail")
		}
		for _, table := range []string{"leads", "persons", "organizations"} {
			if n := f.count(t, table); n != 0 {
				t.Fatalf("%d %s left behind", n, table)
			}
		}
		if got := f.lastSeq(t, c.ID); got != seq {
			t.Fatalf("the chat got lines: last_seq %d, was %d", got, seq)
		}
	})
}

// failInserts makes every insert into table fail, on either engine, until the test ends.
func failInserts(t *testing.T, db *store.DB, table string) {
	t.Helper()
	var stmts []string
	if db.Engine == store.SQLite {
		stmts = []string{"CREATE TRIGGER fail_" + table + " BEFORE INSERT ON " + table + " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"}
	} else {
		stmts = []string{
			"CREATE FUNCTION fail_insert() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql",
			"CREATE TRIGGER fail_" + table + " BEFORE INSERT ON " + table + " FOR EACH ROW EXECUTE FUNCTION fail_insert()",
		}
	}
	for _, s := range stmts {
		if _, err := db.Writer().ExecContext(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
}
