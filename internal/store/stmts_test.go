package store

import (
	"context"
	"fmt"
	"testing"
)

// The read pool runs each query text as one prepared statement it keeps (SQLite); a query that
// does not compile still reports its error and is not kept; past the cache's bound, queries run
// unprepared and still answer.
func TestReadPoolKeepsPreparedStatements(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cache := db.read.cache
	count := func() int {
		cache.mu.RLock()
		defer cache.mu.RUnlock()
		return len(cache.m)
	}
	before := count()
	const q = "SELECT COUNT(*) FROM users WHERE id > $1"
	var n int
	for i := range 3 {
		if err := db.read.QueryRowContext(ctx, q, i).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	if got := count(); got != before+1 || cache.get(ctx, q) != cache.m[q] || cache.m[q] == nil {
		t.Fatalf("after one query text run three times: %d statements kept (was %d), want one more", got, before)
	}
	if err := db.read.QueryRowContext(ctx, "SELECT nope FROM nowhere").Scan(&n); err == nil {
		t.Fatal("a query that does not compile answered")
	}
	if got := count(); got != before+1 {
		t.Fatalf("a query that does not compile was kept: %d statements", got)
	}
	for i := count(); i < maxCachedReads+5; i++ {
		if err := db.read.QueryRowContext(ctx, fmt.Sprintf("SELECT %d", i)).Scan(&n); err != nil || n != i {
			t.Fatalf("query %d: %d, %v", i, n, err)
		}
	}
	if got := count(); got != maxCachedReads {
		t.Fatalf("%d statements kept, want at most %d", got, maxCachedReads)
	}
}

// The writer learns its statements: one a transaction runs that is not of the message path runs
// unprepared the first time and prepared from the next batch on; one that fails to compile is not
// kept and still reports its error.
func TestWriterLearnsItsStatements(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const q = "UPDATE users SET updated_at = updated_at WHERE id = $1"
	run := func() {
		t.Helper()
		if err := db.InTx(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, q, 1)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	run()
	if db.group.prepared[q] != nil {
		t.Fatal("prepared before a batch ran it")
	}
	run() // its leader prepares what the first batch ran unprepared
	if db.group.prepared[q] == nil {
		t.Fatal("the writer did not keep the statement a batch ran")
	}
	bound := db.group.batch.bound[q]
	if bound == nil {
		t.Fatal("the second batch ran the statement unprepared")
	}
	for range 2 {
		err := db.InTx(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE nowhere SET x = 1")
			return err
		})
		if err == nil {
			t.Fatal("a statement that does not compile ran")
		}
	}
	if db.group.prepared["UPDATE nowhere SET x = 1"] != nil {
		t.Fatal("a statement that does not compile was kept")
	}
}
