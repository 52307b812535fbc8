package httpapi_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/httpapi"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/mask"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// crmEnv is the API with conversations and the CRM, and a website whose installer is admin and
// whose members are a1 and a2.
type crmEnv struct {
	*env
	convs                   *conversation.Service
	admin, a1, a2, outsider *auth.User
	web                     *inbox.Inbox
}

func newCRMEnv(t *testing.T, db *store.DB) *crmEnv {
	t.Helper()
	base := newEnv(t, db) // accounts and the plain server; replaced below by one with the CRM
	e := &crmEnv{env: base}
	e.convs = conversation.NewService(conversation.Options{Repo: db, Mask: func(s string) string { out, _ := mask.String(s); return out }})
	proxies, _ := httpapi.ParseProxies("127.0.0.1")
	e.api = httpapi.New(httpapi.Config{Auth: e.accounts, Proxies: proxies, Conversations: e.convs,
		CRM: crm.NewService(crm.Options{Repo: db, Conversations: e.convs})})
	e.srv = httptest.NewServer(e.api.Handler())
	t.Cleanup(e.srv.Close)

	e.admin = e.user("admin@example.com", auth.Admin)
	e.a1 = e.user("alice@example.com", auth.Agent)
	e.a2 = e.user("bob@example.com", auth.Agent)
	e.outsider = e.user("olga@example.com", auth.Agent)
	vis, reopen := inbox.Defaults(inbox.Web)
	site := &inbox.Website{
		Inbox:     inbox.Inbox{Name: "Website", Visibility: vis, ReopenPolicy: reopen, InstallerID: e.admin.ID, CreatedAt: 1, UpdatedAt: 1},
		PublicKey: inbox.NewKey("pk_", 16), Secret: inbox.NewKey("sk_", 32), AllowedDomains: []string{"example.com"}, TimeZone: "UTC",
	}
	ctx := t.Context()
	if err := db.CreateWebsite(ctx, site); err != nil {
		t.Fatal(err)
	}
	var err error
	if e.web, err = db.InboxByID(ctx, site.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.SetInboxMembers(ctx, e.web.ID, []int64{e.a1.ID, e.a2.ID}, 1); err != nil {
		t.Fatal(err)
	}
	return e
}

// conversation starts a conversation of a new contact on the website.
func (e *crmEnv) conversation(name string) *conversation.Conversation {
	e.t.Helper()
	var contactID int64
	if err := e.db.Writer().QueryRowContext(e.t.Context(), "INSERT INTO contacts (name, created_at, updated_at) VALUES ($1, 1, 1) RETURNING id", name).Scan(&contactID); err != nil {
		e.t.Fatal(err)
	}
	c, _, err := e.convs.ContactWrites(e.t.Context(), conversation.From{Inbox: e.web, ContactID: contactID, Name: name},
		conversation.MessageInput{Body: "Hello, I'd like a quote"})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *crmEnv) leadCount() int {
	e.t.Helper()
	var n int
	if err := e.db.Reader().QueryRowContext(e.t.Context(), "SELECT COUNT(*) FROM leads").Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// Existing clients of /api/v1/leads keep working: the same fields and filters, and the statuses
// won and lost, which now convert the lead into a deal of that status.
func TestLeadsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCRMEnv(t, db)
		c := e.conversation("Lena")
		cid := itoa(int(c.ID))
		alice, bob, olga, admin := e.client(), e.client(), e.client(), e.client()
		e.login(alice, "alice@example.com")
		e.login(bob, "bob@example.com")
		e.login(olga, "olga@example.com")
		e.login(admin, "admin@example.com")

		r := e.do(alice, "POST", "/api/v1/leads", `{"title":"Website redesign","value":450000,"currency":"EUR","conversation_id":`+cid+`}`)
		expect(t, r, 201, "")
		lead := r.body["lead"].(map[string]any)
		id := itoa(int(num(lead["id"])))
		for k, want := range map[string]any{"title": "Website redesign", "value": 450000.0, "currency": "EUR", "status": "open",
			"contact_id": float64(c.ContactID), "conversation_id": float64(c.ID), "owner_user_id": float64(e.a1.ID),
			"created_by_user_id": float64(e.a1.ID), "created_by_name": "alice", "source": "chat"} {
			if lead[k] != want {
				t.Errorf("lead.%s = %v, want %v (%s)", k, lead[k], want, r.raw)
			}
		}
		if num(lead["created_at"]) == 0 || num(lead["updated_at"]) == 0 {
			t.Fatalf("lead times %s", r.raw)
		}

		// The conversation's Created items, and its log line.
		r = e.do(bob, "GET", "/api/v1/conversations/"+cid+"/items", "")
		expect(t, r, 200, "")
		items := r.body["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("items %s", r.raw)
		}
		item := items[0].(map[string]any)
		by, _ := item["created_by"].(map[string]any)
		if item["type"] != "lead" || item["id"] != lead["id"] || item["title"] != "Website redesign" || item["value"] != 450000.0 ||
			item["currency"] != "EUR" || item["created_at"] != lead["created_at"] || by == nil || num(by["id"]) != e.a1.ID || by["name"] != "alice" {
			t.Fatalf("item %s", r.raw)
		}
		log, err := e.convs.History(t.Context(), e.admin, c.ID, 0, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		last := log[len(log)-1]
		if last.Kind != conversation.EventKind || last.Event.Type != conversation.EventItemCreated || last.Event.ItemID != num(lead["id"]) ||
			last.Event.ActorName != "alice" || last.VisibleToContact() {
			t.Fatalf("log ends with %+v %+v", last, last.Event)
		}
		expect(t, e.do(olga, "GET", "/api/v1/conversations/"+cid+"/items", ""), 404, "not_found")
		expect(t, e.do(olga, "GET", "/api/v1/conversations/999999/items", ""), 404, "not_found")

		// Bad input: 400 naming the field, and nothing stored.
		n := e.leadCount()
		for _, tc := range []struct{ body, code, says string }{
			{`{"title":"   "}`, "title_required", "title"},
			{`{"title":"` + strings.Repeat("x", 201) + `"}`, "title_too_long", "title"},
			{`{"title":"x","value":-1}`, "value_invalid", "value"},
			{`{"title":"x","value":12.5}`, "invalid", `\"value\"`},
			{`{"title":"x","currency":"eur"}`, "currency_invalid", "currency"},
			{`{"title":"x","status":"pending"}`, "status_invalid", "status"},
			{`{"title":"x","source":"bot"}`, "invalid", `unknown field \"source\"`},
			{`{"title":"x","owner_user_id":999999}`, "owner_unknown", "owner_user_id"},
			{`{"title":"x","conversation_id":999999}`, "conversation_unknown", "conversation_id"},
		} {
			r := e.do(alice, "POST", "/api/v1/leads", tc.body)
			if r.status != 400 || r.errCode() != tc.code || !strings.Contains(r.raw, tc.says) {
				t.Errorf("%.50s: got %d %s, want 400 %s mentioning %s", tc.body, r.status, r.raw, tc.code, tc.says)
			}
		}
		expect(t, e.do(olga, "POST", "/api/v1/leads", `{"title":"x","conversation_id":`+cid+`}`), 400, "conversation_unknown")
		if got := e.leadCount(); got != n {
			t.Fatalf("bad input stored %d leads", got-n)
		}

		// Every agent reads leads; the owner edits (anyone while unowned); deleting is for admins.
		r = e.do(olga, "GET", "/api/v1/leads/"+id, "")
		expect(t, r, 200, "")
		if a := r.body["allowed"].(map[string]any); a["edit"] != false || a["delete"] != false {
			t.Fatalf("allowed %s", r.raw)
		}
		expect(t, e.do(bob, "PATCH", "/api/v1/leads/"+id, `{"value":1}`), 403, "forbidden")
		expect(t, e.do(alice, "PATCH", "/api/v1/leads/"+id, `{"currency":"euro"}`), 400, "currency_invalid")
		expect(t, e.do(alice, "PATCH", "/api/v1/leads/999999", `{"status":"lost"}`), 404, "")
		// won: the lead becomes a deal that is won.
		r = e.do(alice, "PATCH", "/api/v1/leads/"+id, `{"status":"won","value":500000}`)
		expect(t, r, 200, "")
		l := r.body["lead"].(map[string]any)
		if l["status"] != "converted" || l["value"] != 500000.0 || l["title"] != "Website redesign" || num(l["deal_id"]) == 0 {
			t.Fatalf("patched %s", r.raw)
		}
		r = e.do(bob, "GET", "/api/v1/deals/"+itoa(int(num(l["deal_id"]))), "")
		expect(t, r, 200, "")
		if d := r.body["deal"].(map[string]any); d["status"] != "won" || d["value"] != 500000.0 || d["lead_id"] != lead["id"] || num(d["closed_at"]) == 0 {
			t.Fatalf("the won lead's deal %s", r.raw)
		}
		expect(t, e.do(alice, "PATCH", "/api/v1/leads/"+id, `{"status":"lost"}`), 409, "lead_converted")
		expect(t, e.do(alice, "DELETE", "/api/v1/leads/"+id, ""), 403, "forbidden")

		// Lists: the conversation's leads a page at a time.
		second := e.do(bob, "POST", "/api/v1/leads", `{"title":"Hosting","conversation_id":`+cid+`}`)
		expect(t, second, 201, "")
		r = e.do(alice, "GET", "/api/v1/leads?conversation_id="+cid+"&limit=1", "")
		expect(t, r, 200, "")
		page := r.body["leads"].([]any)
		next, _ := r.body["next"].(map[string]any)
		if len(page) != 1 || page[0].(map[string]any)["title"] != "Hosting" || next == nil {
			t.Fatalf("page 1 %s", r.raw)
		}
		r = e.do(alice, "GET", "/api/v1/leads?conversation_id="+cid+"&limit=1&before_id="+itoa(int(num(next["before_id"]))), "")
		if page := r.body["leads"].([]any); len(page) != 1 || page[0].(map[string]any)["title"] != "Website redesign" {
			t.Fatalf("page 2 %s", r.raw)
		}
		r = e.do(alice, "GET", "/api/v1/leads?contact_id="+itoa(int(c.ContactID)), "")
		if page := r.body["leads"].([]any); len(page) != 2 || r.body["next"] != nil {
			t.Fatalf("contact's leads %s", r.raw)
		}
		expect(t, e.do(alice, "GET", "/api/v1/leads?limit=abc", ""), 400, "query_invalid")
		expect(t, e.do(olga, "GET", "/api/v1/leads?conversation_id="+cid, ""), 404, "")

		// Made with an API token: source api.
		tok := e.do(alice, "POST", "/api/v1/tokens", `{"name":"CRM sync"}`)
		expect(t, tok, 201, "")
		r = e.do(e.client(), "POST", "/api/v1/leads", `{"title":"From the API","contact_id":`+itoa(int(c.ContactID))+`}`,
			"Authorization", "Bearer "+tok.body["secret"].(string))
		expect(t, r, 201, "")
		if l := r.body["lead"].(map[string]any); l["source"] != "api" || l["conversation_id"] != nil {
			t.Fatalf("API lead %s", r.raw)
		}

		// Deleting the conversation keeps its leads, without the link; its items are gone with it.
		expect(t, e.do(admin, "DELETE", "/api/v1/conversations/"+cid, ""), 204, "")
		r = e.do(alice, "GET", "/api/v1/leads/"+id, "")
		expect(t, r, 200, "")
		if l := r.body["lead"].(map[string]any); l["conversation_id"] != nil || l["title"] != "Website redesign" {
			t.Fatalf("after the conversation's deletion %s", r.raw)
		}
		expect(t, e.do(alice, "GET", "/api/v1/conversations/"+cid+"/items", ""), 404, "")

		expect(t, e.do(admin, "DELETE", "/api/v1/leads/"+id, ""), 204, "")
		expect(t, e.do(alice, "GET", "/api/v1/leads/"+id, ""), 404, "not_found")
		expect(t, e.do(e.client(), "GET", "/api/v1/leads", ""), 401, "unauthenticated")
	})
}
