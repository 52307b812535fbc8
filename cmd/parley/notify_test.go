package main

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/channel/email/mailtest"
	"github.com/parleyhq/parley/internal/openapitest"
)

// Notifications through a real `parley serve` (docs/notifications.md), its mail going to an SMTP
// listener on loopback: an invited agent sets their password with the emailed link, once; a
// visitor's messages reach that agent, offline, as one batched email with a one-click unsubscribe
// that a mail program's POST uses; "forgot password" answers the same for any address.
func TestNotificationMailThroughTheServer(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := parley(t, "correct horse battery\n", nil, "user", "create", "--data", dir, "--email", "owner@example.com", "--name", "Owner", "--role", "owner"); code != 0 {
		t.Fatal(errOut)
	}
	sink := mailtest.StartSink(t, mailtest.SinkOptions{})
	s := startServer(t, nil, "--data", dir, "--notify-batch", "1s",
		"--mail-smtp", fmt.Sprintf("smtp://127.0.0.1:%d?security=none", sink.Port()), "--mail-from", "Acme <hello@acme.test>")
	owner := &api{t: t, base: s.url, c: browser(t)}
	owner.must(200, "POST", "/api/v1/session", map[string]string{"email": "owner@example.com", "password": "correct horse battery"})

	// Invited by email: the mail holds a one-time link.
	res := owner.must(201, "POST", "/api/v1/users", map[string]any{"email": "ann@example.com", "name": "Ann Agent", "role": "agent", "language": "nl"})
	ann := res["user"].(map[string]any)
	if inv := res["invitation"].(map[string]any); inv["emailed"] != true || inv["url"] != nil || ann["invited"] != true {
		t.Fatalf("invitation %v, user %v", inv, ann)
	}
	invite := sink.WaitFor(t, 20*time.Second, func(r mailtest.Received) bool { return r.To[0] == "ann@example.com" })
	m, err := mail.ReadMessage(strings.NewReader(string(invite.Data)))
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("Subject") != "Je bent uitgenodigd voor Parley" {
		t.Errorf("invitation subject %q, want the admin's language", m.Header.Get("Subject"))
	}
	link := regexp.MustCompile(regexp.QuoteMeta(s.url) + `/inbox/#/password/(plk_[A-Za-z0-9_-]+)`).FindStringSubmatch(qp(string(invite.Data)))
	if link == nil {
		t.Fatalf("no link in the invitation:\n%s", invite.Data)
	}
	jar, _ := cookiejar.New(nil)
	annAPI := &api{t: t, base: s.url, c: openapitest.Client(t, jar)}
	if l := annAPI.must(200, "POST", "/api/v1/password/link", map[string]string{"token": link[1]})["link"].(map[string]any); l["purpose"] != "invite" || l["name"] != "Ann Agent" {
		t.Fatalf("link %v", l)
	}
	annAPI.must(200, "POST", "/api/v1/password/reset", map[string]string{"token": link[1], "password": "ann's long password"})
	annAPI.must(200, "GET", "/api/v1/me", nil) // signed in by it
	if code, out := annAPI.call("POST", "/api/v1/password/reset", map[string]string{"token": link[1], "password": "another long password"}); code != 404 {
		t.Fatalf("the link used again: %d %v", code, out)
	}
	annID := num(ann["id"])

	// A website Ann works in; she is offline (no inbox open). A visitor writes three times.
	site := owner.must(201, "POST", "/api/v1/websites", map[string]any{"name": "Shop", "allowed_domains": []string{"shop.example"}})["website"].(map[string]any)
	owner.must(200, "PUT", fmt.Sprintf("/api/v1/inboxes/%d/members", num(site["id"])), map[string]any{"user_ids": []int64{annID}})
	visitor := &api{t: t, base: s.url, c: client(t), header: http.Header{"User-Agent": {clusterUA}}}
	tok := visitor.must(201, "POST", "/widget/v1/"+site["public_key"].(string)+"/session", map[string]string{"page_url": "https://shop.example/"})["token"].(string)
	visitor.header.Set("Authorization", "Visitor "+tok)
	for i, body := range []string{"Hello?", "Do you ship to Ghent?", "And to Liège?"} {
		visitor.must(201, "POST", "/widget/v1/"+site["public_key"].(string)+"/messages", map[string]string{"body": body, "client_id": fmt.Sprint("m", i)})
	}
	got := sink.WaitFor(t, 30*time.Second, func(r mailtest.Received) bool {
		return r.To[0] == "ann@example.com" && strings.Contains(qp(string(r.Data)), "Liège")
	})
	text := qp(string(got.Data))
	for _, want := range []string{"Hello?", "Ghent", s.url + "/inbox/#/c/"} {
		if !strings.Contains(text, want) {
			t.Errorf("the email lacks %q", want)
		}
	}
	count := func() int {
		n := 0
		for _, r := range sink.Messages() {
			if r.To[0] == "ann@example.com" && strings.Contains(qp(string(r.Data)), "/inbox/#/c/") {
				n++
			}
		}
		return n
	}
	if n := count(); n != 1 {
		t.Fatalf("%d emails for the three messages, want one", n)
	}
	m, _ = mail.ReadMessage(strings.NewReader(string(got.Data)))
	// Served over plain http here, the mail names the link without the one-click header: RFC 8058
	// allows that over https only (internal/notify's test has an https installation's).
	unsub := regexp.MustCompile(`<(` + regexp.QuoteMeta(s.url) + `/unsubscribe/[^>]+)>`).FindStringSubmatch(m.Header.Get("List-Unsubscribe"))
	if unsub == nil || m.Header.Get("List-Unsubscribe-Post") != "" {
		t.Fatalf("List-Unsubscribe %q, List-Unsubscribe-Post %q", m.Header.Get("List-Unsubscribe"), m.Header.Get("List-Unsubscribe-Post"))
	}

	// The link's page asks first; the mail program's one-click POST (RFC 8058's body) unsubscribes.
	if code, page := s.get(browser(t), strings.TrimPrefix(unsub[1], s.url)); code != 200 || !strings.Contains(page, "<form method=\"post\"") {
		t.Fatalf("the unsubscribe page: %d %s", code, page)
	}
	resp, err := http.Post(unsub[1], "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("one-click unsubscribe: %d", resp.StatusCode)
	}
	st := annAPI.must(200, "GET", "/api/v1/me/settings", nil)["notify"].(map[string]any)
	if st["offline_message"].(map[string]any)["email"] != false {
		t.Fatalf("offline-message emails still on after unsubscribing: %v", st)
	}
	if resp, err := http.Post(s.url+"/unsubscribe/1.offline_message.forged", "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click")); err != nil || resp.StatusCode != 404 {
		t.Fatalf("a forged unsubscribe link: %v %v", resp.StatusCode, err)
	}

	// Forgot password: the same answer for any address; a mail only for an account.
	for _, addr := range []string{"nobody@example.com", "ann@example.com"} {
		out := (&api{t: t, base: s.url, c: browser(t)}).must(202, "POST", "/api/v1/password/forgot", map[string]string{"email": addr})
		if out["status"] != "sent_if_known" {
			t.Fatalf("forgot %s: %v", addr, out)
		}
	}
	sink.WaitFor(t, 20*time.Second, func(r mailtest.Received) bool {
		return r.To[0] == "ann@example.com" && strings.Contains(qp(string(r.Data)), "/inbox/#/password/plk_") && strings.Contains(string(r.Data), "wachtwoord opnieuw")
	})
	for _, r := range sink.Messages() {
		if r.To[0] == "nobody@example.com" {
			t.Fatal("a mail went to an address with no account")
		}
	}
	s.stop()
}

// qp undoes quoted-printable line breaks and the escapes of the characters the tests look for.
func qp(s string) string {
	s = strings.ReplaceAll(s, "=\r\n", "")
	return strings.NewReplacer("=3D", "=", "=C3=A8", "è").Replace(s)
}
