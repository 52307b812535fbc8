package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/jobs"
)

// What a change causes, written in the change's own transaction (internal/event): its events, with
// positions from the installation's one counter, and its jobs.
//
// Positions. The counter is one row. On SQLite the single writer serialises every transaction, so
// taking positions from the row as a transaction goes keeps them gapless (a member's rollback to
// its savepoint undoes its share) and in commit order. On PostgreSQL a transaction that writes
// events takes the row's lock first, before any other row (lockPositions), and holds it until it
// commits: transactions that write events commit one after another in the order of their
// positions, so a reader that sees position N sees every position below it. Taking the lock first
// also means no transaction ever waits for the counter while holding a row another one needs.

const (
	sqlLockPositions = "SELECT position FROM event_counter WHERE id = 1 FOR UPDATE"
	sqlTakePositions = "UPDATE event_counter SET position = position + $1 WHERE id = 1 RETURNING position"
	sqlReadPositions = "SELECT position FROM event_counter WHERE id = 1"
	sqlSavePositions = "UPDATE event_counter SET position = $1 WHERE id = 1"
	sqlInsertEvent   = `INSERT INTO events (position, type, inbox_id, conversation_id, actor_id, data, created_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7)`
)

// lockPositions takes the position counter's lock on PostgreSQL; it must be the transaction's first
// statement (see above). On SQLite it does nothing: the single writer serialises anyway.
func (tx *Tx) lockPositions(ctx context.Context) error {
	if tx.Engine != Postgres || tx.positionsLocked {
		return nil
	}
	var p int64
	if err := tx.QueryRowContext(ctx, sqlLockPositions).Scan(&p); err != nil {
		return fmt.Errorf("lock event positions: %w", err)
	}
	tx.positionsLocked = true
	return nil
}

// takePositions allocates n positions and returns the first.
func (tx *Tx) takePositions(ctx context.Context, n int) (int64, error) {
	if n == 0 {
		return 0, nil
	}
	if tx.grp != nil {
		return tx.grp.takePositions(ctx, tx, n) // SQLite: from the single writer's memory
	}
	if tx.Engine == Postgres && !tx.positionsLocked {
		return 0, errors.New("store: event positions taken without their lock (call lockPositions first)")
	}
	var last int64
	if err := tx.QueryRowContext(ctx, sqlTakePositions, n).Scan(&last); err != nil {
		return 0, fmt.Errorf("take event positions: %w", err)
	}
	return last - int64(n) + 1, nil
}

// writeEvents gives events positions (from first on, when first is not 0; otherwise newly taken)
// and inserts them. Events without a time get at.
func (tx *Tx) writeEvents(ctx context.Context, events []event.Event, first, at int64) error {
	if len(events) == 0 {
		return nil
	}
	if first == 0 {
		var err error
		if first, err = tx.takePositions(ctx, len(events)); err != nil {
			return err
		}
	}
	for i := range events {
		e := &events[i]
		e.Position = first + int64(i)
		if e.At == 0 {
			e.At = at
		}
		if err := e.Encode(); err != nil {
			return fmt.Errorf("encode %s event: %w", e.Type, err)
		}
		_, err := tx.ExecContext(ctx, sqlInsertEvent, e.Position, string(e.Type), nullable(e.InboxID), nullable(e.ConversationID),
			nullable(e.ActorID), string(e.Data), e.At)
		if err != nil {
			return fmt.Errorf("insert %s event: %w", e.Type, err)
		}
	}
	return nil
}

// writeJobs inserts jobs in the transaction. Jobs are due on the database's clock.
func (tx *Tx) writeJobs(ctx context.Context, db *DB, specs []jobs.Spec) error {
	if len(specs) == 0 {
		return nil
	}
	now, err := db.clockIn(ctx, tx)
	if err != nil {
		return err
	}
	for _, s := range specs {
		if _, err := jobs.Insert(ctx, tx, s, now); err != nil {
			return err
		}
	}
	return nil
}

// clockIn reads the database's clock inside tx (Now, without a second connection).
func (db *DB) clockIn(ctx context.Context, tx *Tx) (int64, error) {
	if db.Engine == SQLite {
		return time.Now().UnixMilli(), nil
	}
	var ms int64
	err := tx.QueryRowContext(ctx, "SELECT floor(extract(epoch from clock_timestamp()) * 1000)::bigint").Scan(&ms)
	return ms, err
}

// Unit is what a change outside conversations causes: its events and jobs.
type Unit struct {
	Events []event.Event
	Jobs   []jobs.Spec
}

// unitOf is the unit of work of events alone (nil when there are none).
func unitOf(evs []event.Event) *Unit {
	if len(evs) == 0 {
		return nil
	}
	return &Unit{Events: evs}
}

// eventTx runs fn in a write transaction that then writes u's events and jobs; on PostgreSQL it
// takes the positions' lock first. The events get their positions in place.
func (db *DB) eventTx(ctx context.Context, u *Unit, fn func(tx *Tx) error) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if u != nil && len(u.Events) > 0 {
			if err := tx.lockPositions(ctx); err != nil {
				return err
			}
		}
		if err := fn(tx); err != nil {
			return err
		}
		if u == nil {
			return nil
		}
		if err := tx.writeEvents(ctx, u.Events, 0, time.Now().UnixMilli()); err != nil {
			return err
		}
		return tx.writeJobs(ctx, db, u.Jobs)
	})
}

// Emit commits events and jobs that go with no other row (e.g. a test, or a change whose rows are
// written elsewhere in the same call).
func (db *DB) Emit(ctx context.Context, u Unit) error {
	return db.eventTx(ctx, &u, func(*Tx) error { return nil })
}

// EventsAfter returns up to limit events with positions above after, in position order: the
// conversations' log entries and the events table's rows. Entries of deleted conversations are
// gone (their conversation.deleted event stays). Both tables are read by one statement, so in one
// snapshot: read apart, a transaction committing in between could show its event row without its
// log entry of a lower position, and a reader moving on from the higher one would skip the lower.
func (db *DB) EventsAfter(ctx context.Context, after int64, limit int) ([]event.Event, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := db.read.QueryContext(ctx, sqlEventsAfter, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	out := []event.Event{}
	for rows.Next() {
		var (
			src, typ, stored string
			inboxID, actorID int64
			m                conversation.Message
		)
		if err := rows.Scan(&m.Position, &src, &m.ID, &m.ConversationID, &inboxID, &m.Seq, &m.SenderKind, &m.SenderID, &m.Kind,
			&m.Body, &stored, &m.ClientID, &m.ExternalID, &m.AttachmentID, &m.CreatedAt, &typ, &actorID); err != nil {
			return nil, err
		}
		if src == "e" {
			out = append(out, event.Event{Position: m.Position, Type: event.Type(typ), At: m.CreatedAt, InboxID: inboxID,
				ConversationID: m.ConversationID, ActorID: actorID, Data: []byte(stored)})
			continue
		}
		if err := conversation.DecodePayload(&m, stored); err != nil {
			return nil, fmt.Errorf("message %d payload: %w", m.ID, err)
		}
		e, err := conversation.LogEvent(&m, inboxID)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// sqlEventsAfter reads each table in position order up to the limit (each on its position index),
// then the first limit of both.
const sqlEventsAfter = `SELECT * FROM (
	SELECT m.position AS pos, 'm' AS src, m.id, m.conversation_id, c.inbox_id, m.seq, m.sender_kind, COALESCE(m.sender_id, 0) AS sender_id,
	m.kind, m.body, m.event, COALESCE(m.client_id, '') AS client_id, COALESCE(m.external_id, '') AS external_id,
	COALESCE(m.attachment_id, 0) AS attachment_id, m.created_at, '' AS type, 0 AS actor_id
	FROM messages m JOIN conversations c ON c.id = m.conversation_id
	WHERE m.position > $1 ORDER BY m.position LIMIT $2) AS log
UNION ALL
SELECT * FROM (
	SELECT position AS pos, 'e' AS src, 0 AS id, COALESCE(conversation_id, 0) AS conversation_id, COALESCE(inbox_id, 0) AS inbox_id,
	0 AS seq, '' AS sender_kind, 0 AS sender_id, '' AS kind, '' AS body, data AS event, '' AS client_id, '' AS external_id,
	0 AS attachment_id, created_at, type, COALESCE(actor_id, 0) AS actor_id
	FROM events WHERE position > $1 ORDER BY position LIMIT $2) AS rows
ORDER BY pos LIMIT $2`

// LastPosition is the highest position taken so far.
func (db *DB) LastPosition(ctx context.Context) (int64, error) {
	var p int64
	err := db.read.QueryRowContext(ctx, "SELECT position FROM event_counter WHERE id = 1").Scan(&p)
	return p, err
}

// ClaimConsumer makes node the holder of the durable consumer name for lease (creating it at
// position start when it does not exist) unless another node holds an unexpired lease. It returns
// the consumer's position and whether node holds it now.
func (db *DB) ClaimConsumer(ctx context.Context, name, node string, start int64, lease time.Duration) (int64, bool, error) {
	now, err := db.Now(ctx)
	if err != nil {
		return 0, false, err
	}
	var pos int64
	var held bool
	err = db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO event_consumers (name, position, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO NOTHING`, name, start, now)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `UPDATE event_consumers SET locked_by = $2, lease_until = $3, updated_at = $4
			WHERE name = $1 AND (locked_by IS NULL OR locked_by = $2 OR lease_until < $4) RETURNING position`,
			name, node, now+lease.Milliseconds(), now).Scan(&pos)
		if errors.Is(err, sql.ErrNoRows) {
			held = false
			return nil
		}
		held = err == nil
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("claim event consumer %s: %w", name, err)
	}
	return pos, held, nil
}

// AdvanceConsumer records that consumer name, held by node, has handled everything up to position
// and extends its lease. It fails with errs.Conflict when node no longer holds it.
func (db *DB) AdvanceConsumer(ctx context.Context, name, node string, position int64, lease time.Duration) error {
	now, err := db.Now(ctx)
	if err != nil {
		return err
	}
	res, err := db.write.ExecContext(ctx, `UPDATE event_consumers SET position = $3, lease_until = $4, updated_at = $5
		WHERE name = $1 AND locked_by = $2 AND position <= $3`, name, node, position, now+lease.Milliseconds(), now)
	if err != nil {
		return fmt.Errorf("advance event consumer %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.Coded(errs.Conflict, "consumer_lost", "event consumer %s is no longer held by %s", name, node)
	}
	return nil
}

// ReleaseConsumer gives up node's lease on consumer name (at shutdown), so another node takes it
// at once.
func (db *DB) ReleaseConsumer(ctx context.Context, name, node string) error {
	_, err := db.write.ExecContext(ctx, `UPDATE event_consumers SET locked_by = NULL, lease_until = NULL WHERE name = $1 AND locked_by = $2`,
		name, node)
	return err
}

// The jobs queue's view of the database (jobs.DB).

var _ jobs.DB = (*DB)(nil)

// SkipLocked reports whether claims may skip locked rows (PostgreSQL).
func (db *DB) SkipLocked() bool { return db.Engine == Postgres }

// WriteTx runs fn in a write transaction (InTx) for the jobs queue.
func (db *DB) WriteTx(ctx context.Context, fn func(tx jobs.Tx) error) error {
	return db.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

// IsUniqueViolation reports whether err is a unique-constraint violation (the package function).
func (db *DB) IsUniqueViolation(err error) bool { return IsUniqueViolation(err) }
