package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/jobs"
)

// MaxBody is the longest message accepted, in characters.
const MaxBody = 10000

// Write is one atomic change to a conversation: its new state and the log entries it adds.
type Write struct {
	Conv      *Conversation // the new state; ID 0 creates the conversation
	ExpectSeq int64         // the last_seq the change was decided on; another change in between fails it with ErrStale
	// Append holds the entries to add; the store numbers them. When the conversation already holds
	// an entry's client id, the write is a retry: nothing is written and Commit answers with the
	// original (DuplicateError).
	Append []Message
	// PrevID is, when creating a conversation, the contact's latest conversation in the inbox the
	// creation was decided on (0: none). If another was created meanwhile the write fails with
	// ErrStale, so concurrent first messages land in one conversation instead of one each.
	PrevID int64
	// Uploader owns the attachments of appended messages: the store ties each one to the
	// conversation in the same transaction, and refuses blobs of anyone else.
	Uploader string
	// Blobs are more of Uploader's files tied to the conversation in the same transaction, shown
	// by the entries without a message of their own (an email's inline images).
	Blobs []int64
	// Run, when set, is the conversation's playbook run as of this write, stored in the same
	// transaction.
	Run *BotRun
	// Events are what the change causes besides its log entries (which are events themselves):
	// conversation.created for a new conversation, a CRM item's event, …; committed in the same
	// transaction, with positions set by the store. Events with no conversation or inbox are about
	// this one.
	Events []event.Event
	// Jobs are enqueued in the same transaction (the live chat card's waiting timer, an email
	// reply's send, …). Jobs with no conversation are about this one.
	Jobs []jobs.Spec
	// ActorID is the user making the change (0: the contact, the bot or the system), for the
	// events the store writes.
	ActorID int64
	// With holds another domain's rows, written in the same transaction before the log entries:
	// the CRM records an action card or the details panel makes (a *crm.Batch, which the store
	// knows). The conversation package never looks inside; a row that fails rolls the whole write
	// back. Entries whose lines name those records get their ids as the rows are written.
	With any
}

// OpenAppend is a message from the contact into a conversation known to be theirs, written without
// reading the conversation first: the store changes only what a message changes (seq, preview,
// times, the visitor, with_bot), provided the conversation is still the contact's, in the inbox,
// and open. Otherwise Repo.AppendToOpen fails with errs.NotFound and changes nothing; a message
// whose client id the conversation holds is a retry, answered with DuplicateError.
type OpenAppend struct {
	ConversationID, InboxID, ContactID int64
	VisitorID                          int64 // 0 keeps the conversation's
	Preview                            string
	Message                            *Message // SenderKind, Kind, Body, ClientID, CreatedAt; the store sets ID, ConversationID and Seq
}

// ErrStale is returned by Repo.Commit when the conversation changed since it was read.
var ErrStale = errs.Coded(errs.Conflict, "stale", "the conversation changed meanwhile; try again")

// DuplicateError carries the message a retried send had already stored.
type DuplicateError struct{ Message Message }

func (e *DuplicateError) Error() string { return "duplicate client message id" }

// Repo is the storage the service needs; internal/store implements it.
type Repo interface {
	InboxByID(ctx context.Context, id int64) (*inbox.Inbox, error)
	ListInboxes(ctx context.Context) ([]inbox.Inbox, error)
	IsInboxMember(ctx context.Context, inboxID, userID int64) (bool, error)
	MemberInboxIDs(ctx context.Context, userID int64) ([]int64, error)
	UserByID(ctx context.Context, id int64) (*auth.User, error)
	TeamByID(ctx context.Context, id int64) (*auth.Team, error)
	ContactByID(ctx context.Context, id int64) (*contact.Contact, error)

	ConversationByID(ctx context.Context, id int64) (*Conversation, error)
	LatestConversation(ctx context.Context, inboxID, contactID int64) (*Conversation, error)
	MessageByClientID(ctx context.Context, conversationID int64, clientID string) (*Message, error)
	Commit(ctx context.Context, w *Write) ([]Message, error)
	AppendToOpen(ctx context.Context, a *OpenAppend) (*Conversation, error)
	Messages(ctx context.Context, q LogQuery) ([]Message, error)
	ListConversations(ctx context.Context, q ListQuery) ([]Conversation, error)
	CountOpen(ctx context.Context, scope Scope, f Filter) (Counts, error)
	// CountConversations counts what ListConversations would list, all pages.
	CountConversations(ctx context.Context, q ListQuery) (int, error)
	MarkRead(ctx context.Context, conversationID, userID, seq int64) error
	MarkContactRead(ctx context.Context, conversationID, seq int64) error
	// DeleteConversation removes c's history for good, with its pending jobs, and commits evs
	// (conversation.deleted) in the same transaction.
	DeleteConversation(ctx context.Context, c *Conversation, evs ...event.Event) error
	ConversationsOfContact(ctx context.Context, contactID int64) ([]Conversation, error)
	BotRun(ctx context.Context, conversationID int64) (*BotRun, error)

	// Channels (channels.go).
	WebsiteByID(ctx context.Context, id int64) (*inbox.Website, error)
	// MessageByExternalID finds the message a channel's own id names in an inbox.
	MessageByExternalID(ctx context.Context, inboxID int64, externalID string) (*Message, error)
	MessageByID(ctx context.Context, conversationID, id int64) (*Message, error)
	// Original returns what a channel hid from a message (not found when it hid nothing).
	Original(ctx context.Context, messageID int64) (*Original, error)
	// SetDelivery applies a delivery change with its events and jobs in one transaction;
	// ErrDeliveryMoved when the delivery is not one the change expects.
	SetDelivery(ctx context.Context, ch *DeliveryChange) error
	// SetExternalID gives a message of the inbox the channel id id unless it has one, and returns
	// the one it has.
	SetExternalID(ctx context.Context, inboxID, msgID int64, id string) (string, error)
	// EnqueueJobs commits jobs that go with no other change.
	EnqueueJobs(ctx context.Context, specs ...jobs.Spec) error
	// ReplyWindowFacts is what the reply windows of Messenger and WhatsApp need to know of a
	// contact in an inbox (window.go).
	ReplyWindowFacts(ctx context.Context, inboxID, contactID int64) (WindowFacts, error)
	// ContactPicture returns the blob id of the contact's picture from a channel's profile (0:
	// none).
	ContactPicture(ctx context.Context, contactID int64) (int64, error)
}

// Presence tells whether an agent is available: toggle on and the inbox open somewhere.
type Presence interface {
	Available(ctx context.Context, userID int64) bool
	OnlineUsers() []int64
}

// Change is what happened to a conversation, announced after commit for live clients.
type Change struct {
	Conversation *Conversation `json:"conversation"`
	Messages     []Message     `json:"messages,omitempty"`
	Deleted      bool          `json:"deleted,omitempty"`
}

// Feed announces what was committed, and ephemeral signals, to every node (internal/event).
type Feed interface {
	Committed(ctx context.Context, n event.Notice)
	Signal(ctx context.Context, name string, data any)
}

// Masker removes card numbers from text before it is stored or sent on.
type Masker func(string) string

// Options configures a Service.
type Options struct {
	Repo     Repo
	Presence Presence
	Feed     Feed
	// Directory answers who works in which inbox from memory (nil: read the database).
	Directory *Directory
	// JoinHook is the playbook engine's part of an agent's first join (nil: none).
	JoinHook JoinHook
	Mask     Masker
	Logger   *slog.Logger
	Now      func() time.Time
}

// Service is every action on conversations, for agents, visitors and channels alike.
type Service struct {
	repo     Repo
	presence Presence
	feed     Feed
	dir      *Directory
	mask     Masker
	log      *slog.Logger
	now      func() time.Time
	joinHook JoinHook
}

// NewService returns the conversation service.
func NewService(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Mask == nil {
		o.Mask = func(s string) string { return s }
	}
	return &Service{repo: o.Repo, presence: o.Presence, feed: o.Feed, dir: o.Directory, joinHook: o.JoinHook, mask: o.Mask, log: o.Logger, now: o.Now}
}

func (s *Service) nowMS() int64 { return s.now().UnixMilli() }

// announce tells every node what a committed write did: the conversation's change for live
// clients (its log entries are its events), its other events, and whether it enqueued jobs. The
// change is committed: it is announced even when the caller's context has just run out (a send
// that waited long for the writer), or live clients would miss it until they resync.
func (s *Service) announce(ctx context.Context, ch Change, w *Write) {
	if s.feed == nil {
		return
	}
	n := event.Notice{}
	if ch.Conversation != nil {
		b, err := json.Marshal(ch)
		if err != nil {
			s.log.ErrorContext(ctx, "encode change", "err", err)
		} else {
			n.Change = b
		}
	}
	for _, m := range ch.Messages {
		n.Position = max(n.Position, m.Position)
	}
	if w != nil {
		n.Events, n.Jobs = w.Events, len(w.Jobs) > 0
		n.Position = max(n.Position, event.Last(w.Events))
	}
	s.feed.Committed(context.WithoutCancel(ctx), n)
}

// AccessTo returns the actor's access to an inbox.
func (s *Service) AccessTo(ctx context.Context, u *auth.User, inboxID int64) (Access, error) {
	ib, err := s.repo.InboxByID(ctx, inboxID)
	if err != nil {
		return Access{}, err
	}
	member, err := s.repo.IsInboxMember(ctx, inboxID, u.ID)
	if err != nil {
		return Access{}, err
	}
	return Access{User: u, Inbox: ib, Member: member}, nil
}

// load reads a conversation and the actor's access, answering not-found when they may not see it.
func (s *Service) load(ctx context.Context, u *auth.User, id int64) (*Conversation, Access, error) {
	c, err := s.repo.ConversationByID(ctx, id)
	if err != nil {
		return nil, Access{}, err
	}
	a, err := s.AccessTo(ctx, u, c.InboxID)
	if err != nil {
		return nil, Access{}, err
	}
	if !CanSee(a, c) {
		return nil, Access{}, notVisible()
	}
	return c, a, nil
}

// maxTries bounds retry. Every ErrStale means another change to the conversation committed, so
// the writers of one conversation always make progress; a loser retries once per change that beat
// it, and a conversation with dozens of writers at the same moment (a contact, agents, channels,
// timers) must not turn an accepted message into an error.
const maxTries = 64

// retry runs fn until it does not fail with ErrStale: each try re-reads and re-decides.
func retry[T any](ctx context.Context, fn func() (T, error)) (T, error) {
	var v T
	var err error
	for range maxTries {
		v, err = fn()
		if !errors.Is(err, ErrStale) {
			return v, err
		}
		if ctx.Err() != nil {
			return v, ctx.Err()
		}
	}
	return v, err
}

// Get returns a conversation and what the actor may do with it.
func (s *Service) Get(ctx context.Context, u *auth.User, id int64) (*Conversation, Allowed, error) {
	c, a, err := s.load(ctx, u, id)
	if err != nil {
		return nil, Allowed{}, err
	}
	if err := s.fill(ctx, c); err != nil {
		return nil, Allowed{}, err
	}
	return c, AllowedFor(a, c, s.available(ctx, u.ID)), nil
}

func (s *Service) fill(ctx context.Context, c *Conversation) error {
	ct, err := s.repo.ContactByID(ctx, c.ContactID)
	if err != nil {
		return err
	}
	c.ContactName = ct.DisplayName("Visitor")
	if c.ReplyWindow, err = s.replyWindow(ctx, c); err != nil {
		return err
	}
	if c.Channel == inbox.Messenger || c.Channel == inbox.WhatsApp {
		pic, err := s.repo.ContactPicture(ctx, c.ContactID)
		if err != nil {
			return err
		}
		if pic != 0 {
			c.ContactPicture = fmt.Sprintf("/api/v1/contacts/%d/picture", c.ContactID)
		}
	}
	return nil
}

func (s *Service) available(ctx context.Context, userID int64) bool {
	return s.presence != nil && s.presence.Available(ctx, userID)
}

// ListQuery selects conversations of a folder within a scope.
type ListQuery struct {
	Scope    Scope
	Folder   Folder
	Filter   Filter
	Before   int64 // cursor: last_message_at of the last row of the previous page
	BeforeID int64 // and its id, which breaks ties
	Limit    int
}

// List returns a folder's conversations, newest activity first, with unread counts for the actor.
func (s *Service) List(ctx context.Context, u *auth.User, folder Folder, inboxID, before, beforeID int64, limit int) ([]Conversation, error) {
	return s.ListFiltered(ctx, u, folder, Filter{InboxID: inboxID}, before, beforeID, limit)
}

// ListFiltered is List narrowed by f (filter.go).
func (s *Service) ListFiltered(ctx context.Context, u *auth.User, folder Folder, f Filter, before, beforeID int64, limit int) ([]Conversation, error) {
	if !folder.Valid() {
		return nil, errs.Coded(errs.Invalid, "folder_invalid", "folder must be unassigned, mine, others, open, closed, all or spam")
	}
	switch f.Channel {
	case "", inbox.Web, inbox.Email, inbox.Messenger, inbox.WhatsApp:
	default:
		return nil, errs.Coded(errs.Invalid, "channel_invalid", "channel must be web, email, messenger or whatsapp")
	}
	limit = PageSize(limit)
	sc, err := s.scope(ctx, u, f)
	if err != nil {
		return nil, err
	}
	return s.repo.ListConversations(ctx, ListQuery{Scope: sc, Folder: folder, Filter: f, Before: before, BeforeID: beforeID, Limit: limit})
}

// PageSize is the number of conversations a list page holds for a requested limit.
func PageSize(limit int) int {
	if limit <= 0 || limit > 200 {
		return 50
	}
	return limit
}

// LogQuery reads part of a conversation's log.
type LogQuery struct {
	ConversationID int64
	AfterSeq       int64 // entries with seq > AfterSeq, oldest first (resume)
	BeforeSeq      int64 // or entries with seq < BeforeSeq, newest page (scroll back); 0 = latest
	Limit          int
	ForContact     bool // leave out notes and agent-only events
}

// History returns log entries the actor may read.
func (s *Service) History(ctx context.Context, u *auth.User, id, afterSeq, beforeSeq int64, limit int) ([]Message, error) {
	if _, _, err := s.load(ctx, u, id); err != nil {
		return nil, err
	}
	return s.repo.Messages(ctx, LogQuery{ConversationID: id, AfterSeq: afterSeq, BeforeSeq: beforeSeq, Limit: clampLimit(limit)})
}

func clampLimit(n int) int {
	if n <= 0 || n > 500 {
		return 100
	}
	return n
}

// MessageInput is a message to send.
type MessageInput struct {
	Body         string `json:"body"`
	ClientID     string `json:"client_id"`
	Note         bool   `json:"note"`
	AttachmentID int64  `json:"attachment_id"` // an upload of the sender's; the body is then an optional caption
	// Email replies only: the recipients (default: the contact) and the subject (default: the
	// thread's latest).
	To      []string `json:"to,omitempty"`
	Cc      []string `json:"cc,omitempty"`
	Subject string   `json:"subject,omitempty"`
	// WhatsApp replies only: an approved template to send (the body is its text as the agent
	// saw it); outside the 24-hour session nothing else goes out.
	Template *Template `json:"template,omitempty"`
}

// UserUploader and VisitorUploader name who uploaded an attachment (as internal/blob does).
func UserUploader(id int64) string { return fmt.Sprintf("user:%d", id) }

// VisitorUploader names a visitor as uploader.
func VisitorUploader(id int64) string { return fmt.Sprintf("visitor:%d", id) }

// body validates the input's text; with an attachment it may be empty.
func (in MessageInput) body() (string, error) {
	if in.AttachmentID != 0 && strings.TrimSpace(in.Body) == "" {
		return "", nil
	}
	return cleanBody(in.Body)
}

func cleanBody(body string) (string, error) {
	body = strings.TrimSpace(body)
	if body == "" {
		return "", errs.Coded(errs.Invalid, "body_required", "the message is empty")
	}
	if !utf8.ValidString(body) {
		return "", errs.Coded(errs.Invalid, "body_invalid", "the message is not valid UTF-8")
	}
	if utf8.RuneCountInString(body) > MaxBody {
		return "", errs.Coded(errs.TooLarge, "body_too_long", "the message is longer than %d characters", MaxBody)
	}
	return body, nil
}

func cleanClientID(id string) (string, error) {
	if len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return "", errs.Coded(errs.Invalid, "client_id_invalid", "client_id is at most 64 printable ASCII characters")
	}
	return id, nil
}

// Reply sends an agent's message or internal note. Replying to an unassigned conversation first
// assigns it to the agent, which needs them to be available.
func (s *Service) Reply(ctx context.Context, u *auth.User, id int64, in MessageInput) (*Message, error) {
	body, err := in.body()
	if err != nil {
		return nil, err
	}
	clientID, err := cleanClientID(in.ClientID)
	if err != nil {
		return nil, err
	}
	body = s.mask(body)
	// Agents write the markdown subset (bold, italic, links, lists, images); a plain message skips
	// the renderer everywhere it is shown.
	kind := messageKind(body, in)
	return retry(ctx, func() (*Message, error) {
		c, a, err := s.load(ctx, u, id)
		if err != nil {
			return nil, err
		}
		// A retried send is answered with the original even when the conversation has since
		// been closed or taken: it was accepted when it was first sent.
		if m, ok, err := s.original(ctx, c.ID, clientID, FromAgent, u.ID); ok || err != nil {
			return m, err
		}
		next := *c
		now := s.nowMS()
		var entries []Message
		var run *BotRun
		if in.Note {
			if err := CanNote(a, c); err != nil {
				return nil, err
			}
		} else {
			if err := CanReply(a, c); err != nil {
				return nil, err
			}
			if ReplyTakes(c) {
				self := &Target{User: u, HasInbox: a.HasInbox(), Available: s.available(ctx, u.ID)}
				if err := CanAssign(a, c, self); err != nil {
					return nil, err
				}
				joined, r := s.assignEntries(ctx, &next, u, u, now)
				entries, run = append(entries, joined...), r
			}
			if next.FirstResponseAt == 0 {
				next.FirstResponseAt = now
			}
			next.Preview = s.preview(body)
			next.LastMessageAt = now
		}
		next.UpdatedAt = now
		entries = append(entries, Message{SenderKind: FromAgent, SenderID: u.ID, SenderName: u.Name, SenderAvatar: u.AvatarURL, Kind: kind, Body: body,
			ClientID: clientID, AttachmentID: in.AttachmentID, CreatedAt: now})
		js, err := s.outbound(ctx, &next, &entries[len(entries)-1], in)
		if err != nil {
			return nil, err
		}
		return s.commit(ctx, &Write{Conv: &next, ExpectSeq: c.LastSeq, Append: entries, Uploader: UserUploader(u.ID), Run: run, Jobs: js})
	})
}

// errClientIDTaken answers a send whose client id belongs to someone else's message in the
// conversation: that message is not theirs to be given back (it may be an internal note).
var errClientIDTaken = errs.Coded(errs.Conflict, "client_id_taken", "client_id is already used in this conversation; send with a new one")

// original returns the message a retried send stored before, and whether there is one: the
// message with this client id, when it is the same sender's.
func (s *Service) original(ctx context.Context, convID int64, clientID string, kind SenderKind, senderID int64) (*Message, bool, error) {
	if clientID == "" {
		return nil, false, nil
	}
	m, err := s.repo.MessageByClientID(ctx, convID, clientID)
	if errs.Is(err, errs.NotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if m.SenderKind != kind || m.SenderID != senderID {
		return nil, false, errClientIDTaken
	}
	return m, true, nil
}

// commit writes w, announces it and returns the last entry written (or the original of a retried
// send).
func (s *Service) commit(ctx context.Context, w *Write) (*Message, error) {
	stored, err := s.write(ctx, w)
	var dup *DuplicateError
	if errors.As(err, &dup) {
		if sent := w.Append[len(w.Append)-1]; dup.Message.SenderKind != sent.SenderKind || dup.Message.SenderID != sent.SenderID {
			return nil, errClientIDTaken
		}
		// A retry: nothing was written. The caller answers with the conversation as it is now.
		if c, err := s.repo.ConversationByID(ctx, dup.Message.ConversationID); err == nil {
			*w.Conv = *c
		}
		return &dup.Message, nil
	}
	if err != nil {
		return nil, err
	}
	if len(stored) == 0 {
		return nil, errs.E(errs.Internal, "the change wrote no entry")
	}
	return &stored[len(stored)-1], nil
}

// write commits w — a new conversation with its conversation.created event — and announces it.
func (s *Service) write(ctx context.Context, w *Write) ([]Message, error) {
	if w.Conv.ID == 0 {
		w.Events = append([]event.Event{createdEvent(w.Conv, w.ActorID)}, w.Events...)
	}
	stored, err := s.repo.Commit(ctx, w)
	if err != nil {
		return nil, err
	}
	s.announce(ctx, Change{Conversation: w.Conv, Messages: stored}, w)
	return stored, nil
}

// assignEntries sets c's assignee to target (by actor) and returns the system lines that says so:
// "joined" the first time an agent takes the chat, "assigned" after that. On the first join the
// bot's join hook may add its entries (the live chat card's joined state) and the run's new state.
func (s *Service) assignEntries(ctx context.Context, c *Conversation, actor, target *auth.User, now int64) ([]Message, *BotRun) {
	c.AssigneeID = target.ID
	ev := &Event{Type: EventAssigned, ActorID: actor.ID, ActorName: actor.Name, UserID: target.ID, UserName: target.Name}
	out := []Message{{SenderKind: FromSystem, Kind: EventKind, Event: ev, CreatedAt: now}}
	if c.JoinedAt != 0 {
		return out, nil
	}
	c.JoinedAt = now
	ev.Type = EventJoined
	if s.joinHook == nil {
		return out, nil
	}
	step := s.joinHook(ctx, c, target)
	if step == nil {
		return out, nil
	}
	for _, m := range step.Entries {
		m.CreatedAt = now
		out = append(out, m)
	}
	return out, step.Run
}

// preview is the one line shown in lists. It is masked again: joining lines and cutting the text
// can make a card number of digits that were not one in the message.
func (s *Service) preview(body string) string {
	body = strings.Join(strings.Fields(body), " ")
	if utf8.RuneCountInString(body) > 140 {
		r := []rune(body)
		body = string(r[:140]) + "…"
	}
	return s.mask(body)
}

// AssignInput names the new assignee: a user, a team, or neither (back to Unassigned).
type AssignInput struct {
	UserID int64 `json:"user_id"`
	TeamID int64 `json:"team_id"`
	// IfUnassigned makes "Assign to me" fail with a conflict when someone else took the
	// conversation meanwhile, instead of taking it over from them.
	IfUnassigned bool `json:"if_unassigned"`
}

// Assign gives the conversation to a user or team, or back to Unassigned.
func (s *Service) Assign(ctx context.Context, u *auth.User, id int64, in AssignInput) (*Conversation, error) {
	return retry(ctx, func() (*Conversation, error) {
		c, a, err := s.load(ctx, u, id)
		if err != nil {
			return nil, err
		}
		var target *Target
		var targetUser *auth.User
		if in.UserID != 0 {
			targetUser, err = s.repo.UserByID(ctx, in.UserID)
			if errs.Is(err, errs.NotFound) {
				return nil, errs.Coded(errs.Invalid, "assignee_unknown", "there is no user with id %d", in.UserID)
			}
			if err != nil {
				return nil, err
			}
			ta, err := s.AccessTo(ctx, targetUser, c.InboxID)
			if err != nil {
				return nil, err
			}
			target = &Target{User: targetUser, HasInbox: ta.HasInbox(), Available: s.available(ctx, targetUser.ID)}
		}
		if in.IfUnassigned && c.AssigneeID != 0 && c.AssigneeID != u.ID {
			return nil, errs.Coded(errs.Conflict, "already_assigned", "someone else took this conversation meanwhile")
		}
		if err := CanAssign(a, c, target); err != nil {
			return nil, err
		}
		next := *c
		now := s.nowMS()
		next.UpdatedAt = now
		var entries []Message
		if in.TeamID != 0 && in.TeamID != c.TeamID {
			if _, err := s.repo.TeamByID(ctx, in.TeamID); err != nil {
				if errs.Is(err, errs.NotFound) {
					return nil, errs.Coded(errs.Invalid, "team_unknown", "there is no team with id %d", in.TeamID)
				}
				return nil, err
			}
			next.TeamID = in.TeamID
			if targetUser == nil {
				next.AssigneeID = 0
			}
			entries = append(entries, Message{SenderKind: FromSystem, Kind: EventKind, CreatedAt: now,
				Event: &Event{Type: EventAssigned, ActorID: u.ID, ActorName: u.Name, TeamID: in.TeamID}})
		}
		var run *BotRun
		switch {
		case targetUser != nil && targetUser.ID != c.AssigneeID:
			joined, r := s.assignEntries(ctx, &next, u, targetUser, now)
			entries, run = append(entries, joined...), r
		case targetUser == nil && in.TeamID == 0 && c.AssigneeID != 0:
			next.AssigneeID = 0
			entries = append(entries, Message{SenderKind: FromSystem, Kind: EventKind, CreatedAt: now,
				Event: &Event{Type: EventUnassigned, ActorID: u.ID, ActorName: u.Name}})
		}
		if len(entries) == 0 {
			return c, nil // already so
		}
		if _, err := s.commit(ctx, &Write{Conv: &next, ExpectSeq: c.LastSeq, Append: entries, Run: run}); err != nil {
			return nil, err
		}
		return &next, nil
	})
}

// AssignToMe is "Assign to me".
func (s *Service) AssignToMe(ctx context.Context, u *auth.User, id int64) (*Conversation, error) {
	return s.Assign(ctx, u, id, AssignInput{UserID: u.ID, IfUnassigned: true})
}

// act loads the conversation, checks rule, lets change make the next state and its log entries,
// and commits them; a conflicting change in between makes it decide again on the fresh state.
func (s *Service) act(ctx context.Context, u *auth.User, id int64, rule func(Access, *Conversation) error,
	change func(next *Conversation) []Message) (*Conversation, error) {
	return retry(ctx, func() (*Conversation, error) {
		c, a, err := s.load(ctx, u, id)
		if err != nil {
			return nil, err
		}
		if err := rule(a, c); err != nil {
			return nil, err
		}
		next := *c
		if _, err := s.commit(ctx, &Write{Conv: &next, ExpectSeq: c.LastSeq, Append: change(&next)}); err != nil {
			return nil, err
		}
		return &next, nil
	})
}

// Close resolves the conversation. A website set to send transcripts sends the visitor one.
func (s *Service) Close(ctx context.Context, u *auth.User, id int64) (*Conversation, error) {
	return retry(ctx, func() (*Conversation, error) {
		c, a, err := s.load(ctx, u, id)
		if err != nil {
			return nil, err
		}
		if err := CanClose(a, c); err != nil {
			return nil, err
		}
		next := *c
		now := s.nowMS()
		next.Status, next.ClosedAt, next.UpdatedAt = Closed, now, now
		js, err := s.closeJobs(ctx, &next)
		if err != nil {
			return nil, err
		}
		line := Message{SenderKind: FromSystem, Kind: EventKind, CreatedAt: now, Event: &Event{Type: EventClosed, ActorID: u.ID, ActorName: u.Name}}
		if _, err := s.commit(ctx, &Write{Conv: &next, ExpectSeq: c.LastSeq, Append: []Message{line}, Jobs: js}); err != nil {
			return nil, err
		}
		return &next, nil
	})
}

// Reopen reopens a closed conversation where the inbox's policy allows it. It lands in the folder
// its assignment says, or in Unassigned when the assignee is not available.
func (s *Service) Reopen(ctx context.Context, u *auth.User, id int64) (*Conversation, error) {
	return s.act(ctx, u, id, CanReopen, func(next *Conversation) []Message {
		return s.reopenEntries(ctx, next, u, false)
	})
}

func (s *Service) reopenEntries(ctx context.Context, c *Conversation, actor *auth.User, auto bool) []Message {
	now := s.nowMS()
	c.Status, c.ClosedAt, c.UpdatedAt = Open, 0, now
	ev := &Event{Type: EventReopened, Auto: auto}
	if actor != nil {
		ev.ActorID, ev.ActorName = actor.ID, actor.Name
	}
	entries := []Message{{SenderKind: FromSystem, Kind: EventKind, CreatedAt: now, Event: ev}}
	if c.AssigneeID != 0 && !s.available(ctx, c.AssigneeID) {
		c.AssigneeID = 0
		entries = append(entries, Message{SenderKind: FromSystem, Kind: EventKind, CreatedAt: now, Event: &Event{Type: EventUnassigned, Auto: true}})
	}
	return entries
}

// Delete removes the conversation's history from Parley for good, with its pending jobs.
func (s *Service) Delete(ctx context.Context, u *auth.User, id int64) error {
	c, a, err := s.load(ctx, u, id)
	if err != nil {
		return err
	}
	if err := CanDelete(a, c); err != nil {
		return err
	}
	evs := []event.Event{deletedEvent(c, u.ID, s.nowMS())}
	if err := s.repo.DeleteConversation(ctx, c, evs...); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "conversation deleted", "conversation_id", id, "by", u.ID)
	s.announce(ctx, Change{Conversation: c, Deleted: true}, &Write{Events: evs})
	return nil
}

// Read signals: a reader's cursor moved (receipts for the other side, the reader's other tabs).
const SignalRead = "conversation.read"

// Typing signals: someone is typing (no text is ever sent).
const SignalTyping = "conversation.typing"

// Visibility is what CanSee needs of a conversation; ephemeral signals carry it so receivers decide
// who sees them without reading the database.
type Visibility struct {
	Status     Status `json:"status"`
	AssigneeID int64  `json:"assignee_id,omitempty"`
	WithBot    bool   `json:"with_bot,omitempty"`
}

// ReadSignal is a read cursor that moved.
type ReadSignal struct {
	ConversationID int64      `json:"conversation_id"`
	InboxID        int64      `json:"inbox_id"`
	ContactID      int64      `json:"contact_id"`
	By             string     `json:"by"` // visitor or agent
	UserID         int64      `json:"user_id,omitempty"`
	Seq            int64      `json:"seq"`
	Visibility     Visibility `json:"visibility"`
}

// TypingSignal says someone started or stopped typing.
type TypingSignal struct {
	ConversationID int64      `json:"conversation_id"`
	InboxID        int64      `json:"inbox_id"`
	ContactID      int64      `json:"contact_id"`
	From           string     `json:"from"` // visitor or agent
	UserID         int64      `json:"user_id,omitempty"`
	Name           string     `json:"name,omitempty"`
	On             bool       `json:"on"`
	Visibility     Visibility `json:"visibility"`
}

func visibilityOf(c *Conversation) Visibility {
	return Visibility{Status: c.Status, AssigneeID: c.AssigneeID, WithBot: c.WithBot}
}

func (s *Service) signal(ctx context.Context, name string, data any) {
	if s.feed != nil {
		s.feed.Signal(ctx, name, data)
	}
}

// MarkRead moves the actor's read cursor forward to seq and tells their other tabs and the
// contact.
func (s *Service) MarkRead(ctx context.Context, u *auth.User, id, seq int64) error {
	c, _, err := s.load(ctx, u, id)
	if err != nil {
		return err
	}
	seq = min(seq, c.LastSeq)
	if err := s.repo.MarkRead(ctx, id, u.ID, seq); err != nil {
		return err
	}
	s.signal(ctx, SignalRead, ReadSignal{ConversationID: c.ID, InboxID: c.InboxID, ContactID: c.ContactID, By: "agent", UserID: u.ID,
		Seq: seq, Visibility: visibilityOf(c)})
	return nil
}

// Typing tells whoever sees the conversation (and its contact) that the agent is typing or stopped.
func (s *Service) Typing(ctx context.Context, u *auth.User, id int64, on bool) error {
	c, _, err := s.load(ctx, u, id)
	if err != nil {
		return err
	}
	s.signal(ctx, SignalTyping, TypingSignal{ConversationID: c.ID, InboxID: c.InboxID, ContactID: c.ContactID, From: "agent",
		UserID: u.ID, Name: u.Name, On: on, Visibility: visibilityOf(c)})
	return nil
}

// ContactConversations lists the conversations of a contact that the actor may see, newest first.
// An actor who sees none of them may not see the contact either: not found.
func (s *Service) ContactConversations(ctx context.Context, u *auth.User, contactID int64) ([]Conversation, error) {
	all, err := s.repo.ConversationsOfContact(ctx, contactID)
	if err != nil {
		return nil, err
	}
	out := []Conversation{}
	access := map[int64]Access{}
	for _, c := range all {
		a, ok := access[c.InboxID]
		if !ok {
			if a, err = s.AccessTo(ctx, u, c.InboxID); err != nil {
				return nil, err
			}
			access[c.InboxID] = a
		}
		if CanSee(a, &c) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, errs.E(errs.NotFound, "contact not found")
	}
	return out, nil
}

// AvailableIn counts the agents who would receive a new conversation of the inbox now: its
// members who are available. It reads no database: presence and the directory are in memory.
func (s *Service) AvailableIn(ctx context.Context, inboxID int64) (int, error) {
	return s.availableAmong(ctx, inboxID, nil)
}

// availableAmong counts the available members of the inbox, among only (all when nil).
func (s *Service) availableAmong(ctx context.Context, inboxID int64, only []int64) (int, error) {
	if s.presence == nil {
		return 0, nil
	}
	var members []int64
	if s.dir != nil {
		members = s.dir.Members(inboxID)
	} else {
		n := 0
		for _, id := range s.presence.OnlineUsers() {
			if (only == nil || slices.Contains(only, id)) && s.presence.Available(ctx, id) {
				member, err := s.repo.IsInboxMember(ctx, inboxID, id)
				if err != nil {
					return 0, err
				}
				if member {
					n++
				}
			}
		}
		return n, nil
	}
	n := 0
	for _, id := range members {
		if (only == nil || slices.Contains(only, id)) && s.presence.Available(ctx, id) {
			n++
		}
	}
	return n, nil
}

// Assignee is someone a conversation may be given to now.
type Assignee struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	AvatarURL string `json:"avatar_url,omitempty"`
}

// Assignees lists the users the actor may give conversation c to now, by the rule Assign applies
// (CanAssign): available, active, working in the inbox; the current assignee left out. Only
// online users can be available, so only they are asked about. An actor who may not assign c
// gets an empty list.
func (s *Service) Assignees(ctx context.Context, u *auth.User, c *Conversation) ([]Assignee, error) {
	out := []Assignee{}
	if s.presence == nil {
		return out, nil
	}
	a, err := s.AccessTo(ctx, u, c.InboxID)
	if err != nil {
		return nil, err
	}
	if CanAssign(a, c, nil) != nil {
		return out, nil
	}
	for _, id := range s.presence.OnlineUsers() {
		if id == c.AssigneeID {
			continue
		}
		target, err := s.repo.UserByID(ctx, id)
		if errs.Is(err, errs.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		ta, err := s.AccessTo(ctx, target, c.InboxID)
		if err != nil {
			return nil, err
		}
		if CanAssign(a, c, &Target{User: target, HasInbox: ta.HasInbox(), Available: s.presence.Available(ctx, id)}) == nil {
			out = append(out, Assignee{ID: target.ID, Name: target.Name, AvatarURL: target.AvatarURL})
		}
	}
	slices.SortFunc(out, func(x, y Assignee) int { return strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)) })
	return out, nil
}

// Accesses returns the user's access to every inbox at once, for a socket to decide per event who
// sees what without reading the database on the hot path.
func (s *Service) Accesses(ctx context.Context, u *auth.User) (map[int64]Access, error) {
	inboxes, err := s.repo.ListInboxes(ctx)
	if err != nil {
		return nil, err
	}
	memberOf, err := s.repo.MemberInboxIDs(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]Access, len(inboxes))
	for i := range inboxes {
		out[inboxes[i].ID] = Access{User: u, Inbox: &inboxes[i], Member: slices.Contains(memberOf, inboxes[i].ID)}
	}
	return out, nil
}

// SeesContact answers, as an error, whether the user may see a contact: they see at least one of
// its conversations (not found otherwise, as if it did not exist).
func (s *Service) SeesContact(ctx context.Context, u *auth.User, contactID int64) error {
	_, err := s.ContactConversations(ctx, u, contactID)
	return err
}
