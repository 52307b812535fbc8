package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/parleyhq/parley/internal/openapitest"
)

// hookSink is a webhook receiver on loopback that checks every request with the Standard Webhooks
// reference library.
type hookSink struct {
	t        testing.TB // checks each delivery against docs/openapi.yaml's webhooks
	mu       sync.Mutex
	secret   string
	status   int
	verified int
	failed   []string
	types    []string
}

func (h *hookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	openapitest.CheckWebhook(h.t, r, body)
	h.mu.Lock()
	defer h.mu.Unlock()
	wh, err := standardwebhooks.NewWebhook(h.secret)
	if err == nil {
		err = wh.Verify(body, r.Header)
	}
	if err != nil {
		h.failed = append(h.failed, err.Error())
	} else {
		h.verified++
	}
	if i := strings.Index(string(body), `"type":"`); i >= 0 {
		rest := string(body)[i+8:]
		h.types = append(h.types, rest[:strings.IndexByte(rest, '"')])
	}
	w.WriteHeader(h.status)
	_, _ = io.WriteString(w, `{"ok":true}`)
}

func (h *hookSink) set(secret string, status int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if secret != "" {
		h.secret = secret
	}
	h.status = status
}

func (h *hookSink) seen() (verified int, types []string, failed []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.verified, append([]string(nil), h.types...), append([]string(nil), h.failed...)
}

// TestWebhooksAdmin: an admin subscribes an endpoint to some event types, copies its secret
// (shown once), sends a test event and sees the receiver's answer, watches a lead's event arrive
// in the delivery log with its attempt, and is told across the inbox when a receiver's 410 makes
// Parley switch the endpoint off. The receiver verifies every request with the reference library.
func TestWebhooksAdmin(t *testing.T) {
	s := startParley(t, "--webhooks-allow-private")
	api := login(t, s)
	shots := screenshots(t)
	sink := &hookSink{t: t, status: http.StatusNoContent}
	rcv := httptest.NewServer(sink)
	defer rcv.Close()

	p := openInbox(t, s, "admin", "demo@parley.test", s.password)
	grantClipboard(p, s.url)
	p.goHash("#/admin/webhooks")
	p.waitHost("the empty list", `document.body.textContent.includes('No webhooks yet.')`)
	checkAxe(t, p.ctx, "admin: webhooks, none")

	// The receiver is on loopback, which --webhooks-allow-private allows (the refusal of private
	// addresses without it is tested through the API).
	p.clickText("button", "Add endpoint")
	p.fill(`.adm-new-webhook input[name=url]`, rcv.URL+"/parley")
	p.fill(`.adm-new-webhook input[name=description]`, "CRM sync")
	host[chromedp.Void](p, `[...document.querySelectorAll('.adm-new-webhook input[type=radio]')][1].click()`)
	for _, typ := range []string{"conversation.created", "message.created", "lead.created"} {
		p.waitHost("the "+typ+" box", `document.querySelector('.adm-new-webhook input[name="wh-type-`+typ+`"]')`)
		host[chromedp.Void](p, `document.querySelector('.adm-new-webhook input[name="wh-type-`+typ+`"]').click()`)
	}
	checkAxe(t, p.ctx, "admin: new webhook")
	p.clickText(".adm-new-webhook button", "Create endpoint")
	p.waitHost("the secret, shown once", `document.querySelector('#adm-webhook-secret') && document.querySelector('#adm-webhook-secret').textContent.startsWith('whsec_')`)
	secret := p.text("#adm-webhook-secret")
	sink.set(secret, http.StatusNoContent)
	hooks := api.must(200, "GET", "/api/v1/webhooks", nil)["webhooks"].([]any)
	if len(hooks) != 1 {
		t.Fatalf("webhooks: %v", hooks)
	}
	hook := hooks[0].(map[string]any)
	if hook["url"] != rcv.URL+"/parley" || len(hook["event_types"].([]any)) != 3 || hook["description"] != "CRM sync" {
		t.Fatalf("the endpoint as saved: %v", hook)
	}
	id := int64(hook["id"].(float64))
	checkAxe(t, p.ctx, "admin: webhook with its secret")
	p.clickText(".adm-created button", "Done")

	// Send test event: the answer shows at once, and the log has it.
	p.clickText("button", "Send test event")
	p.waitHost("the test's answer", `document.body.textContent.includes('The receiver answered 204')`)
	p.waitHost("the test in the log", `document.querySelector('.adm-delivery[data-state=succeeded]') && document.querySelector('.adm-delivery code').textContent === 'webhook.test'`)

	// A lead's event arrives, verified, and shows in the log with its attempt.
	api.must(201, "POST", "/api/v1/leads", map[string]any{"title": "Big order", "value": 120000, "currency": "EUR"})
	eventually(t, "the lead's delivery", func() bool {
		n, types, _ := sink.seen()
		return n == 2 && types[1] == "lead.created"
	})
	p.clickText(".adm-deliveries button", "Refresh")
	p.waitHost("the lead in the log", `[...document.querySelectorAll('.adm-delivery code')].some((c) => c.textContent === 'lead.created')`)
	host[chromedp.Void](p, `[...document.querySelectorAll('.adm-delivery')].find((r) => r.querySelector('code').textContent === 'lead.created').querySelector('button').click()`)
	p.waitHost("its attempt", `document.querySelector('.adm-attempts li') && document.querySelector('.adm-delivery-detail').textContent.includes('Attempt 1')`)
	host[chromedp.Void](p, `document.querySelectorAll('.adm-attempts details').forEach((d) => d.open = true)`)
	checkAxe(t, p.ctx, "admin: webhook delivery log")
	if shots != "" {
		host[chromedp.Void](p, `document.querySelector('#adm-webhook-tools').scrollIntoView()`)
		p.screenshot(filepath.Join(shots, "admin-webhook.png"))
		p.goHash("#/admin/webhooks")
		p.waitHost("the list", fmt.Sprintf(`document.querySelector('[data-webhook-id="%d"]')`, id))
		p.screenshot(filepath.Join(shots, "admin-webhooks.png"))
		p.goHash(fmt.Sprintf("#/admin/webhooks/%d", id))
		p.waitHost("the page", `document.querySelector('.adm-delivery')`)
	}

	// The receiver answers 410 Gone: Parley switches the endpoint off, and the inbox tells the
	// admin wherever they are.
	sink.set("", http.StatusGone)
	api.must(201, "POST", "/api/v1/leads", map[string]any{"title": "Another", "value": 0, "currency": "EUR"})
	eventually(t, "the endpoint switched off", func() bool {
		w := api.must(200, "GET", fmt.Sprintf("/api/v1/webhooks/%d", id), nil)["webhook"].(map[string]any)
		return w["active"] == false && w["disabled_reason"] == "gone"
	})
	p.goHash("#/f/unassigned")
	p.do(chromedp.Reload())
	p.waitHost("the banner", `document.querySelector('.banner-warn') && document.querySelector('.banner-warn').textContent.includes('410 Gone')`)
	checkAxe(t, p.ctx, "inbox: webhook switched off")
	if shots != "" {
		p.screenshot(filepath.Join(shots, "inbox-webhook-off.png"))
	}
	p.clickText(".banner-warn a", "Review webhooks")
	p.waitHost("the endpoint's page", `document.querySelector('.adm-webhook .adm-warn') && document.querySelector('.adm-switch[aria-checked=false]')`)
	if n, _, failed := sink.seen(); len(failed) > 0 || n != 3 {
		t.Fatalf("the receiver verified %d requests; refused %v", n, failed)
	}
	// Switched on again, the banner goes.
	p.clickText(".adm-webhook button[role=switch]", "Off")
	p.waitHost("on", `document.querySelector('.adm-switch[aria-checked=true]') && !document.querySelector('.adm-webhook .adm-warn')`)

	if shots != "" {
		webhookShots(t, p, s, shots, id)
	}
}

// webhookShots takes the webhook pictures for docs/: an endpoint's page on a phone, and both in
// German.
func webhookShots(t *testing.T, p *tab, s *parleyServer, dir string, id int64) {
	t.Helper()
	page := fmt.Sprintf("#/admin/webhooks/%d", id)
	phone := newTab(t, "webhooks-phone", p)
	phone.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	phone.navigate(s.url + "/inbox/" + page)
	phone.waitHost("the page", `document.querySelector('.adm-delivery')`)
	host[chromedp.Void](phone, `document.querySelector('#adm-webhook-log').scrollIntoView()`)
	phone.screenshot(filepath.Join(dir, "admin-webhook-phone.png"))

	p.goHash("#/admin/profile")
	p.waitHost("the language form", `document.querySelector('#adm-lang-h')`)
	host[chromedp.Void](p, `(() => { const s = document.querySelector('form[aria-labelledby=adm-lang-h] select'); s.value = 'de'; s.dispatchEvent(new Event('change', {bubbles: true})); })()`)
	p.waitReload("German", `document.documentElement.lang === 'de' && document.querySelector('.adm-nav') && document.querySelector('.adm-nav').textContent.includes('Webhooks')`, func() {
		p.clickText(`form[aria-labelledby=adm-lang-h] button`, "Use this language")
	})
	p.goHash(page)
	p.waitHost("the German page", `document.querySelector('.adm-delivery') && document.body.textContent.includes('Zustellungen')`)
	checkAxe(t, p.ctx, "admin: webhook in German")
	host[chromedp.Void](p, `document.querySelector('#adm-webhook-tools').scrollIntoView()`)
	p.screenshot(filepath.Join(dir, "admin-webhook-de.png"))
	p.goHash("#/admin/webhooks")
	p.waitHost("the German list", `document.querySelector('[data-webhook-id]') && document.body.textContent.includes('Endpunkt hinzufügen')`)
	p.screenshot(filepath.Join(dir, "admin-webhooks-de.png"))
	phone.do(chromedp.Reload())
	phone.waitHost("the German page", `document.querySelector('.adm-delivery') && document.documentElement.lang === 'de'`)
	host[chromedp.Void](phone, `document.querySelector('#adm-webhook-log').scrollIntoView()`)
	phone.screenshot(filepath.Join(dir, "admin-webhook-phone-de.png"))
}
