package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/search"
)

// Conversation tags and saved views (search.TagRepo, search.ViewRepo).

var (
	_ search.TagRepo  = (*DB)(nil)
	_ search.ViewRepo = (*DB)(nil)
)

// ListTags lists every tag by name, with how many conversations carry it.
func (db *DB) ListTags(ctx context.Context) ([]search.TagInfo, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT t.id, t.name, t.color, t.created_at, t.updated_at,
		(SELECT COUNT(*) FROM conversation_tags ct WHERE ct.tag_id = t.id) FROM tags t ORDER BY t.name_key, t.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []search.TagInfo{}
	for rows.Next() {
		var t search.TagInfo
		if err := rows.Scan(&t.ID, &t.Name, &t.Color, &t.CreatedAt, &t.UpdatedAt, &t.Conversations); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TagByID returns a tag.
func (db *DB) TagByID(ctx context.Context, id int64) (*conversation.Tag, error) {
	var t conversation.Tag
	err := db.read.QueryRowContext(ctx, "SELECT id, name, color FROM tags WHERE id = $1", id).Scan(&t.ID, &t.Name, &t.Color)
	if err != nil {
		return nil, notFound(err, "tag")
	}
	return &t, nil
}

// EnsureTag returns the tag of key, making it when there is none.
func (db *DB) EnsureTag(ctx context.Context, name, key string, at int64) (*conversation.Tag, error) {
	var t conversation.Tag
	err := db.InTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, "SELECT id, name, color FROM tags WHERE name_key = $1", key).Scan(&t.ID, &t.Name, &t.Color)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		t = conversation.Tag{Name: name}
		return tx.QueryRowContext(ctx, `INSERT INTO tags (name, name_key, color, created_at, updated_at) VALUES ($1, $2, '', $3, $3)
			ON CONFLICT (name_key) DO UPDATE SET name_key = excluded.name_key RETURNING id, name, color`, name, key, at).Scan(&t.ID, &t.Name, &t.Color)
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// TagConversation adds or removes a conversation's tag, with evs when it changed anything.
func (db *DB) TagConversation(ctx context.Context, convID, tagID, userID int64, add bool, at int64, evs ...event.Event) (bool, error) {
	changed := false
	err := db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		var res sql.Result
		var err error
		if add {
			res, err = tx.ExecContext(ctx, `INSERT INTO conversation_tags (conversation_id, tag_id, created_by, created_at)
				VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, convID, tagID, nullable(userID), at)
		} else {
			res, err = tx.ExecContext(ctx, "DELETE FROM conversation_tags WHERE conversation_id = $1 AND tag_id = $2", convID, tagID)
		}
		if IsForeignKeyViolation(err) {
			return errs.E(errs.NotFound, "tag not found")
		}
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if changed = n > 0; !changed {
			return errUnchanged
		}
		return nil
	})
	if errors.Is(err, errUnchanged) {
		return false, nil
	}
	return changed, err
}

// errUnchanged rolls back a write that changed nothing, with its events.
var errUnchanged = errors.New("unchanged")

// ConversationTags returns a conversation's tags by name.
func (db *DB) ConversationTags(ctx context.Context, convID int64) ([]conversation.Tag, error) {
	m, err := db.tagsOf(ctx, []int64{convID})
	if err != nil {
		return nil, err
	}
	if m[convID] == nil {
		return []conversation.Tag{}, nil
	}
	return m[convID], nil
}

// tagsOf returns the tags of conversations, by conversation.
func (db *DB) tagsOf(ctx context.Context, ids []int64) (map[int64][]conversation.Tag, error) {
	out := map[int64][]conversation.Tag{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := db.read.QueryContext(ctx, `SELECT ct.conversation_id, t.id, t.name, t.color FROM conversation_tags ct
		JOIN tags t ON t.id = ct.tag_id WHERE ct.conversation_id IN (`+placeholders(1, len(ids))+`) ORDER BY t.name_key`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var conv int64
		var t conversation.Tag
		if err := rows.Scan(&conv, &t.ID, &t.Name, &t.Color); err != nil {
			return nil, err
		}
		out[conv] = append(out[conv], t)
	}
	return out, rows.Err()
}

// UpdateTag saves a tag's name and colour.
func (db *DB) UpdateTag(ctx context.Context, t *conversation.Tag, key string, at int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		err := expectOne(tx.ExecContext(ctx, "UPDATE tags SET name = $1, name_key = $2, color = $3, updated_at = $4 WHERE id = $5",
			t.Name, key, t.Color, at, t.ID))("tag")
		if IsUniqueViolation(err) {
			return errs.Coded(errs.Conflict, "tag_name_taken", "another tag is named %q: merge them instead", t.Name)
		}
		return err
	})
}

// MergeTags moves tag from's conversations onto into and deletes from.
func (db *DB) MergeTags(ctx context.Context, from, into int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO conversation_tags (conversation_id, tag_id, created_by, created_at)
			SELECT conversation_id, $2, created_by, created_at FROM conversation_tags WHERE tag_id = $1
			ON CONFLICT DO NOTHING`, from, into); err != nil {
			return err
		}
		return expectOne(tx.ExecContext(ctx, "DELETE FROM tags WHERE id = $1", from))("tag")
	})
}

// DeleteTag deletes a tag (and, by cascade, its place on conversations).
func (db *DB) DeleteTag(ctx context.Context, id int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		return expectOne(tx.ExecContext(ctx, "DELETE FROM tags WHERE id = $1", id))("tag")
	})
}

const viewColumns = "id, name, filters, COALESCE(owner_id, 0), position, COALESCE(created_by, 0), created_at, updated_at"

func scanView(row rowScanner) (*search.View, error) {
	var v search.View
	if err := row.Scan(&v.ID, &v.Name, &v.Filters, &v.OwnerID, &v.Position, &v.CreatedBy, &v.CreatedAt, &v.UpdatedAt); err != nil {
		return nil, err
	}
	v.Shared = v.OwnerID == 0
	return &v, nil
}

// ListViews returns the shared views and the user's own.
func (db *DB) ListViews(ctx context.Context, userID int64) ([]search.View, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+viewColumns+` FROM saved_views WHERE owner_id IS NULL OR owner_id = $1
		ORDER BY position, name, id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []search.View{}
	for rows.Next() {
		v, err := scanView(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, rows.Err()
}

// ViewByID returns a view.
func (db *DB) ViewByID(ctx context.Context, id int64) (*search.View, error) {
	v, err := scanView(db.read.QueryRowContext(ctx, "SELECT "+viewColumns+" FROM saved_views WHERE id = $1", id))
	if err != nil {
		return nil, notFound(err, "view")
	}
	return v, nil
}

// CreateView inserts a view and sets its id.
func (db *DB) CreateView(ctx context.Context, v *search.View) error {
	return db.InTx(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO saved_views (name, owner_id, filters, position, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, v.Name, nullable(v.OwnerID), v.Filters, v.Position, nullable(v.CreatedBy),
			v.CreatedAt, v.UpdatedAt).Scan(&v.ID)
	})
}

// UpdateView saves a view.
func (db *DB) UpdateView(ctx context.Context, v *search.View) error {
	return db.InTx(ctx, func(tx *Tx) error {
		return expectOne(tx.ExecContext(ctx, `UPDATE saved_views SET name = $1, owner_id = $2, filters = $3, position = $4, updated_at = $5
			WHERE id = $6`, v.Name, nullable(v.OwnerID), v.Filters, v.Position, v.UpdatedAt, v.ID))("view")
	})
}

// DeleteView deletes a view.
func (db *DB) DeleteView(ctx context.Context, id int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		return expectOne(tx.ExecContext(ctx, "DELETE FROM saved_views WHERE id = $1", id))("view")
	})
}
