package crm

import (
	"context"
	"slices"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
)

// Bulk actions on a list's chosen records: a new owner, a label more, or deletion (admins). Each
// record is changed as one change of its own (its history, its event), under the same rules as
// one at a time; what the actor may not do to a record is reported for it and the others go on.

// Bulk actions.
const (
	BulkOwner  = "owner"     // OwnerUserID (0: nobody)
	BulkLabel  = "add_label" // Label
	BulkDelete = "delete"    // admins
)

// MaxBulk is how many records one bulk action takes.
const MaxBulk = 500

// BulkInput is a bulk action on records of one type.
type BulkInput struct {
	IDs         []int64 `json:"ids"`
	Action      string  `json:"action"`
	OwnerUserID *int64  `json:"owner_user_id"`
	Label       string  `json:"label"`
}

// BulkResult says what a bulk action did to each record.
type BulkResult struct {
	Done   []int64       `json:"done"`
	Failed []BulkFailure `json:"failed"`
}

// BulkFailure is a record a bulk action left as it was, and why.
type BulkFailure struct {
	ID      int64  `json:"id"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Bulk applies a bulk action to records of type t.
func (s *Service) Bulk(ctx context.Context, actor *auth.User, t RecordType, in BulkInput) (*BulkResult, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	if !t.Valid() {
		return nil, errs.Coded(errs.Invalid, "record_type_invalid", "record_type must be person, organization, lead, deal or activity")
	}
	ids := slices.Clone(in.IDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 || len(ids) > MaxBulk || ids[0] <= 0 {
		return nil, errs.Coded(errs.Invalid, "ids_invalid", "ids: 1 to %d record ids", MaxBulk)
	}
	var label []string
	switch in.Action {
	case BulkOwner:
		if in.OwnerUserID == nil {
			return nil, errs.Coded(errs.Invalid, "owner_user_id_required", "owner_user_id is required (0: nobody)")
		}
		if err := s.checkOwnerChange(ctx, -1, *in.OwnerUserID); err != nil {
			return nil, err
		}
	case BulkLabel:
		l, err := cleanLabels([]string{in.Label})
		if err != nil {
			return nil, err
		}
		if len(l) == 0 {
			return nil, errs.Coded(errs.Invalid, "label_required", "label is required")
		}
		label = l
	case BulkDelete:
		if err := CanDelete(actor); err != nil {
			return nil, err
		}
	default:
		return nil, errs.Coded(errs.Invalid, "action_invalid", "action must be owner, add_label or delete")
	}
	res := &BulkResult{Done: []int64{}, Failed: []BulkFailure{}}
	for _, id := range ids {
		var err error
		switch in.Action {
		case BulkDelete:
			err = s.deleteOne(ctx, actor, t, id)
		case BulkOwner:
			err = s.patchOne(ctx, actor, t, id, func(_ []string) (owner *int64, labels *[]string) { return in.OwnerUserID, nil })
		case BulkLabel:
			err = s.patchOne(ctx, actor, t, id, func(cur []string) (*int64, *[]string) {
				next := append(slices.Clone(cur), label...)
				return nil, &next
			})
		}
		if err != nil {
			if errs.KindOf(err) == errs.Internal {
				return nil, err
			}
			code, msg := errs.Public(err)
			res.Failed = append(res.Failed, BulkFailure{ID: id, Code: code, Message: msg})
			continue
		}
		res.Done = append(res.Done, id)
	}
	return res, nil
}

func (s *Service) deleteOne(ctx context.Context, actor *auth.User, t RecordType, id int64) error {
	switch t {
	case PersonType:
		return s.DeletePerson(ctx, actor, id)
	case OrganizationType:
		return s.DeleteOrganization(ctx, actor, id)
	case LeadType:
		return s.DeleteLead(ctx, actor, id)
	case DealType:
		return s.DeleteDeal(ctx, actor, id)
	}
	return s.DeleteActivity(ctx, actor, id)
}

// patchOne changes one record's owner or labels (change: from its labels now, what to set).
func (s *Service) patchOne(ctx context.Context, actor *auth.User, t RecordType, id int64, change func(labels []string) (*int64, *[]string)) error {
	rec, err := s.recordOf(ctx, t, id)
	if err != nil {
		return err
	}
	switch r := rec.(type) {
	case *Person:
		o, l := change(r.Labels)
		_, err = s.UpdatePerson(ctx, actor, id, PersonPatch{OwnerUserID: o, Labels: l})
	case *Organization:
		o, l := change(r.Labels)
		_, err = s.UpdateOrganization(ctx, actor, id, OrganizationPatch{OwnerUserID: o, Labels: l})
	case *Lead:
		o, l := change(r.Labels)
		_, err = s.UpdateLead(ctx, actor, id, LeadPatch{OwnerUserID: o, Labels: l})
	case *Deal:
		o, l := change(r.Labels)
		_, err = s.UpdateDeal(ctx, actor, id, DealPatch{OwnerUserID: o, Labels: l})
	case *Activity:
		o, l := change(r.Labels)
		_, err = s.UpdateActivity(ctx, actor, id, ActivityPatch{OwnerUserID: o, Labels: l})
	}
	return err
}
