// Package messenger is the Facebook Messenger channel: Facebook Pages connected as inboxes (by
// manual entry of the Page's id, its access token, the app's secret and a verify token), Meta's
// webhook (the verification handshake, X-Hub-Signature-256 checked on the raw body, the work done
// in a job), what people send (text, images, files, stickers and likes, quick replies, postbacks;
// the Page's own messages sent elsewhere as echoes; delivery and read receipts), their names and
// pictures from the profile API, and agents' replies through the Send API within the 24-hour
// standard messaging window (or with the HUMAN_AGENT tag after it, where the Page has it). Meta's
// wire formats are spoken by graphtest's fake server in tests; docs/channels.md connects a real
// Page.
package messenger

import (
	"context"
	"encoding/json"
	"io"
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

// DefaultGraphURL is Meta's Graph API; GraphVersion the version Parley speaks.
const (
	DefaultGraphURL = "https://graph.facebook.com"
	GraphVersion    = "v21.0"
)

// HookPath is where Meta delivers a Page's webhooks (one callback URL for every Page of an app).
const HookPath = "/hooks/messenger"

// Page is an inbox of the Messenger channel: a connected Facebook Page. The access token and app
// secret are never shown once saved; the verify token only to admins (they paste it at Meta).
type Page struct {
	inbox.Inbox
	MemberIDs []int64 `json:"member_ids"`
	PageID    string  `json:"page_id"`
	PageName  string  `json:"page_name,omitempty"`
	// HumanAgent: the Page has the human agent tag (granted by Meta), so agents may answer up to 7
	// days after the person's last message. Profiles: read people's names and pictures.
	HumanAgent bool `json:"human_agent"`
	Profiles   bool `json:"profiles"`
	// WebhookURL is the callback URL to give Meta.
	WebhookURL     string `json:"webhook_url,omitempty"`
	VerifyToken    string `json:"verify_token,omitempty"`
	AccessTokenSet bool   `json:"access_token_set"`
	AppSecretSet   bool   `json:"app_secret_set"`

	AccessToken string `json:"-"`
	AppSecret   string `json:"-"`
}

// redacted is p as a user sees it: no token or secret, the verify token for admins only.
func (p Page) redacted(u *auth.User, base string) Page {
	p.AccessTokenSet, p.AppSecretSet = p.AccessToken != "", p.AppSecret != ""
	p.AccessToken, p.AppSecret = "", ""
	if !u.Role.IsAdmin() {
		p.VerifyToken = ""
	}
	p.WebhookURL = strings.TrimSuffix(base, "/") + HookPath
	return p
}

// Input connects or changes a Page; nil fields stay. A token or secret left empty keeps the one
// stored.
type Input struct {
	Name         *string             `json:"name"`
	PageID       *string             `json:"page_id"`
	AccessToken  *string             `json:"access_token"`
	AppSecret    *string             `json:"app_secret"`
	VerifyToken  *string             `json:"verify_token"`
	HumanAgent   *bool               `json:"human_agent"`
	Profiles     *bool               `json:"profiles"`
	Visibility   *inbox.Visibility   `json:"visibility"`
	ReopenPolicy *inbox.ReopenPolicy `json:"reopen_policy"`
}

// Repo is the storage the channel needs; internal/store implements it.
type Repo interface {
	CreateMessengerPage(ctx context.Context, p *Page, evs ...event.Event) error
	UpdateMessengerPage(ctx context.Context, p *Page, evs ...event.Event) error
	MessengerPageByID(ctx context.Context, id int64) (*Page, error)
	ListMessengerPages(ctx context.Context) ([]Page, error)
	InboxMemberIDs(ctx context.Context, inboxID int64) ([]int64, error)
	MemberInboxIDs(ctx context.Context, userID int64) ([]int64, error)
	EnqueueJobs(ctx context.Context, specs ...jobs.Spec) error

	ChannelContact(ctx context.Context, inboxID int64, externalID string) (*channel.Known, error)
	ChannelIDOf(ctx context.Context, inboxID, contactID int64) (string, error)
	TouchChannelContact(ctx context.Context, inboxID int64, externalID string, at int64) error
	SetChannelPicture(ctx context.Context, inboxID int64, externalID string, blobID, at int64) error
	MessageByExternalID(ctx context.Context, inboxID int64, externalID string) (*conversation.Message, error)
	// OutboundBefore lists the replies to the contact in the inbox written at or before before
	// whose delivery is one of statuses, oldest first (receipts' watermarks).
	OutboundBefore(ctx context.Context, inboxID, contactID, before int64, statuses ...conversation.DeliveryStatus) ([]conversation.Message, error)
}

// Conversations is what the channel needs of the conversation service beyond the seam.
type Conversations interface {
	RecordDelivery(ctx context.Context, convID, msgID int64, d conversation.Delivery, externalID string) error
	AssignExternalID(ctx context.Context, convID, msgID int64, id string) (string, error)
}

// Blobs opens the files replies send and keeps people's pictures.
type Blobs interface {
	Open(ctx context.Context, id int64) (*blob.Blob, []byte, error)
	Upload(ctx context.Context, uploader string, conversationID int64, name string, r io.Reader) (*blob.Blob, error)
}

// Feed announces committed events and jobs (internal/event).
type Feed interface {
	Committed(ctx context.Context, n event.Notice)
}

// Queue is where the webhook job's handler is registered.
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
	// GraphURL is the Graph API's base (DefaultGraphURL; tests point it at graphtest). BaseURL
	// is Parley's public URL, for the callback URL admins give Meta.
	GraphURL string
	BaseURL  string
	Client   *http.Client
	// SendEvery and SendBurst bound the sends to one Page (default: 20 a second, burst 40),
	// below Meta's rate limits.
	SendEvery time.Duration
	SendBurst int
	// RateLimitWait is how long a send waits when Meta says it is rate limited
	// (DefaultRateLimitWait).
	RateLimitWait time.Duration
	Logger        *slog.Logger
	Now           func() time.Time
}

// Service is the Messenger channel.
type Service struct {
	o     Options
	graph *graph
	sends *ratelimit.Keyed
	log   *slog.Logger
}

// JobReceive processes one webhook delivery Meta made (payload: receivePayload).
const JobReceive = "messenger.receive"

// New returns the Messenger channel and registers its webhook job on o.Queue.
func New(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.GraphURL == "" {
		o.GraphURL = DefaultGraphURL
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
	s := &Service{o: o, log: o.Logger, graph: &graph{base: strings.TrimSuffix(o.GraphURL, "/") + "/" + GraphVersion, client: o.Client},
		sends: ratelimit.New(o.SendEvery, o.SendBurst)}
	if o.Queue != nil {
		o.Queue.Handle(JobReceive, s.receive)
	}
	return s
}

// inboxPayload encodes an inbox when its event is written, after an insert gave it its id.
type inboxPayload struct{ ib *inbox.Inbox }

func (p inboxPayload) MarshalJSON() ([]byte, error) { return json.Marshal(p.ib) }

// newInboxAccess is a new inbox's access: its installer is its one member.
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

// List returns the Pages the user works in (all for admins).
func (s *Service) List(ctx context.Context, u *auth.User) ([]Page, error) {
	all, err := s.o.Repo.ListMessengerPages(ctx)
	if err != nil {
		return nil, err
	}
	mine, err := s.o.Repo.MemberInboxIDs(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := []Page{}
	for _, p := range all {
		if !u.Role.IsAdmin() && !contains(mine, p.ID) {
			continue
		}
		if p.MemberIDs, err = s.o.Repo.InboxMemberIDs(ctx, p.ID); err != nil {
			return nil, err
		}
		out = append(out, p.redacted(u, s.o.BaseURL))
	}
	return out, nil
}

// Get returns one Page the user works in.
func (s *Service) Get(ctx context.Context, u *auth.User, id int64) (*Page, error) {
	p, err := s.o.Repo.MessengerPageByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.MemberIDs, err = s.o.Repo.InboxMemberIDs(ctx, id); err != nil {
		return nil, err
	}
	if !u.Role.IsAdmin() && !contains(p.MemberIDs, u.ID) {
		return nil, errs.E(errs.NotFound, "Messenger Page not found")
	}
	r := p.redacted(u, s.o.BaseURL)
	return &r, nil
}

// Create connects a Page (admins): its connector is its installer and first member; shared and
// reopening unless told otherwise. The Page's name is read from the Graph API when the token
// allows it.
func (s *Service) Create(ctx context.Context, u *auth.User, in Input) (*Page, error) {
	if err := auth.Authorize(u, auth.ManageSetup); err != nil {
		return nil, err
	}
	vis, reopen := inbox.Defaults(inbox.Messenger)
	now := s.o.Now().UnixMilli()
	p := &Page{Inbox: inbox.Inbox{Kind: inbox.Messenger, Visibility: vis, ReopenPolicy: reopen, InstallerID: u.ID, CreatedAt: now, UpdatedAt: now},
		Profiles: true}
	if err := apply(p, in); err != nil {
		return nil, err
	}
	if p.AccessToken == "" || p.AppSecret == "" || p.VerifyToken == "" {
		return nil, errs.Coded(errs.Invalid, "credentials_required", "a Page needs its access token, the app secret and a verify token")
	}
	if p.PageName == "" {
		if name, err := s.graph.pageName(ctx, p.AccessToken, p.PageID); err == nil {
			p.PageName = name
		}
	}
	if p.Name == "" {
		p.Name = p.PageName
	}
	if p.Name == "" {
		p.Name = "Facebook Page " + p.PageID
	}
	access := event.New(event.InboxAccessChanged, newInboxAccess{&p.Inbox})
	access.ActorID = u.ID
	evs := []event.Event{inboxEvent(event.InboxCreated, u, &p.Inbox), access}
	if err := s.o.Repo.CreateMessengerPage(ctx, p, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, event.Notice{Events: evs})
	p.MemberIDs = []int64{u.ID}
	r := p.redacted(u, s.o.BaseURL)
	return &r, nil
}

// Update changes a Page's settings (admins).
func (s *Service) Update(ctx context.Context, u *auth.User, id int64, in Input) (*Page, error) {
	if err := auth.Authorize(u, auth.ManageSetup); err != nil {
		return nil, err
	}
	p, err := s.o.Repo.MessengerPageByID(ctx, id)
	if err != nil {
		return nil, err
	}
	before := p.Visibility
	if err := apply(p, in); err != nil {
		return nil, err
	}
	p.UpdatedAt = s.o.Now().UnixMilli()
	evs := []event.Event{inboxEvent(event.InboxUpdated, u, &p.Inbox)}
	if p.Visibility != before {
		members, err := s.o.Repo.InboxMemberIDs(ctx, id)
		if err != nil {
			return nil, err
		}
		e := event.New(event.InboxAccessChanged, inbox.AccessData{InboxID: id, Visibility: p.Visibility, MemberIDs: members})
		e.InboxID, e.ActorID = id, u.ID
		evs = append(evs, e)
	}
	if err := s.o.Repo.UpdateMessengerPage(ctx, p, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, event.Notice{Events: evs})
	return s.Get(ctx, u, id)
}

// TestResult says whether the Page's token works: the Page's name as the Graph API gives it, or
// Meta's error.
type TestResult struct {
	OK       bool   `json:"ok"`
	PageName string `json:"page_name,omitempty"`
	Message  string `json:"message,omitempty"`
}

// Test reads the Page with its token (admins), as sending would use it.
func (s *Service) Test(ctx context.Context, u *auth.User, id int64) (*TestResult, error) {
	if err := auth.Authorize(u, auth.ManageSetup); err != nil {
		return nil, err
	}
	p, err := s.o.Repo.MessengerPageByID(ctx, id)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	name, err := s.graph.pageName(ctx, p.AccessToken, p.PageID)
	if err != nil {
		return &TestResult{Message: err.Error()}, nil
	}
	return &TestResult{OK: true, PageName: name}, nil
}

var pageIDPattern = regexp.MustCompile(`^[0-9]{1,30}$`)

// apply validates in and applies it to p.
func apply(p *Page, in Input) error {
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		if utf8.RuneCountInString(n) > 100 {
			return errs.Coded(errs.Invalid, "name_too_long", "name is longer than 100 characters")
		}
		if n != "" {
			p.Name = n
		}
	}
	if in.PageID != nil {
		id := strings.TrimSpace(*in.PageID)
		if !pageIDPattern.MatchString(id) {
			return errs.Coded(errs.Invalid, "page_id_invalid", "page_id is the Page's numeric id (its About section, or Meta Business Suite)")
		}
		p.PageID = id
	}
	if p.PageID == "" {
		return errs.Coded(errs.Invalid, "page_id_required", "page_id is required")
	}
	secret := func(v *string, field string, into *string) error {
		if v == nil || strings.TrimSpace(*v) == "" {
			return nil
		}
		x := strings.TrimSpace(*v)
		if len(x) > 1000 || strings.ContainsFunc(x, func(r rune) bool { return r <= ' ' || r > '~' }) {
			return errs.Coded(errs.Invalid, field+"_invalid", "%s is one word of printable ASCII, at most 1000 characters", field)
		}
		*into = x
		return nil
	}
	if err := secret(in.AccessToken, "access_token", &p.AccessToken); err != nil {
		return err
	}
	if err := secret(in.AppSecret, "app_secret", &p.AppSecret); err != nil {
		return err
	}
	if err := secret(in.VerifyToken, "verify_token", &p.VerifyToken); err != nil {
		return err
	}
	if in.HumanAgent != nil {
		p.HumanAgent = *in.HumanAgent
	}
	if in.Profiles != nil {
		p.Profiles = *in.Profiles
	}
	if in.Visibility != nil {
		if *in.Visibility != inbox.Private && *in.Visibility != inbox.Shared {
			return errs.Coded(errs.Invalid, "visibility_invalid", "visibility must be private or shared")
		}
		p.Visibility = *in.Visibility
	}
	if in.ReopenPolicy != nil {
		if *in.ReopenPolicy != inbox.Final && *in.ReopenPolicy != inbox.Reopen {
			return errs.Coded(errs.Invalid, "reopen_policy_invalid", "reopen_policy must be final or reopen")
		}
		p.ReopenPolicy = *in.ReopenPolicy
	}
	return nil
}
