package email

import (
	"strings"
	"testing"
)

func TestReplyTokens(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok := NewReplyToken()
		if len(tok) != 32 || strings.Trim(tok, "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Fatalf("token %q is not 32 characters of [a-z2-7]", tok)
		}
		if seen[tok] {
			t.Fatalf("token %q made twice", tok)
		}
		seen[tok] = true
	}

	tok := NewReplyToken()
	addr := ReplyAddress(tok, "Reply.Example.com")
	if addr != "reply+"+tok+"@reply.example.com" {
		t.Fatalf("ReplyAddress = %q", addr)
	}
	for _, s := range []string{
		addr,
		"Support <" + addr + ">",
		`"Acme, Support" <` + strings.ToUpper(addr) + `>`, // some servers upper-case addresses
		"REPLY+" + tok + "@other-forwarder.example",
	} {
		if got, ok := ParseReplyToken(s); !ok || got != tok {
			t.Errorf("ParseReplyToken(%q) = %q, %v; want %q", s, got, ok, tok)
		}
	}
	for _, s := range []string{
		"support@example.com",
		"reply+short@example.com",
		"reply+" + tok + "x@example.com",
		"reply+" + tok[:31] + "1@example.com", // 1 is not in the alphabet
		"noreply+" + tok + "@example.com",
		"reply-" + tok + "@example.com",
		"",
	} {
		if got, ok := ParseReplyToken(s); ok {
			t.Errorf("ParseReplyToken(%q) = %q, want no token", s, got)
		}
	}
	if got, ok := FindReplyToken("support@example.com", "Someone <x@y.z>", addr); !ok || got != tok {
		t.Errorf("FindReplyToken = %q, %v", got, ok)
	}
}

func TestMessageIDs(t *testing.T) {
	id := NewMessageID("Mail.Example.com")
	if !validMessageID(id) || !strings.HasSuffix(id, "@mail.example.com>") {
		t.Fatalf("NewMessageID = %q", id)
	}
	if a, b := NewMessageID("example.com"), NewMessageID("example.com"); a == b {
		t.Fatal("two Message-IDs alike")
	}
	if !IsOwnMessageID(id, "example.org", "MAIL.example.com") {
		t.Error("our own Message-ID not recognised")
	}
	for _, other := range []string{"<CAF123@mail.gmail.com>", "<x@mail.example.com.evil.org>", "no-at-sign", ""} {
		if IsOwnMessageID(other, "mail.example.com") {
			t.Errorf("IsOwnMessageID(%q) = true", other)
		}
	}
}
