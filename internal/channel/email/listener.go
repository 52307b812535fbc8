package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/parleyhq/parley/internal/errs"
)

// DefaultMaxMessageBytes is the listener's size limit when none is set: 25 MB, what the big mail
// providers accept.
const DefaultMaxMessageBytes = 25 << 20

// ListenerConfig sets up the inbound SMTP listener, Parley's MX.
type ListenerConfig struct {
	// Hostname names this server in its banner and in the Received and Authentication-Results
	// fields it adds; it should be the MX host name.
	Hostname string
	// Domains and Addresses are what the listener accepts mail for: any address at one of Domains
	// (the reply domain, e.g. "reply.example.com"), and each of Addresses. Other recipients are
	// refused with 550 at RCPT, so Parley is never an open relay.
	Domains   []string
	Addresses []string
	// Accept, when set, is asked about a recipient Domains and Addresses do not cover: what a
	// listener accepts can change while it runs (email inboxes added, the reply domain changed).
	Accept func(address string) bool
	// MaxMessageBytes is the largest message accepted (552 above it); 0: DefaultMaxMessageBytes.
	MaxMessageBytes int64
	MaxRecipients   int // per message; 0: 100
	// TLSConfig, when set, offers STARTTLS with its certificate.
	TLSConfig *tls.Config
	// Resolver looks up SPF, DKIM and DMARC records; nil: the system's.
	Resolver Resolver
	// SkipAuthChecks turns SPF, DKIM and DMARC checks off, for a listener that sits behind another
	// mail server (which then should add Authentication-Results itself).
	SkipAuthChecks bool
	// Timeout bounds each read and write on a connection, and the checks; 0: 5 minutes for reads
	// and writes (RFC 5321's figure), 20 s for the checks.
	Timeout time.Duration
	Logger  *slog.Logger
}

// Envelope is what the SMTP conversation said about a message, as opposed to its header.
type Envelope struct {
	RemoteIP   netip.Addr
	Helo       string
	MailFrom   string   // "" for a bounce
	Recipients []string // the accepted RCPT TO addresses
	TLS        bool     // received over STARTTLS
	ReceivedAt time.Time
	// Auth holds the listener's own SPF, DKIM and DMARC verdicts (empty with SkipAuthChecks). They
	// are also in the Authentication-Results field the listener puts on top of the message.
	Auth AuthResults
}

// Deliverer takes a received message. An error of kind Invalid, NotFound, Forbidden or TooLarge
// refuses the message for good (5xx: the sender gets a bounce); any other error is temporary
// (451: the sending server keeps the message and tries again), so nothing is lost to an outage.
type Deliverer interface {
	Deliver(ctx context.Context, env Envelope, raw []byte) error
}

// Listener is Parley's inbound SMTP server. It needs no AUTH: it is an MX, and accepts mail only
// for its own domains and addresses.
type Listener struct {
	cfg     ListenerConfig
	deliver Deliverer
	log     *slog.Logger
	server  *smtp.Server
	ctx     context.Context
}

// NewListener makes a listener that hands each message to d.
func NewListener(cfg ListenerConfig, d Deliverer) (*Listener, error) {
	if len(cfg.Domains) == 0 && len(cfg.Addresses) == 0 && cfg.Accept == nil {
		return nil, errs.E(errs.Invalid, "the SMTP listener needs at least one domain or address to accept mail for")
	}
	if cfg.Hostname == "" {
		cfg.Hostname = "localhost"
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = 100
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	l := &Listener{cfg: cfg, deliver: d, log: cfg.Logger}
	s := smtp.NewServer(smtp.BackendFunc(l.newSession))
	s.Domain = cfg.Hostname
	s.MaxMessageBytes = cfg.MaxMessageBytes
	s.MaxRecipients = cfg.MaxRecipients
	// Real mail has lines far longer than RFC 5321's 1,000 characters (HTML from some programs); the
	// size limit is what bounds memory, so a long line must not lose a message.
	s.MaxLineLength = 1 << 20
	s.TLSConfig = cfg.TLSConfig
	s.ReadTimeout = cfg.ioTimeout()
	s.WriteTimeout = cfg.ioTimeout()
	s.EnableSMTPUTF8 = true
	s.ErrorLog = slogPrinter{cfg.Logger}
	l.server = s
	return l, nil
}

func (c ListenerConfig) ioTimeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return 5 * time.Minute
}

func (c ListenerConfig) checkTimeout() time.Duration {
	if c.Timeout > 0 && c.Timeout < 20*time.Second {
		return c.Timeout
	}
	return 20 * time.Second
}

// Serve accepts connections on ln until ctx ends, then closes it and the open connections.
func (l *Listener) Serve(ctx context.Context, ln net.Listener) error {
	l.ctx = ctx
	stop := context.AfterFunc(ctx, func() {
		_ = l.server.Close()
		_ = ln.Close() // in case ctx ended before Serve took ln
	})
	defer stop()
	err := l.server.Serve(ln)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// accepts reports whether the listener takes mail for address.
func (l *Listener) accepts(address string) bool {
	address = strings.TrimSpace(address)
	for _, a := range l.cfg.Addresses {
		if strings.EqualFold(a, address) {
			return true
		}
	}
	i := strings.LastIndexByte(address, '@')
	if i < 0 {
		return false
	}
	d := address[i+1:]
	for _, own := range l.cfg.Domains {
		if strings.EqualFold(strings.TrimSuffix(own, "."), strings.TrimSuffix(d, ".")) {
			return true
		}
	}
	return l.cfg.Accept != nil && l.cfg.Accept(address)
}

func (l *Listener) newSession(c *smtp.Conn) (smtp.Session, error) {
	s := &session{l: l, conn: c}
	if ap, err := netip.ParseAddrPort(c.Conn().RemoteAddr().String()); err == nil {
		s.ip = ap.Addr().Unmap()
	}
	return s, nil
}

type session struct {
	l     *Listener
	conn  *smtp.Conn
	ip    netip.Addr
	from  string
	rcpts []string
}

func (s *session) Reset() {
	s.from, s.rcpts = "", nil
}

func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, opts *smtp.MailOptions) error {
	if opts != nil && opts.Size > s.l.cfg.MaxMessageBytes {
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "Message too large"}
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !s.l.accepts(to) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here"}
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	// go-smtp's reader stops at MaxMessageBytes with its own 552 error.
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ctx := s.l.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	_, isTLS := s.conn.TLSConnectionState()
	env := Envelope{
		RemoteIP:   s.ip,
		Helo:       s.conn.Hostname(),
		MailFrom:   s.from,
		Recipients: append([]string(nil), s.rcpts...),
		TLS:        isTLS,
		ReceivedAt: time.Now().UTC(),
	}
	var props map[string]string
	if !s.l.cfg.SkipAuthChecks && s.ip.IsValid() {
		cctx, cancel := context.WithTimeout(ctx, s.l.cfg.checkTimeout())
		env.Auth, props = checkAuth(cctx, resolverOr(s.l.cfg.Resolver), net.IP(s.ip.AsSlice()), env.Helo, env.MailFrom, raw)
		cancel()
	}
	raw = s.l.stamp(env, props, raw)
	err = s.l.deliver.Deliver(ctx, env, raw)
	if err == nil {
		return nil
	}
	switch errs.KindOf(err) {
	case errs.Invalid, errs.NotFound, errs.Forbidden:
		s.l.log.Warn("smtp: message refused", "from", env.MailFrom, "rcpt", env.Recipients, "err", err)
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message refused"}
	case errs.TooLarge:
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "Message too large"}
	}
	s.l.log.Error("smtp: delivery failed, the sender will retry", "from", env.MailFrom, "rcpt", env.Recipients, "err", err)
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, please try again later"}
}

// stamp puts a Received and, with checks on, an Authentication-Results field on top of raw, as a
// mail server does: the first says where the message came from, the second what was checked, where
// Parse finds it.
func (l *Listener) stamp(env Envelope, props map[string]string, raw []byte) []byte {
	var b bytes.Buffer
	with := "ESMTP"
	if env.TLS {
		with = "ESMTPS"
	}
	fmt.Fprintf(&b, "Received: from %s (%s)\r\n\tby %s (Parley) with %s;\r\n\t%s\r\n",
		headerSafe(env.Helo), env.RemoteIP, l.cfg.Hostname, with, env.ReceivedAt.Format(time.RFC1123Z))
	if !l.cfg.SkipAuthChecks {
		fmt.Fprintf(&b, "Authentication-Results: %s\r\n", formatAuthResults(l.cfg.Hostname, env.Auth, props))
	}
	b.Write(raw)
	return b.Bytes()
}

// headerSafe keeps a client-supplied word (the HELO name) from breaking a header line.
func headerSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x21 || r > 0x7e || r == '(' || r == ')' {
			return -1
		}
		return r
	}, s)
	if len(s) > 255 {
		s = s[:255]
	}
	if s == "" {
		return "unknown"
	}
	return s
}

// slogPrinter lets go-smtp log through slog.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Printf(format string, v ...any) {
	p.log.Warn("smtp: " + strings.TrimSpace(fmt.Sprintf(format, v...)))
}

func (p slogPrinter) Println(v ...any) {
	p.log.Warn("smtp: " + strings.TrimSpace(fmt.Sprintln(v...)))
}
