package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/wstest"
)

// hasMessage matches a conversation event carrying a message with this body.
func hasMessage(body string) func(map[string]any) bool {
	return func(e map[string]any) bool {
		msgs, _ := e["messages"].([]any)
		for _, m := range msgs {
			if mm, _ := m.(map[string]any); mm["body"] == body {
				return true
			}
		}
		return false
	}
}

func hasEvent(typ string) func(map[string]any) bool {
	return func(e map[string]any) bool {
		msgs, _ := e["messages"].([]any)
		for _, m := range msgs {
			mm, _ := m.(map[string]any)
			if ev, _ := mm["event"].(map[string]any); ev != nil && ev["type"] == typ {
				return true
			}
		}
		return false
	}
}

// api is a JSON client for one user or visitor.
type api struct {
	t      *testing.T
	base   string
	c      *http.Client
	header http.Header
}

func (a *api) call(method, path string, body any) (int, map[string]any) {
	a.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, a.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range a.header {
		req.Header[k] = v
	}
	res, err := a.c.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	if out == nil {
		out = map[string]any{"raw": string(raw)}
	}
	return res.StatusCode, out
}

func (a *api) must(status int, method, path string, body any) map[string]any {
	a.t.Helper()
	got, out := a.call(method, path, body)
	if got != status {
		a.t.Fatalf("%s %s: %d %v, want %d", method, path, got, out, status)
	}
	return out
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestLiveChatJourney: a visitor writes on a website with no playbook, the message reaches an
// available agent live, the agent's reply takes the chat and reaches the visitor, and closing it
// shows on both sides. Over real sockets against a real `parley serve`.
func TestLiveChatJourney(t *testing.T) {
	dir := t.TempDir()
	for _, u := range []struct{ email, role string }{{"owner@example.com", "owner"}, {"agent@example.com", "agent"}, {"colleague@example.com", "agent"}} {
		if code, _, errOut := parley(t, "correct horse battery\n", nil, "user", "create", "--data", dir, "--email", u.email, "--name", strings.Split(u.email, "@")[0], "--role", u.role); code != 0 {
			t.Fatal(errOut)
		}
	}
	s := startServer(t, nil, "--data", dir)
	host := strings.TrimPrefix(s.url, "http://")
	owner := &api{t: t, base: s.url, c: browser(t)}
	owner.must(200, "POST", "/api/v1/session", map[string]string{"email": "owner@example.com", "password": "correct horse battery"})
	agent := &api{t: t, base: s.url, c: browser(t)}
	me := agent.must(200, "POST", "/api/v1/session", map[string]string{"email": "agent@example.com", "password": "correct horse battery"})
	agentID := num(me["user"].(map[string]any)["id"])

	site := owner.must(201, "POST", "/api/v1/websites", map[string]any{"name": "Shop", "allowed_domains": []string{"localhost", "shop.example"}})["website"].(map[string]any)
	siteID, key := num(site["id"]), site["public_key"].(string)
	if site["visibility"] != "private" || site["reopen_policy"] != "final" {
		t.Fatalf("website defaults: %v", site)
	}
	colleague := &api{t: t, base: s.url, c: browser(t)}
	colleagueID := num(colleague.must(200, "POST", "/api/v1/session", map[string]string{"email": "colleague@example.com", "password": "correct horse battery"})["user"].(map[string]any)["id"])
	owner.must(200, "PUT", fmt.Sprintf("/api/v1/inboxes/%d/members", siteID), map[string]any{"user_ids": []int64{agentID, colleagueID}})

	// The agent opens the inbox: a live socket makes them available.
	u, _ := url.Parse(s.url)
	cookies := agent.c.Jar.Cookies(u)
	agentWS := wstest.Dial(t, "ws://"+host+"/api/v1/events", http.Header{"Cookie": {cookies[0].Name + "=" + cookies[0].Value}, "Origin": {s.url}})
	agentWS.WaitFor("hello", func(e map[string]any) bool { return e["t"] == "hello" && e["available"] == true })
	cc := colleague.c.Jar.Cookies(u)
	colleagueWS := wstest.Dial(t, "ws://"+host+"/api/v1/events", http.Header{"Cookie": {cc[0].Name + "=" + cc[0].Value}, "Origin": {s.url}})
	colleagueWS.WaitFor("hello", func(e map[string]any) bool { return e["t"] == "hello" })
	// A socket from another origin is refused.
	if status := wstest.Refused(t, "ws://"+host+"/api/v1/events", http.Header{"Cookie": {cc[0].Name + "=" + cc[0].Value}, "Origin": {"https://evil.example"}}); status != 403 {
		t.Fatalf("cross-origin agent socket: %d, want 403", status)
	}

	// A page on a domain the website does not allow gets no session.
	// A real browser: crawlers and scripts get no visitor identity.
	visitor := &api{t: t, base: s.url, c: client(t), header: http.Header{"User-Agent": {"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}}}
	if code, out := visitor.call("POST", "/widget/v1/"+key+"/session", map[string]string{}); code != 201 {
		t.Fatalf("browser session: %d %v", code, out)
	}
	bot := &api{t: t, base: s.url, c: client(t), header: http.Header{"User-Agent": {"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"}}}
	if code, out := bot.call("POST", "/widget/v1/"+key+"/session", map[string]string{}); code != 400 || out["error"].(map[string]any)["code"] != "crawler" {
		t.Fatalf("crawler session: %d %v", code, out)
	}
	code, out := visitor.call("POST", "/widget/v1/"+key+"/session", map[string]string{"page_url": "https://evil.example/x"})
	if code != 403 || out["error"].(map[string]any)["code"] != "domain_not_allowed" {
		t.Fatalf("session on a foreign domain: %d %v", code, out)
	}
	code, _ = visitor.call("POST", "/widget/v1/pk_unknown/session", map[string]string{})
	if code != 404 {
		t.Fatalf("unknown website key: %d", code)
	}
	sess := visitor.must(201, "POST", "/widget/v1/"+key+"/session", map[string]string{"page_url": "https://shop.example/shoes", "page_title": "Shoes"})
	token := sess["token"].(string)
	visitor.header.Set("Authorization", "Visitor "+token)

	// The visitor's socket authenticates with its first frame.
	visitorWS := wstest.Dial(t, "ws://"+host+"/widget/v1/"+key+"/ws", http.Header{"Origin": {s.url}})
	visitorWS.Send(map[string]string{"t": "auth", "token": token})
	ready := visitorWS.WaitFor("ready", func(e map[string]any) bool { return e["t"] == "ready" })
	if num(ready["agents_available"]) != 2 {
		t.Fatalf("ready counts %v available agents, want the website's two online members", ready["agents_available"])
	}

	visitorWS.Send(map[string]string{"t": "send", "client_id": "c1", "body": "Hello, my card is 4111 1111 1111 1111"})
	visitorWS.Send(map[string]string{"t": "send", "client_id": "c1", "body": "Hello, my card is 4111 1111 1111 1111"}) // a retry
	visitorWS.WaitFor("ack", func(e map[string]any) bool { return e["t"] == "ack" && e["client_id"] == "c1" })
	masked := "Hello, my card is •••• •••• •••• 1111"
	got := agentWS.WaitFor("the visitor's message", hasMessage(masked))
	conv := got["conversation"].(map[string]any)
	convID := num(conv["id"])
	if conv["status"] != "open" || conv["assignee_id"] != nil {
		t.Fatalf("new conversation %v, want open and unassigned", conv)
	}
	list := agent.must(200, "GET", "/api/v1/conversations?folder=unassigned", nil)["conversations"].([]any)
	if len(list) != 1 || num(list[0].(map[string]any)["unread"]) != 1 {
		t.Fatalf("unassigned folder %v: want one conversation with one unread (the retry stored nothing)", list)
	}
	// The visitor's widget socket is open: they are on the site, in live frames and in the API.
	if conv["visitor_online"] != true || list[0].(map[string]any)["visitor_online"] != true {
		t.Fatalf("visitor_online: frame %v, folder row %v; want true while the widget is open", conv["visitor_online"], list[0].(map[string]any)["visitor_online"])
	}
	if one := agent.must(200, "GET", fmt.Sprintf("/api/v1/conversations/%d", convID), nil)["conversation"].(map[string]any); one["visitor_online"] != true {
		t.Fatalf("GET conversation: visitor_online %v, want true", one["visitor_online"])
	}

	// Replying takes the unassigned chat: the visitor sees the agent join, then the reply.
	agent.must(201, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", convID), map[string]string{"body": "Hi! How can I help?", "client_id": "a1"})
	joined := visitorWS.WaitFor("joined", hasEvent("joined"))
	if jm := joined["messages"].([]any)[0].(map[string]any); jm["event"].(map[string]any)["user_name"] != "agent" {
		t.Fatalf("joined event %v", jm)
	}
	reply := visitorWS.WaitFor("the reply", hasMessage("Hi! How can I help?"))
	if rm := reply["messages"].([]any); rm[len(rm)-1].(map[string]any)["name"] != "agent" {
		t.Fatalf("reply without the agent's name: %v", rm)
	}
	// The website is private: once taken, the conversation leaves the colleague's view.
	colleagueWS.WaitFor("the visitor's message", hasMessage(masked))
	colleagueWS.WaitFor("hidden", func(e map[string]any) bool { return e["t"] == "hidden" && num(e["conversation_id"]) == convID })
	if code, _ := colleague.call("GET", fmt.Sprintf("/api/v1/conversations/%d", convID), nil); code != 404 {
		t.Fatalf("colleague reads a conversation assigned to another in a private inbox: %d", code)
	}
	mine := agent.must(200, "GET", "/api/v1/conversations?folder=mine", nil)["conversations"].([]any)
	if len(mine) != 1 {
		t.Fatalf("mine: %v", mine)
	}

	// Rich text reaches the visitor as sanitised HTML; script stays inert.
	evil := "**Bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
	agent.must(201, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", convID), map[string]string{"body": evil})
	rich := visitorWS.WaitFor("the rich reply", hasMessage(evil))
	msgs := rich["messages"].([]any)
	html, _ := msgs[len(msgs)-1].(map[string]any)["html"].(string)
	if !strings.Contains(html, "<strong>Bold</strong>") || strings.Contains(html, "<script") || strings.Contains(html, "javascript:") || strings.Contains(html, "<img") {
		t.Fatalf("rich message html %q", html)
	}

	// A picture from the visitor: uploaded, then sent; the agent may read it, the colleague may not.
	png := tinyPNG(t)
	req, _ := http.NewRequest("POST", s.url+"/widget/v1/"+key+"/attachments?name=shoe%204111111111111111.png", bytes.NewReader(png))
	req.Header.Set("Authorization", "Visitor "+token)
	req.Header.Set("Content-Type", "image/png") // as a browser sends a file
	req.Header.Set("User-Agent", visitor.header.Get("User-Agent"))
	res, err := client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var up map[string]any
	_ = json.NewDecoder(res.Body).Decode(&up)
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("upload: %d %v", res.StatusCode, up)
	}
	att := up["attachment"].(map[string]any)
	if att["content_type"] != "image/png" || num(att["width"]) != 2 || strings.Contains(att["name"].(string), "4111111111111111") {
		t.Fatalf("uploaded attachment %v", att)
	}
	visitorWS.Send(map[string]any{"t": "send", "client_id": "c-pic", "attachment_id": num(att["id"])})
	agentWS.WaitFor("the picture, the list's line saying so", func(e map[string]any) bool {
		msgs, _ := e["messages"].([]any)
		for _, m := range msgs {
			if mm := m.(map[string]any); mm["kind"] == "attachment" && num(mm["attachment_id"]) == num(att["id"]) {
				file, _ := mm["attachment"].(map[string]any)
				conv, _ := e["conversation"].(map[string]any)
				return file["content_type"] == "image/png" && num(file["width"]) == 2 && conv["preview"] == "📷"
			}
		}
		return false
	})
	if c := agent.must(200, "GET", fmt.Sprintf("/api/v1/conversations/%d", convID), nil)["conversation"].(map[string]any); c["preview"] != "📷" {
		t.Fatalf("the stored preview of a picture without a caption: %q", c["preview"])
	}
	attPath := fmt.Sprintf("/api/v1/attachments/%d", num(att["id"]))
	if res, err := agent.c.Get(s.url + attPath); err != nil || res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("agent download: %v %v", err, res)
	}
	if code, _ := colleague.call("GET", attPath, nil); code != 404 {
		t.Fatalf("colleague downloads an attachment of a hidden conversation: %d", code)
	}

	// Read receipts: the agent's read reaches the visitor, the visitor's reaches the agent.
	agent.must(204, "POST", fmt.Sprintf("/api/v1/conversations/%d/read", convID), map[string]int64{"seq": 1 << 40})
	visitorWS.WaitFor("the agent's read receipt", func(e map[string]any) bool { return e["t"] == "read" && e["by"] == "agent" })
	visitorWS.Send(map[string]any{"t": "read", "seq": 3})
	agentWS.WaitFor("the visitor's read receipt", func(e map[string]any) bool { return e["t"] == "read" && e["by"] == "visitor" && num(e["seq"]) == 3 })

	// Typing carries no text.
	visitorWS.Send(map[string]any{"t": "typing", "on": true})
	typing := agentWS.WaitFor("typing", func(e map[string]any) bool { return e["t"] == "typing" && e["from"] == "visitor" })
	if _, hasBody := typing["body"]; hasBody {
		t.Fatalf("typing event carries text: %v", typing)
	}

	// An internal note never reaches the visitor.
	agent.must(201, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", convID), map[string]any{"body": "VIP customer", "note": true})
	agentWS.WaitFor("the note", hasMessage("VIP customer"))

	// Close: both sides see it; the conversation is in Closed.
	agent.must(200, "POST", fmt.Sprintf("/api/v1/conversations/%d/close", convID), nil)
	visitorWS.WaitFor("closed", hasEvent("closed"))
	closed := agent.must(200, "GET", "/api/v1/conversations?folder=closed", nil)["conversations"].([]any)
	if len(closed) != 1 {
		t.Fatalf("closed folder: %v", closed)
	}
	for _, e := range visitorWS.Events() {
		if hasMessage("VIP customer")(e) {
			t.Fatal("the visitor received an internal note")
		}
	}
	for _, e := range colleagueWS.Events() {
		if hasMessage("Hi! How can I help?")(e) || hasMessage("VIP customer")(e) {
			t.Fatal("the colleague received messages of a conversation hidden from them")
		}
	}
	// Closed is final on a website: the visitor's next message starts a new conversation.
	visitor.must(201, "POST", "/widget/v1/"+key+"/messages", map[string]string{"client_id": "c2", "body": "One more thing"})
	second := agentWS.WaitFor("a new conversation", hasMessage("One more thing"))
	if num(second["conversation"].(map[string]any)["id"]) == convID {
		t.Fatal("a message after close went into the closed conversation of a final inbox")
	}
	// The colleague leaves the website's team: their open socket stops receiving its conversations.
	owner.must(200, "PUT", fmt.Sprintf("/api/v1/inboxes/%d/members", siteID), map[string]any{"user_ids": []int64{agentID}})
	colleagueWS.WaitFor("resync after the access change", func(e map[string]any) bool { return e["t"] == "resync" })
	visitor.must(201, "POST", "/widget/v1/"+key+"/messages", map[string]string{"client_id": "after-removal", "body": "Still there?"})
	agentWS.WaitFor("the message after the colleague left", hasMessage("Still there?"))
	colleagueWS.Send(map[string]string{"t": "ping"})
	colleagueWS.WaitFor("pong", func(e map[string]any) bool { return e["t"] == "pong" })
	for _, e := range colleagueWS.Events() {
		if hasMessage("Still there?")(e) {
			t.Fatal("an agent removed from the inbox still receives its conversations")
		}
	}

	// Consent is recorded with its text, version and time, and shows in the contact's details.
	visitor.must(201, "POST", "/widget/v1/"+key+"/consent", map[string]string{"text": "I agree to the privacy policy", "version": "2026-01"})
	details := agent.must(200, "GET", fmt.Sprintf("/api/v1/contacts/%d", num(conv["contact_id"])), nil)
	if cs, _ := details["consents"].([]any); len(cs) != 1 || cs[0].(map[string]any)["version"] != "2026-01" || num(cs[0].(map[string]any)["given_at"]) == 0 {
		t.Fatalf("contact details consents: %v", details["consents"])
	}
	if pv, _ := details["page_views"].([]any); len(pv) == 0 {
		t.Fatalf("contact details without page views: %v", details)
	}

	// An oversized message is refused.
	if code, out := visitor.call("POST", "/widget/v1/"+key+"/messages", map[string]string{"body": strings.Repeat("a", 10001)}); code != 413 {
		t.Fatalf("oversized message: %d %v", code, out)
	}
	// Too many messages too fast: refused with a clear code, the rest is stored.
	limited := false
	for i := range 20 {
		code, out := visitor.call("POST", "/widget/v1/"+key+"/messages", map[string]string{"client_id": fmt.Sprintf("burst-%d", i), "body": "spam"})
		if code == 429 {
			if out["error"].(map[string]any)["code"] != "too_many_messages" {
				t.Fatalf("429 body %v", out)
			}
			limited = true
			break
		}
		if code != 201 {
			t.Fatalf("burst message %d: %d %v", i, code, out)
		}
	}
	if !limited {
		t.Fatal("20 messages at once were not rate limited")
	}

	// A forged token is refused and stores nothing.
	forged := &api{t: t, base: s.url, c: client(t), header: http.Header{"Authorization": {"Visitor pv_forged"}}}
	if code, _ := forged.call("POST", "/widget/v1/"+key+"/messages", map[string]string{"body": "hi"}); code != 401 {
		t.Fatalf("forged token: %d", code)
	}
	s.stop()

	// The raw card number is nowhere: not in the database files, the logs or any event sent.
	raw := []string{"4111 1111 1111 1111", "4111111111111111"}
	files, _ := filepath.Glob(filepath.Join(dir, "parley.db*"))
	if len(files) == 0 {
		t.Fatal("no database files found")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range raw {
			if bytes.Contains(b, []byte(r)) {
				t.Errorf("%s holds the raw card number", f)
			}
		}
	}
	events, _ := json.Marshal([]any{agentWS.Events(), visitorWS.Events()})
	for _, r := range raw {
		if strings.Contains(s.errs.String(), r) {
			t.Error("the log holds the raw card number")
		}
		if bytes.Contains(events, []byte(r)) {
			t.Error("an event carried the raw card number")
		}
	}
}
