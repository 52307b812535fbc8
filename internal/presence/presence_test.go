package presence

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/bus"
	"github.com/parleyhq/parley/internal/testenv"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type toggles struct {
	mu sync.Mutex
	on map[int64]bool
}

func (t *toggles) Availability(_ context.Context, id int64) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.on[id]
	return !ok || v, nil
}

func (t *toggles) SetAvailability(_ context.Context, id int64, on bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.on[id] = on
	return nil
}

// eventually waits for cond with a deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func buses(t *testing.T) map[string]func(t *testing.T) (*bus.Bus, *bus.Bus) {
	open := func(t *testing.T, url string) *bus.Bus {
		b, err := bus.Open(context.Background(), bus.Options{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}
	return map[string]func(t *testing.T) (*bus.Bus, *bus.Bus){
		"embedded": func(t *testing.T) (*bus.Bus, *bus.Bus) { b := open(t, ""); return b, b },
		"external": func(t *testing.T) (*bus.Bus, *bus.Bus) {
			u := testenv.NATSURL(t)
			return open(t, u), open(t, u)
		},
	}
}

func TestAvailabilityAcrossNodes(t *testing.T) {
	for name, mk := range buses(t) {
		t.Run(name, func(t *testing.T) {
			busA, busB := mk(t)
			clk := &clock{now: time.Unix(1_800_000_000, 0)}
			tg := &toggles{on: map[int64]bool{}}
			changed := make(chan int64, 100)
			mkTracker := func(node string, b *bus.Bus) *Tracker {
				return New(Options{Node: node + "-" + t.Name(), Bus: b, Toggles: tg, Heartbeat: time.Hour, TTL: 30 * time.Second,
					Grace: time.Minute, Now: clk.Now, OnChange: func(u int64) { changed <- u }})
			}
			a, b := mkTracker("a", busA), mkTracker("b", busB)
			ctxA, stopA := context.WithCancel(context.Background())
			ctxB, stopB := context.WithCancel(context.Background())
			defer stopB()
			defer stopA()
			doneA := make(chan struct{})
			go func() { _ = a.Run(ctxA); close(doneA) }()
			go func() { _ = b.Run(ctxB) }()
			<-a.Ready()
			<-b.Ready()
			ctxBg := context.Background()
			if a.Available(ctxBg, 7) || b.Available(ctxBg, 7) {
				t.Fatal("available before any socket")
			}
			leave := a.Connect(7)
			if !a.Available(ctxBg, 7) {
				t.Fatal("not available on the node holding the socket")
			}
			eventually(t, "node b to learn of the socket on a", func() bool { return b.Available(ctxBg, 7) })

			// The toggle off: unavailable everywhere, though the socket is live.
			if err := a.SetToggle(ctxBg, 7, false); err != nil {
				t.Fatal(err)
			}
			eventually(t, "node b to learn the toggle", func() bool { return !b.Available(ctxBg, 7) })
			if !b.Online(7) {
				t.Fatal("toggle off made the agent offline")
			}
			_ = a.SetToggle(ctxBg, 7, true)
			eventually(t, "toggle back on", func() bool { return b.Available(ctxBg, 7) })

			// Last socket closed: still available during the grace period, not after.
			leave()
			a.ring()
			clk.Add(30 * time.Second)
			a.expire()
			if !a.Available(ctxBg, 7) {
				t.Fatal("unavailable within the grace period")
			}
			clk.Add(31 * time.Second)
			a.expire()
			if a.Available(ctxBg, 7) {
				t.Fatal("still available after the grace period")
			}
			a.ring() // the next heartbeat no longer lists 7
			eventually(t, "node b to learn the agent left", func() bool { return !b.Available(ctxBg, 7) })

			// A node that dies without a word: its agents expire after the TTL.
			a.Connect(8)
			eventually(t, "node b to see agent 8", func() bool { return b.Online(8) })
			// A node that stops gracefully says "gone": its agents get the grace period on the other
			// nodes (a rolling restart must not make them unassignable), then expire.
			stopA()
			<-doneA
			eventually(t, "b to hear that a is gone", func() bool {
				b.mu.Lock()
				defer b.mu.Unlock()
				nb, ok := b.remote[a.o.Node]
				return ok && nb.expires.Equal(clk.Now().Add(time.Minute))
			})
			clk.Add(40 * time.Second) // past the heartbeat TTL, within the grace period
			if !b.Online(8) {
				t.Fatal("an agent of a node that stopped gracefully went offline before the grace period ended")
			}
			clk.Add(21 * time.Second)
			b.expire()
			if b.Online(8) {
				t.Fatal("an agent of a stopped node is still online after the grace period")
			}
		})
	}
}

func TestDeadNodeExpiresAfterTTL(t *testing.T) {
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	tr := New(Options{Node: "live", Toggles: &toggles{on: map[int64]bool{}}, TTL: 30 * time.Second, Now: clk.Now})
	tr.onBeat("", []byte(`{"node":"ghost","users":[9]}`))
	if !tr.Online(9) {
		t.Fatal("remote agent not online")
	}
	clk.Add(29 * time.Second)
	if !tr.Online(9) {
		t.Fatal("expired before the TTL")
	}
	clk.Add(2 * time.Second)
	if tr.Online(9) {
		t.Fatal("a dead node's agent is still online after the TTL")
	}
	tr.expire()
	if len(tr.OnlineUsers()) != 0 {
		t.Fatalf("online users %v", tr.OnlineUsers())
	}
}

// An agent looking at a tab on one node is attentive on every node, until the tab's time runs out,
// it is hidden, or it closes; a tab somewhere else keeps them attentive.
func TestAttentionAcrossNodes(t *testing.T) {
	busA, _ := buses(t)["embedded"](t)
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	tg := &toggles{on: map[int64]bool{}}
	mk := func(node string) *Tracker {
		return New(Options{Node: node, Bus: busA, Toggles: tg, Heartbeat: time.Hour, Now: clk.Now})
	}
	a, b := mk("a"), mk("b")
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() { _ = a.Run(ctx) }()
	go func() { _ = b.Run(ctx) }()
	<-a.Ready()
	<-b.Ready()
	if a.Attentive(7) || b.Attentive(7) {
		t.Fatal("attentive with no tab")
	}
	a.Connect(7)
	a.Attend(7, 1, clk.Now().Add(2*time.Minute))
	if !a.Attentive(7) {
		t.Fatal("not attentive on the tab's node")
	}
	eventually(t, "b to learn that 7 looks", func() bool { return b.Attentive(7) })

	// Time passes without use: the tab no longer counts, here or there.
	clk.Add(2*time.Minute + time.Second)
	if a.Attentive(7) || b.Attentive(7) {
		t.Fatal("an unused tab still counts after its time")
	}
	// Used again, then hidden: b hears it at once.
	a.Attend(7, 1, clk.Now().Add(2*time.Minute))
	eventually(t, "b to learn that 7 looks again", func() bool { return b.Attentive(7) })
	a.Attend(7, 2, clk.Now().Add(time.Minute)) // a second tab
	a.Attend(7, 1, time.Time{})
	if !a.Attentive(7) {
		t.Fatal("hiding one tab hid the other")
	}
	a.Attend(7, 2, time.Time{})
	if a.Attentive(7) {
		t.Fatal("attentive with every tab hidden")
	}
	eventually(t, "b to learn that 7 stopped looking", func() bool { return !b.Attentive(7) })
}
