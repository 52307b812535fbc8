package crm

import (
	"strconv"
	"strings"
	"time"
)

// CSV export: each list, as filtered, as a table a spreadsheet opens. Money is in major units
// (12.50), times in UTC (RFC 3339), lists joined with "; ", custom values under their labels.

// CSVHeader is the header row of an export of records of type t.
func CSVHeader(t RecordType, fields []Field) []string {
	var h []string
	switch t {
	case PersonType:
		h = []string{"id", "name", "emails", "phones", "organization", "owner", "labels"}
	case OrganizationType:
		h = []string{"id", "name", "address", "owner", "labels"}
	case LeadType:
		h = []string{"id", "title", "value", "currency", "expected_close_date", "status", "person", "organization", "owner", "labels"}
	case DealType:
		h = []string{"id", "title", "value", "currency", "expected_close_date", "stage", "status", "lost_reason", "probability", "person",
			"organization", "owner", "labels", "closed_at"}
	case ActivityType:
		h = []string{"id", "type", "subject", "due_date", "due_time", "time_zone", "duration_minutes", "done", "owner", "person_id",
			"organization_id", "lead_id", "deal_id", "note", "labels"}
	}
	h = append(h, "source", "created_at", "updated_at")
	for _, f := range fields {
		h = append(h, f.Label)
	}
	return h
}

// CSVRow is one record's row under CSVHeader.
func CSVRow(rec any, fields []Field) []string {
	var row []string
	var vals Values
	var source Source
	var created, updated int64
	join := func(xs []string) string { return strings.Join(xs, "; ") }
	id := func(v int64) string {
		if v == 0 {
			return ""
		}
		return strconv.FormatInt(v, 10)
	}
	switch r := rec.(type) {
	case *Person:
		var emails, phones []string
		for _, e := range r.Emails {
			emails = append(emails, e.Value)
		}
		for _, p := range r.Phones {
			phones = append(phones, p.Value)
		}
		row = []string{id(r.ID), r.Name, join(emails), join(phones), r.OrganizationName, r.OwnerName, join(r.Labels)}
		vals, source, created, updated = r.Fields, r.Source, r.CreatedAt, r.UpdatedAt
	case *Organization:
		row = []string{id(r.ID), r.Name, r.Address, r.OwnerName, join(r.Labels)}
		vals, source, created, updated = r.Fields, r.Source, r.CreatedAt, r.UpdatedAt
	case *Lead:
		row = []string{id(r.ID), r.Title, MajorUnits(r.Value, r.Currency), r.Currency, r.ExpectedCloseDate, string(r.Status), r.PersonName,
			r.OrganizationName, r.OwnerName, join(r.Labels)}
		vals, source, created, updated = r.Fields, r.Source, r.CreatedAt, r.UpdatedAt
	case *Deal:
		prob := ""
		if r.Probability != nil {
			prob = strconv.Itoa(*r.Probability)
		}
		row = []string{id(r.ID), r.Title, MajorUnits(r.Value, r.Currency), r.Currency, r.ExpectedCloseDate, r.StageName, string(r.Status),
			r.LostReason, prob, r.PersonName, r.OrganizationName, r.OwnerName, join(r.Labels), csvTime(r.ClosedAt)}
		vals, source, created, updated = r.Fields, r.Source, r.CreatedAt, r.UpdatedAt
	case *Activity:
		row = []string{id(r.ID), string(r.Type), r.Subject, r.DueDate, r.DueTime, r.TimeZone, strconv.Itoa(r.DurationMinutes),
			strconv.FormatBool(r.Done), r.OwnerName, id(r.PersonID), id(r.OrganizationID), id(r.LeadID), id(r.DealID), r.Note, join(r.Labels)}
		vals, source, created, updated = r.Fields, r.Source, r.CreatedAt, r.UpdatedAt
	}
	row = append(row, string(source), csvTime(created), csvTime(updated))
	for _, f := range fields {
		row = append(row, fieldText(f, vals[f.Key]))
	}
	for i, c := range row {
		row[i] = SafeCell(c)
	}
	return row
}

// SafeCell keeps a spreadsheet from reading a cell as a formula: one starting with = + - @ or a
// tab or carriage return gets a ' before it (an import takes it off again).
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func csvTime(ms int64) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).UTC().Format(time.RFC3339)
}

// fieldText is a custom value as a cell.
func fieldText(f Field, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		var parts []string
		for _, p := range x {
			if s, ok := p.(string); ok {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "; ")
	case map[string]any:
		val, _ := x["value"].(float64)
		cur, _ := x["currency"].(string)
		return MajorUnits(int64(val), cur) + " " + cur
	}
	return ""
}

// zeroDecimal are the currencies without minor units (ISO 4217 exponent 0).
var zeroDecimal = map[string]bool{"BIF": true, "CLP": true, "DJF": true, "GNF": true, "ISK": true, "JPY": true, "KMF": true, "KRW": true,
	"PYG": true, "RWF": true, "UGX": true, "VND": true, "VUV": true, "XAF": true, "XOF": true, "XPF": true}

// MajorUnits writes minor units as an amount ("1200.50"; "1200" for a currency without cents).
func MajorUnits(minor int64, currency string) string {
	if zeroDecimal[currency] {
		return strconv.FormatInt(minor, 10)
	}
	s := strconv.FormatInt(minor, 10)
	for len(s) < 3 {
		s = "0" + s
	}
	return s[:len(s)-2] + "." + s[len(s)-2:]
}

// ParseMajorUnits reads an amount ("1200.50", "1 200,50", "1.200,50") as minor units.
func ParseMajorUnits(s, currency string) (int64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	s = strings.ReplaceAll(s, "\u00a0", "")
	if s == "" {
		return 0, true
	}
	// The last . or , followed by one or two digits is the decimal mark; others group thousands.
	dec := ""
	if i := strings.LastIndexAny(s, ".,"); i >= 0 && len(s)-i-1 <= 2 && len(s)-i-1 > 0 {
		dec, s = s[i+1:], s[:i]
	}
	s = strings.NewReplacer(".", "", ",", "").Replace(s)
	whole, err := strconv.ParseInt(s, 10, 64)
	if err != nil || whole < 0 {
		return 0, false
	}
	if zeroDecimal[currency] {
		if dec != "" && strings.Trim(dec, "0") != "" {
			return 0, false
		}
		return whole, whole <= MaxValue
	}
	for len(dec) < 2 {
		dec += "0"
	}
	cents, err := strconv.ParseInt(dec, 10, 64)
	if err != nil {
		return 0, false
	}
	v := whole*100 + cents
	return v, v <= MaxValue && whole < MaxValue/100
}
