package crm_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/mask"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// noteFeed is the CRM's feed in these tests: it hands every committed note event to whoever
// waits for one.
type noteFeed struct{ notes chan event.Event }

func newNoteFeed() *noteFeed { return &noteFeed{notes: make(chan event.Event, 1000)} }

func (f *noteFeed) Committed(_ context.Context, n event.Notice) {
	for _, e := range n.Events {
		if e.Type == event.NoteCreated || e.Type == event.NoteUpdated {
			f.notes <- e
		}
	}
}

// waitNote waits, up to 20 s, for the next note event the follower commits.
func (f *noteFeed) waitNote(t *testing.T, what string) event.Event {
	t.Helper()
	select {
	case e := <-f.notes:
		return e
	case <-time.After(20 * time.Second):
		t.Fatalf("no note event for %s within 20 s", what)
		return event.Event{}
	}
}

// follower runs the CRM's durable consumer on one node until the test ends (or stop).
func follower(t *testing.T, db *store.DB, svc *crm.Service, node string) (stop func()) {
	t.Helper()
	r := event.NewRunner(db, nil, event.RunnerOptions{Node: node, Poll: 20 * time.Millisecond, Lease: 600 * time.Millisecond}, svc.FollowConsumer())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

func lineTexts(n *crm.Note) string {
	if n.Excerpt == nil {
		return "(no excerpt)"
	}
	var out []string
	for _, l := range n.Excerpt.Lines {
		out = append(out, l.Name+": "+l.Text)
	}
	return strings.Join(out, " | ")
}

// notesOf reads a record's notes as the admin does, oldest first.
func (f *fixture) notesOf(t *testing.T, rt crm.RecordType, id int64) []crm.Note {
	t.Helper()
	notes, err := f.svc.ListNotes(f.ctx, f.admin, rt, id, crm.Query{})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(notes)-1; i < j; i, j = i+1, j-1 {
		notes[i], notes[j] = notes[j], notes[i]
	}
	return notes
}

// Linking a conversation to a person makes a note with its latest messages, the assignment and the
// way back; messages of the next 24 hours go to that note, driven by the message events through
// the durable consumer; after the window, and after the note was edited or deleted, a new note
// starts. Whoever may not see the conversation sees that the notes exist, not what they hold.
func TestTheNoteFollowsALinkedConversation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		feed := newNoteFeed()
		now := f.Now
		f.svc = crm.NewService(crm.Options{Repo: db, Conversations: f.convs, Feed: feed, Now: now})
		follower(t, db, f.svc, "node-a")

		c, from := f.started(t, "Lena")
		if _, err := f.convs.Assign(f.ctx, f.admin, c.ID, conversation.AssignInput{UserID: f.a1.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.convs.Reply(f.ctx, f.a1, c.ID, conversation.MessageInput{Body: "Hi Lena, note this.", Note: true}); err != nil {
			t.Fatal(err)
		}
		visitor := func(body string) {
			t.Helper()
			if _, _, err := f.convs.ContactWrites(f.ctx, from, conversation.MessageInput{Body: body}); err != nil {
				t.Fatal(err)
			}
		}
		visitor("Do you deliver to Graz?")

		// A new person linked: its first note holds the messages so far (not the internal note).
		per, err := f.svc.CreatePerson(f.ctx, f.a1, crm.PersonInput{PersonPatch: crm.PersonPatch{Name: ptr("Lena Berger")}, ConversationID: c.ID, Link: true})
		if err != nil {
			t.Fatal(err)
		}
		if per.ContactID != c.ContactID {
			t.Fatalf("the linked person is not the contact: %+v", per)
		}
		// (The link's note is written with the conversation's line, synchronously.)
		notes := f.notesOf(t, crm.PersonType, per.ID)
		if len(notes) != 1 {
			t.Fatalf("notes after linking %+v", notes)
		}
		ex := notes[0].Excerpt
		if got := lineTexts(&notes[0]); got != "Lena: Hello from Lena | Lena: Do you deliver to Graz?" ||
			ex.ConversationID != c.ID || ex.URL != crm.ConversationURL(c.ID) || ex.Status != "open" || notes[0].CreatedByUserID != f.a1.ID {
			t.Fatalf("first note %s %+v", got, ex)
		}
		lines := f.itemLines(t, c.ID)
		if last := lines[len(lines)-1].Event; last.Type != conversation.EventItemLinked || last.ItemID != per.ID || last.ActorID != f.a1.ID {
			t.Fatalf("the chat's line %+v", last)
		}

		// Within 24 hours: the same note grows, with who wrote what.
		f.advance(time.Hour)
		visitor("We need 40 chairs.")
		feed.waitNote(t, "the visitor's message")
		f.advance(time.Hour)
		if _, err := f.convs.Reply(f.ctx, f.admin, c.ID, conversation.MessageInput{Body: "We do, every Tuesday."}); err != nil {
			t.Fatal(err)
		}
		if e := feed.waitNote(t, "the agent's reply"); e.Type != event.NoteUpdated {
			t.Fatalf("within the window: %s", e.Type)
		}
		notes = f.notesOf(t, crm.PersonType, per.ID)
		if len(notes) != 1 || !strings.HasSuffix(lineTexts(&notes[0]), "Lena: We need 40 chairs. | Ada Admin: We do, every Tuesday.") {
			t.Fatalf("the note after two messages: %d notes, %s", len(notes), lineTexts(&notes[len(notes)-1]))
		}
		if ex := notes[0].Excerpt; ex.AssigneeName != "Alice Agent" || ex.AssigneeID != f.a1.ID {
			t.Fatalf("assignment in the note %+v", ex)
		}

		// After the 24 hours: a new note.
		f.advance(23 * time.Hour)
		visitor("Still there?")
		if e := feed.waitNote(t, "a message after the window"); e.Type != event.NoteCreated {
			t.Fatalf("after the window: %s", e.Type)
		}
		notes = f.notesOf(t, crm.PersonType, per.ID)
		if len(notes) != 2 || lineTexts(&notes[1]) != "Lena: Still there?" || notes[1].CreatedByUserID != 0 {
			t.Fatalf("notes after the window: %d, last %s", len(notes), lineTexts(&notes[len(notes)-1]))
		}

		// Edited: the next message starts a new note.
		if _, err := f.svc.UpdateNote(f.ctx, f.admin, notes[1].ID, crm.NotePatch{Body: ptr("Asked twice; call her.")}); err != nil {
			t.Fatal(err)
		}
		feed.waitNote(t, "the edit itself")
		visitor("Hello?")
		feed.waitNote(t, "a message after the edit")
		notes = f.notesOf(t, crm.PersonType, per.ID)
		if len(notes) != 3 || lineTexts(&notes[1]) != "Lena: Still there?" || notes[1].Body != "Asked twice; call her." || lineTexts(&notes[2]) != "Lena: Hello?" {
			t.Fatalf("notes after the edit: %d", len(notes))
		}

		// Deleted: the next message starts a new note.
		if err := f.svc.DeleteNote(f.ctx, f.admin, notes[2].ID); err != nil {
			t.Fatal(err)
		}
		visitor("Anyone?")
		feed.waitNote(t, "a message after the deletion")
		notes = f.notesOf(t, crm.PersonType, per.ID)
		if len(notes) != 3 || lineTexts(&notes[2]) != "Lena: Anyone?" {
			t.Fatalf("notes after the deletion: %d, last %s", len(notes), lineTexts(&notes[len(notes)-1]))
		}

		// Shown in full only to those who see the conversation: in a private inbox, a conversation
		// assigned to one agent is hidden from the others.
		for _, who := range []struct {
			name   string
			hidden bool
			notes  func() ([]crm.Note, error)
		}{
			{"admin", false, func() ([]crm.Note, error) {
				return f.svc.ListNotes(f.ctx, f.admin, crm.PersonType, per.ID, crm.Query{})
			}},
			{"assignee", false, func() ([]crm.Note, error) { return f.svc.ListNotes(f.ctx, f.a1, crm.PersonType, per.ID, crm.Query{}) }},
			{"member", true, func() ([]crm.Note, error) { return f.svc.ListNotes(f.ctx, f.a2, crm.PersonType, per.ID, crm.Query{}) }},
			{"outsider", true, func() ([]crm.Note, error) {
				return f.svc.ListNotes(f.ctx, f.outsider, crm.PersonType, per.ID, crm.Query{})
			}},
		} {
			list, err := who.notes()
			if err != nil || len(list) != 3 {
				t.Fatalf("%s: %d notes, %v", who.name, len(list), err)
			}
			for _, n := range list {
				if n.Hidden != who.hidden || (n.Excerpt == nil) != who.hidden || (who.hidden && n.Body != "") {
					t.Fatalf("%s sees %+v", who.name, n)
				}
			}
		}
		_, err = f.svc.UpdateNote(f.ctx, f.a2, notes[0].ID, crm.NotePatch{Body: ptr("mine now")})
		if err == nil {
			t.Fatal("an agent who may not see the conversation edited its note")
		}

		// Linked twice to the same record: refused; to a deal as well: a note there too.
		_, err = f.svc.LinkConversation(f.ctx, f.admin, c.ID, crm.LinkInput{RecordType: crm.PersonType, RecordID: per.ID})
		wantCode(t, err, "conflict", "already_linked")
		d, err := f.svc.CreateDeal(f.ctx, f.admin, crm.DealInput{DealPatch: crm.DealPatch{Title: ptr("Chairs")}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.LinkConversation(f.ctx, f.admin, c.ID, crm.LinkInput{RecordType: crm.DealType, RecordID: d.ID}); err != nil {
			t.Fatal(err)
		}
		items, err := f.svc.ItemsOf(f.ctx, f.admin, c.ID)
		if err != nil || len(items) != 2 {
			t.Fatalf("items %+v %v", items, err)
		}
		for _, it := range items {
			if !it.Linked {
				t.Fatalf("item %+v", it)
			}
		}
	})
}

// On two nodes: the consumer runs on one node at a time; when that node stops, the other takes
// over where it stopped, and messages written through either node reach the note.
func TestTheNoteFollowsOnTwoNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		feed := newNoteFeed()
		now := f.Now
		f.svc = crm.NewService(crm.Options{Repo: db, Conversations: f.convs, Feed: feed, Now: now})
		// The second node: its own handle on PostgreSQL (SQLite has one writer process).
		other := db
		if db.Engine == store.Postgres {
			other = storetest.Another(t, db)
		}
		convsB := conversation.NewService(conversation.Options{Repo: other, Now: now, Mask: func(s string) string { out, _ := mask.String(s); return out }})
		svcB := crm.NewService(crm.Options{Repo: other, Conversations: convsB, Feed: feed, Now: now})
		stopA := follower(t, db, f.svc, "node-a")
		follower(t, other, svcB, "node-b")

		c, from := f.started(t, "Mira")
		l, err := f.svc.CreateLead(f.ctx, f.a1, crm.LeadInput{LeadPatch: crm.LeadPatch{Title: ptr("Mira's order")}, ConversationID: c.ID, Link: true})
		if err != nil {
			t.Fatal(err)
		}
		for i, body := range []string{"one", "two", "three", "four"} {
			svc := f.convs
			if i%2 == 1 {
				svc = convsB // written through the other node
			}
			if i == 2 {
				stopA() // the node holding the consumer stops; the other takes over
			}
			f.advance(time.Minute)
			if _, _, err := svc.ContactWrites(f.ctx, from, conversation.MessageInput{Body: body}); err != nil {
				t.Fatal(err)
			}
			feed.waitNote(t, "message "+body)
		}
		notes := f.notesOf(t, crm.LeadType, l.ID)
		if len(notes) != 1 || lineTexts(&notes[0]) != "Mira: Hello from Mira | Mira: one | Mira: two | Mira: three | Mira: four" {
			t.Fatalf("notes %d: %s", len(notes), lineTexts(&notes[0]))
		}
	})
}
