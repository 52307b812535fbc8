package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/parleyhq/parley/internal/search"
)

// Search on PostgreSQL: search_docs.doc, a tsvector of the text stemmed by the snowball
// configuration of the document's language (english, german, dutch, turkish, hungarian) and of
// its words folded in Go (search.Fold) under 'simple', for accents typed or not, prefixes and
// phrases. A GIN index finds the matches.

func pgIndexMessages(ctx context.Context, tx *Tx, docs []analysedDoc) error {
	ids := make([]int64, len(docs))
	convs := make([]int64, len(docs))
	inboxes := make([]int64, len(docs))
	langs := make([]string, len(docs))
	configs := make([]string, len(docs))
	texts := make([]string, len(docs))
	words := make([]string, len(docs))
	ats := make([]int64, len(docs))
	for i := range docs {
		d := &docs[i]
		ids[i], convs[i], inboxes[i], langs[i], configs[i], texts[i], ats[i] = d.RefID, d.ConversationID, d.InboxID, string(d.Language), d.Language.Config(), d.text, d.At
		words[i] = d.a.Words
	}
	// Each row is checked by its message's primary key (not a join the planner may turn into a
	// scan): a message gone with its conversation is skipped.
	_, err := tx.ExecContext(ctx, `INSERT INTO search_docs (kind, ref_id, conversation_id, inbox_id, language, title, body, at, doc)
		SELECT 'message', x.id, x.conversation_id, x.inbox_id, x.language, '', '', x.at,
			to_tsvector(x.config::regconfig, x.body) || to_tsvector('simple', x.words)
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[])
			AS x (id, conversation_id, inbox_id, language, config, body, words, at)
		WHERE EXISTS (SELECT 1 FROM messages m WHERE m.id = x.id)
		ON CONFLICT (kind, ref_id) DO NOTHING`, ids, convs, inboxes, langs, configs, texts, words, ats)
	if err != nil {
		return fmt.Errorf("index messages: %w", err)
	}
	return nil
}

func pgWriteDoc(ctx context.Context, tx *Tx, d *search.Doc) error {
	t := indexedText(d)
	_, err := tx.ExecContext(ctx, `INSERT INTO search_docs (kind, ref_id, conversation_id, inbox_id, language, title, body, at, doc)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, to_tsvector($9::regconfig, $10) || to_tsvector('simple', $11))`,
		string(d.Kind), d.RefID, nullable(d.ConversationID), nullable(d.InboxID), string(d.Language), d.Title, d.Body, d.At,
		d.Language.Config(), t, search.Analyse(d.Language, t).Words)
	if err != nil {
		return fmt.Errorf("index %s %d: %w", d.Kind, d.RefID, err)
	}
	return nil
}

// pgSearchSQL matches the terms: each term's folded words (a prefix, or a phrase), or a single
// word stemmed by every language's configuration; prefixes for records and contacts only. The newest candidates matches of the kind
// (through its partial GIN index) are ranked by ts_rank, then newest.
func pgSearchSQL(terms []search.Term, kind search.Kind) searchSQL {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	parts := make([]string, 0, len(terms))
	for _, t := range terms {
		q := "to_tsquery('simple', " + arg(t.TSQuery(kind != search.Message)) + ")"
		if !t.Phrase && len(t.Tokens) == 1 {
			raw := arg(t.Raw)
			alts := []string{q}
			for _, l := range search.Languages {
				alts = append(alts, "plainto_tsquery('"+l.Config()+"', "+raw+")")
			}
			q = "(" + strings.Join(alts, " || ") + ")"
		}
		parts = append(parts, q)
	}
	tsq := "(" + strings.Join(parts, " && ") + ")"
	// The kind's condition names its partial index's predicate, so the planner takes it.
	ofKind := "c0.kind = 'message'"
	if kind != search.Message {
		ofKind = "c0.kind <> 'message' AND c0.kind = " + arg(string(kind))
	}
	return searchSQL{
		from: fmt.Sprintf(`(SELECT c0.id, ts_rank(c0.doc, q.q) AS rank FROM search_docs c0 CROSS JOIN (SELECT %s) AS q (q)
			WHERE c0.doc @@ q.q AND %s ORDER BY c0.id DESC LIMIT %d) f JOIN search_docs d ON d.id = f.id`, tsq, ofKind, candidates),
		order: "f.rank DESC, d.id DESC",
		args:  args,
	}
}
