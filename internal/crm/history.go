package crm

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"
	"strings"

	"github.com/parleyhq/parley/internal/auth"
)

// Change history: every change to a person, organisation, lead, deal or activity is written with
// the change itself, in its transaction — who made it (nobody for the bot or the system), when, and
// each field before and after. Custom values are fields of their own ("fields.budget").

// ChangeAction says what a change did.
type ChangeAction string

const (
	ChangeUpdated ChangeAction = "updated"
	// ChangeMerged: another record was merged into this one (MergedID); Fields are what it gave.
	ChangeMerged ChangeAction = "merged"
)

// Change is one entry of a record's history.
type Change struct {
	ID         int64         `json:"id"`
	RecordType RecordType    `json:"record_type"`
	RecordID   int64         `json:"record_id"`
	UserID     int64         `json:"user_id,omitempty"` // absent for the bot and the system
	Action     ChangeAction  `json:"action"`
	Fields     []FieldChange `json:"changes"`
	// MergedID and MergedName name the record merged into this one (action merged).
	MergedID   int64  `json:"merged_id,omitempty"`
	MergedName string `json:"merged_name,omitempty"`
	At         int64  `json:"at"`
	// Filled for the reader.
	UserName string `json:"user_name,omitempty"`
}

// FieldChange is one field of a change: its value before and after, as the API shows the record
// (null: none).
type FieldChange struct {
	Field  string          `json:"field"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

// unhistoric are the fields a change's history leaves out: the record's identity and clock, what
// is filled for the reader, and what follows from another field (done_at from done, closed_at from
// status, due_at and time_zone from the due date, time and owner).
var unhistoric = map[string]bool{
	"id": true, "created_at": true, "updated_at": true, "created_by_user_id": true, "source": true,
	"owner_name": true, "created_by_name": true, "person_name": true, "organization_name": true, "stage_name": true,
	"done_at": true, "closed_at": true, "due_at": true, "time_zone": true, "fields": true,
}

var null = json.RawMessage("null")

// Diff lists the fields that differ between two versions of a record, in the order of their names.
func Diff(before, after any) []FieldChange {
	b, a := fieldsOf(before), fieldsOf(after)
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	out := []FieldChange{}
	for _, k := range names {
		x, y := orNull(b[k]), orNull(a[k])
		if !bytes.Equal(x, y) {
			out = append(out, FieldChange{Field: k, Before: x, After: y})
		}
	}
	return out
}

func orNull(v json.RawMessage) json.RawMessage {
	if len(v) == 0 || string(v) == `""` || string(v) == "[]" || string(v) == "0" {
		return null
	}
	return v
}

// fieldsOf is a record as the API shows it, by field, with its custom values as fields.KEY.
func fieldsOf(rec any) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	if rec == nil {
		return out
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return out
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return out
	}
	for k, v := range m {
		if !unhistoric[k] {
			out[k] = v
		}
	}
	var vals map[string]json.RawMessage
	if json.Unmarshal(m["fields"], &vals) == nil {
		for k, v := range vals {
			out["fields."+k] = v
		}
	}
	return out
}

// changed adds to p the history entry of a record's update: before as it was read, after as it
// is written. The fields are compared just before the entry is written, so what other operations
// of the batch settle first (a converted lead's deal_id) is in it; an entry without fields is not
// written.
func (p *plan) changed(t RecordType, actor *auth.User, before, after any, id int64, now int64) {
	b := cloneRecord(before)
	c := &Change{RecordType: t, RecordID: id, UserID: actorID(actor), Action: ChangeUpdated, At: now}
	p.b.Insert(c, func() { c.Fields = Diff(b, after) })
}

// cloneRecord keeps a record as it is now (its JSON), for a diff after it changed.
func cloneRecord(rec any) json.RawMessage {
	b, err := json.Marshal(rec)
	if err != nil {
		return nil
	}
	return b
}

// History returns a page of a record's changes, newest first (q: BeforeID, Limit).
func (s *Service) History(ctx context.Context, actor *auth.User, t RecordType, id int64, q Query) ([]Change, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	if _, err := s.recordOf(ctx, t, id); err != nil {
		return nil, err
	}
	q.Limit = PageSize(q.Limit)
	return s.repo.Changes(ctx, t, id, q)
}

// SortName is the key a list sorts a record's name or title by: lower-cased in Go (never in SQL,
// where it would depend on the database's locale), the same on both engines.
func SortName(rec any) string {
	var s string
	switch r := rec.(type) {
	case *Person:
		s = r.Name
	case *Organization:
		s = r.Name
	case *Lead:
		s = r.Title
	case *Deal:
		s = r.Title
	case *Activity:
		s = r.Subject
	}
	return cut(strings.ToLower(strings.TrimSpace(s)))
}
