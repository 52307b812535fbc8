package realtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
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
//     beat (they answer a node they did not know at once). A beat goes in parts of at most
//     visitorPartBytes each, and counts as the whole truth once all its parts arrived.
//
// Nothing is stored: an idle socket costs no database write.

const subjectVisitor = "parley.visitor.state"

// visitorPartBytes bounds one bus message of a beat. NATS refuses a message over its max_payload
// (1 MB unless the operator changed it), which one message listing all of a node's visitors passed
// at about 43,000 of them; parts of a quarter of that leave room for a lowered limit.
const visitorPartBytes = 256 << 10

// visitorKey is a contact on a website (inbox).
type visitorKey struct{ contact, inbox int64 }

// visitorConv is what the agents' visitor frame needs of the contact's latest conversation in
// that inbox: its id, and who may see it. ID 0: the contact has no conversation yet.
type visitorConv struct {
	ID         int64
	Visibility visibility
}

// visitorMsg is a delta or a part of a beat on the bus. Entries are [contact, inbox, conversation,
// assignee, open (1) or closed (0)], 20 to 40 bytes each.
type visitorMsg struct {
	Node   string `json:"node"`
	Beat   bool   `json:"beat,omitempty"`
	Online bool   `json:"online,omitempty"` // a delta: the entry's contact is (no longer) on this node
	// A beat is Parts messages numbered by Part from 0, all carrying the beat's Seq. A beat
	// without Parts (from a node of an older version) is one message.
	Seq     uint64     `json:"seq,omitempty"`
	Part    int        `json:"part,omitempty"`
	Parts   int        `json:"parts,omitempty"`
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
	// The beat being received: its seq, the part expected next and the visitors of its parts so
	// far, which replace keys when the last part arrives. Until then keys holds the last whole
	// beat's visitors and these too, so nobody flickers off the site between two parts. partial
	// is nil when no beat is being received, or a part of it went missing (the next beat repairs).
	beatSeq  uint64
	nextPart int
	partial  map[visitorKey]bool
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
	beats  uint64 // the seq of the last beat sent, under pubMu
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

// isClosing reports whether the node is shutting down (its sockets close without telling the others).
func (s *visitorState) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
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

// sendVisitorBeat tells the other nodes every visitor this node holds. Its parts leave under
// pubMu, so no delta of this node comes between them.
func (h *Hub) sendVisitorBeat() {
	s := h.vs
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	s.mu.Lock()
	entries := make([][5]int64, 0, len(s.local))
	for k := range s.local {
		entries = append(entries, entryOf(k, s.convs[k]))
	}
	s.mu.Unlock()
	s.beats++
	for _, m := range beatParts(s.node, s.beats, entries, visitorPartBytes) {
		h.publishVisitor(m)
	}
}

// beatParts splits a beat into messages whose JSON stays within limit bytes.
func beatParts(node string, seq uint64, entries [][5]int64, limit int) []visitorMsg {
	// Room for everything but the entries: the field names, the node and three numbers.
	budget := limit - 128 - len(node)
	var parts []visitorMsg
	start, size := 0, 0
	var digits [20]byte
	for i, e := range entries {
		n := 7 // [ ] four commas, and the comma before the next entry
		for _, v := range e {
			n += len(strconv.AppendInt(digits[:0], v, 10))
		}
		if size+n > budget && i > start {
			parts = append(parts, visitorMsg{Entries: entries[start:i]})
			start, size = i, 0
		}
		size += n
	}
	parts = append(parts, visitorMsg{Entries: entries[start:]})
	for i := range parts {
		parts[i].Node, parts[i].Beat, parts[i].Seq, parts[i].Part, parts[i].Parts = node, true, seq, i, len(parts)
	}
	return parts
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
	if known && !now.Before(r.expires) {
		// The node's word had lapsed (its visitors were off the site) and holds again.
		for k := range r.keys {
			check = append(check, k)
		}
	}
	r.expires = now.Add(h.visitorTTL())
	// on puts k on the site by this node's word; only a visitor it did not list before may change.
	on := func(k visitorKey) {
		if !r.keys[k] {
			r.keys[k] = true
			check = append(check, k)
		}
		if r.partial != nil {
			r.partial[k] = true
		}
	}
	switch {
	case m.Beat:
		if m.Part == 0 {
			r.beatSeq, r.nextPart, r.partial = m.Seq, 0, make(map[visitorKey]bool, len(m.Entries)*max(m.Parts, 1))
		} else if r.partial != nil && (m.Seq != r.beatSeq || m.Part != r.nextPart) {
			r.partial = nil // a part went missing: what arrives is added, and the next beat is whole
		}
		for _, e := range m.Entries {
			k, c := fromEntry(e)
			on(k)
			if _, ok := s.convs[k]; !ok {
				s.setConvLocked(k, c)
			}
		}
		if r.partial != nil {
			r.nextPart++
			if r.nextPart >= max(m.Parts, 1) {
				// The whole truth about that node: whoever it no longer lists left.
				for k := range r.keys {
					if !r.partial[k] {
						check = append(check, k)
					}
				}
				r.keys, r.partial = r.partial, nil
			}
		}
	case m.Online:
		for _, e := range m.Entries {
			k, c := fromEntry(e)
			on(k)
			s.setConvLocked(k, c)
		}
	default:
		for _, e := range m.Entries {
			k := visitorKey{e[0], e[1]}
			if r.keys[k] {
				delete(r.keys, k)
				check = append(check, k)
			}
			if r.partial != nil {
				delete(r.partial, k)
			}
		}
	}
	s.mu.Unlock()
	if !known && m.Beat {
		h.ringVisitorBeat() // a node we did not know (just started): it learns ours at once
	}
	for _, k := range check {
		h.tellVisitor(k)
	}
	if m.Page != nil {
		for _, e := range m.Entries {
			h.tellPage(visitorKey{e[0], e[1]}, m.Page)
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
	for _, a := range h.agentClients() {
		if a.sees(c.ID, k.inbox, c.Visibility) {
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
	h.liveContactChanged(k.contact, k.inbox) // the Visitors screen shows whether they are in a chat
	if !changed || c.ID == 0 {
		return // no conversation yet: no agent sees this visitor
	}
	frame, _ := json.Marshal(visitorFrameOut{T: "visitor", ConversationID: c.ID, InboxID: k.inbox, ContactID: k.contact, Online: online})
	for _, a := range h.agentClients() {
		if a.sees(c.ID, k.inbox, c.Visibility) {
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
