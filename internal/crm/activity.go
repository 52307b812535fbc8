package crm

import (
	"encoding/json"
	"time"

	"github.com/parleyhq/parley/internal/errs"
)

// ActivityKind is what an activity is.
type ActivityKind string

const (
	Call     ActivityKind = "call"
	Meeting  ActivityKind = "meeting"
	Task     ActivityKind = "task"
	EmailTo  ActivityKind = "email"
	Deadline ActivityKind = "deadline"
)

func (k ActivityKind) valid() bool {
	switch k {
	case Call, Meeting, Task, EmailTo, Deadline:
		return true
	}
	return false
}

// Activity is something to do: a call, meeting, task, email or deadline, due on a date (and maybe
// at a time) in its owner's time zone, linked to a person, organisation, lead or deal.
type Activity struct {
	ID      int64        `json:"id"`
	Type    ActivityKind `json:"type"`
	Subject string       `json:"subject"`
	Note    string       `json:"note"`
	DueDate string       `json:"due_date"` // YYYY-MM-DD in TimeZone
	DueTime string       `json:"due_time"` // HH:MM in TimeZone; empty: all day
	// TimeZone is the owner's (the creator's without an owner): due_date and due_time are read in it.
	TimeZone        string   `json:"time_zone"`
	DueAt           int64    `json:"due_at"` // that moment, unix ms (the day's start when all day)
	DurationMinutes int      `json:"duration_minutes"`
	Done            bool     `json:"done"`
	DoneAt          int64    `json:"done_at,omitempty"`
	PersonID        int64    `json:"person_id,omitempty"`
	OrganizationID  int64    `json:"organization_id,omitempty"`
	LeadID          int64    `json:"lead_id,omitempty"`
	DealID          int64    `json:"deal_id,omitempty"`
	OwnerUserID     int64    `json:"owner_user_id,omitempty"`
	Labels          []string `json:"labels"`
	Fields          Values   `json:"fields"`
	ConversationID  int64    `json:"conversation_id,omitempty"`
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

// ActivityPatch is a change to an activity; nil fields stay; ids 0 clear links.
type ActivityPatch struct {
	Type            *ActivityKind              `json:"type"`
	Subject         *string                    `json:"subject"`
	Note            *string                    `json:"note"`
	DueDate         *string                    `json:"due_date"`
	DueTime         *string                    `json:"due_time"`
	DurationMinutes *int                       `json:"duration_minutes"`
	Done            *bool                      `json:"done"`
	PersonID        *int64                     `json:"person_id"`
	OrganizationID  *int64                     `json:"organization_id"`
	LeadID          *int64                     `json:"lead_id"`
	DealID          *int64                     `json:"deal_id"`
	OwnerUserID     *int64                     `json:"owner_user_id"`
	Labels          *[]string                  `json:"labels"`
	Fields          map[string]json.RawMessage `json:"fields"`
}

// ActivityInput is a new activity (type task and due today unless told).
type ActivityInput struct {
	ActivityPatch
	ConversationID int64  `json:"conversation_id"`
	Source         Source `json:"-"`
}

const (
	maxActivityNote = 5000
	maxDuration     = 7 * 24 * 60
)

func (p ActivityPatch) apply(a *Activity, fields []Field, now int64) error {
	if p.Type != nil {
		if !p.Type.valid() {
			return errs.Coded(errs.Invalid, "type_invalid", "type must be call, meeting, task, email or deadline")
		}
		a.Type = *p.Type
	}
	if p.Subject != nil {
		s, err := cleanLine(*p.Subject, "subject", MaxTitle, true)
		if err != nil {
			return err
		}
		a.Subject = s
	}
	if p.Note != nil {
		n, err := cleanText(*p.Note, "note", maxActivityNote)
		if err != nil {
			return err
		}
		a.Note = n
	}
	if p.DueDate != nil {
		d, err := cleanDate(*p.DueDate, "due_date")
		if err != nil {
			return err
		}
		if d == "" {
			return errs.Coded(errs.Invalid, "due_date_required", "due_date is required")
		}
		a.DueDate = d
	}
	if p.DueTime != nil {
		if *p.DueTime != "" {
			if _, err := time.Parse("15:04", *p.DueTime); err != nil || len(*p.DueTime) != 5 {
				return errs.Coded(errs.Invalid, "due_time_invalid", "due_time must be a time written HH:MM, or empty for all day")
			}
		}
		a.DueTime = *p.DueTime
	}
	if p.DurationMinutes != nil {
		if *p.DurationMinutes < 0 || *p.DurationMinutes > maxDuration {
			return errs.Coded(errs.Invalid, "duration_invalid", "duration_minutes is from 0 to %d", maxDuration)
		}
		a.DurationMinutes = *p.DurationMinutes
	}
	if p.Done != nil && *p.Done != a.Done {
		a.Done, a.DoneAt = *p.Done, 0
		if a.Done {
			a.DoneAt = now
		}
	}
	for _, ref := range []struct {
		v     *int64
		dst   *int64
		field string
	}{{p.PersonID, &a.PersonID, "person_id"}, {p.OrganizationID, &a.OrganizationID, "organization_id"}, {p.LeadID, &a.LeadID, "lead_id"},
		{p.DealID, &a.DealID, "deal_id"}, {p.OwnerUserID, &a.OwnerUserID, "owner_user_id"}} {
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
		a.Labels = x
	}
	if p.Fields != nil {
		v, err := applyValues(a.Fields, p.Fields, fields)
		if err != nil {
			return err
		}
		a.Fields = v
	}
	return nil
}

// placeInTime sets the activity's time zone and the moment it is due, from its date and time read
// in zone (an IANA name; UTC when empty or unknown).
func (a *Activity) placeInTime(zone string) {
	loc, err := time.LoadLocation(zone)
	if zone == "" || err != nil {
		zone, loc = "UTC", time.UTC
	}
	a.TimeZone = zone
	layout, v := time.DateOnly, a.DueDate
	if a.DueTime != "" {
		layout, v = time.DateOnly+" 15:04", a.DueDate+" "+a.DueTime
	}
	t, err := time.ParseInLocation(layout, v, loc)
	if err == nil {
		a.DueAt = t.UnixMilli()
	}
}
