package realtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/bot"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/widget"
	"github.com/parleyhq/parley/internal/wstest"
)

// The fixtures in testdata/protocol are the wire protocol of the two sockets as documented in
// docs/widget-protocol.md; the widget's and the inbox's TypeScript tests read them too. This test
// checks that every frame the code sends has exactly the keys of its fixture, at every level and of
// the same JSON types (the values may differ), so renaming, adding or dropping a field breaks it;
// that every command fixture decodes strictly into the frame type the socket reads and is a command
// the socket handles; and that the bot card fixtures (defined ahead of the playbook engine) parse.

const fixtureDir = "testdata/protocol"

func TestProtocolFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in %s: %v", fixtureDir, err)
	}
	fx := &fixtures{t: t, covered: map[string]bool{}}
	t.Run("frames built from the types", fx.framesFromTypes)
	t.Run("frames over real sockets", fx.framesOverSockets)
	t.Run("commands decode strictly", fx.commandsDecode)
	t.Run("bot cards", fx.botCards)
	if t.Failed() {
		return
	}
	for _, f := range files {
		if name := filepath.Base(f); !fx.covered[name] {
			t.Errorf("%s is checked by no test: add it to protocol_test.go", name)
		}
	}
}

type fixtures struct {
	t       *testing.T
	mu      sync.Mutex
	covered map[string]bool
}

func (fx *fixtures) read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	fx.mu.Lock()
	fx.covered[name] = true
	fx.mu.Unlock()
	return b
}

// same checks that the frame the code produced has the fixture's shape.
func (fx *fixtures) same(t *testing.T, name string, produced []byte) {
	t.Helper()
	want, got := decodeAny(t, name, fx.read(t, name)), decodeAny(t, "the produced frame", produced)
	if diffs := shapeDiff("$", want, got); len(diffs) > 0 {
		t.Errorf("%s does not match what the code sends:\n  %s\nproduced: %s", name, strings.Join(diffs, "\n  "), produced)
	}
}

func decodeAny(t *testing.T, what string, b []byte) any {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s is not JSON: %v", what, err)
	}
	return v
}

func jsonType(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// shapeDiff lists where got's keys or JSON types differ from want's. Arrays are compared element by
// element and must be as long.
func shapeDiff(path string, want, got any) []string {
	if jsonType(want) != jsonType(got) {
		return []string{fmt.Sprintf("%s: the fixture has %s, the code sends %s", path, jsonType(want), jsonType(got))}
	}
	var out []string
	switch w := want.(type) {
	case map[string]any:
		g := got.(map[string]any)
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			wv, inWant := w[k]
			gv, inGot := g[k]
			switch {
			case !inGot:
				out = append(out, fmt.Sprintf("%s.%s: in the fixture, not sent by the code", path, k))
			case !inWant:
				out = append(out, fmt.Sprintf("%s.%s: sent by the code, not in the fixture", path, k))
			default:
				out = append(out, shapeDiff(path+"."+k, wv, gv)...)
			}
		}
	case []any:
		g := got.([]any)
		if len(w) != len(g) {
			return []string{fmt.Sprintf("%s: the fixture has %d elements, the code sends %d", path, len(w), len(g))}
		}
		for i := range w {
			out = append(out, shapeDiff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
	}
	return out
}

func testRender(s string) string { return "<p>" + html.EscapeString(s) + "</p>" }

// The story the fixtures tell: Ana Berger (contact 31, visitor 57) asks the Shop website (inbox 3)
// about shipping; Jana Novak (user 12) takes the chat; Tom Berg (user 14) is a colleague.
var (
	jana = &auth.User{ID: 12, Name: "Jana Novak", AvatarURL: "/avatars/12.png", Role: auth.Agent}
	// Tom is an admin: he sees Jana's conversation in the private inbox, and so its typing. Eva is
	// an agent: a conversation assigned to Jana is hidden from her.
	tom  = &auth.User{ID: 14, Name: "Tom Berg", AvatarURL: "/avatars/14.png", Role: auth.Admin}
	eva  = &auth.User{ID: 15, Name: "Eva Lind", Role: auth.Agent}
	shop = &inbox.Website{Inbox: inbox.Inbox{ID: 3, Kind: inbox.Web, Name: "Shop", Visibility: inbox.Private, ReopenPolicy: inbox.Final, InstallerID: 1},
		PublicKey: "pk_x8Rb2LqN4vTz7hKc", AllowedDomains: []string{"shop.example"}, TimeZone: "Europe/Vienna"}
)

const (
	anaToken   = "pv_3q2-7wZr8YkTn0cVb1xGm5LdQe9sHfJaUo4iPz6lKyE" // as in visitor-cmd-auth.json
	newToken   = "pv_Zk0aN3wq8Ly2Rb5Tc7Vd1Xe4Gf6Hh9Jj0Kk2Mm4Nn6P" // a visitor without a conversation
	conv4821   = int64(4821)
	hiddenConv = int64(4830)
)

// liveConversation is conversation 4821 just after Jana's first reply.
func liveConversation() *conversation.Conversation {
	return &conversation.Conversation{ID: conv4821, InboxID: 3, Channel: inbox.Web, ContactID: 31, VisitorID: 57, Status: conversation.Open,
		AssigneeID: 12, TeamID: 2, LastSeq: 5, ContactReadSeq: 2, Preview: "Hi! Yes, we ship to Austria within 3 working days.",
		CreatedAt: 1767364205123, UpdatedAt: 1767364252017, LastMessageAt: 1767364252017, FirstResponseAt: 1767364252017,
		JoinedAt: 1767364251840, ContactName: "Ana Berger"}
}

// firstReply is the change Jana's first reply commits: the joined line and the reply.
func firstReply() []conversation.Message {
	return []conversation.Message{
		{ID: 90318, ConversationID: conv4821, Seq: 4, SenderKind: conversation.FromSystem, Kind: conversation.EventKind, CreatedAt: 1767364251840,
			Event: &conversation.Event{Type: conversation.EventJoined, ActorID: 12, ActorName: "Jana Novak", UserID: 12, UserName: "Jana Novak"}},
		{ID: 90319, ConversationID: conv4821, Seq: 5, SenderKind: conversation.FromAgent, SenderID: 12, SenderName: "Jana Novak",
			SenderAvatar: "/avatars/12.png", Kind: conversation.Text, Body: "Hi! Yes, we ship to Austria within 3 working days.",
			ClientID: "a-m2c7-1", CreatedAt: 1767364252017},
	}
}

// fullLog is what Ana may read of conversation 4821 when her widget connects (seq 3, a note, is
// left out by the store).
func fullLog() []conversation.Message {
	return append([]conversation.Message{
		{ID: 90307, ConversationID: conv4821, Seq: 1, SenderKind: conversation.FromBot, SenderName: "Shop assistant", Kind: conversation.Rich,
			Body: "Hi! Questions about your order? See our **shipping rates**: https://shop.example/shipping", CreatedAt: 1767364190002},
		{ID: 90311, ConversationID: conv4821, Seq: 2, SenderKind: conversation.FromVisitor, SenderName: "Ana Berger", Kind: conversation.Text,
			Body: "Hi, do you ship to Austria?", ClientID: "c-lq3x9k-1", CreatedAt: 1767364205123},
	}, firstReply()...)
}

// resumedConversation is 4821 as an agent's resume reads it, two entries later.
func resumedConversation() *conversation.Conversation {
	return &conversation.Conversation{ID: conv4821, InboxID: 3, Channel: inbox.Web, ContactID: 31, VisitorID: 57, Status: conversation.Open,
		AssigneeID: 12, LastSeq: 7, ContactReadSeq: 4, Preview: "Great, and how long does delivery take?",
		CreatedAt: 1767364205123, UpdatedAt: 1767364390502, LastMessageAt: 1767364390502, FirstResponseAt: 1767364252017,
		JoinedAt: 1767364251840, ContactName: "Ana Berger", Unread: 1}
}

func resumedLog() []conversation.Message {
	return []conversation.Message{
		{ID: 90330, ConversationID: conv4821, Seq: 6, SenderKind: conversation.FromAgent, SenderID: 14, SenderName: "Tom Berg",
			SenderAvatar: "/avatars/14.png", Kind: conversation.Note, Body: "Returning customer: gave **10%** last time",
			ClientID: "a-9xq2-4", CreatedAt: 1767364301977},
		{ID: 90342, ConversationID: conv4821, Seq: 7, SenderKind: conversation.FromVisitor, SenderName: "Ana Berger", Kind: conversation.Text,
			Body: "Great, and how long does delivery take?", ClientID: "c-lq3x9k-2", CreatedAt: 1767364390502},
	}
}

// closedConversation is 4821 closed and rated, as Ana's resume after seq 7 reads it.
func closedConversation() (*conversation.Conversation, []conversation.Message) {
	c := resumedConversation()
	c.Status, c.LastSeq, c.ContactReadSeq, c.Rating, c.ClosedAt = conversation.Closed, 9, 6, 5, 1767365011230
	return c, []conversation.Message{{ID: 90350, ConversationID: conv4821, Seq: 8, SenderKind: conversation.FromSystem, Kind: conversation.EventKind,
		CreatedAt: 1767365011230, Event: &conversation.Event{Type: conversation.EventClosed, ActorID: 12, ActorName: "Jana Novak"}}}
}

func (fx *fixtures) framesFromTypes(t *testing.T) {
	h := &Hub{o: Options{Render: testRender}}
	c, msgs := liveConversation(), firstReply()
	from, to := seqRange(msgs)

	b, _ := json.Marshal(changeFrame{T: "conversation", Conversation: c, Messages: h.withHTML(msgs), FromSeq: from, ToSeq: to})
	fx.same(t, "agent-conversation.json", b)
	rc, rmsgs := resumedConversation(), resumedLog()
	from, to = seqRange(rmsgs)
	b, _ = json.Marshal(changeFrame{T: "conversation", Conversation: rc, Messages: h.withHTML(rmsgs), FromSeq: from, ToSeq: to})
	fx.same(t, "agent-conversation-resume.json", b)

	from, to = seqRange(msgs)
	b, _ = json.Marshal(visitorChangeFrame{T: "conversation", Conversation: toVisitorView(c), Messages: h.toVisitorMessages(msgs), FromSeq: from, ToSeq: to})
	fx.same(t, "visitor-conversation.json", b)

	b, _ = json.Marshal(idFrame{T: "hidden", ConversationID: hiddenConv})
	fx.same(t, "agent-hidden.json", b)
	b, _ = json.Marshal(idFrame{T: "deleted", ConversationID: conv4821})
	fx.same(t, "agent-deleted.json", b)
	fx.same(t, "visitor-deleted.json", b)

	fx.same(t, "visitor-error.json", errorFrame("c-lq3x9k-3", errs.Coded(errs.RateLimited, "too_many_messages", "you are sending messages too quickly; wait a moment")))
	fx.same(t, "agent-error.json", errorFrame("r-17", errs.E(errs.NotFound, "conversation not found")))
	fx.same(t, "resync.json", frameResync)
}

// The sockets: a real hub behind a real HTTP server, with the database, the bus and presence faked.

type fakeBus struct {
	mu         sync.Mutex
	subs       map[string][]func(string, []byte)
	subscribed chan struct{} // rung by every Subscribe; made on first use
}

func (b *fakeBus) Publish(_ context.Context, subject string, data []byte) error {
	b.mu.Lock()
	fns := slices.Clone(b.subs[subject])
	b.mu.Unlock()
	for _, fn := range fns {
		fn(subject, data)
	}
	return nil
}

func (b *fakeBus) Subscribe(_ context.Context, subject string, fn func(string, []byte)) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.subs[subject] = append(b.subs[subject], fn)
	select {
	case b.ring() <- struct{}{}:
	default:
	}
	return nil
}

// ring is the channel Subscribe rings (b.mu held).
func (b *fakeBus) ring() chan struct{} {
	if b.subscribed == nil {
		b.subscribed = make(chan struct{}, 1)
	}
	return b.subscribed
}

// waitSubscriptions waits up to 10 s until the bus has n subscriptions (a hub subscribes as it
// starts running).
func (b *fakeBus) waitSubscriptions(t *testing.T, n int) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		b.mu.Lock()
		got, rung := b.count(), b.ring()
		b.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-rung:
		case <-deadline.C:
			t.Fatalf("%d bus subscriptions within 10 s, want %d", got, n)
		}
	}
}

func (b *fakeBus) subscriptions() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.count()
}

func (b *fakeBus) count() int {
	n := 0
	for _, fns := range b.subs {
		n += len(fns)
	}
	return n
}

type fakePresence struct{}

func (fakePresence) Connect(int64) func()                           { return func() {} }
func (fakePresence) Available(_ context.Context, userID int64) bool { return userID == jana.ID }
func (fakePresence) OnlineUsers() []int64                           { return []int64{jana.ID, tom.ID} }
func (fakePresence) Changed() <-chan struct{}                       { return nil }
func (fakePresence) TakeChanged() []int64                           { return nil }

// fakeConversations answers for conversation 4821; its signals go out on feed (may be nil).
type fakeConversations struct{ feed *event.Feed }

func (fakeConversations) AccessTo(_ context.Context, u *auth.User, inboxID int64) (conversation.Access, error) {
	if inboxID != shop.ID {
		return conversation.Access{}, errs.E(errs.NotFound, "inbox not found")
	}
	return conversation.Access{User: u, Inbox: &shop.Inbox, Member: true}, nil
}

func (f fakeConversations) Accesses(ctx context.Context, u *auth.User) (map[int64]conversation.Access, error) {
	return map[int64]conversation.Access{}, nil
}

func (fakeConversations) History(_ context.Context, _ *auth.User, id, afterSeq, _ int64, _ int) ([]conversation.Message, error) {
	if id != conv4821 {
		return nil, errs.E(errs.NotFound, "conversation not found")
	}
	var out []conversation.Message
	for _, m := range resumedLog() {
		if m.Seq > afterSeq {
			out = append(out, m)
		}
	}
	return out, nil
}

func (f fakeConversations) Typing(ctx context.Context, u *auth.User, id int64, on bool) error {
	if id != conv4821 {
		return errs.E(errs.NotFound, "conversation not found")
	}
	c := resumedConversation()
	if f.feed != nil {
		f.feed.Signal(ctx, conversation.SignalTyping, conversation.TypingSignal{ConversationID: c.ID, InboxID: c.InboxID,
			ContactID: c.ContactID, From: "agent", UserID: u.ID, Name: u.Name, On: on,
			Visibility: conversation.Visibility{Status: c.Status, AssigneeID: c.AssigneeID}})
	}
	return nil
}

func (fakeConversations) Get(_ context.Context, _ *auth.User, id int64) (*conversation.Conversation, conversation.Allowed, error) {
	if id != conv4821 {
		return nil, conversation.Allowed{}, errs.E(errs.NotFound, "conversation not found")
	}
	return resumedConversation(), conversation.Allowed{Reply: true, Note: true}, nil
}

// fakeWidget is the visitor side; its signals go out on feed (may be nil).
type fakeWidget struct{ feed *event.Feed }

func (fakeWidget) Authenticate(_ context.Context, site *inbox.Website, token, _, _ string) (*widget.Session, error) {
	var contactID int64
	switch token {
	case anaToken:
		contactID = 31
	case newToken:
		contactID = 32
	default:
		return nil, errs.Coded(errs.Unauthenticated, "visitor_token_invalid", "the visitor token is not valid for this website")
	}
	return widget.NewSession(site, &contact.Visitor{ID: contactID + 26, WebsiteID: site.ID, ContactID: contactID},
		&contact.Contact{ID: contactID, WebsiteID: site.ID}, ""), nil
}

func (fakeWidget) AgentsAvailable(context.Context, *widget.Session) (int, error) { return 2, nil }

func (fakeWidget) Send(_ context.Context, _ *widget.Session, _ string, in conversation.MessageInput) (*conversation.Conversation, *conversation.Message, error) {
	if strings.HasPrefix(in.ClientID, "flood") {
		return nil, nil, errs.Coded(errs.RateLimited, "too_many_messages", "you are sending messages too quickly; wait a moment")
	}
	m := resumedLog()[1]
	return resumedConversation(), &m, nil
}

func (fakeWidget) Conversation(_ context.Context, s *widget.Session, afterSeq int64) (*conversation.Conversation, []conversation.Message, error) {
	if s.ContactID() != 31 {
		return nil, nil, errs.E(errs.NotFound, "conversation not found")
	}
	switch {
	case afterSeq == 0:
		c := liveConversation()
		c.ContactReadSeq = 4
		return c, fullLog(), nil
	case afterSeq >= 1<<62: // the socket asks for the conversation only
		return liveConversation(), nil, nil
	}
	c, msgs := closedConversation()
	return c, msgs, nil
}

func (fakeWidget) MarkRead(context.Context, *widget.Session, int64, int64) error { return nil }

func (f fakeWidget) Typing(ctx context.Context, s *widget.Session, on bool) error {
	c := resumedConversation()
	if f.feed != nil {
		f.feed.Signal(ctx, conversation.SignalTyping, conversation.TypingSignal{ConversationID: c.ID, InboxID: c.InboxID,
			ContactID: s.ContactID(), From: "visitor", On: on, Visibility: conversation.Visibility{Status: c.Status, AssigneeID: c.AssigneeID}})
	}
	return nil
}
func (fakeWidget) StartBot(context.Context, *widget.Session, string, string) (*conversation.Conversation, error) {
	return nil, nil
}
func (fakeWidget) Respond(_ context.Context, _ *widget.Session, _ string, r bot.Response) (*conversation.Message, error) {
	return nil, errs.Coded(errs.Invalid, "card_invalid", "card %q: no bot in this test", r.CardID)
}
func (fakeWidget) PageView(context.Context, *widget.Session, string, string) error {
	return nil
}

func (fx *fixtures) framesOverSockets(t *testing.T) {
	bus := &fakeBus{subs: map[string][]func(string, []byte){}}
	feed := testFeed(t, bus)
	h := NewHub(Options{Bus: bus, Feed: feed, Presence: fakePresence{}, Conversations: fakeConversations{feed}, Directory: testDirectory(t, nil),
		Render: testRender})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := h.Run(ctx); err != nil {
			t.Errorf("hub: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); waitDone(t, "the hub", done) })
	bus.waitSubscriptions(t, 2)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /agent/{id}", func(w http.ResponseWriter, r *http.Request) {
		u := map[string]*auth.User{"12": jana, "14": tom, "15": eva}[r.PathValue("id")]
		if err := h.ServeAgent(w, r, u); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	mux.HandleFunc("GET /visitor", func(w http.ResponseWriter, r *http.Request) {
		if err := h.ServeVisitor(w, r, fakeWidget{feed}, shop, "203.0.113.7"); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	ws := "ws" + strings.TrimPrefix(srv.URL, "http")

	// Agents connect: hello, then presence.
	janaWS, tomWS, evaWS := wstest.DialNamed(t, "jana", ws+"/agent/12", nil), wstest.DialNamed(t, "tom", ws+"/agent/14", nil), wstest.DialNamed(t, "eva", ws+"/agent/15", nil)
	hello := janaWS.NextRaw("hello", 0)
	fx.same(t, "agent-hello.json", hello)
	tomWS.NextRaw("hello", 0)
	evaWS.NextRaw("hello", 0)
	from := janaWS.Mark()
	h.PresenceChanged(tom.ID)
	presence := janaWS.NextRaw("presence", from)
	fx.same(t, "agent-presence.json", presence)
	// Tom has the inbox open but is not available: "Agents online" counts only Jana.
	if !bytes.Contains(hello, []byte(`"online_agents":[12]`)) || !bytes.Contains(presence, []byte(`"online_agents":1`)) {
		t.Errorf("online_agents counts agents who are not available:\n%s\n%s", hello, presence)
	}

	// A visitor's socket: auth, ready. One without a conversation gets an empty ready.
	ana := wstest.DialNamed(t, "ana", ws+"/visitor", nil)
	ana.Send(fx.read(t, "visitor-cmd-auth.json"))
	fx.same(t, "visitor-ready.json", ana.NextRaw("ready", 0))
	// Agents who see her conversation learn she is on the site.
	fx.same(t, "agent-visitor.json", tomWS.NextRaw("visitor", 0))
	newcomer := wstest.DialNamed(t, "newcomer", ws+"/visitor", nil)
	newcomer.Send([]byte(`{"t":"auth","token":"` + newToken + `"}`))
	fx.same(t, "visitor-ready-empty.json", newcomer.NextRaw("ready", 0))

	// Every visitor command fixture is a command the socket handles.
	cmds, _ := filepath.Glob(filepath.Join(fixtureDir, "visitor-cmd-*.json"))
	agentFrom := tomWS.Mark()
	for _, f := range cmds {
		name := filepath.Base(f)
		if name == "visitor-cmd-auth.json" {
			continue
		}
		from := ana.RoundTrip(fx.read(t, name))
		for _, e := range ana.Since("error", from) {
			t.Errorf("%s: the socket answered with an error: %s", name, e)
		}
		switch name {
		case "visitor-cmd-send.json":
			fx.same(t, "visitor-ack.json", ana.NextRaw("ack", from))
		case "visitor-cmd-resume.json":
			fx.same(t, "visitor-conversation-resume.json", ana.NextRaw("conversation", from))
		case "visitor-cmd-ping.json":
			fx.same(t, "pong.json", ana.NextRaw("pong", from))
		case "visitor-cmd-typing.json":
			fx.same(t, "agent-typing-visitor.json", tomWS.NextRaw("typing", agentFrom))
		}
	}
	// A refused send answers with an error frame whose ref is the client id.
	from = ana.RoundTrip([]byte(`{"t":"send","client_id":"flood-1","body":"hello?"}`))
	e := ana.NextRaw("error", from)
	fx.same(t, "visitor-error.json", e)
	if !strings.Contains(string(e), `"ref":"flood-1"`) {
		t.Errorf("error frame %s: want ref flood-1", e)
	}
	// A socket that skips auth is closed. It should first get an error frame, but today the frame
	// queued just before Conn.Close is lost (Close does not wait for the queue to flush; the same
	// happens to a failed auth), so its shape is checked only when it arrives.
	skipper := wstest.DialNamed(t, "skipper", ws+"/visitor", nil)
	skipper.Send([]byte(`{"t":"send","client_id":"c-1","body":"hi"}`))
	if !skipper.WaitClosed(10 * time.Second) {
		t.Error("a socket that sent no auth frame stays open")
	}
	for _, e := range skipper.Since("error", 0) {
		fx.same(t, "visitor-error.json", e)
	}

	// Every agent command fixture is a command the socket handles.
	cmds, _ = filepath.Glob(filepath.Join(fixtureDir, "agent-cmd-*.json"))
	tomFrom, anaFrom := tomWS.Mark(), ana.Mark()
	for _, f := range cmds {
		name := filepath.Base(f)
		from := janaWS.RoundTrip(fx.read(t, name))
		for _, e := range janaWS.Since("error", from) {
			t.Errorf("%s: the socket answered with an error: %s", name, e)
		}
		switch name {
		case "agent-cmd-resume.json":
			fx.same(t, "agent-conversation-resume.json", janaWS.NextRaw("conversation", from))
			if hidden := janaWS.Since("hidden", from); len(hidden) != 1 || !strings.Contains(string(hidden[0]), strconv.FormatInt(hiddenConv, 10)) {
				t.Errorf("resume of a conversation the agent may not see: want one hidden frame for %d, got %s", hiddenConv, hidden)
			}
		case "agent-cmd-typing.json":
			fx.same(t, "agent-typing.json", tomWS.NextRaw("typing", tomFrom))
			fx.same(t, "visitor-typing.json", ana.NextRaw("typing", anaFrom))
		case "agent-cmd-ping.json":
			fx.same(t, "pong.json", janaWS.NextRaw("pong", from))
		}
	}
	from = janaWS.RoundTrip([]byte(`{"t":"typing","ref":"r-18","conversation_id":999,"on":true}`))
	fx.same(t, "agent-error.json", janaWS.NextRaw("error", from))

	// A committed change: the assignee gets the conversation, a colleague who may not see it (a
	// private inbox) gets hidden, the visitor their view of it.
	janaFrom := janaWS.Mark()
	evaFrom := evaWS.Mark()
	anaFrom = ana.Mark()
	publishChange(t, feed, conversation.Change{Conversation: liveConversation(), Messages: firstReply()})
	fx.same(t, "agent-conversation.json", janaWS.NextRaw("conversation", janaFrom))
	fx.same(t, "agent-hidden.json", evaWS.NextRaw("hidden", evaFrom))
	fx.same(t, "visitor-conversation.json", ana.NextRaw("conversation", anaFrom))

	janaFrom, anaFrom = janaWS.Mark(), ana.Mark()
	publishChange(t, feed, conversation.Change{Conversation: liveConversation(), Deleted: true})
	fx.same(t, "agent-deleted.json", janaWS.NextRaw("deleted", janaFrom))
	fx.same(t, "visitor-deleted.json", ana.NextRaw("deleted", anaFrom))
}

func (fx *fixtures) commandsDecode(t *testing.T) {
	for _, side := range []struct {
		prefix string
		into   func() any
	}{
		{"visitor-cmd-", func() any { return &visitorFrame{} }},
		{"agent-cmd-", func() any { return &agentFrame{} }},
	} {
		files, _ := filepath.Glob(filepath.Join(fixtureDir, side.prefix+"*.json"))
		if len(files) == 0 {
			t.Errorf("no %s*.json fixtures", side.prefix)
		}
		for _, f := range files {
			name := filepath.Base(f)
			dst := side.into()
			dec := json.NewDecoder(bytes.NewReader(fx.read(t, name)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(dst); err != nil {
				t.Errorf("%s does not decode into %T: %v", name, dst, err)
				continue
			}
			var typ string
			switch v := dst.(type) {
			case *visitorFrame:
				typ = v.T
			case *agentFrame:
				typ = v.T
			}
			if name != side.prefix+typ+".json" {
				t.Errorf("%s: \"t\" is %q; name the file after it", name, typ)
			}
		}
	}
}

// botCards checks the fixtures of the planned playbook cards: JSON objects with a "t" (frames,
// commands) or a "kind" (log entries). The card error frame is an error frame of today's shape.
func (fx *fixtures) botCards(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(fixtureDir, "bot-*.json"))
	if len(files) == 0 {
		t.Fatal("no bot card fixtures")
	}
	for _, f := range files {
		name := filepath.Base(f)
		var obj map[string]any
		if err := json.Unmarshal(fx.read(t, name), &obj); err != nil {
			t.Errorf("%s is not a JSON object: %v", name, err)
			continue
		}
		tv, hasT := obj["t"].(string)
		kv, hasKind := obj["kind"].(string)
		if (!hasT || tv == "") && (!hasKind || kv == "") {
			t.Errorf("%s has neither a \"t\" nor a \"kind\"", name)
		}
		if kv == "card" {
			card, _ := obj["card"].(map[string]any)
			if id, _ := card["id"].(string); id == "" {
				t.Errorf("%s: a card needs an id", name)
			}
			if typ, _ := card["type"].(string); !slices.Contains([]string{"message", "question", "capture", "consent", "live_chat"}, typ) {
				t.Errorf("%s: unknown card type %q", name, typ)
			}
		}
	}
	fx.same(t, "bot-error-capture-invalid.json", errorFrame("crd_email_1", errs.Coded(errs.Invalid, "capture_invalid", "Please enter a valid email address.")))
}

// waitDone waits up to 10 s for a goroutine to end (done closed) after its context was cancelled.
func waitDone(t *testing.T, what string, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Errorf("%s did not stop within 10 s of its context's end", what)
	}
}
