package realtime

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lxzan/gws"

	"github.com/parleyhq/parley/internal/bot"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/widget"
)

// BenchmarkIdleVisitorMemory measures memory per idle, authenticated visitor socket after a forced
// GC (heap in use + goroutine stacks), the way docs/architecture.md measures it, for today's socket path
// and for the changes proposed in docs/performance.md (one shared upgrader; a 1 KiB reader instead
// of net/http's 4 KiB one; the read loop in a fresh goroutine so the HTTP handler's goroutine, its
// deep stack and the request it holds are freed once the handshake is done).
//
// Clients and server share the process, so each figure includes the client side; the client side
// is the same for both variants, so their difference is what the change saves on the server. Run
// with: go test ./internal/realtime -run '^$' -bench IdleVisitorMemory -benchtime 1x

type memWidget struct{ next atomic.Int64 }

func (w *memWidget) Authenticate(_ context.Context, site *inbox.Website, token, ip, ua string) (*widget.Session, error) {
	id := w.next.Add(1)
	return widget.NewSession(site, &contact.Visitor{ID: id, WebsiteID: site.ID, ContactID: id, UserAgent: ua, IP: ip},
		&contact.Contact{ID: id, Tags: []string{}, Attributes: map[string]string{}}, ""), nil
}

func (*memWidget) Send(context.Context, *widget.Session, string, conversation.MessageInput) (*conversation.Conversation, *conversation.Message, error) {
	return nil, nil, errs.E(errs.Invalid, "not in this benchmark")
}

func (*memWidget) Conversation(context.Context, *widget.Session, int64) (*conversation.Conversation, []conversation.Message, error) {
	return nil, nil, errs.E(errs.NotFound, "no conversation")
}
func (*memWidget) MarkRead(context.Context, *widget.Session, int64, int64) error { return nil }
func (*memWidget) Typing(context.Context, *widget.Session, bool) error           { return nil }
func (*memWidget) PageView(context.Context, *widget.Session, string, string) error {
	return nil
}
func (*memWidget) AgentsAvailable(context.Context, *widget.Session) (int, error) { return 1, nil }
func (*memWidget) StartBot(context.Context, *widget.Session, string, string) (*conversation.Conversation, error) {
	return nil, nil
}
func (*memWidget) Respond(context.Context, *widget.Session, string, bot.Response) (*conversation.Message, error) {
	return nil, errs.E(errs.Invalid, "no bot")
}

// serveVisitorProposed is ServeVisitor with the proposed changes.
func (h *Hub) serveVisitorProposed(up *gws.Upgrader, w http.ResponseWriter, r *http.Request, wg Widget, site *inbox.Website, ip string) error {
	netConn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return err
	}
	_ = netConn.SetDeadline(time.Time{})
	br := brw.Reader
	if br.Buffered() == 0 { // the client waits for the 101 before it writes: nothing to carry over
		br = bufio.NewReaderSize(netConn, 1024)
	}
	ws, err := up.UpgradeFromConn(netConn, br, r)
	if err != nil {
		return err
	}
	v := &visitorClient{h: h, w: wg, conn: newConn(ws), site: site, ip: ip, ua: r.UserAgent(), inboxID: site.ID}
	ws.Session().Store("c", v)
	h.gauge.WithLabelValues("visitor").Inc()
	go ws.ReadLoop()
	return nil
}

type readyWaiter struct {
	gws.BuiltinEventHandler
	ready chan struct{}
}

func (r *readyWaiter) OnMessage(_ *gws.Conn, m *gws.Message) {
	defer m.Close()
	if strings.Contains(string(m.Bytes()), `"t":"ready"`) {
		close(r.ready)
	}
}

func liveBytes() (heap, stack uint64) {
	for range 3 {
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse, ms.StackInuse
}

func BenchmarkIdleVisitorMemory(b *testing.B) {
	const n = 2000
	for _, variant := range []string{"today", "proposed"} {
		b.Run(variant, func(b *testing.B) {
			for range b.N {
				site := &inbox.Website{Inbox: inbox.Inbox{ID: 3, Kind: inbox.Web, Name: "Shop"}, PublicKey: "pk_x", AllowedDomains: []string{"shop.example"}}
				h := NewHub(Options{Bus: benchBus{}, Presence: benchPresence{}, Conversations: benchConvs{&site.Inbox}})
				wg := &memWidget{}
				// One upgrader for every socket (the same options as the hub's).
				up := gws.NewUpgrader(events{h}, &gws.ServerOption{ReadBufferSize: 1024, WriteBufferSize: 1024,
					ReadMaxPayloadSize: 64 << 10, CheckUtf8Enabled: true})
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if variant == "today" {
						_ = h.ServeVisitor(w, r, wg, site, "10.0.0.1")
					} else {
						_ = h.serveVisitorProposed(up, w, r, wg, site, "10.0.0.1")
					}
				}))
				addr := "ws" + strings.TrimPrefix(srv.URL, "http") + "/widget/v1/pk_x/ws"
				heap0, stack0 := liveBytes()
				g0 := runtime.NumGoroutine()
				var conns []*gws.Conn
				for i := range n {
					rw := &readyWaiter{ready: make(chan struct{})}
					c, _, err := gws.NewClient(rw, &gws.ClientOption{Addr: addr, ReadBufferSize: 1024})
					if err != nil {
						b.Fatal(err)
					}
					go c.ReadLoop()
					auth, _ := json.Marshal(map[string]string{"t": "auth", "token": fmt.Sprintf("pv_%d", i)})
					if err := c.WriteMessage(gws.OpcodeText, auth); err != nil {
						b.Fatal(err)
					}
					select {
					case <-rw.ready:
					case <-time.After(10 * time.Second):
						b.Fatal("no ready")
					}
					conns = append(conns, c)
				}
				time.Sleep(200 * time.Millisecond)
				heap1, stack1 := liveBytes()
				g1 := runtime.NumGoroutine()
				b.ReportMetric(float64(heap1-heap0)/n, "heap-B/conn")
				b.ReportMetric(float64(stack1-stack0)/n, "stack-B/conn")
				b.ReportMetric(float64(heap1+stack1-heap0-stack0)/n, "B/conn")
				b.ReportMetric(float64(g1-g0)/n, "goroutines/conn")
				for _, c := range conns {
					c.NetConn().Close()
				}
				srv.CloseClientConnections()
				srv.Close()
			}
		})
	}
}
