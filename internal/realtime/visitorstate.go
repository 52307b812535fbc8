package realtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/conversation"
)

// A visitor is "on the site" while at least one widget socket of their contact on that website is
// open on any node. Each node counts its own sockets in memory and tells the others, on one bus
// subject (so one node's messages arrive in the order it sent them):
//   - a delta when a contact's first socket on the node opens or its last closes, at once;
//   - a beat every VisitorBeat listing every contact the node holds, the same idea as presence's
//     heartbeats: a node's word lasts VisitorTTL, so the visitors of a node that died (or whose
//     messages were lost) do not stay on the site; a node that starts learns the others' within a
//     beat (they answer a node they did not know at once).
//
// Nothing is stored: an idle socket costs no database write.

const subjectVisitor = "parley.visitor.state"

// visitorKey is a contact on a website (inbox).
type visitorKey struct{ contact, inbox int64 }

// visitorConv is what the agents' visitor frame needs of the contact's latest conversation in
// that inbox: its id, and who may see it. ID 0: the contact has no conversation yet.
type visitorConv struct {
	ID         int64
	Visibility visibility
}

// visitorMsg is a delta or a beat on the bus. Entries are [contact, inbox, conversation,
// assignee, open (1) or closed (0)]: a beat of ten thousand visitors stays a few hundred KB.
type visitorMsg struct {
	Node    string     `json:"node"`
	Beat    bool       `json:"beat,omitempty"`
	Online  bool       `json:"online,omitempty"` // a delta: the entry's contact is (no longer) on this node
	Entries [][5]int64 `json:"entries"`
	// Page: the entry's contact, on the site, opened this page (their browsing history grew).
	Page *pageSeen `json:"page,omitempty"`
}

// pageSeen says when a visitor opened a page. What page is in their browsing history (GET
// /api/v1/contacts/{id}), stored masked; the frame only rings the bell.
type pageSeen struct {
	At int64 `json:"at"`
}

func entryOf(k visitorKey, c visitorConv) [5]int64 {
	open := int64(0)
	if c.Visibility.Status == conversation.Open {
		open = 1
	}
	return [5]int64{k.contact, k.inbox, c.ID, c.Visibility.AssigneeID, open}
}

func fromEntry(e [5]int64) (visitorKey, visitorConv) {
	st := conversation.Closed
	if e[4] == 1 {
		st = conversation.Open
	}
	return visitorKey{e[0], e[1]}, visitorConv{ID: e[2], Visibility: visibility{Status: st, AssigneeID: e[3]}}
}

type remoteVisitors struct {
	keys    map[visitorKey]bool
	expires time.Time
}

// visitorState is a node's view of which visitors are on the site.
type visitorState struct {
	node   string // this hub's id on the bus: random per process, so a restarted node is a new one
	pubMu  sync.Mutex
	notify sync.Mutex // agents are told in the order the state changed
	mu     sync.Mutex
	local  map[visitorKey]int // open sockets on this node
	remote map[string]*remoteVisitors
	told   map[visitorKey]bool        // on the site, as this node's agents were last told
	convs  map[visitorKey]visitorConv // the latest conversation of every contact on the site
	wake   chan struct{}
	// closing: the node is shutting down; its sockets close without telling the others, whose
	// word on them lasts until it expires or the visitors reconnect to another node.
	closing bool
}

func newVisitorState() *visitorState {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &visitorState{node: hex.EncodeToString(b), local: map[visitorKey]int{}, remote: map[string]*remoteVisitors{},
		told: map[visitorKey]bool{}, convs: map[visitorKey]visitorConv{}, wake: make(chan struct{}, 1)}
}

func (h *Hub) visitorBeat() time.Duration {
	if h.o.VisitorBeat > 0 {
		return h.o.VisitorBeat
	}
	return 10 * time.Second
}

func (h *Hub) visitorTTL() time.Duration {
	if h.o.VisitorTTL > 0 {
		return h.o.VisitorTTL
	}
	return 30 * time.Second
}

func (h *Hub) now() time.Time {
	if h.o.Now != nil {
		return h.o.Now()
	}
	return time.Now()
}

// onlineLocked is the truth: a socket here, or a live word from another node.
func (s *visitorState) onlineLocked(k visitorKey, now time.Time) bool {
	if s.local[k] > 0 {
		return true
	}
	for _, r := range s.remote {
		if r.keys[k] && now.Before(r.expires) {
			return true
		}
	}
	return false
}

// VisitorOnline reports whether the contact has the website (inbox) open on any node. It reads
// memory only.
func (h *Hub) VisitorOnline(contactID, inboxID int64) bool {
	if h == nil || h.vs == nil {
		return false
	}
	s := h.vs
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.onlineLocked(visitorKey{contactID, inboxID}, h.now())
}

// setConvLocked remembers c as the contact's latest conversation unless a newer one is known.
func (s *visitorState) setConvLocked(k visitorKey, c visitorConv) {
	if old, ok := s.convs[k]; !ok || c.ID >= old.ID {
		s.convs[k] = c
	}
}

// visitorOpened records a visitor socket that authenticated; c is their conversation (nil: none yet).
func (h *Hub) visitorOpened(contactID, inboxID int64, c *conversation.Conversation) {
	s, k := h.vs, visitorKey{contactID, inboxID}
	var vc visitorConv
	if c != nil {
		vc = visitorConv{ID: c.ID, Visibility: visibilityOf(c)}
	}
	s.pubMu.Lock()
	s.mu.Lock()
	s.local[k]++
	first := s.local[k] == 1
	s.setConvLocked(k, vc)
	vc = s.convs[k]
	s.mu.Unlock()
	if first {
		h.publishVisitor(visitorMsg{Node: s.node, Online: true, Entries: [][5]int64{entryOf(k, vc)}})
	}
	s.pubMu.Unlock()
	if first {
		h.tellVisitor(k)
	}
}

// visitorClosed records the end of a visitor socket opened with visitorOpened.
func (h *Hub) visitorClosed(contactID, inboxID int64) {
	s, k := h.vs, visitorKey{contactID, inboxID}
	s.pubMu.Lock()
	s.mu.Lock()
	s.local[k]--
	last := s.local[k] <= 0
	if last {
		delete(s.local, k)
	}
	closing := s.closing
	s.mu.Unlock()
	if last && !closing {
		h.publishVisitor(visitorMsg{Node: s.node, Entries: [][5]int64{{k.contact, k.inbox}}})
	}
	s.pubMu.Unlock()
	if last && !closing {
		h.tellVisitor(k)
	}
}

// publishVisitor sends under pubMu, so this node's messages leave in the order its state changed.
func (h *Hub) publishVisitor(m visitorMsg) {
	data, _ := json.Marshal(m)
	if err := h.o.Bus.Publish(context.Background(), subjectVisitor, data); err != nil {
		h.log.Warn("publish visitor state", "err", err)
	}
}

// sendVisitorBeat tells the other nodes every visitor this node holds.
func (h *Hub) sendVisitorBeat() {
	s := h.vs
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	s.mu.Lock()
	m := visitorMsg{Node: s.node, Beat: true, Entries: make([][5]int64, 0, len(s.local))}
	for k := range s.local {
		m.Entries = append(m.Entries, entryOf(k, s.convs[k]))
	}
	s.mu.Unlock()
	h.publishVisitor(m)
}

func (h *Hub) onVisitor(_ string, data []byte) {
	var m visitorMsg
	s := h.vs
	if json.Unmarshal(data, &m) != nil || m.Node == "" {
		return
	}
	if m.Node == s.node {
		// Our own word: the state is already ours; agents here were told when it changed (this
		// echo tells them again only if they were not).
		for _, e := range m.Entries {
			h.tellVisitor(visitorKey{e[0], e[1]})
			if m.Page != nil {
				h.tellPage(visitorKey{e[0], e[1]}, m.Page)
			}
		}
		return
	}
	now := h.now()
	var check []visitorKey
	s.mu.Lock()
	r, known := s.remote[m.Node]
	if !known {
		r = &remoteVisitors{keys: map[visitorKey]bool{}}
		s.remote[m.Node] = r
	}
	r.expires = now.Add(h.visitorTTL())
	if m.Beat {
		// A beat is the whole truth about that node.
		for k := range r.keys {
			check = append(check, k)
		}
		r.keys = make(map[visitorKey]bool, len(m.Entries))
	}
	for _, e := range m.Entries {
		k, c := fromEntry(e)
		check = append(check, k)
		if m.Beat || m.Online {
			r.keys[k] = true
			if _, ok := s.convs[k]; !ok || m.Online {
				s.setConvLocked(k, c)
			}
		} else {
			delete(r.keys, k)
		}
	}
	s.mu.Unlock()
	if !known && m.Beat {
		h.ringVisitorBeat() // a node we did not know (just started): it learns ours at once
	}
	for _, k := range check {
		h.tellVisitor(k)
		if m.Page != nil {
			h.tellPage(k, m.Page)
		}
	}
}

// visitorPage tells every node's agents that a visitor on the site opened a page; each node tells
// its agents when the word comes back from the bus, as for any visitor message.
func (h *Hub) visitorPage(contactID, inboxID int64) {
	if h.vs == nil {
		return
	}
	s, k := h.vs, visitorKey{contactID, inboxID}
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	s.mu.Lock()
	counted := s.local[k] > 0
	vc := s.convs[k]
	s.mu.Unlock()
	if !counted || vc.ID == 0 {
		return // no agent sees a visitor without a conversation
	}
	h.publishVisitor(visitorMsg{Node: s.node, Online: true, Entries: [][5]int64{entryOf(k, vc)},
		Page: &pageSeen{At: h.now().UnixMilli()}})
}

// tellPage sends agents who see the visitor's latest conversation the page they opened.
func (h *Hub) tellPage(k visitorKey, p *pageSeen) {
	s := h.vs
	s.mu.Lock()
	c := s.convs[k]
	s.mu.Unlock()
	if c.ID == 0 {
		return
	}
	frame, _ := json.Marshal(visitorFrameOut{T: "visitor", ConversationID: c.ID, InboxID: k.inbox, ContactID: k.contact, Online: true, Page: p})
	ctx := context.Background()
	for _, a := range h.agentClients() {
		if a.sees(ctx, h, c.ID, k.inbox, c.Visibility) {
			a.conn.Send(frame)
		}
	}
}

func (h *Hub) ringVisitorBeat() {
	select {
	case h.vs.wake <- struct{}{}:
	default:
	}
}

// expireVisitors forgets nodes that stopped beating and tells agents of their visitors who left.
func (h *Hub) expireVisitors() {
	s, now := h.vs, h.now()
	var check []visitorKey
	s.mu.Lock()
	for node, r := range s.remote {
		if !now.Before(r.expires) {
			delete(s.remote, node)
			for k := range r.keys {
				check = append(check, k)
			}
		}
	}
	s.mu.Unlock()
	for _, k := range check {
		h.tellVisitor(k)
	}
}

// visitorFrameOut tells agents a visitor came to or left the site.
type visitorFrameOut struct {
	T              string    `json:"t"`
	ConversationID int64     `json:"conversation_id"`
	InboxID        int64     `json:"inbox_id"`
	ContactID      int64     `json:"contact_id"`
	Online         bool      `json:"online"`
	Page           *pageSeen `json:"page,omitempty"` // a page the visitor opened while on the site
}

// tellVisitor compares the visitor's state with what this node's agents were last told, and tells
// those who may see the contact's latest conversation when it differs.
func (h *Hub) tellVisitor(k visitorKey) {
	s := h.vs
	s.notify.Lock()
	defer s.notify.Unlock()
	s.mu.Lock()
	online := s.onlineLocked(k, h.now())
	changed := online != s.told[k]
	c := s.convs[k]
	if online {
		s.told[k] = true
	} else {
		delete(s.told, k)
		delete(s.convs, k)
	}
	s.mu.Unlock()
	if !changed || c.ID == 0 {
		return // no conversation yet: no agent sees this visitor
	}
	frame, _ := json.Marshal(visitorFrameOut{T: "visitor", ConversationID: c.ID, InboxID: k.inbox, ContactID: k.contact, Online: online})
	ctx := context.Background()
	for _, a := range h.agentClients() {
		if a.sees(ctx, h, c.ID, k.inbox, c.Visibility) {
			a.conn.Send(frame)
		}
	}
}

// visitorChanged keeps the latest conversation of a visitor on the site current (all nodes see
// every change), and returns whether the visitor is on the site.
func (h *Hub) visitorChanged(ch conversation.Change) bool {
	c := ch.Conversation
	if h.vs == nil {
		return false
	}
	s, k := h.vs, visitorKey{c.ContactID, c.InboxID}
	s.mu.Lock()
	defer s.mu.Unlock()
	online := s.onlineLocked(k, h.now())
	if !online {
		return false
	}
	if old, ok := s.convs[k]; ok && ch.Deleted && old.ID == c.ID {
		s.convs[k] = visitorConv{}
	} else if !ch.Deleted {
		s.setConvLocked(k, visitorConv{ID: c.ID, Visibility: visibilityOf(c)})
	}
	return true
}
