// Package channeltest wires Messenger and WhatsApp as cmd/parley does, on a real database, for
// the channels' tests: the conversation and contact services, the blob store, the job queue
// running, the seam's receiver and dispatcher, and Parley's HTTP handler serving the channels'
// callbacks on a local address (its URL is the base URL the channels tell Meta and Twilio). The
// fake Graph API and Twilio are graphtest and twiliotest.
package channeltest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/blob"
	"github.com/parleyhq/parley/internal/channel"
	"github.com/parleyhq/parley/internal/channel/messenger"
	"github.com/parleyhq/parley/internal/channel/whatsapp"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/httpapi"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/mask"
	"github.com/parleyhq/parley/internal/store"
)

// Deadline bounds every wait of the channels' tests.
const Deadline = 30 * time.Second

// Feed wakes the job queue when a commit enqueued jobs, and keeps what was announced.
type Feed struct {
	mu      sync.Mutex
	queue   *jobs.Queue
	notices []event.Notice
}

// Committed records n and wakes the queue for its jobs.
func (f *Feed) Committed(_ context.Context, n event.Notice) {
	f.mu.Lock()
	f.notices = append(f.notices, n)
	q := f.queue
	f.mu.Unlock()
	if n.Jobs && q != nil {
		q.Wake()
	}
}

// Signal drops ephemeral signals.
func (f *Feed) Signal(context.Context, string, any) {}

// Deliveries returns the message.delivery events announced so far, in order.
func (f *Feed) Deliveries() []conversation.DeliveryData {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []conversation.DeliveryData
	for _, n := range f.notices {
		for _, e := range n.Events {
			if e.Type == event.MessageDelivery {
				var d conversation.DeliveryData
				_ = json.Unmarshal(e.Data, &d)
				out = append(out, d)
			}
		}
	}
	return out
}

type presence struct{}

func (presence) Available(context.Context, int64) bool { return true }
func (presence) OnlineUsers() []int64                  { return nil }

// Options points the channels at the fake servers.
type Options struct {
	GraphURL, TwilioURL string
	// Proxies are the trusted proxies of the HTTP handler; BaseURL, when set, is the public URL
	// told to the channels instead of the local address (as behind a proxy).
	Proxies httpapi.Proxies
	BaseURL string
}

// Env is the wired channels.
type Env struct {
	T         *testing.T
	Ctx       context.Context
	DB        *store.DB
	Feed      *Feed
	Convs     *conversation.Service
	Contacts  *contact.Service
	Blobs     *blob.Service
	Messenger *messenger.Service
	WhatsApp  *whatsapp.Service
	Owner     *auth.User
	// URL is where the HTTP handler listens; Base the public URL the channels were told.
	URL, Base string
}

// New wires the channels on db with o's fake servers.
func New(t *testing.T, db *store.DB, o Options) *Env {
	t.Helper()
	ctx := t.Context()
	e := &Env{T: t, Ctx: ctx, DB: db, Feed: &Feed{}}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	masker := func(s string) string { out, _ := mask.String(s); return out }
	e.Convs = conversation.NewService(conversation.Options{Repo: db, Presence: presence{}, Feed: e.Feed, Logger: log, Mask: masker})
	e.Contacts = contact.NewService(contact.Options{Repo: db, Seer: e.Convs, Feed: e.Feed, Logger: log})
	e.Blobs = blob.New(db, blob.Limits{}, nil)
	queue := jobs.New(db, jobs.Options{Node: "test", Lease: 5 * time.Second, MaxSleep: time.Minute, Drain: 200 * time.Millisecond,
		Backoff: func(int) time.Duration { return 50 * time.Millisecond }, Logger: log})
	e.Feed.queue = queue
	recv := channel.NewReceiver(channel.ReceiverOptions{Conversations: e.Convs, Contacts: e.Contacts, Blobs: e.Blobs, Logger: log})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.URL = "http://" + ln.Addr().String()
	e.Base = e.URL
	if o.BaseURL != "" {
		e.Base = o.BaseURL
	}
	e.Messenger = messenger.New(messenger.Options{Repo: db, Receiver: recv, Convs: e.Convs, Blobs: e.Blobs, Feed: e.Feed, Queue: queue,
		GraphURL: o.GraphURL, BaseURL: e.Base, RateLimitWait: 200 * time.Millisecond, Logger: log})
	e.WhatsApp = whatsapp.New(whatsapp.Options{Repo: db, Receiver: recv, Convs: e.Convs, Blobs: e.Blobs, Feed: e.Feed, Queue: queue,
		APIURL: o.TwilioURL, ContentURL: o.TwilioURL, BaseURL: e.Base, RateLimitWait: 200 * time.Millisecond, Logger: log})
	channel.NewDispatcher(queue, e.Convs, map[inbox.Kind]channel.Sender{inbox.Messenger: e.Messenger, inbox.WhatsApp: e.WhatsApp}, log)

	api := httpapi.New(httpapi.Config{Logger: log, Proxies: o.Proxies, Conversations: e.Convs, Blobs: e.Blobs, Messenger: e.Messenger,
		WhatsApp: e.WhatsApp, BaseURL: e.Base})
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 10 * time.Second}}
	srv.Start()
	t.Cleanup(srv.Close)

	qctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = queue.Run(qctx); close(done) }()
	t.Cleanup(func() { stop(); <-done })

	accounts := auth.NewService(db, auth.Options{Hasher: auth.NewHasher(auth.TestHashParams, 4)})
	if e.Owner, err = accounts.Setup(ctx, auth.NewUser{Email: "owner@acme.test", Name: "Olive Owner", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	return e
}

// Eventually waits until cond holds, failing the test after Deadline.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(Deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Conversations lists a folder as the owner sees it.
func (e *Env) Conversations(folder conversation.Folder) []conversation.Conversation {
	e.T.Helper()
	list, err := e.Convs.List(e.Ctx, e.Owner, folder, 0, 0, 0, 200)
	if err != nil {
		e.T.Fatal(err)
	}
	return list
}

// Only waits for the folder to hold exactly one conversation and returns it.
func (e *Env) Only(folder conversation.Folder) conversation.Conversation {
	e.T.Helper()
	var list []conversation.Conversation
	Eventually(e.T, "one conversation in "+string(folder), func() bool {
		list = e.Conversations(folder)
		return len(list) == 1
	})
	return list[0]
}

// Log returns a conversation's entries as the owner sees them.
func (e *Env) Log(id int64) []conversation.Message {
	e.T.Helper()
	msgs, err := e.Convs.History(e.Ctx, e.Owner, id, 0, 0, 500)
	if err != nil {
		e.T.Fatal(err)
	}
	return msgs
}

// Said returns the messages of a conversation (not system lines) written by kind.
func (e *Env) Said(id int64, kind conversation.SenderKind) []conversation.Message {
	var out []conversation.Message
	for _, m := range e.Log(id) {
		if m.SenderKind == kind && m.Kind != conversation.EventKind {
			out = append(out, m)
		}
	}
	return out
}

// WaitSaid waits until conversation id holds n messages written by kind.
func (e *Env) WaitSaid(id int64, kind conversation.SenderKind, n int) []conversation.Message {
	e.T.Helper()
	var got []conversation.Message
	Eventually(e.T, fmt.Sprintf("%d %s messages in conversation %d", n, kind, id), func() bool {
		got = e.Said(id, kind)
		return len(got) >= n
	})
	return got
}

// Delivery waits until a message's delivery has status st and returns it.
func (e *Env) Delivery(convID, msgID int64, st conversation.DeliveryStatus) *conversation.Delivery {
	e.T.Helper()
	var d *conversation.Delivery
	Eventually(e.T, "delivery "+string(st), func() bool {
		_, m, err := e.Convs.ChannelMessage(e.Ctx, convID, msgID)
		if err != nil {
			e.T.Fatal(err)
		}
		d = m.Delivery
		return d != nil && d.Status == st
	})
	return d
}

// Reply sends the owner's reply in a conversation.
func (e *Env) Reply(convID int64, in conversation.MessageInput) (*conversation.Message, error) {
	if in.ClientID == "" {
		in.ClientID = fmt.Sprintf("c-%d", time.Now().UnixNano())
	}
	return e.Convs.Reply(e.Ctx, e.Owner, convID, in)
}

// Ptr returns a pointer to v.
func Ptr[T any](v T) *T { return &v }
