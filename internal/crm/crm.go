// Package crm holds the business's pipeline: leads now; persons, organisations, deals and
// activities will join them. An item may be linked to the contact it is about and to the
// conversation it was made from; that conversation lists it under Created items, and its log says
// who created it and when. Who may do what is decided in policy.go and nowhere else.
package crm

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/mask"
)

// ItemType names a kind of CRM item, in the conversation's log and its Created items.
type ItemType string

const (
	ItemLead ItemType = "lead"
)

// Source says how an item came to be.
type Source string

const (
	SourceAgent Source = "agent" // an agent, in the inbox
	SourceBot   Source = "bot"   // a playbook's action card; no user
	SourceAPI   Source = "api"   // a program, with a user's API token
)

// LeadStatus is where a lead stands.
type LeadStatus string

const (
	LeadOpen LeadStatus = "open"
	LeadWon  LeadStatus = "won"
	LeadLost LeadStatus = "lost"
)

func (s LeadStatus) valid() bool { return s == LeadOpen || s == LeadWon || s == LeadLost }

// Limits on what a lead holds.
const (
	MaxTitle = 200 // characters
	// MaxValue is the largest value accepted, in minor units: the largest whole number a
	// JavaScript client holds exactly (2^53 − 1), so the inbox never shows a rounded amount.
	MaxValue        = 1<<53 - 1
	DefaultCurrency = "EUR"
)

// Lead is a prospective sale.
type Lead struct {
	ID              int64      `json:"id"`
	Title           string     `json:"title"`
	Value           int64      `json:"value"`    // in the currency's minor units (cents)
	Currency        string     `json:"currency"` // ISO 4217, e.g. EUR
	Status          LeadStatus `json:"status"`
	ContactID       int64      `json:"contact_id,omitempty"`
	ConversationID  int64      `json:"conversation_id,omitempty"` // the conversation it was made from; absent once that is deleted
	OwnerUserID     int64      `json:"owner_user_id,omitempty"`
	CreatedByUserID int64      `json:"created_by_user_id,omitempty"` // absent when a playbook's bot made it
	Source          Source     `json:"source"`
	CreatedAt       int64      `json:"created_at"`
	UpdatedAt       int64      `json:"updated_at"`
	// Filled for the reader, not stored in the leads row.
	CreatedByName string `json:"created_by_name,omitempty"`
}

// LeadInput is a new lead. ContactID defaults to the conversation's contact; OwnerUserID to the
// agent who creates it.
type LeadInput struct {
	Title          string     `json:"title"`
	Value          int64      `json:"value"`
	Currency       string     `json:"currency"` // default EUR
	Status         LeadStatus `json:"status"`   // default open
	ContactID      int64      `json:"contact_id"`
	ConversationID int64      `json:"conversation_id"`
	OwnerUserID    int64      `json:"owner_user_id"`
	// Source is set by the caller, never by the client: SourceAPI for API tokens, otherwise agent.
	Source Source `json:"-"`
}

// LeadPatch is a change to a lead; nil fields stay. An OwnerUserID of 0 leaves the lead without
// owner. Links to the contact and conversation are not changed here.
type LeadPatch struct {
	Title       *string     `json:"title"`
	Value       *int64      `json:"value"`
	Currency    *string     `json:"currency"`
	Status      *LeadStatus `json:"status"`
	OwnerUserID *int64      `json:"owner_user_id"`
}

// LeadQuery selects leads, newest first.
type LeadQuery struct {
	ContactID      int64 // only this contact's leads
	ConversationID int64 // only leads made from this conversation
	BeforeID       int64 // cursor: the id of the previous page's last lead
	Limit          int
}

// PageSize is the number of leads a list page holds for a requested limit.
func PageSize(limit int) int {
	if limit <= 0 || limit > 200 {
		return 50
	}
	return limit
}

// UserRef names a user where an item shows who did something.
type UserRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Item is one entry of a conversation's Created items: a lead now, deals and others later.
type Item struct {
	Type      ItemType `json:"type"`
	ID        int64    `json:"id"`
	Title     string   `json:"title"`
	Value     int64    `json:"value"`
	Currency  string   `json:"currency,omitempty"`
	Status    string   `json:"status,omitempty"`
	Source    Source   `json:"source"`
	CreatedAt int64    `json:"created_at"`
	CreatedBy *UserRef `json:"created_by"` // null when a playbook's bot made it
}

// ItemOfLead is the lead as a Created items entry.
func ItemOfLead(l *Lead) Item {
	it := Item{Type: ItemLead, ID: l.ID, Title: l.Title, Value: l.Value, Currency: l.Currency, Status: string(l.Status),
		Source: l.Source, CreatedAt: l.CreatedAt}
	if l.CreatedByUserID != 0 {
		it.CreatedBy = &UserRef{ID: l.CreatedByUserID, Name: l.CreatedByName}
	}
	return it
}

// cleanTitle makes the title one line of valid text with card numbers masked, and checks it.
func cleanTitle(s string) (string, error) {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s, _ = mask.String(strings.TrimSpace(s))
	switch {
	case s == "":
		return "", errs.Coded(errs.Invalid, "title_required", "title is required")
	case utf8.RuneCountInString(s) > MaxTitle:
		return "", errs.Coded(errs.Invalid, "title_too_long", "title is longer than %d characters", MaxTitle)
	}
	return s, nil
}

func checkValue(v int64) error {
	if v < 0 || v > MaxValue {
		return errs.Coded(errs.Invalid, "value_invalid", "value must be a whole number of minor units (cents) from 0 to %d", int64(MaxValue))
	}
	return nil
}

// cleanCurrency checks an ISO 4217 code; empty means the default.
func cleanCurrency(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultCurrency, nil
	}
	if len(s) != 3 || strings.ContainsFunc(s, func(r rune) bool { return r < 'A' || r > 'Z' }) {
		return "", errs.Coded(errs.Invalid, "currency_invalid", "currency must be a 3-letter ISO 4217 code in capitals, such as EUR or USD")
	}
	return s, nil
}

func checkStatus(s LeadStatus) error {
	if !s.valid() {
		return errs.Coded(errs.Invalid, "status_invalid", "status must be open, won or lost")
	}
	return nil
}

// newLead validates in and makes the lead it describes, without references checked.
func newLead(in LeadInput) (*Lead, error) {
	title, err := cleanTitle(in.Title)
	if err != nil {
		return nil, err
	}
	if err := checkValue(in.Value); err != nil {
		return nil, err
	}
	cur, err := cleanCurrency(in.Currency)
	if err != nil {
		return nil, err
	}
	if in.Status == "" {
		in.Status = LeadOpen
	}
	if err := checkStatus(in.Status); err != nil {
		return nil, err
	}
	if in.ContactID < 0 || in.ConversationID < 0 || in.OwnerUserID < 0 {
		return nil, errs.Coded(errs.Invalid, "id_invalid", "contact_id, conversation_id and owner_user_id are positive ids, or 0 for none")
	}
	return &Lead{Title: title, Value: in.Value, Currency: cur, Status: in.Status, ContactID: in.ContactID,
		ConversationID: in.ConversationID, OwnerUserID: in.OwnerUserID}, nil
}

// apply validates p and applies it to l.
func (p LeadPatch) apply(l *Lead) error {
	if p.Title != nil {
		t, err := cleanTitle(*p.Title)
		if err != nil {
			return err
		}
		l.Title = t
	}
	if p.Value != nil {
		if err := checkValue(*p.Value); err != nil {
			return err
		}
		l.Value = *p.Value
	}
	if p.Currency != nil {
		if strings.TrimSpace(*p.Currency) == "" {
			return errs.Coded(errs.Invalid, "currency_invalid", "currency must be a 3-letter ISO 4217 code in capitals, such as EUR or USD")
		}
		c, err := cleanCurrency(*p.Currency)
		if err != nil {
			return err
		}
		l.Currency = c
	}
	if p.Status != nil {
		if err := checkStatus(*p.Status); err != nil {
			return err
		}
		l.Status = *p.Status
	}
	if p.OwnerUserID != nil {
		if *p.OwnerUserID < 0 {
			return errs.Coded(errs.Invalid, "owner_unknown", "owner_user_id: there is no user with id %d", *p.OwnerUserID)
		}
		l.OwnerUserID = *p.OwnerUserID
	}
	return nil
}
