package e2e

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// withoutPlaybook deactivates the demo website's playbook, so the widget is the plain chat box of a
// website without a bot (its own offline form, no cards).
func withoutPlaybook(t *testing.T, a *agent) {
	t.Helper()
	for _, p := range a.must(200, "GET", "/api/v1/playbooks", nil)["playbooks"].([]any) {
		id := int64(p.(map[string]any)["id"].(float64))
		a.must(200, "POST", fmt.Sprintf("/api/v1/playbooks/%d/deactivate", id), nil)
	}
}

// The visitor-to-lead journeys of the demo's "Chat with your leads" playbook: the real widget on
// /demo, the real inbox, the server's bot engine.

// talkToSomeone opens the widget on /demo and picks the bot's "Talk to someone" answer.
func talkToSomeone(t *testing.T, s *parleyServer, name string) *tab {
	t.Helper()
	v := newTab(t, name, nil)
	v.navigate(s.url + "/demo")
	v.openWidget()
	v.waitFrame("the bot's greeting and question", `document.querySelector('.head h1').textContent === 'Assistant' && `+
		`[...document.querySelectorAll('.cc.ans button.opt')].some((b) => b.textContent === 'Talk to someone')`)
	inFrame[chromedp.Void](v, `[...document.querySelectorAll('.cc.ans button.opt')].find((b) => b.textContent === 'Talk to someone').click()`)
	v.waitFrame("the answer as the visitor's bubble", bubbles("Talk to someone")+` === 1`)
	return v
}

const (
	onlineText  = "One moment, a colleague will be with you shortly."
	offlineText = "Sorry, nobody is free right now."
)

// captureEmail answers the offline path's email card.
func captureEmail(v *tab, email string) {
	v.t.Helper()
	v.waitFrame("the email card", `document.querySelector('form.cc.cf input[type=email]')`)
	inFrame[chromedp.Void](v, `document.querySelector('form.cc.cf input[type=email]').focus()`)
	v.do(chromedp.KeyEvent(email))
	inFrame[chromedp.Void](v, `document.querySelector('form.cc.cf button[type=submit]').click()`)
	v.waitFrame("the thanks", `document.body.textContent.includes("Thank you! We'll get back to you as soon as we can.")`)
}

// a. An agent is online and takes the chat in time: joined, the header follows, messages both
// ways, a lead from the details panel, closed, rated.
func TestPlaybookJourneyAgentTakesIt(t *testing.T) {
	s := startParley(t)
	owner := openInbox(t, s, "owner", "demo@parley.test", s.password)
	owner.waitHost("the owner available", `document.querySelector('.toggle').getAttribute('aria-checked') === 'true'`)

	v := talkToSomeone(t, s, "visitor")
	v.waitFrame("the online message with its countdown", `document.body.textContent.includes(`+jsQuote(onlineText)+`) && document.querySelector('.cc.wait')`)
	checkAxeFrame(t, v, "widget: the bot's cards and the waiting live chat card")
	checkAxe(t, v.ctx, "the demo page with the widget open")
	if dir := screenshots(t); dir != "" {
		v.screenshot(filepath.Join(dir, "widget-bot-waiting.png"))
	}

	owner.waitHost("the chat in Unassigned", rowWith("colleague"))
	host[chromedp.Void](owner, rowWith("colleague")+`.querySelector('a').click()`)
	owner.waitHost("the bot's cards and the answer in the inbox", `document.querySelector('.conv-head .name-btn') && document.body.textContent.includes('Talk to someone')`)
	owner.clickText(".conv-actions .btn", "Assign to me")
	owner.waitHost("assigned to me", `document.querySelector('.conv-status').textContent === 'Assigned to you'`)
	v.waitFrame("the joined line, the header follows the agent", `[...document.querySelectorAll('.sys')].some((l) => l.textContent === 'Demo Owner joined the chat') && `+
		`document.querySelector('.head h1').textContent === 'Demo Owner' && !document.querySelector('.cc.wait')`)

	owner.do(chromedp.SendKeys(`.composer .editor`, "Hello, I am here. How can I help?"), enter)
	v.waitFrame("the agent's reply", bubbles("How can I help?")+` === 1`)
	v.typeMessage("I would like a quote for 40 chairs.")
	owner.waitHost("the visitor's message", `[...document.querySelectorAll('.msg-them .bubble')].some((b) => b.textContent.includes('40 chairs'))`)

	owner.clickText("aside.details .btn", "Create lead")
	owner.waitHost("the lead dialog", `document.querySelector('dialog[open] input')`)
	host[chromedp.Void](owner, `document.querySelector('dialog[open] input').select()`)
	owner.do(chromedp.KeyEvent("40 chairs"))
	owner.clickText("dialog[open] button[type=submit]", "Create lead")
	owner.waitHost("the lead under Created items", `[...document.querySelectorAll('.items li')].some((l) => l.textContent.includes('40 chairs'))`)
	owner.waitHost("the line in the chat, with its time", `[...document.querySelectorAll('.sys')].some((l) => /^Demo Owner created lead “40 chairs” at \d/.test(l.textContent))`)

	owner.clickText(".conv-actions .btn-resolve", "Resolve")
	owner.waitHost("closed", `document.querySelector('.conv-status').textContent.startsWith('Closed')`)
	v.waitFrame("the rating prompt", `document.querySelectorAll('.rate .star').length === 5`)
	inFrame[chromedp.Void](v, `document.querySelectorAll('.rate .star')[3].click()`)
	// The comment is optional: Send with none.
	v.waitFrame("the send button", `document.querySelector('.rate .btn')`)
	inFrame[chromedp.Void](v, `document.querySelector('.rate .btn').click()`)
	v.waitFrame("the thanks for rating", `[...document.querySelectorAll('.sys')].some((l) => l.textContent === 'Thanks for your rating')`)
}

// b. Nobody is online: the offline message, an email through the capture card, a lead with that
// email, and the conversation waits in Unassigned. The visitor answers with the mouse, so the new
// card takes the focus once its form (from the forms chunk) is there.
func TestPlaybookJourneyNobodyOnline(t *testing.T) {
	s := startParley(t)
	api := login(t, s) // signed in, no inbox open: not available
	v := newTab(t, "visitor", nil)
	v.navigate(s.url + "/demo")
	v.openWidget()
	talk := `[...document.querySelectorAll('.cc.ans button.opt')].find((b) => b.textContent === 'Talk to someone')`
	v.waitFrame("the bot's question", talk)
	v.clickFrame(talk)
	v.waitFrame("the offline message", `document.body.textContent.includes(`+jsQuote(offlineText)+`) && !document.querySelector('.cc.wait')`)
	v.waitFrame("the email card, with the focus", `document.activeElement === document.querySelector('form.cc.cf input[type=email]')`)
	checkAxeFrame(t, v, "widget: the offline message and the email capture card")
	if dir := screenshots(t); dir != "" {
		v.screenshot(filepath.Join(dir, "widget-bot-offline.png"))
		phone := newTab(t, "phone", nil)
		phone.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		phone.navigate(s.url + "/demo?lang=de")
		phone.openWidget()
		phone.waitFrame("the German bot on a phone", `[...document.querySelectorAll('.cc.ans button.opt')].length > 0`)
		phone.screenshot(filepath.Join(dir, "widget-bot-phone-de.png"))
	}
	captureEmail(v, "ana.berger@example.com")

	var convID int64
	eventually(t, "the conversation in Unassigned", func() bool {
		list := api.must(200, "GET", "/api/v1/conversations?folder=unassigned", nil)["conversations"].([]any)
		if len(list) == 1 {
			convID = int64(list[0].(map[string]any)["id"].(float64))
		}
		return convID != 0
	})
	c := api.must(200, "GET", fmt.Sprintf("/api/v1/conversations/%d", convID), nil)["conversation"].(map[string]any)
	contact := api.must(200, "GET", fmt.Sprintf("/api/v1/contacts/%d", int64(c["contact_id"].(float64))), nil)["contact"].(map[string]any)
	if contact["email"] != "ana.berger@example.com" {
		t.Fatalf("the captured email is not on the contact: %v", contact)
	}
	eventually(t, "a lead for that contact", func() bool {
		leads := api.must(200, "GET", fmt.Sprintf("/api/v1/leads?conversation_id=%d", convID), nil)["leads"].([]any)
		return len(leads) == 1 && leads[0].(map[string]any)["contact_id"] == contact["id"]
	})
}

// c. An agent is online but nobody takes the chat within a 10-second waiting time: the offline
// message and path. The same when the server restarts during the wait.
func TestPlaybookJourneyWaitingTimeRunsOut(t *testing.T) {
	s := startParley(t)
	api := login(t, s)
	setWaiting(t, api, 10)
	api.goOnline(s)

	v := talkToSomeone(t, s, "visitor")
	v.waitFrame("the online message", `document.body.textContent.includes(`+jsQuote(onlineText)+`) && document.querySelector('.cc.wait')`)
	v.waitFrame("the offline message after 10 s", `document.body.textContent.includes(`+jsQuote(offlineText)+`) && !document.querySelector('.cc.wait')`)
	captureEmail(v, "first@example.com")

	// A second visitor reaches the card; the server restarts during the wait.
	w := talkToSomeone(t, s, "second-visitor")
	w.waitFrame("the online message", `document.querySelector('.cc.wait')`)
	s.stop()
	s.start()
	w.waitFrame("the offline message after the restart", `document.body.textContent.includes(`+jsQuote(offlineText)+`) && !document.querySelector('.cc.wait')`)
	captureEmail(w, "second@example.com")
	api = login(t, s)
	eventually(t, "both conversations waiting in Unassigned", func() bool {
		return len(api.must(200, "GET", "/api/v1/conversations?folder=unassigned", nil)["conversations"].([]any)) == 2
	})
}

// setWaiting sets the waiting time of the demo's English playbook's live chat card.
func setWaiting(t *testing.T, a *agent, seconds int) {
	t.Helper()
	for _, p := range a.must(200, "GET", "/api/v1/playbooks", nil)["playbooks"].([]any) {
		pm := p.(map[string]any)
		if pm["name"] != "Live chat" {
			continue
		}
		id := int64(pm["id"].(float64))
		full := a.must(200, "GET", fmt.Sprintf("/api/v1/playbooks/%d", id), nil)["playbook"].(map[string]any)
		q := full["flow"].(map[string]any)["path"].([]any)[1].(map[string]any)
		live := q["answers"].([]any)[0].(map[string]any)["path"].([]any)[0].(map[string]any)
		live["waiting_seconds"] = seconds
		a.must(200, "PUT", fmt.Sprintf("/api/v1/playbooks/%d", id), full)
		return
	}
	t.Fatal("no demo playbook")
}

// The page's playbook greets after its delay next to the launcher, before anything is stored;
// the greeting opens the chat, where the bot says it again with its question.
func TestPlaybookGreetsAfterItsDelay(t *testing.T) {
	s := startParley(t)
	api := login(t, s)
	for _, p := range api.must(200, "GET", "/api/v1/playbooks", nil)["playbooks"].([]any) {
		pm := p.(map[string]any)
		if pm["name"] != "Live chat" {
			continue
		}
		id := int64(pm["id"].(float64))
		full := api.must(200, "GET", fmt.Sprintf("/api/v1/playbooks/%d", id), nil)["playbook"].(map[string]any)
		full["delay_seconds"] = 2
		api.must(200, "PUT", fmt.Sprintf("/api/v1/playbooks/%d", id), full)
	}
	v := newTab(t, "visitor", nil)
	v.navigate(s.url + "/demo")
	v.waitHost("the launcher, no greeting yet", jsLauncher+` && !`+jsRoot+`.querySelector('.t')`)
	v.waitHost("the greeting after the delay", jsRoot+`.querySelector('.t .tb') && `+jsRoot+`.querySelector('.t .tb').textContent.startsWith('Hi there!')`)
	checkAxe(t, v.ctx, "the demo page with the playbook's greeting")
	if dir := screenshots(t); dir != "" {
		v.screenshot(filepath.Join(dir, "widget-greeting.png"))
	}
	if n := len(api.must(200, "GET", "/api/v1/conversations?folder=open", nil)["conversations"].([]any)); n != 0 {
		t.Fatalf("a greeting shown made %d conversations", n)
	}
	host[chromedp.Void](v, jsRoot+`.querySelector('.t .tb').click()`)
	v.waitFrame("the bot's question in the open chat", `[...document.querySelectorAll('.cc.ans button.opt')].some((b) => b.textContent === 'Talk to someone')`)
	if dir := screenshots(t); dir != "" {
		v.screenshot(filepath.Join(dir, "widget-bot.png"))
	}
	v.waitHost("the greeting gone", `!`+jsRoot+`.querySelector('.t')`)
}
