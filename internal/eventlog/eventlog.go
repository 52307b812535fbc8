// Package eventlog is the catch-up event log for integrations (GET /api/v1/event-log): the
// installation's events in position order, a page at a time, each user or API token shown only
// what they may see. An integration that was down reads on from the last position it handled and
// misses nothing: positions are gapless and in commit order (internal/event), so "after N" never
// skips an event that committed late.
//
// Who sees which event (docs/webhooks.md, "The event log"):
//   - admins and owners: every event;
//   - conversation.* and message.created: whoever may see the conversation now
//     (conversation.CanSee); conversation.deleted, whose conversation is gone, whoever works in its
//     inbox;
//   - contact.*: whoever may see the contact now (one of its conversations);
//   - inbox.*: whoever works in the inbox;
//   - CRM records (person.*, organization.*, lead.*, deal.*, pipeline.*, activity.*,
//     custom_field.*), user.*, team.changed, playbook.*: every user (the API lists those to
//     everyone);
//   - note.created and note.updated: every user, but a note holding a conversation's excerpt (one
//     that follows a linked conversation) only whoever may see that conversation now (none but
//     admins once it is deleted), as the notes API shows it (docs/crm.md); note.deleted, which
//     names only the note's id: every user;
//   - draft.updated (a conversation's deal details): whoever may see the conversation;
//   - webhook.* and any type this version does not know: admins only.
package eventlog

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// Log is the event log (internal/store implements it).
type Log interface {
	EventsAfter(ctx context.Context, after int64, limit int) ([]event.Event, error)
	ConversationByID(ctx context.Context, id int64) (*conversation.Conversation, error)
}

// Conversations is what the reader needs of the conversation service: the one place that
// decides who sees what.
type Conversations interface {
	Accesses(ctx context.Context, u *auth.User) (map[int64]conversation.Access, error)
	SeesContact(ctx context.Context, u *auth.User, contactID int64) error
}

// Reader pages through the event log for users.
type Reader struct {
	log   Log
	convs Conversations
}

// NewReader returns a Reader.
func NewReader(log Log, convs Conversations) *Reader { return &Reader{log: log, convs: convs} }

// Query asks for a page.
type Query struct {
	After int64        // the last position the caller has handled (0: from the start)
	Types []event.Type // only these types; empty: all
	Limit int          // events in the page, 1–1000 (default 100)
}

// Page is a page of the log.
type Page struct {
	Events []event.Envelope `json:"events"`
	// NextAfter is the position to ask after next. It may move on although Events is empty: the
	// events read were not for the caller.
	NextAfter int64 `json:"next_after"`
	// More says that the log went on past NextAfter when the page was read; ask again at once.
	More bool `json:"more"`
}

const (
	batch   = 500
	maxScan = 5000 // events read for one page at most, however few the caller may see
)

// Page returns the events after q.After that u may see, in position order.
func (r *Reader) Page(ctx context.Context, u *auth.User, q Query) (*Page, error) {
	if u == nil || u.Deactivated {
		return nil, errs.E(errs.Unauthenticated, "sign in first")
	}
	if q.After < 0 {
		return nil, errs.Coded(errs.Invalid, "after_invalid", "after: a position, 0 or more")
	}
	switch {
	case q.Limit == 0:
		q.Limit = 100
	case q.Limit < 0 || q.Limit > 1000:
		return nil, errs.Coded(errs.Invalid, "limit_invalid", "limit: 1 to 1000")
	}
	want := map[event.Type]bool{}
	for _, t := range q.Types {
		if !event.Known(t) {
			return nil, errs.WithDetails(errs.Invalid, "event_type_unknown", map[string]string{"event_type": string(t)},
				"types: %q is not an event type", t)
		}
		want[t] = true
	}
	v := &viewer{u: u, convs: r.convs, log: r.log, admin: u.Role.IsAdmin(), conversations: map[int64]*conversation.Conversation{},
		contacts: map[int64]bool{}}
	if !v.admin {
		var err error
		if v.access, err = r.convs.Accesses(ctx, u); err != nil {
			return nil, err
		}
	}
	p := &Page{Events: []event.Envelope{}, NextAfter: q.After}
	for scanned := 0; scanned < maxScan; {
		evs, err := r.log.EventsAfter(ctx, p.NextAfter, batch)
		if err != nil {
			return nil, err
		}
		for i := range evs {
			e := &evs[i]
			if len(want) == 0 || want[e.Type] {
				ok, err := v.sees(ctx, e)
				if err != nil {
					return nil, err
				}
				if ok {
					p.Events = append(p.Events, e.Envelope())
				}
			}
			p.NextAfter = e.Position
			if len(p.Events) == q.Limit {
				p.More = i < len(evs)-1 || len(evs) == batch
				return p, nil
			}
		}
		scanned += len(evs)
		if len(evs) < batch {
			return p, nil // the end of the log
		}
		p.More = true
	}
	return p, nil
}

// viewer decides, for one user and one page, which events they see; it remembers what it read.
type viewer struct {
	u             *auth.User
	convs         Conversations
	log           Log
	admin         bool
	access        map[int64]conversation.Access
	conversations map[int64]*conversation.Conversation // nil: gone
	contacts      map[int64]bool
}

func (v *viewer) sees(ctx context.Context, e *event.Event) (bool, error) {
	if v.admin {
		return true, nil
	}
	t := string(e.Type)
	switch {
	case e.Type == event.ConversationDeleted:
		return v.access[e.InboxID].HasInbox(), nil
	case strings.HasPrefix(t, "conversation.") || e.Type == event.MessageCreated:
		return v.seesConversation(ctx, e.ConversationID)
	case strings.HasPrefix(t, "contact."):
		return v.seesContact(ctx, contactOf(e))
	case strings.HasPrefix(t, "inbox."):
		return v.access[inboxOf(e)].HasInbox(), nil
	case e.Type == event.DraftUpdated:
		return v.seesConversation(ctx, e.ConversationID)
	case e.Type == event.NoteCreated || e.Type == event.NoteUpdated:
		if id, ok := excerptOf(e); ok {
			return v.seesConversation(ctx, id)
		}
		return true, nil
	case everyone(t):
		return true, nil
	}
	return false, nil
}

// everyone says whether every user may see events of type t: the records the API lists to all.
func everyone(t string) bool {
	for _, p := range []string{"person.", "organization.", "lead.", "deal.", "pipeline.", "activity.", "note.", "custom_field.",
		"user.", "team.", "tag.", "playbook."} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// excerptOf says whether a note.* event's note holds a conversation's excerpt, and which
// conversation (0 when the payload does not name it: nobody but admins then).
func excerptOf(e *event.Event) (int64, bool) {
	var d struct {
		ConversationID int64 `json:"conversation_id"`
		Excerpt        *struct {
			ConversationID int64 `json:"conversation_id"`
		} `json:"excerpt"`
	}
	if json.Unmarshal(e.Data, &d) != nil {
		return 0, true // unreadable: keep it to admins
	}
	if d.Excerpt == nil {
		return 0, false
	}
	if d.Excerpt.ConversationID != 0 {
		return d.Excerpt.ConversationID, true
	}
	return d.ConversationID, true
}

func (v *viewer) seesConversation(ctx context.Context, id int64) (bool, error) {
	if id == 0 {
		return false, nil
	}
	c, ok := v.conversations[id]
	if !ok {
		var err error
		c, err = v.log.ConversationByID(ctx, id)
		if errs.Is(err, errs.NotFound) {
			c, err = nil, nil
		}
		if err != nil {
			return false, err
		}
		v.conversations[id] = c
	}
	if c == nil {
		return false, nil
	}
	return conversation.CanSee(v.access[c.InboxID], c), nil
}

func (v *viewer) seesContact(ctx context.Context, id int64) (bool, error) {
	if id == 0 {
		return false, nil
	}
	if ok, seen := v.contacts[id]; seen {
		return ok, nil
	}
	err := v.convs.SeesContact(ctx, v.u, id)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return false, err
	}
	v.contacts[id] = err == nil
	return err == nil, nil
}

// contactOf names the contact a contact.* event is about: the contact itself (created, updated),
// the one merged into, or the blocked visitor's.
func contactOf(e *event.Event) int64 {
	var d struct {
		ID            int64 `json:"id"`
		ContactID     int64 `json:"contact_id"`
		IntoContactID int64 `json:"into_contact_id"`
	}
	if json.Unmarshal(e.Data, &d) != nil {
		return 0
	}
	switch {
	case d.IntoContactID != 0:
		return d.IntoContactID
	case d.ContactID != 0:
		return d.ContactID
	}
	return d.ID
}

// inboxOf names the inbox an inbox.* event is about. A new inbox's event was made before the
// insert gave it an id, so its row names none: the payload does.
func inboxOf(e *event.Event) int64 {
	if e.InboxID != 0 {
		return e.InboxID
	}
	var d struct {
		ID      int64 `json:"id"`
		InboxID int64 `json:"inbox_id"`
	}
	if json.Unmarshal(e.Data, &d) != nil {
		return 0
	}
	if d.InboxID != 0 {
		return d.InboxID
	}
	return d.ID
}
