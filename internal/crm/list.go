package crm

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
)

// The lists' sorting, filters and keyset pages. A page ends with a cursor naming its last record's
// place in the order; the next page starts after it, so pages stay fast however deep and never
// repeat or skip a record that did not move.

// Sort orders a list by one of its type's sortable keys (Sortable), or by a custom field
// ("fields.KEY"); newest first when Key is empty.
type Sort struct {
	Key  string
	Desc bool
	// Field is the custom field a "fields.KEY" sort is by (resolved by the service).
	Field *Field
}

// Sortable lists the keys each record type's list sorts by, besides its custom fields.
var Sortable = map[RecordType][]string{
	PersonType:       {"name", "organization_name", "owner_name", "created_at", "updated_at"},
	OrganizationType: {"name", "owner_name", "created_at", "updated_at"},
	LeadType:         {"title", "value", "expected_close_date", "status", "person_name", "organization_name", "owner_name", "created_at", "updated_at"},
	DealType:         {"title", "value", "expected_close_date", "status", "stage", "person_name", "organization_name", "owner_name", "created_at", "updated_at"},
	ActivityType:     {"subject", "type", "due", "done", "owner_name", "created_at", "updated_at"},
}

// ParseSort reads "key" (ascending) or "-key" (descending).
func ParseSort(s string) Sort {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		return Sort{Key: rest, Desc: true}
	}
	return Sort{Key: s}
}

// FieldFilter keeps the records whose custom field KEY equals Eq (for a multi-option field: holds
// it), or lies from Min to Max (numbers, money and dates).
type FieldFilter struct {
	Key      string
	Eq       string
	Min, Max string
	Field    *Field // resolved by the service
}

// Due selects activities by when they are due, each in its own time zone (its owner's).
const (
	DueOverdue  = "overdue"  // not done and past: a day before today, or today at a time gone by
	DueToday    = "today"    // today, and not overdue
	DueUpcoming = "upcoming" // a day after today
)

// Cursor is a place in a sorted list: the sort key it was made for, the last record's value of it
// and its id.
type Cursor struct {
	Key   string          `json:"k"`
	Value json.RawMessage `json:"v"`
	ID    int64           `json:"id"`
}

// EncodeCursor writes a cursor as an opaque token.
func EncodeCursor(c Cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a token EncodeCursor wrote for the sort key.
func DecodeCursor(s, key string) (*Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c Cursor
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID <= 0 || c.Key != key || len(c.Value) == 0 {
		return nil, errs.Coded(errs.Invalid, "cursor_invalid", "cursor is not one this list gave for this sort; start again without it")
	}
	return &c, nil
}

// prepare checks a list's sort and filters for records of type t and resolves what they name: the
// custom fields, and for Due each time zone's today.
func (s *Service) prepare(ctx context.Context, t RecordType, q *Query) error {
	q.Limit = PageSize(q.Limit)
	needFields := strings.HasPrefix(q.Sort.Key, "fields.") || len(q.Fields) > 0
	var fields []Field
	if needFields {
		var err error
		if fields, err = s.repo.Fields(ctx, t); err != nil {
			return err
		}
	}
	field := func(key string) *Field {
		for i := range fields {
			if fields[i].Key == key {
				return &fields[i]
			}
		}
		return nil
	}
	if k := q.Sort.Key; k != "" {
		if fk, ok := strings.CutPrefix(k, "fields."); ok {
			f := field(fk)
			if f == nil || f.Type == OptionsField {
				return errs.Coded(errs.Invalid, "sort_invalid", "sort: there is no custom field %q of the %s to sort by (multiple-option fields do not sort)", fk, t)
			}
			q.Sort.Field = f
		} else if !slices.Contains(Sortable[t], k) {
			return errs.Coded(errs.Invalid, "sort_invalid", "sort must be one of %s or fields.KEY, with - before it for descending", strings.Join(Sortable[t], ", "))
		}
	}
	for i := range q.Fields {
		ff := &q.Fields[i]
		f := field(ff.Key)
		if f == nil {
			return errs.Coded(errs.Invalid, "field_unknown", "field.%s: the %s has no custom field %q", ff.Key, t, ff.Key)
		}
		ff.Field = f
		if (ff.Min != "" || ff.Max != "") && f.Type != NumberField && f.Type != MoneyField && f.Type != DateField {
			return errs.Coded(errs.Invalid, "query_invalid", "field.%s: only number, money and date fields take .min and .max", ff.Key)
		}
		for _, v := range []string{ff.Eq, ff.Min, ff.Max} {
			if v == "" {
				continue
			}
			if _, err := f.value(filterValue(f, v)); err != nil && f.Type != OptionsField {
				return errs.Coded(errs.Invalid, "query_invalid", "field.%s: %q is not a value of this field", ff.Key, v)
			}
		}
	}
	for _, d := range []struct {
		v, name string
	}{{q.CloseFrom, "close_from"}, {q.CloseTo, "close_to"}, {q.DueFrom, "due_from"}, {q.DueTo, "due_to"}} {
		if _, err := cleanDate(d.v, d.name); err != nil {
			return err
		}
	}
	if q.Due != "" {
		if q.Due != DueOverdue && q.Due != DueToday && q.Due != DueUpcoming {
			return errs.Coded(errs.Invalid, "query_invalid", "due must be overdue, today or upcoming")
		}
		zones, err := s.repo.ActivityZones(ctx)
		if err != nil {
			return err
		}
		now := s.now()
		q.Now, q.Today = now.UnixMilli(), map[string]string{}
		for _, z := range zones {
			q.Today[z] = now.In(zoneOf(z)).Format(time.DateOnly)
		}
	}
	return nil
}

// filterValue is a filter's text as the JSON a field's value would be.
func filterValue(f *Field, v string) json.RawMessage {
	switch f.Type {
	case NumberField:
		return json.RawMessage(v)
	case MoneyField:
		return json.RawMessage(`{"value":` + v + `,"currency":"EUR"}`)
	}
	b, _ := json.Marshal(v)
	return b
}

// ListSettings is a user's choice for one list: its columns, in order, and its sort.
type ListSettings struct {
	Columns []string `json:"columns"`
	Sort    string   `json:"sort"`
	// Board: the deals board's pipeline (deals only).
	PipelineID int64 `json:"pipeline_id,omitempty"`
}

// GetListSettings returns the actor's settings of a list (empty when never saved).
func (s *Service) GetListSettings(ctx context.Context, actor *auth.User, t RecordType) (*ListSettings, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	if !t.Valid() {
		return nil, errs.Coded(errs.Invalid, "record_type_invalid", "record_type must be person, organization, lead, deal or activity")
	}
	return s.repo.ListSettings(ctx, actor.ID, t)
}

// SaveListSettings keeps the actor's settings of a list.
func (s *Service) SaveListSettings(ctx context.Context, actor *auth.User, t RecordType, in ListSettings) (*ListSettings, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	if !t.Valid() {
		return nil, errs.Coded(errs.Invalid, "record_type_invalid", "record_type must be person, organization, lead, deal or activity")
	}
	if len(in.Columns) > 60 {
		return nil, errs.Coded(errs.Invalid, "columns_invalid", "at most 60 columns")
	}
	cols := []string{}
	for _, c := range in.Columns {
		if c == "" || len(c) > 60 || slices.Contains(cols, c) {
			return nil, errs.Coded(errs.Invalid, "columns_invalid", "columns are distinct names of up to 60 characters")
		}
		cols = append(cols, c)
	}
	in.Columns = cols
	if len(in.Sort) > 60 {
		return nil, errs.Coded(errs.Invalid, "sort_invalid", "sort is at most 60 characters")
	}
	if err := checkID(in.PipelineID, "pipeline_id"); err != nil {
		return nil, err
	}
	if err := s.repo.SaveListSettings(ctx, actor.ID, t, &in, s.nowMS()); err != nil {
		return nil, err
	}
	return &in, nil
}

// StageSummary is how many deals a stage holds (of those a list's filters keep) and their value
// in each currency.
type StageSummary struct {
	StageID int64   `json:"stage_id"`
	Count   int     `json:"count"`
	Totals  []Money `json:"totals"`
}

// DealSummary counts the deals a list's filters keep per stage, with their totals: the deals
// board's column heads.
func (s *Service) DealSummary(ctx context.Context, actor *auth.User, q Query) ([]StageSummary, error) {
	if err := s.canList(ctx, actor, q); err != nil {
		return nil, err
	}
	q.Sort = Sort{}
	if err := s.prepare(ctx, DealType, &q); err != nil {
		return nil, err
	}
	return s.repo.DealSummary(ctx, q)
}
