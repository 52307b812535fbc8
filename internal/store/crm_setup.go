package store

import (
	"context"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// The CRM's set-up: pipelines with their stages, and custom fields.

// Pipelines returns every pipeline with its stages, in order.
func (db *DB) Pipelines(ctx context.Context) ([]crm.Pipeline, error) {
	return db.pipelines(ctx, 0)
}

// PipelineByID returns a pipeline with its stages.
func (db *DB) PipelineByID(ctx context.Context, id int64) (*crm.Pipeline, error) {
	ps, err := db.pipelines(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, errs.E(errs.NotFound, "pipeline not found")
	}
	return &ps[0], nil
}

// pipelines reads one pipeline (id) or all (0), with their stages.
func (db *DB) pipelines(ctx context.Context, id int64) ([]crm.Pipeline, error) {
	where := ""
	args := []any{}
	if id != 0 {
		where, args = " WHERE id = $1", []any{id}
	}
	out, err := list(ctx, db, "SELECT id, name, position, is_default, created_at, updated_at FROM pipelines"+where+" ORDER BY position, id", args,
		func(row rowScanner) (*crm.Pipeline, error) {
			var p crm.Pipeline
			var def int64
			err := row.Scan(&p.ID, &p.Name, &p.Position, &def, &p.CreatedAt, &p.UpdatedAt)
			p.Default, p.Stages = def != 0, []crm.Stage{}
			return &p, err
		})
	if err != nil || len(out) == 0 {
		return out, err
	}
	swhere := ""
	if id != 0 {
		swhere = " WHERE pipeline_id = $1"
	}
	stages, err := list(ctx, db, "SELECT id, pipeline_id, name, position, probability, created_at, updated_at FROM pipeline_stages"+swhere+
		" ORDER BY pipeline_id, position, id", args, func(row rowScanner) (*crm.Stage, error) {
		var s crm.Stage
		err := row.Scan(&s.ID, &s.PipelineID, &s.Name, &s.Position, &s.Probability, &s.CreatedAt, &s.UpdatedAt)
		return &s, err
	})
	if err != nil {
		return nil, err
	}
	for _, s := range stages {
		for i := range out {
			if out[i].ID == s.PipelineID {
				out[i].Stages = append(out[i].Stages, s)
			}
		}
	}
	return out, nil
}

// SavePipeline inserts a pipeline (ID 0) or saves it and its stages, guarded by prevUpdatedAt.
func (db *DB) SavePipeline(ctx context.Context, p *crm.Pipeline, prevUpdatedAt int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		if p.ID == 0 {
			if err := tx.QueryRowContext(ctx, `INSERT INTO pipelines (name, position, is_default, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)
				RETURNING id`, p.Name, p.Position, boolInt(p.Default), p.CreatedAt, p.UpdatedAt).Scan(&p.ID); err != nil {
				return err
			}
		} else if err := tx.guarded(ctx, "pipelines", "pipeline", p.ID, `UPDATE pipelines SET name = $1, position = $2, is_default = $3, updated_at = $4
			WHERE id = $5 AND updated_at = $6`, p.Name, p.Position, boolInt(p.Default), p.UpdatedAt, p.ID, prevUpdatedAt); err != nil {
			return err
		}
		if p.Default {
			if _, err := tx.ExecContext(ctx, "UPDATE pipelines SET is_default = 0 WHERE id <> $1 AND is_default <> 0", p.ID); err != nil {
				return err
			}
		}
		// Stages left out go first (refused while deals are in them), then the rest in order.
		keep := []string{"0"}
		args := []any{p.ID}
		for _, s := range p.Stages {
			if s.ID != 0 {
				args = append(args, s.ID)
				keep = append(keep, "$"+strconv.Itoa(len(args)))
			}
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM pipeline_stages WHERE pipeline_id = $1 AND id NOT IN ("+strings.Join(keep, ", ")+")", args...)
		if IsForeignKeyViolation(err) {
			return errs.Coded(errs.Conflict, "stage_in_use", "a stage that holds deals cannot be removed; move its deals first")
		}
		if err != nil {
			return err
		}
		for i := range p.Stages {
			s := &p.Stages[i]
			s.PipelineID = p.ID
			if s.ID == 0 {
				err = tx.QueryRowContext(ctx, `INSERT INTO pipeline_stages (pipeline_id, name, position, probability, created_at, updated_at)
					VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, p.ID, s.Name, s.Position, s.Probability, s.CreatedAt, s.UpdatedAt).Scan(&s.ID)
			} else {
				_, err = tx.ExecContext(ctx, `UPDATE pipeline_stages SET name = $1, position = $2, probability = $3, updated_at = $4
					WHERE id = $5 AND pipeline_id = $6`, s.Name, s.Position, s.Probability, p.UpdatedAt, s.ID, p.ID)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// DeletePipeline removes a pipeline and its stages; one that holds deals stays.
func (db *DB) DeletePipeline(ctx context.Context, id int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM deals WHERE pipeline_id = $1", id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.Coded(errs.Conflict, "pipeline_in_use", "the pipeline holds %d deals; move them first", n)
		}
		return expectOne(tx.ExecContext(ctx, "DELETE FROM pipelines WHERE id = $1", id))("pipeline")
	})
}

const fieldColumns = "id, record_type, key, label, type, options, position, created_at, updated_at"

func scanField(row rowScanner) (*crm.Field, error) {
	var f crm.Field
	var opts string
	if err := row.Scan(&f.ID, &f.RecordType, &f.Key, &f.Label, &f.Type, &opts, &f.Position, &f.CreatedAt, &f.UpdatedAt); err != nil {
		return nil, err
	}
	return &f, unjson(opts, &f.Options, "field options")
}

// Fields returns the custom fields of a record type (all when t is empty), in order.
func (db *DB) Fields(ctx context.Context, t crm.RecordType) ([]crm.Field, error) {
	if t == "" {
		return list(ctx, db, "SELECT "+fieldColumns+" FROM crm_fields ORDER BY record_type, position, id", nil, scanField)
	}
	return list(ctx, db, "SELECT "+fieldColumns+" FROM crm_fields WHERE record_type = $1 ORDER BY position, id", []any{t}, scanField)
}

// FieldByID returns a custom field.
func (db *DB) FieldByID(ctx context.Context, id int64) (*crm.Field, error) {
	f, err := scanField(db.read.QueryRowContext(ctx, "SELECT "+fieldColumns+" FROM crm_fields WHERE id = $1", id))
	if err != nil {
		return nil, notFound(err, "custom field")
	}
	return f, nil
}

// SaveField inserts a custom field (ID 0) or saves it, guarded by prevUpdatedAt.
func (db *DB) SaveField(ctx context.Context, f *crm.Field, prevUpdatedAt int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		if f.ID == 0 {
			err := tx.QueryRowContext(ctx, `INSERT INTO crm_fields (record_type, key, label, type, options, position, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, f.RecordType, f.Key, f.Label, f.Type, jsonText(f.Options), f.Position,
				f.CreatedAt, f.UpdatedAt).Scan(&f.ID)
			if IsUniqueViolation(err) {
				return errs.Coded(errs.Conflict, "key_taken", "a %s field with key %q exists already", f.RecordType, f.Key)
			}
			return err
		}
		return tx.guarded(ctx, "crm_fields", "custom field", f.ID, `UPDATE crm_fields SET label = $1, options = $2, position = $3, updated_at = $4
			WHERE id = $5 AND updated_at = $6`, f.Label, jsonText(f.Options), f.Position, f.UpdatedAt, f.ID, prevUpdatedAt)
	})
}

// DeleteField removes a custom field.
func (db *DB) DeleteField(ctx context.Context, id int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		return expectOne(tx.ExecContext(ctx, "DELETE FROM crm_fields WHERE id = $1", id))("custom field")
	})
}
