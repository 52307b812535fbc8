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
	"github.com/parleyhq/parley/internal/errs"
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

// appendReq is one append waiting for, or running in, a batch: an AppendToOpen (a), or one of
// Commit's single-entry writes (w, see appendOne).
type appendReq struct {
	a    *conversation.OpenAppend
	w    *conversation.Write
	m    conversation.Message // w's entry as written
	wake chan struct{}        // closed when answered, or when it is to lead the next batch
	lead bool                 // set before wake closes: lead instead of reading the answer
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
	r := &appendReq{a: a}
	return r.c, b.do(ctx, r)
}

// write writes w (one entry, an existing conversation, no bot run, attachment, event or job), in
// the next batch.
func (b *pgBatcher) write(ctx context.Context, w *conversation.Write) ([]conversation.Message, error) {
	r := &appendReq{w: w, m: w.Append[0]}
	r.m.ConversationID = w.Conv.ID
	if err := b.do(ctx, r); err != nil {
		return nil, err
	}
	w.Conv.LastSeq = r.m.Seq
	return []conversation.Message{r.m}, nil
}

// do runs r in the next batch and returns its error.
func (b *pgBatcher) do(ctx context.Context, r *appendReq) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.wake = make(chan struct{})
	b.mu.Lock()
	b.queue = append(b.queue, r)
	if b.running {
		b.mu.Unlock()
		<-r.wake // no abandoning: the batch is at most a round trip away (and bounded by batchTimeout)
		if !r.lead {
			return r.err
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
	return r.err
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
		if r.err != nil || appended[i] {
			continue
		}
		if r.a != nil {
			r.c, r.err = nil, notAppended(ctx, b.db, r.a)
		} else {
			r.err = notWritten(ctx, b.db, r.w.Conv.ID, r.m.ClientID)
		}
	}
}

// notWritten tells why one of Commit's single-entry writes wrote nothing: its client id is taken
// (DuplicateError with the original) or the conversation changed since it was read (ErrStale).
func notWritten(ctx context.Context, q Querier, convID int64, clientID string) error {
	if clientID != "" {
		orig, err := messageByClientID(ctx, q, convID, clientID)
		if err == nil {
			return &conversation.DuplicateError{Message: *orig}
		}
		if !errs.Is(err, errs.NotFound) {
			return err
		}
	}
	return conversation.ErrStale
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
			if r.w != nil {
				c, m, w := r.w.Conv, &r.m, r.w
				pb.Queue(pgAppend, c.Status, nullable(c.AssigneeID), nullable(c.TeamID), 1, c.Preview, nullable(int64(c.Rating)), c.UpdatedAt,
					c.LastMessageAt, nullable(c.FirstResponseAt), nullable(c.JoinedAt), nullable(c.ClosedAt), nullable(c.VisitorID), c.ID,
					w.ExpectSeq, boolInt(c.WithBot), nullString(m.ClientID),
					string(m.SenderKind), nullable(m.SenderID), string(m.Kind), m.Body, conversation.EncodePayload(m), nullString(m.ExternalID),
					m.CreatedAt)
				continue
			}
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
			if r.w != nil {
				err := br.QueryRow().Scan(&r.m.ID, &r.m.Seq, &r.m.Position)
				switch {
				case errors.Is(err, pgx.ErrNoRows):
				case err != nil:
					first = cmp.Or(first, err)
				default:
					appended[i] = true
				}
				continue
			}
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
				r.m.ID, r.m.Seq, r.m.Position = 0, 0, 0
			}
		}
		return first
	})
}
