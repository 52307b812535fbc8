package reply

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// seedCorpus adds the corpus cases of the given kinds to a fuzz target's seeds.
func seedCorpus(f *testing.F, kinds ...string) {
	for _, c := range loadCorpus(f) {
		for _, k := range kinds {
			if c.Kind == k {
				f.Add(string(readCase(f, c)))
			}
		}
	}
}

func checkResult(t *testing.T, in string, r Result, slack int) {
	if utf8.ValidString(in) && !utf8.ValidString(r.Visible) {
		t.Fatalf("Visible is not valid UTF-8: %q", r.Visible)
	}
	if len(r.Visible) > len(in)+slack {
		t.Fatalf("Visible is longer (%d bytes) than the input (%d)", len(r.Visible), len(in))
	}
	if r.Visible != strings.TrimSpace(r.Visible) {
		t.Fatalf("Visible is not trimmed: %q", r.Visible)
	}
}

func FuzzSplit(f *testing.F) {
	seedCorpus(f, "text")
	f.Fuzz(func(t *testing.T, in string) {
		checkResult(t, in, Split(in), 0)
	})
}

func FuzzSplitHTML(f *testing.F) {
	seedCorpus(f, "html", "text")
	f.Fuzz(func(t *testing.T, in string) {
		// Two HTML entities, &nGt; and &nLt;, stand for characters one byte longer than their
		// names: the only way the text of an HTML body outgrows its source.
		checkResult(t, in, SplitHTML(in), strings.Count(in, "&nGt;")+strings.Count(in, "&nLt;"))
	})
}
