package conversation

import (
	"context"
	"errors"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/jobs"
)

// The bot's side of a conversation. What the bot says next is decided by the playbook engine
// (internal/bot); the rules of when it may say anything, and the one guarded write of every step,
// are here.

// BotRun is where a playbook stands in a conversation. It is written in the same transaction as
// the log entries of the step that changed it, so the two never disagree.
type BotRun struct {
	ConversationID int64
	PlaybookID     int64
	Version        int    // the playbook version the conversation started on
	Awaiting       string // the card waiting for the contact's response; empty when none
	State          string // see the Run* constants
	LiveCard       string // the live chat card reached, if any
	CreatedAt      int64
	UpdatedAt      int64
}

// Bot run states.
const (
	RunRunning = "running" // cards are shown and answered
	RunWaiting = "waiting" // at a live chat card, waiting for an agent to take the chat
	RunOffline = "offline" // nobody took the chat: on the live chat card's offline path
	RunDone    = "done"    // the flow ended, or an agent joined
)

// BotStep is what one step of the engine writes: entries (bot cards, the contact's response,
// system lines), the run's new state, and whether the conversation now goes to the agents
// (Handover: it leaves WithBot and lands in Unassigned).
type BotStep struct {
	Entries  []Message
	Run      *BotRun
	Handover bool
	// ClientID is the contact's response's client id: a retry returns the original entry.
	ClientID string
	// Jobs are enqueued in the step's own write (the live chat card's waiting timer).
	Jobs []jobs.Spec
	// Events are committed with the step (what its action cards create).
	Events []event.Event
	// With holds the records its action cards create, written in the step's transaction
	// (Write.With): a record that cannot be written rolls the step back.
	With any
}

// ErrNoStep, returned by a BotDecide, says there is nothing to write (the conversation moved on:
// someone took it, the card no longer waits). BotStart and BotContinue then write nothing and
// return no entries, without an error.
var ErrNoStep = errs.Coded(errs.Conflict, "no_step", "the bot has nothing to do here any more")

// BotDecide looks at the conversation as it is now (nil when there is none yet) and its run, and
// says what to write, or ErrNoStep when there is nothing to write. It may be called again when the
// conversation changed meanwhile, so it must only decide, not act.
type BotDecide func(c *Conversation, run *BotRun) (*BotStep, error)

// BotStart begins a playbook with the contact: a new conversation that only the bot holds, unless
// the contact already has an open one in the inbox (then nothing is written and that one is
// returned, with a conflict error coded "conversation_open").
func (s *Service) BotStart(ctx context.Context, from From, decide BotDecide) (*Conversation, []Message, error) {
	type result struct {
		c *Conversation
		m []Message
	}
	r, err := retry(ctx, func() (result, error) {
		latest, err := s.repo.LatestConversation(ctx, from.Inbox.ID, from.ContactID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return result{}, err
		}
		var prevID int64
		if latest != nil {
			prevID = latest.ID
			if latest.Status == Open {
				return result{c: latest}, errs.Coded(errs.Conflict, "conversation_open", "the visitor already has an open conversation")
			}
		}
		step, err := decide(nil, nil)
		if errors.Is(err, ErrNoStep) {
			return result{}, nil
		}
		if err != nil {
			return result{}, err
		}
		now := s.nowMS()
		next := Conversation{InboxID: from.Inbox.ID, Channel: from.Inbox.Kind, ContactID: from.ContactID, VisitorID: from.VisitorID,
			Status: Open, WithBot: !step.Handover, CreatedAt: now, UpdatedAt: now, LastMessageAt: now}
		entries := s.stamp(step.Entries, now)
		next.Preview = s.previewOf(entries, "")
		w := &Write{Conv: &next, Append: entries, PrevID: prevID, Run: step.Run, Jobs: step.Jobs, Events: step.Events, With: step.With}
		stored, err := s.commitAll(ctx, w)
		if err != nil {
			return result{}, err
		}
		return result{&next, stored}, nil
	})
	return r.c, r.m, err
}

// BotContinue writes the engine's next step in conversation id: after the contact's response
// (from set: the conversation must be theirs; a retried response — the same clientID — fails with
// a *DuplicateError carrying the original entry, and writes nothing), or on its own, e.g. when the
// waiting time is up (from nil). Cards from the bot are refused once an agent has joined
// (BotMaySpeak); the decide function sees the same conversation the write is guarded by.
func (s *Service) BotContinue(ctx context.Context, from *From, id int64, clientID string, decide BotDecide) (*Conversation, []Message, error) {
	clientID, err := cleanClientID(clientID)
	if err != nil {
		return nil, nil, err
	}
	type result struct {
		c *Conversation
		m []Message
	}
	r, err := retry(ctx, func() (result, error) {
		var c *Conversation
		var err error
		if from != nil {
			c, err = s.contactOwns(ctx, *from, id)
		} else {
			c, err = s.repo.ConversationByID(ctx, id)
		}
		if err != nil {
			return result{}, err
		}
		if m, ok, err := s.original(ctx, id, clientID, FromVisitor, 0); ok || err != nil {
			if ok {
				err = &DuplicateError{Message: *m}
			}
			return result{c: c}, err
		}
		run, err := s.repo.BotRun(ctx, id)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return result{}, err
		}
		step, err := decide(c, run)
		if errors.Is(err, ErrNoStep) {
			return result{c: c}, nil
		}
		if err != nil {
			return result{c: c}, err
		}
		for _, m := range step.Entries {
			if m.SenderKind == FromBot && !BotMaySpeak(c) {
				return result{c: c}, errs.Coded(errs.Conflict, "bot_silent", "an agent has joined: the bot no longer speaks here")
			}
		}
		now := s.nowMS()
		next := *c
		entries := s.stamp(step.Entries, now)
		if len(entries) > 0 {
			next.UpdatedAt, next.LastMessageAt = now, now
			next.Preview = s.previewOf(entries, c.Preview)
		}
		if step.Handover {
			next.WithBot = false
		}
		w := &Write{Conv: &next, ExpectSeq: c.LastSeq, Append: entries, Run: step.Run, Jobs: step.Jobs, Events: step.Events, With: step.With}
		stored, err := s.commitAll(ctx, w)
		if err != nil {
			return result{}, err
		}
		return result{&next, stored}, nil
	})
	return r.c, r.m, err
}

// JoinHook is asked, in the write where an agent first joins c, for the bot's part of it: the
// entries that go with it (the live chat card's joined state) and the run's new state; nil when the
// bot has no part. It only reads.
type JoinHook func(ctx context.Context, c *Conversation, agent *auth.User) *BotStep

// BotRunOf returns the playbook run of a conversation (not-found when the bot never spoke there).
func (s *Service) BotRunOf(ctx context.Context, id int64) (*BotRun, error) {
	return s.repo.BotRun(ctx, id)
}

// stamp masks what the contact or the bot wrote and sets the entries' time.
func (s *Service) stamp(entries []Message, now int64) []Message {
	out := make([]Message, len(entries))
	for i, m := range entries {
		m.Body = s.mask(m.Body)
		if m.CreatedAt == 0 {
			m.CreatedAt = now
		}
		out[i] = m
	}
	return out
}

// previewOf is the list line after entries: the last one with text, else the old preview.
func (s *Service) previewOf(entries []Message, old string) string {
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].Body != "" && entries[i].Kind != Note && entries[i].Kind != EventKind {
			return s.preview(entries[i].Body)
		}
	}
	return old
}

// commitAll is commit returning every stored entry; a retried response (duplicate client id)
// stores nothing and fails with a *DuplicateError.
func (s *Service) commitAll(ctx context.Context, w *Write) ([]Message, error) {
	return s.write(ctx, w)
}

// AvailableInTeam counts the available agents of the inbox who are in the team (all of the inbox's
// when teamID is 0): the live chat card's "online".
func (s *Service) AvailableInTeam(ctx context.Context, inboxID, teamID int64) (int, error) {
	if teamID == 0 {
		return s.AvailableIn(ctx, inboxID)
	}
	team, err := s.repo.TeamByID(ctx, teamID)
	if errs.Is(err, errs.NotFound) {
		return s.AvailableIn(ctx, inboxID)
	}
	if err != nil {
		return 0, err
	}
	return s.availableAmong(ctx, inboxID, team.MemberIDs)
}
