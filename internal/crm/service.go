package crm

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// Repo is the storage the CRM needs; internal/store implements it.
type Repo interface {
	// CreateLead inserts l and sets its ID. A contact, conversation or user that no longer exists
	// is errs.Invalid "lead_reference_unknown".
	CreateLead(ctx context.Context, l *Lead, evs ...event.Event) error
	LeadByID(ctx context.Context, id int64) (*Lead, error)
	ListLeads(ctx context.Context, q LeadQuery) ([]Lead, error)
	// UpdateLead saves title, value, currency, status, owner and updated_at, only if updated_at is
	// still prevUpdatedAt (errs.Conflict "lead_changed" otherwise).
	UpdateLead(ctx context.Context, l *Lead, prevUpdatedAt int64, evs ...event.Event) error
	DeleteLead(ctx context.Context, id int64, evs ...event.Event) error

	UserByID(ctx context.Context, id int64) (*auth.User, error)
	ContactByID(ctx context.Context, id int64) (*contact.Contact, error)
	ConversationByID(ctx context.Context, id int64) (*conversation.Conversation, error)
}

// Conversations is what the CRM needs of the conversation service: its rule of who sees what, and
// the log line that says an item was created.
type Conversations interface {
	Get(ctx context.Context, u *auth.User, id int64) (*conversation.Conversation, conversation.Allowed, error)
	ContactConversations(ctx context.Context, u *auth.User, contactID int64) ([]conversation.Conversation, error)
	RecordItem(ctx context.Context, actor *auth.User, convID int64, item conversation.Item) (*conversation.Message, error)
}

// Feed announces committed events to every node (internal/event).
type Feed interface {
	Committed(ctx context.Context, n event.Notice)
}

// leadPayload encodes a lead when its event is written, after an insert gave it its id.
type leadPayload struct{ l *Lead }

func (p leadPayload) MarshalJSON() ([]byte, error) { return json.Marshal(p.l) }

func leadEvent(t event.Type, actor *auth.User, l *Lead) event.Event {
	e := event.New(t, leadPayload{l})
	e.ConversationID = l.ConversationID
	if actor != nil {
		e.ActorID = actor.ID
	}
	return e
}

// Options configures a Service.
type Options struct {
	Repo          Repo
	Conversations Conversations
	Feed          Feed
	Logger        *slog.Logger
	Now           func() time.Time
}

// Service is every action on CRM items, for the agent API and the playbook engine alike.
type Service struct {
	repo  Repo
	convs Conversations
	feed  Feed
	log   *slog.Logger
	now   func() time.Time
}

// NewService returns the CRM service.
func NewService(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{repo: o.Repo, convs: o.Conversations, feed: o.Feed, log: o.Logger, now: o.Now}
}

// CreateLead makes a lead for an agent (or a program with their API token). With a conversation
// the actor must see it, the lead's contact is the conversation's, and the conversation's log
// gets a "lead created" line. Bad input is errs.Invalid naming the field and changes nothing.
func (s *Service) CreateLead(ctx context.Context, actor *auth.User, in LeadInput) (*Lead, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	switch in.Source {
	case "":
		in.Source = SourceAgent
	case SourceAgent, SourceAPI:
	default:
		return nil, errs.Coded(errs.Invalid, "source_invalid", "an agent's lead comes from the inbox or the API")
	}
	l, err := newLead(in)
	if err != nil {
		return nil, err
	}
	if l.ConversationID != 0 {
		c, _, err := s.convs.Get(ctx, actor, l.ConversationID)
		if errs.Is(err, errs.NotFound) {
			return nil, errConversationUnknown(l.ConversationID)
		}
		if err != nil {
			return nil, err
		}
		if err := linkContact(l, c); err != nil {
			return nil, err
		}
	} else if l.ContactID != 0 {
		// A contact is known to those who see one of its conversations; to anyone else it does
		// not exist.
		_, err := s.convs.ContactConversations(ctx, actor, l.ContactID)
		if errs.Is(err, errs.NotFound) {
			return nil, errContactUnknown(l.ContactID)
		}
		if err != nil {
			return nil, err
		}
	}
	if l.OwnerUserID == 0 {
		l.OwnerUserID = actor.ID
	} else if err := s.checkOwner(ctx, l.OwnerUserID); err != nil {
		return nil, err
	}
	l.CreatedByUserID, l.CreatedByName, l.Source = actor.ID, actor.Name, in.Source
	return s.create(ctx, actor, l)
}

// CreateLeadByBot makes a lead for a playbook's action card, in conversation conversationID (0:
// none) with contact contactID (0: the conversation's). There is no user: the lead has no creator,
// its owner is in.OwnerUserID (0: none), and the conversation's log line is marked auto. in's own
// contact and conversation ids are ignored.
func (s *Service) CreateLeadByBot(ctx context.Context, contactID, conversationID int64, in LeadInput) (*Lead, error) {
	in.ContactID, in.ConversationID = contactID, conversationID
	l, err := newLead(in)
	if err != nil {
		return nil, err
	}
	if l.ConversationID != 0 {
		c, err := s.repo.ConversationByID(ctx, l.ConversationID)
		if errs.Is(err, errs.NotFound) {
			return nil, errConversationUnknown(l.ConversationID)
		}
		if err != nil {
			return nil, err
		}
		if err := linkContact(l, c); err != nil {
			return nil, err
		}
	} else if l.ContactID != 0 {
		_, err := s.repo.ContactByID(ctx, l.ContactID)
		if errs.Is(err, errs.NotFound) {
			return nil, errContactUnknown(l.ContactID)
		}
		if err != nil {
			return nil, err
		}
	}
	if l.OwnerUserID != 0 {
		if err := s.checkOwner(ctx, l.OwnerUserID); err != nil {
			return nil, err
		}
	}
	l.Source = SourceBot
	return s.create(ctx, nil, l)
}

// create stores l and, when it comes from a conversation, writes the conversation's log line.
// Should that fail (the conversation was deleted or hidden from the actor meanwhile), the lead
// is removed again, so a failed create changes nothing.
func (s *Service) create(ctx context.Context, actor *auth.User, l *Lead) (*Lead, error) {
	now := s.now().UnixMilli()
	l.CreatedAt, l.UpdatedAt = now, now
	evs := []event.Event{leadEvent(event.LeadCreated, actor, l)}
	if err := s.repo.CreateLead(ctx, l, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, evs...)
	if l.ConversationID == 0 {
		return l, nil
	}
	_, err := s.convs.RecordItem(ctx, actor, l.ConversationID, conversation.Item{Type: string(ItemLead), ID: l.ID, Title: l.Title})
	if err == nil {
		return l, nil
	}
	undos := []event.Event{leadEvent(event.LeadDeleted, actor, l)}
	if derr := s.repo.DeleteLead(context.WithoutCancel(ctx), l.ID, undos...); derr != nil && !errs.Is(derr, errs.NotFound) {
		s.log.ErrorContext(ctx, "lead left without its conversation's log line", "lead_id", l.ID, "conversation_id", l.ConversationID,
			"err", errors.Join(err, derr))
	} else if derr == nil {
		s.committed(ctx, undos...)
	}
	if errs.Is(err, errs.NotFound) {
		return nil, errConversationUnknown(l.ConversationID)
	}
	return nil, err
}

func (s *Service) committed(ctx context.Context, evs ...event.Event) {
	if s.feed != nil && len(evs) > 0 {
		s.feed.Committed(ctx, event.Notice{Events: evs})
	}
}

// linkContact sets l's contact from the conversation it is made from; another contact is refused.
func linkContact(l *Lead, c *conversation.Conversation) error {
	if l.ContactID != 0 && l.ContactID != c.ContactID {
		return errs.Coded(errs.Invalid, "contact_mismatch", "contact_id: the conversation is with another contact; leave contact_id out to use the conversation's")
	}
	l.ContactID = c.ContactID
	return nil
}

func (s *Service) checkOwner(ctx context.Context, id int64) error {
	u, err := s.repo.UserByID(ctx, id)
	if errs.Is(err, errs.NotFound) || err == nil && u.Deactivated {
		return errs.Coded(errs.Invalid, "owner_unknown", "owner_user_id: there is no active user with id %d", id)
	}
	return err
}

func errConversationUnknown(id int64) error {
	return errs.Coded(errs.Invalid, "conversation_unknown", "conversation_id: there is no conversation with id %d that you may see", id)
}

func errContactUnknown(id int64) error {
	return errs.Coded(errs.Invalid, "contact_unknown", "contact_id: there is no contact with id %d that you may see", id)
}

// GetLead returns a lead and what the actor may do with it.
func (s *Service) GetLead(ctx context.Context, actor *auth.User, id int64) (*Lead, LeadAllowed, error) {
	if err := CanUse(actor); err != nil {
		return nil, LeadAllowed{}, err
	}
	l, err := s.repo.LeadByID(ctx, id)
	if err != nil {
		return nil, LeadAllowed{}, err
	}
	return l, LeadAllowedFor(actor, l), nil
}

// ListLeads returns a page of leads, newest first. Filtering by a conversation is reading about
// it, so the actor must see that conversation.
func (s *Service) ListLeads(ctx context.Context, actor *auth.User, q LeadQuery) ([]Lead, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	if q.ConversationID != 0 {
		if _, _, err := s.convs.Get(ctx, actor, q.ConversationID); err != nil {
			return nil, err
		}
	}
	q.Limit = PageSize(q.Limit)
	return s.repo.ListLeads(ctx, q)
}

// UpdateLead applies a change to a lead. Bad input is errs.Invalid and changes nothing.
func (s *Service) UpdateLead(ctx context.Context, actor *auth.User, id int64, p LeadPatch) (*Lead, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	var err error
	for range 5 { // another change committed between read and write: reapply the patch to it
		var cur *Lead
		if cur, err = s.repo.LeadByID(ctx, id); err != nil {
			return nil, err
		}
		next := *cur
		if err = p.apply(&next); err != nil {
			return nil, err
		}
		if next.OwnerUserID != 0 && next.OwnerUserID != cur.OwnerUserID {
			if err = s.checkOwner(ctx, next.OwnerUserID); err != nil {
				return nil, err
			}
		}
		if next == *cur {
			return cur, nil
		}
		// updated_at guards concurrent changes, so it moves even within one millisecond.
		next.UpdatedAt = max(s.now().UnixMilli(), cur.UpdatedAt+1)
		evs := []event.Event{leadEvent(event.LeadUpdated, actor, &next)}
		if err = s.repo.UpdateLead(ctx, &next, cur.UpdatedAt, evs...); err == nil {
			s.committed(ctx, evs...)
			return &next, nil
		}
		if !errs.Is(err, errs.Conflict) {
			return nil, err
		}
	}
	return nil, err
}

// DeleteLead removes a lead (CanDeleteLead decides who may). The conversation's log keeps its
// "lead created" line: it is history.
func (s *Service) DeleteLead(ctx context.Context, actor *auth.User, id int64) error {
	if err := CanUse(actor); err != nil {
		return err
	}
	l, err := s.repo.LeadByID(ctx, id)
	if err != nil {
		return err
	}
	if err := CanDeleteLead(actor, l); err != nil {
		return err
	}
	evs := []event.Event{leadEvent(event.LeadDeleted, actor, l)}
	if err := s.repo.DeleteLead(ctx, id, evs...); err != nil {
		return err
	}
	s.committed(ctx, evs...)
	s.log.InfoContext(ctx, "lead deleted", "lead_id", id, "by", actor.ID)
	return nil
}

// maxItems bounds a conversation's Created items; a conversation makes a handful.
const maxItems = 200

// ItemsOf returns the Created items of a conversation the actor may see, newest first.
func (s *Service) ItemsOf(ctx context.Context, actor *auth.User, conversationID int64) ([]Item, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	if _, _, err := s.convs.Get(ctx, actor, conversationID); err != nil {
		return nil, err
	}
	leads, err := s.repo.ListLeads(ctx, LeadQuery{ConversationID: conversationID, Limit: maxItems})
	if err != nil {
		return nil, err
	}
	items := make([]Item, 0, len(leads))
	for i := range leads {
		items = append(items, ItemOfLead(&leads[i]))
	}
	return items, nil
}
