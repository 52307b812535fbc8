package savedreply_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/blob"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/savedreply"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

type fixture struct {
	ctx   context.Context
	db    *store.DB
	convs *conversation.Service
	blobs *blob.Service
	svc   *savedreply.Service
	clock atomic.Int64

	admin, agent, other *auth.User
	web                 *inbox.Inbox
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{ctx: t.Context(), db: db}
	f.clock.Store(1_700_000_000_000)
	now := func() time.Time { return time.UnixMilli(f.clock.Add(1)) }
	f.convs = conversation.NewService(conversation.Options{Repo: db, Now: now})
	f.blobs = blob.New(db, blob.Limits{}, now)
	f.svc = savedreply.NewService(savedreply.Options{Repo: db, Conversations: f.convs, Uploads: f.blobs, Now: now})
	accounts := auth.NewService(db, auth.Options{Hasher: auth.NewHasher(auth.TestHashParams, 4)})
	user := func(email, name string, role auth.Role) *auth.User {
		u, err := accounts.CreateUser(f.ctx, nil, auth.NewUser{Email: email, Name: name, Password: "correct horse battery", Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.admin = user("admin@example.com", "Ada Admin", auth.Admin)
	f.agent = user("agent@example.com", "Bea Agent", auth.Agent)
	f.other = user("other@example.com", "Cy Other", auth.Agent)
	site := &inbox.Website{
		Inbox:     inbox.Inbox{Name: "Shop", Visibility: inbox.Shared, ReopenPolicy: inbox.Final, InstallerID: f.admin.ID, CreatedAt: 1, UpdatedAt: 1},
		PublicKey: inbox.NewKey("pk_", 16), Secret: inbox.NewKey("sk_", 32), AllowedDomains: []string{"example.com"}, TimeZone: "UTC",
	}
	if err := db.CreateWebsite(f.ctx, site); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.web, err = db.InboxByID(f.ctx, site.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.SetInboxMembers(f.ctx, f.web.ID, []int64{f.admin.ID, f.agent.ID}, 1); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) conversationWith(t *testing.T, name, email string) *conversation.Conversation {
	t.Helper()
	var contactID int64
	if err := f.db.Writer().QueryRowContext(f.ctx, "INSERT INTO contacts (name, email, created_at, updated_at) VALUES ($1, $2, 1, 1) RETURNING id",
		name, email).Scan(&contactID); err != nil {
		t.Fatal(err)
	}
	c, _, err := f.convs.ContactWrites(f.ctx, conversation.From{Inbox: f.web, ContactID: contactID, Name: name}, conversation.MessageInput{Body: "Hello"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

func wantCode(t *testing.T, err error, kind errs.Kind, code string) {
	t.Helper()
	if !errs.Is(err, kind) {
		t.Fatalf("got %v, want a %v error", err, kind)
	}
	if got, _ := errs.Public(err); code != "" && got != code {
		t.Fatalf("got code %q, want %q (%v)", got, code, err)
	}
}

func (f *fixture) events(t *testing.T) []event.Event {
	t.Helper()
	evs, err := f.db.EventsAfter(f.ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []event.Event
	for _, e := range evs {
		if e.Type == event.SavedReplyCreated || e.Type == event.SavedReplyUpdated || e.Type == event.SavedReplyDeleted {
			out = append(out, e)
		}
	}
	return out
}

func TestSavedReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.ctx

		// Agents keep personal replies; only admins make shared ones.
		_, err := f.svc.Create(ctx, f.agent, savedreply.Input{Scope: ptr(savedreply.Shared), Shortcut: ptr("hi"), Title: ptr("Hi"), Body: ptr("Hi")})
		wantCode(t, err, errs.Forbidden, "shared_reply_admins_only")
		shared, err := f.svc.Create(ctx, f.admin, savedreply.Input{Scope: ptr(savedreply.Shared), Shortcut: ptr("/Welcome"), Title: ptr("  Welcome  message "),
			Body: ptr("Hi {{contact.first_name | there}}, I am {{agent.first_name}} from {{inbox.name}}.")})
		if err != nil {
			t.Fatal(err)
		}
		if shared.Shortcut != "welcome" || shared.Title != "Welcome message" || shared.Scope != savedreply.Shared || shared.OwnerID != 0 {
			t.Fatalf("shared reply stored as %+v", shared)
		}
		mine, err := f.svc.Create(ctx, f.agent, savedreply.Input{Shortcut: ptr("prices"), Title: ptr("Prices"), Body: ptr("Our **prices** are on the site.")})
		if err != nil {
			t.Fatal(err)
		}
		if mine.Scope != savedreply.Personal || mine.OwnerID != f.agent.ID {
			t.Fatalf("personal reply stored as %+v", mine)
		}

		// Bad input changes nothing.
		for _, in := range []savedreply.Input{
			{Shortcut: ptr("two words"), Title: ptr("x"), Body: ptr("x")},
			{Shortcut: ptr("x"), Title: ptr(" "), Body: ptr("x")},
			{Shortcut: ptr("x"), Title: ptr("x"), Body: ptr("Hi {{contact.nickname}}")},
			{Shortcut: ptr("x"), Title: ptr("x")},
		} {
			if _, err := f.svc.Create(ctx, f.agent, in); !errs.Is(err, errs.Invalid) {
				t.Fatalf("%+v: got %v, want invalid", in, err)
			}
		}
		// A shortcut is unique among the shared replies and among one agent's own, not across them.
		_, err = f.svc.Create(ctx, f.agent, savedreply.Input{Shortcut: ptr("prices"), Title: ptr("Again"), Body: ptr("x")})
		wantCode(t, err, errs.Conflict, "shortcut_taken")
		if _, err := f.svc.Create(ctx, f.other, savedreply.Input{Shortcut: ptr("prices"), Title: ptr("Mine too"), Body: ptr("y")}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Create(ctx, f.agent, savedreply.Input{Shortcut: ptr("welcome"), Title: ptr("My welcome"), Body: ptr("Hey!")}); err != nil {
			t.Fatal(err)
		}

		// Each agent sees the shared replies and their own; search looks at shortcut, title and text.
		list, err := f.svc.List(ctx, f.agent, "")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range list {
			got = append(got, string(r.Scope)+":"+r.Shortcut)
		}
		if want := []string{"personal:prices", "shared:welcome", "personal:welcome"}; !slices.Equal(got, want) {
			t.Fatalf("agent lists %v, want %v", got, want)
		}
		if list, _ := f.svc.List(ctx, f.agent, "PRICES site"); len(list) != 1 || list[0].ID != mine.ID {
			t.Fatalf("search found %+v", list)
		}
		if _, err := f.svc.Get(ctx, f.other, mine.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another agent read a personal reply: %v", err)
		}
		if _, err := f.svc.Update(ctx, f.other, mine.ID, savedreply.Input{Title: ptr("taken")}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another agent changed a personal reply: %v", err)
		}
		_, err = f.svc.Update(ctx, f.agent, shared.ID, savedreply.Input{Title: ptr("mine now")})
		wantCode(t, err, errs.Forbidden, "shared_reply_admins_only")
		if err := f.svc.Delete(ctx, f.agent, shared.ID); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("an agent deleted a shared reply: %v", err)
		}

		// Filled for a conversation: the contact's first name, the agent's, the inbox's name.
		c := f.conversationWith(t, "Jane *Doe*", "jane@example.com")
		filled, err := f.svc.Fill(ctx, f.agent, shared.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := "Hi Jane, I am Bea from Shop."; filled.Body != want || len(filled.Missing) != 0 {
			t.Fatalf("filled %+v, want %q", filled, want)
		}
		// A value cannot become formatting; an unknown one takes its fallback or is reported.
		upd, err := f.svc.Update(ctx, f.admin, shared.ID, savedreply.Input{Body: ptr("Dear {{contact.name}} {{contact.phone}}, {{contact.first_name|friend}}")})
		if err != nil {
			t.Fatal(err)
		}
		if upd.UpdatedAt <= shared.UpdatedAt {
			t.Fatal("updated_at did not move")
		}
		filled, err = f.svc.Fill(ctx, f.agent, shared.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := `Dear Jane \*Doe\* , Jane`; filled.Body != want || !slices.Equal(filled.Missing, []string{"contact.phone"}) {
			t.Fatalf("filled %+v, want %q and contact.phone missing", filled, want)
		}
		anon := f.conversationWith(t, "", "")
		filled, err = f.svc.Fill(ctx, f.agent, shared.ID, anon.ID)
		if err != nil || filled.Body != "Dear  , friend" {
			t.Fatalf("filled for an anonymous contact: %+v %v", filled, err)
		}
		// Only for a conversation the agent may see.
		if _, err := f.svc.Fill(ctx, f.other, shared.ID, c.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("filled for a conversation the agent may not see: %v", err)
		}

		// An attachment: the user's own upload, not yet sent; the orphan cleanup keeps it.
		var img bytes.Buffer
		if err := png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
			t.Fatal(err)
		}
		up, err := f.blobs.Upload(ctx, blob.UserUploader(f.agent.ID), 0, "price list.png", bytes.NewReader(img.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetAttachment(ctx, f.other, mine.ID, up.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("attached to another's reply: %v", err)
		}
		if _, err := f.svc.SetAttachment(ctx, f.admin, shared.ID, up.ID); !errs.Is(err, errs.Invalid) {
			t.Fatalf("attached someone else's upload: %v", err)
		}
		withFile, err := f.svc.SetAttachment(ctx, f.agent, mine.ID, up.ID)
		if err != nil {
			t.Fatal(err)
		}
		if withFile.Attachment == nil || withFile.Attachment.ID != up.ID || withFile.Attachment.ContentType != "image/png" {
			t.Fatalf("attachment %+v", withFile.Attachment)
		}
		f.clock.Add(int64(48 * time.Hour / time.Millisecond))
		if _, err := f.blobs.CleanOrphans(ctx); err != nil {
			t.Fatal(err)
		}
		again, err := f.svc.Get(ctx, f.agent, mine.ID)
		if err != nil || again.Attachment == nil {
			t.Fatalf("the orphan cleanup took the reply's attachment: %+v %v", again, err)
		}
		filled, err = f.svc.Fill(ctx, f.agent, mine.ID, c.ID)
		if err != nil || filled.Attachment == nil || filled.Attachment.ID != up.ID {
			t.Fatalf("filled without its attachment: %+v %v", filled, err)
		}
		if r, err := f.svc.SetAttachment(ctx, f.agent, mine.ID, 0); err != nil || r.Attachment != nil {
			t.Fatalf("attachment not removed: %+v %v", r, err)
		}

		if err := f.svc.Delete(ctx, f.agent, mine.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Get(ctx, f.agent, mine.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("deleted reply still there: %v", err)
		}

		// Every change committed its event, with the reply's id and the actor.
		var types []event.Type
		for _, e := range f.events(t) {
			types = append(types, e.Type)
			if e.ActorID == 0 || e.Position == 0 {
				t.Fatalf("event %+v has no actor or position", e)
			}
		}
		want := []event.Type{event.SavedReplyCreated, event.SavedReplyCreated, event.SavedReplyCreated, event.SavedReplyCreated,
			event.SavedReplyUpdated, event.SavedReplyUpdated, event.SavedReplyUpdated, event.SavedReplyDeleted}
		if !slices.Equal(types, want) {
			t.Fatalf("events %v, want %v", types, want)
		}
	})
}

func TestFillVariables(t *testing.T) {
	for _, tc := range []struct {
		body    string
		values  savedreply.Values
		want    string
		missing []string
	}{
		{"Hi {{contact.first_name}}!", savedreply.Values{"contact.first_name": "Ann"}, "Hi Ann!", nil},
		{"Hi {{ contact.first_name | there }}!", nil, "Hi there!", nil},
		{"Hi {{contact.first_name}}!", nil, "Hi !", []string{"contact.first_name"}},
		{"{{agent.name}} [link](x) _{{agent.name}}_", savedreply.Values{"agent.name": "A_[b]"}, `A\_\[b\] [link](x) _A\_\[b\]_`, nil},
		{"no {{ closing", nil, "no {{ closing", nil},
		{"{{contact.name\n}}", nil, "{{contact.name\n}}", nil},
		{"{{contact.email}}", savedreply.Values{"contact.email": "a\nb"}, "a b", nil},
	} {
		got, missing := savedreply.Fill(tc.body, tc.values)
		if got != tc.want || len(missing) != len(tc.missing) {
			t.Errorf("Fill(%q) = %q %v, want %q %v", tc.body, got, missing, tc.want, tc.missing)
		}
	}
}
