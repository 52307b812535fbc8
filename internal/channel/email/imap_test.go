package email

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/channel/email/mailtest"
	"github.com/parleyhq/parley/internal/errs"
)

// mailboxRecorder is a MailboxHandler that hands what it gets to the test.
type mailboxRecorder struct {
	msgs   chan FetchedMessage
	states chan State
	fail   atomic.Int32 // how many of the next HandleMessage calls fail
}

func newMailboxRecorder() *mailboxRecorder {
	return &mailboxRecorder{msgs: make(chan FetchedMessage, 32), states: make(chan State, 32)}
}

func (r *mailboxRecorder) HandleMessage(_ context.Context, m FetchedMessage) error {
	if r.fail.Add(-1) >= 0 {
		return errors.New("the database is down")
	}
	r.msgs <- m
	return nil
}

func (r *mailboxRecorder) SaveState(_ context.Context, st State) error {
	r.states <- st
	return nil
}

func (r *mailboxRecorder) nextMessage(t *testing.T) FetchedMessage {
	t.Helper()
	select {
	case m := <-r.msgs:
		return m
	case <-time.After(20 * time.Second):
		t.Fatal("no message was handed over")
		return FetchedMessage{}
	}
}

func (r *mailboxRecorder) nextState(t *testing.T) State {
	t.Helper()
	select {
	case st := <-r.states:
		return st
	case <-time.After(20 * time.Second):
		t.Fatal("no state was saved")
		return State{}
	}
}

// watch runs mb.Watch until the returned function is called.
func watch(t *testing.T, mb *IMAPMailbox, st State, h MailboxHandler) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mb.Watch(ctx, st, h) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Watch: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("Watch did not return after its context ended")
		}
	}
	t.Cleanup(stop)
	return stop
}

func testMail(subject string) []byte {
	return fmt.Appendf(nil, "From: Anna <anna@example.org>\r\nTo: agent@parley.test\r\nSubject: %s\r\nMessage-ID: <%s@example.org>\r\n\r\nHello from %s.\r\n",
		subject, strings.ReplaceAll(subject, " ", "-"), subject)
}

func subjectOf(t *testing.T, m FetchedMessage) string {
	t.Helper()
	in, _ := Parse(m.Raw)
	return in.Subject
}

func mailboxFor(dv *mailtest.Dovecot) *IMAPMailbox {
	return &IMAPMailbox{
		Settings: IMAPSettings{Host: dv.Host, Port: dv.Port, Security: SecurityNone, Username: dv.User, Password: dv.Password,
			// Long enough that only IDLE can explain mail arriving within the test's deadline.
			PollInterval: time.Hour, Timeout: 10 * time.Second},
		Resync:     time.Hour,
		MinBackoff: 20 * time.Millisecond,
		MaxBackoff: 200 * time.Millisecond,
	}
}

// First connect takes only mail that arrives from then on; IDLE brings it in at once; the state
// handed over lets the next run go on where this one stopped, without repeats.
func TestIMAPTakesNewMailOnce(t *testing.T) {
	dv := mailtest.StartDovecot(t, mailtest.DovecotOptions{})
	dv.Append(t, "INBOX", testMail("old one"))
	dv.Append(t, "INBOX", testMail("old two"))
	mb := mailboxFor(dv)
	rec := newMailboxRecorder()

	stop := watch(t, mb, State{}, rec)
	start := rec.nextState(t)
	if start.UIDValidity == 0 || start.LastUID != 2 || start.Since.IsZero() {
		t.Fatalf("starting state = %+v, want the two old messages behind it", start)
	}
	dv.Append(t, "INBOX", testMail("new one"))
	m := rec.nextMessage(t)
	if subjectOf(t, m) != "new one" || m.UID != 3 || m.Folder != "INBOX" {
		t.Fatalf("first message handed over: %q uid %d, want the new one (uid 3)", subjectOf(t, m), m.UID)
	}
	if m.State.UIDValidity != start.UIDValidity || m.State.LastUID != 3 || m.InternalDate.IsZero() {
		t.Errorf("state after the message = %+v", m.State)
	}
	stop()

	// While nobody watches, more mail comes; the next run starts from the stored state.
	dv.Append(t, "INBOX", testMail("new two"))
	stop = watch(t, mb, m.State, rec)
	defer stop()
	m2 := rec.nextMessage(t)
	if subjectOf(t, m2) != "new two" || m2.UID != 4 {
		t.Fatalf("after a reconnect: %q uid %d, want only the new two (uid 4)", subjectOf(t, m2), m2.UID)
	}
	select {
	case st := <-rec.states:
		t.Errorf("a valid state was replaced: %+v", st)
	default:
	}
}

func TestIMAPPollsWithoutIdle(t *testing.T) {
	dv := mailtest.StartDovecot(t, mailtest.DovecotOptions{NoIdle: true})
	mb := mailboxFor(dv)
	mb.Settings.PollInterval = 100 * time.Millisecond
	rec := newMailboxRecorder()
	watch(t, mb, State{}, rec)
	rec.nextState(t)
	dv.Append(t, "INBOX", testMail("polled"))
	if m := rec.nextMessage(t); subjectOf(t, m) != "polled" {
		t.Errorf("got %q", subjectOf(t, m))
	}
}

// A handler that fails (the database is down) gets the same message again after a reconnect.
func TestIMAPRetriesAfterAFailedHandler(t *testing.T) {
	dv := mailtest.StartDovecot(t, mailtest.DovecotOptions{})
	mb := mailboxFor(dv)
	rec := newMailboxRecorder()
	rec.fail.Store(2)
	watch(t, mb, State{}, rec)
	rec.nextState(t)
	dv.Append(t, "INBOX", testMail("retried"))
	m := rec.nextMessage(t)
	if subjectOf(t, m) != "retried" || rec.fail.Load() >= 0 {
		t.Errorf("got %q after %d failures left", subjectOf(t, m), rec.fail.Load())
	}
}

// A folder renumbered by the server (UIDVALIDITY changed) is read again from the day of the last
// message taken; the seam drops repeats by Message-ID, so nothing is lost.
func TestIMAPRenumberedFolder(t *testing.T) {
	dv := mailtest.StartDovecot(t, mailtest.DovecotOptions{})
	mb := mailboxFor(dv)
	rec := newMailboxRecorder()
	stop := watch(t, mb, State{}, rec)
	rec.nextState(t)
	dv.Append(t, "INBOX", testMail("before"))
	before := rec.nextMessage(t)
	stop()

	dv.SetUIDValidity(t, "INBOX", before.State.UIDValidity+1000)
	dv.Append(t, "INBOX", testMail("after"))
	watch(t, mb, before.State, rec)
	got := map[string]bool{}
	for range 2 {
		m := rec.nextMessage(t)
		got[subjectOf(t, m)] = true
		if m.State.UIDValidity != before.State.UIDValidity+1000 {
			t.Errorf("state after renumbering = %+v", m.State)
		}
	}
	if !got["before"] || !got["after"] {
		t.Errorf("after renumbering got %v, want the day's mail again", got)
	}
}

func TestIMAPTestNamesTheStep(t *testing.T) {
	cert := mailtest.NewCert(t, t.TempDir())
	dv := mailtest.StartDovecot(t, mailtest.DovecotOptions{Cert: cert})
	dv.CreateFolder(t, "Support")
	dns := &mailtest.DNS{IP: map[string][]string{"imap.acme.test": {"127.0.0.1"}, mailtest.CertHost: {"127.0.0.1"}}}
	good := IMAPSettings{Host: "127.0.0.1", Port: dv.Port, Security: SecuritySTARTTLS, Username: dv.User, Password: dv.Password, Folder: "Support", Timeout: 10 * time.Second}

	cases := []struct {
		name    string
		change  func(*IMAPSettings)
		roots   bool
		want    string
		message string
	}{
		{"starttls", func(*IMAPSettings) {}, true, "", ""},
		{"tls", func(s *IMAPSettings) { s.Security, s.Port = SecurityTLS, dv.TLSPort }, true, "", ""},
		{"none on loopback", func(s *IMAPSettings) { s.Security = SecurityNone }, true, "", ""},
		{"tls by name", func(s *IMAPSettings) { s.Host, s.Security, s.Port = mailtest.CertHost, SecurityTLS, dv.TLSPort }, true, "", ""},
		{"starttls by name", func(s *IMAPSettings) { s.Host = mailtest.CertHost }, true, "", ""},
		{"unknown host", func(s *IMAPSettings) { s.Host = "nowhere.acme.test" }, true, CodeIMAPDNS, "could not be looked up"},
		{"wrong port", func(s *IMAPSettings) { s.Port = closedPort(t) }, true, CodeIMAPConnect, "could not connect"},
		{"untrusted certificate", func(*IMAPSettings) {}, false, CodeIMAPTLS, "not signed by a trusted authority"},
		{"tls on the plain port", func(s *IMAPSettings) { s.Security = SecurityTLS }, true, CodeIMAPTLS, "did not answer with TLS"},
		{"password in the clear", func(s *IMAPSettings) { s.Host, s.Security = "imap.acme.test", SecurityNone }, true, CodeIMAPAuth, "without TLS"},
		{"missing folder", func(s *IMAPSettings) { s.Folder = "Nope" }, true, CodeIMAPMailbox, `the folder "Nope"`},
		// Last: Dovecot slows down logins from an address after a failed one.
		{"wrong password", func(s *IMAPSettings) { s.Password = "wrong" }, true, CodeIMAPAuth, "refused the user name or password"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			settings := good
			c.change(&settings)
			mb := &IMAPMailbox{Settings: settings, Resolver: dns}
			if c.roots {
				mb.RootCAs = cert.Pool
			}
			err := mb.Test(context.Background())
			if c.want == "" {
				if err != nil {
					t.Fatalf("Test: %v", err)
				}
				return
			}
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != c.want || !strings.Contains(e.Message, c.message) {
				t.Fatalf("Test = %v, want code %s with %q", err, c.want, c.message)
			}
		})
	}
}
