package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"
)

// visitorSock is one visitor's socket. It reads everything the server sends (a client that stops
// reading would be dropped as a slow consumer) and counts acks and errors.
type visitorSock struct {
	gws.BuiltinEventHandler
	l     *load
	idx   int
	conn  *gws.Conn
	ready chan struct{}
	once  sync.Once
	open  atomic.Bool
}

// vframe is the part of a server → visitor frame the generator looks at.
type vframe struct {
	T        string `json:"t"`
	ClientID string `json:"client_id"`
	Code     string `json:"code"`
}

func (v *visitorSock) OnMessage(_ *gws.Conn, m *gws.Message) {
	defer m.Close()
	now := v.l.now()
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
			v.once.Do(func() { close(v.ready) })
		case "ack":
			if strings.HasPrefix(f.ClientID, "wu-") {
				v.l.warmAcks.Add(1)
				continue
			}
			if n, ok := parseClientID([]byte(f.ClientID)); ok && n < len(v.l.sched) {
				if v.l.acked[n].CompareAndSwap(false, true) {
					v.l.acks.Add(1)
					v.l.ackHist.add(now - v.l.sched[n])
				}
			}
		case "error":
			v.l.countError(f.Code)
		case "resync":
			v.l.visitorResyncs.Add(1)
		}
	}
}

func (v *visitorSock) OnClose(*gws.Conn, error) {
	if v.open.CompareAndSwap(true, false) {
		v.l.visitorCloses.Add(1)
	}
}

// agentSock is one agent's event socket, reopened when the server closes it (after a resync).
// Agents receive every conversation of the inboxes they are members of; each message is matched
// by its client_id.
type agentSock struct {
	l      *load
	idx    int
	header http.Header
	mu     sync.Mutex
	cur    *agentConn
}

// agentConn is one connection of an agent's socket.
type agentConn struct {
	gws.BuiltinEventHandler
	a      *agentSock
	conn   *gws.Conn
	hello  chan struct{}
	once   sync.Once
	closed chan struct{}
}

func (a *agentSock) current() *agentConn {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cur
}

var (
	clientIDKey = []byte(`"client_id":"lg-`)
	resyncFrame = []byte(`"t":"resync"`)
	helloFrame  = []byte(`"t":"hello"`)
)

// OnMessage scans the frame's bytes for client ids instead of decoding it: at 5k msg/s and 20
// agents the generator reads 100k frames a second on the same two cores as the server.
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
		}
	}
	raw = m.Bytes()
	if bytes.Contains(raw, helloFrame) {
		c.once.Do(func() { close(c.hello) })
	}
	if bytes.Contains(raw, resyncFrame) {
		l.agentResyncs.Add(1)
	}
}

func (c *agentConn) OnClose(*gws.Conn, error) { close(c.closed) }

// parseClientID reads the number at the start of b (after "lg-") up to the closing quote.
func parseClientID(b []byte) (int, bool) {
	if bytes.HasPrefix(b, []byte("lg-")) {
		b = b[3:]
	}
	n, digits := 0, 0
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
		digits++
	}
	return n, digits > 0 && digits < 12
}

// histogram counts durations (ns) in log-linear buckets of 1/64 relative width from 1 µs up: a
// fixed array of atomic counters, safe for many readers at once, precise to about 1.5 %.
type histogram struct {
	counts [64 * 48]atomic.Int64
	n      atomic.Int64
	max    atomic.Int64
}

func bucketOf(us int64) int {
	if us < 64 {
		return int(max(us, 0))
	}
	e := 0
	for v := us; v >= 128; v >>= 1 {
		e++
	}
	m := us >> e // 64..127
	return (e+1)*64 + int(m-64)
}

func bucketValue(i int) int64 {
	if i < 64 {
		return int64(i)
	}
	e := i/64 - 1
	m := int64(i%64 + 64)
	return m << e
}

func (h *histogram) add(ns int64) {
	us := ns / 1000
	b := bucketOf(us)
	if b >= len(h.counts) {
		b = len(h.counts) - 1
	}
	h.counts[b].Add(1)
	h.n.Add(1)
	for {
		m := h.max.Load()
		if ns <= m || h.max.CompareAndSwap(m, ns) {
			break
		}
	}
}

// quantile returns the q-quantile (0..1) as a duration.
func (h *histogram) quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := int64(q*float64(n-1)) + 1
	var seen int64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return time.Duration(bucketValue(i)) * time.Microsecond
		}
	}
	return time.Duration(h.max.Load())
}
