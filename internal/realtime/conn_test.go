package realtime

import (
	"bytes"
	"testing"
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
