package crm

import (
	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
)

// The rules of who may do what with CRM records, decided here and only here. Every active user
// sees every record: the pipeline is the team's. What a record holds from a conversation (a note's
// excerpt) adds the conversation's own rule, which the conversation service decides (CanSee).

// CanUse decides whether u may work with the CRM at all: read records and create them.
func CanUse(u *auth.User) error {
	if u == nil || u.Deactivated || !u.Role.Valid() {
		return errs.E(errs.Forbidden, "only active users may work with the CRM")
	}
	return nil
}

// CanEdit decides whether u may change a record owned by ownerID (0: nobody): admins and the owner
// may, and anyone while a record is unowned.
func CanEdit(u *auth.User, ownerID int64) error {
	if err := CanUse(u); err != nil {
		return err
	}
	if u.Role.IsAdmin() || ownerID == 0 || ownerID == u.ID {
		return nil
	}
	return errs.E(errs.Forbidden, "only the record's owner or an admin may change it")
}

// CanDelete decides whether u may delete records: admins (and the owner of the account) only.
func CanDelete(u *auth.User) error {
	if err := CanUse(u); err != nil {
		return err
	}
	if u.Role.IsAdmin() {
		return nil
	}
	return errs.E(errs.Forbidden, "only admins may delete records")
}

// CanConfigure decides whether u may change the CRM's set-up: pipelines and custom fields.
func CanConfigure(u *auth.User) error {
	if err := CanUse(u); err != nil {
		return err
	}
	if u.Role.IsAdmin() {
		return nil
	}
	return errs.E(errs.Forbidden, "only admins may change pipelines and custom fields")
}

// Allowed is what the actor may do with a record now, so the interface shows only the buttons
// that work.
type Allowed struct {
	Edit   bool `json:"edit"`
	Delete bool `json:"delete"`
}

// AllowedFor computes Allowed from the same rules the actions use.
func AllowedFor(u *auth.User, ownerID int64) Allowed {
	return Allowed{Edit: CanEdit(u, ownerID) == nil, Delete: CanDelete(u) == nil}
}

// noteOwner is whose a note is for the rules: its author's. A note that follows a conversation has
// no author, so anyone who may read it may edit it.
func noteOwner(n *Note) int64 { return n.CreatedByUserID }
