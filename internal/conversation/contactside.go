package conversation

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
)

// From is the contact side of a conversation: who writes, in which inbox.
type From struct {
	Inbox     *inbox.Inbox
	ContactID int64
	VisitorID int64 // website chat only
	Name      string
	// OpenID, when set, is the conversation this contact last wrote to (a socket remembers it):
	// while it is open, a message goes into it without reading it first.
	OpenID int64
}

// ContactWrites stores a message from the contact: into their open conversation; into their closed
// one, reopened, where the inbox's policy is reopen; or into a new conversation in Unassigned where
// closed is final or there is none. A retried send (same client id) returns the original.
func (s *Service) ContactWrites(ctx context.Context, from From, in MessageInput) (*Conversation, *Message, error) {
	body, err := in.body()
	if err != nil {
		return nil, nil, err
	}
	clientID, err := cleanClientID(in.ClientID)
	if err != nil {
		return nil, nil, err
	}
	body = s.mask(body)
	name := s.mask(from.Name) // published with the message
	if from.OpenID != 0 && in.AttachmentID == 0 {
		c, m, err := s.appendToOpen(ctx, from, body, clientID, name)
		if !errs.Is(err, errs.NotFound) {
			return c, m, err
		}
		// No longer open (or not theirs): decide from the database as below.
	}
	type result struct {
		c *Conversation
		m *Message
	}
	r, err := retry(ctx, func() (result, error) {
		latest, err := s.repo.LatestConversation(ctx, from.Inbox.ID, from.ContactID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return result{}, err
		}
		var prevID int64
		if latest != nil {
			prevID = latest.ID
		}
		if latest != nil && latest.Status == Closed && from.Inbox.ReopenPolicy == inbox.Final {
			// The message would open a new conversation, so the store cannot tell a retry of a
			// send that went into this one: look for it here. Otherwise the store's insert does.
			if m, ok, err := s.original(ctx, latest.ID, clientID, FromVisitor, 0); ok || err != nil {
				return result{latest, m}, err
			}
		}
		now := s.nowMS()
		msg := Message{SenderKind: FromVisitor, Kind: Text, Body: body, ClientID: clientID, SenderName: name, AttachmentID: in.AttachmentID, CreatedAt: now}
		if in.AttachmentID != 0 {
			msg.Kind = Attachment
		}
		var next Conversation
		var entries []Message
		var expect int64
		switch {
		case latest == nil || (latest.Status == Closed && from.Inbox.ReopenPolicy == inbox.Final):
			next = Conversation{InboxID: from.Inbox.ID, Channel: from.Inbox.Kind, ContactID: from.ContactID, VisitorID: from.VisitorID,
				Status: Open, CreatedAt: now}
		case latest.Status == Closed:
			next = *latest
			expect = latest.LastSeq
			entries = s.reopenEntries(ctx, &next, nil, true)
		default:
			next = *latest
			expect = latest.LastSeq
		}
		if from.VisitorID != 0 {
			next.VisitorID = from.VisitorID
		}
		next.WithBot = false // the contact wrote to a human: the conversation goes to the agents
		next.Preview, next.LastMessageAt, next.UpdatedAt = s.preview(body), now, now
		entries = append(entries, msg)
		w := &Write{Conv: &next, ExpectSeq: expect, Append: entries, PrevID: prevID}
		if from.VisitorID != 0 {
			w.Uploader = VisitorUploader(from.VisitorID)
		}
		m, err := s.commit(ctx, w)
		if err != nil {
			return result{}, err
		}
		return result{&next, m}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return r.c, r.m, nil
}

// appendToOpen writes the contact's text message into their open conversation from.OpenID, reading
// nothing first; errs.NotFound when it is not open any more.
func (s *Service) appendToOpen(ctx context.Context, from From, body, clientID, name string) (*Conversation, *Message, error) {
	now := s.nowMS()
	m := &Message{SenderKind: FromVisitor, Kind: Text, Body: body, ClientID: clientID, SenderName: name, CreatedAt: now}
	c, err := s.repo.AppendToOpen(ctx, &OpenAppend{ConversationID: from.OpenID, InboxID: from.Inbox.ID, ContactID: from.ContactID,
		VisitorID: from.VisitorID, Preview: s.preview(body), Message: m})
	var dup *DuplicateError
	if errors.As(err, &dup) {
		if dup.Message.SenderKind != FromVisitor || dup.Message.SenderID != 0 {
			return nil, nil, errClientIDTaken
		}
		c, err := s.repo.ConversationByID(ctx, dup.Message.ConversationID)
		return c, &dup.Message, err
	}
	if err != nil {
		return nil, nil, err
	}
	s.announce(ctx, Change{Conversation: c, Messages: []Message{*m}}, nil)
	return c, m, nil
}

// ContactConversation returns the contact's latest conversation in the inbox with the entries they
// may see after afterSeq (all when 0), or not-found when they have none.
func (s *Service) ContactConversation(ctx context.Context, from From, afterSeq int64, limit int) (*Conversation, []Message, error) {
	c, err := s.repo.LatestConversation(ctx, from.Inbox.ID, from.ContactID)
	if err != nil {
		return nil, nil, err
	}
	msgs, err := s.repo.Messages(ctx, LogQuery{ConversationID: c.ID, AfterSeq: afterSeq, Limit: clampLimit(limit), ForContact: true})
	if err != nil {
		return nil, nil, err
	}
	return c, msgs, nil
}

// ContactLatest returns the contact's latest conversation in the inbox (not-found when none).
func (s *Service) ContactLatest(ctx context.Context, from From) (*Conversation, error) {
	return s.repo.LatestConversation(ctx, from.Inbox.ID, from.ContactID)
}

// contactOwns loads conversation id when it is the contact's, in the inbox.
func (s *Service) contactOwns(ctx context.Context, from From, id int64) (*Conversation, error) {
	c, err := s.repo.ConversationByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.ContactID != from.ContactID || c.InboxID != from.Inbox.ID {
		return nil, notVisible()
	}
	return c, nil
}

// ContactMarkRead moves the contact's read cursor forward and tells the agents who see the
// conversation and the contact's other tabs.
func (s *Service) ContactMarkRead(ctx context.Context, from From, id, seq int64) error {
	c, err := s.contactOwns(ctx, from, id)
	if err != nil {
		return err
	}
	seq = min(seq, c.LastSeq)
	if err := s.repo.MarkContactRead(ctx, id, seq); err != nil {
		return err
	}
	s.signal(ctx, SignalRead, ReadSignal{ConversationID: c.ID, InboxID: c.InboxID, ContactID: c.ContactID, By: "visitor", Seq: seq,
		Visibility: visibilityOf(c)})
	return nil
}

// ContactTyping tells the agents who see the contact's conversation id that the contact is typing
// or stopped.
func (s *Service) ContactTyping(ctx context.Context, from From, id int64, on bool) error {
	c, err := s.contactOwns(ctx, from, id)
	if err != nil {
		return err
	}
	s.signal(ctx, SignalTyping, TypingSignal{ConversationID: c.ID, InboxID: c.InboxID, ContactID: c.ContactID, From: "visitor", On: on,
		Visibility: visibilityOf(c)})
	return nil
}

// MaxRatingComment is the longest comment a contact may write with a rating, in characters.
const MaxRatingComment = 1000

// Rate records the contact's rating (1–5) of a closed conversation, with an optional comment.
func (s *Service) Rate(ctx context.Context, from From, id int64, rating int, comment string) (*Conversation, error) {
	if rating < 1 || rating > 5 {
		return nil, errs.Coded(errs.Invalid, "rating_invalid", "rating must be 1 to 5")
	}
	comment = strings.TrimSpace(comment)
	if utf8.RuneCountInString(comment) > MaxRatingComment {
		return nil, errs.Coded(errs.Invalid, "comment_too_long", "a rating's comment has at most %d characters", MaxRatingComment)
	}
	return retry(ctx, func() (*Conversation, error) {
		c, err := s.contactOwns(ctx, from, id)
		if err != nil {
			return nil, err
		}
		if c.Status != Closed {
			return nil, errs.Coded(errs.Conflict, "not_closed", "a conversation is rated once it is closed")
		}
		next := *c
		now := s.nowMS()
		next.Rating, next.UpdatedAt = rating, now
		ev := Message{SenderKind: FromSystem, Kind: EventKind, CreatedAt: now, Event: &Event{Type: EventRated, Rating: rating, Comment: comment}}
		if _, err := s.commit(ctx, &Write{Conv: &next, ExpectSeq: c.LastSeq, Append: []Message{ev}}); err != nil {
			return nil, err
		}
		return &next, nil
	})
}

// ContactSees reports (as an error) whether the contact may read conversation id: it must be theirs.
func (s *Service) ContactSees(ctx context.Context, from From, id int64) error {
	_, err := s.contactOwns(ctx, from, id)
	return err
}
