package email

import (
	"context"
	"errors"
	"net"
	"net/textproto"
	"os"
	"strings"
	"time"

	"github.com/wneessen/go-mail/smtp"
)

// SMTPSettings are how Parley reaches the relay it sends mail through (the operator's own mail
// server or a provider's submission port).
type SMTPSettings struct {
	Host     string
	Port     int      // 0: 25 for none, 587 for starttls, 465 for tls
	Security Security // none, starttls or tls
	Username string   // empty: no AUTH
	Password string
	// FromAddress and FromName are the default sender (an Outgoing without From uses them), and
	// FromAddress is what "test connection" offers as MAIL FROM and RCPT TO.
	FromAddress string
	FromName    string
	HELOName    string        // empty: the machine's host name
	Timeout     time.Duration // per step (lookup, connect, each command); 0: 30 s
}

func (s SMTPSettings) port() int {
	switch {
	case s.Port != 0:
		return s.Port
	case s.Security == SecurityTLS:
		return 465
	case s.Security == SecuritySTARTTLS:
		return 587
	}
	return 25
}

func (s SMTPSettings) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 30 * time.Second
}

func (s SMTPSettings) helo() string {
	if s.HELOName != "" {
		return s.HELOName
	}
	if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, " \r\n") {
		return h
	}
	return "localhost"
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// smtpSession is a connected, greeted and authenticated SMTP client.
type smtpSession struct {
	c       *smtp.Client
	conn    net.Conn
	timeout time.Duration
	stop    func() bool
}

// openSMTP runs the steps up to a logged-in session: DNS, connect, TLS, greeting, auth. Its errors
// are *stepError.
func openSMTP(ctx context.Context, d dialer, s SMTPSettings) (*smtpSession, error) {
	if !s.Security.valid() {
		return nil, failAt(StepConnect, errors.New("invalid security"), "security must be none, starttls or tls, not %q", s.Security)
	}
	if s.Host == "" {
		return nil, failAt(StepDNS, errors.New("no host"), "no SMTP server is set")
	}
	d.timeout = s.timeout()
	conn, err := d.dial(ctx, s.Host, s.port())
	if err != nil {
		return nil, err
	}
	stop := closeOnCancel(ctx, conn)
	fail := func(err error) (*smtpSession, error) {
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
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		return fail(failAt(StepGreeting, err, "%s port %d did not greet like an SMTP server", s.Host, s.port()))
	}
	if err := c.Hello(s.helo()); err != nil {
		return fail(failAt(StepGreeting, err, "the server refused our greeting (EHLO %s)", s.helo()))
	}
	if s.Security == SecuritySTARTTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fail(failAt(StepTLS, errors.New("STARTTLS not offered"), "the server does not offer STARTTLS; choose security none or tls, or another port"))
		}
		_ = conn.SetDeadline(time.Now().Add(d.timeout))
		if err := c.StartTLS(d.tlsConfig(s.Host)); err != nil {
			var tpe *textproto.Error
			if errors.As(err, &tpe) {
				return fail(failAt(StepTLS, err, "the server refused STARTTLS"))
			}
			return fail(tlsFailure(s.Host, err))
		}
	}
	if s.Username != "" {
		_, tlsOK := c.TLSConnectionState()
		if !tlsOK && !isLoopbackHost(s.Host) {
			return fail(failAt(StepAuth, errors.New("unencrypted connection"), "refusing to send the password without TLS; choose starttls or tls"))
		}
		ok, mechs := c.Extension("AUTH")
		if !ok {
			return fail(failAt(StepAuth, errors.New("AUTH not offered"), "the server does not offer login (AUTH); leave the user name empty or use another port"))
		}
		var auth smtp.Auth
		switch m := " " + strings.ToUpper(mechs) + " "; {
		case strings.Contains(m, " PLAIN "):
			auth = smtp.PlainAuth("", s.Username, s.Password, s.Host, true)
		case strings.Contains(m, " LOGIN "):
			auth = smtp.LoginAuth(s.Username, s.Password, s.Host, true)
		case strings.Contains(m, " CRAM-MD5 "):
			auth = smtp.CRAMMD5Auth(s.Username, s.Password)
		default:
			return fail(failAt(StepAuth, errors.New("no usable mechanism in "+mechs), "the server offers no login method Parley speaks (PLAIN, LOGIN, CRAM-MD5)"))
		}
		_ = conn.SetDeadline(time.Now().Add(d.timeout))
		if err := c.Auth(auth); err != nil {
			return fail(failAt(StepAuth, err, "the server refused the user name or password"))
		}
	}
	// The TLS connection, if any, lives inside c now; closing conn closes it too.
	return &smtpSession{c: c, conn: conn, timeout: d.timeout, stop: stop}, nil
}

func (ss *smtpSession) deadline(extra time.Duration) {
	_ = ss.conn.SetDeadline(time.Now().Add(ss.timeout + extra))
}

// quit ends the session politely and closes the connection.
func (ss *smtpSession) quit() {
	ss.deadline(0)
	_ = ss.c.Quit()
	ss.stop()
	_ = ss.conn.Close()
}

// Test checks SMTP settings the way a send would use them, short of sending: it connects, greets,
// starts TLS, logs in, and offers the From address as sender and as recipient, then resets. The
// error is an errs.Error of kind Invalid whose code names the step that failed (CodeSMTPDNS,
// CodeSMTPConnect, CodeSMTPTLS, CodeSMTPGreeting, CodeSMTPAuth, CodeSMTPMailbox).
func (s *Sender) Test(ctx context.Context) error {
	ss, err := openSMTP(ctx, s.dialer(), s.Settings)
	if err != nil {
		return coded("smtp", err)
	}
	defer ss.quit()
	from := s.Settings.FromAddress
	if from == "" {
		return coded("smtp", failAt(StepMailbox, errors.New("no from address"), "no From address is set"))
	}
	ss.deadline(0)
	if err := ss.c.Mail("<" + from + ">"); err != nil {
		return coded("smtp", failAt(StepMailbox, err, "the server refused %s as sender (MAIL FROM)", from))
	}
	if err := ss.c.Rcpt("<" + from + ">"); err != nil {
		return coded("smtp", failAt(StepMailbox, err, "the server refused %s as recipient (RCPT TO)", from))
	}
	_ = ss.c.Reset()
	return nil
}
