// Package inbox holds inboxes — one channel connection each, with its members and policies — and
// websites, the inboxes of the chat widget.
package inbox

import (
	"crypto/rand"
	"encoding/base64"
	"time"
)

// Kind is an inbox's channel.
type Kind string

const (
	Web       Kind = "web"
	Email     Kind = "email"
	Messenger Kind = "messenger"
	WhatsApp  Kind = "whatsapp"
)

// Visibility says whether an assigned conversation is hidden from other agents.
type Visibility string

const (
	Private Visibility = "private"
	Shared  Visibility = "shared"
)

// ReopenPolicy says what a contact's new message does to a closed conversation.
type ReopenPolicy string

const (
	Final  ReopenPolicy = "final"
	Reopen ReopenPolicy = "reopen"
)

// Defaults returns the policies a new inbox of kind k starts with: website chat is private and
// final, as the live chat seeds describe; the other channels are shared and reopen, as the shared
// messaging inbox does.
func Defaults(k Kind) (Visibility, ReopenPolicy) {
	if k == Web {
		return Private, Final
	}
	return Shared, Reopen
}

// Inbox is one channel connection.
type Inbox struct {
	ID           int64        `json:"id"`
	Kind         Kind         `json:"kind"`
	Name         string       `json:"name"`
	Visibility   Visibility   `json:"visibility"`
	ReopenPolicy ReopenPolicy `json:"reopen_policy"`
	InstallerID  int64        `json:"installer_id"`
	// Language is what its messages are written in, for search to stem their words (en, de, nl,
	// tr, hu; internal/search).
	Language  string `json:"language"`
	CreatedAt int64  `json:"created_at"`
	UpdatedAt int64  `json:"updated_at"`
}

// AccessData is the payload of inbox.access_changed: who works in the inbox now, and whether
// assigned conversations are hidden from other agents.
type AccessData struct {
	InboxID    int64      `json:"inbox_id"`
	Visibility Visibility `json:"visibility"`
	MemberIDs  []int64    `json:"member_ids"`
}

// Website is a web inbox: where the widget runs.
type Website struct {
	Inbox
	PublicKey      string   `json:"public_key"`
	Secret         string   `json:"-"` // signs identified visitors; shown only to admins on request
	AllowedDomains []string `json:"allowed_domains"`
	TimeZone       string   `json:"time_zone"`
	// FollowUp emails a visitor who is not on the site the replies they have not read, after
	// FollowUpSeconds; TranscriptOnClose emails them the conversation when it is closed. Both need
	// the visitor's email. EmailInboxID names the email inbox to send from (0: the installation's
	// own mail).
	FollowUp          bool  `json:"follow_up"`
	FollowUpSeconds   int   `json:"follow_up_seconds"`
	TranscriptOnClose bool  `json:"transcript_on_close"`
	EmailInboxID      int64 `json:"email_inbox_id,omitempty"`
	// BusinessHours are when the website is open (hours.go); never nil once read.
	BusinessHours *BusinessHours `json:"business_hours"`
}

// DefaultFollowUpSeconds is a new website's follow-up delay: two minutes.
const DefaultFollowUpSeconds = 120

// FollowUpDelay is how long the website waits before emailing a reply the visitor has not read.
func (w *Website) FollowUpDelay() time.Duration {
	return time.Duration(max(w.FollowUpSeconds, 0)) * time.Second
}

// NewKey returns a random URL-safe key of n bytes with a prefix, for public keys and secrets.
func NewKey(prefix string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}
