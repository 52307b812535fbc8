package playbook_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/playbook"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

type world struct {
	db           *store.DB
	svc          *playbook.Service
	admin, agent *auth.User
	site         *inbox.Website
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{db: db, svc: playbook.NewService(db, nil)}
	for _, u := range []**auth.User{&w.admin, &w.agent} {
		role := auth.Admin
		if u == &w.agent {
			role = auth.Agent
		}
		*u = &auth.User{Email: string(role) + "@example.com", Name: string(role), Role: role, TimeZone: "UTC", PasswordHash: "x"}
		if err := db.CreateUser(ctx, *u, false); err != nil {
			t.Fatal(err)
		}
	}
	w.site = &inbox.Website{Inbox: inbox.Inbox{Name: "Shop", Visibility: inbox.Private, ReopenPolicy: inbox.Final},
		PublicKey: inbox.NewKey("pk_", 12), Secret: inbox.NewKey("sk_", 32), AllowedDomains: []string{"shop.example"}, TimeZone: "UTC"}
	if err := db.CreateWebsite(ctx, w.site); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestServiceLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)

		// Only admins create; the template gives the flow and, in the chosen language, the name.
		in := playbook.Input{WebsiteID: w.site.ID, Template: playbook.LiveChatTemplate, Appearance: playbook.Appearance{Language: "nl"}}
		if _, err := w.svc.Create(ctx, w.agent, in); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("agent create: %v", err)
		}
		if _, err := w.svc.Create(ctx, nil, in); !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("anonymous create: %v", err)
		}
		p, err := w.svc.Create(ctx, w.admin, in)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != "Chat met je leads" || p.Version != 1 || p.Active || p.Appearance.BotName != "Assistent" || !p.OfflineOnly() || p.CreatedBy != w.admin.ID {
			t.Fatalf("created %+v", p)
		}
		if c, ok := p.Flow.Card("crd_live"); !ok || c.OnlineMarkdown != "Een moment, een collega is zo bij je." {
			t.Fatalf("template flow: %+v", c)
		}
		if _, err := w.svc.Create(ctx, w.admin, playbook.Input{WebsiteID: w.site.ID}); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("create without flow or template: %v", err)
		}
		if _, err := w.svc.Create(ctx, w.admin, playbook.Input{WebsiteID: 999, Template: "live_chat"}); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("create on unknown website: %v", err)
		}

		// Agents read.
		if got, err := w.svc.Get(ctx, w.agent, p.ID); err != nil || got.Flow == nil {
			t.Fatalf("agent get: %v", err)
		}
		if list, err := w.svc.List(ctx, w.agent, w.site.ID); err != nil || len(list) != 1 {
			t.Fatalf("agent list: %v %v", list, err)
		}

		// An update makes version 2; version 1 stays readable for conversations that started on it.
		edit := playbook.Input{Name: "Shop chat", Flow: p.Flow.Clone(), Appearance: p.Appearance, BaseVersion: 1}
		c, _ := edit.Flow.Card("crd_live")
		c.WaitingSeconds = 300
		if _, err := w.svc.Update(ctx, w.agent, p.ID, edit); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("agent update: %v", err)
		}
		p2, err := w.svc.Update(ctx, w.admin, p.ID, edit)
		if err != nil {
			t.Fatal(err)
		}
		if p2.Version != 2 || p2.Name != "Shop chat" {
			t.Fatalf("updated %+v", p2)
		}
		v1, err := w.svc.GetVersion(ctx, p.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := v1.Flow.Card("crd_live"); c.WaitingSeconds != 120 {
			t.Fatalf("version 1 changed: %d", c.WaitingSeconds)
		}
		if vs, err := w.svc.Versions(ctx, w.agent, p.ID); err != nil || len(vs) != 2 {
			t.Fatalf("versions %v %v", vs, err)
		}
		if v, err := w.svc.Version(ctx, w.agent, p.ID, 2); err != nil || v.Flow == nil {
			t.Fatalf("version 2: %v", err)
		}
		// An editor working on version 1 is told someone saved meanwhile.
		if _, err := w.svc.Update(ctx, w.admin, p.ID, edit); !errs.Is(err, errs.Conflict) {
			t.Fatalf("stale edit: %v", err)
		}

		// A bad save names the card; the details list every problem.
		bad := playbook.Input{Name: "x", Flow: p2.Flow.Clone(), Appearance: p2.Appearance}
		c, _ = bad.Flow.Card("crd_live")
		c.WaitingSeconds, c.TeamID = 5, 77
		_, err = w.svc.Update(ctx, w.admin, p.ID, bad)
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), `live chat card “Een moment, een collega is zo bij je.”: waiting time must be between 10 and 3600 seconds (and 1 more problem)`) {
			t.Fatalf("bad update: %v", err)
		}
		ps := playbook.ProblemsOf(err)
		if len(ps) != 2 || ps[1].Field != "team_id" || ps[1].Message != "team 77 does not exist" {
			t.Fatalf("problems %+v", ps)
		}
		// A team that exists is fine.
		team := &auth.Team{Name: "Sales"}
		if err := db.CreateTeam(ctx, team); err != nil {
			t.Fatal(err)
		}
		c.WaitingSeconds, c.TeamID = 60, team.ID
		if probs, err := w.svc.Validate(ctx, w.admin, bad); err != nil || len(probs) != 0 {
			t.Fatalf("validate: %v %v", probs, err)
		}
		if _, err := w.svc.Validate(ctx, w.agent, bad); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("agent validate: %v", err)
		}
		if c.ID != "crd_live" || c.WaitingSeconds != 60 {
			t.Fatal("validate changed the input")
		}

		// The widget finds the active playbook for the page, and the first load is recorded.
		if _, err := w.svc.ForWebsite(ctx, w.site.ID, "https://shop.example/"); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("inactive playbook served: %v", err)
		}
		if _, err := w.svc.SetActive(ctx, w.agent, p.ID, true); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("agent activate: %v", err)
		}
		act, err := w.svc.SetActive(ctx, w.admin, p.ID, true)
		if err != nil || !act.Active || act.Version != 2 {
			t.Fatalf("activate %+v %v", act, err)
		}
		run, err := w.svc.ForWebsite(ctx, w.site.ID, "https://shop.example/")
		if err != nil || run.ID != p.ID || run.Version != 2 || run.Flow == nil || run.Appearance.Language != "nl" {
			t.Fatalf("for website: %+v %v", run, err)
		}
		if err := w.svc.MarkLoaded(ctx, run.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := w.svc.Get(ctx, w.agent, p.ID); got.OfflineOnly() {
			t.Fatal("still offline only after a widget loaded it")
		}

		// Export and import: a new, inactive playbook with the same content; or a new version.
		doc, err := w.svc.Export(ctx, w.agent, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(doc)
		var back playbook.Document
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Import(ctx, w.agent, playbook.ImportInput{WebsiteID: w.site.ID, Document: &back}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("agent import: %v", err)
		}
		copyOf, err := w.svc.Import(ctx, w.admin, playbook.ImportInput{WebsiteID: w.site.ID, Document: &back})
		if err != nil {
			t.Fatal(err)
		}
		orig, _ := w.svc.Get(ctx, w.agent, p.ID)
		if copyOf.ID == p.ID || copyOf.Active || copyOf.Version != 1 || copyOf.Name != orig.Name || copyOf.Appearance != orig.Appearance {
			t.Fatalf("imported %+v", copyOf)
		}
		a, _ := json.Marshal(copyOf.Flow)
		b, _ := json.Marshal(orig.Flow)
		if string(a) != string(b) {
			t.Fatalf("imported flow differs:\n%s\n%s", a, b)
		}
		again, err := w.svc.Import(ctx, w.admin, playbook.ImportInput{PlaybookID: p.ID, Document: &back})
		if err != nil || again.ID != p.ID || again.Version != 3 || !again.Active {
			t.Fatalf("import as a new version: %+v %v", again, err)
		}

		// Delete: gone for the editor and the widget, its versions still there for the engine.
		if err := w.svc.Delete(ctx, w.agent, p.ID); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("agent delete: %v", err)
		}
		if err := w.svc.Delete(ctx, w.admin, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Get(ctx, w.admin, p.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("get deleted: %v", err)
		}
		if _, err := w.svc.ForWebsite(ctx, w.site.ID, "https://shop.example/"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("deleted playbook served: %v", err)
		}
		if _, err := w.svc.GetVersion(ctx, p.ID, 2); err != nil {
			t.Fatalf("version of a deleted playbook: %v", err)
		}
	})
}
