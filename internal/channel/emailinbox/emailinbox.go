// Package emailinbox is the email channel: email inboxes (an address, SMTP to send through, IMAP
// or Parley's own listener to receive), what comes in (matched to its conversation by reply token,
// threading headers or subject; stripped of quoted history; spam, auto-replies, bounces and
// duplicates told apart) and what goes out (agents' replies, threaded, with the inbox's
// signature). The transport is internal/channel/email; the seam that stores messages is
// internal/channel.
package emailinbox

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/blob"
	"github.com/parleyhq/parley/internal/channel"
	"github.com/parleyhq/parley/internal/channel/email"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/mailer"
)

// EmailInbox is an inbox of the email channel.
type EmailInbox struct {
	inbox.Inbox
	MemberIDs []int64 `json:"member_ids"`
	// Address is the inbox's email address: mail to it lands here, replies go out from it.
	Address  string `json:"address"`
	FromName string `json:"from_name,omitempty"`
	// Signature is added below every reply (the markdown subset agents write).
	Signature string         `json:"signature,omitempty"`
	Receive   mailer.Receive `json:"receive"` // listener or imap
	SMTP      mailer.SMTP    `json:"smtp"`
	IMAP      mailer.IMAP    `json:"imap"`
}

// Redacted is ib as admins see it: passwords left out.
func (ib EmailInbox) Redacted() EmailInbox {
	ib.SMTP.PasswordSet, ib.SMTP.Password = ib.SMTP.Password != "", ""
	ib.IMAP.PasswordSet, ib.IMAP.Password = ib.IMAP.Password != "", ""
	return ib
}

// Sender is the transport of the inbox's replies.
func (ib *EmailInbox) sender(s *Service) *email.Sender {
	from := ib.FromName
	if from == "" {
		from = ib.Name
	}
	return &email.Sender{Settings: mailer.ToSMTP(ib.SMTP, ib.Address, from), Resolver: s.o.Resolver, RootCAs: s.o.RootCAs}
}

func (ib *EmailInbox) mailbox(s *Service) *email.IMAPMailbox {
	return &email.IMAPMailbox{Settings: mailer.ToIMAP(ib.IMAP), Resolver: s.o.Resolver, RootCAs: s.o.RootCAs, Logger: s.log.With("inbox_id", ib.ID),
		MinBackoff: s.o.IMAPMinBackoff, Resync: s.o.IMAPResync}
}

// Input creates or changes an email inbox; nil fields stay. A password left empty keeps the one
// stored.
type Input struct {
	Name         *string             `json:"name"`
	Address      *string             `json:"address"`
	FromName     *string             `json:"from_name"`
	Signature    *string             `json:"signature"`
	Receive      *mailer.Receive     `json:"receive"`
	SMTP         *mailer.SMTP        `json:"smtp"`
	IMAP         *mailer.IMAP        `json:"imap"`
	Visibility   *inbox.Visibility   `json:"visibility"`
	ReopenPolicy *inbox.ReopenPolicy `json:"reopen_policy"`
}

// Repo is the storage the email channel needs; internal/store implements it.
type Repo interface {
	CreateEmailInbox(ctx context.Context, ib *EmailInbox, evs ...event.Event) error
	UpdateEmailInbox(ctx context.Context, ib *EmailInbox, evs ...event.Event) error
	EmailInboxByID(ctx context.Context, id int64) (*EmailInbox, error)
	ListEmailInboxes(ctx context.Context) ([]EmailInbox, error)
	InboxByID(ctx context.Context, id int64) (*inbox.Inbox, error)
	InboxMemberIDs(ctx context.Context, inboxID int64) ([]int64, error)
	MemberInboxIDs(ctx context.Context, userID int64) ([]int64, error)

	ConversationByReplyToken(ctx context.Context, token string) (*conversation.Conversation, error)
	MessagesByExternalID(ctx context.Context, externalID string) ([]conversation.Message, error)
	RecentOpen(ctx context.Context, inboxID, contactID int64, since int64) ([]conversation.Conversation, error)
	ContactByID(ctx context.Context, id int64) (*contact.Contact, error)
	UserByID(ctx context.Context, id int64) (*auth.User, error)

	ReplyToken(ctx context.Context, conversationID int64, newToken func() string) (string, error)
	ExternalIDs(ctx context.Context, conversationID, seq int64, limit int) ([]string, error)

	IMAPStateOf(ctx context.Context, mailbox, folder string) (email.State, error)
	SaveIMAPState(ctx context.Context, mailbox, folder string, st email.State) error
	TakeLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// Conversations is what the channel needs of the conversation service beyond the seam.
type Conversations interface {
	ChannelMessage(ctx context.Context, convID, msgID int64) (*conversation.Conversation, *conversation.Message, error)
	RecordDelivery(ctx context.Context, convID, msgID int64, d conversation.Delivery, externalID string) error
	AssignExternalID(ctx context.Context, convID, msgID int64, id string) (string, error)
}

// Blobs opens the files replies send.
type Blobs interface {
	Open(ctx context.Context, id int64) (*blob.Blob, []byte, error)
}

// Feed announces committed events (internal/event).
type Feed interface {
	Committed(ctx context.Context, n event.Notice)
}

// Options configures the Service.
type Options struct {
	Repo     Repo
	Receiver *channel.Receiver
	Convs    Conversations
	Blobs    Blobs
	// Mail is the installation's mail: its reply domain receives replies to reply+TOKEN addresses.
	Mail *mailer.Service
	Feed Feed
	// Node names this process in leases (an IMAP mailbox is watched by one node at a time).
	Node string
	// Resolver and RootCAs reach mail servers (nil: the system's); tests point them elsewhere.
	Resolver email.Resolver
	RootCAs  *x509.CertPool
	// IMAPMinBackoff and IMAPResync tune the watchers (0: the transport's defaults); tests shorten them.
	IMAPMinBackoff, IMAPResync time.Duration
	// LeaseTTL is how long a node holds a mailbox without renewing (0: 30 s).
	LeaseTTL time.Duration
	Logger   *slog.Logger
	Now      func() time.Time
}

// Service is the email channel.
type Service struct {
	o   Options
	log *slog.Logger
}

// New returns the email channel.
func New(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = 30 * time.Second
	}
	return &Service{o: o, log: o.Logger}
}

// inboxPayload encodes an inbox when its event is written, after an insert gave it its id.
type inboxPayload struct{ ib *inbox.Inbox }

func (p inboxPayload) MarshalJSON() ([]byte, error) { return json.Marshal(p.ib) }

func inboxEvent(t event.Type, actor *auth.User, ib *inbox.Inbox) event.Event {
	e := event.New(t, inboxPayload{ib})
	e.InboxID, e.ActorID = ib.ID, actor.ID
	return e
}

// newInboxAccess is a new inbox's access: its installer is its one member. Encoded when the event
// is written, after the insert gave the inbox its id.
type newInboxAccess struct{ ib *inbox.Inbox }

func (p newInboxAccess) MarshalJSON() ([]byte, error) {
	return json.Marshal(inbox.AccessData{InboxID: p.ib.ID, Visibility: p.ib.Visibility, MemberIDs: []int64{p.ib.InstallerID}})
}

func (s *Service) committed(ctx context.Context, evs ...event.Event) {
	if s.o.Feed != nil && len(evs) > 0 {
		s.o.Feed.Committed(ctx, event.Notice{Events: evs})
	}
}

// List returns the email inboxes the user works in (all for admins), without passwords.
func (s *Service) List(ctx context.Context, u *auth.User) ([]EmailInbox, error) {
	all, err := s.o.Repo.ListEmailInboxes(ctx)
	if err != nil {
		return nil, err
	}
	mine, err := s.o.Repo.MemberInboxIDs(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := []EmailInbox{}
	for _, ib := range all {
		if !u.Role.IsAdmin() && !contains(mine, ib.ID) {
			continue
		}
		if ib.MemberIDs, err = s.o.Repo.InboxMemberIDs(ctx, ib.ID); err != nil {
			return nil, err
		}
		out = append(out, ib.Redacted())
	}
	return out, nil
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// Get returns one email inbox the user works in, without passwords.
func (s *Service) Get(ctx context.Context, u *auth.User, id int64) (*EmailInbox, error) {
	ib, err := s.o.Repo.EmailInboxByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if ib.MemberIDs, err = s.o.Repo.InboxMemberIDs(ctx, id); err != nil {
		return nil, err
	}
	if !u.Role.IsAdmin() && !contains(ib.MemberIDs, u.ID) {
		return nil, errs.E(errs.NotFound, "email inbox not found")
	}
	r := ib.Redacted()
	return &r, nil
}

// Create makes an email inbox (admins); its creator is its installer and first member. It is
// shared and reopens closed conversations unless told otherwise.
func (s *Service) Create(ctx context.Context, u *auth.User, in Input) (*EmailInbox, error) {
	if err := auth.Authorize(u, auth.ManageSetup); err != nil {
		return nil, err
	}
	vis, reopen := inbox.Defaults(inbox.Email)
	now := s.o.Now().UnixMilli()
	ib := &EmailInbox{Inbox: inbox.Inbox{Kind: inbox.Email, Visibility: vis, ReopenPolicy: reopen, InstallerID: u.ID, CreatedAt: now, UpdatedAt: now},
		Receive: mailer.ReceiveIMAP, SMTP: mailer.SMTP{Security: email.SecuritySTARTTLS}, IMAP: mailer.IMAP{Security: email.SecurityTLS}}
	if in.Name == nil {
		if in.Address == nil {
			return nil, errs.Coded(errs.Invalid, "address_required", "address is required")
		}
		in.Name = in.Address
	}
	if err := apply(ib, in); err != nil {
		return nil, err
	}
	access := event.New(event.InboxAccessChanged, newInboxAccess{&ib.Inbox})
	access.ActorID = u.ID
	evs := []event.Event{inboxEvent(event.InboxCreated, u, &ib.Inbox), access}
	if err := s.o.Repo.CreateEmailInbox(ctx, ib, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, evs...)
	ib.MemberIDs = []int64{u.ID}
	r := ib.Redacted()
	return &r, nil
}

// Update changes an email inbox (admins).
func (s *Service) Update(ctx context.Context, u *auth.User, id int64, in Input) (*EmailInbox, error) {
	if err := auth.Authorize(u, auth.ManageSetup); err != nil {
		return nil, err
	}
	ib, err := s.o.Repo.EmailInboxByID(ctx, id)
	if err != nil {
		return nil, err
	}
	before := ib.Visibility
	if err := apply(ib, in); err != nil {
		return nil, err
	}
	ib.UpdatedAt = s.o.Now().UnixMilli()
	evs := []event.Event{inboxEvent(event.InboxUpdated, u, &ib.Inbox)}
	if ib.Visibility != before {
		members, err := s.o.Repo.InboxMemberIDs(ctx, id)
		if err != nil {
			return nil, err
		}
		e := event.New(event.InboxAccessChanged, inbox.AccessData{InboxID: id, Visibility: ib.Visibility, MemberIDs: members})
		e.InboxID, e.ActorID = id, u.ID
		evs = append(evs, e)
	}
	if err := s.o.Repo.UpdateEmailInbox(ctx, ib, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, evs...)
	return s.Get(ctx, u, id)
}

// apply validates in and applies it to ib.
func apply(ib *EmailInbox, in Input) error {
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		if n == "" {
			return errs.Coded(errs.Invalid, "name_required", "name is required")
		}
		if utf8.RuneCountInString(n) > 100 {
			return errs.Coded(errs.Invalid, "name_too_long", "name is longer than 100 characters")
		}
		ib.Name = n
	}
	if in.Address != nil {
		a, err := auth.NormalizeEmail(*in.Address)
		if err != nil {
			return errs.Coded(errs.Invalid, "address_invalid", "%q is not an email address", strings.TrimSpace(*in.Address))
		}
		ib.Address = a
	}
	if ib.Address == "" {
		return errs.Coded(errs.Invalid, "address_required", "address is required")
	}
	if in.FromName != nil {
		n := strings.TrimSpace(*in.FromName)
		if utf8.RuneCountInString(n) > 100 || strings.ContainsAny(n, "\r\n") {
			return errs.Coded(errs.Invalid, "from_name_invalid", "from_name is one line of at most 100 characters")
		}
		ib.FromName = n
	}
	if in.Signature != nil {
		if utf8.RuneCountInString(*in.Signature) > 2000 {
			return errs.Coded(errs.Invalid, "signature_too_long", "the signature is longer than 2000 characters")
		}
		ib.Signature = strings.TrimSpace(*in.Signature)
	}
	if in.Receive != nil {
		if *in.Receive != mailer.ReceiveIMAP && *in.Receive != mailer.ReceiveListener {
			return errs.Coded(errs.Invalid, "receive_invalid", "receive must be imap or listener")
		}
		ib.Receive = *in.Receive
	}
	if in.SMTP != nil {
		sm := *in.SMTP
		sm.Host = strings.TrimSpace(sm.Host)
		if sm.Password == "" {
			sm.Password = ib.SMTP.Password
		}
		if err := mailer.CheckSMTP(sm, "smtp"); err != nil {
			return err
		}
		if sm.Security == "" {
			sm.Security = email.SecuritySTARTTLS
		}
		sm.PasswordSet = false
		ib.SMTP = sm
	}
	if in.IMAP != nil {
		im := *in.IMAP
		im.Host = strings.TrimSpace(im.Host)
		if im.Password == "" {
			im.Password = ib.IMAP.Password
		}
		if err := mailer.CheckIMAP(im, "imap"); err != nil {
			return err
		}
		if im.Security == "" {
			im.Security = email.SecurityTLS
		}
		im.PasswordSet = false
		ib.IMAP = im
	}
	if in.Visibility != nil {
		if *in.Visibility != inbox.Private && *in.Visibility != inbox.Shared {
			return errs.Coded(errs.Invalid, "visibility_invalid", "visibility must be private or shared")
		}
		ib.Visibility = *in.Visibility
	}
	if in.ReopenPolicy != nil {
		if *in.ReopenPolicy != inbox.Final && *in.ReopenPolicy != inbox.Reopen {
			return errs.Coded(errs.Invalid, "reopen_policy_invalid", "reopen_policy must be final or reopen")
		}
		ib.ReopenPolicy = *in.ReopenPolicy
	}
	return nil
}

// TestResult says whether each part of an inbox's settings works, naming the step that failed.
type TestResult struct {
	SMTP StepResult  `json:"smtp"`
	IMAP *StepResult `json:"imap,omitempty"` // receiving by IMAP only
}

// StepResult is one part's test: ok, or the failing step's code (smtp_auth, imap_mailbox, …) and
// what went wrong.
type StepResult struct {
	OK      bool   `json:"ok"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

func stepResult(err error) StepResult {
	if err == nil {
		return StepResult{OK: true}
	}
	code, msg := errs.Public(err)
	return StepResult{Code: code, Message: msg}
}

// Test connects to the inbox's servers as sending and receiving would, short of sending (admins).
func (s *Service) Test(ctx context.Context, u *auth.User, id int64) (*TestResult, error) {
	if err := auth.Authorize(u, auth.ManageSetup); err != nil {
		return nil, err
	}
	ib, err := s.o.Repo.EmailInboxByID(ctx, id)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	r := &TestResult{SMTP: stepResult(ib.sender(s).Test(ctx))}
	if ib.Receive == mailer.ReceiveIMAP {
		res := stepResult(ib.mailbox(s).Test(ctx))
		r.IMAP = &res
	}
	return r, nil
}

// Mailer is the inbox as a mailer: a website that names it sends its follow-ups and transcripts
// through it, from its address.
func (s *Service) Mailer(ctx context.Context, id int64) (mailer.Mailer, error) {
	ib, err := s.o.Repo.EmailInboxByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return inboxMailer{s: s, ib: ib}, nil
}

type inboxMailer struct {
	s  *Service
	ib *EmailInbox
}

func (m inboxMailer) Send(ctx context.Context, msg *mailer.Message) (string, error) {
	return mailer.Send(ctx, m.ib.sender(m.s), m.s.replyDomain(ctx, m.ib), msg)
}

// replyDomain is where replies to the inbox's mail go as reply+TOKEN addresses: the installation's
// reply domain when Parley receives it (and the inbox is not one read over IMAP, whose mailbox
// would never see that domain's mail). "" means replies go to the inbox's own address, and the
// token rides in the Message-ID.
func (s *Service) replyDomain(ctx context.Context, ib *EmailInbox) string {
	if ib != nil && ib.Receive == mailer.ReceiveIMAP {
		return ""
	}
	if s.o.Mail == nil {
		return ""
	}
	st, err := s.o.Mail.Settings(ctx)
	if err != nil || st.Receive == mailer.ReceiveNone {
		return ""
	}
	return st.ReplyDomain
}
