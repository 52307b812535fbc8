package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// modernc's SQLite binds $N by number, like PostgreSQL: the shared SQL depends on it.
func TestDollarPlaceholdersBindByNumber(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var a, b, c string
		err := db.Reader().QueryRow("SELECT CAST($2 AS TEXT), CAST($1 AS TEXT), CAST($2 AS TEXT)", "first", "second").Scan(&a, &b, &c)
		if err != nil {
			t.Fatal(err)
		}
		if a != "second" || b != "first" || c != "second" {
			t.Fatalf("got %q %q %q, want second first second", a, b, c)
		}
	})
}

func TestUniqueViolationIsRecognised(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		insert := func() error {
			return db.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, "INSERT INTO teams (name, created_at, updated_at) VALUES ($1, $2, $2)", "Sales", 1)
				return err
			})
		}
		if err := insert(); err != nil {
			t.Fatal(err)
		}
		err := insert()
		if !store.IsUniqueViolation(err) {
			t.Fatalf("second insert: got %v, want a unique violation", err)
		}
		if store.IsUniqueViolation(fmt.Errorf("other")) {
			t.Fatal("plain error taken for a unique violation")
		}
	})
}

func TestRollbackChangesNothingAndAfterCommitRunsOnlyOnCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ran := 0
		err := db.InTx(ctx, func(tx *store.Tx) error {
			tx.AfterCommit(func() { ran++ })
			if _, err := tx.ExecContext(ctx, "INSERT INTO teams (name, created_at, updated_at) VALUES ('A', 1, 1)"); err != nil {
				return err
			}
			return fmt.Errorf("boom")
		})
		if err == nil || ran != 0 {
			t.Fatalf("err=%v ran=%d", err, ran)
		}
		var n int
		if err := db.Reader().QueryRow("SELECT COUNT(*) FROM teams").Scan(&n); err != nil || n != 0 {
			t.Fatalf("teams after rollback: %d %v", n, err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			tx.AfterCommit(func() { ran++ })
			_, err := tx.ExecContext(ctx, "INSERT INTO teams (name, created_at, updated_at) VALUES ('A', 1, 1)")
			return err
		}); err != nil || ran != 1 {
			t.Fatalf("err=%v ran=%d", err, ran)
		}
	})
}

func TestDatabaseClock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, err := db.Now(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := db.Now(context.Background())
		if a <= 1_700_000_000_000 || b < a {
			t.Fatalf("clock %d then %d", a, b)
		}
	})
}

// Both migration folders must describe the same tables and columns (names and nullability), so
// queries written once work on both engines. Full-text search is the one part that differs by
// design (ENGINEERING.md): SQLite's FTS5 tables and PostgreSQL's tsvector column are left out.
func TestMigrationsGiveSameSchema(t *testing.T) {
	lite := columns(t, storetest.SQLite(t))
	pg := columns(t, storetest.Postgres(t))
	if !reflect.DeepEqual(lite, pg) {
		t.Fatalf("schemas differ:\nonly in SQLite:     %v\nonly in PostgreSQL: %v", minus(lite, pg), minus(pg, lite))
	}
	if len(lite) < 10 {
		t.Fatalf("suspiciously few columns: %v", lite)
	}
}

func columns(t *testing.T, db *store.DB) []string {
	t.Helper()
	var rows *sql.Rows
	var err error
	if db.Engine == store.SQLite {
		rows, err = db.Reader().Query(`SELECT m.name, p.name, p."notnull" OR p.pk > 0
			FROM sqlite_master m JOIN pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'goose_db_version'
				AND m.name NOT LIKE 'search_fts%'`)
	} else {
		rows, err = db.Reader().Query(`SELECT table_name, column_name, is_nullable = 'NO'
			FROM information_schema.columns
			WHERE table_schema = 'public' AND table_name <> 'goose_db_version'
				AND NOT (table_name = 'search_docs' AND column_name = 'doc')`)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var table, col string
		var notNull bool
		if err := rows.Scan(&table, &col, &notNull); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s.%s notnull=%v", table, col, notNull))
	}
	sort.Strings(out)
	return out
}

func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, s := range b {
		in[s] = true
	}
	var out []string
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
		}
	}
	return out
}

func TestSecondProcessOnSameDataDirIsRefused(t *testing.T) {
	dir := t.TempDir()
	storetest.OpenSQLite(t, dir)
	_, err := store.Open(context.Background(), store.Options{DataDir: dir})
	if err == nil || !strings.Contains(err.Error(), "in use by another parley process") {
		t.Fatalf("got %v, want a clear 'in use' error", err)
	}
}

func TestReadersCannotWrite(t *testing.T) {
	db := storetest.SQLite(t)
	_, err := db.Reader().Exec("INSERT INTO teams (name, created_at, updated_at) VALUES ('x', 1, 1)")
	if err == nil {
		t.Fatal("reader connection accepted a write")
	}
}

func TestMigrateIsIdempotentAndDataSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	v1, err := db.Migrate(ctx)
	if err != nil || v1 < 1 {
		t.Fatalf("migrate: %d %v", v1, err)
	}
	if _, err := db.Writer().Exec("INSERT INTO teams (name, created_at, updated_at) VALUES ('Kept', 1, 1)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = storetest.OpenSQLite(t, dir)
	var name string
	if err := db.Reader().QueryRow("SELECT name FROM teams").Scan(&name); err != nil || name != "Kept" {
		t.Fatalf("after reopen: %q %v", name, err)
	}
	cur, latest, err := db.MigrationStatus(ctx)
	if err != nil || cur != latest || cur != v1 {
		t.Fatalf("status %d/%d %v", cur, latest, err)
	}
}

func TestConcurrentMigrateOnPostgres(t *testing.T) {
	// Nodes starting together must not race: goose's advisory lock serialises them.
	u := storetest.PostgresDatabase(t)
	ctx := context.Background()
	errc := make(chan error, 3)
	for range 3 {
		go func() {
			db, err := store.Open(ctx, store.Options{URL: u})
			if err != nil {
				errc <- err
				return
			}
			defer db.Close()
			_, err = db.Migrate(ctx)
			errc <- err
		}()
	}
	for range 3 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
}

func TestBackupSQLite(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	if _, err := db.Writer().Exec("INSERT INTO teams (name, created_at, updated_at) VALUES ('Backed up', 1, 1)"); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "copy.db")
	if err := db.Backup(ctx, dest); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, dest); err == nil {
		t.Fatal("backup overwrote an existing file")
	}
	copyDB, err := sql.Open("sqlite", "file:"+dest+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	var name string
	if err := copyDB.QueryRow("SELECT name FROM teams").Scan(&name); err != nil || name != "Backed up" {
		t.Fatalf("copy holds %q %v", name, err)
	}
}

func TestUnreachablePostgresGivesOneClearLine(t *testing.T) {
	_, err := store.Open(context.Background(), store.Options{URL: "postgres://parley:secret@127.0.0.1:1/parley?sslmode=disable&connect_timeout=2"})
	if err == nil {
		t.Fatal("opened an unreachable database")
	}
	msg := err.Error()
	if strings.Contains(msg, "secret") || strings.Contains(msg, "\n") || !strings.Contains(msg, "cannot reach PostgreSQL") {
		t.Fatalf("unclear or leaky message: %q", msg)
	}
}

func TestInstallationIDIsStable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, err := db.InstallationID(context.Background())
		if err != nil || len(a) < 16 {
			t.Fatalf("id %q: %v", a, err)
		}
		b, _ := db.InstallationID(context.Background())
		if a != b {
			t.Fatalf("installation id changed: %s then %s", a, b)
		}
	})
}
