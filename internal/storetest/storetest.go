// Package storetest opens real databases for tests: a fresh SQLite file per test, and a fresh
// PostgreSQL database per test cloned from a migrated template (PARLEY_TEST_POSTGRES).
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/secret"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/testenv"
)

// Keyring seals the secrets of every database storetest opens. It is one fixed key, so handles
// that open one database as several nodes would read each other's secrets.
func Keyring() *secret.Keyring {
	sum := sha256.Sum256([]byte("parley storetest secret key"))
	k, err := secret.NewKeyring(sum[:])
	if err != nil {
		panic(err)
	}
	return k
}

// Each runs fn once per engine as subtests "sqlite" and "postgres", each with its own database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite opens a migrated SQLite database in a temporary directory, closed when t ends.
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	return OpenSQLite(t, t.TempDir())
}

// OpenSQLite opens (and migrates) the SQLite database in dir, closed when t ends.
func OpenSQLite(t testing.TB, dir string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DataDir: dir, Secrets: Keyring()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// Postgres opens a fresh, migrated PostgreSQL database of its own, dropped when t ends.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	ctx := context.Background()
	u := PostgresDatabase(t)
	db, err := store.Open(ctx, store.Options{URL: u, Secrets: Keyring()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// PostgresDatabase creates a fresh migrated PostgreSQL database and returns its URL; it is dropped
// when t ends. Several handles (or processes) may open it, as several nodes would.
func PostgresDatabase(t testing.TB) string {
	t.Helper()
	base := testenv.PostgresURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	tpl, err := template(ctx, admin, base)
	if err != nil {
		t.Fatalf("prepare PostgreSQL template: %v", err)
	}
	name := "parley_t_" + randomHex(8)
	if err := cloneDatabase(ctx, admin, name, tpl); err != nil {
		t.Fatalf("clone template: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	return withDatabase(base, name)
}

// Another opens a second handle on db's PostgreSQL database, as another node would, closed when t
// ends.
func Another(t testing.TB, db *store.DB) *store.DB {
	t.Helper()
	var name string
	if err := db.Reader().QueryRowContext(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	other, err := store.Open(context.Background(), store.Options{URL: withDatabase(testenv.PostgresURL(t), name), Secrets: Keyring()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

// Unmigrated opens a fresh database of the engine with no migration applied, closed (and on
// PostgreSQL dropped) when t ends: a test migrates it step by step.
func Unmigrated(t testing.TB, e store.Engine) *store.DB {
	t.Helper()
	ctx := context.Background()
	opt := store.Options{DataDir: t.TempDir(), Secrets: Keyring()}
	if e == store.Postgres {
		base := testenv.PostgresURL(t)
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		name := "parley_e_" + randomHex(8)
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			a, err := sql.Open("pgx", base)
			if err != nil {
				return
			}
			defer a.Close()
			_, _ = a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		})
		opt = store.Options{URL: withDatabase(base, name), Secrets: Keyring()}
	}
	db, err := store.Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// cloneDatabase copies the template; PostgreSQL refuses a copy while another session is connected
// to the template, which a concurrent clone from another test process briefly is, so retry.
func cloneDatabase(ctx context.Context, admin *sql.DB, name, tpl string) error {
	var err error
	for range 50 {
		_, err = admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+tpl)
		if err == nil || !strings.Contains(err.Error(), "being accessed by other users") {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return err
}

// template returns the name of a migrated template database for the current migrations, creating it
// under an advisory lock if it does not exist. Its name carries a hash of the migrations, so a
// changed migration gets a new template.
func template(ctx context.Context, admin *sql.DB, base string) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(store.MigrationFS(store.Postgres), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(store.MigrationFS(store.Postgres), p)
		h.Write([]byte(p))
		h.Write(b)
		return err
	})
	if err != nil {
		return "", err
	}
	name := "parley_tpl_" + hex.EncodeToString(h.Sum(nil))[:16]

	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7061726)"); err != nil {
		return "", err
	}
	defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(7061726)")

	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	// Build under a temporary name and rename when complete, so a crash never leaves a
	// half-migrated template behind under the real name.
	build := name + "_b" + randomHex(4)
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+build); err != nil {
		return "", err
	}
	db, err := store.Open(ctx, store.Options{URL: withDatabase(base, build)})
	if err != nil {
		return "", err
	}
	_, err = db.Migrate(ctx)
	db.Close()
	if err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+build+" RENAME TO "+name); err != nil {
		return "", fmt.Errorf("rename template: %w", err)
	}
	return name, nil
}

func withDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
