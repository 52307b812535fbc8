package search_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/search"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// scoper decides who sees what with the conversation package's one rule (ScopeFor).
type scoper struct{ db *store.DB }

func (s scoper) VisibleScope(ctx context.Context, u *auth.User) (conversation.Scope, error) {
	inboxes, err := s.db.ListInboxes(ctx)
	if err != nil {
		return conversation.Scope{}, err
	}
	member, err := s.db.MemberInboxIDs(ctx, u.ID)
	if err != nil {
		return conversation.Scope{}, err
	}
	return conversation.ScopeFor(u, inboxes, member), nil
}

type fixture struct {
	t   testing.TB
	ctx context.Context
	db  *store.DB
	pos int64
	evs []event.Event
}

func (f *fixture) insert(q string, args ...any) int64 {
	f.t.Helper()
	var id int64
	if err := f.db.Writer().QueryRowContext(f.ctx, q+" RETURNING id", args...).Scan(&id); err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) user(name string, role auth.Role) *auth.User {
	id := f.insert("INSERT INTO users (email, name, role, password_hash, created_at, updated_at) VALUES ($1, $2, $3, 'x', 1, 1)",
		name+"@example.com", name, string(role))
	return &auth.User{ID: id, Name: name, Role: role}
}

func (f *fixture) inbox(name, visibility, language string, members ...*auth.User) int64 {
	id := f.insert(`INSERT INTO inboxes (kind, name, visibility, reopen_policy, language, created_at, updated_at)
		VALUES ('web', $1, $2, 'reopen', $3, 1, 1)`, name, visibility, language)
	for _, m := range members {
		if _, err := f.db.Writer().ExecContext(f.ctx, "INSERT INTO inbox_members (inbox_id, user_id, created_at) VALUES ($1, $2, 1)", id, m.ID); err != nil {
			f.t.Fatal(err)
		}
	}
	return id
}

// conversation makes a conversation with one message from the contact, and its event.
func (f *fixture) conversation(inboxID int64, contact string, assignee *auth.User, body string, note bool) (convID, msgID int64) {
	f.t.Helper()
	ct := f.insert("INSERT INTO contacts (name, email, created_at, updated_at) VALUES ($1, $2, 1, 1)", contact, strings.ToLower(contact)+"@shop.example")
	var a any
	if assignee != nil {
		a = assignee.ID
	}
	convID = f.insert(`INSERT INTO conversations (inbox_id, contact_id, channel, status, assignee_id, last_seq, created_at, updated_at, last_message_at)
		VALUES ($1, $2, 'web', 'open', $3, 1, 1, 1, 1)`, inboxID, ct, a)
	kind, sender := conversation.Text, conversation.FromVisitor
	if note {
		kind, sender = conversation.Note, conversation.FromAgent
	}
	msgID = f.insert(`INSERT INTO messages (conversation_id, inbox_id, seq, sender_kind, kind, body, created_at) VALUES ($1, $2, 1, $3, $4, $5, 1)`,
		convID, inboxID, string(sender), string(kind), body)
	data, _ := json.Marshal(conversation.MessageData{ConversationID: convID, InboxID: inboxID, MessageID: msgID, Seq: 1,
		SenderKind: sender, Kind: kind, Body: body, CreatedAt: 1})
	f.pos++
	f.evs = append(f.evs, event.Event{Position: f.pos, Type: event.MessageCreated, ConversationID: convID, InboxID: inboxID, Data: data})
	return convID, msgID
}

func found(res *search.Results, kind search.Kind) map[int64]search.Hit {
	out := map[int64]search.Hit{}
	for _, g := range res.Groups {
		if g.Type == kind {
			for _, h := range g.Hits {
				out[h.ID] = h
			}
		}
	}
	return out
}

// Search finds inflected words in German, Dutch and Hungarian, folds accents, matches prefixes
// and phrases, and never shows a colleague's private conversation, on both engines; the index
// the event consumer writes and the one `parley reindex` rebuilds answer alike.
func TestSearchFindsInflectedWordsWithinVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := &fixture{t: t, ctx: ctx, db: db}
		ann := f.user("ann", auth.Agent)
		bob := f.user("bob", auth.Agent)
		admin := f.user("ada", auth.Admin)
		de := f.inbox("Shop DE", "private", "de", ann, bob)
		nl := f.inbox("Shop NL", "shared", "nl", ann)
		hu := f.inbox("Shop HU", "shared", "hu", ann)

		_, deMsg := f.conversation(de, "Jürgen", nil, "Bitte ändern Sie meine Rechnungsadressen für alle Bestellungen.", false)
		_, nlMsg := f.conversation(nl, "Joost", nil, "De fietsen zijn nog niet geleverd.", false)
		_, huMsg := f.conversation(hu, "Zsófia", nil, "A házakban nincs fűtés.", false)
		bobConv, bobMsg := f.conversation(de, "Karin", bob, "Meine Rechnungsadresse ist falsch, privat bei Bob.", false)
		_, noteMsg := f.conversation(de, "Lena", nil, "Kundin möchte Rückruf wegen Lieferadresse", true)

		svc := search.New(db, scoper{db}, nil)
		h := svc.Consumer().Handle
		if _, err := h(ctx, f.evs); err != nil {
			t.Fatal(err)
		}
		if _, err := h(ctx, f.evs); err != nil { // at least once: a second delivery changes nothing
			t.Fatal(err)
		}

		check := func(t *testing.T) {
			for _, c := range []struct {
				who  *auth.User
				q    string
				want []int64
				not  []int64
			}{
				{ann, "Rechnungsadresse", []int64{deMsg}, []int64{bobMsg}},    // German: singular finds plural; Bob's private one never
				{bob, "Rechnungsadresse", []int64{deMsg, bobMsg}, nil},        // Bob sees his own
				{admin, "rechnungsadressen", []int64{deMsg, bobMsg}, nil},     // admins see everything
				{ann, "fiets", []int64{nlMsg}, nil},                           // Dutch: fiets finds fietsen
				{ann, "ház", []int64{huMsg}, nil},                             // Hungarian: ház finds házakban
				{ann, "hazakban", []int64{huMsg}, nil},                        // accents folded
				{ann, "aendern", nil, []int64{deMsg}},                         // (a different spelling is not folded)
				{ann, "Rechnungsadr", nil, []int64{deMsg}},                    // no prefixes in messages (names and emails have them)
				{ann, `"meine Rechnungsadressen"`, []int64{deMsg}, nil},       // a phrase
				{ann, `"Rechnungsadressen meine"`, nil, []int64{deMsg}},       // in that order only
				{ann, "Lieferadresse Rückruf", []int64{noteMsg}, nil},         // notes, for agents
				{ann, "fietsen Rechnungsadresse", nil, []int64{deMsg, nlMsg}}, // every word must match
			} {
				res, err := svc.Search(ctx, c.who, search.Query{Q: c.q})
				if err != nil {
					t.Fatalf("%s: %v", c.q, err)
				}
				hits := found(res, search.Message)
				for _, id := range c.want {
					if _, ok := hits[id]; !ok {
						t.Errorf("%s searching %q: message %d not found in %v", c.who.Name, c.q, id, hits)
					}
				}
				for _, id := range c.not {
					if _, ok := hits[id]; ok {
						t.Errorf("%s searching %q: message %d found", c.who.Name, c.q, id)
					}
				}
			}
			res, err := svc.Search(ctx, ann, search.Query{Q: "Rechnungsadresse"})
			if err != nil {
				t.Fatal(err)
			}
			if hit := found(res, search.Message)[deMsg]; !strings.Contains(hit.Snippet, "<mark>Rechnungsadressen</mark>") || hit.Title != "Jürgen" {
				t.Errorf("snippet %q, title %q", hit.Snippet, hit.Title)
			}
			// Names and emails by their start, as typed.
			res, err = svc.Search(ctx, ann, search.Query{Q: "Jürg", Types: []search.Kind{search.Contact}})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Groups) != 1 || res.Groups[0].Hits[0].Title != "Jürgen" || !strings.Contains(res.Groups[0].Hits[0].Snippet, "<mark>Jürgen</mark>") {
				t.Errorf("contact by prefix: %+v", res.Groups)
			}
			res, err = svc.Search(ctx, ann, search.Query{Q: "jürgen@shop.exa", Types: []search.Kind{search.Contact}})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Groups) != 1 || res.Groups[0].Hits[0].Title != "Jürgen" {
				t.Errorf("contact by email prefix: %+v", res.Groups)
			}
			// A contact of a conversation Ann may not see is not found by her either.
			res, err = svc.Search(ctx, ann, search.Query{Q: "Karin", Types: []search.Kind{search.Contact}})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Groups) != 0 {
				t.Errorf("Ann finds Bob's private contact: %+v", res.Groups)
			}
		}
		if err := db.IndexRecords(ctx); err != nil {
			t.Fatal(err)
		}
		t.Run("consumer", check)
		if err := svc.Reindex(ctx, nil); err != nil {
			t.Fatal(err)
		}
		t.Run("reindexed", check)

		// A deleted conversation leaves the index with it.
		c, err := db.ConversationByID(ctx, bobConv)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM search_docs WHERE ref_id = $1 AND kind = 'message'", bobMsg).Scan(&n); err != nil || n != 0 {
			t.Fatalf("deleted conversation's message still indexed: %d %v", n, err)
		}
		if db.Engine == store.SQLite {
			if err := db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM search_fts WHERE search_fts MATCH 'privat'").Scan(&n); err != nil || n != 0 {
				t.Fatalf("deleted conversation's words still indexed: %d %v", n, err)
			}
		}
	})
}
