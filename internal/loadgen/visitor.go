package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lxzan/gws"
)

// visitorSock is one visitor: a widget session and its socket, opened again after the server
// closes it when the run reconnects. It reads everything the server sends (a client that stops
// reading would be dropped as a slow consumer) and follows each of its messages to an ack, an
// error frame, or a closed socket.
type visitorSock struct {
	l      *Load
	idx    int
	addr   string
	header http.Header
	token  string

	mu       sync.Mutex
	cur      *visitorConn
	up       bool             // cur has answered auth with ready and is not closed
	stopped  bool             // the run is over: no writes, no reconnects
	inflight map[int]struct{} // messages written to cur and not answered yet
	queue    []int            // messages waiting for the next ready (with --reconnect)
}

// visitorConn is one connection of a visitor's socket.
type visitorConn struct {
	gws.BuiltinEventHandler
	v      *visitorSock
	conn   *gws.Conn
	again  bool // not the visitor's first connection
	ready  chan struct{}
	once   sync.Once
	closed chan struct{}
	wasUp  bool // guarded by v.mu
}

var errStopped = errors.New("the run is over")

// connect opens a socket, authenticates and waits for ready. On failure it says which step failed.
func (v *visitorSock) connect(ctx context.Context, timeout time.Duration) (string, error) {
	v.mu.Lock()
	again := v.cur != nil
	v.mu.Unlock()
	c := &visitorConn{v: v, again: again, ready: make(chan struct{}), closed: make(chan struct{})}
	conn, _, err := gws.NewClient(c, &gws.ClientOption{Addr: v.addr, RequestHeader: v.header,
		HandshakeTimeout: 15 * time.Second, ReadBufferSize: 2048})
	if err != nil {
		return "socket", err
	}
	c.conn = conn
	v.mu.Lock()
	if v.stopped {
		v.mu.Unlock()
		conn.NetConn().Close()
		return "socket", errStopped
	}
	v.cur = c
	v.mu.Unlock()
	go conn.ReadLoop()
	b, _ := json.Marshal(map[string]string{"t": "auth", "token": v.token})
	if err := conn.WriteMessage(gws.OpcodeText, b); err != nil {
		conn.NetConn().Close()
		return "auth", err
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-c.ready:
		return "", nil
	case <-c.closed:
		select {
		case <-c.ready: // ready, then closed at once: the close starts the next reconnect
			return "", nil
		default:
		}
		return "auth", errors.New("socket closed before ready")
	case <-t.C:
		conn.NetConn().Close()
		return "auth", errors.New("no ready within " + timeout.String())
	case <-ctx.Done():
		conn.NetConn().Close()
		return "auth", ctx.Err()
	}
}

// reconnect opens the socket again with jittered exponential back-off (as the widget does,
// docs/widget-protocol.md 1.7, with a ceiling of 1 s instead of 30 s) until a socket is ready.
func (v *visitorSock) reconnect(ctx context.Context) {
	for attempt := 0; ctx.Err() == nil; attempt++ {
		wait := time.Duration(rand.Int64N(int64(min(time.Second, 50*time.Millisecond<<min(attempt, 5))) + 1))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if _, err := v.connect(ctx, 15*time.Second); err == nil {
			v.l.visitorReconnects.Add(1)
			return
		} else if errors.Is(err, errStopped) {
			return
		}
	}
}

// stop ends the visitor's part in the run: nothing more is written and the socket is closed.
// Messages still waiting for an answer stay as they are ("unanswered" or "not sent").
func (v *visitorSock) stop() {
	v.mu.Lock()
	v.stopped = true
	c := v.cur
	v.mu.Unlock()
	if c != nil {
		c.conn.NetConn().Close()
	}
}

// send hands message i to the socket, or queues it until the socket is back (--reconnect).
func (v *visitorSock) send(i int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch {
	case v.up:
		v.writeLocked(i)
	case v.l.o.Reconnect && !v.stopped:
		v.l.state[i].Store(msgQueued)
		v.queue = append(v.queue, i)
	default:
		v.l.state[i].Store(msgNotSent)
	}
}

func (v *visitorSock) writeLocked(i int) {
	l := v.l
	frame := make([]byte, 0, 48+len(l.body))
	frame = append(frame, `{"t":"send","client_id":"lg-`...)
	frame = strconv.AppendInt(frame, int64(i), 10)
	frame = append(frame, `","body":`...)
	frame = append(frame, l.body...)
	frame = append(frame, '}')
	l.state[i].Store(msgWritten)
	l.writes[i].Add(1)
	v.inflight[i] = struct{}{}
	v.cur.conn.WriteAsync(gws.OpcodeText, frame, nil)
}

// writeRaw writes a frame that is not followed (warm-up), if the socket is up.
func (v *visitorSock) writeRaw(frame []byte) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.up {
		v.cur.conn.WriteAsync(gws.OpcodeText, frame, nil)
	}
}

// vframe is the part of a server → visitor frame the generator looks at.
type vframe struct {
	T        string `json:"t"`
	ClientID string `json:"client_id"`
	Ref      string `json:"ref"`
	Code     string `json:"code"`
}

func (c *visitorConn) OnMessage(_ *gws.Conn, m *gws.Message) {
	defer m.Close()
	v := c.v
	l := v.l
	now := l.now()
	raw := m.Bytes()
	var frames []vframe
	if len(raw) > 0 && raw[0] == '[' {
		if json.Unmarshal(raw, &frames) != nil {
			return
		}
	} else {
		var f vframe
		if json.Unmarshal(raw, &f) != nil {
			return
		}
		frames = []vframe{f}
	}
	for _, f := range frames {
		switch f.T {
		case "ready":
			c.onReady(raw)
		case "ack":
			if strings.HasPrefix(f.ClientID, "wu-") {
				l.warmAcks.Add(1)
				continue
			}
			if n, ok := parseClientID([]byte(f.ClientID)); ok && strings.HasPrefix(f.ClientID, "lg-") && n < len(l.sched) {
				v.mu.Lock()
				delete(v.inflight, n)
				acked := l.state[n].CompareAndSwap(msgWritten, msgAcked) || l.state[n].CompareAndSwap(msgQueued, msgAcked)
				v.mu.Unlock()
				if acked {
					l.noteAck()
					l.ackHist.add(now - l.sched[n])
				}
			}
		case "error":
			l.countError(f.Code)
			if n, ok := parseClientID([]byte(f.Ref)); ok && strings.HasPrefix(f.Ref, "lg-") && n < len(l.sched) {
				v.mu.Lock()
				delete(v.inflight, n)
				l.state[n].CompareAndSwap(msgWritten, msgRefused)
				v.mu.Unlock()
			}
		case "resync":
			l.visitorResyncs.Add(1)
		}
	}
}

// onReady marks the socket up and sends what waited for it, in order, with the original client
// ids: the widget's way after a reconnect (docs/widget-protocol.md 1.6, 1.7). A message cut off by
// the previous socket's close that the log in ready already holds was stored and its ack lost; it
// is sent again all the same, to check that the retry returns the original.
func (c *visitorConn) onReady(raw []byte) {
	v := c.v
	l := v.l
	v.mu.Lock()
	if v.cur == c && !c.wasUp && !v.stopped {
		if c.again && len(v.queue) > 0 {
			held := readyClientIDs(raw)
			for _, n := range v.queue {
				if l.cutOff[n].Load() && held[clientID(n)] {
					l.foundStored[n].Store(true)
				}
			}
		}
		c.wasUp, v.up = true, true
		for _, n := range v.queue {
			if l.state[n].Load() == msgQueued {
				v.writeLocked(n)
			}
		}
		v.queue = v.queue[:0]
	}
	v.mu.Unlock()
	c.once.Do(func() { close(c.ready) })
}

// readyClientIDs are the client ids of the entries a ready frame carries.
func readyClientIDs(raw []byte) map[string]bool {
	type ready struct {
		T        string `json:"t"`
		Messages []struct {
			ClientID string `json:"client_id"`
		} `json:"messages"`
	}
	var frames []ready
	if len(raw) > 0 && raw[0] == '[' {
		_ = json.Unmarshal(raw, &frames)
	} else {
		var f ready
		_ = json.Unmarshal(raw, &f)
		frames = []ready{f}
	}
	held := map[string]bool{}
	for _, f := range frames {
		if f.T == "ready" {
			for _, m := range f.Messages {
				held[m.ClientID] = true
			}
		}
	}
	return held
}

// OnClose runs once the connection's read loop has ended (after its last OnMessage). Messages
// written to it and not answered were cut off: with --reconnect they wait for the next socket,
// otherwise they stay unanswered.
func (c *visitorConn) OnClose(*gws.Conn, error) {
	v := c.v
	l := v.l
	v.mu.Lock()
	wasUp, stopped := c.wasUp, v.stopped
	if v.cur == c {
		v.up = false
		if !stopped {
			for n := range v.inflight {
				l.cutOff[n].Store(true)
				if l.o.Reconnect {
					l.state[n].Store(msgQueued)
					v.queue = append(v.queue, n)
				} else {
					l.state[n].Store(msgUnanswered)
				}
			}
			clear(v.inflight)
			slices.Sort(v.queue)
		}
	}
	v.mu.Unlock()
	close(c.closed)
	if wasUp && !stopped {
		l.visitorCloses.Add(1)
		if l.o.Reconnect && l.runCtx != nil {
			go v.reconnect(l.runCtx)
		}
	}
}
