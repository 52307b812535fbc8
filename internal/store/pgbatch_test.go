package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/storetest"
)

// On PostgreSQL, messages appended while a batch runs go together in the next one (one round trip,
// one commit). Within it, two messages into one conversation get consecutive seqs, a retry of a
// client id sent in the same batch is answered with the original, a conversation that is not open
// is refused, and a message PostgreSQL rejects fails alone: the others are written.
func TestPostgresAppendsBatched(t *testing.T) {
	db := storetest.Postgres(t)
	ctx := context.Background()
	convs := conversationsFor(t, db, 4)
	held, busy, closed := convs[0], convs[1], convs[2]
	if _, err := db.Writer().ExecContext(ctx, "UPDATE conversations SET status = 'closed' WHERE id = $1", closed.ID); err != nil {
		t.Fatal(err)
	}
	appendTo := func(c *conversation.Conversation, clientID, body string) (*conversation.Conversation, *conversation.Message, error) {
		m := &conversation.Message{SenderKind: conversation.FromVisitor, Kind: conversation.Text, Body: body, ClientID: clientID, CreatedAt: 5}
		got, err := db.AppendToOpen(ctx, &conversation.OpenAppend{ConversationID: c.ID, InboxID: c.InboxID, ContactID: c.ContactID,
			Preview: body, Message: m})
		return got, m, err
	}

	// Hold the first conversation's row so that the first batch (its message alone) waits, and the
	// messages sent meanwhile queue for the next batch.
	tx, err := db.Writer().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "SELECT id FROM conversations WHERE id = $1 FOR UPDATE", held.ID); err != nil {
		t.Fatal(err)
	}
	type result struct {
		c   *conversation.Conversation
		m   *conversation.Message
		err error
	}
	var wg sync.WaitGroup
	results := map[string]*result{}
	var mu sync.Mutex
	send := func(key string, c *conversation.Conversation, clientID, body string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, m, err := appendTo(c, clientID, body)
			mu.Lock()
			results[key] = &result{got, m, err}
			mu.Unlock()
		}()
	}
	send("first", held, "h-1", "waits for the row")
	waitFor(t, "the first batch to wait for the row", func() bool {
		var n int
		_ = db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND a.query LIKE 'WITH c AS (UPDATE conversations%'").Scan(&n)
		return n > 0
	})
	send("one", busy, "b-1", "one")
	waitQueued(t, db, 1) // in this order: seqs are the queue's
	send("two", busy, "b-2", "two")
	waitQueued(t, db, 2)
	send("retry", busy, "b-1", "one, sent again")
	waitQueued(t, db, 3)
	send("closed", closed, "c-1", "into a closed conversation")
	send("bad", convs[3], "x-1", "bad \x00 byte")
	send("fine", convs[3], "x-2", "fine")
	waitQueued(t, db, 6)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	if r := results["first"]; r.err != nil || r.m.Seq != 2 {
		t.Fatalf("held conversation: %+v", r)
	}
	one, two := results["one"], results["two"]
	if one.err != nil || two.err != nil || one.m.Seq != 2 || two.m.Seq != 3 || two.c.LastSeq != 3 {
		t.Fatalf("two messages into one conversation in one batch: %+v / %+v (errors %v, %v)", one.m, two.m, one.err, two.err)
	}
	var dup *conversation.DuplicateError
	if r := results["retry"]; !errors.As(r.err, &dup) || dup.Message.ID != one.m.ID {
		t.Fatalf("retry in the same batch: %v, want the original %d", r.err, one.m.ID)
	}
	if r := results["closed"]; !errs.Is(r.err, errs.NotFound) {
		t.Fatalf("closed conversation: %v, want not found", r.err)
	}
	if r := results["bad"]; r.err == nil || errs.Is(r.err, errs.NotFound) {
		t.Fatalf("a message PostgreSQL rejects: %v, want its error", r.err)
	}
	if r := results["fine"]; r.err != nil || r.m.Seq != 2 {
		t.Fatalf("the rejected message's batch-mate: %+v", r)
	}
	for _, c := range []struct {
		id   int64
		want int
	}{{held.ID, 2}, {busy.ID, 3}, {closed.ID, 1}, {convs[3].ID, 2}} {
		var n, last int
		if err := db.Reader().QueryRowContext(ctx, "SELECT COUNT(*), MAX(seq) FROM messages WHERE conversation_id = $1", c.id).Scan(&n, &last); err != nil {
			t.Fatal(err)
		}
		if n != c.want || last != c.want {
			t.Errorf("conversation %d: %d messages up to seq %d, want %d (gapless)", c.id, n, last, c.want)
		}
	}
}

func waitQueued(t *testing.T, db interface{ QueuedAppends() int }, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d queued appends", n), func() bool { return db.QueuedAppends() >= n })
}
