package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/wstest"
)

// Blocking a visitor silences them at once on open sockets: their own socket is told and closed,
// and another visitor from the same IP (blocked with them) is refused at the next message, although
// both had sent before (a socket's session remembers that it was not blocked until a block is
// announced).
func TestBlockSilencesOpenSockets(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := parley(t, "correct horse battery\n", nil, "user", "create", "--data", dir, "--email", "owner@example.com", "--name", "Owner", "--role", "owner"); code != 0 {
		t.Fatal(errOut)
	}
	s := startServer(t, nil, "--data", dir)
	host := strings.TrimPrefix(s.url, "http://")
	owner := &api{t: t, base: s.url, c: browser(t)}
	owner.must(200, "POST", "/api/v1/session", map[string]string{"email": "owner@example.com", "password": "correct horse battery"})
	site := owner.must(201, "POST", "/api/v1/websites", map[string]any{"name": "Shop", "allowed_domains": []string{"localhost", "shop.example"}})["website"].(map[string]any)
	key := site["public_key"].(string)

	// Two visitors on the same IP (loopback), each with a socket, each sends a message.
	open := func(name string) *wstest.Conn {
		v := &api{t: t, base: s.url, c: client(t), header: http.Header{"User-Agent": {"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}}}
		token := v.must(201, "POST", "/widget/v1/"+key+"/session", map[string]string{"page_url": "https://shop.example/" + name})["token"].(string)
		ws := wstest.Dial(t, "ws://"+host+"/widget/v1/"+key+"/ws", http.Header{"Origin": {s.url}})
		ws.Send(map[string]string{"t": "auth", "token": token})
		ws.WaitFor("ready", func(e map[string]any) bool { return e["t"] == "ready" })
		for i := range 2 {
			id := fmt.Sprintf("%s-%d", name, i)
			ws.Send(map[string]string{"t": "send", "client_id": id, "body": "Hello from " + name})
			ws.WaitFor("ack", func(e map[string]any) bool { return e["t"] == "ack" && e["client_id"] == id })
		}
		return ws
	}
	rude, neighbour := open("rude"), open("neighbour")

	var visitorID int64
	for _, row := range owner.must(200, "GET", "/api/v1/conversations?folder=unassigned", nil)["conversations"].([]any) {
		if c := row.(map[string]any); strings.Contains(c["preview"].(string), "rude") {
			visitorID = num(c["visitor_id"])
		}
	}
	if visitorID == 0 {
		t.Fatal("no conversation of the rude visitor")
	}
	owner.must(204, "POST", fmt.Sprintf("/api/v1/visitors/%d/block", visitorID), nil)

	isBlocked := func(e map[string]any) bool { return e["t"] == "error" && e["code"] == "blocked" }
	rude.WaitFor("the blocked notice", isBlocked)
	select {
	case <-rude.Closed():
	case <-time.After(10 * time.Second):
		t.Fatal("the blocked visitor's socket stayed open")
	}
	neighbour.Send(map[string]string{"t": "send", "client_id": "neighbour-after", "body": "Still here"})
	neighbour.WaitFor("refusal of a blocked IP", isBlocked)
	for _, e := range neighbour.Events() {
		if e["t"] == "ack" && e["client_id"] == "neighbour-after" {
			t.Fatal("a visitor on a blocked IP got a message through")
		}
	}
}
