package report_test

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/mask"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// Reports over conversations with known times, made through the real conversation service on
// both engines; the facts come from the real event log through the report consumer.

type fixture struct {
	ctx    context.Context
	db     *store.DB
	convs  *conversation.Service
	svc    *report.Service
	clock  atomic.Int64 // unix ms; stays where a step sets it
	cursor int64

	admin, a1, a2 *auth.User
	web           *inbox.Inbox
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{ctx: t.Context(), db: db}
	f.convs = conversation.NewService(conversation.Options{Repo: db, Now: func() time.Time { return time.UnixMilli(f.clock.Load()) },
		Presence: everyone{}, Mask: func(s string) string { out, _ := mask.String(s); return out }})
	f.svc = report.New(db, db)
	accounts := auth.NewService(db, auth.Options{Hasher: auth.NewHasher(auth.TestHashParams, 4)})
	user := func(email, name string, role auth.Role) *auth.User {
		u, err := accounts.CreateUser(f.ctx, nil, auth.NewUser{Email: email, Name: name, Password: "correct horse battery", Role: role, TimeZone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.admin = user("admin@example.com", "Ada Admin", auth.Owner)
	f.a1 = user("a1@example.com", "Alice Agent", auth.Agent)
	f.a2 = user("a2@example.com", "Bob Agent", auth.Agent)
	site := &inbox.Website{
		Inbox:     inbox.Inbox{Name: "Website", Visibility: inbox.Private, ReopenPolicy: inbox.Reopen, InstallerID: f.admin.ID, CreatedAt: 1, UpdatedAt: 1},
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

type everyone struct{}

func (everyone) Available(context.Context, int64) bool { return true }
func (everyone) OnlineUsers() []int64                  { return nil }

// at sets the clock to a UTC time "2006-01-02 15:04:05".
func (f *fixture) at(t *testing.T, s string) {
	t.Helper()
	tm, err := time.Parse(time.DateTime, s)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Store(tm.UnixMilli())
}

// started: a new contact writes their first message at when.
func (f *fixture) started(t *testing.T, name, when string) (*conversation.Conversation, conversation.From) {
	t.Helper()
	var contactID int64
	if err := f.db.Writer().QueryRowContext(f.ctx, `INSERT INTO contacts (name, email, phone, attributes, created_at, updated_at)
		VALUES ($1, $2, '', '{}', 1, 1) RETURNING id`, name, strings.ToLower(name)+"@example.com").Scan(&contactID); err != nil {
		t.Fatal(err)
	}
	f.at(t, when)
	from := conversation.From{Inbox: f.web, ContactID: contactID, Name: name}
	c, _, err := f.convs.ContactWrites(f.ctx, from, conversation.MessageInput{Body: "Hello from " + name})
	if err != nil {
		t.Fatal(err)
	}
	return c, from
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// drain hands the log's new events to the report consumer, as its runner does.
func (f *fixture) drain(t *testing.T) {
	t.Helper()
	c := f.svc.Consumer()
	for {
		evs, err := f.db.EventsAfter(f.ctx, f.cursor, c.Batch)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return
		}
		if _, err := c.Handle(f.ctx, evs); err != nil {
			t.Fatal(err)
		}
		f.cursor = evs[len(evs)-1].Position
	}
}

const sec = int64(1000)

func TestOverviewExactFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		msg := must[*conversation.Message](t)
		conv := must[*conversation.Conversation](t)

		// c1: answered after 30 s, closed after 10 minutes, rated 5 with words.
		c1, from1 := f.started(t, "One", "2026-03-02 09:00:00")
		f.at(t, "2026-03-02 09:00:30")
		msg(f.convs.Reply(f.ctx, f.a1, c1.ID, conversation.MessageInput{Body: "Hi!"}))
		f.at(t, "2026-03-02 09:10:00")
		conv(f.convs.Close(f.ctx, f.a1, c1.ID))
		f.at(t, "2026-03-02 09:11:00")
		conv(f.convs.Rate(f.ctx, from1, c1.ID, 5, "Great help"))

		// c2: a note is no answer; answered after 2 minutes; closed, reopened and closed again an
		// hour after it began; rated 3.
		c2, from2 := f.started(t, "Two", "2026-03-02 10:00:00")
		f.at(t, "2026-03-02 10:00:10")
		msg(f.convs.Reply(f.ctx, f.a1, c2.ID, conversation.MessageInput{Body: "looking", Note: true}))
		f.at(t, "2026-03-02 10:02:00")
		msg(f.convs.Reply(f.ctx, f.a1, c2.ID, conversation.MessageInput{Body: "Here you go"}))
		f.at(t, "2026-03-02 10:30:00")
		conv(f.convs.Close(f.ctx, f.a1, c2.ID))
		f.at(t, "2026-03-02 10:40:00")
		conv(f.convs.Reopen(f.ctx, f.admin, c2.ID))
		f.at(t, "2026-03-02 11:00:00")
		conv(f.convs.Close(f.ctx, f.a1, c2.ID))
		f.at(t, "2026-03-02 11:01:00")
		conv(f.convs.Rate(f.ctx, from2, c2.ID, 3, ""))

		// c3: nobody answers: missed.
		f.started(t, "Three", "2026-03-02 11:00:00")

		// c4: late on the 3rd in UTC, the 4th in Berlin; Bob takes it and answers after a minute.
		c4, _ := f.started(t, "Four", "2026-03-03 23:30:00")
		f.at(t, "2026-03-03 23:30:30")
		conv(f.convs.Assign(f.ctx, f.a2, c4.ID, conversation.AssignInput{UserID: f.a2.ID}))
		f.at(t, "2026-03-03 23:31:00")
		msg(f.convs.Reply(f.ctx, f.a2, c4.ID, conversation.MessageInput{Body: "Evening"}))

		// c5: in the previous range, answered after 45 s.
		c5, _ := f.started(t, "Five", "2026-02-28 12:00:00")
		f.at(t, "2026-02-28 12:00:45")
		msg(f.convs.Reply(f.ctx, f.a1, c5.ID, conversation.MessageInput{Body: "Yes?"}))

		f.drain(t)
		q := report.Query{From: "2026-03-02", To: "2026-03-04", Zone: "Europe/Berlin"}
		check := func(o *report.Overview) {
			t.Helper()
			want := report.Figures{Conversations: 4, Answered: 3, Missed: 1, Closed: 2,
				FirstResponse: report.Durations{Count: 3, Median: 60 * sec, P90: 120 * sec},
				Resolution:    report.Durations{Count: 2, Median: 600 * sec, P90: 3600 * sec},
				Ratings:       report.Ratings{Count: 2, Sum: 8, Average: 4, Distribution: [5]int{0, 0, 1, 0, 1}}}
			if o.Current != want {
				t.Fatalf("current\n got %+v\nwant %+v", o.Current, want)
			}
			prev := report.Figures{Conversations: 1, Answered: 1, FirstResponse: report.Durations{Count: 1, Median: 45 * sec, P90: 45 * sec}}
			if o.Previous != prev || o.PreviousRange.From != "2026-02-27" || o.PreviousRange.To != "2026-03-01" {
				t.Fatalf("previous %+v %+v", o.PreviousRange, o.Previous)
			}
			if len(o.Days) != 3 || o.Days[0].Conversations != 3 || o.Days[1].Conversations != 0 || o.Days[2].Conversations != 1 ||
				o.Days[2].Date != "2026-03-04" || o.Days[0].Missed != 1 {
				t.Fatalf("days %+v", o.Days)
			}
			// Berlin is UTC+1 in March: Monday 10, 11 and 12 o'clock, Wednesday 0 o'clock.
			if o.Hours[0][10] != 1 || o.Hours[0][11] != 1 || o.Hours[0][12] != 1 || o.Hours[2][0] != 1 {
				t.Fatalf("hours %v", o.Hours)
			}
			if len(o.Comments) != 1 || o.Comments[0].Comment != "Great help" || o.Comments[0].Rating != 5 || o.Comments[0].ConversationID != c1.ID {
				t.Fatalf("comments %+v", o.Comments)
			}
		}
		check(must[*report.Overview](t)(f.svc.Overview(f.ctx, f.admin, q)))

		// The consumer is idempotent: the same events again change nothing.
		f.cursor = 0
		f.drain(t)
		check(must[*report.Overview](t)(f.svc.Overview(f.ctx, f.admin, q)))

		// An agent sees their own conversations (Alice: c1 and c2).
		mine := must[*report.Overview](t)(f.svc.Overview(f.ctx, f.a1, q))
		if mine.Current.Conversations != 2 || mine.Current.FirstResponse.Median != 30*sec || mine.Current.FirstResponse.P90 != 120*sec {
			t.Fatalf("Alice's %+v", mine.Current)
		}
		// By agent: Alice 2, Bob 1, nobody 1.
		b := must[*report.Breakdown](t)(f.svc.Breakdown(f.ctx, f.admin, report.Query{From: q.From, To: q.To, Zone: q.Zone, By: "agent"}))
		got := map[string]int{}
		for _, r := range b.Rows {
			got[r.Key] = r.Current.Conversations
		}
		if len(got) != 3 || got[itoa(f.a1.ID)] != 2 || got[itoa(f.a2.ID)] != 1 || got["0"] != 1 {
			t.Fatalf("by agent %v", got)
		}
		// In UTC the 4th is empty and c4 is on the 3rd.
		utc := must[*report.Overview](t)(f.svc.Overview(f.ctx, f.admin, report.Query{From: q.From, To: q.To}))
		if utc.Days[1].Conversations != 1 || utc.Days[2].Conversations != 0 {
			t.Fatalf("UTC days %+v", utc.Days)
		}
		// A range must run forwards.
		if _, err := f.svc.Overview(f.ctx, f.admin, report.Query{From: "2026-03-04", To: "2026-03-02"}); err == nil {
			t.Fatal("a backwards range was taken")
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestRank(t *testing.T) {
	for _, c := range []struct{ p, n, want int }{{50, 1, 1}, {50, 2, 1}, {50, 3, 2}, {90, 3, 3}, {90, 10, 9}, {90, 11, 10}, {50, 10, 5}} {
		if got := report.Rank(c.p, c.n); got != c.want {
			t.Errorf("Rank(%d, %d) = %d, want %d", c.p, c.n, got, c.want)
		}
	}
}
