package notify_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/channel/email"
	"github.com/parleyhq/parley/internal/channel/email/mailtest"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/mailer"
	"github.com/parleyhq/parley/internal/notify"
	"github.com/parleyhq/parley/internal/push"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// The notifications against a real database, job queue, event log consumer and SMTP listener on
// loopback; presence and the visitors' pages are told by the test.

// people says who is online and who is looking at an inbox tab, and which visitors are on the site.
type people struct {
	mu        sync.Mutex
	online    map[int64]bool
	attentive map[int64]bool
	visitors  map[int64]bool // by contact
}

func (p *people) Online(id int64) bool                       { p.mu.Lock(); defer p.mu.Unlock(); return p.online[id] }
func (p *people) Attentive(id int64) bool                    { p.mu.Lock(); defer p.mu.Unlock(); return p.attentive[id] }
func (p *people) Available(_ context.Context, id int64) bool { return p.Online(id) }
func (p *people) OnlineUsers() []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []int64
	for id, on := range p.online {
		if on {
			out = append(out, id)
		}
	}
	return out
}
func (p *people) VisitorOnline(contactID, _ int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.visitors[contactID]
}
func (p *people) set(m map[int64]bool, id int64, on bool) { p.mu.Lock(); m[id] = on; p.mu.Unlock() }

// wake is the feed: a commit that enqueued jobs wakes the queue, one with positions the consumer.
type wake struct {
	queue  *jobs.Queue
	runner *event.Runner
}

func (w *wake) Committed(_ context.Context, n event.Notice) {
	if n.Jobs && w.queue != nil {
		w.queue.Wake()
	}
	if (n.Position > 0 || len(n.Events) > 0 || n.Change != nil) && w.runner != nil {
		w.runner.Wake()
	}
}
func (w *wake) Signal(context.Context, string, any) {}

type fixture struct {
	t        *testing.T
	ctx      context.Context
	db       *store.DB
	convs    *conversation.Service
	accounts *auth.Service
	notes    *notify.Service
	people   *people
	sink     *mailtest.Sink
	pushes   *pushService
	site     *inbox.Inbox

	owner, a1, a2 *auth.User
}

// pushService is a push service on loopback that records what it is sent; endpoints ending in
// /gone answer 410.
type pushService struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []string // request paths
}

func (p *pushService) count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, g := range p.got {
		if g == path {
			n++
		}
	}
	return n
}

func newFixture(t *testing.T, db *store.DB, batch time.Duration) *fixture {
	t.Helper()
	ctx := t.Context()
	f := &fixture{t: t, ctx: ctx, db: db, people: &people{online: map[int64]bool{}, attentive: map[int64]bool{}, visitors: map[int64]bool{}},
		sink: mailtest.StartSink(t, mailtest.SinkOptions{})}
	feed := &wake{}
	f.accounts = auth.NewService(db, auth.Options{Hasher: auth.NewHasher(auth.TestHashParams, 4), Feed: feed,
		MailReady:    func(context.Context) bool { return true },
		PasswordLink: func(token string) string { return "https://chat.example.test/inbox/#/password/" + token }})
	user := func(email, name string, role auth.Role) *auth.User {
		u, err := f.accounts.CreateUser(ctx, nil, auth.NewUser{Email: email, Name: name, Password: "correct horse battery", Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.owner = user("owner@example.com", "Olive Owner", auth.Owner)
	f.a1 = user("a1@example.com", "Alice Agent", auth.Agent)
	f.a2 = user("a2@example.com", "Bob Agent", auth.Agent)
	// The owner sees every inbox but is looking at the inbox: told in it, never by push or mail.
	f.people.set(f.people.online, f.owner.ID, true)
	f.people.set(f.people.attentive, f.owner.ID, true)

	vis, reopen := inbox.Defaults(inbox.Web)
	site := &inbox.Website{Inbox: inbox.Inbox{Name: "Website", Visibility: vis, ReopenPolicy: reopen, InstallerID: f.owner.ID, CreatedAt: 1, UpdatedAt: 1},
		PublicKey: inbox.NewKey("pk_", 16), Secret: inbox.NewKey("sk_", 32), AllowedDomains: []string{"example.com"}, TimeZone: "UTC"}
	if err := db.CreateWebsite(ctx, site); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.site, err = db.InboxByID(ctx, site.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.SetInboxMembers(ctx, f.site.ID, []int64{f.a1.ID, f.a2.ID}, 1); err != nil {
		t.Fatal(err)
	}
	dir := conversation.NewDirectory(db, nil)
	if err := dir.Load(ctx); err != nil {
		t.Fatal(err)
	}
	f.convs = conversation.NewService(conversation.Options{Repo: db, Presence: f.people, Feed: feed, Directory: dir})

	mailSvc := mailer.New(mailer.Options{Fixed: &mailer.Settings{FromAddress: "parley@acme.test", FromName: "Parley",
		SMTP: mailer.SMTP{Host: "127.0.0.1", Port: f.sink.Port(), Security: email.SecurityNone}}})
	f.pushes = &pushService{}
	f.pushes.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		f.pushes.mu.Lock()
		f.pushes.got = append(f.pushes.got, r.URL.Path)
		f.pushes.mu.Unlock()
		if strings.HasSuffix(r.URL.Path, "/gone") {
			w.WriteHeader(http.StatusGone)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(f.pushes.srv.Close)
	vapid, err := push.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	pushes := push.NewService(push.Options{Repo: db, Sender: &push.Sender{Keys: vapid, Subject: "mailto:ops@acme.test"}, AllowHTTP: true})
	unsub := make([]byte, 32)
	_, _ = rand.Read(unsub)

	queue := jobs.New(db, jobs.Options{Node: "test", MaxSleep: 50 * time.Millisecond})
	f.notes = notify.New(notify.Options{Repo: db, Queue: queue, Feed: feed, Directory: dir, Presence: f.people, Visitors: f.people,
		Push: pushes, Mail: mailSvc, Accounts: f.accounts, Keys: &notify.Keys{VAPIDPrivate: vapid.PrivateKey(), Unsubscribe: unsub},
		BaseURL: "https://chat.example.test", Batch: batch, MissedCheck: 50 * time.Millisecond})
	runner := event.NewRunner(db, nil, event.RunnerOptions{Node: "test", Poll: 20 * time.Millisecond}, f.notes.Consumer())
	feed.queue, feed.runner = queue, runner
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { _ = queue.Run(runCtx); done <- struct{}{} }()
	go func() { runner.Run(runCtx); done <- struct{}{} }()
	t.Cleanup(func() {
		stop()
		<-done
		<-done
	})
	// A new consumer starts at the log's end: let it take its place before anything happens.
	deadline := time.Now().Add(10 * time.Second)
	for n := 0; n == 0; {
		_ = db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM event_consumers WHERE name = $1", notify.ConsumerName).Scan(&n)
		if time.Now().After(deadline) {
			t.Fatal("the notifications consumer did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Subscribe a1's phone.
	d := push.SubscribeInput{Endpoint: f.pushes.srv.URL + "/a1-phone"}
	d.Keys.P256DH, d.Keys.Auth = testKeys(t)
	if _, err := pushes.Subscribe(ctx, f.a1, d, "Mozilla/5.0 (Linux; Android 14) Chrome/126.0"); err != nil {
		t.Fatal(err)
	}
	return f
}

// testKeys are a browser's subscription keys (the push service here does not decrypt; the push
// package's test does).
func testKeys(t *testing.T) (p256dh, auth string) {
	t.Helper()
	k, err := push.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	return k.PublicKey(), b64(secret)
}

// visitor writes in the website chat as a contact; it returns the conversation.
func (f *fixture) visitor(name string) conversation.From {
	f.t.Helper()
	var id int64
	if err := f.db.Writer().QueryRowContext(f.ctx, "INSERT INTO contacts (name, created_at, updated_at) VALUES ($1, 1, 1) RETURNING id", name).Scan(&id); err != nil {
		f.t.Fatal(err)
	}
	return conversation.From{Inbox: f.site, ContactID: id, Name: name}
}

func (f *fixture) write(from conversation.From, body string) *conversation.Conversation {
	f.t.Helper()
	c, _, err := f.convs.ContactWrites(f.ctx, from, conversation.MessageInput{Body: body})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// settle waits until the consumer has read the whole log and no push, email or link job is
// pending (missed-chat checks wait as long as visitors stay: settleMissed waits for those).
func (f *fixture) settle() {
	f.t.Helper()
	f.settleKinds(notify.JobPush, notify.JobEmail, auth.JobInviteMail, auth.JobResetMail)
}

// settleMissed is settle with the missed-chat checks too.
func (f *fixture) settleMissed() {
	f.t.Helper()
	f.settleKinds(notify.JobPush, notify.JobEmail, notify.JobMissedChat)
}

func (f *fixture) settleKinds(kinds ...string) {
	f.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var last, at int64
		_ = f.db.Reader().QueryRowContext(f.ctx, "SELECT position FROM event_counter WHERE id = 1").Scan(&last)
		_ = f.db.Reader().QueryRowContext(f.ctx, "SELECT COALESCE(MAX(position), 0) FROM event_consumers WHERE name = $1", notify.ConsumerName).Scan(&at)
		var pending int
		for _, k := range kinds {
			var n int
			_ = f.db.Reader().QueryRowContext(f.ctx, `SELECT COUNT(*) FROM jobs WHERE kind = $1 AND state IN ('available', 'running')`, k).Scan(&n)
			pending += n
		}
		if at >= last && pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("notifications did not settle: consumer at %d of %d, %d jobs pending", at, last, pending)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// mailsTo returns the messages the sink took for an address.
func (f *fixture) mailsTo(addr string) []*mail.Message {
	var out []*mail.Message
	for _, r := range f.sink.Messages() {
		for _, to := range r.To {
			if to == addr {
				m, err := mail.ReadMessage(strings.NewReader(string(r.Data)))
				if err != nil {
					f.t.Fatal(err)
				}
				out = append(out, m)
			}
		}
	}
	return out
}

func subject(m *mail.Message) string {
	s, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	return s
}

func bodyOf(t *testing.T, m *mail.Message) string {
	t.Helper()
	b, err := io.ReadAll(m.Body)
	if err != nil {
		t.Fatal(err)
	}
	return decodeQP(string(b))
}

// decodeQP undoes quoted-printable soft breaks and =XX escapes enough to search the text.
func decodeQP(s string) string {
	s = strings.ReplaceAll(s, "=\r\n", "")
	return regexp.MustCompile(`=([0-9A-F]{2})`).ReplaceAllStringFunc(s, func(m string) string {
		var b byte
		for _, c := range m[1:] {
			b <<= 4
			switch {
			case c >= '0' && c <= '9':
				b |= byte(c - '0')
			default:
				b |= byte(c-'A') + 10
			}
		}
		return string([]byte{b})
	})
}

// An agent who is offline gets one email for a busy chat — its messages batched — with a link to
// the conversation and a one-click unsubscribe; once they use it, nothing more reaches them, while
// a colleague who asked for those emails gets theirs.
func TestEmailsAreBatchedAndOptOutHolds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, time.Second)
		// a1 is offline; a2 is online but away from the inbox, with unassigned messages off.
		f.people.set(f.people.online, f.a2.ID, true)
		anna := f.visitor("Anna Visitor")
		f.people.set(f.people.visitors, anna.ContactID, true) // on the site: no missed chat
		c := f.write(anna, "Hello, is anyone there?")
		f.write(anna, "I have a question about my order.")
		f.write(anna, "It is number 4711.")
		f.settle()
		got := f.mailsTo("a1@example.com")
		if len(got) != 1 {
			t.Fatalf("a1 got %d emails, want 1 for the three messages", len(got))
		}
		m := got[0]
		if s := subject(m); !strings.Contains(s, "Anna Visitor wrote while you were offline") {
			t.Errorf("subject %q", s)
		}
		body := bodyOf(t, m)
		for _, want := range []string{"Hello, is anyone there?", "my order", "4711", "https://chat.example.test/inbox/#/c/"} {
			if !strings.Contains(body, want) {
				t.Errorf("the email lacks %q:\n%s", want, body)
			}
		}
		if m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe-Post = %q", m.Header.Get("List-Unsubscribe-Post"))
		}
		unsub := regexp.MustCompile(`<(https://chat\.example\.test/unsubscribe/[^>]+)>`).FindStringSubmatch(m.Header.Get("List-Unsubscribe"))
		if unsub == nil {
			t.Fatalf("List-Unsubscribe = %q", m.Header.Get("List-Unsubscribe"))
		}
		if n := len(f.mailsTo("a2@example.com")) + len(f.mailsTo("owner@example.com")); n != 0 {
			t.Fatalf("%d emails to agents who were online or looking", n)
		}
		if n := f.pushes.count("/a1-phone"); n < 1 {
			t.Fatalf("a1's phone got no push")
		}

		// a1 unsubscribes with one click; a2 turns on emails for unassigned messages.
		token := unsub[1][strings.LastIndex(unsub[1], "/")+1:]
		if _, err := f.notes.Unsubscribe(f.ctx, token); err != nil {
			t.Fatal(err)
		}
		if _, err := f.notes.Unsubscribe(f.ctx, token+"x"); err == nil {
			t.Fatal("a forged token unsubscribed")
		}
		on := true
		if _, err := f.accounts.SetSettings(f.ctx, f.a2, auth.SettingsPatch{Notify: auth.Notify{auth.EventMessageUnassigned: {auth.WayEmail: on}}}); err != nil {
			t.Fatal(err)
		}
		f.write(anna, "Hello again?")
		f.settle()
		if n := len(f.mailsTo("a1@example.com")); n != 1 {
			t.Fatalf("a1 got %d emails after unsubscribing, want still 1", n)
		}
		got = f.mailsTo("a2@example.com")
		if len(got) != 1 || !strings.Contains(bodyOf(t, got[0]), "Hello again?") {
			t.Fatalf("a2 got %d emails, want 1 with the new message", len(got))
		}
		if !strings.Contains(subject(got[0]), "New messages from Anna Visitor") {
			t.Errorf("a2's subject %q", subject(got[0]))
		}
		_ = c
	})
}

// A message read before its batch goes out is not emailed.
func TestReadMessageCancelsItsEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, time.Second)
		bo := f.visitor("Bo")
		c := f.write(bo, "Are you open on Sunday?")
		deadline := time.Now().Add(10 * time.Second)
		for n := 0; n == 0; {
			_ = f.db.Reader().QueryRowContext(f.ctx, "SELECT COUNT(*) FROM notify_emails WHERE user_id = $1", f.a1.ID).Scan(&n)
			if time.Now().After(deadline) {
				t.Fatal("no email queued for a1")
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err := f.db.MarkRead(f.ctx, c.ID, f.a1.ID, c.LastSeq); err != nil {
			t.Fatal(err)
		}
		f.settle()
		if n := len(f.mailsTo("a1@example.com")); n != 0 {
			t.Fatalf("a1 got %d emails for a message they read", n)
		}
		if n := len(f.mailsTo("a2@example.com")); n != 1 {
			t.Fatalf("a2, offline and unread, got %d emails, want 1", n)
		}
	})
}

// A missed chat: the visitor's last page is gone for the grace period with their words unanswered;
// the agent who was online gets its email. Not when an agent answered in time.
func TestMissedChat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, 100*time.Millisecond)
		f.people.set(f.people.online, f.a1.ID, true)
		f.people.set(f.people.online, f.a2.ID, true)
		f.people.set(f.people.attentive, f.a2.ID, true) // looking: no away-emails for a2
		cleo := f.visitor("Cleo")
		f.people.set(f.people.visitors, cleo.ContactID, true)
		c := f.write(cleo, "Can I pay by invoice?")
		// While the visitor is on the site, the check waits.
		deadline := time.Now().Add(10 * time.Second)
		for {
			var runs int
			_ = f.db.Reader().QueryRowContext(f.ctx, `SELECT COUNT(*) FROM jobs WHERE kind = $1 AND state = 'available' AND updated_at > created_at`, notify.JobMissedChat).Scan(&runs)
			if runs > 0 {
				break // it ran and snoozed
			}
			if time.Now().After(deadline) {
				t.Fatal("the missed-chat check never looked")
			}
			time.Sleep(5 * time.Millisecond)
		}
		if n := len(f.mailsTo("a1@example.com")); n != 0 {
			t.Fatalf("a missed-chat email while the visitor is still on the site")
		}
		f.people.set(f.people.visitors, cleo.ContactID, false) // gone for the grace period
		m := f.sink.WaitFor(t, 10*time.Second, func(r mailtest.Received) bool { return len(r.To) == 1 && r.To[0] == "a1@example.com" })
		msg, _ := mail.ReadMessage(strings.NewReader(string(m.Data)))
		if s := subject(msg); s != "Missed chat with Cleo" {
			t.Errorf("subject %q", s)
		}
		if !strings.Contains(bodyOf(t, msg), "Can I pay by invoice?") {
			t.Error("the missed chat's words are not in the email")
		}
		f.settle()
		if n := len(f.mailsTo("a2@example.com")); n != 1 {
			t.Fatalf("a2 (online, opted in by default) got %d missed-chat emails, want 1", n)
		}

		// Answered in time: no missed chat.
		dan := f.visitor("Dan")
		f.people.set(f.people.visitors, dan.ContactID, true)
		c2 := f.write(dan, "Do you ship to Norway?")
		if _, err := f.convs.Reply(f.ctx, f.a1, c2.ID, conversation.MessageInput{Body: "Yes, we do."}); err != nil {
			t.Fatal(err)
		}
		f.people.set(f.people.visitors, dan.ContactID, false)
		f.settleMissed()
		for _, r := range f.sink.Messages() {
			if strings.Contains(string(r.Data), "Dan") {
				t.Fatalf("an email about the answered chat went to %v:\n%s", r.To, r.Data)
			}
		}
		_ = c
	})
}

// Pushes go to the devices of an agent who is not looking at an inbox tab, never to one who is;
// a subscription the push service says is gone is forgotten.
func TestPushFollowsAttention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, time.Minute)
		f.people.set(f.people.online, f.a1.ID, true)
		f.people.set(f.people.attentive, f.a1.ID, true)
		f.people.set(f.people.online, f.a2.ID, true)
		f.people.set(f.people.attentive, f.a2.ID, true)
		eve := f.visitor("Eve")
		f.people.set(f.people.visitors, eve.ContactID, true)
		f.write(eve, "Hi!")
		f.settle()
		if n := f.pushes.count("/a1-phone"); n != 0 {
			t.Fatalf("%d pushes while a1 looked at the inbox", n)
		}
		// A second device, which the push service no longer knows.
		p := push.NewService(push.Options{Repo: f.db, AllowHTTP: true})
		d := push.SubscribeInput{Endpoint: f.pushes.srv.URL + "/a1-laptop/gone"}
		d.Keys.P256DH, d.Keys.Auth = testKeys(t)
		if _, err := p.Subscribe(f.ctx, f.a1, d, ""); err != nil {
			t.Fatal(err)
		}
		f.people.set(f.people.attentive, f.a1.ID, false) // the tab is forgotten on the desk
		finn := f.visitor("Finn")
		f.people.set(f.people.visitors, finn.ContactID, true)
		f.write(finn, "Hello?")
		f.settle()
		if n := f.pushes.count("/a1-phone"); n != 1 {
			t.Fatalf("a1's phone got %d pushes, want 1", n)
		}
		list, err := p.Devices(f.ctx, f.a1)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Service != "127.0.0.1" {
			t.Fatalf("devices after a 410: %+v", list)
		}
	})
}

// An invitation's emailed link sets the password once, then no longer works; asking for a reset of
// an unknown address answers the same as for a known one, and sends nothing.
func TestInvitationAndReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, time.Minute)
		u, inv, err := f.accounts.Invite(f.ctx, f.owner, auth.NewUser{Email: "new@example.com", Name: "Nina New"}, "de")
		if err != nil {
			t.Fatal(err)
		}
		if !inv.Emailed || inv.URL != "" || !u.Invited {
			t.Fatalf("invitation %+v, user %+v", inv, u)
		}
		if _, _, _, err := f.accounts.Login(f.ctx, "new@example.com", "", "10.0.0.1", ""); err == nil {
			t.Fatal("an invited user signed in without a password")
		}
		r := f.sink.WaitFor(t, 10*time.Second, func(r mailtest.Received) bool { return r.To[0] == "new@example.com" })
		m, _ := mail.ReadMessage(strings.NewReader(string(r.Data)))
		if s := subject(m); s != "Ihre Einladung zu Parley" {
			t.Errorf("subject %q, want the inviting admin's language", s)
		}
		link := regexp.MustCompile(`https://chat\.example\.test/inbox/#/password/(plk_[A-Za-z0-9_-]+)`).FindStringSubmatch(bodyOf(t, m))
		if link == nil {
			t.Fatal("no link in the invitation")
		}
		info, err := f.accounts.LinkInfo(f.ctx, link[1])
		if err != nil || info.Purpose != auth.PurposeInvite || info.Email != "new@example.com" {
			t.Fatalf("link info %+v, %v", info, err)
		}
		if _, _, _, err := f.accounts.UseLink(f.ctx, link[1], "a new long password", "10.0.0.1", ""); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := f.accounts.UseLink(f.ctx, link[1], "another long password", "10.0.0.1", ""); err == nil {
			t.Fatal("the invitation link worked twice")
		}
		if _, _, _, err := f.accounts.Login(f.ctx, "new@example.com", "a new long password", "10.0.0.1", ""); err != nil {
			t.Fatalf("sign in with the password the link set: %v", err)
		}

		if err := f.accounts.RequestReset(f.ctx, "nobody@example.com", "10.0.0.2", "en"); err != nil {
			t.Fatalf("reset for an unknown address: %v", err)
		}
		if err := f.accounts.RequestReset(f.ctx, "a1@example.com", "10.0.0.2", "en"); err != nil {
			t.Fatal(err)
		}
		r = f.sink.WaitFor(t, 10*time.Second, func(r mailtest.Received) bool { return r.To[0] == "a1@example.com" })
		m, _ = mail.ReadMessage(strings.NewReader(string(r.Data)))
		if s := subject(m); s != "Reset your Parley password" {
			t.Errorf("reset subject %q", s)
		}
		f.settle()
		for _, r := range f.sink.Messages() {
			if r.To[0] == "nobody@example.com" {
				t.Fatal("a mail went to an address with no account")
			}
		}
	})
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Only agents with a device get push jobs: a new chat for an agent without one makes none (with
// many agents and busy sites, they were most of the job runner's work and found nothing to send).
func TestNoPushJobsWithoutDevices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, time.Minute)
		f.people.set(f.people.online, f.a1.ID, true) // online, not looking: no emails, pushes
		f.people.set(f.people.online, f.a2.ID, true)
		gia := f.visitor("Gia")
		f.people.set(f.people.visitors, gia.ContactID, true)
		f.write(gia, "Anyone there?")
		f.settle()
		if n := f.pushes.count("/a1-phone"); n != 1 {
			t.Fatalf("a1's phone got %d pushes, want 1", n)
		}
		var withDevice, without int
		err := db.InTx(f.ctx, func(tx *store.Tx) error {
			q := "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND payload LIKE $2"
			if err := tx.QueryRowContext(f.ctx, q, notify.JobPush, fmt.Sprintf(`%%"user_id":%d,%%`, f.a1.ID)).Scan(&withDevice); err != nil {
				return err
			}
			return tx.QueryRowContext(f.ctx, q, notify.JobPush, fmt.Sprintf(`%%"user_id":%d,%%`, f.a2.ID)).Scan(&without)
		})
		if err != nil {
			t.Fatal(err)
		}
		if withDevice != 1 || without != 0 {
			t.Fatalf("push jobs: %d for the agent with a phone (want 1), %d for the one without (want 0)", withDevice, without)
		}
	})
}
