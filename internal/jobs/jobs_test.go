package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// waitLimit is how long a test waits for an expected event before failing.
const waitLimit = 15 * time.Second

// newQueue returns a Queue with settings fast enough for tests. MaxSleep is long on purpose: a test
// that passes must have been woken by an enqueue or a due time, not by polling.
func newQueue(t *testing.T, db *store.DB, opt jobs.Options) *jobs.Queue {
	t.Helper()
	if opt.Node == "" {
		opt.Node = "test"
	}
	if opt.Lease == 0 {
		// Generous: a loaded CI machine (race detector, other packages' tests) must not see a
		// healthy runner's lease expire. Tests about expiry set their own.
		opt.Lease = 5 * time.Second
	}
	if opt.MaxSleep == 0 {
		opt.MaxSleep = time.Minute
	}
	if opt.Drain == 0 {
		opt.Drain = 200 * time.Millisecond
	}
	if opt.Backoff == nil {
		opt.Backoff = func(int) time.Duration { return 5 * time.Millisecond }
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return jobs.New(db, opt)
}

// start runs q until the returned stop is called (or the test ends); stop waits for Run to return.
func start(t *testing.T, q *jobs.Queue) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run returned %v", err)
				}
			case <-time.After(waitLimit):
				t.Errorf("Run did not return within %s of its ctx ending", waitLimit)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond until it holds, failing the test after waitLimit.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", waitLimit, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// receive waits for a value on ch.
func receive[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitLimit):
		t.Fatalf("timed out after %s waiting for %s", waitLimit, what)
		panic("unreachable")
	}
}

func enqueue(t *testing.T, db *store.DB, q *jobs.Queue, p jobs.Spec) int64 {
	t.Helper()
	var id int64
	err := db.InTx(t.Context(), func(tx *store.Tx) error {
		var err error
		id, err = q.Enqueue(t.Context(), tx, p)
		return err
	})
	if err != nil {
		t.Fatalf("enqueue %+v: %v", p, err)
	}
	return id
}

func get(t *testing.T, q *jobs.Queue, id int64) *jobs.Job {
	t.Helper()
	j, err := q.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("get job %d: %v", id, err)
	}
	return j
}

func waitState(t *testing.T, q *jobs.Queue, id int64, want jobs.State) *jobs.Job {
	t.Helper()
	var j *jobs.Job
	waitFor(t, fmt.Sprintf("job %d to be %s", id, want), func() bool {
		j = get(t, q, id)
		return j.State == want
	})
	return j
}

func TestEnqueueCommitsWithTransaction(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q := newQueue(t, db, jobs.Options{})
		type payload struct{ N int }
		ran := make(chan payload, 10)
		q.Handle("echo", func(ctx context.Context, job *jobs.Job) error {
			var p payload
			if err := json.Unmarshal(job.Payload, &p); err != nil {
				return err
			}
			ran <- p
			return nil
		})
		stop := start(t, q)

		rollback := errors.New("rollback")
		err := db.InTx(t.Context(), func(tx *store.Tx) error {
			if _, err := q.Enqueue(t.Context(), tx, jobs.Spec{Kind: "echo", Payload: payload{N: 1}}); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatalf("InTx = %v, want the rollback error", err)
		}
		if all, err := q.List(t.Context(), "", 100); err != nil || len(all) != 0 {
			t.Fatalf("after rollback: List = %v, %v; want no jobs", all, err)
		}

		id := enqueue(t, db, q, jobs.Spec{Kind: "echo", Payload: payload{N: 2}})
		if got := receive(t, "the committed job to run", ran); got.N != 2 {
			t.Fatalf("handler got payload %+v, want N=2", got)
		}
		j := waitState(t, q, id, jobs.Completed)
		stop()
		if len(ran) != 0 {
			t.Fatalf("job ran %d more times", len(ran))
		}
		if j.Attempt != 1 || len(j.Errors) != 0 || j.FinishedAt == 0 {
			t.Fatalf("completed job = %+v, want attempt 1, no errors, finished", j)
		}
	})
}

func TestRunAtInTheFuture(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// One worker, so "early ran first" cannot come from two handlers racing.
		q := newQueue(t, db, jobs.Options{Workers: 1})
		type ran struct {
			name      string
			at, runAt int64
		}
		ranCh := make(chan ran, 10)
		q.Handle("timer", func(ctx context.Context, job *jobs.Job) error {
			var name string
			_ = json.Unmarshal(job.Payload, &name)
			ranCh <- ran{name: name, at: time.Now().UnixMilli(), runAt: job.RunAt}
			return nil
		})
		start(t, q)

		late := enqueue(t, db, q, jobs.Spec{Kind: "timer", Payload: "late", Delay: 3 * time.Second})
		if j := get(t, q, late); j.State != jobs.Available {
			t.Fatalf("late job is %s, want available", j.State)
		}
		enqueue(t, db, q, jobs.Spec{Kind: "timer", Payload: "early"})
		first := receive(t, "the early job", ranCh)
		if first.name != "early" {
			t.Fatalf("first job to run = %q, want early (the late one is not due)", first.name)
		}
		second := receive(t, "the late job", ranCh)
		if second.name != "late" {
			t.Fatalf("second job to run = %q, want late", second.name)
		}
		// The database clock may round up to a millisecond ahead of ours; allow a little.
		if second.at < second.runAt-5 {
			t.Fatalf("late job ran at %d, %d ms before it was due", second.at, second.runAt-second.at)
		}
		waitState(t, q, late, jobs.Completed)
	})
}

func TestUniqueKey(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q := newQueue(t, db, jobs.Options{})
		started := make(chan int64, 10)
		release := make(chan struct{})
		q.Handle("wait", func(ctx context.Context, job *jobs.Job) error {
			started <- job.ID
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})

		p := jobs.Spec{Kind: "wait", UniqueKey: "conversation:1"}
		id1 := enqueue(t, db, q, p)
		if id2 := enqueue(t, db, q, p); id2 != id1 {
			t.Fatalf("second enqueue of a pending unique job = %d, want %d", id2, id1)
		}
		// Two in one transaction collide too.
		err := db.InTx(t.Context(), func(tx *store.Tx) error {
			a, err := q.Enqueue(t.Context(), tx, jobs.Spec{Kind: "wait", UniqueKey: "conversation:2"})
			if err != nil {
				return err
			}
			b, err := q.Enqueue(t.Context(), tx, jobs.Spec{Kind: "wait", UniqueKey: "conversation:2"})
			if err != nil {
				return err
			}
			if a != b {
				return fmt.Errorf("same transaction: ids %d and %d differ", a, b)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// The key is per kind.
		if other := enqueue(t, db, q, jobs.Spec{Kind: "other", UniqueKey: "conversation:1"}); other == id1 {
			t.Fatal("a job of another kind with the same key got the same id")
		}

		start(t, q)
		seen := map[int64]bool{}
		seen[receive(t, "a unique job to start", started)] = true
		seen[receive(t, "a unique job to start", started)] = true
		if !seen[id1] {
			t.Fatalf("started %v, want %d among them", seen, id1)
		}
		waitState(t, q, id1, jobs.Running)
		if id := enqueue(t, db, q, p); id != id1 {
			t.Fatalf("enqueue while the unique job runs = %d, want %d", id, id1)
		}
		close(release)
		waitState(t, q, id1, jobs.Completed)
		id3 := enqueue(t, db, q, p)
		if id3 == id1 {
			t.Fatal("enqueue after completion returned the completed job's id")
		}
		waitState(t, q, id3, jobs.Completed)
	})
}

func TestTimerSurvivesRestart(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, open func() *store.DB) {
		fired := make(chan *jobs.Job, 1)
		handle := func(ctx context.Context, job *jobs.Job) error {
			fired <- job
			return nil
		}

		db1 := open()
		q1 := newQueue(t, db1, jobs.Options{})
		q1.Handle("reminder", handle)
		stop1 := start(t, q1)
		id := enqueue(t, db1, q1, jobs.Spec{Kind: "reminder", Delay: time.Second})
		stop1()
		if j := get(t, q1, id); j.State != jobs.Available {
			t.Fatalf("before restart the timer is %s, want available", j.State)
		}
		if err := db1.Close(); err != nil {
			t.Fatal(err)
		}

		db2 := open()
		q2 := newQueue(t, db2, jobs.Options{})
		q2.Handle("reminder", handle)
		start(t, q2)
		j := receive(t, "the timer to fire after the restart", fired)
		if j.ID != id {
			t.Fatalf("fired job %d, want %d", j.ID, id)
		}
		if now := time.Now().UnixMilli(); now < j.RunAt-5 {
			t.Fatalf("timer fired %d ms early", j.RunAt-now)
		}
		waitState(t, q2, id, jobs.Completed)
	}
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		run(t, func() *store.DB { return storetest.OpenSQLite(t, dir) })
	})
	t.Run("postgres", func(t *testing.T) {
		url := storetest.PostgresDatabase(t)
		run(t, func() *store.DB {
			db, err := store.Open(t.Context(), store.Options{URL: url})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		})
	})
}

// TestTwoPools runs two worker pools on one database, as two nodes would: every job runs once, and
// never in both pools at the same time.
func TestTwoPools(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, db1, db2 *store.DB) {
		const n, workers = 200, 4
		var (
			mu      sync.Mutex
			running = map[int64]string{}
			busy    = map[string]int{} // handlers running per pool
			runs    = map[int64]int{}
			byPool  = map[string]int{}
		)
		handler := func(pool string) jobs.Handler {
			return func(ctx context.Context, job *jobs.Job) error {
				mu.Lock()
				if other, ok := running[job.ID]; ok {
					t.Errorf("job %d started in pool %s while running in pool %s", job.ID, pool, other)
				}
				running[job.ID] = pool
				runs[job.ID]++
				byPool[pool]++
				if busy[pool]++; busy[pool] > workers {
					t.Errorf("pool %s runs %d handlers at once, more than its %d workers", pool, busy[pool], workers)
				}
				mu.Unlock()
				time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond) // the work
				mu.Lock()
				delete(running, job.ID)
				busy[pool]--
				mu.Unlock()
				return nil
			}
		}
		q2 := newQueue(t, db2, jobs.Options{Node: "b", Workers: workers})
		// AfterEnqueue stands in for the bus that rings the other node.
		q1 := newQueue(t, db1, jobs.Options{Node: "a", Workers: workers, AfterEnqueue: q2.Wake})
		q1.Handle("work", handler("a"))
		q2.Handle("work", handler("b"))
		start(t, q1)
		start(t, q2)

		ids := make([]int64, 0, n)
		for batch := range n / 10 {
			err := db1.InTx(t.Context(), func(tx *store.Tx) error {
				for i := range 10 {
					id, err := q1.Enqueue(t.Context(), tx, jobs.Spec{Kind: "work", Payload: batch*10 + i})
					if err != nil {
						return err
					}
					ids = append(ids, id)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "all jobs to complete", func() bool {
			done, err := q1.List(t.Context(), jobs.Completed, 1000)
			if err != nil {
				t.Fatal(err)
			}
			return len(done) == n
		})
		mu.Lock()
		defer mu.Unlock()
		for _, id := range ids {
			if runs[id] != 1 {
				t.Errorf("job %d ran %d times, want 1", id, runs[id])
			}
		}
		t.Logf("jobs run per pool: %v", byPool)
		if byPool["a"] == 0 || byPool["b"] == 0 {
			t.Errorf("jobs run per pool = %v, want both pools to take part", byPool)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		db := storetest.SQLite(t)
		run(t, db, db) // one process holds the SQLite file; two pools share its handle
	})
	t.Run("postgres", func(t *testing.T) {
		url := storetest.PostgresDatabase(t)
		open := func() *store.DB {
			db, err := store.Open(t.Context(), store.Options{URL: url})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
		run(t, open(), open())
	})
}

// simulateLostRunner makes job id look claimed by a runner that died: running, attempt 1, with a
// lease that ends after leaseLeft (negative: already over).
func simulateLostRunner(t *testing.T, db *store.DB, id int64, leaseLeft time.Duration) {
	t.Helper()
	now, err := db.Now(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Writer().ExecContext(t.Context(), `UPDATE jobs SET state = 'running', attempt = 1, lease_until = $1, locked_by = 'dead-node#0'
WHERE id = $2 AND state = 'available'`, now+leaseLeft.Milliseconds(), id)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("simulate lost runner: updated %d rows", n)
	}
}

func TestRescueLostRunner(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		reg := prometheus.NewRegistry()
		q := newQueue(t, db, jobs.Options{Registerer: reg})
		attempts := make(chan int, 10)
		q.Handle("send", func(ctx context.Context, job *jobs.Job) error {
			attempts <- job.Attempt
			return nil
		})
		retried := enqueue(t, db, q, jobs.Spec{Kind: "send", MaxAttempts: 5})
		parked := enqueue(t, db, q, jobs.Spec{Kind: "send", MaxAttempts: 1})
		// One lease ends while the runner sleeps (MaxSleep is a minute: it must wake for it).
		simulateLostRunner(t, db, retried, 3*time.Second)
		simulateLostRunner(t, db, parked, -time.Second)

		start(t, q)
		p := waitState(t, q, parked, jobs.Failed)
		if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Error, "lease expired") || p.FinishedAt == 0 {
			t.Fatalf("job lost on its last attempt = %+v, want failed with a 'lease expired' error", p)
		}
		if j := get(t, q, retried); j.State != jobs.Running {
			t.Fatalf("job whose lease has not ended yet is %s, want still running", j.State)
		}
		if a := receive(t, "the rescued job to run again", attempts); a != 2 {
			t.Fatalf("rescued job ran as attempt %d, want 2", a)
		}
		j := waitState(t, q, retried, jobs.Completed)
		if j.Attempt != 2 || len(j.Errors) != 1 || j.Errors[0].Attempt != 1 || !strings.Contains(j.Errors[0].Error, "lease expired") {
			t.Fatalf("rescued job = %+v, want attempt 2 and one 'lease expired' error for attempt 1", j)
		}
		if len(attempts) != 0 {
			t.Fatalf("a job ran %d more times", len(attempts))
		}
		waitCounter(t, reg, "parley_jobs_rescued_total", "send", 2)
	})
}

// TestTakenOverJobResultIgnored: a runner whose job was rescued and claimed elsewhere (it stalled
// past its lease) sees its handler's ctx end, and its late result does not overwrite the new run.
func TestTakenOverJobResultIgnored(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		reg := prometheus.NewRegistry()
		q := newQueue(t, db, jobs.Options{Lease: 1500 * time.Millisecond, Registerer: reg})
		started := make(chan struct{}, 1)
		q.Handle("slow", func(ctx context.Context, job *jobs.Job) error {
			started <- struct{}{}
			<-ctx.Done()
			return nil // claims success regardless; the guard must ignore it
		})
		stop := start(t, q)
		id := enqueue(t, db, q, jobs.Spec{Kind: "slow"})
		receive(t, "the job to start", started)

		// What a rescue and a claim by another node leave behind.
		now, err := db.Now(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.Writer().ExecContext(t.Context(), `UPDATE jobs SET attempt = 2, locked_by = 'elsewhere#1', lease_until = $1 WHERE id = $2`,
			now+time.Hour.Milliseconds(), id)
		if err != nil {
			t.Fatal(err)
		}
		stop() // returns once the handler (cancelled at the next lease extension) has returned
		j := get(t, q, id)
		if j.State != jobs.Running || j.Attempt != 2 {
			t.Fatalf("job = %+v, want still running as attempt 2 elsewhere", j)
		}
		var lockedBy string
		if err := db.Reader().QueryRowContext(t.Context(), `SELECT locked_by FROM jobs WHERE id = $1`, id).Scan(&lockedBy); err != nil {
			t.Fatal(err)
		}
		if lockedBy != "elsewhere#1" {
			t.Fatalf("locked_by = %q, want elsewhere#1", lockedBy)
		}
		if got := counter(t, reg, "parley_jobs_completed_total", "slow"); got != 0 {
			t.Fatalf("parley_jobs_completed_total = %v, want 0", got)
		}
	})
}

// waitCounter waits up to 10 s for a counter series to reach want. A runner counts an outcome
// just after it commits the job's new state, so a test that saw the state may be a moment early.
func waitCounter(t *testing.T, reg *prometheus.Registry, name, kind string, want float64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := counter(t, reg, name, kind)
		if got == want {
			return
		}
		if got > want || time.Now().After(deadline) {
			t.Fatalf("%s{kind=%q} = %v, want %v", name, kind, got, want)
		}
		time.Sleep(5 * time.Millisecond) // polling an in-memory counter
	}
}

// counter reads one counter series from reg.
func counter(t *testing.T, reg *prometheus.Registry, name, kind string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" && l.GetValue() == kind {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

func TestPanicIsRetried(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q := newQueue(t, db, jobs.Options{})
		done := make(chan int, 10)
		q.Handle("fragile", func(ctx context.Context, job *jobs.Job) error {
			if job.Attempt == 1 {
				panic("boom")
			}
			done <- job.Attempt
			return nil
		})
		start(t, q)
		id := enqueue(t, db, q, jobs.Spec{Kind: "fragile"})
		if a := receive(t, "the second attempt", done); a != 2 {
			t.Fatalf("succeeded on attempt %d, want 2", a)
		}
		j := waitState(t, q, id, jobs.Completed)
		if len(j.Errors) != 1 || j.Errors[0].Attempt != 1 {
			t.Fatalf("errors = %+v, want one for attempt 1", j.Errors)
		}
		if e := j.Errors[0].Error; !strings.Contains(e, "panic: boom") || !strings.Contains(e, "jobs_test.go") {
			t.Fatalf("attempt error = %q, want the panic value and a stack through the handler", e)
		}
	})
}

func TestParkedAfterMaxAttemptsAndRetry(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		reg := prometheus.NewRegistry()
		q := newQueue(t, db, jobs.Options{Registerer: reg})
		var healthy atomic.Bool
		q.Handle("webhook", func(ctx context.Context, job *jobs.Job) error {
			if healthy.Load() {
				return nil
			}
			return fmt.Errorf("endpoint answered 503 on attempt %d", job.Attempt)
		})
		start(t, q)
		id := enqueue(t, db, q, jobs.Spec{Kind: "webhook", MaxAttempts: 3})
		j := waitState(t, q, id, jobs.Failed)
		if j.Attempt != 3 || j.FinishedAt == 0 || len(j.Errors) != 3 {
			t.Fatalf("parked job = %+v, want attempt 3, finished, 3 errors", j)
		}
		for i, e := range j.Errors {
			if e.Attempt != i+1 || e.At == 0 || e.Error != fmt.Sprintf("endpoint answered 503 on attempt %d", i+1) {
				t.Fatalf("error %d = %+v", i, e)
			}
		}
		failed, err := q.List(t.Context(), jobs.Failed, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(failed) != 1 || failed[0].ID != id || len(failed[0].Errors) != 3 {
			t.Fatalf("List(failed) = %+v, want the parked job with its errors", failed)
		}
		waitCounter(t, reg, "parley_jobs_failed_total", "webhook", 1)
		waitCounter(t, reg, "parley_jobs_retried_total", "webhook", 2)

		healthy.Store(true)
		if err := q.Retry(t.Context(), id); err != nil {
			t.Fatal(err)
		}
		j = waitState(t, q, id, jobs.Completed)
		if j.Attempt != 4 || len(j.Errors) != 3 {
			t.Fatalf("retried job = %+v, want attempt 4 with the 3 old errors kept", j)
		}
		if err := q.Retry(t.Context(), id); !errs.Is(err, errs.Conflict) {
			t.Fatalf("Retry of a completed job = %v, want a conflict", err)
		}
		if err := q.Retry(t.Context(), id+1000); !errs.Is(err, errs.NotFound) {
			t.Fatalf("Retry of a missing job = %v, want not found", err)
		}
		if _, err := q.Get(t.Context(), id+1000); !errs.Is(err, errs.NotFound) {
			t.Fatalf("Get of a missing job = %v, want not found", err)
		}
	})
}

func TestUnknownKindIsRetried(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q := newQueue(t, db, jobs.Options{})
		start(t, q)
		id := enqueue(t, db, q, jobs.Spec{Kind: "from-the-future", MaxAttempts: 2})
		j := waitState(t, q, id, jobs.Failed)
		if len(j.Errors) != 2 || !strings.Contains(j.Errors[1].Error, `no handler for job kind "from-the-future"`) {
			t.Fatalf("errors = %+v, want two 'no handler' errors", j.Errors)
		}
	})
}

func TestCancel(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q := newQueue(t, db, jobs.Options{Lease: 1500 * time.Millisecond})
		ran := make(chan int64, 10)
		q.Handle("note", func(ctx context.Context, job *jobs.Job) error {
			ran <- job.ID
			return nil
		})
		blocked := make(chan int64, 1)
		stopped := make(chan error, 1)
		q.Handle("block", func(ctx context.Context, job *jobs.Job) error {
			blocked <- job.ID
			<-ctx.Done()
			stopped <- ctx.Err()
			return ctx.Err()
		})
		inTx := func(fn func(tx *store.Tx) error) {
			t.Helper()
			if err := db.InTx(t.Context(), fn); err != nil {
				t.Fatal(err)
			}
		}

		cancelled := enqueue(t, db, q, jobs.Spec{Kind: "note"})
		byKey := enqueue(t, db, q, jobs.Spec{Kind: "note", UniqueKey: "k"})
		inTx(func(tx *store.Tx) error { return q.Cancel(t.Context(), tx, cancelled) })
		inTx(func(tx *store.Tx) error { return q.CancelUnique(t.Context(), tx, "note", "k") })
		inTx(func(tx *store.Tx) error { return q.CancelUnique(t.Context(), tx, "note", "no such key") })
		err := db.InTx(t.Context(), func(tx *store.Tx) error { return q.Cancel(t.Context(), tx, cancelled+1000) })
		if !errs.Is(err, errs.NotFound) {
			t.Fatalf("Cancel of a missing job = %v, want not found", err)
		}

		start(t, q)
		after := enqueue(t, db, q, jobs.Spec{Kind: "note"})
		if id := receive(t, "the job enqueued after the cancelled ones", ran); id != after {
			t.Fatalf("ran job %d, want %d (the others were cancelled)", id, after)
		}
		waitState(t, q, after, jobs.Completed)
		for _, id := range []int64{cancelled, byKey} {
			if j := get(t, q, id); j.State != jobs.Cancelled || j.Attempt != 0 || j.FinishedAt == 0 {
				t.Fatalf("cancelled job = %+v, want cancelled, never attempted", j)
			}
		}

		// A running job: its ctx ends at the next lease extension and its result is ignored.
		running := enqueue(t, db, q, jobs.Spec{Kind: "block"})
		receive(t, "the blocking job to start", blocked)
		inTx(func(tx *store.Tx) error { return q.Cancel(t.Context(), tx, running) })
		if err := receive(t, "the cancelled job's ctx to end", stopped); !errors.Is(err, context.Canceled) {
			t.Fatalf("ctx.Err() = %v", err)
		}
		// The handler's error must not turn the cancellation into a retry.
		enqueue(t, db, q, jobs.Spec{Kind: "note"})
		receive(t, "a later job", ran)
		waitFor(t, "the runner to be idle", func() bool {
			busy, err := q.List(t.Context(), jobs.Running, 10)
			if err != nil {
				t.Fatal(err)
			}
			return len(busy) == 0
		})
		if j := get(t, q, running); j.State != jobs.Cancelled || len(j.Errors) != 0 {
			t.Fatalf("job cancelled while running = %+v, want cancelled with no attempt error", j)
		}
	})
}

func TestHandlerCancelsJob(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q := newQueue(t, db, jobs.Options{})
		var calls atomic.Int32
		q.Handle("reply", func(ctx context.Context, job *jobs.Job) error {
			calls.Add(1)
			return jobs.CancelJob("conversation already closed")
		})
		start(t, q)
		id := enqueue(t, db, q, jobs.Spec{Kind: "reply"})
		j := waitState(t, q, id, jobs.Cancelled)
		if calls.Load() != 1 || len(j.Errors) != 1 || !strings.Contains(j.Errors[0].Error, "conversation already closed") {
			t.Fatalf("job = %+v after %d calls, want cancelled once with the reason recorded", j, calls.Load())
		}
	})
}

func TestSnooze(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q := newQueue(t, db, jobs.Options{})
		type call struct {
			attempt int
			at      time.Time
		}
		calls := make(chan call, 10)
		var n atomic.Int32
		q.Handle("poll", func(ctx context.Context, job *jobs.Job) error {
			calls <- call{job.Attempt, time.Now()}
			if n.Add(1) == 1 {
				return jobs.Snooze(300 * time.Millisecond)
			}
			return nil
		})
		start(t, q)
		id := enqueue(t, db, q, jobs.Spec{Kind: "poll", MaxAttempts: 1})
		first := receive(t, "the first run", calls)
		second := receive(t, "the run after the snooze", calls)
		if first.attempt != 1 || second.attempt != 1 {
			t.Fatalf("attempts = %d, %d; a snooze must not count one", first.attempt, second.attempt)
		}
		if d := second.at.Sub(first.at); d < 290*time.Millisecond {
			t.Fatalf("ran again after %s, want at least the 300ms snooze", d)
		}
		j := waitState(t, q, id, jobs.Completed)
		if j.Attempt != 1 || len(j.Errors) != 0 {
			t.Fatalf("job = %+v, want attempt 1 and no errors", j)
		}
	})
}

func TestShutdownReleasesRunningJobs(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q := newQueue(t, db, jobs.Options{Drain: 300 * time.Millisecond})
		started := make(chan string, 2)
		finish := make(chan struct{})
		q.Handle("stuck", func(ctx context.Context, job *jobs.Job) error {
			started <- "stuck"
			<-ctx.Done()
			return ctx.Err()
		})
		q.Handle("nearly-done", func(ctx context.Context, job *jobs.Job) error {
			started <- "nearly-done"
			<-finish // ignores ctx, but finishes within the drain period
			return nil
		})
		stop := start(t, q)
		stuck := enqueue(t, db, q, jobs.Spec{Kind: "stuck"})
		nearly := enqueue(t, db, q, jobs.Spec{Kind: "nearly-done"})
		receive(t, "a job to start", started)
		receive(t, "a job to start", started)

		stopped := make(chan struct{})
		go func() {
			stop()
			close(stopped)
		}()
		close(finish)
		receive(t, "Run to return", stopped)

		if j := get(t, q, nearly); j.State != jobs.Completed {
			t.Fatalf("job that finished during the drain is %s, want completed", j.State)
		}
		j := get(t, q, stuck)
		if j.State != jobs.Available || j.Attempt != 0 || len(j.Errors) != 0 {
			t.Fatalf("job cut off by shutdown = %+v, want available, attempt 0, no errors", j)
		}
		var lockedBy, leaseUntil *string
		err := db.Reader().QueryRowContext(t.Context(), `SELECT locked_by, CAST(lease_until AS TEXT) FROM jobs WHERE id = $1`, stuck).Scan(&lockedBy, &leaseUntil)
		if err != nil {
			t.Fatal(err)
		}
		if lockedBy != nil || leaseUntil != nil {
			t.Fatalf("released job still has locked_by %v, lease_until %v", lockedBy, leaseUntil)
		}

		// The next start runs it.
		q2 := newQueue(t, db, jobs.Options{})
		q2.Handle("stuck", func(ctx context.Context, job *jobs.Job) error { return nil })
		start(t, q2)
		if j := waitState(t, q2, stuck, jobs.Completed); j.Attempt != 1 {
			t.Fatalf("released job ran as attempt %d after restart, want 1", j.Attempt)
		}
	})
}

func TestOldJobsAreDeleted(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q := newQueue(t, db, jobs.Options{})
		now, err := db.Now(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		insert := func(state jobs.State, finishedAgo time.Duration) int64 {
			var id int64
			at := now - finishedAgo.Milliseconds()
			err := db.Writer().QueryRowContext(t.Context(), `INSERT INTO jobs (kind, state, max_attempts, run_at, created_at, updated_at, finished_at)
VALUES ('old', $1, 1, $2, $2, $2, $2) RETURNING id`, string(state), at).Scan(&id)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		oldDone := insert(jobs.Completed, 25*time.Hour)
		oldCancelled := insert(jobs.Cancelled, 25*time.Hour)
		oldFailed := insert(jobs.Failed, 25*time.Hour)
		recent := insert(jobs.Completed, time.Hour)

		start(t, q)
		waitFor(t, "old finished jobs to be deleted", func() bool {
			_, err1 := q.Get(t.Context(), oldDone)
			_, err2 := q.Get(t.Context(), oldCancelled)
			return errs.Is(err1, errs.NotFound) && errs.Is(err2, errs.NotFound)
		})
		get(t, q, oldFailed) // kept for an operator
		get(t, q, recent)
	})
}

func TestEnqueueValidates(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	q := newQueue(t, db, jobs.Options{})
	for _, p := range []jobs.Spec{
		{},
		{Kind: "x", MaxAttempts: -1},
		{Kind: "x", RunAt: time.Now(), Delay: time.Second},
	} {
		err := db.InTx(t.Context(), func(tx *store.Tx) error {
			_, err := q.Enqueue(t.Context(), tx, p)
			return err
		})
		if !errs.Is(err, errs.Invalid) {
			t.Errorf("Enqueue(%+v) = %v, want invalid", p, err)
		}
	}
	if _, err := q.List(t.Context(), "bogus", 10); !errs.Is(err, errs.Invalid) {
		t.Errorf("List(bogus) = %v, want invalid", err)
	}
}
