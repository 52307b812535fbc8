package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestSavedReplies: an admin saves a shared reply in the inbox's Saved replies screen; in a
// visitor's conversation, "/" and a few letters list it, Enter inserts it with the contact's first
// name and the agent's filled in, and the visitor receives it. The toolbar's button starts "/" too.
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
	// A personal one with a file (the inbox reads the list once a minute, so before it first does).
	mapReply := int64(api.must(201, "POST", "/api/v1/saved-replies", map[string]string{"shortcut": "map", "title": "How to find us", "body": "Here is the map."})["saved_reply"].(map[string]any)["id"].(float64))
	putAttachment(t, api, mapReply, "map.png", pngImage(t))

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
	owner.waitHost("the composer", `document.querySelector('.conv-status').textContent === 'Assigned to you' && `+composerOn)

	// "/" and a few letters: the list; Enter inserts the reply, filled in.
	host[chromedp.Void](owner, `document.querySelector('.composer .editor').focus()`)
	owner.do(chromedp.KeyEvent("/wel"))
	owner.waitHost("the saved reply suggested", `document.querySelector('.cpl .cpl-item[aria-selected=true]') && document.querySelector('.cpl .cpl-item').textContent.includes('/welcome') && document.querySelector('.composer .editor').getAttribute('aria-activedescendant') === document.querySelector('.cpl .cpl-item[aria-selected=true]').id && document.activeElement === document.querySelector('.composer .editor')`)
	checkAxe(t, owner.ctx, "saved replies in the composer")
	owner.do(enter)
	want := "Hi Jane, I am Demo. How can I **help**?"
	owner.waitHost("the reply in the composer", composerText+` === `+jsQuote(want)+` && !document.querySelector('.cpl') && !document.querySelector('.composer .editor').hasAttribute('aria-activedescendant')`)
	owner.do(enter)
	visitor.waitFrame("the saved reply, as rich text", `[...document.querySelectorAll('.m.them .bub')].some((b) => b.textContent.includes('Hi Jane, I am Demo. How can I help?') && b.querySelector('strong'))`)

	// A reply with a file: the file goes with the text, as the composer's attachment.
	owner.waitHost("the composer empty", composerText+` === ''`)
	owner.do(chromedp.KeyEvent("/map"))
	owner.waitHost("the reply with a file suggested", `document.querySelector('.cpl .cpl-item[aria-selected=true]') && document.querySelector('.cpl .cpl-item').textContent.includes('/map')`)
	owner.do(enter)
	owner.waitHost("its text and its file in the composer", composerText+` === 'Here is the map.' && document.querySelector('.attach-preview img') && document.querySelector('.attach-preview').textContent.includes('map.png')`)
	owner.do(enter)
	owner.waitHost("the file sent with the text", `[...document.querySelectorAll('.msg-us .att-img img')].some((i) => i.complete && i.naturalWidth === 40) && !document.querySelector('.attach-preview')`)
	visitor.waitFrame("the visitor's picture", `[...document.querySelectorAll('.m.them .bub')].some((b) => b.textContent.includes('Here is the map.') && b.querySelector('img.img'))`)
	api.must(204, "DELETE", fmt.Sprintf("/api/v1/saved-replies/%d", mapReply), nil)

	// Escape closes the list and leaves the text as typed.
	owner.waitHost("the composer empty", composerText+` === ''`)
	owner.do(chromedp.KeyEvent("/nothing"))
	owner.waitHost("no match", `document.querySelector('.cpl .cpl-empty')`)
	owner.do(press("Escape"))
	owner.waitHost("the list closed, the text kept", `!document.querySelector('.cpl') && `+composerText+` === '/nothing'`)

	// The toolbar's button: "/" after a space, and the list; Tab inserts the reply in place of "/w".
	host[chromedp.Void](owner, `document.querySelector('.composer .tools button[aria-label^="Insert a saved reply"]').click()`)
	owner.waitHost("the list from the button", composerText+` === '/nothing /' && document.querySelector('.cpl .cpl-item') && document.activeElement === document.querySelector('.composer .editor')`)
	owner.do(chromedp.KeyEvent("w"))
	owner.waitHost("still listed", `document.querySelector('.cpl .cpl-item[aria-selected=true]')`)
	owner.do(press("Tab"))
	owner.waitHost("the reply after the typed text", composerText+` === `+jsQuote("/nothing "+want)+` && !document.querySelector('.cpl')`)

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
			p.waitHost("the composer", composerOn)
			host[chromedp.Void](p, `(() => { const e = document.querySelector('.composer .editor'); e.focus(); const r = document.createRange(); r.selectNodeContents(e); getSelection().removeAllRanges(); getSelection().addRange(r); })()`)
			p.do(chromedp.KeyEvent("/"))
			p.waitHost("the list", `document.querySelectorAll('.cpl .cpl-item').length === 2`)
		})
	}
}

// putAttachment gives a saved reply its file, as the Saved replies screen uploads it.
func putAttachment(t *testing.T, a *agent, id int64, name string, body []byte) {
	t.Helper()
	req, err := http.NewRequest("PUT", fmt.Sprintf("%s/api/v1/saved-replies/%d/attachment?name=%s", a.base, id, url.QueryEscape(name)), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("the reply's file: %s", res.Status)
	}
}
