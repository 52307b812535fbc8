package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/wstest"
)

// The chatbot over the real widget socket, in a real process: the page's playbook comes with the
// session, "start" shows its greeting in a conversation only the bot holds, the live chat answer
// hands it to Unassigned with a waiting card, and the waiting timer — a durable job — fires after a
// restart of the server in the middle of the wait: the offline card and the offline path's capture
// card follow, and the captured email becomes a lead.
func TestBotLiveChatSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	for _, u := range []struct{ email, role string }{{"owner@example.com", "owner"}, {"agent@example.com", "agent"}} {
		if code, _, errOut := parley(t, "correct horse battery\n", nil, "user", "create", "--data", dir, "--email", u.email, "--name", strings.Split(u.email, "@")[0], "--role", u.role); code != 0 {
			t.Fatal(errOut)
		}
	}
	s := startServer(t, nil, "--data", dir)
	owner := &api{t: t, base: s.url, c: browser(t)}
	owner.must(200, "POST", "/api/v1/session", map[string]string{"email": "owner@example.com", "password": "correct horse battery"})
	agent := &api{t: t, base: s.url, c: browser(t)}
	agentID := num(agent.must(200, "POST", "/api/v1/session", map[string]string{"email": "agent@example.com", "password": "correct horse battery"})["user"].(map[string]any)["id"])
	site := owner.must(201, "POST", "/api/v1/websites", map[string]any{"name": "Shop", "allowed_domains": []string{"localhost", "shop.example"}})["website"].(map[string]any)
	siteID, key := num(site["id"]), site["public_key"].(string)
	owner.must(200, "PUT", fmt.Sprintf("/api/v1/inboxes/%d/members", siteID), map[string]any{"user_ids": []int64{agentID}})

	// The "Chat with your leads" template, with a 10-second waiting time.
	pb := owner.must(201, "POST", "/api/v1/playbooks", map[string]any{"website_id": siteID, "name": "Live chat", "template": "live_chat", "active": true,
		"appearance": map[string]any{"color": "#1f6f43", "text_color": "#ffffff", "icon": "chat", "bot_name": "Shop assistant", "language": "en", "side": "right"}})["playbook"].(map[string]any)
	if pb["offline_only"] != true {
		t.Fatalf("a playbook no widget has loaded shows its live chat card as offline only: %v", pb["offline_only"])
	}
	flow := pb["flow"].(map[string]any)
	live := flow["path"].([]any)[1].(map[string]any)["answers"].([]any)[0].(map[string]any)["path"].([]any)[0].(map[string]any)
	if live["type"] != "live_chat" {
		t.Fatalf("template's talk answer leads to %v", live)
	}
	live["waiting_seconds"] = 10
	pb = owner.must(200, "PUT", fmt.Sprintf("/api/v1/playbooks/%d", num(pb["id"])), pb)["playbook"].(map[string]any)
	if num(pb["version"]) != 2 {
		t.Fatalf("a save makes a new version: %v", pb["version"])
	}

	// The agent is online: a live socket.
	host := strings.TrimPrefix(s.url, "http://")
	cookie := func(a *api) string {
		for _, c := range a.c.Jar.Cookies(mustURL(t, s.url)) {
			return c.Name + "=" + c.Value
		}
		return ""
	}
	agentWS := wstest.Dial(t, "ws://"+host+"/api/v1/events", http.Header{"Cookie": {cookie(agent)}, "Origin": {s.url}})
	agentWS.WaitFor("hello", func(e map[string]any) bool { return e["t"] == "hello" && e["available"] == true })

	// Before any session, the loader's allowed.js hands it the page's greeting (and writes no visitor).
	res, err := http.Get(s.url + "/widget/v1/" + key + "/allowed.js?host=shop.example&url=" + url.QueryEscape("https://shop.example/pricing"))
	if err != nil {
		t.Fatal(err)
	}
	script, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(script), `"text":"Hi there! 👋 Welcome."`) || !strings.Contains(string(script), `"language":"en"`) || !strings.Contains(string(script), `document.currentScript.dispatchEvent`) {
		t.Fatalf("allowed.js with the page: %d %s", res.StatusCode, script)
	}

	visitor := &api{t: t, base: s.url, c: client(t), header: http.Header{"User-Agent": {"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}}}
	sess := visitor.must(201, "POST", "/widget/v1/"+key+"/session", map[string]string{"page_url": "https://shop.example/pricing"})
	if ap, _ := sess["appearance"].(map[string]any); ap == nil || ap["bot_name"] != "Shop assistant" {
		t.Fatalf("the session carries the playbook's look: %v", sess)
	}
	token := sess["token"].(string)
	visitor.header.Set("Authorization", "Visitor "+token)
	if got := owner.must(200, "GET", fmt.Sprintf("/api/v1/playbooks/%d", num(pb["id"])), nil)["playbook"].(map[string]any); got["offline_only"] != false {
		t.Fatalf("once a widget loaded it, the playbook is no longer offline only: %v", got["offline_only"])
	}

	ws := wstest.Dial(t, "ws://"+host+"/widget/v1/"+key+"/ws", http.Header{"Origin": {s.url}})
	ws.Send(map[string]string{"t": "auth", "token": token})
	ws.WaitFor("ready", func(e map[string]any) bool { return e["t"] == "ready" })
	ws.Send(map[string]string{"t": "start", "url": "https://shop.example/pricing", "client_id": "s1"})
	ws.WaitFor("start ack", func(e map[string]any) bool { return e["t"] == "ack" && e["client_id"] == "s1" })
	ws.WaitFor("the question card", hasCard("crd_help", ""))
	if list := agent.must(200, "GET", "/api/v1/conversations?folder=unassigned", nil)["conversations"].([]any); len(list) != 0 {
		t.Fatalf("a conversation only the bot spoke in is in Unassigned: %v", list)
	}

	ws.Send(map[string]string{"t": "answer", "card_id": "crd_help", "answer_id": "talk", "client_id": "a1"})
	ws.WaitFor("answer ack", func(e map[string]any) bool { return e["t"] == "ack" && e["client_id"] == "a1" })
	ws.WaitFor("the waiting card", hasCard("crd_live", "waiting"))
	agentWS.WaitFor("the chat in Unassigned", hasCard("crd_live", "waiting"))
	if list := agent.must(200, "GET", "/api/v1/conversations?folder=unassigned", nil)["conversations"].([]any); len(list) != 1 {
		t.Fatalf("after the live chat answer the conversation is in Unassigned: %v", list)
	}

	// The server restarts during the wait; nobody takes the chat.
	s.stop()
	s = startServer(t, nil, "--data", dir)
	host = strings.TrimPrefix(s.url, "http://")
	ws = wstest.Dial(t, "ws://"+host+"/widget/v1/"+key+"/ws", http.Header{"Origin": {s.url}})
	ws.Send(map[string]string{"t": "auth", "token": token})
	ws.WaitFor("ready", func(e map[string]any) bool { return e["t"] == "ready" })
	// The timer's job is due 10 s after the answer; the runner finds it after the restart.
	ws.WaitWithin(40*time.Second, "the offline card", hasCard("crd_live", "offline"))
	ws.WaitFor("the email capture card", hasCard("crd_email", ""))

	ws.Send(map[string]string{"t": "capture", "card_id": "crd_email", "value": "nope", "client_id": "c1"})
	bad := ws.WaitFor("capture_invalid", func(e map[string]any) bool { return e["t"] == "error" && e["code"] == "capture_invalid" })
	if bad["ref"] != "crd_email" || !strings.Contains(fmt.Sprint(bad["message"]), "email") {
		t.Fatalf("invalid capture: %v", bad)
	}
	ws.Send(map[string]string{"t": "capture", "card_id": "crd_email", "value": "ana@example.com", "client_id": "c2"})
	ack := ws.WaitFor("capture ack", func(e map[string]any) bool { return e["t"] == "ack" && e["client_id"] == "c2" })
	convID := num(ack["conversation_id"])

	owner = &api{t: t, base: s.url, c: browser(t)}
	owner.must(200, "POST", "/api/v1/session", map[string]string{"email": "owner@example.com", "password": "correct horse battery"})
	leads := owner.must(200, "GET", fmt.Sprintf("/api/v1/leads?conversation_id=%d", convID), nil)["leads"].([]any)
	if len(leads) != 1 {
		t.Fatalf("the offline path's action made no lead: %v", leads)
	}
	c := owner.must(200, "GET", fmt.Sprintf("/api/v1/conversations/%d", convID), nil)["conversation"].(map[string]any)
	if c["status"] != "open" || c["assignee_id"] != nil {
		t.Fatalf("the conversation waits in Unassigned for a later answer: %v", c)
	}
	s.stop()
}

// hasCard matches a conversation frame with a bot card of this id (and live chat state).
func hasCard(id, state string) func(map[string]any) bool {
	return func(e map[string]any) bool {
		msgs, _ := e["messages"].([]any)
		for _, m := range msgs {
			mm, _ := m.(map[string]any)
			card, _ := mm["card"].(map[string]any)
			if card != nil && card["id"] == id && (state == "" || card["state"] == state) {
				return true
			}
		}
		return false
	}
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
