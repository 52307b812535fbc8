package errs

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// A deadline that ran out (a request that waited too long, for instance for the database's writer)
// reaches the client as "unavailable", worth retrying, not as an internal error; other unknown
// errors stay internal and hide their text.
func TestPublicKinds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	<-ctx.Done()
	timedOut := fmt.Errorf("commit: %w", ctx.Err())
	cases := []struct {
		err        error
		kind       Kind
		code, text string
	}{
		{timedOut, Unavailable, "unavailable", "the server is busy; try again in a moment"},
		{errors.New("disk I/O error at /var/lib/x"), Internal, "internal", "internal error"},
		{context.Canceled, Internal, "internal", "internal error"},
		{Coded(Conflict, "stale", "changed meanwhile"), Conflict, "stale", "changed meanwhile"},
		{Wrap(Internal, context.DeadlineExceeded, "secret detail"), Internal, "internal", "internal error"},
	}
	for _, c := range cases {
		if k := KindOf(c.err); k != c.kind {
			t.Errorf("KindOf(%v) = %s, want %s", c.err, k, c.kind)
		}
		if code, text := Public(c.err); code != c.code || text != c.text {
			t.Errorf("Public(%v) = %q %q, want %q %q", c.err, code, text, c.code, c.text)
		}
	}
}
