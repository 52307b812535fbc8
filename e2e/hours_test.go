package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBusinessHours: an admin gives the demo website business hours with today as a holiday; the
// widget shows the away message, and the demo's live chat card goes offline at once although the
// agent is available — no countdown. The conversation still reaches the inbox, where the agent can
// answer.
func TestBusinessHours(t *testing.T) {
	s := startParley(t)
	shots := screenshots(t)
	api := login(t, s)
	site := demoInbox(t, api)

	owner := openInbox(t, s, "owner", "demo@parley.test", s.password)
	owner.waitHost("the owner available", `document.querySelector('.toggle').getAttribute('aria-checked') === 'true'`)
	owner.goHash("#/admin/websites")
	form := fmt.Sprintf(`[data-website-id="%d"] form.hours`, site)
	owner.waitHost("the business hours form", `document.querySelector('`+form+` input[name=enabled]')`)
	host[chromedp.Void](owner, `document.querySelector('`+form+` input[name=enabled]').click()`)
	owner.waitHost("the weekly hours", `document.querySelectorAll('`+form+` .hours-day').length === 7 && document.querySelector('`+form+` .hours-day[data-day=mon] input[type=time]').value === '09:00'`)
	owner.clickText(form+" button", "Add a holiday")
	today := time.Now().UTC().Format(time.DateOnly)
	owner.waitHost("today as a holiday", `document.querySelector('`+form+` .hours-holiday input[type=date]').value === `+jsQuote(today))
	owner.fill(form+" .hours-holiday input[type=text]", "Staff outing")
	owner.fill(form+" textarea[name=away]", "We are out today. Leave a message!")
	owner.clickText(form+" button[type=submit]", "Save business hours")
	owner.waitHost("saved, and closed now", `document.querySelector('`+form+` .adm-ok') && document.querySelector('`+form+` .hours-now').textContent === 'Right now: closed.'`)
	checkAxe(t, owner.ctx, "admin: business hours")
	w := api.must(200, "GET", fmt.Sprintf("/api/v1/websites/%d", site), nil)["website"].(map[string]any)
	bh := w["business_hours"].(map[string]any)
	if bh["enabled"] != true || len(bh["holidays"].([]any)) != 1 || len(bh["weekly"].(map[string]any)) != 5 {
		t.Fatalf("business hours stored as %v", bh)
	}

	// The visitor: the away message, and the live chat card offline at once.
	v := newTab(t, "visitor", nil)
	v.navigate(s.url + "/demo")
	v.openWidget()
	v.waitFrame("the away message and the away status", `document.querySelector('.away') && document.querySelector('.away').textContent === 'We are out today. Leave a message!' && document.querySelector('.head p').textContent === "We'll get back to you soon"`)
	v.waitFrame("the bot's question", `[...document.querySelectorAll('.cc.ans button.opt')].some((b) => b.textContent === 'Talk to someone')`)
	if shots != "" {
		v.screenshot(filepath.Join(shots, "widget-away.png"))
	}
	inFrame[chromedp.Void](v, `[...document.querySelectorAll('.cc.ans button.opt')].find((b) => b.textContent === 'Talk to someone').click()`)
	v.waitFrame("the offline message at once, no countdown", `document.body.textContent.includes(`+jsQuote(offlineText)+`) && !document.querySelector('.cc.wait') && !document.body.textContent.includes(`+jsQuote(onlineText)+`)`)
	checkAxeFrame(t, v, "widget: outside business hours")

	// The agent can still answer.
	owner.goHash("#/f/unassigned")
	owner.waitHost("the conversation in Unassigned", rowWith("What's your email"))
	list := api.must(200, "GET", "/api/v1/conversations?folder=unassigned", nil)["conversations"].([]any)
	conv := int64(list[0].(map[string]any)["id"].(float64))
	api.reply(conv, "We saw your message and will call you tomorrow.")
	v.waitFrame("the agent's answer", bubbles("will call you tomorrow")+` === 1`)

	if shots != "" {
		inboxShots(t, s, shots, owner, "admin-business-hours", func(p *tab, lang string) {
			p.goHash("#/admin/websites")
			p.waitHost("the hours", `document.querySelector('`+form+` .hours-day[data-day=sun]')`)
			host[chromedp.Void](p, `document.querySelector('`+form+`').scrollIntoView()`)
		})
		de := newTab(t, "visitor-de", nil)
		de.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		api.must(200, "PATCH", fmt.Sprintf("/api/v1/websites/%d", site), map[string]any{"business_hours": map[string]any{"enabled": true}})
		de.navigate(s.url + "/demo?lang=de")
		de.openWidget()
		de.waitFrame("the German default away message", `document.querySelector('.away') && document.querySelector('.away').textContent.startsWith('Wir sind gerade nicht erreichbar')`)
		de.screenshot(filepath.Join(shots, "widget-away-phone-de.png"))
	}
}
