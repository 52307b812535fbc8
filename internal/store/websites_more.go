package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
)

var _ inbox.Repo = (*DB)(nil)

const websiteSelect = `SELECT i.id, i.kind, i.name, i.visibility, i.reopen_policy, COALESCE(i.installer_id, 0), i.created_at, i.updated_at,
	w.public_key, w.secret, w.allowed_domains, w.time_zone, w.business_hours,
	w.follow_up, w.follow_up_delay, w.transcript_on_close, COALESCE(w.email_inbox_id, 0)
	FROM inboxes i JOIN websites w ON w.inbox_id = i.id `

// scanWebsite reads a row of websiteSelect, opening the website's sealed secret.
func (db *DB) scanWebsite(row interface{ Scan(...any) error }) (*inbox.Website, error) {
	var w inbox.Website
	var domains, hours string
	var followUp, transcript int64
	if err := row.Scan(&w.ID, &w.Kind, &w.Name, &w.Visibility, &w.ReopenPolicy, &w.InstallerID, &w.CreatedAt, &w.UpdatedAt,
		&w.PublicKey, &w.Secret, &domains, &w.TimeZone, &hours, &followUp, &w.FollowUpSeconds, &transcript, &w.EmailInboxID); err != nil {
		return nil, err
	}
	w.FollowUp, w.TranscriptOnClose = followUp != 0, transcript != 0
	if err := json.Unmarshal([]byte(domains), &w.AllowedDomains); err != nil {
		return nil, err
	}
	var err error
	if w.BusinessHours, err = decodeHours(hours); err != nil {
		return nil, err
	}
	if w.Secret, err = db.openSecret(websiteSecret, w.ID, w.Secret); err != nil {
		return nil, err
	}
	return &w, nil
}

// decodeHours reads a website's business hours (never nil, its lists never null).
func decodeHours(s string) (*inbox.BusinessHours, error) {
	h := &inbox.BusinessHours{}
	if s != "" {
		if err := json.Unmarshal([]byte(s), h); err != nil {
			return nil, fmt.Errorf("business hours: %w", err)
		}
	}
	if h.Weekly == nil {
		h.Weekly = map[string][]inbox.Span{}
	}
	if h.Holidays == nil {
		h.Holidays = []inbox.Holiday{}
	}
	return h, nil
}

// encodeHours is the stored form of business hours.
func encodeHours(h *inbox.BusinessHours) (string, error) {
	if h == nil {
		return "{}", nil
	}
	b, err := json.Marshal(h)
	return string(b), err
}

// WebsiteByID returns a website.
func (db *DB) WebsiteByID(ctx context.Context, id int64) (*inbox.Website, error) {
	w, err := db.scanWebsite(db.read.QueryRowContext(ctx, websiteSelect+"WHERE i.id = $1", id))
	if err != nil {
		return nil, notFound(err, "website")
	}
	return w, nil
}

// WebsiteByKey returns the website with this public key.
func (db *DB) WebsiteByKey(ctx context.Context, key string) (*inbox.Website, error) {
	w, err := db.scanWebsite(db.read.QueryRowContext(ctx, websiteSelect+"WHERE w.public_key = $1", key))
	if err != nil {
		return nil, notFound(err, "website")
	}
	return w, nil
}

// ListWebsites lists websites by name.
func (db *DB) ListWebsites(ctx context.Context) ([]inbox.Website, error) {
	rows, err := db.read.QueryContext(ctx, websiteSelect+"ORDER BY i.name, i.id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []inbox.Website{}
	for rows.Next() {
		w, err := db.scanWebsite(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *w)
	}
	return out, rows.Err()
}

// UpdateInbox saves an inbox's name and policies.
func (db *DB) UpdateInbox(ctx context.Context, ib *inbox.Inbox, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		if ib.Language == "" {
			ib.Language = "en"
		}
		return expectOne(tx.ExecContext(ctx, "UPDATE inboxes SET name = $1, visibility = $2, reopen_policy = $3, updated_at = $4, language = $6 WHERE id = $5",
			ib.Name, ib.Visibility, ib.ReopenPolicy, ib.UpdatedAt, ib.ID, ib.Language))("inbox")
	})
}

// UpdateWebsite saves a website's name, allowed domains, time zone and business hours.
func (db *DB) UpdateWebsite(ctx context.Context, w *inbox.Website, evs ...event.Event) error {
	domains, err := json.Marshal(w.AllowedDomains)
	if err != nil {
		return err
	}
	hours, err := encodeHours(w.BusinessHours)
	if err != nil {
		return err
	}
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		if err := expectOne(tx.ExecContext(ctx, "UPDATE inboxes SET name = $1, updated_at = $2 WHERE id = $3", w.Name, w.UpdatedAt, w.ID))("website"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE websites SET allowed_domains = $1, time_zone = $2, business_hours = $3, follow_up = $4,
			follow_up_delay = $5, transcript_on_close = $6, email_inbox_id = $7 WHERE inbox_id = $8`,
			string(domains), w.TimeZone, hours, boolInt(w.FollowUp), w.FollowUpSeconds, boolInt(w.TranscriptOnClose), nullable(w.EmailInboxID), w.ID)
		if IsForeignKeyViolation(err) {
			return errs.Coded(errs.Invalid, "email_inbox_unknown", "there is no email inbox with id %d", w.EmailInboxID)
		}
		return err
	})
}
