// Package realtime is Parley's live side: the agent and visitor WebSockets, the per-node hub that
// fans conversation changes, typing and presence out to them, and the bus subjects that carry those
// between nodes. The database is the log; the bus only rings the bell; a client that missed
// something reads it from the database by seq.
package realtime

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"
)

// Limits of one socket's outgoing queue: a client that falls this far behind is told to resync
// instead of the server buffering without bound. A visitor's socket carries one conversation; an
// agent's carries every conversation of their inboxes, so under load it gets a deeper queue (the
// frames are shared, encoded once, so a deep queue holds pointers, not copies): agents are few,
// and a resync makes their inbox read every list again.
const (
	maxPendingFrames      = 256
	maxPendingBytes       = 1 << 20
	maxAgentPendingFrames = 8192
	maxAgentPendingBytes  = 16 << 20
)

// agentGather is how long an agent's socket waits after a write before the next one, gathering the
// frames that arrive meanwhile into one. An agent hears every message of their inboxes: at a few
// thousand messages a second, a write per message was a fifth of the server's CPU (one syscall per
// frame per agent). A socket that has not written for this long writes at once, so a quiet inbox
// gets its frames without delay; a visitor's socket never waits.
const agentGather = time.Millisecond

// Conn is one WebSocket, ours to write to without blocking the hub. Writes are queued and flushed
// by a short-lived goroutine; frames queued meanwhile are coalesced into one JSON array frame.
type Conn struct {
	ws       *gws.Conn
	mu       sync.Mutex
	pending  [][]byte
	bytes    int
	flushing bool
	overflow bool
	closing  bool // close once the queue is written (an error frame before hanging up)
	closed   atomic.Bool
	lastSeen atomic.Int64 // unix ms of the last frame received, for the shared ping sweep
	// maxFrames and maxBytes bound the queue (maxPending… or, for agents, maxAgentPending…).
	maxFrames, maxBytes int
	gather              time.Duration // the least time between two writes (agentGather, or none)
	lastWrite           time.Time     // when the flush goroutine last wrote; only it touches this
}

func newConn(ws *gws.Conn) *Conn {
	c := &Conn{ws: ws, maxFrames: maxPendingFrames, maxBytes: maxPendingBytes}
	c.lastSeen.Store(time.Now().UnixMilli())
	return c
}

// Send queues one encoded event. It never blocks.
func (c *Conn) Send(frame []byte) {
	if c.closed.Load() {
		return
	}
	c.mu.Lock()
	if c.overflow {
		c.mu.Unlock()
		return
	}
	if len(c.pending) >= c.maxFrames || c.bytes+len(frame) > c.maxBytes {
		// Too far behind: drop the queue and tell the client to refetch from the database.
		c.pending = [][]byte{frameResync}
		c.bytes = len(frameResync)
		c.overflow = true
	} else {
		c.pending = append(c.pending, frame)
		c.bytes += len(frame)
	}
	start := !c.flushing
	c.flushing = true
	c.mu.Unlock()
	if start {
		go c.flush()
	}
}

var (
	frameResync = []byte(`{"t":"resync"}`)
	// The punctuation of a coalesced batch (read only).
	arrayOpen, arrayComma, arrayClose = []byte("["), []byte(","), []byte("]")
)

func (c *Conn) flush() {
	for {
		if c.gather > 0 {
			if wait := c.gather - time.Since(c.lastWrite); wait > 0 {
				time.Sleep(wait)
			}
		}
		c.mu.Lock()
		batch := c.pending
		c.pending, c.bytes = nil, 0
		if len(batch) == 0 {
			c.flushing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
		var err error
		if len(batch) == 1 {
			err = c.ws.WriteMessage(gws.OpcodeText, batch[0])
		} else {
			// One JSON array, written from the frames where they are: gws copies the parts into
			// its frame buffer once. Joining them first copied every frame twice more, and those
			// copies were two thirds of all the server allocated at 5,000 msg/s with 20 agents.
			parts := make([][]byte, 0, 2*len(batch)+1)
			parts = append(parts, arrayOpen)
			for i, f := range batch {
				if i > 0 {
					parts = append(parts, arrayComma)
				}
				parts = append(parts, f)
			}
			err = c.ws.Writev(gws.OpcodeText, append(parts, arrayClose)...)
		}
		// Every writer sets its own deadline; a stale one must not fail the next ping or pong.
		_ = c.ws.SetWriteDeadline(time.Time{})
		if c.gather > 0 {
			c.lastWrite = time.Now()
		}
		if err != nil {
			c.Close()
			c.mu.Lock()
			c.pending, c.flushing = nil, false
			c.mu.Unlock()
			return
		}
		c.mu.Lock()
		if (c.overflow || c.closing) && len(c.pending) == 0 {
			// The resync notice is out; the client reconnects and resumes from the database.
			c.mu.Unlock()
			c.Close()
			return
		}
		c.mu.Unlock()
	}
}

// CloseAfter queues a last frame and ends the connection once it is written, so the client learns
// why it was disconnected.
func (c *Conn) CloseAfter(frame []byte) {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	c.Send(frame)
}

// Close ends the connection.
func (c *Conn) Close() {
	if c.closed.CompareAndSwap(false, true) {
		_ = c.ws.WriteClose(1000, nil)
		_ = c.ws.NetConn().Close()
	}
}

// RemoteAddr is the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.ws.RemoteAddr() }
