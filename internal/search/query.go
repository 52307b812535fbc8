package search

import (
	"strings"
	"unicode/utf8"
)

// Term is one part of a search that every result must match: a word, or a phrase.
type Term struct {
	// Tokens are the folded words of the term, in order (one for a plain word).
	Tokens []string
	// Raw is the lower-case word as typed (PostgreSQL stems it by each configuration).
	Raw string
	// Stems are the folded stems of a single word in every stemmed language that differ from
	// the word itself.
	Stems []string
	// Phrase: the term was quoted and matches exactly those words in that order, no prefix, no
	// stems.
	Phrase bool
	// Prefix: the last token may match the start of a word (names and emails as they are typed;
	// records and contacts only: in messages a word matches itself and its stems).
	Prefix bool
}

// maxTerms bounds a search's work: nobody types more than that many words to find something.
const maxTerms = 8

// Parse splits a search into its terms: "quoted phrases" and words. A word with punctuation
// ("anna@exa", "jean-luc") is the phrase of its parts, its last part a prefix.
func Parse(q string) []Term {
	var out []Term
	for len(out) < maxTerms {
		q = strings.TrimLeft(q, " \t\r\n")
		if q == "" {
			break
		}
		if q[0] == '"' {
			rest := q[1:]
			phrase, after, _ := strings.Cut(rest, `"`)
			q = after
			if t, ok := phraseTerm(phrase); ok {
				out = append(out, t)
			}
			continue
		}
		end := strings.IndexAny(q, " \t\r\n\"")
		word := q
		if end >= 0 {
			word, q = q[:end], q[end:]
		} else {
			q = ""
		}
		if t, ok := wordTerm(word); ok {
			out = append(out, t)
		}
	}
	return out
}

func phraseTerm(text string) (Term, bool) {
	words := Words(text)
	if len(words) == 0 {
		return Term{}, false
	}
	t := Term{Phrase: true, Raw: strings.Join(words, " ")}
	for _, w := range words {
		t.Tokens = append(t.Tokens, Fold(w))
	}
	return t, true
}

func wordTerm(word string) (Term, bool) {
	words := Words(word)
	if len(words) == 0 {
		return Term{}, false
	}
	t := Term{Raw: strings.Join(words, " ")}
	for _, w := range words {
		t.Tokens = append(t.Tokens, Fold(w))
	}
	last := t.Tokens[len(t.Tokens)-1]
	t.Prefix = utf8.RuneCountInString(last) >= 2
	if len(words) == 1 {
		seen := map[string]bool{t.Tokens[0]: true}
		for _, l := range Languages {
			if s := Stem(l, words[0]); s != "" && !seen[s] {
				seen[s] = true
				t.Stems = append(t.Stems, s)
			}
		}
	}
	return t, true
}

// FTS5 is the terms as an SQLite FTS5 query on search_fts(words, stems, kind): a word matches its
// folded form (as a prefix when prefix is set) or any of its stems, in words or stems; a phrase
// matches words in order.
func FTS5(terms []Term, prefix bool) string {
	parts := make([]string, 0, len(terms))
	for _, t := range terms {
		phrase := `"` + strings.Join(t.Tokens, " ") + `"`
		if prefix && t.Prefix && !t.Phrase {
			phrase += "*"
		}
		if t.Phrase || len(t.Tokens) > 1 {
			parts = append(parts, "words : "+phrase) // in order: only words keeps it
			continue
		}
		// One word: itself in either column (a stem in the text may be the word typed), or its stems.
		alts := []string{"{words stems} : " + phrase}
		for _, s := range t.Stems {
			alts = append(alts, `"`+s+`"`)
		}
		parts = append(parts, "("+strings.Join(alts, " OR ")+")")
	}
	return strings.Join(parts, " AND ")
}

// TSQuery is the folded form of a term as a PostgreSQL tsquery in the simple configuration:
// its tokens in order, the last a prefix when prefix is set.
func (t Term) TSQuery(prefix bool) string {
	parts := make([]string, len(t.Tokens))
	for i, tok := range t.Tokens {
		parts[i] = "'" + strings.ReplaceAll(strings.ReplaceAll(tok, `\`, `\\`), "'", "''") + "'"
	}
	if prefix && t.Prefix && !t.Phrase {
		parts[len(parts)-1] += ":*"
	}
	return strings.Join(parts, " <-> ")
}
