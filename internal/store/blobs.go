package store

import (
	"context"
	"database/sql"

	"github.com/parleyhq/parley/internal/blob"
	"github.com/parleyhq/parley/internal/errs"
)

// The attachments queries (blob.Store): files in the blobs table, data as BLOB (SQLite) or BYTEA
// (PostgreSQL), which a []byte binds to on both.

var _ blob.Store = (*DB)(nil)

const blobColumns = "id, COALESCE(conversation_id, 0), uploader, name, content_type, size, COALESCE(width, 0), COALESCE(height, 0), sha256, created_at"

func scanBlob(row interface{ Scan(...any) error }, data *[]byte) (*blob.Blob, error) {
	var b blob.Blob
	dest := []any{&b.ID, &b.ConversationID, &b.Uploader, &b.Name, &b.ContentType, &b.Size, &b.Width, &b.Height, &b.SHA256, &b.CreatedAt}
	if data != nil {
		dest = append(dest, data)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	return &b, nil
}

// PutBlob stores b with its data and sets b.ID once committed.
func (db *DB) PutBlob(ctx context.Context, b *blob.Blob, data []byte) error {
	if data == nil {
		data = []byte{} // nil would bind as NULL
	}
	var id int64
	err := db.InTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO blobs (conversation_id, uploader, name, content_type, size, width, height, sha256, data, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			nullable(b.ConversationID), b.Uploader, b.Name, b.ContentType, b.Size, nullable(int64(b.Width)), nullable(int64(b.Height)),
			b.SHA256, data, b.CreatedAt).Scan(&id)
		if IsForeignKeyViolation(err) {
			return errs.E(errs.NotFound, "conversation not found")
		}
		return err
	})
	if err != nil {
		return err
	}
	b.ID = id
	return nil
}

// GetBlob returns a blob's metadata.
func (db *DB) GetBlob(ctx context.Context, id int64) (*blob.Blob, error) {
	b, err := scanBlob(db.read.QueryRowContext(ctx, "SELECT "+blobColumns+" FROM blobs WHERE id = $1", id), nil)
	if err != nil {
		return nil, notFound(err, "attachment")
	}
	return b, nil
}

// OpenBlob returns a blob's metadata and bytes.
func (db *DB) OpenBlob(ctx context.Context, id int64) (*blob.Blob, []byte, error) {
	var data []byte
	b, err := scanBlob(db.read.QueryRowContext(ctx, "SELECT "+blobColumns+", data FROM blobs WHERE id = $1", id), &data)
	if err != nil {
		return nil, nil, notFound(err, "attachment")
	}
	return b, data, nil
}

// AttachBlob sets the conversation of a blob that has none; the guard on NULL makes a concurrent
// second attach, or the orphan cleaner, lose cleanly.
func (db *DB) AttachBlob(ctx context.Context, id, conversationID int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE blobs SET conversation_id = $1 WHERE id = $2 AND conversation_id IS NULL", conversationID, id)
		if IsForeignKeyViolation(err) {
			return errs.E(errs.NotFound, "conversation not found")
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var cur sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT conversation_id FROM blobs WHERE id = $1", id).Scan(&cur); err != nil {
			return notFound(err, "attachment")
		}
		if cur.Int64 != conversationID {
			return errs.Coded(errs.Conflict, "attachment_in_other_conversation", "the attachment belongs to another conversation")
		}
		return nil
	})
}

// UploaderBytesSince sums the sizes of an uploader's blobs created at or after since.
func (db *DB) UploaderBytesSince(ctx context.Context, uploader string, since int64) (int64, error) {
	var n int64
	// SUM of a BIGINT is NUMERIC on PostgreSQL; the cast makes it an integer on both engines.
	err := db.read.QueryRowContext(ctx, "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM blobs WHERE uploader = $1 AND created_at >= $2",
		uploader, since).Scan(&n)
	return n, err
}

// DeleteOrphanBlobs deletes up to limit blobs that have no conversation, are no saved reply's
// attachment nor anyone's channel profile picture, and were created before olderThan. The outer
// conditions repeat the inner ones so that a blob attached meanwhile is kept (PostgreSQL rechecks
// them on the row's newest version).
func (db *DB) DeleteOrphanBlobs(ctx context.Context, olderThan int64, limit int) (int, error) {
	var n int64
	err := db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM blobs WHERE conversation_id IS NULL AND created_at < $1
			AND NOT EXISTS (SELECT 1 FROM saved_replies r WHERE r.attachment_id = blobs.id)
			AND NOT EXISTS (SELECT 1 FROM channel_contacts cc WHERE cc.picture_id = blobs.id) AND id IN (
			SELECT b.id FROM blobs b WHERE b.conversation_id IS NULL AND b.created_at < $1
			AND NOT EXISTS (SELECT 1 FROM saved_replies r WHERE r.attachment_id = b.id)
			AND NOT EXISTS (SELECT 1 FROM channel_contacts cc WHERE cc.picture_id = b.id) ORDER BY b.id LIMIT $2)`, olderThan, limit)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
