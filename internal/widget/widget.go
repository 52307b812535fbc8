package widget

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/ratelimit"
)

// Limits bound how fast visitors may send, per visitor and per IP (an office behind one address
// gets more room than one browser), and how fast one IP may start new visitors.
type Limits struct {
	PerVisitorBurst int
	PerVisitorEvery time.Duration
	PerIPBurst      int
	PerIPEvery      time.Duration
	// SessionsPerIPBurst new visitors from one IP at once, then one more every SessionsPerIPEvery
	// (resuming a visitor by their token is not limited: it makes nothing).
	SessionsPerIPBurst int
	SessionsPerIPEvery time.Duration
}

// DefaultLimits allow a quick burst of 10 messages per visitor, then one a second; 60 per IP, then
// five a second; 30 new visitors per IP, then one every 10 seconds (docs/widget.md, "Limits").
var DefaultLimits = Limits{PerVisitorBurst: 10, PerVisitorEvery: time.Second, PerIPBurst: 60, PerIPEvery: 200 * time.Millisecond,
	SessionsPerIPBurst: 30, SessionsPerIPEvery: 10 * time.Second}

// Feed delivers what every node committed (internal/event).
type Feed interface {
	Subscribe(fn func(*event.Notice))
}

// Options configures the Service.
type Options struct {
	Contacts      *contact.Service
	Conversations *conversation.Service
	// Bot is the playbook engine; without one the widget is a plain chat box.
	Bot Bot
	// Feed tells the service of blocks made on any node (nil: blocks are read at every send).
	Feed   Feed
	Limits Limits
}

// Service is the visitor side of website chat.
type Service struct {
	contacts *contact.Service
	convs    *conversation.Service
	byVis    *ratelimit.Keyed
	byIP     *ratelimit.Keyed
	newByIP  *ratelimit.Keyed // new visitors (sessions without a token)
	bot      Bot
	// blocks counts the blocks announced on any node (BlocksChanged); sessions remember the count
	// at which they were last found not blocked (guard).
	blocks atomic.Int64
	// alwaysCheck: nothing announces blocks (no feed), so every send reads the block lists.
	alwaysCheck bool
}

// BlocksChanged says a visitor or an IP was blocked somewhere, or that blocks may have been
// missed (the bus reconnected): every session reads the block lists again at its next send.
func (s *Service) BlocksChanged() { s.blocks.Add(1) }

// onNotice hears of blocks made on any node, and of notices that may have been missed.
func (s *Service) onNotice(n *event.Notice) {
	if n.Resync {
		s.BlocksChanged()
		return
	}
	for _, e := range n.Events {
		if e.Type == event.ContactBlocked {
			s.BlocksChanged()
			return
		}
	}
}

// New returns the widget service.
func New(o Options) *Service {
	if o.Limits == (Limits{}) {
		o.Limits = DefaultLimits
	}
	if o.Limits.SessionsPerIPBurst == 0 {
		o.Limits.SessionsPerIPBurst, o.Limits.SessionsPerIPEvery = DefaultLimits.SessionsPerIPBurst, DefaultLimits.SessionsPerIPEvery
	}
	s := &Service{contacts: o.Contacts, convs: o.Conversations, bot: o.Bot,
		byVis: ratelimit.New(o.Limits.PerVisitorEvery, o.Limits.PerVisitorBurst), byIP: ratelimit.New(o.Limits.PerIPEvery, o.Limits.PerIPBurst),
		newByIP: ratelimit.New(o.Limits.SessionsPerIPEvery, o.Limits.SessionsPerIPBurst)}
	if o.Feed != nil {
		o.Feed.Subscribe(s.onNotice)
	} else {
		s.alwaysCheck = true
	}
	return s
}

// Session starts a visitor (no token) or resumes one (token). It is called only once the visitor
// interacts, so crawlers and passers-by make no rows; a new visitor is a visitor row alone, whose
// contact is made when they first write or give details. One IP starts at most
// Limits.SessionsPerIPBurst new visitors at once (errs.RateLimited "too_many_sessions").
func (s *Service) Session(ctx context.Context, site *inbox.Website, in contact.SessionInput) (*Session, error) {
	if in.Token != "" {
		v, c, err := s.contacts.Resume(ctx, site, in)
		if err != nil {
			return nil, err
		}
		if in.PageURL != "" {
			if err := s.contacts.PageView(ctx, v, in.PageURL, in.PageTitle); err != nil {
				return nil, err
			}
		}
		return NewSession(site, v, c, ""), nil
	}
	if !s.newByIP.Take(time.Now(), in.IP) {
		return nil, errs.Coded(errs.RateLimited, "too_many_sessions", "too many new chat sessions from this address; try again in a minute")
	}
	v, token, err := s.contacts.Start(ctx, site, in)
	if err != nil {
		return nil, err
	}
	return NewSession(site, v, nil, token), nil
}

// contactOf returns the session's contact, making it first when the visitor has none yet: they are
// about to write or give details.
func (s *Service) contactOf(ctx context.Context, sess *Session) (*contact.Contact, error) {
	if c := sess.Contact(); c != nil {
		return c, nil
	}
	c, err := s.contacts.ContactOf(ctx, sess.Visitor)
	if err != nil {
		return nil, err
	}
	sess.contact.Store(c)
	return c, nil
}

// knownContactID is the session's contact id (0: none), read again when the session has none: the
// visitor's other tab, or one of their HTTP calls, may have made it since the session began.
func (s *Service) knownContactID(ctx context.Context, sess *Session) (int64, error) {
	if id := sess.ContactID(); id != 0 {
		return id, nil
	}
	v, err := s.contacts.VisitorByID(ctx, sess.Visitor.ID)
	if err != nil || v.ContactID == 0 {
		return 0, err
	}
	c, err := s.contacts.ContactOf(ctx, v)
	if err != nil {
		return 0, err
	}
	sess.contact.Store(c)
	return c.ID, nil
}

// errNoConversation is what a visitor without a contact gets for their conversation: they have none.
func errNoConversation() error { return errs.E(errs.NotFound, "no conversation yet") }

// errOr is err, or otherwise when err is nil.
func errOr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// hasContact reports whether the visitor has a contact (and so may have conversations).
func (s *Service) hasContact(ctx context.Context, sess *Session) (bool, error) {
	id, err := s.knownContactID(ctx, sess)
	return id != 0, err
}

// Authenticate resumes the visitor of a token (the socket's first frame).
func (s *Service) Authenticate(ctx context.Context, site *inbox.Website, token, ip, userAgent string) (*Session, error) {
	if token == "" {
		return nil, errs.Coded(errs.Unauthenticated, "visitor_token_invalid", "a visitor token is required")
	}
	v, c, err := s.contacts.Resume(ctx, site, contact.SessionInput{Token: token, IP: ip, UserAgent: userAgent})
	if err != nil {
		return nil, err
	}
	return NewSession(site, v, c, ""), nil
}

// allow takes one message from the visitor's and the IP's allowance.
func (s *Service) allow(visitorID int64, ip string) bool {
	ok, _ := ratelimit.TakeBoth(time.Now(), s.byVis, strconv.FormatInt(visitorID, 10), s.byIP, ip)
	return ok
}

// Send stores the visitor's message; a retried send (same client id) returns the original.
func (s *Service) Send(ctx context.Context, sess *Session, ip string, in conversation.MessageInput) (*conversation.Conversation, *conversation.Message, error) {
	in.Note = false
	if err := s.guard(ctx, sess, ip); err != nil {
		return nil, nil, err
	}
	if _, err := s.contactOf(ctx, sess); err != nil {
		return nil, nil, err
	}
	c, m, err := s.convs.ContactWrites(ctx, sess.From(), in)
	if err == nil && c.Status == conversation.Open {
		sess.openID.Store(c.ID)
	}
	return c, m, err
}

// Conversation returns the visitor's latest conversation with what they may see after afterSeq.
func (s *Service) Conversation(ctx context.Context, sess *Session, afterSeq int64) (*conversation.Conversation, []conversation.Message, error) {
	if ok, err := s.hasContact(ctx, sess); !ok {
		return nil, nil, errOr(err, errNoConversation())
	}
	return s.convs.ContactConversation(ctx, sess.From(), afterSeq, 500)
}

// MarkRead records that the visitor has read conversation id (0: their latest) up to seq.
func (s *Service) MarkRead(ctx context.Context, sess *Session, id, seq int64) error {
	if ok, err := s.hasContact(ctx, sess); !ok {
		return errOr(err, errNoConversation())
	}
	if id == 0 {
		c, err := s.convs.ContactLatest(ctx, sess.From())
		if err != nil {
			return err
		}
		id = c.ID
	}
	return s.convs.ContactMarkRead(ctx, sess.From(), id, seq)
}

// Typing tells the agents who see the visitor's open conversation that they are typing (or
// stopped); with no open conversation there is nothing to type into yet.
func (s *Service) Typing(ctx context.Context, sess *Session, on bool) error {
	if sess.ContactID() == 0 {
		return nil
	}
	c, err := s.convs.ContactLatest(ctx, sess.From())
	if errs.Is(err, errs.NotFound) || (err == nil && c.Status != conversation.Open) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.convs.ContactTyping(ctx, sess.From(), c.ID, on)
}

// PageView records a page the visitor looked at, on one of the website's allowed domains.
func (s *Service) PageView(ctx context.Context, sess *Session, url, title string) error {
	if err := sess.Site.CheckPage(url); err != nil {
		return err
	}
	return s.contacts.PageView(ctx, sess.Visitor, url, title)
}

// Rate records the visitor's rating of their closed conversation, with an optional comment.
func (s *Service) Rate(ctx context.Context, sess *Session, conversationID int64, rating int, comment string) (*conversation.Conversation, error) {
	if ok, err := s.hasContact(ctx, sess); !ok {
		return nil, errOr(err, errNoConversation())
	}
	return s.convs.Rate(ctx, sess.From(), conversationID, rating, comment)
}

// Identify ties the visitor to the site's signed-in user. When they turn out to be someone else
// than before, the returned session has a new token: a new visitor identity.
func (s *Service) Identify(ctx context.Context, sess *Session, in contact.IdentifyInput) (*Session, error) {
	v, c, token, err := s.contacts.Identify(ctx, sess.Site, sess.Visitor, in)
	if err != nil {
		return nil, err
	}
	return NewSession(sess.Site, v, c, token), nil
}

// Describe lets the visitor give their name and email (the offline contact form), so replies can
// reach them by email when they have left.
func (s *Service) Describe(ctx context.Context, sess *Session, name, email string) (*contact.Contact, error) {
	p := contact.Patch{}
	if name != "" {
		p.Name = &name
	}
	if email != "" {
		p.Email = &email
	}
	c, err := s.contactOf(ctx, sess)
	if err != nil {
		return nil, err
	}
	return s.contacts.Save(ctx, c.ID, p)
}

// Consent records the visitor's GDPR consent to a text of a version, with the time.
func (s *Service) Consent(ctx context.Context, sess *Session, text, version string) (*contact.Consent, error) {
	c, err := s.contactOf(ctx, sess)
	if err != nil {
		return nil, err
	}
	return s.contacts.RecordConsent(ctx, c.ID, text, version)
}

// StartChat starts the chat an agent invited this visitor to (a proactive chat): a conversation
// assigned to the agent with their message, unless the visitor is blocked or already in one.
func (s *Service) StartChat(ctx context.Context, sess *Session, agentID int64, body, clientID string) (*conversation.Conversation, error) {
	blocked, err := s.contacts.IsBlocked(ctx, sess.Site, sess.Visitor, "")
	if err != nil {
		return nil, err
	}
	if blocked {
		return nil, errs.Coded(errs.Forbidden, "blocked", "this visitor is blocked on this website")
	}
	if _, err := s.contactOf(ctx, sess); err != nil {
		return nil, err
	}
	c, err := s.convs.AgentStarts(ctx, agentID, sess.From(), body, clientID)
	if err == nil && c.Status == conversation.Open {
		sess.openID.Store(c.ID)
	}
	return c, err
}

// AgentsAvailable counts the agents of the website available now; with none, the widget offers the
// offline contact form. Outside the website's business hours there are none: the widget shows its
// away message (agents can still answer what comes in).
func (s *Service) AgentsAvailable(ctx context.Context, sess *Session) (int, error) {
	if !sess.Site.OpenAt(time.Now()) {
		return 0, nil
	}
	return s.convs.AvailableIn(ctx, sess.Site.ID)
}

// Transcript asks for the visitor's conversation id (0: their latest) by email, to the email
// their contact has.
func (s *Service) Transcript(ctx context.Context, sess *Session, id int64) error {
	if ok, err := s.hasContact(ctx, sess); !ok {
		return errOr(err, errNoConversation())
	}
	if id == 0 {
		c, err := s.convs.ContactLatest(ctx, sess.From())
		if err != nil {
			return err
		}
		id = c.ID
	}
	return s.convs.RequestTranscript(ctx, sess.From(), id)
}
