package mailtest

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testenv"
)

// Swaks runs swaks, the SMTP test client, with args and returns its transcript and whether it
// exited successfully (swaks fails when the server refuses the message). The transcript is logged
// when the test fails.
func Swaks(t testing.TB, args ...string) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath("swaks"); err != nil {
		testenv.Missing(t, "swaks", "apt-get install -y swaks")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "swaks", append([]string{"--timeout", "30"}, args...)...).CombinedOutput()
	t.Cleanup(func() {
		if t.Failed() {
			tail := out
			if len(tail) > 4000 {
				tail = append([]byte("…\n"), tail[len(tail)-4000:]...)
			}
			t.Logf("swaks %s:\n%s", strings.Join(args, " "), tail)
		}
	})
	return string(out), err == nil
}
