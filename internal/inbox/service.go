package inbox

import (
	"context"
	"encoding/json"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// Repo is the storage the inbox service needs; internal/store implements it.
type Repo interface {
	InboxByID(ctx context.Context, id int64) (*Inbox, error)
	ListInboxes(ctx context.Context) ([]Inbox, error)
	MemberInboxIDs(ctx context.Context, userID int64) ([]int64, error)
	InboxMemberIDs(ctx context.Context, inboxID int64) ([]int64, error)
	SetInboxMembers(ctx context.Context, inboxID int64, userIDs []int64, at int64, evs ...event.Event) error
	UpdateInbox(ctx context.Context, ib *Inbox, evs ...event.Event) error
	CreateWebsite(ctx context.Context, w *Website, evs ...event.Event) error
	UpdateWebsite(ctx context.Context, w *Website, evs ...event.Event) error
	WebsiteByID(ctx context.Context, id int64) (*Website, error)
	WebsiteByKey(ctx context.Context, key string) (*Website, error)
	ListWebsites(ctx context.Context) ([]Website, error)
}

// Feed announces committed events to every node (internal/event).
type Feed interface {
	Committed(ctx context.Context, n event.Notice)
}

// Service manages inboxes and websites. Changing them is for admins.
type Service struct {
	repo Repo
	feed Feed
	now  func() time.Time
}

// NewService returns the inbox service; feed may be nil (nothing is announced).
func NewService(repo Repo, feed Feed) *Service {
	return &Service{repo: repo, feed: feed, now: time.Now}
}

func (s *Service) committed(ctx context.Context, evs ...event.Event) {
	if s.feed != nil && len(evs) > 0 {
		s.feed.Committed(ctx, event.Notice{Events: evs})
	}
}

// inboxPayload encodes an inbox when its event is written, after an insert gave it its id.
type inboxPayload struct{ ib *Inbox }

func (p inboxPayload) MarshalJSON() ([]byte, error) { return json.Marshal(p.ib) }

func inboxEvent(t event.Type, actor *auth.User, ib *Inbox) event.Event {
	e := event.New(t, inboxPayload{ib})
	e.InboxID, e.ActorID = ib.ID, actor.ID
	return e
}

// newInboxAccess is a new inbox's access: its installer is its one member. Encoded when the event
// is written, after the insert gave the inbox its id.
type newInboxAccess struct{ ib *Inbox }

func (p newInboxAccess) MarshalJSON() ([]byte, error) {
	members := []int64{}
	if p.ib.InstallerID != 0 {
		members = append(members, p.ib.InstallerID)
	}
	return json.Marshal(AccessData{InboxID: p.ib.ID, Visibility: p.ib.Visibility, MemberIDs: members})
}

func accessEvent(actor *auth.User, id int64, vis Visibility, members []int64) event.Event {
	e := event.New(event.InboxAccessChanged, AccessData{InboxID: id, Visibility: vis, MemberIDs: members})
	e.InboxID, e.ActorID = id, actor.ID
	return e
}

// WithMembers is an inbox with its member ids, as the API shows it.
type WithMembers struct {
	Inbox
	MemberIDs []int64 `json:"member_ids"`
}

// List returns the inboxes the user works in: all for admins, their own for agents.
func (s *Service) List(ctx context.Context, u *auth.User) ([]WithMembers, error) {
	all, err := s.repo.ListInboxes(ctx)
	if err != nil {
		return nil, err
	}
	mine, err := s.repo.MemberInboxIDs(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := []WithMembers{}
	for _, ib := range all {
		if !u.Role.IsAdmin() && !contains(mine, ib.ID) {
			continue
		}
		members, err := s.repo.InboxMemberIDs(ctx, ib.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, WithMembers{Inbox: ib, MemberIDs: members})
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

// Get returns one inbox the user works in.
func (s *Service) Get(ctx context.Context, u *auth.User, id int64) (*WithMembers, error) {
	ib, err := s.repo.InboxByID(ctx, id)
	if err != nil {
		return nil, err
	}
	members, err := s.repo.InboxMemberIDs(ctx, id)
	if err != nil {
		return nil, err
	}
	if !u.Role.IsAdmin() && !contains(members, u.ID) {
		return nil, errs.E(errs.NotFound, "inbox not found")
	}
	return &WithMembers{Inbox: *ib, MemberIDs: members}, nil
}

// Patch changes an inbox's name and policies.
type Patch struct {
	Name         *string       `json:"name"`
	Visibility   *Visibility   `json:"visibility"`
	ReopenPolicy *ReopenPolicy `json:"reopen_policy"`
	// Language is what the inbox's messages are written in: en, de, nl, tr or hu (search stems
	// their words by it; messages indexed before a change keep theirs until parley reindex).
	Language *string `json:"language"`
}

// Update applies an admin's change to an inbox.
func (s *Service) Update(ctx context.Context, u *auth.User, id int64, p Patch) (*WithMembers, error) {
	if err := auth.Authorize(u, auth.ManageSetup); err != nil {
		return nil, err
	}
	ib, err := s.repo.InboxByID(ctx, id)
	if err != nil {
		return nil, err
	}
	before := ib.Visibility
	if p.Name != nil {
		n, err := cleanName(*p.Name)
		if err != nil {
			return nil, err
		}
		ib.Name = n
	}
	if p.Visibility != nil {
		if *p.Visibility != Private && *p.Visibility != Shared {
			return nil, errs.Coded(errs.Invalid, "visibility_invalid", "visibility must be private or shared")
		}
		ib.Visibility = *p.Visibility
	}
	if p.ReopenPolicy != nil {
		if *p.ReopenPolicy != Final && *p.ReopenPolicy != Reopen {
			return nil, errs.Coded(errs.Invalid, "reopen_policy_invalid", "reopen_policy must be final or reopen")
		}
		ib.ReopenPolicy = *p.ReopenPolicy
	}
	if p.Language != nil {
		switch *p.Language {
		case "en", "de", "nl", "tr", "hu":
			ib.Language = *p.Language
		default:
			return nil, errs.Coded(errs.Invalid, "language_invalid", "language must be en, de, nl, tr or hu")
		}
	}
	ib.UpdatedAt = s.now().UnixMilli()
	evs := []event.Event{inboxEvent(event.InboxUpdated, u, ib)}
	if ib.Visibility != before {
		members, err := s.repo.InboxMemberIDs(ctx, id)
		if err != nil {
			return nil, err
		}
		evs = append(evs, accessEvent(u, id, ib.Visibility, members))
	}
	if err := s.repo.UpdateInbox(ctx, ib, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, evs...)
	return s.Get(ctx, u, id)
}

// SetMembers replaces an inbox's members.
func (s *Service) SetMembers(ctx context.Context, u *auth.User, id int64, userIDs []int64) (*WithMembers, error) {
	if err := auth.Authorize(u, auth.ManageSetup); err != nil {
		return nil, err
	}
	ib, err := s.repo.InboxByID(ctx, id)
	if err != nil {
		return nil, err
	}
	members := slices.Clone(userIDs)
	slices.Sort(members)
	members = slices.Compact(members)
	evs := []event.Event{accessEvent(u, id, ib.Visibility, members)}
	if err := s.repo.SetInboxMembers(ctx, id, members, s.now().UnixMilli(), evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, evs...)
	return s.Get(ctx, u, id)
}

func cleanName(n string) (string, error) {
	n = strings.TrimSpace(n)
	if n == "" {
		return "", errs.Coded(errs.Invalid, "name_required", "name is required")
	}
	if utf8.RuneCountInString(n) > 100 {
		return "", errs.Coded(errs.Invalid, "name_too_long", "name is longer than 100 characters")
	}
	return n, nil
}

// CleanDomains validates a website's allowed domains: host names (optionally with a leading
// "*." for subdomains, or localhost), lower-cased, without scheme, path or port.
func CleanDomains(in []string) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, d := range in {
		d = strings.ToLower(strings.TrimSpace(d))
		d = strings.TrimPrefix(strings.TrimPrefix(d, "https://"), "http://")
		d = strings.TrimSuffix(d, "/")
		if d == "" || seen[d] {
			continue
		}
		host := strings.TrimPrefix(d, "*.")
		valid := len(host) <= 253 && !strings.ContainsAny(host, "/:?#@ ") && (host == "localhost" || net.ParseIP(host) != nil || strings.Contains(host, "."))
		if !valid {
			return nil, errs.Coded(errs.Invalid, "domain_invalid", "%q is not a domain name (write it like example.com or *.example.com)", d)
		}
		seen[d] = true
		out = append(out, d)
	}
	if len(out) > 50 {
		return nil, errs.Coded(errs.Invalid, "too_many_domains", "at most 50 allowed domains")
	}
	return out, nil
}

// AllowsHost reports whether a page on host may show the website's widget: an exact match, a
// subdomain of an allowed domain, or any subdomain for "*.example.com". Ports are ignored.
func (w *Website) AllowsHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	for _, d := range w.AllowedDomains {
		base := strings.TrimPrefix(d, "*.")
		if host == base || strings.HasSuffix(host, "."+base) {
			return true
		}
	}
	return false
}

// CheckPage refuses a page URL that is not http(s) or not on one of the website's allowed domains.
// Empty means not known, and passes.
func (w *Website) CheckPage(pageURL string) error {
	if pageURL == "" {
		return nil
	}
	u, err := url.Parse(pageURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return errs.Coded(errs.Invalid, "page_url_invalid", "page_url must be an http(s) URL")
	}
	if !w.AllowsHost(u.Host) {
		return errs.Coded(errs.Forbidden, "domain_not_allowed", "this website's chat is not enabled on %s", u.Hostname())
	}
	return nil
}

// WebsiteInput creates or changes a website.
type WebsiteInput struct {
	Name           *string        `json:"name"`
	AllowedDomains *[]string      `json:"allowed_domains"`
	TimeZone       *string        `json:"time_zone"`
	BusinessHours  *BusinessHours `json:"business_hours"`
	// Follow-ups and transcripts by email (see Website).
	FollowUp          *bool  `json:"follow_up"`
	FollowUpSeconds   *int   `json:"follow_up_seconds"`
	TranscriptOnClose *bool  `json:"transcript_on_close"`
	EmailInboxID      *int64 `json:"email_inbox_id"`
}

// MaxFollowUpSeconds bounds a website's follow-up delay: a day.
const MaxFollowUpSeconds = 86400

// CreateWebsite creates a website inbox; its creator is its installer and first member.
func (s *Service) CreateWebsite(ctx context.Context, u *auth.User, in WebsiteInput) (*Website, error) {
	if err := auth.Authorize(u, auth.ManageSetup); err != nil {
		return nil, err
	}
	if in.Name == nil {
		return nil, errs.Coded(errs.Invalid, "name_required", "name is required")
	}
	vis, reopen := Defaults(Web)
	now := s.now().UnixMilli()
	w := &Website{Inbox: Inbox{Kind: Web, Visibility: vis, ReopenPolicy: reopen, InstallerID: u.ID, CreatedAt: now, UpdatedAt: now},
		PublicKey: NewKey("pk_", 12), Secret: NewKey("sk_", 32), AllowedDomains: []string{}, TimeZone: "UTC", BusinessHours: &BusinessHours{},
		FollowUp: true, FollowUpSeconds: DefaultFollowUpSeconds}
	if err := s.applyWebsite(ctx, w, in); err != nil {
		return nil, err
	}
	access := event.New(event.InboxAccessChanged, newInboxAccess{&w.Inbox})
	access.ActorID = u.ID
	evs := []event.Event{inboxEvent(event.InboxCreated, u, &w.Inbox), access}
	if err := s.repo.CreateWebsite(ctx, w, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, evs...)
	return w, nil
}

func (s *Service) applyWebsite(ctx context.Context, w *Website, in WebsiteInput) error {
	if in.Name != nil {
		n, err := cleanName(*in.Name)
		if err != nil {
			return err
		}
		w.Name = n
	}
	if in.AllowedDomains != nil {
		d, err := CleanDomains(*in.AllowedDomains)
		if err != nil {
			return err
		}
		w.AllowedDomains = d
	}
	if in.TimeZone != nil {
		tz, err := auth.ValidateTimeZone(*in.TimeZone)
		if err != nil {
			return err
		}
		w.TimeZone = tz
	}
	if in.BusinessHours != nil {
		h := *in.BusinessHours
		if err := h.Clean(); err != nil {
			return err
		}
		w.BusinessHours = &h
	}
	if in.FollowUp != nil {
		w.FollowUp = *in.FollowUp
	}
	if in.FollowUpSeconds != nil {
		if *in.FollowUpSeconds < 0 || *in.FollowUpSeconds > MaxFollowUpSeconds {
			return errs.Coded(errs.Invalid, "follow_up_seconds_invalid", "follow_up_seconds must be 0 to %d", MaxFollowUpSeconds)
		}
		w.FollowUpSeconds = *in.FollowUpSeconds
	}
	if in.TranscriptOnClose != nil {
		w.TranscriptOnClose = *in.TranscriptOnClose
	}
	if in.EmailInboxID != nil {
		if id := *in.EmailInboxID; id != 0 {
			ib, err := s.repo.InboxByID(ctx, id)
			if errs.Is(err, errs.NotFound) || (err == nil && ib.Kind != Email) {
				return errs.Coded(errs.Invalid, "email_inbox_unknown", "there is no email inbox with id %d", id)
			}
			if err != nil {
				return err
			}
		}
		w.EmailInboxID = *in.EmailInboxID
	}
	return nil
}

// UpdateWebsite changes a website.
func (s *Service) UpdateWebsite(ctx context.Context, u *auth.User, id int64, in WebsiteInput) (*Website, error) {
	if err := auth.Authorize(u, auth.ManageSetup); err != nil {
		return nil, err
	}
	w, err := s.repo.WebsiteByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.applyWebsite(ctx, w, in); err != nil {
		return nil, err
	}
	w.UpdatedAt = s.now().UnixMilli()
	evs := []event.Event{inboxEvent(event.InboxUpdated, u, &w.Inbox)}
	if err := s.repo.UpdateWebsite(ctx, w, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, evs...)
	return w, nil
}

// Websites lists the websites the user works in.
func (s *Service) Websites(ctx context.Context, u *auth.User) ([]Website, error) {
	all, err := s.repo.ListWebsites(ctx)
	if err != nil {
		return nil, err
	}
	mine, err := s.repo.MemberInboxIDs(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := []Website{}
	for _, w := range all {
		if u.Role.IsAdmin() || contains(mine, w.ID) {
			out = append(out, w)
		}
	}
	return out, nil
}

// Website returns one website the user works in.
func (s *Service) Website(ctx context.Context, u *auth.User, id int64) (*Website, error) {
	if _, err := s.Get(ctx, u, id); err != nil {
		return nil, err
	}
	return s.repo.WebsiteByID(ctx, id)
}

// Secret returns the website's identity secret, for admins who set up identify.
func (s *Service) Secret(ctx context.Context, u *auth.User, id int64) (string, error) {
	if err := auth.Authorize(u, auth.ManageSetup); err != nil {
		return "", err
	}
	w, err := s.repo.WebsiteByID(ctx, id)
	if err != nil {
		return "", err
	}
	return w.Secret, nil
}

// OpenAt reports whether the website is within its business hours at t (Website.OpenAt): for the
// live chat card, the widget and reports.
func (s *Service) OpenAt(ctx context.Context, websiteID int64, t time.Time) (bool, error) {
	w, err := s.repo.WebsiteByID(ctx, websiteID)
	if err != nil {
		return false, err
	}
	return w.OpenAt(t), nil
}

// ByKey finds a website by its public key, for the widget. An unknown key is not found.
func (s *Service) ByKey(ctx context.Context, key string) (*Website, error) {
	if !strings.HasPrefix(key, "pk_") || len(key) > 64 {
		return nil, errs.Coded(errs.NotFound, "website_unknown", "no website has this key")
	}
	w, err := s.repo.WebsiteByKey(ctx, key)
	if errs.Is(err, errs.NotFound) {
		return nil, errs.Coded(errs.NotFound, "website_unknown", "no website has this key")
	}
	return w, err
}
