// Package sandbox runs a playbook as it is being edited — "Try it" in the playbook editor — through
// the real engine (internal/bot) and the real conversation rules (internal/conversation), in a
// conversation that lives only in memory for as long as the editor's socket does.
//
// Nothing of a run reaches the store: the conversation service of a run is built on an in-memory
// repository (memory.go) with no feed, so no conversation, log entry, event or job is written and
// no node, agent, folder, webhook or notification hears of it. What the run would have caused
// elsewhere — a lead, a captured email on the contact, a consent, the live chat card's waiting timer,
// the conversation going to the agents — is reported as Actions instead. Whether agents are online
// is the admin's choice (Online), so both branches of a live chat card can be walked.
package sandbox

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/bot"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/playbook"
)

// Action is something the run would have done outside the conversation.
type Action struct {
	// person, lead, deal, activity, qualified, disqualified, contact, attribute, consent, timer, handover
	Kind string `json:"kind"`
	// What: the record's title (an activity's subject), the captured field and value, the timer's
	// seconds, …
	Field    string `json:"field,omitempty"`
	Value    string `json:"value,omitempty"`
	Title    string `json:"title,omitempty"`
	Amount   int64  `json:"amount,omitempty"` // a lead's or deal's value in minor units
	Currency string `json:"currency,omitempty"`
	Seconds  int    `json:"seconds,omitempty"`
	At       int64  `json:"at"`
}

// Options describe a run.
type Options struct {
	// Playbook is the editor's draft (name, appearance, flow), checked as saving would check it.
	Playbook playbook.Input
	// Website is the playbook's website; only its name and id are used.
	Website *inbox.Website
	// Online says whether an agent is available: the live chat card's online or offline branch.
	Online bool
	// Mask removes card numbers (the conversation service's masker).
	Mask func(string) string
	// Changed hears of every committed change of the run's conversation, for the widget's socket.
	Changed func(conversation.Change)
	// Acted hears of every action the run would have taken.
	Acted  func(Action)
	Logger *slog.Logger
	Now    func() time.Time
}

// sandboxAgentID is the one agent of a run, available or not as the run says.
const sandboxAgentID = 1

// Run is one sandbox conversation.
type Run struct {
	o      Options
	mem    *memory
	convs  *conversation.Service
	engine *bot.Engine
	from   conversation.From
	book   *playbook.Playbook
	mu     sync.Mutex
	handed map[int64]bool // conversations noted as gone to the agents
	// records are the lines of records a step decided to create, and what to report once the
	// step's write commits (a step decided again makes new lines; unwritten ones are never reported).
	records map[*conversation.Event]Action
}

// New checks the draft and prepares a run; a draft that could not be saved fails with
// errs.Invalid and its problems (playbook.ProblemsOf).
func New(o Options) (*Run, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	in := o.Playbook
	if in.Name == "" {
		in.Name = "Try it"
	}
	in.WebsiteID = o.Website.ID
	in.Targeting = nil // the run starts the draft wherever the preview is
	if ps := playbook.Prepare(&in); len(ps) > 0 {
		return nil, ps.Err()
	}
	now := o.Now().UnixMilli()
	ib := o.Website.Inbox
	r := &Run{o: o, handed: map[int64]bool{}, records: map[*conversation.Event]Action{}}
	r.book = &playbook.Playbook{ID: 0, WebsiteID: ib.ID, Name: in.Name, Active: true, Appearance: in.Appearance, Version: 1, Flow: in.Flow,
		LoadedAt: &now, CreatedAt: now, UpdatedAt: now}
	r.mem = &memory{inbox: &ib, contact: &contact.Contact{ID: 1, WebsiteID: ib.ID, Tags: []string{}, Attributes: map[string]string{}, CreatedAt: now, UpdatedAt: now},
		agent: &auth.User{ID: sandboxAgentID, Name: "Agent", Role: auth.Agent}, logs: map[int64][]conversation.Message{},
		runs: map[int64]*conversation.BotRun{}, wrote: r.wrote}
	r.convs = conversation.NewService(conversation.Options{Repo: r.mem, Presence: presence{online: o.Online}, Feed: feed{r}, Mask: o.Mask,
		Logger: o.Logger, Now: o.Now})
	r.engine = bot.New(bot.Options{Playbooks: draft{r.book}, Conversations: r.convs, Contacts: contacts{r}, Records: records{r},
		Logger: o.Logger, Now: o.Now})
	r.from = conversation.From{Inbox: &ib, ContactID: 1}
	return r, nil
}

// Appearance is the draft's look, for the widget.
func (r *Run) Appearance() playbook.Appearance { return r.book.Appearance }

// AgentsAvailable is what the widget is told about agents: one when the run is online.
func (r *Run) AgentsAvailable() int {
	if r.o.Online {
		return 1
	}
	return 0
}

// Start begins the draft in a new conversation, as a visitor opening the chat does.
func (r *Run) Start(ctx context.Context, pageURL string) (*conversation.Conversation, error) {
	return r.engine.Start(ctx, r.from, pageURL)
}

// Respond applies the visitor's answer, capture or consent.
func (r *Run) Respond(ctx context.Context, resp bot.Response) (*conversation.Message, error) {
	return r.engine.Respond(ctx, r.from, resp)
}

// Send stores the visitor's typed message (files are not sent in a sandbox).
func (r *Run) Send(ctx context.Context, in conversation.MessageInput) (*conversation.Message, error) {
	if in.AttachmentID != 0 {
		return nil, notHere("send files")
	}
	in.Note = false
	_, m, err := r.convs.ContactWrites(ctx, r.from, in)
	return m, err
}

// Conversation returns the run's latest conversation with the entries after afterSeq the visitor sees.
func (r *Run) Conversation(ctx context.Context, afterSeq int64) (*conversation.Conversation, []conversation.Message, error) {
	return r.convs.ContactConversation(ctx, r.from, afterSeq, 500)
}

// MarkRead moves the visitor's read cursor.
func (r *Run) MarkRead(ctx context.Context, seq int64) error {
	c, err := r.convs.ContactLatest(ctx, r.from)
	if err != nil {
		return err
	}
	return r.convs.ContactMarkRead(ctx, r.from, c.ID, seq)
}

func (r *Run) act(a Action) {
	a.At = r.o.Now().UnixMilli()
	if r.o.Acted != nil {
		r.o.Acted(a)
	}
}

// wrote turns what a write would have caused besides its entries into actions: the records its
// action cards create, the waiting timer, and the conversation going to the agents.
func (r *Run) wrote(w *conversation.Write) {
	for _, m := range w.Append {
		r.mu.Lock()
		a, ok := r.records[m.Event]
		delete(r.records, m.Event)
		r.mu.Unlock()
		if ok {
			r.act(a)
		}
	}
	for _, j := range w.Jobs {
		if j.Kind == bot.TimeoutJob && !j.RunAt.IsZero() {
			r.act(Action{Kind: "timer", Seconds: int(time.Until(j.RunAt).Round(time.Second) / time.Second)})
		}
	}
}

// feed is the run's conversation service's feed: its committed changes go to the widget's socket
// only; signals (typing, read receipts) go nowhere.
type feed struct{ r *Run }

func (f feed) Committed(_ context.Context, n event.Notice) {
	if n.Change == nil {
		return
	}
	var ch conversation.Change
	if err := json.Unmarshal(n.Change, &ch); err != nil || ch.Conversation == nil {
		return
	}
	if f.r.handedOver(ch.Conversation) {
		f.r.act(Action{Kind: "handover"})
	}
	if f.r.o.Changed != nil {
		f.r.o.Changed(ch)
	}
}

func (f feed) Signal(context.Context, string, any) {}

// handedOver reports whether the conversation has just left the bot for the agents' Unassigned
// folder (once per conversation).
func (r *Run) handedOver(c *conversation.Conversation) bool {
	if c.WithBot || c.Status != conversation.Open || c.AssigneeID != 0 {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.handed[c.ID] {
		return false
	}
	r.handed[c.ID] = true
	return true
}

// presence: the run's one agent is available when the run is online.
type presence struct{ online bool }

func (p presence) Available(_ context.Context, userID int64) bool {
	return p.online && userID == sandboxAgentID
}

func (p presence) OnlineUsers() []int64 {
	if p.online {
		return []int64{sandboxAgentID}
	}
	return nil
}

// draft is the engine's view of playbooks: the one being tried, on every page.
type draft struct{ p *playbook.Playbook }

func (d draft) ForWebsite(context.Context, int64, string) (*playbook.Playbook, error) {
	return d.p, nil
}

func (d draft) GetVersion(_ context.Context, _ int64, version int) (*playbook.Version, error) {
	if version != d.p.Version {
		return nil, errs.E(errs.NotFound, "playbook version not found")
	}
	return &playbook.Version{PlaybookID: d.p.ID, Version: d.p.Version, Flow: d.p.Flow, Appearance: d.p.Appearance}, nil
}

func (d draft) MarkLoaded(context.Context, int64) error { return nil }

// contacts keeps what the visitor gives on the run's contact, and reports it.
type contacts struct{ r *Run }

func (c contacts) Save(_ context.Context, _ int64, p contact.Patch) (*contact.Contact, error) {
	m := c.r.mem
	m.mu.Lock()
	for field, v := range map[string]*string{"name": p.Name, "email": p.Email, "phone": p.Phone} {
		if v == nil {
			continue
		}
		switch field {
		case "name":
			m.contact.Name = *v
		case "email":
			m.contact.Email = *v
		case "phone":
			m.contact.Phone = *v
		}
		defer c.r.act(Action{Kind: "contact", Field: field, Value: *v})
	}
	out := *m.contact
	m.mu.Unlock()
	return &out, nil
}

func (c contacts) SetAttribute(_ context.Context, _ int64, key, value string) error {
	switch {
	case key == "qualified" && value == "yes":
		c.r.act(Action{Kind: "qualified"})
	case key == "qualified":
		c.r.act(Action{Kind: "disqualified"})
	default:
		c.r.act(Action{Kind: "attribute", Field: key, Value: value})
	}
	return nil
}

func (c contacts) RecordConsent(_ context.Context, _ int64, text, version string) (*contact.Consent, error) {
	c.r.act(Action{Kind: "consent", Value: version})
	return &contact.Consent{Text: text, Version: version, GivenAt: c.r.o.Now().UnixMilli()}, nil
}

// records stands in for the CRM: a step's create actions write no record, only the agents' line
// the real ones would ("The bot created deal …"); each is reported once the step's write commits.
type records struct{ r *Run }

func (x records) BotRecords(_ context.Context, _ *conversation.Conversation, _ int64, actions []crm.BotAction) (*crm.BotWrite, error) {
	w := &crm.BotWrite{}
	x.r.mu.Lock()
	defer x.r.mu.Unlock()
	for _, a := range actions {
		line := &conversation.Event{Type: conversation.EventItemCreated, ItemType: string(a.Create), Title: a.Title, Auto: true}
		w.Lines = append(w.Lines, conversation.Message{SenderKind: conversation.FromSystem, Kind: conversation.EventKind, Event: line})
		act := Action{Kind: string(a.Create), Title: a.Title}
		if a.Create == crm.LeadType || a.Create == crm.DealType {
			act.Amount, act.Currency = a.Value, a.Currency
		}
		x.r.records[line] = act
	}
	return w, nil
}
