package crm

import (
	"context"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// The CRM's set-up: pipelines and custom fields. Everyone reads them; admins change them.

// ListPipelines returns every pipeline with its stages, in order.
func (s *Service) ListPipelines(ctx context.Context, actor *auth.User) ([]Pipeline, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	return s.repo.Pipelines(ctx)
}

// GetPipeline returns a pipeline with its stages.
func (s *Service) GetPipeline(ctx context.Context, actor *auth.User, id int64) (*Pipeline, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	return s.repo.PipelineByID(ctx, id)
}

// CreatePipeline makes a pipeline (admins only).
func (s *Service) CreatePipeline(ctx context.Context, actor *auth.User, in PipelineInput) (*Pipeline, error) {
	if err := CanConfigure(actor); err != nil {
		return nil, err
	}
	now := s.nowMS()
	p := &Pipeline{CreatedAt: now, UpdatedAt: now}
	if in.Default != nil && !*in.Default {
		in.Default = nil
	}
	if err := in.apply(p, now); err != nil {
		return nil, err
	}
	evs := []event.Event{recordEvent(event.PipelineCreated, actor, p)}
	if err := s.repo.SavePipeline(ctx, p, 0, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, evs...)
	return s.repo.PipelineByID(ctx, p.ID)
}

// UpdatePipeline changes a pipeline and its stages (admins only).
func (s *Service) UpdatePipeline(ctx context.Context, actor *auth.User, id int64, in PipelineInput) (*Pipeline, error) {
	if err := CanConfigure(actor); err != nil {
		return nil, err
	}
	err := retryChanged(func() error {
		cur, err := s.repo.PipelineByID(ctx, id)
		if err != nil {
			return err
		}
		now := s.nowMS()
		next := *cur
		next.Stages = append([]Stage(nil), cur.Stages...)
		if err := in.apply(&next, now); err != nil {
			return err
		}
		if same(&next, cur) {
			return nil
		}
		next.UpdatedAt = bump(now, cur.UpdatedAt)
		evs := []event.Event{recordEvent(event.PipelineUpdated, actor, &next)}
		if err := s.repo.SavePipeline(ctx, &next, cur.UpdatedAt, evs...); err != nil {
			return err
		}
		s.committed(ctx, evs...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.repo.PipelineByID(ctx, id)
}

// DeletePipeline removes a pipeline without deals (admins only); the default one stays.
func (s *Service) DeletePipeline(ctx context.Context, actor *auth.User, id int64) error {
	if err := CanConfigure(actor); err != nil {
		return err
	}
	p, err := s.repo.PipelineByID(ctx, id)
	if err != nil {
		return err
	}
	if p.Default {
		return errs.Coded(errs.Conflict, "pipeline_default", "the default pipeline cannot be deleted; make another one the default first")
	}
	evs := []event.Event{deletedEvent(event.PipelineDeleted, actor, "pipeline", id)}
	if err := s.repo.DeletePipeline(ctx, id, evs...); err != nil {
		return err
	}
	s.committed(ctx, evs...)
	return nil
}

// ListFields returns the custom fields of a record type (all types when t is empty), in order.
func (s *Service) ListFields(ctx context.Context, actor *auth.User, t RecordType) ([]Field, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	if t != "" && !t.Valid() {
		return nil, errs.Coded(errs.Invalid, "record_type_invalid", "record_type must be person, organization, lead, deal or activity")
	}
	return s.repo.Fields(ctx, t)
}

// CreateField defines a custom field (admins only).
func (s *Service) CreateField(ctx context.Context, actor *auth.User, in FieldInput) (*Field, error) {
	if err := CanConfigure(actor); err != nil {
		return nil, err
	}
	f, err := newField(in)
	if err != nil {
		return nil, err
	}
	have, err := s.repo.Fields(ctx, f.RecordType)
	if err != nil {
		return nil, err
	}
	if len(have) >= MaxFields {
		return nil, errs.Coded(errs.Conflict, "too_many_fields", "a record type has at most %d custom fields", MaxFields)
	}
	if in.Position == nil {
		f.Position = len(have)
	}
	now := s.nowMS()
	f.CreatedAt, f.UpdatedAt = now, now
	evs := []event.Event{recordEvent(event.CustomFieldCreated, actor, f)}
	if err := s.repo.SaveField(ctx, f, 0, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, evs...)
	return f, nil
}

// UpdateField changes a custom field's label, options or position (admins only). Values of
// options removed stay on records until changed.
func (s *Service) UpdateField(ctx context.Context, actor *auth.User, id int64, p FieldPatch) (*Field, error) {
	if err := CanConfigure(actor); err != nil {
		return nil, err
	}
	var out *Field
	err := retryChanged(func() error {
		cur, err := s.repo.FieldByID(ctx, id)
		if err != nil {
			return err
		}
		next := *cur
		if err := p.apply(&next); err != nil {
			return err
		}
		if same(&next, cur) {
			out = cur
			return nil
		}
		next.UpdatedAt = bump(s.nowMS(), cur.UpdatedAt)
		evs := []event.Event{recordEvent(event.CustomFieldUpdated, actor, &next)}
		if err := s.repo.SaveField(ctx, &next, cur.UpdatedAt, evs...); err != nil {
			return err
		}
		s.committed(ctx, evs...)
		out = &next
		return nil
	})
	return out, err
}

// DeleteField removes a custom field (admins only); records no longer show its values.
func (s *Service) DeleteField(ctx context.Context, actor *auth.User, id int64) error {
	if err := CanConfigure(actor); err != nil {
		return err
	}
	f, err := s.repo.FieldByID(ctx, id)
	if err != nil {
		return err
	}
	evs := []event.Event{deletedEvent(event.CustomFieldDeleted, actor, f.RecordType, id)}
	if err := s.repo.DeleteField(ctx, id, evs...); err != nil {
		return err
	}
	s.committed(ctx, evs...)
	return nil
}
