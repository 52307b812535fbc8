package conversation_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/mask"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// Benchmarks of the message send path: conversation.Service on the real store. One operation is
// one persisted message (message row + conversation update, one transaction), published to a
// publisher that encodes the change as the hub does. Run with
//
//	go test ./internal/conversation -run '^$' -bench . -benchtime 5s
//
// (PARLEY_TEST_POSTGRES set adds the postgres sub-benchmarks.) msgs/s is per wall-clock second.

const benchBody = "Hi, I ordered running shoes last week (order 4471-2291) and they have not arrived yet. Could you check where they are?"

// encodingFeed takes each notice as the feed does (the change arrives encoded), then drops it.
type encodingFeed struct{ n atomic.Int64 }

func (p *encodingFeed) Committed(_ context.Context, n event.Notice) { p.n.Add(int64(len(n.Change))) }

func (p *encodingFeed) Signal(context.Context, string, any) {}

type alwaysAvailable struct{}

func (alwaysAvailable) Available(context.Context, int64) bool { return true }

func (alwaysAvailable) OnlineUsers() []int64 { return nil }

type benchEnv struct {
	ctx   context.Context
	db    *store.DB
	svc   *conversation.Service
	web   *inbox.Inbox
	agent *auth.User
}

func newBenchEnv(b *testing.B, db *store.DB) *benchEnv {
	b.Helper()
	e := &benchEnv{ctx: context.Background(), db: db}
	e.svc = conversation.NewService(conversation.Options{Repo: db, Presence: alwaysAvailable{}, Feed: &encodingFeed{},
		Mask: func(s string) string { out, _ := mask.String(s); return out }})
	accounts := auth.NewService(db, auth.Options{Hasher: auth.NewHasher(auth.TestHashParams, 4)})
	admin, err := accounts.CreateUser(e.ctx, nil, auth.NewUser{Email: "admin@example.com", Name: "Ada Admin", Password: "correct horse battery", Role: auth.Admin})
	if err != nil {
		b.Fatal(err)
	}
	e.agent, err = accounts.CreateUser(e.ctx, nil, auth.NewUser{Email: "agent@example.com", Name: "Alice Agent", Password: "correct horse battery", Role: auth.Agent})
	if err != nil {
		b.Fatal(err)
	}
	vis, reopen := inbox.Defaults(inbox.Web)
	site := &inbox.Website{
		Inbox:     inbox.Inbox{Name: "Website", Visibility: vis, ReopenPolicy: reopen, InstallerID: admin.ID, CreatedAt: 1, UpdatedAt: 1},
		PublicKey: inbox.NewKey("pk_", 16), Secret: inbox.NewKey("sk_", 32), AllowedDomains: []string{"example.com"}, TimeZone: "UTC",
	}
	if err := db.CreateWebsite(e.ctx, site); err != nil {
		b.Fatal(err)
	}
	if e.web, err = db.InboxByID(e.ctx, site.ID); err != nil {
		b.Fatal(err)
	}
	if err := db.SetInboxMembers(e.ctx, e.web.ID, []int64{e.agent.ID}, 1); err != nil {
		b.Fatal(err)
	}
	return e
}

// contacts creates n contacts, each with an open conversation holding one message of theirs.
func (e *benchEnv) contacts(b *testing.B, n int) ([]conversation.From, []int64) {
	b.Helper()
	froms := make([]conversation.From, n)
	convs := make([]int64, n)
	for i := range froms {
		var id int64
		if err := e.db.Writer().QueryRowContext(e.ctx, "INSERT INTO contacts (name, created_at, updated_at) VALUES ($1, 1, 1) RETURNING id",
			fmt.Sprintf("Visitor %d", i)).Scan(&id); err != nil {
			b.Fatal(err)
		}
		froms[i] = conversation.From{Inbox: e.web, ContactID: id, Name: fmt.Sprintf("Visitor %d", i)}
		c, _, err := e.svc.ContactWrites(e.ctx, froms[i], conversation.MessageInput{Body: "Hello", ClientID: "first"})
		if err != nil {
			b.Fatal(err)
		}
		convs[i] = c.ID
	}
	return froms, convs
}

// cpuPerOp reports the process's CPU time (user + system) per operation from now until the
// returned function is called. On a machine shared with other work it varies much less than
// throughput does. On PostgreSQL it leaves out the server's share.
func cpuPerOp(b *testing.B) (report func()) {
	start := cpuTime()
	return func() { b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op") }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func eachEngine(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, storetest.Postgres(b)) })
}

// BenchmarkContactWrites: a visitor's message into their open conversation (the widget's send).
// "serial" is one sender at a time; "parallel" is 16 senders per core, as many sockets at once are.
func BenchmarkContactWrites(b *testing.B) {
	eachEngine(b, func(b *testing.B, db *store.DB) {
		e := newBenchEnv(b, db)
		froms, _ := e.contacts(b, 256)
		var seq atomic.Int64
		send := func(b *testing.B) {
			n := seq.Add(1)
			from := froms[n%int64(len(froms))]
			if _, _, err := e.svc.ContactWrites(e.ctx, from, conversation.MessageInput{Body: benchBody, ClientID: fmt.Sprintf("c-%d", n)}); err != nil {
				b.Error(err) // not Fatal: RunParallel's goroutines may not end the benchmark
			}
		}
		b.Run("serial", func(b *testing.B) {
			b.ReportAllocs()
			report := cpuPerOp(b)
			for b.Loop() {
				send(b)
			}
			report()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
		b.Run("parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(16)
			report := cpuPerOp(b)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					send(b)
				}
			})
			report()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	})
}

// BenchmarkContactWritesNewConversation: a visitor's first message, which creates the conversation.
func BenchmarkContactWritesNewConversation(b *testing.B) {
	eachEngine(b, func(b *testing.B, db *store.DB) {
		e := newBenchEnv(b, db)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			b.StopTimer()
			var id int64
			if err := e.db.Writer().QueryRowContext(e.ctx, "INSERT INTO contacts (name, created_at, updated_at) VALUES ('V', 1, 1) RETURNING id").Scan(&id); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			i++
			if _, _, err := e.svc.ContactWrites(e.ctx, conversation.From{Inbox: e.web, ContactID: id, Name: "V"}, conversation.MessageInput{Body: benchBody, ClientID: fmt.Sprintf("c-%d", i)}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}

// BenchmarkReply: an agent's reply into a conversation already assigned to them.
func BenchmarkReply(b *testing.B) {
	eachEngine(b, func(b *testing.B, db *store.DB) {
		e := newBenchEnv(b, db)
		_, convs := e.contacts(b, 64)
		for _, id := range convs { // the first reply takes the chat; the measured ones are plain replies
			if _, err := e.svc.Reply(e.ctx, e.agent, id, conversation.MessageInput{Body: "Hi! Let me check.", ClientID: "take"}); err != nil {
				b.Fatal(err)
			}
		}
		var seq atomic.Int64
		reply := func(b *testing.B) {
			n := seq.Add(1)
			if _, err := e.svc.Reply(e.ctx, e.agent, convs[n%int64(len(convs))], conversation.MessageInput{Body: "Your parcel is at the depot and goes out tomorrow.", ClientID: fmt.Sprintf("a-%d", n)}); err != nil {
				b.Error(err)
			}
		}
		b.Run("serial", func(b *testing.B) {
			b.ReportAllocs()
			report := cpuPerOp(b)
			for b.Loop() {
				reply(b)
			}
			report()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
		b.Run("parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(16)
			report := cpuPerOp(b)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					reply(b)
				}
			})
			report()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	})
}
