package channel

import (
	"errors"
	"testing"
)

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"plain":          "plain",
		"nul\x00byte":    "nulbyte",
		"bad \xff utf-8": "bad \uFFFD utf-8",
	} {
		got, repaired := Clean(in)
		if got != want || repaired != (in != want) {
			t.Errorf("Clean(%q) = %q, %v", in, got, repaired)
		}
	}
}

// A failure a channel did not classify (the database, the network on the way) is retried; a
// permanent one is not.
func TestFailureKinds(t *testing.T) {
	base := errors.New("boom")
	if !IsTemporary(base) || !IsTemporary(Temporary(base)) || IsTemporary(Permanent(base)) {
		t.Error("classification")
	}
	if !errors.Is(Permanent(base), base) {
		t.Error("a failure unwraps to its cause")
	}
}
