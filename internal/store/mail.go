package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/parleyhq/parley/internal/mailer"
)

// The installation's own mail settings (mailer.Repo): one row, passwords sealed.

var _ mailer.Repo = (*DB)(nil)

var (
	mailSMTPPassword = sealedColumn{table: "mail_settings", id: "singleton", column: "smtp_password", purpose: "mail:%d:smtp"}
	mailIMAPPassword = sealedColumn{table: "mail_settings", id: "singleton", column: "imap_password", purpose: "mail:%d:imap"}
)

// MailSettings returns the installation's mail settings (empty ones when none are stored).
func (db *DB) MailSettings(ctx context.Context) (*mailer.Settings, error) {
	var doc, smtpPass, imapPass string
	var updated int64
	err := db.read.QueryRowContext(ctx, "SELECT settings, smtp_password, imap_password, updated_at FROM mail_settings WHERE singleton = 1").
		Scan(&doc, &smtpPass, &imapPass, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return &mailer.Settings{}, nil
	}
	if err != nil {
		return nil, err
	}
	var s mailer.Settings
	if err := json.Unmarshal([]byte(doc), &s); err != nil {
		return nil, fmt.Errorf("mail settings: %w", err)
	}
	if s.SMTP.Password, err = db.openSecret(mailSMTPPassword, 1, smtpPass); err != nil {
		return nil, err
	}
	if s.IMAP.Password, err = db.openSecret(mailIMAPPassword, 1, imapPass); err != nil {
		return nil, err
	}
	s.UpdatedAt = updated
	return &s, nil
}

// SaveMailSettings stores the installation's mail settings, sealing the passwords.
func (db *DB) SaveMailSettings(ctx context.Context, s *mailer.Settings) error {
	doc := s.Redacted()
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	smtpPass, err := db.sealOptional(mailSMTPPassword, 1, s.SMTP.Password)
	if err != nil {
		return err
	}
	imapPass, err := db.sealOptional(mailIMAPPassword, 1, s.IMAP.Password)
	if err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO mail_settings (singleton, settings, smtp_password, imap_password, updated_at) VALUES (1, $1, $2, $3, $4)
			ON CONFLICT (singleton) DO UPDATE SET settings = excluded.settings, smtp_password = excluded.smtp_password,
			imap_password = excluded.imap_password, updated_at = excluded.updated_at`, string(b), smtpPass, imapPass, s.UpdatedAt)
		return err
	})
}

// sealOptional seals a secret that may be absent: no password is stored as "".
func (db *DB) sealOptional(c sealedColumn, id int64, plaintext string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	return db.sealSecret(c, id, plaintext)
}
