package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// crmRows makes the rows leads point at, with plain SQL.
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

func (r crmRows) inbox() int64 {
	return r.insert("INSERT INTO inboxes (kind, name, visibility, reopen_policy, created_at, updated_at) VALUES ('email', 'Mail', 'shared', 'reopen', 1, 1)")
}

func (r crmRows) contact(name string) int64 {
	return r.insert("INSERT INTO contacts (name, created_at, updated_at) VALUES ($1, 1, 1)", name)
}

func (r crmRows) visitor(inboxID, contactID int64, token string) int64 {
	return r.insert("INSERT INTO visitors (website_id, contact_id, token_hash, first_seen, last_seen) VALUES ($1, $2, $3, 1, 1)", inboxID, contactID, token)
}

func (r crmRows) conversation(inboxID, contactID, visitorID int64) int64 {
	var v any
	if visitorID != 0 {
		v = visitorID
	}
	return r.insert(`INSERT INTO conversations (inbox_id, contact_id, visitor_id, channel, status, created_at, updated_at, last_message_at)
		VALUES ($1, $2, $3, 'web', 'open', 1, 1, 1)`, inboxID, contactID, v)
}

func (r crmRows) lead(title string, contactID, convID, byUserID int64) *crm.Lead {
	r.t.Helper()
	l := &crm.Lead{Title: title, Value: 1250, Currency: "EUR", Status: crm.LeadOpen, ContactID: contactID, ConversationID: convID,
		OwnerUserID: byUserID, CreatedByUserID: byUserID, Source: crm.SourceAgent, CreatedAt: 10, UpdatedAt: 10}
	if err := r.db.CreateLead(r.ctx, l); err != nil {
		r.t.Fatal(err)
	}
	return l
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
		want.CreatedByName = "ana"
		if *got != want {
			t.Fatalf("read back %+v, want %+v", *got, want)
		}

		bot := &crm.Lead{Title: "From the bot", Currency: "USD", Status: crm.LeadOpen, Source: crm.SourceBot, CreatedAt: 11, UpdatedAt: 11}
		if err := db.CreateLead(ctx, bot); err != nil {
			t.Fatal(err)
		}
		got, err = db.LeadByID(ctx, bot.ID)
		if err != nil || got.CreatedByUserID != 0 || got.CreatedByName != "" || got.ContactID != 0 || got.ConversationID != 0 || got.OwnerUserID != 0 {
			t.Fatalf("bot lead read back %+v, %v", got, err)
		}

		next := want
		next.Title, next.Value, next.Currency, next.Status, next.OwnerUserID, next.UpdatedAt = "Redesign, phase 2", 99, "GBP", crm.LeadWon, 0, 20
		if err := db.UpdateLead(ctx, &next, 10); err != nil {
			t.Fatal(err)
		}
		got, _ = db.LeadByID(ctx, l.ID)
		if *got != next {
			t.Fatalf("after update %+v, want %+v", *got, next)
		}
		// Guarded by updated_at: a change decided on the old state loses.
		stale := want
		stale.UpdatedAt = 30
		if err := db.UpdateLead(ctx, &stale, 10); !errs.Is(err, errs.Conflict) {
			t.Fatalf("stale update: %v, want conflict", err)
		}
		stale.ID = 999999
		if err := db.UpdateLead(ctx, &stale, 10); !errs.Is(err, errs.NotFound) {
			t.Fatalf("update of a missing lead: %v, want not found", err)
		}
		next.OwnerUserID, next.UpdatedAt = 999999, 40
		if err := db.UpdateLead(ctx, &next, 20); !errs.Is(err, errs.Invalid) {
			t.Fatalf("unknown owner: %v, want invalid", err)
		}

		if err := db.DeleteLead(ctx, l.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.LeadByID(ctx, l.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("deleted lead read: %v", err)
		}
		if err := db.DeleteLead(ctx, l.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}

func TestLeadReferencesAndChecksAreEnforced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		l := &crm.Lead{Title: "X", Currency: "EUR", Status: crm.LeadOpen, Source: crm.SourceAgent, ContactID: 424242, CreatedAt: 1, UpdatedAt: 1}
		if err := db.CreateLead(ctx, l); !errs.Is(err, errs.Invalid) || l.ID != 0 {
			t.Fatalf("unknown contact: %v (id %d), want invalid", err, l.ID)
		}
		for _, bad := range []crm.Lead{
			{Title: "neg", Value: -1, Currency: "EUR", Status: crm.LeadOpen, Source: crm.SourceAgent},
			{Title: "status", Currency: "EUR", Status: "maybe", Source: crm.SourceAgent},
			{Title: "source", Currency: "EUR", Status: crm.LeadOpen, Source: "fax"},
		} {
			if err := db.CreateLead(ctx, &bad); err == nil {
				t.Errorf("the database accepted %+v", bad)
			}
		}
		var n int
		if err := db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM leads").Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d leads stored, %v", n, err)
		}
	})
}

func TestListLeadsFiltersAndPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := crmRows{t, ctx, db}
		uid := r.user("ana")
		ib := r.inbox()
		c1, c2 := r.contact("One"), r.contact("Two")
		conv1, conv2 := r.conversation(ib, c1, 0), r.conversation(ib, c2, 0)
		var ids []int64
		for i, spec := range []struct{ contact, conv int64 }{{c1, conv1}, {c1, conv1}, {c1, 0}, {c2, conv2}, {c2, conv2}} {
			ids = append(ids, r.lead(string(rune('A'+i)), spec.contact, spec.conv, uid).ID)
		}
		list := func(q crm.LeadQuery) []int64 {
			t.Helper()
			leads, err := db.ListLeads(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			out := []int64{}
			for _, l := range leads {
				out = append(out, l.ID)
			}
			return out
		}
		eq := func(name string, got []int64, want ...int64) {
			t.Helper()
			if len(got) != len(want) {
				t.Fatalf("%s: got %v, want %v", name, got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%s: got %v, want %v", name, got, want)
				}
			}
		}
		eq("all, newest first", list(crm.LeadQuery{Limit: 50}), ids[4], ids[3], ids[2], ids[1], ids[0])
		eq("contact", list(crm.LeadQuery{ContactID: c1, Limit: 50}), ids[2], ids[1], ids[0])
		eq("conversation", list(crm.LeadQuery{ConversationID: conv2, Limit: 50}), ids[4], ids[3])
		eq("contact and conversation", list(crm.LeadQuery{ContactID: c1, ConversationID: conv1, Limit: 50}), ids[1], ids[0])
		eq("page 1", list(crm.LeadQuery{Limit: 2}), ids[4], ids[3])
		eq("page 2", list(crm.LeadQuery{BeforeID: ids[3], Limit: 2}), ids[2], ids[1])
		eq("page 3", list(crm.LeadQuery{BeforeID: ids[1], Limit: 2}), ids[0])
		eq("page 2 of a contact", list(crm.LeadQuery{ContactID: c1, BeforeID: ids[2], Limit: 1}), ids[1])
		eq("nothing", list(crm.LeadQuery{ConversationID: 777777, Limit: 50}))
	})
}

// A lead is the business's record: deleting the conversation, contact or user it points at only
// clears the link.
func TestLeadSurvivesWhatItPointsAt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := crmRows{t, ctx, db}
		uid := r.user("ana")
		ib := r.inbox()
		ct := r.contact("Carla")
		conv := r.conversation(ib, ct, 0)
		l := r.lead("Kept", ct, conv, uid)

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
	})
}

// When an anonymous visitor turns out to be a known user, their leads follow them to that contact.
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

// lead.created, encoded inside the insert's transaction, carries the new lead's id.
func TestLeadCreatedEventCarriesTheID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		l := &crm.Lead{Title: "Order", Currency: "EUR", Status: crm.LeadOpen, Source: crm.SourceAPI, CreatedAt: 1, UpdatedAt: 1}
		if err := db.CreateLead(ctx, l, event.New(event.LeadCreated, l)); err != nil {
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
