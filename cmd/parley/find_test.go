package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/wstest"
)

// TestFindAnything: a visitor's German message is found by an inflected word once the indexer
// consumed its event (it is never indexed in the send itself); a colleague's private conversation
// is not; the list filters combine and refuse bad values with 400; tags are added, renamed and
// merged; a saved view with two filters counts a new matching chat.
func TestFindAnything(t *testing.T) {
	dir := t.TempDir()
	for _, u := range []struct{ email, role string }{{"owner@example.com", "owner"}, {"agent@example.com", "agent"}, {"colleague@example.com", "agent"}} {
		if code, _, errOut := parley(t, "correct horse battery\n", nil, "user", "create", "--data", dir, "--email", u.email, "--name", strings.Split(u.email, "@")[0], "--role", u.role); code != 0 {
			t.Fatal(errOut)
		}
	}
	s := startServer(t, nil, "--data", dir)
	host := strings.TrimPrefix(s.url, "http://")
	signIn := func(email string) (*api, int64) {
		a := &api{t: t, base: s.url, c: browser(t)}
		me := a.must(200, "POST", "/api/v1/session", map[string]string{"email": email, "password": "correct horse battery"})
		return a, num(me["user"].(map[string]any)["id"])
	}
	online := func(a *api) *wstest.Conn {
		u, _ := url.Parse(s.url)
		c := a.c.Jar.Cookies(u)
		ws := wstest.Dial(t, "ws://"+host+"/api/v1/events", http.Header{"Cookie": {c[0].Name + "=" + c[0].Value}, "Origin": {s.url}})
		ws.WaitFor("hello", func(e map[string]any) bool { return e["t"] == "hello" })
		return ws
	}
	owner, _ := signIn("owner@example.com")
	agent, agentID := signIn("agent@example.com")
	colleague, colleagueID := signIn("colleague@example.com")
	site := owner.must(201, "POST", "/api/v1/websites", map[string]any{"name": "Shop", "allowed_domains": []string{"localhost"}})["website"].(map[string]any)
	siteID, key := num(site["id"]), site["public_key"].(string)
	owner.must(200, "PUT", fmt.Sprintf("/api/v1/inboxes/%d/members", siteID), map[string]any{"user_ids": []int64{agentID, colleagueID}})
	if out := owner.must(200, "PATCH", fmt.Sprintf("/api/v1/inboxes/%d", siteID), map[string]any{"language": "de"}); out["inbox"].(map[string]any)["language"] != "de" {
		t.Fatalf("language: %v", out)
	}
	owner.must(400, "PATCH", fmt.Sprintf("/api/v1/inboxes/%d", siteID), map[string]any{"language": "xx"})
	online(agent)
	colleagueWS := online(colleague)

	chat := func(page, body string) int64 {
		v := &api{t: t, base: s.url, c: &http.Client{}, header: http.Header{"User-Agent": {"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}}}
		token := v.must(201, "POST", "/widget/v1/"+key+"/session", map[string]string{"page_url": page})["token"].(string)
		v.header.Set("Authorization", "Visitor "+token)
		return num(v.must(201, "POST", "/widget/v1/"+key+"/messages", map[string]string{"client_id": "c1", "body": body})["conversation"].(map[string]any)["id"])
	}
	found := func(a *api, q string) map[int64]string {
		out := a.must(200, "GET", "/api/v1/search?q="+url.QueryEscape(q), nil)
		hits := map[int64]string{}
		for _, g := range out["groups"].([]any) {
			g := g.(map[string]any)
			if g["type"] != "message" {
				continue
			}
			for _, h := range g["hits"].([]any) {
				h := h.(map[string]any)
				hits[num(h["conversation_id"])] = h["snippet"].(string)
			}
		}
		return hits
	}
	// waitFound waits, with a deadline, for the indexer to have consumed the message's event.
	waitFound := func(a *api, q string, conv int64) string {
		deadline := time.Now().Add(5 * time.Second)
		for {
			if snip, ok := found(a, q)[conv]; ok {
				return snip
			}
			if time.Now().After(deadline) {
				t.Fatalf("%q did not find conversation %d within 5 s", q, conv)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	invoice := chat("http://localhost/checkout?step=2", "Meine Rechnungsadressen sind falsch")
	snip := waitFound(agent, "Rechnungsadresse", invoice)
	if !strings.Contains(snip, "<mark>Rechnungsadressen</mark>") {
		t.Fatalf("snippet: %q", snip)
	}
	// The colleague takes a second chat: in this private inbox the agent no longer finds it.
	private := chat("http://localhost/", "Rechnungsadresse privat")
	colleague.must(200, "PUT", "/api/v1/me/availability", map[string]bool{"available": true})
	colleague.must(200, "POST", fmt.Sprintf("/api/v1/conversations/%d/assign", private), map[string]any{"user_id": colleagueID})
	waitFound(colleague, "privat", private)
	if _, ok := found(agent, "privat")[private]; ok {
		t.Fatal("the agent finds the colleague's private conversation")
	}
	agent.must(400, "GET", "/api/v1/search?q=", nil)

	// Filters.
	ids := func(a *api, query string) string {
		out := a.must(200, "GET", "/api/v1/conversations?"+query, nil)
		var got []string
		for _, r := range out["conversations"].([]any) {
			got = append(got, fmt.Sprint(num(r.(map[string]any)["id"])))
		}
		return strings.Join(got, ",")
	}
	want := func(a *api, query string, convs ...int64) {
		t.Helper()
		var w []string
		for _, c := range convs {
			w = append(w, fmt.Sprint(c))
		}
		if got := ids(a, query); got != strings.Join(w, ",") {
			t.Fatalf("%s: %s, want %v", query, got, w)
		}
	}
	want(owner, "folder=all&page_url=checkout", invoice)
	want(owner, "folder=all&ip=127.0.0.0/8&assignee=none", invoice)
	want(owner, "folder=all&ip=10.0.0.0/8")
	want(owner, fmt.Sprintf("folder=all&assignee=%d&channel=web", colleagueID), private)
	want(owner, "folder=all&has_lead=false&created_from=2020-01-01", private, invoice)
	want(owner, "folder=all&created_to=2020-01-01")
	for _, bad := range []string{"rating=6", "ip=300.1.1.1", "country=Germany", "created_from=yesterday", "has_deal=maybe", "assignee=x", "tags=a", "status=pending", "folder=everything", "q=invoice"} {
		if code, out := owner.call("GET", "/api/v1/conversations?"+bad, nil); code != 400 || !strings.Contains(fmt.Sprint(out["error"]), strings.SplitN(bad, "=", 2)[0]) {
			t.Fatalf("%s: %d %v", bad, code, out)
		}
	}

	// Tags: the agent tags the chat; the owner renames, merges; the filter follows.
	tags := agent.must(200, "POST", fmt.Sprintf("/api/v1/conversations/%d/tags", invoice), map[string]string{"name": "Billing"})["tags"].([]any)
	billing := num(tags[0].(map[string]any)["id"])
	agent.must(200, "POST", fmt.Sprintf("/api/v1/conversations/%d/tags", invoice), map[string]string{"name": "billing "}) // the same tag
	tags = agent.must(200, "POST", fmt.Sprintf("/api/v1/conversations/%d/tags", invoice), map[string]string{"name": "Rückruf"})["tags"].([]any)
	if len(tags) != 2 {
		t.Fatalf("tags: %v", tags)
	}
	// The colleague, who sees the conversation too, hears of it live.
	colleagueWS.WaitFor("the tag live", func(e map[string]any) bool {
		tag, _ := e["tag"].(map[string]any)
		return e["t"] == "tagged" && num(e["conversation_id"]) == invoice && e["action"] == "added" && tag != nil && tag["name"] == "Rückruf"
	})
	callback := num(tags[1].(map[string]any)["id"])
	if callback == billing {
		callback = num(tags[0].(map[string]any)["id"])
	}
	agent.must(404, "POST", fmt.Sprintf("/api/v1/conversations/%d/tags", private), map[string]string{"name": "x"}) // not hers to see
	want(agent, fmt.Sprintf("folder=all&tags=%d,%d", billing, callback), invoice)
	agent.must(403, "PATCH", fmt.Sprintf("/api/v1/tags/%d", billing), map[string]string{"color": "#ff0000"})
	owner.must(200, "PATCH", fmt.Sprintf("/api/v1/tags/%d", billing), map[string]string{"name": "Invoices", "color": "#FF0000"})
	owner.must(200, "POST", fmt.Sprintf("/api/v1/tags/%d/merge", callback), map[string]int64{"into": billing})
	list := owner.must(200, "GET", "/api/v1/tags", nil)["tags"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["name"] != "Invoices" || list[0].(map[string]any)["color"] != "#ff0000" || num(list[0].(map[string]any)["conversations"]) != 1 {
		t.Fatalf("tags after rename and merge: %v", list)
	}
	conv := agent.must(200, "GET", fmt.Sprintf("/api/v1/conversations/%d", invoice), nil)["conversation"].(map[string]any)
	if len(conv["tags"].([]any)) != 1 {
		t.Fatalf("conversation's tags: %v", conv["tags"])
	}
	agent.must(200, "DELETE", fmt.Sprintf("/api/v1/conversations/%d/tags/%d", invoice, billing), nil)
	want(agent, fmt.Sprintf("folder=all&tags=%d", billing))

	// A saved view with two filters counts a new matching chat.
	agent.must(403, "POST", "/api/v1/views", map[string]any{"name": "Shared", "filters": "status=open", "shared": true})
	agent.must(400, "POST", "/api/v1/views", map[string]any{"name": "Bad", "filters": "rating=9"})
	view := num(agent.must(201, "POST", "/api/v1/views", map[string]any{"name": "Checkout, unassigned", "filters": "assignee=none&page_url=checkout"})["view"].(map[string]any)["id"])
	count := func(a *api) int64 {
		for _, v := range a.must(200, "GET", "/api/v1/views?counts=true", nil)["views"].([]any) {
			if v := v.(map[string]any); num(v["id"]) == view {
				return num(v["count"])
			}
		}
		return -1
	}
	if n := count(agent); n != 1 {
		t.Fatalf("view count: %d", n)
	}
	chat("http://localhost/checkout", "Hallo")
	if n := count(agent); n != 2 {
		t.Fatalf("view count after a new chat: %d", n)
	}
	if n := count(colleague); n != -1 {
		t.Fatal("the colleague sees the agent's own view")
	}
	colleague.must(404, "DELETE", fmt.Sprintf("/api/v1/views/%d", view), nil)
	agent.must(204, "DELETE", fmt.Sprintf("/api/v1/views/%d", view), nil)

	// parley reindex rebuilds the index (SQLite: with the server stopped); it answers at once after.
	s.stop()
	code, out, errOut := parley(t, "", nil, "reindex", "--data", dir)
	if code != 0 || !strings.Contains(out, "search index of") {
		t.Fatalf("reindex: %d %s %s", code, out, errOut)
	}
	s2 := startServer(t, nil, "--data", dir)
	again := &api{t: t, base: s2.url, c: browser(t)}
	again.must(200, "POST", "/api/v1/session", map[string]string{"email": "agent@example.com", "password": "correct horse battery"})
	if _, ok := found(again, "Rechnungsadresse")[invoice]; !ok {
		t.Fatal("the rebuilt index does not find the message")
	}
	if _, ok := found(again, "privat")[private]; ok {
		t.Fatal("the rebuilt index shows the colleague's private conversation")
	}
}
