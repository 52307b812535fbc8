package crm

import (
	"encoding/json"
)

// Organization is a company or other body persons belong to and deals are made with.
type Organization struct {
	ID              int64    `json:"id"`
	Name            string   `json:"name"`
	Address         string   `json:"address"`
	OwnerUserID     int64    `json:"owner_user_id,omitempty"`
	Labels          []string `json:"labels"`
	Fields          Values   `json:"fields"`
	ConversationID  int64    `json:"conversation_id,omitempty"` // the conversation it was made from; absent once that is deleted
	CreatedByUserID int64    `json:"created_by_user_id,omitempty"`
	Source          Source   `json:"source"`
	CreatedAt       int64    `json:"created_at"`
	UpdatedAt       int64    `json:"updated_at"`
	// Filled for the reader.
	OwnerName     string `json:"owner_name,omitempty"`
	CreatedByName string `json:"created_by_name,omitempty"`
	// Cursor is the record's place in the list it was read for (the next page starts after it).
	Cursor string `json:"-"`
}

// OrganizationPatch is a change to an organisation; nil fields stay.
type OrganizationPatch struct {
	Name        *string                    `json:"name"`
	Address     *string                    `json:"address"`
	OwnerUserID *int64                     `json:"owner_user_id"`
	Labels      *[]string                  `json:"labels"`
	Fields      map[string]json.RawMessage `json:"fields"`
}

// OrganizationInput is a new organisation.
type OrganizationInput struct {
	OrganizationPatch
	// ConversationID is the conversation it is made from: its Created items list it.
	ConversationID int64  `json:"conversation_id"`
	Source         Source `json:"-"`
}

func (p OrganizationPatch) apply(x *Organization, fields []Field) error {
	if p.Name != nil {
		n, err := cleanLine(*p.Name, "name", MaxTitle, true)
		if err != nil {
			return err
		}
		x.Name = n
	}
	if p.Address != nil {
		a, err := cleanText(*p.Address, "address", MaxAddress)
		if err != nil {
			return err
		}
		x.Address = a
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

func newOrganization(p OrganizationPatch, fields []Field) (*Organization, error) {
	x := &Organization{Labels: []string{}, Fields: Values{}}
	if p.Name == nil {
		p.Name = new(string)
	}
	if err := p.apply(x, fields); err != nil {
		return nil, err
	}
	return x, nil
}
