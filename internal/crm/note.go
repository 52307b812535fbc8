package crm

import (
	"strconv"
	"time"

	"github.com/parleyhq/parley/internal/errs"
)

// Note is rich text (the markdown subset of internal/richtext) on a record. A note made from a
// conversation — by linking the conversation to the record — holds an excerpt of it: only users
// who may see that conversation read the note in full; others see that it exists (Hidden).
type Note struct {
	ID             int64      `json:"id"`
	RecordType     RecordType `json:"record_type"`
	RecordID       int64      `json:"record_id"`
	Body           string     `json:"body"`
	HTML           string     `json:"html"` // the body rendered to sanitised HTML
	ConversationID int64      `json:"conversation_id,omitempty"`
	Excerpt        *Excerpt   `json:"excerpt,omitempty"`
	// Hidden: made from a conversation the reader may not see; body, html and excerpt are left out.
	Hidden          bool  `json:"hidden,omitempty"`
	CreatedByUserID int64 `json:"created_by_user_id,omitempty"` // absent when made by following a conversation
	EditedByUserID  int64 `json:"edited_by_user_id,omitempty"`
	EditedAt        int64 `json:"edited_at,omitempty"`
	CreatedAt       int64 `json:"created_at"`
	UpdatedAt       int64 `json:"updated_at"`
	// Filled for the reader.
	CreatedByName string `json:"created_by_name,omitempty"`
	EditedByName  string `json:"edited_by_name,omitempty"`
}

// Excerpt is what a note made from a conversation holds of it: the latest messages with their
// senders, the assignment, and the way back to the conversation.
type Excerpt struct {
	ConversationID int64 `json:"conversation_id"`
	// URL is the conversation in the inbox, relative to Parley's address.
	URL          string        `json:"url"`
	Status       string        `json:"status"` // open or closed
	AssigneeID   int64         `json:"assignee_id,omitempty"`
	AssigneeName string        `json:"assignee_name,omitempty"`
	Lines        []ExcerptLine `json:"lines"`
	// Until: the conversation's messages before then are added to this note; a later one starts a
	// new note (NoteWindow after the note began).
	Until int64 `json:"until"`

	visitor string // the contact's name, for their lines
}

// ExcerptLine is one message of an excerpt.
type ExcerptLine struct {
	Seq      int64  `json:"seq"`
	At       int64  `json:"at"`
	From     string `json:"from"` // visitor, agent or bot
	SenderID int64  `json:"sender_id,omitempty"`
	Name     string `json:"name"`
	Text     string `json:"text"`
	// Subject is an email's (in a record's timeline).
	Subject string `json:"subject,omitempty"`
}

// NoteWindow is how long a linked conversation's messages go to the same note.
const NoteWindow = 24 * time.Hour

// Limits of excerpts.
const (
	excerptFirst   = 20   // latest messages a link's first note holds
	excerptMax     = 500  // lines of one note; the next message starts a new one
	excerptLineMax = 2000 // characters of one line
)

// ConversationURL is a conversation's address in the inbox, relative to Parley's.
func ConversationURL(id int64) string { return "/inbox/#/c/" + strconv.FormatInt(id, 10) }

// NoteInput is a new note on a record.
type NoteInput struct {
	RecordType RecordType `json:"record_type"`
	RecordID   int64      `json:"record_id"`
	Body       string     `json:"body"`
}

// NotePatch changes a note's body. A note following a conversation stops following it once
// edited: the conversation's next message starts a new note.
type NotePatch struct {
	Body *string `json:"body"`
}

func cleanNoteBody(s string, required bool) (string, error) {
	b, err := cleanText(s, "body", MaxNote)
	if err != nil {
		return "", err
	}
	if b == "" && required {
		return "", errs.Coded(errs.Invalid, "body_required", "body is required")
	}
	return b, nil
}

// Link is a conversation linked to a person, lead or deal, and the note its messages go to now.
type Link struct {
	ID             int64      `json:"id"`
	ConversationID int64      `json:"conversation_id"`
	RecordType     RecordType `json:"record_type"`
	RecordID       int64      `json:"record_id"`
	NoteID         int64      `json:"note_id,omitempty"` // absent once that note was deleted
	// WindowStart is when the current note began; LastSeq the conversation's last message in it.
	WindowStart     int64 `json:"window_start"`
	LastSeq         int64 `json:"last_seq"`
	CreatedByUserID int64 `json:"created_by_user_id,omitempty"`
	CreatedAt       int64 `json:"created_at"`
}

// LinkInput links a conversation to an existing person, lead or deal.
type LinkInput struct {
	RecordType RecordType `json:"record_type"`
	RecordID   int64      `json:"record_id"`
}

// Draft is what the details panel captured for a lead or deal not yet made from the conversation:
// its value and expected close date, the organisation's name and address, and a free note. The
// person's name, email and phone are the contact's own.
type Draft struct {
	ConversationID      int64  `json:"conversation_id"`
	Value               int64  `json:"value"`
	Currency            string `json:"currency"`
	ExpectedCloseDate   string `json:"expected_close_date"`
	OrganizationName    string `json:"organization_name"`
	OrganizationAddress string `json:"organization_address"`
	Note                string `json:"note"`
	UpdatedByUserID     int64  `json:"updated_by_user_id,omitempty"`
	UpdatedAt           int64  `json:"updated_at,omitempty"`
}

// DraftPatch changes a draft; nil fields stay.
type DraftPatch struct {
	Value               *int64  `json:"value"`
	Currency            *string `json:"currency"`
	ExpectedCloseDate   *string `json:"expected_close_date"`
	OrganizationName    *string `json:"organization_name"`
	OrganizationAddress *string `json:"organization_address"`
	Note                *string `json:"note"`
}

func (p DraftPatch) apply(d *Draft) error {
	if p.Value != nil {
		if err := checkValue(*p.Value); err != nil {
			return err
		}
		d.Value = *p.Value
	}
	if p.Currency != nil {
		c, err := cleanCurrency(*p.Currency)
		if err != nil {
			return err
		}
		d.Currency = c
	}
	if p.ExpectedCloseDate != nil {
		x, err := cleanDate(*p.ExpectedCloseDate, "expected_close_date")
		if err != nil {
			return err
		}
		d.ExpectedCloseDate = x
	}
	if p.OrganizationName != nil {
		x, err := cleanLine(*p.OrganizationName, "organization_name", MaxTitle, false)
		if err != nil {
			return err
		}
		d.OrganizationName = x
	}
	if p.OrganizationAddress != nil {
		x, err := cleanText(*p.OrganizationAddress, "organization_address", MaxAddress)
		if err != nil {
			return err
		}
		d.OrganizationAddress = x
	}
	if p.Note != nil {
		x, err := cleanText(*p.Note, "note", MaxNote)
		if err != nil {
			return err
		}
		d.Note = x
	}
	return nil
}

// Prefill is what Create lead and Create deal start with in a conversation: the draft, the
// contact's details and what the bot captured (a company becomes the organisation's name).
type Prefill struct {
	Title               string `json:"title"`
	Value               int64  `json:"value"`
	Currency            string `json:"currency"`
	ExpectedCloseDate   string `json:"expected_close_date"`
	PersonID            int64  `json:"person_id,omitempty"` // the contact's person, when it is one
	PersonName          string `json:"person_name"`
	PersonEmail         string `json:"person_email"`
	PersonPhone         string `json:"person_phone"`
	OrganizationID      int64  `json:"organization_id,omitempty"`
	OrganizationName    string `json:"organization_name"`
	OrganizationAddress string `json:"organization_address"`
	Note                string `json:"note"`
}
