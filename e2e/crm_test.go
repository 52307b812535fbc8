package e2e

import (
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// From a chat, the agent fills the deal's value and organisation in the details panel, creates a
// deal with "… > Create deal", finds it under Created items and follows its link to the deal's
// page; then links the chat to the person the deal made and watches that person's note grow as
// the visitor writes (the note that follows a linked conversation, live on the page).
func TestCRMFromAConversation(t *testing.T) {
	s := startParley(t)
	withoutPlaybook(t, login(t, s)) // a plain chat box: the visitor writes at once
	owner := openInbox(t, s, "owner", "demo@parley.test", s.password)
	owner.waitHost("the owner available", `document.querySelector('.toggle').getAttribute('aria-checked') === 'true'`)

	visitor := newTab(t, "visitor", nil)
	visitor.navigate(s.url + "/demo")
	visitor.openWidget()
	visitor.typeMessage("Hello, we need 40 office chairs.")
	owner.waitHost("the chat in Unassigned", rowWith("40 office chairs"))
	host[chromedp.Void](owner, rowWith("40 office chairs")+`.querySelector('a').click()`)
	owner.waitHost("the conversation and its panel", `document.querySelector('.conv-head .name-btn') && document.querySelector('aside.details .details-body input')`)
	owner.clickText(".conv-actions .btn", "Assign to me")
	owner.waitHost("assigned to me", `document.querySelector('.conv-status').textContent === 'Assigned to you'`)

	// The panel: the contact's name, then the deal's value and organisation, saved as typed.
	field := func(label string) string {
		return `[...document.querySelectorAll('aside.details .field')].find((f) => f.querySelector('label').textContent === ` + jsQuote(label) + `).querySelector('input,textarea,select')`
	}
	fill := func(label, text string) {
		t.Helper()
		owner.waitHost("the field "+label, field(label))
		owner.do(chromedp.SendKeys(`aside.details #`+host[string](owner, field(label)+`.id`), text), chromedp.KeyEvent("\r"))
	}
	fill("Name", "Ana Berger")
	owner.waitHost("the new name", `document.querySelector('.conv-head .name-btn').textContent.includes('Ana Berger')`)
	fill("Deal value", "2500")
	owner.waitHost("the value saved", field("Deal value")+`.value === '2500.00'`)
	fill("Organisation name", "Berger AG")
	owner.waitHost("the organisation saved", field("Organisation name")+`.value === 'Berger AG'`)
	if dir := screenshots(t); dir != "" {
		host[chromedp.Void](owner, `document.querySelector('#capture-h').scrollIntoView()`)
		owner.screenshot(filepath.Join(dir, "crm-details.png"))
	}

	// … > Create deal: prefilled from what the panel captured.
	host[chromedp.Void](owner, `document.querySelector('aside.details button[aria-label="More actions"]').click()`)
	owner.clickText(".menu .menu-item", "Create deal")
	owner.waitHost("the deal dialog, prefilled", `document.querySelector('dialog[open] input') && `+
		`document.querySelector('dialog[open] input').value === 'Deal: Berger AG' && `+
		`[...document.querySelectorAll('dialog[open] input')].some((i) => i.value === '2500.00') && `+
		`[...document.querySelectorAll('dialog[open] input')].some((i) => i.value === 'Ana Berger')`)
	checkAxe(t, owner.ctx, "create deal dialog")
	if dir := screenshots(t); dir != "" {
		owner.screenshot(filepath.Join(dir, "crm-create-deal.png"))
	}
	owner.clickText("dialog[open] button[type=submit]", "Create deal")
	owner.waitHost("the deal under Created items", `[...document.querySelectorAll('.items li')].some((l) => l.textContent.includes('Deal: Berger AG') && l.textContent.includes('€2,500.00'))`)
	owner.waitHost("the chat's line, with author and time", `[...document.querySelectorAll('.sys')].some((l) => /^Demo Owner created deal “Deal: Berger AG” at \d/.test(l.textContent))`)
	if host[string](owner, `document.querySelector('.conv-status').textContent`) != "Assigned to you" {
		t.Fatal("creating the deal changed the conversation")
	}

	// Follow its link: the deal's page.
	host[chromedp.Void](owner, `[...document.querySelectorAll('.items li a.item-link')].find((a) => a.textContent === 'Deal: Berger AG').click()`)
	owner.waitHost("the deal's page", `location.hash.startsWith('#/crm/deal/') && document.querySelector('.recordpage h2') && `+
		`document.querySelector('.recordpage h2').textContent.includes('Deal: Berger AG') && document.querySelector('.record-facts').textContent.includes('Berger AG') && `+
		`document.querySelector('.record-facts').textContent.includes('€2,500.00') && document.querySelector('.record-facts').textContent.includes('Ana Berger')`)
	checkAxe(t, owner.ctx, "a deal's page")
	host[chromedp.Void](owner, `history.back()`)
	owner.waitHost("back in the conversation", `document.querySelector('.conv-head .name-btn') && document.querySelector('aside.details .items')`)

	// Link the chat to the person the deal made of the contact.
	host[chromedp.Void](owner, `document.querySelector('aside.details button[aria-label="More actions"]').click()`)
	owner.clickText(".menu .menu-item", "Link to a person, lead or deal")
	owner.waitHost("the person found", `[...document.querySelectorAll('dialog[open] .link-result')].some((r) => r.textContent.includes('Ana Berger'))`)
	checkAxe(t, owner.ctx, "link dialog")
	host[chromedp.Void](owner, `[...document.querySelectorAll('dialog[open] .link-result')].find((r) => r.textContent.includes('Ana Berger')).querySelector('button').click()`)
	owner.waitHost("the person under Created items, linked", `[...document.querySelectorAll('.items li')].some((l) => l.textContent.includes('Ana Berger') && l.querySelector('.tag-linked'))`)
	owner.waitHost("the chat's link line", `[...document.querySelectorAll('.sys')].some((l) => l.textContent.startsWith('Demo Owner linked the chat to person “Ana Berger”'))`)

	// The person's page: the note holds the chat so far, and grows as the visitor writes.
	host[chromedp.Void](owner, `[...document.querySelectorAll('.items li a.item-link')].find((a) => a.textContent === 'Ana Berger').click()`)
	owner.waitHost("the person's note with the chat", `document.querySelector('.recordpage .note-chat') && `+
		`[...document.querySelectorAll('.excerpt-line')].some((l) => l.textContent.includes('40 office chairs'))`)
	visitor.typeMessage("Could you deliver them next week?")
	owner.waitHost("the note grown with the visitor's message", `document.querySelectorAll('.recordpage .note-chat').length === 1 && `+
		`[...document.querySelectorAll('.excerpt-line')].some((l) => l.textContent.includes('deliver them next week'))`)
	visitor.typeMessage("And assembled, please.")
	owner.waitHost("and again", `[...document.querySelectorAll('.excerpt-line')].some((l) => l.textContent.includes('assembled, please'))`)
	checkAxe(t, owner.ctx, "a person's page with the note")

	if dir := screenshots(t); dir != "" {
		owner.screenshot(filepath.Join(dir, "crm-person.png"))
		// German, desktop and phone.
		host[chromedp.Void](owner, `(() => { const s = document.querySelector('.side-lang select'); s.value = 'de'; s.dispatchEvent(new Event('change', {bubbles: true})); })()`)
		owner.waitHost("German", `document.documentElement.lang === 'de' && [...document.querySelectorAll('.recordpage h3')].some((h) => h.textContent === 'Verlauf')`)
		owner.screenshot(filepath.Join(dir, "crm-person-de.png"))
		owner.do(chromedp.Navigate(s.url + "/inbox/#/f/mine"))
		owner.waitHost("the list", rowWith("assembled"))
		host[chromedp.Void](owner, rowWith("assembled")+`.querySelector('a').click()`)
		owner.waitHost("the German panel", `document.querySelector('#capture-h') && document.querySelector('#capture-h').textContent === 'Deal-Details'`)
		host[chromedp.Void](owner, `document.querySelector('#capture-h').scrollIntoView()`)
		owner.screenshot(filepath.Join(dir, "crm-details-de.png"))
		phone := newTab(t, "phone", owner)
		phone.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		phone.navigate(s.url + "/inbox/" + host[string](owner, `location.hash`))
		phone.waitHost("the conversation on a phone", `document.querySelector('.conv-head') && document.querySelector('.details-toggle')`)
		host[chromedp.Void](phone, `document.querySelector('.details-toggle').click()`)
		phone.waitHost("the panel on a phone", `document.querySelector('#capture-h')`)
		host[chromedp.Void](phone, `document.querySelector('#crm-h').scrollIntoView()`)
		phone.screenshot(filepath.Join(dir, "crm-phone-details-de.png"))
		host[chromedp.Void](phone, `[...document.querySelectorAll('.items li a.item-link')].find((a) => a.textContent === 'Ana Berger').click()`)
		phone.waitHost("the person's page on a phone", `document.querySelector('.recordpage .note-chat')`)
		phone.screenshot(filepath.Join(dir, "crm-phone-person-de.png"))
		host[chromedp.Void](phone, `(() => { const s = document.querySelector('.side-lang select'); s.value = 'en'; s.dispatchEvent(new Event('change', {bubbles: true})); })()`)
		phone.waitHost("English", `document.documentElement.lang === 'en' && [...document.querySelectorAll('.recordpage h3')].some((h) => h.textContent === 'Timeline')`)
		phone.screenshot(filepath.Join(dir, "crm-phone-person.png"))
	}
}
