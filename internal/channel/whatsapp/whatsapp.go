// Package whatsapp is the WhatsApp channel, through Twilio: senders connected as inboxes (a Twilio
// account's SID, its auth token — which signs Twilio's webhooks — or an API key for the REST
// calls, and a WhatsApp sender number or a Messaging Service), Twilio's webhooks (X-Twilio-Signature
// validated as Twilio documents it: the full URL Twilio called, behind a proxy too, and the sorted
// form parameters, HMAC-SHA1, base64, compared in constant time; the work done in a job), what
// people send (text, media downloaded with the account's credentials into the blob store, template
// buttons), status callbacks (queued, sent, delivered, read, failed with Twilio's error code) on
// the reply, and agents' replies through Twilio's Messages API: free text and media within the
// 24-hour customer service session, approved templates (Content API SIDs with variables) outside
// it. Twilio's wire formats are spoken by twiliotest's fake server in tests; docs/channels.md
// connects a real number.
package whatsapp

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/blob"
	"github.com/parleyhq/parley/internal/channel"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/ratelimit"
)

// Twilio's APIs: messages and media, and the Content API's templates.
const (
	DefaultAPIURL     = "https://api.twilio.com"
	DefaultContentURL = "https://content.twilio.com"
)

// HookPrefix is where Twilio calls an inbox: HookPrefix+"{id}" for incoming messages,
// HookPrefix+"{id}/status" for status callbacks, HookPrefix+"{id}/media/…" to fetch a reply's file.
const HookPrefix = "/hooks/whatsapp/"

// Number is an inbox of the WhatsApp channel: a WhatsApp sender on a Twilio account. Tokens and
// secrets are never shown once saved.
type Number struct {
	inbox.Inbox
	MemberIDs  []int64 `json:"member_ids"`
	AccountSID string  `json:"account_sid"`
	APIKeySID  string  `json:"api_key_sid,omitempty"`
	// Sender is the WhatsApp number messages go out from, +E.164; MessagingServiceSID a Messaging
	// Service that picks it instead.
	Sender              string `json:"sender,omitempty"`
	MessagingServiceSID string `json:"messaging_service_sid,omitempty"`
	// WebhookURL is what to set as the sender's "when a message comes in" URL at Twilio.
	WebhookURL      string `json:"webhook_url,omitempty"`
	AuthTokenSet    bool   `json:"auth_token_set"`
	APIKeySecretSet bool   `json:"api_key_secret_set"`

	AuthToken    string `json:"-"`
	APIKeySecret string `json:"-"`
}

func (n Number) redacted(base string) Number {
	n.AuthTokenSet, n.APIKeySecretSet = n.AuthToken != "", n.APIKeySecret != ""
	n.AuthToken, n.APIKeySecret = "", ""
	n.WebhookURL = hookURL(base, n.ID, "")
	return n
}

// hookURL is the URL of an inbox's hook (suffix "" for incoming messages, "/status", …).
func hookURL(base string, id int64, suffix string) string {
	return strings.TrimSuffix(base, "/") + HookPrefix + fmt.Sprint(id) + suffix
}

// Input connects or changes a WhatsApp sender; nil fields stay. A token or secret left empty
// keeps the one stored.
type Input struct {
	Name                *string             `json:"name"`
	AccountSID          *string             `json:"account_sid"`
	AuthToken           *string             `json:"auth_token"`
	APIKeySID           *string             `json:"api_key_sid"`
	APIKeySecret        *string             `json:"api_key_secret"`
	Sender              *string             `json:"sender"`
	MessagingServiceSID *string             `json:"messaging_service_sid"`
	Visibility          *inbox.Visibility   `json:"visibility"`
	ReopenPolicy        *inbox.ReopenPolicy `json:"reopen_policy"`
}

// Repo is the storage the channel needs; internal/store implements it.
type Repo interface {
	CreateWhatsAppNumber(ctx context.Context, n *Number, evs ...event.Event) error
	UpdateWhatsAppNumber(ctx context.Context, n *Number, evs ...event.Event) error
	WhatsAppNumberByID(ctx context.Context, id int64) (*Number, error)
	ListWhatsAppNumbers(ctx context.Context) ([]Number, error)
	InboxMemberIDs(ctx context.Context, inboxID int64) ([]int64, error)
	MemberInboxIDs(ctx context.Context, userID int64) ([]int64, error)
	EnqueueJobs(ctx context.Context, specs ...jobs.Spec) error

	ChannelIDOf(ctx context.Context, inboxID, contactID int64) (string, error)
	TouchChannelContact(ctx context.Context, inboxID int64, externalID string, at int64) error
	MessageByExternalID(ctx context.Context, inboxID int64, externalID string) (*conversation.Message, error)
	MessageInInbox(ctx context.Context, inboxID, messageID int64) (*conversation.Message, error)
}

// Conversations is what the channel needs of the conversation service beyond the seam.
type Conversations interface {
	RecordDelivery(ctx context.Context, convID, msgID int64, d conversation.Delivery, externalID string) error
	AssignExternalID(ctx context.Context, convID, msgID int64, id string) (string, error)
	Get(ctx context.Context, u *auth.User, id int64) (*conversation.Conversation, conversation.Allowed, error)
}

// Blobs opens the files replies send.
type Blobs interface {
	Open(ctx context.Context, id int64) (*blob.Blob, []byte, error)
}

// Feed announces committed events and jobs (internal/event).
type Feed interface {
	Committed(ctx context.Context, n event.Notice)
}

// Queue is where the webhook jobs' handlers are registered.
type Queue interface {
	Handle(kind string, h jobs.Handler)
}

// Options configures the Service.
type Options struct {
	Repo     Repo
	Receiver *channel.Receiver
	Convs    Conversations
	Blobs    Blobs
	Feed     Feed
	Queue    Queue
	// APIURL and ContentURL are Twilio's (DefaultAPIURL, DefaultContentURL; tests point them at
	// twiliotest). BaseURL is Parley's public URL: Twilio's callbacks and a reply's media URL.
	APIURL     string
	ContentURL string
	BaseURL    string
	Client     *http.Client
	// SendEvery and SendBurst bound the sends from one sender (default: 20 a second, burst 40),
	// below Twilio's queueing limits.
	SendEvery time.Duration
	SendBurst int
	// RateLimitWait is how long a send waits when Twilio says too many requests without saying
	// how long (DefaultRateLimitWait).
	RateLimitWait time.Duration
	Logger        *slog.Logger
	Now           func() time.Time
}

// Service is the WhatsApp channel.
type Service struct {
	o     Options
	api   *twilioAPI
	sends *ratelimit.Keyed
	log   *slog.Logger
}

// Job kinds of Twilio's webhooks.
const (
	JobReceive = "whatsapp.receive" // an incoming message (payload: hookPayload)
	JobStatus  = "whatsapp.status"  // a status callback (payload: hookPayload)
)

// New returns the WhatsApp channel and registers its webhook jobs on o.Queue.
func New(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
	}
	if o.ContentURL == "" {
		o.ContentURL = DefaultContentURL
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if o.SendEvery <= 0 {
		o.SendEvery = 50 * time.Millisecond
	}
	if o.SendBurst <= 0 {
		o.SendBurst = 40
	}
	if o.RateLimitWait <= 0 {
		o.RateLimitWait = DefaultRateLimitWait
	}
	s := &Service{o: o, log: o.Logger, api: &twilioAPI{base: strings.TrimSuffix(o.APIURL, "/"), content: strings.TrimSuffix(o.ContentURL, "/"),
		client: o.Client}, sends: ratelimit.New(o.SendEvery, o.SendBurst)}
	if o.Queue != nil {
		o.Queue.Handle(JobReceive, s.receive)
		o.Queue.Handle(JobStatus, s.status)
	}
	return s
}

type inboxPayload struct{ ib *inbox.Inbox }

func (p inboxPayload) MarshalJSON() ([]byte, error) { return json.Marshal(p.ib) }

type newInboxAccess struct{ ib *inbox.Inbox }

func (p newInboxAccess) MarshalJSON() ([]byte, error) {
	return json.Marshal(inbox.AccessData{InboxID: p.ib.ID, Visibility: p.ib.Visibility, MemberIDs: []int64{p.ib.InstallerID}})
}

func inboxEvent(t event.Type, actor *auth.User, ib *inbox.Inbox) event.Event {
	e := event.New(t, inboxPayload{ib})
	e.InboxID, e.ActorID = ib.ID, actor.ID
	return e
}

func (s *Service) committed(ctx context.Context, n event.Notice) {
	if s.o.Feed != nil {
		s.o.Feed.Committed(ctx, n)
	}
}

func contains[T comparable](list []T, x T) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

// List returns the WhatsApp senders the user works in (all for admins).
func (s *Service) List(ctx context.Context, u *auth.User) ([]Number, error) {
	all, err := s.o.Repo.ListWhatsAppNumbers(ctx)
	if err != nil {
		return nil, err
	}
	mine, err := s.o.Repo.MemberInboxIDs(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := []Number{}
	for _, n := range all {
		if !u.Role.IsAdmin() && !contains(mine, n.ID) {
			continue
		}
		if n.MemberIDs, err = s.o.Repo.InboxMemberIDs(ctx, n.ID); err != nil {
			return nil, err
		}
		out = append(out, n.redacted(s.o.BaseURL))
	}
	return out, nil
}

// Get returns one WhatsApp sender the user works in.
func (s *Service) Get(ctx context.Context, u *auth.User, id int64) (*Number, error) {
	n, err := s.o.Repo.WhatsAppNumberByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if n.MemberIDs, err = s.o.Repo.InboxMemberIDs(ctx, id); err != nil {
		return nil, err
	}
	if !u.Role.IsAdmin() && !contains(n.MemberIDs, u.ID) {
		return nil, errs.E(errs.NotFound, "WhatsApp sender not found")
	}
	r := n.redacted(s.o.BaseURL)
	return &r, nil
}

// Create connects a WhatsApp sender (admins): its connector is its installer and first member;
// shared and reopening unless told otherwise.
func (s *Service) Create(ctx context.Context, u *auth.User, in Input) (*Number, error) {
	if err := auth.Authorize(u, auth.ManageSetup); err != nil {
		return nil, err
	}
	vis, reopen := inbox.Defaults(inbox.WhatsApp)
	now := s.o.Now().UnixMilli()
	n := &Number{Inbox: inbox.Inbox{Kind: inbox.WhatsApp, Visibility: vis, ReopenPolicy: reopen, InstallerID: u.ID, CreatedAt: now, UpdatedAt: now}}
	if err := apply(n, in); err != nil {
		return nil, err
	}
	if n.Name == "" {
		n.Name = "WhatsApp " + n.Sender
		if n.Sender == "" {
			n.Name = "WhatsApp " + n.MessagingServiceSID
		}
	}
	access := event.New(event.InboxAccessChanged, newInboxAccess{&n.Inbox})
	access.ActorID = u.ID
	evs := []event.Event{inboxEvent(event.InboxCreated, u, &n.Inbox), access}
	if err := s.o.Repo.CreateWhatsAppNumber(ctx, n, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, event.Notice{Events: evs})
	n.MemberIDs = []int64{u.ID}
	r := n.redacted(s.o.BaseURL)
	return &r, nil
}

// Update changes a WhatsApp sender's settings (admins).
func (s *Service) Update(ctx context.Context, u *auth.User, id int64, in Input) (*Number, error) {
	if err := auth.Authorize(u, auth.ManageSetup); err != nil {
		return nil, err
	}
	n, err := s.o.Repo.WhatsAppNumberByID(ctx, id)
	if err != nil {
		return nil, err
	}
	before := n.Visibility
	if err := apply(n, in); err != nil {
		return nil, err
	}
	n.UpdatedAt = s.o.Now().UnixMilli()
	evs := []event.Event{inboxEvent(event.InboxUpdated, u, &n.Inbox)}
	if n.Visibility != before {
		members, err := s.o.Repo.InboxMemberIDs(ctx, id)
		if err != nil {
			return nil, err
		}
		e := event.New(event.InboxAccessChanged, inbox.AccessData{InboxID: id, Visibility: n.Visibility, MemberIDs: members})
		e.InboxID, e.ActorID = id, u.ID
		evs = append(evs, e)
	}
	if err := s.o.Repo.UpdateWhatsAppNumber(ctx, n, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, event.Notice{Events: evs})
	return s.Get(ctx, u, id)
}

// TestResult says whether the credentials work: the account's name and how many approved
// templates it has, or Twilio's error.
type TestResult struct {
	OK        bool   `json:"ok"`
	Account   string `json:"account,omitempty"`
	Templates int    `json:"templates"`
	Message   string `json:"message,omitempty"`
}

// Test reads the account and its templates with the saved credentials (admins).
func (s *Service) Test(ctx context.Context, u *auth.User, id int64) (*TestResult, error) {
	if err := auth.Authorize(u, auth.ManageSetup); err != nil {
		return nil, err
	}
	n, err := s.o.Repo.WhatsAppNumberByID(ctx, id)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	name, err := s.api.account(ctx, n)
	if err != nil {
		return &TestResult{Message: err.Error()}, nil
	}
	list, err := s.api.templates(ctx, n)
	if err != nil {
		return &TestResult{Account: name, Message: err.Error()}, nil
	}
	return &TestResult{OK: true, Account: name, Templates: len(list)}, nil
}

// Templates lists the approved templates of a WhatsApp conversation's sender, for someone who may
// see the conversation (the composer's choice outside the session).
func (s *Service) Templates(ctx context.Context, u *auth.User, convID int64) ([]Template, error) {
	c, _, err := s.o.Convs.Get(ctx, u, convID)
	if err != nil {
		return nil, err
	}
	if c.Channel != inbox.WhatsApp {
		return nil, errs.Coded(errs.Invalid, "not_whatsapp", "templates are for WhatsApp conversations")
	}
	n, err := s.o.Repo.WhatsAppNumberByID(ctx, c.InboxID)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	list, err := s.api.templates(ctx, n)
	if err != nil {
		return nil, errs.Wrap(errs.Unavailable, err, "Twilio's templates cannot be read now")
	}
	return list, nil
}

var (
	accountSIDPattern = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	apiKeyPattern     = regexp.MustCompile(`^SK[0-9a-fA-F]{32}$`)
	servicePattern    = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	e164              = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
)

// apply validates in and applies it to n.
func apply(n *Number, in Input) error {
	text := func(v *string) string { return strings.TrimSpace(*v) }
	if in.Name != nil {
		name := text(in.Name)
		if utf8.RuneCountInString(name) > 100 {
			return errs.Coded(errs.Invalid, "name_too_long", "name is longer than 100 characters")
		}
		if name != "" {
			n.Name = name
		}
	}
	if in.AccountSID != nil {
		if !accountSIDPattern.MatchString(text(in.AccountSID)) {
			return errs.Coded(errs.Invalid, "account_sid_invalid", "account_sid is AC followed by 32 hex digits (Twilio Console, Account info)")
		}
		n.AccountSID = text(in.AccountSID)
	}
	if n.AccountSID == "" {
		return errs.Coded(errs.Invalid, "account_sid_required", "account_sid is required")
	}
	secret := func(v *string, field string, into *string) error {
		if v == nil || text(v) == "" {
			return nil
		}
		x := text(v)
		if len(x) > 200 || strings.ContainsFunc(x, func(r rune) bool { return r <= ' ' || r > '~' }) {
			return errs.Coded(errs.Invalid, field+"_invalid", "%s is one word of printable ASCII", field)
		}
		*into = x
		return nil
	}
	if err := secret(in.AuthToken, "auth_token", &n.AuthToken); err != nil {
		return err
	}
	if n.AuthToken == "" {
		return errs.Coded(errs.Invalid, "auth_token_required", "the auth token is required: Twilio signs its webhooks with it")
	}
	if in.APIKeySID != nil {
		k := text(in.APIKeySID)
		if k != "" && !apiKeyPattern.MatchString(k) {
			return errs.Coded(errs.Invalid, "api_key_sid_invalid", "api_key_sid is SK followed by 32 hex digits")
		}
		n.APIKeySID = k
		if k == "" {
			n.APIKeySecret = ""
		}
	}
	if err := secret(in.APIKeySecret, "api_key_secret", &n.APIKeySecret); err != nil {
		return err
	}
	if (n.APIKeySID == "") != (n.APIKeySecret == "") {
		return errs.Coded(errs.Invalid, "api_key_incomplete", "an API key needs both its SID and its secret")
	}
	if in.Sender != nil {
		sender := strings.TrimPrefix(strings.ReplaceAll(text(in.Sender), " ", ""), "whatsapp:")
		if sender != "" && !e164.MatchString(sender) {
			return errs.Coded(errs.Invalid, "sender_invalid", "sender is the WhatsApp number in international form, e.g. +14155238886")
		}
		n.Sender = sender
	}
	if in.MessagingServiceSID != nil {
		m := text(in.MessagingServiceSID)
		if m != "" && !servicePattern.MatchString(m) {
			return errs.Coded(errs.Invalid, "messaging_service_sid_invalid", "messaging_service_sid is MG followed by 32 hex digits")
		}
		n.MessagingServiceSID = m
	}
	if n.Sender == "" && n.MessagingServiceSID == "" {
		return errs.Coded(errs.Invalid, "sender_required", "give the WhatsApp sender number or a Messaging Service SID")
	}
	if in.Visibility != nil {
		if *in.Visibility != inbox.Private && *in.Visibility != inbox.Shared {
			return errs.Coded(errs.Invalid, "visibility_invalid", "visibility must be private or shared")
		}
		n.Visibility = *in.Visibility
	}
	if in.ReopenPolicy != nil {
		if *in.ReopenPolicy != inbox.Final && *in.ReopenPolicy != inbox.Reopen {
			return errs.Coded(errs.Invalid, "reopen_policy_invalid", "reopen_policy must be final or reopen")
		}
		n.ReopenPolicy = *in.ReopenPolicy
	}
	return nil
}
