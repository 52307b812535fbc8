package realtime

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lxzan/gws"
)

// A socket that falls too far behind gets its queue replaced by one resync notice; an agent's
// socket, which carries every conversation of their inboxes, may fall further behind first.
func TestQueueOverflowTellsToResync(t *testing.T) {
	frame := []byte(`{"t":"conversation"}`)
	fill := func(c *Conn, n int) {
		c.flushing = true // hold the writer: only the queue is under test
		for range n {
			c.Send(frame)
		}
	}
	visitor := newConn(nil)
	fill(visitor, maxPendingFrames)
	if visitor.overflow || len(visitor.pending) != maxPendingFrames {
		t.Fatalf("a full visitor queue overflowed early: %d frames, overflow %v", len(visitor.pending), visitor.overflow)
	}
	visitor.Send(frame)
	if !visitor.overflow || len(visitor.pending) != 1 || !bytes.Equal(visitor.pending[0], frameResync) {
		t.Fatalf("one frame past the limit: want only the resync notice, got %d frames", len(visitor.pending))
	}
	visitor.Send(frame)
	if len(visitor.pending) != 1 {
		t.Fatal("frames queued after the resync notice")
	}

	agent := newConn(nil)
	agent.maxFrames, agent.maxBytes = maxAgentPendingFrames, maxAgentPendingBytes
	fill(agent, 4*maxPendingFrames)
	if agent.overflow || len(agent.pending) != 4*maxPendingFrames {
		t.Fatalf("an agent's socket was told to resync after %d frames", len(agent.pending))
	}
	fill(agent, maxAgentPendingFrames)
	if !agent.overflow || len(agent.pending) != 1 {
		t.Fatalf("an agent's queue past its limit: %d frames, overflow %v", len(agent.pending), agent.overflow)
	}
}

// frameReader hands each WebSocket message a client receives to a channel.
type frameReader struct {
	gws.BuiltinEventHandler
	frames chan string
}

func (r *frameReader) OnMessage(_ *gws.Conn, m *gws.Message) {
	r.frames <- m.Data.String()
	m.Close()
}

// socketPair returns the server side of a real loopback WebSocket and the frames its client reads.
func socketPair(t *testing.T) (*Conn, <-chan string) {
	t.Helper()
	accepted := make(chan *gws.Conn, 1)
	up := gws.NewUpgrader(&gws.BuiltinEventHandler{}, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r)
		if err != nil {
			t.Error(err)
			return
		}
		accepted <- ws
	}))
	t.Cleanup(srv.Close)
	rd := &frameReader{frames: make(chan string, 16)}
	client, _, err := gws.NewClient(rd, &gws.ClientOption{Addr: "ws" + strings.TrimPrefix(srv.URL, "http")})
	if err != nil {
		t.Fatal(err)
	}
	go client.ReadLoop()
	t.Cleanup(func() { client.NetConn().Close() })
	var ws *gws.Conn
	select {
	case ws = <-accepted:
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not accept the socket within 10 s")
	}
	t.Cleanup(func() { ws.NetConn().Close() })
	return newConn(ws), rd.frames
}

func nextFrame(t *testing.T, frames <-chan string) string {
	t.Helper()
	select {
	case f := <-frames:
		return f
	case <-time.After(10 * time.Second):
		t.Fatal("no frame within 10 s")
		return ""
	}
}

// An agent's socket writes a frame at once when it has been quiet, and gathers the frames that come
// right after a write into one: one write (one syscall) for many messages under load.
func TestAgentSocketGathersFramesAfterAWrite(t *testing.T) {
	c, frames := socketPair(t)
	c.gather = 300 * time.Millisecond // long enough that the three frames below surely fall inside it
	start := time.Now()
	c.Send([]byte(`{"n":1}`))
	if f := nextFrame(t, frames); f != `{"n":1}` {
		t.Fatalf("first frame: %s", f)
	}
	if waited := time.Since(start); waited >= c.gather {
		t.Fatalf("a quiet socket waited %v before writing", waited)
	}
	c.Send([]byte(`{"n":2}`))
	c.Send([]byte(`{"n":3}`))
	c.Send([]byte(`{"n":4}`))
	if f := nextFrame(t, frames); f != `[{"n":2},{"n":3},{"n":4}]` {
		t.Fatalf("frames sent right after a write: want them gathered into one, got %s", f)
	}
}
