package store_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// crmRows makes the rows records point at, with plain SQL.
type crmRows struct {
	t   *testing.T
	ctx context.Context
	db  *store.DB
}

func (r crmRows) insert(q string, args ...any) int64 {
	r.t.Helper()
	var id int64
	if err := r.db.Writer().QueryRowContext(r.ctx, q+" RETURNING id", args...).Scan(&id); err != nil {
		r.t.Fatal(err)
	}
	return id
}

func (r crmRows) user(name string) int64 {
	return r.insert("INSERT INTO users (email, name, role, password_hash, created_at, updated_at) VALUES ($1, $2, 'agent', 'x', 1, 1)",
		name+"@example.com", name)
}

func (r crmRows) inboxOf(kind string) int64 {
	return r.insert("INSERT INTO inboxes (kind, name, visibility, reopen_policy, created_at, updated_at) VALUES ($1, $1, 'shared', 'reopen', 1, 1)", kind)
}

func (r crmRows) inbox() int64 { return r.inboxOf("email") }

func (r crmRows) contact(name string) int64 {
	return r.insert("INSERT INTO contacts (name, created_at, updated_at) VALUES ($1, 1, 1)", name)
}

func (r crmRows) visitor(inboxID, contactID int64, token string) int64 {
	return r.insert("INSERT INTO visitors (website_id, contact_id, token_hash, first_seen, last_seen) VALUES ($1, $2, $3, 1, 1)", inboxID, contactID, token)
}

func (r crmRows) conversationIn(channel string, inboxID, contactID, visitorID int64) int64 {
	var v any
	if visitorID != 0 {
		v = visitorID
	}
	return r.insert(`INSERT INTO conversations (inbox_id, contact_id, visitor_id, channel, status, created_at, updated_at, last_message_at)
		VALUES ($1, $2, $3, $4, 'open', 1, 1, 1)`, inboxID, contactID, v, channel)
}

func (r crmRows) conversation(inboxID, contactID, visitorID int64) int64 {
	return r.conversationIn("web", inboxID, contactID, visitorID)
}

// apply writes one batch built by fn.
func (r crmRows) apply(recs ...any) {
	r.t.Helper()
	if err := r.db.Apply(r.ctx, crm.NewBatch(recs...)); err != nil {
		r.t.Fatal(err)
	}
}

func (r crmRows) lead(title string, contactID, convID, byUserID int64) *crm.Lead {
	r.t.Helper()
	l := &crm.Lead{Title: title, Value: 1250, Currency: "EUR", Status: crm.LeadOpen, ContactID: contactID, ConversationID: convID,
		OwnerUserID: byUserID, CreatedByUserID: byUserID, Source: crm.SourceChat, Labels: []string{}, Fields: crm.Values{}, CreatedAt: 10, UpdatedAt: 10}
	r.apply(l)
	return l
}

func (r crmRows) person(name string, emails []string, phones []string, contactID int64) *crm.Person {
	r.t.Helper()
	p := &crm.Person{Name: name, Emails: []crm.Email{}, Phones: []crm.Phone{}, ContactID: contactID, Labels: []string{}, Fields: crm.Values{},
		Source: crm.SourceManual, CreatedAt: 5, UpdatedAt: 5}
	for _, e := range emails {
		p.Emails = append(p.Emails, crm.Email{Value: e})
	}
	for _, ph := range phones {
		p.Phones = append(p.Phones, crm.Phone{Value: ph})
	}
	r.apply(p)
	return p
}

func ids[T any](xs []T, id func(*T) int64) []int64 {
	out := []int64{}
	for i := range xs {
		out = append(out, id(&xs[i]))
	}
	return out
}

func TestLeadCreateReadUpdateDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := crmRows{t, ctx, db}
		uid := r.user("ana")
		ib := r.inbox()
		ct := r.contact("Carla")
		conv := r.conversation(ib, ct, 0)

		l := r.lead("Website redesign", ct, conv, uid)
		if l.ID == 0 {
			t.Fatal("no id set")
		}
		got, err := db.LeadByID(ctx, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := *l
		want.CreatedByName, want.OwnerName = "ana", "ana"
		if !same(got, &want) {
			t.Fatalf("read back %+v, want %+v", *got, want)
		}
		// A node of the version before deals reads the columns it knows.
		var status, source string
		if err := db.Reader().QueryRowContext(ctx, "SELECT status, source FROM leads WHERE id = $1", l.ID).Scan(&status, &source); err != nil ||
			status != "open" || source != "agent" {
			t.Fatalf("legacy columns %q %q %v", status, source, err)
		}

		next := *got
		next.Title, next.Value, next.Currency, next.Status, next.OwnerUserID, next.UpdatedAt = "Redesign, phase 2", 99, "GBP", crm.LeadDisqualified, 0, 20
		var b crm.Batch
		b.Update(&next, 10)
		if err := db.Apply(ctx, &b); err != nil {
			t.Fatal(err)
		}
		got, _ = db.LeadByID(ctx, l.ID)
		next.OwnerName = ""
		if !same(got, &next) {
			t.Fatalf("after update %+v, want %+v", *got, next)
		}
		if err := db.Reader().QueryRowContext(ctx, "SELECT status FROM leads WHERE id = $1", l.ID).Scan(&status); err != nil || status != "lost" {
			t.Fatalf("legacy status of a disqualified lead %q %v", status, err)
		}
		// Guarded by updated_at: a change decided on the old state loses.
		stale := want
		stale.UpdatedAt = 30
		b = crm.Batch{}
		b.Update(&stale, 10)
		if err := db.Apply(ctx, &b); !errs.Is(err, errs.Conflict) {
			t.Fatalf("stale update: %v, want conflict", err)
		}
		stale.ID = 999999
		b = crm.Batch{}
		b.Update(&stale, 10)
		if err := db.Apply(ctx, &b); !errs.Is(err, errs.NotFound) {
			t.Fatalf("update of a missing lead: %v, want not found", err)
		}
		next.OwnerUserID, next.UpdatedAt = 999999, 40
		b = crm.Batch{}
		b.Update(&next, 20)
		if err := db.Apply(ctx, &b); !errs.Is(err, errs.Invalid) {
			t.Fatalf("unknown owner: %v, want invalid", err)
		}

		b = crm.Batch{}
		b.Delete(crm.LeadType, l.ID)
		if err := db.Apply(ctx, &b); err != nil {
			t.Fatal(err)
		}
		if _, err := db.LeadByID(ctx, l.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("deleted lead read: %v", err)
		}
		if err := db.Apply(ctx, &b); !errs.Is(err, errs.NotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func same(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// A batch's records point at those made before them in it, and fail together.
func TestBatchResolvesReferencesAndIsAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := crmRows{t, ctx, db}
		org := &crm.Organization{Name: "Acme GmbH", Labels: []string{}, Fields: crm.Values{}, Source: crm.SourceManual, CreatedAt: 1, UpdatedAt: 1}
		per := &crm.Person{Name: "Ana Berger", Emails: []crm.Email{{Value: "ana@acme.example"}}, Phones: []crm.Phone{}, Labels: []string{},
			Fields: crm.Values{}, Source: crm.SourceManual, CreatedAt: 1, UpdatedAt: 1}
		lead := &crm.Lead{Title: "Chairs", Currency: "EUR", Status: crm.LeadOpen, Source: crm.SourceManual, Labels: []string{}, Fields: crm.Values{},
			CreatedAt: 1, UpdatedAt: 1}
		b := crm.NewBatch(org)
		b.Insert(per, func() { per.OrganizationID = org.ID })
		b.Insert(lead, func() { lead.PersonID, lead.OrganizationID = per.ID, org.ID })
		evs := []event.Event{event.New(event.LeadCreated, lead)}
		if err := db.Apply(ctx, b, evs...); err != nil {
			t.Fatal(err)
		}
		got, err := db.LeadByID(ctx, lead.ID)
		if err != nil || got.PersonID != per.ID || got.OrganizationID != org.ID || got.PersonName != "Ana Berger" || got.OrganizationName != "Acme GmbH" {
			t.Fatalf("lead %+v %v", got, err)
		}
		if evs[0].Position == 0 {
			t.Fatal("the batch's event has no position")
		}

		// A record that points at nothing fails the whole batch: nothing of it stays.
		persons := func() int {
			var n int
			if err := db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM persons").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := persons()
		bad := crm.NewBatch(&crm.Person{Name: "Kept?", Emails: []crm.Email{}, Phones: []crm.Phone{}, Labels: []string{}, Fields: crm.Values{},
			Source: crm.SourceManual}, &crm.Lead{Title: "x", Currency: "EUR", Status: crm.LeadOpen, Source: crm.SourceManual, OwnerUserID: 999999,
			Labels: []string{}, Fields: crm.Values{}})
		if err := db.Apply(ctx, bad); !errs.Is(err, errs.Invalid) {
			t.Fatalf("a lead of a missing owner: %v, want invalid", err)
		}
		if persons() != before {
			t.Fatal("the batch's first record stayed although the batch failed")
		}

		// One person per contact.
		ct := r.contact("Carla")
		r.person("Carla", nil, nil, ct)
		dup := crm.NewBatch(&crm.Person{Name: "Carla again", Emails: []crm.Email{}, Phones: []crm.Phone{}, ContactID: ct, Labels: []string{},
			Fields: crm.Values{}, Source: crm.SourceManual})
		if err := db.Apply(ctx, dup); !errs.Is(err, errs.Conflict) {
			t.Fatalf("a second person of a contact: %v, want conflict", err)
		}
		p, err := db.PersonOfContact(ctx, ct)
		if err != nil || p.Name != "Carla" {
			t.Fatalf("person of contact %+v %v", p, err)
		}
	})
}

// ?q= finds records by the start of any word of their names, their emails (and email domains) and
// the digits of their phones; several words must all match.
func TestPrefixSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := crmRows{t, ctx, db}
		ana := r.person("Ana Berger", []string{"ana.berger@example.com"}, []string{"+49 30 1234567"}, 0)
		jl := r.person("Jean-Luc Picard", []string{"jl@starfleet.example"}, nil, 0)
		iz := r.person("İzmir Öztürk", nil, []string{"0532 111 22 33"}, 0)
		bob := r.person("Bob Bergmann", []string{"bob@example.com"}, nil, 0)
		find := func(q string) []int64 {
			t.Helper()
			list, err := db.ListPersons(ctx, crm.Query{Q: q, Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			return ids(list, func(p *crm.Person) int64 { return p.ID })
		}
		cases := []struct {
			q    string
			want []int64
		}{
			{"ber", []int64{bob.ID, ana.ID}},
			{"BERG", []int64{bob.ID, ana.ID}},
			{"berger", []int64{ana.ID}},
			{"ana ber", []int64{ana.ID}},
			{"luc", []int64{jl.ID}},
			{"jean-l", []int64{jl.ID}},
			{"starfleet", []int64{jl.ID}},
			{"ana.berger@", []int64{ana.ID}},
			{"example.com", []int64{bob.ID, ana.ID}},
			{"+4930", []int64{ana.ID}},
			{"49 30 12", []int64{}},
			{"0532-111", []int64{iz.ID}},
			{"izm", []int64{iz.ID}}, // Go lower-cases İ to i, locale-free
			{"öz", []int64{iz.ID}},
			{"zzz", []int64{}},
			{"", []int64{bob.ID, iz.ID, jl.ID, ana.ID}},
		}
		// Each way a search may run: from the rarest word's records, checking the others as sets
		// or record by record, or walking every record newest first.
		for _, way := range []struct {
			name            string
			selective, hash int
		}{{"driven, sets", 8000, 30000}, {"driven, probes", 8000, 0}, {"walking", 0, 0}} {
			restore := store.SearchBounds(way.selective, way.hash)
			for _, tc := range cases {
				if got := find(tc.q); !slices.Equal(got, tc.want) {
					t.Errorf("%s: q=%q: got %v, want %v", way.name, tc.q, got, tc.want)
				}
			}
			// Pages and filters go with a search.
			page, err := db.ListPersons(ctx, crm.Query{Q: "ber", Limit: 1})
			if err != nil || len(page) != 1 || page[0].ID != bob.ID {
				t.Fatalf("%s: first page %v %v", way.name, page, err)
			}
			if page, _ = db.ListPersons(ctx, crm.Query{Q: "ber", Limit: 1, BeforeID: bob.ID}); len(page) != 1 || page[0].ID != ana.ID {
				t.Fatalf("%s: second page %v", way.name, page)
			}
			if page, _ = db.ListPersons(ctx, crm.Query{Q: "ber", ContactID: 424242, Limit: 5}); len(page) != 0 {
				t.Fatalf("%s: filtered %v", way.name, page)
			}
			restore()
		}
		// Leads are found by their title, and by their person's name.
		l := &crm.Lead{Title: "Office chairs", Currency: "EUR", Status: crm.LeadOpen, PersonID: ana.ID, Source: crm.SourceManual,
			Labels: []string{}, Fields: crm.Values{}, CreatedAt: 1, UpdatedAt: 1}
		r.apply(l)
		for _, q := range []string{"chai", "office", "berger", "ana chairs"} {
			list, err := db.ListLeads(ctx, crm.Query{Q: q, Limit: 50})
			if err != nil || len(list) != 1 || list[0].ID != l.ID {
				t.Errorf("leads q=%q: %v %v", q, list, err)
			}
		}
	})
}

// A record is the business's: deleting the conversation, contact or user it points at only clears
// the link; deleting a record takes its notes and links along.
func TestRecordsSurviveWhatTheyPointAt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := crmRows{t, ctx, db}
		uid := r.user("ana")
		ib := r.inbox()
		ct := r.contact("Carla")
		conv := r.conversation(ib, ct, 0)
		l := r.lead("Kept", ct, conv, uid)
		n := &crm.Note{RecordType: crm.LeadType, RecordID: l.ID, Body: "call back", CreatedAt: 1, UpdatedAt: 1}
		link := &crm.Link{ConversationID: conv, RecordType: crm.LeadType, RecordID: l.ID, WindowStart: 1, CreatedAt: 1}
		r.apply(n, link)

		if err := db.DeleteConversation(ctx, &conversation.Conversation{ID: conv, InboxID: ib}, event.New(event.ConversationDeleted, nil)); err != nil {
			t.Fatal(err)
		}
		got, err := db.LeadByID(ctx, l.ID)
		if err != nil {
			t.Fatalf("lead gone with its conversation: %v", err)
		}
		if got.ConversationID != 0 || got.ContactID != ct || got.Title != "Kept" {
			t.Fatalf("after the conversation's deletion: %+v", got)
		}
		if links, _ := db.LinksOfConversations(ctx, []int64{conv}); len(links) != 0 {
			t.Fatalf("links of a deleted conversation: %+v", links)
		}
		if _, err := db.Writer().ExecContext(ctx, "DELETE FROM contacts WHERE id = $1", ct); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Writer().ExecContext(ctx, "DELETE FROM users WHERE id = $1", uid); err != nil {
			t.Fatal(err)
		}
		got, err = db.LeadByID(ctx, l.ID)
		if err != nil {
			t.Fatalf("lead gone with its contact or user: %v", err)
		}
		if got.ContactID != 0 || got.OwnerUserID != 0 || got.CreatedByUserID != 0 || got.CreatedByName != "" {
			t.Fatalf("links not cleared: %+v", got)
		}
		var b crm.Batch
		b.Delete(crm.LeadType, l.ID)
		if err := db.Apply(ctx, &b); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NoteByID(ctx, n.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("a deleted lead's note: %v", err)
		}
	})
}

// When an anonymous visitor turns out to be a known user, their leads, deals and person follow them
// to that contact.
func TestLeadsFollowAMergedVisitor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := crmRows{t, ctx, db}
		uid := r.user("ana")
		ib := r.inbox()
		known := r.contact("Known")
		mergeOnce := func(anonName string, twoVisitors bool) (moved, stayed *crm.Lead) {
			t.Helper()
			anon := r.contact(anonName)
			v := r.visitor(ib, anon, anonName+"-1")
			convV := r.conversation(ib, anon, v)
			moved = r.lead(anonName+" moved", anon, convV, uid)
			if !twoVisitors {
				r.person(anonName+" as a person", nil, nil, anon)
			}
			if twoVisitors {
				other := r.visitor(ib, anon, anonName+"-2")
				stayed = r.lead(anonName+" stays", anon, r.conversation(ib, anon, other), uid)
			}
			from, _ := db.ContactByID(ctx, anon)
			into, _ := db.ContactByID(ctx, known)
			if err := db.MergeVisitorInto(ctx, v, from, into, into.UpdatedAt); err != nil {
				t.Fatal(err)
			}
			return moved, stayed
		}
		contactOf := func(id int64) int64 {
			t.Helper()
			l, err := db.LeadByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return l.ContactID
		}

		// The anonymous contact is left empty and deleted: all its leads move.
		moved, _ := mergeOnce("anon1", false)
		if got := contactOf(moved.ID); got != known {
			t.Fatalf("lead's contact after a full merge: %d, want %d", got, known)
		}
		if p, err := db.PersonOfContact(ctx, known); err != nil || p.Name != "anon1 as a person" {
			t.Fatalf("the person the anonymous contact was: %+v %v", p, err)
		}
		// Another visitor remains on it: only the leads of the conversations that moved go.
		moved, stayed := mergeOnce("anon2", true)
		if got := contactOf(moved.ID); got != known {
			t.Fatalf("moved conversation's lead: contact %d, want %d", got, known)
		}
		if got := contactOf(stayed.ID); got != stayed.ContactID {
			t.Fatalf("staying conversation's lead: contact %d, want %d", got, stayed.ContactID)
		}
	})
}

// lead.created, encoded inside the batch's transaction, carries the new lead's id.
func TestLeadCreatedEventCarriesTheID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		l := &crm.Lead{Title: "Order", Currency: "EUR", Status: crm.LeadOpen, Source: crm.SourceAPI, Labels: []string{}, Fields: crm.Values{},
			CreatedAt: 1, UpdatedAt: 1}
		if err := db.Apply(ctx, crm.NewBatch(l), event.New(event.LeadCreated, l)); err != nil {
			t.Fatal(err)
		}
		evs, err := db.EventsAfter(ctx, 0, 10)
		if err != nil || len(evs) != 1 {
			t.Fatalf("events %v, %v", evs, err)
		}
		var got crm.Lead
		if err := json.Unmarshal(evs[0].Data, &got); err != nil || got.ID == 0 || got.ID != l.ID {
			t.Fatalf("lead.created carries id %d, the lead has %d (%v)", got.ID, l.ID, err)
		}
	})
}
