package store

import (
	"context"
	"encoding/json"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
)

// CreateWebsite inserts a web inbox and its website row, setting their IDs.
func (db *DB) CreateWebsite(ctx context.Context, w *inbox.Website, evs ...event.Event) error {
	domains, err := json.Marshal(w.AllowedDomains)
	if err != nil {
		return err
	}
	hours, err := encodeHours(w.BusinessHours)
	if err != nil {
		return err
	}
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		var installer any
		if w.InstallerID != 0 {
			installer = w.InstallerID
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO inboxes (kind, name, visibility, reopen_policy, installer_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			inbox.Web, w.Name, w.Visibility, w.ReopenPolicy, installer, w.CreatedAt, w.UpdatedAt).Scan(&w.ID)
		if err != nil {
			return err
		}
		w.Kind = inbox.Web
		if w.InstallerID != 0 { // whoever sets a website up works in it
			if _, err := tx.ExecContext(ctx, "INSERT INTO inbox_members (inbox_id, user_id, created_at) VALUES ($1, $2, $3)",
				w.ID, w.InstallerID, w.CreatedAt); err != nil {
				return err
			}
		}
		sealed, err := db.sealSecret(websiteSecret, w.ID, w.Secret)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO websites (inbox_id, public_key, secret, allowed_domains, time_zone, business_hours, follow_up,
			follow_up_delay, transcript_on_close, email_inbox_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			w.ID, w.PublicKey, sealed, string(domains), w.TimeZone, hours, boolInt(w.FollowUp), w.FollowUpSeconds, boolInt(w.TranscriptOnClose), nullable(w.EmailInboxID))
		if IsForeignKeyViolation(err) {
			return errs.Coded(errs.Invalid, "email_inbox_unknown", "there is no email inbox with id %d", w.EmailInboxID)
		}
		return err
	})
}

// WebsiteByName returns the first website with this name.
func (db *DB) WebsiteByName(ctx context.Context, name string) (*inbox.Website, error) {
	w, err := db.scanWebsite(db.read.QueryRowContext(ctx, websiteSelect+"WHERE i.name = $1 ORDER BY i.id LIMIT 1", name))
	if err != nil {
		return nil, notFound(err, "website")
	}
	return w, nil
}
