package store

import (
	"context"
	"encoding/json"

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
		_, err = tx.ExecContext(ctx, `INSERT INTO websites (inbox_id, public_key, secret, allowed_domains, time_zone, business_hours) VALUES ($1, $2, $3, $4, $5, $6)`,
			w.ID, w.PublicKey, sealed, string(domains), w.TimeZone, hours)
		return err
	})
}

// WebsiteByName returns the first website with this name.
func (db *DB) WebsiteByName(ctx context.Context, name string) (*inbox.Website, error) {
	var w inbox.Website
	var installer *int64
	var domains string
	err := db.read.QueryRowContext(ctx, `SELECT i.id, i.kind, i.name, i.visibility, i.reopen_policy, i.installer_id, i.created_at, i.updated_at,
			w.public_key, w.secret, w.allowed_domains, w.time_zone
		FROM inboxes i JOIN websites w ON w.inbox_id = i.id WHERE i.name = $1 ORDER BY i.id LIMIT 1`, name).
		Scan(&w.ID, &w.Kind, &w.Name, &w.Visibility, &w.ReopenPolicy, &installer, &w.CreatedAt, &w.UpdatedAt, &w.PublicKey, &w.Secret, &domains, &w.TimeZone)
	if err != nil {
		return nil, notFound(err, "website")
	}
	if installer != nil {
		w.InstallerID = *installer
	}
	if err := json.Unmarshal([]byte(domains), &w.AllowedDomains); err != nil {
		return nil, err
	}
	if w.Secret, err = db.openSecret(websiteSecret, w.ID, w.Secret); err != nil {
		return nil, err
	}
	return &w, nil
}
