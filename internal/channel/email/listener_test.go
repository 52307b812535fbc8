package email

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/parleyhq/parley/internal/channel/email/mailtest"
	"github.com/parleyhq/parley/internal/errs"
)

type delivered struct {
	env Envelope
	raw []byte
}

type deliverFunc func(ctx context.Context, env Envelope, raw []byte) error

func (f deliverFunc) Deliver(ctx context.Context, env Envelope, raw []byte) error {
	return f(ctx, env, raw)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// startListener serves a listener on a free loopback port until the test ends and returns its
// address.
func startListener(t *testing.T, cfg ListenerConfig, d Deliverer) string {
	t.Helper()
	l, err := NewListener(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// recorder is a Deliverer that hands each message to the test.
func recorder() (Deliverer, chan delivered) {
	ch := make(chan delivered, 16)
	return deliverFunc(func(_ context.Context, env Envelope, raw []byte) error {
		ch <- delivered{env, raw}
		return nil
	}), ch
}

func receive(t *testing.T, ch chan delivered) delivered {
	t.Helper()
	select {
	case d := <-ch:
		return d
	case <-time.After(15 * time.Second):
		t.Fatal("Deliver was not called")
		return delivered{}
	}
}

func TestSwaksToListener(t *testing.T) {
	d, got := recorder()
	addr := startListener(t, ListenerConfig{Hostname: "mx.reply.acme.test", Domains: []string{"reply.acme.test"}, Addresses: []string{"support@acme.test"}, SkipAuthChecks: true}, d)
	token := NewReplyToken()
	rcpt := ReplyAddress(token, "reply.acme.test")

	t.Run("multipart with an attachment", func(t *testing.T) {
		dir := t.TempDir()
		pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{0, 1, 2, 0xff}, 2000)...)
		file := filepath.Join(dir, "invoice.pdf")
		if err := os.WriteFile(file, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		out, ok := mailtest.Swaks(t, "--server", addr, "--ehlo", "client.example.org",
			"--from", "anna@example.org", "--to", rcpt,
			"--header", "Subject: Re: Ihre Rechnung", "--header", "In-Reply-To: <orig@acme.test>",
			"--header", "Message-Id: <swaks-1@example.org>",
			"--attach-body", "Anbei die Rechnung.",
			"--attach-type", "application/pdf", "--attach-name", "invoice.pdf", "--attach", "@"+file)
		if !ok {
			t.Fatalf("swaks failed:\n%s", out)
		}
		m := receive(t, got)
		if m.env.MailFrom != "anna@example.org" || m.env.Helo != "client.example.org" || len(m.env.Recipients) != 1 || m.env.Recipients[0] != rcpt {
			t.Errorf("envelope = %+v", m.env)
		}
		if tok, ok := FindReplyToken(m.env.Recipients...); !ok || tok != token {
			t.Errorf("token from envelope = %q", tok)
		}
		in, _ := Parse(m.raw)
		if in.Subject != "Re: Ihre Rechnung" || in.InReplyTo != "<orig@acme.test>" || in.MessageID != "<swaks-1@example.org>" {
			t.Errorf("header: %q %q %q", in.Subject, in.InReplyTo, in.MessageID)
		}
		if strings.TrimSpace(in.Text) != "Anbei die Rechnung." {
			t.Errorf("text = %q", in.Text)
		}
		if len(in.Parts) != 1 || in.Parts[0].Name != "invoice.pdf" || in.Parts[0].ContentType != "application/pdf" || !bytes.Equal(in.Parts[0].Data, pdf) {
			t.Errorf("parts = %d, first %q %q", len(in.Parts), in.Parts[0].Name, in.Parts[0].ContentType)
		}
		if in.AutoReply || in.Malformed {
			t.Errorf("auto %v malformed %v", in.AutoReply, in.Malformed)
		}
	})

	t.Run("auto-reply", func(t *testing.T) {
		out, ok := mailtest.Swaks(t, "--server", addr, "--from", "dana@example.org", "--to", "Support@ACME.test",
			"--header", "Subject: Automatic reply: Ihre Rechnung", "--add-header", "Auto-Submitted: auto-replied",
			"--body", "I am out of the office.")
		if !ok {
			t.Fatalf("swaks failed:\n%s", out)
		}
		in, _ := Parse(receive(t, got).raw)
		if !in.AutoReply || in.AutoReplyReason != "Auto-Submitted: auto-replied" {
			t.Errorf("AutoReply = %v %q", in.AutoReply, in.AutoReplyReason)
		}
	})

	t.Run("bounce", func(t *testing.T) {
		dsn, err := os.ReadFile(filepath.Join("testdata", "parse", "dsn.eml"))
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "dsn.eml")
		if err := os.WriteFile(file, dsn, 0o644); err != nil {
			t.Fatal(err)
		}
		out, ok := mailtest.Swaks(t, "--server", addr, "--from", "<>", "--to", "bounces@reply.acme.test", "--data", "@"+file)
		if !ok {
			t.Fatalf("swaks failed:\n%s", out)
		}
		m := receive(t, got)
		if m.env.MailFrom != "" {
			t.Errorf("MAIL FROM = %q, want the null sender", m.env.MailFrom)
		}
		in, _ := Parse(m.raw)
		if in.Bounce == nil || in.Bounce.OriginalMessageID != "<k3ddt4whh4ucq3jmmdhltmrmgi@example.com>" || !in.Bounce.Failed() {
			t.Errorf("bounce = %+v", in.Bounce)
		}
	})

	t.Run("unknown recipient", func(t *testing.T) {
		out, ok := mailtest.Swaks(t, "--server", addr, "--from", "a@example.org", "--to", "someone@elsewhere.example")
		if ok || !strings.Contains(out, "550 5.1.1") {
			t.Errorf("want 550 at RCPT:\n%s", out)
		}
		select {
		case m := <-got:
			t.Errorf("Deliver called for a refused recipient: %+v", m.env)
		default:
		}
	})
}

func TestListenerLimitsAndFailures(t *testing.T) {
	// What Deliver answers; set by the test, read by the listener's goroutines.
	type answer struct{ err error }
	var fail atomic.Pointer[answer]
	fail.Store(&answer{})
	addr := startListener(t, ListenerConfig{Domains: []string{"reply.acme.test"}, MaxMessageBytes: 4096, SkipAuthChecks: true},
		deliverFunc(func(context.Context, Envelope, []byte) error { return fail.Load().err }))

	big := strings.Repeat("This line makes the message too large.\n", 200)
	out, ok := mailtest.Swaks(t, "--server", addr, "--from", "a@example.org", "--to", "x@reply.acme.test", "--body", big)
	if ok || !strings.Contains(out, "552") {
		t.Errorf("want 552 for an oversized message:\n%s", out)
	}

	fail.Store(&answer{errors.New("database is down")})
	out, ok = mailtest.Swaks(t, "--server", addr, "--from", "a@example.org", "--to", "x@reply.acme.test", "--body", "hi")
	if ok || !strings.Contains(out, "451 4.3.0") {
		t.Errorf("want 451 when delivery fails for now:\n%s", out)
	}

	fail.Store(&answer{errs.E(errs.Invalid, "not for us")})
	out, ok = mailtest.Swaks(t, "--server", addr, "--from", "a@example.org", "--to", "x@reply.acme.test", "--body", "hi")
	if ok || !strings.Contains(out, "554") {
		t.Errorf("want 554 when delivery refuses for good:\n%s", out)
	}

	if _, err := NewListener(ListenerConfig{}, deliverFunc(nil)); !errs.Is(err, errs.Invalid) {
		t.Errorf("a listener for nothing: %v", err)
	}
}

func TestListenerSTARTTLS(t *testing.T) {
	cert := mailtest.NewCert(t, t.TempDir())
	d, got := recorder()
	addr := startListener(t, ListenerConfig{Domains: []string{"reply.acme.test"}, TLSConfig: cert.Server, SkipAuthChecks: true}, d)
	out, ok := mailtest.Swaks(t, "--server", addr, "--tls", "--from", "a@example.org", "--to", "x@reply.acme.test", "--body", "over TLS")
	if !ok {
		t.Fatalf("swaks --tls failed:\n%s", out)
	}
	m := receive(t, got)
	if !m.env.TLS || !strings.Contains(string(m.raw), "with ESMTPS") {
		t.Errorf("TLS = %v, raw:\n%.200s", m.env.TLS, m.raw)
	}
}

// SPF, DKIM and DMARC are checked against the injected DNS, like a real MX does against the real one.
func TestListenerChecksSPFDKIMDMARC(t *testing.T) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dns := &mailtest.DNS{}
	dns.SetTXT("example.org", "v=spf1 ip4:127.0.0.1 -all")
	dns.SetTXT("_dmarc.example.org", "v=DMARC1; p=reject")
	dns.SetTXT("sel._domainkey.example.org", "v=DKIM1; k=ed25519; p="+base64.StdEncoding.EncodeToString(pub))
	dns.SetTXT("forged.example", "v=spf1 ip4:192.0.2.1 -all")
	dns.SetTXT("_dmarc.forged.example", "v=DMARC1; p=reject")

	d, got := recorder()
	addr := startListener(t, ListenerConfig{Hostname: "mx.reply.acme.test", Domains: []string{"reply.acme.test"}, Resolver: dns}, d)

	msg := "From: Anna <anna@example.org>\r\nTo: x@reply.acme.test\r\nSubject: signed\r\nMessage-ID: <signed@example.org>\r\n\r\nHello, signed world.\r\n"
	var signed bytes.Buffer
	if err := dkim.Sign(&signed, strings.NewReader(msg), &dkim.SignOptions{Domain: "example.org", Selector: "sel", Signer: key}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "signed.eml")
	if err := os.WriteFile(file, signed.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, ok := mailtest.Swaks(t, "--server", addr, "--from", "anna@example.org", "--to", "x@reply.acme.test", "--data", "@"+file); !ok {
		t.Fatalf("swaks failed:\n%s", out)
	}
	m := receive(t, got)
	want := AuthResults{SPF: "pass", DKIM: "pass", DMARC: "pass"}
	if m.env.Auth != want {
		t.Errorf("signed mail: auth = %+v, want %+v", m.env.Auth, want)
	}
	if in, _ := Parse(m.raw); in.Auth != (AuthResults{AuthServID: "mx.reply.acme.test", SPF: "pass", DKIM: "pass", DMARC: "pass"}) {
		t.Errorf("Authentication-Results read back: %+v", in.Auth)
	}

	// A forger: the envelope domain does not allow 127.0.0.1, there is no signature, and a forged
	// Authentication-Results below ours changes nothing.
	forged := "Authentication-Results: mx.reply.acme.test; spf=pass; dkim=pass; dmarc=pass\r\nFrom: ceo@forged.example\r\nTo: x@reply.acme.test\r\nSubject: urgent\r\n\r\nPay now.\r\n"
	file = filepath.Join(t.TempDir(), "forged.eml")
	if err := os.WriteFile(file, []byte(forged), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, ok := mailtest.Swaks(t, "--server", addr, "--from", "ceo@forged.example", "--to", "x@reply.acme.test", "--data", "@"+file); !ok {
		t.Fatalf("swaks failed:\n%s", out)
	}
	m = receive(t, got)
	if m.env.Auth != (AuthResults{SPF: "fail", DKIM: "none", DMARC: "fail"}) {
		t.Errorf("forged mail: auth = %+v", m.env.Auth)
	}
	if in, _ := Parse(m.raw); in.Auth.SPF != "fail" || in.Auth.DMARC != "fail" {
		t.Errorf("the forged Authentication-Results won: %+v", in.Auth)
	}
}
