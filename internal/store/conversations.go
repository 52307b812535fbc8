package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/jobs"
)

// The live chat queries: inboxes as the rules see them, conversations and their logs
// (conversation.Repo).

var _ conversation.Repo = (*DB)(nil)

const inboxColumns = "id, kind, name, visibility, reopen_policy, COALESCE(installer_id, 0), created_at, updated_at, language"

func scanInbox(row interface{ Scan(...any) error }) (*inbox.Inbox, error) {
	var ib inbox.Inbox
	err := row.Scan(&ib.ID, &ib.Kind, &ib.Name, &ib.Visibility, &ib.ReopenPolicy, &ib.InstallerID, &ib.CreatedAt, &ib.UpdatedAt, &ib.Language)
	return &ib, err
}

// InboxByID returns an inbox.
func (db *DB) InboxByID(ctx context.Context, id int64) (*inbox.Inbox, error) {
	ib, err := scanInbox(db.read.QueryRowContext(ctx, "SELECT "+inboxColumns+" FROM inboxes WHERE id = $1", id))
	if err != nil {
		return nil, notFound(err, "inbox")
	}
	return ib, nil
}

// ListInboxes lists all inboxes by name.
func (db *DB) ListInboxes(ctx context.Context) ([]inbox.Inbox, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+inboxColumns+" FROM inboxes ORDER BY name, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []inbox.Inbox{}
	for rows.Next() {
		ib, err := scanInbox(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *ib)
	}
	return out, rows.Err()
}

// IsInboxMember reports whether the user is a member of the inbox.
func (db *DB) IsInboxMember(ctx context.Context, inboxID, userID int64) (bool, error) {
	var n int
	err := db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM inbox_members WHERE inbox_id = $1 AND user_id = $2", inboxID, userID).Scan(&n)
	return n > 0, err
}

// MemberInboxIDs lists the inboxes the user is a member of.
func (db *DB) MemberInboxIDs(ctx context.Context, userID int64) ([]int64, error) {
	return db.ids(ctx, "SELECT inbox_id FROM inbox_members WHERE user_id = $1 ORDER BY inbox_id", userID)
}

// InboxMemberIDs lists an inbox's members.
func (db *DB) InboxMemberIDs(ctx context.Context, inboxID int64) ([]int64, error) {
	return db.ids(ctx, "SELECT user_id FROM inbox_members WHERE inbox_id = $1 ORDER BY user_id", inboxID)
}

func (db *DB) ids(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// SetInboxMembers replaces an inbox's members.
func (db *DB) SetInboxMembers(ctx context.Context, inboxID int64, userIDs []int64, at int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM inbox_members WHERE inbox_id = $1", inboxID); err != nil {
			return err
		}
		seen := map[int64]bool{}
		for _, uid := range userIDs {
			if seen[uid] {
				continue
			}
			seen[uid] = true
			_, err := tx.ExecContext(ctx, "INSERT INTO inbox_members (inbox_id, user_id, created_at) VALUES ($1, $2, $3)", inboxID, uid, at)
			if IsForeignKeyViolation(err) {
				return errs.Coded(errs.Invalid, "unknown_user", "there is no user with id %d", uid)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

const contactColumns = "id, name, email, phone, notes, tags, attributes, COALESCE(website_id, 0), COALESCE(external_id, ''), created_at, updated_at"

func scanContact(row interface{ Scan(...any) error }) (*contact.Contact, error) {
	var c contact.Contact
	var tags, attrs string
	if err := row.Scan(&c.ID, &c.Name, &c.Email, &c.Phone, &c.Notes, &tags, &attrs, &c.WebsiteID, &c.ExternalID, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(tags), &c.Tags); err != nil {
		return nil, fmt.Errorf("contact %d tags: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(attrs), &c.Attributes); err != nil {
		return nil, fmt.Errorf("contact %d attributes: %w", c.ID, err)
	}
	return &c, nil
}

// ContactByID returns a contact.
func (db *DB) ContactByID(ctx context.Context, id int64) (*contact.Contact, error) {
	c, err := scanContact(db.read.QueryRowContext(ctx, "SELECT "+contactColumns+" FROM contacts WHERE id = $1", id))
	if err != nil {
		return nil, notFound(err, "contact")
	}
	return c, nil
}

const convColumns = `c.id, c.inbox_id, c.channel, c.contact_id, COALESCE(c.visitor_id, 0), c.status, COALESCE(c.assignee_id, 0),
	COALESCE(c.team_id, 0), c.last_seq, c.contact_read_seq, c.preview, COALESCE(c.rating, 0), c.created_at, c.updated_at,
	c.last_message_at, COALESCE(c.first_response_at, 0), COALESCE(c.joined_at, 0), COALESCE(c.closed_at, 0), c.with_bot, c.subject, c.spam`

func scanConversation(row interface{ Scan(...any) error }, extra ...any) (*conversation.Conversation, error) {
	var c conversation.Conversation
	var withBot, spam int64
	dest := []any{&c.ID, &c.InboxID, &c.Channel, &c.ContactID, &c.VisitorID, &c.Status, &c.AssigneeID, &c.TeamID, &c.LastSeq,
		&c.ContactReadSeq, &c.Preview, &c.Rating, &c.CreatedAt, &c.UpdatedAt, &c.LastMessageAt, &c.FirstResponseAt, &c.JoinedAt, &c.ClosedAt,
		&withBot, &c.Subject, &spam}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	c.WithBot, c.Spam = withBot != 0, spam != 0
	return &c, nil
}

// ConversationByID returns a conversation.
func (db *DB) ConversationByID(ctx context.Context, id int64) (*conversation.Conversation, error) {
	c, err := scanConversation(db.read.QueryRowContext(ctx, "SELECT "+convColumns+" FROM conversations c WHERE c.id = $1", id))
	if err != nil {
		return nil, notFound(err, "conversation")
	}
	return c, nil
}

// LatestConversation returns the contact's newest conversation in the inbox.
func (db *DB) LatestConversation(ctx context.Context, inboxID, contactID int64) (*conversation.Conversation, error) {
	c, err := scanConversation(db.read.QueryRowContext(ctx, "SELECT "+convColumns+
		" FROM conversations c WHERE c.inbox_id = $1 AND c.contact_id = $2 ORDER BY c.id DESC LIMIT 1", inboxID, contactID))
	if err != nil {
		return nil, notFound(err, "conversation")
	}
	return c, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func nullable(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Commit writes a conversation's new state and log entries in one transaction. An update is
// guarded by the last_seq it was decided on: a change committed in between makes it fail with
// conversation.ErrStale, and the caller decides again. Because every change appends to the log,
// last_seq is also the conversation's version; PostgreSQL's row lock and SQLite's single writer
// keep seq gapless and in commit order.
func (db *DB) Commit(ctx context.Context, w *conversation.Write) ([]conversation.Message, error) {
	if db.Engine == Postgres && w.Conv.ID != 0 && len(w.Append) == 1 && w.Run == nil && w.Append[0].AttachmentID == 0 &&
		len(w.Events) == 0 && len(w.Jobs) == 0 && len(w.Blobs) == 0 && w.Append[0].ExternalID == "" && w.Append[0].Delivery == nil &&
		w.Append[0].Original == nil && w.With == nil {
		return db.appendOne(ctx, w)
	}
	stored, err := db.commit(ctx, w)
	var taken *externalTaken
	if errors.As(err, &taken) {
		// Another delivery of the same channel message won: answer with it, as for a retry.
		orig, err := db.MessageByExternalID(ctx, taken.inboxID, taken.id)
		if err != nil {
			return nil, err
		}
		return nil, &conversation.DuplicateError{Message: *orig}
	}
	return stored, err
}

// externalTaken says an insert met a message of the inbox with the same channel id.
type externalTaken struct {
	inboxID int64
	id      string
}

func (e *externalTaken) Error() string { return "channel message id taken" }

func (db *DB) commit(ctx context.Context, w *conversation.Write) ([]conversation.Message, error) {
	var stored []conversation.Message
	// On failure w.Conv keeps what it was: a caller must never answer with the seq of an update
	// that was rolled back.
	was := *w.Conv
	err := db.InTx(ctx, func(tx *Tx) error {
		stored = stored[:0]
		*w.Conv = was
		if err := tx.lockPositions(ctx); err != nil {
			return err
		}
		c := w.Conv
		n := int64(len(w.Append))
		var base int64
		if c.ID == 0 {
			if err := latestUnchanged(ctx, tx, c.InboxID, c.ContactID, w.PrevID); err != nil {
				return err
			}
			err := tx.QueryRowContext(ctx, sqlInsertConversation,
				c.InboxID, c.ContactID, nullable(c.VisitorID), c.Channel, c.Status, nullable(c.AssigneeID), nullable(c.TeamID),
				n, c.Preview, c.CreatedAt, c.UpdatedAt, c.LastMessageAt, nullable(c.JoinedAt), boolInt(c.WithBot), c.Subject, boolInt(c.Spam),
				nullable(c.FirstResponseAt)).Scan(&c.ID)
			if err != nil {
				return fmt.Errorf("insert conversation: %w", err)
			}
			c.LastSeq = n
		} else {
			err := tx.QueryRowContext(ctx, sqlUpdateConversation,
				c.Status, nullable(c.AssigneeID), nullable(c.TeamID), n, c.Preview, nullable(int64(c.Rating)), c.UpdatedAt, c.LastMessageAt,
				nullable(c.FirstResponseAt), nullable(c.JoinedAt), nullable(c.ClosedAt), nullable(c.VisitorID), c.ID, w.ExpectSeq,
				boolInt(c.WithBot), c.Subject, boolInt(c.Spam)).Scan(&c.LastSeq)
			if errors.Is(err, sql.ErrNoRows) {
				return conversation.ErrStale
			}
			if err != nil {
				return fmt.Errorf("update conversation: %w", err)
			}
		}
		if w.Run != nil {
			r := w.Run
			r.ConversationID = c.ID
			_, err := tx.ExecContext(ctx, `INSERT INTO bot_runs (conversation_id, playbook_id, version, awaiting, state, live_card, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
				ON CONFLICT (conversation_id) DO UPDATE SET awaiting = excluded.awaiting, state = excluded.state,
				live_card = excluded.live_card, updated_at = excluded.updated_at`,
				r.ConversationID, r.PlaybookID, r.Version, r.Awaiting, r.State, r.LiveCard, r.CreatedAt, r.UpdatedAt)
			if err != nil {
				return fmt.Errorf("write bot run: %w", err)
			}
		}
		// Another domain's rows (the CRM records of an action card or the details panel): written
		// before the events and entries, whose payloads and lines carry the ids they get.
		if err := tx.applyWith(ctx, w.With, c.ID); err != nil {
			return err
		}
		// The change's other events first (a new conversation's conversation.created), then its
		// log entries.
		first, err := tx.takePositions(ctx, len(w.Events)+len(w.Append))
		if err != nil {
			return err
		}
		for i := range w.Events {
			e := &w.Events[i]
			if e.ConversationID == 0 && e.InboxID == 0 {
				e.ConversationID, e.InboxID = c.ID, c.InboxID
			}
			if e.ActorID == 0 {
				e.ActorID = w.ActorID
			}
		}
		if err := tx.writeEvents(ctx, w.Events, first, c.UpdatedAt); err != nil {
			return err
		}
		first += int64(len(w.Events))
		base = c.LastSeq - n
		for i, m := range w.Append {
			m.ConversationID, m.Seq, m.Position = c.ID, base+int64(i)+1, first+int64(i)
			err := insertMessage(ctx, tx, &m, c.InboxID)
			if errors.Is(err, sql.ErrNoRows) {
				// A retry: the conversation holds this client id already. Answer with the original;
				// returning an error undoes this write.
				orig, err := messageByClientID(ctx, tx, c.ID, m.ClientID)
				if err != nil {
					return err
				}
				return &conversation.DuplicateError{Message: *orig}
			}
			if m.ExternalID != "" && IsUniqueViolation(err) {
				return &externalTaken{inboxID: c.InboxID, id: m.ExternalID}
			}
			if err != nil {
				return fmt.Errorf("insert message: %w", err)
			}
			if m.AttachmentID != 0 {
				if m.Attachment, err = attachInTx(ctx, tx, m.AttachmentID, c.ID, w.Uploader); err != nil {
					return err
				}
				// A picture or file without a caption, last: the list's line says what it is.
				if i == len(w.Append)-1 && m.Body == "" && c.Preview == "" {
					c.Preview = attachmentPreview(m.Attachment)
					if _, err := tx.ExecContext(ctx, `UPDATE conversations SET preview = $1 WHERE id = $2`, c.Preview, c.ID); err != nil {
						return fmt.Errorf("attachment preview: %w", err)
					}
				}
			}
			if o := m.Original; o != nil {
				if _, err := tx.ExecContext(ctx, "INSERT INTO message_originals (message_id, text, html) VALUES ($1, $2, $3)", m.ID, o.Text, o.HTML); err != nil {
					return fmt.Errorf("insert original: %w", err)
				}
			}
			// The caller's entry learns its id and place too: a job in this write may name it.
			w.Append[i].ID, w.Append[i].Seq, w.Append[i].Position, w.Append[i].ConversationID = m.ID, m.Seq, m.Position, c.ID
			stored = append(stored, m)
		}
		for _, id := range w.Blobs {
			if _, err := attachInTx(ctx, tx, id, c.ID, w.Uploader); err != nil {
				return err
			}
		}
		for i := range w.Jobs {
			if w.Jobs[i].ConversationID == 0 {
				w.Jobs[i].ConversationID = c.ID
			}
		}
		return tx.writeJobs(ctx, db, w.Jobs)
	})
	if err != nil {
		*w.Conv = was
		return nil, err
	}
	return stored, nil
}

// pgAppend is Commit's most common write on PostgreSQL, one entry appended to an existing
// conversation (an agent's reply, a message sent over HTTP; a socket's messages take
// AppendToOpen), as one statement: the duplicate check, the guarded update, the entry's position
// and the insert. It runs in a pgx batch after sqlLockPositions (pgbatch.go), with the other
// appends made meanwhile, instead of a transaction of five round trips. When it writes nothing, the client
// id was taken or the guard failed; appendOne tells which. The position is taken only when the
// update happened, so a write that fails its guard leaves no gap.
const pgAppend = `WITH dup AS (SELECT 1 FROM messages WHERE conversation_id = $13 AND client_id = $16),
c AS (UPDATE conversations SET status = $1, assignee_id = $2, team_id = $3, last_seq = last_seq + $4,
	preview = $5, rating = $6, updated_at = $7, last_message_at = $8, first_response_at = $9, joined_at = $10, closed_at = $11,
	visitor_id = $12, with_bot = $15
	WHERE id = $13 AND last_seq = $14 AND NOT EXISTS (SELECT 1 FROM dup) RETURNING last_seq),
p AS (UPDATE event_counter SET position = position + 1 WHERE id = 1 AND EXISTS (SELECT 1 FROM c) RETURNING position)
INSERT INTO messages (conversation_id, seq, sender_kind, sender_id, kind, body, event, client_id, external_id, attachment_id, created_at, position)
SELECT $13, c.last_seq, $17::text, $18::bigint, $19::text, $20::text, $21::text, $16::text, $22::text, NULL, $23::bigint, p.position FROM c, p
RETURNING id, seq, position`

// appendOne writes w (one entry, existing conversation, no bot run, attachment, event or job)
// with pgAppend, batched with the other appends made meanwhile (pgbatch.go): one round trip, one
// commit, and one take of the position counter's lock for the whole batch.
func (db *DB) appendOne(ctx context.Context, w *conversation.Write) ([]conversation.Message, error) {
	return db.appends.write(ctx, w)
}

// pgAppendOpen is AppendToOpen on PostgreSQL as one statement (see pgAppend): the duplicate check,
// the update and the insert. No row: the conversation is not open (or not theirs), or the client
// id is taken. "inbox_id + 0" keeps PostgreSQL on the primary key: pgx prepares statements, and
// the generic plan for "inbox_id = $2 AND status = 'open'" chose the folder index, which holds every
// open conversation of the inbox (one message cost a scan of 10,000 entries).
const pgAppendOpen = `WITH c AS (UPDATE conversations AS c SET last_seq = c.last_seq + 1, preview = $4, updated_at = $5, last_message_at = $5,
	visitor_id = COALESCE($6, c.visitor_id), with_bot = 0
	WHERE c.id = $1 AND c.contact_id = $3 AND c.inbox_id + 0 = $2 AND c.status = 'open'
	AND NOT EXISTS (SELECT 1 FROM messages WHERE conversation_id = $1 AND client_id = $7)
	RETURNING ` + convColumns + `),
p AS (UPDATE event_counter SET position = position + 1 WHERE id = 1 AND EXISTS (SELECT 1 FROM c) RETURNING position),
m AS (INSERT INTO messages (conversation_id, seq, sender_kind, sender_id, kind, body, event, client_id, external_id, attachment_id, created_at, position)
	SELECT c.id, c.last_seq, $8::text, NULL, $9::text, $10::text, $11::text, $7::text, NULL, NULL, $5::bigint, p.position FROM c, p
	RETURNING id, position)
SELECT c.*, m.id, m.position FROM c, m`

// AppendToOpen writes a message into the contact's open conversation without reading it first
// (conversation.OpenAppend).
func (db *DB) AppendToOpen(ctx context.Context, a *conversation.OpenAppend) (*conversation.Conversation, error) {
	m := a.Message
	if db.Engine == Postgres {
		return db.appends.append(ctx, a) // batched with the appends made meanwhile (pgbatch.go)
	}
	var c *conversation.Conversation
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		c, err = scanConversation(tx.QueryRowContext(ctx, sqlAppendOpen, a.ConversationID, a.InboxID, a.ContactID, a.Preview, m.CreatedAt,
			nullable(a.VisitorID)))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "conversation not open")
		}
		if err != nil {
			return fmt.Errorf("append message: %w", err)
		}
		m.ConversationID, m.Seq = c.ID, c.LastSeq
		if m.Position, err = tx.takePositions(ctx, 1); err != nil {
			return err
		}
		err = insertMessage(ctx, tx, m, a.InboxID)
		if errors.Is(err, sql.ErrNoRows) {
			return notAppended(ctx, tx, a) // a retry: undo the update, answer with the original
		}
		if err != nil {
			return fmt.Errorf("insert message: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// notAppended tells why an OpenAppend wrote nothing: the message's client id is taken
// (DuplicateError with the original) or the conversation is not open (errs.NotFound).
func notAppended(ctx context.Context, q Querier, a *conversation.OpenAppend) error {
	if a.Message.ClientID != "" {
		orig, err := messageByClientID(ctx, q, a.ConversationID, a.Message.ClientID)
		if err == nil {
			return &conversation.DuplicateError{Message: *orig}
		}
		if !errs.Is(err, errs.NotFound) {
			return err
		}
	}
	return errs.E(errs.NotFound, "conversation not open")
}

// latestUnchanged fails with conversation.ErrStale when the contact's latest conversation in the
// inbox is no longer prevID, so that two first messages sent at once do not open a conversation
// each: the loser decides again and finds the winner's. SQLite's single writer serialises the
// check; on PostgreSQL the contact's row lock does (NO KEY UPDATE, so it does not block rows that
// merely reference the contact), and in READ COMMITTED the query after it sees what the previous
// holder committed.
func latestUnchanged(ctx context.Context, tx *Tx, inboxID, contactID, prevID int64) error {
	if tx.Engine == Postgres {
		var id int64
		err := tx.QueryRowContext(ctx, "SELECT id FROM contacts WHERE id = $1 FOR NO KEY UPDATE", contactID).Scan(&id)
		if err != nil {
			return notFound(err, "contact")
		}
	}
	var latest int64
	err := tx.QueryRowContext(ctx, sqlLatestConversationID, inboxID, contactID).Scan(&latest)
	if err != nil {
		return err
	}
	if latest != prevID {
		return conversation.ErrStale
	}
	return nil
}

// insertMessage inserts m (sqlInsertMessage) and sets its id. A channel id is unique in the inbox.
func insertMessage(ctx context.Context, tx *Tx, m *conversation.Message, inboxID int64) error {
	var inbox any
	if m.ExternalID != "" {
		inbox = inboxID
	}
	var d conversation.Delivery
	if m.Delivery != nil {
		d = *m.Delivery
	}
	return tx.QueryRowContext(ctx, sqlInsertMessage,
		m.ConversationID, m.Seq, m.SenderKind, nullable(m.SenderID), m.Kind, m.Body, conversation.EncodePayload(m),
		nullString(m.ClientID), nullString(m.ExternalID), nullable(m.AttachmentID), m.CreatedAt, m.Position,
		inbox, string(d.Status), d.Via, d.Error, nullable(d.At)).Scan(&m.ID)
}

// A sender's name is read from the sender as they are now, never stored with the message: the
// agent's user, the contact of the conversation for the contact's own messages (so renaming a
// contact renames their past messages too).
const messageColumns = `m.id, m.conversation_id, m.seq, m.sender_kind, COALESCE(m.sender_id, 0), m.kind, m.body, m.event,
	COALESCE(m.client_id, ''), COALESCE(m.external_id, ''), COALESCE(m.attachment_id, 0), m.created_at, COALESCE(m.position, 0),
	m.delivery, m.delivery_via, m.delivery_error, COALESCE(m.delivery_at, 0),
	COALESCE(u.name, NULLIF(ct.name, ''), NULLIF(ct.email, ''), ''), COALESCE(u.avatar_url, ''),
	COALESCE(b.name, ''), COALESCE(b.content_type, ''), COALESCE(b.size, 0), COALESCE(b.width, 0), COALESCE(b.height, 0)`

// The blob join reads only columns stored before the data, so no file is read.
const messageFrom = ` FROM messages m LEFT JOIN users u ON u.id = m.sender_id AND m.sender_kind = 'agent'
	LEFT JOIN conversations mc ON mc.id = m.conversation_id AND m.sender_kind = 'visitor'
	LEFT JOIN contacts ct ON ct.id = mc.contact_id
	LEFT JOIN blobs b ON b.id = m.attachment_id `

func scanMessage(row interface{ Scan(...any) error }) (*conversation.Message, error) {
	var m conversation.Message
	var stored string
	var f conversation.File
	var d conversation.Delivery
	if err := row.Scan(&m.ID, &m.ConversationID, &m.Seq, &m.SenderKind, &m.SenderID, &m.Kind, &m.Body, &stored, &m.ClientID, &m.ExternalID,
		&m.AttachmentID, &m.CreatedAt, &m.Position, &d.Status, &d.Via, &d.Error, &d.At,
		&m.SenderName, &m.SenderAvatar, &f.Name, &f.ContentType, &f.Size, &f.Width, &f.Height); err != nil {
		return nil, err
	}
	if d.Status != "" {
		m.Delivery = &d
	}
	if m.AttachmentID != 0 && f.ContentType != "" {
		f.ID = m.AttachmentID
		m.Attachment = &f
	}
	if err := conversation.DecodePayload(&m, stored); err != nil {
		return nil, fmt.Errorf("message %d payload: %w", m.ID, err)
	}
	return &m, nil
}

func messageByClientID(ctx context.Context, q Querier, convID int64, clientID string) (*conversation.Message, error) {
	m, err := scanMessage(q.QueryRowContext(ctx, "SELECT "+messageColumns+messageFrom+"WHERE m.conversation_id = $1 AND m.client_id = $2", convID, clientID))
	if err != nil {
		return nil, notFound(err, "message")
	}
	return m, nil
}

// MessageByClientID finds a message by its client id in a conversation.
func (db *DB) MessageByClientID(ctx context.Context, convID int64, clientID string) (*conversation.Message, error) {
	return messageByClientID(ctx, db.read, convID, clientID)
}

// Messages reads part of a conversation's log, oldest first. For the contact, entries they may
// not see are left out and the page is filled from further rows, so that a run of notes never
// looks like the end of the log to a client resuming after a seq.
func (db *DB) Messages(ctx context.Context, q conversation.LogQuery) ([]conversation.Message, error) {
	if q.Limit <= 0 {
		return []conversation.Message{}, nil
	}
	after, before := q.AfterSeq, q.BeforeSeq
	if after <= 0 && before <= 0 {
		before = math.MaxInt64 // the latest page: before every seq there is
	}
	out := []conversation.Message{}
	for len(out) < q.Limit {
		page, err := db.messagePage(ctx, q.ConversationID, after, before, q.Limit)
		if err != nil {
			return nil, err
		}
		for i := range page {
			if q.ForContact && !page[i].VisibleToContact() {
				continue
			}
			if len(out) < q.Limit {
				out = append(out, page[i])
			}
		}
		if len(page) < q.Limit {
			break
		}
		if after > 0 {
			after = page[len(page)-1].Seq
		} else {
			before = page[len(page)-1].Seq
		}
	}
	if after <= 0 {
		slices.Reverse(out) // read newest first
	}
	return out, nil
}

// messagePage reads up to limit entries: after seq `after`, oldest first, when after > 0;
// otherwise before seq `before`, newest first.
func (db *DB) messagePage(ctx context.Context, convID, after, before int64, limit int) ([]conversation.Message, error) {
	var rows *sql.Rows
	var err error
	if after > 0 {
		rows, err = db.read.QueryContext(ctx, "SELECT "+messageColumns+messageFrom+
			"WHERE m.conversation_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3", convID, after, limit)
	} else {
		rows, err = db.read.QueryContext(ctx, "SELECT "+messageColumns+messageFrom+
			"WHERE m.conversation_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3", convID, before, limit)
	}
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

// placeholders returns "$a, $a+1, …" for n values starting at $a.
func placeholders(a, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", a+i)
	}
	return b.String()
}

// scopeClause is conversation.Scope (the one translation of CanSee into SQL) as a condition on
// conversations c, with its arguments: $1 is the user's id. It is empty when the user sees no inbox.
// ListConversations and CountOpen share it, so a folder's count and its rows always agree.
func scopeClause(sc conversation.Scope) (string, []any) {
	args := []any{sc.UserID}
	var visible []string
	if len(sc.Full) > 0 {
		visible = append(visible, "c.inbox_id IN ("+placeholders(len(args)+1, len(sc.Full))+")")
		for _, id := range sc.Full {
			args = append(args, id)
		}
	}
	if len(sc.Limited) > 0 {
		visible = append(visible, "(c.inbox_id IN ("+placeholders(len(args)+1, len(sc.Limited))+
			") AND (c.status = 'closed' OR c.assignee_id IS NULL OR c.assignee_id = $1))")
		for _, id := range sc.Limited {
			args = append(args, id)
		}
	}
	if len(visible) == 0 {
		return "", args
	}
	// A conversation only the bot has spoken in is in nobody's folder yet.
	return "(" + strings.Join(visible, " OR ") + ") AND c.with_bot = 0", args
}

// folderClause keeps spam out of every folder but the Spam view, which holds only spam.
func folderClause(f conversation.Folder) string {
	if f == conversation.FolderSpam {
		return "c.spam = 1"
	}
	return "c.spam = 0"
}

// CountOpen counts the open conversations of the folders Unassigned, Mine, Others and All open
// within the user's scope narrowed by f, in one pass.
func (db *DB) CountOpen(ctx context.Context, sc conversation.Scope, f conversation.Filter) (conversation.Counts, error) {
	var n conversation.Counts
	visible, args := scopeClause(sc)
	if visible == "" {
		return n, nil
	}
	f.Status = ""
	narrow := db.filterClauses(f, &args)
	where := strings.Join(append([]string{visible, "c.status = 'open'", folderClause("")}, narrow...), " AND ")
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN c.assignee_id IS NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN c.assignee_id = $1 THEN 1 ELSE 0 END), 0)
		FROM conversations c WHERE `+where, args...).Scan(&n.Open, &n.Unassigned, &n.Mine)
	n.Others = n.Open - n.Unassigned - n.Mine
	if err != nil {
		return n, err
	}
	spam := strings.Join(append([]string{visible, folderClause(conversation.FolderSpam)}, narrow...), " AND ")
	err = db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM conversations c WHERE "+spam+" AND CAST($1 AS BIGINT) <> 0", args...).Scan(&n.Spam)
	return n, err
}

// listWhere is the condition of a folder narrowed by a filter within a scope, with its arguments
// ($1 is the user); empty when the user sees no inbox.
func (db *DB) listWhere(q conversation.ListQuery) ([]string, []any) {
	visible, args := scopeClause(q.Scope)
	if visible == "" {
		return nil, args
	}
	where := []string{visible, folderClause(q.Folder)}
	switch q.Folder {
	case conversation.FolderUnassigned:
		where = append(where, "c.status = 'open'", "c.assignee_id IS NULL")
	case conversation.FolderMine:
		where = append(where, "c.status = 'open'", "c.assignee_id = $1")
	case conversation.FolderOthers:
		where = append(where, "c.status = 'open'", "c.assignee_id IS NOT NULL", "c.assignee_id <> $1")
	case conversation.FolderOpen:
		where = append(where, "c.status = 'open'")
	case conversation.FolderClosed:
		where = append(where, "c.status = 'closed'")
	}
	return append(where, db.filterClauses(q.Filter, &args)...), args
}

// CountConversations counts every page of what ListConversations lists.
func (db *DB) CountConversations(ctx context.Context, q conversation.ListQuery) (int, error) {
	where, args := db.listWhere(q)
	if where == nil {
		return 0, nil
	}
	var n int
	err := db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM conversations c WHERE "+strings.Join(where, " AND ")+
		" AND CAST($1 AS BIGINT) <> 0", args...).Scan(&n)
	return n, err
}

// filterClauses translates a conversation.Filter into conditions on conversations c, adding
// their arguments.
func (db *DB) filterClauses(f conversation.Filter, args *[]any) []string {
	arg := func(v any) string {
		*args = append(*args, v)
		return fmt.Sprintf("$%d", len(*args))
	}
	var out []string
	if f.InboxID != 0 {
		out = append(out, "c.inbox_id = "+arg(f.InboxID))
	}
	if f.Channel != "" {
		out = append(out, "c.channel = "+arg(string(f.Channel)))
	}
	if f.Status != "" {
		out = append(out, "c.status = "+arg(string(f.Status)))
	}
	switch {
	case f.Assignee == conversation.Unassigned:
		out = append(out, "c.assignee_id IS NULL")
	case f.Assignee != 0:
		out = append(out, "c.assignee_id = "+arg(f.Assignee))
	}
	switch {
	case f.Team == conversation.Unassigned:
		out = append(out, "c.team_id IS NULL")
	case f.Team != 0:
		out = append(out, "c.team_id = "+arg(f.Team))
	}
	// Conditions on other tables are sets of ids, read once per query (an index on the set's
	// column where it is selective), not a lookup per conversation.
	for _, t := range f.Tags {
		out = append(out, "c.id IN (SELECT ct.conversation_id FROM conversation_tags ct WHERE ct.tag_id = "+arg(t)+")")
	}
	if len(f.Ratings) > 0 {
		var in []string
		for _, r := range f.Ratings {
			in = append(in, arg(r))
		}
		out = append(out, "c.rating IN ("+strings.Join(in, ", ")+")")
	}
	if f.PageURL != "" {
		like := "LIKE"
		if db.Engine == Postgres {
			like = "ILIKE" // SQLite's LIKE ignores ASCII case already
		}
		pattern := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(f.PageURL) + "%"
		out = append(out, "c.visitor_id IN (SELECT pv.visitor_id FROM page_views pv WHERE pv.url "+like+" "+arg(pattern)+` ESCAPE '\')`)
	}
	if f.IP.IsValid() {
		lo, hi := IPKeyRange(f.IP)
		out = append(out, "c.visitor_id IN (SELECT fv.id FROM visitors fv WHERE fv.ip_key BETWEEN "+arg(lo)+" AND "+arg(hi)+")")
	}
	if f.Country != "" {
		out = append(out, "c.visitor_id IN (SELECT fv.id FROM visitors fv WHERE fv.country = "+arg(f.Country)+")")
	}
	for _, h := range []struct {
		has   *bool
		table string
	}{{f.HasLead, "lead"}, {f.HasDeal, "deal"}} {
		if h.has == nil {
			continue
		}
		set := "(SELECT r.conversation_id FROM " + h.table + "s r WHERE r.conversation_id IS NOT NULL UNION " +
			"SELECT k.conversation_id FROM conversation_links k WHERE k.record_type = '" + h.table + "')"
		if *h.has {
			out = append(out, "c.id IN "+set)
		} else {
			out = append(out, "c.id NOT IN "+set)
		}
	}
	for _, r := range []struct {
		rng    conversation.Range
		column string
	}{{f.Created, "c.created_at"}, {f.Closed, "c.closed_at"}, {f.LastMessage, "c.last_message_at"}} {
		if r.rng.From != 0 {
			out = append(out, r.column+" >= "+arg(r.rng.From))
		}
		if r.rng.To != 0 {
			out = append(out, r.column+" < "+arg(r.rng.To))
		}
	}
	return out
}

// ListConversations lists a folder within the user's scope (conversation.Scope: the one
// translation of CanSee into SQL), newest activity first.
func (db *DB) ListConversations(ctx context.Context, q conversation.ListQuery) ([]conversation.Conversation, error) {
	where, args := db.listWhere(q)
	if where == nil {
		return []conversation.Conversation{}, nil
	}
	if q.Before != 0 {
		args = append(args, q.Before, q.BeforeID)
		where = append(where, fmt.Sprintf("(c.last_message_at < $%d OR (c.last_message_at = $%d AND c.id < $%d))", len(args)-1, len(args)-1, len(args)))
	}
	args = append(args, q.Limit)
	query := "SELECT " + convColumns + `, COALESCE(NULLIF(ct.name, ''), NULLIF(ct.email, ''), ''),
		(SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id AND m.sender_kind = 'visitor'
			AND m.seq > COALESCE((SELECT r.last_read_seq FROM read_cursors r WHERE r.conversation_id = c.id AND r.user_id = $1), 0)),
		COALESCE(v.country, '')
		FROM conversations c JOIN contacts ct ON ct.id = c.contact_id LEFT JOIN visitors v ON v.id = c.visitor_id
		WHERE ` + strings.Join(where, " AND ") + fmt.Sprintf(" ORDER BY c.last_message_at DESC, c.id DESC LIMIT $%d", len(args))
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []conversation.Conversation{}
	for rows.Next() {
		var name, country string
		var unread int
		c, err := scanConversation(rows, &name, &unread, &country)
		if err != nil {
			return nil, err
		}
		c.ContactName, c.Unread, c.ContactCountry = name, unread, country
		if c.ContactName == "" {
			c.ContactName = "Visitor"
		}
		out = append(out, *c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ids := make([]int64, len(out))
	for i := range out {
		ids[i] = out[i].ID
	}
	tags, err := db.tagsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Tags = tags[out[i].ID]
	}
	return out, nil
}

// MarkRead moves a user's read cursor forward (never back).
func (db *DB) MarkRead(ctx context.Context, convID, userID, seq int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO read_cursors (conversation_id, user_id, last_read_seq) VALUES ($1, $2, $3)
			ON CONFLICT (conversation_id, user_id) DO UPDATE SET last_read_seq = CASE
				WHEN excluded.last_read_seq > read_cursors.last_read_seq THEN excluded.last_read_seq ELSE read_cursors.last_read_seq END`,
			convID, userID, seq)
		return err
	})
}

// MarkContactRead moves the contact's read cursor forward.
func (db *DB) MarkContactRead(ctx context.Context, convID, seq int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE conversations SET contact_read_seq = $1 WHERE id = $2 AND contact_read_seq < $1", seq, convID)
		return err
	})
}

// DeleteConversation removes a conversation and everything that is its history: messages,
// attachments and read cursors (by cascade), the visitor's page views up to now, and pending jobs
// keyed to it ("conversation:<id>…"). Contacts, leads, deals and notes stay.
func (db *DB) DeleteConversation(ctx context.Context, c *conversation.Conversation, evs ...event.Event) error {
	id := c.ID
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		var visitorID sql.NullInt64
		var lastAt int64
		err := tx.QueryRowContext(ctx, "SELECT visitor_id, last_message_at FROM conversations WHERE id = $1", id).Scan(&visitorID, &lastAt)
		if err != nil {
			return notFound(err, "conversation")
		}
		if visitorID.Valid {
			if _, err := tx.ExecContext(ctx, "DELETE FROM page_views WHERE visitor_id = $1 AND at <= $2", visitorID.Int64, lastAt); err != nil {
				return err
			}
		}
		// Its pending jobs are cancelled (a running job's handler sees its ctx end at its next
		// lease extension), whatever their key, and emptied: a payload may quote the conversation.
		// The database's clock, as for every job time.
		now, err := db.clockIn(ctx, tx)
		if err != nil {
			return err
		}
		if err := jobs.CancelConversation(ctx, tx, id, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE jobs SET payload = '{}', errors = '[]' WHERE conversation_id = $1`, id); err != nil {
			return err
		}
		// Its messages leave the search index with it (on SQLite a trigger takes their words).
		if _, err := tx.ExecContext(ctx, "DELETE FROM search_docs WHERE conversation_id = $1", id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM conversations WHERE id = $1", id)
		return err
	})
}

// ConversationsOfContact lists a contact's conversations, newest first.
func (db *DB) ConversationsOfContact(ctx context.Context, contactID int64) ([]conversation.Conversation, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+convColumns+" FROM conversations c WHERE c.contact_id = $1 ORDER BY c.id DESC LIMIT 200", contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []conversation.Conversation{}
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

// attachInTx ties an upload to the conversation its message is in. Only the uploader's own blob,
// not yet attached elsewhere, may be attached: ids are guessable.
// attachmentPreview is the list line of a message that is only a picture or a file: "📷" for a
// picture (the inbox words it in the agent's language), "📎" and the name for another file.
func attachmentPreview(f *conversation.File) string {
	if strings.HasPrefix(f.ContentType, "image/") {
		return "📷"
	}
	return strings.TrimSpace("📎 " + f.Name)
}

func attachInTx(ctx context.Context, tx *Tx, blobID, convID int64, uploader string) (*conversation.File, error) {
	f := conversation.File{ID: blobID}
	var w, h sql.NullInt64
	err := tx.QueryRowContext(ctx, `UPDATE blobs SET conversation_id = $1 WHERE id = $2 AND uploader = $3
		AND (conversation_id IS NULL OR conversation_id = $1) RETURNING name, content_type, size, width, height`,
		convID, blobID, uploader).Scan(&f.Name, &f.ContentType, &f.Size, &w, &h)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.Coded(errs.NotFound, "attachment_not_found", "attachment %d not found", blobID)
	}
	if err != nil {
		return nil, err
	}
	f.Width, f.Height = int(w.Int64), int(h.Int64)
	return &f, nil
}

// BotRun returns where the playbook stands in a conversation.
func (db *DB) BotRun(ctx context.Context, conversationID int64) (*conversation.BotRun, error) {
	var r conversation.BotRun
	err := db.read.QueryRowContext(ctx, `SELECT conversation_id, playbook_id, version, awaiting, state, live_card, created_at, updated_at
		FROM bot_runs WHERE conversation_id = $1`, conversationID).Scan(&r.ConversationID, &r.PlaybookID, &r.Version, &r.Awaiting,
		&r.State, &r.LiveCard, &r.CreatedAt, &r.UpdatedAt)
	if err != nil {
		return nil, notFound(err, "bot run")
	}
	return &r, nil
}

// InboxMemberships returns every inbox's members (conversation.DirectoryRepo).
func (db *DB) InboxMemberships(ctx context.Context) (map[int64][]int64, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT inbox_id, user_id FROM inbox_members ORDER BY inbox_id, user_id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var inboxID, userID int64
		if err := rows.Scan(&inboxID, &userID); err != nil {
			return nil, err
		}
		out[inboxID] = append(out[inboxID], userID)
	}
	return out, rows.Err()
}
