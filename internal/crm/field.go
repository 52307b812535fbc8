package crm

import (
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/parleyhq/parley/internal/errs"
)

// Custom fields: admins define them per record type; each record holds its values by key in Values.

// FieldType is what a custom field holds.
type FieldType string

const (
	TextField    FieldType = "text"    // a line of text
	NumberField  FieldType = "number"  // a number
	DateField    FieldType = "date"    // a calendar date, YYYY-MM-DD
	OptionField  FieldType = "option"  // one of the field's options
	OptionsField FieldType = "options" // any of the field's options
	MoneyField   FieldType = "money"   // {"value": minor units, "currency": "EUR"}
)

// FieldTypes lists every field type.
var FieldTypes = []FieldType{TextField, NumberField, DateField, OptionField, OptionsField, MoneyField}

// Field is a custom field's definition.
type Field struct {
	ID         int64      `json:"id"`
	RecordType RecordType `json:"record_type"`
	Key        string     `json:"key"`   // the values' key: lower-case letters, digits and _, from a letter
	Label      string     `json:"label"` // what the inbox shows
	Type       FieldType  `json:"type"`
	Options    []string   `json:"options"` // option and options fields
	Position   int        `json:"position"`
	CreatedAt  int64      `json:"created_at"`
	UpdatedAt  int64      `json:"updated_at"`
}

// FieldInput is a new field, or a change to one (nil stays; record type, key and type are fixed
// once made).
type FieldInput struct {
	RecordType RecordType `json:"record_type"`
	Key        string     `json:"key"`
	Type       FieldType  `json:"type"`
	Label      *string    `json:"label"`
	Options    *[]string  `json:"options"`
	Position   *int       `json:"position"`
}

// FieldPatch is a change to a field.
type FieldPatch struct {
	Label    *string   `json:"label"`
	Options  *[]string `json:"options"`
	Position *int      `json:"position"`
}

// Limits of custom fields.
const (
	MaxFields      = 50   // per record type
	MaxOptions     = 100  // per field
	MaxFieldText   = 1000 // characters of a text value
	maxFieldLabel  = 100
	maxOptionLabel = 100
)

var fieldKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// newField validates in and makes the field it describes.
func newField(in FieldInput) (*Field, error) {
	if !in.RecordType.Valid() {
		return nil, errs.Coded(errs.Invalid, "record_type_invalid", "record_type must be person, organization, lead, deal or activity")
	}
	if !fieldKey.MatchString(in.Key) {
		return nil, errs.Coded(errs.Invalid, "key_invalid", "key must be 1–40 lower-case letters, digits and _, starting with a letter")
	}
	if !slices.Contains(FieldTypes, in.Type) {
		return nil, errs.Coded(errs.Invalid, "type_invalid", "type must be text, number, date, option, options or money")
	}
	f := &Field{RecordType: in.RecordType, Key: in.Key, Type: in.Type, Options: []string{}}
	if in.Label == nil {
		in.Label = &in.Key
	}
	if err := (FieldPatch{Label: in.Label, Options: in.Options, Position: in.Position}).apply(f); err != nil {
		return nil, err
	}
	return f, nil
}

func (p FieldPatch) apply(f *Field) error {
	if p.Label != nil {
		l, err := cleanLine(*p.Label, "label", maxFieldLabel, true)
		if err != nil {
			return err
		}
		f.Label = l
	}
	if p.Options != nil {
		opts := []string{}
		for _, o := range *p.Options {
			o, err := cleanLine(o, "option", maxOptionLabel, true)
			if err != nil {
				return err
			}
			if slices.Contains(opts, o) {
				return errs.Coded(errs.Invalid, "option_duplicate", "option %q is listed twice", o)
			}
			opts = append(opts, o)
		}
		if len(opts) > MaxOptions {
			return errs.Coded(errs.Invalid, "too_many_options", "at most %d options", MaxOptions)
		}
		f.Options = opts
	}
	if p.Position != nil {
		f.Position = *p.Position
	}
	if (f.Type == OptionField || f.Type == OptionsField) && len(f.Options) == 0 {
		return errs.Coded(errs.Invalid, "options_required", "an option field needs at least one option")
	}
	if f.Type != OptionField && f.Type != OptionsField {
		f.Options = []string{}
	}
	return nil
}

// Values are a record's custom field values by key: a string (text, date, option), a number, a
// list of strings (options) or a Money object.
type Values map[string]any

// Money is a money field's value.
type Money struct {
	Value    int64  `json:"value"`
	Currency string `json:"currency"`
}

// applyValues checks changes to a record's values against the record type's fields and applies
// them to cur: a key set to null is removed; unknown keys are refused.
func applyValues(cur Values, changes map[string]json.RawMessage, fields []Field) (Values, error) {
	out := Values{}
	for k, v := range cur {
		out[k] = v
	}
	for key, raw := range changes {
		i := slices.IndexFunc(fields, func(f Field) bool { return f.Key == key })
		if i < 0 {
			return nil, errs.Coded(errs.Invalid, "field_unknown", "fields: there is no custom field %q on this kind of record", key)
		}
		if string(raw) == "null" {
			delete(out, key)
			continue
		}
		v, err := fields[i].value(raw)
		if err != nil {
			return nil, err
		}
		out[key] = v
	}
	return out, nil
}

// value checks one value of the field and returns it in its stored form.
func (f *Field) value(raw json.RawMessage) (any, error) {
	bad := func(what string) error {
		return errs.Coded(errs.Invalid, "field_invalid", "fields.%s must be %s", f.Key, what)
	}
	switch f.Type {
	case TextField:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, bad("a string")
		}
		return cleanLine(s, "fields."+f.Key, MaxFieldText, false)
	case NumberField:
		var n float64
		if json.Unmarshal(raw, &n) != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return nil, bad("a number")
		}
		return n, nil
	case DateField:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, bad("a date written YYYY-MM-DD")
		}
		d, err := cleanDate(s, "fields."+f.Key)
		if err != nil || d == "" {
			return nil, bad("a date written YYYY-MM-DD")
		}
		return d, nil
	case OptionField:
		var s string
		if json.Unmarshal(raw, &s) != nil || !slices.Contains(f.Options, s) {
			return nil, bad("one of " + strings.Join(f.Options, ", "))
		}
		return s, nil
	case OptionsField:
		var list []string
		if json.Unmarshal(raw, &list) != nil {
			return nil, bad("a list of its options")
		}
		out := []string{}
		for _, s := range list {
			if !slices.Contains(f.Options, s) {
				return nil, bad("a list of " + strings.Join(f.Options, ", "))
			}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return out, nil
	case MoneyField:
		var m Money
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if dec.Decode(&m) != nil {
			return nil, bad(`{"value": minor units, "currency": "EUR"}`)
		}
		if err := checkValue(m.Value); err != nil {
			return nil, bad("a value from 0 to 2^53-1 minor units")
		}
		c, err := cleanCurrency(m.Currency)
		if err != nil {
			return nil, err
		}
		return map[string]any{"value": m.Value, "currency": c}, nil
	}
	return nil, bad("a known type")
}

// visible keeps the values whose fields still exist (a deleted field's values are not shown).
func (v Values) visible(fields []Field) Values {
	out := Values{}
	for _, f := range fields {
		if x, ok := v[f.Key]; ok {
			out[f.Key] = x
		}
	}
	return out
}
