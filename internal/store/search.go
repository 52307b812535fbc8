package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/search"
)

// Full-text search (search.Repo). What is shared lives here; how each engine keeps and matches
// the words is in search_sqlite.go (FTS5) and search_postgres.go (tsvector).

var _ search.Repo = (*DB)(nil)

// maxIndexedBytes bounds the text of one document (a long email): its start is what is searched.
const maxIndexedBytes = 64 << 10

func indexedText(d *search.Doc) string {
	t := d.Text()
	if len(t) > maxIndexedBytes {
		t = t[:maxIndexedBytes]
		for len(t) > 0 && !validUTF8End(t) {
			t = t[:len(t)-1]
		}
	}
	return t
}

func validUTF8End(s string) bool { return strings.ToValidUTF8(s, "") == s }

// IndexMessages writes message documents in one transaction; those already indexed, and those
// whose message is gone, are skipped.
func (db *DB) IndexMessages(ctx context.Context, docs []search.Doc) error {
	if len(docs) == 0 {
		return nil
	}
	// The words are read before the transaction: on SQLite it holds the one writer, which the
	// messages being sent meanwhile wait for.
	analysed := make([]analysedDoc, len(docs))
	for i := range docs {
		t := indexedText(&docs[i])
		analysed[i] = analysedDoc{Doc: &docs[i], text: t, a: search.Analyse(docs[i].Language, t)}
	}
	return db.InTx(ctx, func(tx *Tx) error {
		if db.Engine == Postgres {
			return pgIndexMessages(ctx, tx, analysed)
		}
		return liteIndexMessages(ctx, tx, analysed)
	})
}

// analysedDoc is a document with its text (cut to maxIndexedBytes) and its words.
type analysedDoc struct {
	*search.Doc
	text string
	a    search.Analysed
}

// writeDoc replaces a contact's or a record's document.
func (tx *Tx) writeDoc(ctx context.Context, d *search.Doc) error {
	if err := tx.deleteDoc(ctx, d.Kind, d.RefID); err != nil {
		return err
	}
	if tx.Engine == Postgres {
		return pgWriteDoc(ctx, tx, d)
	}
	return liteWriteDoc(ctx, tx, d)
}

// deleteDoc removes a document (on SQLite a trigger takes its words with it).
func (tx *Tx) deleteDoc(ctx context.Context, kind search.Kind, id int64) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM search_docs WHERE kind = $1 AND ref_id = $2", kind, id); err != nil {
		return fmt.Errorf("remove from the search index: %w", err)
	}
	return nil
}

// recordDoc is the document of a CRM record that search finds (persons, organisations, leads,
// deals; not activities nor notes).
func recordDoc(rec any) (*search.Doc, bool) {
	switch r := rec.(type) {
	case *crm.Person:
		var body []string
		for _, e := range r.Emails {
			body = append(body, e.Value)
		}
		for _, p := range r.Phones {
			body = append(body, p.Value)
		}
		return &search.Doc{Kind: search.Person, RefID: r.ID, Title: r.Name, Body: strings.Join(body, " · "), At: r.UpdatedAt}, true
	case *crm.Organization:
		return &search.Doc{Kind: search.Organization, RefID: r.ID, Title: r.Name, Body: r.Address, At: r.UpdatedAt}, true
	case *crm.Lead:
		return &search.Doc{Kind: search.Lead, RefID: r.ID, Title: r.Title, At: r.UpdatedAt}, true
	case *crm.Deal:
		return &search.Doc{Kind: search.Deal, RefID: r.ID, Title: r.Title, At: r.UpdatedAt}, true
	}
	return nil, false
}

// contactDoc is a contact's document: name, email, phone, notes and tags.
func contactDoc(c *contact.Contact) *search.Doc {
	var body []string
	for _, s := range []string{c.Email, c.Phone, strings.Join(c.Tags, " "), c.Notes} {
		if strings.TrimSpace(s) != "" {
			body = append(body, s)
		}
	}
	return &search.Doc{Kind: search.Contact, RefID: c.ID, Title: c.Name, Body: strings.Join(body, " · "), At: c.UpdatedAt}
}

// writeContactDoc indexes a contact as it is now; an anonymous visitor with nothing to find by
// is left out.
func (tx *Tx) writeContactDoc(ctx context.Context, c *contact.Contact) error {
	d := contactDoc(c)
	if strings.TrimSpace(d.Text()) == "" {
		return tx.deleteDoc(ctx, search.Contact, c.ID)
	}
	d.Language = search.English
	return tx.writeDoc(ctx, d)
}

// writeRecordDoc indexes a CRM record as it is now.
func (tx *Tx) writeRecordDoc(ctx context.Context, rec any) error {
	d, ok := recordDoc(rec)
	if !ok {
		return nil
	}
	d.Language = search.English
	return tx.writeDoc(ctx, d)
}

// SearchDocs runs one kind's part of a search.
func (db *DB) SearchDocs(ctx context.Context, q search.StoreQuery) ([]search.Hit, error) {
	if len(q.Terms) == 0 {
		return []search.Hit{}, nil
	}
	var s searchSQL
	if db.Engine == Postgres {
		s = pgSearchSQL(q.Terms, q.Kind)
	} else {
		s = liteSearchSQL(q.Terms, q.Kind)
	}
	if q.Kind == search.Message {
		return db.searchMessages(ctx, q, s)
	}
	return db.searchRecords(ctx, q, s)
}

// candidates bounds a search's work: the newest this many matches of a kind are ranked and
// filtered by who may see them. A word in most messages ("hello") then costs no more than a rare
// one; adding a word narrows the matches to rank.
const candidates = 1000

// searchSQL is an engine's way of matching terms: the matching documents d (with their rank in
// f) and their order (best first), with its arguments numbered from $1 (renumber shifts them).
type searchSQL struct {
	from  string // yields d, the search_docs row, and f.rank
	order string
	args  []any
}

// renumber shifts the $n placeholders of s by n.
func renumber(s string, n int) string {
	if n == 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			b.WriteByte(s[i])
			continue
		}
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		var k int
		fmt.Sscanf(s[i+1:j], "%d", &k)
		fmt.Fprintf(&b, "$%d", k+n)
		i = j - 1
	}
	return b.String()
}

func (db *DB) searchMessages(ctx context.Context, q search.StoreQuery, s searchSQL) ([]search.Hit, error) {
	visible, args := scopeClause(q.Scope)
	if visible == "" {
		return []search.Hit{}, nil
	}
	n := len(args)
	args = append(args, s.args...)
	args = append(args, q.Limit)
	query := `SELECT d.ref_id, d.conversation_id, c.inbox_id, m.seq, m.kind, c.status,
		COALESCE(NULLIF(ct.name, ''), NULLIF(ct.email, ''), ''), m.body, d.language, d.at
		FROM ` + renumber(s.from, n) + `
		JOIN conversations c ON c.id = d.conversation_id
		JOIN messages m ON m.id = d.ref_id
		JOIN contacts ct ON ct.id = c.contact_id
		WHERE d.kind = 'message' AND ` + visible + `
			AND CAST($1 AS BIGINT) <> 0` + /* $1, the user, typed even when the scope does not use it */ `
		ORDER BY ` + renumber(s.order, n) + fmt.Sprintf(" LIMIT $%d", len(args))
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search messages: %w", err)
	}
	defer rows.Close()
	out := []search.Hit{}
	for rows.Next() {
		h := search.Hit{Kind: search.Message}
		var kind, lang string
		if err := rows.Scan(&h.ID, &h.ConversationID, &h.InboxID, &h.Seq, &kind, &h.Status, &h.Title, &h.Text, &lang, &h.At); err != nil {
			return nil, err
		}
		h.Note = kind == string(conversation.Note)
		h.Language = search.ParseLanguage(lang)
		if h.Title == "" {
			h.Title = "Visitor"
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func (db *DB) searchRecords(ctx context.Context, q search.StoreQuery, s searchSQL) ([]search.Hit, error) {
	args := []any{string(q.Kind)}
	where := "d.kind = $1"
	n := 1
	if q.Kind == search.Contact && !q.Admin {
		// A contact shows to whoever sees one of its conversations (conversation.Service.SeesContact).
		visible, sargs := scopeClause(q.Scope)
		if visible == "" {
			return []search.Hit{}, nil
		}
		where += " AND EXISTS (SELECT 1 FROM conversations c WHERE c.contact_id = d.ref_id AND " + renumber(visible, 1) + ") AND CAST($2 AS BIGINT) <> 0"
		args = append(args, sargs...)
		n = len(args)
	}
	args = append(args, s.args...)
	args = append(args, q.Limit)
	query := `SELECT d.ref_id, d.title, d.body, d.language, d.at FROM ` + renumber(s.from, n) + `
		WHERE ` + where + `
		ORDER BY ` + renumber(s.order, n) + fmt.Sprintf(" LIMIT $%d", len(args))
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search %ss: %w", q.Kind, err)
	}
	defer rows.Close()
	out := []search.Hit{}
	for rows.Next() {
		h := search.Hit{Kind: q.Kind}
		var body, lang string
		if err := rows.Scan(&h.ID, &h.Title, &body, &lang, &h.At); err != nil {
			return nil, err
		}
		h.Text = strings.TrimSpace(h.Title + " · " + body)
		if body == "" {
			h.Text = h.Title
		}
		h.Language = search.ParseLanguage(lang)
		out = append(out, h)
	}
	return out, rows.Err()
}

// MessagesToIndex returns messages after afterID that search may hold, as documents.
func (db *DB) MessagesToIndex(ctx context.Context, afterID int64, limit int) ([]search.Doc, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT m.id, m.conversation_id, c.inbox_id, m.body, m.created_at
		FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE m.id > $1 AND m.kind <> 'event' ORDER BY m.id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []search.Doc
	for rows.Next() {
		d := search.Doc{Kind: search.Message}
		if err := rows.Scan(&d.RefID, &d.ConversationID, &d.InboxID, &d.Body, &d.At); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// ClearSearch empties the index.
func (db *DB) ClearSearch(ctx context.Context) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if tx.Engine == SQLite {
			if _, err := tx.ExecContext(ctx, "DELETE FROM search_fts"); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM search_docs")
		return err
	})
}

// IndexRecords writes again the documents of every contact and CRM record, in batches.
func (db *DB) IndexRecords(ctx context.Context) error {
	for _, t := range []crm.RecordType{crm.PersonType, crm.OrganizationType, crm.LeadType, crm.DealType} {
		var after int64
		for {
			last, err := db.Reindex(ctx, t, after, 500)
			if err != nil {
				return err
			}
			if last == 0 {
				break
			}
			after = last
		}
	}
	var after int64
	for {
		var last int64
		err := db.InTx(ctx, func(tx *Tx) error {
			rows, err := tx.QueryContext(ctx, "SELECT "+contactColumns+" FROM contacts WHERE id > $1 ORDER BY id LIMIT 500", after)
			if err != nil {
				return err
			}
			var list []*contact.Contact
			for rows.Next() {
				c, err := scanContact(rows)
				if err != nil {
					rows.Close()
					return err
				}
				list = append(list, c)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, c := range list {
				if err := tx.writeContactDoc(ctx, c); err != nil {
					return err
				}
				last = c.ID
			}
			return nil
		})
		if err != nil {
			return err
		}
		if last == 0 {
			return nil
		}
		after = last
	}
}
