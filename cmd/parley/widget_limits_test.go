package main

import (
	"database/sql"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/wstest"
)

// A script that starts widget sessions in a loop is stopped per address (the address behind the
// trusted proxy, not the proxy's), and what it gets costs a visitor row, not a contact: the contact
// is made when the visitor first writes. A visitor's other tab, waiting without a contact, gets the
// conversation its first tab started. On both engines, through a real server.
func TestWidgetSessionsAreCheapAndLimited(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			tg := startSite(t, engine)
			session := func(ip, body string) (int, map[string]any) {
				return tg.request("POST", "/widget/v1/"+tg.key+"/session", body, "Authorization", "", "X-Forwarded-For", ip)
			}
			var token string
			for i := range 30 { // the burst: 30 new visitors from one address
				status, out := session("198.51.100.7", `{"page_url":"https://shop.example/"}`)
				if status != 201 {
					t.Fatalf("session %d: %d %v", i+1, status, out)
				}
				token, _ = out["token"].(string)
			}
			status, out := session("198.51.100.7", `{}`)
			if status != 429 || errorCode(out) != "too_many_sessions" {
				t.Fatalf("31st session from one address: %d %v, want 429 too_many_sessions", status, out)
			}
			if status, out := session("198.51.100.8", `{}`); status != 201 {
				t.Fatalf("a session from another address: %d %v", status, out)
			}
			// Resuming makes nothing and is not limited.
			if status, out := session("198.51.100.7", `{"token":"`+token+`"}`); status != 200 {
				t.Fatalf("resuming from the limited address: %d %v", status, out)
			}
			if n := countRows(t, tg, "SELECT COUNT(*) FROM visitors"); n != 31 {
				t.Fatalf("%d visitors, want 31", n)
			}
			if n := countRows(t, tg, "SELECT COUNT(*) FROM contacts"); n != 0 {
				t.Fatalf("%d contacts after sessions alone, want none", n)
			}

			// Two tabs of one visitor: neither has a conversation; the first writes, the second
			// gets the conversation live.
			tab1, tab2 := dialVisitor(t, tg, token), dialVisitor(t, tg, token)
			for _, tab := range []*wstest.Conn{tab1, tab2} {
				if ready := tab.WaitFor("ready", func(e map[string]any) bool { return e["t"] == "ready" }); ready["conversation"] != nil {
					t.Fatalf("ready before writing: %v", ready)
				}
			}
			tab1.Send(map[string]string{"t": "send", "client_id": "c1", "body": "Hello there"})
			tab1.WaitFor("ack", func(e map[string]any) bool { return e["t"] == "ack" && e["client_id"] == "c1" })
			tab2.WaitFor("the first tab's message", hasMessage("Hello there"))
			tab1.WaitFor("its own message", hasMessage("Hello there"))
			if n := countRows(t, tg, "SELECT COUNT(*) FROM contacts"); n != 1 {
				t.Fatalf("%d contacts after the first message, want 1", n)
			}
			list := tg.must(t, 200, "GET", "/api/v1/conversations?folder=unassigned", "")["conversations"].([]any)
			if len(list) != 1 || list[0].(map[string]any)["visitor_online"] != true {
				t.Fatalf("unassigned %v: want the visitor's conversation, with the visitor online", list)
			}
			// What agents do next reaches both tabs.
			id := num(list[0].(map[string]any)["id"])
			tg.must(t, 200, "POST", "/api/v1/conversations/"+strconv.FormatInt(id, 10)+"/close", "")
			closed := func(e map[string]any) bool {
				c, _ := e["conversation"].(map[string]any)
				return e["t"] == "conversation" && c["status"] == "closed"
			}
			tab1.WaitFor("the close", closed)
			tab2.WaitFor("the close", closed)
		})
	}
}

// dialVisitor opens a visitor socket with the token and authenticates it.
func dialVisitor(t *testing.T, tg *textTarget, token string) *wstest.Conn {
	t.Helper()
	s := wstest.Dial(t, "ws://"+strings.TrimPrefix(tg.base, "http://")+"/widget/v1/"+tg.key+"/ws", http.Header{"Origin": {tg.base}})
	s.Send(map[string]string{"t": "auth", "token": token})
	return s
}

// countRows reads one number from the server's database while it runs.
func countRows(t *testing.T, tg *textTarget, query string) int {
	t.Helper()
	driver, dsn := "pgx", tg.database
	if tg.engine == "sqlite" {
		driver, dsn = "sqlite", "file:"+tg.database+"?mode=ro&_pragma=busy_timeout(5000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// With --metrics-addr the metrics are served there, and the public listener has no /metrics, not
// even for loopback.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	addr := freeLoopbackAddr(t)
	base, _, _ := serveInProcess(t, "sqlite", "--metrics-addr", addr)
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Fatalf("public /metrics: %d, want 404", res.StatusCode)
	}
	res, err = http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(body), `parley_http_request_duration_seconds_count{code="404",route="GET /metrics"} 1`) {
		t.Fatalf("metrics listener: %d\n%.500s", res.StatusCode, body)
	}
}

// A request without the WebSocket handshake to a WebSocket endpoint gets the JSON error every
// other refusal has (the WebSocket library used to answer it in plain text).
func TestWebSocketEndpointsAnswerJSON(t *testing.T) {
	tg := startSite(t, "sqlite")
	for _, tc := range []struct {
		path string
		hdr  []string
		code string
	}{
		{"/api/v1/events", nil, "websocket_required"},
		{"/widget/v1/" + tg.key + "/ws", []string{"Authorization", ""}, "websocket_required"},
		{"/widget/v1/" + tg.key + "/ws", []string{"Authorization", "", "Connection", "Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Version", "8"}, "websocket_version"},
		{"/api/v1/events", []string{"Connection", "keep-alive, Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Version", "13"}, "websocket_key"},
	} {
		status, out := tg.request("GET", tc.path, "", tc.hdr...)
		if status != 400 || errorCode(out) != tc.code {
			t.Errorf("GET %s %v: %d %v, want 400 %s", tc.path, tc.hdr, status, out, tc.code)
		}
		if e, _ := out["error"].(map[string]any); e["request_id"] == nil || e["message"] == nil {
			t.Errorf("GET %s: %v, want the JSON error", tc.path, out)
		}
	}
}
