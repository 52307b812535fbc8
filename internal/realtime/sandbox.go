package realtime

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/parleyhq/parley/internal/bot"
	"github.com/parleyhq/parley/internal/clienttext"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/playbook"
	"github.com/parleyhq/parley/internal/sandbox"
)

// "Try it" in the playbook editor: the real widget (web/widget/src/try.tsx) speaks the visitor's
// protocol (docs/widget-protocol.md) with a sandbox run (internal/sandbox) on this socket instead
// of the website's visitor socket. The run lives as long as the socket, in memory; its changes come
// back on the socket only, never through the bus, so no other socket, node or consumer hears of it.

// TryStart is the first frame: the draft to try, on which website, with agents online or not.
type TryStart struct {
	T         string         `json:"t"` // try
	WebsiteID int64          `json:"website_id"`
	Online    bool           `json:"online"`
	Playbook  playbook.Input `json:"playbook"`
}

// StartTry makes the run of a first frame (the caller checked who may try what), reporting its
// changes and actions to changed and acted.
type StartTry func(ctx context.Context, f TryStart, changed func(conversation.Change), acted func(sandbox.Action)) (*sandbox.Run, error)

type sandboxClient struct {
	h       *Hub
	conn    *Conn
	release func()
	start   StartTry
	mu      sync.Mutex
	run     *sandbox.Run
}

func (s *sandboxClient) base() *Conn { return s.conn }
func (s *sandboxClient) onClose() {
	s.release()
	s.h.gauge.WithLabelValues("try").Dec()
}

// ServeTry turns the request into a "Try it" socket. The caller has authenticated an admin and
// checked the Origin.
func (h *Hub) ServeTry(w http.ResponseWriter, r *http.Request, start StartTry) error {
	cl, err := h.upgrade(w, r, func(c *Conn) client { return &sandboxClient{h: h, conn: c, start: start, release: h.holdOther(c)} })
	if err != nil {
		return err
	}
	h.gauge.WithLabelValues("try").Inc()
	go cl.base().ws.ReadLoop()
	return nil
}

// changed sends a committed change of the run as the visitor's socket would.
func (s *sandboxClient) changed(ch conversation.Change) {
	from, to := seqRange(ch.Messages)
	b, _ := json.Marshal(visitorChangeFrame{T: "conversation", Conversation: toVisitorView(ch.Conversation),
		Messages: s.h.toVisitorMessages(ch.Messages), FromSeq: from, ToSeq: to})
	s.conn.Send(b)
}

func (s *sandboxClient) acted(a sandbox.Action) {
	b, _ := json.Marshal(map[string]any{"t": "try_action", "action": a})
	s.conn.Send(b)
}

func (s *sandboxClient) onFrame(ctx context.Context, data []byte) {
	var f visitorFrame
	if err := clienttext.DecodeFrame(data, &f, notAFrame); err != nil {
		_ = json.Unmarshal(data, &f) // refused text: the frame's ref still says what was refused
		s.conn.Send(errorFrame(f.ClientID, err))
		return
	}
	if f.T == "ping" {
		s.conn.Send([]byte(`{"t":"pong"}`))
		return
	}
	s.mu.Lock()
	run := s.run
	s.mu.Unlock()
	if f.T == "try" {
		if run != nil {
			return
		}
		var start TryStart
		if err := json.Unmarshal(data, &start); err != nil {
			s.conn.CloseAfter(errorFrame("try", errs.E(errs.Invalid, "the try frame is not valid: %v", err)))
			return
		}
		run, err := s.start(ctx, start, s.changed, s.acted)
		if err != nil {
			code, msg := errs.Public(err)
			b, _ := json.Marshal(map[string]any{"t": "error", "ref": "try", "code": code, "message": msg, "problems": playbook.ProblemsOf(err)})
			s.conn.CloseAfter(b)
			return
		}
		s.mu.Lock()
		s.run = run
		s.mu.Unlock()
		b, _ := json.Marshal(map[string]any{"t": "ready", "agents_available": run.AgentsAvailable(), "conversation": nil,
			"messages": []visitorMessage{}, "appearance": run.Appearance(), "sandbox": true})
		s.conn.Send(b)
		return
	}
	if run == nil {
		s.conn.CloseAfter(errorFrame(f.ClientID, errs.E(errs.Unauthenticated, "send {\"t\":\"try\",…} first")))
		return
	}
	ack := func(m *conversation.Message, err error, ref string) {
		if err != nil {
			s.conn.Send(errorFrame(ref, err))
			return
		}
		b, _ := json.Marshal(map[string]any{"t": "ack", "client_id": f.ClientID, "conversation_id": m.ConversationID, "seq": m.Seq, "id": m.ID})
		s.conn.Send(b)
	}
	switch f.T {
	case "start":
		c, err := run.Start(ctx, f.URL)
		out := map[string]any{"t": "ack", "client_id": f.ClientID, "conversation_id": nil}
		if err != nil && !errs.Is(err, errs.NotFound) {
			s.conn.Send(errorFrame(f.ClientID, err))
			return
		}
		if err == nil {
			out["conversation_id"], out["seq"] = c.ID, c.LastSeq
		}
		b, _ := json.Marshal(out)
		s.conn.Send(b)
	case "send":
		m, err := run.Send(ctx, conversation.MessageInput{Body: f.Body, ClientID: f.ClientID, AttachmentID: f.AttachmentID})
		ack(m, err, f.ClientID)
	case "answer", "capture", "consent":
		m, err := run.Respond(ctx, bot.Response{Kind: conversation.Kind(f.T), CardID: f.CardID, AnswerID: f.AnswerID,
			Value: f.Value, Version: f.Version, Accepted: f.Accepted, ClientID: f.ClientID})
		ref := f.ClientID
		if errs.Is(err, errs.Invalid) || errs.Is(err, errs.Conflict) {
			ref = f.CardID
		}
		ack(m, err, ref)
	case "resume":
		c, msgs, err := run.Conversation(ctx, f.Seq)
		frame := map[string]any{"t": "conversation", "agents_available": run.AgentsAvailable()}
		switch {
		case err == nil:
			from, to := seqRange(msgs)
			frame["conversation"], frame["messages"], frame["from_seq"], frame["to_seq"] = toVisitorView(c), s.h.toVisitorMessages(msgs), from, to
		case errs.Is(err, errs.NotFound):
			frame["conversation"], frame["messages"] = nil, []visitorMessage{}
		default:
			s.conn.Send(errorFrame("", err))
			return
		}
		b, _ := json.Marshal(frame)
		s.conn.Send(b)
	case "read":
		_ = run.MarkRead(ctx, f.Seq)
	case "typing", "page":
		// nobody watches a sandbox run
	default:
		s.conn.Send(errorFrame(f.ClientID, errs.E(errs.Invalid, "unknown frame type %q", f.T)))
	}
}
