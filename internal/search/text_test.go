package search

import (
	"strings"
	"testing"
)

func TestFoldAndWords(t *testing.T) {
	for in, want := range map[string]string{
		"Größe": "grosse", "İstanbul": "istanbul", "ılık": "ilik", "Ærø": "aero", "Łódź": "lodz", "házakban": "hazakban", "plain": "plain",
	} {
		if got := Fold(lower(in)); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
	if got := strings.Join(Words("Anna-Lena, anna@example.com: 4471-2291!"), " "); got != "anna lena anna example com 4471 2291" {
		t.Errorf("Words: %q", got)
	}
}

func TestStemsByLanguage(t *testing.T) {
	for _, c := range []struct {
		l     Language
		a, b  string
		equal bool
	}{
		{German, "rechnungsadresse", "rechnungsadressen", true},
		{Dutch, "fiets", "fietsen", true},
		{Hungarian, "ház", "házakban", true},
		{Turkish, "sipariş", "siparişler", true},
		{English, "invoice", "invoices", true},
		{English, "order", "invoice", false},
	} {
		// What search relies on: the typed word, or its stem, is the stem of the word in the text.
		if got := Stem(c.l, c.a) == Stem(c.l, c.b) || Fold(c.a) == Stem(c.l, c.b); got != c.equal {
			t.Errorf("%s: stem(%q)=%q stem(%q)=%q", c.l, c.a, Stem(c.l, c.a), c.b, Stem(c.l, c.b))
		}
	}
	a := Analyse(German, "Meine Rechnungsadressen")
	if a.Words != "meine rechnungsadressen" || !strings.Contains(a.Stems, "rechnungsadress") {
		t.Errorf("Analyse: %+v", a)
	}
}

func TestParseAndFTS5(t *testing.T) {
	terms := Parse(`Rechnung "meine Adresse" anna@exa x`)
	if len(terms) != 4 || !terms[1].Phrase || strings.Join(terms[2].Tokens, " ") != "anna exa" || terms[3].Prefix {
		t.Fatalf("Parse: %+v", terms)
	}
	q := FTS5(terms, true)
	for _, want := range []string{`{words stems} : "rechnung"*`, `words : "meine adresse"`, `words : "anna exa"*`, `{words stems} : "x"`} {
		if !strings.Contains(q, want) {
			t.Errorf("FTS5 %q lacks %q", q, want)
		}
	}
	if strings.Contains(FTS5(terms[:1], false), "*") {
		t.Error("no prefixes in messages")
	}
	if got := Parse(`"`); len(got) != 0 {
		t.Errorf("a lone quote: %+v", got)
	}
	if got := (Term{Tokens: []string{"it's"}, Prefix: true}).TSQuery(true); got != `'it''s':*` {
		t.Errorf("TSQuery quoting: %s", got)
	}
}

func TestSnippetMarksAndEscapes(t *testing.T) {
	terms := Parse("Rechnungsadresse")
	got := Snippet(terms, German, "<b>Hallo</b>, meine Rechnungsadressen & mehr")
	if got != "&lt;b&gt;Hallo&lt;/b&gt;, meine <mark>Rechnungsadressen</mark> &amp; mehr" {
		t.Errorf("snippet: %q", got)
	}
	long := strings.Repeat("wort ", 100) + "Rechnungsadresse " + strings.Repeat("mehr ", 100)
	s := Snippet(terms, German, long)
	if !strings.HasPrefix(s, "…") || !strings.HasSuffix(s, "…") || !strings.Contains(s, "<mark>Rechnungsadresse</mark>") || len([]rune(s)) > 220 {
		t.Errorf("long snippet: %q", s)
	}
}
