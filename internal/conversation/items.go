package conversation

import (
	"context"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// ItemsWrite is what making CRM records from a conversation, or linking it to one, writes in one
// transaction with the conversation's log: the lines saying so (item_created, item_linked), the
// records themselves (With, a *crm.Batch the store writes first, filling the lines' item ids) and
// their events.
type ItemsWrite struct {
	Lines  []*Event
	With   any
	Events []event.Event
}

// ItemsDecide looks at the conversation as it is now and says what to write. It may be called
// again when the conversation changed meanwhile, so it must only decide, not act.
type ItemsDecide func(c *Conversation) (*ItemsWrite, error)

// RecordItems writes what decide says in conversation convID, with the lines appended to its log,
// and publishes it like every other change. actor is who made the records, or nil when a
// playbook's bot or the system did (the lines are then marked auto). An actor must see the
// conversation; the lines are internal, like a note, so the rule is CanNote, and closed
// conversations take them too (creating never closes or reopens anything). The contact never sees
// the lines (VisibleToContact).
func (s *Service) RecordItems(ctx context.Context, actor *auth.User, convID int64, decide ItemsDecide) (*Conversation, error) {
	return retry(ctx, func() (*Conversation, error) {
		var c *Conversation
		var err error
		if actor != nil {
			var a Access
			if c, a, err = s.load(ctx, actor, convID); err != nil {
				return nil, err
			}
			if err := CanNote(a, c); err != nil {
				return nil, err
			}
		} else if c, err = s.repo.ConversationByID(ctx, convID); err != nil {
			return nil, err
		}
		w, err := decide(c)
		if err != nil {
			return nil, err
		}
		next := *c
		now := s.nowMS()
		next.UpdatedAt = now
		var entries []Message
		for _, line := range w.Lines {
			if line.Type != EventItemCreated && line.Type != EventItemLinked {
				return nil, errs.E(errs.Invalid, "a record's line is item_created or item_linked, not %q", line.Type)
			}
			line.Title, line.Auto = s.mask(line.Title), actor == nil
			if actor != nil {
				line.ActorID, line.ActorName = actor.ID, actor.Name
			}
			entries = append(entries, Message{SenderKind: FromSystem, Kind: EventKind, CreatedAt: now, Event: line})
		}
		wr := &Write{Conv: &next, ExpectSeq: c.LastSeq, Append: entries, With: w.With, Events: w.Events}
		if actor != nil {
			wr.ActorID = actor.ID
		}
		if len(entries) == 0 && w.With == nil && len(w.Events) == 0 {
			return c, nil
		}
		if _, err := s.commit(ctx, wr); err != nil {
			return nil, err
		}
		return &next, nil
	})
}
