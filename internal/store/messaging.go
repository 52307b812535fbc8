package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/parleyhq/parley/internal/channel"
	"github.com/parleyhq/parley/internal/channel/messenger"
	"github.com/parleyhq/parley/internal/channel/whatsapp"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
)

// Messenger and WhatsApp (messenger.Repo, whatsapp.Repo): an inboxes row of their kind and its
// settings row, tokens and secrets sealed; the people channels know by their own ids
// (channel_contacts); what the reply windows and receipts need of the log.

var (
	_ messenger.Repo = (*DB)(nil)
	_ whatsapp.Repo  = (*DB)(nil)
)

var (
	messengerToken       = sealedColumn{table: "messenger_inboxes", id: "inbox_id", column: "access_token", purpose: "messenger_inbox:%d:access_token"}
	messengerAppSecret   = sealedColumn{table: "messenger_inboxes", id: "inbox_id", column: "app_secret", purpose: "messenger_inbox:%d:app_secret"}
	messengerVerifyToken = sealedColumn{table: "messenger_inboxes", id: "inbox_id", column: "verify_token", purpose: "messenger_inbox:%d:verify_token"}
	whatsappAuthToken    = sealedColumn{table: "whatsapp_inboxes", id: "inbox_id", column: "auth_token", purpose: "whatsapp_inbox:%d:auth_token"}
	whatsappAPIKeySecret = sealedColumn{table: "whatsapp_inboxes", id: "inbox_id", column: "api_key_secret", purpose: "whatsapp_inbox:%d:api_key_secret"}
)

// insertInbox inserts the inboxes row of a channel inbox, with its installer as its first member.
func insertInbox(ctx context.Context, tx *Tx, ib *inbox.Inbox) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO inboxes (kind, name, visibility, reopen_policy, installer_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		ib.Kind, ib.Name, ib.Visibility, ib.ReopenPolicy, nullable(ib.InstallerID), ib.CreatedAt, ib.UpdatedAt).Scan(&ib.ID)
	if err != nil {
		return err
	}
	if ib.InstallerID != 0 {
		_, err = tx.ExecContext(ctx, "INSERT INTO inbox_members (inbox_id, user_id, created_at) VALUES ($1, $2, $3)", ib.ID, ib.InstallerID, ib.CreatedAt)
	}
	return err
}

func updateInbox(ctx context.Context, tx *Tx, ib *inbox.Inbox, what string) error {
	return expectOne(tx.ExecContext(ctx, "UPDATE inboxes SET name = $1, visibility = $2, reopen_policy = $3, updated_at = $4 WHERE id = $5",
		ib.Name, ib.Visibility, ib.ReopenPolicy, ib.UpdatedAt, ib.ID))(what)
}

// sealAll seals the secrets of one row; an empty one stays empty.
func (db *DB) sealAll(id int64, pairs ...any) ([]string, error) {
	out := make([]string, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		s, err := db.sealOptional(pairs[i].(sealedColumn), id, pairs[i+1].(string))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// ---- Messenger

const messengerSelect = `SELECT i.id, i.kind, i.name, i.visibility, i.reopen_policy, COALESCE(i.installer_id, 0), i.created_at, i.updated_at,
	m.page_id, m.page_name, m.access_token, m.app_secret, m.verify_token, m.human_agent, m.profiles
	FROM inboxes i JOIN messenger_inboxes m ON m.inbox_id = i.id `

func (db *DB) scanMessengerPage(row interface{ Scan(...any) error }) (*messenger.Page, error) {
	var p messenger.Page
	var human, profiles int
	if err := row.Scan(&p.ID, &p.Kind, &p.Name, &p.Visibility, &p.ReopenPolicy, &p.InstallerID, &p.CreatedAt, &p.UpdatedAt,
		&p.PageID, &p.PageName, &p.AccessToken, &p.AppSecret, &p.VerifyToken, &human, &profiles); err != nil {
		return nil, err
	}
	p.HumanAgent, p.Profiles = human != 0, profiles != 0
	var err error
	if p.AccessToken, err = db.openSecret(messengerToken, p.ID, p.AccessToken); err != nil {
		return nil, err
	}
	if p.AppSecret, err = db.openSecret(messengerAppSecret, p.ID, p.AppSecret); err != nil {
		return nil, err
	}
	if p.VerifyToken, err = db.openSecret(messengerVerifyToken, p.ID, p.VerifyToken); err != nil {
		return nil, err
	}
	return &p, nil
}

func errPageTaken(id string) error {
	return errs.Coded(errs.Conflict, "page_taken", "the Facebook Page %s is connected already", id)
}

// CreateMessengerPage inserts a connected Page and sets its id.
func (db *DB) CreateMessengerPage(ctx context.Context, p *messenger.Page, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		p.Kind = inbox.Messenger
		if err := insertInbox(ctx, tx, &p.Inbox); err != nil {
			return err
		}
		sealed, err := db.sealAll(p.ID, messengerToken, p.AccessToken, messengerAppSecret, p.AppSecret, messengerVerifyToken, p.VerifyToken)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO messenger_inboxes (inbox_id, page_id, page_name, access_token, app_secret, verify_token, human_agent, profiles)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, p.ID, p.PageID, p.PageName, sealed[0], sealed[1], sealed[2], boolInt(p.HumanAgent), boolInt(p.Profiles))
		if IsUniqueViolation(err) {
			return errPageTaken(p.PageID)
		}
		return err
	})
}

// UpdateMessengerPage saves a connected Page.
func (db *DB) UpdateMessengerPage(ctx context.Context, p *messenger.Page, evs ...event.Event) error {
	sealed, err := db.sealAll(p.ID, messengerToken, p.AccessToken, messengerAppSecret, p.AppSecret, messengerVerifyToken, p.VerifyToken)
	if err != nil {
		return err
	}
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		if err := updateInbox(ctx, tx, &p.Inbox, "Messenger Page"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE messenger_inboxes SET page_id = $1, page_name = $2, access_token = $3, app_secret = $4, verify_token = $5,
			human_agent = $6, profiles = $7 WHERE inbox_id = $8`, p.PageID, p.PageName, sealed[0], sealed[1], sealed[2], boolInt(p.HumanAgent),
			boolInt(p.Profiles), p.ID)
		if IsUniqueViolation(err) {
			return errPageTaken(p.PageID)
		}
		return err
	})
}

// MessengerPageByID returns a connected Page with its secrets.
func (db *DB) MessengerPageByID(ctx context.Context, id int64) (*messenger.Page, error) {
	p, err := db.scanMessengerPage(db.read.QueryRowContext(ctx, messengerSelect+"WHERE i.id = $1", id))
	if err != nil {
		return nil, notFound(err, "Messenger Page")
	}
	return p, nil
}

// ListMessengerPages lists the connected Pages by name, with their secrets.
func (db *DB) ListMessengerPages(ctx context.Context) ([]messenger.Page, error) {
	rows, err := db.read.QueryContext(ctx, messengerSelect+"ORDER BY i.name, i.id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []messenger.Page{}
	for rows.Next() {
		p, err := db.scanMessengerPage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, rows.Err()
}

// ---- WhatsApp

const whatsappSelect = `SELECT i.id, i.kind, i.name, i.visibility, i.reopen_policy, COALESCE(i.installer_id, 0), i.created_at, i.updated_at,
	w.account_sid, w.auth_token, w.api_key_sid, w.api_key_secret, w.sender, w.messaging_service_sid
	FROM inboxes i JOIN whatsapp_inboxes w ON w.inbox_id = i.id `

func (db *DB) scanWhatsAppNumber(row interface{ Scan(...any) error }) (*whatsapp.Number, error) {
	var n whatsapp.Number
	if err := row.Scan(&n.ID, &n.Kind, &n.Name, &n.Visibility, &n.ReopenPolicy, &n.InstallerID, &n.CreatedAt, &n.UpdatedAt,
		&n.AccountSID, &n.AuthToken, &n.APIKeySID, &n.APIKeySecret, &n.Sender, &n.MessagingServiceSID); err != nil {
		return nil, err
	}
	var err error
	if n.AuthToken, err = db.openSecret(whatsappAuthToken, n.ID, n.AuthToken); err != nil {
		return nil, err
	}
	if n.APIKeySecret, err = db.openSecret(whatsappAPIKeySecret, n.ID, n.APIKeySecret); err != nil {
		return nil, err
	}
	return &n, nil
}

// CreateWhatsAppNumber inserts a connected WhatsApp sender and sets its id.
func (db *DB) CreateWhatsAppNumber(ctx context.Context, n *whatsapp.Number, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		n.Kind = inbox.WhatsApp
		if err := insertInbox(ctx, tx, &n.Inbox); err != nil {
			return err
		}
		sealed, err := db.sealAll(n.ID, whatsappAuthToken, n.AuthToken, whatsappAPIKeySecret, n.APIKeySecret)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO whatsapp_inboxes (inbox_id, account_sid, auth_token, api_key_sid, api_key_secret, sender, messaging_service_sid)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, n.ID, n.AccountSID, sealed[0], n.APIKeySID, sealed[1], n.Sender, n.MessagingServiceSID)
		return err
	})
}

// UpdateWhatsAppNumber saves a connected WhatsApp sender.
func (db *DB) UpdateWhatsAppNumber(ctx context.Context, n *whatsapp.Number, evs ...event.Event) error {
	sealed, err := db.sealAll(n.ID, whatsappAuthToken, n.AuthToken, whatsappAPIKeySecret, n.APIKeySecret)
	if err != nil {
		return err
	}
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		if err := updateInbox(ctx, tx, &n.Inbox, "WhatsApp sender"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE whatsapp_inboxes SET account_sid = $1, auth_token = $2, api_key_sid = $3, api_key_secret = $4, sender = $5,
			messaging_service_sid = $6 WHERE inbox_id = $7`, n.AccountSID, sealed[0], n.APIKeySID, sealed[1], n.Sender, n.MessagingServiceSID, n.ID)
		return err
	})
}

// WhatsAppNumberByID returns a connected WhatsApp sender with its secrets.
func (db *DB) WhatsAppNumberByID(ctx context.Context, id int64) (*whatsapp.Number, error) {
	n, err := db.scanWhatsAppNumber(db.read.QueryRowContext(ctx, whatsappSelect+"WHERE i.id = $1", id))
	if err != nil {
		return nil, notFound(err, "WhatsApp sender")
	}
	return n, nil
}

// ListWhatsAppNumbers lists the connected WhatsApp senders by name, with their secrets.
func (db *DB) ListWhatsAppNumbers(ctx context.Context) ([]whatsapp.Number, error) {
	rows, err := db.read.QueryContext(ctx, whatsappSelect+"ORDER BY i.name, i.id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []whatsapp.Number{}
	for rows.Next() {
		n, err := db.scanWhatsAppNumber(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *n)
	}
	return out, rows.Err()
}

// ---- The people channels know by their own ids

// ContactByChannel returns the contact a channel knows by its own id in an inbox.
func (db *DB) ContactByChannel(ctx context.Context, inboxID int64, externalID string) (*contact.Contact, error) {
	c, err := scanContact(db.read.QueryRowContext(ctx, "SELECT "+contactColumns+` FROM contacts
		WHERE id = (SELECT contact_id FROM channel_contacts WHERE inbox_id = $1 AND external_id = $2)`, inboxID, externalID))
	if err != nil {
		return nil, notFound(err, "contact")
	}
	return c, nil
}

// CreateChannelContact inserts a contact (of no website) and the channel's id of them in the inbox,
// in one transaction with evs; errs.Conflict "channel_contact_taken" when the id is taken.
func (db *DB) CreateChannelContact(ctx context.Context, c *contact.Contact, inboxID int64, externalID string, evs ...event.Event) error {
	tags, attrs, err := contactJSON(c)
	if err != nil {
		return err
	}
	err = db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO contacts (name, email, phone, notes, tags, attributes, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			c.Name, c.Email, c.Phone, c.Notes, tags, attrs, c.CreatedAt, c.UpdatedAt).Scan(&c.ID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO channel_contacts (inbox_id, external_id, contact_id, created_at) VALUES ($1, $2, $3, $4)`,
			inboxID, externalID, c.ID, c.CreatedAt)
		return err
	})
	if IsUniqueViolation(err) {
		c.ID = 0
		return errs.Coded(errs.Conflict, "channel_contact_taken", "the channel's id is another contact's already")
	}
	return err
}

// ContactsWithPhone lists up to limit contacts with this phone, newest first.
func (db *DB) ContactsWithPhone(ctx context.Context, phone string, limit int) ([]int64, error) {
	return db.ids(ctx, "SELECT id FROM contacts WHERE phone = $1 ORDER BY id DESC LIMIT $2", phone, limit)
}

const knownColumns = "inbox_id, external_id, contact_id, COALESCE(picture_id, 0), profile_at, last_inbound_at"

func scanKnown(row interface{ Scan(...any) error }) (*channel.Known, error) {
	var k channel.Known
	if err := row.Scan(&k.InboxID, &k.ExternalID, &k.ContactID, &k.PictureID, &k.ProfileAt, &k.LastInboundAt); err != nil {
		return nil, err
	}
	return &k, nil
}

// ChannelContact returns what a channel knows of a person by its own id in an inbox.
func (db *DB) ChannelContact(ctx context.Context, inboxID int64, externalID string) (*channel.Known, error) {
	k, err := scanKnown(db.read.QueryRowContext(ctx, "SELECT "+knownColumns+" FROM channel_contacts WHERE inbox_id = $1 AND external_id = $2",
		inboxID, externalID))
	if err != nil {
		return nil, notFound(err, "channel contact")
	}
	return k, nil
}

// ChannelIDOf returns the channel's id of a contact in an inbox (the one they wrote from last).
func (db *DB) ChannelIDOf(ctx context.Context, inboxID, contactID int64) (string, error) {
	var id string
	err := db.read.QueryRowContext(ctx, `SELECT external_id FROM channel_contacts WHERE inbox_id = $1 AND contact_id = $2
		ORDER BY last_inbound_at DESC, created_at DESC LIMIT 1`, inboxID, contactID).Scan(&id)
	if err != nil {
		return "", notFound(err, "channel contact")
	}
	return id, nil
}

// TouchChannelContact records that the person wrote at at (unix ms), unless a later message was
// recorded already.
func (db *DB) TouchChannelContact(ctx context.Context, inboxID int64, externalID string, at int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE channel_contacts SET last_inbound_at = $1 WHERE inbox_id = $2 AND external_id = $3 AND last_inbound_at < $1`,
			at, inboxID, externalID)
		return err
	})
}

// SetChannelPicture records a person's profile picture (0: none) and when their profile was read.
func (db *DB) SetChannelPicture(ctx context.Context, inboxID int64, externalID string, blobID, at int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE channel_contacts SET picture_id = COALESCE($1, picture_id), profile_at = $2
			WHERE inbox_id = $3 AND external_id = $4`, nullable(blobID), at, inboxID, externalID)
		return err
	})
}

// ReplyWindowFacts returns when the contact last wrote to the inbox and whether the inbox is a
// Messenger Page with the human agent tag.
func (db *DB) ReplyWindowFacts(ctx context.Context, inboxID, contactID int64) (conversation.WindowFacts, error) {
	var f conversation.WindowFacts
	var human int
	err := db.read.QueryRowContext(ctx, `SELECT COALESCE((SELECT MAX(last_inbound_at) FROM channel_contacts WHERE inbox_id = $1 AND contact_id = $2), 0),
		COALESCE((SELECT human_agent FROM messenger_inboxes WHERE inbox_id = $1), 0)`, inboxID, contactID).Scan(&f.LastInboundAt, &human)
	f.HumanAgent = human != 0
	return f, err
}

// ContactPicture returns the newest profile picture a channel keeps of the contact (0: none).
func (db *DB) ContactPicture(ctx context.Context, contactID int64) (int64, error) {
	var id int64
	err := db.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(picture_id), 0) FROM channel_contacts WHERE contact_id = $1 AND picture_id IS NOT NULL`,
		contactID).Scan(&id)
	return id, err
}

// OutboundBefore lists agents' replies to the contact in the inbox written at or before before
// whose delivery is one of statuses, oldest first, at most 500.
func (db *DB) OutboundBefore(ctx context.Context, inboxID, contactID, before int64, statuses ...conversation.DeliveryStatus) ([]conversation.Message, error) {
	if len(statuses) == 0 {
		return nil, nil
	}
	args := []any{inboxID, contactID, before}
	var in []string
	for _, st := range statuses {
		args = append(args, string(st))
		in = append(in, fmt.Sprintf("$%d", len(args)))
	}
	rows, err := db.read.QueryContext(ctx, "SELECT "+messageColumns+messageFrom+`JOIN conversations oc ON oc.id = m.conversation_id
		WHERE oc.inbox_id = $1 AND oc.contact_id = $2 AND m.sender_kind = 'agent' AND m.created_at <= $3
		AND m.delivery IN (`+strings.Join(in, ", ")+`) ORDER BY m.id LIMIT 500`, args...)
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

// MessageInInbox returns a message of a conversation of the inbox.
func (db *DB) MessageInInbox(ctx context.Context, inboxID, messageID int64) (*conversation.Message, error) {
	m, err := scanMessage(db.read.QueryRowContext(ctx, "SELECT "+messageColumns+messageFrom+`JOIN conversations oc ON oc.id = m.conversation_id
		WHERE m.id = $1 AND oc.inbox_id = $2`, messageID, inboxID))
	if err != nil {
		return nil, notFound(err, "message")
	}
	return m, nil
}
