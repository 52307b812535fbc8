package contact

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/mask"
)

// Repo is what the contact service needs from storage (*store.DB implements it).
type Repo interface {
	// CreateVisitor inserts v — without a contact when c is nil, with c otherwise, inserted first
	// when c.ID is 0 (else saved as UpdateContact does if c.UpdatedAt differs from prevUpdatedAt)
	// — and the first page view, if given, in one transaction.
	// A contact whose (website, external id) exists already fails with errs.Conflict
	// "external_id_taken"; IDs are set only once it has committed.
	CreateVisitor(ctx context.Context, v *Visitor, c *Contact, prevUpdatedAt int64, first *PageView, evs ...event.Event) error
	// AttachContact gives the visitor, who has no contact, c: inserted when c.ID is 0 (else saved
	// as CreateVisitor does). A visitor that got one meanwhile fails with errs.Conflict
	// "visitor_moved"; c.ID is set only once it has committed.
	AttachContact(ctx context.Context, visitorID int64, c *Contact, prevUpdatedAt int64, evs ...event.Event) error
	// DeleteAnonymousVisitors deletes up to limit visitors without a contact last seen before the
	// time (unix ms), with their page views, and says how many.
	DeleteAnonymousVisitors(ctx context.Context, before int64, limit int) (int, error)
	VisitorByTokenHash(ctx context.Context, hash string) (*Visitor, error)
	VisitorByID(ctx context.Context, id int64) (*Visitor, error)
	// TouchVisitor saves v's last_seen, IP, user agent, OS, browser and country.
	TouchVisitor(ctx context.Context, v *Visitor) error
	// AddPageView records a page view and deletes all but the newest keep views of the visitor.
	AddPageView(ctx context.Context, visitorID int64, pv PageView, keep int) error

	ContactByID(ctx context.Context, id int64) (*Contact, error)
	// ContactByEmail returns the contact with this normalised email that changed last.
	ContactByEmail(ctx context.Context, email string) (*Contact, error)
	// CreateContact inserts a contact of no website, setting its id before evs are written.
	CreateContact(ctx context.Context, c *Contact, evs ...event.Event) error
	// ContactByChannel returns the contact a channel knows by its own id in an inbox
	// (channel.go); CreateChannelContact inserts a contact with that id, failing with errs.Conflict
	// "channel_contact_taken" when another took it meanwhile.
	ContactByChannel(ctx context.Context, inboxID int64, externalID string) (*Contact, error)
	CreateChannelContact(ctx context.Context, c *Contact, inboxID int64, externalID string, evs ...event.Event) error
	// ContactsWithPhone lists up to limit contacts with this phone, newest first.
	ContactsWithPhone(ctx context.Context, phone string, limit int) ([]int64, error)
	ContactByExternalID(ctx context.Context, websiteID int64, externalID string) (*Contact, error)
	// UpdateContact saves c's editable fields and updated_at, only if its updated_at is still
	// prevUpdatedAt (errs.Conflict "contact_changed" otherwise). c.ExternalID is set only where
	// the contact has none yet: errs.Conflict "external_id_taken" when another contact of the
	// website has it, "identity_changed" when this one got a different one meanwhile.
	UpdateContact(ctx context.Context, c *Contact, prevUpdatedAt int64, evs ...event.Event) error
	// MergeVisitorInto moves the visitor from contact from to contact into (saved as
	// UpdateContact does if into.UpdatedAt differs from prevUpdatedAt), with the conversations it
	// had there. When from has no visitor left
	// and no external id, its conversations and consents move too and it is deleted.
	MergeVisitorInto(ctx context.Context, visitorID int64, from, into *Contact, prevUpdatedAt int64, evs ...event.Event) error

	// BlockVisitor marks the visitor blocked and blocks its IP on the website.
	BlockVisitor(ctx context.Context, websiteID, visitorID, byUserID, at int64, evs ...event.Event) error
	// UnblockVisitor undoes BlockVisitor.
	UnblockVisitor(ctx context.Context, websiteID, visitorID int64, evs ...event.Event) error
	// VisitorBlocked reports whether the visitor (0: none) is blocked or ip is blocked on the website.
	VisitorBlocked(ctx context.Context, websiteID, visitorID int64, ip string) (bool, error)

	AddConsent(ctx context.Context, contactID int64, c *Consent) error
	ContactVisitors(ctx context.Context, contactID int64) ([]Visitor, error)
	ContactPageViews(ctx context.Context, contactID int64, limit int) ([]PageView, error)
	ContactConsents(ctx context.Context, contactID int64) ([]Consent, error)
}

// Limits on what a visitor's browser sends.
const (
	TokenPrefix     = "pv_"
	maxReferrer     = 1000
	maxLocale       = 35
	maxURL          = 2000
	maxTitle        = 300
	maxUserAgent    = 1000
	maxUserID       = 255
	maxConsentText  = 10000
	maxConsentVer   = 100
	keepPageViews   = 500
	detailPageViews = 50
	// touchEvery is how stale last_seen may get: resuming writes at most this often.
	touchEvery = time.Minute
	// anonymousFor is how long a visitor who never wrote nor gave details is kept after they were
	// last seen.
	anonymousFor = 30 * 24 * time.Hour
	// tokenBytes of randomness: 256 bits, far beyond guessing.
	tokenBytes = 32
)

// Seer decides whether a user may see a contact: whoever sees one of its conversations does
// (conversation.Service implements it, by the one rule in its policy).
type Seer interface {
	SeesContact(ctx context.Context, u *auth.User, contactID int64) error
}

// Feed announces committed events to every node (internal/event).
type Feed interface {
	Committed(ctx context.Context, n event.Notice)
}

// BlockData is the payload of contact.blocked and contact.unblocked.
type BlockData struct {
	ContactID int64  `json:"contact_id"`
	VisitorID int64  `json:"visitor_id"`
	WebsiteID int64  `json:"website_id"`
	IP        string `json:"ip,omitempty"`
}

// MergeData is the payload of contact.merged: the visitor (and, when it had nothing else, the
// whole contact) moved from one contact to another.
type MergeData struct {
	FromContactID int64    `json:"from_contact_id"`
	IntoContactID int64    `json:"into_contact_id"`
	VisitorID     int64    `json:"visitor_id"`
	Contact       *Contact `json:"contact"` // the contact merged into, as it is now
}

// contactPayload encodes a contact when its event is written, after an insert gave it its id.
type contactPayload struct{ c *Contact }

func (p contactPayload) MarshalJSON() ([]byte, error) { return json.Marshal(p.c) }

func contactEvent(t event.Type, actorID int64, c *Contact) event.Event {
	e := event.New(t, contactPayload{c})
	e.ActorID = actorID
	return e
}

// Options configures a Service.
type Options struct {
	Repo Repo
	// Seer decides which contacts an agent may see and change (nil: every agent sees every
	// contact — tests only).
	Seer Seer
	Feed Feed
	// Locate returns the ISO country code of an IP address, or "". May be nil.
	Locate func(ip string) string
	// ParseUA names the OS and browser of a user agent, with versions ("Windows 10",
	// "Chrome 126.0"), and says whether it is a crawler. May be nil.
	ParseUA func(ua string) (os, browser string, crawler bool)
	Logger  *slog.Logger
	Now     func() time.Time
}

// Service runs the visitor side of the widget (start, resume, page views, identify, block) and
// the contact details panel.
type Service struct {
	repo    Repo
	seer    Seer
	feed    Feed
	locate  func(string) string
	parseUA func(string) (string, string, bool)
	log     *slog.Logger
	now     func() time.Time
}

// NewService returns a Service.
func NewService(o Options) *Service {
	s := &Service{repo: o.Repo, seer: o.Seer, feed: o.Feed, locate: o.Locate, parseUA: o.ParseUA, log: o.Logger, now: o.Now}
	if s.locate == nil {
		s.locate = func(string) string { return "" }
	}
	if s.parseUA == nil {
		s.parseUA = func(string) (string, string, bool) { return "", "", false }
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// SessionInput is what the widget sends when it starts or resumes.
type SessionInput struct {
	Token, UserAgent, IP, Referrer, Locale, PageURL, PageTitle string
}

func errTokenInvalid() error {
	return errs.Coded(errs.Unauthenticated, "visitor_token_invalid", "the visitor token is not valid for this website")
}

func errBlocked() error {
	return errs.Coded(errs.Forbidden, "blocked", "this visitor is blocked on this website")
}

// Resume finds the visitor for a token on this website, with their contact (nil while they have
// none: ContactOf makes it). An unknown token, or one of another
// website, is errs.Unauthenticated "visitor_token_invalid"; a blocked visitor or IP is
// errs.Forbidden "blocked". Last seen, IP and user agent are saved at most once a minute, so a
// page load costs no write.
func (s *Service) Resume(ctx context.Context, site *inbox.Website, in SessionInput) (*Visitor, *Contact, error) {
	if !strings.HasPrefix(in.Token, TokenPrefix) || len(in.Token) != len(TokenPrefix)+base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return nil, nil, errTokenInvalid()
	}
	v, err := s.repo.VisitorByTokenHash(ctx, auth.HashSecret(in.Token))
	if errs.Is(err, errs.NotFound) || err == nil && v.WebsiteID != site.ID {
		return nil, nil, errTokenInvalid()
	}
	if err != nil {
		return nil, nil, err
	}
	ip := cleanIP(in.IP)
	if v.Blocked {
		return nil, nil, errBlocked()
	}
	if blocked, err := s.repo.VisitorBlocked(ctx, site.ID, 0, ip); err != nil {
		return nil, nil, err
	} else if blocked {
		return nil, nil, errBlocked()
	}
	now := s.now().UnixMilli()
	if now-v.LastSeen >= touchEvery.Milliseconds() {
		next := *v
		next.LastSeen = now
		if ip != "" && ip != v.IP {
			next.IP, next.Country = ip, s.locate(ip)
		}
		if ua := cleanLine(in.UserAgent, maxUserAgent); ua != "" && ua != v.UserAgent {
			next.UserAgent = ua
			next.OS, next.Browser, _ = s.parseUA(ua)
			next.OS, next.Browser = cleanLine(next.OS, 100), cleanLine(next.Browser, 100)
		}
		if err := s.repo.TouchVisitor(ctx, &next); err != nil {
			return nil, nil, err
		}
		v = &next
	}
	if v.ContactID == 0 {
		return v, nil, nil
	}
	c, err := s.repo.ContactByID(ctx, v.ContactID)
	if err != nil {
		return nil, nil, err
	}
	return v, c, nil
}

// Start creates a visitor on the website and returns the visitor's token, which is stored only as
// its SHA-256. The visitor has no contact yet: one is made when they first write or give details
// (ContactOf), so a script or a crawler that starts sessions leaves a visitor row at most. Crawlers
// get errs.Invalid "crawler" and leave no rows; a blocked IP gets errs.Forbidden "blocked". The
// first page view is recorded when PageURL is set.
func (s *Service) Start(ctx context.Context, site *inbox.Website, in SessionInput) (*Visitor, string, error) {
	ua := cleanLine(in.UserAgent, maxUserAgent)
	osName, browser, crawler := s.parseUA(ua)
	if crawler {
		return nil, "", errs.Coded(errs.Invalid, "crawler", "crawlers get no visitor identity")
	}
	ip := cleanIP(in.IP)
	if blocked, err := s.repo.VisitorBlocked(ctx, site.ID, 0, ip); err != nil {
		return nil, "", err
	} else if blocked {
		return nil, "", errBlocked()
	}
	now := s.now().UnixMilli()
	var first *PageView
	if in.PageURL != "" {
		pv, err := newPageView(in.PageURL, in.PageTitle, now)
		if err != nil {
			return nil, "", err
		}
		first = &pv
	}
	token := newToken()
	v := &Visitor{
		WebsiteID: site.ID,
		UserAgent: ua,
		OS:        cleanLine(osName, 100),
		Browser:   cleanLine(browser, 100),
		IP:        ip,
		Referrer:  maskedLine(in.Referrer, maxReferrer),
		Locale:    cleanLocale(in.Locale),
		FirstSeen: now,
		LastSeen:  now,
		TokenHash: auth.HashSecret(token),
	}
	if ip != "" {
		v.Country = s.locate(ip)
	}
	if err := s.repo.CreateVisitor(ctx, v, nil, 0, first); err != nil {
		return nil, "", err
	}
	return v, token, nil
}

// ForgetAnonymous deletes the visitors who never got a contact (they never wrote nor gave details)
// and were not seen for 30 days, with their page views; it says how many. Every node may run it.
func (s *Service) ForgetAnonymous(ctx context.Context) (int, error) {
	before := s.now().Add(-anonymousFor).UnixMilli()
	total := 0
	for {
		n, err := s.repo.DeleteAnonymousVisitors(ctx, before, 1000) // in batches: short transactions
		total += n
		if err != nil || n < 1000 {
			return total, err
		}
	}
}

// ContactOf returns the visitor's contact, making an anonymous one on their website first when
// they have none yet (they are about to write or give details). Of two concurrent calls (two tabs,
// two nodes) one makes it and both get it.
func (s *Service) ContactOf(ctx context.Context, v *Visitor) (*Contact, error) {
	for range 3 {
		if v.ContactID != 0 {
			return s.repo.ContactByID(ctx, v.ContactID)
		}
		now := s.now().UnixMilli()
		c := &Contact{WebsiteID: v.WebsiteID, Tags: []string{}, Attributes: map[string]string{}, CreatedAt: now, UpdatedAt: now}
		evs := []event.Event{contactEvent(event.ContactCreated, 0, c)}
		err := s.repo.AttachContact(ctx, v.ID, c, 0, evs...)
		if err == nil {
			s.committed(ctx, evs...)
			return c, nil
		}
		if !hasCode(err, "visitor_moved") {
			return nil, err
		}
		if v, err = s.repo.VisitorByID(ctx, v.ID); err != nil { // someone else was first: theirs
			return nil, err
		}
	}
	return nil, errs.E(errs.Conflict, "the visitor's contact keeps changing; try again")
}

func newToken() string {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems; nothing secure can go on if it does
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// PageView records that the visitor looked at a page. The URL must be http or https; URL and
// title are masked and capped. Only the newest 500 views of a visitor are kept.
func (s *Service) PageView(ctx context.Context, v *Visitor, rawURL, title string) error {
	if v == nil || v.ID == 0 {
		return errs.E(errs.NotFound, "visitor not found")
	}
	pv, err := newPageView(rawURL, title, s.now().UnixMilli())
	if err != nil {
		return err
	}
	return s.repo.AddPageView(ctx, v.ID, pv, keepPageViews)
}

func newPageView(rawURL, title string, at int64) (PageView, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return PageView{}, errs.Coded(errs.Invalid, "page_url_invalid", "the page URL must be an http or https URL")
	}
	return PageView{URL: maskedLine(u.String(), maxURL), Title: maskedLine(title, maxTitle), At: at}, nil
}

// IdentifyInput is what the site's JavaScript passes to identify its logged-in user.
type IdentifyInput struct {
	UserID     string
	Name       string
	Email      string
	Signature  string // hex HMAC-SHA256 of UserID under the website's secret
	Attributes map[string]string
}

// Identify ties the visitor to the site's logged-in user, proven by the signature (a bad one is
// errs.Unauthenticated "identity_invalid" and changes nothing).
//
//   - Visitor's contact already is this user: name, email and attributes given are applied.
//   - Visitor's contact is another user: a new visitor (new token) starts for this user, on the
//     user's existing contact or a new one; the old visitor stays with the old person.
//   - Visitor's contact is anonymous and the user has a contact: the visitor moves to it with its
//     conversations, and the anonymous contact, now empty, is merged into it and deleted.
//   - Otherwise the anonymous contact becomes this user's.
//
// The returned token is empty unless a new visitor started: then the widget must keep the new
// token instead of its current one (the service never sees the current token, only its hash).
func (s *Service) Identify(ctx context.Context, site *inbox.Website, v *Visitor, in IdentifyInput) (*Visitor, *Contact, string, error) {
	if !VerifyIdentity(site.Secret, in.UserID, in.Signature) {
		return nil, nil, "", errs.Coded(errs.Unauthenticated, "identity_invalid", "the identity signature does not match the user id")
	}
	if in.UserID == "" || len(in.UserID) > maxUserID || !utf8.ValidString(in.UserID) || strings.ContainsFunc(in.UserID, unicode.IsControl) {
		return nil, nil, "", errs.Coded(errs.Invalid, "user_id_invalid", "the user id must be 1–%d characters of text", maxUserID)
	}
	if v == nil || v.WebsiteID != site.ID {
		return nil, nil, "", errTokenInvalid()
	}
	// Validate once up front, so bad input is refused before anything is read or written.
	if err := s.applyPatch(&Contact{Attributes: map[string]string{}}, identifyPatch(in, nil)); err != nil {
		return nil, nil, "", err
	}
	var err error
	for range 5 { // a concurrent identify of the same user can win a race; decide again
		var out *Visitor
		var c *Contact
		var token string
		out, c, token, err = s.identify(ctx, site, v.ID, in)
		if err == nil {
			return out, c, token, nil
		}
		if !hasCode(err, "external_id_taken", "identity_changed", "contact_changed", "visitor_moved") {
			return nil, nil, "", err
		}
		s.log.DebugContext(ctx, "identify lost a race; deciding again", "visitor", v.ID, "reason", err)
	}
	return nil, nil, "", err
}

func (s *Service) identify(ctx context.Context, site *inbox.Website, visitorID int64, in IdentifyInput) (*Visitor, *Contact, string, error) {
	v, err := s.repo.VisitorByID(ctx, visitorID) // the caller's copy may predate another identify
	if err != nil {
		return nil, nil, "", err
	}
	if v.WebsiteID != site.ID {
		return nil, nil, "", errTokenInvalid()
	}
	if v.Blocked {
		return nil, nil, "", errBlocked()
	}
	now := s.now().UnixMilli()
	if v.ContactID == 0 {
		return s.identifyAnonymous(ctx, site, v, in, now)
	}
	cur, err := s.repo.ContactByID(ctx, v.ContactID)
	if err != nil {
		return nil, nil, "", err
	}

	if cur.ExternalID == in.UserID {
		next := cloneContact(cur)
		if err := s.applyPatch(next, identifyPatch(in, cur)); err != nil {
			return nil, nil, "", err
		}
		if sameContact(cur, next) {
			return v, cur, "", nil // identify runs on every page load: no change, no write
		}
		next.UpdatedAt = bump(now, cur.UpdatedAt)
		evs := []event.Event{contactEvent(event.ContactUpdated, 0, next)}
		if err := s.repo.UpdateContact(ctx, next, cur.UpdatedAt, evs...); err != nil {
			return nil, nil, "", err
		}
		s.committed(ctx, evs...)
		return v, next, "", nil
	}

	target, err := s.repo.ContactByExternalID(ctx, site.ID, in.UserID)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return nil, nil, "", err
	}

	if cur.ExternalID != "" {
		// Another person on the same browser: a new identity, never a merge of two people.
		prev := int64(0)
		if target == nil {
			target = &Contact{WebsiteID: site.ID, ExternalID: in.UserID, Tags: []string{}, Attributes: map[string]string{}, CreatedAt: now}
		} else {
			prev = target.UpdatedAt
			target = cloneContact(target)
		}
		before := cloneContact(target)
		if err := s.applyPatch(target, identifyPatch(in, target)); err != nil {
			return nil, nil, "", err
		}
		if target.ID == 0 || !sameContact(before, target) {
			target.UpdatedAt = bump(now, prev)
		}
		token := newToken()
		nv := &Visitor{
			WebsiteID: site.ID, UserAgent: v.UserAgent, OS: v.OS, Browser: v.Browser, IP: v.IP, Country: v.Country,
			Referrer: v.Referrer, Locale: v.Locale, FirstSeen: now, LastSeen: now, TokenHash: auth.HashSecret(token),
		}
		var evs []event.Event
		switch {
		case target.ID == 0:
			evs = append(evs, contactEvent(event.ContactCreated, 0, target))
		case !sameContact(before, target):
			evs = append(evs, contactEvent(event.ContactUpdated, 0, target))
		}
		if err := s.repo.CreateVisitor(ctx, nv, target, prev, nil, evs...); err != nil {
			return nil, nil, "", err
		}
		s.committed(ctx, evs...)
		return nv, target, token, nil
	}

	if target != nil {
		into := cloneContact(target)
		mergeBlanks(into, cur)
		if err := s.applyPatch(into, identifyPatch(in, into)); err != nil {
			return nil, nil, "", err
		}
		if !sameContact(target, into) { // most merges bring nothing new: then no write, no contention
			into.UpdatedAt = bump(now, target.UpdatedAt)
		}
		evs := []event.Event{event.New(event.ContactMerged, MergeData{FromContactID: cur.ID, IntoContactID: into.ID, VisitorID: v.ID, Contact: into})}
		if err := s.repo.MergeVisitorInto(ctx, v.ID, cur, into, target.UpdatedAt, evs...); err != nil {
			return nil, nil, "", err
		}
		s.committed(ctx, evs...)
		moved := *v
		moved.ContactID = into.ID
		return &moved, into, "", nil
	}

	next := cloneContact(cur)
	next.ExternalID = in.UserID
	if err := s.applyPatch(next, identifyPatch(in, next)); err != nil {
		return nil, nil, "", err
	}
	next.UpdatedAt = bump(now, cur.UpdatedAt)
	evs := []event.Event{contactEvent(event.ContactUpdated, 0, next)}
	if err := s.repo.UpdateContact(ctx, next, cur.UpdatedAt, evs...); err != nil {
		return nil, nil, "", err
	}
	s.committed(ctx, evs...)
	return v, next, "", nil
}

// identifyAnonymous ties a visitor who has no contact yet to the user: to the user's contact, or a
// new one made for them (the visitor gives details, so now they have a contact).
func (s *Service) identifyAnonymous(ctx context.Context, site *inbox.Website, v *Visitor, in IdentifyInput, now int64) (*Visitor, *Contact, string, error) {
	target, err := s.repo.ContactByExternalID(ctx, site.ID, in.UserID)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return nil, nil, "", err
	}
	prev := int64(0)
	if target == nil {
		target = &Contact{WebsiteID: site.ID, ExternalID: in.UserID, Tags: []string{}, Attributes: map[string]string{}, CreatedAt: now}
	} else {
		prev = target.UpdatedAt
		target = cloneContact(target)
	}
	before := cloneContact(target)
	if err := s.applyPatch(target, identifyPatch(in, target)); err != nil {
		return nil, nil, "", err
	}
	var evs []event.Event
	switch {
	case target.ID == 0:
		target.UpdatedAt = bump(now, prev)
		evs = append(evs, contactEvent(event.ContactCreated, 0, target))
	case !sameContact(before, target):
		target.UpdatedAt = bump(now, prev)
		evs = append(evs, contactEvent(event.ContactUpdated, 0, target))
	}
	if err := s.repo.AttachContact(ctx, v.ID, target, prev, evs...); err != nil {
		return nil, nil, "", err
	}
	s.committed(ctx, evs...)
	out := *v
	out.ContactID = target.ID
	return &out, target, "", nil
}

// identifyPatch turns what the site sent into a Patch: only what is given changes, and given
// attributes are added to the contact's (base's) rather than replacing them.
func identifyPatch(in IdentifyInput, base *Contact) Patch {
	var p Patch
	if strings.TrimSpace(in.Name) != "" {
		p.Name = &in.Name
	}
	if strings.TrimSpace(in.Email) != "" {
		p.Email = &in.Email
	}
	if len(in.Attributes) > 0 {
		attrs := map[string]string{}
		if base != nil {
			maps.Copy(attrs, base.Attributes)
		}
		maps.Copy(attrs, in.Attributes)
		p.Attributes = &attrs
	}
	return p
}

// mergeBlanks fills what into lacks from the anonymous contact about to be merged into it, so
// details the visitor gave before logging in (an email in a capture card) are kept.
func mergeBlanks(into, from *Contact) {
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&into.Name, from.Name)
	fill(&into.Email, from.Email)
	fill(&into.Phone, from.Phone)
	fill(&into.Notes, from.Notes)
	for _, t := range from.Tags {
		if !slices.ContainsFunc(into.Tags, func(x string) bool { return strings.EqualFold(x, t) }) && len(into.Tags) < 50 {
			into.Tags = append(into.Tags, t)
		}
	}
	for k, v := range from.Attributes {
		if _, ok := into.Attributes[k]; !ok && len(into.Attributes) < 100 {
			into.Attributes[k] = v
		}
	}
}

// Block blocks the visitor and their IP on their website, for an agent who may see the visitor's
// contact. Their widget falls silent on every node (contact.blocked).
func (s *Service) Block(ctx context.Context, u *auth.User, visitorID int64) error {
	return s.block(ctx, u, visitorID, true)
}

// Unblock removes the visitor's block and their IP's.
func (s *Service) Unblock(ctx context.Context, u *auth.User, visitorID int64) error {
	return s.block(ctx, u, visitorID, false)
}

func (s *Service) block(ctx context.Context, u *auth.User, visitorID int64, on bool) error {
	v, err := s.repo.VisitorByID(ctx, visitorID)
	if err != nil {
		return err
	}
	if err := s.sees(ctx, u, v.ContactID); err != nil {
		return errs.E(errs.NotFound, "visitor not found")
	}
	t := event.ContactBlocked
	if !on {
		t = event.ContactUnblocked
	}
	evs := []event.Event{event.New(t, BlockData{ContactID: v.ContactID, VisitorID: v.ID, WebsiteID: v.WebsiteID, IP: v.IP})}
	evs[0].ActorID, evs[0].InboxID = u.ID, v.WebsiteID
	if on {
		err = s.repo.BlockVisitor(ctx, v.WebsiteID, v.ID, u.ID, s.now().UnixMilli(), evs...)
	} else {
		err = s.repo.UnblockVisitor(ctx, v.WebsiteID, v.ID, evs...)
	}
	if err != nil {
		return err
	}
	s.committed(ctx, evs...)
	return nil
}

// sees checks that u may see the contact.
func (s *Service) sees(ctx context.Context, u *auth.User, contactID int64) error {
	if u == nil {
		return errs.E(errs.Unauthenticated, "sign in first")
	}
	if s.seer == nil {
		return nil
	}
	return s.seer.SeesContact(ctx, u, contactID)
}

func (s *Service) committed(ctx context.Context, evs ...event.Event) {
	if s.feed != nil && len(evs) > 0 {
		s.feed.Committed(ctx, event.Notice{Events: evs})
	}
}

// IsBlocked reports whether the visitor (may be nil) or the IP is blocked on this website. It reads
// the visitor's current state, not v's copy.
func (s *Service) IsBlocked(ctx context.Context, site *inbox.Website, v *Visitor, ip string) (bool, error) {
	var id int64
	if v != nil {
		id = v.ID
	}
	return s.repo.VisitorBlocked(ctx, site.ID, id, cleanIP(ip))
}

// Update applies an agent's change to a contact they may see. Bad input is errs.Invalid and
// changes nothing; text is masked before it is stored.
func (s *Service) Update(ctx context.Context, u *auth.User, contactID int64, p Patch) (*Contact, error) {
	if err := s.sees(ctx, u, contactID); err != nil {
		return nil, err
	}
	return s.save(ctx, u.ID, contactID, p)
}

// Save applies what the contact gave about themselves (the widget's contact form, a bot's capture
// card) to their own contact.
func (s *Service) Save(ctx context.Context, contactID int64, p Patch) (*Contact, error) {
	return s.save(ctx, 0, contactID, p)
}

// SetAttribute sets one custom attribute of the contact (a bot's capture of a custom field or its
// qualify action), keeping the others.
func (s *Service) SetAttribute(ctx context.Context, contactID int64, key, value string) error {
	c, err := s.repo.ContactByID(ctx, contactID)
	if err != nil {
		return err
	}
	attrs := maps.Clone(c.Attributes)
	if attrs == nil {
		attrs = map[string]string{}
	}
	attrs[key] = value
	_, err = s.save(ctx, 0, contactID, Patch{Attributes: &attrs})
	return err
}

func (s *Service) save(ctx context.Context, actorID, contactID int64, p Patch) (*Contact, error) {
	var err error
	for range 5 { // another change committed between read and write: reapply the patch to it
		var cur *Contact
		if cur, err = s.repo.ContactByID(ctx, contactID); err != nil {
			return nil, err
		}
		next := cloneContact(cur)
		if err = s.applyPatch(next, p); err != nil {
			return nil, err
		}
		if sameContact(cur, next) {
			return cur, nil // nothing changes: no write, no event
		}
		next.UpdatedAt = bump(s.now().UnixMilli(), cur.UpdatedAt)
		evs := []event.Event{contactEvent(event.ContactUpdated, actorID, next)}
		if err = s.repo.UpdateContact(ctx, next, cur.UpdatedAt, evs...); err == nil {
			s.committed(ctx, evs...)
			return next, nil
		}
		if !hasCode(err, "contact_changed") {
			return nil, err
		}
	}
	return nil, err
}

// applyPatch cleans and masks what was typed, then validates and applies it.
func (s *Service) applyPatch(c *Contact, p Patch) error {
	line := func(v *string) *string {
		if v == nil {
			return nil
		}
		m := maskedLine(*v, 1<<20) // Apply enforces the real limits
		return &m
	}
	p.Name, p.Phone = line(p.Name), line(p.Phone)
	if p.Notes != nil {
		n := maskedText(*p.Notes)
		p.Notes = &n
	}
	if p.Tags != nil {
		tags := make([]string, len(*p.Tags))
		for i, t := range *p.Tags {
			tags[i] = maskedLine(t, 1<<20)
		}
		p.Tags = &tags
	}
	if p.Attributes != nil {
		attrs := make(map[string]string, len(*p.Attributes))
		for k, v := range *p.Attributes {
			attrs[maskedLine(k, 1<<20)] = maskedText(v)
		}
		p.Attributes = &attrs
	}
	if p.Email != nil {
		e := cleanLine(*p.Email, 1<<20)
		p.Email = &e
	}
	if err := p.Apply(c, auth.NormalizeEmail); err != nil {
		return err
	}
	if _, masked := mask.String(c.Email); masked {
		return errs.Coded(errs.Invalid, "email_invalid", "the email address holds a card number")
	}
	return nil
}

// RecordConsent stores a GDPR consent the contact gave, with the time.
func (s *Service) RecordConsent(ctx context.Context, contactID int64, text, version string) (*Consent, error) {
	text = strings.TrimSpace(maskedText(text))
	version = cleanLine(version, 1<<20)
	switch {
	case text == "":
		return nil, errs.Coded(errs.Invalid, "consent_text_required", "the consent text is required")
	case utf8.RuneCountInString(text) > maxConsentText:
		return nil, errs.Coded(errs.Invalid, "consent_text_too_long", "the consent text is longer than %d characters", maxConsentText)
	case utf8.RuneCountInString(version) > maxConsentVer:
		return nil, errs.Coded(errs.Invalid, "consent_version_too_long", "the consent version is longer than %d characters", maxConsentVer)
	}
	c := &Consent{Text: text, Version: version, GivenAt: s.now().UnixMilli()}
	if err := s.repo.AddConsent(ctx, contactID, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Details is what the contact details panel shows.
type Details struct {
	Contact   *Contact   `json:"contact"`
	Visitors  []Visitor  `json:"visitors"`   // most recently seen first
	PageViews []PageView `json:"page_views"` // newest first, the last 50 over all the contact's visitors
	Consents  []Consent  `json:"consents"`   // oldest first
}

// Details returns a contact with its visitors, browsing history and consents, for an agent who may
// see it.
func (s *Service) Details(ctx context.Context, u *auth.User, contactID int64) (*Details, error) {
	if err := s.sees(ctx, u, contactID); err != nil {
		return nil, err
	}
	c, err := s.repo.ContactByID(ctx, contactID)
	if err != nil {
		return nil, err
	}
	d := &Details{Contact: c}
	if d.Visitors, err = s.repo.ContactVisitors(ctx, contactID); err != nil {
		return nil, err
	}
	if d.PageViews, err = s.repo.ContactPageViews(ctx, contactID, detailPageViews); err != nil {
		return nil, err
	}
	if d.Consents, err = s.repo.ContactConsents(ctx, contactID); err != nil {
		return nil, err
	}
	return d, nil
}

// ByEmail returns the contact a channel's sender is, by their email address: the one with that
// address that changed last, or a new contact with that address and name (masked). A sender is
// never merged into a contact by name. An address that is not quite valid (real mail has them) is
// kept lower-cased as it is; without any address, a new contact is made every time.
func (s *Service) ByEmail(ctx context.Context, address, name string) (*Contact, error) {
	email, err := auth.NormalizeEmail(address)
	if err != nil {
		email = strings.ToLower(strings.TrimSpace(address))
		if len(email) > 254 || !strings.Contains(email, "@") || strings.ContainsFunc(email, unicode.IsSpace) {
			email = ""
		}
	}
	if email != "" {
		c, err := s.repo.ContactByEmail(ctx, email)
		if err == nil || !errs.Is(err, errs.NotFound) {
			return c, err
		}
	}
	now := s.now().UnixMilli()
	c := &Contact{Name: maskedLine(name, 200), Email: email, Tags: []string{}, Attributes: map[string]string{}, CreatedAt: now, UpdatedAt: now}
	evs := []event.Event{contactEvent(event.ContactCreated, 0, c)}
	if err := s.repo.CreateContact(ctx, c, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, evs...)
	return c, nil
}

// VisitorByID returns a visitor.
func (s *Service) VisitorByID(ctx context.Context, id int64) (*Visitor, error) {
	return s.repo.VisitorByID(ctx, id)
}

func hasCode(err error, codes ...string) bool {
	var e *errs.Error
	return errors.As(err, &e) && slices.Contains(codes, e.Code)
}

// bump returns a new updated_at that differs from prev even within one millisecond, since
// updated_at guards concurrent changes.
func bump(now, prev int64) int64 { return max(now, prev+1) }

func cloneContact(c *Contact) *Contact {
	n := *c
	n.Tags = slices.Clone(c.Tags)
	if n.Tags == nil {
		n.Tags = []string{}
	}
	n.Attributes = maps.Clone(c.Attributes)
	if n.Attributes == nil {
		n.Attributes = map[string]string{}
	}
	return &n
}

func sameContact(a, b *Contact) bool {
	return a.Name == b.Name && a.Email == b.Email && a.Phone == b.Phone && a.Notes == b.Notes && a.ExternalID == b.ExternalID &&
		slices.Equal(a.Tags, b.Tags) && maps.Equal(a.Attributes, b.Attributes)
}

// cleanLine makes s one line of valid UTF-8 without control characters (PostgreSQL refuses NUL),
// trimmed and cut to at most n characters.
func cleanLine(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.ContainsFunc(s, unicode.IsControl) {
		s = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return ' '
			}
			return r
		}, s)
	}
	return cut(strings.TrimSpace(s), n)
}

// maskedLine is cleanLine with card numbers masked. Masking comes before cutting, so a cut never
// leaves the visible front of a card number behind.
func maskedLine(s string, n int) string {
	s = cleanLine(cut(s, 4*n+64), 4*n+64)
	s, _ = mask.String(s)
	return cut(s, n)
}

// maskedText is multi-line text (notes, attribute values, consent text) made valid and masked:
// line breaks and tabs stay, other control characters go.
func maskedText(s string) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\r\n", "\n"), "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return -1
		}
		return r
	}, s)
	s, _ = mask.String(s)
	return s
}

// cut returns at most n characters of s.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

func cleanIP(s string) string {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	return a.Unmap().WithZone("").String()
}

// cleanLocale keeps a BCP-47-like tag ("en", "pt-BR", "zh-Hant-TW"); anything else is dropped,
// since the browser's language is a hint, not something to refuse a visitor over.
func cleanLocale(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, ",;"); i >= 0 { // an Accept-Language list: its first entry
		s = strings.TrimSpace(s[:i])
	}
	s = strings.ReplaceAll(s, "_", "-")
	if len(s) > maxLocale {
		s = strings.TrimRight(s[:maxLocale], "-")
	}
	parts := strings.Split(s, "-")
	for i, p := range parts {
		if len(p) < 1 || len(p) > 8 || strings.ContainsFunc(p, func(r rune) bool {
			return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9')
		}) {
			return ""
		}
	}
	if len(parts[0]) < 2 {
		return ""
	}
	return s
}
