package jobs

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

const (
	// writeTimeout bounds the runner's own writes. They do not use Run's ctx: a claim or a result
	// must not be torn by a shutdown that begins halfway through.
	writeTimeout = 10 * time.Second
	// idleFloor is the shortest sleep after a pass that claimed nothing although a job seemed due
	// (another node held its row for a moment): short, but not a spin.
	idleFloor = 25 * time.Millisecond
	// errorSleep is how long the loop waits after the database failed it.
	errorSleep = time.Second
	// releaseGrace is how long shutdown waits, after cancelling handlers, for them to return.
	releaseGrace = time.Second
	// rescueBatch and cleanupBatch bound the work of one pass.
	rescueBatch  = 100
	cleanupBatch = 1000
	// Completed and cancelled jobs are kept this long (for inspection), then deleted.
	keepFinished  = 24 * time.Hour
	cleanupEvery  = 10 * time.Minute
	maxErrorBytes = 4096 // of one attempt error, so a handler's huge error cannot bloat the row
	maxStackBytes = 2048
)

// runner is the state of one Run call.
type runner struct {
	q        *Queue
	lockedBy string
	freed    chan struct{} // capacity 1: a worker finished
	workers  sync.WaitGroup
	stopping atomic.Bool // handlers' ctx is being cancelled for shutdown

	mu     sync.Mutex
	active map[*run]struct{}

	// Only the loop goroutine uses these.
	lastCleanup time.Time
	lastRescue  time.Time
	nextLease   sql.NullInt64 // earliest end of another runner's lease, as of the last pass
}

// run is one attempt of one job on this runner.
type run struct {
	job     *Job
	cancel  context.CancelFunc
	settled atomic.Bool // its final write was made (or found the job no longer ours)
}

// Run claims and runs due jobs until ctx ends. Then it stops claiming, lets running handlers finish
// for Options.Drain, cancels the rest and releases their jobs to available without consuming the
// attempt, so another node (or the next start) runs them. It returns nil after a shutdown; it does
// not wait for a handler that ignores its ctx (that handler's result is then ignored).
func (q *Queue) Run(ctx context.Context) error {
	if !q.running.CompareAndSwap(false, true) {
		return errors.New("jobs: Run called while already running")
	}
	defer q.running.Store(false)

	r := &runner{
		q:        q,
		lockedBy: q.opt.Node + "#" + randomHex(4),
		freed:    make(chan struct{}, 1),
		active:   make(map[*run]struct{}),
	}
	log := q.log.With("runner", r.lockedBy)
	log.Info("jobs runner started", "workers", q.opt.Workers, "lease", q.opt.Lease)

	// Handlers and lease extension outlive ctx by the drain period; they keep ctx's values.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	leaseCtx, stopLeases := context.WithCancel(context.WithoutCancel(ctx))
	leasesDone := make(chan struct{})
	go func() {
		defer close(leasesDone)
		r.keepLeases(leaseCtx)
	}()

	timer := time.NewTimer(0)
	defer timer.Stop()
	for ctx.Err() == nil {
		timer.Reset(r.pass(ctx, workCtx))
		select {
		case <-ctx.Done():
		case <-q.wake:
		case <-r.freed:
		case <-timer.C:
		}
	}

	r.shutdown(stopWork)
	stopLeases()
	<-leasesDone
	log.Info("jobs runner stopped")
	return nil
}

// pass rescues lost jobs, claims due ones for the free workers, and returns how long to sleep: until
// the next job is due or a foreign lease expires, on the database's clock, at most MaxSleep.
func (r *runner) pass(ctx, workCtx context.Context) time.Duration {
	q := r.q
	start := time.Now()
	now, err := q.db.Now(ctx)
	if err != nil {
		if ctx.Err() == nil {
			q.log.Error("jobs: read database clock", "err", err)
		}
		return errorSleep
	}
	// Rescue when another runner's lease has run out, and now and then regardless (this runner's
	// own jobs, should it stall, are not in nextLease).
	if (r.nextLease.Valid && r.nextLease.Int64 < now) || time.Since(r.lastRescue) >= q.opt.Lease/3 {
		if err := r.rescue(ctx, now); err != nil {
			if ctx.Err() == nil {
				q.log.Error("jobs: rescue expired leases", "err", err)
			}
		} else {
			r.lastRescue = time.Now()
		}
	}
	if time.Since(r.lastCleanup) >= cleanupEvery {
		if err := r.cleanup(ctx, now); err != nil && ctx.Err() == nil {
			q.log.Error("jobs: delete old jobs", "err", err)
		}
	}

	free := q.opt.Workers - r.activeCount()
	claimed := 0
	if free > 0 && ctx.Err() == nil {
		jobs, err := r.claim(ctx, now, free)
		if err != nil {
			q.log.Error("jobs: claim", "err", err)
			return errorSleep
		}
		for _, j := range jobs {
			r.start(workCtx, j)
		}
		claimed = len(jobs)
	}

	nextRun, nextLease, err := r.nextDue(ctx)
	r.nextLease = nextLease
	if err != nil {
		if ctx.Err() == nil {
			q.log.Error("jobs: find next due time", "err", err)
		}
		return errorSleep
	}
	sleep := q.opt.MaxSleep
	// With every worker busy, the next due job waits for a worker, which wakes the loop anyway.
	if nextRun.Valid && claimed < free {
		sleep = min(sleep, time.Duration(nextRun.Int64-now)*time.Millisecond)
	}
	if nextLease.Valid {
		// Rescue needs lease_until < now, hence the extra millisecond.
		sleep = min(sleep, time.Duration(nextLease.Int64-now+1)*time.Millisecond)
	}
	sleep -= time.Since(start) // now was read at the start of the pass
	if sleep <= 0 {
		if claimed > 0 {
			return 0 // more may be due right away
		}
		return idleFloor
	}
	return sleep
}

func (r *runner) activeCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.active)
}

func (r *runner) snapshot() []*run {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*run, 0, len(r.active))
	for rn := range r.active {
		out = append(out, rn)
	}
	return out
}

// claim marks up to n due jobs as running under this runner's lease, oldest first.
func (r *runner) claim(ctx context.Context, now int64, n int) ([]*Job, error) {
	q := r.q
	// SKIP LOCKED lets PostgreSQL runners claim side by side without waiting on each other; on
	// SQLite every claim goes through the single writer, so there is nothing to skip.
	lock := ""
	if q.db.SkipLocked() {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	// The due rows are picked once, in a materialized CTE. With the shorter
	// "UPDATE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)" PostgreSQL plans a nested
	// loop semi join that rescans the subquery per row, and under concurrency each rescan locks other
	// rows: TestTwoPools caught a runner claiming 30 jobs for 4 free workers.
	query := `WITH due AS MATERIALIZED (
    SELECT id AS due_id FROM jobs WHERE state = 'available' AND run_at <= $3 ORDER BY run_at, id LIMIT $4` + lock + `)
UPDATE jobs SET state = 'running', attempt = attempt + 1, lease_until = $1, locked_by = $2, updated_at = $3
FROM due WHERE jobs.id = due.due_id
RETURNING ` + jobColumns
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	var jobs []*Job
	err := q.db.WriteTx(wctx, func(tx Tx) error {
		jobs = jobs[:0]
		rows, err := tx.QueryContext(wctx, query, now+q.opt.Lease.Milliseconds(), r.lockedBy, now, n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j, err := scanJob(rows)
			if err != nil {
				return err
			}
			jobs = append(jobs, j)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	if len(jobs) > n {
		// Never expected (see above); it would run more handlers than Workers.
		r.q.log.Warn("jobs: claimed more jobs than asked for", "asked", n, "got", len(jobs))
	}
	// RETURNING order is unspecified; start the oldest first.
	slices.SortFunc(jobs, func(a, b *Job) int {
		return cmp.Or(cmp.Compare(a.RunAt, b.RunAt), cmp.Compare(a.ID, b.ID))
	})
	return jobs, nil
}

// nextDue returns the earliest run_at of available jobs and the earliest lease end of jobs other
// runners hold (invalid when there are none).
func (r *runner) nextDue(ctx context.Context) (nextRun, nextLease sql.NullInt64, err error) {
	err = r.q.db.Reader().QueryRowContext(ctx, `SELECT
    (SELECT MIN(run_at) FROM jobs WHERE state = 'available'),
    (SELECT MIN(lease_until) FROM jobs WHERE state = 'running' AND locked_by <> $1)`, r.lockedBy).Scan(&nextRun, &nextLease)
	return nextRun, nextLease, err
}

// start runs job on a new worker goroutine.
func (r *runner) start(workCtx context.Context, job *Job) {
	ctx, cancel := context.WithCancel(workCtx)
	rn := &run{job: job, cancel: cancel}
	r.mu.Lock()
	r.active[rn] = struct{}{}
	r.mu.Unlock()
	r.workers.Add(1)
	r.q.metrics.running.Inc()
	go func() {
		defer r.workers.Done()
		defer func() {
			cancel()
			r.mu.Lock()
			delete(r.active, rn)
			r.mu.Unlock()
			select {
			case r.freed <- struct{}{}:
			default:
			}
		}()
		err := r.call(ctx, job)
		r.q.metrics.running.Dec()
		r.finish(rn, err)
	}()
}

// call runs the job's handler, turning a panic into an error.
func (r *runner) call(ctx context.Context, job *Job) (err error) {
	h := r.q.handler(job.Kind)
	if h == nil {
		// Another node, perhaps of a newer version, may know this kind: retry rather than drop.
		return fmt.Errorf("no handler for job kind %q on runner %s", job.Kind, r.lockedBy)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, panicStack())
		}
	}()
	return h(ctx, job)
}

// panicStack returns the stack from the frame that panicked, shortened.
func panicStack() string {
	s := string(debug.Stack())
	// Skip debug.Stack, the deferred recover and runtime's panic frames.
	if i := strings.Index(s, "\npanic("); i >= 0 {
		s = s[i+1:]
		for range 2 { // the panic( line and its file:line line
			if j := strings.IndexByte(s, '\n'); j >= 0 {
				s = s[j+1:]
			}
		}
	}
	return truncate(s, maxStackBytes)
}

// truncate shortens s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// guard is the condition of every write about a job this runner ran: still running, this attempt,
// this runner. A job rescued and claimed elsewhere, or cancelled, fails it.
const guard = ` WHERE id = $1 AND state = 'running' AND attempt = $2 AND locked_by = $3`

// finish records the handler's result.
func (r *runner) finish(rn *run, herr error) {
	q, job := r.q, rn.job
	log := q.log.With("job", job.ID, "kind", job.Kind, "attempt", job.Attempt)
	var snooze *snoozeError
	var cancelled *cancelError
	isSnooze, isCancel := errors.As(herr, &snooze), errors.As(herr, &cancelled)
	if herr != nil && !isSnooze && !isCancel && r.stopping.Load() {
		// Cancelled by our own shutdown: shutdown releases the job without counting the attempt.
		return
	}

	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	now, err := q.db.Now(ctx)
	if err != nil {
		log.Error("jobs: record result: read database clock", "err", err)
		return // the lease will expire and the job will be rescued
	}
	args := []any{job.ID, job.Attempt, r.lockedBy}
	var (
		query   string
		outcome func()
	)
	switch {
	case herr == nil:
		query = `UPDATE jobs SET state = 'completed', lease_until = NULL, locked_by = NULL, finished_at = $4, updated_at = $4` + guard
		args = append(args, now)
		outcome = func() { q.metrics.completed.WithLabelValues(job.Kind).Inc() }
	case isSnooze:
		query = `UPDATE jobs SET state = 'available', attempt = attempt - 1, run_at = $4, lease_until = NULL, locked_by = NULL, updated_at = $5` + guard
		args = append(args, now+snooze.d.Milliseconds(), now)
		outcome = func() { log.Debug("job snoozed", "for", snooze.d) }
	case isCancel:
		query = `UPDATE jobs SET state = 'cancelled', errors = $4, lease_until = NULL, locked_by = NULL, finished_at = $5, updated_at = $5` + guard
		args = append(args, appendError(job, now, herr), now)
		outcome = func() { log.Info("job cancelled by its handler", "reason", cancelled.reason) }
	case job.Attempt >= job.MaxAttempts:
		query = `UPDATE jobs SET state = 'failed', errors = $4, lease_until = NULL, locked_by = NULL, finished_at = $5, updated_at = $5` + guard
		args = append(args, appendError(job, now, herr), now)
		outcome = func() {
			q.metrics.failed.WithLabelValues(job.Kind).Inc()
			log.Error("job failed on its last attempt; parked", "err", herr)
		}
	default:
		delay := q.opt.Backoff(job.Attempt)
		query = `UPDATE jobs SET state = 'available', errors = $4, run_at = $5, lease_until = NULL, locked_by = NULL, updated_at = $6` + guard
		args = append(args, appendError(job, now, herr), now+delay.Milliseconds(), now)
		outcome = func() {
			q.metrics.retried.WithLabelValues(job.Kind).Inc()
			log.Warn("job attempt failed; will retry", "err", herr, "in", delay)
		}
	}
	res, err := q.db.Writer().ExecContext(ctx, query, args...)
	for try := 1; err != nil && try < 3 && ctx.Err() == nil; try++ {
		// A blip should not cost a rerun; past a few tries the lease expires and the job is rescued.
		log.Warn("jobs: record result failed; trying again", "err", err)
		time.Sleep(time.Duration(try) * 200 * time.Millisecond)
		res, err = q.db.Writer().ExecContext(ctx, query, args...)
	}
	if err != nil {
		log.Error("jobs: record result", "err", err, "handler_err", herr)
		return // the lease will expire and the job will be rescued
	}
	rn.settled.Store(true)
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		log.Info("job was cancelled or taken over while it ran; result ignored", "handler_err", herr)
		return
	}
	outcome()
	if isSnooze {
		q.Wake() // its new due time may be the earliest
	}
}

// appendError returns job's errors with err added, as the JSON text of the errors column.
func appendError(job *Job, now int64, err error) string {
	list := append(slices.Clip(job.Errors), AttemptError{Attempt: job.Attempt, At: now, Error: truncate(err.Error(), maxErrorBytes)})
	b, _ := json.Marshal(list) // plain structs: cannot fail
	return string(b)
}

// keepLeases extends the leases of this runner's jobs every Lease/3, and cancels the ctx of any job
// that is no longer this runner's (cancelled, or rescued after a stall).
func (r *runner) keepLeases(ctx context.Context) {
	q := r.q
	t := time.NewTicker(max(q.opt.Lease/3, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// Snapshot first: a job claimed after the UPDATE began must not look lost.
		runs := r.snapshot()
		if len(runs) == 0 {
			continue
		}
		held, err := r.extend(ctx, runs)
		if err != nil {
			if ctx.Err() == nil {
				q.log.Error("jobs: extend leases", "err", err)
			}
			continue
		}
		for _, rn := range runs {
			if !held[[2]int64{rn.job.ID, int64(rn.job.Attempt)}] {
				rn.cancel()
			}
		}
	}
}

// extend pushes the leases of runs and returns the jobs still this runner's, by (id, attempt). Only
// jobs with a live handler are extended: one whose result could not be written must be left to expire
// and be rescued.
func (r *runner) extend(ctx context.Context, runs []*run) (map[[2]int64]bool, error) {
	q := r.q
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	now, err := q.db.Now(ctx)
	if err != nil {
		return nil, err
	}
	args := []any{now + q.opt.Lease.Milliseconds(), r.lockedBy}
	marks := make([]string, len(runs))
	for i, rn := range runs {
		args = append(args, rn.job.ID)
		marks[i] = fmt.Sprintf("$%d", len(args))
	}
	rows, err := q.db.Writer().QueryContext(ctx, `UPDATE jobs SET lease_until = $1
WHERE state = 'running' AND locked_by = $2 AND id IN (`+strings.Join(marks, ", ")+`) RETURNING id, attempt`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	held := make(map[[2]int64]bool)
	for rows.Next() {
		var id, attempt int64
		if err := rows.Scan(&id, &attempt); err != nil {
			return nil, err
		}
		held[[2]int64{id, attempt}] = true
	}
	return held, rows.Err()
}

// rescue returns jobs whose lease expired (their runner is gone) to available, or parks them as
// failed when that was their last attempt.
func (r *runner) rescue(ctx context.Context, now int64) error {
	q := r.q
	rows, err := q.db.Reader().QueryContext(ctx, `SELECT id, kind, attempt, max_attempts, errors, locked_by FROM jobs
WHERE state = 'running' AND lease_until < $1 ORDER BY lease_until LIMIT $2`, now, rescueBatch)
	if err != nil {
		return err
	}
	type lost struct {
		job      Job
		lockedBy string
	}
	var found []lost
	for rows.Next() {
		var (
			l        lost
			errsText string
			by       sql.NullString
		)
		if err := rows.Scan(&l.job.ID, &l.job.Kind, &l.job.Attempt, &l.job.MaxAttempts, &errsText, &by); err != nil {
			rows.Close()
			return err
		}
		_ = json.Unmarshal([]byte(errsText), &l.job.Errors) // unreadable: start a new list
		l.lockedBy = by.String
		found = append(found, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	for _, l := range found {
		j := &l.job
		errText := appendError(j, now, fmt.Errorf("lease expired (runner lost): was locked by %s", l.lockedBy))
		state, finished := Available, any(nil)
		if j.Attempt >= j.MaxAttempts {
			state, finished = Failed, now
		}
		// Guarded by attempt and the expired lease: a runner that extended it in the meantime, or
		// another node that rescued it first, wins.
		res, err := q.db.Writer().ExecContext(wctx, `UPDATE jobs SET state = $1, errors = $2, run_at = $3, updated_at = $3,
    finished_at = $4, lease_until = NULL, locked_by = NULL
WHERE id = $5 AND state = 'running' AND attempt = $6 AND lease_until < $3`,
			string(state), errText, now, finished, j.ID, j.Attempt)
		if err != nil {
			return fmt.Errorf("rescue job %d: %w", j.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			continue
		}
		q.metrics.rescued.WithLabelValues(j.Kind).Inc()
		if state == Failed {
			q.metrics.failed.WithLabelValues(j.Kind).Inc()
			q.log.Error("job lease expired on its last attempt; parked", "job", j.ID, "kind", j.Kind, "attempt", j.Attempt, "locked_by", l.lockedBy)
		} else {
			q.log.Warn("job lease expired; rescued", "job", j.ID, "kind", j.Kind, "attempt", j.Attempt, "locked_by", l.lockedBy)
		}
	}
	return nil
}

// cleanup deletes a bounded batch of jobs that completed or were cancelled over keepFinished ago.
func (r *runner) cleanup(ctx context.Context, now int64) error {
	res, err := r.q.db.Writer().ExecContext(ctx, `DELETE FROM jobs WHERE id IN (
    SELECT id FROM jobs WHERE state IN ('completed', 'cancelled') AND finished_at < $1 LIMIT $2)`,
		now-keepFinished.Milliseconds(), cleanupBatch)
	if err != nil {
		return err
	}
	// A full batch means more are waiting: leave lastCleanup so the next pass goes on.
	if n, err := res.RowsAffected(); err == nil && n < cleanupBatch {
		r.lastCleanup = time.Now()
	}
	return nil
}

// shutdown lets running handlers finish for Drain, then cancels them and releases their jobs.
func (r *runner) shutdown(stopWork context.CancelFunc) {
	q := r.q
	allDone := make(chan struct{})
	go func() {
		r.workers.Wait()
		close(allDone)
	}()
	drain := time.NewTimer(q.opt.Drain)
	defer drain.Stop()
	select {
	case <-allDone:
		return
	case <-drain.C:
	}

	pending := r.snapshot()
	r.stopping.Store(true)
	stopWork()
	grace := time.NewTimer(releaseGrace)
	defer grace.Stop()
	select {
	case <-allDone:
	case <-grace.C:
		q.log.Warn("jobs: handlers ignored cancellation at shutdown; their results will be ignored", "count", r.activeCount())
	}

	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	now, err := q.db.Now(ctx)
	if err != nil {
		q.log.Error("jobs: release jobs at shutdown: read database clock", "err", err)
		return // their leases will expire and they will be rescued
	}
	for _, rn := range pending {
		if rn.settled.Load() {
			continue
		}
		// Not the job's fault, so the attempt is given back; run_at is kept so it stays in line.
		_, err := q.db.Writer().ExecContext(ctx, `UPDATE jobs SET state = 'available', attempt = attempt - 1, lease_until = NULL, locked_by = NULL, updated_at = $4`+guard,
			rn.job.ID, rn.job.Attempt, r.lockedBy, now)
		if err != nil {
			q.log.Error("jobs: release job at shutdown", "job", rn.job.ID, "err", err)
			continue
		}
		q.log.Info("job released at shutdown", "job", rn.job.ID, "kind", rn.job.Kind)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
