package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// Group commit for SQLite. SQLite has one writer, and much of a small write transaction's cost is
// its BEGIN and COMMIT and the hand-off of the writer connection between them, so InTx calls that
// arrive while a transaction runs share the next one (eagerly: no timer):
//
//	BEGIN IMMEDIATE
//	  SAVEPOINT member; fn₁ → RELEASE member   (or ROLLBACK TO member when fn₁ fails)
//	  SAVEPOINT member; fn₂ → …
//	COMMIT
//
// There is no writer goroutine. A call that finds no transaction running leads one: it runs its
// own fn first, then takes every call that queued meanwhile (up to maxBatch), hands each its turn,
// commits, answers them and passes the lead to the first call that queued after that. Alone, a
// call therefore costs what it did before group commit, plus a savepoint. The leader's savepoint
// matters too: were its fn to swallow an error after which SQLite dropped the whole transaction
// (disk full, I/O error), RELEASE fails and the batch stops, where the followers' savepoints would
// otherwise run, and commit, one by one outside any transaction.
//
// Each fn runs in its caller's goroutine, one at a time, and sees every earlier write, those of
// earlier members included; a panic unwinds where it happened. A failing member's savepoint is
// rolled back and the others go on. Every member gets its answer once the batch committed, failed
// ones too: a caller told ErrStale re-reads and must find the change that beat it.

// maxBatch bounds how many InTx calls share one transaction, and so how long the first of them
// waits for the last.
const maxBatch = 256

// errClosed answers InTx calls made or still waiting when the database closes.
var errClosed = errors.New("store: database is closed")

// errPanicked answers a member whose fn panicked; its caller re-panics instead of returning it.
var errPanicked = errors.New("store: transaction function panicked")

// errGoexit stands for a fn that ended its goroutine (runtime.Goexit, t.FailNow) instead of
// returning.
var errGoexit = errors.New("store: transaction function did not return")

// A queued request is taken (started) by a leader, or abandoned by its caller whose context ended:
// whoever swaps the state first.
const (
	queued int32 = iota
	started
	abandoned
)

// request is one InTx call waiting for a batch.
type request struct {
	ctx    context.Context
	state  atomic.Int32
	wake   chan *sql.Tx // (buffered 1) the leader's transaction to run fn in; nil: lead the next batch
	result chan error   // (buffered 1) the answer, once the batch committed
}

// outcome is how a follower's fn ended: with err (nil when it succeeded), or by panicking.
type outcome struct {
	err      error
	panicked bool
}

// group serialises SQLite's writes into batches.
type group struct {
	write *sql.DB
	done  chan outcome // the running follower's outcome; one fn runs at a time

	// The message path's statements prepared on the writer (stmts.go); nil until a leader managed
	// to prepare them (after migrations). Only the leader touches it.
	prepared map[string]*sql.Stmt
	// batch binds them to the running batch's transaction; the leader sets it before it hands a
	// follower its turn, and members use it one at a time.
	batch *txStmts

	// Event positions (events.go): the single writer hands them out from memory, read from the
	// counter row once, and writes the row back once per batch, just before its commit. pos is the
	// last position handed out (members of the running batch included), committed the row's value
	// as last committed. Only the running member or the leader touches them.
	pos, committed int64
	posKnown       bool

	mu      sync.Mutex
	waiting []*request // in arrival order
	leading bool       // a batch is running
	closed  bool
	idle    sync.Cond // on mu: leading turned false
}

func newGroup(write *sql.DB) *group {
	g := &group{write: write, done: make(chan outcome, 1)}
	g.idle.L = &g.mu
	return g
}

// stop fails the calls still waiting, and later ones, with errClosed, and returns once the running
// batch (if any) has committed.
func (g *group) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	for _, r := range g.waiting {
		r.result <- errClosed
	}
	g.waiting = nil
	for g.leading {
		g.idle.Wait()
	}
	for _, s := range g.prepared {
		s.Close()
	}
	g.prepared = nil
}

// QueuedWrites is how many InTx calls wait for the SQLite writer's next batch (always 0 on
// PostgreSQL).
func (db *DB) QueuedWrites() int {
	if db.group == nil {
		return 0
	}
	db.group.mu.Lock()
	defer db.group.mu.Unlock()
	return len(db.group.waiting)
}

// inTx runs fn in the next batch and returns its answer; see DB.InTx.
func (g *group) inTx(ctx context.Context, fn func(tx *Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return errClosed
	}
	if !g.leading {
		g.leading = true
		g.mu.Unlock()
		return g.lead(ctx, fn)
	}
	r := &request{ctx: ctx, wake: make(chan *sql.Tx, 1), result: make(chan error, 1)}
	g.waiting = append(g.waiting, r)
	g.mu.Unlock()

	var stx *sql.Tx
	select {
	case stx = <-r.wake:
	case err := <-r.result: // skipped: the context ended, or the database closed
		return err
	case <-ctx.Done():
		if r.state.CompareAndSwap(queued, abandoned) {
			return ctx.Err() // leaders will skip it
		}
		select { // a leader took it first: its turn or answer is on the way
		case stx = <-r.wake:
		case err := <-r.result:
			return err
		}
	}
	if stx == nil {
		return g.lead(ctx, fn)
	}
	if err := ctx.Err(); err != nil { // ended while its turn came: fn never starts
		g.done <- outcome{err: err}
		return err
	}
	tx := &Tx{Tx: stx, Engine: SQLite, shared: true, stmts: g.batch, grp: g}
	g.follow(r, tx, fn)
	if err := <-r.result; err != nil {
		return err
	}
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

// follow runs a follower's fn and hands its outcome to the leader. A panic is handed over as such
// and re-raised here once the batch is over, so the stack trace still shows where it happened and
// only this caller sees it.
func (g *group) follow(r *request, tx *Tx, fn func(tx *Tx) error) {
	returned := false
	defer func() {
		if returned {
			return
		}
		p := recover()
		if p == nil { // runtime.Goexit: let it go on once the leader knows
			g.done <- outcome{err: errGoexit}
			return
		}
		g.done <- outcome{panicked: true}
		<-r.result
		panic(p)
	}()
	err := fn(tx)
	returned = true
	g.done <- outcome{err: err}
}

// lead runs one batch: the leader's own fn, then the followers queued meanwhile; it commits,
// answers the followers, passes the lead on and returns the leader's own answer.
func (g *group) lead(ctx context.Context, fn func(tx *Tx) error) error {
	if err := ctx.Err(); err != nil {
		g.handOff(nil)
		return err
	}
	bg := context.Background() // the batch's own statements are no single caller's to cancel
	if g.prepared == nil {
		g.prepared, _ = prepareWrites(bg, g.write) // fails before migrations: statements then run unprepared
	}
	if g.prepared != nil && g.batch != nil {
		g.learn(bg, g.batch.missed) // the last batch's members are done with it
	}
	stx, err := g.write.BeginTx(bg, nil)
	g.batch = &txStmts{tx: stx, prepared: g.prepared}
	tx := &Tx{Tx: stx, Engine: SQLite, shared: true, stmts: g.batch, grp: g}
	if err == nil {
		if _, err = tx.ExecContext(bg, sqlSavepoint); err != nil {
			g.rollback(stx)
		}
	}
	if err != nil {
		g.handOff(nil)
		return fmt.Errorf("begin: %w", err)
	}

	returned := false
	defer func() {
		// fn panicked or ended its goroutine: the transaction holds only its work (followers are
		// taken after it), and the calls waiting form the next batch.
		if !returned {
			g.rollback(stx)
			g.handOff(nil)
		}
	}()
	ownStart := g.pos
	own := fn(tx)
	returned = true
	if own != nil {
		g.pos = ownStart // its positions were never taken
	}
	if err := endMember(tx, own == nil); err != nil {
		g.rollback(stx)
		g.handOff(nil)
		return cmp.Or(own, fmt.Errorf("group commit: %w", err))
	}

	g.mu.Lock()
	n := min(len(g.waiting), maxBatch-1)
	followers := slices.Clone(g.waiting[:n])
	g.waiting = slices.Delete(g.waiting, 0, n)
	g.mu.Unlock()

	ran := make([]*request, 0, len(followers))
	answers := make([]error, 0, len(followers)) // per follower that ran: nil, or its own error
	for i, r := range followers {
		if err := r.ctx.Err(); err != nil || !r.state.CompareAndSwap(queued, started) {
			r.result <- cmp.Or(err, r.ctx.Err()) // (unread when abandoned)
			continue
		}
		if _, err = tx.ExecContext(bg, sqlSavepoint); err == nil {
			start := g.pos
			r.wake <- stx
			o := <-g.done
			ran, answers = append(ran, r), append(answers, o.err)
			if o.panicked {
				answers[len(answers)-1] = errPanicked
			}
			kept := o.err == nil && !o.panicked
			if !kept {
				g.pos = start
			}
			err = endMember(tx, kept)
		} else {
			ran, answers = append(ran, r), append(answers, nil)
		}
		if err != nil {
			// The transaction is gone (see endMember): nothing of the batch is kept. The followers
			// not run yet go first in the next batch.
			g.rollback(stx)
			err = fmt.Errorf("group commit: %w", err)
			for j, r := range ran {
				r.result <- cmp.Or(answers[j], err)
			}
			g.handOff(followers[i+1:])
			return cmp.Or(own, err)
		}
	}

	err = g.savePositions(tx)
	if err == nil {
		err = stx.Commit()
	}
	if err != nil {
		g.rollback(stx)
		err = fmt.Errorf("commit: %w", err)
		for j, r := range ran {
			r.result <- cmp.Or(answers[j], err)
		}
		g.handOff(nil)
		return cmp.Or(own, err)
	}
	g.committed = g.pos
	for j, r := range ran {
		r.result <- answers[j]
	}
	g.handOff(nil)
	if own != nil {
		return own
	}
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

// learn prepares on the writer the statements a batch ran unprepared, so what writes run again and
// again beyond the message path (a consumer's job insert, a notification's state, an event row of
// another kind) is compiled once rather than at every call. The writer's one connection is free:
// the leader calls it before it begins its transaction. A statement that does not compile (before
// migrations) stays unprepared and is tried again when a batch runs it next.
func (g *group) learn(ctx context.Context, missed map[string]struct{}) {
	for q := range missed {
		if len(g.prepared) >= maxWriteStmts {
			return
		}
		if s, err := g.write.PrepareContext(ctx, q); err == nil {
			g.prepared[q] = s
		}
	}
}

// rollback ends the batch's transaction unwritten: the positions it handed out were never taken.
func (g *group) rollback(stx *sql.Tx) {
	_ = stx.Rollback()
	g.forgetPositions()
}

// forgetPositions returns the positions handed out since the last commit (and reads the counter
// again at the next use, in case the failed commit's state is unclear).
func (g *group) forgetPositions() {
	g.pos, g.posKnown = g.committed, false
}

// takePositions hands out n positions in tx, the batch's transaction, and returns the first.
func (g *group) takePositions(ctx context.Context, tx *Tx, n int) (int64, error) {
	if !g.posKnown {
		var p int64
		if err := tx.QueryRowContext(ctx, sqlReadPositions).Scan(&p); err != nil {
			return 0, fmt.Errorf("read event positions: %w", err)
		}
		g.pos, g.committed, g.posKnown = p, p, true
	}
	first := g.pos + 1
	g.pos += int64(n)
	return first, nil
}

// savePositions writes the counter back before the batch commits, when it handed any out.
func (g *group) savePositions(tx *Tx) error {
	if !g.posKnown || g.pos == g.committed {
		return nil
	}
	if _, err := tx.ExecContext(context.Background(), sqlSavePositions, g.pos); err != nil {
		return fmt.Errorf("save event positions: %w", err)
	}
	return nil
}

// endMember closes the running member's savepoint, keeping its work or not. It fails when the
// transaction is gone: SQLite rolls back the whole transaction on some errors (SQLITE_FULL, IOERR,
// an interrupted write), savepoints included.
func endMember(tx *Tx, keep bool) error {
	bg := context.Background()
	if !keep {
		// ROLLBACK TO leaves the savepoint open; RELEASE then closes it.
		if _, err := tx.ExecContext(bg, sqlRollbackTo); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(bg, sqlRelease)
	return err
}

// handOff ends the running batch: it puts back the calls it did not get to (in front, as they
// came first) and passes the lead to the first call waiting, or marks the writer idle.
func (g *group) handOff(rest []*request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		for _, r := range rest {
			r.result <- errClosed
		}
	} else if len(rest) > 0 {
		g.waiting = append(slices.Clip(rest), g.waiting...)
	}
	for len(g.waiting) > 0 {
		r := g.waiting[0]
		g.waiting = slices.Delete(g.waiting, 0, 1)
		if r.state.CompareAndSwap(queued, started) {
			r.wake <- nil
			return
		}
	}
	g.leading = false
	g.idle.Broadcast()
}

// shield returns the context a member's statement runs with. Canceling a statement interrupts
// SQLite, and an interrupted write rolls back the whole transaction, the other members' work with
// it. So a member's context is checked before each statement (database/sql then answers ctx.Err()
// without running it) but cannot interrupt one that has started.
func (tx *Tx) shield(ctx context.Context) context.Context {
	if !tx.shared || ctx.Err() != nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

// ExecContext runs a statement in the transaction (see shield), prepared when it is one of the
// message path's (stmts.go).
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = tx.shield(ctx)
	if s := tx.stmts.get(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return tx.Tx.ExecContext(ctx, query, args...)
}

// QueryContext runs a query in the transaction (see ExecContext).
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = tx.shield(ctx)
	if s := tx.stmts.get(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return tx.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a query for one row in the transaction (see ExecContext).
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = tx.shield(ctx)
	if s := tx.stmts.get(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, query, args...)
}

// txStmts binds the writer's prepared statements to one transaction, each once per transaction
// (Tx.StmtContext allocates and registers a statement every time) and shared by a batch's members,
// which run one at a time.
type txStmts struct {
	tx       *sql.Tx
	prepared map[string]*sql.Stmt
	bound    map[string]*sql.Stmt
	missed   map[string]struct{} // run unprepared here: the next leader prepares them (learn)
}

// get returns query's statement bound to the transaction, or nil when it is not a prepared one.
func (t *txStmts) get(ctx context.Context, query string) *sql.Stmt {
	if t == nil {
		return nil
	}
	if s := t.bound[query]; s != nil {
		return s
	}
	p := t.prepared[query]
	if p == nil {
		if t.prepared != nil && len(t.missed) < maxWriteStmts {
			if t.missed == nil {
				t.missed = map[string]struct{}{}
			}
			t.missed[query] = struct{}{}
		}
		return nil
	}
	s := t.tx.StmtContext(ctx, p)
	if t.bound == nil {
		t.bound = make(map[string]*sql.Stmt, len(t.prepared))
	}
	t.bound[query] = s
	return s
}
