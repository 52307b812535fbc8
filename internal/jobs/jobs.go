// Package jobs runs durable jobs and timers stored in the database's jobs table, with the same SQL
// on SQLite and PostgreSQL.
//
// The semantics follow River's: a job is enqueued in the same transaction as the change that causes
// it, so it exists exactly when that change does. It runs at least once, by one runner at a time: the
// runner that claims it holds a lease and extends it while the handler works; a lease that expires
// (the runner died) is rescued by any other runner. Every write a runner makes about a job it ran is
// guarded by (state, attempt, locked_by), so a runner that lost its job cannot overwrite a newer run
// or a cancellation. Handlers must therefore make their effects idempotent. Failed attempts are
// retried with back-off and recorded; after MaxAttempts the job is parked as failed for an operator.
// Due times and leases use the database's clock, so nodes with skewed clocks agree.
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parleyhq/parley/internal/errs"
)

// Handler runs one job. Returning nil completes it; an error schedules a retry (or parks the job
// after its last attempt); Snooze and CancelJob say otherwise. ctx ends when the job is no longer
// this runner's (cancelled, lease lost) or at the end of a shutdown's drain period.
type Handler func(ctx context.Context, job *Job) error

// State is where a job is in its life.
type State string

const (
	Available State = "available" // waiting for its run_at
	Running   State = "running"   // claimed by a runner holding a lease
	Completed State = "completed" // its handler returned nil
	Failed    State = "failed"    // parked after its last attempt; Retry brings it back
	Cancelled State = "cancelled" // cancelled by Cancel or by its handler; never runs again unless retried
)

func (s State) valid() bool {
	switch s {
	case Available, Running, Completed, Failed, Cancelled:
		return true
	}
	return false
}

// Job is one row of the jobs table.
type Job struct {
	ID          int64
	Kind        string
	Payload     json.RawMessage
	UniqueKey   string // empty when the job has none
	State       State
	Attempt     int // attempts started; the running attempt's number inside a handler
	MaxAttempts int
	RunAt       int64 // unix ms, database clock
	Errors      []AttemptError
	CreatedAt   int64
	UpdatedAt   int64
	FinishedAt  int64 // 0 until completed, failed or cancelled
}

// AttemptError records why an attempt did not complete.
type AttemptError struct {
	Attempt int    `json:"attempt"`
	At      int64  `json:"at"`
	Error   string `json:"error"`
}

// Spec describes a job to enqueue: a plain value a domain write carries, so the store inserts it
// in the write's own transaction.
type Spec struct {
	Kind    string
	Payload any // marshalled to JSON; nil means {}; pass json.RawMessage for ready JSON
	// RunAt is when the job becomes due; zero means now. Prefer Delay for "in d from now": it is
	// measured on the database's clock.
	RunAt time.Time
	Delay time.Duration
	// UniqueKey, when set, allows one pending (available or running) job per kind and key; enqueuing
	// another returns the pending one's id.
	UniqueKey   string
	MaxAttempts int // 0 means DefaultMaxAttempts
	// ConversationID names the conversation the job is about: deleting the conversation cancels it.
	ConversationID int64
}

// DefaultMaxAttempts is used when Spec.MaxAttempts is 0.
const DefaultMaxAttempts = 10

// Options configure a Queue. Zero values take the defaults noted.
type Options struct {
	// Node identifies this runner in locked_by; each Run appends a random suffix so that two runs
	// (or two nodes given the same name) never pass each other's guards. Default: the host name.
	Node     string
	Workers  int           // jobs run concurrently, default 4
	Lease    time.Duration // default 30s; leases of running jobs are extended every Lease/3
	MaxSleep time.Duration // longest sleep between checks when nothing local says otherwise, default 5s
	Drain    time.Duration // on shutdown, how long running handlers may finish before their ctx ends, default 10s
	// Backoff gives the delay before retrying after a failed attempt (1-based). Default: 1s·2^(attempt-1)
	// with ±10% jitter, capped at 1h.
	Backoff func(attempt int) time.Duration
	// AfterEnqueue, if set, is called after a commit that enqueued a job, e.g. to wake other nodes
	// through the bus (which then call Wake).
	AfterEnqueue func()
	Logger       *slog.Logger
	Registerer   prometheus.Registerer // optional
}

const (
	defaultWorkers  = 4
	defaultLease    = 30 * time.Second
	defaultMaxSleep = 5 * time.Second
	defaultDrain    = 10 * time.Second
	maxBackoff      = time.Hour
)

// Querier runs statements: a transaction or a pool.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is a write transaction that can run code once it has committed.
type Tx interface {
	Querier
	AfterCommit(fn func())
}

// DB is the database the queue keeps its jobs in (internal/store implements it).
type DB interface {
	// Now is the database's clock in unix ms: due times and leases use it, so nodes agree.
	Now(ctx context.Context) (int64, error)
	Reader() *sql.DB
	Writer() *sql.DB
	// SkipLocked reports whether claims may use FOR UPDATE SKIP LOCKED (PostgreSQL).
	SkipLocked() bool
	// WriteTx runs fn in a write transaction, committing when it returns nil.
	WriteTx(ctx context.Context, fn func(tx Tx) error) error
	IsUniqueViolation(err error) bool
}

// Queue enqueues jobs and, in Run, runs them.
type Queue struct {
	db      DB
	opt     Options
	log     *slog.Logger
	metrics *metrics
	wake    chan struct{} // capacity 1: a pending nudge for Run's loop

	mu       sync.RWMutex
	handlers map[string]Handler

	running atomic.Bool // Run is active
}

// New returns a Queue on db. Register handlers with Handle, then call Run.
func New(db DB, opt Options) *Queue {
	if opt.Node == "" {
		opt.Node, _ = os.Hostname()
		if opt.Node == "" {
			opt.Node = "node"
		}
	}
	if opt.Workers <= 0 {
		opt.Workers = defaultWorkers
	}
	if opt.Lease <= 0 {
		opt.Lease = defaultLease
	}
	if opt.MaxSleep <= 0 {
		opt.MaxSleep = defaultMaxSleep
	}
	if opt.Drain <= 0 {
		opt.Drain = defaultDrain
	}
	if opt.Backoff == nil {
		opt.Backoff = DefaultBackoff
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Queue{
		db:       db,
		opt:      opt,
		log:      log,
		metrics:  newMetrics(opt.Registerer),
		wake:     make(chan struct{}, 1),
		handlers: make(map[string]Handler),
	}
}

// DefaultBackoff doubles from 1s per attempt, ±10% jitter so retries of many jobs that failed
// together spread out, capped at 1h.
func DefaultBackoff(attempt int) time.Duration {
	d := maxBackoff
	if attempt < 13 { // 2^12 s > 1h
		d = min(time.Second<<max(attempt-1, 0), maxBackoff)
	}
	jitter := time.Duration(rand.Int64N(int64(d)/5+1)) - d/10
	return min(d+jitter, maxBackoff)
}

// Handle registers h for jobs of kind. Call it before Run; a later call replaces the handler.
func (q *Queue) Handle(kind string, h Handler) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.handlers[kind] = h
}

func (q *Queue) handler(kind string) Handler {
	q.mu.RLock()
	defer q.mu.RUnlock()
	return q.handlers[kind]
}

// Wake nudges Run to look for due jobs now. It never blocks.
func (q *Queue) Wake() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

const jobColumns = "id, kind, payload, unique_key, state, attempt, max_attempts, run_at, errors, created_at, updated_at, finished_at"

type scanner interface{ Scan(dest ...any) error }

func scanJob(s scanner) (*Job, error) {
	var (
		j        Job
		payload  []byte
		unique   sql.NullString
		state    string
		errsText string
		finished sql.NullInt64
	)
	if err := s.Scan(&j.ID, &j.Kind, &payload, &unique, &state, &j.Attempt, &j.MaxAttempts, &j.RunAt,
		&errsText, &j.CreatedAt, &j.UpdatedAt, &finished); err != nil {
		return nil, err
	}
	j.Payload = json.RawMessage(payload)
	j.UniqueKey = unique.String
	j.State = State(state)
	j.FinishedAt = finished.Int64
	if err := json.Unmarshal([]byte(errsText), &j.Errors); err != nil {
		// The column is ours; a bad value is a bug, but the job itself must stay usable.
		j.Errors = []AttemptError{{Error: "unreadable errors column: " + err.Error()}}
	}
	return &j, nil
}

// Enqueue adds a job inside the caller's transaction, so it exists only if tx commits; the runner
// wakes once it has. With a UniqueKey and a pending job of the same kind and key, it returns that
// job's id instead.
func (q *Queue) Enqueue(ctx context.Context, tx Tx, p Spec) (int64, error) {
	now, err := q.db.Now(ctx)
	if err != nil {
		return 0, fmt.Errorf("enqueue %s job: read database clock: %w", p.Kind, err)
	}
	id, err := Insert(ctx, tx, p, now)
	if err != nil {
		return 0, err
	}
	tx.AfterCommit(q.Wake)
	if q.opt.AfterEnqueue != nil {
		tx.AfterCommit(q.opt.AfterEnqueue)
	}
	return id, nil
}

// Insert writes job p with q (a transaction of the change that causes it); now is the database's
// clock. With a UniqueKey and a pending job of the same kind and key, it returns that job's id
// instead. Nothing wakes a runner: whoever commits tx announces that it holds jobs.
func Insert(ctx context.Context, q Querier, p Spec, now int64) (int64, error) {
	if p.Kind == "" {
		return 0, errs.E(errs.Invalid, "job kind is empty")
	}
	if p.MaxAttempts < 0 {
		return 0, errs.E(errs.Invalid, "job max attempts %d is negative", p.MaxAttempts)
	}
	if !p.RunAt.IsZero() && p.Delay != 0 {
		return 0, errs.E(errs.Invalid, "job has both RunAt and Delay")
	}
	maxAttempts := p.MaxAttempts
	if maxAttempts == 0 {
		maxAttempts = DefaultMaxAttempts
	}
	payload := []byte("{}")
	if p.Payload != nil {
		b, err := json.Marshal(p.Payload)
		if err != nil {
			return 0, fmt.Errorf("marshal payload of %s job: %w", p.Kind, err)
		}
		payload = b
	}
	runAt := now
	switch {
	case !p.RunAt.IsZero():
		runAt = p.RunAt.UnixMilli()
	case p.Delay > 0:
		runAt = now + p.Delay.Milliseconds()
	}
	unique := sql.NullString{String: p.UniqueKey, Valid: p.UniqueKey != ""}
	conv := sql.NullInt64{Int64: p.ConversationID, Valid: p.ConversationID != 0}

	// The pending job we collide with may finish between the insert and the select; then the insert
	// succeeds on the next round.
	for range 3 {
		var id int64
		err := q.QueryRowContext(ctx, `INSERT INTO jobs (kind, payload, unique_key, state, attempt, max_attempts, run_at, errors, created_at, updated_at, conversation_id)
VALUES ($1, $2, $3, 'available', 0, $4, $5, '[]', $6, $6, $7)
ON CONFLICT (kind, unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running') DO NOTHING
RETURNING id`, p.Kind, string(payload), unique, maxAttempts, runAt, now, conv).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("enqueue %s job: %w", p.Kind, err)
		}
		err = q.QueryRowContext(ctx, `SELECT id FROM jobs WHERE kind = $1 AND unique_key = $2 AND state IN ('available', 'running')`,
			p.Kind, p.UniqueKey).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("enqueue %s job: find pending job with key %q: %w", p.Kind, p.UniqueKey, err)
		}
	}
	return 0, fmt.Errorf("enqueue %s job with key %q: pending job kept changing", p.Kind, p.UniqueKey)
}

// CancelConversation cancels every pending job about conversation id (Spec.ConversationID), with
// q a transaction of the change that deletes it; now is the database's clock.
func CancelConversation(ctx context.Context, q Querier, id, now int64) error {
	_, err := q.ExecContext(ctx, `UPDATE jobs SET state = 'cancelled', lease_until = NULL, finished_at = $1, updated_at = $1
WHERE conversation_id = $2 AND state IN ('available', 'running')`, now, id)
	if err != nil {
		return fmt.Errorf("cancel jobs of conversation %d: %w", id, err)
	}
	return nil
}

// Cancel cancels job id if it is pending. An available job never runs; a running job's handler
// sees its ctx end at the next lease extension and its result is ignored. Cancelling a job that
// has already finished does nothing.
func (q *Queue) Cancel(ctx context.Context, tx Querier, id int64) error {
	now, err := q.db.Now(ctx)
	if err != nil {
		return fmt.Errorf("cancel job %d: read database clock: %w", id, err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE jobs SET state = 'cancelled', lease_until = NULL, finished_at = $1, updated_at = $1
WHERE id = $2 AND state IN ('available', 'running')`, now, id)
	if err != nil {
		return fmt.Errorf("cancel job %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM jobs WHERE id = $1`, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "job %d not found", id)
		}
		if err != nil {
			return fmt.Errorf("cancel job %d: %w", id, err)
		}
	}
	return nil
}

// CancelUnique cancels the pending job of kind with unique key, if there is one.
func (q *Queue) CancelUnique(ctx context.Context, tx Querier, kind, key string) error {
	now, err := q.db.Now(ctx)
	if err != nil {
		return fmt.Errorf("cancel %s job %q: read database clock: %w", kind, key, err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE jobs SET state = 'cancelled', lease_until = NULL, finished_at = $1, updated_at = $1
WHERE kind = $2 AND unique_key = $3 AND state IN ('available', 'running')`, now, kind, key)
	if err != nil {
		return fmt.Errorf("cancel %s job %q: %w", kind, key, err)
	}
	return nil
}

// Get returns job id, or an errs.NotFound error.
func (q *Queue) Get(ctx context.Context, id int64) (*Job, error) {
	j, err := scanJob(q.db.Reader().QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "job %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get job %d: %w", id, err)
	}
	return j, nil
}

// List returns up to limit jobs in state (all states when empty), newest first.
func (q *Queue) List(ctx context.Context, state State, limit int) ([]Job, error) {
	switch {
	case limit <= 0:
		limit = 100
	case limit > 1000:
		limit = 1000
	}
	var (
		rows *sql.Rows
		err  error
	)
	switch {
	case state == "":
		rows, err = q.db.Reader().QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs ORDER BY id DESC LIMIT $1`, limit)
	case state.valid():
		rows, err = q.db.Reader().QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE state = $1 ORDER BY id DESC LIMIT $2`, string(state), limit)
	default:
		return nil, errs.E(errs.Invalid, "unknown job state %q", state)
	}
	if err != nil {
		return nil, fmt.Errorf("list %s jobs: %w", state, err)
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("list %s jobs: %w", state, err)
		}
		out = append(out, *j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s jobs: %w", state, err)
	}
	return out, nil
}

// Retry makes a failed or cancelled job available now, keeping its attempt errors. A job that used
// all its attempts gets one more (as River does), so a job that keeps failing parks again.
func (q *Queue) Retry(ctx context.Context, id int64) error {
	now, err := q.db.Now(ctx)
	if err != nil {
		return fmt.Errorf("retry job %d: read database clock: %w", id, err)
	}
	res, err := q.db.Writer().ExecContext(ctx, `UPDATE jobs SET state = 'available', run_at = $1, updated_at = $1,
    finished_at = NULL, lease_until = NULL, locked_by = NULL,
    max_attempts = CASE WHEN attempt >= max_attempts THEN attempt + 1 ELSE max_attempts END
WHERE id = $2 AND state IN ('failed', 'cancelled')`, now, id)
	if q.db.IsUniqueViolation(err) {
		return errs.E(errs.Conflict, "job %d cannot be retried: another job with the same kind and key is pending", id)
	}
	if err != nil {
		return fmt.Errorf("retry job %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		j, err := q.Get(ctx, id)
		if err != nil {
			return err
		}
		return errs.E(errs.Conflict, "job %d is %s; only failed or cancelled jobs can be retried", id, j.State)
	}
	q.Wake()
	if q.opt.AfterEnqueue != nil {
		q.opt.AfterEnqueue()
	}
	return nil
}

// snoozeError is returned by Snooze.
type snoozeError struct{ d time.Duration }

func (e *snoozeError) Error() string { return fmt.Sprintf("snooze %s", e.d) }

// Snooze, returned by a handler, reschedules its job after d without counting the attempt.
func Snooze(d time.Duration) error { return &snoozeError{d: max(d, 0)} }

// cancelError is returned by CancelJob.
type cancelError struct{ reason string }

func (e *cancelError) Error() string { return "cancelled: " + e.reason }

// CancelJob, returned by a handler, cancels its job for good (no retry), recording reason as its
// attempt error. (Named so as not to clash with the state Cancelled.)
func CancelJob(reason string) error { return &cancelError{reason: reason} }
