package realtime

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
)

// node is one hub behind its own HTTP server, on a bus shared with other nodes.
type node struct {
	h    *Hub
	ws   string
	stop func()
}

func startNode(t *testing.T, bus *fakeBus, o Options) *node {
	t.Helper()
	o.Bus, o.Presence, o.Conversations, o.Render = bus, fakePresence{}, fakeConversations{}, testRender
	h := NewHub(o)
	before := bus.subscriptions()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := h.Run(ctx); err != nil {
			t.Errorf("hub: %v", err)
		}
	}()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	for bus.subscriptions() < before+7 {
		time.Sleep(time.Millisecond)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /agent/{id}", func(w http.ResponseWriter, r *http.Request) {
		u := map[string]*auth.User{"12": jana, "14": tom, "15": eva}[r.PathValue("id")]
		if err := h.ServeAgent(w, r, u); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	mux.HandleFunc("GET /visitor", func(w http.ResponseWriter, r *http.Request) {
		if err := h.ServeVisitor(w, r, fakeWidget{}, shop, "203.0.113.7"); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &node{h: h, ws: "ws" + strings.TrimPrefix(srv.URL, "http"), stop: stop}
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
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling an in-memory value
	}
}

// Ana's widget on node B makes her "on the site" on node A too: A's agents who see her
// conversation are told, A's API reads it from memory; a second socket on A keeps her there
// when it closes; when B goes silent (it stops without a word), A forgets her after the TTL.
func TestVisitorStateAcrossNodes(t *testing.T) {
	bus := &fakeBus{subs: map[string][]func(string, []byte){}}
	o := Options{VisitorBeat: 50 * time.Millisecond, VisitorTTL: time.Second}
	a, b := startNode(t, bus, o), startNode(t, bus, o)

	tomWS, evaWS := dial(t, "tom", a.ws+"/agent/14"), dial(t, "eva", a.ws+"/agent/15")
	tomWS.next("hello", 0)
	evaWS.next("hello", 0)
	if a.h.VisitorOnline(31, shop.ID) {
		t.Fatal("on the site before any widget connected")
	}

	anaB := dial(t, "ana on B", b.ws+"/visitor")
	anaB.send([]byte(`{"t":"auth","token":"` + anaToken + `"}`))
	anaB.next("ready", 0)
	if !visitorOnline(t, tomWS.next("visitor", 0)) {
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
	from := tomWS.mark()
	anaB.send([]byte(`{"t":"page","url":"https://shop.example/pricing","title":"Pricing"}`))
	var pf visitorFrameOut
	if err := json.Unmarshal(tomWS.next("visitor", from), &pf); err != nil || pf.Page == nil || pf.Page.At == 0 || !pf.Online || pf.ContactID != 31 {
		t.Errorf("the page frame: %+v (%v)", pf, err)
	}
	// A change committed anywhere carries the state to agents.
	from = tomWS.mark()
	a.h.Publish(context.Background(), conversation.Change{Conversation: liveConversation(), Messages: firstReply()})
	var cf changeFrame
	if err := json.Unmarshal(tomWS.next("conversation", from), &cf); err != nil || !cf.Conversation.VisitorOnline {
		t.Errorf("conversation frame: want visitor_online true (%v)", err)
	}

	// A second socket on A, then closed: she still has B's.
	from = tomWS.mark()
	anaA := dial(t, "ana on A", a.ws+"/visitor")
	anaA.send([]byte(`{"t":"auth","token":"` + anaToken + `"}`))
	anaA.next("ready", 0)
	_ = anaA.conn.NetConn().Close()
	eventually(t, "A counts the socket that closed out", func() bool {
		a.h.vs.mu.Lock()
		defer a.h.vs.mu.Unlock()
		return a.h.vs.local[visitorKey{31, shop.ID}] == 0
	})
	tomWS.roundTrip([]byte(`{"t":"ping"}`))
	if got := tomWS.since("visitor", from); len(got) != 0 || !a.h.VisitorOnline(31, shop.ID) {
		t.Errorf("a second socket opened and closed while B holds one: frames %s, online %v", got, a.h.VisitorOnline(31, shop.ID))
	}

	// Eva may not see Jana's conversation in the private inbox: she is told nothing.
	evaWS.roundTrip([]byte(`{"t":"ping"}`))
	if got := evaWS.since("visitor", 0); len(got) != 0 {
		t.Errorf("eva got visitor frames for a conversation she may not see: %s", got)
	}

	// B stops without telling anyone (its sockets close with it): A's agents are told within the TTL.
	from = tomWS.mark()
	b.stop()
	if visitorOnline(t, tomWS.next("visitor", from)) {
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
	janaWS := dial(t, "jana", a.ws+"/agent/12")
	janaWS.next("hello", 0)
	ana := dial(t, "ana", a.ws+"/visitor")
	ana.send([]byte(`{"t":"auth","token":"` + anaToken + `"}`))
	if !visitorOnline(t, janaWS.next("visitor", 0)) {
		t.Fatal("want online")
	}
	// Resume answers carry the state too.
	from := janaWS.roundTrip([]byte(`{"t":"resume","cursors":{"4821":5}}`))
	var cf changeFrame
	if err := json.Unmarshal(janaWS.next("conversation", from), &cf); err != nil || !cf.Conversation.VisitorOnline {
		t.Errorf("resume answer: want visitor_online true (%v)", err)
	}
	from = janaWS.mark()
	_ = ana.conn.NetConn().Close()
	if visitorOnline(t, janaWS.next("visitor", from)) {
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
	h := NewHub(Options{Bus: bus, Presence: fakePresence{}, Conversations: fakeConversations{}, VisitorTTL: 30 * time.Second, Now: clock})
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
