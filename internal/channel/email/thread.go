package email

import (
	"crypto/rand"
	"encoding/base32"
	"net/mail"
	"strings"
)

// Tokens and ids are lower-case base32 without padding: safe in a URL and in the local part of an
// address, and unharmed by the mail servers and people that lower-case addresses.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// tokenBytes is the entropy of a reply token: 160 bits, so a token cannot be guessed.
const tokenBytes = 20

// tokenLen is the length of a token in characters.
var tokenLen = idEncoding.EncodedLen(tokenBytes)

// replyPrefix starts the local part of a conversation's reply address.
const replyPrefix = "reply+"

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return idEncoding.EncodeToString(b)
}

// NewMessageID returns a fresh Message-ID in angle brackets, "<random@domain>". The domain should be
// one Parley sends from, so that IsOwnMessageID recognises the message when it comes back.
func NewMessageID(domain string) string {
	return "<" + randomID(16) + "@" + strings.ToLower(strings.TrimSpace(domain)) + ">"
}

// NewReplyToken returns a fresh reply token: 32 characters of [a-z2-7] (160 random bits).
func NewReplyToken() string { return randomID(tokenBytes) }

// ReplyAddress is the address replies to a conversation go to: "reply+TOKEN@domain".
func ReplyAddress(token, domain string) string {
	return replyPrefix + token + "@" + strings.ToLower(strings.TrimSpace(domain))
}

// ParseReplyToken finds the token of a reply address in address, which may be a bare address or a
// header value with a display name ("Support <reply+TOKEN@example.com>"). The domain is not checked:
// a forwarding provider keeps the original recipient, and the seam knows which domains are its own.
func ParseReplyToken(address string) (string, bool) {
	addr := strings.TrimSpace(address)
	if a, err := mail.ParseAddress(addr); err == nil {
		addr = a.Address
	} else if i, j := strings.LastIndexByte(addr, '<'), strings.LastIndexByte(addr, '>'); i >= 0 && j > i {
		addr = addr[i+1 : j]
	}
	local, _, ok := strings.Cut(addr, "@")
	if !ok || len(local) != len(replyPrefix)+tokenLen || !strings.EqualFold(local[:len(replyPrefix)], replyPrefix) {
		return "", false
	}
	token := strings.ToLower(local[len(replyPrefix):])
	for i := 0; i < len(token); i++ {
		if c := token[i]; !('a' <= c && c <= 'z' || '2' <= c && c <= '7') {
			return "", false
		}
	}
	return token, true
}

// FindReplyToken returns the first reply token among addresses (the envelope's recipients, To, Cc,
// Delivered-To, X-Original-To: wherever the reply address may have ended up).
func FindReplyToken(addresses ...string) (string, bool) {
	for _, a := range addresses {
		if t, ok := ParseReplyToken(a); ok {
			return t, true
		}
	}
	return "", false
}

// MessageIDDomain returns the lower-cased domain of a Message-ID ("<x@Example.com>" gives
// "example.com"), or "" when it has none.
func MessageIDDomain(id string) string {
	id = strings.TrimSpace(id)
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	i := strings.LastIndexByte(id, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(id[i+1:])
}

// IsOwnMessageID reports whether id was made by Parley for one of domains, that is whether a message
// carrying it is one of our own coming back (a copy, a forwarding loop). Such a message must never be
// taken as a customer's reply, nor answered.
func IsOwnMessageID(id string, domains ...string) bool {
	d := MessageIDDomain(id)
	if d == "" {
		return false
	}
	for _, own := range domains {
		if strings.EqualFold(d, strings.TrimSpace(own)) {
			return true
		}
	}
	return false
}
