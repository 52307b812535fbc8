package playbook

// Flow is a tree of paths. A path is an ordered list of cards; the flow starts with the first card
// of Path, the root path. Cards that branch hold further paths: each answer of a question, the
// offline path of a live chat card, and the declined path of an optional consent card.
//
// How a visitor moves through it:
//   - After a message, capture, accepted consent or action card comes the next card of the same
//     path (Next).
//   - A question is the last card of its path: the visitor's answer continues on that answer's path
//     (AnswerPath).
//   - A live chat card is the last card of its path: once an agent has joined, the bot falls silent;
//     if nobody takes the chat (or nobody is available), the offline path continues (OfflinePath).
//   - A consent card that is not required and is declined continues on its declined path when it has
//     one (DeclinedPath), otherwise with the next card, like an accepted one.
//   - An end card ends the flow, and so does the end of any path: the flow never climbs back to a
//     parent path. Cards after a question, a live chat card or an end card would never be shown, so
//     saving refuses them.
type Flow struct {
	Path []Card `json:"path"`
}

// CardType is what a card does.
type CardType string

const (
	MessageCard  CardType = "message"
	QuestionCard CardType = "question"
	CaptureCard  CardType = "capture"
	ConsentCard  CardType = "consent"
	ActionCard   CardType = "action"
	LiveChatCard CardType = "live_chat"
	EndCard      CardType = "end"
)

// CardTypes lists every card type.
var CardTypes = []CardType{MessageCard, QuestionCard, CaptureCard, ConsentCard, ActionCard, LiveChatCard, EndCard}

// label is how messages name the type: `card "crd_x" (live chat): …`.
func (t CardType) label() string {
	if t == LiveChatCard {
		return "live chat"
	}
	return string(t)
}

// Card is one card of a flow. Which fields count depends on Type; saving clears the others.
type Card struct {
	// ID is stable across versions and unique in the flow; saving gives a card without one a new
	// "crd_…" id.
	ID   string   `json:"id"`
	Type CardType `json:"type"`

	// Markdown is the card's rich text (the richtext subset), for message, question, capture and
	// consent cards.
	Markdown string `json:"markdown,omitempty"`

	// question
	Answers []Answer `json:"answers,omitempty"`

	// capture
	Field *Field `json:"field,omitempty"`

	// consent
	ConsentVersion string `json:"version,omitempty"` // the text's version, recorded with the consent
	CheckboxLabel  string `json:"checkbox_label,omitempty"`
	Required       bool   `json:"required,omitempty"`      // the flow waits until the visitor agrees
	DeclinedPath   []Card `json:"declined_path,omitempty"` // only when not required

	// action
	Action   ActionKind `json:"action,omitempty"`
	Lead     *Lead      `json:"lead,omitempty"`     // create_lead
	Deal     *Deal      `json:"deal,omitempty"`     // create_deal
	Activity *Activity  `json:"activity,omitempty"` // create_activity
	// Owner owns what a create_* action makes: a user, or round-robin over a team's available
	// members (all its members when none is available); nil: nobody until someone takes it.
	Owner *Owner `json:"owner,omitempty"`

	// live_chat
	OnlineMarkdown  string `json:"online_markdown,omitempty"`
	WaitingSeconds  int    `json:"waiting_seconds,omitempty"`
	OfflineMarkdown string `json:"offline_markdown,omitempty"`
	TeamID          int64  `json:"team_id,omitempty"` // routes the chat to a team; 0: the website's agents
	OfflinePath     []Card `json:"offline_path,omitempty"`
}

// Answer is one button of a question card. Its path starts when the visitor picks it.
type Answer struct {
	ID    string `json:"id"` // stable, unique within the question; saving fills in "ans_…" when empty
	Label string `json:"label"`
	Path  []Card `json:"path"`
}

// FieldType is what a capture card asks for.
type FieldType string

const (
	NameField    FieldType = "name"
	EmailField   FieldType = "email"
	PhoneField   FieldType = "phone"
	CompanyField FieldType = "company"
	CustomField  FieldType = "custom"
)

// FieldTypes lists every capture field type.
var FieldTypes = []FieldType{NameField, EmailField, PhoneField, CompanyField, CustomField}

// builtinMax is the longest value each built-in field takes (docs/widget-protocol.md 4.4), and
// the largest max_length a rule may give it.
var builtinMax = map[FieldType]int{NameField: 200, EmailField: 254, PhoneField: 40, CompanyField: 200}

// customMax is the largest max_length of a custom field, and its default.
const customMax = 1000

// Field is what a capture card asks for, as the widget shows and checks it.
type Field struct {
	Type FieldType `json:"type"`
	// Key names the stored value: fixed for the built-in types (their type's name), chosen for
	// custom fields (lower-case letters, digits and _, starting with a letter).
	Key         string `json:"key"`
	Label       string `json:"label"`
	Placeholder string `json:"placeholder,omitempty"`
	Rules       Rules  `json:"rules"`
}

// Rules check a captured value, in the widget first and again on the server.
type Rules struct {
	// Required false lets the visitor skip the card (an empty value).
	Required  bool `json:"required"`
	MinLength int  `json:"min_length,omitempty"` // characters
	MaxLength int  `json:"max_length,omitempty"` // characters; saving fills in the type's limit
	// Pattern is a regular expression that both RE2 and JavaScript accept, anchored with ^ and $.
	Pattern string `json:"pattern,omitempty"`
	// Hint is shown under the field and used as the error message.
	Hint string `json:"hint,omitempty"`
}

// ActionKind is what an action card does. Action cards are not shown to the visitor.
type ActionKind string

const (
	Qualify    ActionKind = "qualify"
	Disqualify ActionKind = "disqualify"
	// The create actions make CRM records for the conversation's contact, in the same write as the
	// step of the bot that passes the card.
	CreatePerson   ActionKind = "create_person" // the contact becomes a person (once)
	CreateLead     ActionKind = "create_lead"
	CreateDeal     ActionKind = "create_deal"
	CreateActivity ActionKind = "create_activity" // linked to the deal or lead made before it, and the person
)

// ActionKinds lists every action.
var ActionKinds = []ActionKind{Qualify, Disqualify, CreatePerson, CreateLead, CreateDeal, CreateActivity}

// Creates reports whether the action makes a CRM record.
func (k ActionKind) Creates() bool {
	return k == CreatePerson || k == CreateLead || k == CreateDeal || k == CreateActivity
}

// Lead is the lead a create_lead action makes for the conversation's contact.
type Lead struct {
	Title string `json:"title"`
	// Value is the lead's expected value in the currency's minor unit (cents); 0 when unknown.
	Value    int64  `json:"value,omitempty"`
	Currency string `json:"currency,omitempty"` // ISO 4217, e.g. "EUR"; required with a value
}

// Deal is the deal a create_deal action makes, in the default pipeline's first stage unless told.
type Deal struct {
	Title      string `json:"title"`
	Value      int64  `json:"value,omitempty"`
	Currency   string `json:"currency,omitempty"`
	PipelineID int64  `json:"pipeline_id,omitempty"`
	StageID    int64  `json:"stage_id,omitempty"`
}

// Activity is the activity a create_activity action makes, due DueInDays after the day it is
// made, in its owner's time zone.
type Activity struct {
	Type      string `json:"type"` // call, meeting, task, email or deadline
	Subject   string `json:"subject"`
	DueInDays int    `json:"due_in_days,omitempty"`
	DueTime   string `json:"due_time,omitempty"` // HH:MM; empty: all day
}

// Owner is who owns what a create action makes: a user, or a team's members in turn.
type Owner struct {
	UserID int64 `json:"user_id,omitempty"`
	TeamID int64 `json:"team_id,omitempty"`
}

// Start returns the flow's first card; false for an empty flow.
func (f *Flow) Start() (*Card, bool) {
	if f == nil || len(f.Path) == 0 {
		return nil, false
	}
	return &f.Path[0], true
}

// Card returns the card with this id, wherever it is in the tree.
func (f *Flow) Card(id string) (*Card, bool) {
	path, i := f.find(id)
	if path == nil {
		return nil, false
	}
	return &path[i], true
}

// Next returns the card after cardID in the same path. False when cardID is the last card of its
// path (the flow ends there: it never continues in a parent path) or is not in the flow. A
// question's and a live chat card's continuations are AnswerPath and OfflinePath, not Next.
func (f *Flow) Next(cardID string) (*Card, bool) {
	path, i := f.find(cardID)
	if path == nil || i+1 >= len(path) {
		return nil, false
	}
	return &path[i+1], true
}

// AnswerPath returns the path a question's answer starts. False when the card is not a question of
// this flow or has no such answer. The path may be empty: then the flow ends with the answer.
func (f *Flow) AnswerPath(cardID, answerID string) ([]Card, bool) {
	c, ok := f.Card(cardID)
	if !ok || c.Type != QuestionCard {
		return nil, false
	}
	for _, a := range c.Answers {
		if a.ID == answerID {
			return a.Path, true
		}
	}
	return nil, false
}

// Answer returns a question's answer, for its label.
func (f *Flow) Answer(cardID, answerID string) (*Answer, bool) {
	c, ok := f.Card(cardID)
	if !ok || c.Type != QuestionCard {
		return nil, false
	}
	for i := range c.Answers {
		if c.Answers[i].ID == answerID {
			return &c.Answers[i], true
		}
	}
	return nil, false
}

// OfflinePath returns a live chat card's offline path: what follows when nobody takes the chat in
// time or nobody is available. False when the card is not a live chat card of this flow. The path
// may be empty: then the flow ends with the offline message.
func (f *Flow) OfflinePath(cardID string) ([]Card, bool) {
	c, ok := f.Card(cardID)
	if !ok || c.Type != LiveChatCard {
		return nil, false
	}
	return c.OfflinePath, true
}

// DeclinedPath returns what follows when the visitor declines an optional consent card: its
// declined path if it has one, otherwise (nil, false), and the flow goes on with Next. A required
// consent card waits until the visitor agrees.
func (f *Flow) DeclinedPath(cardID string) ([]Card, bool) {
	c, ok := f.Card(cardID)
	if !ok || c.Type != ConsentCard || c.Required || len(c.DeclinedPath) == 0 {
		return nil, false
	}
	return c.DeclinedPath, true
}

// Walk calls fn for every card, depth first in the order a reader sees them: a card, then the
// paths it holds. depth is 0 on the root path and one more in each nested path. Walk stops when fn
// returns false.
func (f *Flow) Walk(fn func(c *Card, depth int) bool) {
	if f == nil {
		return
	}
	walkPath(f.Path, 0, fn)
}

func walkPath(path []Card, depth int, fn func(c *Card, depth int) bool) bool {
	for i := range path {
		c := &path[i]
		if !fn(c, depth) {
			return false
		}
		for _, sub := range c.subpaths() {
			if !walkPath(sub, depth+1, fn) {
				return false
			}
		}
	}
	return true
}

// subpaths are the paths a card holds, in order.
func (c *Card) subpaths() [][]Card {
	var out [][]Card
	for _, a := range c.Answers {
		out = append(out, a.Path)
	}
	if len(c.DeclinedPath) > 0 {
		out = append(out, c.DeclinedPath)
	}
	if len(c.OfflinePath) > 0 {
		out = append(out, c.OfflinePath)
	}
	return out
}

// find returns the path holding the card and its index there; nil when there is none.
func (f *Flow) find(id string) ([]Card, int) {
	if f == nil || id == "" {
		return nil, 0
	}
	return findIn(f.Path, id)
}

func findIn(path []Card, id string) ([]Card, int) {
	for i := range path {
		if path[i].ID == id {
			return path, i
		}
		for _, sub := range path[i].subpaths() {
			if p, j := findIn(sub, id); p != nil {
				return p, j
			}
		}
	}
	return nil, 0
}

// LiveChatCards returns the flow's live chat cards, for the editor's "offline only" badge and for
// callers that need their team ids.
func (f *Flow) LiveChatCards() []*Card {
	var out []*Card
	f.Walk(func(c *Card, _ int) bool {
		if c.Type == LiveChatCard {
			out = append(out, c)
		}
		return true
	})
	return out
}

// Clone returns a deep copy, so a caller may change it without touching a shared version.
func (f *Flow) Clone() *Flow {
	if f == nil {
		return nil
	}
	return &Flow{Path: clonePath(f.Path)}
}

func clonePath(path []Card) []Card {
	if path == nil {
		return nil
	}
	out := make([]Card, len(path))
	for i, c := range path {
		out[i] = c
		if c.Answers != nil {
			out[i].Answers = make([]Answer, len(c.Answers))
			for j, a := range c.Answers {
				out[i].Answers[j] = Answer{ID: a.ID, Label: a.Label, Path: clonePath(a.Path)}
			}
		}
		if c.Field != nil {
			fc := *c.Field
			out[i].Field = &fc
		}
		if c.Lead != nil {
			lc := *c.Lead
			out[i].Lead = &lc
		}
		out[i].DeclinedPath = clonePath(c.DeclinedPath)
		out[i].OfflinePath = clonePath(c.OfflinePath)
	}
	return out
}
