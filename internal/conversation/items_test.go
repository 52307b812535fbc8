package conversation_test

import (
	"slices"
	"testing"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

func TestRecordItem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c, from := f.started(t, f.web, "Lena")
		item := conversation.Event{Type: conversation.EventItemCreated, ItemType: "lead", ItemID: 7, Title: "Card 4111 1111 1111 1111 deal"}

		// Refused: an agent who does not see the conversation, and a line of another type.
		before, published := f.conv(t, c.ID), f.pub.count()
		_, err := recordItem(t, f, f.outsider, c.ID, item)
		wantKind(t, err, errs.NotFound)
		_, err = recordItem(t, f, f.a1, c.ID, conversation.Event{Type: conversation.EventClosed, ItemType: "lead", ItemID: 7})
		wantKind(t, err, errs.Invalid)
		_, err = recordItem(t, f, nil, 987654, item)
		wantKind(t, err, errs.NotFound)
		f.unchanged(t, c.ID, before, published)

		m, err := recordItem(t, f, f.a1, c.ID, item)
		if err != nil {
			t.Fatal(err)
		}
		ev := m.Event
		if m.Kind != conversation.EventKind || m.SenderKind != conversation.FromSystem || ev == nil || m.CreatedAt == 0 ||
			ev.Type != conversation.EventItemCreated || ev.ItemType != "lead" || ev.ItemID != 7 ||
			ev.ActorID != f.a1.ID || ev.ActorName != "Alice Agent" || ev.Auto {
			t.Fatalf("recorded %+v with event %+v", m, ev)
		}
		if ev.Title != "Card •••• •••• •••• 1111 deal" {
			t.Fatalf("title stored as %q: card numbers must be masked", ev.Title)
		}
		// A log line only: the conversation keeps its assignee, status and last activity.
		after := f.conv(t, c.ID)
		if after.AssigneeID != before.AssigneeID || after.Status != before.Status || after.LastMessageAt != before.LastMessageAt ||
			after.LastSeq != before.LastSeq+1 {
			t.Fatalf("conversation before %+v\nafter %+v", before, after)
		}
		msgs := wantLog(t, f, c.ID, "visitor:text", "event:item_created")
		if got := msgs[1].Event; *got != *ev {
			t.Fatalf("stored event %+v, returned %+v", got, ev)
		}
		// Published after commit, like every change.
		changes := f.pub.since(published)
		if len(changes) != 1 || len(changes[0].Messages) != 1 || changes[0].Messages[0].Event.Type != conversation.EventItemCreated ||
			changes[0].Conversation.LastSeq != after.LastSeq {
			t.Fatalf("published %+v", changes)
		}

		// By a playbook's bot: no actor, marked auto; closed conversations take the line too.
		if _, err := f.svc.Close(f.ctx, f.admin, c.ID); err != nil {
			t.Fatal(err)
		}
		m, err = recordItem(t, f, nil, c.ID, conversation.Event{Type: conversation.EventItemCreated, ItemType: "lead", ItemID: 8, Title: "From the bot"})
		if err != nil {
			t.Fatal(err)
		}
		if !m.Event.Auto || m.Event.ActorID != 0 || m.Event.ActorName != "" {
			t.Fatalf("bot's line %+v", m.Event)
		}
		wantLog(t, f, c.ID, "visitor:text", "event:item_created", "event:closed", "event:item_created")

		// The lines are for agents only: the contact's log and live frames leave them out.
		for _, e := range f.log(t, c.ID) {
			if e.Kind == conversation.EventKind && e.Event.Type == conversation.EventItemCreated && e.VisibleToContact() {
				t.Fatalf("item line visible to the contact: %+v", e)
			}
		}
		_, seen, err := f.svc.ContactConversation(f.ctx, from, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := visibleKinds(seen); !slices.Equal(got, []string{"visitor:text", "event:closed"}) {
			t.Fatalf("the contact sees %v", got)
		}
	})
}

// In a private inbox a conversation assigned to someone is hidden from other agents: they cannot
// record items in it either.
func TestRecordItemFollowsVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c, _ := f.started(t, f.web, "Mia")
		if _, err := f.svc.Assign(f.ctx, f.admin, c.ID, conversation.AssignInput{UserID: f.a2.ID}); err != nil {
			t.Fatal(err)
		}
		before, published := f.conv(t, c.ID), f.pub.count()
		_, err := recordItem(t, f, f.a1, c.ID, conversation.Event{Type: conversation.EventItemCreated, ItemType: "lead", ItemID: 1, Title: "Hidden"})
		wantKind(t, err, errs.NotFound)
		f.unchanged(t, c.ID, before, published)
		if _, err := recordItem(t, f, f.a2, c.ID, conversation.Event{Type: conversation.EventItemCreated, ItemType: "lead", ItemID: 1, Title: "Mine"}); err != nil {
			t.Fatal(err)
		}
	})
}

// recordItem writes one line through RecordItems, as the CRM does, and returns it as stored.
func recordItem(t *testing.T, f *fixture, actor *auth.User, convID int64, line conversation.Event) (*conversation.Message, error) {
	t.Helper()
	_, err := f.svc.RecordItems(f.ctx, actor, convID, func(*conversation.Conversation) (*conversation.ItemsWrite, error) {
		return &conversation.ItemsWrite{Lines: []*conversation.Event{&line}}, nil
	})
	if err != nil {
		return nil, err
	}
	log := f.log(t, convID)
	return &log[len(log)-1], nil
}
