package event

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"sync"
)

// Bus is the part of the event bus the feed uses (internal/bus, scoped to the installation).
type Bus interface {
	Publish(ctx context.Context, subject string, data []byte) error
	Subscribe(ctx context.Context, subject string, fn func(subject string, data []byte)) error
}

// subjectFeed carries every notice. One subject keeps notices in the order each node published
// them: an access change reaches every node's hub before the messages committed after it.
const subjectFeed = "parley.feed"

// Notice tells every node what was just committed (or, for a signal, what just happened and was
// not stored). The database is the log: a node that missed a notice (the bus reconnected) reads
// what it needs from there.
type Notice struct {
	// Change is a conversation's committed change as live sockets receive it (conversation.Change
	// in JSON): its new state and the log entries written. Those entries are the change's events.
	Change json.RawMessage `json:"change,omitempty"`
	// Events are the events-table rows committed, with their positions and payloads.
	Events []Event `json:"events,omitempty"`
	// Jobs says jobs were enqueued: job runners look for due ones.
	Jobs bool `json:"jobs,omitempty"`
	// Position is the highest position committed; durable consumers read up to it.
	Position int64 `json:"position,omitempty"`

	// Signal names an ephemeral announcement with no position (typing, a read receipt, revoked
	// sessions); Data is its payload.
	Signal string          `json:"signal,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`

	// Resync is set only locally, on the notice delivered when the bus came back after a
	// disconnect: notices may have been missed, so consumers re-read what they keep.
	Resync bool `json:"-"`
}

// Empty reports whether the notice says nothing.
func (n *Notice) Empty() bool {
	return n.Change == nil && len(n.Events) == 0 && !n.Jobs && n.Position == 0 && n.Signal == ""
}

// Feed publishes notices after commit and delivers every node's notices to this node's consumers,
// one at a time, in the order they arrive.
type Feed struct {
	bus Bus
	log *slog.Logger

	mu   sync.RWMutex
	subs []func(*Notice)
}

// NewFeed returns a feed over bus; Run delivers what arrives.
func NewFeed(bus Bus, log *slog.Logger) *Feed {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Feed{bus: bus, log: log}
}

// Subscribe adds a consumer of this node's notices. fn runs on the feed's goroutine and must not
// block: it hands slow work to its own goroutine. Consumers subscribe while the server starts,
// before it serves.
func (f *Feed) Subscribe(fn func(*Notice)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subs = append(f.subs, fn)
}

// Run delivers notices until ctx ends. It returns once it listens, so a notice published after
// Run returned is delivered.
func (f *Feed) Run(ctx context.Context) error {
	return f.bus.Subscribe(ctx, subjectFeed, func(_ string, data []byte) {
		var n Notice
		if err := json.Unmarshal(data, &n); err != nil {
			f.log.Warn("bad notice on the bus", "err", err)
			return
		}
		f.deliver(&n)
	})
}

func (f *Feed) deliver(n *Notice) {
	f.mu.RLock()
	subs := f.subs
	f.mu.RUnlock()
	for _, fn := range subs {
		fn(n)
	}
}

// Reconnected tells this node's consumers that notices may have been missed (the bus came back).
func (f *Feed) Reconnected() { f.deliver(&Notice{Resync: true}) }

// Committed announces a commit to every node. It is called after the transaction committed, with
// a context that may have ended (the change exists: it is announced anyway); a failure to publish
// is logged, since consumers catch up from the database.
func (f *Feed) Committed(ctx context.Context, n Notice) {
	if n.Empty() {
		return
	}
	if n.Position == 0 {
		n.Position = Last(n.Events)
	}
	f.publish(context.WithoutCancel(ctx), encodeNotice(&n))
}

// Signal announces something ephemeral (nothing was stored) to every node.
func (f *Feed) Signal(ctx context.Context, name string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		f.log.ErrorContext(ctx, "encode signal", "signal", name, "err", err)
		return
	}
	f.publish(context.WithoutCancel(ctx), encodeNotice(&Notice{Signal: name, Data: b}))
}

func (f *Feed) publish(ctx context.Context, data []byte) {
	if err := f.bus.Publish(ctx, subjectFeed, data); err != nil {
		f.log.WarnContext(ctx, "publish notice", "err", err)
	}
}

// encodeNotice writes the notice's JSON without re-encoding its raw parts (a change is encoded once
// for every node and socket).
func encodeNotice(n *Notice) []byte {
	b := make([]byte, 0, 64+len(n.Change)+len(n.Data))
	b = append(b, '{')
	sep := func() {
		if len(b) > 1 {
			b = append(b, ',')
		}
	}
	if n.Change != nil {
		b = append(b, `"change":`...)
		b = append(b, n.Change...)
	}
	if len(n.Events) > 0 {
		ev, _ := json.Marshal(n.Events) // Data is raw JSON the store produced
		sep()
		b = append(b, `"events":`...)
		b = append(b, ev...)
	}
	if n.Jobs {
		sep()
		b = append(b, `"jobs":true`...)
	}
	if n.Position != 0 {
		sep()
		b = append(b, `"position":`...)
		b = strconv.AppendInt(b, n.Position, 10)
	}
	if n.Signal != "" {
		sep()
		s, _ := json.Marshal(n.Signal)
		b = append(b, `"signal":`...)
		b = append(b, s...)
		if n.Data != nil {
			b = append(b, `,"data":`...)
			b = append(b, n.Data...)
		}
	}
	return append(b, '}')
}
