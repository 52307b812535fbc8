package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// The CRM queries: leads (crm.Repo).

var _ crm.Repo = (*DB)(nil)

const leadColumns = `l.id, l.title, l.value, l.currency, l.status, COALESCE(l.contact_id, 0), COALESCE(l.conversation_id, 0),
	COALESCE(l.owner_user_id, 0), COALESCE(l.created_by_user_id, 0), l.source, l.created_at, l.updated_at, COALESCE(u.name, '')`

const leadFrom = ` FROM leads l LEFT JOIN users u ON u.id = l.created_by_user_id `

func scanLead(row interface{ Scan(...any) error }) (*crm.Lead, error) {
	var l crm.Lead
	if err := row.Scan(&l.ID, &l.Title, &l.Value, &l.Currency, &l.Status, &l.ContactID, &l.ConversationID, &l.OwnerUserID,
		&l.CreatedByUserID, &l.Source, &l.CreatedAt, &l.UpdatedAt, &l.CreatedByName); err != nil {
		return nil, err
	}
	return &l, nil
}

func errLeadReference() error {
	return errs.Coded(errs.Invalid, "lead_reference_unknown", "the lead's contact, conversation or owner no longer exists")
}

// CreateLead inserts a lead and sets its ID.
func (db *DB) CreateLead(ctx context.Context, l *crm.Lead, evs ...event.Event) error {
	err := db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		// l.ID is set here, not after commit: lead.created's payload is encoded from l inside this
		// transaction and must carry the new id.
		err := tx.QueryRowContext(ctx, `INSERT INTO leads (title, value, currency, status, contact_id, conversation_id, owner_user_id,
			created_by_user_id, source, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			l.Title, l.Value, l.Currency, l.Status, nullable(l.ContactID), nullable(l.ConversationID), nullable(l.OwnerUserID),
			nullable(l.CreatedByUserID), l.Source, l.CreatedAt, l.UpdatedAt).Scan(&l.ID)
		if IsForeignKeyViolation(err) {
			return errLeadReference()
		}
		return err
	})
	if err != nil {
		l.ID = 0
	}
	return err
}

// LeadByID returns a lead.
func (db *DB) LeadByID(ctx context.Context, id int64) (*crm.Lead, error) {
	l, err := scanLead(db.read.QueryRowContext(ctx, "SELECT "+leadColumns+leadFrom+"WHERE l.id = $1", id))
	if err != nil {
		return nil, notFound(err, "lead")
	}
	return l, nil
}

// ListLeads lists leads newest first, optionally of one contact or conversation, a page at a time
// (the cursor is the previous page's last id).
func (db *DB) ListLeads(ctx context.Context, q crm.LeadQuery) ([]crm.Lead, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q.ContactID != 0 {
		add("l.contact_id = $%d", q.ContactID)
	}
	if q.ConversationID != 0 {
		add("l.conversation_id = $%d", q.ConversationID)
	}
	if q.BeforeID != 0 {
		add("l.id < $%d", q.BeforeID)
	}
	query := "SELECT " + leadColumns + leadFrom
	if len(where) > 0 {
		query += "WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, q.Limit)
	query += fmt.Sprintf(" ORDER BY l.id DESC LIMIT $%d", len(args))
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []crm.Lead{}
	for rows.Next() {
		l, err := scanLead(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *l)
	}
	return out, rows.Err()
}

// UpdateLead saves a lead's title, value, currency, status, owner and updated_at, guarded by the
// updated_at it was read with.
func (db *DB) UpdateLead(ctx context.Context, l *crm.Lead, prevUpdatedAt int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `UPDATE leads SET title = $1, value = $2, currency = $3, status = $4, owner_user_id = $5, updated_at = $6
			WHERE id = $7 AND updated_at = $8 RETURNING id`,
			l.Title, l.Value, l.Currency, l.Status, nullable(l.OwnerUserID), l.UpdatedAt, l.ID, prevUpdatedAt).Scan(&id)
		switch {
		case IsForeignKeyViolation(err):
			return errLeadReference()
		case errors.Is(err, sql.ErrNoRows):
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM leads WHERE id = $1", l.ID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return errs.E(errs.NotFound, "lead not found")
			}
			return errs.Coded(errs.Conflict, "lead_changed", "the lead was changed meanwhile; try again")
		}
		return err
	})
}

// DeleteLead removes a lead.
func (db *DB) DeleteLead(ctx context.Context, id int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		return expectOne(tx.ExecContext(ctx, "DELETE FROM leads WHERE id = $1", id))("lead")
	})
}
