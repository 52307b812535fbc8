package main

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/channel/email"
	"github.com/parleyhq/parley/internal/channel/email/mailtest"
	"github.com/parleyhq/parley/internal/wstest"
)

// The email channel in a real `parley serve`: the installation's mail set by flags (shown as fixed
// in the API), an email inbox made through the API, a customer's mail through --smtp-addr (swaks as
// the outside server), the agent's reply through the relay with the conversation's reply address,
// the customer's answer back into the same conversation, live on the agent's socket with the
// reply's delivery.
func TestEmailThroughTheServer(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := parley(t, "correct horse battery\n", nil, "user", "create", "--data", dir, "--email", "owner@example.com", "--name", "Owner", "--role", "owner"); code != 0 {
		t.Fatal(errOut)
	}
	sink := mailtest.StartSink(t, mailtest.SinkOptions{})
	s := startServer(t, nil, "--data", dir, "--smtp-addr", "127.0.0.1:0",
		"--mail-smtp", fmt.Sprintf("smtp://127.0.0.1:%d?security=none", sink.Port()), "--mail-from", "Acme <hello@acme.test>", "--mail-reply-domain", "reply.acme.test")
	var smtpAddr string
	for smtpAddr == "" {
		select {
		case l, ok := <-s.out:
			if !ok {
				t.Fatalf("no SMTP line; stderr:\n%s", s.errs)
			}
			if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "SMTP:"); ok {
				smtpAddr = strings.TrimSpace(rest)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the SMTP listener's address was not printed")
		}
	}
	owner := &api{t: t, base: s.url, c: browser(t)}
	owner.must(200, "POST", "/api/v1/session", map[string]string{"email": "owner@example.com", "password": "correct horse battery"})
	// The owner opens the inbox: available, and told live.
	u, _ := url.Parse(s.url)
	ck := owner.c.Jar.Cookies(u)[0]
	ws := wstest.Dial(t, "ws://"+u.Host+"/api/v1/events", http.Header{"Cookie": {ck.Name + "=" + ck.Value}, "Origin": {s.url}})
	ws.WaitFor("hello", func(e map[string]any) bool { return e["t"] == "hello" && e["available"] == true })
	mail := owner.must(200, "GET", "/api/v1/mail", nil)["mail"].(map[string]any)
	if mail["fixed"] != true || mail["from_address"] != "hello@acme.test" || mail["reply_domain"] != "reply.acme.test" {
		t.Fatalf("mail settings = %v", mail)
	}
	if code, out := owner.call("PUT", "/api/v1/mail", map[string]any{"from_address": "x@acme.test"}); code != 409 {
		t.Fatalf("changing flag-set mail: %d %v", code, out)
	}
	ib := owner.must(201, "POST", "/api/v1/email-inboxes", map[string]any{"name": "Support", "address": "support@acme.test", "receive": "listener",
		"smtp": map[string]any{"host": "127.0.0.1", "port": sink.Port(), "security": "none"}})["email_inbox"].(map[string]any)
	if ib["visibility"] != "shared" || ib["reopen_policy"] != "reopen" || ib["kind"] != "email" {
		t.Fatalf("email inbox defaults: %v", ib)
	}
	res := owner.must(200, "POST", fmt.Sprintf("/api/v1/email-inboxes/%d/test", num(ib["id"])), nil)
	if res["smtp"].(map[string]any)["ok"] != true {
		t.Fatalf("test connection: %v", res)
	}

	host, port, _ := net.SplitHostPort(smtpAddr)
	send := func(rcpt, raw string) {
		t.Helper()
		if out, ok := mailtest.Swaks(t, "--server", host, "--port", port, "--from", "anna@example.org", "--to", rcpt, "--data", strings.ReplaceAll(raw, "\n", "\r\n")); !ok {
			t.Fatalf("refused:\n%s", out)
		}
	}
	send("support@acme.test", "From: Anna <anna@example.org>\nTo: support@acme.test\nSubject: Where is my order?\nMessage-ID: <q1@example.org>\n\nIt has been a week.\n")
	var conv map[string]any
	eventually(t, "the mail as a conversation", func() bool {
		list := owner.must(200, "GET", "/api/v1/conversations?folder=unassigned&channel=email&counts=true", nil)["conversations"].([]any)
		if len(list) == 1 {
			conv = list[0].(map[string]any)
		}
		return conv != nil
	})
	if conv["subject"] != "Where is my order?" || conv["channel"] != "email" {
		t.Fatalf("conversation = %v", conv)
	}
	if list := owner.must(200, "GET", "/api/v1/conversations?folder=unassigned&channel=web", nil)["conversations"].([]any); len(list) != 0 {
		t.Errorf("the web channel filter shows %d email conversations", len(list))
	}
	id := num(conv["id"])
	owner.must(201, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", id), map[string]any{"body": "It left today.", "client_id": "c1"})
	var out *email.Inbound
	sink.WaitFor(t, 20*time.Second, func(r mailtest.Received) bool {
		in, _ := email.Parse(r.Data)
		out = in
		return strings.Contains(in.Text, "It left today.")
	})
	if out.InReplyTo != "<q1@example.org>" || len(out.ReplyTo) != 1 || !strings.HasSuffix(out.ReplyTo[0].Address, "@reply.acme.test") {
		t.Fatalf("reply: in-reply-to %q reply-to %+v", out.InReplyTo, out.ReplyTo)
	}
	ws.WaitFor("the reply's delivery, live", func(e map[string]any) bool {
		d, _ := e["delivery"].(map[string]any)
		return e["t"] == "delivery" && num(e["conversation_id"]) == id && d != nil && d["status"] == "sent"
	})
	send(out.ReplyTo[0].Address, "From: Anna <anna@example.org>\nTo: "+out.ReplyTo[0].Address+"\nSubject: Re: Where is my order?\nMessage-ID: <q2@example.org>\n"+
		"In-Reply-To: "+out.MessageID+"\n\nThanks!\n\n> It left today.\n")
	eventually(t, "the answer in the same conversation", func() bool {
		msgs := owner.must(200, "GET", fmt.Sprintf("/api/v1/conversations/%d/messages", id), nil)["messages"].([]any)
		for _, m := range msgs {
			mm := m.(map[string]any)
			if mm["body"] == "Thanks!" {
				return true
			}
		}
		return false
	})
	msgs := owner.must(200, "GET", fmt.Sprintf("/api/v1/conversations/%d/messages", id), nil)["messages"].([]any)
	for _, m := range msgs {
		mm := m.(map[string]any)
		if mm["body"] == "It left today." {
			if d, _ := mm["delivery"].(map[string]any); d == nil || d["status"] != "sent" {
				t.Errorf("the reply's delivery = %v", mm["delivery"])
			}
		}
		if mm["body"] == "Thanks!" {
			orig := owner.must(200, "GET", fmt.Sprintf("/api/v1/conversations/%d/messages/%d/original", id, num(mm["id"])), nil)["original"].(map[string]any)
			if !strings.Contains(orig["text"].(string), "> It left today.") {
				t.Errorf("original = %v", orig)
			}
		}
	}
	s.stop()
}

// Bad --mail-* flags stop the server at once with a clear message.
func TestMailFlagsAreChecked(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--mail-from", "a@example.org"}, "go with --mail-smtp"},
		{[]string{"--mail-smtp", "smtp://relay.example.org"}, "needs --mail-from"},
		{[]string{"--mail-smtp", "http://relay.example.org", "--mail-from", "a@example.org"}, "starts with smtp://"},
		{[]string{"--mail-smtp", "smtp://relay.example.org", "--mail-from", "a@example.org", "--mail-imap", "pop3://u:p@mail.example.org"}, "starts with imap://"},
		{[]string{"--mail-smtp", "smtp://relay.example.org?security=ssl", "--mail-from", "a@example.org"}, "security"},
	} {
		code, _, errOut := parley(t, "", nil, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, c.args...)...)
		if code != 1 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d %q, want %q", c.args, code, errOut, c.want)
		}
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
