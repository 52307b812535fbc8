package realtime

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/clienttext"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
)

// client is one socket's side of the conversation with the hub.
type client interface {
	base() *Conn
	onFrame(ctx context.Context, data []byte)
	onClose()
}

// events routes gws callbacks to our clients.
type events struct{ h *Hub }

func clientOf(ws *gws.Conn) client {
	v, ok := ws.Session().Load("c")
	if !ok {
		return nil
	}
	return v.(client)
}

func (e events) OnOpen(*gws.Conn) {}

func (e events) OnClose(ws *gws.Conn, _ error) {
	if c := clientOf(ws); c != nil {
		c.base().closed.Store(true)
		c.onClose()
	}
}

func (e events) OnPing(ws *gws.Conn, _ []byte) {
	if c := clientOf(ws); c != nil {
		c.base().lastSeen.Store(time.Now().UnixMilli())
	}
	_ = ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_ = ws.WritePong(nil)
}

func (e events) OnPong(ws *gws.Conn, _ []byte) {
	if c := clientOf(ws); c != nil {
		c.base().lastSeen.Store(time.Now().UnixMilli())
	}
}

func (e events) OnMessage(ws *gws.Conn, m *gws.Message) {
	defer m.Close()
	c := clientOf(ws)
	if c == nil {
		return
	}
	c.base().lastSeen.Store(time.Now().UnixMilli())
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c.onFrame(ctx, m.Bytes())
}

// newUpgrader is built once per hub: an upgrader carries its options and buffer pools, and one
// per connection would cost every socket a copy of them.
func (h *Hub) newUpgrader() *gws.Upgrader {
	return gws.NewUpgrader(events{h}, &gws.ServerOption{
		ReadBufferSize:     1024,
		WriteBufferSize:    1024,
		ReadMaxPayloadSize: 64 << 10,
		CheckUtf8Enabled:   true,
	})
}

// upgrade hijacks the request (through any wrapping ResponseWriter) and completes the handshake.
func (h *Hub) upgrade(w http.ResponseWriter, r *http.Request, c func(*Conn) client) (client, error) {
	if err := checkHandshake(r); err != nil {
		return nil, err // answered like any other error, before the connection is taken over
	}
	netConn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, errs.Wrap(errs.Internal, err, "cannot upgrade this connection")
	}
	// The HTTP server's timeouts stay on a hijacked connection; a socket lives until it closes.
	_ = netConn.SetDeadline(time.Time{})
	// gws keeps the reader it is given for the socket's life. net/http's holds 4 KiB; a client
	// waits for the 101 before it writes, so nothing is buffered and a 1 KiB one will do.
	br := brw.Reader
	if br.Buffered() == 0 {
		br = bufio.NewReaderSize(netConn, 1024)
	}
	ws, err := h.up.UpgradeFromConn(netConn, br, r)
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, err, "WebSocket handshake failed")
	}
	cl := c(newConn(ws))
	ws.Session().Store("c", cl)
	return cl, nil
}

// checkHandshake refuses a request that is not a WebSocket opening handshake (RFC 6455 4.2.1)
// while it can still be answered in JSON: once hijacked, the WebSocket library would answer a bad
// one in plain text.
func checkHandshake(r *http.Request) error {
	key, _ := base64.StdEncoding.DecodeString(r.Header.Get("Sec-WebSocket-Key"))
	switch {
	case !headerHasToken(r.Header, "Connection", "upgrade") || !headerHasToken(r.Header, "Upgrade", "websocket"):
		return errs.Coded(errs.Invalid, "websocket_required", "this is a WebSocket endpoint: open it with a WebSocket (Connection: Upgrade, Upgrade: websocket)")
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		return errs.Coded(errs.Invalid, "websocket_version", "only WebSocket version 13 is spoken (Sec-WebSocket-Version: 13)")
	case len(key) != 16:
		return errs.Coded(errs.Invalid, "websocket_key", "Sec-WebSocket-Key must be 16 bytes in base64")
	}
	return nil
}

// headerHasToken reports whether a comma-separated header holds token (case-insensitive).
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// agentClient is an agent's socket.
type agentClient struct {
	h     *Hub
	conn  *Conn
	user  *auth.User // as it was when the socket connected; access follows the directory
	leave func()
	tab   uint64 // this socket's number for Attention
	// watchLive: the agent has the Visitors screen open and is told of live visitors (live.go)
	watchLive atomic.Bool
}

func (a *agentClient) base() *Conn { return a.conn }

// access returns the agent's access to an inbox as the directory says now (a role or membership
// changed since connecting counts at once).
func (a *agentClient) access(inboxID int64) (conversation.Access, bool) {
	if a.h.o.Directory == nil {
		return conversation.Access{}, false
	}
	return a.h.o.Directory.Access(a.user.ID, inboxID)
}

// ServeAgent turns the request into the agent's event socket. The caller has authenticated the
// user; the Origin must be the inbox's own.
func (h *Hub) ServeAgent(w http.ResponseWriter, r *http.Request, u *auth.User) error {
	if origin := r.Header.Get("Origin"); origin != "" && h.o.OriginAllowed != nil && !h.o.OriginAllowed(origin, r.Host) {
		return errs.E(errs.Forbidden, "WebSocket from another origin refused")
	}
	// Fan-out decides by the directory: it must know this user before the socket receives.
	if h.o.Directory != nil {
		if err := h.o.Directory.Know(r.Context(), u.ID); err != nil {
			return err
		}
	}
	var a *agentClient
	cl, err := h.upgrade(w, r, func(c *Conn) client {
		c.maxFrames, c.maxBytes, c.gather = maxAgentPendingFrames, maxAgentPendingBytes, agentGather
		a = &agentClient{h: h, conn: c, user: u, tab: h.tabs.Add(1)}
		return a
	})
	if err != nil {
		return err
	}
	h.mu.Lock()
	if h.agents[u.ID] == nil {
		h.agents[u.ID] = map[*agentClient]struct{}{}
	}
	h.agents[u.ID][a] = struct{}{}
	h.mu.Unlock()
	h.gauge.WithLabelValues("agent").Inc()
	a.leave = h.o.Presence.Connect(u.ID)
	hello, _ := json.Marshal(map[string]any{"t": "hello", "user_id": u.ID, "available": h.o.Presence.Available(r.Context(), u.ID),
		"online_agents": h.availableAgents(r.Context())})
	a.conn.Send(hello)
	// The read loop runs in a goroutine of its own, so this handler's goroutine (its deep stack,
	// the request and net/http's connection state) is freed once the handshake is done.
	go cl.base().ws.ReadLoop()
	return nil
}

// availableAgents lists the agents who are available (toggle on and the inbox open somewhere): the
// inbox's "Agents online" counts them, so an agent who switched to "Not available" is not counted.
func (h *Hub) availableAgents(ctx context.Context) []int64 {
	online := h.o.Presence.OnlineUsers()
	out := make([]int64, 0, len(online))
	for _, id := range online {
		if h.o.Presence.Available(ctx, id) {
			out = append(out, id)
		}
	}
	return out
}

func (a *agentClient) onClose() {
	h := a.h
	h.mu.Lock()
	delete(h.agents[a.user.ID], a)
	if len(h.agents[a.user.ID]) == 0 {
		delete(h.agents, a.user.ID)
	}
	h.mu.Unlock()
	h.gauge.WithLabelValues("agent").Dec()
	if a.leave != nil {
		a.leave()
	}
	if h.o.Attention != nil {
		h.o.Attention.Attend(a.user.ID, a.tab, time.Time{})
	}
}

// attentionWindow is how long after its last use a visible inbox tab counts as looked at: pushes
// to the agent's other devices wait meanwhile (docs/notifications.md).
const attentionWindow = 2 * time.Minute

// agentFrame is a command from the inbox.
type agentFrame struct {
	T              string           `json:"t"`
	Ref            string           `json:"ref"`
	ConversationID int64            `json:"conversation_id"`
	Seq            int64            `json:"seq"`
	On             bool             `json:"on"`
	Cursors        map[string]int64 `json:"cursors"`
	Visible        bool             `json:"visible"`
}

func (a *agentClient) onFrame(ctx context.Context, data []byte) {
	var f agentFrame
	if err := clienttext.DecodeFrame(data, &f, notAFrame); err != nil {
		_ = json.Unmarshal(data, &f) // refused text: the frame's ref still says what was refused
		a.conn.Send(errorFrame(f.Ref, err))
		return
	}
	h := a.h
	switch f.T {
	case "ping":
		a.conn.Send([]byte(`{"t":"pong"}`))
	case "resume":
		// The client names the conversations it shows and the last seq it has of each; it gets what
		// it missed from the database.
		for key, seq := range f.Cursors {
			var id int64
			if err := json.Unmarshal([]byte(key), &id); err != nil {
				continue
			}
			c, _, err := h.o.Conversations.Get(ctx, a.user, id)
			if err != nil {
				b, _ := json.Marshal(idFrame{T: "hidden", ConversationID: id})
				a.conn.Send(b)
				continue
			}
			msgs, err := h.o.Conversations.History(ctx, a.user, id, seq, 0, 500)
			if err != nil {
				continue
			}
			c.VisitorOnline = h.VisitorOnline(c.ContactID, c.InboxID)
			from, to := seqRange(msgs)
			b, _ := json.Marshal(changeFrame{T: "conversation", Conversation: c, Messages: h.withHTML(msgs), FromSeq: from, ToSeq: to})
			a.conn.Send(b)
		}
	case "typing":
		if err := h.o.Conversations.Typing(ctx, a.user, f.ConversationID, f.On); err != nil {
			a.conn.Send(errorFrame(f.Ref, err))
		}
	case "visitors":
		h.watchLive(a, f.On)
	case "activity":
		// The tab was used while visible (sent again at most every half minute while in use), or
		// was hidden.
		if h.o.Attention != nil {
			until := time.Time{}
			if f.Visible {
				until = h.now().Add(attentionWindow)
			}
			h.o.Attention.Attend(a.user.ID, a.tab, until)
		}
	default:
		a.conn.Send(errorFrame(f.Ref, errs.E(errs.Invalid, "unknown frame type %q", f.T)))
	}
}
