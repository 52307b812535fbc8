// Package testenv tells tests which real components are available. A test that needs a missing
// component skips with a message saying what to install — except in CI (CI set), where every
// component is provided and a missing one is a failure, so nothing is silently left untested.
package testenv

import (
	"os"
	"testing"
)

// Missing skips t (or fails it in CI) because a component is not available.
func Missing(t testing.TB, what, hint string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not available, but CI must provide it: %s", what, hint)
	}
	t.Skipf("%s is not available: %s", what, hint)
}

// PostgresURL returns PARLEY_TEST_POSTGRES or skips/fails t.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("PARLEY_TEST_POSTGRES")
	if u == "" {
		Missing(t, "PostgreSQL", "start PostgreSQL and set PARLEY_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	}
	return u
}

// NATSURL returns PARLEY_TEST_NATS or skips/fails t.
func NATSURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("PARLEY_TEST_NATS")
	if u == "" {
		Missing(t, "NATS", "start nats-server and set PARLEY_TEST_NATS=nats://127.0.0.1:4222")
	}
	return u
}
