package crm

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// Importing persons and organisations from a CSV file: its columns are mapped to what a record
// holds (guessed from the header when no mapping is given), every row is checked, and a dry run
// reports each bad row and each duplicate before anything is written. The import itself writes
// the good rows in one transaction and leaves out the bad ones (reported again) and, unless told
// otherwise, the duplicates: persons by email (already in Parley, or earlier in the file),
// organisations by name.

// Limits of an import.
const (
	MaxImportRows  = 10000
	MaxImportBytes = 8 << 20
)

// ImportInput is a CSV file and what to do with it.
type ImportInput struct {
	CSV string `json:"csv"`
	// Mapping maps a column (by its header) to a target (ImportTarget.Key); a column left out or
	// mapped to "" is not read. Without a mapping the header is guessed.
	Mapping map[string]string `json:"mapping"`
	DryRun  bool              `json:"dry_run"`
	// Duplicates: "skip" (the default) leaves duplicates out; "create" makes them anyway.
	Duplicates string `json:"duplicates"`
	// Source is set by the caller, never by the client.
	Source Source `json:"-"`
}

// ImportTarget is what a column may be read as.
type ImportTarget struct {
	Key      string `json:"key"`
	Label    string `json:"label"`
	Multiple bool   `json:"multiple,omitempty"` // several columns may map to it (emails, phones)
}

// ImportResult says what an import found and did. Rows are numbered as lines of the file: the
// header is line 1.
type ImportResult struct {
	DryRun     bool              `json:"dry_run"`
	Columns    []string          `json:"columns"`
	Mapping    map[string]string `json:"mapping"`
	Targets    []ImportTarget    `json:"targets"`
	Rows       int               `json:"rows"`
	Valid      int               `json:"valid"`
	Created    int               `json:"created"`
	Skipped    int               `json:"skipped"`
	Errors     []ImportError     `json:"errors"`
	Duplicates []ImportDuplicate `json:"duplicates"`
	// Sample is the first rows as they will be read, for the mapping step.
	Sample [][]string `json:"sample"`
}

// ImportError is a bad cell (or row) of the file.
type ImportError struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ImportDuplicate is a row that is someone (or some organisation) Parley has, or an earlier row.
type ImportDuplicate struct {
	Row   int    `json:"row"`
	Value string `json:"value"` // the email (persons) or name (organisations)
	// ExistingID is the record it duplicates; SameAsRow the earlier row.
	ExistingID int64 `json:"existing_id,omitempty"`
	SameAsRow  int   `json:"same_as_row,omitempty"`
}

// ImportPersons imports persons from a CSV file.
func (s *Service) ImportPersons(ctx context.Context, actor *auth.User, in ImportInput) (*ImportResult, error) {
	return s.importCSV(ctx, actor, PersonType, in)
}

// ImportOrganizations imports organisations from a CSV file.
func (s *Service) ImportOrganizations(ctx context.Context, actor *auth.User, in ImportInput) (*ImportResult, error) {
	return s.importCSV(ctx, actor, OrganizationType, in)
}

// ImportTargets lists what the columns of an import of type t may be read as.
func ImportTargets(t RecordType, fields []Field) []ImportTarget {
	var out []ImportTarget
	if t == PersonType {
		out = []ImportTarget{{Key: "name", Label: "Name"}, {Key: "email", Label: "Email", Multiple: true}, {Key: "phone", Label: "Phone", Multiple: true},
			{Key: "organization", Label: "Organisation"}}
	} else {
		out = []ImportTarget{{Key: "name", Label: "Name"}, {Key: "address", Label: "Address"}}
	}
	out = append(out, ImportTarget{Key: "owner", Label: "Owner"}, ImportTarget{Key: "labels", Label: "Labels"})
	for _, f := range fields {
		out = append(out, ImportTarget{Key: "fields." + f.Key, Label: f.Label})
	}
	return out
}

// guesses are the headers each target answers to (lower-case, letters and digits only).
var guesses = map[string][]string{
	"name":         {"name", "fullname", "person", "contact", "contactname", "personname", "organization", "organisation", "company", "vollername", "naam", "ad", "adsoyad", "nev"},
	"email":        {"email", "emailaddress", "mail", "emails", "workemail", "emailadresse", "eposta", "emailcim"},
	"phone":        {"phone", "phonenumber", "telephone", "tel", "mobile", "phones", "telefon", "telefoon", "telefonnummer", "telefonszam"},
	"organization": {"organization", "organisation", "company", "companyname", "firma", "unternehmen", "bedrijf", "sirket", "ceg"},
	"address":      {"address", "adresse", "adres", "cim", "anschrift"},
	"owner":        {"owner", "owneremail", "eigentumer", "besitzer", "eigenaar", "sahip", "tulajdonos"},
	"labels":       {"labels", "label", "tags", "tag", "etiketten", "etiketler", "cimkek"},
}

func headerKey(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// guessMapping maps the columns whose headers name a target.
func guessMapping(t RecordType, header []string, targets []ImportTarget, fields []Field) map[string]string {
	out := map[string]string{}
	taken := map[string]bool{}
	for _, h := range header {
		k := headerKey(h)
		for _, tg := range targets {
			if taken[tg.Key] && !tg.Multiple {
				continue
			}
			match := false
			if fk, ok := strings.CutPrefix(tg.Key, "fields."); ok {
				for _, f := range fields {
					if f.Key == fk && (headerKey(f.Key) == k || headerKey(f.Label) == k || headerKey(tg.Key) == k) {
						match = true
					}
				}
			} else {
				match = slices.Contains(guesses[tg.Key], k)
				if t == PersonType && tg.Key == "name" && slices.Contains(guesses["organization"], k) {
					match = false // a person's company is its organisation, not its name
				}
				if strings.HasPrefix(k, "email") || strings.HasSuffix(k, "email") {
					match = match || tg.Key == "email" && k != "owneremail"
				}
			}
			if match {
				out[h] = tg.Key
				taken[tg.Key] = true
				break
			}
		}
	}
	return out
}

// readCSV reads the file: its delimiter (comma, semicolon or tab) from the header line, a
// byte-order mark ignored.
func readCSV(text string) ([][]string, []int, error) {
	text = strings.TrimPrefix(text, "\uFEFF")
	first, _, _ := strings.Cut(text, "\n")
	delim := ','
	best := strings.Count(first, ",")
	for _, d := range []rune{';', '\t'} {
		if n := strings.Count(first, string(d)); n > best {
			delim, best = d, n
		}
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma, r.FieldsPerRecord, r.LazyQuotes, r.ReuseRecord = delim, -1, true, false
	var rows [][]string
	var lines []int
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, errs.Coded(errs.Invalid, "csv_invalid", "the file is not CSV that can be read: line %d: %v", pe.Line, pe.Err)
			}
			return nil, nil, errs.Coded(errs.Invalid, "csv_invalid", "the file is not CSV that can be read: %v", err)
		}
		if len(rows) > MaxImportRows+1 {
			return nil, nil, errs.Coded(errs.Invalid, "csv_too_long", "a file imports at most %d rows at a time", MaxImportRows)
		}
		line, _ := r.FieldPos(0)
		rows = append(rows, rec)
		lines = append(lines, line)
	}
	return rows, lines, nil
}

// importRow is a row read into a record.
type importRow struct {
	line  int
	per   *Person
	org   *Organization
	orgBy string // a person's organisation, by name
	key   []string
}

func (s *Service) importCSV(ctx context.Context, actor *auth.User, t RecordType, in ImportInput) (*ImportResult, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	if len(in.CSV) > MaxImportBytes {
		return nil, errs.Coded(errs.Invalid, "csv_too_long", "a file imports at most %d MB at a time", MaxImportBytes>>20)
	}
	switch in.Duplicates {
	case "", "skip", "create":
	default:
		return nil, errs.Coded(errs.Invalid, "duplicates_invalid", "duplicates must be skip or create")
	}
	rows, lines, err := readCSV(in.CSV)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || len(slices.DeleteFunc(slices.Clone(rows[0]), func(h string) bool { return strings.TrimSpace(h) == "" })) == 0 {
		return nil, errs.Coded(errs.Invalid, "csv_empty", "the file has no header line naming its columns")
	}
	fields, err := s.repo.Fields(ctx, t)
	if err != nil {
		return nil, err
	}
	header := rows[0]
	targets := ImportTargets(t, fields)
	mapping := in.Mapping
	if mapping == nil {
		mapping = guessMapping(t, header, targets, fields)
	}
	res := &ImportResult{DryRun: in.DryRun, Columns: header, Mapping: mapping, Targets: targets, Errors: []ImportError{},
		Duplicates: []ImportDuplicate{}, Sample: [][]string{}}
	// Which columns go where.
	type col struct {
		i      int
		name   string
		target string
		field  *Field
	}
	var cols []col
	seen := map[string]bool{}
	for h, tg := range mapping {
		if tg == "" {
			continue
		}
		i := slices.Index(header, h)
		if i < 0 {
			return nil, errs.Coded(errs.Invalid, "mapping_invalid", "mapping: the file has no column %q", h)
		}
		ti := slices.IndexFunc(targets, func(x ImportTarget) bool { return x.Key == tg })
		if ti < 0 {
			return nil, errs.Coded(errs.Invalid, "mapping_invalid", "mapping: %q is not something a %s holds", tg, t)
		}
		if seen[tg] && !targets[ti].Multiple {
			return nil, errs.Coded(errs.Invalid, "mapping_invalid", "mapping: only one column may be read as %q", tg)
		}
		seen[tg] = true
		c := col{i: i, name: h, target: tg}
		if fk, ok := strings.CutPrefix(tg, "fields."); ok {
			for j := range fields {
				if fields[j].Key == fk {
					c.field = &fields[j]
				}
			}
		}
		cols = append(cols, c)
	}
	if !seen["name"] {
		return nil, errs.Coded(errs.Invalid, "mapping_invalid", "mapping: a column must be read as the name")
	}
	slices.SortFunc(cols, func(a, b col) int { return a.i - b.i })

	users, err := s.importUsers(ctx, seen["owner"])
	if err != nil {
		return nil, err
	}
	var good []*importRow
	firstRow := map[string]int{}
	for n, rec := range rows[1:] {
		line := lines[n+1]
		if len(slices.DeleteFunc(slices.Clone(rec), func(c string) bool { return strings.TrimSpace(c) == "" })) == 0 {
			continue // an empty line
		}
		res.Rows++
		if len(res.Sample) < 5 {
			res.Sample = append(res.Sample, rec)
		}
		bad := func(c, code, msg string) {
			res.Errors = append(res.Errors, ImportError{Row: line, Column: c, Code: code, Message: msg})
		}
		row := &importRow{line: line}
		var emails []Email
		var phones []Phone
		name, address, labels := "", "", []string{}
		var owner int64
		vals := map[string]json.RawMessage{}
		ok := true
		for _, c := range cols {
			cell := ""
			if c.i < len(rec) {
				cell = unsafeCell(strings.TrimSpace(rec[c.i]))
			}
			if cell == "" {
				continue
			}
			switch c.target {
			case "name":
				name = cell
			case "address":
				address = cell
			case "email":
				for _, e := range splitList(cell) {
					v, err := auth.NormalizeEmail(e)
					if err != nil {
						bad(c.name, "email_invalid", strconv.Quote(e)+" is not a valid email address")
						ok = false
						continue
					}
					if !hasEmail(emails, v) {
						emails = append(emails, Email{Value: v})
					}
				}
			case "phone":
				for _, ph := range splitList(cell) {
					v, err := cleanPhone(ph)
					if err != nil {
						bad(c.name, "phone_invalid", strconv.Quote(ph)+" is not a phone number (digits, spaces and + ( ) - . /)")
						ok = false
						continue
					}
					phones = append(phones, Phone{Value: v})
				}
			case "organization":
				if o, err := cleanLine(cell, "organization", MaxTitle, false); err != nil {
					bad(c.name, codeOf(err), publicMessage(err))
					ok = false
				} else {
					row.orgBy = o
				}
			case "owner":
				id, found := users[strings.ToLower(cell)]
				if !found {
					bad(c.name, "owner_unknown", "there is no active user with the email or name "+strconv.Quote(cell))
					ok = false
				}
				owner = id
			case "labels":
				labels = append(labels, splitList(cell)...)
			default:
				raw, err := cellValue(c.field, cell)
				if err != nil {
					bad(c.name, "field_invalid", err.Error())
					ok = false
					continue
				}
				vals[c.field.Key] = raw
			}
		}
		// The rest is checked as a record is: the name, lengths, labels, custom values.
		patchOK := func(err error) {
			if err != nil {
				code, column := codeOf(err), ""
				for _, c := range cols {
					if strings.HasPrefix(code, strings.TrimPrefix(c.target, "fields.")) || c.target == "labels" && strings.Contains(code, "label") {
						column = c.name
						break
					}
				}
				bad(column, code, publicMessage(err))
				ok = false
			}
		}
		if t == PersonType {
			x, err := newPerson(PersonInput{PersonPatch: PersonPatch{Name: &name, Emails: &emails, Phones: &phones, Labels: &labels, Fields: vals}}, fields)
			patchOK(err)
			if err == nil {
				x.OwnerUserID = owner
				row.per = x
				for _, e := range x.Emails {
					row.key = append(row.key, e.Value)
				}
			}
		} else {
			x, err := newOrganization(OrganizationPatch{Name: &name, Address: &address, Labels: &labels, Fields: vals}, fields)
			patchOK(err)
			if err == nil {
				x.OwnerUserID = owner
				row.org = x
				row.key = []string{x.Name}
			}
		}
		if !ok {
			continue
		}
		res.Valid++
		// Duplicates in the file itself.
		for _, k := range row.key {
			if first, dup := firstRow[k]; dup {
				res.Duplicates = append(res.Duplicates, ImportDuplicate{Row: line, Value: k, SameAsRow: first})
			} else {
				firstRow[k] = line
			}
		}
		good = append(good, row)
	}
	// Duplicates of what Parley has.
	existing, err := s.existing(ctx, t, good)
	if err != nil {
		return nil, err
	}
	dupRows := map[int]bool{}
	for _, d := range res.Duplicates {
		dupRows[d.Row] = true
	}
	for _, row := range good {
		for _, k := range row.key {
			if id, ok := existing[k]; ok {
				res.Duplicates = append(res.Duplicates, ImportDuplicate{Row: row.line, Value: k, ExistingID: id})
				dupRows[row.line] = true
			}
		}
	}
	slices.SortStableFunc(res.Duplicates, func(a, b ImportDuplicate) int { return a.Row - b.Row })
	var write []*importRow
	for _, row := range good {
		if dupRows[row.line] && in.Duplicates != "create" {
			continue
		}
		write = append(write, row)
	}
	res.Skipped = res.Rows - len(write)
	if in.DryRun || len(write) == 0 {
		return res, nil
	}
	if err := s.writeImport(ctx, actor, t, in, write); err != nil {
		return nil, err
	}
	res.Created = len(write)
	s.log.InfoContext(ctx, "crm import", "type", t, "created", res.Created, "skipped", res.Skipped, "by", actor.ID)
	return res, nil
}

// writeImport writes the rows' records in one transaction, with their organisations (found by
// name or made once).
func (s *Service) writeImport(ctx context.Context, actor *auth.User, t RecordType, in ImportInput, rows []*importRow) error {
	p := &plan{}
	o := origin{actor: actor, source: sourceFor(in.Source, nil), now: s.nowMS()}
	if t == OrganizationType {
		for _, r := range rows {
			org := r.org
			org.CreatedByUserID, org.Source, org.CreatedAt, org.UpdatedAt = actor.ID, o.source, o.now, o.now
			p.b.Insert(org, nil)
			p.evs = append(p.evs, recordEvent(event.OrganizationCreated, actor, org))
		}
	} else {
		orgs := map[string]*Organization{}
		for _, r := range rows {
			var org *Organization
			if r.orgBy != "" {
				if org = orgs[r.orgBy]; org == nil {
					found, err := s.repo.OrganizationByName(ctx, r.orgBy)
					switch {
					case err == nil:
						org = found
					case errs.Is(err, errs.NotFound):
						org = &Organization{Name: r.orgBy, Labels: []string{}, Fields: Values{}, OwnerUserID: r.per.OwnerUserID,
							CreatedByUserID: actor.ID, Source: o.source, CreatedAt: o.now, UpdatedAt: o.now}
						p.b.Insert(org, nil)
						p.evs = append(p.evs, recordEvent(event.OrganizationCreated, actor, org))
					default:
						return err
					}
					orgs[r.orgBy] = org
				}
			}
			s.insertPerson(p, o, r.per, org)
		}
	}
	if err := s.repo.Apply(ctx, &p.b, p.evs...); err != nil {
		return err
	}
	s.committed(ctx, p.evs...)
	return nil
}

// existing finds the records of Parley the rows duplicate: persons by email, organisations by name.
func (s *Service) existing(ctx context.Context, t RecordType, rows []*importRow) (map[string]int64, error) {
	var keys []string
	for _, r := range rows {
		keys = append(keys, r.key...)
	}
	if t == PersonType {
		return s.repo.PersonsByEmail(ctx, keys)
	}
	return s.repo.OrganizationsByName(ctx, keys)
}

// importUsers maps the active users' emails and names (lower-cased) to their ids.
func (s *Service) importUsers(ctx context.Context, need bool) (map[string]int64, error) {
	out := map[string]int64{}
	if !need {
		return out, nil
	}
	users, err := s.repo.ActiveUsers(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		out[strings.ToLower(u.Email)] = u.ID
		if _, taken := out[strings.ToLower(u.Name)]; !taken {
			out[strings.ToLower(u.Name)] = u.ID
		}
	}
	return out, nil
}

// splitList splits a cell holding several values ("a; b", "a, b").
func splitList(cell string) []string {
	sep := ";"
	if !strings.Contains(cell, ";") {
		sep = ","
	}
	var out []string
	for _, p := range strings.Split(cell, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// unsafeCell takes off the ' an export puts before a cell a spreadsheet would read as a formula.
func unsafeCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@", rune(s[1])) {
		return s[1:]
	}
	return s
}

// cellValue reads a cell as a custom field's value (as the JSON the field takes).
func cellValue(f *Field, cell string) (json.RawMessage, error) {
	var raw json.RawMessage
	switch f.Type {
	case NumberField:
		v := strings.ReplaceAll(strings.ReplaceAll(cell, " ", ""), ",", ".")
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return nil, errors.New(strconv.Quote(cell) + " is not a number")
		}
		raw = json.RawMessage(v)
	case MoneyField:
		amount, cur := cell, DefaultCurrency
		if i := strings.LastIndexByte(cell, ' '); i > 0 && len(cell)-i-1 == 3 {
			amount, cur = cell[:i], cell[i+1:]
		}
		v, ok := ParseMajorUnits(amount, cur)
		if !ok {
			return nil, errors.New(strconv.Quote(cell) + " is not an amount of money")
		}
		raw, _ = json.Marshal(map[string]any{"value": v, "currency": cur})
	case OptionsField:
		raw, _ = json.Marshal(splitList(cell))
	default:
		raw, _ = json.Marshal(cell)
	}
	if _, err := f.value(raw); err != nil {
		return nil, errors.New(publicMessage(err))
	}
	return raw, nil
}

func publicMessage(err error) string {
	_, m := errs.Public(err)
	return m
}
