package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/lxzan/gws"
)

// agentSock is one agent's event socket, opened again whenever the server closes it (a resync,
// or the server died). Agents receive every conversation of the inboxes they are members of; each
// message is matched by its client_id.
//
// With --reconnect the agent also does what the inbox does (docs/widget-protocol.md 3.2): it keeps
// a cursor per conversation of the website (the highest seq held with nothing missing before it),
// asks for what follows the cursor when a frame shows a gap, and after each reconnect refetches
// the folder and resumes every conversation that moved on while it was away.
type agentSock struct {
	l       *Load
	idx     int
	wsBase  string
	header  http.Header
	api     *client // the agent's HTTP session, for the folder
	inboxID int64

	mu      sync.Mutex
	cur     *agentConn
	gen     int              // connections opened so far - 1
	cursors map[int64]int64  // conversation id → seq held without a gap
	asked   map[int64]gapAsk // the last resume asked per conversation
	moved   chan struct{}    // a cursor moved (capacity 1, never blocks)
}

// gapAsk is a resume asked for a conversation from cursor seq at a time.
type gapAsk struct {
	seq int64
	at  time.Time
}

// agentConn is one connection of an agent's socket.
type agentConn struct {
	gws.BuiltinEventHandler
	a      *agentSock
	conn   *gws.Conn
	gen    int
	hello  chan struct{}
	once   sync.Once
	closed chan struct{}
}

func (a *agentSock) current() *agentConn {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cur
}

func (a *agentSock) dial() (*agentConn, error) {
	a.mu.Lock()
	gen := a.gen
	if a.cur != nil {
		gen++
	}
	a.mu.Unlock()
	c := &agentConn{a: a, gen: gen, hello: make(chan struct{}), closed: make(chan struct{})}
	conn, _, err := gws.NewClient(c, &gws.ClientOption{Addr: a.wsBase + "/api/v1/events", RequestHeader: a.header,
		HandshakeTimeout: 15 * time.Second, ReadBufferSize: 64 << 10, ReadMaxPayloadSize: 16 << 20})
	if err != nil {
		return nil, err
	}
	c.conn = conn
	a.mu.Lock()
	a.cur, a.gen = c, gen
	a.mu.Unlock()
	go conn.ReadLoop()
	return c, nil
}

// keepOpen reconnects the agent when the server closes its socket, counting it. Without
// --reconnect, messages sent while it was away are missed by that agent; with it, the agent
// catches up from the database once it is back.
func (a *agentSock) keepOpen(ctx context.Context) {
	l := a.l
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.current().closed:
		}
		if ctx.Err() != nil {
			return
		}
		l.agentReconnects.Add(1)
		if l.o.Reconnect {
			l.catchingUp.Add(1)
		}
		c := a.reopen(ctx)
		if l.o.Reconnect {
			if c != nil {
				a.catchUp(ctx, c)
			}
			l.catchingUp.Add(-1)
		}
	}
}

// reopen dials until a socket says hello, with jittered exponential back-off (at most 1 s).
func (a *agentSock) reopen(ctx context.Context) *agentConn {
	for attempt := 0; ctx.Err() == nil; attempt++ {
		wait := time.Duration(rand.Int64N(int64(min(time.Second, 50*time.Millisecond<<min(attempt, 5))) + 1))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		c, err := a.dial()
		if err != nil {
			continue
		}
		t := time.NewTimer(10 * time.Second)
		select {
		case <-c.hello:
			t.Stop()
			return c
		case <-c.closed:
		case <-t.C:
			c.conn.NetConn().Close()
		case <-ctx.Done():
			t.Stop()
			return nil
		}
		t.Stop()
	}
	return nil
}

// catchUp is the inbox's way back after a reconnect: refetch the folder, then resume every
// conversation whose last_seq is past the agent's cursor, until the cursors reach what the folder
// showed (the answers hold at most 500 entries each; advance asks for the rest).
func (a *agentSock) catchUp(ctx context.Context, c *agentConn) {
	l := a.l
	for round := 0; ctx.Err() == nil; round++ {
		convs, err := a.api.conversations(ctx, a.inboxID, "open")
		if err != nil {
			if round >= 40 {
				l.logf("agent %d: no folder after reconnecting: %v", a.idx, err)
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-c.closed:
				return
			case <-time.After(250 * time.Millisecond):
			}
			continue
		}
		want := map[int64]int64{}
		behind := map[int64]int64{}
		a.mu.Lock()
		for _, cv := range convs {
			if cur := a.cursors[cv.ID]; cur < cv.LastSeq {
				want[cv.ID], behind[cv.ID] = cv.LastSeq, cur
				a.asked[cv.ID] = gapAsk{cur, time.Now()}
			}
		}
		a.mu.Unlock()
		if len(behind) == 0 {
			return
		}
		if round >= 20 {
			l.logf("agent %d: still behind in %d conversations after %d rounds", a.idx, len(behind), round)
			return
		}
		c.resume(behind)
		t := time.NewTimer(2 * time.Second)
	wait:
		for !a.reached(want) {
			select {
			case <-a.moved:
			case <-c.closed:
				break wait
			case <-ctx.Done():
				break wait
			case <-t.C:
				break wait
			}
		}
		t.Stop()
		select {
		case <-c.closed:
			return
		default:
		}
	}
}

func (a *agentSock) reached(want map[int64]int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for id, seq := range want {
		if a.cursors[id] < seq {
			return false
		}
	}
	return true
}

// resume asks for the entries after each cursor.
func (c *agentConn) resume(cursors map[int64]int64) {
	m := make(map[string]int64, len(cursors))
	for id, seq := range cursors {
		m[strconv.FormatInt(id, 10)] = seq
	}
	b, _ := json.Marshal(map[string]any{"t": "resume", "cursors": m})
	c.conn.WriteAsync(gws.OpcodeText, b, nil)
	c.a.l.agentResumes.Add(1)
}

// advance moves the cursor of a conversation on a frame with entries from..to, when nothing is
// missing before from; when entries are missing (a gap) or the conversation holds more than the
// cursor has (last), it asks for them, at most once per cursor position every 2 s.
func (a *agentSock) advance(c *agentConn, id, from, to, last int64) {
	a.mu.Lock()
	cur := a.cursors[id]
	if from > 0 && from <= cur+1 && to > cur {
		cur = to
		a.cursors[id] = cur
		select {
		case a.moved <- struct{}{}:
		default:
		}
	}
	ask := false
	if last > cur || from > cur+1 {
		if k, ok := a.asked[id]; !ok || k.seq != cur || time.Since(k.at) > 2*time.Second {
			a.asked[id] = gapAsk{cur, time.Now()}
			ask = true
		}
	}
	a.mu.Unlock()
	if ask {
		a.l.agentGaps.Add(1)
		c.resume(map[int64]int64{id: cur})
	}
}

var (
	clientIDKey = []byte(`"client_id":"lg-`)
	resyncFrame = []byte(`"t":"resync"`)
	helloFrame  = []byte(`"t":"hello"`)
)

// OnMessage scans the frame's bytes for client ids instead of decoding it: at 5k msg/s and 20
// agents the generator reads 100k frames a second on the same two cores as the server. With
// --reconnect it also decodes the frames' seqs, for the cursors.
func (c *agentConn) OnMessage(_ *gws.Conn, m *gws.Message) {
	defer m.Close()
	l := c.a.l
	now := l.now()
	raw := m.Bytes()
	l.agentFrames.Add(1)
	for {
		i := bytes.Index(raw, clientIDKey)
		if i < 0 {
			break
		}
		raw = raw[i+len(clientIDKey):]
		n, ok := parseClientID(raw)
		if !ok || n >= len(l.sched) {
			continue
		}
		lat := max(now-l.sched[n], 1)
		l.deliveries.Add(1)
		l.fanHist.add(lat)
		if l.firstLat[n].CompareAndSwap(0, lat) {
			l.delivered.Add(1)
			if c.gen > 0 {
				l.deliveredOnReconnect.Add(1)
			}
		}
	}
	raw = m.Bytes()
	if bytes.Contains(raw, helloFrame) {
		c.once.Do(func() { close(c.hello) })
	}
	if bytes.Contains(raw, resyncFrame) {
		l.agentResyncs.Add(1)
	}
	if l.o.Reconnect {
		c.track(raw)
	}
}

// aframe is the part of an agent frame the cursors need.
type aframe struct {
	T            string `json:"t"`
	Conversation *struct {
		ID      int64 `json:"id"`
		InboxID int64 `json:"inbox_id"`
		LastSeq int64 `json:"last_seq"`
	} `json:"conversation"`
	FromSeq int64 `json:"from_seq"`
	ToSeq   int64 `json:"to_seq"`
}

func (c *agentConn) track(raw []byte) {
	var frames []aframe
	if len(raw) > 0 && raw[0] == '[' {
		if json.Unmarshal(raw, &frames) != nil {
			return
		}
	} else {
		var f aframe
		if json.Unmarshal(raw, &f) != nil {
			return
		}
		frames = []aframe{f}
	}
	for _, f := range frames {
		if f.T == "conversation" && f.Conversation != nil && f.Conversation.InboxID == c.a.inboxID {
			c.a.advance(c, f.Conversation.ID, f.FromSeq, f.ToSeq, f.Conversation.LastSeq)
		}
	}
}

func (c *agentConn) OnClose(*gws.Conn, error) { close(c.closed) }
