// Package mailer is the installation's own mail: the relay, From address and reply domain of the
// mail Parley sends that belongs to no email inbox — follow-ups and transcripts to website
// visitors, and the agents' notifications, invitations and password resets. Code that sends such
// mail takes a Mailer; Service is the one backed by these settings, set in the admin area or by
// flags (which then win and cannot be changed there).
package mailer

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/channel/email"
	"github.com/parleyhq/parley/internal/errs"
)

// Message is one mail Parley sends on its own behalf.
type Message struct {
	To      []email.Address
	Subject string
	// Text and HTML are both sent; HTML may be empty (the text is then sent alone).
	Text, HTML  string
	Attachments []email.Attachment
	// ReplyToken, when set, names the conversation replies belong to: they go to
	// reply+TOKEN@<reply domain> (when one is set) and the Message-ID carries it too, so they come
	// back into that conversation.
	ReplyToken string
	// InReplyTo and References thread the mail (angle-bracketed Message-IDs).
	InReplyTo  string
	References []string
	// Automated marks mail no person wrote (notifications, transcripts), so auto-responders stay
	// silent.
	Automated bool
	// FromName, when set, replaces the configured sender name (an agent's name on a follow-up).
	FromName string
	// Unsubscribe is the URL that stops this kind of mail for its recipient: with https, one POST
	// to it unsubscribes (RFC 8058, List-Unsubscribe-Post); over plain http (an installation
	// without TLS) only List-Unsubscribe is set, as RFC 8058 allows one-click only over https.
	Unsubscribe string
}

// Mailer sends mail. It returns the Message-ID the mail went out with.
type Mailer interface {
	Send(ctx context.Context, m *Message) (messageID string, err error)
}

// ErrNotConfigured says no relay is set up for the installation's mail.
var ErrNotConfigured = errs.Coded(errs.Invalid, "mail_not_configured", "the installation's mail is not set up: set its SMTP relay and From address in the admin area")

// SMTP is how mail is sent: a relay. Password is write-only: it is never shown, only whether one is
// set.
type SMTP struct {
	Host        string         `json:"host"`
	Port        int            `json:"port,omitempty"`
	Security    email.Security `json:"security"`
	Username    string         `json:"username,omitempty"`
	Password    string         `json:"password,omitempty"`
	PasswordSet bool           `json:"password_set"`
	HELOName    string         `json:"helo_name,omitempty"`
}

// IMAP is a mailbox mail is fetched from.
type IMAP struct {
	Host        string         `json:"host"`
	Port        int            `json:"port,omitempty"`
	Security    email.Security `json:"security"`
	Username    string         `json:"username,omitempty"`
	Password    string         `json:"password,omitempty"`
	PasswordSet bool           `json:"password_set"`
	Folder      string         `json:"folder,omitempty"`
}

// Receive says how replies come back: Parley's own SMTP listener (--smtp-addr) for a domain whose
// MX is Parley, or a mailbox fetched over IMAP.
type Receive string

const (
	ReceiveNone     Receive = ""
	ReceiveListener Receive = "listener"
	ReceiveIMAP     Receive = "imap"
)

// Settings are the installation's mail.
type Settings struct {
	SMTP        SMTP   `json:"smtp"`
	FromAddress string `json:"from_address"`
	FromName    string `json:"from_name,omitempty"`
	// ReplyDomain is where replies go (reply+TOKEN@ReplyDomain): a domain whose mail reaches
	// Parley, by its listener or the IMAP mailbox.
	ReplyDomain string  `json:"reply_domain,omitempty"`
	Receive     Receive `json:"receive"`
	IMAP        IMAP    `json:"imap"`
	// Fixed: set by flags (--mail-*), so not changed in the admin area.
	Fixed     bool  `json:"fixed"`
	UpdatedAt int64 `json:"updated_at,omitempty"`
}

// Configured reports whether mail can be sent.
func (s *Settings) Configured() bool { return s.SMTP.Host != "" && s.FromAddress != "" }

// SMTPSettings are the transport's settings for the relay.
func (s *Settings) SMTPSettings() email.SMTPSettings {
	return ToSMTP(s.SMTP, s.FromAddress, s.FromName)
}

// ToSMTP makes the transport's settings of a relay and a sender.
func ToSMTP(s SMTP, fromAddress, fromName string) email.SMTPSettings {
	sec := s.Security
	if sec == "" {
		sec = email.SecuritySTARTTLS
	}
	return email.SMTPSettings{Host: s.Host, Port: s.Port, Security: sec, Username: s.Username, Password: s.Password,
		FromAddress: fromAddress, FromName: fromName, HELOName: s.HELOName}
}

// ToIMAP makes the transport's settings of a mailbox.
func ToIMAP(s IMAP) email.IMAPSettings {
	sec := s.Security
	if sec == "" {
		sec = email.SecurityTLS
	}
	return email.IMAPSettings{Host: s.Host, Port: s.Port, Security: sec, Username: s.Username, Password: s.Password, Folder: s.Folder}
}

// Redacted is s as admins see it: passwords left out, only whether they are set.
func (s Settings) Redacted() Settings {
	s.SMTP.PasswordSet, s.SMTP.Password = s.SMTP.Password != "", ""
	s.IMAP.PasswordSet, s.IMAP.Password = s.IMAP.Password != "", ""
	return s
}

// Repo stores the settings (internal/store implements it, passwords sealed).
type Repo interface {
	MailSettings(ctx context.Context) (*Settings, error)
	SaveMailSettings(ctx context.Context, s *Settings) error
}

// Options configures the Service.
type Options struct {
	Repo Repo
	// Fixed, when set, are the settings given by flags: they win over the stored ones.
	Fixed *Settings
	// Resolver and RootCAs reach the relay (nil: the system's); tests point them elsewhere.
	Resolver email.Resolver
	RootCAs  *x509.CertPool
	Logger   *slog.Logger
	Now      func() time.Time
}

// Service is the installation's Mailer and its settings.
type Service struct {
	o Options
}

// New returns the installation's mail service.
func New(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Fixed != nil {
		o.Fixed.Fixed = true
	}
	return &Service{o: o}
}

// Settings returns the settings in force, passwords included (for sending, not for showing).
func (s *Service) Settings(ctx context.Context) (*Settings, error) {
	if s.o.Fixed != nil {
		f := *s.o.Fixed
		return &f, nil
	}
	if s.o.Repo == nil {
		return &Settings{}, nil
	}
	return s.o.Repo.MailSettings(ctx)
}

// Get returns the settings for an admin, without passwords.
func (s *Service) Get(ctx context.Context, u *auth.User) (*Settings, error) {
	if err := auth.Authorize(u, auth.ManageSetup); err != nil {
		return nil, err
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	r := st.Redacted()
	return &r, nil
}

// Update replaces the settings (admins). A password left empty keeps the one stored; settings given
// by flags cannot be changed here.
func (s *Service) Update(ctx context.Context, u *auth.User, in Settings) (*Settings, error) {
	if err := auth.Authorize(u, auth.ManageSetup); err != nil {
		return nil, err
	}
	if s.o.Fixed != nil {
		return nil, errs.Coded(errs.Conflict, "mail_fixed", "the installation's mail is set by the server's --mail-* flags")
	}
	cur, err := s.o.Repo.MailSettings(ctx)
	if err != nil {
		return nil, err
	}
	if in.SMTP.Password == "" {
		in.SMTP.Password = cur.SMTP.Password
	}
	if in.IMAP.Password == "" {
		in.IMAP.Password = cur.IMAP.Password
	}
	if err := Validate(&in); err != nil {
		return nil, err
	}
	in.Fixed, in.UpdatedAt = false, s.o.Now().UnixMilli()
	if err := s.o.Repo.SaveMailSettings(ctx, &in); err != nil {
		return nil, err
	}
	r := in.Redacted()
	return &r, nil
}

// Validate checks and cleans settings: an empty relay host means mail is off.
func Validate(s *Settings) error {
	s.SMTP.Host = strings.TrimSpace(s.SMTP.Host)
	s.FromName = strings.TrimSpace(s.FromName)
	s.ReplyDomain = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s.ReplyDomain), "."))
	if err := CheckSMTP(s.SMTP, "smtp"); err != nil {
		return err
	}
	if s.FromAddress != "" {
		a, err := auth.NormalizeEmail(s.FromAddress)
		if err != nil {
			return errs.Coded(errs.Invalid, "from_address_invalid", "from_address %q is not an email address", s.FromAddress)
		}
		s.FromAddress = a
	}
	if s.SMTP.Host != "" && s.FromAddress == "" {
		return errs.Coded(errs.Invalid, "from_address_required", "a From address is needed to send")
	}
	if s.ReplyDomain != "" && !validDomain(s.ReplyDomain) {
		return errs.Coded(errs.Invalid, "reply_domain_invalid", "%q is not a domain name", s.ReplyDomain)
	}
	switch s.Receive {
	case ReceiveNone:
	case ReceiveListener:
		if s.ReplyDomain == "" {
			return errs.Coded(errs.Invalid, "reply_domain_required", "receiving by the listener needs a reply domain")
		}
	case ReceiveIMAP:
		if err := CheckIMAP(s.IMAP, "imap"); err != nil {
			return err
		}
		if s.IMAP.Host == "" {
			return errs.Coded(errs.Invalid, "imap_host_required", "receiving by IMAP needs the mailbox's server")
		}
	default:
		return errs.Coded(errs.Invalid, "receive_invalid", "receive must be listener, imap or empty")
	}
	return nil
}

// CheckSMTP validates a relay's settings (field names the JSON object, for the message).
func CheckSMTP(s SMTP, field string) error {
	if err := checkServer(s.Host, s.Port, s.Security, field); err != nil {
		return err
	}
	if strings.ContainsAny(s.HELOName, " \r\n") {
		return errs.Coded(errs.Invalid, field+"_helo_invalid", "%s.helo_name must be a host name", field)
	}
	return nil
}

// CheckIMAP validates a mailbox's settings.
func CheckIMAP(s IMAP, field string) error {
	if err := checkServer(s.Host, s.Port, s.Security, field); err != nil {
		return err
	}
	if len(s.Folder) > 200 || strings.ContainsAny(s.Folder, "\r\n\x00") {
		return errs.Coded(errs.Invalid, field+"_folder_invalid", "%s.folder is not a folder name", field)
	}
	return nil
}

func checkServer(host string, port int, sec email.Security, field string) error {
	if host != "" && (len(host) > 253 || strings.ContainsAny(host, " /:@\r\n")) {
		return errs.Coded(errs.Invalid, field+"_host_invalid", "%s.host %q is not a host name", field, host)
	}
	if port < 0 || port > 65535 {
		return errs.Coded(errs.Invalid, field+"_port_invalid", "%s.port must be 1 to 65535", field)
	}
	switch sec {
	case "", email.SecurityNone, email.SecuritySTARTTLS, email.SecurityTLS:
	default:
		return errs.Coded(errs.Invalid, field+"_security_invalid", "%s.security must be none, starttls or tls", field)
	}
	return nil
}

func validDomain(d string) bool {
	if len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// Send sends m through the installation's relay (Mailer).
func (s *Service) Send(ctx context.Context, m *Message) (string, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return "", err
	}
	if !st.Configured() {
		return "", ErrNotConfigured
	}
	return Send(ctx, &email.Sender{Settings: st.SMTPSettings(), Resolver: s.o.Resolver, RootCAs: s.o.RootCAs}, st.receivedDomain(), m)
}

// receivedDomain is the reply domain when Parley receives its mail: a Reply-To at a domain nobody
// reads would lose the replies.
func (s *Settings) receivedDomain() string {
	if s.Receive == ReceiveNone {
		return ""
	}
	return s.ReplyDomain
}

// Send composes m and sends it with sender: the Mailer of the installation's mail and of email
// inboxes alike. replyDomain, when set, receives replies (reply+TOKEN@replyDomain).
func Send(ctx context.Context, sender *email.Sender, replyDomain string, m *Message) (string, error) {
	from := email.Address{Name: sender.Settings.FromName, Address: sender.Settings.FromAddress}
	if m.FromName != "" {
		from.Name = m.FromName
	}
	out := &email.Outgoing{From: from, To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Attachments: m.Attachments,
		InReplyTo: m.InReplyTo, References: m.References, Automated: m.Automated}
	switch {
	case strings.HasPrefix(m.Unsubscribe, "https://"):
		out.Unsubscribe = m.Unsubscribe
	case m.Unsubscribe != "":
		out.Headers = append(out.Headers, email.Header{Name: "List-Unsubscribe", Value: "<" + m.Unsubscribe + ">"})
	}
	domain := DomainOf(from.Address)
	out.MessageID = NewMessageID(m.ReplyToken, domain)
	if m.ReplyToken != "" && replyDomain != "" {
		out.ReplyTo = email.Address{Name: from.Name, Address: email.ReplyAddress(m.ReplyToken, replyDomain)}
	}
	return out.MessageID, sender.Send(ctx, out)
}

// NewMessageID is a Message-ID of Parley's: "<TOKEN.random@domain>" when the mail belongs to a
// conversation (its reply token, so a reply names the conversation even where only its
// threading headers survive), "<random@domain>" otherwise.
func NewMessageID(token, domain string) string {
	id := email.NewMessageID(domain)
	if token == "" {
		return id
	}
	return "<" + token + "." + id[1:]
}

// TokenOfMessageID returns the reply token a Message-ID of Parley's carries, if any.
func TokenOfMessageID(id string) (string, bool) {
	local := strings.TrimPrefix(strings.TrimSpace(id), "<")
	token, _, ok := strings.Cut(local, ".")
	if !ok {
		return "", false
	}
	return email.ParseReplyToken("reply+" + token + "@x")
}

// DomainOf returns the domain of an address, lower-cased.
func DomainOf(address string) string {
	if a, err := mail.ParseAddress(address); err == nil {
		address = a.Address
	}
	if i := strings.LastIndexByte(address, '@'); i >= 0 {
		return strings.ToLower(address[i+1:])
	}
	return "localhost"
}

// TestSend sends a test mail to to (the admin's own address when empty), to show the settings
// work end to end. Its error names the step that failed.
func (s *Service) TestSend(ctx context.Context, u *auth.User, to string) error {
	if err := auth.Authorize(u, auth.ManageSetup); err != nil {
		return err
	}
	if to == "" {
		to = u.Email
	}
	addr, err := auth.NormalizeEmail(to)
	if err != nil {
		return err
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	if !st.Configured() {
		return ErrNotConfigured
	}
	sender := &email.Sender{Settings: st.SMTPSettings(), Resolver: s.o.Resolver, RootCAs: s.o.RootCAs}
	if err := sender.Test(ctx); err != nil {
		return err
	}
	_, err = Send(ctx, sender, st.receivedDomain(), &Message{To: []email.Address{{Address: addr}}, Subject: "Parley test mail", Automated: true,
		Text: "This is a test mail from Parley: the installation's mail works.\n"})
	if err != nil {
		return SendFailure(err)
	}
	return nil
}

// SendFailure turns a failed send into an error a person can act on, with a code naming the step
// (smtp_connect, smtp_auth, smtp_mailbox, smtp_data, …).
func SendFailure(err error) error {
	var se *email.SendError
	if !errors.As(err, &se) {
		return err
	}
	return &errs.Error{Kind: errs.Invalid, Code: "smtp_" + string(se.Step), Message: se.Error(), Err: err}
}
