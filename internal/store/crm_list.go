package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/parleyhq/parley/internal/crm"
)

// The CRM lists' filters, sort orders and keyset pages, on top of the search in crm.go.

// order is a list's sort: an expression over the list's aliases, the kind of its values (text,
// integer, real), and the direction. The id breaks ties, in the same direction.
type order struct {
	key  string
	expr string
	kind byte // 's', 'i' or 'f'
	desc bool
}

// collateC makes a text expression sort byte by byte on PostgreSQL as it does on SQLite, whatever
// the database's locale.
func (db *DB) collateC(expr string) string {
	if db.Engine == Postgres {
		return "(" + expr + ") COLLATE \"C\""
	}
	return expr
}

// jsonText is a custom field's value as text (keys are checked by crm: letters, digits, _).
func (db *DB) jsonText(alias, key string) string {
	if db.Engine == Postgres {
		return "(" + alias + ".fields::jsonb ->> '" + key + "')"
	}
	return "json_extract(" + alias + ".fields, '$." + key + "')"
}

// jsonNumber is a number or money field's value as a number.
func (db *DB) jsonNumber(alias, key string, money bool) string {
	if db.Engine == Postgres {
		if money {
			return "((" + alias + ".fields::jsonb -> '" + key + "') ->> 'value')::double precision"
		}
		return "(" + alias + ".fields::jsonb ->> '" + key + "')::double precision"
	}
	path := "$." + key
	if money {
		path += ".value"
	}
	return "CAST(json_extract(" + alias + ".fields, '" + path + "') AS REAL)"
}

// jsonHolds is the condition that a JSON array column (or a custom field's array) holds a text.
func (db *DB) jsonHolds(column, key, arg string) string {
	if db.Engine == Postgres {
		src := column + "::jsonb"
		if key != "" {
			src = "(" + column + "::jsonb -> '" + key + "')"
		}
		return "EXISTS (SELECT 1 FROM jsonb_array_elements_text(" + src + ") AS held(v) WHERE held.v = " + arg + ")"
	}
	src := column
	if key != "" {
		src = column + ", '$." + key + "'"
	}
	return "EXISTS (SELECT 1 FROM json_each(" + src + ") WHERE json_each.value = " + arg + ")"
}

// noValue is where a number or money field without a value sorts: below every value.
const noValue = -1e300

// orderOf is the order a sort asks of a list of type t (alias: the records' table).
func (db *DB) orderOf(t crm.RecordType, alias string, s crm.Sort) (*order, error) {
	o := &order{key: s.Key, desc: s.Desc}
	text := func(e string) { o.expr, o.kind = db.collateC(e), 's' }
	num := func(e string) { o.expr, o.kind = e, 'i' }
	switch s.Key {
	case "name", "title", "subject":
		o.expr, o.kind = alias+".sort_name", 's'
	case "created_at", "updated_at", "value":
		num(alias + "." + s.Key)
	case "owner_name":
		text("COALESCE(ow.name, '')")
	case "organization_name":
		text("COALESCE(o.name, '')")
	case "person_name":
		text("COALESCE(p.name, '')")
	case "expected_close_date":
		text(alias + ".expected_close_date")
	case "status":
		if t == crm.LeadType {
			text(leadStatusExpr)
		} else {
			text(alias + ".status")
		}
	case "stage":
		num("COALESCE(st.position, 0)")
	case "due":
		num(alias + ".due_at")
	case "type":
		text(alias + ".type")
	case "done":
		num(alias + ".done")
	default:
		f := s.Field
		if f == nil {
			return nil, fmt.Errorf("store: no order %q for %s", s.Key, t)
		}
		switch f.Type {
		case crm.NumberField, crm.MoneyField:
			o.expr, o.kind = fmt.Sprintf("COALESCE(%s, %g)", db.jsonNumber(alias, f.Key, f.Type == crm.MoneyField), noValue), 'f'
		default:
			text("COALESCE(" + db.jsonText(alias, f.Key) + ", '')")
		}
	}
	return o, nil
}

// leadStatusExpr is a lead's status, also for a lead an old node wrote (see leadColumns).
const leadStatusExpr = `COALESCE(l.lead_status, CASE l.status WHEN 'won' THEN 'converted' WHEN 'lost' THEN 'disqualified' ELSE 'open' END)`

// filters adds the filters every list of type t shares: labels, when records were made and
// changed, when leads and deals close, when activities are due, and custom values.
func (db *DB) filters(l *listQuery, t crm.RecordType, alias string, q crm.Query) {
	if q.Label != "" {
		l.where = append(l.where, db.jsonHolds(alias+".labels", "", l.arg(q.Label)))
	}
	for _, r := range []struct {
		col      string
		from, to int64
	}{{"created_at", q.CreatedFrom, q.CreatedTo}, {"updated_at", q.UpdatedFrom, q.UpdatedTo}} {
		if r.from != 0 {
			l.where = append(l.where, alias+"."+r.col+" >= "+l.arg(r.from))
		}
		if r.to != 0 {
			l.where = append(l.where, alias+"."+r.col+" <= "+l.arg(r.to))
		}
	}
	dates := func(col, from, to string) {
		if from != "" {
			l.where = append(l.where, alias+"."+col+" <> '' AND "+alias+"."+col+" >= "+l.arg(from))
		}
		if to != "" {
			l.where = append(l.where, alias+"."+col+" <> '' AND "+alias+"."+col+" <= "+l.arg(to))
		}
	}
	switch t {
	case crm.LeadType, crm.DealType:
		dates("expected_close_date", q.CloseFrom, q.CloseTo)
	case crm.ActivityType:
		dates("due_date", q.DueFrom, q.DueTo)
		if q.Due != "" {
			l.where = append(l.where, db.due(l, alias, q))
		}
	}
	for _, ff := range q.Fields {
		f := ff.Field
		if f == nil {
			continue
		}
		numeric := f.Type == crm.NumberField || f.Type == crm.MoneyField
		val := func(v string) any {
			if numeric {
				var x float64
				_ = json.Unmarshal([]byte(v), &x)
				return x
			}
			return v
		}
		expr := db.jsonText(alias, f.Key)
		if numeric {
			expr = db.jsonNumber(alias, f.Key, f.Type == crm.MoneyField)
		}
		if ff.Eq != "" {
			if f.Type == crm.OptionsField {
				l.where = append(l.where, db.jsonHolds(alias+".fields", f.Key, l.arg(ff.Eq)))
			} else {
				l.where = append(l.where, expr+" = "+l.arg(val(ff.Eq)))
			}
		}
		if ff.Min != "" {
			l.where = append(l.where, expr+" >= "+l.arg(val(ff.Min)))
		}
		if ff.Max != "" {
			l.where = append(l.where, expr+" <= "+l.arg(val(ff.Max)))
		}
	}
}

// due is the condition of q.Due on activities: each is compared with today in its own time zone.
func (db *DB) due(l *listQuery, alias string, q crm.Query) string {
	zones := make([]string, 0, len(q.Today))
	for z := range q.Today {
		zones = append(zones, z)
	}
	sort.Strings(zones)
	// byDay: the activity's due date compares so with today in its zone.
	byDay := func(op string) string {
		if len(zones) == 0 {
			return "1 = 0"
		}
		var or []string
		for _, z := range zones {
			or = append(or, "("+alias+".time_zone = "+l.arg(z)+" AND "+alias+".due_date "+op+" "+l.arg(q.Today[z])+")")
		}
		return "(" + strings.Join(or, " OR ") + ")"
	}
	late := func() string {
		return "(" + alias + ".done = 0 AND " + alias + ".due_time <> '' AND " + alias + ".due_at < " + l.arg(q.Now) + ")"
	}
	switch q.Due {
	case crm.DueOverdue:
		return "(" + alias + ".done = 0 AND (" + byDay("<") + " OR " + late() + "))"
	case crm.DueToday:
		return "(" + byDay("=") + " AND NOT " + late() + ")"
	default:
		return byDay(">")
	}
}

// rowWith scans a row's columns and then one more value (a sort's).
type rowWith struct {
	r     rowScanner
	extra *any
}

func (x rowWith) Scan(dest ...any) error { return x.r.Scan(append(dest, x.extra)...) }

// listRecords runs a list query built in l (its type's filters and search already there): the
// shared filters, the order and the page; each record gets its cursor.
func listRecords[T any](ctx context.Context, db *DB, l *listQuery, t crm.RecordType, columns, from, alias string, q crm.Query,
	scan func(rowScanner) (*T, error), place func(*T) (int64, *string)) ([]T, error) {
	db.filters(l, t, alias, q)
	if q.Sort.Key == "" {
		before := q.BeforeID
		if q.Cursor != "" {
			c, err := crm.DecodeCursor(q.Cursor, "")
			if err != nil {
				return nil, err
			}
			before = c.ID
		}
		out, err := list(ctx, db, l.query(columns, from, alias, before, q.Limit), l.args, scan)
		for i := range out {
			id, cur := place(&out[i])
			*cur = crm.EncodeCursor(crm.Cursor{Value: json.RawMessage(fmt.Sprint(id)), ID: id})
		}
		return out, err
	}
	o, err := db.orderOf(t, alias, q.Sort)
	if err != nil {
		return nil, err
	}
	if q.Cursor != "" {
		c, err := crm.DecodeCursor(q.Cursor, o.key)
		if err != nil {
			return nil, err
		}
		var v any
		switch o.kind {
		case 's':
			var s string
			err = json.Unmarshal(c.Value, &s)
			v = s
		case 'i':
			var n int64
			err = json.Unmarshal(c.Value, &n)
			v = n
		default:
			var f float64
			err = json.Unmarshal(c.Value, &f)
			v = f
		}
		if err != nil {
			_, err = crm.DecodeCursor("", o.key) // the same error as any bad cursor
			return nil, err
		}
		op := ">"
		if o.desc {
			op = "<"
		}
		va := l.arg(v)
		ida := l.arg(c.ID)
		l.where = append(l.where, "("+o.expr+" "+op+" "+va+" OR ("+o.expr+" = "+va+" AND "+alias+".id "+op+" "+ida+"))")
	}
	dir := " ASC"
	if o.desc {
		dir = " DESC"
	}
	sel := "SELECT " + columns + ", " + o.expr + from
	with := ""
	if l.driver != "" {
		// A search's selective word: only its records are read, then ordered.
		with = "WITH m AS MATERIALIZED (SELECT DISTINCT d.record_id FROM (" + l.driver + ") d) "
		i := strings.Index(sel, " LEFT JOIN")
		if i < 0 {
			i = len(sel)
		}
		sel = sel[:i] + " JOIN m ON m.record_id = " + alias + ".id" + sel[i:]
	}
	query := with + sel + where(l.where) + " ORDER BY " + o.expr + dir + ", " + alias + ".id" + dir + " LIMIT " + l.arg(q.Limit)
	rows, err := db.read.QueryContext(ctx, query, l.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var v any
		x, err := scan(rowWith{rows, &v})
		if err != nil {
			return nil, err
		}
		id, cur := place(x)
		*cur = crm.EncodeCursor(crm.Cursor{Key: o.key, Value: cursorValue(v, o.kind), ID: id})
		out = append(out, *x)
	}
	return out, rows.Err()
}

// cursorValue is a sort value as the JSON a cursor holds.
func cursorValue(v any, kind byte) json.RawMessage {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	switch kind {
	case 's':
		v = fmt.Sprint(v)
	case 'i':
		switch n := v.(type) {
		case float64:
			v = int64(n)
		case nil:
			v = 0
		}
	case 'f':
		switch n := v.(type) {
		case int64:
			v = float64(n)
		case nil:
			v = noValue
		}
	}
	b, _ := json.Marshal(v)
	return b
}
