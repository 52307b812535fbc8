package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// Journeys of a day's work in the inbox and the widget: what a user of other live chat products
// would notice first when it breaks.

// TestInboxAgentsOnline: "Agents online" counts the agents who are available, not every agent
// with the inbox open: a colleague who switches to "Not available" is no longer counted.
func TestInboxAgentsOnline(t *testing.T) {
	s := startParley(t)
	api := login(t, s)
	api.must(201, "POST", "/api/v1/users", map[string]string{"email": "jana@parley.test", "name": "Jana Novak", "password": "correct horse battery", "role": "agent"})
	owner := openInbox(t, s, "owner", "demo@parley.test", s.password)
	owner.waitHost("one agent online", `document.querySelector('.online').textContent.trim() === 'Agents online: 1'`)

	jana := loginAs(t, s, "jana@parley.test", "correct horse battery")
	jana.goOnline(s)
	owner.waitHost("two agents online", `document.querySelector('.online').textContent.trim() === 'Agents online: 2'`)
	jana.must(200, "PUT", "/api/v1/me/availability", map[string]bool{"available": false})
	owner.waitHost("one agent online again", `document.querySelector('.online').textContent.trim() === 'Agents online: 1'`)
	// Reloaded, the first count (the socket's hello) counts the same way.
	owner.navigate(s.url + "/inbox/")
	owner.waitHost("one agent online after a reload", `document.querySelector('.online') && document.querySelector('.online').textContent.trim() === 'Agents online: 1'`)
}

// pressCtrl presses Ctrl and a letter key, as a keyboard shortcut (no character typed).
func pressCtrl(letter string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		code := int64(strings.ToUpper(letter)[0])
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: typ, Key: letter, Code: "Key" + strings.ToUpper(letter),
				Modifiers: 2 /* Ctrl */, WindowsVirtualKeyCode: code, NativeVirtualKeyCode: code}); err != nil {
				return err
			}
		}
		return nil
	})
}

// openVisitorConversation has a visitor write through the widget's API and opens the conversation
// in the agent's inbox.
func openVisitorConversation(t *testing.T, s *parleyServer, p *tab, text string) {
	t.Helper()
	say := widgetVisitor(t, s, demoKey(t, s))
	say(text)
	p.waitHost("the conversation", rowWith(text))
	host[chromedp.Void](p, rowWith(text)+`.querySelector('a').click()`)
	p.waitHost("its log", `[...document.querySelectorAll('.msg-them .bubble')].some((b) => b.textContent.includes(`+jsQuote(text)+`))`)
}

// TestInboxComposerFormatting: the composer shows formatting as the contact will see it. The link
// button asks for the web address (a bare domain will do) and never inserts a placeholder; bold
// from the keyboard is bold in the composer; the message goes out as links and bold.
func TestInboxComposerFormatting(t *testing.T) {
	s := startParley(t)
	api := login(t, s)
	p := openInbox(t, s, "owner", "demo@parley.test", s.password)
	p.waitHost("the owner available", `document.querySelector('.toggle').getAttribute('aria-checked') === 'true'`)
	openVisitorConversation(t, s, p, "Where are your prices?")

	p.do(chromedp.SendKeys(`.composer .editor`, "Our "))
	// The link button asks for the address; an empty or wrong one is refused, nothing is inserted.
	host[chromedp.Void](p, `document.querySelector('.tools button[aria-label="Link"]').click()`)
	p.waitHost("the link dialog, focus on the address", `document.querySelector('dialog[open]') && document.activeElement === document.querySelector('dialog[open] input')`)
	checkAxe(t, p.ctx, "the composer's link dialog")
	p.clickText("dialog[open] .btn-primary", "Add link")
	p.waitHost("an empty address refused", `document.querySelector('dialog[open] [role=alert]') && document.querySelector('dialog[open] [role=alert]').textContent.includes('such as example.com')`)
	p.do(chromedp.KeyEvent("https://"))
	p.clickText("dialog[open] .btn-primary", "Add link")
	p.waitHost("a scheme alone refused", `document.querySelector('dialog[open] [role=alert]')`)
	host[chromedp.Void](p, `document.querySelector('dialog[open] input').select()`)
	p.do(chromedp.KeyEvent("example.com/prices"))
	host[chromedp.Void](p, `document.querySelectorAll('dialog[open] input')[1].focus()`)
	p.do(chromedp.KeyEvent("price list"))
	p.do(enter)
	p.waitHost("the link in the composer, the caret after it", `!document.querySelector('dialog[open]') && document.querySelector('.composer .editor a[href="https://example.com/prices"]') && document.querySelector('.composer .editor a').textContent === 'price list' && document.activeElement === document.querySelector('.composer .editor')`)
	// Bold from the keyboard: the composer shows it bold, the toolbar says so.
	p.do(chromedp.KeyEvent(" is "))
	p.do(pressCtrl("b"))
	p.waitHost("the bold button pressed", `document.querySelector('.tools button[aria-label="Bold"]').getAttribute('aria-pressed') === 'true'`)
	p.do(chromedp.KeyEvent("up to date"))
	p.do(pressCtrl("b"))
	p.do(chromedp.KeyEvent("."))
	p.waitHost("bold text in the composer, no markers", `document.querySelector('.composer .editor b, .composer .editor strong') && document.querySelector('.composer .editor b, .composer .editor strong').textContent === 'up to date' && !document.querySelector('.composer .editor').textContent.includes('*')`)
	if dir := screenshots(t); dir != "" {
		p.screenshot(filepath.Join(dir, "inbox-composer.png"))
	}
	p.do(enter)
	p.waitHost("the sent reply with its link and bold", `[...document.querySelectorAll('.msg-us .rich')].some((r) => r.querySelector('a[href="https://example.com/prices"]') && r.querySelector('strong') && r.querySelector('strong').textContent === 'up to date')`)
	p.waitHost("the composer empty again", `document.querySelector('.composer .editor').textContent === '' && document.querySelector('.composer .editor-empty')`)
	var convID int64
	eventually(t, "the stored reply", func() bool {
		list := api.must(200, "GET", "/api/v1/conversations?folder=mine", nil)["conversations"].([]any)
		if len(list) == 1 {
			convID = int64(list[0].(map[string]any)["id"].(float64))
		}
		return convID != 0 && api.count(convID, "Our [price list](https://example.com/prices) is **up to date**.") == 1
	})
}

// TestInboxUnavailableAgentTakes: an agent who is "Not available" opens an unassigned conversation
// and is told up front that they cannot take it, with one button that turns availability on and
// takes it; no reply can be typed that would fail.
func TestInboxUnavailableAgentTakes(t *testing.T) {
	s := startParley(t)
	p := openInbox(t, s, "owner", "demo@parley.test", s.password)
	p.waitHost("the owner available", `document.querySelector('.toggle').getAttribute('aria-checked') === 'true'`)
	host[chromedp.Void](p, `document.querySelector('.toggle').click()`)
	p.waitHost("the owner not available", `document.querySelector('.toggle').getAttribute('aria-checked') === 'false'`)
	openVisitorConversation(t, s, p, "Is anyone there?")
	p.waitHost("the banner with its button, the reply box off", `document.querySelector('.take-bar') && document.querySelector('.take-bar').textContent.includes('You are not available') && `+
		`document.querySelector('.composer .editor').getAttribute('contenteditable') === 'false' && !document.querySelector('.conv-actions .btn:not(.btn-resolve)')?.textContent.includes('Assign to me')`)
	checkAxe(t, p.ctx, "the unavailable agent's banner")
	if dir := screenshots(t); dir != "" {
		p.screenshot(filepath.Join(dir, "inbox-unavailable.png"))
	}
	// A note can still be written.
	p.clickText(".seg button", "Internal note")
	p.waitHost("the note box on", `document.querySelector('.composer .editor').getAttribute('contenteditable') === 'true'`)
	p.clickText(".seg button", "Reply")
	p.clickText(".take-bar button", "Become available and take it")
	p.waitHost("available, the conversation mine, the banner gone", `document.querySelector('.toggle').getAttribute('aria-checked') === 'true' && document.querySelector('.conv-status').textContent === 'Assigned to you' && !document.querySelector('.take-bar') && `+
		`document.querySelector('.composer .editor').getAttribute('contenteditable') === 'true'`)
	p.do(chromedp.SendKeys(`.composer .editor`, "Yes, I am here."), enter)
	p.waitHost("the reply", `[...document.querySelectorAll('.msg-us .bubble')].some((b) => b.textContent.includes('Yes, I am here.'))`)
}
