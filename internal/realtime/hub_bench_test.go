package realtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lxzan/gws"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
)

// BenchmarkHubFanout: one committed change (a visitor's message) as it arrives from the bus,
// decoded, encoded once per audience and written to every agent socket of the node, over real
// loopback WebSockets. One operation is one message delivered to all agents. Run with
//
//	go test ./internal/realtime -run '^$' -bench HubFanout -benchmem
//
// The readers run in the same process and share its cores, as the load generator does.

type benchBus struct{}

func (benchBus) Publish(context.Context, string, []byte) error                 { return nil }
func (benchBus) Subscribe(context.Context, string, func(string, []byte)) error { return nil }

type benchPresence struct{}

func (benchPresence) Connect(int64) func()                  { return func() {} }
func (benchPresence) Available(context.Context, int64) bool { return true }
func (benchPresence) OnlineUsers() []int64                  { return nil }
func (benchPresence) Changed() <-chan struct{}              { return nil }
func (benchPresence) TakeChanged() []int64                  { return nil }

type benchConvs struct{ inbox *inbox.Inbox }

func (c benchConvs) AccessTo(_ context.Context, u *auth.User, _ int64) (conversation.Access, error) {
	return conversation.Access{User: u, Inbox: c.inbox, Member: true}, nil
}

func (c benchConvs) Accesses(_ context.Context, u *auth.User) (map[int64]conversation.Access, error) {
	return map[int64]conversation.Access{c.inbox.ID: {User: u, Inbox: c.inbox, Member: true}}, nil
}

func (benchConvs) History(context.Context, *auth.User, int64, int64, int64, int) ([]conversation.Message, error) {
	return nil, nil
}

func (benchConvs) Get(context.Context, *auth.User, int64) (*conversation.Conversation, conversation.Allowed, error) {
	return nil, conversation.Allowed{}, errs.E(errs.NotFound, "not found")
}

func (benchConvs) Typing(context.Context, *auth.User, int64, bool) error { return nil }

// benchDirectory holds agents 1..n, members of the inbox.
type benchDirectory struct {
	inbox *inbox.Inbox
	n     int
}

func (d benchDirectory) ListUsers(context.Context) ([]auth.User, error) {
	out := make([]auth.User, d.n)
	for i := range out {
		out[i] = auth.User{ID: int64(i + 1), Name: "Agent", Role: auth.Agent}
	}
	return out, nil
}

func (d benchDirectory) ListInboxes(context.Context) ([]inbox.Inbox, error) {
	return []inbox.Inbox{*d.inbox}, nil
}

func (d benchDirectory) InboxMemberships(context.Context) (map[int64][]int64, error) {
	ids := make([]int64, d.n)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	return map[int64][]int64{d.inbox.ID: ids}, nil
}

// countingReader counts the conversation frames an agent receives (batches unwrapped).
type countingReader struct {
	gws.BuiltinEventHandler
	frames  *atomic.Int64
	resyncs *atomic.Int64
	hello   chan struct{}
}

var convMarker = []byte(`"t":"conversation"`)

func (r *countingReader) OnMessage(_ *gws.Conn, m *gws.Message) {
	defer m.Close()
	b := m.Bytes()
	if n := bytes.Count(b, convMarker); n > 0 {
		r.frames.Add(int64(n))
	}
	if bytes.Contains(b, []byte(`"t":"hello"`)) {
		close(r.hello)
	}
	if bytes.Contains(b, []byte(`"t":"resync"`)) {
		r.resyncs.Add(1)
	}
}

func BenchmarkHubFanout(b *testing.B) {
	for _, agents := range []int{1, 20, 100} {
		b.Run(fmt.Sprintf("agents=%d", agents), func(b *testing.B) { benchFanout(b, agents) })
	}
}

func benchFanout(b *testing.B, agents int) {
	ib := &inbox.Inbox{ID: 3, Kind: inbox.Web, Name: "Shop", Visibility: inbox.Private, ReopenPolicy: inbox.Final}
	h := NewHub(Options{Bus: benchBus{}, Presence: benchPresence{}, Conversations: benchConvs{ib},
		Directory: testDirectory(b, benchDirectory{ib, agents})})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.URL.Query().Get("user"), 10, 64)
		_ = h.ServeAgent(w, r, &auth.User{ID: id, Name: "Agent", Role: auth.Agent})
	}))
	defer srv.Close()
	var frames, resyncs atomic.Int64
	var conns []*gws.Conn
	for i := range agents {
		rd := &countingReader{frames: &frames, resyncs: &resyncs, hello: make(chan struct{})}
		c, _, err := gws.NewClient(rd, &gws.ClientOption{Addr: "ws" + strings.TrimPrefix(srv.URL, "http") + "/?user=" + strconv.Itoa(i+1),
			ReadBufferSize: 64 << 10, ReadMaxPayloadSize: 16 << 20})
		if err != nil {
			b.Fatal(err)
		}
		go c.ReadLoop()
		<-rd.hello
		conns = append(conns, c)
	}
	defer func() {
		for _, c := range conns {
			c.NetConn().Close()
		}
	}()
	conv := &conversation.Conversation{ID: 4821, InboxID: ib.ID, Channel: inbox.Web, ContactID: 31, VisitorID: 57, Status: conversation.Open,
		LastSeq: 7, Preview: "Hi, I ordered running shoes last week (order 4471-2291) and they have not arrived yet.", CreatedAt: 1767364190002,
		UpdatedAt: 1767364205123, LastMessageAt: 1767364205123}
	msg := conversation.Message{ID: 90342, ConversationID: 4821, Seq: 7, SenderKind: conversation.FromVisitor, SenderName: "Visitor 57",
		Kind: conversation.Text, Body: "Hi, I ordered running shoes last week (order 4471-2291) and they have not arrived yet. Could you check where they are?",
		ClientID: "c-lq3x9k-2", CreatedAt: 1767364205123}
	data, err := json.Marshal(conversation.Change{Conversation: conv, Messages: []conversation.Message{msg}})
	if err != nil {
		b.Fatal(err)
	}
	// Keep at most 64 frames per socket in flight: far below the 256 after which the hub drops a
	// socket (a burst faster than its reader is exactly what that limit is for).
	window := int64(64 * agents)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		for int64(i*agents)-frames.Load() > window {
			time.Sleep(20 * time.Microsecond)
		}
		h.onChange(data)
	}
	want := int64(b.N * agents)
	deadline := time.Now().Add(30 * time.Second)
	for frames.Load() < want && time.Now().Before(deadline) && resyncs.Load() == 0 {
		time.Sleep(100 * time.Microsecond)
	}
	b.StopTimer()
	if got := frames.Load(); got != want {
		b.Fatalf("agents received %d frames, want %d (resyncs %d)", got, want, resyncs.Load())
	}
	b.ReportMetric(float64(want)/b.Elapsed().Seconds(), "frames/s")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
