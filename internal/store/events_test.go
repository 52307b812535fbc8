package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// unencodable makes an event's insert fail inside the transaction (its payload cannot be encoded).
type unencodable struct{}

func (unencodable) MarshalJSON() ([]byte, error) { return nil, fmt.Errorf("cannot encode") }

func newConv(r crmRows) (ib, contact int64, c *conversation.Conversation) {
	ib, contact = r.inbox(), r.contact("Ana")
	return ib, contact, &conversation.Conversation{InboxID: ib, Channel: inbox.Web, ContactID: contact, Status: conversation.Open,
		CreatedAt: 1, UpdatedAt: 1, LastMessageAt: 1}
}

func text(body, clientID string) conversation.Message {
	return conversation.Message{SenderKind: conversation.FromVisitor, Kind: conversation.Text, Body: body, ClientID: clientID, CreatedAt: 1}
}

// A change's rows, events and jobs commit together or not at all: a failing event or job insert
// rolls the conversation and its log back, and takes no position.
func TestEventsAndJobsAreAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := crmRows{t, ctx, db}
		_, _, c := newConv(r)
		count := func(q string) int {
			var n int
			if err := db.Reader().QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		nothing := func(what string) {
			t.Helper()
			for _, q := range []string{"SELECT COUNT(*) FROM conversations", "SELECT COUNT(*) FROM messages", "SELECT COUNT(*) FROM events",
				"SELECT COUNT(*) FROM jobs"} {
				if n := count(q); n != 0 {
					t.Fatalf("%s: %s = %d, want 0", what, q, n)
				}
			}
			if p, err := db.LastPosition(ctx); err != nil || p != 0 {
				t.Fatalf("%s: last position %d (%v), want 0", what, p, err)
			}
		}

		bad := event.New(event.LeadCreated, unencodable{})
		w := &conversation.Write{Conv: c, Append: []conversation.Message{text("hello", "c1")}, Events: []event.Event{bad},
			Jobs: []jobs.Spec{{Kind: "send"}}}
		if _, err := db.Commit(ctx, w); err == nil {
			t.Fatal("commit with an event that cannot be written succeeded")
		}
		if c.ID != 0 || c.LastSeq != 0 {
			t.Fatalf("the conversation kept what the rolled back write set: %+v", c)
		}
		nothing("failed event")

		w = &conversation.Write{Conv: c, Append: []conversation.Message{text("hello", "c1")},
			Events: []event.Event{event.New(event.ConversationCreated, map[string]int{"n": 1})},
			Jobs:   []jobs.Spec{{Kind: "send"}, {Kind: "bad", MaxAttempts: -1}}}
		if _, err := db.Commit(ctx, w); err == nil {
			t.Fatal("commit with a job that cannot be written succeeded")
		}
		nothing("failed job")

		if err := db.Emit(ctx, store.Unit{Events: []event.Event{event.New(event.TeamChanged, nil), bad}}); err == nil {
			t.Fatal("emit with an event that cannot be written succeeded")
		}
		nothing("failed emit")

		// The same change without the bad parts commits whole, with positions 1, 2 (event, entry).
		w = &conversation.Write{Conv: c, Append: []conversation.Message{text("hello", "c1")},
			Events: []event.Event{event.New(event.ConversationCreated, map[string]int{"n": 1})},
			Jobs:   []jobs.Spec{{Kind: "send", ConversationID: 0}}}
		stored, err := db.Commit(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		if w.Events[0].Position != 1 || stored[0].Position != 2 || count("SELECT COUNT(*) FROM jobs") != 1 {
			t.Fatalf("positions %d, %d; jobs %d; want 1, 2 and one job", w.Events[0].Position, stored[0].Position,
				count("SELECT COUNT(*) FROM jobs"))
		}
		got, err := db.EventsAfter(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Type != event.ConversationCreated || got[1].Type != event.MessageCreated ||
			got[1].ConversationID != c.ID || got[0].ConversationID != c.ID {
			t.Fatalf("event log: %+v", got)
		}
	})
}

// Positions are gapless and follow commit order under concurrent writers: a reader that pages
// through "after N" while they write sees every position exactly once and never one whose
// predecessor it has not seen. On PostgreSQL the writers use two handles, as two nodes would.
func TestPositionsAreGaplessInCommitOrder(t *testing.T) {
	run := func(t *testing.T, dbs []*store.DB) {
		ctx := t.Context()
		db := dbs[0]
		r := crmRows{t, ctx, db}
		ib := r.inbox()
		const writers, each = 8, 25
		var open []int64
		for i := range writers {
			contact := r.contact(fmt.Sprintf("c%d", i))
			c := &conversation.Conversation{InboxID: ib, Channel: inbox.Web, ContactID: contact, Status: conversation.Open, CreatedAt: 1,
				UpdatedAt: 1, LastMessageAt: 1}
			if _, err := db.Commit(ctx, &conversation.Write{Conv: c, Append: []conversation.Message{text("first", "")}}); err != nil {
				t.Fatal(err)
			}
			open = append(open, c.ID)
		}
		start, err := db.LastPosition(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var done atomic.Bool
		var seen []int64
		var readErr error
		reader := make(chan struct{})
		go func() {
			defer close(reader)
			after := start
			for {
				finished := done.Load()
				got, err := dbs[len(dbs)-1].EventsAfter(ctx, after, 50)
				if err != nil {
					readErr = err
					return
				}
				for _, e := range got {
					if e.Position != after+1 {
						readErr = fmt.Errorf("after %d the log gave %d: a position committed late was skipped or is missing", after, e.Position)
						return
					}
					after = e.Position
					seen = append(seen, after)
				}
				if finished && len(got) == 0 {
					return
				}
			}
		}()
		var wg sync.WaitGroup
		errc := make(chan error, writers*each)
		for i := range writers {
			wg.Go(func() {
				d := dbs[i%len(dbs)]
				for j := range each {
					var err error
					switch j % 3 {
					case 0: // a message into an open conversation (the batched path on PostgreSQL)
						m := text("hi", fmt.Sprintf("w%d-%d", i, j))
						_, err = d.AppendToOpen(ctx, &conversation.OpenAppend{ConversationID: open[i], InboxID: ib,
							ContactID: mustContact(t, d, open[i]), Preview: "hi", Message: &m})
					case 1: // events that go with no log entry, and a change that fails and takes no position
						err = d.Emit(ctx, store.Unit{Events: []event.Event{event.New(event.TeamChanged, nil), event.New(event.TeamChanged, nil)}})
						if err == nil && d.Emit(ctx, store.Unit{Events: []event.Event{event.New(event.TeamChanged, nil),
							event.New(event.TeamChanged, unencodable{})}}) == nil {
							err = fmt.Errorf("a change with an event that cannot be written committed")
						}
					default: // a new conversation: its event and entries in one transaction
						contact := crmRows{t, ctx, d}.contact(fmt.Sprintf("n%d-%d", i, j))
						c := &conversation.Conversation{InboxID: ib, Channel: inbox.Web, ContactID: contact, Status: conversation.Open,
							CreatedAt: 1, UpdatedAt: 1, LastMessageAt: 1}
						_, err = d.Commit(ctx, &conversation.Write{Conv: c, Append: []conversation.Message{text("a", ""), text("b", "")},
							Events: []event.Event{event.New(event.ConversationCreated, nil)}})
					}
					if err != nil {
						errc <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		done.Store(true)
		select {
		case <-reader:
		case <-time.After(time.Minute):
			t.Fatal("the reader did not finish")
		}
		if readErr != nil {
			t.Fatal(readErr)
		}
		end, err := db.LastPosition(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Per writer: 9 appends (1) + 8 emits (2) + 8 new conversations (3).
		want := int64(writers * (9 + 8*2 + 8*3))
		if end-start != want || int64(len(seen)) != want {
			t.Fatalf("positions %d..%d (%d) and %d seen; want %d", start, end, end-start, len(seen), want)
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, []*store.DB{storetest.SQLite(t)}) })
	t.Run("postgres", func(t *testing.T) {
		url := storetest.PostgresDatabase(t)
		var dbs []*store.DB
		for range 2 {
			db, err := store.Open(t.Context(), store.Options{URL: url})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			dbs = append(dbs, db)
		}
		run(t, dbs)
	})
}

func mustContact(t *testing.T, db *store.DB, convID int64) int64 {
	c, err := db.ConversationByID(context.Background(), convID)
	if err != nil {
		t.Error(err)
		return 0
	}
	return c.ContactID
}
