package email

import (
	"bufio"
	"bytes"
	"fmt"
	"mime"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"
)

// Inbound is a received message, parsed. Text fields are valid UTF-8 without NUL bytes.
type Inbound struct {
	From    Address
	To, Cc  []Address
	ReplyTo []Address
	// DeliveredTo holds the addresses of Delivered-To and X-Original-To, where a forwarding
	// provider (Gmail, Microsoft 365) records the address the mail was first sent to.
	DeliveredTo []string
	Subject     string
	// ThreadSubject is Subject without reply and forward markers and tags (NormalizeSubject).
	ThreadSubject string
	Date          time.Time // zero when missing or unreadable
	MessageID     string    // "<id@domain>", or "" when missing
	InReplyTo     string    // the first Message-ID of In-Reply-To
	References    []string  // the Message-IDs of References, oldest first
	Text          string    // the plain text body (made from the HTML when there is none)
	HTML          string
	Parts         []Part // attachments and inline parts (images shown by the HTML, files)

	// AutoReply is set for mail no person wrote: auto-replies, out-of-office notes, bounces, read
	// receipts, bulk and list mail. Parley never answers such a message.
	AutoReply       bool
	AutoReplyReason string // the header that gave it away, e.g. "Auto-Submitted: auto-replied"
	Spam            bool   // X-Spam-Flag: YES (or X-Spam-Status: Yes) from a filter on the way
	Auth            AuthResults
	Bounce          *Bounce // set for a delivery status notification (multipart/report)

	// Malformed is set when the message was not well-formed MIME (truncated, broken boundaries or
	// encodings, unreadable headers). What could be read is filled in all the same; Raw is kept.
	Malformed       bool
	MalformedReason string
	// Repaired is set when text had NUL bytes (removed) or invalid UTF-8 (replaced with U+FFFD).
	Repaired bool

	Header textproto.MIMEHeader // the top-level header fields as received (not decoded)
	Raw    []byte
}

// Part is an attachment or an inline part.
type Part struct {
	Name        string
	ContentType string
	ContentID   string // without angle brackets
	Inline      bool
	Data        []byte
}

// AuthResults are the verdicts of SPF, DKIM and DMARC: "pass", "fail", "softfail", "neutral",
// "none", "temperror", "permerror" or "" when unknown.
type AuthResults struct {
	AuthServID string // who checked: the host named in Authentication-Results
	SPF        string
	DKIM       string
	DMARC      string
}

var parser = enmime.NewParser(
	enmime.SkipMalformedParts(true),
	enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
	enmime.MaxStoredPartErrors(20),
)

// malformedErrors are the enmime problems that mean the MIME structure itself was broken (as
// opposed to, say, a charset it had to guess).
var malformedErrors = map[string]bool{
	enmime.ErrorMalformedBase64:    true,
	enmime.ErrorMalformedHeader:    true,
	enmime.ErrorMissingBoundary:    true,
	enmime.ErrorMalformedChildPart: true,
	enmime.ErrorContentEncoding:    true,
	enmime.ErrorDataHasBoundary:    true,
}

// Parse reads a raw message. It never loses one: whatever is wrong with raw, it returns what it
// could read, with Malformed and MalformedReason set, and raw itself in Raw. The error is always nil;
// it is there so that a future limit can refuse without changing callers.
func Parse(raw []byte) (in *Inbound, err error) {
	in = &Inbound{Raw: raw}
	defer func() {
		// A parser bug must not lose the message either.
		if p := recover(); p != nil {
			*in = Inbound{Raw: raw}
			in.markMalformed(fmt.Sprintf("the parser failed: %v", p))
			in.fallback(raw, decodeWords)
			err = nil
		}
	}()
	env, perr := parser.ReadEnvelope(bytes.NewReader(raw))
	if perr != nil || env == nil || env.Root == nil {
		reason := "unreadable"
		if perr != nil {
			reason = perr.Error()
		}
		in.markMalformed(reason)
		in.fallback(raw, enmime.DecodeRFC2047)
		return in, nil
	}
	in.readHeader(env.Root.Header, enmime.DecodeRFC2047)
	for _, e := range env.Errors {
		if e.Severe || malformedErrors[e.Name] {
			in.markMalformed(e.Name + ": " + e.Detail)
		}
	}
	in.Text = in.clean(env.Text)
	in.HTML = in.clean(env.HTML)
	in.readParts(env)
	if b := readBounce(env.Root); b != nil {
		b.ReportingMTA = in.clean(b.ReportingMTA)
		for i := range b.Recipients {
			r := &b.Recipients[i]
			r.Address, r.Action, r.Status, r.Diagnostic = in.clean(r.Address), in.clean(r.Action), in.clean(r.Status), in.clean(r.Diagnostic)
		}
		in.Bounce = b
	}
	in.classify()
	return in, nil
}

func (in *Inbound) markMalformed(reason string) {
	reason = strings.ToValidUTF8(strings.ReplaceAll(reason, "\x00", ""), "\uFFFD")
	if in.Malformed {
		if len(in.MalformedReason) < 500 && !strings.Contains(in.MalformedReason, reason) {
			in.MalformedReason += "; " + reason
		}
		return
	}
	in.Malformed = true
	in.MalformedReason = reason
}

// clean makes s valid UTF-8 without NUL bytes, noting when it had to.
func (in *Inbound) clean(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	in.Repaired = true
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}

// headerValues returns the values of the header field name, matched without regard to case (the
// parsers disagree on how to spell "Message-ID" as a map key).
func headerValues(h textproto.MIMEHeader, name string) []string {
	if v, ok := h[name]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

func headerValue(h textproto.MIMEHeader, name string) string {
	if v := headerValues(h, name); len(v) > 0 {
		return v[0]
	}
	return ""
}

// readHeader fills the header fields from h; decode decodes RFC 2047 encoded words.
func (in *Inbound) readHeader(h textproto.MIMEHeader, decode func(string) string) {
	in.Header = h
	// Address lists are parsed before decoding: a decoded name may hold a comma.
	if from := in.addresses(headerValue(h, "From")); len(from) > 0 {
		in.From = from[0]
	}
	in.To = in.addresses(strings.Join(headerValues(h, "To"), ", "))
	in.Cc = in.addresses(strings.Join(headerValues(h, "Cc"), ", "))
	in.ReplyTo = in.addresses(headerValue(h, "Reply-To"))
	for _, name := range []string{"Delivered-To", "X-Original-To"} {
		for _, v := range headerValues(h, name) {
			for _, a := range in.addresses(v) {
				in.DeliveredTo = append(in.DeliveredTo, a.Address)
			}
		}
	}
	in.Subject = in.clean(strings.TrimSpace(decode(headerValue(h, "Subject"))))
	in.ThreadSubject = NormalizeSubject(in.Subject)
	if d, err := mail.ParseDate(strings.TrimSpace(headerValue(h, "Date"))); err == nil {
		in.Date = d.UTC()
	}
	if ids := messageIDs(headerValue(h, "Message-ID")); len(ids) > 0 {
		in.MessageID = ids[0]
	}
	if ids := messageIDs(headerValue(h, "In-Reply-To")); len(ids) > 0 {
		in.InReplyTo = ids[0]
	}
	in.References = messageIDs(strings.Join(headerValues(h, "References"), " "))
	in.Auth = parseAuthResults(headerValue(h, "Authentication-Results"))
}

// angleAddr finds the addr-spec of "Name <addr>" when the value as a whole is not a valid list.
var angleAddr = regexp.MustCompile(`<([^<>@\s]+@[^<>@\s]+)>|([^\s<>,;:"()]+@[^\s<>,;:"()]+)`)

// addresses parses an address list leniently: real mail has unquoted commas in names, missing
// brackets and stray words, and an address that can be found must not be lost.
func (in *Inbound) addresses(v string) []Address {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	var out []Address
	if list, err := enmime.ParseAddressList(v); err == nil {
		for _, a := range list {
			if a.Address != "" {
				out = append(out, Address{Name: in.clean(a.Name), Address: in.clean(a.Address)})
			}
		}
		return out
	}
	for _, m := range angleAddr.FindAllStringSubmatch(v, -1) {
		addr := m[1]
		if addr == "" {
			addr = m[2]
		}
		out = append(out, Address{Address: in.clean(addr)})
	}
	return out
}

// messageIDs returns the "<...>" tokens of v, in order and without repeats. A value without angle
// brackets ("id@host", which some programs write) is taken as one id per word with an "@".
func messageIDs(v string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] && utf8.ValidString(id) && !strings.ContainsAny(id, "\x00 \t\r\n") {
			seen[id] = true
			out = append(out, id)
		}
	}
	rest := v
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '>')
		if j < 0 {
			break
		}
		if id := rest[i : i+j+1]; len(id) > 2 {
			add(id)
		}
		rest = rest[i+j+1:]
	}
	if len(out) == 0 {
		for _, w := range strings.Fields(v) {
			if strings.Contains(w, "@") && !strings.ContainsAny(w, "<>") {
				add("<" + w + ">")
			}
		}
	}
	return out
}

func (in *Inbound) readParts(env *enmime.Envelope) {
	seen := map[*enmime.Part]bool{}
	add := func(p *enmime.Part, inline bool) {
		if seen[p] {
			return
		}
		seen[p] = true
		// Body text parts marked inline (Apple Mail does that) are already in Text and HTML.
		if (p.ContentType == "text/plain" || p.ContentType == "text/html") && p.FileName == "" && p.Disposition != "attachment" {
			return
		}
		in.Parts = append(in.Parts, Part{
			Name:        in.clean(p.FileName),
			ContentType: in.clean(p.ContentType),
			ContentID:   in.clean(strings.Trim(strings.TrimSpace(p.ContentID), "<>")),
			Inline:      inline || (p.Disposition != "attachment" && p.ContentID != ""),
			Data:        p.Content,
		})
	}
	for _, p := range env.Inlines {
		add(p, true)
	}
	for _, p := range env.Attachments {
		add(p, false)
	}
	for _, p := range env.OtherParts {
		add(p, false)
	}
}

// fallback fills what it can from raw when the MIME parser gave up: the header fields it can read
// and the rest as text.
func (in *Inbound) fallback(raw []byte, decode func(string) string) {
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw)))
	h, _ := r.ReadMIMEHeader() // a partial header is still worth having
	if h == nil {
		h = textproto.MIMEHeader{}
	}
	in.readHeader(h, decode)
	body := raw
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		body = raw[i+4:]
	} else if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		body = raw[i+2:]
	} else if len(h) > 0 {
		body = nil
	}
	in.Text = in.clean(string(body))
	in.classify()
}

// decodeWords decodes RFC 2047 words with the standard library only (UTF-8 and Latin-1), for the
// last-resort path after the MIME parser failed.
func decodeWords(v string) string {
	if d, err := (&mime.WordDecoder{}).DecodeHeader(v); err == nil {
		return d
	}
	return v
}
