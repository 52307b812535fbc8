package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Signing, as Standard Webhooks 1.0 has it: the secret is "whsec_" and the base64 of random
// bytes; the signature is "v1," and the base64 of HMAC-SHA256 over "id.timestamp.body" keyed with
// those bytes; several signatures (during a rotation) are separated by spaces, and a receiver
// accepts the request when any one matches.

const secretPrefix = "whsec_"

// secretBytes is the length of a new secret's key (the standard asks for 24 to 64).
const secretBytes = 32

// NewSecret returns a fresh signing secret in its shown form, "whsec_…".
func NewSecret() string {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return secretPrefix + base64.StdEncoding.EncodeToString(b)
}

// secretKey returns the HMAC key of a secret in its shown form.
func secretKey(secret string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
	if err != nil || len(k) == 0 {
		return nil, fmt.Errorf("webhook secret is not whsec_ and base64")
	}
	return k, nil
}

// Sign returns the webhook-signature header for a message: one "v1,<signature>" per secret,
// separated by spaces.
func Sign(msgID string, at time.Time, body []byte, secrets []string) (string, error) {
	if len(secrets) == 0 {
		return "", fmt.Errorf("no secret to sign with")
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		key, err := secretKey(s)
		if err != nil {
			return "", err
		}
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msgID))
		h.Write([]byte{'.'})
		h.Write([]byte(ts))
		h.Write([]byte{'.'})
		h.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(h.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}

// newMessageID returns a webhook-id: "msg_" and 32 hex digits.
func newMessageID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return "msg_" + hex.EncodeToString(b)
}
