package search

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/dutch"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/german"
	"github.com/blevesearch/snowballstem/hungarian"
	"github.com/blevesearch/snowballstem/turkish"
	"golang.org/x/text/unicode/norm"
)

// Text analysis, the same for both engines: words are lower-cased and their diacritics folded in
// Go ("Größe" → "grosse", "İstanbul" → "istanbul"), so a search typed without accents finds text
// written with them and the other way round. Stems come from Snowball, by the language of the
// inbox a message arrived in (SQLite: these stemmers; PostgreSQL: its own snowball
// configurations, which are the same algorithms).

// Language is a language whose words are stemmed.
type Language string

const (
	English   Language = "en"
	German    Language = "de"
	Dutch     Language = "nl"
	Turkish   Language = "tr"
	Hungarian Language = "hu"
)

// Languages lists the stemmed languages; a search stems its words in each of them, since the
// text it looks for may be in any.
var Languages = []Language{English, German, Dutch, Turkish, Hungarian}

// ParseLanguage returns the language of a code such as "de" or "de-AT", English for one Parley
// does not stem.
func ParseLanguage(code string) Language {
	code, _, _ = strings.Cut(strings.ToLower(strings.TrimSpace(code)), "-")
	for _, l := range Languages {
		if string(l) == code {
			return l
		}
	}
	return English
}

// Known reports whether code names a stemmed language exactly.
func Known(code string) bool {
	for _, l := range Languages {
		if string(l) == code {
			return true
		}
	}
	return false
}

// Config is the PostgreSQL text search configuration of the language.
func (l Language) Config() string {
	switch l {
	case German:
		return "german"
	case Dutch:
		return "dutch"
	case Turkish:
		return "turkish"
	case Hungarian:
		return "hungarian"
	}
	return "english"
}

var stemmers = map[Language]func(*snowballstem.Env) bool{
	English: english.Stem, German: german.Stem, Dutch: dutch.Stem, Turkish: turkish.Stem, Hungarian: hungarian.Stem,
}

// maxWordBytes cuts very long words (a URL's path, a base64 blob): nobody searches for them whole.
const maxWordBytes = 64

// Stem returns the stem of a lower-case word (not folded: stemmers know their language's letters,
// as Hungarian's "-ból"), folded. Words repeat (a few are in most messages), so stems are
// memoised: a cache of a pure function, invisible but for the time it saves.
func Stem(l Language, word string) string {
	key := stemKey{l, word}
	stems.mu.Lock()
	s, ok := stems.m[key]
	stems.mu.Unlock()
	if ok {
		return s
	}
	st, ok := stemmers[l]
	if !ok {
		st = english.Stem
	}
	env := snowballstem.NewEnv(word)
	st(env)
	s = Fold(env.Current())
	stems.mu.Lock()
	if len(stems.m) >= maxStems {
		clear(stems.m) // simpler than an LRU, and the common words come back at once
	}
	stems.m[key] = s
	stems.mu.Unlock()
	return s
}

type stemKey struct {
	l    Language
	word string
}

const maxStems = 50_000

var stems = struct {
	mu sync.Mutex
	m  map[stemKey]string
}{m: map[stemKey]string{}}

// Fold lower-cases s and takes the diacritics off its letters: NFD, without combining marks, and
// the few letters that do not decompose (ß, ı, ø, æ, œ, ł, đ, þ).
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		switch r {
		case 'ß', 'ẞ':
			b.WriteString("ss")
		case 'ı':
			b.WriteByte('i')
		case 'ø', 'Ø':
			b.WriteByte('o')
		case 'æ', 'Æ':
			b.WriteString("ae")
		case 'œ', 'Œ':
			b.WriteString("oe")
		case 'ł', 'Ł':
			b.WriteByte('l')
		case 'đ', 'Đ':
			b.WriteByte('d')
		case 'þ', 'Þ':
			b.WriteString("th")
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// Words splits text into its lower-case words (letters and digits), not folded, each cut to
// maxWordBytes. "anna@example.com" is three words, "Jean-Luc" two.
func Words(text string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) }) {
		out = append(out, cut(lower(w)))
	}
	return out
}

// lower lower-cases a word; the Turkish dotted capital İ becomes i (and not i with a dot).
func lower(w string) string {
	return strings.ToLower(strings.ReplaceAll(w, "İ", "i"))
}

func cut(s string) string {
	if len(s) <= maxWordBytes {
		return s
	}
	s = s[:maxWordBytes]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// Analysed is a text as the index holds it: its folded words in order (for phrases and prefixes)
// and their stems in the text's language.
type Analysed struct {
	Words string // folded words, space-separated, in order
	Stems string // distinct stems that differ from their folded word, space-separated
}

// Analyse splits text into what the index holds for language l.
func Analyse(l Language, text string) Analysed {
	words := Words(text)
	folded := make([]string, len(words))
	var stems []string
	seen := map[string]bool{}
	for i, w := range words {
		folded[i] = Fold(w)
		if seen[w] {
			continue
		}
		seen[w] = true
		if s := Stem(l, w); s != "" && s != folded[i] {
			stems = append(stems, s)
		}
	}
	return Analysed{Words: strings.Join(folded, " "), Stems: strings.Join(stems, " ")}
}
