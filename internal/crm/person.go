package crm

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
)

// Person is someone the business deals with: a name, several emails and phones, maybe an
// organisation. ContactID is the chat contact the person is, when one became it.
type Person struct {
	ID              int64    `json:"id"`
	Name            string   `json:"name"`
	Emails          []Email  `json:"emails"`
	Phones          []Phone  `json:"phones"`
	OrganizationID  int64    `json:"organization_id,omitempty"`
	ContactID       int64    `json:"contact_id,omitempty"`
	OwnerUserID     int64    `json:"owner_user_id,omitempty"`
	Labels          []string `json:"labels"`
	Fields          Values   `json:"fields"`
	ConversationID  int64    `json:"conversation_id,omitempty"` // the conversation it was made from; absent once that is deleted
	CreatedByUserID int64    `json:"created_by_user_id,omitempty"`
	Source          Source   `json:"source"`
	CreatedAt       int64    `json:"created_at"`
	UpdatedAt       int64    `json:"updated_at"`
	// Filled for the reader, not stored in the persons row.
	OrganizationName string `json:"organization_name,omitempty"`
	OwnerName        string `json:"owner_name,omitempty"`
	CreatedByName    string `json:"created_by_name,omitempty"`
	// Cursor is the record's place in the list it was read for (the next page starts after it).
	Cursor string `json:"-"`
}

// Email is one of a person's email addresses, lower-cased.
type Email struct {
	Value string `json:"value"`
	Label string `json:"label,omitempty"` // work, home, …
}

// Phone is one of a person's phone numbers.
type Phone struct {
	Value string `json:"value"`
	Label string `json:"label,omitempty"`
}

// Limits of a person's contact details.
const (
	MaxEmails = 10
	MaxPhones = 10
)

// PersonPatch is a change to a person; nil fields stay. OrganizationID and OwnerUserID 0 clear
// them; in Fields a key set to null removes the value.
type PersonPatch struct {
	Name           *string                    `json:"name"`
	Emails         *[]Email                   `json:"emails"`
	Phones         *[]Phone                   `json:"phones"`
	OrganizationID *int64                     `json:"organization_id"`
	OwnerUserID    *int64                     `json:"owner_user_id"`
	Labels         *[]string                  `json:"labels"`
	Fields         map[string]json.RawMessage `json:"fields"`
}

// PersonInput is a new person: the patch's fields, and what only creation sets.
type PersonInput struct {
	PersonPatch
	// Organization makes the person's organisation (instead of organization_id); an organisation
	// of exactly that name is used when one exists.
	Organization *OrganizationPatch `json:"organization"`
	// ContactID makes the chat contact this person (you must see one of its conversations);
	// with ConversationID it defaults to the conversation's contact.
	ContactID int64 `json:"contact_id"`
	// ConversationID is the conversation the person is made from: its Created items list it.
	ConversationID int64 `json:"conversation_id"`
	// Link links that conversation to the person (the 24-hour note).
	Link bool `json:"link"`
	// Source is set by the caller, never by the client.
	Source Source `json:"-"`
}

func (p PersonPatch) apply(x *Person, fields []Field) error {
	if p.Name != nil {
		n, err := cleanLine(*p.Name, "name", MaxTitle, true)
		if err != nil {
			return err
		}
		x.Name = n
	}
	if p.Emails != nil {
		out := []Email{}
		for _, e := range *p.Emails {
			v, err := auth.NormalizeEmail(e.Value)
			if err != nil {
				return errs.Coded(errs.Invalid, "email_invalid", "emails: %q is not a valid email address", e.Value)
			}
			l, err := cleanLine(e.Label, "label", MaxLabel, false)
			if err != nil {
				return err
			}
			if !hasEmail(out, v) {
				out = append(out, Email{Value: v, Label: l})
			}
		}
		if len(out) > MaxEmails {
			return errs.Coded(errs.Invalid, "too_many_emails", "at most %d emails", MaxEmails)
		}
		x.Emails = out
	}
	if p.Phones != nil {
		out := []Phone{}
		for _, ph := range *p.Phones {
			v, err := cleanPhone(ph.Value)
			if err != nil {
				return err
			}
			l, err := cleanLine(ph.Label, "label", MaxLabel, false)
			if err != nil {
				return err
			}
			if v != "" {
				out = append(out, Phone{Value: v, Label: l})
			}
		}
		if len(out) > MaxPhones {
			return errs.Coded(errs.Invalid, "too_many_phones", "at most %d phones", MaxPhones)
		}
		x.Phones = out
	}
	if p.OrganizationID != nil {
		if err := checkID(*p.OrganizationID, "organization_id"); err != nil {
			return err
		}
		x.OrganizationID = *p.OrganizationID
	}
	if p.OwnerUserID != nil {
		if err := checkID(*p.OwnerUserID, "owner_user_id"); err != nil {
			return err
		}
		x.OwnerUserID = *p.OwnerUserID
	}
	if p.Labels != nil {
		l, err := cleanLabels(*p.Labels)
		if err != nil {
			return err
		}
		x.Labels = l
	}
	if p.Fields != nil {
		v, err := applyValues(x.Fields, p.Fields, fields)
		if err != nil {
			return err
		}
		x.Fields = v
	}
	return nil
}

func hasEmail(list []Email, v string) bool {
	for _, e := range list {
		if e.Value == v {
			return true
		}
	}
	return false
}

// cleanPhone checks a phone number: digits, spaces and + ( ) - . /, at most 40 characters. "•" is
// allowed because stored values are masked: a number that looked like a card number comes back
// with bullets, and sending it back unchanged must not fail.
func cleanPhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 40 || strings.ContainsFunc(s, func(r rune) bool { return !strings.ContainsRune("+0123456789 ()-./•", r) }) {
		return "", errs.Coded(errs.Invalid, "phone_invalid", "phones: a phone number holds digits, spaces and + ( ) - . /, at most 40 characters")
	}
	return s, nil
}

// newPerson makes a person from in, without references checked.
func newPerson(in PersonInput, fields []Field) (*Person, error) {
	x := &Person{Emails: []Email{}, Phones: []Phone{}, Labels: []string{}, Fields: Values{}}
	if in.Name == nil {
		in.Name = new(string)
	}
	if err := in.PersonPatch.apply(x, fields); err != nil {
		return nil, err
	}
	if err := checkID(in.ContactID, "contact_id"); err != nil {
		return nil, err
	}
	if err := checkID(in.ConversationID, "conversation_id"); err != nil {
		return nil, err
	}
	x.ContactID, x.ConversationID = in.ContactID, in.ConversationID
	return x, nil
}
