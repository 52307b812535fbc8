package store_test

import (
	"testing"

	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// beforeDeals is the last schema version before migration 00011 brought persons, deals and the
// new lead statuses.
const beforeDeals = 10

// Today's leads carry over: on a database made by the schema before deals, with leads as that
// version wrote them, migrating up turns won and lost leads into deals of that status, keeps open
// ones open, maps sources, makes the default pipeline, and queues the job that indexes the records
// for search. A lead an old node writes afterwards (during a rolling upgrade) is still read.
func TestLeadsMigrationCarriesOverTodaysLeads(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			ctx := t.Context()
			db := storetest.Unmigrated(t, engine)
			if _, err := db.MigrateTo(ctx, beforeDeals); err != nil {
				t.Fatal(err)
			}
			r := crmRows{t, ctx, db}
			uid := r.user("ana")
			web, mail := r.inboxOf("web"), r.inboxOf("email")
			ct := r.contact("Carla")
			chat := r.conversationIn("web", web, ct, 0)
			email := r.conversationIn("email", mail, ct, 0)
			old := func(title, status, source string, conv any, value int64) int64 {
				return r.insert(`INSERT INTO leads (title, value, currency, status, contact_id, conversation_id, owner_user_id, created_by_user_id,
					source, created_at, updated_at) VALUES ($1, $2, 'EUR', $3, $4, $5, $6, $7, $8, 100, 200)`,
					title, value, status, ct, conv, uid, uid, source)
			}
			open := old("Open from chat", "open", "agent", chat, 1000)
			won := old("Won by mail", "won", "agent", email, 250000)
			lost := old("Lost by the bot", "lost", "bot", chat, 0)
			apiWon := old("Won via API", "won", "api", nil, 99)
			manual := old("Open, no chat", "open", "agent", nil, 0)

			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}

			pls, err := db.Pipelines(ctx)
			if err != nil || len(pls) != 1 || !pls[0].Default || len(pls[0].Stages) != 5 {
				t.Fatalf("pipelines after the migration: %+v %v", pls, err)
			}
			first, last := pls[0].Stages[0].ID, pls[0].Stages[4].ID
			lead := func(id int64) *crm.Lead {
				t.Helper()
				l, err := db.LeadByID(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			for _, tc := range []struct {
				id     int64
				status crm.LeadStatus
				source crm.Source
			}{
				{open, crm.LeadOpen, crm.SourceChat}, {won, crm.LeadConverted, crm.SourceEmail}, {lost, crm.LeadConverted, crm.SourceBot},
				{apiWon, crm.LeadConverted, crm.SourceAPI}, {manual, crm.LeadOpen, crm.SourceManual},
			} {
				l := lead(tc.id)
				if l.Status != tc.status || l.Source != tc.source || (tc.status == crm.LeadConverted) != (l.DealID != 0) {
					t.Errorf("lead %q: %+v, want status %s, source %s", l.Title, l, tc.status, tc.source)
				}
			}
			deals, err := db.ListDeals(ctx, crm.Query{Limit: 50})
			if err != nil || len(deals) != 3 {
				t.Fatalf("deals %+v %v", deals, err)
			}
			for _, tc := range []struct {
				lead   int64
				status crm.DealStatus
				stage  int64
				source crm.Source
				value  int64
				conv   int64
			}{
				{won, crm.DealWon, last, crm.SourceEmail, 250000, email}, {lost, crm.DealLost, first, crm.SourceBot, 0, chat},
				{apiWon, crm.DealWon, last, crm.SourceAPI, 99, 0},
			} {
				d, err := db.DealByID(ctx, lead(tc.lead).DealID)
				if err != nil {
					t.Fatal(err)
				}
				if d.LeadID != tc.lead || d.Status != tc.status || d.StageID != tc.stage || d.PipelineID != pls[0].ID || d.Source != tc.source ||
					d.Value != tc.value || d.Currency != "EUR" || d.ContactID != ct || d.ConversationID != tc.conv || d.OwnerUserID != uid ||
					d.CreatedByUserID != uid || d.ClosedAt != 200 || d.CreatedAt != 100 || d.Title != lead(tc.lead).Title {
					t.Errorf("deal of lead %d: %+v", tc.lead, d)
				}
			}

			// The search terms of what was carried over come from the job the migration queued.
			var jobs int
			if err := db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND state = 'available'", crm.IndexJob).Scan(&jobs); err != nil || jobs != 1 {
				t.Fatalf("%d index jobs queued, %v", jobs, err)
			}
			if found, _ := db.ListLeads(ctx, crm.Query{Q: "chat", Limit: 50}); len(found) != 0 {
				t.Fatalf("found before indexing: %+v", found)
			}
			svc := crm.NewService(crm.Options{Repo: db})
			if err := svc.IndexJob(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if found, err := db.ListLeads(ctx, crm.Query{Q: "chat", Limit: 50}); err != nil || len(found) != 2 {
				t.Fatalf("leads found by q=chat: %+v %v", found, err)
			}
			if found, err := db.ListDeals(ctx, crm.Query{Q: "won", Limit: 50}); err != nil || len(found) != 2 {
				t.Fatalf("deals found by q=won: %+v %v", found, err)
			}

			// A node of the previous version still writes leads as it did; they are read.
			late := old("Won late", "won", "agent", chat, 5)
			if l := lead(late); l.Status != crm.LeadConverted || l.Source != crm.SourceChat || l.DealID != 0 {
				t.Fatalf("a lead an old node wrote: %+v", l)
			}
		})
	}
}
