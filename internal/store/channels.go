package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/channel/email"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/jobs"
)

// What channels need of the conversation log: messages by their channel id, deliveries, the
// originals channels keep, reply tokens, leases and IMAP states.

// MessageByExternalID finds the message a channel's own id names in an inbox.
func (db *DB) MessageByExternalID(ctx context.Context, inboxID int64, externalID string) (*conversation.Message, error) {
	m, err := scanMessage(db.read.QueryRowContext(ctx, "SELECT "+messageColumns+messageFrom+"WHERE m.external_id = $1 AND m.inbox_id = $2",
		externalID, inboxID))
	if err != nil {
		return nil, notFound(err, "message")
	}
	return m, nil
}

// MessagesByExternalID finds the messages a channel id names in any inbox (an email's
// In-Reply-To names one message, but the same mail may be in two inboxes), newest first.
func (db *DB) MessagesByExternalID(ctx context.Context, externalID string) ([]conversation.Message, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+messageColumns+messageFrom+"WHERE m.external_id = $1 ORDER BY m.id DESC LIMIT 10", externalID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []conversation.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *m)
	}
	return out, rows.Err()
}

// MessageByID returns a message of a conversation.
func (db *DB) MessageByID(ctx context.Context, conversationID, id int64) (*conversation.Message, error) {
	m, err := scanMessage(db.read.QueryRowContext(ctx, "SELECT "+messageColumns+messageFrom+"WHERE m.id = $1 AND m.conversation_id = $2", id, conversationID))
	if err != nil {
		return nil, notFound(err, "message")
	}
	return m, nil
}

// ExternalIDs returns the channel ids of a conversation's messages up to seq, oldest first, at most
// limit of the latest (an email's References).
func (db *DB) ExternalIDs(ctx context.Context, conversationID, seq int64, limit int) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT external_id FROM messages WHERE conversation_id = $1 AND seq <= $2 AND external_id IS NOT NULL
		ORDER BY seq DESC LIMIT $3`, conversationID, seq, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	slices.Reverse(out)
	return out, rows.Err()
}

// Original returns what a channel hid from a message.
func (db *DB) Original(ctx context.Context, messageID int64) (*conversation.Original, error) {
	var o conversation.Original
	err := db.read.QueryRowContext(ctx, "SELECT text, html FROM message_originals WHERE message_id = $1", messageID).Scan(&o.Text, &o.HTML)
	if err != nil {
		return nil, notFound(err, "original")
	}
	return &o, nil
}

// SetDelivery applies a delivery change with its events and jobs in one transaction, only while
// the message's delivery is one of ch.From (conversation.ErrDeliveryMoved otherwise).
func (db *DB) SetDelivery(ctx context.Context, ch *conversation.DeliveryChange) error {
	q := `UPDATE messages SET delivery = $1, delivery_via = $2, delivery_error = $3, delivery_at = $4 WHERE id = $5 AND conversation_id = $6`
	args := []any{string(ch.Delivery.Status), ch.Delivery.Via, ch.Delivery.Error, nullable(ch.Delivery.At), ch.MessageID, ch.ConversationID}
	if len(ch.From) > 0 {
		var in []string
		for _, st := range ch.From {
			args = append(args, string(st))
			in = append(in, fmt.Sprintf("$%d", len(args)))
		}
		q += " AND delivery IN (" + strings.Join(in, ", ") + ")"
	}
	return db.eventTx(ctx, &Unit{Events: ch.Events, Jobs: ch.Jobs}, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conversation.ErrDeliveryMoved
		}
		if ch.ExternalID == "" {
			return nil
		}
		_, err = tx.ExecContext(ctx, "UPDATE messages SET external_id = $1, inbox_id = $2 WHERE id = $3 AND external_id IS NULL",
			ch.ExternalID, ch.InboxID, ch.MessageID)
		return err
	})
}

// EnqueueJobs commits jobs that go with no other change.
func (db *DB) EnqueueJobs(ctx context.Context, specs ...jobs.Spec) error {
	return db.Emit(ctx, Unit{Jobs: specs})
}

// ReplyToken returns the conversation's reply token, giving it fresh (made by newToken) when it
// has none yet. Two nodes asking at once agree on the first one written.
func (db *DB) ReplyToken(ctx context.Context, conversationID int64, newToken func() string) (string, error) {
	var token sql.NullString
	err := db.read.QueryRowContext(ctx, "SELECT reply_token FROM conversations WHERE id = $1", conversationID).Scan(&token)
	if err != nil {
		return "", notFound(err, "conversation")
	}
	if token.Valid {
		return token.String, nil
	}
	err = db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE conversations SET reply_token = $1 WHERE id = $2 AND reply_token IS NULL", newToken(), conversationID)
		if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT reply_token FROM conversations WHERE id = $1", conversationID).Scan(&token)
	})
	if err != nil {
		return "", err
	}
	return token.String, nil
}

// ConversationByReplyToken finds the conversation a reply address names.
func (db *DB) ConversationByReplyToken(ctx context.Context, token string) (*conversation.Conversation, error) {
	c, err := scanConversation(db.read.QueryRowContext(ctx, "SELECT "+convColumns+" FROM conversations c WHERE c.reply_token = $1", token))
	if err != nil {
		return nil, notFound(err, "conversation")
	}
	return c, nil
}

// RecentOpen lists the contact's open conversations in the inbox (not spam) that had a message
// since since, newest first, at most 20.
func (db *DB) RecentOpen(ctx context.Context, inboxID, contactID int64, since int64) ([]conversation.Conversation, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+convColumns+` FROM conversations c WHERE c.inbox_id = $1 AND c.contact_id = $2
		AND c.status = 'open' AND c.spam = 0 AND c.last_message_at >= $3 ORDER BY c.last_message_at DESC LIMIT 20`, inboxID, contactID, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []conversation.Conversation
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

// TakeLease makes holder the holder of the lease name for ttl, unless another holder's lease has
// not expired; it reports whether holder holds it now. Holding it already extends it.
func (db *DB) TakeLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now, err := db.Now(ctx)
	if err != nil {
		return false, err
	}
	held := false
	err = db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO leases (name, holder, until, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until, updated_at = excluded.updated_at
			WHERE leases.holder = excluded.holder OR leases.until < excluded.updated_at`, name, holder, now+ttl.Milliseconds(), now)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		held = n > 0
		return err
	})
	return held, err
}

// ReleaseLease gives up holder's lease name, so another node may take it at once.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM leases WHERE name = $1 AND holder = $2", name, holder)
		return err
	})
}

// IMAPStateOf returns where fetching stopped in a mailbox's folder (the zero state when none is
// stored: start from now).
func (db *DB) IMAPStateOf(ctx context.Context, mailbox, folder string) (email.State, error) {
	var validity, last, since int64
	err := db.read.QueryRowContext(ctx, "SELECT uid_validity, last_uid, since FROM imap_states WHERE mailbox = $1 AND folder = $2", mailbox, folder).
		Scan(&validity, &last, &since)
	if errors.Is(err, sql.ErrNoRows) {
		return email.State{}, nil
	}
	if err != nil {
		return email.State{}, err
	}
	return email.State{UIDValidity: uint32(validity), LastUID: uint32(last), Since: time.UnixMilli(since).UTC()}, nil
}

// SaveIMAPState stores where fetching stopped in a mailbox's folder.
func (db *DB) SaveIMAPState(ctx context.Context, mailbox, folder string, st email.State) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO imap_states (mailbox, folder, uid_validity, last_uid, since, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (mailbox, folder) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid, since = excluded.since,
			updated_at = excluded.updated_at`, mailbox, folder, int64(st.UIDValidity), int64(st.LastUID), st.Since.UnixMilli(), time.Now().UnixMilli())
		return err
	})
}

// SetExternalID gives a message of the inbox the channel id id unless it has one, and returns the
// one it has.
func (db *DB) SetExternalID(ctx context.Context, inboxID, msgID int64, id string) (string, error) {
	var got string
	err := db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE messages SET external_id = $1, inbox_id = $2 WHERE id = $3 AND external_id IS NULL", id, inboxID, msgID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT COALESCE(external_id, '') FROM messages WHERE id = $1", msgID).Scan(&got)
	})
	if err != nil {
		return "", notFound(err, "message")
	}
	return got, nil
}
