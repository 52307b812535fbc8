// Package report computes Parley's reports (docs/reports.md): conversations, first response and
// resolution times, missed chats, ratings and busiest hours, by agent, team, inbox and channel,
// and the bot's funnel per playbook and version. A durable consumer of the event log keeps one
// row of facts per conversation and one per bot card shown; reports read those rows, never the
// messages, and compute exact figures from them.
package report

import (
	"context"
	"encoding/json"

	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/event"
)

// ConsumerName is the durable consumer's name (its cursor); it must not change.
const ConsumerName = "report.facts"

// ChangeKind says what an event changes in the facts.
type ChangeKind uint8

const (
	// Created: the conversation started (inbox, channel, time, first assignee and team).
	Created ChangeKind = iota + 1
	// Assigned: an agent or a team took it (AgentID, TeamID when set).
	Assigned
	Closed
	Reopened
	// Rated: the contact rated it (Rating, Comment).
	Rated
	// ContactAsked: the contact wrote a message of their own or reached a live chat card; the
	// first one starts the first-response clock.
	ContactAsked
	// AgentAnswered: an agent's message the contact sees (AgentID: who).
	AgentAnswered
	// Item: a lead or a deal was made from it (ItemType).
	Item
	Deleted
	// BotCard: the bot showed a card (CardID, CardType; LiveState for a live chat card).
	BotCard
	// BotResponse: the contact responded to a card (CardID).
	BotResponse
)

// Change is one event's effect on the facts, applied in log order.
type Change struct {
	Kind           ChangeKind
	ConversationID int64
	At             int64
	InboxID        int64
	Channel        string
	AgentID        int64
	TeamID         int64
	Rating         int
	Comment        string
	ItemType       string
	CardID         string
	CardType       string
	LiveState      string
}

// Repo stores the facts and reads them back (internal/store implements it).
type Repo interface {
	// ApplyReportChanges applies changes in order, in one transaction. Each change is idempotent
	// given the ones before it, so a replayed batch leaves the same facts.
	ApplyReportChanges(ctx context.Context, changes []Change) error
	// ReportFacts returns the facts of the conversations that reached people (docs/reports.md:
	// the contact asked, or an agent had it) that q asks for; conversations only the bot held are
	// the funnel's.
	ReportFacts(ctx context.Context, q FactQuery) ([]Fact, error)
	// RatingComments returns the newest ratings with a comment of the conversations q asks for.
	RatingComments(ctx context.Context, q FactQuery, limit int) ([]Comment, error)
	// FunnelRows returns the bot cards shown in conversations of a playbook, and the
	// conversations' outcomes.
	FunnelRows(ctx context.Context, playbookID int64) ([]CardRow, []Outcome, error)
}

// Consumer is the durable consumer that keeps the facts (event.Runner runs it). It reads the log
// from its start, so an installation that upgrades gets facts for its past conversations too.
func (s *Service) Consumer() event.Consumer {
	return event.Consumer{Name: ConsumerName, FromStart: true, Batch: 500, Handle: s.handle}
}

func (s *Service) handle(ctx context.Context, events []event.Event) (int64, error) {
	var changes []Change
	for _, e := range events {
		changes = append(changes, changesOf(e)...)
	}
	if len(changes) == 0 {
		return 0, nil
	}
	return 0, s.repo.ApplyReportChanges(ctx, changes)
}

// cardFields is what the facts need of a bot card or a response to one.
type cardFields struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	State string `json:"state"`
}

type responseFields struct {
	CardID string `json:"card_id"`
}

// changesOf is what event e changes in the facts.
func changesOf(e event.Event) []Change {
	switch e.Type {
	case event.ConversationCreated:
		var c conversation.ConversationData
		if json.Unmarshal(e.Data, &c) != nil || c.ConversationID == 0 {
			return nil
		}
		return []Change{{Kind: Created, ConversationID: c.ConversationID, At: c.CreatedAt, InboxID: c.InboxID, Channel: c.Channel,
			AgentID: c.AssigneeID, TeamID: c.TeamID}}
	case event.ConversationDeleted:
		var c conversation.ConversationData
		if json.Unmarshal(e.Data, &c) != nil || c.ConversationID == 0 {
			return nil
		}
		return []Change{{Kind: Deleted, ConversationID: c.ConversationID}}
	case event.ConversationAssigned, event.ConversationClosed, event.ConversationReopened, event.ConversationRated,
		event.ConversationItemCreated:
		var l conversation.LineData
		if json.Unmarshal(e.Data, &l) != nil || l.ConversationID == 0 {
			return nil
		}
		ch := Change{ConversationID: l.ConversationID, At: l.CreatedAt}
		switch e.Type {
		case event.ConversationAssigned:
			ch.Kind, ch.AgentID, ch.TeamID = Assigned, l.AssigneeID, l.TeamID
		case event.ConversationClosed:
			ch.Kind = Closed
		case event.ConversationReopened:
			ch.Kind = Reopened
		case event.ConversationRated:
			ch.Kind, ch.Rating, ch.Comment = Rated, l.Rating, l.Comment
		case event.ConversationItemCreated:
			if l.ItemType != "lead" && l.ItemType != "deal" {
				return nil
			}
			ch.Kind, ch.ItemType = Item, l.ItemType
		}
		return []Change{ch}
	case event.MessageCreated:
		var m conversation.MessageData
		if json.Unmarshal(e.Data, &m) != nil || m.ConversationID == 0 {
			return nil
		}
		ch := Change{ConversationID: m.ConversationID, At: m.CreatedAt}
		switch {
		case m.SenderKind == conversation.FromVisitor && ownMessage(m.Kind):
			ch.Kind = ContactAsked
		case m.SenderKind == conversation.FromAgent && ownMessage(m.Kind):
			ch.Kind, ch.AgentID = AgentAnswered, m.SenderID
		case m.SenderKind == conversation.FromBot && m.Kind == conversation.Card:
			var c cardFields
			if json.Unmarshal(m.Card, &c) != nil || c.ID == "" {
				return nil
			}
			ch.Kind, ch.CardID, ch.CardType, ch.LiveState = BotCard, c.ID, c.Type, c.State
			if c.Type == "live_chat" {
				// Reaching the live chat card asks for people (waiting, or offline at once when
				// nobody is available): the clock starts.
				return []Change{ch, {Kind: ContactAsked, ConversationID: m.ConversationID, At: m.CreatedAt}}
			}
		case m.SenderKind == conversation.FromVisitor && len(m.Response) > 0:
			var r responseFields
			if json.Unmarshal(m.Response, &r) != nil || r.CardID == "" {
				return nil
			}
			ch.Kind, ch.CardID = BotResponse, r.CardID
		default:
			return nil
		}
		return []Change{ch}
	}
	return nil
}

// ownMessage: a message someone wrote (not a note, a card, a response to a card or a line).
func ownMessage(k conversation.Kind) bool {
	return k == conversation.Text || k == conversation.Rich || k == conversation.Attachment
}
