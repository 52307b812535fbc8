package store_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"modernc.org/sqlite"

	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// Group commit (group.go): on SQLite, InTx calls that wait while a transaction runs share the next
// one, each in a savepoint of its own. The tests force a batch without sleeping: holdWriter keeps
// the writer busy in one InTx while members queue one by one (QueuedWrites says when each is in),
// then lets go, so the members run together, in the order they queued.

func insertTeam(ctx context.Context, tx *store.Tx, name string) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO teams (name, created_at, updated_at) VALUES ($1, 1, 1)", name)
	return err
}

// teams lists the committed team names, as any reader sees them.
func teams(t *testing.T, db *store.DB) []string {
	t.Helper()
	rows, err := db.Reader().Query("SELECT name FROM teams ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		out = append(out, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func committed(t *testing.T, db *store.DB, name string) bool {
	t.Helper()
	return slices.Contains(teams(t, db), name)
}

// waitFor spins until cond holds (no sleep: the goroutines it waits for are already running).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		runtime.Gosched()
	}
}

// holdWriter runs an InTx (writing team "holder") that blocks until the returned release is
// called; release returns that InTx's error. It returns once the holder's fn is running.
func holdWriter(t *testing.T, db *store.DB) (release func() error) {
	return holdWriterThen(t, db, func() error { return nil })
}

// holdWriterThen is holdWriter whose fn ends with end(), once released. A panic in end is
// recovered in the holder's goroutine and returned by release as an error.
func holdWriterThen(t *testing.T, db *store.DB, end func() error) (release func() error) {
	t.Helper()
	running, let := make(chan struct{}), make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				errc <- fmt.Errorf("panic: %v", p)
			}
		}()
		errc <- db.InTx(context.Background(), func(tx *store.Tx) error {
			if err := insertTeam(context.Background(), tx, "holder"); err != nil {
				return err
			}
			close(running)
			<-let
			return end()
		})
	}()
	select {
	case <-running:
	case err := <-errc:
		t.Fatalf("holder: %v", err)
	}
	var once sync.Once
	var err error
	release = func() error {
		once.Do(func() { close(let); err = <-errc })
		return err
	}
	t.Cleanup(func() { release() }) // before the database closes, should the test fail early
	return release
}

// outcome is how a queued call ended.
type outcome struct {
	err      error
	panicked any
}

func (o outcome) String() string { return fmt.Sprintf("err %v, panic %v", o.err, o.panicked) }

// queue starts call (an InTx, or a store method that runs one) in a goroutine and returns once it
// waits for the writer, so the calls queued in a row run in that order.
func queue(t *testing.T, db *store.DB, call func() error) <-chan outcome {
	t.Helper()
	n := db.QueuedWrites()
	out := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			o.panicked = recover()
			out <- o
		}()
		o.err = call()
	}()
	waitFor(t, "the call to queue", func() bool { return db.QueuedWrites() > n })
	return out
}

func TestInTxManyWritersAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const writers, each = 64, 8
		var wg sync.WaitGroup
		errs := make([]error, writers)
		var hooks atomic.Int64
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					err := db.InTx(ctx, func(tx *store.Tx) error {
						tx.AfterCommit(func() { hooks.Add(1) })
						return insertTeam(ctx, tx, fmt.Sprintf("w%02d-%d", w, i))
					})
					if err != nil {
						errs[w] = err
						return
					}
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		got := teams(t, db)
		if len(got) != writers*each {
			t.Fatalf("%d teams, want %d", len(got), writers*each)
		}
		for w := range writers {
			for i := range each {
				if _, found := slices.BinarySearch(got, fmt.Sprintf("w%02d-%d", w, i)); !found {
					t.Fatalf("team w%02d-%d missing", w, i)
				}
			}
		}
		if hooks.Load() != writers*each {
			t.Fatalf("%d AfterCommit hooks ran, want %d", hooks.Load(), writers*each)
		}
	})
}

func TestGroupCommitMemberFailsAlone(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	conv := conversationsFor(t, db, 1)[0]
	appendTo := func(expect int64, clientID string) error {
		next := *conv
		next.UpdatedAt, next.LastMessageAt = 2, 2
		_, err := db.Commit(ctx, &conversation.Write{Conv: &next, ExpectSeq: expect,
			Append: []conversation.Message{{SenderKind: conversation.FromVisitor, Kind: conversation.Text, Body: "hi", ClientID: clientID, CreatedAt: 2}}})
		return err
	}
	boom := errors.New("boom")

	release := holdWriter(t, db)
	ok1 := queue(t, db, func() error {
		return db.InTx(ctx, func(tx *store.Tx) error { return insertTeam(ctx, tx, "ok1") })
	})
	failed := queue(t, db, func() error {
		return db.InTx(ctx, func(tx *store.Tx) error {
			if err := insertTeam(ctx, tx, "failed"); err != nil {
				return err
			}
			return boom
		})
	})
	unique := queue(t, db, func() error {
		return db.InTx(ctx, func(tx *store.Tx) error {
			if err := insertTeam(ctx, tx, "unique"); err != nil {
				return err
			}
			return insertTeam(ctx, tx, "ok1") // ok1 is written (by an earlier member): a constraint violation
		})
	})
	stale := queue(t, db, func() error { return appendTo(conv.LastSeq-1, "stale") })
	var sawOK1, sawFailed, readerSawOK1 bool
	ok2 := queue(t, db, func() error {
		return db.InTx(ctx, func(tx *store.Tx) error {
			// Earlier members' writes are visible here, undone ones are not, and nothing of this
			// batch is committed yet: the members share one transaction.
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM teams WHERE name = 'ok1'").Scan(&n); err != nil {
				return err
			}
			sawOK1 = n == 1
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM teams WHERE name IN ('failed', 'unique')").Scan(&n); err != nil {
				return err
			}
			sawFailed = n > 0
			if err := db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM teams WHERE name = 'ok1'").Scan(&n); err != nil {
				return err
			}
			readerSawOK1 = n > 0
			return insertTeam(ctx, tx, "ok2")
		})
	})
	appended := queue(t, db, func() error { return appendTo(conv.LastSeq, "fresh") })

	if err := release(); err != nil {
		t.Fatalf("holder: %v", err)
	}
	if o := <-ok1; o.err != nil || o.panicked != nil {
		t.Fatalf("ok1: %+v", o)
	}
	if o := <-failed; o.err != boom {
		t.Fatalf("failing member: %+v, want its own error", o)
	}
	if o := <-unique; !store.IsUniqueViolation(o.err) {
		t.Fatalf("member with a constraint violation: %+v", o)
	}
	if o := <-stale; o.err != conversation.ErrStale { // the service compares with ==
		t.Fatalf("stale commit: %+v, want ErrStale", o)
	}
	if o := <-ok2; o.err != nil || o.panicked != nil {
		t.Fatalf("ok2: %+v", o)
	}
	if o := <-appended; o.err != nil {
		t.Fatalf("guarded commit: %v", o.err)
	}
	if !sawOK1 || sawFailed || readerSawOK1 {
		t.Fatalf("inside the batch: saw ok1 %v (want true), saw undone writes %v (want false), reader saw ok1 %v (want false: one transaction)",
			sawOK1, sawFailed, readerSawOK1)
	}
	if got := teams(t, db); !slices.Equal(got, []string{"holder", "ok1", "ok2"}) {
		t.Fatalf("teams %v, want holder ok1 ok2", got)
	}
	c, err := db.ConversationByID(ctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.LastSeq != conv.LastSeq+1 {
		t.Fatalf("last_seq %d, want %d", c.LastSeq, conv.LastSeq+1)
	}
}

func TestGroupCommitPanicReachesOnlyItsCaller(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	release := holdWriter(t, db)
	ok1 := queue(t, db, func() error {
		return db.InTx(ctx, func(tx *store.Tx) error { return insertTeam(ctx, tx, "ok1") })
	})
	panicked := queue(t, db, func() error {
		return db.InTx(ctx, func(tx *store.Tx) error {
			tx.AfterCommit(func() { t.Error("AfterCommit of a panicking fn ran") })
			if err := insertTeam(ctx, tx, "panicked"); err != nil {
				return err
			}
			panic("member panicked")
		})
	})
	ok2 := queue(t, db, func() error {
		return db.InTx(ctx, func(tx *store.Tx) error { return insertTeam(ctx, tx, "ok2") })
	})
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if o := <-panicked; o.panicked != "member panicked" {
		t.Fatalf("panicking member: %+v, want its panic re-raised in its goroutine", o)
	}
	for name, c := range map[string]<-chan outcome{"ok1": ok1, "ok2": ok2} {
		if o := <-c; o.err != nil || o.panicked != nil {
			t.Fatalf("%s: %+v", name, o)
		}
	}
	if got := teams(t, db); !slices.Equal(got, []string{"holder", "ok1", "ok2"}) {
		t.Fatalf("teams %v, want holder ok1 ok2", got)
	}
}

// The call that leads a batch runs first; when it fails or panics, the calls waiting behind it
// still run, in the next transaction.
func TestGroupCommitLeaderFailing(t *testing.T) {
	for name, end := range map[string]func() error{
		"error": func() error { return errors.New("leader failed") },
		"panic": func() error { panic("leader panicked") },
	} {
		t.Run(name, func(t *testing.T) {
			db := storetest.SQLite(t)
			ctx := context.Background()
			release := holdWriterThen(t, db, end)
			var waiting []<-chan outcome
			for i := range 3 {
				waiting = append(waiting, queue(t, db, func() error {
					return db.InTx(ctx, func(tx *store.Tx) error { return insertTeam(ctx, tx, fmt.Sprintf("w%d", i)) })
				}))
			}
			if err := release(); err == nil || !strings.Contains(err.Error(), "leader") {
				t.Fatalf("leader: %v, want its own failure", err)
			}
			for i, c := range waiting {
				if o := <-c; o.err != nil || o.panicked != nil {
					t.Fatalf("w%d: %v", i, o)
				}
			}
			if got := teams(t, db); !slices.Equal(got, []string{"w0", "w1", "w2"}) {
				t.Fatalf("teams %v, want w0 w1 w2", got)
			}
		})
	}
}

// Alone, on either engine: the panic reaches the caller and nothing is written.
func TestInTxPanicRollsBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		func() {
			defer func() {
				if p := recover(); p != "boom" {
					t.Fatalf("recovered %v, want boom", p)
				}
			}()
			_ = db.InTx(ctx, func(tx *store.Tx) error {
				if err := insertTeam(ctx, tx, "panicked"); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		if err := db.InTx(ctx, func(tx *store.Tx) error { return insertTeam(ctx, tx, "after") }); err != nil {
			t.Fatal(err)
		}
		if got := teams(t, db); !slices.Equal(got, []string{"after"}) {
			t.Fatalf("teams %v, want after", got)
		}
	})
}

func TestInTxCancelledContext(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		ran := false
		err := db.InTx(ctx, func(tx *store.Tx) error { ran = true; return nil })
		if !errors.Is(err, context.Canceled) || ran {
			t.Fatalf("InTx with a cancelled context: err %v, ran %v; want context.Canceled, not run", err, ran)
		}
	})

	t.Run("while waiting for the writer", func(t *testing.T) {
		db := storetest.SQLite(t)
		release := holdWriter(t, db)
		ctx, cancel := context.WithCancel(context.Background())
		ran := false
		waiting := queue(t, db, func() error {
			return db.InTx(ctx, func(tx *store.Tx) error { ran = true; return nil })
		})
		after := queue(t, db, func() error {
			return db.InTx(context.Background(), func(tx *store.Tx) error { return insertTeam(context.Background(), tx, "after") })
		})
		cancel()
		// It answers while the writer is still held, without running.
		if o := <-waiting; !errors.Is(o.err, context.Canceled) {
			t.Fatalf("cancelled while waiting: %+v", o)
		}
		if err := release(); err != nil {
			t.Fatal(err)
		}
		if o := <-after; o.err != nil {
			t.Fatalf("member after the cancelled one: %+v", o)
		}
		if ran {
			t.Fatal("fn of a cancelled call ran")
		}
		if got := teams(t, db); !slices.Equal(got, []string{"after", "holder"}) {
			t.Fatalf("teams %v", got)
		}
	})
}

// cancelDuring is called by the SQL function parley_test_cancel, in the middle of a statement.
var cancelDuring atomic.Pointer[context.CancelFunc]

var registerCancelFunction = sync.OnceFunc(func() {
	sqlite.MustRegisterScalarFunction("parley_test_cancel", 0, func(*sqlite.FunctionContext, []driver.Value) (driver.Value, error) {
		if f := cancelDuring.Load(); f != nil {
			(*f)()
		}
		return int64(1), nil
	})
})

// A caller's context that ends in the middle of a statement must not interrupt SQLite: an
// interrupted write rolls back the whole transaction, the other members' work with it.
func TestGroupCommitContextEndingMidStatement(t *testing.T) {
	registerCancelFunction() // before the database opens: functions reach new connections only
	db := storetest.SQLite(t)
	release := holdWriter(t, db)
	bg := context.Background()
	ok1 := queue(t, db, func() error {
		return db.InTx(bg, func(tx *store.Tx) error { return insertTeam(bg, tx, "ok1") })
	})
	ctx, cancel := context.WithCancel(bg)
	cancelDuring.Store(&cancel)
	t.Cleanup(func() { cancelDuring.Store(nil) })
	long := queue(t, db, func() error {
		return db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO teams (name, created_at, updated_at)
				WITH RECURSIVE c(x) AS (SELECT parley_test_cancel() UNION ALL SELECT x + 1 FROM c WHERE x < 300000)
				SELECT 'long', MAX(x), MAX(x) FROM c`)
			if err != nil {
				return err
			}
			return insertTeam(ctx, tx, "after long") // ctx has ended: fails before it runs
		})
	})
	ok2 := queue(t, db, func() error {
		return db.InTx(bg, func(tx *store.Tx) error { return insertTeam(bg, tx, "ok2") })
	})
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if o := <-long; !errors.Is(o.err, context.Canceled) {
		t.Fatalf("member whose context ended: %+v, want context.Canceled", o)
	}
	for name, c := range map[string]<-chan outcome{"ok1": ok1, "ok2": ok2} {
		if o := <-c; o.err != nil || o.panicked != nil {
			t.Fatalf("%s: %+v", name, o)
		}
	}
	if got := teams(t, db); !slices.Equal(got, []string{"holder", "ok1", "ok2"}) {
		t.Fatalf("teams %v, want holder ok1 ok2", got)
	}
}

func TestGroupCommitAfterCommitRunsOnlyForCommittedMembers(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	release := holdWriter(t, db)
	var first, failed, last atomic.Int32
	var lastVisible atomic.Bool
	a := queue(t, db, func() error {
		return db.InTx(ctx, func(tx *store.Tx) error {
			tx.AfterCommit(func() {
				first.Add(1)
				lastVisible.Store(committed(t, db, "last")) // the whole batch has committed
			})
			return insertTeam(ctx, tx, "first")
		})
	})
	b := queue(t, db, func() error {
		return db.InTx(ctx, func(tx *store.Tx) error {
			tx.AfterCommit(func() { failed.Add(1) })
			_ = insertTeam(ctx, tx, "failed")
			return errors.New("no")
		})
	})
	c := queue(t, db, func() error {
		return db.InTx(ctx, func(tx *store.Tx) error {
			tx.AfterCommit(func() { last.Add(1) })
			return insertTeam(ctx, tx, "last")
		})
	})
	if first.Load()+last.Load() != 0 {
		t.Fatal("AfterCommit ran before the commit")
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if o := <-a; o.err != nil {
		t.Fatal(o.err)
	}
	if o := <-b; o.err == nil {
		t.Fatal("failing member succeeded")
	}
	if o := <-c; o.err != nil {
		t.Fatal(o.err)
	}
	if first.Load() != 1 || last.Load() != 1 || failed.Load() != 0 {
		t.Fatalf("hooks ran: first %d, last %d, failed %d; want 1, 1, 0", first.Load(), last.Load(), failed.Load())
	}
	if !lastVisible.Load() {
		t.Fatal("the first member's AfterCommit ran before the last member's write was committed")
	}
}

// Many writers on one conversation, each deciding on the last_seq it read and retrying on
// ErrStale, as conversation.Service does: every message lands once, with seqs 1..n and no gap.
func TestConcurrentGuardedCommitsStayGapless(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		conv := conversationsFor(t, db, 1)[0] // one message: seq 1
		const writers, each = 8, 10
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					clientID := fmt.Sprintf("w%d-%d", w, i)
					for try := 0; ; try++ {
						c, err := db.ConversationByID(ctx, conv.ID)
						if err != nil {
							errs[w] = err
							return
						}
						next := *c
						next.UpdatedAt, next.LastMessageAt = 2, 2
						_, err = db.Commit(ctx, &conversation.Write{Conv: &next, ExpectSeq: c.LastSeq,
							Append: []conversation.Message{{SenderKind: conversation.FromVisitor, Kind: conversation.Text, Body: clientID, ClientID: clientID, CreatedAt: 2}}})
						if err == nil {
							break
						}
						if err != conversation.ErrStale || try > 1000 {
							errs[w] = fmt.Errorf("%s, try %d: %w", clientID, try, err)
							return
						}
					}
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		const n = 1 + writers*each
		msgs, err := db.Messages(ctx, conversation.LogQuery{ConversationID: conv.ID, AfterSeq: 0, Limit: 2 * n})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != n {
			t.Fatalf("%d messages, want %d", len(msgs), n)
		}
		seen := map[string]bool{}
		for i, m := range msgs {
			if m.Seq != int64(i+1) {
				t.Fatalf("message %d has seq %d: seqs must be 1..%d without gaps", i, m.Seq, n)
			}
			if seen[m.ClientID] {
				t.Fatalf("client id %q stored twice", m.ClientID)
			}
			seen[m.ClientID] = true
		}
		c, err := db.ConversationByID(ctx, conv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.LastSeq != n {
			t.Fatalf("last_seq %d, want %d", c.LastSeq, n)
		}
	})
}

// groupGoroutines counts the goroutines of this process inside group commit's code.
func groupGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "store.(*group).")
		}
		buf = make([]byte, 2*len(buf))
	}
}

func TestCloseFailsWaitingCallsAndLetsTheRunningBatchCommit(t *testing.T) {
	dir := t.TempDir()
	db := storetest.OpenSQLite(t, dir)
	ctx := context.Background()
	release := holdWriter(t, db)
	var waiting []<-chan outcome
	for i := range 3 {
		waiting = append(waiting, queue(t, db, func() error {
			return db.InTx(ctx, func(tx *store.Tx) error { return insertTeam(ctx, tx, fmt.Sprintf("waiting %d", i)) })
		}))
	}
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	for i, c := range waiting {
		if o := <-c; o.err == nil || !strings.Contains(o.err.Error(), "closed") {
			t.Fatalf("call %d waiting at Close: %+v, want a 'closed' error", i, o)
		}
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error { return nil }); err == nil {
		t.Fatal("InTx after Close succeeded")
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a transaction was running", err)
	default:
	}
	if err := release(); err != nil { // the running batch still commits
		t.Fatalf("holder: %v", err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if n := groupGoroutines(); n != 0 {
		t.Fatalf("%d goroutines left in group commit after Close", n)
	}

	again := storetest.OpenSQLite(t, dir)
	if got := teams(t, again); !slices.Equal(got, []string{"holder"}) {
		t.Fatalf("teams after reopening %v, want holder", got)
	}
}

// A fn that ends its goroutine (t.FailNow does) loses its writes but does not stop the writer.
func TestGroupCommitGoexitInFn(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = db.InTx(ctx, func(tx *store.Tx) error {
			if err := insertTeam(ctx, tx, "gone"); err != nil {
				return err
			}
			runtime.Goexit()
			return nil
		})
	}()
	<-done
	if err := db.InTx(ctx, func(tx *store.Tx) error { return insertTeam(ctx, tx, "after") }); err != nil {
		t.Fatal(err)
	}
	if got := teams(t, db); !slices.Equal(got, []string{"after"}) {
		t.Fatalf("teams %v, want after", got)
	}
}
