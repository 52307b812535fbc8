package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/parleyhq/parley/internal/search"
)

// Search on SQLite: an FTS5 table, search_fts(words, stems), whose rowid is the search_docs
// row's id. Words are analysed in Go (search.Analyse): the folded words in order, for phrases and
// prefixes, and their Snowball stems in the document's language. It is contentless: the text
// stays in its own table, and a trigger removes a document's words when its row goes.

func liteIndexMessages(ctx context.Context, tx *Tx, docs []search.Doc) error {
	for i := range docs {
		d := &docs[i]
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO search_docs (kind, ref_id, conversation_id, inbox_id, language, title, body, at)
			SELECT 'message', m.id, m.conversation_id, $2, $3, '', '', $4 FROM messages m WHERE m.id = $1
			ON CONFLICT (kind, ref_id) DO NOTHING RETURNING id`, d.RefID, d.InboxID, string(d.Language), d.At).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			continue // indexed already, or gone
		}
		if err != nil {
			return fmt.Errorf("index message %d: %w", d.RefID, err)
		}
		if err := liteWords(ctx, tx, id, d); err != nil {
			return err
		}
	}
	return nil
}

func liteWords(ctx context.Context, tx *Tx, id int64, d *search.Doc) error {
	a := search.Analyse(d.Language, indexedText(d))
	if _, err := tx.ExecContext(ctx, "INSERT INTO search_fts (rowid, words, stems) VALUES ($1, $2, $3)", id, a.Words, a.Stems); err != nil {
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

// liteSearchSQL matches the terms with FTS5 (search.FTS5), best first by bm25 (a word's own form
// weighs more than a stem), then newest.
func liteSearchSQL(terms []search.Term) searchSQL {
	return searchSQL{
		from:  "search_fts f JOIN search_docs d ON d.id = f.rowid",
		where: "search_fts MATCH $1",
		order: "bm25(search_fts, 2.0, 1.0), d.id DESC",
		args:  []any{search.FTS5(terms)},
	}
}
