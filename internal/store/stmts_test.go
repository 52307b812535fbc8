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
