package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/playbook"
)

var _ playbook.Repo = (*DB)(nil)

// playbookSelect reads a playbook with its current version's appearance; playbookFlowSelect adds
// that version's flow.
const (
	playbookColumns = `SELECT p.id, p.website_id, p.name, p.active, p.priority, p.delay_seconds, p.targeting, p.version, p.loaded_at,
	COALESCE(p.created_by, 0), p.created_at, p.updated_at, v.appearance`
	playbookFrom       = ` FROM playbooks p JOIN playbook_versions v ON v.playbook_id = p.id AND v.version = p.version `
	playbookSelect     = playbookColumns + playbookFrom
	playbookFlowSelect = playbookColumns + `, v.flow` + playbookFrom
)

func scanPlaybook(row interface{ Scan(...any) error }, withFlow bool) (*playbook.Playbook, error) {
	var p playbook.Playbook
	var active int
	var loaded sql.NullInt64
	var targeting, appearance, flow string
	dest := []any{&p.ID, &p.WebsiteID, &p.Name, &active, &p.Priority, &p.DelaySeconds, &targeting, &p.Version, &loaded,
		&p.CreatedBy, &p.CreatedAt, &p.UpdatedAt, &appearance}
	if withFlow {
		dest = append(dest, &flow)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	p.Active = active != 0
	if loaded.Valid {
		at := loaded.Int64
		p.LoadedAt = &at
	}
	if err := json.Unmarshal([]byte(targeting), &p.Targeting); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(appearance), &p.Appearance); err != nil {
		return nil, err
	}
	if withFlow {
		p.Flow = &playbook.Flow{}
		if err := json.Unmarshal([]byte(flow), p.Flow); err != nil {
			return nil, err
		}
	}
	return &p, nil
}

// activeFlag is the active column's value: both engines store it as an integer.
func activeFlag(active bool) int {
	if active {
		return 1
	}
	return 0
}

func versionJSON(v *playbook.Version) (flow, appearance string, err error) {
	f, err := json.Marshal(v.Flow)
	if err != nil {
		return "", "", err
	}
	a, err := json.Marshal(v.Appearance)
	if err != nil {
		return "", "", err
	}
	return string(f), string(a), nil
}

func insertVersion(ctx context.Context, tx *Tx, v *playbook.Version) error {
	flow, appearance, err := versionJSON(v)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO playbook_versions (playbook_id, version, flow, appearance, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, v.PlaybookID, v.Version, flow, appearance, nullable(v.CreatedBy), v.CreatedAt)
	if IsUniqueViolation(err) {
		return errs.Coded(errs.Conflict, "version_conflict", "someone saved this playbook at the same time; reload it and save again")
	}
	return err
}

// CreatePlaybook inserts a playbook and its first version, setting p.ID and p.Version.
func (db *DB) CreatePlaybook(ctx context.Context, p *playbook.Playbook, v *playbook.Version, evs ...event.Event) error {
	targeting, err := json.Marshal(p.Targeting)
	if err != nil {
		return err
	}
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO playbooks (website_id, name, active, priority, delay_seconds, targeting, version,
				created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9) RETURNING id`,
			p.WebsiteID, p.Name, activeFlag(p.Active), p.Priority, p.DelaySeconds, string(targeting), nullable(p.CreatedBy), p.CreatedAt, p.UpdatedAt).
			Scan(&p.ID)
		if IsForeignKeyViolation(err) {
			return errs.Coded(errs.Invalid, "website_not_found", "website %d does not exist", p.WebsiteID)
		}
		if err != nil {
			return err
		}
		p.Version = 1
		v.PlaybookID, v.Version = p.ID, 1
		return insertVersion(ctx, tx, v)
	})
}

// SavePlaybook stores p's settings and v as version prev+1, if the playbook is still at version
// prev: otherwise someone saved in between, and it answers Conflict.
func (db *DB) SavePlaybook(ctx context.Context, p *playbook.Playbook, v *playbook.Version, prev int, evs ...event.Event) error {
	targeting, err := json.Marshal(p.Targeting)
	if err != nil {
		return err
	}
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE playbooks SET name = $1, active = $2, priority = $3, delay_seconds = $4, targeting = $5,
				version = $6, updated_at = $7
			WHERE id = $8 AND version = $9 AND deleted_at IS NULL`,
			p.Name, activeFlag(p.Active), p.Priority, p.DelaySeconds, string(targeting), prev+1, p.UpdatedAt, p.ID, prev)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			var exists int
			err := tx.QueryRowContext(ctx, "SELECT 1 FROM playbooks WHERE id = $1 AND deleted_at IS NULL", p.ID).Scan(&exists)
			if errors.Is(err, sql.ErrNoRows) {
				return errs.E(errs.NotFound, "playbook not found")
			}
			if err != nil {
				return err
			}
			return errs.Coded(errs.Conflict, "version_conflict", "someone saved this playbook at the same time; reload it and save again")
		}
		p.Version = prev + 1
		v.PlaybookID, v.Version = p.ID, prev+1
		return insertVersion(ctx, tx, v)
	})
}

// PlaybookByID returns a playbook that is not deleted, with its current flow.
func (db *DB) PlaybookByID(ctx context.Context, id int64) (*playbook.Playbook, error) {
	p, err := scanPlaybook(db.read.QueryRowContext(ctx, playbookFlowSelect+"WHERE p.id = $1 AND p.deleted_at IS NULL", id), true)
	if err != nil {
		return nil, notFound(err, "playbook")
	}
	return p, nil
}

// ListPlaybooks lists a website's playbooks (every website's for 0) without flows, highest priority
// first, then oldest first.
func (db *DB) ListPlaybooks(ctx context.Context, websiteID int64) ([]playbook.Playbook, error) {
	rows, err := db.read.QueryContext(ctx, playbookSelect+`WHERE p.deleted_at IS NULL AND (CAST($1 AS BIGINT) = 0 OR p.website_id = $1)
		ORDER BY p.priority DESC, p.id`, websiteID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []playbook.Playbook{}
	for rows.Next() {
		p, err := scanPlaybook(rows, false)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, rows.Err()
}

// DeletePlaybook marks a playbook deleted (and inactive). Its versions stay, for the conversations
// running them.
func (db *DB) DeletePlaybook(ctx context.Context, id, at int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		return expectOne(tx.ExecContext(ctx, "UPDATE playbooks SET deleted_at = $1, active = 0, updated_at = $1 WHERE id = $2 AND deleted_at IS NULL",
			at, id))("playbook")
	})
}

// SetPlaybookActive switches a playbook on or off.
func (db *DB) SetPlaybookActive(ctx context.Context, id int64, active bool, at int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		return expectOne(tx.ExecContext(ctx, "UPDATE playbooks SET active = $1, updated_at = $2 WHERE id = $3 AND deleted_at IS NULL",
			activeFlag(active), at, id))("playbook")
	})
}

const versionColumns = `SELECT playbook_id, version, appearance, COALESCE(created_by, 0), created_at`

func scanVersion(row interface{ Scan(...any) error }, withFlow bool) (*playbook.Version, error) {
	var v playbook.Version
	var appearance, flow string
	dest := []any{&v.PlaybookID, &v.Version, &appearance, &v.CreatedBy, &v.CreatedAt}
	if withFlow {
		dest = append(dest, &flow)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(appearance), &v.Appearance); err != nil {
		return nil, err
	}
	if withFlow {
		v.Flow = &playbook.Flow{}
		if err := json.Unmarshal([]byte(flow), v.Flow); err != nil {
			return nil, err
		}
	}
	return &v, nil
}

// PlaybookVersion returns one version with its flow, also of a deleted playbook.
func (db *DB) PlaybookVersion(ctx context.Context, playbookID int64, version int) (*playbook.Version, error) {
	v, err := scanVersion(db.read.QueryRowContext(ctx, versionColumns+`, flow FROM playbook_versions WHERE playbook_id = $1 AND version = $2`,
		playbookID, version), true)
	if err != nil {
		return nil, notFound(err, "playbook version")
	}
	return v, nil
}

// PlaybookVersions lists a playbook's versions without flows, newest first.
func (db *DB) PlaybookVersions(ctx context.Context, playbookID int64) ([]playbook.Version, error) {
	rows, err := db.read.QueryContext(ctx, versionColumns+` FROM playbook_versions WHERE playbook_id = $1 ORDER BY version DESC`, playbookID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []playbook.Version{}
	for rows.Next() {
		v, err := scanVersion(rows, false)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, rows.Err()
}

// MarkPlaybookLoaded sets loaded_at the first time a widget loads the playbook, reporting whether
// this call set it. Later calls change nothing.
func (db *DB) MarkPlaybookLoaded(ctx context.Context, id, at int64) (bool, error) {
	var set bool
	err := db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE playbooks SET loaded_at = $1 WHERE id = $2 AND loaded_at IS NULL", at, id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		set = n == 1
		return err
	})
	return set, err
}
