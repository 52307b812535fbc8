package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/wstest"
)

// TestInboxListAndAssignees: what the inbox app needs beyond the conversation itself — each folder
// row says what the user may do with it (the Resolve button on the row), the folder counts come
// with a page on request, and a conversation names the people it may be given to now.
func TestInboxListAndAssignees(t *testing.T) {
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
	online := func(a *api) {
		u, _ := url.Parse(s.url)
		c := a.c.Jar.Cookies(u)
		ws := wstest.Dial(t, "ws://"+host+"/api/v1/events", http.Header{"Cookie": {c[0].Name + "=" + c[0].Value}, "Origin": {s.url}})
		ws.WaitFor("hello", func(e map[string]any) bool { return e["t"] == "hello" })
	}
	owner, _ := signIn("owner@example.com")
	agent, agentID := signIn("agent@example.com")
	colleague, colleagueID := signIn("colleague@example.com")
	site := owner.must(201, "POST", "/api/v1/websites", map[string]any{"name": "Shop", "allowed_domains": []string{"localhost"}})["website"].(map[string]any)
	siteID, key := num(site["id"]), site["public_key"].(string)
	owner.must(200, "PUT", fmt.Sprintf("/api/v1/inboxes/%d/members", siteID), map[string]any{"user_ids": []int64{agentID, colleagueID}})
	online(agent)
	online(colleague)

	visitor := &api{t: t, base: s.url, c: client(t), header: http.Header{"User-Agent": {"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}}}
	token := visitor.must(201, "POST", "/widget/v1/"+key+"/session", map[string]string{})["token"].(string)
	visitor.header.Set("Authorization", "Visitor "+token)
	convID := num(visitor.must(201, "POST", "/widget/v1/"+key+"/messages", map[string]string{"client_id": "c1", "body": "Hello?"})["conversation"].(map[string]any)["id"])

	type page struct {
		rows   []map[string]any
		counts map[string]any
	}
	list := func(a *api, folder string) page {
		out := a.must(200, "GET", "/api/v1/conversations?counts=true&folder="+folder, nil)
		var p page
		for _, r := range out["conversations"].([]any) {
			p.rows = append(p.rows, r.(map[string]any))
		}
		p.counts, _ = out["counts"].(map[string]any)
		return p
	}
	counts := func(p page) string {
		return fmt.Sprintf("u%d m%d o%d a%d", num(p.counts["unassigned"]), num(p.counts["mine"]), num(p.counts["others"]), num(p.counts["open"]))
	}
	allowed := func(row map[string]any, what string) bool {
		return row["allowed"].(map[string]any)[what] == true
	}

	// Unassigned, in a private inbox: a member may take it but not close it; an admin may do both.
	p := list(agent, "unassigned")
	if len(p.rows) != 1 || num(p.rows[0]["id"]) != convID || counts(p) != "u1 m0 o0 a1" {
		t.Fatalf("agent's unassigned: %v %v", p.rows, p.counts)
	}
	if !allowed(p.rows[0], "assign_to_me") || allowed(p.rows[0], "close") || allowed(p.rows[0], "delete") {
		t.Fatalf("agent's row allows %v", p.rows[0]["allowed"])
	}
	if p := list(owner, "open"); len(p.rows) != 1 || !allowed(p.rows[0], "close") || !allowed(p.rows[0], "delete") {
		t.Fatalf("owner's row: %v", p.rows)
	}
	if out := agent.must(200, "GET", "/api/v1/conversations?folder=open", nil); out["counts"] != nil {
		t.Fatalf("counts without asking: %v", out)
	}

	// The people it may go to: the two available members, not the owner (offline).
	names := func(a *api) string {
		out := a.must(200, "GET", fmt.Sprintf("/api/v1/conversations/%d", convID), nil)
		var n []string
		for _, x := range out["assignees"].([]any) {
			n = append(n, x.(map[string]any)["name"].(string))
		}
		return strings.Join(n, ",")
	}
	if got := names(agent); got != "agent,colleague" {
		t.Fatalf("assignees: %q", got)
	}

	agent.must(200, "POST", fmt.Sprintf("/api/v1/conversations/%d/assign", convID), map[string]any{"user_id": agentID})
	p = list(agent, "mine")
	if len(p.rows) != 1 || !allowed(p.rows[0], "close") || counts(p) != "u0 m1 o0 a1" {
		t.Fatalf("agent's mine after taking it: %v %v", p.rows, p.counts)
	}
	// Private: the colleague no longer sees it, nor counts it; the owner counts it under Others.
	if p := list(colleague, "open"); len(p.rows) != 0 || counts(p) != "u0 m0 o0 a0" {
		t.Fatalf("colleague's open: %v %v", p.rows, p.counts)
	}
	if p := list(owner, "others"); len(p.rows) != 1 || counts(p) != "u0 m0 o1 a1" {
		t.Fatalf("owner's others: %v %v", p.rows, p.counts)
	}
	// The assignee is left out of the drop-down; a colleague who turns unavailable drops out too.
	if got := names(agent); got != "colleague" {
		t.Fatalf("assignees after taking it: %q", got)
	}
	colleague.must(200, "PUT", "/api/v1/me/availability", map[string]bool{"available": false})
	if got := names(agent); got != "" {
		t.Fatalf("assignees with the colleague unavailable: %q", got)
	}

	agent.must(200, "POST", fmt.Sprintf("/api/v1/conversations/%d/close", convID), nil)
	if p := list(agent, "closed"); len(p.rows) != 1 || allowed(p.rows[0], "close") || counts(p) != "u0 m0 o0 a0" {
		t.Fatalf("agent's closed: %v %v", p.rows, p.counts)
	}
	if out := agent.must(200, "GET", fmt.Sprintf("/api/v1/conversations/%d", convID), nil); out["assignees"] != nil {
		t.Fatalf("a closed conversation offers assignees: %v", out)
	}
}
