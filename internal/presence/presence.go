// Package presence knows which agents are available: their online toggle is on and they have the
// inbox open somewhere — any tab, any device, any node. Sockets are counted in memory on each node
// and shared between nodes by heartbeats on the bus, so an idle connection costs no database write;
// only the toggle is stored.
//
// It also knows which agents are looking: an inbox tab of theirs is visible and was used lately
// (Attend). Pushes to their other devices wait while they are, so a forgotten desktop tab does not
// silence the phone, and an agent at work is not told twice.
package presence

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"
)

// Bus is the part of the event bus presence uses.
type Bus interface {
	Publish(ctx context.Context, subject string, data []byte) error
	Subscribe(ctx context.Context, subject string, fn func(subject string, data []byte)) error
}

// Toggles stores each agent's online toggle.
type Toggles interface {
	Availability(ctx context.Context, userID int64) (bool, error)
	SetAvailability(ctx context.Context, userID int64, on bool) error
}

// Subjects on the bus.
const (
	subjectBeat   = "parley.presence.beat"
	subjectToggle = "parley.presence.toggle"
)

// Options configures a Tracker.
type Options struct {
	Node      string
	Bus       Bus
	Toggles   Toggles
	Heartbeat time.Duration // how often a node says who it holds; default 10 s
	TTL       time.Duration // a node's word lasts this long, so a dead node's agents expire; default 30 s
	Grace     time.Duration // an agent whose last socket closed stays available this long; default 60 s
	// OnChange, when set, is called (from any goroutine, never under a lock) when an agent's
	// availability may have changed. Consumers that live longer read Changed and TakeChanged.
	OnChange func(userID int64)
	Logger   *slog.Logger
	Now      func() time.Time
}

// Tracker tracks availability on one node.
type Tracker struct {
	o       Options
	mu      sync.Mutex
	local   map[int64]int       // user -> live sockets on this node
	leaving map[int64]time.Time // user -> end of grace, once their last local socket closed
	remote  map[string]nodeBeat // node -> what it last said
	toggles map[int64]bool      // cache of the stored toggle
	// attention: user -> tab -> until when the tab counts as looked at, for tabs on this node
	attention map[int64]map[uint64]time.Time
	wake      chan struct{}
	ready     chan struct{}

	chMu      sync.Mutex
	pending   map[int64]struct{} // agents whose availability may have changed, not yet taken
	changedCh chan struct{}      // capacity 1: pending is not empty
}

type nodeBeat struct {
	users     map[int64]bool
	attentive map[int64]time.Time // until when, on this node's clock
	expires   time.Time
}

type beat struct {
	Node  string  `json:"node"`
	Users []int64 `json:"users"`
	Gone  bool    `json:"gone,omitempty"` // the node is shutting down: its agents get the grace period
	// Attentive: users with a tab in use, and for how many more milliseconds (relative, so nodes'
	// clocks need not agree).
	Attentive map[int64]int64 `json:"attentive,omitempty"`
}

type toggleMsg struct {
	UserID int64 `json:"user_id"`
	On     bool  `json:"on"`
}

// New returns a Tracker; Run must be started for it to share and receive heartbeats.
func New(o Options) *Tracker {
	if o.Heartbeat == 0 {
		o.Heartbeat = 10 * time.Second
	}
	if o.TTL == 0 {
		o.TTL = 30 * time.Second
	}
	if o.Grace == 0 {
		o.Grace = time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.OnChange == nil {
		o.OnChange = func(int64) {}
	}
	return &Tracker{o: o, local: map[int64]int{}, leaving: map[int64]time.Time{}, remote: map[string]nodeBeat{},
		toggles: map[int64]bool{}, attention: map[int64]map[uint64]time.Time{}, wake: make(chan struct{}, 1), ready: make(chan struct{}),
		pending: map[int64]struct{}{}, changedCh: make(chan struct{}, 1)}
}

// changed records that u's availability may have changed and tells whoever listens.
func (t *Tracker) changed(u int64) {
	t.o.OnChange(u)
	t.chMu.Lock()
	t.pending[u] = struct{}{}
	t.chMu.Unlock()
	select {
	case t.changedCh <- struct{}{}:
	default:
	}
}

// Changed is ready when some agents' availability may have changed; TakeChanged names them.
func (t *Tracker) Changed() <-chan struct{} { return t.changedCh }

// TakeChanged returns the agents whose availability may have changed since the last call.
func (t *Tracker) TakeChanged() []int64 {
	t.chMu.Lock()
	defer t.chMu.Unlock()
	out := make([]int64, 0, len(t.pending))
	for u := range t.pending {
		out = append(out, u)
	}
	clear(t.pending)
	return out
}

// Run subscribes to other nodes' heartbeats and sends this node's until ctx ends; then it tells
// the others this node is gone.
func (t *Tracker) Run(ctx context.Context) error {
	if err := t.o.Bus.Subscribe(ctx, subjectBeat, t.onBeat); err != nil {
		return err
	}
	if err := t.o.Bus.Subscribe(ctx, subjectToggle, t.onToggle); err != nil {
		return err
	}
	close(t.ready)
	tick := time.NewTicker(t.o.Heartbeat)
	defer tick.Stop()
	t.send(ctx, false)
	for {
		select {
		case <-ctx.Done():
			t.send(context.WithoutCancel(ctx), true)
			return nil
		case <-tick.C:
		case <-t.wake:
		}
		t.expire()
		t.send(ctx, false)
	}
}

// Ready is closed once Run listens to other nodes.
func (t *Tracker) Ready() <-chan struct{} { return t.ready }

// Connect records a live socket of the user on this node; the returned func records its end.
func (t *Tracker) Connect(userID int64) (disconnect func()) {
	t.mu.Lock()
	t.local[userID]++
	first := t.local[userID] == 1
	delete(t.leaving, userID)
	t.mu.Unlock()
	if first {
		t.ring()
		t.changed(userID)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			t.mu.Lock()
			t.local[userID]--
			if t.local[userID] <= 0 {
				delete(t.local, userID)
				t.leaving[userID] = t.o.Now().Add(t.o.Grace)
			}
			t.mu.Unlock()
		})
	}
}

// ring makes Run send a heartbeat now rather than at the next tick.
func (t *Tracker) ring() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// heldLocked lists the users this node vouches for: live sockets and those in their grace period.
func (t *Tracker) heldLocked(now time.Time) []int64 {
	users := make([]int64, 0, len(t.local)+len(t.leaving))
	for u := range t.local {
		users = append(users, u)
	}
	for u, until := range t.leaving {
		if now.Before(until) {
			users = append(users, u)
		}
	}
	return users
}

func (t *Tracker) send(ctx context.Context, gone bool) {
	now := t.o.Now()
	t.mu.Lock()
	b := beat{Node: t.o.Node, Users: t.heldLocked(now), Gone: gone}
	if !gone {
		for u := range t.attention {
			if until := t.attentiveUntilLocked(u); until.After(now) {
				if b.Attentive == nil {
					b.Attentive = map[int64]int64{}
				}
				b.Attentive[u] = until.Sub(now).Milliseconds()
			}
		}
	}
	t.mu.Unlock()
	data, _ := json.Marshal(b)
	if err := t.o.Bus.Publish(ctx, subjectBeat, data); err != nil {
		t.o.Logger.Warn("presence heartbeat", "err", err)
	}
}

// expire ends grace periods and forgets nodes that stopped beating, telling OnChange.
func (t *Tracker) expire() {
	now := t.o.Now()
	var changed []int64
	t.mu.Lock()
	for u, until := range t.leaving {
		if !now.Before(until) {
			delete(t.leaving, u)
			changed = append(changed, u)
		}
	}
	for node, nb := range t.remote {
		if now.After(nb.expires) {
			delete(t.remote, node)
			for u := range nb.users {
				changed = append(changed, u)
			}
		}
	}
	t.mu.Unlock()
	for _, u := range changed {
		t.changed(u)
	}
}

func (t *Tracker) onBeat(_ string, data []byte) {
	var b beat
	if json.Unmarshal(data, &b) != nil || b.Node == t.o.Node {
		return
	}
	users := make(map[int64]bool, len(b.Users))
	for _, u := range b.Users {
		users[u] = true
	}
	now := t.o.Now()
	var attentive map[int64]time.Time
	for u, ms := range b.Attentive {
		if attentive == nil {
			attentive = map[int64]time.Time{}
		}
		attentive[u] = now.Add(time.Duration(ms) * time.Millisecond)
	}
	t.mu.Lock()
	prev, known := t.remote[b.Node]
	old := prev.users
	if b.Gone {
		// A node shutting down (a rolling restart): its agents keep their grace period, as if their
		// tab had closed, so they stay assignable while their browsers reconnect elsewhere.
		t.remote[b.Node] = nodeBeat{users: users, expires: now.Add(t.o.Grace)}
	} else {
		t.remote[b.Node] = nodeBeat{users: users, attentive: attentive, expires: now.Add(t.o.TTL)}
	}
	t.mu.Unlock()
	if !known && !b.Gone {
		// A node we did not know (just started): answer at once so it learns who we hold without
		// waiting a heartbeat.
		t.ring()
	}
	for u := range users {
		if !old[u] {
			t.changed(u)
		}
	}
	for u := range old {
		if !users[u] {
			t.changed(u)
		}
	}
}

func (t *Tracker) onToggle(_ string, data []byte) {
	var m toggleMsg
	if json.Unmarshal(data, &m) != nil {
		return
	}
	t.mu.Lock()
	t.toggles[m.UserID] = m.On
	t.mu.Unlock()
	t.changed(m.UserID)
}

// Online reports whether the user has the inbox open somewhere (ignoring the toggle).
func (t *Tracker) Online(userID int64) bool {
	now := t.o.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.local[userID] > 0 {
		return true
	}
	if until, ok := t.leaving[userID]; ok && now.Before(until) {
		return true
	}
	for _, nb := range t.remote {
		if nb.users[userID] && now.Before(nb.expires) {
			return true
		}
	}
	return false
}

// Attend records whether one of the user's inbox tabs on this node is being looked at: until is
// when it stops counting (the tab is visible and was used until-2min, say), zero when it is hidden
// or closed. Other nodes learn it at once when the user starts or stops looking anywhere here.
func (t *Tracker) Attend(userID int64, tab uint64, until time.Time) {
	now := t.o.Now()
	t.mu.Lock()
	was := t.attentiveUntilLocked(userID).After(now)
	tabs := t.attention[userID]
	if until.IsZero() || !until.After(now) {
		delete(tabs, tab)
		if len(tabs) == 0 {
			delete(t.attention, userID)
		}
	} else {
		if tabs == nil {
			tabs = map[uint64]time.Time{}
			t.attention[userID] = tabs
		}
		tabs[tab] = until
	}
	is := t.attentiveUntilLocked(userID).After(now)
	t.mu.Unlock()
	if was != is {
		t.ring()
	}
}

// attentiveUntilLocked is the latest time one of the user's tabs on this node counts as looked at.
func (t *Tracker) attentiveUntilLocked(userID int64) time.Time {
	var until time.Time
	for _, u := range t.attention[userID] {
		if u.After(until) {
			until = u
		}
	}
	return until
}

// Attentive reports whether the user is looking at an inbox tab now, on any node: one is visible
// and was used lately.
func (t *Tracker) Attentive(userID int64) bool {
	now := t.o.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.attentiveUntilLocked(userID).After(now) {
		return true
	}
	for _, nb := range t.remote {
		if until, ok := nb.attentive[userID]; ok && until.After(now) && now.Before(nb.expires) {
			return true
		}
	}
	return false
}

// Toggle returns the user's stored online toggle (cached; other nodes' changes arrive by bus).
func (t *Tracker) Toggle(ctx context.Context, userID int64) bool {
	t.mu.Lock()
	on, ok := t.toggles[userID]
	t.mu.Unlock()
	if ok {
		return on
	}
	on, err := t.o.Toggles.Availability(ctx, userID)
	if err != nil {
		t.o.Logger.Warn("read availability toggle", "user_id", userID, "err", err)
		return false
	}
	t.mu.Lock()
	t.toggles[userID] = on
	t.mu.Unlock()
	return on
}

// Available reports whether the user receives conversations: toggle on and online.
func (t *Tracker) Available(ctx context.Context, userID int64) bool {
	return t.Online(userID) && t.Toggle(ctx, userID)
}

// SetToggle stores the user's toggle and tells every node.
func (t *Tracker) SetToggle(ctx context.Context, userID int64, on bool) error {
	if err := t.o.Toggles.SetAvailability(ctx, userID, on); err != nil {
		return err
	}
	t.mu.Lock()
	t.toggles[userID] = on
	t.mu.Unlock()
	data, _ := json.Marshal(toggleMsg{UserID: userID, On: on})
	if err := t.o.Bus.Publish(ctx, subjectToggle, data); err != nil {
		t.o.Logger.Warn("publish availability toggle", "err", err)
	}
	t.changed(userID)
	return nil
}

// ForgetToggles drops the toggle cache, e.g. after the bus reconnected and messages may be lost.
func (t *Tracker) ForgetToggles() {
	t.mu.Lock()
	t.toggles = map[int64]bool{}
	t.mu.Unlock()
}

// OnlineUsers lists every user online on any node.
func (t *Tracker) OnlineUsers() []int64 {
	now := t.o.Now()
	seen := map[int64]bool{}
	t.mu.Lock()
	for _, u := range t.heldLocked(now) {
		seen[u] = true
	}
	for _, nb := range t.remote {
		if now.Before(nb.expires) {
			for u := range nb.users {
				seen[u] = true
			}
		}
	}
	t.mu.Unlock()
	out := make([]int64, 0, len(seen))
	for u := range seen {
		out = append(out, u)
	}
	return out
}
