// Package wstest is the WebSocket client of Parley's tests: it dials an agent's or a visitor's
// socket, sends JSON frames and keeps every frame it receives (a batch split into its frames), so
// a test waits, with a deadline, for the frame it expects. The integration tests (cmd/parley), the
// browser tests' API side (e2e) and the realtime package's protocol tests share it.
package wstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lxzan/gws"
)

// Wait is how long the wait methods without a duration of their own wait.
const Wait = 10 * time.Second

// Conn is a test client's socket.
type Conn struct {
	gws.BuiltinEventHandler
	t      testing.TB
	name   string
	conn   *gws.Conn
	mu     sync.Mutex
	frames []json.RawMessage
	events []map[string]any // frames decoded, in the same order
	why    error            // why the socket closed
	signal chan struct{}
	closed chan struct{}
}

// Dial opens a socket (url: ws://host/path) with the request's headers (Cookie, Origin,
// User-Agent...), failing the test when the server refuses the upgrade. The socket closes when
// the test ends.
func Dial(t testing.TB, url string, header http.Header) *Conn {
	t.Helper()
	return DialNamed(t, url, url, header)
}

// DialNamed is Dial for a socket named in failure messages (its URL otherwise).
func DialNamed(t testing.TB, name, url string, header http.Header) *Conn {
	t.Helper()
	c, status, err := dial(t, name, url, header)
	if err != nil {
		t.Fatalf("%s: dial %s: %v (status %d)", name, url, err, status)
	}
	return c
}

// Refused dials a socket the server must refuse and returns the status it answered with.
func Refused(t testing.TB, url string, header http.Header) int {
	t.Helper()
	c, status, err := dial(t, "refused", url, header)
	if err == nil {
		c.Close()
		t.Fatalf("the socket %s was opened; want a refusal", url)
	}
	return status
}

func dial(t testing.TB, name, url string, header http.Header) (*Conn, int, error) {
	c := &Conn{t: t, name: name, signal: make(chan struct{}, 1), closed: make(chan struct{})}
	conn, res, err := gws.NewClient(c, &gws.ClientOption{Addr: url, RequestHeader: header})
	status := 0
	if res != nil {
		status = res.StatusCode
	}
	if err != nil {
		return nil, status, err
	}
	c.conn = conn
	go conn.ReadLoop()
	t.Cleanup(c.Close)
	return c, status, nil
}

// OnMessage keeps the frames of a message (one frame, or a JSON array of them).
func (c *Conn) OnMessage(_ *gws.Conn, m *gws.Message) {
	defer m.Close()
	raw := bytes.TrimSpace(m.Bytes())
	var batch []json.RawMessage
	if len(raw) > 0 && raw[0] == '[' {
		if err := json.Unmarshal(raw, &batch); err != nil {
			c.t.Errorf("%s: a batch that is not a JSON array of frames: %s", c.name, raw)
			return
		}
	} else {
		batch = []json.RawMessage{slices.Clone(raw)}
	}
	events := make([]map[string]any, len(batch))
	for i, f := range batch {
		_ = json.Unmarshal(f, &events[i])
	}
	c.mu.Lock()
	c.frames = append(c.frames, batch...)
	c.events = append(c.events, events...)
	c.mu.Unlock()
	c.wake()
}

// OnClose records why the socket closed.
func (c *Conn) OnClose(_ *gws.Conn, err error) {
	c.mu.Lock()
	c.why = err
	c.mu.Unlock()
	close(c.closed)
}

func (c *Conn) wake() {
	select {
	case c.signal <- struct{}{}:
	default:
	}
}

// Close closes the connection (idempotent).
func (c *Conn) Close() { _ = c.conn.NetConn().Close() }

// Arrived is signalled when frames arrive (one signal pending at most): a test that waits in its own
// way (from a fuzz target, say, which must not fail the test that dialed) reads Events after it.
func (c *Conn) Arrived() <-chan struct{} { return c.signal }

// Closed is closed once the socket is.
func (c *Conn) Closed() <-chan struct{} { return c.closed }

// WaitClosed waits up to d for the socket to close and says whether it did.
func (c *Conn) WaitClosed(d time.Duration) bool {
	select {
	case <-c.closed:
		return true
	case <-time.After(d):
		return false
	}
}

// CloseReason is why the socket closed (nil while open, or when closed without a reason).
func (c *Conn) CloseReason() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.why
}

// Send writes v as one JSON text frame; a []byte or json.RawMessage is sent as it is.
func (c *Conn) Send(v any) {
	c.t.Helper()
	var b []byte
	switch v := v.(type) {
	case []byte:
		b = v
	case json.RawMessage:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			c.t.Fatalf("%s: %v", c.name, err)
		}
	}
	if err := c.conn.WriteMessage(gws.OpcodeText, b); err != nil {
		c.t.Fatalf("%s: send %s: %v", c.name, b, err)
	}
}

// Write sends b as one text frame and returns the error instead of failing the test (for a fuzz
// target, which must not use the dialing test).
func (c *Conn) Write(b []byte) error { return c.conn.WriteMessage(gws.OpcodeText, b) }

// Mark is where the frames received from now on start, for the methods taking from.
func (c *Conn) Mark() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.frames)
}

// Events returns the frames received so far, decoded.
func (c *Conn) Events() []map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.events)
}

// Next waits up to d for the first frame at index from or later that matches pred and returns its
// index and the frame decoded. It fails the test when the time is up or the socket closes first.
func (c *Conn) Next(from int, d time.Duration, what string, pred func(map[string]any) bool) (int, map[string]any) {
	c.t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		if i, e, ok := c.find(from, pred); ok {
			return i, e
		}
		select {
		case <-c.signal:
		case <-c.closed:
			// Look once more: the frame may have come just before the close.
			if i, e, ok := c.find(from, pred); ok {
				return i, e
			}
			c.t.Fatalf("%s: the socket closed (%v) before %s; got %s", c.name, c.CloseReason(), what, c.dump(from))
		case <-deadline.C:
			c.t.Fatalf("%s: no %s within %s; got %s", c.name, what, d, c.dump(from))
		}
	}
}

// WaitFor returns the first frame since the socket opened that matches pred, waiting up to Wait.
func (c *Conn) WaitFor(what string, pred func(map[string]any) bool) map[string]any {
	c.t.Helper()
	_, e := c.Next(0, Wait, what, pred)
	return e
}

// WaitWithin is WaitFor with its own duration.
func (c *Conn) WaitWithin(d time.Duration, what string, pred func(map[string]any) bool) map[string]any {
	c.t.Helper()
	_, e := c.Next(0, d, what, pred)
	return e
}

// NextRaw waits up to Wait for the first frame of type typ (its "t") at index from or later and
// returns it as received.
func (c *Conn) NextRaw(typ string, from int) []byte {
	c.t.Helper()
	i, _ := c.Next(from, Wait, fmt.Sprintf("%q frame", typ), Type(typ))
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.frames[i]
}

// Since returns the frames of type typ received at index from or later, as received.
func (c *Conn) Since(typ string, from int) [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out [][]byte
	for i := min(from, len(c.frames)); i < len(c.frames); i++ {
		if c.events[i]["t"] == typ {
			out = append(out, c.frames[i])
		}
	}
	return out
}

// RoundTrip sends cmd, then a ping, and waits for that ping's pong: every frame the command made
// the server send is in by then (a socket handles its frames in order). It returns where the
// frames after cmd start.
func (c *Conn) RoundTrip(cmd []byte) int {
	c.t.Helper()
	from := c.Mark()
	c.Send(cmd)
	c.Send([]byte(`{"t":"ping"}`))
	want := 1
	var f struct {
		T string `json:"t"`
	}
	if json.Unmarshal(cmd, &f) == nil && f.T == "ping" {
		want = 2
	}
	deadline := time.NewTimer(Wait)
	defer deadline.Stop()
	for len(c.Since("pong", from)) < want {
		select {
		case <-c.signal:
		case <-c.closed:
			c.t.Fatalf("%s: the socket closed (%v) before the pong after %s", c.name, c.CloseReason(), cmd)
		case <-deadline.C:
			c.t.Fatalf("%s: no pong within %s after %s", c.name, Wait, cmd)
		}
	}
	return from
}

func (c *Conn) find(from int, pred func(map[string]any) bool) (int, map[string]any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := max(from, 0); i < len(c.events); i++ {
		if pred(c.events[i]) {
			return i, c.events[i], true
		}
	}
	return 0, nil, false
}

func (c *Conn) dump(from int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for _, f := range c.frames[min(max(from, 0), len(c.frames)):] {
		b.WriteString("\n\t")
		b.Write(f)
	}
	if b.Len() == 0 {
		return "nothing"
	}
	return b.String()
}

// Type matches a frame of type typ (its "t").
func Type(typ string) func(map[string]any) bool {
	return func(e map[string]any) bool { return e["t"] == typ }
}
