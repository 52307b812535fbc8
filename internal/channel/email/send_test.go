package email

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/parleyhq/parley/internal/channel/email/mailtest"
	"github.com/parleyhq/parley/internal/errs"
)

// sampleMessage is a reply in a thread with both parts, an inline image and an attachment.
func sampleMessage(to string) *Outgoing {
	return &Outgoing{
		From:       Address{Name: "Zoë at Acme", Address: "support@acme.test"},
		To:         []Address{{Name: "Kunde Müller", Address: to}},
		ReplyTo:    Address{Address: ReplyAddress(NewReplyToken(), "reply.acme.test")},
		Subject:    "Re: Ihre Bestellung",
		Text:       "Hallo,\n\nIhre Bestellung ist unterwegs.\n",
		HTML:       `<p>Hallo,</p><p>Ihre Bestellung ist unterwegs.</p><img src="cid:logo@acme.test">`,
		MessageID:  NewMessageID("acme.test"),
		InReplyTo:  "<CAF1234abcd@mail.example.de>",
		References: []string{"<first@acme.test>", "<CAF1234abcd@mail.example.de>"},
		Attachments: []Attachment{
			{Name: "logo.png", ContentType: "image/png", Data: []byte("\x89PNG\r\n\x1a\nlogo"), Inline: true, ContentID: "logo@acme.test"},
			{Name: "Lieferschein.pdf", ContentType: "application/pdf", Data: bytes.Repeat([]byte("%PDF-1.4 \x00\xff binary "), 500)},
		},
	}
}

func TestSendSecurityModes(t *testing.T) {
	cert := mailtest.NewCert(t, t.TempDir())
	cases := []struct {
		name     string
		security Security
		opts     mailtest.SinkOptions
		wantTLS  bool
	}{
		{"none", SecurityNone, mailtest.SinkOptions{Username: "relay", Password: "pw"}, false},
		{"starttls", SecuritySTARTTLS, mailtest.SinkOptions{TLS: cert.Server, Username: "relay", Password: "pw"}, true},
		{"tls", SecurityTLS, mailtest.SinkOptions{TLS: cert.Server, ImplicitTLS: true, Username: "relay", Password: "pw"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sink := mailtest.StartSink(t, c.opts)
			s := &Sender{RootCAs: cert.Pool, Settings: SMTPSettings{
				Host: "127.0.0.1", Port: sink.Port(), Security: c.security, Username: "relay", Password: "pw",
				FromAddress: "support@acme.test", Timeout: 10 * time.Second,
			}}
			if err := s.Test(context.Background()); err != nil {
				t.Fatalf("Test: %v", err)
			}
			m := sampleMessage("kunde@example.org")
			m.Cc = []Address{{Address: "chef@example.org"}}
			if err := s.Send(context.Background(), m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := sink.WaitFor(t, 10*time.Second, func(r mailtest.Received) bool { return bytes.Contains(r.Data, []byte(m.MessageID)) })
			if got.TLS != c.wantTLS || got.User != "relay" || got.From != "support@acme.test" {
				t.Errorf("tls %v user %q from %q", got.TLS, got.User, got.From)
			}
			if strings.Join(got.To, ",") != "kunde@example.org,chef@example.org" {
				t.Errorf("recipients = %q", got.To)
			}
		})
	}
}

func TestSendErrorsAreClassified(t *testing.T) {
	sink := mailtest.StartSink(t, mailtest.SinkOptions{Username: "relay", Password: "pw", Reject: func(rcpt string) error {
		switch {
		case strings.HasPrefix(rcpt, "full@"):
			return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "Mailbox full, try later"}
		case strings.HasPrefix(rcpt, "gone@"):
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
		}
		return nil
	}})
	settings := SMTPSettings{Host: "127.0.0.1", Port: sink.Port(), Security: SecurityNone, Username: "relay", Password: "pw", FromAddress: "support@acme.test", Timeout: 5 * time.Second}
	send := func(settings SMTPSettings, resolver Resolver, to ...string) *SendError {
		t.Helper()
		m := sampleMessage(to[0])
		for _, a := range to[1:] {
			m.Cc = append(m.Cc, Address{Address: a})
		}
		err := (&Sender{Settings: settings, Resolver: resolver}).Send(context.Background(), m)
		var se *SendError
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("error %v is not a *SendError", err)
		}
		return se
	}

	if se := send(settings, nil, "full@example.org"); se == nil || !se.Temporary || se.Code != 452 || se.Enhanced != "4.2.2" || se.Text != "Mailbox full, try later" || se.Step != StepMailbox {
		t.Errorf("4xx at RCPT: %+v", se)
	}
	if se := send(settings, nil, "gone@example.org"); se == nil || se.Temporary || se.Code != 550 || se.Enhanced != "5.1.1" || se.Partial {
		t.Errorf("5xx at RCPT: %+v", se)
	} else if IsTemporary(se) {
		t.Error("IsTemporary(5xx) = true")
	}
	// One recipient gone for good, one fine: the message goes to the fine one, and the error says
	// who was refused without asking for a retry.
	before := len(sink.Messages())
	if se := send(settings, nil, "ok@example.org", "gone@example.org"); se == nil || !se.Partial || se.Temporary || len(se.Rejected) != 1 || se.Rejected[0] != "gone@example.org" {
		t.Errorf("partial: %+v", se)
	}
	if msgs := sink.Messages(); len(msgs) != before+1 || strings.Join(msgs[len(msgs)-1].To, ",") != "ok@example.org" {
		t.Errorf("partial send reached %v", msgs[len(msgs)-1].To)
	}
	// One recipient refused for now: nothing is sent, so the retry reaches everyone once.
	before = len(sink.Messages())
	if se := send(settings, nil, "ok@example.org", "full@example.org"); se == nil || !se.Temporary || se.Partial {
		t.Errorf("temporary among good: %+v", se)
	}
	if len(sink.Messages()) != before {
		t.Error("a message went out although a recipient must be retried")
	}

	wrongPassword := settings
	wrongPassword.Password = "nope"
	if se := send(wrongPassword, nil, "ok@example.org"); se == nil || se.Temporary || se.Step != StepAuth || se.Code != 535 {
		t.Errorf("wrong password: %+v", se)
	}

	closed := settings
	closed.Port = closedPort(t)
	if se := send(closed, nil, "ok@example.org"); se == nil || !se.Temporary || se.Step != StepConnect {
		t.Errorf("connection refused: %+v", se)
	}

	dns := &mailtest.DNS{Broken: map[string]bool{"flaky.acme.test": true}}
	unknown := settings
	unknown.Host = "nowhere.acme.test"
	if se := send(unknown, dns, "ok@example.org"); se == nil || se.Temporary || se.Step != StepDNS {
		t.Errorf("unknown host: %+v", se)
	}
	unknown.Host = "flaky.acme.test"
	if se := send(unknown, dns, "ok@example.org"); se == nil || !se.Temporary || se.Step != StepDNS {
		t.Errorf("DNS failure: %+v", se)
	}

	// A message that cannot be composed is not worth retrying.
	err := (&Sender{Settings: settings}).Send(context.Background(), &Outgoing{To: []Address{{Address: "ok@example.org"}}, MessageID: "not-an-id"})
	if err == nil || IsTemporary(err) {
		t.Errorf("bad Message-ID: %v", err)
	}
}

func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// notSMTP answers like an IMAP server, to be mistaken for an SMTP one.
func notSMTP(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte("* OK [CAPABILITY IMAP4rev1] ready\r\n"))
			c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestSMTPTestNamesTheStep(t *testing.T) {
	cert := mailtest.NewCert(t, t.TempDir())
	plain := mailtest.StartSink(t, mailtest.SinkOptions{Username: "relay", Password: "pw"})
	tls := mailtest.StartSink(t, mailtest.SinkOptions{TLS: cert.Server, Username: "relay", Password: "pw", Reject: func(rcpt string) error {
		if rcpt == "blocked@acme.test" {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relaying denied"}
		}
		return nil
	}})
	dns := &mailtest.DNS{IP: map[string][]string{"mail.acme.test": {"127.0.0.1"}, mailtest.CertHost: {"127.0.0.1"}}}
	good := SMTPSettings{Host: "127.0.0.1", Port: tls.Port(), Security: SecurityTLS, Username: "relay", Password: "pw", FromAddress: "support@acme.test", Timeout: 5 * time.Second}
	good.Security = SecuritySTARTTLS

	cases := []struct {
		name    string
		change  func(*SMTPSettings)
		roots   bool
		want    string
		message string
	}{
		{"works", func(*SMTPSettings) {}, true, "", ""},
		{"works by name", func(s *SMTPSettings) { s.Host = mailtest.CertHost }, true, "", ""},
		{"unknown host", func(s *SMTPSettings) { s.Host = "nowhere.acme.test" }, true, CodeSMTPDNS, "could not be looked up"},
		{"wrong port", func(s *SMTPSettings) { s.Port = closedPort(t) }, true, CodeSMTPConnect, "could not connect"},
		{"not an SMTP server", func(s *SMTPSettings) { s.Port = notSMTP(t) }, true, CodeSMTPGreeting, "did not greet like an SMTP server"},
		{"untrusted certificate", func(*SMTPSettings) {}, false, CodeSMTPTLS, "not signed by a trusted authority"},
		{"certificate for another name", func(s *SMTPSettings) { s.Host = "mail.acme.test" }, true, CodeSMTPTLS, "not valid for \"mail.acme.test\""},
		{"tls on a plain port", func(s *SMTPSettings) { s.Security = SecurityTLS }, true, CodeSMTPTLS, "did not answer with TLS"},
		{"starttls not offered", func(s *SMTPSettings) { s.Port = plain.Port() }, true, CodeSMTPTLS, "does not offer STARTTLS"},
		{"password in the clear", func(s *SMTPSettings) { s.Host, s.Security = "mail.acme.test", SecurityNone }, true, CodeSMTPAuth, "without TLS"},
		{"wrong password", func(s *SMTPSettings) { s.Password = "wrong" }, true, CodeSMTPAuth, "refused the user name or password"},
		{"sender refused", func(s *SMTPSettings) { s.FromAddress = "blocked@acme.test" }, true, CodeSMTPMailbox, "refused blocked@acme.test as recipient"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			settings := good
			c.change(&settings)
			s := &Sender{Settings: settings, Resolver: dns}
			if c.roots {
				s.RootCAs = cert.Pool
			}
			err := s.Test(context.Background())
			if c.want == "" {
				if err != nil {
					t.Fatalf("Test: %v", err)
				}
				return
			}
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != c.want || e.Kind != errs.Invalid || !strings.Contains(e.Message, c.message) {
				t.Fatalf("Test = %v, want code %s with %q", err, c.want, c.message)
			}
		})
	}
}

// The round trip through Parley's own listener: what the sender writes, the parser reads back.
func TestSendToOwnListener(t *testing.T) {
	got := make(chan delivered, 1)
	dns := &mailtest.DNS{TXT: map[string][]string{"acme.test": {"v=spf1 ip4:127.0.0.1 -all"}, "_dmarc.acme.test": {"v=DMARC1; p=reject"}}}
	addr := startListener(t, ListenerConfig{Hostname: "mx.reply.acme.test", Domains: []string{"reply.acme.test"}, Resolver: dns}, deliverFunc(func(ctx context.Context, env Envelope, raw []byte) error {
		got <- delivered{env, raw}
		return nil
	}))
	_, port, _ := net.SplitHostPort(addr)
	s := &Sender{Settings: SMTPSettings{Host: "127.0.0.1", Port: atoi(port), Security: SecurityNone, FromAddress: "support@acme.test", HELOName: "out.acme.test"}}

	token := NewReplyToken()
	m := sampleMessage(ReplyAddress(token, "reply.acme.test"))
	m.ReplyTo = Address{Name: "Acme Support", Address: ReplyAddress(token, "reply.acme.test")}
	m.Subject = "Re: Karte 4111 1111 1111 1111 abgelehnt"
	m.Text = "Ihre Karte 4111-1111-1111-1111 wurde abgelehnt.\n"
	m.HTML = "<p>Karte 4111 1111 1111 1111</p>"
	m.Attachments[1].Name = "Beleg 4111111111111111.pdf"
	m.Automated = true
	m.Unsubscribe = "https://acme.test/unsubscribe/abc"
	m.Headers = []Header{{Name: "X-Parley-Conversation", Value: "c_42"}}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	var d delivered
	select {
	case d = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("the listener was not given the message")
	}
	if d.env.MailFrom != "support@acme.test" || d.env.Helo != "out.acme.test" || d.env.RemoteIP.String() != "127.0.0.1" {
		t.Errorf("envelope = %+v", d.env)
	}
	if len(d.env.Recipients) != 1 || d.env.Recipients[0] != ReplyAddress(token, "reply.acme.test") {
		t.Errorf("recipients = %q", d.env.Recipients)
	}
	if d.env.Auth.SPF != "pass" || d.env.Auth.DMARC != "pass" || d.env.Auth.DKIM != "none" {
		t.Errorf("auth = %+v", d.env.Auth)
	}

	in, _ := Parse(d.raw)
	if in.MessageID != m.MessageID || in.InReplyTo != m.InReplyTo || strings.Join(in.References, " ") != strings.Join(m.References, " ") {
		t.Errorf("threading: id %q in-reply-to %q references %q", in.MessageID, in.InReplyTo, in.References)
	}
	if len(in.ReplyTo) != 1 || in.ReplyTo[0].Address != m.ReplyTo.Address {
		t.Errorf("Reply-To = %+v", in.ReplyTo)
	}
	if tok, ok := ParseReplyToken(in.ReplyTo[0].Address); !ok || tok != token {
		t.Errorf("the reply token did not survive: %q", tok)
	}
	if in.From != m.From || in.To[0] != m.To[0] {
		t.Errorf("from %+v to %+v", in.From, in.To)
	}
	if !strings.Contains(in.Text, "wurde abgelehnt") || !strings.Contains(in.HTML, "<p>Karte") {
		t.Errorf("text %q html %q", in.Text, in.HTML)
	}
	// No card number leaves Parley: subject, text, HTML and file names are masked.
	for name, s := range map[string]string{"subject": in.Subject, "text": in.Text, "html": in.HTML, "name": in.Parts[1].Name, "raw": string(d.raw)} {
		if strings.Contains(strings.NewReplacer(" ", "", "-", "").Replace(s), "4111111111111111") {
			t.Errorf("%s carries the card number: %q", name, s)
		}
	}
	if !strings.Contains(in.Subject, "1111") || !strings.Contains(in.Subject, "•") {
		t.Errorf("subject %q is not masked to its last four digits", in.Subject)
	}
	if len(in.Parts) != 2 {
		t.Fatalf("parts = %+v", in.Parts)
	}
	if p := in.Parts[0]; !p.Inline || p.ContentID != "logo@acme.test" || !bytes.Equal(p.Data, m.Attachments[0].Data) {
		t.Errorf("inline image = %+v", p)
	}
	if p := in.Parts[1]; p.Inline || p.ContentType != "application/pdf" || !bytes.Equal(p.Data, m.Attachments[1].Data) {
		t.Errorf("attachment: %q %q inline %v, %d bytes", p.Name, p.ContentType, p.Inline, len(p.Data))
	}
	h := in.Header
	if headerValue(h, "Auto-Submitted") != "auto-generated" || headerValue(h, "List-Unsubscribe") != "<https://acme.test/unsubscribe/abc>" ||
		headerValue(h, "List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" || headerValue(h, "X-Parley-Conversation") != "c_42" {
		t.Errorf("extra headers: %v", h)
	}
	if !in.AutoReply {
		t.Error("an automated message must read as automatic")
	}
	if !strings.HasPrefix(string(d.raw), "Received: from out.acme.test (127.0.0.1)") || headerValue(h, "Authentication-Results") == "" {
		t.Errorf("the listener did not stamp the message:\n%.300s", d.raw)
	}
}

// Parley's sender through a real MTA: Postfix accepts the message over STARTTLS and relays it to
// the sink, headers untouched.
func TestSendThroughPostfix(t *testing.T) {
	pf, sink, cert := sharedPostfix(t)
	s := &Sender{RootCAs: cert.Pool, Settings: SMTPSettings{Host: pf.Host, Port: pf.Port, Security: SecuritySTARTTLS, FromAddress: "support@acme.test", Timeout: 10 * time.Second}}
	if err := s.Test(context.Background()); err != nil {
		t.Fatalf("Test against postfix: %v", err)
	}
	m := sampleMessage("kunde@example.org")
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := sink.WaitFor(t, 30*time.Second, func(r mailtest.Received) bool { return bytes.Contains(r.Data, []byte(m.MessageID)) })
	if got.From != "support@acme.test" || len(got.To) != 1 || got.To[0] != "kunde@example.org" {
		t.Errorf("envelope from %q to %q", got.From, got.To)
	}
	in, _ := Parse(got.Data)
	if in.MessageID != m.MessageID || in.InReplyTo != m.InReplyTo || len(in.Parts) != 2 || !bytes.Equal(in.Parts[1].Data, m.Attachments[1].Data) {
		t.Errorf("relayed message: id %q in-reply-to %q parts %d", in.MessageID, in.InReplyTo, len(in.Parts))
	}
	if !strings.Contains(headerValue(in.Header, "Received"), "relay.parley.test") {
		t.Errorf("no Received field from postfix: %v", in.Header["Received"])
	}
}

// A real bounce: the relay's next hop refuses the recipient, Postfix writes a delivery status
// notification to the envelope sender, and Parse matches it to the message Parley sent.
func TestPostfixBounceMatchesTheMessage(t *testing.T) {
	pf, sink, cert := sharedPostfix(t)
	s := &Sender{RootCAs: cert.Pool, Settings: SMTPSettings{Host: pf.Host, Port: pf.Port, Security: SecuritySTARTTLS, FromAddress: "support@acme.test", Timeout: 10 * time.Second}}
	m := sampleMessage("nobody@bounce.test")
	m.ReturnPath = "bounces+" + NewReplyToken() + "@acme.test"
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := sink.WaitFor(t, 30*time.Second, func(r mailtest.Received) bool {
		return len(r.To) == 1 && r.To[0] == m.ReturnPath
	})
	if got.From != "" {
		t.Errorf("a bounce comes from the null sender, not %q", got.From)
	}
	in, _ := Parse(got.Data)
	if in.Bounce == nil {
		t.Fatalf("no bounce parsed from:\n%s", got.Data)
	}
	if !in.Bounce.Failed() || in.Bounce.OriginalMessageID != m.MessageID {
		t.Errorf("bounce = %+v, want a failure about %s", in.Bounce, m.MessageID)
	}
	if len(in.Bounce.Recipients) != 1 || in.Bounce.Recipients[0].Address != "nobody@bounce.test" || in.Bounce.Recipients[0].Status != "5.1.1" ||
		!strings.Contains(in.Bounce.Recipients[0].Diagnostic, "no such user here") {
		t.Errorf("recipients = %+v", in.Bounce.Recipients)
	}
	if !in.AutoReply {
		t.Error("a bounce must never be answered")
	}
}
