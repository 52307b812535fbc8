package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/notify"
	"github.com/parleyhq/parley/internal/push"
)

// Notifications (notify.Repo, push.Repo): the installation's notification keys, push
// subscriptions, the consumer's per-conversation state, and emails waiting for their batch.

var (
	_ notify.Repo = (*DB)(nil)
	_ push.Repo   = (*DB)(nil)
)

var (
	vapidPrivateKey = sealedColumn{table: "notify_keys", id: "singleton", column: "vapid_private", purpose: "notify:%d:vapid"}
	unsubscribeKey  = sealedColumn{table: "notify_keys", id: "singleton", column: "unsubscribe_key", purpose: "notify:%d:unsubscribe"}
	pushAuthSecret  = sealedColumn{table: "push_subscriptions", id: "id", column: "auth", purpose: "push:%d:auth"}
)

// NotifyKeys returns the installation's notification keys, storing the ones fresh makes on the
// first call ever (nodes starting together agree on the first written).
func (db *DB) NotifyKeys(ctx context.Context, fresh func() (public string, k *notify.Keys, err error)) (*notify.Keys, error) {
	k, err := db.readNotifyKeys(ctx)
	if err == nil || !errs.Is(err, errs.NotFound) {
		return k, err
	}
	public, nk, err := fresh()
	if err != nil {
		return nil, err
	}
	vapid, err := db.sealSecret(vapidPrivateKey, 1, nk.VAPIDPrivate)
	if err != nil {
		return nil, err
	}
	unsub, err := db.sealSecret(unsubscribeKey, 1, base64.RawURLEncoding.EncodeToString(nk.Unsubscribe))
	if err != nil {
		return nil, err
	}
	err = db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO notify_keys (singleton, vapid_public, vapid_private, unsubscribe_key, created_at)
			VALUES (1, $1, $2, $3, $4) ON CONFLICT (singleton) DO NOTHING`, public, vapid, unsub, time.Now().UnixMilli())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store the notification keys: %w", err)
	}
	return db.readNotifyKeys(ctx)
}

func (db *DB) readNotifyKeys(ctx context.Context) (*notify.Keys, error) {
	var vapid, unsub string
	err := db.read.QueryRowContext(ctx, "SELECT vapid_private, unsubscribe_key FROM notify_keys WHERE singleton = 1").Scan(&vapid, &unsub)
	if err != nil {
		return nil, notFound(err, "notification keys")
	}
	var k notify.Keys
	if k.VAPIDPrivate, err = db.openSecret(vapidPrivateKey, 1, vapid); err != nil {
		return nil, err
	}
	u, err := db.openSecret(unsubscribeKey, 1, unsub)
	if err != nil {
		return nil, err
	}
	if k.Unsubscribe, err = base64.RawURLEncoding.DecodeString(u); err != nil {
		return nil, fmt.Errorf("the unsubscribe key: %w", err)
	}
	return &k, nil
}

// SavePushSubscription stores a device's subscription by its endpoint, sealing its auth secret.
func (db *DB) SavePushSubscription(ctx context.Context, d *push.Device) error {
	return db.InTx(ctx, func(tx *Tx) error {
		// The row's id is in the secret's sealing purpose, so the id comes first, then the secret.
		err := tx.QueryRowContext(ctx, `INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, user_agent, created_at)
			VALUES ($1, $2, $3, '', $4, $5)
			ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh, user_agent = excluded.user_agent,
			created_at = excluded.created_at, last_sent_at = 0 RETURNING id`,
			d.UserID, d.Subscription.Endpoint, d.Subscription.P256DH, d.UserAgent, d.CreatedAt).Scan(&d.ID)
		if IsForeignKeyViolation(err) {
			return errs.E(errs.NotFound, "user not found")
		}
		if err != nil {
			return err
		}
		sealed, err := db.sealSecret(pushAuthSecret, d.ID, d.Subscription.Auth)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE push_subscriptions SET auth = $1 WHERE id = $2", sealed, d.ID)
		return err
	})
}

// PushSubscriptions lists a user's subscriptions, oldest first, their secrets opened.
func (db *DB) PushSubscriptions(ctx context.Context, userID int64) ([]push.Device, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, user_id, endpoint, p256dh, auth, user_agent, created_at, last_sent_at
		FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []push.Device{}
	for rows.Next() {
		var d push.Device
		var sealed string
		if err := rows.Scan(&d.ID, &d.UserID, &d.Subscription.Endpoint, &d.Subscription.P256DH, &sealed, &d.UserAgent, &d.CreatedAt, &d.LastSentAt); err != nil {
			return nil, err
		}
		if d.Subscription.Auth, err = db.openSecret(pushAuthSecret, d.ID, sealed); err != nil {
			return nil, fmt.Errorf("push subscription %d: %w", d.ID, err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeletePushSubscription removes one of a user's subscriptions.
func (db *DB) DeletePushSubscription(ctx context.Context, userID, id int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		return expectOne(tx.ExecContext(ctx, "DELETE FROM push_subscriptions WHERE id = $1 AND user_id = $2", id, userID))("device")
	})
}

// DeletePushEndpoint removes the subscription of an endpoint that is gone.
func (db *DB) DeletePushEndpoint(ctx context.Context, endpoint string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM push_subscriptions WHERE endpoint = $1", endpoint)
		return err
	})
}

// MarkPushSent records that a subscription's push service took a push.
func (db *DB) MarkPushSent(ctx context.Context, id, at int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE push_subscriptions SET last_sent_at = $1 WHERE id = $2", at, id)
		return err
	})
}

// NotifyStates returns what the notifications consumer last knew of conversations (those it never
// saw are left out).
func (db *DB) NotifyStates(ctx context.Context, ids []int64) (map[int64]notify.ConvState, error) {
	out := map[int64]notify.ConvState{}
	for chunk := range slices.Chunk(ids, 500) {
		rows, err := db.read.QueryContext(ctx, "SELECT conversation_id, position, unassigned, missed_seq FROM notify_conversations WHERE conversation_id IN ("+
			placeholders(1, len(chunk))+")", int64Args(chunk)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var st notify.ConvState
			var unassigned int
			if err := rows.Scan(&id, &st.Position, &unassigned, &st.MissedSeq); err != nil {
				rows.Close()
				return nil, err
			}
			st.Unassigned = unassigned != 0
			out[id] = st
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func int64Args(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// CommitNotifications writes what the consumer decided, in one transaction: the conversations'
// states, the emails waiting for their batch (with each new batch's job), and the jobs.
//
// A batch's row exists exactly while its job does. Here an email joins the batch (touching its row,
// which takes the row's lock on PostgreSQL) or, when there is none, makes the row and its job; the
// job finishing (FinishEmails) takes the same lock before it decides the batch is empty, so an
// email is never left behind with no job to send it.
func (db *DB) CommitNotifications(ctx context.Context, w *notify.Write) error {
	return db.InTx(ctx, func(tx *Tx) error {
		for id, st := range w.States {
			unassigned := 0
			if st.Unassigned {
				unassigned = 1
			}
			// A conversation deleted meanwhile has no row to point at: nothing to keep.
			_, err := tx.ExecContext(ctx, `INSERT INTO notify_conversations (conversation_id, position, unassigned)
				SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM conversations WHERE id = $1)
				ON CONFLICT (conversation_id) DO UPDATE SET position = excluded.position, unassigned = excluded.unassigned`, id, st.Position, unassigned)
			if err != nil {
				return fmt.Errorf("notification state of conversation %d: %w", id, err)
			}
		}
		for id, seq := range w.MissedSeq {
			_, err := tx.ExecContext(ctx, `INSERT INTO notify_conversations (conversation_id, position, unassigned, missed_seq)
				SELECT $1, 0, 0, $2 WHERE EXISTS (SELECT 1 FROM conversations WHERE id = $1)
				ON CONFLICT (conversation_id) DO UPDATE SET missed_seq = excluded.missed_seq`, id, seq)
			if err != nil {
				return fmt.Errorf("missed chat of conversation %d: %w", id, err)
			}
		}
		now, err := db.clockIn(ctx, tx)
		if err != nil {
			return err
		}
		type batch struct {
			user int64
			kind string
		}
		var batches []batch
		for _, e := range w.Emails {
			res, err := tx.ExecContext(ctx, `INSERT INTO notify_emails (user_id, kind, conversation_id, seq, created_at)
				SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM conversations WHERE id = $3)
				ON CONFLICT (user_id, kind, conversation_id, seq) DO NOTHING`, e.UserID, e.Kind, e.ConversationID, e.Seq, now)
			if err != nil {
				return fmt.Errorf("queue a notification email: %w", err)
			}
			if n, _ := res.RowsAffected(); n > 0 && !slices.Contains(batches, batch{e.UserID, e.Kind}) {
				batches = append(batches, batch{e.UserID, e.Kind})
			}
		}
		for _, b := range batches {
			res, err := tx.ExecContext(ctx, "UPDATE notify_batches SET created_at = created_at WHERE user_id = $1 AND kind = $2", b.user, b.kind)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				continue // its job is waiting
			}
			// Another writer (a missed-chat check) may start the same batch at once: the first
			// insert makes the job, the other joins it.
			res, err = tx.ExecContext(ctx, "INSERT INTO notify_batches (user_id, kind, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, kind) DO NOTHING",
				b.user, b.kind, now)
			if err != nil {
				return fmt.Errorf("start an email batch: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			if _, err := jobs.Insert(ctx, tx, w.BatchJob(b.user, b.kind), now); err != nil {
				return err
			}
		}
		return tx.writeJobs(ctx, db, w.Jobs)
	})
}

// PendingEmails lists a user's waiting emails of a kind, oldest first.
func (db *DB) PendingEmails(ctx context.Context, userID int64, kind string, limit int) ([]notify.EmailItem, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, user_id, kind, conversation_id, seq, created_at FROM notify_emails
		WHERE user_id = $1 AND kind = $2 ORDER BY id LIMIT $3`, userID, kind, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []notify.EmailItem
	for rows.Next() {
		var e notify.EmailItem
		if err := rows.Scan(&e.ID, &e.UserID, &e.Kind, &e.ConversationID, &e.Seq, &e.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// FinishEmails deletes the emails done and, when none of the batch is left, the batch.
func (db *DB) FinishEmails(ctx context.Context, userID int64, kind string, done []int64) (bool, error) {
	more := false
	err := db.InTx(ctx, func(tx *Tx) error {
		if tx.Engine == Postgres {
			var one int
			err := tx.QueryRowContext(ctx, "SELECT 1 FROM notify_batches WHERE user_id = $1 AND kind = $2 FOR UPDATE", userID, kind).Scan(&one)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		for chunk := range slices.Chunk(done, 500) {
			args := append([]any{userID}, int64Args(chunk)...)
			if _, err := tx.ExecContext(ctx, "DELETE FROM notify_emails WHERE user_id = $1 AND id IN ("+placeholders(2, len(chunk))+")", args...); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM notify_emails WHERE user_id = $1 AND kind = $2", userID, kind).Scan(&n); err != nil {
			return err
		}
		if more = n > 0; more {
			return nil
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM notify_batches WHERE user_id = $1 AND kind = $2", userID, kind)
		return err
	})
	return more, err
}

// ReadSeqs returns how far a user has read each conversation (0 for those never read).
func (db *DB) ReadSeqs(ctx context.Context, userID int64, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	for chunk := range slices.Chunk(ids, 500) {
		args := append([]any{userID}, int64Args(chunk)...)
		rows, err := db.read.QueryContext(ctx, "SELECT conversation_id, last_read_seq FROM read_cursors WHERE user_id = $1 AND conversation_id IN ("+
			placeholders(2, len(chunk))+")", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, seq int64
			if err := rows.Scan(&id, &seq); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = seq
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LastSaid returns the seq of the user's own last message in each conversation.
// UsersWithPushDevices says which of the users have at least one push subscription.
func (db *DB) UsersWithPushDevices(ctx context.Context, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for chunk := range slices.Chunk(ids, 500) {
		rows, err := db.read.QueryContext(ctx, "SELECT DISTINCT user_id FROM push_subscriptions WHERE user_id IN ("+placeholders(1, len(chunk))+")", int64Args(chunk)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (db *DB) LastSaid(ctx context.Context, userID int64, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	for chunk := range slices.Chunk(ids, 500) {
		args := append([]any{userID}, int64Args(chunk)...)
		rows, err := db.read.QueryContext(ctx, "SELECT conversation_id, MAX(seq) FROM messages WHERE sender_kind = 'agent' AND sender_id = $1 AND conversation_id IN ("+
			placeholders(2, len(chunk))+") GROUP BY conversation_id", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, seq int64
			if err := rows.Scan(&id, &seq); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = seq
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
