package realtime

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lxzan/gws"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// Bus is the part of the event bus the hub uses (visitor presence between nodes, visitorstate.go).
type Bus interface {
	Publish(ctx context.Context, subject string, data []byte) error
	Subscribe(ctx context.Context, subject string, fn func(subject string, data []byte)) error
}

// Presence is what the hub needs of presence.
type Presence interface {
	Connect(userID int64) (disconnect func())
	Available(ctx context.Context, userID int64) bool
	OnlineUsers() []int64
	// Changed is ready when agents' availability may have changed; TakeChanged names them.
	Changed() <-chan struct{}
	TakeChanged() []int64
}

// Attention records which inbox tabs agents are looking at (presence.Tracker.Attend).
type Attention interface {
	Attend(userID int64, tab uint64, until time.Time)
}

// Feed delivers what every node committed (internal/event).
type Feed interface {
	Subscribe(fn func(*event.Notice))
}

// Conversations is what the hub needs of the conversation service.
type Conversations interface {
	AccessTo(ctx context.Context, u *auth.User, inboxID int64) (conversation.Access, error)
	Accesses(ctx context.Context, u *auth.User) (map[int64]conversation.Access, error)
	History(ctx context.Context, u *auth.User, id, afterSeq, beforeSeq int64, limit int) ([]conversation.Message, error)
	Get(ctx context.Context, u *auth.User, id int64) (*conversation.Conversation, conversation.Allowed, error)
	Typing(ctx context.Context, u *auth.User, id int64, on bool) error
}

// Render turns a rich message body into safe HTML for clients.
type Render func(body string) string

// Options configures the hub.
type Options struct {
	Bus      Bus
	Feed     Feed
	Presence Presence
	// Attention hears the inbox tabs' "activity" frames (nil: nobody listens).
	Attention     Attention
	Conversations Conversations
	// Directory says who may see which inbox's conversations, from memory: fan-out never reads
	// the database.
	Directory  *conversation.Directory
	Render     Render
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	// OriginAllowed checks the Origin of an agent socket (same origin as the inbox).
	OriginAllowed func(origin, host string) bool
	// VisitorBeat is how often the node tells the others which visitors it holds (default 10 s);
	// their word lasts VisitorTTL (default 30 s), so a dead node's visitors leave the site.
	VisitorBeat, VisitorTTL time.Duration
	// VisitorGrace is how long a live visitor who left stays on the Visitors screen (default 15 s):
	// a page load in between closes one socket and opens the next (live.go).
	VisitorGrace time.Duration
	// StartChat starts an agent's invited chat with a visitor whose chat frame is here (nil: none).
	StartChat StartChat
	// Mask removes card numbers from what loaders tell of their pages (nil: nothing is masked).
	Mask func(string) string
	// Locate names the country of an IP address ("" when unknown; nil: none).
	Locate func(ip string) string
	Now    func() time.Time // for tests
}

// Hub holds this node's sockets and delivers events to them.
type Hub struct {
	o        Options
	log      *slog.Logger
	mu       sync.RWMutex
	agents   map[int64]map[*agentClient]struct{}   // by user
	visitors map[int64]map[*visitorClient]struct{} // by contact
	// pending are the sockets of visitors who have no contact yet (they have not written), by
	// visitor: they have no conversation to be sent. The first conversation of their visitor moves
	// them to visitors (adopt).
	pending map[int64]map[*visitorClient]struct{}
	gauge   *prometheus.GaugeVec
	up      *gws.Upgrader
	vs      *visitorState // which visitors are on the site (visitorstate.go)
	live    *liveState    // who has a website open, page by page (live.go)
	// others are the live frames' and "Try it" sockets: pinged, swept and closed with the rest
	others map[*Conn]struct{}
	tabs   atomic.Uint64 // numbers agent sockets for Attention
}

// NewHub returns a hub; Run must be started.
func NewHub(o Options) *Hub {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Render == nil {
		o.Render = func(s string) string { return "" }
	}
	h := &Hub{o: o, log: o.Logger, vs: newVisitorState(), live: newLiveState(), others: map[*Conn]struct{}{}, agents: map[int64]map[*agentClient]struct{}{}, visitors: map[int64]map[*visitorClient]struct{}{},
		pending: map[int64]map[*visitorClient]struct{}{},
		gauge:   prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "parley_websocket_connections", Help: "Open WebSocket connections on this node."}, []string{"side"})}
	if o.Registerer != nil {
		o.Registerer.MustRegister(h.gauge)
	}
	h.up = h.newUpgrader()
	if o.Feed != nil {
		o.Feed.Subscribe(h.onNotice)
	}
	return h
}

// onNotice delivers what a node committed, or signalled, to this node's sockets.
func (h *Hub) onNotice(n *event.Notice) {
	if n.Resync {
		h.ResyncAll() // notices published while the bus was away were missed
		return
	}
	access := false
	for i := range n.Events {
		e := &n.Events[i]
		switch {
		case conversation.Changes(e):
			access = true
		case e.Type == event.ContactBlocked:
			h.onBlocked(e)
		case e.Type == event.MessageDelivery:
			h.onDelivery(e)
		case e.Type == event.ConversationTagged:
			h.onTagged(e)
		default:
			h.onRecord(e)
		}
	}
	if access {
		h.accessChanged()
	}
	if n.Change != nil {
		h.onChange(n.Change)
	}
	switch n.Signal {
	case "":
	case conversation.SignalTyping:
		h.onTyping(n.Data)
	case conversation.SignalRead:
		h.onRead(n.Data)
	case auth.SignalRevoked:
		h.onRevoked(n.Data)
	}
}

// Run subscribes to the bus and sweeps idle sockets until ctx ends, then closes every socket.
func (h *Hub) Run(ctx context.Context) error {
	if err := h.o.Bus.Subscribe(ctx, subjectVisitor, h.onVisitor); err != nil {
		return err
	}
	if err := h.o.Bus.Subscribe(ctx, subjectLive, h.onLive); err != nil {
		return err
	}
	// One ticker for every socket: pings and idle checks cost no timer per connection.
	tick := time.NewTicker(25 * time.Second)
	defer tick.Stop()
	beat := time.NewTicker(h.visitorBeat())
	defer beat.Stop()
	h.sendVisitorBeat()
	h.sendLiveBeat()
	for {
		select {
		case <-ctx.Done():
			h.vs.mu.Lock()
			h.vs.closing = true
			h.vs.mu.Unlock()
			h.closeAll()
			return nil
		case <-tick.C:
			h.sweep(time.Now())
		case <-beat.C:
			h.expireVisitors()
			h.sendVisitorBeat()
			h.expireLive()
			h.sendLiveBeat()
		case <-h.vs.wake:
			h.sendVisitorBeat()
			h.sendLiveBeat()
		case <-h.presenceChanged():
			for _, id := range h.o.Presence.TakeChanged() {
				h.PresenceChanged(id)
			}
		}
	}
}

// presenceChanged is the presence's change signal (never ready without presence).
func (h *Hub) presenceChanged() <-chan struct{} {
	if h.o.Presence == nil {
		return nil
	}
	return h.o.Presence.Changed()
}

// agentClients is a snapshot of this node's agent sockets, to write to without holding the lock.
func (h *Hub) agentClients() []*agentClient {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []*agentClient
	for _, set := range h.agents {
		for a := range set {
			out = append(out, a)
		}
	}
	return out
}

// visitorClients is a snapshot of the sockets of a contact on one website.
func (h *Hub) visitorClients(contactID, inboxID int64) []*visitorClient {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []*visitorClient
	for v := range h.visitors[contactID] {
		if v.inboxID == inboxID {
			out = append(out, v)
		}
	}
	return out
}

func (h *Hub) conns() []*Conn {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []*Conn
	for _, set := range h.agents {
		for c := range set {
			out = append(out, c.conn)
		}
	}
	for _, set := range h.visitors {
		for c := range set {
			out = append(out, c.conn)
		}
	}
	for _, set := range h.pending {
		for c := range set {
			out = append(out, c.conn)
		}
	}
	for c := range h.others {
		out = append(out, c)
	}
	return out
}

// holdOther counts a live frame's or "Try it" socket among the node's sockets (pings, sweeps,
// shutdown); the returned function lets it go.
func (h *Hub) holdOther(c *Conn) func() {
	h.mu.Lock()
	h.others[c] = struct{}{}
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		delete(h.others, c)
		h.mu.Unlock()
	}
}

// sweep pings every socket and closes those silent for too long (dead peers whose TCP close never
// arrived).
func (h *Hub) sweep(now time.Time) {
	for _, c := range h.conns() {
		if now.UnixMilli()-c.lastSeen.Load() > 70_000 {
			c.Close()
			continue
		}
		_ = c.ws.SetWriteDeadline(now.Add(10 * time.Second)) // flush's deadline has long passed on an idle socket
		_ = c.ws.WritePing(nil)
	}
}

func (h *Hub) closeAll() {
	for _, c := range h.conns() {
		c.Close()
	}
}

func (h *Hub) onRevoked(data []byte) {
	var m auth.RevokedSignal
	if json.Unmarshal(data, &m) != nil {
		return
	}
	h.mu.RLock()
	var cs []*agentClient
	for c := range h.agents[m.UserID] {
		cs = append(cs, c)
	}
	h.mu.RUnlock()
	for _, c := range cs {
		c.conn.Close()
	}
}

// Frames sent to clients.
type changeFrame struct {
	T            string                     `json:"t"`
	Conversation *conversation.Conversation `json:"conversation"`
	Messages     []conversation.Message     `json:"messages"`
	FromSeq      int64                      `json:"from_seq,omitempty"`
	ToSeq        int64                      `json:"to_seq,omitempty"`
}

type idFrame struct {
	T              string `json:"t"`
	ConversationID int64  `json:"conversation_id"`
}

// visitorView is what a visitor may know of their conversation.
type visitorView struct {
	ID             int64  `json:"id"`
	Status         string `json:"status"`
	LastSeq        int64  `json:"last_seq"`
	ContactReadSeq int64  `json:"read_seq"`
	Rating         int    `json:"rating,omitempty"`
	ClosedAt       int64  `json:"closed_at,omitempty"`
	Joined         bool   `json:"agent_joined"`
}

type visitorMessage struct {
	ID       int64               `json:"id"`
	Seq      int64               `json:"seq"`
	From     string              `json:"from"`
	Name     string              `json:"name,omitempty"`
	Avatar   string              `json:"avatar,omitempty"`
	Kind     string              `json:"kind"`
	Body     string              `json:"body,omitempty"`
	HTML     string              `json:"html,omitempty"`
	Event    *conversation.Event `json:"event,omitempty"`
	ClientID string              `json:"client_id,omitempty"`
	// AttachmentID is the file of an attachment message: GET /widget/v1/{key}/attachments/{id}.
	AttachmentID int64              `json:"attachment_id,omitempty"`
	Attachment   *conversation.File `json:"attachment,omitempty"`
	// Card is a bot card, Response a visitor's answer to one (docs/widget-protocol.md section 4).
	Card      json.RawMessage `json:"card,omitempty"`
	Response  json.RawMessage `json:"response,omitempty"`
	CreatedAt int64           `json:"created_at"`
}

type visitorChangeFrame struct {
	T            string           `json:"t"`
	Conversation visitorView      `json:"conversation"`
	Messages     []visitorMessage `json:"messages"`
	FromSeq      int64            `json:"from_seq,omitempty"`
	ToSeq        int64            `json:"to_seq,omitempty"`
}

func toVisitorView(c *conversation.Conversation) visitorView {
	return visitorView{ID: c.ID, Status: string(c.Status), LastSeq: c.LastSeq, ContactReadSeq: c.ContactReadSeq, Rating: c.Rating,
		ClosedAt: c.ClosedAt, Joined: c.JoinedAt != 0}
}

func (h *Hub) toVisitorMessages(msgs []conversation.Message) []visitorMessage {
	out := make([]visitorMessage, 0, len(msgs))
	for _, m := range msgs {
		if !m.VisibleToContact() {
			continue
		}
		vm := visitorMessage{ID: m.ID, Seq: m.Seq, From: string(m.SenderKind), Kind: string(m.Kind), Body: m.Body, Event: m.Event,
			ClientID: m.ClientID, AttachmentID: m.AttachmentID, Attachment: m.Attachment, Card: m.Card, Response: m.Response, CreatedAt: m.CreatedAt}
		if m.SenderKind == conversation.FromAgent || m.SenderKind == conversation.FromBot {
			vm.Name, vm.Avatar = m.SenderName, m.SenderAvatar
		}
		if m.Event != nil {
			// Visitors see who joined, not who did what behind the scenes.
			e := *m.Event
			e.ActorID, e.ActorName = 0, ""
			vm.Event = &e
		}
		if m.Kind == conversation.Rich {
			vm.HTML = h.o.Render(m.Body)
		}
		out = append(out, vm)
	}
	return out
}

func (h *Hub) withHTML(msgs []conversation.Message) []conversation.Message {
	out := make([]conversation.Message, len(msgs))
	for i, m := range msgs {
		if m.Kind == conversation.Rich || (m.Kind == conversation.Note && h.o.Render != nil) {
			m.HTML = h.o.Render(m.Body)
		}
		out[i] = m
	}
	return out
}

func seqRange(msgs []conversation.Message) (from, to int64) {
	if len(msgs) == 0 {
		return 0, 0
	}
	return msgs[0].Seq, msgs[len(msgs)-1].Seq
}

// onChange delivers a committed change to this node's sockets. Each audience's frame is encoded
// once, however many sockets receive it.
func (h *Hub) onChange(data []byte) {
	var ch conversation.Change
	if err := json.Unmarshal(data, &ch); err != nil || ch.Conversation == nil {
		h.log.Warn("bad change on the bus", "err", err)
		return
	}
	c := ch.Conversation
	if ch.Deleted {
		h.visitorChanged(ch)
	}
	from, to := seqRange(ch.Messages)
	var agentFrame, hiddenFrame, visitorFrame []byte
	if ch.Deleted {
		agentFrame, _ = json.Marshal(idFrame{T: "deleted", ConversationID: c.ID})
		hiddenFrame = agentFrame
		visitorFrame, _ = json.Marshal(idFrame{T: "deleted", ConversationID: c.ID})
	} else {
		h.adopt(c) // first: its visitor's waiting sockets count as on the site in what agents get
		c.VisitorOnline = h.visitorChanged(ch)
		agentFrame, _ = json.Marshal(changeFrame{T: "conversation", Conversation: c, Messages: h.withHTML(ch.Messages), FromSeq: from, ToSeq: to})
		hiddenFrame, _ = json.Marshal(idFrame{T: "hidden", ConversationID: c.ID})
		visitorFrame, _ = json.Marshal(visitorChangeFrame{T: "conversation", Conversation: toVisitorView(c),
			Messages: h.toVisitorMessages(ch.Messages), FromSeq: from, ToSeq: to})
	}
	agents, visitors := h.agentClients(), h.visitorClients(c.ContactID, c.InboxID)
	for _, a := range agents {
		acc, ok := a.access(c.InboxID)
		switch {
		case !ok || !acc.HasInbox():
		case ch.Deleted || conversation.CanSee(acc, c):
			a.conn.Send(agentFrame)
		default:
			a.conn.Send(hiddenFrame) // it left this agent's view (e.g. assigned to someone else in a private inbox)
		}
	}
	for _, v := range visitors {
		v.conn.Send(visitorFrame)
	}
	h.liveContactChanged(c.ContactID, c.InboxID) // in a chat or not, on the Visitors screen
}

// typingFrame tells agents that someone is typing; it carries no text.
type typingFrame struct {
	T              string `json:"t"`
	ConversationID int64  `json:"conversation_id"`
	InboxID        int64  `json:"inbox_id"`
	ContactID      int64  `json:"contact_id"`
	From           string `json:"from"` // visitor or agent
	UserID         int64  `json:"user_id,omitempty"`
	Name           string `json:"name,omitempty"`
	On             bool   `json:"on"`
}

// readFrame tells agents that a read cursor moved.
type readFrame struct {
	T              string `json:"t"`
	ConversationID int64  `json:"conversation_id"`
	InboxID        int64  `json:"inbox_id"`
	ContactID      int64  `json:"contact_id"`
	By             string `json:"by"` // visitor or agent
	UserID         int64  `json:"user_id,omitempty"`
	Seq            int64  `json:"seq"`
}

// visibility is what CanSee needs of a conversation, carried across the bus.
type visibility = conversation.Visibility

func visibilityOf(c *conversation.Conversation) visibility {
	return visibility{Status: c.Status, AssigneeID: c.AssigneeID, WithBot: c.WithBot}
}

// sees reports whether the agent may see the conversation an ephemeral signal is about.
func (a *agentClient) sees(id, inboxID int64, v conversation.Visibility) bool {
	acc, ok := a.access(inboxID)
	return ok && conversation.CanSee(acc, &conversation.Conversation{ID: id, InboxID: inboxID, Status: v.Status, AssigneeID: v.AssigneeID,
		WithBot: v.WithBot})
}

func (h *Hub) onTyping(data []byte) {
	var t conversation.TypingSignal
	if json.Unmarshal(data, &t) != nil {
		return
	}
	frame, _ := json.Marshal(typingFrame{T: "typing", ConversationID: t.ConversationID, InboxID: t.InboxID, ContactID: t.ContactID,
		From: t.From, UserID: t.UserID, Name: t.Name, On: t.On})
	var visitors []*visitorClient
	if t.From == "agent" {
		visitors = h.visitorClients(t.ContactID, t.InboxID)
	}
	for _, a := range h.agentClients() {
		if t.From == "agent" && a.user.ID == t.UserID {
			continue // one's own typing does not come back
		}
		// Typing shows only to agents who see the conversation.
		if a.sees(t.ConversationID, t.InboxID, t.Visibility) {
			a.conn.Send(frame)
		}
	}
	if len(visitors) > 0 {
		vf, _ := json.Marshal(map[string]any{"t": "typing", "from": "agent", "name": t.Name, "on": t.On})
		for _, v := range visitors {
			v.conn.Send(vf)
		}
	}
}

// onRecord tells this node's agents that a CRM record or note changed, so screens showing it read
// it again. The frame names the record only: every user sees every record, and what a note holds
// of a conversation is read through the API, which applies the conversation's rule.
func (h *Hub) onRecord(e *event.Event) {
	kind, _, _ := strings.Cut(string(e.Type), ".")
	switch kind {
	case "person", "organization", "lead", "deal", "activity", "note":
	default:
		return
	}
	var p struct {
		ID         int64  `json:"id"`
		RecordType string `json:"record_type"`
		RecordID   int64  `json:"record_id"`
	}
	_ = json.Unmarshal(e.Data, &p)
	if kind != "note" {
		p.RecordType, p.RecordID = kind, p.ID
	}
	frame, _ := json.Marshal(map[string]any{"t": "crm", "event": e.Type, "id": p.ID, "record_type": p.RecordType, "record_id": p.RecordID})
	for _, a := range h.agentClients() {
		a.conn.Send(frame)
	}
}

// PresenceChanged tells this node's agents that a colleague's availability may have changed.
func (h *Hub) PresenceChanged(userID int64) {
	ctx := context.Background()
	frame, _ := json.Marshal(map[string]any{"t": "presence", "user_id": userID, "available": h.o.Presence.Available(ctx, userID),
		"online_agents": len(h.availableAgents(ctx))})
	for _, a := range h.agentClients() {
		a.conn.Send(frame)
	}
}

// errorFrame tells a client why a command failed.
// notAFrame is the error for a frame that is not JSON at all.
const notAFrame = "frames are JSON objects with a \"t\" field"

func errorFrame(ref string, err error) []byte {
	code, msg := errs.Public(err)
	b, _ := json.Marshal(map[string]any{"t": "error", "ref": ref, "code": code, "message": msg})
	return b
}

// VisitorConversation is a conversation as its visitor may see it, for the widget's HTTP calls.
func (h *Hub) VisitorConversation(c *conversation.Conversation, msgs []conversation.Message) map[string]any {
	from, to := seqRange(msgs)
	return map[string]any{"conversation": toVisitorView(c), "messages": h.toVisitorMessages(msgs), "from_seq": from, "to_seq": to}
}

// AgentMessages adds rendered HTML to messages for agents.
func (h *Hub) AgentMessages(msgs []conversation.Message) []conversation.Message {
	return h.withHTML(msgs)
}

// ResyncAll tells every socket on this node to refetch from the database: after the bus
// reconnects, events published meanwhile may have been missed.
func (h *Hub) ResyncAll() {
	for _, c := range h.conns() {
		c.Send(frameResync)
	}
}

// onBlocked silences a blocked visitor's widget: their sockets on this node are told and closed
// (the block itself refuses them a new session).
func (h *Hub) onBlocked(e *event.Event) {
	var m contact.BlockData
	if json.Unmarshal(e.Data, &m) != nil {
		return
	}
	h.mu.RLock()
	var vs []*visitorClient
	for v := range h.visitors[m.ContactID] {
		if s := v.session(); s != nil && s.Visitor.ID == m.VisitorID {
			vs = append(vs, v)
		}
	}
	h.mu.RUnlock()
	frame := errorFrame("", errs.Coded(errs.Forbidden, "blocked", "this visitor is blocked on this website"))
	for _, v := range vs {
		v.conn.CloseAfter(frame)
	}
}

func (h *Hub) onRead(data []byte) {
	var r conversation.ReadSignal
	if json.Unmarshal(data, &r) != nil {
		return
	}
	frame, _ := json.Marshal(readFrame{T: "read", ConversationID: r.ConversationID, InboxID: r.InboxID, ContactID: r.ContactID, By: r.By,
		UserID: r.UserID, Seq: r.Seq})
	visitors := h.visitorClients(r.ContactID, r.InboxID)
	for _, a := range h.agentClients() {
		// An agent's own read goes to their other tabs; the visitor's to agents who see it.
		if r.By == "agent" && a.user.ID != r.UserID {
			continue
		}
		if a.sees(r.ConversationID, r.InboxID, r.Visibility) {
			a.conn.Send(frame)
		}
	}
	// Visitors learn that an agent read their messages, and their own reads reach their other tabs;
	// which agent read is not theirs to know.
	vf, _ := json.Marshal(map[string]any{"t": "read", "by": r.By, "conversation_id": r.ConversationID, "seq": r.Seq})
	for _, v := range visitors {
		v.conn.Send(vf)
	}
}

// deliveryFrame tells agents where a reply stands on its channel (sent, failed, …).
type deliveryFrame struct {
	T              string                `json:"t"`
	ConversationID int64                 `json:"conversation_id"`
	MessageID      int64                 `json:"message_id"`
	Seq            int64                 `json:"seq"`
	Delivery       conversation.Delivery `json:"delivery"`
}

// onDelivery tells the agents who see the conversation that a reply's delivery moved on.
func (h *Hub) onDelivery(e *event.Event) {
	var d conversation.DeliveryData
	if json.Unmarshal(e.Data, &d) != nil {
		return
	}
	frame, _ := json.Marshal(deliveryFrame{T: "delivery", ConversationID: d.ConversationID, MessageID: d.MessageID, Seq: d.Seq, Delivery: d.Delivery})
	for _, a := range h.agentClients() {
		if a.sees(d.ConversationID, d.InboxID, d.Visibility) {
			a.conn.Send(frame)
		}
	}
}

// onTagged tells the agents who see a conversation that a tag was added to it or taken off.
func (h *Hub) onTagged(e *event.Event) {
	var d struct {
		ConversationID int64                   `json:"conversation_id"`
		InboxID        int64                   `json:"inbox_id"`
		Tag            conversation.Tag        `json:"tag"`
		Action         string                  `json:"action"`
		Visibility     conversation.Visibility `json:"visibility"`
	}
	if json.Unmarshal(e.Data, &d) != nil {
		return
	}
	frame, _ := json.Marshal(map[string]any{"t": "tagged", "conversation_id": d.ConversationID, "tag": d.Tag, "action": d.Action})
	for _, a := range h.agentClients() {
		if a.sees(d.ConversationID, d.InboxID, d.Visibility) {
			a.conn.Send(frame)
		}
	}
}

// accessChanged tells this node's agents that who sees what changed (a role, an inbox's members or
// visibility): the directory already answers by the new rules, and their clients refetch their
// lists.
func (h *Hub) accessChanged() {
	for _, a := range h.agentClients() {
		a.conn.Send(frameResync)
	}
}
