package widget_test

import (
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
	"github.com/parleyhq/parley/internal/testworld"
	"github.com/parleyhq/parley/internal/widget"
)

// The visitor's side of website chat against the real contact and conversation services and the
// real store, on both engines.

type fixture struct {
	*testworld.World
	contacts *contact.Service
	convs    *conversation.Service
	svc      *widget.Service
	feed     *fakeFeed
}

// fakeFeed hands the widget service the notices a test makes up (blocks made on another node).
type fakeFeed struct{ fns []func(*event.Notice) }

func (f *fakeFeed) Subscribe(fn func(*event.Notice)) { f.fns = append(f.fns, fn) }

func (f *fakeFeed) deliver(n *event.Notice) {
	for _, fn := range f.fns {
		fn(n)
	}
}

func newFixture(t *testing.T, db *store.DB, limits widget.Limits) *fixture {
	t.Helper()
	w := testworld.New(t, db, testworld.Options{})
	f := &fixture{World: w, feed: &fakeFeed{}}
	f.contacts = contact.NewService(contact.Options{Repo: db})
	f.convs = conversation.NewService(conversation.Options{Repo: db, Presence: w.Presence, Mask: testworld.Mask, Now: w.Now})
	f.svc = widget.New(widget.Options{Contacts: f.contacts, Conversations: f.convs, Feed: f.feed, Limits: limits})
	return f
}

// visitor starts a new visitor's session.
func (f *fixture) visitor(t *testing.T, ip string) *widget.Session {
	t.Helper()
	sess, err := f.svc.Session(f.Ctx, f.Site, contact.SessionInput{UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
		IP: ip, PageURL: "https://example.com/pricing", PageTitle: "Pricing"})
	if err != nil {
		t.Fatal(err)
	}
	if sess.Token == "" || sess.Visitor == nil {
		t.Fatalf("a new visitor's session has no token or visitor: %+v", sess)
	}
	return sess
}

func (f *fixture) send(sess *widget.Session, ip, body, clientID string) (*conversation.Message, error) {
	_, m, err := f.svc.Send(f.Ctx, sess, ip, conversation.MessageInput{Body: body, ClientID: clientID})
	return m, err
}

func wantCode(t *testing.T, err error, kind errs.Kind, code string) {
	t.Helper()
	if !errs.Is(err, kind) {
		t.Fatalf("err = %v, want %s %s", err, kind, code)
	}
	if got, _ := errs.Public(err); got != code {
		t.Fatalf("code = %s, want %s (%v)", got, code, err)
	}
}

// roomy is a limit no test below reaches.
var roomy = widget.Limits{PerVisitorBurst: 1000, PerVisitorEvery: time.Millisecond, PerIPBurst: 1000, PerIPEvery: time.Millisecond}

// A visitor writes, comes back with their token (another tab, a socket's auth frame) and sees their
// conversation; a retried send is the same message; a note flag from the visitor is ignored; a
// token of nobody, or of another website, is refused.
func TestVisitorWritesAndResumes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, roomy)
		sess := f.visitor(t, "203.0.113.7")

		if err := f.svc.Typing(f.Ctx, sess, true); err != nil {
			t.Fatalf("typing before any conversation: %v", err)
		}
		c, m, err := f.svc.Send(f.Ctx, sess, "203.0.113.7", conversation.MessageInput{Body: "Do you ship to Vienna?", ClientID: "c-1", Note: true})
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != conversation.Open || m.SenderKind != conversation.FromVisitor || m.Kind == conversation.Note {
			t.Fatalf("the visitor's message: conversation %+v, message %+v", c, m)
		}
		again, err := f.send(sess, "203.0.113.7", "Do you ship to Vienna?", "c-1")
		if err != nil || again.ID != m.ID {
			t.Fatalf("a retried send stored another message: %+v, %v (first %d)", again, err, m.ID)
		}

		back, err := f.svc.Authenticate(f.Ctx, f.Site, sess.Token, "203.0.113.7", "Mozilla/5.0")
		if err != nil {
			t.Fatal(err)
		}
		if back.Visitor.ID != sess.Visitor.ID || back.ContactID() != sess.ContactID() || back.ContactID() == 0 || back.Token != "" {
			t.Fatalf("resumed session %+v, want visitor %d without a new token", back, sess.Visitor.ID)
		}
		got, msgs, err := f.svc.Conversation(f.Ctx, back, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != c.ID || len(msgs) != 1 || msgs[0].Body != "Do you ship to Vienna?" {
			t.Fatalf("the visitor's conversation: %+v with %+v", got, msgs)
		}
		if err := f.svc.MarkRead(f.Ctx, back, 0, got.LastSeq); err != nil {
			t.Fatalf("mark read: %v", err)
		}
		if _, err := f.svc.Session(f.Ctx, f.Site, contact.SessionInput{Token: sess.Token, PageURL: "https://example.com/cart"}); err != nil {
			t.Fatalf("a session resumed by token: %v", err)
		}

		_, err = f.svc.Authenticate(f.Ctx, f.Site, "", "203.0.113.7", "Mozilla/5.0")
		wantCode(t, err, errs.Unauthenticated, "visitor_token_invalid")
		_, err = f.svc.Authenticate(f.Ctx, f.Site, "pv_nobody", "203.0.113.7", "Mozilla/5.0")
		wantCode(t, err, errs.Unauthenticated, "visitor_token_invalid")
		other := *f.Site
		other.ID = f.Site.ID + 1000
		_, err = f.svc.Authenticate(f.Ctx, &other, sess.Token, "203.0.113.7", "Mozilla/5.0")
		wantCode(t, err, errs.Unauthenticated, "visitor_token_invalid")
	})
}

// A page of another domain than the website's is not recorded.
func TestPageViewsOnlyOnAllowedDomains(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, roomy)
		sess := f.visitor(t, "203.0.113.7")
		if err := f.svc.PageView(f.Ctx, sess, "https://example.com/about", "About"); err != nil {
			t.Fatalf("a page of the website: %v", err)
		}
		if err := f.svc.PageView(f.Ctx, sess, "https://evil.example/", "Evil"); err == nil {
			t.Fatal("a page of another domain was recorded")
		}
	})
}

// One visitor may send a burst, then is refused until their allowance refills; another visitor on
// the same address is not held back by them.
func TestSendLimitPerVisitor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, widget.Limits{PerVisitorBurst: 3, PerVisitorEvery: time.Hour, PerIPBurst: 100, PerIPEvery: time.Millisecond})
		ana, ben := f.visitor(t, "203.0.113.7"), f.visitor(t, "203.0.113.7")
		for i := range 3 {
			if _, err := f.send(ana, "203.0.113.7", "hello", "a-"+string(rune('0'+i))); err != nil {
				t.Fatalf("message %d of the burst: %v", i+1, err)
			}
		}
		_, err := f.send(ana, "203.0.113.7", "hello?", "a-3")
		wantCode(t, err, errs.RateLimited, "too_many_messages")
		if _, err := f.send(ben, "203.0.113.7", "me too", "b-0"); err != nil {
			t.Fatalf("another visitor on the same address: %v", err)
		}
		// The refused message was not stored.
		_, msgs, err := f.svc.Conversation(f.Ctx, ana, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 3 {
			t.Fatalf("the limited visitor's conversation has %d messages, want 3", len(msgs))
		}
	})
}

// An address shared by many visitors (an office) has its own, larger allowance: past it every
// visitor there is refused, and a visitor elsewhere is not.
func TestSendLimitPerAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, widget.Limits{PerVisitorBurst: 100, PerVisitorEvery: time.Millisecond, PerIPBurst: 4, PerIPEvery: time.Hour})
		office := []*widget.Session{f.visitor(t, "198.51.100.1"), f.visitor(t, "198.51.100.1")}
		for i := range 4 {
			if _, err := f.send(office[i%2], "198.51.100.1", "hi", "o-"+string(rune('0'+i))); err != nil {
				t.Fatalf("message %d from the office: %v", i+1, err)
			}
		}
		for i, v := range office {
			_, err := f.send(v, "198.51.100.1", "anyone?", "late-"+string(rune('0'+i)))
			wantCode(t, err, errs.RateLimited, "too_many_messages")
		}
		home := f.visitor(t, "192.0.2.44")
		if _, err := f.send(home, "192.0.2.44", "hello from home", "h-0"); err != nil {
			t.Fatalf("a visitor on another address: %v", err)
		}
	})
}

// A blocked visitor cannot send. The service reads the block lists once per session until a block
// is announced (by any node): the announcement makes the next send read them again.
func TestBlockedVisitorIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, roomy)
		sess := f.visitor(t, "203.0.113.7")
		if _, err := f.send(sess, "203.0.113.7", "first", "c-0"); err != nil {
			t.Fatal(err)
		}
		if err := f.contacts.Block(f.Ctx, f.Admin, sess.Visitor.ID); err != nil {
			t.Fatal(err)
		}
		f.feed.deliver(&event.Notice{Events: []event.Event{{Type: event.ContactBlocked}}})
		_, err := f.send(sess, "203.0.113.7", "second", "c-1")
		wantCode(t, err, errs.Forbidden, "blocked")
		// A new session of the same visitor is refused too.
		_, err = f.svc.Authenticate(f.Ctx, f.Site, sess.Token, "203.0.113.7", "Mozilla/5.0")
		wantCode(t, err, errs.Forbidden, "blocked")
	})
}
