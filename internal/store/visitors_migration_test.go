package store_test

import (
	"testing"

	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// beforeLazyContacts is the last schema version before migration 00018 let visitors be without a
// contact.
const beforeLazyContacts = 16

// Migration 00018 rebuilds the visitors table on SQLite: the visitors, their page views and the
// conversations that name them all come through, foreign keys are enforced again afterwards, and a
// visitor may now be without a contact until AttachContact gives them one.
func TestLazyContactsMigrationKeepsVisitors(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			ctx := t.Context()
			db := storetest.Unmigrated(t, engine)
			if _, err := db.MigrateTo(ctx, beforeLazyContacts); err != nil {
				t.Fatal(err)
			}
			r := crmRows{t, ctx, db}
			web := r.inboxOf("web")
			ct := r.contact("Carla")
			vid := r.visitor(web, ct, "hash-1")
			conv := r.conversation(web, ct, vid)
			r.insert("INSERT INTO page_views (visitor_id, url, title, at) VALUES ($1, 'https://shop.example/', 'Shop', 5)", vid)

			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			v, err := db.VisitorByID(ctx, vid)
			if err != nil || v.ContactID != ct || v.TokenHash != "hash-1" {
				t.Fatalf("visitor after the migration: %+v %v", v, err)
			}
			views, err := db.ContactPageViews(ctx, ct, 10)
			if err != nil || len(views) != 1 || views[0].URL != "https://shop.example/" {
				t.Fatalf("page views after the migration: %+v %v", views, err)
			}
			var convVisitor int64
			if err := db.Reader().QueryRowContext(ctx, "SELECT visitor_id FROM conversations WHERE id = $1", conv).Scan(&convVisitor); err != nil || convVisitor != vid {
				t.Fatalf("conversation's visitor %d %v, want %d", convVisitor, err, vid)
			}
			// Foreign keys hold again: a page view of no visitor is refused.
			if _, err := db.Writer().ExecContext(ctx, "INSERT INTO page_views (visitor_id, url, at) VALUES (999999, 'x', 1)"); err == nil {
				t.Fatal("a page view of no visitor was stored: foreign keys are off")
			}

			// A visitor without a contact, then given one.
			anon := &contact.Visitor{WebsiteID: web, TokenHash: "hash-2", FirstSeen: 1, LastSeen: 1}
			if err := db.CreateVisitor(ctx, anon, nil, 0, nil); err != nil {
				t.Fatal(err)
			}
			if got, err := db.VisitorByID(ctx, anon.ID); err != nil || got.ContactID != 0 {
				t.Fatalf("anonymous visitor %+v %v", got, err)
			}
			c := &contact.Contact{WebsiteID: web, Tags: []string{}, Attributes: map[string]string{}, CreatedAt: 2, UpdatedAt: 2}
			if err := db.AttachContact(ctx, anon.ID, c, 0); err != nil || c.ID == 0 {
				t.Fatalf("attach: %v (id %d)", err, c.ID)
			}
			again := &contact.Contact{WebsiteID: web, Tags: []string{}, Attributes: map[string]string{}, CreatedAt: 3, UpdatedAt: 3}
			if err := db.AttachContact(ctx, anon.ID, again, 0); err == nil || again.ID != 0 {
				t.Fatalf("second attach: %v (id %d), want visitor_moved and nothing made", err, again.ID)
			}
			if got, _ := db.VisitorByID(ctx, anon.ID); got.ContactID != c.ID {
				t.Fatalf("visitor's contact %d, want %d", got.ContactID, c.ID)
			}
			var contacts int
			if err := db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM contacts").Scan(&contacts); err != nil || contacts != 2 {
				t.Fatalf("%d contacts, want 2 (the losing attach rolled back)", contacts)
			}
		})
	}
}
