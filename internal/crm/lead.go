package crm

import (
	"encoding/json"

	"github.com/parleyhq/parley/internal/errs"
)

// LeadStatus is where a lead stands.
type LeadStatus string

const (
	LeadOpen         LeadStatus = "open"
	LeadQualified    LeadStatus = "qualified"
	LeadDisqualified LeadStatus = "disqualified"
	// LeadConverted: it became a deal (DealID). Set by converting, never directly.
	LeadConverted LeadStatus = "converted"

	// The statuses of leads before deals existed, still accepted from existing clients: setting
	// one converts the lead into a deal of that status.
	LegacyWon  LeadStatus = "won"
	LegacyLost LeadStatus = "lost"
)

// Lead is a prospective sale, not yet a deal in a pipeline.
type Lead struct {
	ID                int64      `json:"id"`
	Title             string     `json:"title"`
	Value             int64      `json:"value"`    // in the currency's minor units (cents)
	Currency          string     `json:"currency"` // ISO 4217, e.g. EUR
	ExpectedCloseDate string     `json:"expected_close_date"`
	Status            LeadStatus `json:"status"`
	PersonID          int64      `json:"person_id,omitempty"`
	OrganizationID    int64      `json:"organization_id,omitempty"`
	ContactID         int64      `json:"contact_id,omitempty"`
	ConversationID    int64      `json:"conversation_id,omitempty"` // the conversation it was made from; absent once that is deleted
	DealID            int64      `json:"deal_id,omitempty"`         // the deal it was converted into
	OwnerUserID       int64      `json:"owner_user_id,omitempty"`
	CreatedByUserID   int64      `json:"created_by_user_id,omitempty"` // absent when a playbook's bot made it
	Source            Source     `json:"source"`
	Labels            []string   `json:"labels"`
	Fields            Values     `json:"fields"`
	CreatedAt         int64      `json:"created_at"`
	UpdatedAt         int64      `json:"updated_at"`
	// Filled for the reader, not stored in the leads row.
	CreatedByName    string `json:"created_by_name,omitempty"`
	OwnerName        string `json:"owner_name,omitempty"`
	PersonName       string `json:"person_name,omitempty"`
	OrganizationName string `json:"organization_name,omitempty"`
	// Cursor is the record's place in the list it was read for (the next page starts after it).
	Cursor string `json:"-"`
}

// LeadPatch is a change to a lead; nil fields stay. OwnerUserID, PersonID and OrganizationID 0
// clear them. Status won or lost (the statuses before deals) converts the lead into a deal of
// that status.
type LeadPatch struct {
	Title             *string                    `json:"title"`
	Value             *int64                     `json:"value"`
	Currency          *string                    `json:"currency"`
	ExpectedCloseDate *string                    `json:"expected_close_date"`
	Status            *LeadStatus                `json:"status"`
	PersonID          *int64                     `json:"person_id"`
	OrganizationID    *int64                     `json:"organization_id"`
	OwnerUserID       *int64                     `json:"owner_user_id"`
	Labels            *[]string                  `json:"labels"`
	Fields            map[string]json.RawMessage `json:"fields"`
}

// LeadInput is a new lead. ContactID defaults to the conversation's contact; OwnerUserID to the
// user who creates it.
type LeadInput struct {
	LeadPatch
	ContactID      int64 `json:"contact_id"`
	ConversationID int64 `json:"conversation_id"`
	// Person and Organization make the lead's person and organisation (instead of person_id and
	// organization_id); from a conversation the person is its contact's.
	Person       *PersonPatch       `json:"person"`
	Organization *OrganizationPatch `json:"organization"`
	// Note is a first note on the lead.
	Note string `json:"note"`
	// Link links the conversation to the lead (the 24-hour note).
	Link bool `json:"link"`
	// Source is set by the caller, never by the client.
	Source Source `json:"-"`
}

func checkLeadStatus(s LeadStatus) error {
	switch s {
	case LeadOpen, LeadQualified, LeadDisqualified, LegacyWon, LegacyLost:
		return nil
	case LeadConverted:
		return errs.Coded(errs.Invalid, "status_invalid", "a lead becomes converted by converting it into a deal (POST /api/v1/leads/{id}/convert)")
	}
	return errs.Coded(errs.Invalid, "status_invalid", "status must be open, qualified or disqualified (won or lost convert the lead into a deal)")
}

// apply validates p and applies it to l. A legacy status is left for the caller (convertsTo).
func (p LeadPatch) apply(l *Lead, fields []Field) error {
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
		if *p.Currency == "" {
			return errs.Coded(errs.Invalid, "currency_invalid", "currency must be a 3-letter ISO 4217 code in capitals, such as EUR or USD")
		}
		c, err := cleanCurrency(*p.Currency)
		if err != nil {
			return err
		}
		l.Currency = c
	}
	if p.ExpectedCloseDate != nil {
		d, err := cleanDate(*p.ExpectedCloseDate, "expected_close_date")
		if err != nil {
			return err
		}
		l.ExpectedCloseDate = d
	}
	if p.Status != nil {
		if err := checkLeadStatus(*p.Status); err != nil {
			return err
		}
		if *p.Status != LegacyWon && *p.Status != LegacyLost {
			if l.Status == LeadConverted && *p.Status != LeadConverted {
				return errs.Coded(errs.Conflict, "lead_converted", "the lead was converted into a deal; change the deal instead")
			}
			l.Status = *p.Status
		}
	}
	for _, ref := range []struct {
		v     *int64
		dst   *int64
		field string
	}{{p.PersonID, &l.PersonID, "person_id"}, {p.OrganizationID, &l.OrganizationID, "organization_id"}, {p.OwnerUserID, &l.OwnerUserID, "owner_user_id"}} {
		if ref.v != nil {
			if err := checkID(*ref.v, ref.field); err != nil {
				return err
			}
			*ref.dst = *ref.v
		}
	}
	if p.Labels != nil {
		x, err := cleanLabels(*p.Labels)
		if err != nil {
			return err
		}
		l.Labels = x
	}
	if p.Fields != nil {
		v, err := applyValues(l.Fields, p.Fields, fields)
		if err != nil {
			return err
		}
		l.Fields = v
	}
	return nil
}

// convertsTo is the deal status a legacy status asks for ("" when none).
func (p LeadPatch) convertsTo() DealStatus {
	if p.Status == nil {
		return ""
	}
	switch *p.Status {
	case LegacyWon:
		return DealWon
	case LegacyLost:
		return DealLost
	}
	return ""
}

// newLead validates in and makes the lead it describes, without references checked.
func newLead(in LeadInput, fields []Field) (*Lead, error) {
	l := &Lead{Status: LeadOpen, Currency: DefaultCurrency, Labels: []string{}, Fields: Values{}}
	if in.Title == nil {
		in.Title = new(string)
	}
	if err := in.LeadPatch.apply(l, fields); err != nil {
		return nil, err
	}
	if err := checkID(in.ContactID, "contact_id"); err != nil {
		return nil, err
	}
	if err := checkID(in.ConversationID, "conversation_id"); err != nil {
		return nil, err
	}
	l.ContactID, l.ConversationID = in.ContactID, in.ConversationID
	return l, nil
}

// LegacyLeadStatus is what a node of the version before deals reads in leads.status, which new
// nodes keep writing until the contract migration drops it (docs/crm.md).
func LegacyLeadStatus(s LeadStatus) string {
	if s == LeadDisqualified {
		return "lost"
	}
	return "open"
}

// LegacySource is what such a node reads in leads.source.
func LegacySource(s Source) string {
	switch s {
	case SourceBot:
		return "bot"
	case SourceAPI:
		return "api"
	}
	return "agent"
}
