package auth

import "github.com/parleyhq/parley/internal/errs"

// Action is something a user asks to do with accounts.
type Action string

const (
	ViewPeople   Action = "view_people"   // list users and teams (everyone: the inbox shows colleagues)
	ManagePeople Action = "manage_people" // create and change users and teams
	ManageOwn    Action = "manage_own"    // own profile, password, sessions and API tokens
	ManageSetup  Action = "manage_setup"  // inboxes, websites, channels, playbooks
)

// Authorize decides whether actor may perform act. Every endpoint that touches accounts asks here.
func Authorize(actor *User, act Action) error {
	if actor == nil || actor.Deactivated {
		return errs.E(errs.Unauthenticated, "sign in first")
	}
	switch act {
	case ViewPeople, ManageOwn:
		return nil
	case ManagePeople:
		if actor.Role.IsAdmin() {
			return nil
		}
		return errs.E(errs.Forbidden, "only admins may manage users and teams")
	case ManageSetup:
		if actor.Role.IsAdmin() {
			return nil
		}
		return errs.E(errs.Forbidden, "only admins may change inboxes and their settings")
	}
	return errs.E(errs.Forbidden, "not allowed")
}

// UserChange describes a change an admin makes to a user (or a new user, when Target is nil).
type UserChange struct {
	Target      *User // nil when creating
	NewRole     Role  // empty when the role does not change
	Deactivate  bool
	OwnersAfter int // active owners left if the change goes through
}

// AuthorizeUserChange decides whether actor may create or change a user as described. Only owners
// create, change or promote owners; nobody demotes or deactivates the last active owner; nobody
// deactivates themselves (they would lock themselves out).
func AuthorizeUserChange(actor *User, c UserChange) error {
	if err := Authorize(actor, ManagePeople); err != nil {
		return err
	}
	touchesOwner := c.NewRole == Owner || (c.Target != nil && c.Target.Role == Owner)
	if touchesOwner && actor.Role != Owner {
		return errs.E(errs.Forbidden, "only an owner may create or change owners")
	}
	if c.Target != nil && c.Deactivate && c.Target.ID == actor.ID {
		return errs.Coded(errs.Conflict, "cannot_deactivate_self", "you cannot deactivate yourself")
	}
	if c.Target != nil && c.Target.Role == Owner && !c.Target.Deactivated && c.OwnersAfter < 1 {
		return errs.Coded(errs.Conflict, "last_owner", "the account needs at least one active owner")
	}
	return nil
}
