package crm

import (
	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
)

// The rules of who may do what with CRM items, decided here and only here. Links to conversations
// and contacts add the conversation's own rule (the actor must see it), which the conversation
// service decides.

// CanUse decides whether u may work with the CRM at all: create, read, list and edit items. Every
// active user may — agents, admins and the owner — since the pipeline is the team's.
func CanUse(u *auth.User) error {
	if u == nil || u.Deactivated || !u.Role.Valid() {
		return errs.E(errs.Forbidden, "only active users may work with leads")
	}
	return nil
}

// CanDeleteLead decides whether u may delete l: admins and the owner, and the lead's own owner or
// creator.
func CanDeleteLead(u *auth.User, l *Lead) error {
	if err := CanUse(u); err != nil {
		return err
	}
	if u.Role.IsAdmin() || (l.OwnerUserID != 0 && l.OwnerUserID == u.ID) || (l.CreatedByUserID != 0 && l.CreatedByUserID == u.ID) {
		return nil
	}
	return errs.E(errs.Forbidden, "only an admin, the lead's owner or the person who created it may delete this lead")
}

// LeadAllowed is what the actor may do with a lead now, so the interface shows only the buttons
// that work.
type LeadAllowed struct {
	Edit   bool `json:"edit"`
	Delete bool `json:"delete"`
}

// LeadAllowedFor computes LeadAllowed from the same rules the actions use.
func LeadAllowedFor(u *auth.User, l *Lead) LeadAllowed {
	return LeadAllowed{Edit: CanUse(u) == nil, Delete: CanDeleteLead(u, l) == nil}
}
