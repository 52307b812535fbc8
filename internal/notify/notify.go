// Package notify tells agents what happened wherever they are (docs/notifications.md): web push to
// their devices and batched emails, decided by a durable consumer of the event log, never in the
// transaction of the message or assignment itself. The open inbox tab tells its own agent (in-app,
// desktop, sound) from its socket; this package covers the rest:
//
//   - Consumer reads message and assignment events in position order and decides, per agent who
//     may see the conversation and per event (auth.NotifyEvents), which ways apply: a push job, a
//     pending email, a missed-chat check. One agent gets one notification per conversation and
//     batch of events, of the most specific event.
//   - The push job sends to every subscribed device unless an inbox tab of the agent is in use
//     (presence.Attentive): a forgotten desktop tab does not silence the phone.
//   - Pending emails wait in a batch per agent and kind; its job sends one mail for them a few
//     minutes later. What the agent read meanwhile is dropped from it.
//   - The missed-chat check looks, while a website chat is unanswered, whether the visitor's last
//     page is gone (for the hub's grace period); then the agents who were online are emailed.
//
// It also writes the invitation and password reset mails (auth's link jobs).
package notify

import (
	"context"
	"log/slog"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/mailer"
	"github.com/parleyhq/parley/internal/push"
)

// ConsumerName is the durable consumer's cursor name.
const ConsumerName = "notifications"

// Job kinds.
const (
	JobPush       = "notify.push"
	JobEmail      = "notify.email"
	JobMissedChat = "notify.missed_chat"
)

// Keys are the installation's keys for notifications, made on first start and kept in the
// database (sealed): the VAPID pair pushes are sent with, and the key that signs unsubscribe links.
type Keys struct {
	VAPIDPrivate string // base64url scalar (push.ParseKeys)
	Unsubscribe  []byte
}

// ConvState is what the consumer last knew of a conversation.
type ConvState struct {
	Position   int64 // the last event of it handled
	Unassigned bool  // it was waiting in Unassigned then
	MissedSeq  int64 // the contact's last entry already reported as a missed chat
}

// EmailItem is one entry waiting for an agent's batch of one kind.
type EmailItem struct {
	ID             int64
	UserID         int64
	Kind           string
	ConversationID int64
	Seq            int64
	CreatedAt      int64
}

// Write is what the consumer (or the missed-chat check) commits in one transaction: the states it
// moved to, the emails it queued (each agent and kind's batch job is made with the first of its
// batch, by BatchJob) and its jobs.
type Write struct {
	States    map[int64]ConvState
	MissedSeq map[int64]int64 // conversation -> missed_seq, set alone
	Emails    []EmailItem
	Jobs      []jobs.Spec
	BatchJob  func(userID int64, kind string) jobs.Spec
}

// Repo is what notifications read and write (internal/store implements it).
type Repo interface {
	NotifyStates(ctx context.Context, conversationIDs []int64) (map[int64]ConvState, error)
	CommitNotifications(ctx context.Context, w *Write) error
	// PendingEmails lists the user's waiting entries of kind, oldest first.
	PendingEmails(ctx context.Context, userID int64, kind string, limit int) ([]EmailItem, error)
	// FinishEmails deletes the entries done (sent or dropped) and, when none of the batch is left,
	// the batch itself; more says some are left (the job runs again for them).
	FinishEmails(ctx context.Context, userID int64, kind string, done []int64) (more bool, err error)
	ReadSeqs(ctx context.Context, userID int64, conversationIDs []int64) (map[int64]int64, error)
	// LastSaid returns the seq of the user's own last message in each conversation (none: left out).
	LastSaid(ctx context.Context, userID int64, conversationIDs []int64) (map[int64]int64, error)
	UsersSettings(ctx context.Context, ids []int64) (map[int64]*auth.StoredSettings, error)
	// UsersWithPushDevices says which users have a push subscription (the others get no push job).
	UsersWithPushDevices(ctx context.Context, ids []int64) (map[int64]bool, error)
	UserByID(ctx context.Context, id int64) (*auth.User, error)
	ConversationByID(ctx context.Context, id int64) (*conversation.Conversation, error)
	ContactByID(ctx context.Context, id int64) (*contact.Contact, error)
	Messages(ctx context.Context, q conversation.LogQuery) ([]conversation.Message, error)
}

// Directory says who may see a conversation, from memory (conversation.Directory).
type Directory interface {
	Seers(c *conversation.Conversation) []*auth.User
	Access(userID, inboxID int64) (conversation.Access, bool)
}

// Presence says whether agents have the inbox open and are looking at it (presence.Tracker).
type Presence interface {
	Online(userID int64) bool
	Attentive(userID int64) bool
}

// Visitors says whether a website visitor still has a page open (the realtime hub, every node).
type Visitors interface {
	VisitorOnline(contactID, inboxID int64) bool
}

// Pusher sends to an agent's devices (push.Service).
type Pusher interface {
	SendToUser(ctx context.Context, userID int64, m push.Message) push.Result
}

// Accounts makes one-time links and switches emails off (auth.Service).
type Accounts interface {
	IssueLink(ctx context.Context, userID int64, purpose string) (token string, expiresAt int64, err error)
	Link(token string) string
	Unsubscribe(ctx context.Context, userID int64, ev string) error
}

// Queue is where the job handlers are registered.
type Queue interface {
	Handle(kind string, h jobs.Handler)
}

// Feed wakes every node's job runner after a commit that enqueued jobs.
type Feed interface {
	Committed(ctx context.Context, n event.Notice)
}

// Options configures the Service.
type Options struct {
	Repo      Repo
	Queue     Queue
	Feed      Feed
	Directory Directory
	Presence  Presence
	Visitors  Visitors
	Push      Pusher
	Mail      mailer.Mailer // the installation's mail
	Accounts  Accounts
	Keys      *Keys
	// BaseURL is the public URL links in mails point at, e.g. https://chat.example.com.
	BaseURL string
	// Batch is how long an email waits for more of its kind before it goes (default 3 minutes):
	// a busy chat makes one email per batch, not one per message.
	Batch time.Duration
	// MissedCheck is how long after a visitor's message an unanswered chat is first looked at,
	// and how often again while the visitor is still on the site (default 30 s).
	MissedCheck time.Duration
	Logger      *slog.Logger
}

// Service is the notifications.
type Service struct {
	o   Options
	log *slog.Logger
}

// New returns the service and registers its job handlers.
func New(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Batch <= 0 {
		o.Batch = 3 * time.Minute
	}
	if o.MissedCheck <= 0 {
		o.MissedCheck = 30 * time.Second
	}
	s := &Service{o: o, log: o.Logger}
	if o.Queue != nil {
		o.Queue.Handle(JobPush, s.pushJob)
		o.Queue.Handle(JobEmail, s.emailJob)
		o.Queue.Handle(JobMissedChat, s.missedJob)
		o.Queue.Handle(auth.JobInviteMail, s.linkJob(auth.PurposeInvite))
		o.Queue.Handle(auth.JobResetMail, s.linkJob(auth.PurposeReset))
	}
	return s
}

// Consumer is the durable consumer of the event log to run (event.NewRunner).
func (s *Service) Consumer() event.Consumer {
	return event.Consumer{Name: ConsumerName, Handle: s.Handle}
}

// jobsCommitted wakes the job runners of every node.
func (s *Service) jobsCommitted(ctx context.Context) {
	if s.o.Feed != nil {
		s.o.Feed.Committed(context.WithoutCancel(ctx), event.Notice{Jobs: true})
	}
}

// seen returns how far the user has seen each conversation: read there, or written in (who answers
// has read what they answer).
func (s *Service) seen(ctx context.Context, userID int64, ids []int64) (map[int64]int64, error) {
	read, err := s.o.Repo.ReadSeqs(ctx, userID, ids)
	if err != nil {
		return nil, err
	}
	said, err := s.o.Repo.LastSaid(ctx, userID, ids)
	if err != nil {
		return nil, err
	}
	for id, seq := range said {
		read[id] = max(read[id], seq)
	}
	return read, nil
}

// settingsOf returns the effective settings of users.
func (s *Service) settingsOf(ctx context.Context, ids []int64) (map[int64]*auth.Settings, error) {
	stored, err := s.o.Repo.UsersSettings(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*auth.Settings, len(ids))
	for _, id := range ids {
		out[id] = auth.EffectiveSettings(stored[id])
	}
	return out, nil
}
