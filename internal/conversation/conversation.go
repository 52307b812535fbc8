// Package conversation holds conversations, their log of messages and events, and the rules of
// who may see, assign, reply to, close, reopen and delete them. The rules live in policy.go and
// nowhere else: the agent API, the widget and every channel go through Service.
package conversation

import (
	"encoding/json"

	"github.com/parleyhq/parley/internal/inbox"
)

// Status is open or closed.
type Status string

const (
	Open   Status = "open"
	Closed Status = "closed"
)

// SenderKind says who wrote a log entry.
type SenderKind string

const (
	FromVisitor SenderKind = "visitor" // the contact, whatever the channel
	FromAgent   SenderKind = "agent"
	FromBot     SenderKind = "bot"
	FromSystem  SenderKind = "system"
)

// Kind is what a log entry is.
type Kind string

const (
	Text       Kind = "text"
	Rich       Kind = "rich" // markdown subset, rendered to sanitised HTML
	Attachment Kind = "attachment"
	Note       Kind = "note"  // internal: never shown to the contact
	EventKind  Kind = "event" // a system line, shown in each viewer's language
	// A bot card (docs/widget-protocol.md section 4) and the contact's responses to cards.
	Card    Kind = "card"
	Answer  Kind = "answer"
	Capture Kind = "capture"
	Consent Kind = "consent"
)

// Conversation is one thread with a contact in one inbox.
type Conversation struct {
	ID             int64      `json:"id"`
	InboxID        int64      `json:"inbox_id"`
	Channel        inbox.Kind `json:"channel"`
	ContactID      int64      `json:"contact_id"`
	VisitorID      int64      `json:"visitor_id,omitempty"`
	Status         Status     `json:"status"`
	AssigneeID     int64      `json:"assignee_id,omitempty"`
	TeamID         int64      `json:"team_id,omitempty"`
	LastSeq        int64      `json:"last_seq"`
	ContactReadSeq int64      `json:"contact_read_seq"`
	// WithBot: only the bot has spoken with the contact so far; the conversation is in nobody's
	// folder until the contact reaches a live chat card or writes to a human.
	WithBot         bool   `json:"with_bot,omitempty"`
	Preview         string `json:"preview"`
	Rating          int    `json:"rating,omitempty"`
	CreatedAt       int64  `json:"created_at"`
	UpdatedAt       int64  `json:"updated_at"`
	LastMessageAt   int64  `json:"last_message_at"`
	FirstResponseAt int64  `json:"first_response_at,omitempty"`
	JoinedAt        int64  `json:"joined_at,omitempty"`
	ClosedAt        int64  `json:"closed_at,omitempty"`
	// Filled for the reader, not stored in the conversations row.
	ContactName string `json:"contact_name,omitempty"`
	// ContactCountry: where the website visitor is, from their IP (ISO code); folder lists and
	// the API's single conversation only.
	ContactCountry string `json:"contact_country,omitempty"`
	Unread         int    `json:"unread"`
	// VisitorOnline: the contact has the website open (a widget socket on any node); from the
	// realtime hub's memory.
	VisitorOnline bool `json:"visitor_online"`
	// Subject is an email thread's latest subject (replies follow it).
	Subject string `json:"subject,omitempty"`
	// Spam: a channel flagged the mail that opened it (DMARC failed, X-Spam-Flag, or no person
	// wrote it); it waits in the Spam view, out of every folder, until released.
	Spam bool `json:"spam,omitempty"`
	// ReplyWindow says until when replies may go out freely on Messenger and WhatsApp, and how
	// after that (window.go); the API's single conversation and channel messages' changes only.
	ReplyWindow *ReplyWindow `json:"reply_window,omitempty"`
	// ContactPicture is the contact's picture from their channel's profile, when Parley has one
	// (the API's single conversation only).
	ContactPicture string `json:"contact_picture,omitempty"`
	// Tags are the conversation's tags (folder lists and the API's single conversation).
	Tags []Tag `json:"tags,omitempty"`
}

// Tag is a conversation tag: agents add and remove them, admins rename, merge and colour them.
type Tag struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color"` // "" or #rrggbb
}

// Message is one entry of a conversation's log.
type Message struct {
	ID             int64      `json:"id"`
	ConversationID int64      `json:"conversation_id"`
	Seq            int64      `json:"seq"`
	SenderKind     SenderKind `json:"sender_kind"`
	SenderID       int64      `json:"sender_id,omitempty"`
	SenderName     string     `json:"sender_name,omitempty"`
	SenderAvatar   string     `json:"sender_avatar,omitempty"`
	Kind           Kind       `json:"kind"`
	Body           string     `json:"body,omitempty"`
	HTML           string     `json:"html,omitempty"`
	Event          *Event     `json:"event,omitempty"`
	ClientID       string     `json:"client_id,omitempty"`
	ExternalID     string     `json:"external_id,omitempty"`
	AttachmentID   int64      `json:"attachment_id,omitempty"`
	Attachment     *File      `json:"attachment,omitempty"` // what the attachment is, for showing it
	// Card is a bot card's wire object (kind card); Response points a contact's answer, capture or
	// consent at its card. Both are JSON as docs/widget-protocol.md section 4 defines them.
	Card      json.RawMessage `json:"card,omitempty"`
	Response  json.RawMessage `json:"response,omitempty"`
	CreatedAt int64           `json:"created_at"`
	// Position is the entry's place in the installation's event log (docs/events.md): every log
	// entry is an event.
	Position int64 `json:"position,omitempty"`

	// Email is what an email carries besides its text (docs/email.md): the message as mail, for a
	// message that came or went by email.
	Email *EmailMeta `json:"email,omitempty"`
	// Repaired: the channel's text had NUL bytes (removed) or invalid UTF-8 (replaced).
	Repaired bool `json:"repaired,omitempty"`
	// Delivery is how a reply went out through a channel; nil for the website chat's socket.
	Delivery *Delivery `json:"delivery,omitempty"`
	// Channel is what a Messenger or WhatsApp message carries besides its text.
	Channel *ChannelMeta `json:"channel_meta,omitempty"`
	// Original is what a channel hid from the message and keeps viewable (an email's quoted
	// history), written with the message; read it with Service.Original.
	Original *Original `json:"-"`
}

// EmailMeta is the mail side of a message. Every text in it is masked like the message.
type EmailMeta struct {
	Subject string   `json:"subject,omitempty"`
	From    string   `json:"from,omitempty"`
	To      []string `json:"to,omitempty"`
	Cc      []string `json:"cc,omitempty"`
	// Quoted: the mail held quoted history or a signature, hidden here and kept (GET
	// /api/v1/conversations/{id}/messages/{message_id}/original).
	Quoted bool `json:"quoted,omitempty"`
	// SPF, DKIM and DMARC as checked on the way in ("pass", "fail", …; empty when unknown).
	SPF   string `json:"spf,omitempty"`
	DKIM  string `json:"dkim,omitempty"`
	DMARC string `json:"dmarc,omitempty"`
	// Spam names why a filter or DMARC marked it; AutoReply the header that shows no person
	// wrote it (it is recorded, never answered).
	Spam      string `json:"spam,omitempty"`
	AutoReply string `json:"auto_reply,omitempty"`
	// Malformed says what was wrong with a mail that was not well-formed; its raw copy is kept
	// as an attachment.
	Malformed string `json:"malformed,omitempty"`
	// Refused lists attachments that could not be kept, with the reason.
	Refused []string `json:"refused,omitempty"`
}

// ChannelMeta is what a Messenger or WhatsApp message carries besides its text (docs/channels.md).
// Every text in it is masked like the message.
type ChannelMeta struct {
	// Echo: the business sent it from outside Parley (the Page's inbox at Meta, another app); it
	// is shown as the Page's.
	Echo bool `json:"echo,omitempty"`
	// QuickReply and Postback are the payloads of a button the person pressed (the message's
	// text is the button's title); Sticker is the sticker they sent ("like": the thumbs-up).
	QuickReply string `json:"quick_reply,omitempty"`
	Postback   string `json:"postback,omitempty"`
	Sticker    string `json:"sticker,omitempty"`
	// Tag is the Messenger message tag a reply outside the standard messaging window went with
	// (HUMAN_AGENT).
	Tag string `json:"tag,omitempty"`
	// Template is the approved WhatsApp template a reply was sent as (the only kind of reply
	// outside the 24-hour session); the message's body is its text as the agent saw it.
	Template *Template `json:"template,omitempty"`
	// Refused lists files that came with the message but could not be kept, with the reason.
	Refused []string `json:"refused,omitempty"`
}

// Template names an approved WhatsApp template (Twilio's Content API) and its variables.
type Template struct {
	SID       string            `json:"sid"`
	Name      string            `json:"name,omitempty"`
	Variables map[string]string `json:"variables,omitempty"`
}

// Delivery is where a reply stands on its way through a channel.
type Delivery struct {
	Status DeliveryStatus `json:"status"`
	// Via names the channel when it is not the conversation's own: "email" for a website chat's
	// reply that went out by email to a visitor who had left.
	Via   string `json:"via,omitempty"`
	Error string `json:"error,omitempty"` // the channel's own words, for failed (and a retrying queued)
	At    int64  `json:"at,omitempty"`
}

// DeliveryStatus is a reply's state on its channel.
type DeliveryStatus string

const (
	Queued    DeliveryStatus = "queued"
	Sent      DeliveryStatus = "sent"
	Delivered DeliveryStatus = "delivered"
	Read      DeliveryStatus = "read"
	Failed    DeliveryStatus = "failed"
)

// Original is the whole of a channel message before its quoted part was hidden.
type Original struct {
	Text string `json:"text"`
	HTML string `json:"html,omitempty"` // sanitised
}

// payload is what the log's event column holds besides a system line's event: a card with the
// bot's name and avatar as they were when it spoke, a response, or a channel message's mail side.
type payload struct {
	Card     json.RawMessage `json:"card,omitempty"`
	Response json.RawMessage `json:"response,omitempty"`
	Name     string          `json:"name,omitempty"`
	Avatar   string          `json:"avatar,omitempty"`
	Email    *EmailMeta      `json:"email,omitempty"`
	Channel  *ChannelMeta    `json:"channel,omitempty"`
	HTML     string          `json:"html,omitempty"` // a channel message's sanitised HTML
	Repaired bool            `json:"repaired,omitempty"`
}

// EncodePayload is the stored form of an entry's structured part (the event column).
func EncodePayload(m *Message) string {
	switch m.Kind {
	case Card, Answer, Capture, Consent:
		p := payload{Card: m.Card, Response: m.Response}
		if m.SenderKind == FromBot {
			p.Name, p.Avatar = m.SenderName, m.SenderAvatar
		}
		b, _ := json.Marshal(p)
		return string(b)
	case Text, Rich, Attachment:
		if m.Email == nil && m.Channel == nil && !m.Repaired {
			break
		}
		p := payload{Email: m.Email, Channel: m.Channel, Repaired: m.Repaired}
		if m.SenderKind == FromAgent && m.SenderID == 0 {
			p.Name = m.SenderName // a channel's echo: the Page's name, as no user wrote it
		}
		if m.Email != nil && m.Kind != Rich {
			p.HTML = m.HTML // a rich message's HTML is rendered from its body when read
		}
		b, _ := json.Marshal(p)
		return string(b)
	}
	return EncodeEvent(m.Event)
}

// DecodePayload fills m's structured part from the stored event column.
func DecodePayload(m *Message, stored string) error {
	switch m.Kind {
	case EventKind:
		m.Event = &Event{}
		return json.Unmarshal([]byte(stored), m.Event)
	case Card, Answer, Capture, Consent:
		var p payload
		if err := json.Unmarshal([]byte(stored), &p); err != nil {
			return err
		}
		m.Card, m.Response = p.Card, p.Response
		if m.SenderKind == FromBot {
			m.SenderName, m.SenderAvatar = p.Name, p.Avatar
		}
	case Text, Rich, Attachment:
		if len(stored) <= 2 { // "{}": most messages carry nothing here
			return nil
		}
		var p payload
		if err := json.Unmarshal([]byte(stored), &p); err != nil {
			return err
		}
		m.Email, m.Channel, m.Repaired = p.Email, p.Channel, p.Repaired
		if p.Name != "" && m.SenderName == "" {
			m.SenderName = p.Name
		}
		if p.HTML != "" {
			m.HTML = p.HTML
		}
	}
	return nil
}

// File describes a message's attachment (the bytes are fetched separately).
type File struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
}

// Event types of system lines.
const (
	EventJoined     = "joined"     // first agent took the chat: "<name> joined the chat"
	EventAssigned   = "assigned"   // reassigned to another agent or a team
	EventUnassigned = "unassigned" // given back to Unassigned
	EventClosed     = "closed"
	EventReopened   = "reopened"
	EventRated      = "rated"
	// EventItemCreated: a CRM record (a person, organisation, lead, deal or activity) was made
	// from the conversation. Agents only: VisibleToContact leaves it out.
	EventItemCreated = "item_created"
	// EventItemLinked: the conversation was linked to a person, lead or deal. Agents only.
	EventItemLinked = "item_linked"
	// EventReleased: an agent released the conversation from the Spam view. Agents only.
	EventReleased = "released"
)

// Event is the payload of a system line. Names are stored, not just ids, so the line still reads
// right after a user is renamed or deleted; the viewer's language is applied when shown.
type Event struct {
	Type      string `json:"type"`
	ActorID   int64  `json:"actor_id,omitempty"`
	ActorName string `json:"actor_name,omitempty"`
	UserID    int64  `json:"user_id,omitempty"`
	UserName  string `json:"user_name,omitempty"`
	TeamID    int64  `json:"team_id,omitempty"`
	Rating    int    `json:"rating,omitempty"`
	// Comment: what the contact wrote with their rating (rated only; optional).
	Comment string `json:"comment,omitempty"`
	Auto    bool   `json:"auto,omitempty"` // the system did it (e.g. reopened by a contact's message)
	// item_created, item_linked: the record, and its title then.
	ItemType string `json:"item_type,omitempty"`
	ItemID   int64  `json:"item_id,omitempty"`
	Title    string `json:"title,omitempty"`
}

// EncodeEvent is the stored form of an event.
func EncodeEvent(e *Event) string {
	if e == nil {
		return "{}"
	}
	b, _ := json.Marshal(e)
	return string(b)
}

// VisibleToContact reports whether the contact sees this entry: not internal notes, and of the
// system lines only those about the chat itself.
func (m *Message) VisibleToContact() bool {
	switch m.Kind {
	case Note:
		return false
	case EventKind:
		if m.Event == nil {
			return false
		}
		switch m.Event.Type {
		case EventJoined, EventClosed, EventReopened, EventAssigned, EventUnassigned:
			return true
		}
		return false
	}
	return true
}

// Folder is a view of the inbox.
type Folder string

const (
	FolderUnassigned Folder = "unassigned"
	FolderMine       Folder = "mine"
	FolderOthers     Folder = "others"
	FolderOpen       Folder = "open"
	FolderClosed     Folder = "closed"
	// FolderAll is every conversation but spam, open or closed: what filters and saved views list.
	FolderAll Folder = "all"
	// FolderSpam holds what channels flagged as spam, open or closed, until it is released.
	FolderSpam Folder = "spam"
)

// Valid reports whether f is a known folder.
func (f Folder) Valid() bool {
	switch f {
	case FolderUnassigned, FolderMine, FolderOthers, FolderOpen, FolderClosed, FolderAll, FolderSpam:
		return true
	}
	return false
}
