// Package bot runs chatbot playbooks for visitors: the server-side engine that shows a playbook's
// cards in the visitor's conversation, takes their answers, captures and consents, performs the
// playbook's actions, and hands the chat to the agents at the live chat card — with a waiting
// timer that is a durable job, so it survives restarts and fires once across nodes.
//
// The engine keeps no state of its own: where a conversation stands is its bot run, written in the
// same transaction as the log entries of each step (conversation.BotContinue), and every running
// conversation keeps the playbook version it started on.
package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/playbook"
)

// TimeoutJob is the kind of the live chat card's waiting timer.
const TimeoutJob = "bot.live_chat_timeout"

// Playbooks is what the engine needs of internal/playbook.
type Playbooks interface {
	ForWebsite(ctx context.Context, websiteID int64, pageURL string) (*playbook.Playbook, error)
	GetVersion(ctx context.Context, playbookID int64, version int) (*playbook.Version, error)
	MarkLoaded(ctx context.Context, playbookID int64) error
}

// Contacts keeps what the visitor gives: captured values, consents, the qualified mark
// (*contact.Service; a sandbox run keeps them in memory instead).
type Contacts interface {
	Save(ctx context.Context, contactID int64, p contact.Patch) (*contact.Contact, error)
	SetAttribute(ctx context.Context, contactID int64, key, value string) error
	RecordConsent(ctx context.Context, contactID int64, text, version string) (*contact.Consent, error)
}

// Records decides what the create actions of a step write (internal/crm), in the step's own
// transaction: it only reads, since a step may be decided again (*crm.Service; a sandbox run
// writes nothing and reports them instead).
type Records interface {
	BotRecords(ctx context.Context, c *conversation.Conversation, contactID int64, actions []crm.BotAction) (*crm.BotWrite, error)
}

// Options configures an Engine.
type Options struct {
	Playbooks     Playbooks
	Versions      *Versions // shared with the join hook; made from Playbooks when nil
	Conversations *conversation.Service
	Contacts      Contacts
	Records       Records
	Jobs          *jobs.Queue // where the waiting timer's handler is registered
	// Hours says whether a website is within its business hours at an instant (nil: always): outside
	// them the live chat card goes straight to its offline path.
	Hours  func(ctx context.Context, websiteID int64, at time.Time) (bool, error)
	Logger *slog.Logger
	Now    func() time.Time
}

// Engine runs playbooks.
type Engine struct {
	o        Options
	versions *Versions
}

// Versions reads playbook versions, keeping each in memory once read: versions never change once
// saved.
type Versions struct {
	playbooks Playbooks
	m         sync.Map // versionKey → *playbook.Version
}

type versionKey struct {
	playbook int64
	version  int
}

// NewVersions returns a cache of playbooks' versions.
func NewVersions(p Playbooks) *Versions { return &Versions{playbooks: p} }

// New returns an engine and registers its timer's job handler on the queue.
func New(o Options) *Engine {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Versions == nil {
		o.Versions = NewVersions(o.Playbooks)
	}
	e := &Engine{o: o, versions: o.Versions}
	if o.Jobs != nil {
		o.Jobs.Handle(TimeoutJob, e.onTimeout)
	}
	return e
}

// ErrNoPlaybook says no playbook runs on the page: the widget is a plain chat box there.
var ErrNoPlaybook = errs.Coded(errs.NotFound, "no_playbook", "no playbook runs on this page")

// Playbook returns the playbook that runs on pageURL for the website, marking it loaded (its live
// chat card is then no longer "offline only"); ErrNoPlaybook when none runs there.
func (e *Engine) Playbook(ctx context.Context, websiteID int64, pageURL string) (*playbook.Playbook, error) {
	p, err := e.o.Playbooks.ForWebsite(ctx, websiteID, pageURL)
	if errs.Is(err, errs.NotFound) {
		return nil, ErrNoPlaybook
	}
	if err != nil {
		return nil, err
	}
	if p.LoadedAt == nil {
		if err := e.o.Playbooks.MarkLoaded(ctx, p.ID); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Start begins the playbook that runs on pageURL in a new conversation, unless the visitor already
// has an open conversation (then that one is returned and nothing is written) or no playbook runs
// there (ErrNoPlaybook: the widget is a plain chat box).
func (e *Engine) Start(ctx context.Context, from conversation.From, pageURL string) (*conversation.Conversation, error) {
	p, err := e.Playbook(ctx, from.Inbox.ID, pageURL)
	if err != nil {
		return nil, err
	}
	first, ok := p.Flow.Start()
	if !ok {
		return nil, ErrNoPlaybook
	}
	ver := &playbook.Version{PlaybookID: p.ID, Version: p.Version, Flow: p.Flow, Appearance: p.Appearance}
	e.versions.m.LoadOrStore(versionKey{p.ID, p.Version}, ver)
	w := &walker{e: e, ctx: ctx, ver: ver, inboxID: from.Inbox.ID}
	var run *conversation.BotRun
	c, stored, err := e.o.Conversations.BotStart(ctx, from, func(_ *conversation.Conversation, _ *conversation.BotRun) (*conversation.BotStep, error) {
		now := e.o.Now().UnixMilli()
		run = &conversation.BotRun{PlaybookID: p.ID, Version: p.Version, State: conversation.RunRunning, CreatedAt: now, UpdatedAt: now}
		step, err := w.from(first, run, nil)
		// The conversation is created by this step: its records get its id as it is written.
		return w.records(&conversation.Conversation{InboxID: from.Inbox.ID, Channel: from.Inbox.Kind, ContactID: from.ContactID}, step, err)
	})
	if errs.Is(err, errs.Conflict) && c != nil {
		return c, nil // an open conversation goes on; the playbook starts with the next one
	}
	if err != nil {
		return nil, err
	}
	if len(stored) > 0 {
		e.act(ctx, c, w.actions)
	}
	if card, ok := strings.CutPrefix(run.LiveCard, pendingPrefix); ok {
		if err := e.reachLive(ctx, ver, c.ID, card); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// reachLive shows the live chat card that the first step of a new conversation reached.
func (e *Engine) reachLive(ctx context.Context, ver *playbook.Version, convID int64, cardID string) error {
	card, ok := ver.Flow.Card(cardID)
	if !ok {
		return nil
	}
	w := &walker{e: e, ctx: ctx, ver: ver, convID: convID}
	c, stored, err := e.o.Conversations.BotContinue(ctx, nil, convID, "", func(c *conversation.Conversation, run *conversation.BotRun) (*conversation.BotStep, error) {
		if run == nil || run.LiveCard != pendingPrefix+cardID {
			return nil, conversation.ErrNoStep
		}
		w.inboxID = c.InboxID
		next := *run
		next.UpdatedAt = e.o.Now().UnixMilli()
		w.actions = nil
		step, err := w.liveChat(card, &conversation.BotStep{Run: &next})
		return w.records(c, step, err)
	})
	if err != nil {
		return err
	}
	if len(stored) > 0 {
		e.act(ctx, c, w.actions)
	}
	return nil
}

// Response is the visitor's answer to a card: a question's answer, a capture's value, or a
// consent (docs/widget-protocol.md section 4).
type Response struct {
	Kind     conversation.Kind // Answer, Capture or Consent
	CardID   string
	AnswerID string
	Value    string
	Version  string
	Accepted bool
	ClientID string
}

// Respond applies the visitor's response to the card waiting for it and continues the flow. A
// retried response (same client id) returns the original entry; a response to a card that is not
// waiting fails with card_invalid, an invalid capture with capture_invalid (in the playbook's
// language), nothing written.
func (e *Engine) Respond(ctx context.Context, from conversation.From, r Response) (*conversation.Message, error) {
	c, err := e.o.Conversations.ContactLatest(ctx, from)
	if errs.Is(err, errs.NotFound) {
		return nil, cardInvalid(r.CardID, "there is no conversation with a card to answer")
	}
	if err != nil {
		return nil, err
	}
	run, err := e.o.Conversations.BotRunOf(ctx, c.ID)
	if errs.Is(err, errs.NotFound) {
		return nil, cardInvalid(r.CardID, "the bot has not asked anything here")
	}
	if err != nil {
		return nil, err
	}
	ver, err := e.versions.get(ctx, run.PlaybookID, run.Version)
	if err != nil {
		return nil, err
	}
	card, ok := ver.Flow.Card(r.CardID)
	if !ok {
		return nil, cardInvalid(r.CardID, "no such card")
	}
	entry, err := e.responseEntry(ver, card, &r)
	if err != nil {
		return nil, err
	}
	// The capture's value goes on the contact first (setting it twice, on a retry, changes
	// nothing), once it is sure the card waits for it.
	if r.Kind == conversation.Capture && r.Value != "" && run.Awaiting == card.ID {
		if err := e.saveCapture(ctx, from.ContactID, card.Field, r.Value); err != nil {
			return nil, err
		}
	}
	w := &walker{e: e, ctx: ctx, ver: ver, inboxID: c.InboxID}
	c, stored, err := e.o.Conversations.BotContinue(ctx, &from, c.ID, r.ClientID, func(c *conversation.Conversation, run *conversation.BotRun) (*conversation.BotStep, error) {
		w.convID = c.ID
		if run == nil || run.Awaiting != card.ID || run.State == conversation.RunDone {
			return nil, cardInvalid(card.ID, "this card is not waiting for an answer")
		}
		next := *run
		next.Awaiting, next.UpdatedAt = "", e.o.Now().UnixMilli()
		head := []conversation.Message{*entry}
		if !conversation.BotMaySpeak(c) {
			next.State = conversation.RunDone
			return &conversation.BotStep{Entries: head, Run: &next, ClientID: r.ClientID}, nil
		}
		path := continuation(ver.Flow, card, &r)
		var first *playbook.Card
		if len(path) > 0 {
			first = &path[0]
		}
		step, err := w.from(first, &next, head)
		if step != nil {
			step.ClientID = r.ClientID
		}
		return w.records(c, step, err)
	})
	var dup *conversation.DuplicateError
	if errors.As(err, &dup) { // a retry: the original entry is the answer
		return &dup.Message, nil
	}
	if err != nil {
		return nil, err
	}
	if len(stored) == 0 {
		return nil, cardInvalid(card.ID, "this card is not waiting for an answer")
	}
	if r.Kind == conversation.Consent && r.Accepted {
		if _, err := e.o.Contacts.RecordConsent(ctx, from.ContactID, card.Markdown, card.ConsentVersion); err != nil {
			e.o.Logger.ErrorContext(ctx, "bot: consent not recorded", "conversation", c.ID, "card", card.ID, "err", err)
		}
	}
	e.act(ctx, c, w.actions)
	return &stored[0], nil
}

// continuation is the path that follows the card once the visitor responded.
func continuation(f *playbook.Flow, card *playbook.Card, r *Response) []playbook.Card {
	switch card.Type {
	case playbook.QuestionCard:
		p, _ := f.AnswerPath(card.ID, r.AnswerID)
		return p
	case playbook.ConsentCard:
		if !r.Accepted {
			if p, ok := f.DeclinedPath(card.ID); ok {
				return p
			}
		}
	}
	if next, ok := f.Next(card.ID); ok {
		return pathFrom(f, next)
	}
	return nil
}

// pathFrom is the rest of the path that starts at card.
func pathFrom(f *playbook.Flow, card *playbook.Card) []playbook.Card {
	out := []playbook.Card{*card}
	for {
		next, ok := f.Next(out[len(out)-1].ID)
		if !ok {
			return out
		}
		out = append(out, *next)
	}
}

// errConsentRequired answers a required consent declined: nothing is recorded, the card still
// waits.
func errConsentRequired(ver *playbook.Version) error {
	return errs.Coded(errs.Invalid, "consent_required", "%s", text(ver, "consent_required"))
}

// responseEntry is the visitor's log entry for a response, after checking it against the card
// (a required consent declined is errConsentRequired).
func (e *Engine) responseEntry(ver *playbook.Version, card *playbook.Card, r *Response) (*conversation.Message, error) {
	m := &conversation.Message{SenderKind: conversation.FromVisitor, Kind: r.Kind, ClientID: r.ClientID}
	var resp any
	switch r.Kind {
	case conversation.Answer:
		if card.Type != playbook.QuestionCard {
			return nil, cardInvalid(card.ID, "this card takes no answer")
		}
		a, ok := ver.Flow.Answer(card.ID, r.AnswerID)
		if !ok {
			return nil, cardInvalid(card.ID, "no such answer")
		}
		m.Body = a.Label
		resp = map[string]string{"card_id": card.ID, "answer_id": a.ID}
	case conversation.Capture:
		if card.Type != playbook.CaptureCard || card.Field == nil {
			return nil, cardInvalid(card.ID, "this card captures nothing")
		}
		value, err := checkCapture(ver, card.Field, r.Value)
		if err != nil {
			return nil, err
		}
		r.Value = value
		m.Body = value
		if value == "" {
			m.Body = text(ver, "skipped")
		}
		resp = map[string]string{"card_id": card.ID, "field": string(card.Field.Type), "key": card.Field.Key, "value": value}
	case conversation.Consent:
		if card.Type != playbook.ConsentCard {
			return nil, cardInvalid(card.ID, "this card asks for no consent")
		}
		if r.Version != card.ConsentVersion {
			return nil, errs.Coded(errs.Conflict, "consent_version_stale", "the consent text changed; read it again")
		}
		if !r.Accepted && card.Required {
			return nil, errConsentRequired(ver)
		}
		m.Body = card.CheckboxLabel
		if !r.Accepted {
			m.Body = text(ver, "declined")
		}
		resp = map[string]any{"card_id": card.ID, "version": card.ConsentVersion, "accepted": r.Accepted}
	default:
		return nil, errs.E(errs.Invalid, "unknown response kind %q", r.Kind)
	}
	m.Response, _ = json.Marshal(resp)
	return m, nil
}

func cardInvalid(cardID, why string) error {
	return errs.Coded(errs.Invalid, "card_invalid", "card %q: %s", cardID, why)
}

// saveCapture stores a captured value on the contact: the built-in fields in their place, the
// others as attributes.
func (e *Engine) saveCapture(ctx context.Context, contactID int64, f *playbook.Field, value string) error {
	var p contact.Patch
	switch f.Type {
	case playbook.NameField:
		p.Name = &value
	case playbook.EmailField:
		p.Email = &value
	case playbook.PhoneField:
		p.Phone = &value
	default:
		return e.o.Contacts.SetAttribute(ctx, contactID, f.Key, value)
	}
	_, err := e.o.Contacts.Save(ctx, contactID, p)
	return err
}

// get returns a playbook version, from memory after the first read.
func (v *Versions) get(ctx context.Context, playbookID int64, version int) (*playbook.Version, error) {
	k := versionKey{playbookID, version}
	if got, ok := v.m.Load(k); ok {
		return got.(*playbook.Version), nil
	}
	got, err := v.playbooks.GetVersion(ctx, playbookID, version)
	if err != nil {
		return nil, err
	}
	if got.Flow == nil {
		return nil, fmt.Errorf("playbook %d version %d has no flow", playbookID, version)
	}
	v.m.Store(k, got)
	return got, nil
}

// act performs the action cards a committed step passed that change the contact (qualify,
// disqualify), in order; the create actions were written with the step (walker.records). An action
// that fails is logged; the conversation goes on.
func (e *Engine) act(ctx context.Context, c *conversation.Conversation, cards []*playbook.Card) {
	for _, card := range cards {
		if err := e.do(ctx, c, card); err != nil {
			e.o.Logger.ErrorContext(ctx, "bot: action failed", "conversation", c.ID, "card", card.ID, "err", err)
		}
	}
}

func (e *Engine) do(ctx context.Context, c *conversation.Conversation, card *playbook.Card) error {
	switch card.Action {
	case playbook.Qualify, playbook.Disqualify:
		v := "yes"
		if card.Action == playbook.Disqualify {
			v = "no"
		}
		return e.o.Contacts.SetAttribute(ctx, c.ContactID, "qualified", v)
	}
	return nil
}

// onTimeout is the live chat card's waiting timer: when nobody took the chat in time, the card
// turns offline and the offline path goes on. It loses cleanly to an assignment or an agent's
// reply that came first: those change the conversation, so the guarded write decides again and
// finds nothing to do.
func (e *Engine) onTimeout(ctx context.Context, job *jobs.Job) error {
	var p timeoutPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return jobs.CancelJob("unreadable payload: " + err.Error())
	}
	run, err := e.o.Conversations.BotRunOf(ctx, p.ConversationID)
	if errs.Is(err, errs.NotFound) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	ver, err := e.versions.get(ctx, run.PlaybookID, run.Version)
	if err != nil {
		return err
	}
	card, ok := ver.Flow.Card(p.CardID)
	if !ok {
		return nil
	}
	w := &walker{e: e, ctx: ctx, ver: ver}
	c, stored, err := e.o.Conversations.BotContinue(ctx, nil, p.ConversationID, "", func(c *conversation.Conversation, run *conversation.BotRun) (*conversation.BotStep, error) {
		w.inboxID, w.convID, w.actions = c.InboxID, c.ID, nil // decided again after a conflict: start afresh
		if run == nil || run.State != conversation.RunWaiting || run.LiveCard != card.ID {
			return nil, conversation.ErrNoStep
		}
		if c.Status != conversation.Open || c.AssigneeID != 0 || c.JoinedAt != 0 || c.FirstResponseAt != 0 {
			return nil, conversation.ErrNoStep // someone took it, answered or closed it first
		}
		next := *run
		next.UpdatedAt = e.o.Now().UnixMilli()
		step, err := w.offline(card, &next, nil, playbook.ReasonTimeout)
		return w.records(c, step, err)
	})
	if errs.Is(err, errs.NotFound) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	if len(stored) > 0 {
		e.act(ctx, c, w.actions)
	}
	return nil
}

type timeoutPayload struct {
	ConversationID int64  `json:"conversation_id"`
	CardID         string `json:"card_id"`
}

// Runs reads conversations' playbook runs (the store).
type Runs interface {
	BotRun(ctx context.Context, conversationID int64) (*conversation.BotRun, error)
}

// JoinHook is the conversation service's join hook: when an agent first takes a conversation whose
// live chat card is waiting, the card turns to its joined state in the same write, and the run is
// done (the bot falls silent once an agent joined). It only reads.
func JoinHook(versions *Versions, runs Runs, now func() time.Time, log *slog.Logger) conversation.JoinHook {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(ctx context.Context, c *conversation.Conversation, agent *auth.User) *conversation.BotStep {
		run, err := runs.BotRun(ctx, c.ID)
		if err != nil || run.State == conversation.RunDone {
			return nil
		}
		next := *run
		next.State, next.Awaiting, next.UpdatedAt = conversation.RunDone, "", now().UnixMilli()
		step := &conversation.BotStep{Run: &next}
		if run.State != conversation.RunWaiting {
			return step
		}
		ver, err := versions.get(ctx, run.PlaybookID, run.Version)
		if err != nil {
			log.ErrorContext(ctx, "bot: joined card", "conversation", c.ID, "err", err)
			return step
		}
		card, ok := ver.Flow.Card(run.LiveCard)
		if !ok {
			return step
		}
		w := &walker{ver: ver}
		step.Entries = []conversation.Message{w.card(card.LiveChatJoined(agent.ID, agent.Name, agent.AvatarURL))}
		return step
	}
}
