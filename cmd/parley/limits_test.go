package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestVisitorMessageLimitFromFlags: --visitor-message-burst and --visitor-message-rate set how many
// messages one visitor may send at once; the one past the burst answers 429 too_many_messages.
func TestVisitorMessageLimitFromFlags(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := parley(t, "correct horse battery\n", nil, "user", "create", "--data", dir, "--email", "owner@example.com", "--name", "Owner", "--role", "owner"); code != 0 {
		t.Fatal(errOut)
	}
	s := startServer(t, nil, "--data", dir, "--visitor-message-burst", "25", "--visitor-message-rate", "0.01", "--visitor-ip-limit", "100")
	owner := &api{t: t, base: s.url, c: browser(t)}
	owner.must(200, "POST", "/api/v1/session", map[string]string{"email": "owner@example.com", "password": "correct horse battery"})
	key := owner.must(201, "POST", "/api/v1/websites", map[string]any{"name": "Shop", "allowed_domains": []string{"localhost"}})["website"].(map[string]any)["public_key"].(string)
	visitor := &api{t: t, base: s.url, c: &http.Client{}, header: http.Header{"User-Agent": {"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}}}
	token := visitor.must(201, "POST", "/widget/v1/"+key+"/session", map[string]string{})["token"].(string)
	visitor.header.Set("Authorization", "Visitor "+token)
	// The default burst is 10: 25 at once pass only with the flag.
	for i := range 25 {
		visitor.must(201, "POST", "/widget/v1/"+key+"/messages", map[string]string{"client_id": fmt.Sprintf("m%d", i), "body": "hello"})
	}
	code, out := visitor.call("POST", "/widget/v1/"+key+"/messages", map[string]string{"client_id": "one-more", "body": "hello"})
	if code != 429 || out["error"].(map[string]any)["code"] != "too_many_messages" {
		t.Fatalf("the message past the burst: %d %v", code, out)
	}
}

// TestVisitorMessageLimitValidated: out-of-range limits stop the server with one clear line.
func TestVisitorMessageLimitValidated(t *testing.T) {
	for _, args := range [][]string{
		{"--visitor-message-rate", "0"},
		{"--visitor-message-rate", "5000"},
		{"--visitor-message-burst", "0"},
	} {
		code, _, errOut := parley(t, "", nil, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, args...)...)
		if code == 0 || !strings.Contains(errOut, args[0]) {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}
