package email

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/parleyhq/parley/internal/mask"
)

// Sender sends mail through one relay. The zero Resolver and RootCAs use the system's.
type Sender struct {
	Settings SMTPSettings
	Resolver Resolver
	RootCAs  *x509.CertPool // trusted roots for the relay's certificate; nil: the system's
}

func (s *Sender) dialer() dialer {
	return dialer{resolver: s.Resolver, rootCAs: s.RootCAs}
}

// Address is a mailbox with an optional display name.
type Address struct {
	Name    string
	Address string
}

func (a Address) String() string {
	return (&mail.Address{Name: a.Name, Address: a.Address}).String()
}

// Attachment is a file sent with a message. An inline attachment (an image the HTML part shows
// with src="cid:ContentID") goes into the message's multipart/related part.
type Attachment struct {
	Name        string
	ContentType string // empty: application/octet-stream
	Data        []byte
	Inline      bool
	ContentID   string // without angle brackets; needed for Inline
}

// Header is one extra header field.
type Header struct {
	Name, Value string
}

// Outgoing is one message to send. Text and HTML are both sent (multipart/alternative) when both
// are set.
type Outgoing struct {
	From    Address // empty: the settings' FromAddress and FromName
	To, Cc  []Address
	ReplyTo Address // the conversation's reply address, "reply+TOKEN@domain"
	Subject string
	Text    string
	HTML    string
	// Attachments are sent as they are; their names are masked like the text.
	Attachments []Attachment
	// MessageID is "<random@domain>" from NewMessageID; empty: one is made from the From domain.
	MessageID  string
	InReplyTo  string   // the Message-ID this answers, with angle brackets
	References []string // the thread's Message-IDs, oldest first, with angle brackets
	// Automated marks mail no person wrote (notifications, transcripts): Auto-Submitted:
	// auto-generated (RFC 3834), so that well-behaved auto-responders stay silent.
	Automated bool
	// Unsubscribe is an https URL that unsubscribes with one POST (RFC 8058); it sets
	// List-Unsubscribe and List-Unsubscribe-Post. UnsubscribeMailto is an optional mailto: fallback.
	Unsubscribe       string
	UnsubscribeMailto string
	// ReturnPath is the envelope sender (MAIL FROM) where bounces go; empty: the From address.
	ReturnPath string
	Headers    []Header
	Date       time.Time // zero: now
}

// Compose renders m as the bytes that go over the wire. Card numbers in the subject, the text, the
// HTML and attachment names are masked first: a card number is never sent on.
func Compose(m *Outgoing, defaults SMTPSettings) ([]byte, error) {
	from := m.From
	if from.Address == "" {
		from = Address{Name: defaults.FromName, Address: defaults.FromAddress}
	}
	if from.Address == "" {
		return nil, errors.New("compose: no From address")
	}
	if len(m.To)+len(m.Cc) == 0 {
		return nil, errors.New("compose: no recipients")
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.FromFormat(from.Name, from.Address); err != nil {
		return nil, fmt.Errorf("compose: From: %w", err)
	}
	for _, a := range m.To {
		if err := msg.AddToFormat(a.Name, a.Address); err != nil {
			return nil, fmt.Errorf("compose: To: %w", err)
		}
	}
	for _, a := range m.Cc {
		if err := msg.AddCcFormat(a.Name, a.Address); err != nil {
			return nil, fmt.Errorf("compose: Cc: %w", err)
		}
	}
	if m.ReplyTo.Address != "" {
		if err := msg.ReplyToFormat(m.ReplyTo.Name, m.ReplyTo.Address); err != nil {
			return nil, fmt.Errorf("compose: Reply-To: %w", err)
		}
	}
	subject, _ := mask.String(m.Subject)
	msg.Subject(subject)
	id := m.MessageID
	if id == "" {
		id = NewMessageID(domainOf(from.Address))
	}
	if !validMessageID(id) {
		return nil, fmt.Errorf("compose: Message-ID %q is not <local@domain>", id)
	}
	msg.SetGenHeader(gomail.HeaderMessageID, id)
	if m.InReplyTo != "" {
		if !validMessageID(m.InReplyTo) {
			return nil, fmt.Errorf("compose: In-Reply-To %q is not <local@domain>", m.InReplyTo)
		}
		msg.SetGenHeader(gomail.HeaderInReplyTo, m.InReplyTo)
	}
	if len(m.References) > 0 {
		for _, r := range m.References {
			if !validMessageID(r) {
				return nil, fmt.Errorf("compose: reference %q is not <local@domain>", r)
			}
		}
		// go-mail folds the line between ids, so a long thread never makes an over-long line.
		msg.SetGenHeader(gomail.HeaderReferences, strings.Join(m.References, " "))
	}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	msg.SetDateWithValue(date)
	if m.Automated {
		msg.SetGenHeader("Auto-Submitted", "auto-generated")
		msg.SetGenHeader("X-Auto-Response-Suppress", "All")
	}
	if m.Unsubscribe != "" {
		var extra []string
		if m.UnsubscribeMailto != "" {
			extra = append(extra, m.UnsubscribeMailto)
		}
		if err := msg.SetListUnsubscribeOneClick(m.Unsubscribe, extra...); err != nil {
			return nil, fmt.Errorf("compose: %w", err)
		}
	}
	for _, h := range m.Headers {
		if h.Name == "" || strings.ContainsAny(h.Name, ": \r\n") || strings.ContainsAny(h.Value, "\r\n") {
			return nil, fmt.Errorf("compose: header %q is not a valid header field", h.Name)
		}
		msg.SetGenHeader(gomail.Header(textproto.CanonicalMIMEHeaderKey(h.Name)), h.Value)
	}

	text, _ := mask.String(m.Text)
	html, _ := mask.String(m.HTML)
	switch {
	case text != "" && html != "":
		msg.SetBodyString(gomail.TypeTextPlain, text)
		msg.AddAlternativeString(gomail.TypeTextHTML, html)
	case html != "":
		msg.SetBodyString(gomail.TypeTextHTML, html)
	default:
		msg.SetBodyString(gomail.TypeTextPlain, text)
	}
	for _, a := range m.Attachments {
		name, _ := mask.String(a.Name)
		if name == "" {
			name = "attachment"
		}
		ctype := a.ContentType
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		opts := []gomail.FileOption{gomail.WithFileContentType(gomail.ContentType(ctype))}
		if a.Inline {
			if a.ContentID == "" {
				return nil, fmt.Errorf("compose: inline attachment %q has no Content-ID", a.Name)
			}
			opts = append(opts, gomail.WithFileContentID("<"+strings.Trim(a.ContentID, "<>")+">"))
			if err := msg.EmbedReader(name, bytes.NewReader(a.Data), opts...); err != nil {
				return nil, fmt.Errorf("compose: %w", err)
			}
			continue
		}
		if err := msg.AttachReader(name, bytes.NewReader(a.Data), opts...); err != nil {
			return nil, fmt.Errorf("compose: %w", err)
		}
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	return buf.Bytes(), nil
}

func domainOf(address string) string {
	if i := strings.LastIndexByte(address, '@'); i >= 0 {
		return address[i+1:]
	}
	return "localhost"
}

func validMessageID(id string) bool {
	if len(id) < 5 || id[0] != '<' || id[len(id)-1] != '>' {
		return false
	}
	inner := id[1 : len(id)-1]
	at := strings.IndexByte(inner, '@')
	return at > 0 && at < len(inner)-1 && !strings.ContainsAny(inner, "<> \t\r\n")
}

// SendError says why a send failed and whether trying again later may help. Temporary errors are
// SMTP 4xx replies, connection failures and timeouts; permanent ones are 5xx replies, a refused
// login or certificate, and a message that cannot be composed.
type SendError struct {
	Step      Step
	Temporary bool
	Code      int      // the SMTP reply code, 0 when the server gave none
	Enhanced  string   // the enhanced status code ("5.1.1"), when the server gave one
	Text      string   // the server's reply text, or what went wrong
	Rejected  []string // recipients the server refused
	// Partial is set when some recipients were refused for good and the message went to the
	// others: the send is done, the refused recipients are reported, and it must not be retried.
	Partial bool
	Err     error
}

func (e *SendError) Error() string {
	var b strings.Builder
	b.WriteString("send mail: ")
	if e.Partial {
		b.WriteString("sent, but some recipients were refused: ")
	}
	b.WriteString(string(e.Step))
	if e.Code != 0 {
		fmt.Fprintf(&b, ": %d", e.Code)
		if e.Enhanced != "" {
			b.WriteString(" " + e.Enhanced)
		}
	}
	if e.Text != "" {
		b.WriteString(": " + e.Text)
	}
	if len(e.Rejected) > 0 {
		b.WriteString(" (refused: " + strings.Join(e.Rejected, ", ") + ")")
	}
	return b.String()
}

func (e *SendError) Unwrap() error { return e.Err }

// IsTemporary reports whether a failed send may succeed when tried again later.
func IsTemporary(err error) bool {
	var se *SendError
	if errors.As(err, &se) {
		return se.Temporary
	}
	return err != nil
}

// sendError classifies err, which happened at step.
func sendError(step Step, err error) *SendError {
	se := &SendError{Step: step, Err: err, Text: err.Error()}
	var stepErr *stepError
	if errors.As(err, &stepErr) {
		se.Step = stepErr.step
		se.Text = stepErr.message
	}
	var tpe *textproto.Error
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &tpe):
		se.Code = tpe.Code
		se.Text = strings.TrimSpace(tpe.Msg)
		se.Enhanced, se.Text = splitEnhanced(se.Text)
		se.Temporary = tpe.Code >= 400 && tpe.Code < 500
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		se.Temporary = true
	case errors.As(err, &dnsErr):
		// A name that does not exist will not exist on the next try either; a lookup that timed
		// out or met a broken server may work later.
		se.Temporary = !dnsErr.IsNotFound
	case se.Step == StepTLS || se.Step == StepAuth:
		// A certificate or a login refused without a reply code: the settings are wrong.
		var ne net.Error
		se.Temporary = errors.As(err, &ne) && ne.Timeout()
	default:
		// Connection refused, reset or timed out, and anything else on the way: try again.
		se.Temporary = true
	}
	return se
}

// splitEnhanced splits "5.1.1 User unknown" into its enhanced status code and text.
func splitEnhanced(text string) (string, string) {
	code, rest, _ := strings.Cut(text, " ")
	parts := strings.Split(code, ".")
	if len(parts) != 3 || (parts[0] != "2" && parts[0] != "4" && parts[0] != "5") {
		return "", text
	}
	for _, p := range parts[1:] {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return "", text
		}
	}
	return code, strings.TrimSpace(rest)
}

// Send composes m and hands it to the relay. Recipients are To and Cc. When the relay refuses some
// recipients for good and accepts others, the message goes to the others and Send returns a
// *SendError with Partial set; when it refuses any recipient for now (4xx), nothing is sent and the
// error is temporary, so that a retry reaches everyone once.
func (s *Sender) Send(ctx context.Context, m *Outgoing) error {
	raw, err := Compose(m, s.Settings)
	if err != nil {
		return &SendError{Step: StepData, Text: err.Error(), Err: err}
	}
	from := m.ReturnPath
	if from == "" {
		from = m.From.Address
	}
	if from == "" {
		from = s.Settings.FromAddress
	}
	var rcpts []string
	for _, a := range append(append([]Address(nil), m.To...), m.Cc...) {
		rcpts = append(rcpts, a.Address)
	}
	return s.SendRaw(ctx, from, rcpts, raw)
}

// SendRaw hands an already composed message to the relay for the given envelope; see Send.
func (s *Sender) SendRaw(ctx context.Context, from string, rcpts []string, raw []byte) error {
	ss, err := openSMTP(ctx, s.dialer(), s.Settings)
	if err != nil {
		return sendError(StepConnect, err)
	}
	defer ss.quit()
	ss.deadline(0)
	if err := ss.c.Mail("<" + from + ">"); err != nil {
		return sendError(StepMailbox, err)
	}
	var (
		refused   []string
		firstPerm *SendError
		accepted  int
	)
	for _, r := range rcpts {
		ss.deadline(0)
		err := ss.c.Rcpt("<" + r + ">")
		if err == nil {
			accepted++
			continue
		}
		se := sendError(StepMailbox, err)
		if se.Temporary {
			_ = ss.c.Reset()
			se.Rejected = []string{r}
			return se
		}
		refused = append(refused, r)
		if firstPerm == nil {
			firstPerm = se
		}
	}
	if accepted == 0 {
		_ = ss.c.Reset()
		firstPerm.Rejected = refused
		return firstPerm
	}
	// Allow about a second per 32 KB on top of the step timeout, for large attachments.
	ss.deadline(time.Duration(len(raw)/(32<<10)) * time.Second)
	w, err := ss.c.Data()
	if err != nil {
		return sendError(StepData, err)
	}
	if _, err := w.Write(raw); err != nil {
		_ = w.Close()
		return sendError(StepData, err)
	}
	if err := w.Close(); err != nil {
		return sendError(StepData, err)
	}
	if len(refused) > 0 {
		firstPerm.Partial = true
		firstPerm.Rejected = refused
		return firstPerm
	}
	return nil
}
