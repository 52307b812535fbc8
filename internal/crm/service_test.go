package crm_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/mask"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// Integration tests of crm.Service with the real conversation service and store, on both engines.

type fixture struct {
	ctx   context.Context
	db    *store.DB
	convs *conversation.Service
	svc   *crm.Service
	clock atomic.Int64

	owner, admin, a1, a2, outsider *auth.User
	web                            *inbox.Inbox // private; installed by admin; members a1 and a2
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{ctx: t.Context(), db: db}
	f.clock.Store(1_700_000_000_000)
	now := func() time.Time { return time.UnixMilli(f.clock.Add(1)) }
	f.convs = conversation.NewService(conversation.Options{Repo: db, Now: now,
		Mask: func(s string) string { out, _ := mask.String(s); return out }})
	f.svc = crm.NewService(crm.Options{Repo: db, Conversations: f.convs, Now: now})

	accounts := auth.NewService(db, auth.Options{Hasher: auth.NewHasher(auth.TestHashParams, 4)})
	user := func(email, name string, role auth.Role) *auth.User {
		u, err := accounts.CreateUser(f.ctx, nil, auth.NewUser{Email: email, Name: name, Password: "correct horse battery", Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.owner = user("owner@example.com", "Olive Owner", auth.Owner)
	f.admin = user("admin@example.com", "Ada Admin", auth.Admin)
	f.a1 = user("a1@example.com", "Alice Agent", auth.Agent)
	f.a2 = user("a2@example.com", "Bob Agent", auth.Agent)
	f.outsider = user("a3@example.com", "Carol Outsider", auth.Agent)

	vis, reopen := inbox.Defaults(inbox.Web)
	site := &inbox.Website{
		Inbox:     inbox.Inbox{Name: "Website", Visibility: vis, ReopenPolicy: reopen, InstallerID: f.admin.ID, CreatedAt: 1, UpdatedAt: 1},
		PublicKey: inbox.NewKey("pk_", 16), Secret: inbox.NewKey("sk_", 32), AllowedDomains: []string{"example.com"}, TimeZone: "UTC",
	}
	if err := db.CreateWebsite(f.ctx, site); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.web, err = db.InboxByID(f.ctx, site.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.SetInboxMembers(f.ctx, f.web.ID, []int64{f.a1.ID, f.a2.ID}, 1); err != nil {
		t.Fatal(err)
	}
	return f
}

// started is a new conversation of a new contact on the website, with one message of theirs.
func (f *fixture) started(t *testing.T, name string) (*conversation.Conversation, conversation.From) {
	t.Helper()
	var contactID int64
	if err := f.db.Writer().QueryRowContext(f.ctx, "INSERT INTO contacts (name, created_at, updated_at) VALUES ($1, 1, 1) RETURNING id", name).Scan(&contactID); err != nil {
		t.Fatal(err)
	}
	from := conversation.From{Inbox: f.web, ContactID: contactID, Name: name}
	c, _, err := f.convs.ContactWrites(f.ctx, from, conversation.MessageInput{Body: "Hello from " + name})
	if err != nil {
		t.Fatal(err)
	}
	return c, from
}

func (f *fixture) leadCount(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.db.Reader().QueryRowContext(f.ctx, "SELECT COUNT(*) FROM leads").Scan(&n); err != nil {
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

// itemLines are the conversation's "item created" lines, as an admin reads the log.
func (f *fixture) itemLines(t *testing.T, convID int64) []conversation.Message {
	t.Helper()
	msgs, err := f.convs.History(f.ctx, f.admin, convID, 0, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	var out []conversation.Message
	for _, m := range msgs {
		if m.Kind == conversation.EventKind && m.Event.Type == conversation.EventItemCreated {
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

func TestCreateLeadRefusesBadInputAndChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c, _ := f.started(t, "Vera")
		other, _ := f.started(t, "Otto")
		seq := f.lastSeq(t, c.ID)
		if err := db.DeactivateUser(f.ctx, f.a2.ID, 5); err != nil {
			t.Fatal(err)
		}
		ok := crm.LeadInput{Title: "Deal", ConversationID: c.ID}
		with := func(change func(*crm.LeadInput)) crm.LeadInput {
			in := ok
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
			{"no title", f.a1, with(func(in *crm.LeadInput) { in.Title = "  \t " }), "title_required", "title"},
			{"long title", f.a1, with(func(in *crm.LeadInput) { in.Title = strings.Repeat("ä", crm.MaxTitle+1) }), "title_too_long", "title"},
			{"negative value", f.a1, with(func(in *crm.LeadInput) { in.Value = -1 }), "value_invalid", "value"},
			{"huge value", f.a1, with(func(in *crm.LeadInput) { in.Value = crm.MaxValue + 1 }), "value_invalid", "value"},
			{"lower-case currency", f.a1, with(func(in *crm.LeadInput) { in.Currency = "eur" }), "currency_invalid", "currency"},
			{"long currency", f.a1, with(func(in *crm.LeadInput) { in.Currency = "EURO" }), "currency_invalid", "currency"},
			{"status", f.a1, with(func(in *crm.LeadInput) { in.Status = "maybe" }), "status_invalid", "status"},
			{"source", f.a1, with(func(in *crm.LeadInput) { in.Source = crm.SourceBot }), "source_invalid", ""},
			{"unknown owner", f.a1, with(func(in *crm.LeadInput) { in.OwnerUserID = 424242 }), "owner_unknown", "owner_user_id"},
			{"deactivated owner", f.a1, with(func(in *crm.LeadInput) { in.OwnerUserID = f.a2.ID }), "owner_unknown", "owner_user_id"},
			{"unknown conversation", f.a1, with(func(in *crm.LeadInput) { in.ConversationID = 424242 }), "conversation_unknown", "conversation_id"},
			{"conversation not seen", f.outsider, ok, "conversation_unknown", "conversation_id"},
			{"another contact", f.a1, with(func(in *crm.LeadInput) { in.ContactID = other.ContactID }), "contact_mismatch", "contact_id"},
			{"contact not seen", f.outsider, crm.LeadInput{Title: "Deal", ContactID: c.ContactID}, "contact_unknown", "contact_id"},
			{"unknown contact", f.admin, crm.LeadInput{Title: "Deal", ContactID: 424242}, "contact_unknown", "contact_id"},
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
		_, err := f.svc.CreateLead(f.ctx, &gone, ok)
		wantCode(t, err, errs.Forbidden, "")
		_, err = f.svc.CreateLead(f.ctx, nil, ok)
		wantCode(t, err, errs.Forbidden, "")
		if n := f.leadCount(t); n != 0 {
			t.Fatalf("refused input stored %d leads", n)
		}
		if got := f.lastSeq(t, c.ID); got != seq {
			t.Fatalf("refused input wrote to the conversation: last_seq %d, was %d", got, seq)
		}
	})
}

func TestCreateLeadFromConversation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c, from := f.started(t, "Lena")
		l, err := f.svc.CreateLead(f.ctx, f.a1, crm.LeadInput{Title: "  Website 4111 1111 1111 1111 redesign ", Value: 450000, ConversationID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		if l.ID == 0 || l.Title != "Website •••• •••• •••• 1111 redesign" || l.Value != 450000 || l.Currency != "EUR" || l.Status != crm.LeadOpen ||
			l.ContactID != c.ContactID || l.ConversationID != c.ID || l.OwnerUserID != f.a1.ID || l.CreatedByUserID != f.a1.ID ||
			l.Source != crm.SourceAgent || l.CreatedAt == 0 || l.UpdatedAt != l.CreatedAt {
			t.Fatalf("created %+v", l)
		}
		stored, allowed, err := f.svc.GetLead(f.ctx, f.a1, l.ID)
		if err != nil || *stored != *l || !allowed.Edit || !allowed.Delete {
			t.Fatalf("read back %+v %+v %v, want %+v", stored, allowed, err, l)
		}

		// The chat says a lead was created, by whom and when; the contact does not see it.
		lines := f.itemLines(t, c.ID)
		if len(lines) != 1 {
			t.Fatalf("item lines %+v", lines)
		}
		ev := lines[0].Event
		if ev.ItemType != "lead" || ev.ItemID != l.ID || ev.Title != l.Title || ev.ActorID != f.a1.ID || ev.ActorName != "Alice Agent" ||
			lines[0].CreatedAt < l.CreatedAt {
			t.Fatalf("line %+v event %+v", lines[0], ev)
		}
		if lines[0].VisibleToContact() {
			t.Fatal("the item line is visible to the contact")
		}
		_, seen, err := f.convs.ContactConversation(f.ctx, from, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range seen {
			if m.Kind == conversation.EventKind {
				t.Fatalf("the contact sees %+v", m.Event)
			}
		}

		// Created items: whoever sees the conversation; an agent who does not gets not found.
		items, err := f.svc.ItemsOf(f.ctx, f.a2, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := crm.Item{Type: crm.ItemLead, ID: l.ID, Title: l.Title, Value: 450000, Currency: "EUR", Status: "open", Source: crm.SourceAgent,
			CreatedAt: l.CreatedAt, CreatedBy: &crm.UserRef{ID: f.a1.ID, Name: "Alice Agent"}}
		if len(items) != 1 || items[0].CreatedBy == nil || *items[0].CreatedBy != *want.CreatedBy {
			t.Fatalf("items %+v", items)
		}
		items[0].CreatedBy = want.CreatedBy
		if items[0] != want {
			t.Fatalf("item %+v, want %+v", items[0], want)
		}
		_, err = f.svc.ItemsOf(f.ctx, f.outsider, c.ID)
		wantCode(t, err, errs.NotFound, "")
		_, err = f.svc.ListLeads(f.ctx, f.outsider, crm.LeadQuery{ConversationID: c.ID})
		wantCode(t, err, errs.NotFound, "")

		// Leads themselves are the team's: any agent reads them.
		if _, _, err := f.svc.GetLead(f.ctx, f.outsider, l.ID); err != nil {
			t.Fatalf("an agent cannot read a lead: %v", err)
		}
		list, err := f.svc.ListLeads(f.ctx, f.outsider, crm.LeadQuery{ContactID: c.ContactID})
		if err != nil || len(list) != 1 || list[0].ID != l.ID || list[0].CreatedByName != "Alice Agent" {
			t.Fatalf("list %+v %v", list, err)
		}

		// A lead for a contact alone, by someone who sees one of its conversations; no log line.
		seq := f.lastSeq(t, c.ID)
		l2, err := f.svc.CreateLead(f.ctx, f.a2, crm.LeadInput{Title: "Follow-up", Currency: "USD", Status: crm.LeadWon, ContactID: c.ContactID,
			OwnerUserID: f.a1.ID, Source: crm.SourceAPI})
		if err != nil {
			t.Fatal(err)
		}
		if l2.ConversationID != 0 || l2.OwnerUserID != f.a1.ID || l2.CreatedByUserID != f.a2.ID || l2.Source != crm.SourceAPI || l2.Status != crm.LeadWon {
			t.Fatalf("contact lead %+v", l2)
		}
		if got := f.lastSeq(t, c.ID); got != seq {
			t.Fatal("a lead without conversation wrote to the conversation")
		}
		if items, _ := f.svc.ItemsOf(f.ctx, f.a1, c.ID); len(items) != 1 {
			t.Fatalf("items after a contact-only lead: %+v", items)
		}
	})
}

func TestCreateLeadByBot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c, _ := f.started(t, "Bea")
		other, _ := f.started(t, "Ole")
		// The arguments name the contact and conversation; the input's own are ignored.
		l, err := f.svc.CreateLeadByBot(f.ctx, 0, c.ID, crm.LeadInput{Title: "Qualified by the bot", Value: 100, Currency: "CHF",
			ConversationID: other.ID, ContactID: other.ContactID})
		if err != nil {
			t.Fatal(err)
		}
		if l.Source != crm.SourceBot || l.CreatedByUserID != 0 || l.OwnerUserID != 0 || l.ContactID != c.ContactID || l.ConversationID != c.ID {
			t.Fatalf("bot lead %+v", l)
		}
		lines := f.itemLines(t, c.ID)
		if len(lines) != 1 || !lines[0].Event.Auto || lines[0].Event.ActorID != 0 || lines[0].Event.ItemID != l.ID {
			t.Fatalf("bot's line %+v", lines)
		}
		items, err := f.svc.ItemsOf(f.ctx, f.a1, c.ID)
		if err != nil || len(items) != 1 || items[0].CreatedBy != nil || items[0].Source != crm.SourceBot {
			t.Fatalf("items %+v %v", items, err)
		}

		owned, err := f.svc.CreateLeadByBot(f.ctx, c.ContactID, c.ID, crm.LeadInput{Title: "With owner", OwnerUserID: f.a2.ID})
		if err != nil || owned.OwnerUserID != f.a2.ID {
			t.Fatalf("owned %+v %v", owned, err)
		}
		contactOnly, err := f.svc.CreateLeadByBot(f.ctx, c.ContactID, 0, crm.LeadInput{Title: "Contact only"})
		if err != nil || contactOnly.ContactID != c.ContactID || contactOnly.ConversationID != 0 {
			t.Fatalf("contact only %+v %v", contactOnly, err)
		}

		n := f.leadCount(t)
		_, err = f.svc.CreateLeadByBot(f.ctx, other.ContactID, c.ID, crm.LeadInput{Title: "Mismatch"})
		wantCode(t, err, errs.Invalid, "contact_mismatch")
		_, err = f.svc.CreateLeadByBot(f.ctx, 0, 424242, crm.LeadInput{Title: "Nowhere"})
		wantCode(t, err, errs.Invalid, "conversation_unknown")
		_, err = f.svc.CreateLeadByBot(f.ctx, 424242, 0, crm.LeadInput{Title: "Nobody"})
		wantCode(t, err, errs.Invalid, "contact_unknown")
		_, err = f.svc.CreateLeadByBot(f.ctx, 0, c.ID, crm.LeadInput{Title: ""})
		wantCode(t, err, errs.Invalid, "title_required")
		_, err = f.svc.CreateLeadByBot(f.ctx, 0, c.ID, crm.LeadInput{Title: "x", OwnerUserID: 424242})
		wantCode(t, err, errs.Invalid, "owner_unknown")
		if got := f.leadCount(t); got != n {
			t.Fatalf("refused bot input stored %d leads", got-n)
		}
	})
}

func TestDeleteLeadRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c, _ := f.started(t, "Dora")
		newLead := func(by *auth.User, owner int64) *crm.Lead {
			t.Helper()
			l, err := f.svc.CreateLead(f.ctx, by, crm.LeadInput{Title: "Lead", ConversationID: c.ID, OwnerUserID: owner})
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		// Created by a1, owned by a2: other agents may not delete it, either of them may.
		for _, who := range []*auth.User{f.a1, f.a2} {
			l := newLead(f.a1, f.a2.ID)
			wantCode(t, f.svc.DeleteLead(f.ctx, f.outsider, l.ID), errs.Forbidden, "")
			if _, a, _ := f.svc.GetLead(f.ctx, f.outsider, l.ID); a.Delete {
				t.Fatal("allowed says an unrelated agent may delete")
			}
			if _, a, _ := f.svc.GetLead(f.ctx, who, l.ID); !a.Delete {
				t.Fatalf("allowed says %s may not delete", who.Name)
			}
			if err := f.svc.DeleteLead(f.ctx, who, l.ID); err != nil {
				t.Fatalf("%s deleting: %v", who.Name, err)
			}
		}
		// Admins and the owner may delete any lead, the bot's too.
		bot, err := f.svc.CreateLeadByBot(f.ctx, 0, c.ID, crm.LeadInput{Title: "Bot"})
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.svc.DeleteLead(f.ctx, f.a1, bot.ID), errs.Forbidden, "")
		if err := f.svc.DeleteLead(f.ctx, f.admin, bot.ID); err != nil {
			t.Fatal(err)
		}
		l := newLead(f.a1, 0)
		if err := f.svc.DeleteLead(f.ctx, f.owner, l.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.svc.DeleteLead(f.ctx, f.owner, l.ID), errs.NotFound, "")
		if n := f.leadCount(t); n != 0 {
			t.Fatalf("%d leads left", n)
		}
		// The log keeps its lines: they are history.
		if got := len(f.itemLines(t, c.ID)); got != 4 {
			t.Fatalf("%d item lines, want 4", got)
		}
		if items, _ := f.svc.ItemsOf(f.ctx, f.a1, c.ID); len(items) != 0 {
			t.Fatalf("deleted leads still listed: %+v", items)
		}
	})
}

func TestUpdateLead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c, _ := f.started(t, "Uma")
		l, err := f.svc.CreateLead(f.ctx, f.a1, crm.LeadInput{Title: "First", Value: 10, ConversationID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			p    crm.LeadPatch
			code string
		}{
			{crm.LeadPatch{Title: ptr("")}, "title_required"},
			{crm.LeadPatch{Value: ptr(int64(-5))}, "value_invalid"},
			{crm.LeadPatch{Currency: ptr("")}, "currency_invalid"},
			{crm.LeadPatch{Currency: ptr("usd")}, "currency_invalid"},
			{crm.LeadPatch{Status: ptr(crm.LeadStatus("closed"))}, "status_invalid"},
			{crm.LeadPatch{OwnerUserID: ptr(int64(424242))}, "owner_unknown"},
			{crm.LeadPatch{Title: ptr("Fine"), Value: ptr(int64(-1))}, "value_invalid"},
		} {
			_, err := f.svc.UpdateLead(f.ctx, f.a2, l.ID, tc.p)
			wantCode(t, err, errs.Invalid, tc.code)
		}
		if got, _, _ := f.svc.GetLead(f.ctx, f.a1, l.ID); *got != *l {
			t.Fatalf("refused patches changed the lead: %+v", got)
		}
		_, err = f.svc.UpdateLead(f.ctx, f.a2, 424242, crm.LeadPatch{Title: ptr("x")})
		wantCode(t, err, errs.NotFound, "")

		u, err := f.svc.UpdateLead(f.ctx, f.a2, l.ID, crm.LeadPatch{Title: ptr("Second 4111111111111111"), Value: ptr(int64(99)),
			Currency: ptr("USD"), Status: ptr(crm.LeadWon), OwnerUserID: ptr(int64(0))})
		if err != nil {
			t.Fatal(err)
		}
		if u.Title != "Second ••••••••••••1111" || u.Value != 99 || u.Currency != "USD" || u.Status != crm.LeadWon || u.OwnerUserID != 0 ||
			u.UpdatedAt <= l.UpdatedAt || u.CreatedAt != l.CreatedAt || u.CreatedByUserID != f.a1.ID || u.ConversationID != c.ID {
			t.Fatalf("updated %+v", u)
		}
		if got, _, _ := f.svc.GetLead(f.ctx, f.a1, l.ID); *got != *u {
			t.Fatalf("stored %+v, returned %+v", got, u)
		}
		// Nothing to change: nothing written.
		same, err := f.svc.UpdateLead(f.ctx, f.a1, l.ID, crm.LeadPatch{Value: ptr(int64(99))})
		if err != nil || same.UpdatedAt != u.UpdatedAt {
			t.Fatalf("no-op update %+v %v", same, err)
		}
	})
}

// Deleting a conversation removes its history, not the business's records made from it.
func TestLeadSurvivesConversationDeletion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c, _ := f.started(t, "Gina")
		l, err := f.svc.CreateLead(f.ctx, f.a1, crm.LeadInput{Title: "Keep me", ConversationID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.convs.Delete(f.ctx, f.admin, c.ID); err != nil { // admin installed the website
			t.Fatal(err)
		}
		got, _, err := f.svc.GetLead(f.ctx, f.a1, l.ID)
		if err != nil {
			t.Fatalf("the lead went with its conversation: %v", err)
		}
		want := *l
		want.ConversationID = 0
		if *got != want {
			t.Fatalf("after deletion %+v, want %+v", got, want)
		}
		_, err = f.svc.ItemsOf(f.ctx, f.admin, c.ID)
		wantCode(t, err, errs.NotFound, "")
	})
}

// failingLog is the conversation service with a log that refuses the item line.
type failingLog struct {
	*conversation.Service
	err error
}

func (f failingLog) RecordItem(context.Context, *auth.User, int64, conversation.Item) (*conversation.Message, error) {
	return nil, f.err
}

// The lead and its log line are written one after the other; when the line cannot be written the
// lead is taken back, so a failed create leaves nothing behind.
func TestFailedLogLineTakesTheLeadBack(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db)
	c, _ := f.started(t, "Fay")
	for _, tc := range []struct {
		err  error
		kind errs.Kind
	}{
		{errs.E(errs.NotFound, "conversation not found"), errs.Invalid}, // deleted or hidden meanwhile
		{errors.New("disk on fire"), errs.Internal},
	} {
		svc := crm.NewService(crm.Options{Repo: db, Conversations: failingLog{f.convs, tc.err}})
		_, err := svc.CreateLead(f.ctx, f.a1, crm.LeadInput{Title: "Doomed", ConversationID: c.ID})
		wantCode(t, err, tc.kind, "")
		if _, err := svc.CreateLeadByBot(f.ctx, 0, c.ID, crm.LeadInput{Title: "Doomed too"}); !errs.Is(err, tc.kind) {
			t.Fatalf("bot: %v", err)
		}
		if n := f.leadCount(t); n != 0 {
			t.Fatalf("%d leads left behind", n)
		}
	}
}
