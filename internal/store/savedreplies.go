package store

import (
	"context"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/savedreply"
)

// Saved replies (savedreply.Repo). A shared reply has no owner.

var _ savedreply.Repo = (*DB)(nil)

const savedReplySelect = `SELECT r.id, COALESCE(r.owner_id, 0), r.shortcut, r.title, r.body, COALESCE(r.created_by, 0), r.created_at, r.updated_at,
	COALESCE(b.id, 0), COALESCE(b.name, ''), COALESCE(b.content_type, ''), COALESCE(b.size, 0)
	FROM saved_replies r LEFT JOIN blobs b ON b.id = r.attachment_id `

func scanSavedReply(row interface{ Scan(...any) error }) (*savedreply.SavedReply, error) {
	var r savedreply.SavedReply
	var a savedreply.Attachment
	if err := row.Scan(&r.ID, &r.OwnerID, &r.Shortcut, &r.Title, &r.Body, &r.CreatedBy, &r.CreatedAt, &r.UpdatedAt,
		&a.ID, &a.Name, &a.ContentType, &a.Size); err != nil {
		return nil, err
	}
	r.Scope = savedreply.Personal
	if r.OwnerID == 0 {
		r.Scope = savedreply.Shared
	}
	if a.ID != 0 {
		r.Attachment = &a
	}
	return &r, nil
}

func shortcutTaken(err error) error {
	if IsUniqueViolation(err) {
		return errs.Coded(errs.Conflict, "shortcut_taken", "another saved reply already has this shortcut")
	}
	return err
}

func attachmentOf(r *savedreply.SavedReply) int64 {
	if r.Attachment == nil {
		return 0
	}
	return r.Attachment.ID
}

// CreateSavedReply inserts a saved reply and sets its ID.
func (db *DB) CreateSavedReply(ctx context.Context, r *savedreply.SavedReply, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO saved_replies (owner_id, shortcut, title, body, attachment_id, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			nullable(r.OwnerID), r.Shortcut, r.Title, r.Body, nullable(attachmentOf(r)), nullable(r.CreatedBy), r.CreatedAt, r.UpdatedAt).Scan(&r.ID)
		return shortcutTaken(err)
	})
}

// SavedReplyByID returns a saved reply.
func (db *DB) SavedReplyByID(ctx context.Context, id int64) (*savedreply.SavedReply, error) {
	r, err := scanSavedReply(db.read.QueryRowContext(ctx, savedReplySelect+"WHERE r.id = $1", id))
	if err != nil {
		return nil, notFound(err, "saved reply")
	}
	return r, nil
}

// ListSavedReplies returns the shared saved replies and ownerID's own.
func (db *DB) ListSavedReplies(ctx context.Context, ownerID int64) ([]savedreply.SavedReply, error) {
	rows, err := db.read.QueryContext(ctx, savedReplySelect+"WHERE r.owner_id IS NULL OR r.owner_id = $1 ORDER BY r.id", ownerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []savedreply.SavedReply{}
	for rows.Next() {
		r, err := scanSavedReply(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// UpdateSavedReply saves a reply's shortcut, title, body, attachment and updated_at.
func (db *DB) UpdateSavedReply(ctx context.Context, r *savedreply.SavedReply, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE saved_replies SET shortcut = $1, title = $2, body = $3, attachment_id = $4, updated_at = $5
			WHERE id = $6`, r.Shortcut, r.Title, r.Body, nullable(attachmentOf(r)), r.UpdatedAt, r.ID)
		if err != nil {
			return shortcutTaken(err)
		}
		return expectOne(res, nil)("saved reply")
	})
}

// DeleteSavedReply removes a saved reply.
func (db *DB) DeleteSavedReply(ctx context.Context, id int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		return expectOne(tx.ExecContext(ctx, "DELETE FROM saved_replies WHERE id = $1", id))("saved reply")
	})
}
