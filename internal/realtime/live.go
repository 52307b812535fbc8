package realtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/widget"
)

// Live visitors: who has a website open right now, for the inbox's Visitors screen. The widget's
// loader, on every page of an allowed domain, keeps a small socket (GET /widget/v1/{key}/live) that
// says which page it shows; nothing is stored for it — the nodes share what their sockets say on
// one bus subject, as they share which visitors are on the site (visitorstate.go):
//   - a delta when a browser's first socket on a node opens or changes page, or its last closes;
//   - a beat every VisitorBeat with every browser the node holds, whose word lasts VisitorTTL;
//   - links: a chat frame that authenticated names its browser's live id, so every node knows
//     which contact (and so which conversation) a live visitor is.
//
// A browser that left stays listed for VisitorGrace (a page load in between closes one socket and
// opens the next), then it is gone. An agent can invite a live visitor to a chat: the invitation
// goes to every node; the one holding the browser's loader opens its widget, and the one holding
// its chat frame starts the conversation through the widget (Options.StartChat) as soon as the
// frame has a visitor.

const subjectLive = "parley.visitor.live"

// Limits on what a loader may tell; longer values are cut.
const (
	liveMaxURL      = 500
	liveMaxTitle    = 150
	liveMaxReferrer = 300
	livePart        = 200 // browsers per beat message
	inviteTTL       = 2 * time.Minute
)

// LiveVisitor is a browser with the website open now.
type LiveVisitor struct {
	ID        string `json:"id"` // the browser's random live id (kept by the loader on the site)
	WebsiteID int64  `json:"website_id"`
	PageURL   string `json:"page_url"`
	PageTitle string `json:"page_title,omitempty"`
	Referrer  string `json:"referrer,omitempty"`
	Since     int64  `json:"since"` // when this visit began, unix ms
	Pages     int    `json:"pages"` // pages seen in this visit
	Country   string `json:"country,omitempty"`
	Returning bool   `json:"returning"`
	// Filled from the chat frame's link and the conversations the nodes know.
	ContactID      int64 `json:"contact_id,omitempty"`
	ConversationID int64 `json:"conversation_id,omitempty"`
	InChat         bool  `json:"in_chat"`
	// LeftAt is set while the browser is gone and its grace period runs.
	LeftAt int64 `json:"left_at,omitempty"`
}

// Invite is an agent's invitation of a live visitor to a chat.
type Invite struct {
	ID        string `json:"id"` // also the agent's message's client id
	LiveID    string `json:"live_id"`
	WebsiteID int64  `json:"website_id"`
	AgentID   int64  `json:"agent_id"`
	Body      string `json:"body"`
	At        int64  `json:"at"`
}

type liveKey struct {
	id    string
	inbox int64
}

type liveLink struct {
	ID      string `json:"id"`
	Inbox   int64  `json:"inbox"`
	Contact int64  `json:"contact"`
}

// liveMsg is a message on subjectLive.
type liveMsg struct {
	Node     string        `json:"node"`
	Kind     string        `json:"kind"` // on, off, beat, link, unlink, invite, invited
	Seq      uint64        `json:"seq,omitempty"`
	Part     int           `json:"part,omitempty"`
	Parts    int           `json:"parts,omitempty"`
	Visitors []LiveVisitor `json:"visitors,omitempty"`
	Links    []liveLink    `json:"links,omitempty"`
	Invite   *Invite       `json:"invite,omitempty"`
}

type liveRemote struct {
	visitors map[liveKey]LiveVisitor
	links    map[liveKey]int64
	expires  time.Time
	// the beat being received, replacing the maps above once its last part arrives
	beat         uint64
	nextPart     int
	beatVisitors map[liveKey]LiveVisitor
	beatLinks    map[liveKey]int64
}

type liveLocal struct {
	sockets int
	v       LiveVisitor
}

type liveState struct {
	mu      sync.Mutex
	pubMu   sync.Mutex
	notify  sync.Mutex
	local   map[liveKey]*liveLocal
	links   map[liveKey]map[*visitorClient]int64 // chat frames here that named their live id
	remote  map[string]*liveRemote
	leaving map[liveKey]LiveVisitor // gone, within the grace period (LeftAt set)
	shown   map[liveKey]LiveVisitor // what watching agents were last told
	invites map[liveKey]Invite
	clients map[liveKey]map[*liveClient]struct{} // this node's loader sockets
	beats   uint64
}

func newLiveState() *liveState {
	return &liveState{local: map[liveKey]*liveLocal{}, links: map[liveKey]map[*visitorClient]int64{}, remote: map[string]*liveRemote{},
		leaving: map[liveKey]LiveVisitor{}, shown: map[liveKey]LiveVisitor{}, invites: map[liveKey]Invite{},
		clients: map[liveKey]map[*liveClient]struct{}{}}
}

func (h *Hub) visitorGrace() time.Duration {
	if h.o.VisitorGrace > 0 {
		return h.o.VisitorGrace
	}
	return 15 * time.Second
}

// presentLocked is the browser as the nodes say it is now (ok false: no node holds it).
func (h *Hub) presentLocked(k liveKey, now time.Time) (LiveVisitor, bool) {
	s := h.live
	if l, ok := s.local[k]; ok {
		return l.v, true
	}
	var best LiveVisitor
	found := false
	for _, r := range s.remote {
		if v, ok := r.visitors[k]; ok && now.Before(r.expires) && (!found || v.Pages > best.Pages) {
			best, found = v, true
		}
	}
	return best, found
}

// contactLocked is the contact a browser's chat frame named (0: none known).
func (h *Hub) contactLocked(k liveKey, now time.Time) int64 {
	s := h.live
	for _, c := range s.links[k] {
		return c
	}
	for _, r := range s.remote {
		if c, ok := r.links[k]; ok && now.Before(r.expires) {
			return c
		}
	}
	return 0
}

// viewLocked is what agents see of a browser: present, leaving within its grace period, or gone.
func (h *Hub) viewLocked(k liveKey, now time.Time) (LiveVisitor, bool) {
	s := h.live
	v, ok := h.presentLocked(k, now)
	if ok {
		delete(s.leaving, k)
	} else if left, was := s.leaving[k]; was && now.UnixMilli() < left.LeftAt+h.visitorGrace().Milliseconds() {
		v, ok = left, true
	} else {
		delete(s.leaving, k)
		return LiveVisitor{}, false
	}
	v.ContactID, v.ConversationID, v.InChat = h.contactLocked(k, now), 0, false
	if v.ContactID != 0 && h.vs != nil {
		h.vs.mu.Lock()
		c, known := h.vs.convs[visitorKey{v.ContactID, k.inbox}]
		h.vs.mu.Unlock()
		if known && c.ID != 0 {
			v.ConversationID, v.InChat = c.ID, c.Visibility.Status == conversation.Open
		}
	}
	return v, true
}

// leftLocked starts the grace period of a browser that no node holds any more.
func (h *Hub) leftLocked(k liveKey, last LiveVisitor, now time.Time) {
	if _, still := h.presentLocked(k, now); still {
		return
	}
	last.LeftAt = now.UnixMilli()
	h.live.leaving[k] = last
	time.AfterFunc(h.visitorGrace()+10*time.Millisecond, func() { h.tellLive(k) })
}

// LiveVisitors lists the browsers on the websites that may(inboxID) admits, newest visit first.
func (h *Hub) LiveVisitors(may func(inboxID int64) bool) []LiveVisitor {
	s, now := h.live, h.now()
	s.mu.Lock()
	keys := map[liveKey]bool{}
	for k := range s.local {
		keys[k] = true
	}
	for _, r := range s.remote {
		if now.Before(r.expires) {
			for k := range r.visitors {
				keys[k] = true
			}
		}
	}
	for k := range s.leaving {
		keys[k] = true
	}
	out := []LiveVisitor{}
	for k := range keys {
		if !may(k.inbox) {
			continue
		}
		if v, ok := h.viewLocked(k, now); ok {
			out = append(out, v)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b LiveVisitor) int {
		if a.Since != b.Since {
			return int(b.Since - a.Since)
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// LiveVisitor returns one browser on a website, if it is there (or within its grace period).
func (h *Hub) LiveVisitor(websiteID int64, id string) (LiveVisitor, bool) {
	s := h.live
	s.mu.Lock()
	defer s.mu.Unlock()
	return h.viewLocked(liveKey{id, websiteID}, h.now())
}

// liveFrame tells watching agents how a live visitor changed: visitor set, or gone.
type liveFrame struct {
	T       string       `json:"t"` // live_visitor or live_visitor_gone
	Visitor *LiveVisitor `json:"visitor,omitempty"`
	ID      string       `json:"id,omitempty"`
	Website int64        `json:"website_id,omitempty"`
}

// tellLive compares a browser's view with what watching agents were last told, and tells them.
func (h *Hub) tellLive(k liveKey) {
	s := h.live
	s.notify.Lock()
	defer s.notify.Unlock()
	s.mu.Lock()
	v, ok := h.viewLocked(k, h.now())
	old, told := s.shown[k]
	if ok {
		s.shown[k] = v
	} else {
		delete(s.shown, k)
	}
	s.mu.Unlock()
	var frame []byte
	switch {
	case ok && (!told || old != v):
		frame, _ = json.Marshal(liveFrame{T: "live_visitor", Visitor: &v})
	case !ok && told:
		frame, _ = json.Marshal(liveFrame{T: "live_visitor_gone", ID: k.id, Website: k.inbox})
	default:
		return
	}
	for _, a := range h.agentClients() {
		if a.watchLive.Load() {
			if acc, ok := a.access(k.inbox); ok && acc.HasInbox() {
				a.conn.Send(frame)
			}
		}
	}
}

// liveContactChanged tells watching agents about the browsers of a contact whose conversation
// changed (in a chat or not).
func (h *Hub) liveContactChanged(contactID, inboxID int64) {
	s, now := h.live, h.now()
	var keys []liveKey
	s.mu.Lock()
	for k := range s.shown {
		if k.inbox == inboxID && h.contactLocked(k, now) == contactID {
			keys = append(keys, k)
		}
	}
	s.mu.Unlock()
	for _, k := range keys {
		h.tellLive(k)
	}
}

// watchLive sends an agent who opened the Visitors screen every live visitor they may see.
func (h *Hub) watchLive(a *agentClient, on bool) {
	a.watchLive.Store(on)
	if !on {
		return
	}
	list := h.LiveVisitors(func(inboxID int64) bool {
		acc, ok := a.access(inboxID)
		return ok && acc.HasInbox()
	})
	b, _ := json.Marshal(map[string]any{"t": "live_visitors", "visitors": list})
	a.conn.Send(b)
}

func (h *Hub) publishLive(m liveMsg) {
	m.Node = h.vs.node
	data, _ := json.Marshal(m)
	if err := h.o.Bus.Publish(context.Background(), subjectLive, data); err != nil {
		h.log.Warn("publish live visitors", "err", err)
	}
}

// sendLiveBeat tells the other nodes every browser and chat link this node holds.
func (h *Hub) sendLiveBeat() {
	s := h.live
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	s.mu.Lock()
	visitors := make([]LiveVisitor, 0, len(s.local))
	for _, l := range s.local {
		visitors = append(visitors, l.v)
	}
	var links []liveLink
	for k, set := range s.links {
		for _, c := range set {
			links = append(links, liveLink{ID: k.id, Inbox: k.inbox, Contact: c})
			break
		}
	}
	s.beats++
	seq := s.beats
	s.mu.Unlock()
	parts := max(1, (len(visitors)+livePart-1)/livePart)
	for i := range parts {
		m := liveMsg{Kind: "beat", Seq: seq, Part: i, Parts: parts, Visitors: visitors[i*livePart : min(len(visitors), (i+1)*livePart)]}
		if i == parts-1 {
			m.Links = links
		}
		h.publishLive(m)
	}
}

// onLive takes another node's word (and invitations from any node, this one included).
func (h *Hub) onLive(_ string, data []byte) {
	var m liveMsg
	if json.Unmarshal(data, &m) != nil || m.Node == "" {
		return
	}
	switch m.Kind {
	case "invite":
		if m.Invite != nil {
			h.invited(*m.Invite)
		}
		return
	case "invited":
		if m.Invite != nil {
			s := h.live
			s.mu.Lock()
			if inv, ok := s.invites[liveKey{m.Invite.LiveID, m.Invite.WebsiteID}]; ok && inv.ID == m.Invite.ID {
				delete(s.invites, liveKey{m.Invite.LiveID, m.Invite.WebsiteID})
			}
			s.mu.Unlock()
		}
		return
	}
	if m.Node == h.vs.node {
		return // this node's own word: its state is already here
	}
	s, now := h.live, h.now()
	changed := map[liveKey]LiveVisitor{}
	before := func(k liveKey) {
		if _, ok := changed[k]; !ok {
			v, _ := h.presentLocked(k, now)
			changed[k] = v
		}
	}
	s.mu.Lock()
	r := s.remote[m.Node]
	if r == nil {
		r = &liveRemote{visitors: map[liveKey]LiveVisitor{}, links: map[liveKey]int64{}}
		s.remote[m.Node] = r
	}
	r.expires = now.Add(h.visitorTTL())
	switch m.Kind {
	case "on":
		for _, v := range m.Visitors {
			k := liveKey{v.ID, v.WebsiteID}
			before(k)
			r.visitors[k] = v
		}
	case "off":
		for _, v := range m.Visitors {
			k := liveKey{v.ID, v.WebsiteID}
			before(k)
			delete(r.visitors, k)
		}
	case "link":
		for _, l := range m.Links {
			k := liveKey{l.ID, l.Inbox}
			before(k)
			r.links[k] = l.Contact
		}
	case "unlink":
		for _, l := range m.Links {
			k := liveKey{l.ID, l.Inbox}
			before(k)
			delete(r.links, k)
		}
	case "beat":
		if m.Part == 0 {
			r.beat, r.nextPart, r.beatVisitors, r.beatLinks = m.Seq, 0, map[liveKey]LiveVisitor{}, map[liveKey]int64{}
		}
		if r.beatVisitors == nil || m.Seq != r.beat || m.Part != r.nextPart {
			r.beatVisitors = nil // a part went missing: the next beat is whole
			break
		}
		for _, v := range m.Visitors {
			r.beatVisitors[liveKey{v.ID, v.WebsiteID}] = v
		}
		for _, l := range m.Links {
			r.beatLinks[liveKey{l.ID, l.Inbox}] = l.Contact
		}
		r.nextPart++
		if r.nextPart >= max(m.Parts, 1) {
			for k := range r.visitors {
				before(k)
			}
			for k := range r.beatVisitors {
				before(k)
			}
			for k := range r.links {
				before(k)
			}
			for k := range r.beatLinks {
				before(k)
			}
			r.visitors, r.links, r.beatVisitors, r.beatLinks = r.beatVisitors, r.beatLinks, nil, nil
		}
	}
	for k, last := range changed {
		if last.ID != "" {
			h.leftLocked(k, last, now)
		}
	}
	s.mu.Unlock()
	for k := range changed {
		h.tellLive(k)
	}
}

// expireLive forgets nodes that stopped beating: their browsers begin their grace period.
func (h *Hub) expireLive() {
	s, now := h.live, h.now()
	var keys []liveKey
	s.mu.Lock()
	for node, r := range s.remote {
		if now.Before(r.expires) {
			continue
		}
		delete(s.remote, node)
		for k, v := range r.visitors {
			h.leftLocked(k, v, now)
			keys = append(keys, k)
		}
		for k := range r.links {
			keys = append(keys, k)
		}
	}
	for k, inv := range s.invites {
		if now.UnixMilli()-inv.At > inviteTTL.Milliseconds() {
			delete(s.invites, k)
		}
	}
	s.mu.Unlock()
	for _, k := range keys {
		h.tellLive(k)
	}
}

// ---- the loader's socket

type liveClient struct {
	h       *Hub
	conn    *Conn
	release func()
	site    *inbox.Website
	country string
	mu      sync.Mutex
	key     liveKey
	counted bool
	gone    bool
}

func (l *liveClient) base() *Conn { return l.conn }

// ServeLive turns the request into a loader's live socket for site. The caller has checked the
// website key and that the Origin is one of the website's allowed domains; ip is the browser's.
func (h *Hub) ServeLive(w http.ResponseWriter, r *http.Request, site *inbox.Website, ip string) error {
	country := ""
	if h.o.Locate != nil {
		country = h.o.Locate(ip)
	}
	cl, err := h.upgrade(w, r, func(c *Conn) client {
		return &liveClient{h: h, conn: c, site: site, country: country, release: h.holdOther(c)}
	})
	if err != nil {
		return err
	}
	h.gauge.WithLabelValues("live").Inc()
	go cl.base().ws.ReadLoop()
	return nil
}

// liveHello is the loader's first frame, and its page frames after a single-page navigation.
type liveHello struct {
	T        string `json:"t"` // hello or page
	ID       string `json:"id"`
	URL      string `json:"url"`
	Title    string `json:"title"`
	Referrer string `json:"referrer"`
	Since    int64  `json:"since"`
	Pages    int    `json:"pages"`
	Back     bool   `json:"back"` // seen on an earlier visit
}

func cut(s string, n int) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, ""))
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// validLiveID admits the loader's ids: 16 to 64 letters, digits, - and _.
func validLiveID(id string) bool {
	if len(id) < 16 || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func (l *liveClient) onFrame(_ context.Context, data []byte) {
	var f liveHello
	if json.Unmarshal(data, &f) != nil {
		return
	}
	h, now := l.h, l.h.now()
	switch f.T {
	case "ping":
		l.conn.Send([]byte(`{"t":"pong"}`))
		return
	case "hello", "page":
	default:
		return
	}
	if l.site.CheckPage(f.URL) != nil {
		return // a page off the website's allowed domains is not the website's
	}
	l.mu.Lock()
	if (f.T == "hello" && (l.counted || l.gone || !validLiveID(f.ID))) || (f.T == "page" && !l.counted) {
		l.mu.Unlock()
		return
	}
	if f.T == "hello" {
		l.key, l.counted = liveKey{f.ID, l.site.ID}, true
	}
	k := l.key
	l.mu.Unlock()

	since := f.Since
	if since <= 0 || since > now.UnixMilli() || now.UnixMilli()-since > 24*time.Hour.Milliseconds() {
		since = now.UnixMilli()
	}
	v := LiveVisitor{ID: k.id, WebsiteID: k.inbox, PageURL: cut(f.URL, liveMaxURL), PageTitle: cut(f.Title, liveMaxTitle),
		Referrer: cut(f.Referrer, liveMaxReferrer), Since: since, Pages: min(max(f.Pages, 1), 100000), Country: l.country, Returning: f.Back}
	if h.o.Mask != nil {
		v.PageURL, v.PageTitle, v.Referrer = h.o.Mask(v.PageURL), h.o.Mask(v.PageTitle), h.o.Mask(v.Referrer)
	}
	s := h.live
	s.pubMu.Lock()
	s.mu.Lock()
	loc := s.local[k]
	if loc == nil {
		loc = &liveLocal{v: v}
		s.local[k] = loc
	}
	if f.T == "hello" {
		loc.sockets++
		if s.clients[k] == nil {
			s.clients[k] = map[*liveClient]struct{}{}
		}
		s.clients[k][l] = struct{}{}
	} else {
		// A single-page navigation moves the page on; the visit stays as its hello said.
		v.Since, v.Referrer, v.Returning = loc.v.Since, loc.v.Referrer, loc.v.Returning
	}
	if v.Pages >= loc.v.Pages {
		loc.v = v // the tab that moved last tells the page
	}
	v = loc.v
	inv, invited := s.invites[k]
	s.mu.Unlock()
	h.publishLive(liveMsg{Kind: "on", Visitors: []LiveVisitor{v}})
	s.pubMu.Unlock()
	h.tellLive(k)
	if invited && now.UnixMilli()-inv.At < inviteTTL.Milliseconds() {
		l.conn.Send([]byte(`{"t":"open"}`)) // an invitation came before this page did
	}
}

func (l *liveClient) onClose() {
	h := l.h
	l.release()
	h.gauge.WithLabelValues("live").Dec()
	l.mu.Lock()
	l.gone = true
	k, counted := l.key, l.counted
	l.mu.Unlock()
	if !counted {
		return
	}
	s, now := h.live, h.now()
	s.pubMu.Lock()
	s.mu.Lock()
	delete(s.clients[k], l)
	if len(s.clients[k]) == 0 {
		delete(s.clients, k)
	}
	loc := s.local[k]
	last := loc != nil && loc.sockets <= 1
	var v LiveVisitor
	if loc != nil {
		loc.sockets--
		v = loc.v
	}
	if last {
		delete(s.local, k)
		if !h.vs.isClosing() {
			h.leftLocked(k, v, now)
		}
	}
	s.mu.Unlock()
	if last && !h.vs.isClosing() {
		h.publishLive(liveMsg{Kind: "off", Visitors: []LiveVisitor{{ID: k.id, WebsiteID: k.inbox}}})
	}
	s.pubMu.Unlock()
	if last {
		h.tellLive(k)
	}
}

// ---- chat frames that name their browser

// linkLive records that a chat frame authenticated as contactID names its browser's live id.
func (h *Hub) linkLive(v *visitorClient, liveID string, contactID int64) {
	if !validLiveID(liveID) {
		return
	}
	k := liveKey{liveID, v.inboxID}
	s := h.live
	s.pubMu.Lock()
	s.mu.Lock()
	if s.links[k] == nil {
		s.links[k] = map[*visitorClient]int64{}
	}
	s.links[k][v] = contactID
	s.mu.Unlock()
	h.publishLive(liveMsg{Kind: "link", Links: []liveLink{{ID: k.id, Inbox: k.inbox, Contact: contactID}}})
	s.pubMu.Unlock()
	h.tellLive(k)
}

// unlinkLive forgets a chat frame's link when its socket closes.
func (h *Hub) unlinkLive(v *visitorClient, liveID string) {
	k := liveKey{liveID, v.inboxID}
	s := h.live
	s.pubMu.Lock()
	s.mu.Lock()
	delete(s.links[k], v)
	last := len(s.links[k]) == 0
	if last {
		delete(s.links, k)
	}
	s.mu.Unlock()
	if last && !h.vs.isClosing() {
		h.publishLive(liveMsg{Kind: "unlink", Links: []liveLink{{ID: k.id, Inbox: k.inbox}}})
	}
	s.pubMu.Unlock()
	h.tellLive(k)
}

// ---- invitations

// Invite sends an agent's invitation to every node: the browser's loader opens its widget, and its
// chat frame starts the conversation (StartChat) once it has a visitor.
func (h *Hub) Invite(inv Invite) Invite {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	inv.ID = "inv_" + hex.EncodeToString(b)
	inv.At = h.now().UnixMilli()
	h.publishLive(liveMsg{Kind: "invite", Invite: &inv})
	return inv
}

// invited keeps an invitation, opens the widget of the browser's loader if it is here, and starts
// the chat at once if its chat frame is here and has a visitor.
func (h *Hub) invited(inv Invite) {
	k := liveKey{inv.LiveID, inv.WebsiteID}
	s := h.live
	s.mu.Lock()
	s.invites[k] = inv
	var frames []*visitorClient
	for v := range s.links[k] {
		frames = append(frames, v)
	}
	s.mu.Unlock()
	for _, l := range h.liveClients(k) {
		l.conn.Send([]byte(`{"t":"open"}`))
	}
	if len(frames) > 0 {
		go h.acceptInvite(frames[0], k)
	}
}

// liveClients are this node's loader sockets of a browser.
func (h *Hub) liveClients(k liveKey) []*liveClient {
	s := h.live
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*liveClient, 0, len(s.clients[k]))
	for l := range s.clients[k] {
		out = append(out, l)
	}
	return out
}

// acceptInvite starts the invited chat in the chat frame v (whose browser is k), once: the
// invitation is taken here and every node is told it was.
func (h *Hub) acceptInvite(v *visitorClient, k liveKey) {
	s := h.live
	s.mu.Lock()
	inv, ok := s.invites[k]
	if ok {
		delete(s.invites, k)
	}
	s.mu.Unlock()
	sess := v.session()
	if !ok || sess == nil || h.o.StartChat == nil || h.now().UnixMilli()-inv.At > inviteTTL.Milliseconds() {
		return
	}
	h.publishLive(liveMsg{Kind: "invited", Invite: &inv})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := h.o.StartChat(ctx, sess, inv); err != nil && !errs.Is(err, errs.Conflict) {
		h.log.Warn("proactive chat not started", "invite", inv.ID, "err", err)
	}
}

// StartChat is what the hub asks of the widget to start an invited chat (internal/widget).
type StartChat func(ctx context.Context, sess *widget.Session, inv Invite) error
