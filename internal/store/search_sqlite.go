package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/parleyhq/parley/internal/search"
)

// Search on SQLite: an FTS5 table, search_fts(words, stems), whose rowid is the search_docs
// row's id. Words are analysed in Go (search.Analyse): the folded words in order, for phrases and
// prefixes, and their Snowball stems in the document's language. It is contentless: the text
// stays in its own table, and a trigger removes a document's words when its row goes.

// liteIndexMessages writes a batch in two statements, its rows then their words: FTS5 flushes
// what it holds in memory to a new segment at every statement savepoint, so a statement per
// message would leave a segment per message to merge.
func liteIndexMessages(ctx context.Context, tx *Tx, docs []analysedDoc) error {
	type row struct {
		ID       int64  `json:"id"`
		Conv     int64  `json:"conv"`
		Inbox    int64  `json:"inbox"`
		Language string `json:"lang"`
		At       int64  `json:"at"`
	}
	rows := make([]row, len(docs))
	byID := make(map[int64]*analysedDoc, len(docs))
	for i := range docs {
		d := &docs[i]
		rows[i] = row{d.RefID, d.ConversationID, d.InboxID, string(d.Language), d.At}
		byID[d.RefID] = d
	}
	in, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	// Messages gone with their conversation are skipped; those indexed already too.
	res, err := tx.QueryContext(ctx, `INSERT INTO search_docs (kind, ref_id, conversation_id, inbox_id, language, title, body, at)
		SELECT 'message', m.id, m.conversation_id, j.value ->> 'inbox', j.value ->> 'lang', '', '', j.value ->> 'at'
		FROM json_each($1) j JOIN messages m ON m.id = j.value ->> 'id'
		WHERE true ON CONFLICT (kind, ref_id) DO NOTHING RETURNING id, ref_id`, string(in))
	if err != nil {
		return fmt.Errorf("index messages: %w", err)
	}
	type words struct {
		ID    int64  `json:"id"`
		Words string `json:"w"`
		Stems string `json:"s"`
	}
	var fts []words
	for res.Next() {
		var id, ref int64
		if err := res.Scan(&id, &ref); err != nil {
			res.Close()
			return err
		}
		d := byID[ref]
		fts = append(fts, words{id, d.a.Words, d.a.Stems})
	}
	res.Close()
	if err := res.Err(); err != nil {
		return err
	}
	if len(fts) == 0 {
		return nil
	}
	if in, err = json.Marshal(fts); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_fts (rowid, words, stems, kind)
		SELECT j.value ->> 'id', j.value ->> 'w', j.value ->> 's', 'message' FROM json_each($1) j`, string(in)); err != nil {
		return fmt.Errorf("index messages: %w", err)
	}
	return nil
}

func liteWords(ctx context.Context, tx *Tx, id int64, d *search.Doc) error {
	a := search.Analyse(d.Language, indexedText(d))
	if _, err := tx.ExecContext(ctx, "INSERT INTO search_fts (rowid, words, stems, kind) VALUES ($1, $2, $3, $4)", id, a.Words, a.Stems, string(d.Kind)); err != nil {
		return fmt.Errorf("index %s %d: %w", d.Kind, d.RefID, err)
	}
	return nil
}

func liteWriteDoc(ctx context.Context, tx *Tx, d *search.Doc) error {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO search_docs (kind, ref_id, conversation_id, inbox_id, language, title, body, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, string(d.Kind), d.RefID, nullable(d.ConversationID), nullable(d.InboxID),
		string(d.Language), d.Title, d.Body, d.At).Scan(&id)
	if err != nil {
		return fmt.Errorf("index %s %d: %w", d.Kind, d.RefID, err)
	}
	return liteWords(ctx, tx, id, d)
}

// liteSearchSQL matches the terms with FTS5 (search.FTS5): the newest candidates matches of the
// kind, ranked by bm25 (the table's rank: a word's own form weighs more than a stem), then newest.
func liteSearchSQL(terms []search.Term, kind search.Kind) searchSQL {
	match := search.FTS5(terms, kind != search.Message)
	if kind != search.Message {
		match = "(" + match + ") AND kind : " + string(kind)
	}
	return searchSQL{
		from: fmt.Sprintf(`(SELECT rowid AS id, rank FROM search_fts WHERE search_fts MATCH $1 ORDER BY rowid DESC LIMIT %d) f
			JOIN search_docs d ON d.id = f.id`, candidates),
		order: "f.rank, d.id DESC",
		args:  []any{match},
	}
}
