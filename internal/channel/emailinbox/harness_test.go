package emailinbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/blob"
	"github.com/parleyhq/parley/internal/channel"
	"github.com/parleyhq/parley/internal/channel/email"
	"github.com/parleyhq/parley/internal/channel/email/mailtest"
	"github.com/parleyhq/parley/internal/channel/emailinbox"
	"github.com/parleyhq/parley/internal/channel/followup"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/mailer"
	"github.com/parleyhq/parley/internal/mask"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// The email channel against the real store and real mail software on loopback: Parley's own
// listener (go-smtp) fed by swaks and by Parley's sender, a sink standing in for the relay, Postfix
// relaying, Dovecot serving IMAP.

const (
	replyDomain = "reply.acme.test"
	support     = "support@acme.test"
	deadline    = 30 * time.Second
)

// feed wakes the job queue when a commit enqueued jobs, and keeps what was announced.
type feed struct {
	mu      sync.Mutex
	queue   *jobs.Queue
	notices []event.Notice
}

func (f *feed) Committed(_ context.Context, n event.Notice) {
	f.mu.Lock()
	f.notices = append(f.notices, n)
	q := f.queue
	f.mu.Unlock()
	if n.Jobs && q != nil {
		q.Wake()
	}
}

func (f *feed) Signal(context.Context, string, any) {}
func (f *feed) Subscribe(func(*event.Notice))       {}

// deliveries returns the message.delivery events announced so far.
func (f *feed) deliveries() []conversation.DeliveryData {
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

// visitors says whether a website's visitor is on the site; tests flip it.
type visitors struct {
	mu sync.Mutex
	on bool
}

func (v *visitors) VisitorOnline(int64, int64) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.on
}

func (v *visitors) set(on bool) {
	v.mu.Lock()
	v.on = on
	v.mu.Unlock()
}

type env struct {
	t        *testing.T
	ctx      context.Context
	db       *store.DB
	feed     *feed
	convs    *conversation.Service
	contacts *contact.Service
	blobs    *blob.Service
	mail     *mailer.Service
	emails   *emailinbox.Service
	visitors *visitors
	owner    *auth.User
	dns      *mailtest.DNS
	sink     *mailtest.Sink // the relay every inbox and the installation send through
	listener string         // host:port of Parley's SMTP listener
	inbox    *emailinbox.EmailInbox
	later    atomic.Int32 // RCPTs at later.test refused so far
	opts     emailinbox.Options
}

// newEnv wires the email channel on db as cmd/parley does, with an email inbox support@acme.test
// (received by the listener), the installation's mail (reply domain reply.acme.test), a sink as
// their relay, the listener and the job queue running.
func newEnv(t *testing.T, db *store.DB) *env { return newEnvWith(t, db, nil) }

// newEnvWith is newEnv with the email channel's options changed by opt (a relay's certificate).
func newEnvWith(t *testing.T, db *store.DB, opt func(*emailinbox.Options)) *env {
	t.Helper()
	ctx := t.Context()
	e := &env{t: t, ctx: ctx, db: db, feed: &feed{}, visitors: &visitors{}}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	e.convs = conversation.NewService(conversation.Options{Repo: db, Presence: presence{}, Feed: e.feed, Logger: log,
		Mask: func(s string) string { out, _ := mask.String(s); return out }})
	e.contacts = contact.NewService(contact.Options{Repo: db, Seer: e.convs, Feed: e.feed, Logger: log})
	e.blobs = blob.New(db, blob.Limits{}, nil)
	e.dns = &mailtest.DNS{IP: map[string][]string{"localhost": {"127.0.0.1"}}, TXT: map[string][]string{
		"example.org":         {"v=spf1 ip4:127.0.0.1 -all"},
		"_dmarc.example.org":  {"v=DMARC1; p=reject"},
		"spoofed.test":        {"v=spf1 ip4:192.0.2.1 -all"},
		"_dmarc.spoofed.test": {"v=DMARC1; p=reject"},
	}}
	e.mail = mailer.New(mailer.Options{Repo: db, Resolver: e.dns, Logger: log})
	queue := jobs.New(db, jobs.Options{Node: "test", Lease: 5 * time.Second, MaxSleep: time.Minute, Drain: 200 * time.Millisecond,
		Backoff: func(int) time.Duration { return 50 * time.Millisecond }, Logger: log})
	e.feed.queue = queue
	recv := channel.NewReceiver(channel.ReceiverOptions{Conversations: e.convs, Contacts: e.contacts, Blobs: e.blobs, Logger: log})
	e.opts = emailinbox.Options{Repo: db, Receiver: recv, Convs: e.convs, Blobs: e.blobs, Mail: e.mail, Feed: e.feed,
		Node: "test", Resolver: e.dns, Logger: log, IMAPMinBackoff: 20 * time.Millisecond, LeaseTTL: 3 * time.Second}
	if opt != nil {
		opt(&e.opts)
	}
	e.emails = emailinbox.New(e.opts)
	channel.NewDispatcher(queue, e.convs, map[inbox.Kind]channel.Sender{inbox.Email: e.emails}, log)
	followup.New(followup.Options{Queue: queue, Repo: db, Convs: e.convs, Mail: e.mail, Inboxes: e.emails, Visitors: e.visitors, Logger: log})
	qctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = queue.Run(qctx); close(done) }()
	t.Cleanup(func() { stop(); <-done })

	accounts := auth.NewService(db, auth.Options{Hasher: auth.NewHasher(auth.TestHashParams, 4)})
	var err error
	if e.owner, err = accounts.Setup(ctx, auth.NewUser{Email: "owner@acme.test", Name: "Olive Owner", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}

	// The relay refuses bounce.test for good, and later.test for now, twice.
	e.sink = mailtest.StartSink(t, mailtest.SinkOptions{Reject: func(rcpt string) error {
		switch {
		case strings.HasSuffix(rcpt, "@bounce.test"):
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user here"}
		case strings.HasSuffix(rcpt, "@later.test") && e.later.Add(1) <= 2:
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
		}
		return nil
	}})
	if _, err := e.mail.Update(ctx, e.owner, mailer.Settings{SMTP: mailer.SMTP{Host: "127.0.0.1", Port: e.sink.Port(), Security: email.SecurityNone},
		FromAddress: "hello@acme.test", FromName: "Acme", ReplyDomain: replyDomain, Receive: mailer.ReceiveListener}); err != nil {
		t.Fatal(err)
	}
	recvMode := mailer.ReceiveListener
	e.inbox, err = e.emails.Create(ctx, e.owner, emailinbox.Input{Name: ptr("Acme support"), Address: ptr(support), FromName: ptr("Acme Support"),
		Signature: ptr("**Acme** support team"), Receive: &recvMode,
		SMTP: &mailer.SMTP{Host: "127.0.0.1", Port: e.sink.Port(), Security: email.SecurityNone}})
	if err != nil {
		t.Fatal(err)
	}

	l, err := email.NewListener(email.ListenerConfig{Hostname: "mx." + replyDomain, Accept: e.emails.Accepts, Resolver: e.dns, Logger: log}, e.emails)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lctx, lstop := context.WithCancel(context.Background())
	go func() { _ = l.Serve(lctx, ln) }()
	t.Cleanup(lstop)
	e.listener = ln.Addr().String()
	return e
}

func ptr[T any](v T) *T { return &v }

// swaks sends raw as an outside mail server would, from helo to rcpt, through Parley's listener,
// and fails the test when the listener refuses it.
func (e *env) swaks(from, rcpt, raw string) {
	e.t.Helper()
	if out, ok := e.swaksTry(from, rcpt, raw); !ok {
		e.t.Fatalf("the listener refused the mail:\n%s", out)
	}
}

func (e *env) swaksTry(from, rcpt, raw string) (string, bool) {
	e.t.Helper()
	host, port, _ := net.SplitHostPort(e.listener)
	return mailtest.Swaks(e.t, "--server", host, "--port", port, "--helo", "mail.example.org", "--from", from, "--to", rcpt,
		"--data", strings.ReplaceAll(raw, "\n", "\r\n"))
}

// eventually waits until cond holds, failing the test after the deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// conversations lists a folder as the owner sees it.
func (e *env) conversations(folder conversation.Folder) []conversation.Conversation {
	e.t.Helper()
	list, err := e.convs.List(e.ctx, e.owner, folder, 0, 0, 0, 200)
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

// log returns a conversation's entries as the owner sees them.
func (e *env) log(id int64) []conversation.Message {
	e.t.Helper()
	msgs, err := e.convs.History(e.ctx, e.owner, id, 0, 0, 500)
	if err != nil {
		e.t.Fatal(err)
	}
	return msgs
}

// messages returns the contact's messages of a conversation (not system lines).
func (e *env) messages(id int64) []conversation.Message {
	var out []conversation.Message
	for _, m := range e.log(id) {
		if m.SenderKind == conversation.FromVisitor {
			out = append(out, m)
		}
	}
	return out
}

// waitMessages waits until conversation id holds n of the contact's messages.
func (e *env) waitMessages(id int64, n int) []conversation.Message {
	e.t.Helper()
	var got []conversation.Message
	eventually(e.t, fmt.Sprintf("%d messages in conversation %d", n, id), func() bool {
		got = e.messages(id)
		return len(got) >= n
	})
	return got
}

// onlyConversation waits for the folder to hold exactly one conversation and returns it.
func (e *env) only(folder conversation.Folder) conversation.Conversation {
	e.t.Helper()
	var list []conversation.Conversation
	eventually(e.t, "one conversation in "+string(folder), func() bool {
		list = e.conversations(folder)
		return len(list) == 1
	})
	return list[0]
}

// sent waits for the relay sink to receive a mail matching match, and parses it.
func (e *env) sent(match func(*email.Inbound) bool) *email.Inbound {
	e.t.Helper()
	var got *email.Inbound
	e.sink.WaitFor(e.t, deadline, func(r mailtest.Received) bool {
		in, _ := email.Parse(r.Data)
		if match(in) {
			got = in
			return true
		}
		return false
	})
	return got
}

// delivery waits until a message's delivery has status st and returns it.
func (e *env) delivery(convID, msgID int64, st conversation.DeliveryStatus) *conversation.Delivery {
	e.t.Helper()
	var d *conversation.Delivery
	eventually(e.t, "delivery "+string(st), func() bool {
		_, m, err := e.convs.ChannelMessage(e.ctx, convID, msgID)
		if err != nil {
			e.t.Fatal(err)
		}
		d = m.Delivery
		return d != nil && d.Status == st
	})
	return d
}

// sqliteOnly is the database of tests about mail software rather than the database: SQLite only.
func sqliteOnly(t *testing.T) *store.DB { return storetest.SQLite(t) }
