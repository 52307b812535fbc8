// Package crm holds the business's records: persons (with several emails and phones),
// organisations, leads, deals in pipelines of ordered stages, activities, notes on any record, and
// the custom fields admins define for each record type. A record may be made from a conversation
// (its Created items, with a line in its log saying who made it and when) and a conversation may be
// linked to a person, lead or deal: a note on that record then follows the conversation for 24
// hours at a time (follow.go). Who may do what is decided in policy.go and nowhere else.
//
// A chat contact becomes a person only when an agent, a bot action or linking makes it one, so
// anonymous visitors never flood the person list.
package crm

import (
	"encoding/json"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/mask"
)

// RecordType names a kind of record, in notes, custom fields, links and a conversation's Created
// items.
type RecordType string

const (
	PersonType       RecordType = "person"
	OrganizationType RecordType = "organization"
	LeadType         RecordType = "lead"
	DealType         RecordType = "deal"
	ActivityType     RecordType = "activity"

	// NoteType names notes where a deletion names what it deletes; notes are not records that
	// hold notes or custom fields.
	NoteType RecordType = "note"
)

// RecordTypes lists every record type.
var RecordTypes = []RecordType{PersonType, OrganizationType, LeadType, DealType, ActivityType}

// Valid reports whether t is a known record type.
func (t RecordType) Valid() bool {
	for _, k := range RecordTypes {
		if k == t {
			return true
		}
	}
	return false
}

// Linkable reports whether a conversation may be linked to records of type t.
func (t RecordType) Linkable() bool { return t == PersonType || t == LeadType || t == DealType }

// Source says how a record came to be.
type Source string

const (
	SourceChat      Source = "chat"      // from a website chat, by an agent
	SourceBot       Source = "bot"       // a playbook's action card; no user
	SourceEmail     Source = "email"     // from an email conversation
	SourceMessenger Source = "messenger" // from a Messenger conversation
	SourceWhatsApp  Source = "whatsapp"  // from a WhatsApp conversation
	SourceManual    Source = "manual"    // made in the CRM itself, by a user
	SourceAPI       Source = "api"       // a program, with a user's API token
)

// Sources lists every source.
var Sources = []Source{SourceChat, SourceBot, SourceEmail, SourceMessenger, SourceWhatsApp, SourceManual, SourceAPI}

// SourceOfChannel is the source of a record an agent makes from a conversation of that channel.
func SourceOfChannel(k inbox.Kind) Source {
	switch k {
	case inbox.Email:
		return SourceEmail
	case inbox.Messenger:
		return SourceMessenger
	case inbox.WhatsApp:
		return SourceWhatsApp
	}
	return SourceChat
}

// Limits on what records hold.
const (
	MaxTitle   = 200   // characters of a title or name
	MaxAddress = 500   // characters of an address
	MaxLabel   = 50    // characters of a label
	MaxLabels  = 20    // labels on one record
	MaxNote    = 20000 // characters of a note's body
	// MaxValue is the largest value accepted, in minor units: the largest whole number a
	// JavaScript client holds exactly (2^53 − 1), so the inbox never shows a rounded amount.
	MaxValue        = 1<<53 - 1
	DefaultCurrency = "EUR"
)

// PageSize is the number of records a list page holds for a requested limit.
func PageSize(limit int) int {
	if limit <= 0 || limit > 200 {
		return 50
	}
	return limit
}

// Query selects records of one type, newest first. Each list uses the filters that apply to its
// type (the API documents which); Q is a prefix search on names, titles, emails and phones.
type Query struct {
	Q              string
	OwnerUserID    int64
	PersonID       int64
	OrganizationID int64
	LeadID         int64
	DealID         int64
	ContactID      int64
	ConversationID int64
	PipelineID     int64
	StageID        int64
	Status         string
	Done           *bool // activities: only done (true) or not done (false)
	BeforeID       int64 // cursor: the id of the previous page's last record
	Limit          int

	// Sort orders the list (default: newest first); Cursor is the previous page's next.cursor.
	Sort   Sort
	Cursor string
	// Label keeps the records that carry it.
	Label string
	// Created and updated between these moments (unix ms, inclusive; 0: open).
	CreatedFrom, CreatedTo, UpdatedFrom, UpdatedTo int64
	// Leads and deals expected to close between these dates (YYYY-MM-DD, inclusive).
	CloseFrom, CloseTo string
	// Activities due between these dates (in their own time zones), or Due: overdue, today,
	// upcoming.
	DueFrom, DueTo string
	Due            string
	// Fields filters by custom values.
	Fields []FieldFilter

	// Filled by the service for Due: now, and today's date in each time zone activities use.
	Now   int64
	Today map[string]string
}

// UserRef names a user where a record shows who did something.
type UserRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// cleanLine makes s one line of valid text with card numbers masked, trimmed, and checks its length
// (field names the field in errors; required refuses empty).
func cleanLine(s, field string, limit int, required bool) (string, error) {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s, _ = mask.String(strings.TrimSpace(s))
	switch {
	case s == "" && required:
		return "", errs.Coded(errs.Invalid, field+"_required", "%s is required", field)
	case utf8.RuneCountInString(s) > limit:
		return "", errs.Coded(errs.Invalid, field+"_too_long", "%s is longer than %d characters", field, limit)
	}
	return s, nil
}

// cleanText checks multi-line text (a note, an address), masking card numbers.
func cleanText(s, field string, limit int) (string, error) {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	s, _ = mask.String(strings.TrimSpace(s))
	if utf8.RuneCountInString(s) > limit {
		return "", errs.Coded(errs.Invalid, field+"_too_long", "%s is longer than %d characters", field, limit)
	}
	return s, nil
}

func cleanTitle(s string) (string, error) { return cleanLine(s, "title", MaxTitle, true) }

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

// cleanDate checks a calendar date, YYYY-MM-DD; empty stays empty.
func cleanDate(s, field string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil || len(s) != 10 {
		return "", errs.Coded(errs.Invalid, field+"_invalid", "%s must be a date written YYYY-MM-DD", field)
	}
	return s, nil
}

// cleanLabels trims labels, drops empty ones and duplicates (ignoring case), and checks them.
func cleanLabels(in []string) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, l := range in {
		l, err := cleanLine(l, "label", MaxLabel, false)
		if err != nil {
			return nil, err
		}
		if l == "" || seen[strings.ToLower(l)] {
			continue
		}
		seen[strings.ToLower(l)] = true
		out = append(out, l)
	}
	if len(out) > MaxLabels {
		return nil, errs.Coded(errs.Invalid, "too_many_labels", "at most %d labels", MaxLabels)
	}
	return out, nil
}

func checkID(v int64, field string) error {
	if v < 0 {
		return errs.Coded(errs.Invalid, field+"_invalid", "%s is a positive id, or 0 for none", field)
	}
	return nil
}

// same reports whether two records hold the same data (a change that changes nothing writes
// nothing).
func same(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// bump is the updated_at of a change: now, but always later than the previous one, since
// updated_at guards concurrent changes.
func bump(now, prev int64) int64 { return max(now, prev+1) }
