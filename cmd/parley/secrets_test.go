package main

import (
	"crypto/sha256"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/secret"
	"github.com/parleyhq/parley/internal/storetest"
)

// testSecretKey is the --secret-key of the tests' servers on PostgreSQL.
var testSecretKey = testKey("parley cmd tests")

func testKey(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return secret.EncodeKey(sum[:])
}

// banner reads the stdout lines a server printed after its URL, up to its stop.
func banner(s *server) []string {
	var out []string
	for l := range s.out {
		out = append(out, strings.TrimSpace(l))
	}
	return out
}

// On SQLite without --secret-key, the first start makes DATA/secret.key (0600), says so on stdout
// and in the log; later starts read it. A start whose key file went missing makes no new key the
// database would not open: it refuses and leaves no file behind.
func TestSecretKeyFileOnSQLite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.key")
	s := startServer(t, nil, "--data", dir)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no key file after the first start: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	first, _ := os.ReadFile(path)
	s.stop()
	if lines := banner(s); !strings.Contains(strings.Join(lines, "\n"), "Secret key:   "+path) {
		t.Errorf("the first start's banner does not name the new key file: %q", lines)
	}
	if !strings.Contains(s.errs.String(), "back it up") {
		t.Errorf("no warning to back the key up in the log:\n%s", s.errs)
	}

	s = startServer(t, nil, "--data", dir)
	s.stop()
	if lines := banner(s); strings.Contains(strings.Join(lines, "\n"), "Secret key") {
		t.Errorf("a later start speaks of a new key: %q", lines)
	}
	if again, _ := os.ReadFile(path); string(again) != string(first) {
		t.Error("the key file changed on the second start")
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := parley(t, "", nil, "serve", "--addr", "127.0.0.1:0", "--data", dir)
	if code != 1 || !strings.Contains(errOut, "secret.key was missing") || !strings.Contains(errOut, "put this installation's secret.key back") {
		t.Fatalf("start without the key file: exit %d, %q", code, errOut)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the refused start left a key file behind: %v", err)
	}
	if err := os.WriteFile(path, first, 0o600); err != nil {
		t.Fatal(err)
	}
	startServer(t, nil, "--data", dir).stop()

	// Rotation as docs/operations.md shows it: the new key in the environment, the file's key as
	// the old one; then the new key goes into the file.
	rotated := testKey("rotated " + t.Name())
	code, out, errOut := parley(t, "", []string{"PARLEY_SECRET_KEY=" + rotated, "PARLEY_SECRET_KEYS_OLD=" + strings.TrimSpace(string(first))},
		"secrets", "rotate", "--data", dir)
	if code != 0 || !strings.Contains(out, "sealed 2 stored secrets again") {
		t.Fatalf("rotate: exit %d, %s %s", code, out, errOut)
	}
	code, _, errOut = parley(t, "", nil, "serve", "--addr", "127.0.0.1:0", "--data", dir)
	if code != 1 || !strings.Contains(errOut, "the key in "+path+" is not the key this database's secrets were sealed with") {
		t.Fatalf("start with the old key file after rotating: exit %d, %q", code, errOut)
	}
	if err := os.WriteFile(path, []byte(rotated+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	startServer(t, nil, "--data", dir).stop()
}

// PostgreSQL is shared by nodes that must seal with one key: without --secret-key none starts.
func TestPostgresNeedsSecretKey(t *testing.T) {
	db := storetest.PostgresDatabase(t)
	code, _, errOut := parley(t, "", nil, "serve", "--addr", "127.0.0.1:0", "--database", db)
	if code != 1 || !strings.Contains(errOut, "PostgreSQL needs --secret-key (or PARLEY_SECRET_KEY)") {
		t.Fatalf("exit %d, %q", code, errOut)
	}
	code, _, errOut = parley(t, "", nil, "serve", "--addr", "127.0.0.1:0", "--database", db, "--secret-key", "not-a-key")
	if code != 1 || !strings.Contains(errOut, "--secret-key: a secret key is 32 random bytes") || strings.Contains(errOut, "not-a-key") {
		t.Fatalf("a malformed key: exit %d, %q", code, errOut)
	}
	// The environment works as well as the flag.
	s := startServer(t, []string{"PARLEY_SECRET_KEY=" + testSecretKey}, "--database", db)
	s.stop()
}

func TestSecretsAtRestSQLite(t *testing.T) {
	dir := t.TempDir()
	secretsAtRest(t, []string{"--data", dir}, func() (*sql.DB, error) {
		return sql.Open("sqlite", "file:"+filepath.Join(dir, "parley.db")+"?mode=ro")
	})
}

func TestSecretsAtRestPostgres(t *testing.T) {
	db := storetest.PostgresDatabase(t)
	secretsAtRest(t, []string{"--database", db}, func() (*sql.DB, error) { return sql.Open("pgx", db) })
}

// A website's identify secret is sealed in the database and identify's HMAC works with it; a
// node with another key does not start; `parley secrets rotate` moves the secrets to a new key,
// after which the new key alone serves identify and the old one is refused.
func secretsAtRest(t *testing.T, storage []string, openDB func() (*sql.DB, error)) {
	oldKey, newKey := testKey("old "+t.Name()), testKey("new "+t.Name())
	code, _, errOut := parley(t, clusterPassword+"\n", nil, append([]string{"user", "create", "--email", "owner@example.com", "--name", "Owner", "--role", "owner"}, storage...)...)
	if code != 0 {
		t.Fatalf("user create: %s", errOut)
	}
	serve := func(keys ...string) *server {
		args := append([]string{}, storage...)
		if len(keys) > 0 {
			args = append(args, "--secret-key", keys[0])
		}
		if len(keys) > 1 {
			args = append(args, "--secret-keys-old", keys[1])
		}
		return startServer(t, nil, args...)
	}
	signIn := func(s *server) *api {
		a := &api{t: t, base: s.url, c: browser(t)}
		a.must(200, "POST", "/api/v1/session", map[string]string{"email": "owner@example.com", "password": clusterPassword})
		return a
	}
	// identify starts a visitor and identifies them as user-42 with the signature sign makes.
	identify := func(s *server, key, signature string) int {
		v := newClusterVisitor(t, s, key)
		code, body := v.on(s).call("POST", "/widget/v1/"+key+"/identify", map[string]string{"user_id": "user-42", "signature": signature})
		if code != 200 && code/100 != 4 {
			t.Fatalf("identify: %d %v", code, body)
		}
		return code
	}

	s := serve(oldKey)
	owner := signIn(s)
	id, key := clusterWebsite(owner)
	identifySecret := owner.must(200, "GET", fmt.Sprintf("/api/v1/websites/%d/secret", id), nil)["secret"].(string)
	if code := identify(s, key, contact.IdentitySignature(identifySecret, "user-42")); code != 200 {
		t.Fatalf("identify with the website's secret: %d", code)
	}
	if code := identify(s, key, contact.IdentitySignature("sk_guess", "user-42")); code == 200 {
		t.Fatal("identify with a wrong signature passed")
	}
	s.stop()

	db, err := openDB()
	if err != nil {
		t.Fatal(err)
	}
	var raw string
	err = db.QueryRow("SELECT secret FROM websites WHERE inbox_id = $1", id).Scan(&raw)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw, "v1:") || strings.Contains(raw, identifySecret) || strings.Contains(raw, strings.TrimPrefix(identifySecret, "sk_")) {
		t.Fatalf("the website's secret is stored as %q: want it sealed", raw)
	}

	refused := func(what, want string, args ...string) {
		t.Helper()
		code, _, errOut := parley(t, "", nil, args...)
		if code != 1 || !strings.Contains(errOut, want) {
			t.Fatalf("%s: exit %d, %q; want %q", what, code, errOut, want)
		}
	}
	serveWith := func(keys ...string) []string {
		return append(append([]string{"serve", "--addr", "127.0.0.1:0"}, storage...), keys...)
	}
	rotateWith := func(keys ...string) []string {
		return append(append([]string{"secrets", "rotate"}, storage...), keys...)
	}
	refused("a node with another key", "this --secret-key is not the key this database's secrets were sealed with; pass the old key in --secret-keys-old to rotate",
		serveWith("--secret-key", newKey)...)
	refused("rotate without the old key", "do not open this database's secrets", rotateWith("--secret-key", newKey)...)

	// Step 1 on every node: the new key, with the old one to open what it sealed.
	s = serve(newKey, oldKey)
	if code := identify(s, key, contact.IdentitySignature(identifySecret, "user-42")); code != 200 {
		t.Fatalf("identify with the new key and the old one: %d", code)
	}
	s.stop()
	// Step 2: rotate (nodes may run meanwhile on PostgreSQL; SQLite's lock wants the node stopped).
	code, out, errOut := parley(t, "", nil, rotateWith("--secret-key", newKey, "--secret-keys-old", oldKey)...)
	if code != 0 || !strings.Contains(out, "sealed 3 stored secrets again") {
		t.Fatalf("rotate: exit %d, %s %s", code, out, errOut)
	}
	// Step 3: drop the old key.
	s = serve(newKey)
	if code := identify(s, key, contact.IdentitySignature(identifySecret, "user-42")); code != 200 {
		t.Fatalf("identify after rotating, with the new key alone: %d", code)
	}
	s.stop()
	refused("the old key after rotating", "is not the key this database's secrets were sealed with", serveWith("--secret-key", oldKey)...)
}

// new-key prints a key that --secret-key takes.
func TestSecretsNewKey(t *testing.T) {
	code, out, errOut := parley(t, "", nil, "secrets", "new-key")
	if code != 0 {
		t.Fatalf("new-key: %d %s", code, errOut)
	}
	if _, err := secret.ParseKey(out); err != nil {
		t.Fatalf("new-key printed %q: %v", out, err)
	}
	if code, _, _ := parley(t, "", nil, "secrets"); code != 2 {
		t.Errorf("secrets without a subcommand: exit %d, want 2", code)
	}
}
