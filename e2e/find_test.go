package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestFindAndViews: an agent presses /, searches the German word "Rechnungsadresse" and finds the
// visitor's "Rechnungsadressen" with the match marked; builds a list with two filters as chips,
// saves it as a view, and the view's count under the folders goes up by itself when a new chat
// that matches arrives.
func TestFindAndViews(t *testing.T) {
	s := startParley(t)
	shots := screenshots(t)
	api := login(t, s)
	inboxID := demoInbox(t, api)
	api.must(200, "PATCH", fmt.Sprintf("/api/v1/inboxes/%d", inboxID), map[string]string{"language": "de"})
	var key string
	for _, w := range api.must(200, "GET", "/api/v1/websites", nil)["websites"].([]any) {
		if w := w.(map[string]any); int64(w["id"].(float64)) == inboxID {
			key = w["public_key"].(string)
		}
	}
	chat := func(page, body string) {
		t.Helper()
		c := &http.Client{Timeout: 30 * time.Second}
		call := func(path, token string, in any) map[string]any {
			b, _ := json.Marshal(in)
			req, _ := http.NewRequest("POST", s.url+"/widget/v1/"+key+path, bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
			if token != "" {
				req.Header.Set("Authorization", "Visitor "+token)
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var out map[string]any
			_ = json.NewDecoder(res.Body).Decode(&out)
			if res.StatusCode != 201 {
				t.Fatalf("POST %s: %d %v", path, res.StatusCode, out)
			}
			return out
		}
		token := call("/session", "", map[string]string{"page_url": page})["token"].(string)
		call("/messages", token, map[string]string{"client_id": "m1", "body": body})
	}
	chat(s.url+"/demo?step=checkout", "Bitte ändern Sie meine Rechnungsadressen")
	eventually(t, "the message indexed", func() bool {
		out := api.must(200, "GET", "/api/v1/search?q="+url.QueryEscape("Rechnungsadresse"), nil)
		return len(out["groups"].([]any)) > 0
	})

	owner := openInbox(t, s, "owner", "demo@parley.test", s.password)
	owner.waitHost("the search box", `document.querySelector('#search-box')`)
	owner.do(press("/"))
	owner.waitHost("the search box focused", `document.activeElement === document.querySelector('#search-box')`)
	owner.do(chromedp.KeyEvent("Rechnungsadresse"))
	owner.do(chromedp.KeyEvent("\r"))
	owner.waitHost("the inflected message found, marked", `[...document.querySelectorAll('.hit-snippet mark')].some((m) => m.textContent === 'Rechnungsadressen')`)
	checkAxe(t, owner.ctx, "search results")
	if shots != "" {
		owner.screenshot(filepath.Join(shots, "inbox-search.png"))
	}

	// Two filters as chips, saved as a view.
	owner.goHash("#/q/" + url.QueryEscape("folder=all"))
	addFilter := func(field, value string, text bool) {
		owner.clickText(".filterbar button", "Add a filter")
		owner.waitHost("the filter form", `document.querySelector('.addfilter select')`)
		host[chromedp.Void](owner, `(() => { const s = document.querySelector('.addfilter select'); s.value = `+jsQuote(field)+`; s.dispatchEvent(new Event('change', {bubbles: true})); })()`)
		if text {
			owner.fill(".addfilter input", value)
		} else {
			owner.waitHost("the values", `document.querySelectorAll('.addfilter select').length === 2 && [...document.querySelectorAll('.addfilter select')[1].options].some((o) => o.value === `+jsQuote(value)+`)`)
			host[chromedp.Void](owner, `(() => { const s = document.querySelectorAll('.addfilter select')[1]; s.value = `+jsQuote(value)+`; s.dispatchEvent(new Event('change', {bubbles: true})); })()`)
		}
		owner.clickText(".addfilter button", "Add")
	}
	addFilter("assignee", "none", false)
	owner.waitHost("the assignee chip", `[...document.querySelectorAll('.chips .chip')].some((c) => c.textContent.includes('Assignee'))`)
	addFilter("page_url", "checkout", true)
	owner.waitHost("two chips and the one conversation", `document.querySelectorAll('.chips .chip').length === 2 && `+rowWith("Rechnungsadressen")+` && document.querySelectorAll('.rows .row').length === 1`)
	owner.clickText(".filterbar button", "Save as view")
	owner.fill(".addfilter input", "Checkout, waiting")
	owner.clickText(".addfilter button", "Save as view")
	view := `[...document.querySelectorAll('.side-views a')].find((a) => a.dataset.view === 'Checkout, waiting')`
	owner.waitHost("the view under the folders, counting one", view+` && `+view+`.querySelector('.count') && `+view+`.querySelector('.count').textContent === '1'`)
	checkAxe(t, owner.ctx, "a saved view")

	// A new chat that matches both filters: the count follows without a reload.
	chat(s.url+"/demo?step=checkout", "Hallo, ist jemand da?")
	owner.waitHost("the view counting two", view+`.querySelector('.count').textContent === '2'`)
	owner.waitHost("the new chat in the view's list", rowWith("Hallo, ist jemand da?"))
	if shots != "" {
		owner.screenshot(filepath.Join(shots, "inbox-view.png"))
	}
	if !strings.Contains(owner.text(".listpane h1"), "Checkout, waiting") {
		t.Fatalf("list title: %q", owner.text(".listpane h1"))
	}
}
