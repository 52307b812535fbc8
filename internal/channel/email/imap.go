package email

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
)

// IMAPSettings are how Parley reaches a mailbox it fetches mail from.
type IMAPSettings struct {
	Host     string
	Port     int      // 0: 143 for none and starttls, 993 for tls
	Security Security // none, starttls or tls
	Username string
	Password string
	Folder   string // empty: INBOX
	// PollInterval is how often to look for new mail on a server without IDLE; 0: one minute.
	PollInterval time.Duration
	Timeout      time.Duration // per step and command; 0: 60 s
}

func (s IMAPSettings) port() int {
	switch {
	case s.Port != 0:
		return s.Port
	case s.Security == SecurityTLS:
		return 993
	}
	return 143
}

func (s IMAPSettings) folder() string {
	if s.Folder == "" {
		return "INBOX"
	}
	return s.Folder
}

func (s IMAPSettings) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 60 * time.Second
}

func (s IMAPSettings) pollInterval() time.Duration {
	if s.PollInterval > 0 {
		return s.PollInterval
	}
	return time.Minute
}

// State is where fetching stopped in a folder. The caller stores it (HandleMessage and SaveState
// hand it over) and passes it back to Watch, so that mail is fetched once across restarts.
type State struct {
	// UIDValidity identifies the folder's UID numbering; when the server renumbers (a restored
	// or recreated folder), the UIDs below mean nothing any more.
	UIDValidity uint32
	// LastUID is the highest UID taken.
	LastUID uint32
	// Since is the arrival time of the last message taken (or when watching began). After a
	// renumbering, mail that arrived on or after its day is fetched again; the seam drops the
	// repeats by Message-ID.
	Since time.Time
}

// FetchedMessage is one new message of a watched folder.
type FetchedMessage struct {
	Folder       string
	UID          uint32
	InternalDate time.Time // when the server received it
	Raw          []byte
	// State is the folder's state once this message is taken; store it with the message.
	State State
}

// MailboxHandler receives what Watch finds.
type MailboxHandler interface {
	// HandleMessage takes one new message, in UID order. It should store the message and
	// m.State together; when it fails, Watch reconnects after a pause and offers the message
	// again, so it must be idempotent (the seam is, by Message-ID).
	HandleMessage(ctx context.Context, m FetchedMessage) error
	// SaveState stores a state that changed without a message: the starting point on first
	// connect, or after the server renumbered the folder.
	SaveState(ctx context.Context, st State) error
}

// Mailbox is a folder on a mail server that Parley takes new mail from.
type Mailbox interface {
	// Test checks the settings: connect, TLS, login and folder.
	Test(ctx context.Context) error
	// Watch hands each new message to h until ctx ends, reconnecting after failures.
	Watch(ctx context.Context, st State, h MailboxHandler) error
}

// IMAPMailbox is a Mailbox reached over IMAP. On first connect (a zero State) it takes only mail
// that arrives from then on, not the folder's history. It waits with IDLE when the server offers it
// and polls every PollInterval otherwise. Messages are fetched with BODY.PEEK, so their \Seen flag
// is left alone for the people who read the same mailbox.
type IMAPMailbox struct {
	Settings IMAPSettings
	Resolver Resolver
	RootCAs  *x509.CertPool
	Logger   *slog.Logger
	// MinBackoff and MaxBackoff bound the pause before reconnecting; 0: 1 s and 5 minutes.
	MinBackoff, MaxBackoff time.Duration
	// Resync is how often a waiting IDLE is ended to look for new mail anyway, in case a
	// notification was lost; 0: 10 minutes.
	Resync time.Duration
}

var _ Mailbox = (*IMAPMailbox)(nil)

func (m *IMAPMailbox) log() *slog.Logger {
	if m.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return m.Logger
}

// imapConn is a logged-in client with its folder selected.
type imapConn struct {
	c       *client.Client
	conn    net.Conn
	stop    func() bool
	status  *imap.MailboxStatus
	updates chan client.Update
}

func (ic *imapConn) close() {
	ic.stop()
	_ = ic.conn.SetDeadline(time.Now().Add(2 * time.Second))
	_ = ic.c.Logout()
	_ = ic.conn.Close()
}

// open runs the steps up to a selected folder: DNS, connect, TLS, greeting, login, folder. Its
// errors are *stepError.
func (m *IMAPMailbox) open(ctx context.Context) (*imapConn, error) {
	s := m.Settings
	if !s.Security.valid() {
		return nil, failAt(StepConnect, errors.New("invalid security"), "security must be none, starttls or tls, not %q", s.Security)
	}
	if s.Host == "" {
		return nil, failAt(StepDNS, errors.New("no host"), "no IMAP server is set")
	}
	d := dialer{resolver: m.Resolver, rootCAs: m.RootCAs, timeout: s.timeout()}
	conn, err := d.dial(ctx, s.Host, s.port())
	if err != nil {
		return nil, err
	}
	stop := closeOnCancel(ctx, conn)
	fail := func(err error) (*imapConn, error) {
		stop()
		_ = conn.Close()
		if ctx.Err() != nil {
			return nil, failAt(StepConnect, ctx.Err(), "gave up talking to %s", s.Host)
		}
		return nil, err
	}
	if s.Security == SecurityTLS {
		tc, err := d.handshake(ctx, conn, s.Host)
		if err != nil {
			return fail(err)
		}
		conn = tc
	}
	_ = conn.SetDeadline(time.Now().Add(d.timeout))
	c, err := client.New(conn)
	if err != nil {
		return fail(failAt(StepGreeting, err, "%s port %d did not greet like an IMAP server", s.Host, s.port()))
	}
	c.ErrorLog = slogPrinter{m.log()}
	c.Timeout = d.timeout
	// Updates must be read at all times, or the client blocks; a goroutine per connection turns
	// them into a wake-up signal (see watch).
	updates := make(chan client.Update, 64)
	c.Updates = updates
	if s.Security == SecuritySTARTTLS {
		if ok, _ := c.SupportStartTLS(); !ok {
			return fail(failAt(StepTLS, errors.New("STARTTLS not offered"), "the server does not offer STARTTLS; choose security none or tls, or another port"))
		}
		if err := c.StartTLS(d.tlsConfig(s.Host)); err != nil {
			return fail(tlsFailure(s.Host, err))
		}
	}
	// The client only knows about TLS it started itself (STARTTLS), not a connection that was TLS
	// from the start, so the security setting, which both steps above enforce, is what tells.
	if s.Security == SecurityNone && !isLoopbackHost(s.Host) {
		return fail(failAt(StepAuth, errors.New("unencrypted connection"), "refusing to send the password without TLS; choose starttls or tls"))
	}
	if err := c.Login(s.Username, s.Password); err != nil {
		return fail(failAt(StepAuth, err, "the server refused the user name or password"))
	}
	// EXAMINE (read-only): taking mail must not change the folder for the people who read it.
	status, err := c.Select(s.folder(), true)
	if err != nil {
		return fail(failAt(StepMailbox, err, "the folder %q could not be opened", s.folder()))
	}
	return &imapConn{c: c, conn: conn, stop: stop, status: status, updates: updates}, nil
}

// Test checks IMAP settings: it connects, starts TLS, logs in and opens the folder. The error is
// an errs.Error of kind Invalid whose code names the step that failed (CodeIMAPDNS,
// CodeIMAPConnect, CodeIMAPTLS, CodeIMAPGreeting, CodeIMAPAuth, CodeIMAPMailbox).
func (m *IMAPMailbox) Test(ctx context.Context) error {
	ic, err := m.open(ctx)
	if err != nil {
		return coded("imap", err)
	}
	ic.close()
	return nil
}

// Watch hands each new message of the folder to h, in UID order, until ctx ends; it returns nil
// then. Failures (the network, the server, h) are logged and followed by a reconnect after a pause
// that doubles up to MaxBackoff. st is where the last run stopped; the zero State starts from now.
func (m *IMAPMailbox) Watch(ctx context.Context, st State, h MailboxHandler) error {
	minB, maxB := m.MinBackoff, m.MaxBackoff
	if minB <= 0 {
		minB = time.Second
	}
	if maxB < minB {
		maxB = max(minB, 5*time.Minute)
	}
	backoff := minB
	for {
		started := time.Now()
		err := m.session(ctx, &st, h)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(started) > time.Minute {
			backoff = minB // it worked for a while: start over
		}
		m.log().Warn("imap: mailbox watch failed, reconnecting", "host", m.Settings.Host, "folder", m.Settings.folder(), "in", backoff, "err", err)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(backoff*2, maxB)
	}
}

// session runs one connection: catch up, then wait for news and catch up again, until an error or
// the end of ctx. It keeps *st current.
func (m *IMAPMailbox) session(ctx context.Context, st *State, h MailboxHandler) error {
	ic, err := m.open(ctx)
	if err != nil {
		return err
	}
	defer ic.close()

	wake := make(chan struct{}, 1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case u := <-ic.updates:
				if _, ok := u.(*client.MailboxUpdate); ok {
					select {
					case wake <- struct{}{}:
					default:
					}
				}
			case <-done:
				return
			}
		}
	}()

	status := ic.status
	switch {
	case st.UIDValidity == 0:
		last, err := lastUID(ic.c, status)
		if err != nil {
			return fmt.Errorf("imap: find the newest message: %w", err)
		}
		*st = State{UIDValidity: status.UidValidity, LastUID: last, Since: time.Now().UTC()}
		if err := h.SaveState(ctx, *st); err != nil {
			return fmt.Errorf("imap: save state: %w", err)
		}
	case st.UIDValidity != status.UidValidity:
		m.log().Warn("imap: the folder was renumbered (UIDVALIDITY changed); fetching recent mail again",
			"folder", m.Settings.folder(), "old", st.UIDValidity, "new", status.UidValidity, "since", st.Since)
		if err := m.refetchSince(ctx, ic, st, status.UidValidity, h); err != nil {
			return err
		}
	}

	resync := m.Resync
	if resync <= 0 {
		resync = 10 * time.Minute
	}
	for {
		if err := m.fetchNew(ctx, ic, st, h); err != nil {
			return err
		}
		if err := m.wait(ctx, ic, wake, resync); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// wait idles until the folder changes, resync passes or ctx ends; on a server without IDLE it
// waits PollInterval, after which the caller searches for new mail again.
func (m *IMAPMailbox) wait(ctx context.Context, ic *imapConn, wake <-chan struct{}, resync time.Duration) error {
	// Something may have arrived while fetching.
	select {
	case <-wake:
		return nil
	default:
	}
	// The last command's deadline would cut the connection while it waits.
	_ = ic.conn.SetDeadline(time.Time{})
	if ok, _ := ic.c.Support("IDLE"); !ok {
		t := time.NewTimer(m.Settings.pollInterval())
		defer t.Stop()
		select {
		case <-wake:
		case <-t.C:
		case <-ctx.Done():
		}
		return nil
	}
	stop := make(chan struct{})
	idleDone := make(chan error, 1)
	timeout := ic.c.Timeout
	ic.c.Timeout = 0 // IDLE is one long command; the command timeout would end it
	defer func() { ic.c.Timeout = timeout }()
	go func() { idleDone <- ic.c.Idle(stop, &client.IdleOptions{LogoutTimeout: -1}) }()
	t := time.NewTimer(resync)
	defer t.Stop()
	select {
	case <-wake:
	case <-t.C:
	case <-ctx.Done():
		close(stop)
		<-idleDone
		return nil
	case err := <-idleDone:
		if err == nil {
			err = errors.New("imap: the server ended IDLE")
		}
		return err
	}
	close(stop)
	return <-idleDone
}

// lastUID is the highest UID in the selected folder, 0 when it is empty.
func lastUID(c *client.Client, status *imap.MailboxStatus) (uint32, error) {
	if status.UidNext > 0 {
		return status.UidNext - 1, nil
	}
	crit := imap.NewSearchCriteria()
	crit.Uid = new(imap.SeqSet)
	crit.Uid.AddRange(1, 0)
	uids, err := c.UidSearch(crit)
	if err != nil {
		return 0, err
	}
	var last uint32
	for _, u := range uids {
		last = max(last, u)
	}
	return last, nil
}

// fetchBatch is how many messages are fetched in one command: few, to bound memory.
const fetchBatch = 10

// fetchNew hands over the messages above st.LastUID.
func (m *IMAPMailbox) fetchNew(ctx context.Context, ic *imapConn, st *State, h MailboxHandler) error {
	crit := imap.NewSearchCriteria()
	crit.Uid = new(imap.SeqSet)
	crit.Uid.AddRange(st.LastUID+1, 0)
	uids, err := ic.c.UidSearch(crit)
	if err != nil {
		return fmt.Errorf("imap: search new mail: %w", err)
	}
	// "n:*" also matches the highest UID when it is below n.
	uids = slices.DeleteFunc(uids, func(u uint32) bool { return u <= st.LastUID })
	return m.take(ctx, ic, st, uids, h)
}

// refetchSince handles a renumbered folder: it takes again whatever arrived on or after the day of
// st.Since, under the new numbering. Each message carries the new numbering's state; until the
// first one is taken, the old state stands, so a failure here never turns into a fetch of the
// folder's whole history.
func (m *IMAPMailbox) refetchSince(ctx context.Context, ic *imapConn, st *State, validity uint32, h MailboxHandler) error {
	crit := imap.NewSearchCriteria()
	crit.Since = st.Since
	if st.Since.IsZero() {
		crit.Since = time.Now().Add(-24 * time.Hour)
	}
	uids, err := ic.c.UidSearch(crit)
	if err != nil {
		return fmt.Errorf("imap: search recent mail: %w", err)
	}
	if len(uids) == 0 {
		last, err := lastUID(ic.c, ic.status)
		if err != nil {
			return err
		}
		next := State{UIDValidity: validity, LastUID: last, Since: st.Since}
		if err := h.SaveState(ctx, next); err != nil {
			return fmt.Errorf("imap: save state: %w", err)
		}
		*st = next
		return nil
	}
	old := *st
	*st = State{UIDValidity: validity, Since: old.Since}
	if err := m.take(ctx, ic, st, uids, h); err != nil {
		if st.LastUID == 0 {
			*st = old
		}
		return err
	}
	return nil
}

// take fetches the messages uids in batches and hands them to h in UID order, advancing *st after
// each one h took.
func (m *IMAPMailbox) take(ctx context.Context, ic *imapConn, st *State, uids []uint32, h MailboxHandler) error {
	slices.Sort(uids)
	section := &imap.BodySectionName{Peek: true}
	items := []imap.FetchItem{imap.FetchUid, imap.FetchInternalDate, section.FetchItem()}
	for len(uids) > 0 {
		n := min(len(uids), fetchBatch)
		batch := uids[:n]
		uids = uids[n:]
		set := new(imap.SeqSet)
		set.AddNum(batch...)
		ch := make(chan *imap.Message, n)
		fetchErr := make(chan error, 1)
		go func() { fetchErr <- ic.c.UidFetch(set, items, ch) }()
		var got []FetchedMessage
		for msg := range ch {
			body := msg.GetBody(section)
			if body == nil {
				continue
			}
			raw, err := io.ReadAll(body)
			if err != nil {
				continue
			}
			got = append(got, FetchedMessage{Folder: m.Settings.folder(), UID: msg.Uid, InternalDate: msg.InternalDate.UTC(), Raw: raw})
		}
		if err := <-fetchErr; err != nil {
			return fmt.Errorf("imap: fetch: %w", err)
		}
		// The handler may take longer than the command timeout; the connection must outlive it.
		_ = ic.conn.SetDeadline(time.Time{})
		slices.SortFunc(got, func(a, b FetchedMessage) int { return int(int64(a.UID) - int64(b.UID)) })
		for _, fm := range got {
			if fm.UID <= st.LastUID {
				continue
			}
			next := State{UIDValidity: st.UIDValidity, LastUID: fm.UID, Since: st.Since}
			if fm.InternalDate.After(next.Since) {
				next.Since = fm.InternalDate
			}
			fm.State = next
			if err := h.HandleMessage(ctx, fm); err != nil {
				return fmt.Errorf("imap: handle message %d: %w", fm.UID, err)
			}
			*st = next
		}
	}
	return nil
}
