// Package event holds what a change causes: typed domain events, committed in the same transaction
// as the change (docs/events.md lists every type and its payload), and the notice that tells every
// node, after commit, that something was committed.
//
// A domain write commits its rows, its events and its jobs in one transaction; a failing event or
// job insert rolls the whole change back. Every event takes its position from one
// installation-wide counter inside that transaction, so positions are gapless and follow commit
// order: a reader asking for the events after N never skips one that committed late. A
// conversation's log entries (messages and system lines) are its events — they carry a position
// and are read as events, with no second row. Other events are rows of the events table.
//
// After commit the writer hands a Notice to the Feed, which rings every node through the bus: the
// hub fans the change out to sockets, the job runner wakes, and durable consumers (Runner) read
// the log from the database from where they stopped.
package event

import (
	"encoding/json"
	"time"
)

// Type names an event. Types are stable: an integration may rely on them and their payloads.
type Type string

// Conversations. The assigned/unassigned/closed/reopened/rated ones are the conversation's own
// system lines in its log; created and deleted are rows of the events table.
const (
	ConversationCreated    Type = "conversation.created"
	ConversationAssigned   Type = "conversation.assigned"
	ConversationUnassigned Type = "conversation.unassigned"
	ConversationClosed     Type = "conversation.closed"
	ConversationReopened   Type = "conversation.reopened"
	ConversationRated      Type = "conversation.rated"
	ConversationDeleted    Type = "conversation.deleted"
	// ConversationItemCreated is the line saying a lead (or later a deal, person …) was made from
	// the conversation.
	ConversationItemCreated Type = "conversation.item_created"
	// ConversationItemLinked is the line saying the conversation was linked to a person, lead or
	// deal (its messages then go to a note on that record).
	ConversationItemLinked Type = "conversation.item_linked"
	// ConversationReleased is the line saying an agent released a conversation from the Spam view.
	ConversationReleased Type = "conversation.released"
	// ConversationTagged: an agent added a tag to a conversation or removed one (a row of the
	// events table).
	ConversationTagged Type = "conversation.tagged"
	// MessageCreated is every other entry of a conversation's log: the contact's, an agent's or
	// the bot's message, an internal note, a bot card or a response to one.
	MessageCreated Type = "message.created"
	// MessageDelivery says where a reply stands on its channel (queued, sent, delivered, read,
	// failed with the channel's error): a row of the events table, the message's log entry stays.
	MessageDelivery Type = "message.delivery"
)

// Contacts, CRM records, users, inboxes and playbooks: rows of the events table.
const (
	ContactCreated   Type = "contact.created"
	ContactUpdated   Type = "contact.updated"
	ContactMerged    Type = "contact.merged"
	ContactBlocked   Type = "contact.blocked"
	ContactUnblocked Type = "contact.unblocked"

	PersonCreated Type = "person.created"
	PersonUpdated Type = "person.updated"
	PersonDeleted Type = "person.deleted"

	OrganizationCreated Type = "organization.created"
	OrganizationUpdated Type = "organization.updated"
	OrganizationDeleted Type = "organization.deleted"

	LeadCreated Type = "lead.created"
	LeadUpdated Type = "lead.updated"
	LeadDeleted Type = "lead.deleted"

	DealCreated Type = "deal.created"
	DealUpdated Type = "deal.updated"
	DealDeleted Type = "deal.deleted"

	PipelineCreated Type = "pipeline.created"
	PipelineUpdated Type = "pipeline.updated"
	PipelineDeleted Type = "pipeline.deleted"

	ActivityCreated Type = "activity.created"
	ActivityUpdated Type = "activity.updated"
	ActivityDeleted Type = "activity.deleted"

	NoteCreated Type = "note.created"
	NoteUpdated Type = "note.updated"
	NoteDeleted Type = "note.deleted"

	CustomFieldCreated Type = "custom_field.created"
	CustomFieldUpdated Type = "custom_field.updated"
	CustomFieldDeleted Type = "custom_field.deleted"

	// DraftUpdated: what a conversation's details panel captured for a lead or deal changed.
	DraftUpdated Type = "draft.updated"

	UserCreated     Type = "user.created"
	UserUpdated     Type = "user.updated"
	UserRoleChanged Type = "user.role_changed"

	TeamChanged Type = "team.changed"

	// TagChanged: an admin renamed, coloured, merged or deleted a conversation tag.
	TagChanged Type = "tag.changed"

	InboxCreated       Type = "inbox.created"
	InboxUpdated       Type = "inbox.updated"
	InboxAccessChanged Type = "inbox.access_changed"

	PlaybookSaved   Type = "playbook.saved"
	PlaybookDeleted Type = "playbook.deleted"

	// WebhookDisabled: Parley switched a webhook endpoint off (it answered 410 Gone, or had no
	// successful delivery for 5 days). Only admins see it.
	WebhookDisabled Type = "webhook.disabled"
)

// Saved replies: rows of the events table.
const (
	SavedReplyCreated Type = "saved_reply.created"
	SavedReplyUpdated Type = "saved_reply.updated"
	SavedReplyDeleted Type = "saved_reply.deleted"
)

// Types lists every type, in the order docs/events.md documents them.
var Types = []Type{
	ConversationCreated, ConversationAssigned, ConversationUnassigned, ConversationClosed, ConversationReopened,
	ConversationRated, ConversationDeleted, ConversationItemCreated, ConversationItemLinked, ConversationReleased, ConversationTagged, MessageCreated, MessageDelivery,
	ContactCreated, ContactUpdated, ContactMerged, ContactBlocked, ContactUnblocked,
	PersonCreated, PersonUpdated, PersonDeleted, OrganizationCreated, OrganizationUpdated, OrganizationDeleted,
	LeadCreated, LeadUpdated, LeadDeleted, DealCreated, DealUpdated, DealDeleted,
	PipelineCreated, PipelineUpdated, PipelineDeleted, ActivityCreated, ActivityUpdated, ActivityDeleted,
	NoteCreated, NoteUpdated, NoteDeleted, CustomFieldCreated, CustomFieldUpdated, CustomFieldDeleted, DraftUpdated,
	UserCreated, UserUpdated, UserRoleChanged, TeamChanged, TagChanged,
	InboxCreated, InboxUpdated, InboxAccessChanged,
	PlaybookSaved, PlaybookDeleted,
	WebhookDisabled,
	SavedReplyCreated, SavedReplyUpdated, SavedReplyDeleted,
}

// Known reports whether t is a type Parley emits.
func Known(t Type) bool {
	for _, k := range Types {
		if k == t {
			return true
		}
	}
	return false
}

// Event is one committed event.
type Event struct {
	// Position is the event's place in the installation's log: gapless, in commit order. Set by the
	// store when it writes the event.
	Position int64 `json:"position"`
	Type     Type  `json:"type"`
	At       int64 `json:"at"` // unix ms
	// What the event is about, for who may see it: a conversation and its inbox, or an inbox.
	InboxID        int64 `json:"inbox_id,omitempty"`
	ConversationID int64 `json:"conversation_id,omitempty"`
	ActorID        int64 `json:"actor_id,omitempty"` // the user who did it; 0 for a contact, the bot or the system
	// Data is the payload documented for the type.
	Data json.RawMessage `json:"data"`

	// payload is encoded into Data by the store inside the writing transaction, so a payload that
	// points at the row being written carries the ids the insert gave it.
	payload any
}

// New returns an event of type t whose payload is data, encoded when the event is written (so a
// pointer to a row being inserted carries its new id).
func New(t Type, data any) Event { return Event{Type: t, payload: data} }

// Encode fills Data from the payload given to New (when Data is not set yet).
func (e *Event) Encode() error {
	if e.Data != nil {
		return nil
	}
	if e.payload == nil {
		e.Data = json.RawMessage("{}")
		return nil
	}
	b, err := json.Marshal(e.payload)
	if err != nil {
		return err
	}
	e.Data = b
	return nil
}

// Last returns the highest position among events (0 when none).
func Last(events []Event) int64 {
	var p int64
	for _, e := range events {
		p = max(p, e.Position)
	}
	return p
}

// Envelope is an event as integrations see it, on webhooks and in the event log alike: its type,
// its position, its time and its documented payload.
type Envelope struct {
	Type      Type            `json:"type"`
	Position  int64           `json:"position"`
	Timestamp string          `json:"timestamp"` // RFC 3339, UTC, milliseconds
	Data      json.RawMessage `json:"data"`
}

// Envelope returns e as integrations see it.
func (e *Event) Envelope() Envelope {
	data := e.Data
	if data == nil {
		data = json.RawMessage("{}")
	}
	return Envelope{Type: e.Type, Position: e.Position, Timestamp: time.UnixMilli(e.At).UTC().Format("2006-01-02T15:04:05.000Z07:00"), Data: data}
}
