package search

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Snippets are made here, in Go, the same on both engines: the part of a text around its first
// match, with every word that matches marked, as HTML (<mark>…</mark>, the rest escaped).

const snippetRunes = 160

// matches reports whether a word of a text in language l matches one of the terms: its folded
// form starts with (or, for a phrase or a short word, equals) a term's token, or its stem is one
// of the term's stems.
func matches(terms []Term, l Language, word string) bool {
	folded := Fold(word)
	var stem string
	for _, t := range terms {
		for i, tok := range t.Tokens {
			prefix := t.Prefix && !t.Phrase && i == len(t.Tokens)-1
			if folded == tok || (prefix && strings.HasPrefix(folded, tok)) {
				return true
			}
		}
		if len(t.Stems) > 0 {
			if stem == "" {
				stem = Stem(l, lower(word))
			}
			for _, s := range t.Stems {
				if s == stem {
					return true
				}
			}
			if Stem(l, t.Raw) == stem {
				return true
			}
		}
	}
	return false
}

type span struct{ start, end int } // byte offsets of a word in the text

func wordSpans(text string) []span {
	var out []span
	start := -1
	for i, r := range text {
		in := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		switch {
		case in && start < 0:
			start = i
		case !in && start >= 0:
			out = append(out, span{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, span{start, len(text)})
	}
	return out
}

// Snippet returns the part of text around its first match, as HTML with the matches marked.
func Snippet(terms []Term, l Language, text string) string {
	text = strings.Join(strings.Fields(text), " ")
	spans := wordSpans(text)
	var marked []span
	for _, s := range spans {
		if matches(terms, l, text[s.start:s.end]) {
			marked = append(marked, s)
		}
	}
	// The window: from a little before the first match, about snippetRunes long.
	from := 0
	if len(marked) > 0 {
		from = back(text, marked[0].start, 40)
	}
	to := forward(text, from, snippetRunes)
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	at := from
	for _, m := range marked {
		if m.start < from || m.end > to {
			continue
		}
		b.WriteString(html.EscapeString(text[at:m.start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[m.start:m.end]))
		b.WriteString("</mark>")
		at = m.end
	}
	b.WriteString(html.EscapeString(text[at:to]))
	if to < len(text) {
		b.WriteString("…")
	}
	return b.String()
}

// back returns the byte offset n runes before i, moved to the start of a word.
func back(text string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(text[:i])
		i -= size
	}
	if i == 0 {
		return 0
	}
	if sp := strings.IndexByte(text[i:], ' '); sp >= 0 && sp < 20 {
		return i + sp + 1
	}
	return i
}

// forward returns the byte offset n runes after i, moved back to the end of a word.
func forward(text string, i, n int) int {
	j := i
	for ; n > 0 && j < len(text); n-- {
		_, size := utf8.DecodeRuneInString(text[j:])
		j += size
	}
	if j >= len(text) {
		return len(text)
	}
	if sp := strings.LastIndexByte(text[i:j], ' '); sp > 0 && j-(i+sp) < 20 {
		return i + sp
	}
	return j
}
