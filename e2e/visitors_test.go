package e2e

import (
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// visitorRows is an expression: the Visitors screen's rows.
const visitorRows = `[...document.querySelectorAll('.vis-table tbody tr')]`

// TestLiveVisitors: a visitor who only opens the demo page appears on the Visitors screen within a
// second, with the page and the count of pages seen following them; the agent's proactive message
// opens their widget and starts a conversation assigned to the agent; when the tab closes they
// leave the list after the grace period (one second here: --visitor-grace).
func TestLiveVisitors(t *testing.T) {
	s := startParley(t, "--visitor-grace", "1s")
	shots := screenshots(t)
	api := login(t, s)
	owner := openInbox(t, s, "owner", "demo@parley.test", s.password)
	owner.waitHost("the owner available", `document.querySelector('.toggle').getAttribute('aria-checked') === 'true'`)
	owner.goHash("#/visitors")
	owner.waitHost("the empty Visitors screen", `document.querySelector('.vis-empty')`)

	visitor := newTab(t, "visitor", nil)
	visitor.navigate(s.url + "/demo")
	visitor.waitHost("the launcher", jsLauncher+` && `+jsRoot+`.querySelector('iframe[src*="/live"]')`)
	// Within a second of the live frame being on the page (the Visitors screen is live).
	ok, err := chromedp.Run(owner.ctx, chromedp.Evaluate[any](waitJS(visitorRows+`.length === 1 && `+visitorRows+`[0].textContent.includes('Demo site') && `+
		visitorRows+`[0].querySelector('td[data-label=Pages]').textContent === '1'`, 1000), chromedp.EvalAwaitPromise))
	if err != nil || ok == false || ok == nil {
		t.Fatalf("the visitor did not appear on the Visitors screen within a second (%v)", err)
	}
	owner.waitHost("new, direct, browsing", visitorRows+`[0].textContent.includes('New') && `+visitorRows+`[0].textContent.includes('Direct') && `+
		visitorRows+`[0].textContent.includes('Browsing')`)
	list := api.must(200, "GET", "/api/v1/visitors", nil)["visitors"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["page_url"] != s.url+"/demo" || list[0].(map[string]any)["returning"] != false {
		t.Fatalf("GET /api/v1/visitors: %v", list)
	}

	// The next page: the same visit, two pages (the grace period bridges the page load).
	visitor.navigate(s.url + "/demo?lang=de")
	owner.waitHost("two pages seen", visitorRows+`.length === 1 && `+visitorRows+`[0].querySelector('td[data-label=Pages]').textContent === '2' && `+
		visitorRows+`[0].textContent.includes('?lang=de')`)
	checkAxe(t, owner.ctx, "Visitors")
	if shots != "" {
		inboxShots(t, s, shots, owner, "visitors", func(p *tab, lang string) {
			p.goHash("#/visitors")
			p.waitHost("the visitor", visitorRows+`.length === 1`)
		})
		owner.goHash("#/visitors")
	}

	// A proactive message opens the visitor's widget and starts a conversation assigned to the agent.
	owner.waitHost("Start chat", visitorRows+`.length === 1 && `+visitorRows+`[0].querySelector('.vis-status button')`)
	host[chromedp.Void](owner, visitorRows+`[0].querySelector('.vis-status button').click()`)
	owner.waitHost("the message dialog", `document.querySelector('.vis-form textarea') === document.activeElement`)
	owner.do(chromedp.KeyEvent("Hello! Can I help you find a size?"))
	if shots != "" {
		owner.screenshot(filepath.Join(shots, "visitors-start-chat.png"))
	}
	owner.clickText(".vis-form button[type=submit]", "Send")
	visitor.waitHost("the widget opened", jsLauncher+`.getAttribute('aria-expanded') === 'true'`)
	visitor.waitFrame("the agent's message", `[...document.querySelectorAll('.m.them .bub')].some((b) => b.textContent.includes('Can I help you find a size?'))`)
	visitor.waitFrame("the agent joined", `[...document.querySelectorAll('.sys')].some((l) => l.textContent.includes('Demo Owner'))`)
	owner.waitHost("in a chat", visitorRows+`[0].querySelector('.vis-status a.tag-online')`)
	mine := api.must(200, "GET", "/api/v1/conversations?folder=mine", nil)["conversations"].([]any)
	if len(mine) != 1 || mine[0].(map[string]any)["preview"] != "Hello! Can I help you find a size?" {
		t.Fatalf("the proactive conversation in Mine: %v", mine)
	}
	visitor.typeMessage("Yes, a medium please")
	host[chromedp.Void](owner, visitorRows+`[0].querySelector('.vis-status a').click()`)
	owner.waitHost("the conversation, with the visitor's answer", `[...document.querySelectorAll('.msg-them .bubble')].some((b) => b.textContent.includes('a medium please')) && document.querySelector('.conv-status').textContent === 'Assigned to you'`)

	// The tab closes: the visitor leaves the list once the grace period is over.
	owner.goHash("#/visitors")
	owner.waitHost("the visitor listed", visitorRows+`.length === 1`)
	visitor.navigate("about:blank")
	owner.waitHost("the visitor gone", `document.querySelector('.vis-empty') && `+visitorRows+`.length === 0`)
	if n := len(api.must(200, "GET", "/api/v1/visitors", nil)["visitors"].([]any)); n != 0 {
		t.Fatalf("GET /api/v1/visitors still lists %d visitors", n)
	}
}
