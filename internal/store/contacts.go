package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/search"
)

// The contact queries: website visitors, their page views and blocks, contacts and consents
// (contact.Repo). ContactByID, scanContact and contactColumns live with the conversations.

var _ contact.Repo = (*DB)(nil)

const visitorColumns = `id, website_id, COALESCE(contact_id, 0), token_hash, user_agent, os, browser, ip, country, referrer, locale,
	first_seen, last_seen, COALESCE(blocked_at, 0)`

func scanVisitor(row interface{ Scan(...any) error }) (*contact.Visitor, error) {
	var v contact.Visitor
	if err := row.Scan(&v.ID, &v.WebsiteID, &v.ContactID, &v.TokenHash, &v.UserAgent, &v.OS, &v.Browser, &v.IP, &v.Country,
		&v.Referrer, &v.Locale, &v.FirstSeen, &v.LastSeen, &v.BlockedAt); err != nil {
		return nil, err
	}
	v.Blocked = v.BlockedAt != 0
	return &v, nil
}

// contactJSON encodes tags and attributes as the text columns hold them.
func contactJSON(c *contact.Contact) (tags, attrs string, err error) {
	t, a := c.Tags, c.Attributes
	if t == nil {
		t = []string{}
	}
	if a == nil {
		a = map[string]string{}
	}
	tb, err := json.Marshal(t)
	if err != nil {
		return "", "", err
	}
	ab, err := json.Marshal(a)
	if err != nil {
		return "", "", err
	}
	return string(tb), string(ab), nil
}

func errExternalIDTaken() error {
	return errs.Coded(errs.Conflict, "external_id_taken", "another contact of this website has that user id")
}

// CreateVisitor inserts a visitor — without a contact (c nil), with a new one (c.ID 0) or an
// existing one (saved when its updated_at differs from prevUpdatedAt) — and the first page view, in
// one transaction.
func (db *DB) CreateVisitor(ctx context.Context, v *contact.Visitor, c *contact.Contact, prevUpdatedAt int64, first *contact.PageView, evs ...event.Event) error {
	var visitorID, contactID int64
	err := db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		if c != nil {
			var err error
			if contactID, err = saveVisitorContact(ctx, tx, c, prevUpdatedAt); err != nil {
				return err
			}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO visitors (website_id, contact_id, token_hash, user_agent, os, browser, ip, country, referrer, locale,
			first_seen, last_seen, ip_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
			v.WebsiteID, nullable(contactID), v.TokenHash, v.UserAgent, v.OS, v.Browser, v.IP, v.Country, v.Referrer, v.Locale, v.FirstSeen, v.LastSeen,
			IPKey(v.IP)).Scan(&visitorID)
		if err != nil {
			return err
		}
		if first != nil {
			return addPageView(ctx, tx, visitorID, *first, 0)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if c != nil {
		c.ID = contactID
	}
	v.ID, v.ContactID = visitorID, contactID
	return nil
}

// saveVisitorContact inserts c (c.ID 0) or saves it (when its updated_at differs from
// prevUpdatedAt), and returns its id.
func saveVisitorContact(ctx context.Context, tx *Tx, c *contact.Contact, prevUpdatedAt int64) (int64, error) {
	if c.ID != 0 {
		if c.UpdatedAt != prevUpdatedAt {
			if err := updateContact(ctx, tx, c, prevUpdatedAt); err != nil {
				return 0, err
			}
		}
		return c.ID, nil
	}
	tags, attrs, err := contactJSON(c)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO contacts (name, email, phone, notes, tags, attributes, website_id, external_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		c.Name, c.Email, c.Phone, c.Notes, tags, attrs, nullable(c.WebsiteID), nullString(c.ExternalID), c.CreatedAt, c.UpdatedAt).Scan(&id)
	if IsUniqueViolation(err) {
		return 0, errExternalIDTaken()
	}
	if err != nil {
		return 0, err
	}
	if d := contactDoc(c); d.Text() != "" {
		withID := *c
		withID.ID = id
		if err := tx.writeContactDoc(ctx, &withID); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// AttachContact gives a visitor without a contact one: c, inserted when c.ID is 0 (otherwise saved
// when its updated_at differs from prevUpdatedAt), in one transaction. A visitor that got a contact
// meanwhile fails with errs.Conflict "visitor_moved" and changes nothing; c.ID is set only once it
// has committed.
func (db *DB) AttachContact(ctx context.Context, visitorID int64, c *contact.Contact, prevUpdatedAt int64, evs ...event.Event) error {
	var contactID int64
	err := db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		var err error
		if contactID, err = saveVisitorContact(ctx, tx, c, prevUpdatedAt); err != nil {
			return err
		}
		return expectOne(tx.ExecContext(ctx, "UPDATE visitors SET contact_id = $1 WHERE id = $2 AND contact_id IS NULL", contactID, visitorID))("visitor")
	})
	if errs.Is(err, errs.NotFound) {
		return errs.Coded(errs.Conflict, "visitor_moved", "the visitor got a contact meanwhile; try again")
	}
	if err != nil {
		return err
	}
	c.ID = contactID
	return nil
}

// DeleteAnonymousVisitors deletes up to limit visitors that never got a contact (they never wrote
// nor gave details) and were last seen before the given time, with their page views; it returns
// how many it deleted.
func (db *DB) DeleteAnonymousVisitors(ctx context.Context, before int64, limit int) (int, error) {
	var n int64
	err := db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM visitors WHERE id IN
			(SELECT id FROM visitors WHERE contact_id IS NULL AND last_seen < $1 ORDER BY last_seen LIMIT $2)`, before, limit)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// VisitorByTokenHash finds a visitor by the hash of its token.
func (db *DB) VisitorByTokenHash(ctx context.Context, hash string) (*contact.Visitor, error) {
	v, err := scanVisitor(db.read.QueryRowContext(ctx, "SELECT "+visitorColumns+" FROM visitors WHERE token_hash = $1", hash))
	if err != nil {
		return nil, notFound(err, "visitor")
	}
	return v, nil
}

// VisitorByID returns a visitor.
func (db *DB) VisitorByID(ctx context.Context, id int64) (*contact.Visitor, error) {
	v, err := scanVisitor(db.read.QueryRowContext(ctx, "SELECT "+visitorColumns+" FROM visitors WHERE id = $1", id))
	if err != nil {
		return nil, notFound(err, "visitor")
	}
	return v, nil
}

// TouchVisitor saves when the visitor was last seen and from where.
func (db *DB) TouchVisitor(ctx context.Context, v *contact.Visitor) error {
	return db.InTx(ctx, func(tx *Tx) error {
		return expectOne(tx.ExecContext(ctx, `UPDATE visitors SET last_seen = $1, ip = $2, user_agent = $3, os = $4, browser = $5, country = $6,
			ip_key = $8 WHERE id = $7`, v.LastSeen, v.IP, v.UserAgent, v.OS, v.Browser, v.Country, v.ID, IPKey(v.IP)))("visitor")
	})
}

// AddPageView records a page view and keeps only the visitor's newest keep views.
func (db *DB) AddPageView(ctx context.Context, visitorID int64, pv contact.PageView, keep int) error {
	return db.InTx(ctx, func(tx *Tx) error {
		err := addPageView(ctx, tx, visitorID, pv, keep)
		if IsForeignKeyViolation(err) {
			return errs.E(errs.NotFound, "visitor not found")
		}
		return err
	})
}

func addPageView(ctx context.Context, tx *Tx, visitorID int64, pv contact.PageView, keep int) error {
	if _, err := tx.ExecContext(ctx, "INSERT INTO page_views (visitor_id, url, title, at) VALUES ($1, $2, $3, $4)",
		visitorID, pv.URL, pv.Title, pv.At); err != nil {
		return err
	}
	// A page view is the visitor seen: "last seen" follows them around the site.
	if _, err := tx.ExecContext(ctx, "UPDATE visitors SET last_seen = $1 WHERE id = $2 AND last_seen < $1", pv.At, visitorID); err != nil {
		return err
	}
	if keep <= 0 {
		return nil
	}
	// The newest view past the cap, if any; it and everything older go. (OFFSET without LIMIT,
	// or LIMIT ALL, is not in the subset both engines accept, hence two statements.)
	var at, id int64
	err := tx.QueryRowContext(ctx, "SELECT at, id FROM page_views WHERE visitor_id = $1 ORDER BY at DESC, id DESC LIMIT 1 OFFSET $2",
		visitorID, keep).Scan(&at, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "DELETE FROM page_views WHERE visitor_id = $1 AND (at < $2 OR (at = $2 AND id <= $3))", visitorID, at, id)
	return err
}

// ContactByExternalID finds the contact a website identified with its user id.
func (db *DB) ContactByExternalID(ctx context.Context, websiteID int64, externalID string) (*contact.Contact, error) {
	c, err := scanContact(db.read.QueryRowContext(ctx, "SELECT "+contactColumns+" FROM contacts WHERE website_id = $1 AND external_id = $2",
		websiteID, externalID))
	if err != nil {
		return nil, notFound(err, "contact")
	}
	return c, nil
}

// UpdateContact saves a contact's editable fields, guarded by the updated_at it was read with.
func (db *DB) UpdateContact(ctx context.Context, c *contact.Contact, prevUpdatedAt int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error { return updateContact(ctx, tx, c, prevUpdatedAt) })
}

// updateContact writes name, email, phone, notes, tags, attributes and updated_at; external_id
// only where there is none, so an agent's edit never undoes an identification made meanwhile.
func updateContact(ctx context.Context, tx *Tx, c *contact.Contact, prevUpdatedAt int64) error {
	tags, attrs, err := contactJSON(c)
	if err != nil {
		return err
	}
	var ext string
	err = tx.QueryRowContext(ctx, `UPDATE contacts SET name = $1, email = $2, phone = $3, notes = $4, tags = $5, attributes = $6, updated_at = $7,
		external_id = COALESCE(external_id, $8) WHERE id = $9 AND updated_at = $10 RETURNING COALESCE(external_id, '')`,
		c.Name, c.Email, c.Phone, c.Notes, tags, attrs, c.UpdatedAt, nullString(c.ExternalID), c.ID, prevUpdatedAt).Scan(&ext)
	switch {
	case IsUniqueViolation(err):
		return errExternalIDTaken()
	case errors.Is(err, sql.ErrNoRows):
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM contacts WHERE id = $1", c.ID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.NotFound, "contact not found")
		}
		return errs.Coded(errs.Conflict, "contact_changed", "the contact was changed meanwhile; try again")
	case err != nil:
		return err
	case c.ExternalID != "" && ext != c.ExternalID:
		return errs.Coded(errs.Conflict, "identity_changed", "the contact was identified as another user meanwhile")
	}
	return tx.writeContactDoc(ctx, c)
}

// MergeVisitorInto moves a visitor from an anonymous contact to the contact of the user it was
// identified as, with its conversations and their leads and deals; the anonymous contact, once nobody
// is left on it, hands over its conversations, consents, leads, deals and person and is deleted. into is saved when
// its updated_at differs from prevUpdatedAt.
func (db *DB) MergeVisitorInto(ctx context.Context, visitorID int64, from, into *contact.Contact, prevUpdatedAt int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		if into.UpdatedAt != prevUpdatedAt {
			if err := updateContact(ctx, tx, into, prevUpdatedAt); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, "UPDATE visitors SET contact_id = $1 WHERE id = $2 AND contact_id = $3", into.ID, visitorID, from.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errs.Coded(errs.Conflict, "visitor_moved", "the visitor was moved meanwhile; try again")
		}
		var left int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM visitors WHERE contact_id = $1", from.ID).Scan(&left); err != nil {
			return err
		}
		if left > 0 || from.ExternalID != "" {
			if _, err := tx.ExecContext(ctx, "UPDATE conversations SET contact_id = $1 WHERE contact_id = $2 AND visitor_id = $3", into.ID, from.ID, visitorID); err != nil {
				return err
			}
			// Leads and deals made from the conversations that moved go with them.
			for _, table := range []string{"leads", "deals"} {
				_, err := tx.ExecContext(ctx, `UPDATE `+table+` SET contact_id = $1 WHERE contact_id = $2
					AND conversation_id IN (SELECT id FROM conversations WHERE contact_id = $1 AND visitor_id = $3)`, into.ID, from.ID, visitorID)
				if err != nil {
					return err
				}
			}
			return nil
		}
		for _, q := range []string{
			"UPDATE conversations SET contact_id = $1 WHERE contact_id = $2",
			"UPDATE consents SET contact_id = $1 WHERE contact_id = $2",
			"UPDATE leads SET contact_id = $1 WHERE contact_id = $2",
			"UPDATE deals SET contact_id = $1 WHERE contact_id = $2",
			// The person the anonymous contact became is the identified one's, unless that one is a
			// person already (one person per contact; the other keeps its records, without the contact).
			"UPDATE persons SET contact_id = $1 WHERE contact_id = $2 AND NOT EXISTS (SELECT 1 FROM persons p WHERE p.contact_id = $1)",
		} {
			if _, err := tx.ExecContext(ctx, q, into.ID, from.ID); err != nil {
				return err
			}
		}
		if _, err = tx.ExecContext(ctx, "DELETE FROM contacts WHERE id = $1 AND external_id IS NULL", from.ID); err != nil {
			return err
		}
		return tx.deleteDoc(ctx, search.Contact, from.ID)
	})
}

// BlockVisitor marks a visitor of the website blocked and blocks its IP there.
func (db *DB) BlockVisitor(ctx context.Context, websiteID, visitorID, byUserID, at int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		var ip string
		err := tx.QueryRowContext(ctx, "UPDATE visitors SET blocked_at = COALESCE(blocked_at, $1) WHERE id = $2 AND website_id = $3 RETURNING ip",
			at, visitorID, websiteID).Scan(&ip)
		if err != nil {
			return notFound(err, "visitor")
		}
		if ip == "" {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO blocked_ips (website_id, ip, created_by, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (website_id, ip) DO NOTHING`, websiteID, ip, nullable(byUserID), at)
		if IsForeignKeyViolation(err) {
			return errs.Coded(errs.Invalid, "unknown_user", "there is no user with id %d", byUserID)
		}
		return err
	})
}

// UnblockVisitor lifts a visitor's block and its IP's.
func (db *DB) UnblockVisitor(ctx context.Context, websiteID, visitorID int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		var ip string
		err := tx.QueryRowContext(ctx, "UPDATE visitors SET blocked_at = NULL WHERE id = $1 AND website_id = $2 RETURNING ip",
			visitorID, websiteID).Scan(&ip)
		if err != nil {
			return notFound(err, "visitor")
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM blocked_ips WHERE website_id = $1 AND ip = $2", websiteID, ip)
		return err
	})
}

// VisitorBlocked reports whether the visitor or the IP is blocked on the website.
func (db *DB) VisitorBlocked(ctx context.Context, websiteID, visitorID int64, ip string) (bool, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM visitors WHERE id = $1 AND website_id = $2 AND blocked_at IS NOT NULL) +
		(SELECT COUNT(*) FROM blocked_ips WHERE website_id = $2 AND ip = $3)`, visitorID, websiteID, ip).Scan(&n)
	return n > 0, err
}

// AddConsent stores a consent the contact gave and sets its ID.
func (db *DB) AddConsent(ctx context.Context, contactID int64, c *contact.Consent) error {
	var id int64
	err := db.InTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, "INSERT INTO consents (contact_id, text, version, given_at) VALUES ($1, $2, $3, $4) RETURNING id",
			contactID, c.Text, c.Version, c.GivenAt).Scan(&id)
		if IsForeignKeyViolation(err) {
			return errs.E(errs.NotFound, "contact not found")
		}
		return err
	})
	if err != nil {
		return err
	}
	c.ID = id
	return nil
}

// ContactVisitors lists a contact's visitors, most recently seen first.
func (db *DB) ContactVisitors(ctx context.Context, contactID int64) ([]contact.Visitor, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+visitorColumns+" FROM visitors WHERE contact_id = $1 ORDER BY last_seen DESC, id DESC", contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []contact.Visitor{}
	for rows.Next() {
		v, err := scanVisitor(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, rows.Err()
}

// ContactPageViews lists the newest page views over all of a contact's visitors, newest first.
func (db *DB) ContactPageViews(ctx context.Context, contactID int64, limit int) ([]contact.PageView, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT p.url, p.title, p.at FROM page_views p JOIN visitors v ON v.id = p.visitor_id
		WHERE v.contact_id = $1 ORDER BY p.at DESC, p.id DESC LIMIT $2`, contactID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []contact.PageView{}
	for rows.Next() {
		var pv contact.PageView
		if err := rows.Scan(&pv.URL, &pv.Title, &pv.At); err != nil {
			return nil, err
		}
		out = append(out, pv)
	}
	return out, rows.Err()
}

// ContactConsents lists a contact's consents, oldest first.
func (db *DB) ContactConsents(ctx context.Context, contactID int64) ([]contact.Consent, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT id, text, version, given_at FROM consents WHERE contact_id = $1 ORDER BY given_at, id", contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []contact.Consent{}
	for rows.Next() {
		var c contact.Consent
		if err := rows.Scan(&c.ID, &c.Text, &c.Version, &c.GivenAt); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ContactByEmail returns the contact with this (normalised) email that changed last.
func (db *DB) ContactByEmail(ctx context.Context, email string) (*contact.Contact, error) {
	c, err := scanContact(db.read.QueryRowContext(ctx, "SELECT "+contactColumns+" FROM contacts WHERE email = $1 ORDER BY updated_at DESC, id DESC LIMIT 1", email))
	if err != nil {
		return nil, notFound(err, "contact")
	}
	return c, nil
}

// CreateContact inserts a contact of no website (one a channel met: an email's sender) and sets
// its id before evs are written, so their payload carries it.
func (db *DB) CreateContact(ctx context.Context, c *contact.Contact, evs ...event.Event) error {
	tags, attrs, err := contactJSON(c)
	if err != nil {
		return err
	}
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO contacts (name, email, phone, notes, tags, attributes, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			c.Name, c.Email, c.Phone, c.Notes, tags, attrs, c.CreatedAt, c.UpdatedAt).Scan(&c.ID); err != nil {
			return err
		}
		return tx.writeContactDoc(ctx, c)
	})
}
