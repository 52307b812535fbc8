package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/httpapi"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/playbook"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

func newPlaybookEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	e := &env{t: t, db: db}
	e.accounts = auth.NewService(db, auth.Options{Hasher: auth.NewHasher(auth.TestHashParams, 4),
		Limits: auth.LoginLimits{PerIPBurst: 50, PerIPInterval: time.Minute, PerAccountIPBurst: 3, PerAccountIPInterval: time.Hour}})
	proxies, _ := httpapi.ParseProxies("127.0.0.1")
	e.api = httpapi.New(httpapi.Config{Auth: e.accounts, Proxies: proxies, Playbooks: playbook.NewService(db, nil)})
	e.srv = httptest.NewServer(e.api.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

func TestPlaybookAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newPlaybookEnv(t, db)
		e.user("admin@example.com", auth.Admin)
		e.user("agent@example.com", auth.Agent)
		site := &inbox.Website{Inbox: inbox.Inbox{Name: "Shop", Visibility: inbox.Private, ReopenPolicy: inbox.Final},
			PublicKey: inbox.NewKey("pk_", 12), Secret: inbox.NewKey("sk_", 32), AllowedDomains: []string{"shop.example"}, TimeZone: "UTC"}
		if err := db.CreateWebsite(context.Background(), site); err != nil {
			t.Fatal(err)
		}
		sid := itoa(int(site.ID))
		admin, agent := e.client(), e.client()
		e.login(admin, "admin@example.com")
		e.login(agent, "agent@example.com")

		create := `{"website_id":` + sid + `,"template":"live_chat","appearance":{"language":"en","color":"#112233"}}`
		expect(t, e.do(agent, "POST", "/api/v1/playbooks", create), 403, "forbidden")
		r := e.do(admin, "POST", "/api/v1/playbooks", create)
		expect(t, r, 201, "")
		pb := r.body["playbook"].(map[string]any)
		id := itoa(int(pb["id"].(float64)))
		if pb["name"] != "Chat with your leads" || pb["offline_only"] != true || pb["version"].(float64) != 1 || pb["flow"] == nil {
			t.Fatalf("created %s", r.raw)
		}

		// Agents read.
		expect(t, e.do(agent, "GET", "/api/v1/playbooks?website_id="+sid, ""), 200, "")
		expect(t, e.do(agent, "GET", "/api/v1/playbooks?website_id=abc", ""), 400, "website_id_invalid")
		got := e.do(agent, "GET", "/api/v1/playbooks/"+id, "")
		expect(t, got, 200, "")

		// A bad flow: 400 naming the card, with every problem for the editor.
		var body map[string]any
		raw, _ := json.Marshal(got.body["playbook"])
		_ = json.Unmarshal(raw, &body)
		live := body["flow"].(map[string]any)["path"].([]any)[1].(map[string]any)["answers"].([]any)[0].(map[string]any)["path"].([]any)[0].(map[string]any)
		live["waiting_seconds"] = 5
		bad, _ := json.Marshal(body)
		r = e.do(admin, "PUT", "/api/v1/playbooks/"+id, string(bad))
		expect(t, r, 400, "playbook_invalid")
		if !strings.Contains(r.raw, `live chat card “One moment, a colleague will be with…”: waiting time must be between 10 and 3600 seconds`) || strings.Contains(r.raw, `card \"crd_`) {
			t.Fatalf("message: %s", r.raw)
		}
		problems := r.body["error"].(map[string]any)["details"].(map[string]any)["problems"].([]any)
		if p := problems[0].(map[string]any); p["card_id"] != "crd_live" || p["field"] != "waiting_seconds" {
			t.Fatalf("problems: %v", problems)
		}
		v := e.do(admin, "POST", "/api/v1/playbooks/validate", string(bad))
		expect(t, v, 200, "")
		if v.body["valid"] != false || len(v.body["problems"].([]any)) != 1 {
			t.Fatalf("validate: %s", v.raw)
		}

		// What GET returned may be sent back: a new version. Sent back again, it is stale.
		live["waiting_seconds"] = 300
		good, _ := json.Marshal(body)
		expect(t, e.do(agent, "PUT", "/api/v1/playbooks/"+id, string(good)), 403, "forbidden")
		r = e.do(admin, "PUT", "/api/v1/playbooks/"+id, string(good))
		expect(t, r, 200, "")
		if r.body["playbook"].(map[string]any)["version"].(float64) != 2 {
			t.Fatalf("update: %s", r.raw)
		}
		expect(t, e.do(admin, "PUT", "/api/v1/playbooks/"+id, string(good)), 409, "version_conflict")
		if v := e.do(admin, "POST", "/api/v1/playbooks/validate", string(good)); v.body["valid"] != true {
			t.Fatalf("validate good: %s", v.raw)
		}

		// Versions: both readable.
		vs := e.do(agent, "GET", "/api/v1/playbooks/"+id+"/versions", "")
		expect(t, vs, 200, "")
		if n := len(vs.body["versions"].([]any)); n != 2 {
			t.Fatalf("versions: %s", vs.raw)
		}
		v1 := e.do(agent, "GET", "/api/v1/playbooks/"+id+"/versions/1", "")
		expect(t, v1, 200, "")
		if !strings.Contains(v1.raw, `"waiting_seconds":120`) {
			t.Fatalf("version 1: %s", v1.raw)
		}
		expect(t, e.do(agent, "GET", "/api/v1/playbooks/"+id+"/versions/9", ""), 404, "")
		expect(t, e.do(agent, "GET", "/api/v1/playbooks/"+id+"/versions/x", ""), 404, "")

		// Templates in the asked language.
		tpl := e.do(agent, "GET", "/api/v1/playbooks/templates?language=de", "")
		expect(t, tpl, 200, "")
		if !strings.Contains(tpl.raw, `"title":"Mit Ihren Leads chatten"`) {
			t.Fatalf("templates: %s", tpl.raw)
		}

		// Export, then import as a new playbook.
		ex := e.do(agent, "GET", "/api/v1/playbooks/"+id+"/export", "")
		expect(t, ex, 200, "")
		if !strings.Contains(ex.header.Get("Content-Disposition"), "playbook-"+id+".json") || ex.body["format"] != "parley-playbook" {
			t.Fatalf("export: %v %s", ex.header, ex.raw)
		}
		imp := e.do(admin, "POST", "/api/v1/playbooks/import", `{"website_id":`+sid+`,"document":`+ex.raw+`}`)
		expect(t, imp, 201, "")
		if p := imp.body["playbook"].(map[string]any); itoa(int(p["id"].(float64))) == id || p["active"] != false {
			t.Fatalf("import: %s", imp.raw)
		}
		expect(t, e.do(admin, "POST", "/api/v1/playbooks/import", `{"website_id":`+sid+`,"document":{"format":"other","format_version":1,"flow":{"path":[]}}}`), 400, "format_invalid")

		// On and off.
		expect(t, e.do(agent, "POST", "/api/v1/playbooks/"+id+"/activate", ""), 403, "")
		if r := e.do(admin, "POST", "/api/v1/playbooks/"+id+"/activate", ""); r.body["playbook"].(map[string]any)["active"] != true {
			t.Fatalf("activate: %s", r.raw)
		}
		if r := e.do(admin, "POST", "/api/v1/playbooks/"+id+"/deactivate", ""); r.body["playbook"].(map[string]any)["active"] != false {
			t.Fatalf("deactivate: %s", r.raw)
		}
		if list := e.do(agent, "GET", "/api/v1/playbooks", ""); len(list.body["playbooks"].([]any)) != 2 {
			t.Fatalf("list: %s", list.raw)
		}

		expect(t, e.do(agent, "DELETE", "/api/v1/playbooks/"+id, ""), 403, "")
		expect(t, e.do(admin, "DELETE", "/api/v1/playbooks/"+id, ""), 204, "")
		expect(t, e.do(agent, "GET", "/api/v1/playbooks/"+id, ""), 404, "")
		expect(t, e.do(e.client(), "GET", "/api/v1/playbooks", ""), 401, "")
	})
}
