package conversation

import (
	"encoding/json"

	"github.com/parleyhq/parley/internal/event"
)

// A conversation's events (docs/events.md). Its log entries are its events: a message, note, card
// or response is message.created; a system line is the conversation event it records. Creation and
// deletion, which write no line of their own, are rows of the events table.

// ConversationData is the payload of conversation.created and conversation.deleted.
type ConversationData struct {
	ConversationID int64  `json:"conversation_id"`
	InboxID        int64  `json:"inbox_id"`
	Channel        string `json:"channel"`
	ContactID      int64  `json:"contact_id"`
	VisitorID      int64  `json:"visitor_id,omitempty"`
	Status         Status `json:"status"`
	AssigneeID     int64  `json:"assignee_id,omitempty"`
	TeamID         int64  `json:"team_id,omitempty"`
	// WithBot: only the bot holds it so far (it is in no agent's folder yet).
	WithBot   bool  `json:"with_bot,omitempty"`
	CreatedAt int64 `json:"created_at"`
}

func conversationData(c *Conversation) ConversationData {
	return ConversationData{ConversationID: c.ID, InboxID: c.InboxID, Channel: string(c.Channel), ContactID: c.ContactID,
		VisitorID: c.VisitorID, Status: c.Status, AssigneeID: c.AssigneeID, TeamID: c.TeamID, WithBot: c.WithBot, CreatedAt: c.CreatedAt}
}

// createdPayload encodes c when the event is written, after the insert gave c its id.
type createdPayload struct{ c *Conversation }

func (p createdPayload) MarshalJSON() ([]byte, error) { return json.Marshal(conversationData(p.c)) }

// createdEvent is conversation.created for c, which is being inserted.
func createdEvent(c *Conversation, actorID int64) event.Event {
	e := event.New(event.ConversationCreated, createdPayload{c})
	e.ActorID, e.At = actorID, c.CreatedAt
	return e
}

// deletedEvent is conversation.deleted for c.
func deletedEvent(c *Conversation, actorID, at int64) event.Event {
	e := event.New(event.ConversationDeleted, conversationData(c))
	e.ConversationID, e.InboxID, e.ActorID, e.At = c.ID, c.InboxID, actorID, at
	return e
}

// MessageData is the payload of message.created: the entry as agents see it.
type MessageData struct {
	ConversationID int64      `json:"conversation_id"`
	InboxID        int64      `json:"inbox_id"`
	MessageID      int64      `json:"message_id"`
	Seq            int64      `json:"seq"`
	SenderKind     SenderKind `json:"sender_kind"`
	SenderID       int64      `json:"sender_id,omitempty"`
	Kind           Kind       `json:"kind"`
	Body           string     `json:"body,omitempty"`
	ClientID       string     `json:"client_id,omitempty"`
	ExternalID     string     `json:"external_id,omitempty"`
	AttachmentID   int64      `json:"attachment_id,omitempty"`
	// Card and Response: a bot card and a response to one (docs/widget-protocol.md section 4).
	Card     json.RawMessage `json:"card,omitempty"`
	Response json.RawMessage `json:"response,omitempty"`
	// Email is the mail side of a message that came or went by email.
	Email *EmailMeta `json:"email,omitempty"`
	// Channel is what a Messenger or WhatsApp message carries besides its text.
	Channel   *ChannelMeta `json:"channel_meta,omitempty"`
	CreatedAt int64        `json:"created_at"`
}

// LineData is the payload of the events a system line records (assigned, unassigned, closed,
// reopened, rated, item_created, item_linked).
type LineData struct {
	ConversationID int64  `json:"conversation_id"`
	InboxID        int64  `json:"inbox_id"`
	MessageID      int64  `json:"message_id"`
	Seq            int64  `json:"seq"`
	Line           string `json:"line"` // joined, assigned, unassigned, closed, reopened, rated, item_created, item_linked, released
	ActorID        int64  `json:"actor_id,omitempty"`
	ActorName      string `json:"actor_name,omitempty"`
	// The assignee (assigned: the new one; joined: the first agent to take the chat).
	AssigneeID   int64  `json:"assignee_id,omitempty"`
	AssigneeName string `json:"assignee_name,omitempty"`
	TeamID       int64  `json:"team_id,omitempty"`
	Rating       int    `json:"rating,omitempty"`
	Comment      string `json:"comment,omitempty"` // rated: what the contact wrote with the rating
	Auto         bool   `json:"auto,omitempty"`    // done by the system (a reopen by the contact's message)
	ItemType     string `json:"item_type,omitempty"`
	ItemID       int64  `json:"item_id,omitempty"`
	Title        string `json:"title,omitempty"`
	CreatedAt    int64  `json:"created_at"`
}

// LineType is the event type a system line of type t records.
func LineType(t string) event.Type {
	switch t {
	case EventJoined, EventAssigned:
		return event.ConversationAssigned
	case EventUnassigned:
		return event.ConversationUnassigned
	case EventClosed:
		return event.ConversationClosed
	case EventReopened:
		return event.ConversationReopened
	case EventRated:
		return event.ConversationRated
	case EventItemCreated:
		return event.ConversationItemCreated
	case EventItemLinked:
		return event.ConversationItemLinked
	case EventReleased:
		return event.ConversationReleased
	}
	return event.MessageCreated
}

// LogEvent is the event a stored log entry of a conversation in inboxID is.
func LogEvent(m *Message, inboxID int64) (event.Event, error) {
	e := event.Event{Position: m.Position, At: m.CreatedAt, InboxID: inboxID, ConversationID: m.ConversationID}
	var data any
	if m.Kind == EventKind && m.Event != nil {
		ev := m.Event
		e.Type, e.ActorID = LineType(ev.Type), ev.ActorID
		data = LineData{ConversationID: m.ConversationID, InboxID: inboxID, MessageID: m.ID, Seq: m.Seq, Line: ev.Type,
			ActorID: ev.ActorID, ActorName: ev.ActorName, AssigneeID: ev.UserID, AssigneeName: ev.UserName, TeamID: ev.TeamID,
			Rating: ev.Rating, Comment: ev.Comment, Auto: ev.Auto, ItemType: ev.ItemType, ItemID: ev.ItemID, Title: ev.Title, CreatedAt: m.CreatedAt}
	} else {
		e.Type = event.MessageCreated
		if m.SenderKind == FromAgent {
			e.ActorID = m.SenderID
		}
		data = MessageData{ConversationID: m.ConversationID, InboxID: inboxID, MessageID: m.ID, Seq: m.Seq, SenderKind: m.SenderKind,
			SenderID: m.SenderID, Kind: m.Kind, Body: m.Body, ClientID: m.ClientID, ExternalID: m.ExternalID,
			AttachmentID: m.AttachmentID, Card: m.Card, Response: m.Response, Email: m.Email, Channel: m.Channel,
			CreatedAt: m.CreatedAt}
	}
	b, err := json.Marshal(data)
	if err != nil {
		return event.Event{}, err
	}
	e.Data = b
	return e, nil
}
