package conversation

import (
	"context"
	"strings"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
)

// Item is something made from a conversation — a lead now; deals, persons and activities later —
// as the conversation's log records it.
type Item struct {
	Type  string // "lead", …
	ID    int64
	Title string
}

// RecordItem appends the system line "<item> created" to conversation convID and publishes it like
// every other change. actor is who created the item, or nil when a playbook's bot did (the line is
// then marked auto). An actor must see the conversation; the line is internal, like a note, so the
// rule is CanNote, and closed conversations take it too. The contact never sees the line
// (VisibleToContact).
func (s *Service) RecordItem(ctx context.Context, actor *auth.User, convID int64, item Item) (*Message, error) {
	if strings.TrimSpace(item.Type) == "" || item.ID <= 0 {
		return nil, errs.E(errs.Invalid, "an item needs a type and an id")
	}
	ev := Event{Type: EventItemCreated, ItemType: item.Type, ItemID: item.ID, Title: s.mask(item.Title), Auto: actor == nil}
	if actor != nil {
		ev.ActorID, ev.ActorName = actor.ID, actor.Name
	}
	return retry(ctx, func() (*Message, error) {
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
		next := *c
		now := s.nowMS()
		next.UpdatedAt = now
		e := ev
		line := Message{SenderKind: FromSystem, Kind: EventKind, CreatedAt: now, Event: &e}
		return s.commit(ctx, &Write{Conv: &next, ExpectSeq: c.LastSeq, Append: []Message{line}})
	})
}
