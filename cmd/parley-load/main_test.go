package main

import (
	"context"
	"strings"
	"testing"
)

func TestFlagErrors(t *testing.T) {
	noEnv := func(string) string { return "" }
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "--owner-email and --owner-password are required"},
		{[]string{"--owner-email", "o@x", "--owner-password", "p", "--rate", "0"}, "must be positive"},
		{[]string{"--owner-email", "o@x", "--owner-password", "p", "extra"}, "unexpected argument"},
		{[]string{"--no-such-flag"}, "flag provided but not defined"},
	} {
		var out, errOut strings.Builder
		err := run(context.Background(), tc.args, noEnv, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q) = %v, want an error with %q", tc.args, err, tc.want)
		}
	}
}

// The owner's password may come from the environment instead of the command line; a server that
// is not there makes the run fail after the options are accepted.
func TestPasswordFromEnvironment(t *testing.T) {
	var out, errOut strings.Builder
	getenv := func(k string) string {
		if k == "PARLEY_LOAD_OWNER_PASSWORD" {
			return "secret"
		}
		return ""
	}
	err := run(context.Background(), []string{"--url", "http://127.0.0.1:1", "--owner-email", "o@x"}, getenv, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "sign in as o@x") {
		t.Fatalf("got %v", err)
	}
}
