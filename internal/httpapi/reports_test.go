package httpapi_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/httpapi"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// The reports' HTTP side: parameters, CSV, who may read the funnel. The figures themselves are
// internal/report's tests.
func TestReportsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		proxies, _ := httpapi.ParseProxies("127.0.0.1")
		e.api = httpapi.New(httpapi.Config{Auth: e.accounts, Proxies: proxies, Reports: report.New(db, db)})
		e.srv = httptest.NewServer(e.api.Handler())
		t.Cleanup(e.srv.Close)
		e.user("admin@example.com", auth.Admin)
		e.user("agent@example.com", auth.Agent)
		admin, agent := e.client(), e.client()
		e.login(admin, "admin@example.com")
		e.login(agent, "agent@example.com")

		r := e.do(admin, "GET", "/api/v1/reports/overview?from=2026-03-01&to=2026-03-07&tz=Europe/Berlin", "")
		if r.status != 200 || r.body["time_zone"] != "Europe/Berlin" || len(r.body["days"].([]any)) != 7 {
			t.Fatalf("overview %d %s", r.status, r.raw)
		}
		if pr := r.body["previous_range"].(map[string]any); pr["from"] != "2026-02-22" || pr["to"] != "2026-02-28" {
			t.Fatalf("previous range %v", pr)
		}
		csv := e.do(admin, "GET", "/api/v1/reports/overview?from=2026-03-01&to=2026-03-07&format=csv", "")
		lines := strings.Split(strings.TrimSpace(csv.raw), "\n")
		if csv.status != 200 || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") || len(lines) != 8 ||
			!strings.HasPrefix(lines[0], "date,conversations,answered,missed") || !strings.HasPrefix(lines[1], "2026-03-01,0,0,0") {
			t.Fatalf("csv %d %q", csv.status, csv.raw)
		}
		hours := e.do(admin, "GET", "/api/v1/reports/overview?from=2026-03-01&to=2026-03-07&format=csv&section=hours", "")
		if n := len(strings.Split(strings.TrimSpace(hours.raw), "\n")); n != 1+7*24 {
			t.Fatalf("hours csv has %d lines", n)
		}
		expect(t, e.do(admin, "GET", "/api/v1/reports/overview?from=2026-03-07&to=2026-03-01", ""), 400, "range_invalid")
		expect(t, e.do(admin, "GET", "/api/v1/reports/overview?from=2026-03-01&to=2026-03-07&tz=Mars/Olympus", ""), 400, "time_zone_invalid")
		expect(t, e.do(admin, "GET", "/api/v1/reports/breakdown?from=2026-03-01&to=2026-03-07&by=mood", ""), 400, "by_invalid")
		if b := e.do(agent, "GET", "/api/v1/reports/breakdown?from=2026-03-01&to=2026-03-07&by=agent", ""); b.status != 200 {
			t.Fatalf("an agent's breakdown %d %s", b.status, b.raw)
		}
		expect(t, e.do(agent, "GET", "/api/v1/reports/funnel?playbook_id=1", ""), 403, "")
		expect(t, e.do(admin, "GET", "/api/v1/reports/funnel", ""), 400, "playbook_id_required")
		if f := e.do(admin, "GET", "/api/v1/reports/funnel?playbook_id=1", ""); f.status != 200 {
			t.Fatalf("funnel %d %s", f.status, f.raw)
		}
		expect(t, e.do(e.client(), "GET", "/api/v1/reports/overview?from=2026-03-01&to=2026-03-07", ""), 401, "")
	})
}
