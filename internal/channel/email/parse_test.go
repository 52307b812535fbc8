package email

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func parseFile(t *testing.T, name string) *Inbound {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "parse", name))
	if err != nil {
		t.Fatal(err)
	}
	in, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	if !bytes.Equal(in.Raw, raw) {
		t.Errorf("%s: Raw is not the message as received", name)
	}
	return in
}

func TestParseAlternative(t *testing.T) {
	in := parseFile(t, "alternative.eml")
	if in.From != (Address{Name: "Anna Berger, Vertrieb", Address: "anna.berger@example.de"}) {
		t.Errorf("From = %+v", in.From)
	}
	if len(in.To) != 2 || in.To[0].Address != "support@example.com" || in.To[1].Address != "bob@example.org" {
		t.Errorf("To = %+v", in.To)
	}
	if len(in.Cc) != 1 || in.Cc[0].Name != "Jürgen Müller" {
		t.Errorf("Cc = %+v (the Latin-1 name must be decoded)", in.Cc)
	}
	if !slices.Equal(in.DeliveredTo, []string{"support@example.com", "reply+abcdefghijklmnopqrstuvwxyz234567@reply.example.com"}) {
		t.Errorf("DeliveredTo = %q", in.DeliveredTo)
	}
	if tok, ok := FindReplyToken(in.DeliveredTo...); !ok || tok != "abcdefghijklmnopqrstuvwxyz234567" {
		t.Errorf("reply token from X-Original-To = %q, %v", tok, ok)
	}
	if in.Subject != "AW: Re: [Ticket#4711] Lieferung für März" || in.ThreadSubject != "Lieferung für März" {
		t.Errorf("Subject = %q, ThreadSubject = %q", in.Subject, in.ThreadSubject)
	}
	if want := time.Date(2026, 3, 3, 8, 15, 2, 0, time.UTC); !in.Date.Equal(want) {
		t.Errorf("Date = %v, want %v", in.Date, want)
	}
	if in.MessageID != "<CAF1234abcd@mail.example.de>" {
		t.Errorf("MessageID = %q", in.MessageID)
	}
	if in.InReplyTo != "<nv4vmbcqa47jofx76i6pzdyv44@example.com>" {
		t.Errorf("InReplyTo = %q (the comment after the id must go)", in.InReplyTo)
	}
	if !slices.Equal(in.References, []string{"<first@example.com>", "<nv4vmbcqa47jofx76i6pzdyv44@example.com>"}) {
		t.Errorf("References = %q", in.References)
	}
	if !strings.Contains(in.Text, "Lieferung für März ist angekommen") || !strings.Contains(in.HTML, `<div dir="ltr">`) {
		t.Errorf("Text = %q\nHTML = %q", in.Text, in.HTML)
	}
	if len(in.Parts) != 0 {
		t.Errorf("Parts = %+v, want none", in.Parts)
	}
	// The topmost Authentication-Results counts; the forged one below it does not.
	if in.Auth != (AuthResults{AuthServID: "mx.example.com", SPF: "pass", DKIM: "pass", DMARC: "pass"}) {
		t.Errorf("Auth = %+v", in.Auth)
	}
	if in.AutoReply || in.Spam || in.Malformed || in.Repaired || in.Bounce != nil {
		t.Errorf("flags: auto %v spam %v malformed %v repaired %v bounce %v", in.AutoReply, in.Spam, in.Malformed, in.Repaired, in.Bounce)
	}
}

func TestParseInlineImageAndAttachment(t *testing.T) {
	in := parseFile(t, "inline-image.eml")
	if in.Text != "See the screenshot below." {
		t.Errorf("Text = %q (an inline text part is the body, not an attachment)", in.Text)
	}
	if !strings.Contains(in.HTML, "cid:shot1@example.net") {
		t.Errorf("HTML = %q", in.HTML)
	}
	if len(in.Parts) != 2 {
		t.Fatalf("Parts = %+v, want the image and the PDF", in.Parts)
	}
	img, pdf := in.Parts[0], in.Parts[1]
	if img.Name != "shot.png" || img.ContentType != "image/png" || img.ContentID != "shot1@example.net" || !img.Inline || !bytes.HasPrefix(img.Data, []byte("\x89PNG")) {
		t.Errorf("image = %+v", img)
	}
	if pdf.Name != "Rechnung März.pdf" || pdf.ContentType != "application/pdf" || pdf.Inline || !bytes.HasPrefix(pdf.Data, []byte("%PDF-1.4")) {
		t.Errorf("pdf = %+v", pdf)
	}
}

func TestParseCharsets(t *testing.T) {
	latin := parseFile(t, "latin1.eml")
	if latin.Subject != "Référence de commande à vérifier" || latin.From.Name != "François Lefèvre" {
		t.Errorf("Latin-1 header: subject %q, from %q", latin.Subject, latin.From.Name)
	}
	if latin.Text != "Bonjour, la référence est déjà payée.\n" || latin.Repaired {
		t.Errorf("Latin-1 body = %q (repaired %v), want it converted to UTF-8", latin.Text, latin.Repaired)
	}

	qp := parseFile(t, "qp-subject.eml")
	if qp.Subject != "回复： 订单问题 – Nr. 42" || qp.ThreadSubject != "订单问题 – Nr. 42" {
		t.Errorf("encoded-word subject = %q, thread subject %q", qp.Subject, qp.ThreadSubject)
	}
	if qp.From.Name != "张三" || qp.Text != "你好\n" {
		t.Errorf("from %q, text %q", qp.From.Name, qp.Text)
	}
}

func TestParseBounce(t *testing.T) {
	in := parseFile(t, "dsn.eml")
	b := in.Bounce
	if b == nil {
		t.Fatal("no bounce found in a multipart/report")
	}
	if !b.Failed() || b.ReportingMTA != "mx.example.org" {
		t.Errorf("bounce = %+v", b)
	}
	if len(b.Recipients) != 1 {
		t.Fatalf("recipients = %+v", b.Recipients)
	}
	r := b.Recipients[0]
	if r.Address != "nobody@example.org" || r.Action != "failed" || r.Status != "5.1.1" || !strings.Contains(r.Diagnostic, "User unknown") {
		t.Errorf("recipient = %+v", r)
	}
	if b.OriginalMessageID != "<k3ddt4whh4ucq3jmmdhltmrmgi@example.com>" || headerValue(b.OriginalHeader, "Subject") != "Your order" {
		t.Errorf("original: id %q, header %v", b.OriginalMessageID, b.OriginalHeader)
	}
	if !in.AutoReply {
		t.Error("a bounce must never be answered")
	}
}

func TestParseAutoReply(t *testing.T) {
	in := parseFile(t, "autoreply.eml")
	if !in.AutoReply || in.AutoReplyReason != "Auto-Submitted: auto-replied" {
		t.Errorf("AutoReply = %v, %q", in.AutoReply, in.AutoReplyReason)
	}
	cases := []struct {
		header string
		auto   bool
	}{
		{"Auto-Submitted: no", false},
		{"Auto-Submitted: No (manually sent)", false},
		{"Auto-Submitted: auto-generated", true},
		{"Precedence: bulk", true},
		{"Precedence: junk", true},
		{"Precedence: list", true},
		{"Precedence: auto_reply", true},
		{"Precedence: first-class", false},
		{"X-Autoreply: yes", true},
		{"X-Autorespond: Out of office", true},
		{"X-Auto-Response-Suppress: OOF, AutoReply", true},
		{"X-Auto-Response-Suppress: All", true},
		{"X-Auto-Response-Suppress: DR, RN", false},
		{"Return-Path: <>", true},
		{"X-Mailer: Thunderbird", false},
	}
	for _, c := range cases {
		raw := "From: a@example.org\r\nTo: b@example.com\r\n" + c.header + "\r\nSubject: hi\r\n\r\nbody\r\n"
		in, _ := Parse([]byte(raw))
		if in.AutoReply != c.auto {
			t.Errorf("%q: AutoReply = %v (%s), want %v", c.header, in.AutoReply, in.AutoReplyReason, c.auto)
		}
	}
	in, _ = Parse([]byte("From: MAILER-DAEMON@mx.example.org\r\nSubject: failure\r\n\r\nx"))
	if !in.AutoReply {
		t.Error("mail from MAILER-DAEMON must count as automatic")
	}
}

func TestParseSpamFlag(t *testing.T) {
	for raw, spam := range map[string]bool{
		"X-Spam-Flag: YES\r\nSubject: x\r\n\r\nx":                 true,
		"X-Spam-Flag: NO\r\nSubject: x\r\n\r\nx":                  false,
		"X-Spam-Status: Yes, score=9.1\r\nSubject: x\r\n\r\nx":    true,
		"X-Spam-Status: No, score=-0.1\r\nSubject: x\r\n\r\nx":    false,
		"From: a@example.org\r\nSubject: x\r\n\r\nnothing to see": false,
	} {
		if in, _ := Parse([]byte(raw)); in.Spam != spam {
			t.Errorf("%q: Spam = %v, want %v", raw, in.Spam, spam)
		}
	}
}

func TestParseRepairsText(t *testing.T) {
	in := parseFile(t, "nul-invalid.eml")
	if !in.Repaired {
		t.Error("Repaired not set for NUL bytes and invalid UTF-8")
	}
	for name, s := range map[string]string{"Subject": in.Subject, "Text": in.Text} {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			t.Errorf("%s = %q still has NUL or invalid UTF-8", name, s)
		}
	}
	if !strings.Contains(in.Text, "Hello world") || !strings.Contains(in.Subject, "here") {
		t.Errorf("the readable text was lost: subject %q, text %q", in.Subject, in.Text)
	}
	if in.Malformed {
		t.Errorf("bad bytes in text are repaired, not malformed: %s", in.MalformedReason)
	}
}

func TestParseMalformedKeepsWhatItCan(t *testing.T) {
	in := parseFile(t, "truncated.eml")
	if !in.Malformed || !strings.Contains(in.MalformedReason, "Boundary") {
		t.Errorf("Malformed = %v, %q", in.Malformed, in.MalformedReason)
	}
	if in.From.Address != "frank@example.org" || in.MessageID != "<trunc@example.org>" || in.Text != "The attachment follows." {
		t.Errorf("what could be read was lost: %+v", in)
	}
	if len(in.Parts) != 1 || in.Parts[0].Name != "logs.zip" {
		t.Errorf("Parts = %+v", in.Parts)
	}

	// Worse than truncated: no header/body separator, garbage, binary. Still a message.
	for _, raw := range []string{
		"",
		"\x00\x01\x02",
		"not a header line at all\nand more",
		"From: x@example.org\nContent-Type: multipart/mixed\n\nno boundary parameter",
		"From: x@example.org\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n@@@@\n",
		"Subject: =?utf-8?B?////?=\n\n\xff",
	} {
		in, err := Parse([]byte(raw))
		if err != nil || in == nil {
			t.Fatalf("Parse(%q) = %v, %v", raw, in, err)
		}
		if !bytes.Equal(in.Raw, []byte(raw)) {
			t.Errorf("Parse(%q) did not keep the raw bytes", raw)
		}
		if !utf8.ValidString(in.Text) || !utf8.ValidString(in.Subject) {
			t.Errorf("Parse(%q) returned invalid UTF-8", raw)
		}
	}
}

func TestParseAuthResults(t *testing.T) {
	cases := map[string]AuthResults{
		"mx.google.com;\r\n dkim=pass header.i=@example.com header.s=s1 header.b=abc;\r\n spf=pass (google.com: domain of x@example.com designates 1.2.3.4 as permitted sender) smtp.mailfrom=x@example.com;\r\n dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.com": {AuthServID: "mx.google.com", SPF: "pass", DKIM: "pass", DMARC: "pass"},
		"mx.example.net; spf=softfail smtp.mailfrom=a@b.c; dkim=fail (bad signature) header.d=b.c; dkim=pass header.d=relay.c; dmarc=fail header.from=b.c":                                                                                                                     {AuthServID: "mx.example.net", SPF: "softfail", DKIM: "pass", DMARC: "fail"},
		"mx.example.net 1; none": {AuthServID: "mx.example.net"},
		"mx.example.net; spf=pass (a comment; with a semicolon) smtp.mailfrom=a@b.c; dmarc=temperror": {AuthServID: "mx.example.net", SPF: "pass", DMARC: "temperror"},
		"": {},
	}
	for v, want := range cases {
		if got := parseAuthResults(v); got != want {
			t.Errorf("parseAuthResults(%q) = %+v, want %+v", v, got, want)
		}
	}
}

func TestNormalizeSubject(t *testing.T) {
	cases := map[string]string{
		"Re: Your order":                         "Your order",
		"RE: RE: Fwd: Your order":                "Your order",
		"AW: WG: Ihre Bestellung":                "Ihre Bestellung",
		"SV: VS: Din beställning":                "Din beställning",
		"Antw: Doorst: Uw bestelling":            "Uw bestelling",
		"YNT: İLT: Siparişiniz":                  "Siparişiniz",
		"Vá: Továbbítás: A rendelése":            "A rendelése",
		"RE: [Ticket#4711] Lieferung":            "Lieferung",
		"[EXTERNAL] Re: [ticket] Hello":          "Hello",
		"Re[2]: Re(3): Re^4: hello":              "hello",
		"回复： 订单问题":                               "订单问题",
		"  Re:   spaced    out  ":                "spaced out",
		"Re: ":                                   "",
		"[only a tag]":                           "[only a tag]",
		"Reply needed: invoice":                  "Reply needed: invoice",
		"Regarding: invoice":                     "Regarding: invoice",
		"Reference 12: invoice":                  "Reference 12: invoice",
		"Fwd: Fw: FW: Important: read this":      "Important: read this",
		"Re: Re: Re: Re: Re: Re: Re: Re: deep":   "deep",
		"R: I: Italian markers are left alone":   "R: I: Italian markers are left alone",
		"Automatic reply: Out of office":         "Automatic reply: Out of office",
		"Re: [PATCH v2] fix it":                  "fix it",
		"Sv: Re: AW: RE: WG: Antwort: mixed bag": "mixed bag",
	}
	for in, want := range cases {
		if got := NormalizeSubject(in); got != want {
			t.Errorf("NormalizeSubject(%q) = %q, want %q", in, got, want)
		}
	}
}
