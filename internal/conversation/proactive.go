package conversation

import (
	"context"
	"errors"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/richtext"
)

// A proactive chat: an agent writes first to a visitor who is on the website. The agent's invitation
// travels to the visitor's widget (internal/realtime, live.go); once the widget has a visitor, the
// conversation starts here, assigned to and joined by the agent, with the agent's message first.

// CheckStartChat says, before anything is sent, whether u may start a chat on the website now
// (CanStartChat), and returns their message as it would be stored.
func (s *Service) CheckStartChat(ctx context.Context, u *auth.User, inboxID int64, body string) (string, error) {
	a, err := s.AccessTo(ctx, u, inboxID)
	if err != nil {
		return "", err
	}
	if err := CanStartChat(a, s.available(ctx, u.ID)); err != nil {
		return "", err
	}
	body, err = cleanBody(body)
	if err != nil {
		return "", err
	}
	return s.mask(body), nil
}

// AgentStarts opens a conversation with the contact of from on agentID's initiative: assigned to
// them, "joined", with their message (clientID makes a repeat harmless). It is refused when the
// agent may no longer start chats there, and with errs.Conflict "conversation_open" when the
// contact has an open conversation in the inbox (it is left alone).
func (s *Service) AgentStarts(ctx context.Context, agentID int64, from From, body, clientID string) (*Conversation, error) {
	u, err := s.repo.UserByID(ctx, agentID)
	if err != nil {
		return nil, err
	}
	if body, err = s.CheckStartChat(ctx, u, from.Inbox.ID, body); err != nil {
		return nil, err
	}
	if clientID, err = cleanClientID(clientID); err != nil {
		return nil, err
	}
	kind := Text
	if !richtext.IsPlain(body) {
		kind = Rich
	}
	return retry(ctx, func() (*Conversation, error) {
		latest, err := s.repo.LatestConversation(ctx, from.Inbox.ID, from.ContactID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return nil, err
		}
		var prevID int64
		if latest != nil {
			prevID = latest.ID
			if latest.Status == Open {
				return latest, errs.Coded(errs.Conflict, "conversation_open", "the visitor is in a conversation already")
			}
		}
		now := s.nowMS()
		next := Conversation{InboxID: from.Inbox.ID, Channel: from.Inbox.Kind, ContactID: from.ContactID, VisitorID: from.VisitorID, Status: Open,
			AssigneeID: u.ID, JoinedAt: now, FirstResponseAt: now, CreatedAt: now, UpdatedAt: now, LastMessageAt: now, Preview: s.preview(body)}
		entries := []Message{
			{SenderKind: FromSystem, Kind: EventKind, CreatedAt: now, Event: &Event{Type: EventJoined, ActorID: u.ID, ActorName: u.Name, UserID: u.ID, UserName: u.Name}},
			{SenderKind: FromAgent, SenderID: u.ID, SenderName: u.Name, SenderAvatar: u.AvatarURL, Kind: kind, Body: body, ClientID: clientID, CreatedAt: now},
		}
		if _, err := s.write(ctx, &Write{Conv: &next, Append: entries, PrevID: prevID, ActorID: u.ID}); err != nil {
			var dup *DuplicateError
			if errors.As(err, &dup) {
				return s.repo.ConversationByID(ctx, dup.Message.ConversationID)
			}
			return nil, err
		}
		return &next, nil
	})
}
