package mailtest

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is a message a Sink took.
type Received struct {
	From string   // MAIL FROM
	To   []string // RCPT TO
	Data []byte
	TLS  bool // came over STARTTLS or TLS
	User string
}

// SinkOptions shape a Sink's behaviour.
type SinkOptions struct {
	// TLS offers STARTTLS with this configuration; with ImplicitTLS the sink speaks TLS from the
	// first byte instead.
	TLS         *tls.Config
	ImplicitTLS bool
	// Username and Password, when set, are required (AUTH PLAIN) before MAIL FROM.
	Username, Password string
	// Reject, when set, is asked about every RCPT TO; a non-nil *smtp.SMTPError is the reply.
	Reject func(rcpt string) error
}

// Sink is an SMTP server on loopback that records every message it is given.
type Sink struct {
	opts   SinkOptions
	server *smtp.Server
	ln     net.Listener

	mu       sync.Mutex
	received []Received
	changed  chan struct{} // closed and replaced on every new message
}

// NewSink starts a sink on a free loopback port; Close stops it.
func NewSink(opts SinkOptions) (*Sink, error) {
	s := &Sink{opts: opts, changed: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &sinkSession{sink: s, conn: c}, nil
	}))
	srv.Domain = "sink.localhost"
	srv.AllowInsecureAuth = true
	srv.MaxMessageBytes = 64 << 20
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = discardLogger{}
	srv.EnableDSN = true
	srv.EnableSMTPUTF8 = true
	var (
		ln  net.Listener
		err error
	)
	if opts.ImplicitTLS {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", opts.TLS)
	} else {
		srv.TLSConfig = opts.TLS
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return nil, err
	}
	s.server, s.ln = srv, ln
	go func() { _ = srv.Serve(ln) }()
	return s, nil
}

// StartSink starts a sink that the test's cleanup stops.
func StartSink(t testing.TB, opts SinkOptions) *Sink {
	t.Helper()
	s, err := NewSink(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Close stops the sink.
func (s *Sink) Close() { _ = s.server.Close() }

// Addr is the sink's "127.0.0.1:port".
func (s *Sink) Addr() string { return s.ln.Addr().String() }

// Port is the sink's port.
func (s *Sink) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr())
	n, _ := strconv.Atoi(p)
	return n
}

// Messages returns what the sink has received so far.
func (s *Sink) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// WaitFor waits until a message for which match returns true arrives (or has arrived), up to
// timeout, and returns it; the test fails if none does.
func (s *Sink) WaitFor(t testing.TB, timeout time.Duration, match func(Received) bool) Received {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		s.mu.Lock()
		for _, r := range s.received {
			if match(r) {
				s.mu.Unlock()
				return r
			}
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("sink: no matching message within %s (got %d messages)", timeout, len(s.Messages()))
			return Received{}
		}
	}
}

func (s *Sink) add(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received = append(s.received, r)
	close(s.changed)
	s.changed = make(chan struct{})
}

type sinkSession struct {
	sink *Sink
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (ss *sinkSession) AuthMechanisms() []string {
	if ss.sink.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *sinkSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != ss.sink.opts.Username || password != ss.sink.opts.Password {
			return smtp.ErrAuthFailed
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *sinkSession) Reset() { ss.from, ss.to = "", nil }

func (ss *sinkSession) Logout() error { return nil }

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.sink.opts.Username != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.sink.opts.Reject != nil {
		if err := ss.sink.opts.Reject(to); err != nil {
			return err
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(ss.to) == 0 {
		return errors.New("no recipients")
	}
	_, isTLS := ss.conn.TLSConnectionState()
	ss.sink.add(Received{From: ss.from, To: append([]string(nil), ss.to...), Data: data, TLS: isTLS, User: ss.user})
	return nil
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}
