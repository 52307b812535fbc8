package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/parleyhq/parley/internal/conversation"
)

// Batched appends on PostgreSQL. A message into an open conversation is one statement
// (pgAppendOpen), and committing it alone costs a WAL flush per message. Messages that arrive while
// a batch runs wait and go together in the next one: one pgx batch, sent in one round trip and run
// as one implicit transaction, so one flush covers them all. As with SQLite's group commit there is
// no timer: a message that finds no batch running leads one at once.
//
// A statement that fails (not "no row": that is a message not appended, answered after the commit)
// aborts the implicit transaction and with it the batch; every member is then run again on its own,
// so one bad message fails alone.

// maxAppendBatch bounds a batch, and so how long its first message waits for its last.
const maxAppendBatch = 256

// batchTimeout bounds one batch's round trip: it runs for many callers, none of whose contexts
// may cancel it.
const batchTimeout = 10 * time.Second

// appendReq is one AppendToOpen waiting for, or running in, a batch.
type appendReq struct {
	a    *conversation.OpenAppend
	wake chan struct{} // closed when answered, or when it is to lead the next batch
	lead bool          // set before wake closes: lead instead of reading the answer
	c    *conversation.Conversation
	err  error
}

// pgBatcher runs PostgreSQL's appends in batches.
type pgBatcher struct {
	db      *sql.DB
	mu      sync.Mutex
	queue   []*appendReq
	running bool
}

// QueuedAppends is how many AppendToOpen calls wait for PostgreSQL's next batch (always 0 on
// SQLite, whose appends queue in QueuedWrites).
func (db *DB) QueuedAppends() int {
	if db.appends == nil {
		return 0
	}
	db.appends.mu.Lock()
	defer db.appends.mu.Unlock()
	return len(db.appends.queue)
}

// append writes a, in the next batch.
func (b *pgBatcher) append(ctx context.Context, a *conversation.OpenAppend) (*conversation.Conversation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := &appendReq{a: a, wake: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, r)
	if b.running {
		b.mu.Unlock()
		<-r.wake // no abandoning: the batch is at most a round trip away (and bounded by batchTimeout)
		if !r.lead {
			return r.c, r.err
		}
		b.mu.Lock()
	}
	b.running = true
	n := min(len(b.queue), maxAppendBatch) // r is first: it was queued first, or woken as the first
	batch := slices.Clone(b.queue[:n])
	b.queue = slices.Delete(b.queue, 0, n)
	b.mu.Unlock()

	b.run(batch)

	b.mu.Lock()
	if len(b.queue) > 0 {
		next := b.queue[0]
		next.lead = true
		close(next.wake)
	} else {
		b.running = false
	}
	b.mu.Unlock()
	for _, q := range batch[1:] {
		close(q.wake)
	}
	return r.c, r.err
}

// run writes a batch and fills each member's answer.
func (b *pgBatcher) run(batch []*appendReq) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	appended := make([]bool, len(batch))
	err := b.send(ctx, batch, appended)
	if err != nil && len(batch) > 1 {
		// Nothing of the batch was committed: each alone, so only the bad one fails.
		for i, r := range batch {
			appended[i] = false
			if r.err = b.send(ctx, batch[i:i+1], appended[i:i+1]); r.err != nil {
				r.err = fmt.Errorf("append message: %w", r.err)
			}
		}
	} else if err != nil {
		batch[0].err = fmt.Errorf("append message: %w", err)
	}
	for i, r := range batch {
		if r.err == nil && !appended[i] {
			r.c, r.err = nil, notAppended(ctx, b.db, r.a)
		}
	}
}

// send runs the members as one pgx batch on one connection and sets appended[i] for each member
// whose message went in (the others wrote nothing). An error means nothing was committed.
func (b *pgBatcher) send(ctx context.Context, batch []*appendReq, appended []bool) error {
	conn, err := b.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		var pb pgx.Batch
		// The counter's lock first, once per batch (events.go): every member then takes its
		// position in the one implicit transaction, in order.
		pb.Queue(sqlLockPositions)
		for _, r := range batch {
			a, m := r.a, r.a.Message
			pb.Queue(pgAppendOpen, a.ConversationID, a.InboxID, a.ContactID, a.Preview, m.CreatedAt, nullable(a.VisitorID),
				nullString(m.ClientID), string(m.SenderKind), string(m.Kind), m.Body, conversation.EncodePayload(m))
		}
		br := pc.SendBatch(ctx, &pb)
		var first error
		var pos int64
		if err := br.QueryRow().Scan(&pos); err != nil {
			first = err
		}
		for i, r := range batch {
			c, err := scanConversation(br.QueryRow(), &r.a.Message.ID, &r.a.Message.Position)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
			case err != nil:
				first = cmp.Or(first, err)
			default:
				r.c, appended[i] = c, true
				r.a.Message.ConversationID, r.a.Message.Seq = c.ID, c.LastSeq
			}
		}
		if err := br.Close(); err != nil {
			first = cmp.Or(first, err)
		}
		if first != nil {
			for i := range appended {
				appended[i] = false
			}
			for _, r := range batch {
				r.c = nil
			}
		}
		return first
	})
}
