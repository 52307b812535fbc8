package bot

import (
	"testing"

	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/playbook"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// Outside the website's business hours the live chat card goes straight to its offline path, even
// with an agent available: no waiting card, no timer. Within them it waits as usual.
func TestLiveChatOutsideBusinessHours(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		inboxes := inbox.NewService(db, nil)
		f.engine = New(Options{Playbooks: f.playbooks, Conversations: f.convs, Contacts: f.contacts, Records: f.leads, Jobs: f.queue, Hours: inboxes.OpenAt})
		f.pres.Set(f.agent.ID, true)
		setHours := func(h inbox.BusinessHours) {
			if _, err := inboxes.UpdateWebsite(f.ctx, f.admin, f.site.ID, inbox.WebsiteInput{BusinessHours: &h}); err != nil {
				t.Fatal(err)
			}
		}
		talk := func(id string) (*conversation.Conversation, playbook.WireCard) {
			v := f.visitor()
			c, err := f.engine.Start(f.ctx, v, "https://shop.example/")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.engine.Respond(f.ctx, v, Response{Kind: conversation.Answer, CardID: "crd_help", AnswerID: "talk", ClientID: id}); err != nil {
				t.Fatal(err)
			}
			for _, m := range f.log(c.ID) {
				if m.Kind == conversation.Card {
					if w := cardOf(t, m); w.Type == playbook.LiveChatCard {
						return c, w
					}
				}
			}
			t.Fatal("no live chat card")
			return nil, playbook.WireCard{}
		}

		// Enabled with no hours at all: closed now, whatever the day.
		setHours(inbox.BusinessHours{Enabled: true, AwayMessage: "Back on Monday."})
		c, card := talk("h-1")
		if card.State != playbook.StateOffline || card.Reason != playbook.ReasonClosed {
			t.Fatalf("outside business hours the card is %s (%s), want offline (closed)", card.State, card.Reason)
		}
		if f.timerJob(c.ID) != nil {
			t.Fatal("a waiting timer started outside business hours")
		}
		if got := f.conv(c.ID); got.WithBot {
			t.Fatal("the conversation did not go to the agents (they can still answer)")
		}

		// Open around the clock: the card waits for the available agent.
		all := []inbox.Span{{From: "00:00", To: "24:00"}}
		setHours(inbox.BusinessHours{Enabled: true, Weekly: map[string][]inbox.Span{"mon": all, "tue": all, "wed": all, "thu": all, "fri": all, "sat": all, "sun": all}})
		c, card = talk("h-2")
		if card.State != playbook.StateWaiting || f.timerJob(c.ID) == nil {
			t.Fatalf("within business hours the card is %s, want waiting with its timer", card.State)
		}
	})
}
