package store_test

import (
	"context"
	"testing"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/playbook"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

func newSite(t *testing.T, db *store.DB, name string) *inbox.Website {
	t.Helper()
	site := &inbox.Website{
		Inbox:     inbox.Inbox{Name: name, Visibility: inbox.Private, ReopenPolicy: inbox.Final, CreatedAt: 1, UpdatedAt: 1},
		PublicKey: inbox.NewKey("pk_", 12), Secret: inbox.NewKey("sk_", 32), AllowedDomains: []string{"example.com"}, TimeZone: "UTC",
	}
	if err := db.CreateWebsite(context.Background(), site); err != nil {
		t.Fatal(err)
	}
	return site
}

func flowSaying(text string) *playbook.Flow {
	return &playbook.Flow{Path: []playbook.Card{{ID: "crd_1", Type: playbook.MessageCard, Markdown: text}, {ID: "crd_2", Type: playbook.EndCard}}}
}

func TestPlaybooksVersionsAndLoading(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site, other := newSite(t, db, "Shop"), newSite(t, db, "Blog")
		look := playbook.Appearance{Color: "#112233", TextColor: "#ffffff", Icon: "chat", BotName: "Shop bot", Language: "en", Side: "right"}
		p := &playbook.Playbook{WebsiteID: site.ID, Name: "Main", Priority: 1, DelaySeconds: 5,
			Targeting: []playbook.Rule{{Match: playbook.StartsWith, Value: "/shop"}}, CreatedAt: 10, UpdatedAt: 10}
		if err := db.CreatePlaybook(ctx, p, &playbook.Version{Flow: flowSaying("v1"), Appearance: look, CreatedAt: 10}); err != nil {
			t.Fatal(err)
		}
		if p.ID == 0 || p.Version != 1 {
			t.Fatalf("created %+v", p)
		}
		got, err := db.PlaybookByID(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Main" || got.Active || got.Version != 1 || got.Flow.Path[0].Markdown != "v1" || got.Appearance != look ||
			got.Targeting[0].Value != "/shop" || got.LoadedAt != nil || got.DelaySeconds != 5 || got.CreatedAt != 10 {
			t.Fatalf("read back %+v", got)
		}

		// A save makes version 2; version 1 stays as it was.
		got.Name, got.Active = "Main v2", true
		look2 := look
		look2.BotName = "New bot"
		got.UpdatedAt = 20
		if err := db.SavePlaybook(ctx, got, &playbook.Version{Flow: flowSaying("v2"), Appearance: look2, CreatedAt: 20}, 1); err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 {
			t.Fatalf("version after save: %d", got.Version)
		}
		cur, _ := db.PlaybookByID(ctx, p.ID)
		if cur.Version != 2 || cur.Flow.Path[0].Markdown != "v2" || cur.Appearance.BotName != "New bot" || !cur.Active || cur.Name != "Main v2" {
			t.Fatalf("current %+v", cur)
		}
		v1, err := db.PlaybookVersion(ctx, p.ID, 1)
		if err != nil || v1.Flow.Path[0].Markdown != "v1" || v1.Appearance.BotName != "Shop bot" || v1.CreatedAt != 10 {
			t.Fatalf("version 1: %+v %v", v1, err)
		}
		if _, err := db.PlaybookVersion(ctx, p.ID, 3); !errs.Is(err, errs.NotFound) {
			t.Fatalf("version 3: %v", err)
		}
		vs, err := db.PlaybookVersions(ctx, p.ID)
		if err != nil || len(vs) != 2 || vs[0].Version != 2 || vs[1].Version != 1 || vs[0].Flow != nil {
			t.Fatalf("versions %+v %v", vs, err)
		}
		// A save based on an old version loses.
		if err := db.SavePlaybook(ctx, got, &playbook.Version{Flow: flowSaying("late"), Appearance: look}, 1); !errs.Is(err, errs.Conflict) {
			t.Fatalf("stale save: %v", err)
		}

		// Lists: by website, highest priority first.
		high := &playbook.Playbook{WebsiteID: site.ID, Name: "High", Priority: 9, Targeting: []playbook.Rule{}, CreatedAt: 30, UpdatedAt: 30}
		if err := db.CreatePlaybook(ctx, high, &playbook.Version{Flow: flowSaying("x"), Appearance: look, CreatedAt: 30}); err != nil {
			t.Fatal(err)
		}
		elsewhere := &playbook.Playbook{WebsiteID: other.ID, Name: "Blog", Targeting: []playbook.Rule{}, CreatedAt: 30, UpdatedAt: 30}
		if err := db.CreatePlaybook(ctx, elsewhere, &playbook.Version{Flow: flowSaying("x"), Appearance: look, CreatedAt: 30}); err != nil {
			t.Fatal(err)
		}
		list, err := db.ListPlaybooks(ctx, site.ID)
		if err != nil || len(list) != 2 || list[0].ID != high.ID || list[1].ID != p.ID || list[1].Flow != nil || list[1].Appearance.BotName != "New bot" {
			t.Fatalf("list %+v %v", list, err)
		}
		if all, _ := db.ListPlaybooks(ctx, 0); len(all) != 3 {
			t.Fatalf("all: %d", len(all))
		}

		// Active on and off.
		if err := db.SetPlaybookActive(ctx, high.ID, true, 40); err != nil {
			t.Fatal(err)
		}
		if h, _ := db.PlaybookByID(ctx, high.ID); !h.Active || h.UpdatedAt != 40 || h.Version != 1 {
			t.Fatalf("activated %+v", h)
		}

		// The first load is recorded once.
		if set, err := db.MarkPlaybookLoaded(ctx, p.ID, 50); err != nil || !set {
			t.Fatalf("first load: %v %v", set, err)
		}
		if set, err := db.MarkPlaybookLoaded(ctx, p.ID, 60); err != nil || set {
			t.Fatalf("second load: %v %v", set, err)
		}
		if l, _ := db.PlaybookByID(ctx, p.ID); l.LoadedAt == nil || *l.LoadedAt != 50 {
			t.Fatalf("loaded_at %v", l.LoadedAt)
		}

		// Deleting hides the playbook but keeps its versions for running conversations.
		if err := db.DeletePlaybook(ctx, p.ID, 70); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PlaybookByID(ctx, p.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("deleted playbook read: %v", err)
		}
		if err := db.DeletePlaybook(ctx, p.ID, 70); !errs.Is(err, errs.NotFound) {
			t.Fatalf("second delete: %v", err)
		}
		if err := db.SetPlaybookActive(ctx, p.ID, true, 70); !errs.Is(err, errs.NotFound) {
			t.Fatalf("activate deleted: %v", err)
		}
		if err := db.SavePlaybook(ctx, got, &playbook.Version{Flow: flowSaying("x"), Appearance: look}, 2); !errs.Is(err, errs.NotFound) {
			t.Fatalf("save deleted: %v", err)
		}
		if v, err := db.PlaybookVersion(ctx, p.ID, 2); err != nil || v.Flow.Path[0].Markdown != "v2" {
			t.Fatalf("version of a deleted playbook: %v", err)
		}
		if list, _ := db.ListPlaybooks(ctx, site.ID); len(list) != 1 {
			t.Fatalf("list after delete: %d", len(list))
		}
		if _, err := db.PlaybookByID(ctx, 999); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown: %v", err)
		}

		// A playbook needs a website that exists.
		bad := &playbook.Playbook{WebsiteID: 999, Name: "x", Targeting: []playbook.Rule{}}
		if err := db.CreatePlaybook(ctx, bad, &playbook.Version{Flow: flowSaying("x"), Appearance: look}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("unknown website: %v", err)
		}
	})
}
