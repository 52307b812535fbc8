package realtime

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/bot"
	"github.com/parleyhq/parley/internal/clienttext"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/widget"
)

// Widget is the visitor side the socket drives (internal/widget implements it).
type Widget interface {
	Authenticate(ctx context.Context, site *inbox.Website, token, ip, userAgent string) (*widget.Session, error)
	Send(ctx context.Context, s *widget.Session, ip string, in conversation.MessageInput) (*conversation.Conversation, *conversation.Message, error)
	Conversation(ctx context.Context, s *widget.Session, afterSeq int64) (*conversation.Conversation, []conversation.Message, error)
	MarkRead(ctx context.Context, s *widget.Session, conversationID, seq int64) error
	Typing(ctx context.Context, s *widget.Session, on bool) error
	PageView(ctx context.Context, s *widget.Session, url, title string) error
	AgentsAvailable(ctx context.Context, s *widget.Session) (int, error)
	StartBot(ctx context.Context, s *widget.Session, ip, pageURL string) (*conversation.Conversation, error)
	Respond(ctx context.Context, s *widget.Session, ip string, r bot.Response) (*conversation.Message, error)
}

// visitorClient is a visitor's socket. It is registered under its contact once the first frame has
// authenticated it: the token never travels in a URL.
type visitorClient struct {
	h         *Hub
	w         Widget
	conn      *Conn
	site      *inbox.Website
	ip, ua    string
	mu        sync.Mutex
	sess      *widget.Session
	contactID int64
	inboxID   int64
	// counted: the socket counts towards its visitor being on the site (visitorstate.go); gone: it
	// closed. Both under countMu (held while counting, and taken under no other lock), so a socket
	// is counted out only if, and after, it was counted in.
	countMu       sync.Mutex
	counted, gone bool
	// liveID is the browser's live id the frame named in its auth frame (live.go); "" when none.
	liveID string
}

func (v *visitorClient) base() *Conn { return v.conn }

// ServeVisitor turns the request into a visitor socket for site. The caller has checked the
// website key and the Origin.
func (h *Hub) ServeVisitor(w http.ResponseWriter, r *http.Request, wg Widget, site *inbox.Website, ip string) error {
	var v *visitorClient
	cl, err := h.upgrade(w, r, func(c *Conn) client {
		v = &visitorClient{h: h, w: wg, conn: c, site: site, ip: ip, ua: r.UserAgent(), inboxID: site.ID}
		return v
	})
	if err != nil {
		return err
	}
	h.gauge.WithLabelValues("visitor").Inc()
	go cl.base().ws.ReadLoop() // see ServeAgent
	return nil
}

func (v *visitorClient) onClose() {
	h := v.h
	h.gauge.WithLabelValues("visitor").Dec()
	// Out of the maps first, under the hub's lock, so adopt cannot move a closed socket.
	h.mu.Lock()
	v.mu.Lock()
	cid, sess := v.contactID, v.sess
	v.mu.Unlock()
	if cid != 0 {
		forget(h.visitors, cid, v)
	} else if sess != nil {
		forget(h.pending, sess.Visitor.ID, v)
	}
	h.mu.Unlock()
	v.countMu.Lock()
	v.gone = true
	if v.counted {
		v.counted = false
		v.mu.Lock()
		cid = v.contactID // adopt may have given it one meanwhile
		v.mu.Unlock()
		h.visitorClosed(cid, v.inboxID)
	}
	liveID := v.liveID
	v.countMu.Unlock()
	if liveID != "" {
		h.unlinkLive(v, liveID)
	}
}

// forget removes v from the set of key, and the set when it is empty.
func forget(m map[int64]map[*visitorClient]struct{}, key int64, v *visitorClient) {
	delete(m[key], v)
	if len(m[key]) == 0 {
		delete(m, key)
	}
}

// keep adds v to the set of key.
func keep(m map[int64]map[*visitorClient]struct{}, key int64, v *visitorClient) {
	if m[key] == nil {
		m[key] = map[*visitorClient]struct{}{}
	}
	m[key][v] = struct{}{}
}

// adopt moves the sockets of c's visitor that were waiting for a contact (pending) to c's contact:
// on every node, their first conversation reaches them, and they count as on the site from then.
func (h *Hub) adopt(c *conversation.Conversation) {
	if c.VisitorID == 0 || c.ContactID == 0 {
		return
	}
	h.mu.RLock()
	var list []*visitorClient
	for v := range h.pending[c.VisitorID] {
		if v.inboxID == c.InboxID {
			list = append(list, v)
		}
	}
	h.mu.RUnlock()
	for _, v := range list {
		h.promote(v, c.ContactID, c)
	}
}

// promote moves a pending socket to the contact its visitor now has (a no-op for a socket that
// closed or was moved already), counts it as on the site and links its browser on the Visitors
// screen to the contact. c is the contact's conversation, nil when not known.
func (h *Hub) promote(v *visitorClient, contactID int64, c *conversation.Conversation) {
	sess := v.session()
	if sess == nil || contactID == 0 {
		return
	}
	h.mu.Lock()
	if _, ok := h.pending[sess.Visitor.ID][v]; !ok {
		h.mu.Unlock()
		return
	}
	forget(h.pending, sess.Visitor.ID, v)
	v.mu.Lock()
	v.contactID = contactID
	v.mu.Unlock()
	keep(h.visitors, contactID, v)
	h.mu.Unlock()
	v.countMu.Lock()
	liveID := ""
	if !v.gone && !v.counted {
		v.counted = true
		h.visitorOpened(contactID, v.inboxID, c)
		liveID = v.liveID
	}
	v.countMu.Unlock()
	if liveID != "" {
		h.linkLive(v, liveID, contactID)
	}
}

// promoted moves the socket out of pending once its own session has a contact (it wrote, or its
// first read found the contact another tab made). c is the conversation, when known.
func (v *visitorClient) promoted(sess *widget.Session, c *conversation.Conversation) {
	if id := sess.ContactID(); id != 0 {
		v.h.promote(v, id, c)
	}
}

// visitorFrame is a command from the widget.
type visitorFrame struct {
	T            string `json:"t"`
	Token        string `json:"token"`
	ClientID     string `json:"client_id"`
	Body         string `json:"body"`
	AttachmentID int64  `json:"attachment_id"`
	Seq          int64  `json:"seq"`
	On           bool   `json:"on"`
	URL          string `json:"url"`
	Title        string `json:"title"`
	// Responses to bot cards.
	CardID   string `json:"card_id"`
	AnswerID string `json:"answer_id"`
	Value    string `json:"value"`
	Version  string `json:"version"`
	Accepted bool   `json:"accepted"`
	// Live is the browser's live id (the loader's), in the auth frame.
	Live string `json:"live"`
}

func (v *visitorClient) session() *widget.Session {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.sess
}

func (v *visitorClient) onFrame(ctx context.Context, data []byte) {
	var f visitorFrame
	if err := clienttext.DecodeFrame(data, &f, notAFrame); err != nil {
		_ = json.Unmarshal(data, &f) // refused text: the frame's ref still says what was refused
		v.conn.Send(errorFrame(f.ClientID, err))
		return
	}
	if f.T == "ping" {
		v.conn.Send([]byte(`{"t":"pong"}`))
		return
	}
	sess := v.session()
	if f.T == "auth" {
		if sess != nil {
			return
		}
		v.authenticate(ctx, f)
		return
	}
	if sess == nil {
		v.conn.CloseAfter(errorFrame(f.ClientID, errs.E(errs.Unauthenticated, "send {\"t\":\"auth\",\"token\":…} first")))
		return
	}
	switch f.T {
	case "send":
		c, m, err := v.w.Send(ctx, sess, v.ip, conversation.MessageInput{Body: f.Body, ClientID: f.ClientID, AttachmentID: f.AttachmentID})
		v.promoted(sess, c)
		if err != nil {
			v.conn.Send(errorFrame(f.ClientID, err))
			return
		}
		b, _ := json.Marshal(map[string]any{"t": "ack", "client_id": f.ClientID, "conversation_id": m.ConversationID, "seq": m.Seq, "id": m.ID})
		v.conn.Send(b)
	case "answer", "capture", "consent":
		m, err := v.w.Respond(ctx, sess, v.ip, bot.Response{Kind: conversation.Kind(f.T), CardID: f.CardID, AnswerID: f.AnswerID,
			Value: f.Value, Version: f.Version, Accepted: f.Accepted, ClientID: f.ClientID})
		v.promoted(sess, nil)
		if err != nil {
			ref := f.ClientID
			if errs.Is(err, errs.Invalid) || errs.Is(err, errs.Conflict) {
				ref = f.CardID // the card shows the error (capture_invalid, card_invalid, consent_version_stale)
			}
			v.conn.Send(errorFrame(ref, err))
			return
		}
		b, _ := json.Marshal(map[string]any{"t": "ack", "client_id": f.ClientID, "conversation_id": m.ConversationID, "seq": m.Seq, "id": m.ID})
		v.conn.Send(b)
	case "start":
		c, err := v.w.StartBot(ctx, sess, v.ip, f.URL)
		v.promoted(sess, c)
		if err != nil && !errs.Is(err, errs.NotFound) {
			v.conn.Send(errorFrame(f.ClientID, err))
			return
		}
		out := map[string]any{"t": "ack", "client_id": f.ClientID, "conversation_id": nil}
		if err == nil { // otherwise no playbook runs on the page
			out["conversation_id"], out["seq"] = c.ID, c.LastSeq
		}
		b, _ := json.Marshal(out)
		v.conn.Send(b)
	case "resume":
		v.promoted(sess, v.sendConversation(ctx, sess, f.Seq, "conversation"))
	case "read":
		if err := v.w.MarkRead(ctx, sess, 0, f.Seq); err != nil && !errs.Is(err, errs.NotFound) {
			v.conn.Send(errorFrame("", err))
		}
	case "typing":
		if err := v.w.Typing(ctx, sess, f.On); err != nil {
			v.conn.Send(errorFrame("", err))
		}
	case "page":
		if err := v.w.PageView(ctx, sess, f.URL, f.Title); err != nil {
			v.conn.Send(errorFrame("", err))
		} else if cid := v.contact(); cid != 0 {
			v.h.visitorPage(cid, v.inboxID)
		}
	default:
		v.conn.Send(errorFrame(f.ClientID, errs.E(errs.Invalid, "unknown frame type %q", f.T)))
	}
}

func (v *visitorClient) authenticate(ctx context.Context, f visitorFrame) {
	sess, err := v.w.Authenticate(ctx, v.site, strings.TrimSpace(f.Token), v.ip, v.ua)
	if err != nil {
		v.conn.CloseAfter(errorFrame("auth", err))
		return
	}
	// A visitor with no contact yet waits in pending: nothing is sent to them until they have one.
	cid := sess.ContactID()
	h := v.h
	h.mu.Lock()
	v.mu.Lock()
	v.sess, v.contactID = sess, cid
	v.mu.Unlock()
	if cid != 0 {
		keep(h.visitors, cid, v)
	} else {
		keep(h.pending, sess.Visitor.ID, v)
	}
	h.mu.Unlock()
	if validLiveID(f.Live) {
		// The browser's loader is on the Visitors screen: it is this contact now. An agent's
		// invitation waiting for it starts the chat before the widget reads its conversation.
		v.countMu.Lock()
		gone := v.gone
		if !gone {
			v.liveID = f.Live
		}
		v.countMu.Unlock()
		if !gone {
			h.linkLive(v, f.Live, cid)
			h.acceptInvite(v, liveKey{f.Live, v.inboxID})
		}
	}
	c := v.sendConversation(ctx, sess, 0, "ready")
	if cid == 0 {
		v.promoted(sess, c) // another tab may have made the contact since this session was read
		return
	}
	v.countMu.Lock()
	if !v.gone {
		v.counted = true
		h.visitorOpened(cid, v.inboxID, c)
	}
	v.countMu.Unlock()
}

// contact is the contact the socket is registered under; 0 while it waits for one.
func (v *visitorClient) contact() int64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.contactID
}

// awayOf says whether the website is outside its business hours at now, and its away message
// (empty: the widget's own words).
func awayOf(site *inbox.Website, now time.Time) (string, bool) {
	if site == nil || site.OpenAt(now) {
		return "", false
	}
	return site.BusinessHours.AwayMessage, true
}

// sendConversation sends the visitor's conversation with the entries after seq (all when 0), and
// returns the conversation (nil when there is none or it could not be read).
func (v *visitorClient) sendConversation(ctx context.Context, sess *widget.Session, after int64, t string) *conversation.Conversation {
	h := v.h
	online, err := v.w.AgentsAvailable(ctx, sess)
	if err != nil {
		v.conn.Send(errorFrame("", err))
		return nil
	}
	frame := map[string]any{"t": t, "agents_available": online}
	if away, closed := awayOf(sess.Site, h.now()); closed {
		frame["away"] = away // outside business hours: the widget shows the away message
	}
	c, msgs, err := v.w.Conversation(ctx, sess, after)
	switch {
	case err == nil:
		from, to := seqRange(msgs)
		frame["conversation"], frame["messages"], frame["from_seq"], frame["to_seq"] = toVisitorView(c), h.toVisitorMessages(msgs), from, to
	case errs.Is(err, errs.NotFound):
		c = nil
		frame["conversation"], frame["messages"] = nil, []visitorMessage{}
	default:
		v.conn.Send(errorFrame("", err))
		return nil
	}
	b, _ := json.Marshal(frame)
	v.conn.Send(b)
	return c
}
