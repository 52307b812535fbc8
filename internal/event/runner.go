package event

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Durable consumers: search indexing, webhooks, notifications and the CRM's notes read the event
// log from where they stopped, in position order, at least once, each on one node at a time (a
// lease in the database, as jobs have). A notice's position wakes them; they read the database,
// never the notice, so a node that missed a notice misses nothing.

// Log is the event log and the consumers' cursors (internal/store implements it).
type Log interface {
	EventsAfter(ctx context.Context, after int64, limit int) ([]Event, error)
	LastPosition(ctx context.Context) (int64, error)
	// ClaimConsumer makes node the holder of consumer name for lease unless another node holds an
	// unexpired lease, creating the consumer at position start; it returns the consumer's position.
	ClaimConsumer(ctx context.Context, name, node string, start int64, lease time.Duration) (position int64, held bool, err error)
	// AdvanceConsumer records that name has handled everything up to position and extends node's
	// lease; it fails when node no longer holds it.
	AdvanceConsumer(ctx context.Context, name, node string, position int64, lease time.Duration) error
	ReleaseConsumer(ctx context.Context, name, node string) error
}

// Consumer handles the log's events.
type Consumer struct {
	// Name identifies the consumer's cursor; it must stay the same across versions.
	Name string
	// FromStart makes a new consumer read the whole log; otherwise it starts at its end (a new
	// webhook consumer does not replay the past).
	FromStart bool
	// Batch is how many events one Handle call gets at most (default 100).
	Batch int
	// Settle, when set, makes the consumer wait this long after it caught up before it reads
	// again, so that what commits meanwhile is handled in one batch rather than one call per
	// commit (search indexing: fewer, larger writes beside the messages being sent).
	Settle time.Duration
	// Handle gets the next events in position order. An error leaves the cursor where it was: the
	// same events come again after a back-off, so Handle must be idempotent. It may return having
	// handled a prefix only by returning that prefix's last position.
	Handle func(ctx context.Context, events []Event) (handledUpTo int64, err error)
}

// RunnerOptions configures a Runner.
type RunnerOptions struct {
	Node   string
	Lease  time.Duration // default 30 s
	Poll   time.Duration // longest wait between looks when no notice rings, default 5 s
	Logger *slog.Logger
}

// Runner runs consumers on this node.
type Runner struct {
	log       Log
	o         RunnerOptions
	consumers []Consumer
	wakes     []chan struct{}
}

// NewRunner returns a runner of consumers; feed (may be nil) wakes them when positions commit.
func NewRunner(log Log, feed *Feed, o RunnerOptions, consumers ...Consumer) *Runner {
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Runner{log: log, o: o, consumers: consumers}
	for range consumers {
		r.wakes = append(r.wakes, make(chan struct{}, 1))
	}
	if feed != nil {
		feed.Subscribe(func(n *Notice) {
			if n.Position > 0 || n.Resync {
				r.Wake()
			}
		})
	}
	return r
}

// Wake makes every consumer look for new events now.
func (r *Runner) Wake() {
	for _, w := range r.wakes {
		select {
		case w <- struct{}{}:
		default:
		}
	}
}

// Run runs every consumer until ctx ends, then releases their leases.
func (r *Runner) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := range r.consumers {
		wg.Go(func() { r.run(ctx, &r.consumers[i], r.wakes[i]) })
	}
	wg.Wait()
}

func (r *Runner) run(ctx context.Context, c *Consumer, wake chan struct{}) {
	log := r.o.Logger.With("consumer", c.Name)
	batch := c.Batch
	if batch <= 0 {
		batch = 100
	}
	held := false
	defer func() {
		if held {
			_ = r.log.ReleaseConsumer(context.WithoutCancel(ctx), c.Name, r.o.Node)
		}
	}()
	failures := 0
	wait := func(d time.Duration) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-wake:
		case <-t.C:
		}
	}
	for ctx.Err() == nil {
		start := int64(0)
		if !c.FromStart {
			p, err := r.log.LastPosition(ctx)
			if err != nil {
				log.Warn("read the event log's end", "err", err)
				wait(time.Second)
				continue
			}
			start = p
		}
		pos, ok, err := r.log.ClaimConsumer(ctx, c.Name, r.o.Node, start, r.o.Lease)
		held = ok
		if err != nil || !ok {
			if err != nil && ctx.Err() == nil {
				log.Warn("claim", "err", err)
			}
			wait(r.o.Lease / 3) // another node holds it; take over if its lease runs out
			continue
		}
		// Hold the lease while there is work, renewing it with each advance.
		renewed := time.Now()
		caughtUp := false
		for ctx.Err() == nil {
			if caughtUp && c.Settle > 0 {
				settle := time.NewTimer(c.Settle)
				select {
				case <-ctx.Done():
				case <-settle.C:
				}
				settle.Stop()
			}
			events, err := r.log.EventsAfter(ctx, pos, batch)
			caughtUp = len(events) < batch
			if err != nil {
				log.Warn("read events", "after", pos, "err", err)
				wait(time.Second)
				break
			}
			if len(events) == 0 {
				if time.Since(renewed) > r.o.Lease/3 {
					break // claim again: it renews the lease
				}
				wait(min(r.o.Poll, r.o.Lease/3))
				continue
			}
			upTo, err := c.Handle(ctx, events)
			if err != nil {
				failures++
				backoff := min(time.Duration(1<<min(failures, 8))*100*time.Millisecond, time.Minute)
				backoff += time.Duration(rand.Int64N(int64(backoff)/5 + 1))
				log.Warn("handle events; will retry", "from", events[0].Position, "err", err, "in", backoff)
				if upTo <= pos {
					wait(backoff)
					continue
				}
			} else {
				failures = 0
				upTo = max(upTo, events[len(events)-1].Position)
			}
			// Handled is handled: record it even when a shutdown began meanwhile.
			if err := r.log.AdvanceConsumer(context.WithoutCancel(ctx), c.Name, r.o.Node, upTo, r.o.Lease); err != nil {
				log.Warn("advance", "to", upTo, "err", err)
				held = false
				break // lost it: claim again (another node may have it now)
			}
			pos, renewed = upTo, time.Now()
		}
	}
}
