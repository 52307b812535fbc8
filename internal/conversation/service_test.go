package conversation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
	"github.com/parleyhq/parley/internal/testworld"
)

// Integration tests of conversation.Service against the real store, on both engines.

// recorder is the feed: it keeps every announced change as the bus carried it (encoded, so a
// later change to a returned value cannot alter what was recorded), every notice and signal.
type recorder struct {
	mu      sync.Mutex
	changes []conversation.Change
	wire    []string
	notices []event.Notice
	signals []string
}

func (r *recorder) Committed(_ context.Context, n event.Notice) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notices = append(r.notices, n)
	if n.Change == nil {
		return
	}
	var cp conversation.Change
	if err := json.Unmarshal(n.Change, &cp); err != nil {
		panic(err)
	}
	r.changes = append(r.changes, cp)
	r.wire = append(r.wire, string(n.Change))
}

func (r *recorder) Signal(_ context.Context, name string, _ any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.signals = append(r.signals, name)
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.changes)
}

func (r *recorder) since(n int) []conversation.Change {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.changes[n:])
}

// fixture is the shared test world (internal/testworld) with the conversation service on it,
// the feed recording what it announces, and an email inbox beside the website.
type fixture struct {
	*testworld.World
	ctx  context.Context
	db   *store.DB
	svc  *conversation.Service
	pres *testworld.Presence
	pub  *recorder

	owner, admin, a1, a2, outsider *auth.User
	web                            *inbox.Inbox // private, final; installed by admin; members a1 and a2
	email                          *inbox.Inbox // shared, reopen; members a1 and a2
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	w := testworld.New(t, db, testworld.Options{})
	f := &fixture{World: w, ctx: w.Ctx, db: db, pres: w.Presence, pub: &recorder{},
		owner: w.Owner, admin: w.Admin, a1: w.A1, a2: w.A2, outsider: w.Outsider, web: w.Web}
	f.svc = conversation.NewService(conversation.Options{
		Repo:     db,
		Presence: f.pres,
		Feed:     f.pub,
		Mask:     testworld.Mask,
		Now:      w.Now,
	})
	if f.web.Visibility != inbox.Private || f.web.ReopenPolicy != inbox.Final {
		t.Fatalf("website inbox = %+v, want private and final", f.web)
	}
	var emailID int64
	if err := db.Writer().QueryRowContext(f.ctx, `INSERT INTO inboxes (kind, name, visibility, reopen_policy, created_at, updated_at)
		VALUES ('email', 'Support mail', 'shared', 'reopen', 1, 1) RETURNING id`).Scan(&emailID); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.email, err = db.InboxByID(f.ctx, emailID); err != nil {
		t.Fatal(err)
	}
	if err := db.SetInboxMembers(f.ctx, f.email.ID, []int64{f.a1.ID, f.a2.ID}, 1); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) contact(t *testing.T, name string) int64 { return f.Contact(t, name) }

func (f *fixture) visitor(t *testing.T, contactID int64) int64 { return f.Visitor(t, contactID) }

func (f *fixture) from(ib *inbox.Inbox, contactID int64) conversation.From {
	return conversation.From{Inbox: ib, ContactID: contactID, Name: "Visitor"}
}

// write is the contact's message; it must succeed.
func (f *fixture) write(t *testing.T, from conversation.From, body, clientID string) (*conversation.Conversation, *conversation.Message) {
	t.Helper()
	c, m, err := f.svc.ContactWrites(f.ctx, from, conversation.MessageInput{Body: body, ClientID: clientID})
	if err != nil {
		t.Fatalf("ContactWrites(%q): %v", body, err)
	}
	return c, m
}

// started is a new conversation of a new contact in ib, with one message of theirs.
func (f *fixture) started(t *testing.T, ib *inbox.Inbox, name string) (*conversation.Conversation, conversation.From) {
	t.Helper()
	from := f.from(ib, f.contact(t, name))
	c, _ := f.write(t, from, "Hello from "+name, "")
	return c, from
}

func (f *fixture) conv(t *testing.T, id int64) *conversation.Conversation {
	t.Helper()
	c, err := f.db.ConversationByID(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.Reader().QueryRowContext(f.ctx, query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (f *fixture) messageCount(t *testing.T, convID int64) int {
	t.Helper()
	return f.count(t, "SELECT COUNT(*) FROM messages WHERE conversation_id = $1", convID)
}

// log is the whole log as an admin reads it, oldest first.
func (f *fixture) log(t *testing.T, convID int64) []conversation.Message {
	t.Helper()
	msgs, err := f.svc.History(f.ctx, f.admin, convID, 0, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// describe renders a log as short words ("visitor:text", "event:joined", "agent:note") for
// comparisons, and checks that its seqs run 1..n without gaps.
func describe(t *testing.T, msgs []conversation.Message) []string {
	t.Helper()
	out := make([]string, 0, len(msgs))
	for i, m := range msgs {
		if m.Seq != int64(i+1) {
			t.Fatalf("entry %d has seq %d: the log has gaps or duplicates: %+v", i, m.Seq, msgs)
		}
		if m.Kind == conversation.EventKind {
			out = append(out, "event:"+m.Event.Type)
			continue
		}
		out = append(out, string(m.SenderKind)+":"+string(m.Kind))
	}
	return out
}

func wantLog(t *testing.T, f *fixture, convID int64, want ...string) []conversation.Message {
	t.Helper()
	msgs := f.log(t, convID)
	if got := describe(t, msgs); !slices.Equal(got, want) {
		t.Fatalf("log of conversation %d = %v, want %v", convID, got, want)
	}
	return msgs
}

func wantKind(t *testing.T, err error, k errs.Kind) {
	t.Helper()
	if !errs.Is(err, k) {
		t.Fatalf("got error %v (kind %s), want kind %s", err, errs.KindOf(err), k)
	}
}

func wantCode(t *testing.T, err error, k errs.Kind, code string) {
	t.Helper()
	wantKind(t, err, k)
	if got, _ := errs.Public(err); got != code {
		t.Fatalf("got code %q (%v), want %q", got, err, code)
	}
}

// unchanged checks that a refused action stored and published nothing.
func (f *fixture) unchanged(t *testing.T, convID int64, before *conversation.Conversation, published int) {
	t.Helper()
	after := f.conv(t, convID)
	if !reflect.DeepEqual(*after, *before) {
		t.Fatalf("refused action changed the conversation:\nbefore %+v\nafter  %+v", before, after)
	}
	if n := f.messageCount(t, convID); int64(n) != before.LastSeq {
		t.Fatalf("refused action stored entries: %d rows, last_seq %d", n, before.LastSeq)
	}
	if n := f.pub.count(); n != published {
		t.Fatalf("refused action published %d changes", n-published)
	}
}

func TestContactWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		from := f.from(f.web, f.contact(t, "Vera"))

		c, m := f.write(t, from, "  Hi there,\n  I need help  ", "c1")
		if c.ID == 0 || c.Status != conversation.Open || c.AssigneeID != 0 || c.LastSeq != 1 {
			t.Fatalf("new conversation = %+v, want open, unassigned, last_seq 1", c)
		}
		if m.Seq != 1 || m.ID == 0 || m.Body != "Hi there,\n  I need help" || m.SenderKind != conversation.FromVisitor || m.ClientID != "c1" {
			t.Fatalf("first message = %+v", m)
		}
		stored := f.conv(t, c.ID)
		if stored.Preview != "Hi there, I need help" || stored.Status != conversation.Open || stored.AssigneeID != 0 ||
			stored.InboxID != f.web.ID || stored.Channel != inbox.Web || stored.LastSeq != 1 || stored.LastMessageAt == 0 {
			t.Fatalf("stored conversation = %+v", stored)
		}
		list, err := f.svc.List(f.ctx, f.a1, conversation.FolderUnassigned, 0, 0, 0, 0)
		if err != nil || len(list) != 1 || list[0].ID != c.ID {
			t.Fatalf("Unassigned for an agent = %+v, %v; want the new conversation", list, err)
		}

		c2, m2 := f.write(t, from, "Anyone?", "c2")
		if c2.ID != c.ID || m2.Seq != 2 || f.conv(t, c.ID).Preview != "Anyone?" {
			t.Fatalf("second message: conversation %d seq %d, want %d seq 2", c2.ID, m2.Seq, c.ID)
		}

		published := f.pub.count()
		c3, m3 := f.write(t, from, "Hi there, I need help (sent again)", "c1")
		if c3.ID != c.ID || m3.ID != m.ID || m3.Seq != 1 || m3.Body != m.Body {
			t.Fatalf("retried send returned %+v in %d, want the original %+v", m3, c3.ID, m)
		}
		if n := f.messageCount(t, c.ID); n != 2 {
			t.Fatalf("%d messages after a retried send, want 2", n)
		}
		if f.pub.count() != published {
			t.Fatal("a retried send was published")
		}

		// The retry arrives after an agent closed the conversation in a final inbox: still the
		// original, and no new conversation.
		if _, err := f.svc.Close(f.ctx, f.admin, c.ID); err != nil {
			t.Fatal(err)
		}
		c4, m4 := f.write(t, from, "Anyone? (sent again)", "c2")
		if c4.ID != c.ID || m4.ID != m2.ID {
			t.Fatalf("retry after close returned message %d in conversation %d, want %d in %d", m4.ID, c4.ID, m2.ID, c.ID)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM conversations WHERE contact_id = $1", from.ContactID); n != 1 {
			t.Fatalf("%d conversations after a retry of a closed one, want 1", n)
		}
		if n := f.messageCount(t, c.ID); n != 3 { // two messages and the closed event
			t.Fatalf("%d log entries, want 3", n)
		}

		_, _, err = f.svc.ContactWrites(f.ctx, from, conversation.MessageInput{Body: " \n\t "})
		wantCode(t, err, errs.Invalid, "body_required")
		_, _, err = f.svc.ContactWrites(f.ctx, from, conversation.MessageInput{Body: "x", ClientID: "has space"})
		wantCode(t, err, errs.Invalid, "client_id_invalid")
		_, _, err = f.svc.ContactWrites(f.ctx, from, conversation.MessageInput{Body: strings.Repeat("é", conversation.MaxBody+1)})
		wantKind(t, err, errs.TooLarge)
	})
}

// A socket remembers the open conversation its visitor wrote to (From.OpenID) and the next message
// goes into it without reading it first; a conversation that is no longer open, or not theirs, is
// never written through that path.
func TestContactWritesIntoRememberedConversation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		from := f.from(f.web, f.contact(t, "Vera"))
		c, m := f.write(t, from, "Hi there", "c1")

		from.OpenID = c.ID
		published := f.pub.count()
		c2, m2 := f.write(t, from, "Anyone?", "c2")
		if c2.ID != c.ID || m2.Seq != 2 || m2.ConversationID != c.ID || c2.LastSeq != 2 || c2.Preview != "Anyone?" {
			t.Fatalf("remembered conversation: got %+v / %+v, want seq 2 in %d", c2, m2, c.ID)
		}
		if stored := f.conv(t, c.ID); stored.LastSeq != 2 || stored.Preview != "Anyone?" || stored.LastMessageAt != m2.CreatedAt {
			t.Fatalf("stored conversation = %+v", stored)
		}
		if got := f.pub.count() - published; got != 1 {
			t.Fatalf("%d changes published for one message, want 1", got)
		}

		// A retry is answered with the original, writes nothing and publishes nothing.
		published = f.pub.count()
		c3, m3 := f.write(t, from, "Hi there (again)", "c1")
		if c3.ID != c.ID || m3.ID != m.ID || m3.Seq != 1 {
			t.Fatalf("retry through the remembered conversation = %+v, want the original %+v", m3, m)
		}
		if n := f.messageCount(t, c.ID); n != 2 || f.conv(t, c.ID).LastSeq != 2 || f.pub.count() != published {
			t.Fatalf("a retry wrote or published: %d messages, last_seq %d", n, f.conv(t, c.ID).LastSeq)
		}

		// Someone else's conversation id: the message goes into the writer's own conversation.
		other, _ := f.started(t, f.web, "Other")
		mine := from
		mine.OpenID = other.ID
		c4, _ := f.write(t, mine, "Not yours", "c4")
		if c4.ID != c.ID || f.conv(t, other.ID).LastSeq != other.LastSeq {
			t.Fatalf("a message through another contact's conversation %d landed in %d", other.ID, c4.ID)
		}

		// Closed (final inbox): a new conversation, as without the remembered id.
		if _, err := f.svc.Close(f.ctx, f.admin, c.ID); err != nil {
			t.Fatal(err)
		}
		c5, m5 := f.write(t, from, "Back again", "c5")
		if c5.ID == c.ID || m5.Seq != 1 || c5.Status != conversation.Open {
			t.Fatalf("after close: message in conversation %d seq %d, want a new one", c5.ID, m5.Seq)
		}
		if stored := f.conv(t, c.ID); stored.Status != conversation.Closed {
			t.Fatalf("the closed conversation changed: %+v", stored)
		}
	})
}

func TestContactWritesConcurrently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		const n = 10

		t.Run("distinct client ids", func(t *testing.T) {
			from := f.from(f.email, f.contact(t, "Busy"))
			published := f.pub.count()
			var wg sync.WaitGroup
			convs := make([]int64, n)
			seqs := make([]int64, n)
			errors := make([]error, n)
			for i := range n {
				wg.Go(func() {
					c, m, err := f.svc.ContactWrites(f.ctx, from, conversation.MessageInput{Body: fmt.Sprintf("message %d", i), ClientID: fmt.Sprintf("m%d", i)})
					if err != nil {
						errors[i] = err
						return
					}
					convs[i], seqs[i] = c.ID, m.Seq
				})
			}
			wg.Wait()
			for i, err := range errors {
				if err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
			}
			for _, id := range convs {
				if id != convs[0] {
					t.Fatalf("concurrent first messages went to conversations %v, want one", convs)
				}
			}
			slices.Sort(seqs)
			for i, s := range seqs {
				if s != int64(i+1) {
					t.Fatalf("seqs %v, want 1..%d", seqs, n)
				}
			}
			msgs := f.log(t, convs[0])
			describe(t, msgs)
			if len(msgs) != n || f.conv(t, convs[0]).LastSeq != n {
				t.Fatalf("%d entries, want %d", len(msgs), n)
			}
			if got := f.count(t, "SELECT COUNT(*) FROM conversations WHERE contact_id = $1", from.ContactID); got != 1 {
				t.Fatalf("%d conversations, want 1", got)
			}
			if got := f.pub.count() - published; got != n {
				t.Fatalf("%d changes published, want %d", got, n)
			}
		})

		t.Run("one client id", func(t *testing.T) {
			from := f.from(f.web, f.contact(t, "Retrier"))
			var wg sync.WaitGroup
			ids := make([]int64, n)
			errors := make([]error, n)
			for i := range n {
				wg.Go(func() {
					_, m, err := f.svc.ContactWrites(f.ctx, from, conversation.MessageInput{Body: "only once", ClientID: "same"})
					if err != nil {
						errors[i] = err
						return
					}
					ids[i] = m.ID
				})
			}
			wg.Wait()
			for i, err := range errors {
				if err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
			}
			for _, id := range ids {
				if id != ids[0] {
					t.Fatalf("retries answered with messages %v, want one", ids)
				}
			}
			if got := f.count(t, "SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.contact_id = $1", from.ContactID); got != 1 {
				t.Fatalf("%d messages stored, want 1", got)
			}
			if got := f.count(t, "SELECT COUNT(*) FROM conversations WHERE contact_id = $1", from.ContactID); got != 1 {
				t.Fatalf("%d conversations, want 1", got)
			}
		})
	})
}

func TestReply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)

		t.Run("takes an unassigned conversation first", func(t *testing.T) {
			c, _ := f.started(t, f.web, "Rita")
			m, err := f.svc.Reply(f.ctx, f.a1, c.ID, conversation.MessageInput{Body: "Hello, how can I help?", ClientID: "r1"})
			if err != nil {
				t.Fatal(err)
			}
			if m.Seq != 3 || m.SenderKind != conversation.FromAgent || m.SenderID != f.a1.ID || m.Kind != conversation.Text {
				t.Fatalf("reply = %+v, want seq 3 from a1", m)
			}
			msgs := wantLog(t, f, c.ID, "visitor:text", "event:joined", "agent:text")
			if ev := msgs[1].Event; ev.UserID != f.a1.ID || ev.ActorID != f.a1.ID || ev.UserName != f.a1.Name {
				t.Fatalf("joined event = %+v", ev)
			}
			if msgs[2].SenderName != f.a1.Name {
				t.Fatalf("reply sender name %q", msgs[2].SenderName)
			}
			got := f.conv(t, c.ID)
			if got.AssigneeID != f.a1.ID || got.FirstResponseAt == 0 || got.JoinedAt == 0 || got.Preview != "Hello, how can I help?" {
				t.Fatalf("after the first reply: %+v", got)
			}
			if conversation.BotMaySpeak(got) {
				t.Fatal("the bot may still speak after an agent joined")
			}
			first := got.FirstResponseAt

			// A second reply keeps the first response time and joins no one.
			if _, err := f.svc.Reply(f.ctx, f.a1, c.ID, conversation.MessageInput{Body: "Still there?"}); err != nil {
				t.Fatal(err)
			}
			wantLog(t, f, c.ID, "visitor:text", "event:joined", "agent:text", "agent:text")
			if got := f.conv(t, c.ID); got.FirstResponseAt != first {
				t.Fatalf("first_response_at moved from %d to %d", first, got.FirstResponseAt)
			}

			// A retried reply returns the original.
			again, err := f.svc.Reply(f.ctx, f.a1, c.ID, conversation.MessageInput{Body: "Hello, how can I help?", ClientID: "r1"})
			if err != nil || again.ID != m.ID {
				t.Fatalf("retried reply = %+v, %v; want the original %d", again, err, m.ID)
			}
			if n := f.messageCount(t, c.ID); n != 4 {
				t.Fatalf("%d entries after a retried reply, want 4", n)
			}

			// A retried reply arriving after the conversation was closed is still the original.
			if _, err := f.svc.Close(f.ctx, f.a1, c.ID); err != nil {
				t.Fatal(err)
			}
			again, err = f.svc.Reply(f.ctx, f.a1, c.ID, conversation.MessageInput{Body: "Hello, how can I help?", ClientID: "r1"})
			if err != nil || again.ID != m.ID {
				t.Fatalf("retried reply after close = %+v, %v; want the original %d", again, err, m.ID)
			}
			_, err = f.svc.Reply(f.ctx, f.a1, c.ID, conversation.MessageInput{Body: "New words"})
			wantCode(t, err, errs.Conflict, "conversation_closed")
		})

		t.Run("an unavailable agent cannot take it", func(t *testing.T) {
			c, _ := f.started(t, f.web, "Una")
			f.pres.Set(f.a2.ID, false)
			defer f.pres.Set(f.a2.ID, true)
			before, published := f.conv(t, c.ID), f.pub.count()
			_, err := f.svc.Reply(f.ctx, f.a2, c.ID, conversation.MessageInput{Body: "I am away"})
			wantCode(t, err, errs.Conflict, "you_unavailable")
			f.unchanged(t, c.ID, before, published)
		})

		t.Run("notes", func(t *testing.T) {
			c, from := f.started(t, f.web, "Nora")
			note, err := f.svc.Reply(f.ctx, f.a2, c.ID, conversation.MessageInput{Body: "VIP customer, be nice", Note: true})
			if err != nil {
				t.Fatal(err)
			}
			if note.Kind != conversation.Note || note.Seq != 2 {
				t.Fatalf("note = %+v", note)
			}
			got := f.conv(t, c.ID)
			if got.AssigneeID != 0 || got.FirstResponseAt != 0 || got.Preview != "Hello from Nora" {
				t.Fatalf("a note changed assignment, first response or preview: %+v", got)
			}
			var kind string
			if err := f.db.Reader().QueryRowContext(f.ctx, "SELECT kind FROM messages WHERE id = $1", note.ID).Scan(&kind); err != nil || kind != "note" {
				t.Fatalf("stored kind %q, %v", kind, err)
			}
			wantLog(t, f, c.ID, "visitor:text", "agent:note")
			if _, err := f.svc.Reply(f.ctx, f.a1, c.ID, conversation.MessageInput{Body: "Hi Nora"}); err != nil {
				t.Fatal(err)
			}
			cc, msgs, err := f.svc.ContactConversation(f.ctx, from, 0, 0)
			if err != nil || cc.ID != c.ID {
				t.Fatalf("ContactConversation: %v", err)
			}
			if got := visibleKinds(msgs); !slices.Equal(got, []string{"visitor:text", "event:joined", "agent:text"}) {
				t.Fatalf("the contact sees %v", got)
			}
			for _, m := range msgs {
				if strings.Contains(m.Body, "VIP") {
					t.Fatal("the contact sees the note")
				}
			}
			// Notes may be added to a closed conversation, even by someone who is not available.
			if _, err := f.svc.Close(f.ctx, f.a1, c.ID); err != nil {
				t.Fatal(err)
			}
			f.pres.Set(f.a2.ID, false)
			defer f.pres.Set(f.a2.ID, true)
			if _, err := f.svc.Reply(f.ctx, f.a2, c.ID, conversation.MessageInput{Body: "Follow up next week", Note: true}); err != nil {
				t.Fatal(err)
			}
			// Someone without access to the inbox sees nothing.
			_, err = f.svc.Reply(f.ctx, f.outsider, c.ID, conversation.MessageInput{Body: "hi", Note: true})
			wantKind(t, err, errs.NotFound)
		})

		t.Run("a contact cannot read a note through its client id", func(t *testing.T) {
			c, from := f.started(t, f.web, "Sly")
			if _, err := f.svc.Reply(f.ctx, f.a1, c.ID, conversation.MessageInput{Body: "internal: refund approved", ClientID: "n-1", Note: true}); err != nil {
				t.Fatal(err)
			}
			_, m, err := f.svc.ContactWrites(f.ctx, from, conversation.MessageInput{Body: "guess", ClientID: "n-1"})
			if err == nil && strings.Contains(m.Body, "refund") {
				t.Fatalf("the contact got the note back as their own message: %+v", m)
			}
			wantCode(t, err, errs.Conflict, "client_id_taken")
			// Nor does an agent's reply come back as the visitor's message, or the other way round.
			_, err = f.svc.Reply(f.ctx, f.a1, c.ID, conversation.MessageInput{Body: "x", ClientID: "n-1"})
			if err != nil {
				t.Fatalf("the note's author retrying: %v", err)
			}
			_, err = f.svc.Reply(f.ctx, f.a2, c.ID, conversation.MessageInput{Body: "x", ClientID: "n-1", Note: true})
			wantCode(t, err, errs.Conflict, "client_id_taken")
			if n := f.messageCount(t, c.ID); n != 2 {
				t.Fatalf("%d entries, want 2", n)
			}
		})
	})
}

// visibleKinds renders entries as describe does, without its seq check (the contact's view has
// gaps where notes were).
func visibleKinds(msgs []conversation.Message) []string {
	out := []string{}
	for _, m := range msgs {
		if m.Kind == conversation.EventKind {
			out = append(out, "event:"+m.Event.Type)
		} else {
			out = append(out, string(m.SenderKind)+":"+string(m.Kind))
		}
	}
	return out
}

func TestAssign(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c, _ := f.started(t, f.web, "Ann")

		got, err := f.svc.Assign(f.ctx, f.admin, c.ID, conversation.AssignInput{UserID: f.a1.ID})
		if err != nil || got.AssigneeID != f.a1.ID {
			t.Fatalf("assign to a1: %+v, %v", got, err)
		}
		msgs := wantLog(t, f, c.ID, "visitor:text", "event:joined")
		if ev := msgs[1].Event; ev.ActorID != f.admin.ID || ev.UserID != f.a1.ID {
			t.Fatalf("joined event = %+v", ev)
		}
		got, err = f.svc.Assign(f.ctx, f.admin, c.ID, conversation.AssignInput{UserID: f.a2.ID})
		if err != nil || got.AssigneeID != f.a2.ID {
			t.Fatalf("reassign to a2: %+v, %v", got, err)
		}
		msgs = wantLog(t, f, c.ID, "visitor:text", "event:joined", "event:assigned")
		if ev := msgs[2].Event; ev.UserID != f.a2.ID || ev.UserName != f.a2.Name {
			t.Fatalf("assigned event = %+v", ev)
		}
		if f.conv(t, c.ID).AssigneeID != f.a2.ID {
			t.Fatal("assignee not stored")
		}

		// Assigning to whom it already is changes nothing.
		published := f.pub.count()
		if _, err := f.svc.Assign(f.ctx, f.admin, c.ID, conversation.AssignInput{UserID: f.a2.ID}); err != nil {
			t.Fatal(err)
		}
		f.unchanged(t, c.ID, f.conv(t, c.ID), published)

		// Not to someone unavailable, nor to someone outside the inbox, nor to nobody-known.
		f.pres.Set(f.a1.ID, false)
		before, published := f.conv(t, c.ID), f.pub.count()
		_, err = f.svc.Assign(f.ctx, f.admin, c.ID, conversation.AssignInput{UserID: f.a1.ID})
		wantCode(t, err, errs.Conflict, "assignee_unavailable")
		_, err = f.svc.AssignToMe(f.ctx, f.a1, c.ID)
		wantKind(t, err, errs.NotFound) // assigned to a2 in a private inbox: a1 does not see it
		f.pres.Set(f.a1.ID, true)
		_, err = f.svc.Assign(f.ctx, f.admin, c.ID, conversation.AssignInput{UserID: f.outsider.ID})
		wantCode(t, err, errs.Invalid, "assignee_no_access")
		_, err = f.svc.Assign(f.ctx, f.admin, c.ID, conversation.AssignInput{UserID: 999999})
		wantCode(t, err, errs.Invalid, "assignee_unknown")
		_, err = f.svc.Assign(f.ctx, f.admin, c.ID, conversation.AssignInput{TeamID: 999999})
		wantCode(t, err, errs.Invalid, "team_unknown")
		f.unchanged(t, c.ID, before, published)

		// Back to Unassigned.
		got, err = f.svc.Assign(f.ctx, f.admin, c.ID, conversation.AssignInput{})
		if err != nil || got.AssigneeID != 0 {
			t.Fatalf("unassign: %+v, %v", got, err)
		}
		wantLog(t, f, c.ID, "visitor:text", "event:joined", "event:assigned", "event:unassigned")
		if f.conv(t, c.ID).AssigneeID != 0 {
			t.Fatal("unassign not stored")
		}
		// Assign to me after that is "assigned", not a second "joined".
		if got, err = f.svc.AssignToMe(f.ctx, f.a1, c.ID); err != nil || got.AssigneeID != f.a1.ID {
			t.Fatalf("assign to me: %+v, %v", got, err)
		}
		wantLog(t, f, c.ID, "visitor:text", "event:joined", "event:assigned", "event:unassigned", "event:assigned")
		// Nobody can take it while unavailable, not even themselves.
		f.pres.Set(f.a2.ID, false)
		// "Assign to me" does not take a conversation over from a colleague; the drop-down does.
		_, err = f.svc.AssignToMe(f.ctx, f.admin, c.ID)
		wantCode(t, err, errs.Conflict, "already_assigned")
		if _, err = f.svc.Assign(f.ctx, f.admin, c.ID, conversation.AssignInput{UserID: f.admin.ID}); err != nil {
			t.Fatal(err)
		}
		c2, _ := f.started(t, f.web, "Ben")
		_, err = f.svc.AssignToMe(f.ctx, f.a2, c2.ID)
		wantCode(t, err, errs.Conflict, "you_unavailable")
		f.pres.Set(f.a2.ID, true)

		// Teams.
		team := &auth.Team{Name: "Billing", MemberIDs: []int64{f.a1.ID}, CreatedAt: 1, UpdatedAt: 1}
		if err := db.CreateTeam(f.ctx, team); err != nil {
			t.Fatal(err)
		}
		got, err = f.svc.Assign(f.ctx, f.a1, c2.ID, conversation.AssignInput{TeamID: team.ID})
		if err != nil || got.TeamID != team.ID || got.AssigneeID != 0 {
			t.Fatalf("assign to team: %+v, %v", got, err)
		}
		msgs = wantLog(t, f, c2.ID, "visitor:text", "event:assigned")
		if msgs[1].Event.TeamID != team.ID {
			t.Fatalf("team event = %+v", msgs[1].Event)
		}
		got, err = f.svc.Assign(f.ctx, f.a1, c2.ID, conversation.AssignInput{TeamID: team.ID, UserID: f.a1.ID})
		if err != nil || got.TeamID != team.ID || got.AssigneeID != f.a1.ID {
			t.Fatalf("assign to team and user: %+v, %v", got, err)
		}
		wantLog(t, f, c2.ID, "visitor:text", "event:assigned", "event:joined")
		if s := f.conv(t, c2.ID); s.TeamID != team.ID || s.AssigneeID != f.a1.ID {
			t.Fatalf("stored %+v", s)
		}

		// A closed conversation is not reassigned.
		if _, err := f.svc.Close(f.ctx, f.a1, c2.ID); err != nil {
			t.Fatal(err)
		}
		before, published = f.conv(t, c2.ID), f.pub.count()
		_, err = f.svc.Assign(f.ctx, f.admin, c2.ID, conversation.AssignInput{UserID: f.a2.ID})
		wantCode(t, err, errs.Conflict, "conversation_closed")
		_, err = f.svc.Assign(f.ctx, f.admin, c2.ID, conversation.AssignInput{})
		wantCode(t, err, errs.Conflict, "conversation_closed")
		f.unchanged(t, c2.ID, before, published)
	})
}

func TestAssignToMeRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, ib := range []*inbox.Inbox{f.web, f.email} {
			t.Run(string(ib.Kind), func(t *testing.T) {
				for round := range 5 {
					c, _ := f.started(t, ib, fmt.Sprintf("Racer %d", round))
					racers := []*auth.User{f.a1, f.a2}
					results := make([]error, len(racers))
					var wg sync.WaitGroup
					for i, u := range racers {
						wg.Go(func() { _, results[i] = f.svc.AssignToMe(f.ctx, u, c.ID) })
					}
					wg.Wait()
					won := 0
					for i, err := range results {
						switch {
						case err == nil:
							won++
						case ib.Visibility == inbox.Private && errs.Is(err, errs.NotFound):
							// The other took it first and it is now hidden from this agent.
						case errs.Is(err, errs.Conflict):
							// The other took it first: "Assign to me" does not take it over.
						default:
							t.Fatalf("%s: %v", racers[i].Name, err)
						}
					}
					if won != 1 {
						t.Fatalf("%d agents took the conversation, want exactly one", won)
					}
					got := f.conv(t, c.ID)
					if got.AssigneeID != f.a1.ID && got.AssigneeID != f.a2.ID {
						t.Fatalf("assignee %d, want one of the racers", got.AssigneeID)
					}
					msgs := f.log(t, c.ID)
					joined := 0
					for _, m := range describe(t, msgs) {
						if m == "event:joined" {
							joined++
						}
					}
					if joined != 1 || int64(len(msgs)) != got.LastSeq || len(msgs) != 1+won {
						t.Fatalf("log %v after %d wins, want exactly one joined", describe(t, msgs), won)
					}
					if last := msgs[len(msgs)-1].Event; last.UserID != got.AssigneeID {
						t.Fatalf("last assignment event %+v disagrees with assignee %d", last, got.AssigneeID)
					}
				}
			})
		}
	})
}

func ids(cs []conversation.Conversation) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	slices.Sort(out)
	return out
}

func sorted(v ...int64) []int64 {
	slices.Sort(v)
	return v
}

func TestListFolders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		w1, _ := f.started(t, f.web, "W1 unassigned")
		w2, w2from := f.started(t, f.web, "W2 mine")
		w3, _ := f.started(t, f.web, "W3 Bob's")
		w4, _ := f.started(t, f.web, "W4 closed")
		e1, _ := f.started(t, f.email, "E1 Bob's")
		e2, _ := f.started(t, f.email, "E2 unassigned")
		for _, a := range []struct {
			c *conversation.Conversation
			u *auth.User
		}{{w2, f.a1}, {w3, f.a2}, {w4, f.a2}, {e1, f.a2}} {
			if _, err := f.svc.AssignToMe(f.ctx, a.u, a.c.ID); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.Close(f.ctx, f.a2, w4.ID); err != nil {
			t.Fatal(err)
		}

		type want map[conversation.Folder][]int64
		cases := []struct {
			user  *auth.User
			inbox int64
			want  want
		}{
			{f.a1, 0, want{
				conversation.FolderUnassigned: sorted(w1.ID, e2.ID),
				conversation.FolderMine:       sorted(w2.ID),
				conversation.FolderOthers:     sorted(e1.ID), // w3 is hidden: private inbox
				conversation.FolderOpen:       sorted(w1.ID, w2.ID, e1.ID, e2.ID),
				conversation.FolderClosed:     sorted(w4.ID),
			}},
			{f.a2, 0, want{
				conversation.FolderUnassigned: sorted(w1.ID, e2.ID),
				conversation.FolderMine:       sorted(w3.ID, e1.ID),
				conversation.FolderOthers:     {},
				conversation.FolderOpen:       sorted(w1.ID, w3.ID, e1.ID, e2.ID),
				conversation.FolderClosed:     sorted(w4.ID),
			}},
			{f.admin, 0, want{
				conversation.FolderUnassigned: sorted(w1.ID, e2.ID),
				conversation.FolderMine:       {},
				conversation.FolderOthers:     sorted(w2.ID, w3.ID, e1.ID),
				conversation.FolderOpen:       sorted(w1.ID, w2.ID, w3.ID, e1.ID, e2.ID),
				conversation.FolderClosed:     sorted(w4.ID),
			}},
			{f.owner, f.web.ID, want{
				conversation.FolderOthers: sorted(w2.ID, w3.ID),
				conversation.FolderOpen:   sorted(w1.ID, w2.ID, w3.ID),
			}},
			{f.a1, f.web.ID, want{
				conversation.FolderOpen: sorted(w1.ID, w2.ID),
			}},
			{f.outsider, 0, want{
				conversation.FolderUnassigned: {},
				conversation.FolderOthers:     {},
				conversation.FolderOpen:       {},
				conversation.FolderClosed:     {},
			}},
		}
		for _, tc := range cases {
			for folder, wantIDs := range tc.want {
				got, err := f.svc.List(f.ctx, tc.user, folder, tc.inbox, 0, 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(ids(got), wantIDs) {
					t.Errorf("%s, %s, inbox %d: got %v, want %v", tc.user.Name, folder, tc.inbox, ids(got), wantIDs)
				}
				// What List shows, Get agrees the user may see.
				for _, c := range got {
					if _, _, err := f.svc.Get(f.ctx, tc.user, c.ID); err != nil {
						t.Errorf("%s lists %d but Get says %v", tc.user.Name, c.ID, err)
					}
				}
			}
		}
		if _, _, err := f.svc.Get(f.ctx, f.a1, w3.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("a1 Get of Bob's private conversation: %v, want not found", err)
		}
		_, err := f.svc.List(f.ctx, f.a1, "junk", 0, 0, 0, 0)
		wantCode(t, err, errs.Invalid, "folder_invalid")

		// Unread counts: the contact's messages after the user's read cursor.
		unread := func(u *auth.User, folder conversation.Folder, id int64) int {
			t.Helper()
			list, err := f.svc.List(f.ctx, u, folder, 0, 0, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range list {
				if c.ID == id {
					return c.Unread
				}
			}
			t.Fatalf("%d not in %s's %s", id, u.Name, folder)
			return 0
		}
		if _, err := f.svc.Reply(f.ctx, f.a1, w2.ID, conversation.MessageInput{Body: "Hi!"}); err != nil {
			t.Fatal(err)
		}
		_, m2 := f.write(t, w2from, "Question two", "")
		_, m3 := f.write(t, w2from, "Question three", "")
		if n := unread(f.a1, conversation.FolderMine, w2.ID); n != 3 {
			t.Fatalf("a1 unread %d, want 3", n)
		}
		if n := unread(f.admin, conversation.FolderOthers, w2.ID); n != 3 {
			t.Fatalf("admin unread %d, want 3", n)
		}
		if err := f.svc.MarkRead(f.ctx, f.a1, w2.ID, m2.Seq); err != nil {
			t.Fatal(err)
		}
		if n := unread(f.a1, conversation.FolderMine, w2.ID); n != 1 {
			t.Fatalf("a1 unread after reading to %d: %d, want 1", m2.Seq, n)
		}
		if n := unread(f.admin, conversation.FolderOthers, w2.ID); n != 3 {
			t.Fatalf("a1's cursor moved the admin's count: %d", n)
		}
		if err := f.svc.MarkRead(f.ctx, f.a1, w2.ID, 1); err != nil {
			t.Fatal(err)
		}
		if n := unread(f.a1, conversation.FolderMine, w2.ID); n != 1 {
			t.Fatalf("the cursor moved back: unread %d, want 1", n)
		}
		if err := f.svc.MarkRead(f.ctx, f.a1, w2.ID, 1<<40); err != nil {
			t.Fatal(err)
		}
		var cursor int64
		if err := db.Reader().QueryRowContext(f.ctx, "SELECT last_read_seq FROM read_cursors WHERE conversation_id = $1 AND user_id = $2", w2.ID, f.a1.ID).Scan(&cursor); err != nil {
			t.Fatal(err)
		}
		if cursor != m3.Seq {
			t.Fatalf("cursor %d after reading past the end, want the last seq %d", cursor, m3.Seq)
		}
		if n := unread(f.a1, conversation.FolderMine, w2.ID); n != 0 {
			t.Fatalf("unread %d after reading all", n)
		}
		// One may not mark read what one may not see.
		wantKind(t, f.svc.MarkRead(f.ctx, f.a1, w3.ID, 1), errs.NotFound)
	})
}

func TestListPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var all []int64
		for i := range 11 {
			c, _ := f.started(t, f.email, fmt.Sprintf("Pager %d", i))
			all = append(all, c.ID)
		}
		// Ties in last activity, which the id breaks.
		if _, err := db.Writer().ExecContext(f.ctx, "UPDATE conversations SET last_message_at = 5000 WHERE id IN ($1, $2, $3, $4)", all[2], all[3], all[4], all[7]); err != nil {
			t.Fatal(err)
		}
		full, err := f.svc.List(f.ctx, f.a1, conversation.FolderOpen, 0, 0, 0, 200)
		if err != nil || len(full) != len(all) {
			t.Fatalf("full list: %d, %v", len(full), err)
		}
		for i := 1; i < len(full); i++ {
			a, b := full[i-1], full[i]
			if a.LastMessageAt < b.LastMessageAt || (a.LastMessageAt == b.LastMessageAt && a.ID < b.ID) {
				t.Fatalf("not newest first at %d: %+v then %+v", i, a, b)
			}
		}
		for _, size := range []int{1, 3, 4} {
			var paged []int64
			var before, beforeID int64
			for range 20 {
				page, err := f.svc.List(f.ctx, f.a1, conversation.FolderOpen, 0, before, beforeID, size)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) > size {
					t.Fatalf("page of %d, limit %d", len(page), size)
				}
				for _, c := range page {
					paged = append(paged, c.ID)
				}
				if len(page) < size {
					break
				}
				last := page[len(page)-1]
				before, beforeID = last.LastMessageAt, last.ID
			}
			want := make([]int64, len(full))
			for i, c := range full {
				want[i] = c.ID
			}
			if !slices.Equal(paged, want) {
				t.Fatalf("pages of %d gave %v, want %v", size, paged, want)
			}
		}
	})
}

func TestCloseAndReopen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)

		t.Run("private and final", func(t *testing.T) {
			c, from := f.started(t, f.web, "Fin")
			before, published := f.conv(t, c.ID), f.pub.count()
			_, err := f.svc.Close(f.ctx, f.a2, c.ID) // unassigned: a member who is not the assignee
			wantKind(t, err, errs.Forbidden)
			f.unchanged(t, c.ID, before, published)
			if _, err := f.svc.AssignToMe(f.ctx, f.a1, c.ID); err != nil {
				t.Fatal(err)
			}
			_, err = f.svc.Close(f.ctx, f.a2, c.ID) // now hidden from a2 as well
			wantKind(t, err, errs.NotFound)

			got, err := f.svc.Close(f.ctx, f.a1, c.ID)
			if err != nil || got.Status != conversation.Closed || got.ClosedAt == 0 {
				t.Fatalf("close by the assignee: %+v, %v", got, err)
			}
			stored := f.conv(t, c.ID)
			if stored.Status != conversation.Closed || stored.ClosedAt == 0 || stored.AssigneeID != f.a1.ID {
				t.Fatalf("stored after close: %+v", stored)
			}
			wantLog(t, f, c.ID, "visitor:text", "event:joined", "event:closed")
			// Closed conversations are visible to every member.
			if _, _, err := f.svc.Get(f.ctx, f.a2, c.ID); err != nil {
				t.Fatalf("a2 Get of a closed conversation: %v", err)
			}

			before, published = f.conv(t, c.ID), f.pub.count()
			_, err = f.svc.Close(f.ctx, f.a1, c.ID)
			wantCode(t, err, errs.Conflict, "already_closed")
			_, err = f.svc.Reopen(f.ctx, f.admin, c.ID)
			wantCode(t, err, errs.Conflict, "closed_is_final")
			f.unchanged(t, c.ID, before, published)

			// The contact writes again: a new conversation, the old one stays closed.
			nc, m := f.write(t, from, "Me again", "")
			if nc.ID == c.ID || m.Seq != 1 || nc.Status != conversation.Open || nc.AssigneeID != 0 {
				t.Fatalf("after a final close the contact's message went to %+v (seq %d)", nc, m.Seq)
			}
			wantLog(t, f, nc.ID, "visitor:text")
			if f.conv(t, c.ID).Status != conversation.Closed || f.messageCount(t, c.ID) != 3 {
				t.Fatal("the closed conversation changed")
			}
			// An admin may close what is not theirs.
			if _, err := f.svc.Close(f.ctx, f.owner, nc.ID); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("shared and reopen", func(t *testing.T) {
			c, from := f.started(t, f.email, "Rea")
			if _, err := f.svc.AssignToMe(f.ctx, f.a1, c.ID); err != nil {
				t.Fatal(err)
			}
			// In a shared inbox any member may close.
			if _, err := f.svc.Close(f.ctx, f.a2, c.ID); err != nil {
				t.Fatal(err)
			}
			_, err := f.svc.Close(f.ctx, f.outsider, c.ID)
			wantKind(t, err, errs.NotFound)
			got, err := f.svc.Reopen(f.ctx, f.a2, c.ID)
			if err != nil || got.Status != conversation.Open || got.AssigneeID != f.a1.ID || got.ClosedAt != 0 {
				t.Fatalf("reopen: %+v, %v", got, err)
			}
			if s := f.conv(t, c.ID); s.Status != conversation.Open || s.ClosedAt != 0 || s.AssigneeID != f.a1.ID {
				t.Fatalf("stored after reopen: %+v", s)
			}
			msgs := wantLog(t, f, c.ID, "visitor:text", "event:joined", "event:closed", "event:reopened")
			if ev := msgs[3].Event; ev.Auto || ev.ActorID != f.a2.ID {
				t.Fatalf("reopened event = %+v", ev)
			}
			_, err = f.svc.Reopen(f.ctx, f.a2, c.ID)
			wantCode(t, err, errs.Conflict, "not_closed")

			// Reopened while the assignee is away: back to Unassigned.
			if _, err := f.svc.Close(f.ctx, f.a1, c.ID); err != nil {
				t.Fatal(err)
			}
			f.pres.Set(f.a1.ID, false)
			got, err = f.svc.Reopen(f.ctx, f.admin, c.ID)
			if err != nil || got.AssigneeID != 0 || got.Status != conversation.Open {
				t.Fatalf("reopen with the assignee away: %+v, %v", got, err)
			}
			msgs = wantLog(t, f, c.ID, "visitor:text", "event:joined", "event:closed", "event:reopened",
				"event:closed", "event:reopened", "event:unassigned")
			if !msgs[6].Event.Auto {
				t.Fatalf("unassigned event = %+v, want auto", msgs[6].Event)
			}
			if s := f.conv(t, c.ID); s.AssigneeID != 0 {
				t.Fatalf("stored assignee %d, want none", s.AssigneeID)
			}
			f.pres.Set(f.a1.ID, true)

			// The contact writes to a closed conversation: reopened by itself, assignee kept.
			if _, err := f.svc.AssignToMe(f.ctx, f.a2, c.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Close(f.ctx, f.a2, c.ID); err != nil {
				t.Fatal(err)
			}
			seq := f.conv(t, c.ID).LastSeq
			nc, m := f.write(t, from, "One more thing", "")
			if nc.ID != c.ID || nc.Status != conversation.Open || nc.AssigneeID != f.a2.ID || m.Seq != seq+2 {
				t.Fatalf("contact wrote to a closed reopen conversation: %+v, seq %d", nc, m.Seq)
			}
			all := describe(t, f.log(t, c.ID))
			if tail := all[len(all)-2:]; !slices.Equal(tail, []string{"event:reopened", "visitor:text"}) {
				t.Fatalf("log ends %v", tail)
			}
			if s := f.conv(t, c.ID); s.Status != conversation.Open || s.AssigneeID != f.a2.ID || s.ClosedAt != 0 {
				t.Fatalf("stored %+v", s)
			}

			// And with the assignee away, to Unassigned.
			if _, err := f.svc.Close(f.ctx, f.a2, c.ID); err != nil {
				t.Fatal(err)
			}
			f.pres.Set(f.a2.ID, false)
			nc, _ = f.write(t, from, "Hello?", "")
			f.pres.Set(f.a2.ID, true)
			if nc.ID != c.ID || nc.AssigneeID != 0 || f.conv(t, c.ID).AssigneeID != 0 {
				t.Fatalf("reopened by the contact with the assignee away: %+v", nc)
			}
			all = describe(t, f.log(t, c.ID))
			if tail := all[len(all)-3:]; !slices.Equal(tail, []string{"event:reopened", "event:unassigned", "visitor:text"}) {
				t.Fatalf("log ends %v", tail)
			}
			list, err := f.svc.List(f.ctx, f.a1, conversation.FolderUnassigned, f.email.ID, 0, 0, 0)
			if err != nil || !slices.Contains(ids(list), c.ID) {
				t.Fatalf("not in Unassigned: %v, %v", ids(list), err)
			}
			if n := f.count(t, "SELECT COUNT(*) FROM conversations WHERE contact_id = $1", from.ContactID); n != 1 {
				t.Fatalf("%d conversations, want 1", n)
			}
		})
	})
}

func TestDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		contactID := f.contact(t, "Del")
		vid := f.visitor(t, contactID)
		from := conversation.From{Inbox: f.web, ContactID: contactID, VisitorID: vid, Name: "Del"}
		c, _ := f.write(t, from, "Please forget me", "d1")
		if _, err := f.svc.Reply(f.ctx, f.a1, c.ID, conversation.MessageInput{Body: "Sure"}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.MarkRead(f.ctx, f.a1, c.ID, 3); err != nil {
			t.Fatal(err)
		}
		c = f.conv(t, c.ID)
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Writer().ExecContext(f.ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		pv := "INSERT INTO page_views (visitor_id, url, at) VALUES ($1, $2, $3)"
		exec(pv, vid, "https://example.com/a", c.LastMessageAt-1000)
		exec(pv, vid, "https://example.com/b", c.LastMessageAt)
		exec(pv, vid, "https://example.com/later", c.LastMessageAt+60_000)
		// Jobs about the conversation name it, whatever their key (the live chat timer's is
		// "<id>:<card>"); another conversation's and a finished one stay as they are.
		spec := func(kind, key string, conv int64) jobs.Spec {
			return jobs.Spec{Kind: kind, UniqueKey: key, ConversationID: conv, MaxAttempts: 5}
		}
		other, _ := f.started(t, f.web, "Other")
		if err := db.Emit(f.ctx, store.Unit{Jobs: []jobs.Spec{
			spec("waiting_timer", fmt.Sprintf("%d:crd_live", c.ID), c.ID),
			spec("email_transcript", "", c.ID),
			spec("channel_send", fmt.Sprintf("%d:42", c.ID), c.ID),
			spec("other", fmt.Sprintf("%d:crd_live", other.ID), other.ID),
			spec("done", "", c.ID),
		}}); err != nil {
			t.Fatal(err)
		}
		exec("UPDATE jobs SET state = 'running' WHERE kind = 'channel_send'")
		exec("UPDATE jobs SET state = 'completed' WHERE kind = 'done'")

		var err error
		before, published := f.conv(t, c.ID), f.pub.count()
		wantKind(t, f.svc.Delete(f.ctx, f.owner, c.ID), errs.Forbidden) // the owner, but not the installer
		if err := f.svc.Delete(f.ctx, f.a2, c.ID); !errs.Is(err, errs.Forbidden) && !errs.Is(err, errs.NotFound) {
			t.Fatalf("delete by an agent: %v", err)
		}
		wantKind(t, f.svc.Delete(f.ctx, f.outsider, c.ID), errs.NotFound)
		f.unchanged(t, c.ID, before, published)

		if err := f.svc.Delete(f.ctx, f.admin, c.ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.ConversationByID(f.ctx, c.ID)
		wantKind(t, err, errs.NotFound)
		_, _, err = f.svc.Get(f.ctx, f.admin, c.ID)
		wantKind(t, err, errs.NotFound)
		if n := f.messageCount(t, c.ID); n != 0 {
			t.Fatalf("%d messages left", n)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM read_cursors WHERE conversation_id = $1", c.ID); n != 0 {
			t.Fatalf("%d read cursors left", n)
		}
		jobState := func(kind string) string {
			var s string
			var finished *int64
			if err := db.Reader().QueryRowContext(f.ctx, "SELECT state, finished_at FROM jobs WHERE kind = $1", kind).Scan(&s, &finished); err != nil {
				t.Fatal(err)
			}
			if s == "cancelled" && (finished == nil || *finished <= 1) {
				t.Fatalf("job %s cancelled with finished_at %v", kind, derefOr(finished))
			}
			return s
		}
		for kind, want := range map[string]string{"waiting_timer": "cancelled", "email_transcript": "cancelled", "channel_send": "cancelled",
			"other": "available", "done": "completed"} {
			if got := jobState(kind); got != want {
				t.Errorf("job %s is %s, want %s", kind, got, want)
			}
		}
		var urls []string
		rows, err := db.Reader().QueryContext(f.ctx, "SELECT url FROM page_views WHERE visitor_id = $1 ORDER BY at", vid)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var u string
			if err := rows.Scan(&u); err != nil {
				t.Fatal(err)
			}
			urls = append(urls, u)
		}
		rows.Close()
		if !slices.Equal(urls, []string{"https://example.com/later"}) {
			t.Fatalf("page views left: %v", urls)
		}
		if _, err := db.ContactByID(f.ctx, contactID); err != nil {
			t.Fatalf("the contact went too: %v", err)
		}
		changes := f.pub.since(published)
		if len(changes) != 1 || !changes[0].Deleted || changes[0].Conversation.ID != c.ID {
			t.Fatalf("published %+v, want one deletion", changes)
		}
		_, _, err = f.svc.ContactConversation(f.ctx, from, 0, 0)
		wantKind(t, err, errs.NotFound)
		wantKind(t, f.svc.Delete(f.ctx, f.admin, c.ID), errs.NotFound)

		// The contact writes again (even retrying the old client id): a new conversation with
		// only the new message.
		nc, m := f.write(t, from, "Hello again", "d1")
		if m.Seq != 1 || m.Body != "Hello again" || nc.LastSeq != 1 {
			t.Fatalf("after delete: conversation %+v, message %+v", nc, m)
		}
		wantLog(t, f, nc.ID, "visitor:text")
		_, msgs, err := f.svc.ContactConversation(f.ctx, from, 0, 0)
		if err != nil || len(msgs) != 1 || msgs[0].Body != "Hello again" {
			t.Fatalf("the widget sees %+v, %v", msgs, err)
		}

		// Clients keep (conversation, last seq) to resume: a new conversation must not take the
		// deleted one's id, or a widget that had seen seq 3 of it would ask for seq > 3 and miss
		// the new messages.
		if nc.ID == c.ID {
			t.Fatalf("the new conversation took the deleted one's id %d", c.ID)
		}
	})
}

const card = "4111 1111 1111 1111"

func TestCardNumbersAreMasked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		published := f.pub.count()
		from := f.from(f.web, f.contact(t, "Payer"))
		c, m := f.write(t, from, "my card is "+card+" thanks", "")
		if strings.Contains(m.Body, card) || !strings.Contains(m.Body, "•••• •••• •••• 1111") {
			t.Fatalf("returned body %q", m.Body)
		}
		r, err := f.svc.Reply(f.ctx, f.a1, c.ID, conversation.MessageInput{Body: "Did you mean " + card + "?"})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(r.Body, card) {
			t.Fatalf("returned reply %q", r.Body)
		}
		if _, err := f.svc.Reply(f.ctx, f.a1, c.ID, conversation.MessageInput{Body: "note: " + strings.ReplaceAll(card, " ", "-"), Note: true}); err != nil {
			t.Fatal(err)
		}
		// Groups too far apart to be one card in the message, but which the preview's collapsing
		// of white space would join into one.
		_, m4 := f.write(t, from, "4111 1111\n\n\n\n1111 1111", "")
		if m4.Body != "4111 1111\n\n\n\n1111 1111" {
			t.Fatalf("the message itself is no card, yet was changed: %q", m4.Body)
		}
		preview := f.conv(t, c.ID).Preview
		if strings.Contains(preview, card) {
			t.Fatalf("preview %q shows a card number", preview)
		}

		rows, err := db.Reader().QueryContext(f.ctx, "SELECT body FROM messages WHERE conversation_id = $1 ORDER BY seq", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var bodies []string
		for rows.Next() {
			var b string
			if err := rows.Scan(&b); err != nil {
				t.Fatal(err)
			}
			bodies = append(bodies, b)
		}
		rows.Close()
		for _, b := range bodies {
			digits := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, b)
			if strings.Contains(digits, "4111111111111111") && !strings.Contains(b, "\n\n\n\n") {
				t.Fatalf("stored body %q holds the card number", b)
			}
		}
		if !slices.ContainsFunc(bodies, func(b string) bool { return strings.Contains(b, "••••-••••-••••-1111") }) {
			t.Fatalf("stored bodies %q: the note is not masked", bodies)
		}
		// Every change on the wire is free of it too.
		f.pub.mu.Lock()
		wire := slices.Clone(f.pub.wire[published:])
		f.pub.mu.Unlock()
		for _, w := range wire {
			if strings.Contains(w, card) || strings.Contains(w, strings.ReplaceAll(card, " ", "-")) || strings.Contains(w, "4111111111111111") {
				t.Fatalf("published %s", w)
			}
		}
		// The preview set by a masked message shows the mask.
		f.write(t, from, "again "+card, "")
		if p := f.conv(t, c.ID).Preview; p != "again •••• •••• •••• 1111" {
			t.Fatalf("preview %q", p)
		}
	})
}

func TestPublishedChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		from := f.from(f.web, f.contact(t, "Pub"))
		step := func(name string, do func() error, wantSeqs ...int64) {
			t.Helper()
			n := f.pub.count()
			if err := do(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			changes := f.pub.since(n)
			if len(changes) != 1 {
				t.Fatalf("%s published %d changes, want 1", name, len(changes))
			}
			ch := changes[0]
			var seqs []int64
			for _, m := range ch.Messages {
				if m.ID == 0 || m.ConversationID != ch.Conversation.ID {
					t.Fatalf("%s published an unsaved entry %+v", name, m)
				}
				seqs = append(seqs, m.Seq)
			}
			if !slices.Equal(seqs, wantSeqs) || ch.Conversation.LastSeq != wantSeqs[len(wantSeqs)-1] {
				t.Fatalf("%s published seqs %v (last_seq %d), want %v", name, seqs, ch.Conversation.LastSeq, wantSeqs)
			}
			if stored := f.conv(t, ch.Conversation.ID); stored.LastSeq != ch.Conversation.LastSeq || stored.Status != ch.Conversation.Status ||
				stored.AssigneeID != ch.Conversation.AssigneeID {
				t.Fatalf("%s published %+v, stored %+v", name, ch.Conversation, stored)
			}
		}
		refused := func(name string, do func() error) {
			t.Helper()
			n := f.pub.count()
			if err := do(); err == nil {
				t.Fatalf("%s: no error", name)
			}
			if f.pub.count() != n {
				t.Fatalf("%s was refused but published", name)
			}
		}
		var id int64
		step("first message", func() error {
			c, _, err := f.svc.ContactWrites(f.ctx, from, conversation.MessageInput{Body: "hi", ClientID: "p1"})
			if c != nil {
				id = c.ID
			}
			return err
		}, 1)
		step("reply that takes", func() error {
			_, err := f.svc.Reply(f.ctx, f.a1, id, conversation.MessageInput{Body: "hello"})
			return err
		}, 2, 3)
		step("note", func() error {
			_, err := f.svc.Reply(f.ctx, f.a1, id, conversation.MessageInput{Body: "n", Note: true})
			return err
		}, 4)
		step("reassign", func() error {
			_, err := f.svc.Assign(f.ctx, f.a1, id, conversation.AssignInput{UserID: f.a2.ID})
			return err
		}, 5)
		refused("reply by a hidden agent", func() error {
			_, err := f.svc.Reply(f.ctx, f.a1, id, conversation.MessageInput{Body: "x"})
			return err
		})
		refused("assign to an outsider", func() error {
			_, err := f.svc.Assign(f.ctx, f.admin, id, conversation.AssignInput{UserID: f.outsider.ID})
			return err
		})
		refused("empty message", func() error {
			_, _, err := f.svc.ContactWrites(f.ctx, from, conversation.MessageInput{Body: ""})
			return err
		})
		refused("rate an open conversation", func() error {
			_, err := f.svc.Rate(f.ctx, from, id, 5, "")
			return err
		})
		n := f.pub.count()
		if _, _, err := f.svc.ContactWrites(f.ctx, from, conversation.MessageInput{Body: "hi", ClientID: "p1"}); err != nil {
			t.Fatal(err)
		}
		if f.pub.count() != n {
			t.Fatal("a retried send was published")
		}
		step("close", func() error {
			_, err := f.svc.Close(f.ctx, f.a2, id)
			return err
		}, 6)
		refused("close again", func() error {
			_, err := f.svc.Close(f.ctx, f.a2, id)
			return err
		})
		refused("reopen in a final inbox", func() error {
			_, err := f.svc.Reopen(f.ctx, f.admin, id)
			return err
		})
		step("rate", func() error {
			_, err := f.svc.Rate(f.ctx, from, id, 4, "")
			return err
		}, 7)
		// Reads publish nothing.
		n = f.pub.count()
		if err := f.svc.MarkRead(f.ctx, f.a2, id, 7); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.ContactMarkRead(f.ctx, from, id, 7); err != nil {
			t.Fatal(err)
		}
		if f.pub.count() != n {
			t.Fatal("marking read published a change")
		}
		if got := f.conv(t, id).ContactReadSeq; got != 7 {
			t.Fatalf("contact_read_seq %d, want 7", got)
		}
	})
}

func TestRate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c, from := f.started(t, f.web, "Rater")
		before, published := f.conv(t, c.ID), f.pub.count()
		_, err := f.svc.Rate(f.ctx, from, c.ID, 5, "")
		wantCode(t, err, errs.Conflict, "not_closed")
		f.unchanged(t, c.ID, before, published)
		if _, err := f.svc.Close(f.ctx, f.admin, c.ID); err != nil {
			t.Fatal(err)
		}
		before, published = f.conv(t, c.ID), f.pub.count()
		for _, bad := range []int{0, 6, -1} {
			_, err := f.svc.Rate(f.ctx, from, c.ID, bad, "")
			wantCode(t, err, errs.Invalid, "rating_invalid")
		}
		other := f.from(f.web, f.contact(t, "Someone else"))
		_, err = f.svc.Rate(f.ctx, other, c.ID, 1, "")
		wantKind(t, err, errs.NotFound)
		_, err = f.svc.Rate(f.ctx, f.from(f.email, from.ContactID), c.ID, 1, "")
		wantKind(t, err, errs.NotFound)
		f.unchanged(t, c.ID, before, published)

		_, err = f.svc.Rate(f.ctx, from, c.ID, 4, strings.Repeat("é", conversation.MaxRatingComment+1))
		wantCode(t, err, errs.Invalid, "comment_too_long")
		f.unchanged(t, c.ID, before, published)

		got, err := f.svc.Rate(f.ctx, from, c.ID, 4, "  Quick and kind, thank you \n")
		if err != nil || got.Rating != 4 {
			t.Fatalf("rate: %+v, %v", got, err)
		}
		if s := f.conv(t, c.ID); s.Rating != 4 || s.Status != conversation.Closed {
			t.Fatalf("stored %+v", s)
		}
		msgs := wantLog(t, f, c.ID, "visitor:text", "event:closed", "event:rated")
		if msgs[2].Event.Rating != 4 || msgs[2].Event.Comment != "Quick and kind, thank you" {
			t.Fatalf("rated event %+v", msgs[2].Event)
		}
		// The conversation.rated event carries the rating and its comment.
		ev, err := conversation.LogEvent(&msgs[2], c.InboxID)
		if err != nil {
			t.Fatal(err)
		}
		var line conversation.LineData
		if err := json.Unmarshal(ev.Data, &line); err != nil || ev.Type != event.ConversationRated || line.Rating != 4 || line.Comment != "Quick and kind, thank you" {
			t.Fatalf("event %s %s: %v", ev.Type, ev.Data, err)
		}
		// The contact does not see the rating line in their log; agents do.
		_, seen, err := f.svc.ContactConversation(f.ctx, from, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := visibleKinds(seen); !slices.Equal(got, []string{"visitor:text", "event:closed"}) {
			t.Fatalf("the contact sees %v", got)
		}
	})
}

// The widget resumes from its last seq. Entries it may not see must not hide the ones after them.
func TestContactResumesPastNotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c, from := f.started(t, f.web, "Patient")
		for i := range 12 {
			if _, err := f.svc.Reply(f.ctx, f.a1, c.ID, conversation.MessageInput{Body: fmt.Sprintf("note %d", i), Note: true}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.Reply(f.ctx, f.a1, c.ID, conversation.MessageInput{Body: "Here is your answer"}); err != nil {
			t.Fatal(err)
		}
		_, msgs, err := f.svc.ContactConversation(f.ctx, from, 1, 5)
		if err != nil {
			t.Fatal(err)
		}
		if got := visibleKinds(msgs); !slices.Equal(got, []string{"event:joined", "agent:text"}) {
			t.Fatalf("resuming after seq 1 the contact gets %v, want the join and the answer", got)
		}
		// The latest page, too, is filled with what the contact may see.
		_, msgs, err = f.svc.ContactConversation(f.ctx, from, 0, 2)
		if err != nil {
			t.Fatal(err)
		}
		if got := visibleKinds(msgs); !slices.Equal(got, []string{"event:joined", "agent:text"}) {
			t.Fatalf("the latest page is %v", got)
		}
		_, msgs, err = f.svc.ContactConversation(f.ctx, from, 0, 3)
		if err != nil {
			t.Fatal(err)
		}
		if got := visibleKinds(msgs); !slices.Equal(got, []string{"visitor:text", "event:joined", "agent:text"}) {
			t.Fatalf("the latest page is %v", got)
		}
	})
}

func derefOr(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// A retried send (same client id) is answered with the conversation as it is: not with the seq of
// the update the store made and rolled back when it found the client id taken.
func TestRetriedSendAnswersTheCommittedSeq(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		from := f.from(f.web, f.contact(t, "Retry"))
		c1, m1 := f.write(t, from, "Hello", "same")
		c2, m2 := f.write(t, from, "Hello", "same")
		if m2.ID != m1.ID {
			t.Fatalf("the retry stored a second message: %d and %d", m1.ID, m2.ID)
		}
		if stored := f.conv(t, c1.ID); c2.LastSeq != stored.LastSeq || c2.LastSeq != 1 {
			t.Fatalf("the retry answered last_seq %d; the conversation's is %d", c2.LastSeq, stored.LastSeq)
		}
	})
}

// noAccessReads is the store, except that reading who works where fails the test: the answers
// that must come from memory.
type noAccessReads struct {
	*store.DB
	t *testing.T
}

func (r noAccessReads) IsInboxMember(context.Context, int64, int64) (bool, error) {
	r.t.Error("IsInboxMember read from the database")
	return false, nil
}

func (r noAccessReads) UserByID(context.Context, int64) (*auth.User, error) {
	r.t.Error("UserByID read from the database")
	return nil, errs.E(errs.NotFound, "no")
}

// The agents available in an inbox are its available members (an admin who is not a member does
// not count, as the live chat card decides), counted from memory: a visitor connecting costs no
// query per online agent.
func TestAvailableInCountsMembersFromMemory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		dir := conversation.NewDirectory(db, nil)
		if err := dir.Load(f.ctx); err != nil {
			t.Fatal(err)
		}
		svc := conversation.NewService(conversation.Options{Repo: noAccessReads{db, t}, Presence: f.pres, Directory: dir})
		count := func() int {
			t.Helper()
			n, err := svc.AvailableIn(f.ctx, f.web.ID)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		// Everyone is online; the admin, the owner and the outsider are no members of the website.
		if n := count(); n != 2 {
			t.Fatalf("available in the website: %d, want its 2 members", n)
		}
		f.pres.Set(f.a2.ID, false)
		if n := count(); n != 1 {
			t.Fatalf("with one member unavailable: %d, want 1", n)
		}
		// A membership change reaches the count with its event, not by reading again.
		dir.Notice(&event.Notice{Events: []event.Event{{Type: event.InboxAccessChanged,
			Data: []byte(fmt.Sprintf(`{"inbox_id":%d,"visibility":"private","member_ids":[%d,%d]}`, f.web.ID, f.a1.ID, f.admin.ID))}}})
		if n := count(); n != 2 {
			t.Fatalf("after the admin joined the website: %d, want 2", n)
		}
	})
}
