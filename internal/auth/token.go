package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// Token prefixes tell a leaked secret's kind at a glance (and let secret scanners find them).
const (
	sessionPrefix  = "pls_"
	apiTokenPrefix = "plt_"
)

// newSecret returns a random 32-byte secret, printable, with prefix.
func newSecret(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux; if it does, nothing secure can go on
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret is how sessions and API tokens are stored: a database leak does not reveal them.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
