package push

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Keys are the installation's VAPID key pair (RFC 8292): browsers subscribe with the public key,
// and every push carries a token signed with the private key, so a push service accepts pushes
// for those subscriptions from this installation only.
type Keys struct {
	private *ecdsa.PrivateKey
}

// GenerateKeys makes a new key pair.
func GenerateKeys() (*Keys, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return &Keys{private: k}, nil
}

// ParseKeys reads a private key as PrivateKey wrote it.
func ParseKeys(private string) (*Keys, error) {
	raw, err := base64.RawURLEncoding.DecodeString(private)
	if err != nil {
		return nil, fmt.Errorf("VAPID private key: %w", err)
	}
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), raw)
	if err != nil {
		return nil, fmt.Errorf("VAPID private key: %w", err)
	}
	return &Keys{private: k}, nil
}

// PublicKey is the application server key browsers subscribe with: the uncompressed point,
// base64url without padding.
func (k *Keys) PublicKey() string {
	b, _ := k.private.PublicKey.Bytes()
	return base64.RawURLEncoding.EncodeToString(b)
}

// PrivateKey is the private scalar, base64url without padding (for sealed storage).
func (k *Keys) PrivateKey() string {
	b, _ := k.private.Bytes()
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenLifetime is how long a VAPID token is valid; RFC 8292 allows at most 24 hours.
const tokenLifetime = 12 * time.Hour

// Authorization is the Authorization header of a push to endpoint: "vapid t=<JWT>, k=<public key>"
// (RFC 8292 section 3). The token's audience is the push service's origin; subject is how the push
// service's operator may reach ours (a mailto: or https: URL).
func (k *Keys) Authorization(endpoint, subject string, now time.Time) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return "", errors.New("push: the endpoint is not a URL")
	}
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"JWT","alg":"ES256"}`))
	claims, err := json.Marshal(struct {
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Sub string `json:"sub,omitempty"`
	}{u.Scheme + "://" + u.Host, now.Add(tokenLifetime).Unix(), subject})
	if err != nil {
		return "", err
	}
	signing := header + "." + base64.RawURLEncoding.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signing))
	r, s, err := ecdsa.Sign(rand.Reader, k.private, sum[:])
	if err != nil {
		return "", err
	}
	// JWS ES256 signatures are r and s as 32 bytes each (RFC 7518 section 3.4), not ASN.1.
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return "vapid t=" + signing + "." + base64.RawURLEncoding.EncodeToString(sig) + ", k=" + k.PublicKey(), nil
}
