package e2e

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestSavedReplies: an admin saves a shared reply in the inbox's Saved replies screen; in a
// visitor's conversation, "/" and a few letters list it, Enter inserts it with the contact's first
// name and the agent's filled in, and the visitor receives it.
func TestSavedReplies(t *testing.T) {
	s := startParley(t)
	shots := screenshots(t)
	api := login(t, s)

	owner := openInbox(t, s, "owner", "demo@parley.test", s.password)
	owner.waitHost("the owner available", `document.querySelector('.toggle').getAttribute('aria-checked') === 'true'`)
	owner.goHash("#/admin/replies")
	owner.waitHost("the Saved replies screen", `document.querySelector('.adm-screen h1') && document.querySelector('.adm-screen h1').textContent === 'Saved replies'`)
	owner.clickText(".adm-screen button", "New saved reply")
	owner.waitHost("the form", `document.querySelector('.sr-form select[name=scope]')`)
	host[chromedp.Void](owner, `(() => { const s = document.querySelector('.sr-form select[name=scope]'); s.value = 'shared'; s.dispatchEvent(new Event('change', {bubbles: true})); })()`)
	owner.fill(".sr-form input[name=shortcut]", "welcome")
	owner.fill(".sr-form input[name=title]", "Welcome")
	owner.fill(".sr-form textarea[name=body]", "Hi ")
	owner.clickText(".sr-var", "Contact's first name")
	// The button puts the caret after the variable in the next frame.
	owner.waitHost("the variable inserted", `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(document.activeElement === document.querySelector('.sr-form textarea') && document.activeElement.value === 'Hi {{contact.first_name}}'))))`)
	owner.do(chromedp.KeyEvent(", I am {{agent.first_name}}. How can I **help**?"))
	if shots != "" {
		owner.screenshot(filepath.Join(shots, "saved-replies-form.png"))
	}
	owner.clickText(".sr-form button[type=submit]", "Save reply")
	owner.waitHost("the shared reply listed", `document.querySelector('#sr-shared') && document.querySelector('.sr-row[data-shortcut=welcome]') && document.querySelector('.sr-row[data-shortcut=welcome]').closest('section').querySelector('#sr-shared')`)
	checkAxe(t, owner.ctx, "saved replies")
	list := api.must(200, "GET", "/api/v1/saved-replies", nil)["saved_replies"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["scope"] != "shared" {
		t.Fatalf("saved replies: %v", list)
	}

	// A visitor writes; the agent names the contact, as the details panel does.
	visitor := newTab(t, "visitor", nil)
	visitor.navigate(s.url + "/demo")
	visitor.openWidget()
	visitor.typeMessage("Hello, anyone there?")
	owner.goHash("#/f/unassigned")
	owner.waitHost("the conversation", rowWith("Hello, anyone there?"))
	convs := api.must(200, "GET", "/api/v1/conversations?folder=unassigned", nil)["conversations"].([]any)
	contactID := int64(convs[0].(map[string]any)["contact_id"].(float64))
	api.must(200, "PATCH", fmt.Sprintf("/api/v1/contacts/%d", contactID), map[string]string{"name": "Jane Doe"})
	host[chromedp.Void](owner, rowWith("Hello, anyone there?")+`.querySelector('a').click()`)
	owner.clickText(".conv-actions .btn", "Assign to me")
	owner.waitHost("the composer", `document.querySelector('.conv-status').textContent === 'Assigned to you' && document.querySelector('.composer textarea') && !document.querySelector('.composer textarea').disabled`)

	// "/" and a few letters: the list; Enter inserts the reply, filled in.
	host[chromedp.Void](owner, `document.querySelector('.composer textarea').focus()`)
	owner.do(chromedp.KeyEvent("/wel"))
	owner.waitHost("the saved reply suggested", `document.querySelector('.cpl .cpl-item[aria-selected=true]') && document.querySelector('.cpl .cpl-item').textContent.includes('/welcome') && document.querySelector('.composer textarea').getAttribute('aria-activedescendant')`)
	checkAxe(t, owner.ctx, "saved replies in the composer")
	owner.do(enter)
	want := "Hi Jane, I am Demo. How can I **help**?"
	owner.waitHost("the reply in the composer", `document.querySelector('.composer textarea').value === `+jsQuote(want)+` && !document.querySelector('.cpl')`)
	owner.do(enter)
	visitor.waitFrame("the saved reply, as rich text", `[...document.querySelectorAll('.m.them .bub')].some((b) => b.textContent.includes('Hi Jane, I am Demo. How can I help?') && b.querySelector('strong'))`)

	// Escape closes the list and leaves the text as typed.
	owner.waitHost("the composer empty", `document.querySelector('.composer textarea').value === ''`)
	owner.do(chromedp.KeyEvent("/nothing"))
	owner.waitHost("no match", `document.querySelector('.cpl .cpl-empty')`)
	owner.do(press("Escape"))
	owner.waitHost("the list closed, the text kept", `!document.querySelector('.cpl') && document.querySelector('.composer textarea').value === '/nothing'`)

	if shots != "" {
		api.must(201, "POST", "/api/v1/saved-replies", map[string]string{"shortcut": "delivery", "title": "Delivery times",
			"body": "We deliver in 2 to 3 working days, {{contact.first_name | there}}."})
		inboxShots(t, s, shots, owner, "saved-replies", func(p *tab, lang string) {
			p.goHash("#/admin/replies")
			p.waitHost("the replies", `document.querySelector('.sr-row[data-shortcut=delivery]') && document.querySelector('.sr-row[data-shortcut=welcome]')`)
		})
		conv := fmt.Sprintf("#/c/%d", int64(convs[0].(map[string]any)["id"].(float64)))
		inboxShots(t, s, shots, owner, "saved-replies-composer", func(p *tab, lang string) {
			p.goHash(conv)
			p.waitHost("the composer", `document.querySelector('.composer textarea') && !document.querySelector('.composer textarea').disabled`)
			host[chromedp.Void](p, `(() => { const ta = document.querySelector('.composer textarea'); ta.focus(); ta.select(); })()`)
			p.do(chromedp.KeyEvent("/"))
			p.waitHost("the list", `document.querySelectorAll('.cpl .cpl-item').length === 2`)
		})
	}
}
