package conversation

import (
	"slices"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
)

// The rules of docs/product.md's Inbox section, decided here and only here.

// Access is what the rules know about a user and one inbox.
type Access struct {
	User   *auth.User
	Inbox  *inbox.Inbox
	Member bool // the user is a member of the inbox
}

func (a Access) active() bool { return a.User != nil && !a.User.Deactivated && a.Inbox != nil }

// HasInbox reports whether the user works in the inbox at all: admins do (they see every inbox,
// a choice of ours), agents when they are members.
func (a Access) HasInbox() bool { return a.active() && (a.User.Role.IsAdmin() || a.Member) }

// seesAll reports whether the user sees every conversation of the inbox, including those assigned
// to others: admins always; members when the inbox is shared.
func (a Access) seesAll() bool {
	return a.active() && (a.User.Role.IsAdmin() || (a.Member && a.Inbox.Visibility == inbox.Shared))
}

// CanSee reports whether the user may see conversation c. In a private inbox a conversation
// assigned to someone is hidden from other agents until it is unassigned or closed.
// A conversation the bot still holds alone is nobody's yet.
func CanSee(a Access, c *Conversation) bool {
	if !a.HasInbox() || c.InboxID != a.Inbox.ID || c.WithBot {
		return false
	}
	if a.seesAll() {
		return true
	}
	return c.Status == Closed || c.AssigneeID == 0 || c.AssigneeID == a.User.ID
}

// notVisible is the answer to acting on a conversation one may not see: as if it did not exist.
func notVisible() error { return errs.E(errs.NotFound, "conversation not found") }

// Target is a prospective assignee as the rules see them.
type Target struct {
	User      *auth.User
	HasInbox  bool // the target works in the conversation's inbox
	Available bool // toggle on and the inbox open somewhere
}

// CanAssign decides whether the actor may give c to target (nil: back to Unassigned). Only
// available users with access to the inbox receive conversations — not even themselves when
// unavailable — and a closed conversation is not reassigned.
func CanAssign(a Access, c *Conversation, target *Target) error {
	if !CanSee(a, c) {
		return notVisible()
	}
	if c.Status == Closed {
		return errs.Coded(errs.Conflict, "conversation_closed", "a closed conversation cannot be reassigned")
	}
	if target == nil {
		return nil
	}
	if target.User == nil || target.User.Deactivated || !target.HasInbox {
		return errs.Coded(errs.Invalid, "assignee_no_access", "that user has no access to this inbox")
	}
	if !target.Available {
		if target.User.ID == a.User.ID {
			return errs.Coded(errs.Conflict, "you_unavailable", "you are not available: turn your availability on to take conversations")
		}
		return errs.Coded(errs.Conflict, "assignee_unavailable", "%s is not available", target.User.Name)
	}
	return nil
}

// CanStartChat decides whether the actor may start a conversation with a visitor on the website
// (a proactive chat): whoever works in its inbox and is available, since the new conversation is
// theirs at once.
func CanStartChat(a Access, available bool) error {
	if !a.HasInbox() {
		return errs.E(errs.NotFound, "website not found")
	}
	if !available {
		return errs.Coded(errs.Conflict, "you_unavailable", "you are not available: turn your availability on to start chats")
	}
	return nil
}

// mayClose is the one definition of who may close and reopen: the assignee, an admin or the owner,
// and in a shared inbox any member.
func mayClose(a Access, c *Conversation) bool {
	return a.User.Role.IsAdmin() || c.AssigneeID == a.User.ID || (a.Member && a.Inbox.Visibility == inbox.Shared)
}

// CanClose decides whether the actor may close c.
func CanClose(a Access, c *Conversation) error {
	if !CanSee(a, c) {
		return notVisible()
	}
	if c.Status == Closed {
		return errs.Coded(errs.Conflict, "already_closed", "the conversation is already closed")
	}
	if !mayClose(a, c) {
		return errs.E(errs.Forbidden, "only the assignee or an admin may close this conversation")
	}
	return nil
}

// CanReopen decides whether the actor may reopen c: where the inbox's policy is reopen, anyone who
// may close; where it is final, nobody.
func CanReopen(a Access, c *Conversation) error {
	if !CanSee(a, c) {
		return notVisible()
	}
	if c.Status != Closed {
		return errs.Coded(errs.Conflict, "not_closed", "the conversation is open")
	}
	if a.Inbox.ReopenPolicy != inbox.Reopen {
		return errs.Coded(errs.Conflict, "closed_is_final", "in this inbox a closed conversation is final; the contact's next message starts a new one")
	}
	if !mayClose(a, c) {
		return errs.E(errs.Forbidden, "only the assignee or an admin may reopen this conversation")
	}
	return nil
}

// CanReply decides whether the actor may write to the contact in c. Replying to an unassigned
// conversation first takes it: the caller assigns it to the actor (CanAssign decides that).
func CanReply(a Access, c *Conversation) error {
	if !CanSee(a, c) {
		return notVisible()
	}
	if c.Status == Closed {
		if a.Inbox.ReopenPolicy != inbox.Reopen {
			return errs.Coded(errs.Conflict, "conversation_closed", "the conversation is closed, and closed is final in this inbox: the contact's next message starts a new conversation")
		}
		return errs.Coded(errs.Conflict, "conversation_closed", "the conversation is closed; reopen it to reply")
	}
	return nil
}

// ReplyTakes reports whether a reply by the actor must first assign c to them.
func ReplyTakes(c *Conversation) bool { return c.Status == Open && c.AssigneeID == 0 }

// CanNote decides whether the actor may add an internal note (also to a closed conversation).
func CanNote(a Access, c *Conversation) error {
	if !CanSee(a, c) {
		return notVisible()
	}
	return nil
}

// CanDelete decides whether the actor may delete c: only the inbox's installer.
func CanDelete(a Access, c *Conversation) error {
	if !CanSee(a, c) {
		return notVisible()
	}
	if a.Inbox.InstallerID == 0 || a.Inbox.InstallerID != a.User.ID {
		return errs.E(errs.Forbidden, "only the person who connected this channel may delete its conversations")
	}
	return nil
}

// CanStart decides whether the actor may start a conversation in the inbox of a with a contact:
// they work in the inbox, its channel can reach a contact first (email), and they may see the
// contact (seesContact: they see one of its conversations; admins see every contact).
func CanStart(a Access, seesContact bool) error {
	if !a.HasInbox() {
		return errs.Coded(errs.Forbidden, "inbox_no_access", "you do not work in this inbox")
	}
	if !seesContact && !a.User.Role.IsAdmin() {
		return errs.E(errs.NotFound, "contact not found")
	}
	if a.Inbox.Kind != inbox.Email {
		return errs.Coded(errs.Invalid, "inbox_not_email", "conversations are started in an email inbox")
	}
	return nil
}

// CanRetry decides whether the actor may send a reply whose delivery failed again: whoever may
// write in the conversation (a closed one too: the reply was written while it was open).
func CanRetry(a Access, c *Conversation) error {
	return CanNote(a, c)
}

// CanRelease decides whether the actor may take c out of the Spam view: anyone who sees it.
func CanRelease(a Access, c *Conversation) error {
	if !CanSee(a, c) {
		return notVisible()
	}
	if !c.Spam {
		return errs.Coded(errs.Conflict, "not_spam", "the conversation is not in Spam")
	}
	return nil
}

// Allowed is what the actor may do with a conversation now, for the interface to show only the
// buttons that work.
type Allowed struct {
	Reply    bool `json:"reply"`
	Note     bool `json:"note"`
	Assign   bool `json:"assign"`
	TakeOver bool `json:"assign_to_me"`
	// TakeIfAvailable: the actor could take the conversation if they turned their availability
	// on, so the inbox says so up front with one button instead of a reply that fails.
	TakeIfAvailable bool `json:"assign_to_me_if_available"`
	// ClosedIsFinal: the inbox's reopen policy is final, so once closed there is no Reopen; the
	// contact's next message starts a new conversation.
	ClosedIsFinal bool `json:"closed_is_final"`
	Close         bool `json:"close"`
	Reopen        bool `json:"reopen"`
	Delete        bool `json:"delete"`
	Release       bool `json:"release,omitempty"`
}

// AllowedFor computes Allowed from the same rules the actions use.
func AllowedFor(a Access, c *Conversation, available bool) Allowed {
	self := &Target{User: a.User, HasInbox: a.HasInbox(), Available: available}
	ifAvailable := &Target{User: a.User, HasInbox: a.HasInbox(), Available: true}
	takes := CanAssign(a, c, self) == nil
	return Allowed{
		// A reply to an unassigned conversation first takes it, so it needs what taking needs.
		Reply:           CanReply(a, c) == nil && (!ReplyTakes(c) || takes),
		Note:            CanNote(a, c) == nil,
		Assign:          CanAssign(a, c, nil) == nil,
		TakeOver:        c.AssigneeID != a.User.ID && takes,
		TakeIfAvailable: c.AssigneeID != a.User.ID && !available && CanAssign(a, c, ifAvailable) == nil,
		ClosedIsFinal:   a.Inbox != nil && a.Inbox.ReopenPolicy != inbox.Reopen,
		Close:           CanClose(a, c) == nil,
		Reopen:          CanReopen(a, c) == nil,
		Delete:          CanDelete(a, c) == nil,
		Release:         CanRelease(a, c) == nil,
	}
}

// BotMaySpeak reports whether the bot may still write in c: once an agent joined, it is silent.
func BotMaySpeak(c *Conversation) bool { return c.JoinedAt == 0 }

// Scope is CanSee for many inboxes at once, in the shape a database query needs: the inboxes whose
// every conversation the user sees, and those where they see only unassigned, their own and closed
// conversations — never one the bot still holds alone (WithBot). Folder queries use it; a test
// checks it agrees with CanSee.
type Scope struct {
	UserID  int64
	Full    []int64
	Limited []int64
}

// ScopeFor builds the user's scope over inboxes, given the ids of the inboxes they are a member of.
func ScopeFor(u *auth.User, inboxes []inbox.Inbox, memberOf []int64) Scope {
	s := Scope{UserID: u.ID, Full: []int64{}, Limited: []int64{}}
	for i := range inboxes {
		a := Access{User: u, Inbox: &inboxes[i], Member: slices.Contains(memberOf, inboxes[i].ID)}
		switch {
		case a.seesAll():
			s.Full = append(s.Full, inboxes[i].ID)
		case a.HasInbox():
			s.Limited = append(s.Limited, inboxes[i].ID)
		}
	}
	return s
}
