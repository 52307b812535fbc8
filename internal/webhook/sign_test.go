package webhook_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/parleyhq/parley/internal/webhook"
)

// Our signatures verify with the Standard Webhooks reference library, with one secret and with
// two (a rotation): a verifier holding either secret accepts the request, one holding another
// secret does not, and a changed body or id fails.
func TestSignVerifiesWithTheReferenceLibrary(t *testing.T) {
	old, cur := webhook.NewSecret(), webhook.NewSecret()
	if !strings.HasPrefix(cur, "whsec_") || old == cur {
		t.Fatalf("secrets %q, %q", old, cur)
	}
	body := []byte(`{"type":"message.created","position":7,"timestamp":"2025-01-02T03:04:05.006Z","data":{"body":"héllo"}}`)
	at := time.Now()
	header := func(sig string) http.Header {
		h := http.Header{}
		h.Set("webhook-id", "msg_1")
		h.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
		h.Set("webhook-signature", sig)
		return h
	}
	verify := func(secret string, body []byte, h http.Header) error {
		t.Helper()
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		return wh.Verify(body, h)
	}

	one, err := webhook.Sign("msg_1", at, body, []string{cur})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(one, "v1,") || strings.Contains(one, " ") {
		t.Fatalf("signature %q", one)
	}
	if err := verify(cur, body, header(one)); err != nil {
		t.Fatalf("the reference library refuses our signature: %v", err)
	}
	if verify(old, body, header(one)) == nil {
		t.Fatal("another secret verifies the signature")
	}

	both, err := webhook.Sign("msg_1", at, body, []string{cur, old})
	if err != nil {
		t.Fatal(err)
	}
	if len(strings.Fields(both)) != 2 {
		t.Fatalf("two secrets give %q", both)
	}
	for _, s := range []string{cur, old} {
		if err := verify(s, body, header(both)); err != nil {
			t.Fatalf("during a rotation a verifier with one of the secrets refuses: %v", err)
		}
	}
	if verify(webhook.NewSecret(), body, header(both)) == nil {
		t.Fatal("a third secret verifies")
	}
	if verify(cur, append(body, ' '), header(both)) == nil {
		t.Fatal("a changed body verifies")
	}
	h := header(both)
	h.Set("webhook-id", "msg_2")
	if verify(cur, body, h) == nil {
		t.Fatal("another webhook-id verifies")
	}
	if _, err := webhook.Sign("msg_1", at, body, nil); err == nil {
		t.Fatal("signed without a secret")
	}
}
