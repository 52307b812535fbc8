package push

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return b
}

// The worked example of RFC 8291 section 5 (its Appendix A lists the intermediate values): both key
// pairs and the salt are fixed there, so the body must match byte for byte.
func TestEncryptMatchesRFC8291Example(t *testing.T) {
	as, err := ecdh.P256().NewPrivateKey(b64(t, "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"))
	if err != nil {
		t.Fatal(err)
	}
	body, err := encrypt([]byte("When I grow up, I want to be a watermelon"),
		b64(t, "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"),
		b64(t, "BTBZMqHH6r4Tts7J_aSIgg"), as, b64(t, "DGv6ra1nlYgDCS1FRnbzlw"))
	if err != nil {
		t.Fatal(err)
	}
	want := "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT" +
		"pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
	if got := base64.RawURLEncoding.EncodeToString(body); got != want {
		t.Fatalf("body\n got %s\nwant %s", got, want)
	}
}

// browser is what a test keeps of a subscription it made: the browser's side of the keys.
type browser struct {
	priv *ecdh.PrivateKey
	auth []byte
}

func newBrowser(t *testing.T) (*browser, Subscription) {
	t.Helper()
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	return &browser{priv: k, auth: auth}, Subscription{
		P256DH: base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()),
		Auth:   base64.RawURLEncoding.EncodeToString(auth),
	}
}

// decrypt is the browser's side of RFC 8291, written out here on its own (HMAC by hand rather than
// the package's HKDF calls), so the test does not agree with the code merely by sharing it.
func (b *browser) decrypt(body []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("short body")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if len(body) < 21+idlen || idlen != 65 {
		return nil, errors.New("bad key id")
	}
	asPublic := body[21 : 21+idlen]
	ct := body[21+idlen:]
	if uint32(len(ct)) > rs {
		return nil, errors.New("record longer than the record size")
	}
	peer, err := ecdh.P256().NewPublicKey(asPublic)
	if err != nil {
		return nil, err
	}
	shared, err := b.priv.ECDH(peer)
	if err != nil {
		return nil, err
	}
	mac := func(key []byte, parts ...[]byte) []byte {
		h := hmac.New(sha256.New, key)
		for _, p := range parts {
			h.Write(p)
		}
		return h.Sum(nil)
	}
	prkKey := mac(b.auth, shared)
	ikm := mac(prkKey, []byte("WebPush: info\x00"), b.priv.PublicKey().Bytes(), asPublic, []byte{1})
	prk := mac(salt, ikm)
	cek := mac(prk, []byte("Content-Encoding: aes128gcm\x00"), []byte{1})[:16]
	nonce := mac(prk, []byte("Content-Encoding: nonce\x00"), []byte{1})[:12]
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, ct, nil)
	if err != nil {
		return nil, err
	}
	// Strip the padding back to the last record's delimiter, 0x02.
	i := bytes.LastIndexFunc(plain, func(r rune) bool { return r != 0 })
	if i < 0 || plain[i] != 2 {
		return nil, errors.New("no last-record delimiter")
	}
	return plain[:i], nil
}

// checkVAPID verifies the Authorization header as a push service does (RFC 8292): the token is
// signed by the key k names, for this push service's origin, not expired, with a contact.
func checkVAPID(t *testing.T, header, origin string, now time.Time) string {
	t.Helper()
	rest, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		t.Fatalf("Authorization %q is not the vapid scheme", header)
	}
	params := map[string]string{}
	for _, p := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		params[k] = v
	}
	parts := strings.Split(params["t"], ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWS", params["t"])
	}
	var head struct{ Typ, Alg string }
	if err := json.Unmarshal(b64(t, parts[0]), &head); err != nil || head.Alg != "ES256" {
		t.Fatalf("JWT header %s", b64(t, parts[0]))
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), b64(t, params["k"]))
	if err != nil {
		t.Fatalf("k=%q is not a P-256 point: %v", params["k"], err)
	}
	sig := b64(t, parts[2])
	if len(sig) != 64 {
		t.Fatalf("signature of %d bytes; ES256 wants 64", len(sig))
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		t.Fatal("the VAPID token's signature does not verify with k")
	}
	var claims struct {
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Sub string `json:"sub"`
	}
	if err := json.Unmarshal(b64(t, parts[1]), &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Aud != origin {
		t.Errorf("aud = %q, want the push service's origin %q", claims.Aud, origin)
	}
	if exp := time.Unix(claims.Exp, 0); !exp.After(now) || exp.After(now.Add(24*time.Hour)) {
		t.Errorf("exp %v is not within 24 hours of now", exp)
	}
	if !strings.HasPrefix(claims.Sub, "mailto:") && !strings.HasPrefix(claims.Sub, "https:") {
		t.Errorf("sub = %q, want a mailto: or https: contact", claims.Sub)
	}
	return params["k"]
}

// The test acts as the push service: a subscription whose keys the test made receives the push,
// which it decrypts and whose VAPID token it checks; a subscription the service says is gone
// comes back as ErrGone.
func TestSendToAPushService(t *testing.T) {
	keys, err := GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseKeys(keys.PrivateKey())
	if err != nil || again.PublicKey() != keys.PublicKey() {
		t.Fatalf("keys do not survive storage: %v", err)
	}
	b, sub := newBrowser(t)
	type got struct {
		header http.Header
		body   []byte
	}
	pushes := make(chan got, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.HasSuffix(r.URL.Path, "/gone") {
			w.WriteHeader(http.StatusGone)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/busy") {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		pushes <- got{r.Header.Clone(), body}
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	sub.Endpoint = srv.URL + "/push/abc"
	now := time.Now()
	s := &Sender{Keys: again, Subject: "mailto:ops@example.com"}
	payload := []byte(`{"title":"New chat","url":"/inbox/#/c/7"}`)
	if err := s.Send(context.Background(), sub, Message{Payload: payload, TTL: time.Hour, Topic: "c7", Urgency: "high"}); err != nil {
		t.Fatal(err)
	}
	p := <-pushes
	if k := checkVAPID(t, p.header.Get("Authorization"), srv.URL, now); k != keys.PublicKey() {
		t.Errorf("k = %s, want the installation's public key", k)
	}
	for h, want := range map[string]string{"Content-Encoding": "aes128gcm", "Ttl": "3600", "Topic": "c7", "Urgency": "high"} {
		if p.header.Get(h) != want {
			t.Errorf("%s = %q, want %q", h, p.header.Get(h), want)
		}
	}
	plain, err := b.decrypt(p.body)
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	if !bytes.Equal(plain, payload) {
		t.Fatalf("decrypted %q, want %q", plain, payload)
	}

	sub.Endpoint = srv.URL + "/push/gone"
	if err := s.Send(context.Background(), sub, Message{Payload: payload}); !errors.Is(err, ErrGone) {
		t.Fatalf("410: err = %v, want ErrGone", err)
	}
	sub.Endpoint = srv.URL + "/push/busy"
	var se *StatusError
	if err := s.Send(context.Background(), sub, Message{Payload: payload}); !errors.As(err, &se) || !se.Temporary() || se.RetryAfter != 30*time.Second {
		t.Fatalf("429: err = %v", err)
	}
	if _, err := Encrypt(make([]byte, MaxPayload+1), b.priv.PublicKey().Bytes(), b.auth); err == nil {
		t.Fatal("an over-long payload was encrypted")
	}
}
