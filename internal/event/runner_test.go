package event_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// recorder is a consumer that keeps what it handled, and can be told to fail.
type recorder struct {
	mu    sync.Mutex
	got   []int64
	fails int // the next fails calls fail
	more  chan struct{}
}

func newRecorder() *recorder { return &recorder{more: make(chan struct{}, 1)} }

func (r *recorder) handle(_ context.Context, events []event.Event) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fails > 0 {
		r.fails--
		return 0, errors.New("the receiver is down")
	}
	for _, e := range events {
		r.got = append(r.got, e.Position)
	}
	select {
	case r.more <- struct{}{}:
	default:
	}
	return events[len(events)-1].Position, nil
}

func (r *recorder) positions() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int64(nil), r.got...)
}

// waitFor waits until the recorder has handled up to position last.
func (r *recorder) waitFor(t *testing.T, last int64) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		if got := r.positions(); len(got) > 0 && got[len(got)-1] >= last {
			return
		}
		select {
		case <-r.more:
		case <-deadline:
			t.Fatalf("handled %v, want up to %d", r.positions(), last)
		}
	}
}

func emit(t *testing.T, db *store.DB, n int) int64 {
	t.Helper()
	evs := make([]event.Event, n)
	for i := range evs {
		evs[i] = event.New(event.TeamChanged, map[string]int{"i": i})
	}
	if err := db.Emit(t.Context(), store.Unit{Events: evs}); err != nil {
		t.Fatal(err)
	}
	return evs[n-1].Position
}

func run(t *testing.T, r *event.Runner) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// A consumer gets every event once and in order, from the start or from now, and gets again the
// events it failed to handle.
func TestConsumerReadsTheLogInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		before := emit(t, db, 3) // history: replayed from the start, not from now
		all, fresh := newRecorder(), newRecorder()
		all.fails = 2
		r := event.NewRunner(db, nil, event.RunnerOptions{Node: "a", Poll: 20 * time.Millisecond},
			event.Consumer{Name: "all", FromStart: true, Batch: 2, Handle: all.handle},
			event.Consumer{Name: "fresh", Handle: fresh.handle})
		run(t, r)
		all.waitFor(t, before)
		// The fresh consumer exists once it has claimed its cursor; events after that reach it.
		deadline := time.Now().Add(10 * time.Second)
		for {
			var n int
			if err := db.Reader().QueryRow("SELECT COUNT(*) FROM event_consumers WHERE name = 'fresh'").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the consumer never claimed its cursor")
			}
			time.Sleep(10 * time.Millisecond)
		}
		last := emit(t, db, 5)
		r.Wake()
		all.waitFor(t, last)
		fresh.waitFor(t, last)
		for i, p := range all.positions() {
			if p != int64(i+1) {
				t.Fatalf("from the start: %v, want 1..%d in order", all.positions(), last)
			}
		}
		if got := fresh.positions(); len(got) != 5 || got[0] != before+1 {
			t.Fatalf("from now: %v, want %d..%d", got, before+1, last)
		}
	})
}

// One node at a time holds a consumer; when it stops, another takes over where it got to.
func TestConsumerMovesToAnotherNode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, b := newRecorder(), newRecorder()
		opts := func(node string) event.RunnerOptions {
			return event.RunnerOptions{Node: node, Poll: 20 * time.Millisecond, Lease: 600 * time.Millisecond}
		}
		stopA := run(t, event.NewRunner(db, nil, opts("a"), event.Consumer{Name: "c", FromStart: true, Handle: a.handle}))
		first := emit(t, db, 4)
		a.waitFor(t, first)
		run(t, event.NewRunner(db, nil, opts("b"), event.Consumer{Name: "c", FromStart: true, Handle: b.handle}))
		second := emit(t, db, 4)
		a.waitFor(t, second)
		if got := b.positions(); len(got) != 0 {
			t.Fatalf("a second node handled %v while the first held the consumer", got)
		}
		stopA()
		third := emit(t, db, 3)
		b.waitFor(t, third)
		if got := b.positions(); got[0] != second+1 {
			t.Fatalf("the node that took over started at %d, want %d (where the first stopped)", got[0], second+1)
		}
	})
}

// sizes records how many events each Handle call got.
type sizes struct {
	mu    sync.Mutex
	calls []int
	last  int64
	more  chan struct{}
}

func (s *sizes) handle(_ context.Context, events []event.Event) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, len(events))
	s.last = events[len(events)-1].Position
	select {
	case s.more <- struct{}{}:
	default:
	}
	return s.last, nil
}

// A consumer with Gather lets the events that commit one by one after a batch gather, and
// handles them in one call.
func TestConsumerGathersEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := &sizes{more: make(chan struct{}, 1)}
		r := event.NewRunner(db, nil, event.RunnerOptions{Node: "a", Poll: 20 * time.Millisecond},
			event.Consumer{Name: "gather", FromStart: true, Gather: 2 * time.Second, Handle: s.handle})
		waitFor := func(last int64) []int {
			t.Helper()
			deadline := time.After(20 * time.Second)
			for {
				s.mu.Lock()
				done, calls := s.last >= last, append([]int(nil), s.calls...)
				s.mu.Unlock()
				if done {
					return calls
				}
				select {
				case <-s.more:
				case <-deadline:
					t.Fatalf("handled up to %d in calls %v, want up to %d", s.last, calls, last)
				}
			}
		}
		first := emit(t, db, 1)
		run(t, r)
		if calls := waitFor(first); len(calls) != 1 {
			t.Fatalf("calls %v, want one", calls)
		}
		var last int64
		for range 5 {
			last = emit(t, db, 1)
			r.Wake()
		}
		if calls := waitFor(last); len(calls) != 2 || calls[1] != 5 {
			t.Fatalf("calls %v, want the five events that committed one by one in a second call", calls)
		}
	})
}

// A runner runs each consumer once: a second Run while the first runs returns at once (one node
// running its consumers twice handled every event twice).
func TestRunnerRunsOnce(t *testing.T) {
	db := storetest.SQLite(t)
	rec := newRecorder()
	r := event.NewRunner(db, nil, event.RunnerOptions{Node: "a", Poll: 20 * time.Millisecond},
		event.Consumer{Name: "once", FromStart: true, Handle: rec.handle})
	run(t, r)
	last := emit(t, db, 1)
	rec.waitFor(t, last) // the first Run is running
	second := make(chan struct{})
	go func() { r.Run(context.Background()); close(second) }()
	select {
	case <-second:
	case <-time.After(10 * time.Second):
		t.Fatal("a second Run of a running runner did not return")
	}
}
