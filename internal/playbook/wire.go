package playbook

import "github.com/parleyhq/parley/internal/richtext"

// WireCard is a card as the widget renders it: the "card" object of a bot log entry
// (docs/widget-protocol.md, section 4). Which fields are set depends on Type and, for the live
// chat card, State.
type WireCard struct {
	ID   string   `json:"id"`
	Type CardType `json:"type"`
	// State is the live chat card's state: waiting, joined or offline.
	State  string `json:"state,omitempty"`
	Reason string `json:"reason,omitempty"` // offline: timeout or no_agents
	HTML   string `json:"html,omitempty"`   // sanitised rich text
	Text   string `json:"text,omitempty"`   // plain text, for previews, email and agents

	Answers []WireAnswer `json:"answers,omitempty"` // question
	Field   *Field       `json:"field,omitempty"`   // capture

	Version       string `json:"version,omitempty"` // consent
	CheckboxLabel string `json:"checkbox_label,omitempty"`
	Required      *bool  `json:"required,omitempty"`

	WaitingSeconds int    `json:"waiting_seconds,omitempty"` // live chat, waiting
	Deadline       int64  `json:"deadline,omitempty"`        // live chat, waiting: server time, unix ms
	UserID         int64  `json:"user_id,omitempty"`         // live chat, joined
	UserName       string `json:"user_name,omitempty"`
	Avatar         string `json:"avatar,omitempty"`
}

// WireAnswer is a question's answer button.
type WireAnswer struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// Live chat card states and offline reasons.
const (
	StateWaiting = "waiting"
	StateJoined  = "joined"
	StateOffline = "offline"

	ReasonTimeout  = "timeout"
	ReasonNoAgents = "no_agents"
	// ReasonClosed: outside the website's business hours.
	ReasonClosed = "closed"
)

// Visible reports whether the visitor sees the card. Action and end cards do their work silently.
func (c *Card) Visible() bool {
	return c.Type != ActionCard && c.Type != EndCard
}

// Wire returns the card as the widget renders it, with its rich text rendered to HTML and plain
// text. A live chat card comes back in the waiting state without a deadline: the engine uses
// LiveChatWaiting, LiveChatJoined and LiveChatOffline for its states. Action and end cards (not
// Visible) come back with only their id and type. The card's id is the playbook's; an engine that
// shows a card twice in one conversation sets its own id on the result.
func (c *Card) Wire() WireCard {
	w := WireCard{ID: c.ID, Type: c.Type}
	switch c.Type {
	case MessageCard:
		w.HTML, w.Text = render(c.Markdown)
	case QuestionCard:
		w.HTML, w.Text = render(c.Markdown)
		w.Answers = make([]WireAnswer, len(c.Answers))
		for i, a := range c.Answers {
			w.Answers[i] = WireAnswer{ID: a.ID, Label: a.Label}
		}
	case CaptureCard:
		w.HTML, w.Text = render(c.Markdown)
		if c.Field != nil {
			f := *c.Field
			w.Field = &f
		}
	case ConsentCard:
		w.HTML, w.Text = render(c.Markdown)
		w.Version, w.CheckboxLabel = c.ConsentVersion, c.CheckboxLabel
		req := c.Required
		w.Required = &req
	case LiveChatCard:
		w = c.LiveChatWaiting(0)
	}
	return w
}

// LiveChatWaiting is the live chat card once the visitor reached it and an agent is available:
// the online message and the waiting time, with deadline the server time (unix ms) the waiting
// ends.
func (c *Card) LiveChatWaiting(deadline int64) WireCard {
	w := WireCard{ID: c.ID, Type: LiveChatCard, State: StateWaiting, WaitingSeconds: c.WaitingSeconds, Deadline: deadline}
	w.HTML, w.Text = render(c.OnlineMarkdown)
	return w
}

// LiveChatJoined is the live chat card once an agent took the chat.
func (c *Card) LiveChatJoined(userID int64, userName, avatar string) WireCard {
	return WireCard{ID: c.ID, Type: LiveChatCard, State: StateJoined, UserID: userID, UserName: userName, Avatar: avatar}
}

// LiveChatOffline is the live chat card when nobody took the chat in time (ReasonTimeout) or
// nobody was available (ReasonNoAgents): the offline message. The offline path follows.
func (c *Card) LiveChatOffline(reason string) WireCard {
	w := WireCard{ID: c.ID, Type: LiveChatCard, State: StateOffline, Reason: reason}
	w.HTML, w.Text = render(c.OfflineMarkdown)
	return w
}

func render(md string) (html, text string) {
	return richtext.Render(md), richtext.PlainText(md)
}
