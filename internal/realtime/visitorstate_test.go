package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/bus"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/testenv"
	"github.com/parleyhq/parley/internal/wstest"
)

// node is one hub behind its own HTTP server, on a bus shared with other nodes.
type node struct {
	h    *Hub
	feed *event.Feed
	ws   string
	stop func()
}

func startNode(t *testing.T, bus *fakeBus, o Options) *node {
	t.Helper()
	before := bus.subscriptions()
	feed := testFeed(t, bus)
	o.Bus, o.Feed, o.Presence, o.Conversations, o.Directory, o.Render = bus, feed, fakePresence{}, fakeConversations{feed},
		testDirectory(t, nil), testRender
	h := NewHub(o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := h.Run(ctx); err != nil {
			t.Errorf("hub: %v", err)
		}
	}()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); waitDone(t, "the hub", done) }) }
	t.Cleanup(stop)
	bus.waitSubscriptions(t, before+3) // the feed, visitor states, live visitors
	mux := http.NewServeMux()
	mux.HandleFunc("GET /agent/{id}", func(w http.ResponseWriter, r *http.Request) {
		u := map[string]*auth.User{"12": jana, "14": tom, "15": eva}[r.PathValue("id")]
		if err := h.ServeAgent(w, r, u); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	mux.HandleFunc("GET /visitor", func(w http.ResponseWriter, r *http.Request) {
		if err := h.ServeVisitor(w, r, fakeWidget{feed}, shop, "203.0.113.7"); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	mux.HandleFunc("GET /live", func(w http.ResponseWriter, r *http.Request) {
		if err := h.ServeLive(w, r, shop, "203.0.113.7"); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &node{h: h, feed: feed, ws: "ws" + strings.TrimPrefix(srv.URL, "http"), stop: stop}
}

func visitorOnline(t *testing.T, f []byte) bool {
	t.Helper()
	var v visitorFrameOut
	if err := json.Unmarshal(f, &v); err != nil || v.ConversationID != conv4821 || v.ContactID != 31 || v.InboxID != shop.ID {
		t.Fatalf("visitor frame %s: want conversation 4821, contact 31, inbox 3 (%v)", f, err)
	}
	return v.Online
}

// eventually waits for cond, checking each time something happens on one of the nodes' buses or
// sockets; it fails after 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	// Generous: under the race detector on a loaded machine, 100,000 visitors take a while.
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 60 s", what)
		}
		time.Sleep(10 * time.Millisecond) // polling an in-memory value
	}
}

// Ana's widget on node B makes her "on the site" on node A too: A's agents who see her
// conversation are told, A's API reads it from memory; a second socket on A keeps her there
// when it closes; when B goes silent (it stops without a word), A forgets her after the TTL.
func TestVisitorStateAcrossNodes(t *testing.T) {
	bus := &fakeBus{subs: map[string][]func(string, []byte){}}
	o := Options{VisitorBeat: 50 * time.Millisecond, VisitorTTL: time.Second}
	a, b := startNode(t, bus, o), startNode(t, bus, o)

	tomWS, evaWS := wstest.DialNamed(t, "tom", a.ws+"/agent/14", nil), wstest.DialNamed(t, "eva", a.ws+"/agent/15", nil)
	tomWS.NextRaw("hello", 0)
	evaWS.NextRaw("hello", 0)
	if a.h.VisitorOnline(31, shop.ID) {
		t.Fatal("on the site before any widget connected")
	}

	anaB := wstest.DialNamed(t, "ana on B", b.ws+"/visitor", nil)
	anaB.Send([]byte(`{"t":"auth","token":"` + anaToken + `"}`))
	anaB.NextRaw("ready", 0)
	if !visitorOnline(t, tomWS.NextRaw("visitor", 0)) {
		t.Fatal("tom: first visitor frame says offline")
	}
	if !a.h.VisitorOnline(31, shop.ID) || !b.h.VisitorOnline(31, shop.ID) {
		t.Fatal("VisitorOnline false on a node while Ana's widget is open on B")
	}
	if a.h.VisitorOnline(31, 99) || a.h.VisitorOnline(32, shop.ID) {
		t.Error("another website or contact counts as on the site")
	}
	// A page she opens on B reaches A's agents: her browsing history grew (the details panel reads
	// it again); Eva, who may not see her conversation, is not told.
	from := tomWS.Mark()
	anaB.Send([]byte(`{"t":"page","url":"https://shop.example/pricing","title":"Pricing"}`))
	var pf visitorFrameOut
	if err := json.Unmarshal(tomWS.NextRaw("visitor", from), &pf); err != nil || pf.Page == nil || pf.Page.At == 0 || !pf.Online || pf.ContactID != 31 {
		t.Errorf("the page frame: %+v (%v)", pf, err)
	}
	// A change committed anywhere carries the state to agents.
	from = tomWS.Mark()
	publishChange(t, a.feed, conversation.Change{Conversation: liveConversation(), Messages: firstReply()})
	var cf changeFrame
	if err := json.Unmarshal(tomWS.NextRaw("conversation", from), &cf); err != nil || !cf.Conversation.VisitorOnline {
		t.Errorf("conversation frame: want visitor_online true (%v)", err)
	}

	// A second socket on A, then closed: she still has B's.
	from = tomWS.Mark()
	anaA := wstest.DialNamed(t, "ana on A", a.ws+"/visitor", nil)
	anaA.Send([]byte(`{"t":"auth","token":"` + anaToken + `"}`))
	anaA.NextRaw("ready", 0)
	anaA.Close()
	eventually(t, "A counts the socket that closed out", func() bool {
		a.h.vs.mu.Lock()
		defer a.h.vs.mu.Unlock()
		return a.h.vs.local[visitorKey{31, shop.ID}] == 0
	})
	tomWS.RoundTrip([]byte(`{"t":"ping"}`))
	if got := tomWS.Since("visitor", from); len(got) != 0 || !a.h.VisitorOnline(31, shop.ID) {
		t.Errorf("a second socket opened and closed while B holds one: frames %s, online %v", got, a.h.VisitorOnline(31, shop.ID))
	}

	// Eva may not see Jana's conversation in the private inbox: she is told nothing.
	evaWS.RoundTrip([]byte(`{"t":"ping"}`))
	if got := evaWS.Since("visitor", 0); len(got) != 0 {
		t.Errorf("eva got visitor frames for a conversation she may not see: %s", got)
	}

	// B stops without telling anyone (its sockets close with it): A's agents are told within the TTL.
	from = tomWS.Mark()
	b.stop()
	if visitorOnline(t, tomWS.NextRaw("visitor", from)) {
		t.Fatal("after B went silent: visitor frame says online")
	}
	if a.h.VisitorOnline(31, shop.ID) {
		t.Error("still on the site after B went silent")
	}
}

// The last socket closing on the only node tells agents at once, not after a TTL.
func TestVisitorLeavesWhenLastSocketCloses(t *testing.T) {
	bus := &fakeBus{subs: map[string][]func(string, []byte){}}
	a := startNode(t, bus, Options{VisitorBeat: time.Hour, VisitorTTL: time.Hour})
	janaWS := wstest.DialNamed(t, "jana", a.ws+"/agent/12", nil)
	janaWS.NextRaw("hello", 0)
	ana := wstest.DialNamed(t, "ana", a.ws+"/visitor", nil)
	ana.Send([]byte(`{"t":"auth","token":"` + anaToken + `"}`))
	if !visitorOnline(t, janaWS.NextRaw("visitor", 0)) {
		t.Fatal("want online")
	}
	// Resume answers carry the state too.
	from := janaWS.RoundTrip([]byte(`{"t":"resume","cursors":{"4821":5}}`))
	var cf changeFrame
	if err := json.Unmarshal(janaWS.NextRaw("conversation", from), &cf); err != nil || !cf.Conversation.VisitorOnline {
		t.Errorf("resume answer: want visitor_online true (%v)", err)
	}
	from = janaWS.Mark()
	ana.Close()
	if visitorOnline(t, janaWS.NextRaw("visitor", from)) {
		t.Fatal("want offline")
	}
	if a.h.VisitorOnline(31, shop.ID) {
		t.Error("still on the site")
	}
}

// A node this hub only hears of on the bus: its beat puts the visitor on the site, a delta takes
// her off, and a node that stops beating is forgotten after the TTL (with a clock of the test's).
func TestVisitorStateFromRemoteBeats(t *testing.T) {
	bus := &fakeBus{subs: map[string][]func(string, []byte){}}
	var mu sync.Mutex
	now := time.Unix(1767364200, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	h := NewHub(Options{Bus: bus, Presence: fakePresence{}, Conversations: fakeConversations{}, Directory: testDirectory(t, nil),
		VisitorTTL: 30 * time.Second, Now: clock})
	if err := bus.Subscribe(context.Background(), subjectVisitor, h.onVisitor); err != nil {
		t.Fatal(err)
	}
	ghost := func(m visitorMsg) {
		m.Node = "ghost"
		data, _ := json.Marshal(m)
		_ = bus.Publish(context.Background(), subjectVisitor, data)
	}
	c := liveConversation()
	ghost(visitorMsg{Beat: true, Entries: [][5]int64{entryOf(visitorKey{31, 3}, visitorConv{ID: c.ID, Visibility: visibilityOf(c)})}})
	if !h.VisitorOnline(31, 3) {
		t.Fatal("a remote beat did not put the visitor on the site")
	}
	if got := h.vs.convs[visitorKey{31, 3}].ID; got != conv4821 {
		t.Errorf("conversation learnt from the beat: %d", got)
	}
	ghost(visitorMsg{Entries: [][5]int64{{31, 3}}})
	if h.VisitorOnline(31, 3) {
		t.Fatal("a remote delta did not take the visitor off the site")
	}
	ghost(visitorMsg{Online: true, Entries: [][5]int64{{31, 3, conv4821, 12, 1}}})
	advance(29 * time.Second)
	h.expireVisitors()
	if !h.VisitorOnline(31, 3) {
		t.Fatal("expired before the TTL")
	}
	advance(2 * time.Second)
	if h.VisitorOnline(31, 3) {
		t.Error("a silent node's visitor is on the site after the TTL")
	}
	h.expireVisitors()
	h.vs.mu.Lock()
	defer h.vs.mu.Unlock()
	if len(h.vs.remote) != 0 || len(h.vs.told) != 0 || len(h.vs.convs) != 0 {
		t.Errorf("state left after expiry: remote %v, told %v, convs %v", h.vs.remote, h.vs.told, h.vs.convs)
	}
}

// manyVisitors puts n visitors on h's node, with ids as long as a large installation's, each with
// an open conversation.
func manyVisitors(h *Hub, first, n int) []visitorKey {
	keys := make([]visitorKey, n)
	h.vs.mu.Lock()
	defer h.vs.mu.Unlock()
	for i := range keys {
		k := visitorKey{contact: 1_000_000_000 + int64(first+i), inbox: 1_000 + int64(i%7)}
		keys[i] = k
		h.vs.local[k] = 1
		h.vs.convs[k] = visitorConv{ID: 5_000_000_000 + int64(first+i), Visibility: visibility{Status: conversation.Open, AssigneeID: 100_000 + int64(i%50)}}
	}
	return keys
}

// knows reports whether every key is on the site on h, and how many visitors h holds by other
// nodes' word once no beat is half received.
func knows(h *Hub, keys []visitorKey) (all bool, remote int) {
	h.vs.mu.Lock()
	defer h.vs.mu.Unlock()
	now := h.now()
	for _, r := range h.vs.remote {
		if r.partial != nil {
			return false, 0
		}
		remote += len(r.keys)
	}
	for _, k := range keys {
		if !h.vs.onlineLocked(k, now) {
			return false, remote
		}
	}
	return true, remote
}

// 100,000 visitors on one node reach another through a real NATS: each beat goes in parts that
// stay well under NATS's 1 MB limit (one message for all of them was refused), and a second beat
// with some visitors gone and others come leaves the other node with exactly the new set.
func TestVisitorBeatOf100kAcrossNATS(t *testing.T) {
	open := func(t *testing.T, url string) *bus.Bus {
		b, err := bus.Open(context.Background(), bus.Options{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}
	for name, buses := range map[string]func(t *testing.T) (*bus.Bus, *bus.Bus){
		"embedded": func(t *testing.T) (*bus.Bus, *bus.Bus) { b := open(t, ""); return b, b },
		"external": func(t *testing.T) (*bus.Bus, *bus.Bus) { u := testenv.NATSURL(t); return open(t, u), open(t, u) },
	} {
		t.Run(name, func(t *testing.T) {
			ba, bb := buses(t)
			// A scope of the test's own, so other runs on a shared NATS are not heard.
			scope := fmt.Sprintf("t%d", time.Now().UnixNano())
			busA, busB := bus.Scope(ba, scope), bus.Scope(bb, scope)
			o := Options{Presence: fakePresence{}, Conversations: fakeConversations{}, Render: testRender, VisitorTTL: time.Hour}
			o.Bus = busA
			a := NewHub(o)
			o.Bus = busB
			b := NewHub(o)
			ctx := t.Context()
			if err := busB.Subscribe(ctx, subjectVisitor, b.onVisitor); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var sizes []int
			if err := busB.Subscribe(ctx, subjectVisitor, func(_ string, data []byte) {
				mu.Lock()
				sizes = append(sizes, len(data))
				mu.Unlock()
			}); err != nil {
				t.Fatal(err)
			}

			keys := manyVisitors(a, 0, 100_000)
			a.sendVisitorBeat()
			eventually(t, "node B knows all 100,000 visitors of node A", func() bool {
				all, n := knows(b, keys)
				return all && n == len(keys)
			})
			mu.Lock()
			parts, largest := len(sizes), slices.Max(sizes)
			mu.Unlock()
			if largest > visitorPartBytes || parts < 2 {
				t.Errorf("beat of 100,000 visitors: %d messages, the largest %d bytes; want several, each at most %d", parts, largest, visitorPartBytes)
			}
			t.Logf("a beat of 100,000 visitors: %d messages, the largest %d bytes", parts, largest)

			// 20,000 leave, 5,000 come.
			a.vs.mu.Lock()
			for _, k := range keys[:20_000] {
				delete(a.vs.local, k)
			}
			a.vs.mu.Unlock()
			keys = append(keys[20_000:], manyVisitors(a, 100_000, 5_000)...)
			a.sendVisitorBeat()
			eventually(t, "node B holds exactly node A's 85,000 visitors", func() bool {
				all, n := knows(b, keys)
				return all && n == len(keys)
			})
		})
	}
}

// Between the parts of a beat, the visitors of the last whole beat stay on the site; those it
// no longer lists leave when its last part arrives. A beat with a part lost adds what it lists
// and takes nobody off, until a whole one comes.
func TestVisitorBeatPartsAreOneTruth(t *testing.T) {
	h := NewHub(Options{Bus: &fakeBus{subs: map[string][]func(string, []byte){}}, Presence: fakePresence{}, Conversations: fakeConversations{}, VisitorTTL: time.Hour})
	deliver := func(m visitorMsg) {
		data, _ := json.Marshal(m)
		h.onVisitor(subjectVisitor, data)
	}
	entries := func(from, to int64) [][5]int64 {
		var out [][5]int64
		for c := from; c < to; c++ {
			out = append(out, [5]int64{c, 3, 0, 0, 1})
		}
		return out
	}
	online := func(from, to int64) bool {
		for c := from; c < to; c++ {
			if !h.VisitorOnline(c, 3) {
				return false
			}
		}
		return true
	}
	offline := func(from, to int64) bool {
		for c := from; c < to; c++ {
			if h.VisitorOnline(c, 3) {
				return false
			}
		}
		return true
	}
	// A beat of 300 visitors in parts of at most 4 KB.
	first := beatParts("other", 1, entries(0, 300), 4<<10)
	if len(first) < 2 {
		t.Fatalf("want several parts, got %d", len(first))
	}
	for _, m := range first {
		data, _ := json.Marshal(m)
		if len(data) > 4<<10 {
			t.Errorf("part %d: %d bytes, over 4 KB", m.Part, len(data))
		}
		deliver(m)
	}
	if !online(0, 300) {
		t.Fatal("a beat in parts did not put every visitor on the site")
	}

	// The next beat lists 100..400: 0..100 stay until its last part, then leave.
	next := beatParts("other", 2, entries(100, 400), 4<<10)
	for _, m := range next[:len(next)-1] {
		deliver(m)
		if !online(0, 300) {
			t.Fatalf("after part %d of %d: a visitor of the last whole beat flickered off", m.Part, m.Parts)
		}
	}
	deliver(next[len(next)-1])
	if !offline(0, 100) || !online(100, 400) {
		t.Fatal("after the last part: want exactly 100..400 on the site")
	}

	// Beat 3 (200..500) loses a part in the middle: nobody leaves, what came is added.
	lossy := beatParts("other", 3, entries(200, 500), 4<<10)
	for i, m := range lossy {
		if i != 1 {
			deliver(m)
		}
	}
	if !online(100, 200) {
		t.Error("a beat with a lost part took visitors off the site")
	}
	// Beat 4, whole, repairs.
	for _, m := range beatParts("other", 4, entries(250, 300), 4<<10) {
		deliver(m)
	}
	if !offline(0, 250) || !online(250, 300) || !offline(300, 500) {
		t.Error("a whole beat after a lossy one: want exactly 250..300 on the site")
	}

	// A node of an older version sends its beat as one message without parts.
	deliver(visitorMsg{Node: "older", Beat: true, Entries: entries(600, 610)})
	deliver(visitorMsg{Node: "older", Beat: true, Entries: entries(605, 610)})
	if !offline(600, 605) || !online(605, 610) {
		t.Error("a beat without parts is the whole truth about its node")
	}
}
