package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/parleyhq/parley/internal/channel/emailinbox"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/mailer"
)

// Email inboxes (emailinbox.Repo): an inboxes row of kind email and its email_inboxes row, server
// settings as JSON, passwords sealed.

var _ emailinbox.Repo = (*DB)(nil)

var (
	inboxSMTPPassword = sealedColumn{table: "email_inboxes", id: "inbox_id", column: "smtp_password", purpose: "email_inbox:%d:smtp"}
	inboxIMAPPassword = sealedColumn{table: "email_inboxes", id: "inbox_id", column: "imap_password", purpose: "email_inbox:%d:imap"}
)

const emailInboxSelect = `SELECT i.id, i.kind, i.name, i.visibility, i.reopen_policy, COALESCE(i.installer_id, 0), i.created_at, i.updated_at,
	e.address, e.from_name, e.signature, e.receive, e.smtp, e.smtp_password, e.imap, e.imap_password
	FROM inboxes i JOIN email_inboxes e ON e.inbox_id = i.id `

func (db *DB) scanEmailInbox(row interface{ Scan(...any) error }) (*emailinbox.EmailInbox, error) {
	var ib emailinbox.EmailInbox
	var smtp, smtpPass, imap, imapPass string
	if err := row.Scan(&ib.ID, &ib.Kind, &ib.Name, &ib.Visibility, &ib.ReopenPolicy, &ib.InstallerID, &ib.CreatedAt, &ib.UpdatedAt,
		&ib.Address, &ib.FromName, &ib.Signature, &ib.Receive, &smtp, &smtpPass, &imap, &imapPass); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(smtp), &ib.SMTP); err != nil {
		return nil, fmt.Errorf("email inbox %d smtp: %w", ib.ID, err)
	}
	if err := json.Unmarshal([]byte(imap), &ib.IMAP); err != nil {
		return nil, fmt.Errorf("email inbox %d imap: %w", ib.ID, err)
	}
	var err error
	if ib.SMTP.Password, err = db.openSecret(inboxSMTPPassword, ib.ID, smtpPass); err != nil {
		return nil, err
	}
	if ib.IMAP.Password, err = db.openSecret(inboxIMAPPassword, ib.ID, imapPass); err != nil {
		return nil, err
	}
	return &ib, nil
}

// serverJSON is a server's settings as stored: without the password, which has its own column.
func serverJSON(smtp mailer.SMTP, imap mailer.IMAP) (string, string, error) {
	smtp.Password, smtp.PasswordSet = "", false
	imap.Password, imap.PasswordSet = "", false
	a, err := json.Marshal(smtp)
	if err != nil {
		return "", "", err
	}
	b, err := json.Marshal(imap)
	return string(a), string(b), err
}

func errAddressTaken(address string) error {
	return errs.Coded(errs.Conflict, "address_taken", "another email inbox has the address %s", address)
}

// CreateEmailInbox inserts an email inbox and sets its id.
func (db *DB) CreateEmailInbox(ctx context.Context, ib *emailinbox.EmailInbox, evs ...event.Event) error {
	smtp, imap, err := serverJSON(ib.SMTP, ib.IMAP)
	if err != nil {
		return err
	}
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO inboxes (kind, name, visibility, reopen_policy, installer_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			inbox.Email, ib.Name, ib.Visibility, ib.ReopenPolicy, nullable(ib.InstallerID), ib.CreatedAt, ib.UpdatedAt).Scan(&ib.ID)
		if err != nil {
			return err
		}
		ib.Kind = inbox.Email
		if ib.InstallerID != 0 { // whoever connects an address works in it
			if _, err := tx.ExecContext(ctx, "INSERT INTO inbox_members (inbox_id, user_id, created_at) VALUES ($1, $2, $3)",
				ib.ID, ib.InstallerID, ib.CreatedAt); err != nil {
				return err
			}
		}
		smtpPass, err := db.sealOptional(inboxSMTPPassword, ib.ID, ib.SMTP.Password)
		if err != nil {
			return err
		}
		imapPass, err := db.sealOptional(inboxIMAPPassword, ib.ID, ib.IMAP.Password)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO email_inboxes (inbox_id, address, from_name, signature, receive, smtp, smtp_password, imap, imap_password)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, ib.ID, ib.Address, ib.FromName, ib.Signature, ib.Receive, smtp, smtpPass, imap, imapPass)
		if IsUniqueViolation(err) {
			return errAddressTaken(ib.Address)
		}
		return err
	})
}

// UpdateEmailInbox saves an email inbox.
func (db *DB) UpdateEmailInbox(ctx context.Context, ib *emailinbox.EmailInbox, evs ...event.Event) error {
	smtp, imap, err := serverJSON(ib.SMTP, ib.IMAP)
	if err != nil {
		return err
	}
	smtpPass, err := db.sealOptional(inboxSMTPPassword, ib.ID, ib.SMTP.Password)
	if err != nil {
		return err
	}
	imapPass, err := db.sealOptional(inboxIMAPPassword, ib.ID, ib.IMAP.Password)
	if err != nil {
		return err
	}
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		err := expectOne(tx.ExecContext(ctx, "UPDATE inboxes SET name = $1, visibility = $2, reopen_policy = $3, updated_at = $4 WHERE id = $5",
			ib.Name, ib.Visibility, ib.ReopenPolicy, ib.UpdatedAt, ib.ID))("email inbox")
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE email_inboxes SET address = $1, from_name = $2, signature = $3, receive = $4, smtp = $5,
			smtp_password = $6, imap = $7, imap_password = $8 WHERE inbox_id = $9`,
			ib.Address, ib.FromName, ib.Signature, ib.Receive, smtp, smtpPass, imap, imapPass, ib.ID)
		if IsUniqueViolation(err) {
			return errAddressTaken(ib.Address)
		}
		return err
	})
}

// EmailInboxByID returns an email inbox with its passwords.
func (db *DB) EmailInboxByID(ctx context.Context, id int64) (*emailinbox.EmailInbox, error) {
	ib, err := db.scanEmailInbox(db.read.QueryRowContext(ctx, emailInboxSelect+"WHERE i.id = $1", id))
	if err != nil {
		return nil, notFound(err, "email inbox")
	}
	return ib, nil
}

// ListEmailInboxes lists the email inboxes by name, with their passwords.
func (db *DB) ListEmailInboxes(ctx context.Context) ([]emailinbox.EmailInbox, error) {
	rows, err := db.read.QueryContext(ctx, emailInboxSelect+"ORDER BY i.name, i.id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []emailinbox.EmailInbox{}
	for rows.Next() {
		ib, err := db.scanEmailInbox(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *ib)
	}
	return out, rows.Err()
}
