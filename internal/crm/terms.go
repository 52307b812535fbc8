package crm

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/richtext"
)

// Prefix search (?q=) matches the start of a record's words: the words of its name or title, its
// emails whole and their domains, its phone numbers as digits. Terms are lower-cased here, in Go,
// never in SQL; the store keeps them in one table and finds a prefix as a range of terms.

const (
	maxTermBytes = 100 // longer words are cut: nobody types that much of one word
	maxNoteTerms = 200
)

// Terms returns the search terms of a record (nil, false for what is not a record).
func Terms(rec any) (t RecordType, id int64, terms []string, ok bool) {
	var set termSet
	switch r := rec.(type) {
	case *Person:
		set.words(r.Name)
		for _, e := range r.Emails {
			set.add(e.Value)
			if _, domain, ok := strings.Cut(e.Value, "@"); ok {
				set.add(domain)
			}
		}
		for _, p := range r.Phones {
			set.add(digits(p.Value))
		}
		return PersonType, r.ID, set.list, true
	case *Organization:
		set.words(r.Name)
		return OrganizationType, r.ID, set.list, true
	case *Lead:
		set.words(r.Title)
		return LeadType, r.ID, set.list, true
	case *Deal:
		set.words(r.Title)
		return DealType, r.ID, set.list, true
	case *Activity:
		set.words(r.Subject)
		return ActivityType, r.ID, set.list, true
	}
	return "", 0, nil, false
}

// NoteTerms returns the search terms of a note: the words of what a person wrote in it, never of
// a conversation's excerpt (which not everyone may read).
func NoteTerms(n *Note) []string {
	var set termSet
	set.words(richtext.PlainText(n.Body))
	if len(set.list) > maxNoteTerms {
		set.list = set.list[:maxNoteTerms]
	}
	return set.list
}

// QueryTerms splits a search into the prefixes every match must have, each as a term would be
// stored: lower-cased, a phone number as its digits.
func QueryTerms(q string) []string {
	var out []string
	for _, w := range strings.Fields(q) {
		w = strings.ToLower(w)
		if phoneLike(w) {
			w = digits(w)
		}
		w = cut(w)
		if w != "" && !contains(out, w) {
			out = append(out, w)
		}
		if len(out) == 5 {
			break
		}
	}
	return out
}

// PrefixEnd is the smallest string greater than every string starting with prefix, compared byte
// by byte: the end of a prefix's range of terms.
func PrefixEnd(prefix string) string { return prefix + string(utf8.MaxRune) }

type termSet struct{ list []string }

func (s *termSet) add(t string) {
	t = cut(strings.ToLower(strings.TrimSpace(t)))
	if t != "" && !contains(s.list, t) {
		s.list = append(s.list, t)
	}
}

// words adds each word, and the parts of words joined by punctuation ("jean-luc": jean, luc).
func (s *termSet) words(text string) {
	for _, w := range strings.Fields(text) {
		s.add(w)
		parts := strings.FieldsFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if len(parts) > 1 {
			for _, p := range parts {
				s.add(p)
			}
		}
	}
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func phoneLike(w string) bool {
	n := 0
	for _, r := range w {
		switch {
		case r >= '0' && r <= '9':
			n++
		case strings.ContainsRune("+()-./", r):
		default:
			return false
		}
	}
	return n > 0
}

func cut(s string) string {
	if len(s) <= maxTermBytes {
		return s
	}
	s = s[:maxTermBytes]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// IndexJob is the kind of the job that writes every record's search terms again (enqueued by the
// migration that made search terms, for the records carried over).
const IndexJob = "crm.index"

// IndexJob writes every record's search terms again. Running it twice does no harm.
func (s *Service) IndexJob(ctx context.Context, _ *jobs.Job) error {
	for _, t := range []RecordType{PersonType, OrganizationType, LeadType, DealType, ActivityType, NoteType} {
		var after int64
		for {
			last, err := s.repo.Reindex(ctx, t, after, 500)
			if err != nil {
				return err
			}
			if last == 0 {
				break
			}
			after = last
		}
	}
	return nil
}
