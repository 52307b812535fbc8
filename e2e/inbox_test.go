package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// The agent inbox's journeys: the real inbox app against `parley serve --demo`, a visitor on /demo
// driving the real widget.

// openInbox opens the inbox in a fresh browser profile with desktop notifications granted (through
// the DevTools protocol, as a user's "Allow" would), and signs in through the form.
func openInbox(t *testing.T, s *parleyServer, name, email, password string) *tab {
	t.Helper()
	p := newTab(t, name, nil)
	grantNotifications(p, s.url)
	p.navigate(s.url + "/inbox/")
	p.waitHost("the sign-in form", `document.querySelector('form.card input[type=email]')`)
	p.do(
		chromedp.SendKeys(`form.card input[type=email]`, email),
		chromedp.SendKeys(`form.card input[type=password]`, password),
		chromedp.Click(`form.card button[type=submit]`),
	)
	p.waitHost("the inbox", `document.querySelector('nav.side') && document.querySelector('.rows')`)
	return p
}

func grantNotifications(p *tab, origin string) {
	p.t.Helper()
	c := chromedp.FromContext(p.ctx)
	if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[chromedp.Void](`1`)); err != nil { // the tab exists
		p.t.Fatal(err)
	}
	if _, err := chromedp.CallBrowser(p.ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "notifications"}, Setting: browser.PermissionSettingGranted,
		Origin: origin, BrowserContextID: c.BrowserContextID,
	}); err != nil {
		p.t.Fatalf("grant notifications: %v", err)
	}
}

// darkMode makes the page see prefers-color-scheme: dark (or light again).
func (p *tab) darkMode(on bool) {
	p.t.Helper()
	v := "light"
	if on {
		v = "dark"
	}
	if _, err := chromedp.Call(p.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: v}}}); err != nil {
		p.t.Fatal(err)
	}
}

// press presses a key as a shortcut: keydown and keyup only. (A "char" event, which chromedp's
// KeyEvent adds, would type the key into the composer the shortcut has just focused; a browser
// sends none after a keydown the page handled.)
func press(key string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: typ, Key: key}); err != nil {
				return err
			}
		}
		return nil
	})
}

// rowWith is an expression: the list row whose text holds s (or undefined).
func rowWith(s string) string {
	return `[...document.querySelectorAll('.rows .row')].find((r) => r.textContent.includes(` + jsQuote(s) + `))`
}

// clickText clicks the first element matching sel whose text holds text.
func (p *tab) clickText(sel, text string) {
	p.t.Helper()
	p.waitHost(sel+" "+text, `[...document.querySelectorAll(`+jsQuote(sel)+`)].some((b) => b.textContent.includes(`+jsQuote(text)+`) && !b.disabled)`)
	host[chromedp.Void](p, `[...document.querySelectorAll(`+jsQuote(sel)+`)].find((b) => b.textContent.includes(`+jsQuote(text)+`) && !b.disabled).click()`)
}

func (p *tab) goHash(h string) {
	p.t.Helper()
	host[chromedp.Void](p, `location.hash = `+jsQuote(h))
}

// demoInbox returns the demo website's inbox id.
func demoInbox(t *testing.T, a *agent) int64 {
	t.Helper()
	sites := a.must(200, "GET", "/api/v1/websites", nil)["websites"].([]any)
	for _, w := range sites {
		if m := w.(map[string]any); m["name"] == "Demo site" {
			return int64(m["id"].(float64))
		}
	}
	t.Fatal("no demo website")
	return 0
}

// TestInboxJourney: sign in; a visitor's new conversation appears live in Unassigned; Assign to me
// moves it to Mine and the visitor sees the agent joined; the reply reaches the visitor; Resolve
// moves it to Closed; Reopen brings it back. A second agent does not see it while the website's
// inbox is private and sees it in Others once it is shared. axe-core checks each main screen.
func TestInboxJourney(t *testing.T) {
	s := startParley(t)
	shots := screenshots(t)
	api := login(t, s)
	inboxID := demoInbox(t, api)
	// Reopen needs an inbox whose policy is reopen; a second agent is a member.
	api.must(200, "PATCH", fmt.Sprintf("/api/v1/inboxes/%d", inboxID), map[string]string{"reopen_policy": "reopen"})
	agent2 := api.must(201, "POST", "/api/v1/users", map[string]string{"email": "jana@parley.test", "name": "Jana Novak", "password": "correct horse battery", "role": "agent"})["user"].(map[string]any)
	api.must(200, "PUT", fmt.Sprintf("/api/v1/inboxes/%d/members", inboxID), map[string]any{"user_ids": []any{agent2["id"]}})

	// The sign-in screen.
	login := newTab(t, "sign-in", nil)
	login.navigate(s.url + "/inbox/")
	login.waitHost("the sign-in form", `document.querySelector('form.card input[type=email]')`)
	checkAxe(t, login.ctx, "sign-in")
	if shots != "" {
		login.screenshot(filepath.Join(shots, "inbox-signin.png"))
	}

	owner := openInbox(t, s, "owner", "demo@parley.test", s.password)
	owner.waitHost("notifications granted, no banner asking", `Notification.permission === 'granted' && !document.querySelector('.banner')`)
	owner.waitHost("the owner available", `document.querySelector('.toggle').getAttribute('aria-checked') === 'true' && document.querySelector('.side-me .dot-on')`)
	owner.waitHost("the Unassigned folder, empty", `location.hash === '' || location.hash === '#/f/unassigned'`)
	owner.waitHost("the empty Unassigned folder", `document.querySelector('.scroller .empty')`)

	// The agent looks at another window: notifications are recorded as they are made (the real
	// Notification is still called), and the sound as it plays.
	host[chromedp.Void](owner, `(() => {
		window.__notes = []; window.__sounds = 0;
		const N = window.Notification;
		window.Notification = function (title, opts) { window.__notes.push(title + ' | ' + (opts && opts.body)); return new N(title, opts); };
		window.Notification.permission = N.permission;
		window.Notification.requestPermission = () => N.requestPermission();
		HTMLMediaElement.prototype.play = function () { window.__sounds++; return Promise.resolve(); };
		const start = AudioBufferSourceNode.prototype.start;
		AudioBufferSourceNode.prototype.start = function (...a) { window.__sounds++; return start.apply(this, a); };
		document.hasFocus = () => false;
	})()`)

	// A visitor writes on the demo site; the conversation appears live.
	visitor := newTab(t, "visitor", nil)
	visitor.navigate(s.url + "/demo")
	visitor.openWidget()
	visitor.typeMessage("Hi, do you deliver to Graz?")
	owner.waitHost("the new conversation in Unassigned", rowWith("Hi, do you deliver to Graz?"))
	owner.waitHost("the Unassigned count", `document.querySelector('a[href="#/f/unassigned"] .count').textContent === '1'`)
	owner.waitHost("its waiting time and the New tag", rowWith("Hi, do you deliver to Graz?")+`.querySelector('.row-wait') && `+rowWith("Hi, do you deliver to Graz?")+`.querySelector('.tag-new')`)
	owner.waitHost("a desktop notification with the sound", `window.__notes.some((n) => /^New conversation: Visitor \d+ \| Hi, do you deliver to Graz\?$/.test(n)) && window.__sounds > 0`)
	host[chromedp.Void](owner, `delete document.hasFocus`)
	checkAxe(t, owner.ctx, "folders and list")

	// Open it: history, header, details.
	host[chromedp.Void](owner, rowWith("Hi, do you deliver to Graz?")+`.querySelector('a').click()`)
	owner.waitHost("the conversation", `document.querySelector('.conv-head .name-btn') && [...document.querySelectorAll('.msg-them .bubble')].some((b) => b.textContent.includes('Graz'))`)
	// The visitor types; the inbox shows it.
	visitor.waitFrame("the composer", `document.querySelector('textarea')`)
	inFrame[chromedp.Void](visitor, `document.querySelector('textarea').focus()`)
	visitor.do(chromedp.KeyEvent("And to Linz"))
	owner.waitHost("the visitor typing", `document.querySelector('.typing').textContent.includes('typing')`)

	owner.clickText(".conv-actions .btn", "Assign to me")
	owner.waitHost("assigned to me", `document.querySelector('.conv-status').textContent === 'Assigned to you' && document.querySelector('a[href="#/f/mine"] .count').textContent === '1' && document.querySelector('a[href="#/f/unassigned"] .count').textContent === '0'`)
	owner.waitHost("gone from Unassigned", `!(`+rowWith("Graz")+`)`)
	visitor.waitFrame("the joined line", `[...document.querySelectorAll('.sys')].some((l) => l.textContent === 'Demo Owner joined the chat')`)
	owner.goHash("#/f/mine")
	owner.waitHost("the conversation in Mine", rowWith("Graz"))
	host[chromedp.Void](owner, rowWith("Graz")+`.querySelector('a').click()`)
	owner.waitHost("the joined line in the inbox", `[...document.querySelectorAll('.sys')].some((l) => l.textContent === 'Demo Owner joined the chat')`)

	// Reply with the keyboard: r focuses the composer.
	owner.do(press("r"))
	owner.waitHost("focus in the composer", `document.activeElement === document.querySelector('.composer .editor')`)
	owner.do(chromedp.KeyEvent("Yes"))
	visitor.waitFrame("the agent typing", `document.querySelector('.typing') && document.querySelector('.typing').textContent.includes('Demo Owner')`)
	host[chromedp.Void](owner, `(() => { const r = document.createRange(); r.selectNodeContents(document.querySelector('.composer .editor')); r.collapse(false); getSelection().removeAllRanges(); getSelection().addRange(r); })()`)
	owner.do(chromedp.KeyEvent(", we deliver to Graz in 2 days."), enter)
	visitor.waitFrame("the reply", bubbles("we deliver to Graz in 2 days")+` === 1`)
	owner.waitHost("the reply in the log", `[...document.querySelectorAll('.msg-us .bubble')].some((b) => b.textContent.includes('Yes, we deliver to Graz in 2 days.'))`)
	// A note stays inside.
	owner.clickText(".seg button", "Internal note")
	owner.do(chromedp.SendKeys(`.composer .editor`, "Regular customer"), enter)
	owner.waitHost("the note", `[...document.querySelectorAll('.msg-note .bubble')].some((b) => b.textContent.includes('Regular customer'))`)

	// Details: the panel is open on a wide screen. Edit the name and email, add a tag.
	owner.waitHost("the details panel", `document.querySelector('aside.details .details-body input')`)
	owner.waitHost("the visitor's browser", `document.querySelector('.facts') && document.querySelector('.facts').textContent.includes('Chrom')`)
	field := func(label string) string {
		return `[...document.querySelectorAll('aside.details .field')].find((f) => f.querySelector('label').textContent === ` + jsQuote(label) + `).querySelector('input,textarea')`
	}
	owner.do(chromedp.SendKeys(`aside.details #`+host[string](owner, field("Name")+`.id`), "Ana Berger"), chromedp.KeyEvent("\r"))
	owner.waitHost("the new name everywhere", `document.querySelector('.conv-head .name-btn').textContent.includes('Ana Berger') && `+rowWith("Ana Berger"))
	owner.do(chromedp.SendKeys(`aside.details #`+host[string](owner, field("Email")+`.id`), "ana.berger@example.com"), chromedp.KeyEvent("\r"))
	owner.do(chromedp.SendKeys(`aside.details #`+host[string](owner, field("Tags")+`.id`), "wholesale"), chromedp.KeyEvent("\r"))
	owner.waitHost("the tag", `[...document.querySelectorAll('.chip')].some((c) => c.textContent.includes('wholesale'))`)
	// Create a lead from the panel: Created items lists it, the log says so.
	owner.clickText("aside.details .btn", "Create lead")
	owner.waitHost("the lead dialog", `document.querySelector('dialog[open] input')`)
	checkAxe(t, owner.ctx, "create lead dialog")
	host[chromedp.Void](owner, `document.querySelector('dialog[open] input').select()`)
	owner.do(chromedp.KeyEvent("Delivery to Graz"))
	owner.do(chromedp.SendKeys(`dialog[open] input[inputmode=decimal]`, "1200.50"))
	owner.clickText("dialog[open] button[type=submit]", "Create lead")
	owner.waitHost("the created item", `[...document.querySelectorAll('.items li')].some((l) => l.textContent.includes('Delivery to Graz') && l.textContent.includes('1,200.50'))`)
	owner.waitHost("the created line in the log", `[...document.querySelectorAll('.sys')].some((l) => l.textContent.startsWith('Demo Owner created lead “Delivery to Graz”'))`)
	checkAxe(t, owner.ctx, "conversation with details")
	if shots != "" {
		owner.screenshot(filepath.Join(shots, "inbox-conversation.png"))
		owner.darkMode(true)
		owner.screenshot(filepath.Join(shots, "inbox-conversation-dark.png"))
		checkAxe(t, owner.ctx, "conversation with details, dark")
		owner.darkMode(false)
	}

	// A second agent, in another browser: the website's inbox is private, the chat is the owner's.
	jana := openInbox(t, s, "jana", "jana@parley.test", "correct horse battery")
	owner.waitHost("two agents online", `document.querySelector('.online').textContent.includes('2')`)
	jana.goHash("#/f/open")
	jana.waitHost("All open, empty for Jana", `document.querySelector('.scroller .empty')`)
	jana.goHash("#/f/others")
	jana.waitHost("Others, empty for Jana", `document.querySelector('.scroller .empty') && !(`+rowWith("Graz")+`)`)
	// Shared: she sees it in Others, live.
	api.must(200, "PATCH", fmt.Sprintf("/api/v1/inboxes/%d", inboxID), map[string]string{"visibility": "shared"})
	jana.waitHost("the owner's conversation in Others", rowWith("Graz"))
	jana.waitHost("the Others count", `document.querySelector('a[href="#/f/others"] .count').textContent === '1'`)
	// Shared: any member may resolve it; the row says so.
	jana.waitHost("a Resolve button on the row", rowWith("Graz")+`.querySelector('.row-resolve')`)
	// The owner can give it to Jana: she is available.
	owner.clickText(".conv-actions .btn", "Demo Owner")
	owner.waitHost("Jana in the drop-down", `[...document.querySelectorAll('.menu [role=menuitemradio]')].some((b) => b.textContent.includes('Jana Novak'))`)
	owner.waitHost("focus in the menu", `document.activeElement && document.activeElement.closest('.menu')`)
	owner.do(chromedp.KeyEvent("\x1b"))
	owner.waitHost("the menu closed", `!document.querySelector('.menu')`)

	// Resolve: the conversation moves to Closed, the visitor sees it closed.
	owner.clickText(".conv-actions .btn-resolve", "Resolve")
	owner.waitHost("closed", `document.querySelector('.conv-status').textContent.startsWith('Closed') && !document.querySelector('.conv-actions .btn-resolve')`)
	owner.waitHost("the closed line", `[...document.querySelectorAll('.sys')].some((l) => l.textContent.startsWith('Demo Owner closed the chat'))`)
	visitor.waitFrame("the visitor sees it closed", `[...document.querySelectorAll('.sys')].some((l) => l.textContent === 'The chat was closed')`)
	jana.waitHost("gone from Jana's Others", `!(`+rowWith("Graz")+`)`)
	owner.goHash("#/f/closed")
	owner.waitHost("in Closed", rowWith("Graz"))

	// Reopen, inside the conversation.
	host[chromedp.Void](owner, rowWith("Graz")+`.querySelector('a').click()`)
	owner.clickText(".conv-actions .btn", "Reopen")
	owner.waitHost("open again, still the owner's", `document.querySelector('.conv-status').textContent === 'Assigned to you' && document.querySelector('.conv-actions .btn-resolve')`)
	owner.waitHost("gone from Closed", `!(`+rowWith("Graz")+`)`)
	owner.waitHost("the Mine count", `document.querySelector('a[href="#/f/mine"] .count').textContent === '1'`)

	// The shortcuts overlay.
	host[chromedp.Void](owner, `document.activeElement && document.activeElement.blur()`)
	owner.do(press("?"))
	owner.waitHost("the shortcuts", `document.querySelector('dialog[open] kbd')`)
	checkAxe(t, owner.ctx, "keyboard shortcuts")
	owner.do(chromedp.KeyEvent("\x1b"))
	owner.waitHost("the shortcuts closed", `!document.querySelector('dialog[open]')`)

	// The bell: notification settings per event and way, kept on the server.
	host[chromedp.Void](owner, `document.querySelector('.side-top .icon-btn').click()`)
	owner.waitHost("the notification settings", `document.querySelector('dialog[open] .notify-table')`)
	checkAxe(t, owner.ctx, "notification settings")
	owner.waitHost("permission granted, said so", `document.querySelector('dialog[open]').textContent.includes('allowed in this browser')`)
	host[chromedp.Void](owner, `document.querySelector('dialog[open] tbody tr:nth-child(4) input[aria-label$="Desktop"]').click()`)
	owner.waitHost("the setting kept", `JSON.parse(localStorage.getItem('parley.notify.v2')).notify.message_others.desktop === true`)
	eventually(t, "the setting kept on the server, for every device", func() bool {
		n, _ := api.must(200, "GET", "/api/v1/me/settings", nil)["notify"].(map[string]any)
		w, _ := n["message_others"].(map[string]any)
		return w["desktop"] == true
	})
	owner.do(chromedp.KeyEvent("\x1b"))
	owner.waitHost("the settings closed", `!document.querySelector('dialog[open]')`)

	// Availability is the same in every tab: switched off in a second tab, the first follows.
	second := newTab(t, "second-tab", owner)
	second.navigate(s.url + "/inbox/#/f/mine")
	second.waitHost("the second tab", `document.querySelector('.toggle') && document.querySelector('.toggle').getAttribute('aria-checked') === 'true'`)
	host[chromedp.Void](second, `document.querySelector('.toggle').click()`)
	owner.waitHost("the first tab unavailable", `document.querySelector('.toggle').getAttribute('aria-checked') === 'false' && document.querySelector('.side-me .dot-off')`)
	host[chromedp.Void](owner, `document.querySelector('.toggle').click()`)
	second.waitHost("the second tab available again", `document.querySelector('.toggle').getAttribute('aria-checked') === 'true'`)

	// The admin area is one click away for the owner.
	owner.goHash("#/admin")
	owner.waitHost("the admin area", `document.querySelector('.adm') && document.querySelector('a[href="#/admin"]').getAttribute('aria-current') === 'page'`)

	if shots != "" {
		owner.goHash("#/f/mine")
		owner.waitHost("the list", rowWith("Graz")+` && document.querySelector('ul.rows[aria-busy=false]') && !document.querySelector('.listpane .loading')`)
		owner.screenshot(filepath.Join(shots, "inbox-list.png"))
		owner.darkMode(true)
		owner.screenshot(filepath.Join(shots, "inbox-list-dark.png"))
		owner.darkMode(false)
		phoneShots(t, owner, s, shots)
	}
}

// phoneShots takes the phone-width pictures: list, conversation and details as stacked screens.
func phoneShots(t *testing.T, p *tab, s *parleyServer, dir string) {
	t.Helper()
	phone := newTab(t, "phone", p)
	phone.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	phone.navigate(s.url + "/inbox/#/f/mine")
	phone.waitHost("the list on a phone", rowWith("Graz")+` && !document.querySelector('nav.side').getBoundingClientRect().width`)
	phone.screenshot(filepath.Join(dir, "inbox-phone-list.png"))
	// The folders, the toggle and the rest of the sidebar open from the menu button.
	host[chromedp.Void](phone, `document.querySelector('.listpane .pane-head .icon-btn').click()`)
	phone.waitHost("the sidebar as a drawer", `document.querySelector('nav.side').getBoundingClientRect().width > 200`)
	phone.screenshot(filepath.Join(dir, "inbox-phone-menu.png"))
	phone.do(press("Escape"))
	phone.waitHost("the drawer closed", `!document.querySelector('nav.side').getBoundingClientRect().width`)
	host[chromedp.Void](phone, rowWith("Graz")+`.querySelector('a').click()`)
	phone.waitHost("the conversation on a phone", `document.querySelector('.conv-head') && document.querySelector('.msg-them') && !document.querySelector('.listpane').getBoundingClientRect().width`)
	phone.screenshot(filepath.Join(dir, "inbox-phone-conversation.png"))
	phone.darkMode(true)
	phone.screenshot(filepath.Join(dir, "inbox-phone-conversation-dark.png"))
	phone.darkMode(false)
	host[chromedp.Void](phone, `document.querySelector('.details-toggle').click()`)
	phone.waitHost("the details on a phone", `document.querySelector('aside.details .facts') && !document.querySelector('main.conv').getBoundingClientRect().width`)
	phone.screenshot(filepath.Join(dir, "inbox-phone-details.png"))
}

// TestInboxGerman: the inbox in German, chosen in the sidebar, and the document's language with it.
func TestInboxGerman(t *testing.T) {
	s := startParley(t)
	p := openInbox(t, s, "german", "demo@parley.test", s.password)
	p.waitHost("English first (the browser's language)", `document.documentElement.lang === 'en' && document.querySelector('a[href="#/f/unassigned"]').textContent.includes('Unassigned')`)
	host[chromedp.Void](p, `(() => { const s = document.querySelector('.side-lang select'); s.value = 'de'; s.dispatchEvent(new Event('change', {bubbles: true})); })()`)
	p.waitHost("German", `document.documentElement.lang === 'de' && document.querySelector('a[href="#/f/unassigned"]').textContent.includes('Nicht zugewiesen') && document.querySelector('.toggle').textContent.includes('Für Chats verfügbar')`)
	visitor := newTab(t, "visitor", nil)
	visitor.navigate(s.url + "/demo?lang=de")
	visitor.openWidget()
	visitor.typeMessage("Guten Tag, liefern Sie nach Wien?")
	p.waitHost("the conversation", rowWith("liefern Sie nach Wien"))
	host[chromedp.Void](p, rowWith("liefern Sie nach Wien")+`.querySelector('a').click()`)
	p.clickText(".conv-actions .btn", "Mir zuweisen")
	p.waitHost("the joined line in German", `[...document.querySelectorAll('.sys')].some((l) => l.textContent === 'Demo Owner ist dem Chat beigetreten')`)
	p.do(chromedp.SendKeys(`.composer .editor`, "Ja, in zwei Tagen."), enter)
	visitor.waitFrame("the reply", bubbles("in zwei Tagen")+` === 1`)
	// It stays German after a reload.
	p.do(chromedp.Reload())
	p.waitHost("German after a reload", `document.documentElement.lang === 'de' && document.querySelector('.conv-status') && document.querySelector('.conv-status').textContent === 'Ihnen zugewiesen'`)
	checkAxe(t, p.ctx, "conversation in German")
	if dir := screenshots(t); dir != "" {
		p.waitHost("the details", `document.querySelector('aside.details .facts')`)
		p.screenshot(filepath.Join(dir, "inbox-conversation-de.png"))
		phone := newTab(t, "phone-de", p)
		phone.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		u, _ := url.Parse(s.url + "/inbox/")
		phone.navigate(u.String() + "#/f/mine")
		phone.waitHost("the German list on a phone", rowWith("in zwei Tagen"))
		phone.screenshot(filepath.Join(dir, "inbox-phone-list-de.png"))
	}
}

// TestInboxSetup: a fresh Parley asks for the owner account first; the inbox opens after it.
func TestInboxSetup(t *testing.T) {
	bin := needBrowser(t)
	s := &parleyServer{t: t, bin: bin, data: t.TempDir(), addr: "127.0.0.1:0"}
	s.startPlain()
	p := newTab(t, "setup", nil)
	p.navigate(s.url + "/inbox/")
	p.waitHost("the create-owner form", `document.querySelector('form.card input[autocomplete=name]')`)
	checkAxe(t, p.ctx, "first-run setup")
	p.do(
		chromedp.SendKeys(`form.card input[autocomplete=name]`, "Ana Berger"),
		chromedp.SendKeys(`form.card input[type=email]`, "ana@example.com"),
		chromedp.SendKeys(`form.card input[type=password]`, "correct horse battery"),
		chromedp.Click(`form.card button[type=submit]`),
	)
	p.waitHost("the inbox", `document.querySelector('nav.side') && document.querySelector('.me-n').textContent === 'Ana Berger'`)
	// Admins get the admin area's link; signing out shows the sign-in form.
	p.waitHost("the Admin link", `document.querySelector('a[href="#/admin"]').textContent.includes('Admin')`)
	host[chromedp.Void](p, `document.querySelector('.side-me .icon-btn').click()`)
	p.waitHost("the sign-in form", `document.querySelector('form.card input[type=email]') && !document.querySelector('nav.side')`)
	if strings.Contains(p.consoleText(), "Uncaught") {
		t.Fatalf("console: %s", p.consoleText())
	}
}

// widgetVisitor starts a visitor session through the widget's HTTP API and returns a function that
// sends a message as that visitor.
func widgetVisitor(t *testing.T, s *parleyServer, key string) func(body string) {
	t.Helper()
	return widgetVisitorFrom(t, s, key, "")
}

// widgetVisitorFrom is widgetVisitor for a visitor at a public IP address (set by a trusted proxy:
// the server must trust 127.0.0.1), so that Parley locates them; ip "" sends no proxy header.
func widgetVisitorFrom(t *testing.T, s *parleyServer, key, ip string) func(body string) {
	t.Helper()
	c := &http.Client{Timeout: 30 * time.Second}
	call := func(path, token string, body any) map[string]any {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", s.url+"/widget/v1/"+key+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
		if ip != "" {
			req.Header.Set("X-Forwarded-For", ip)
		}
		if token != "" {
			req.Header.Set("Authorization", "Visitor "+token)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Error(err)
			return nil
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		if res.StatusCode != 201 {
			t.Errorf("POST %s: %d %v", path, res.StatusCode, out)
		}
		return out
	}
	sess := call("/session", "", map[string]string{})
	token, _ := sess["token"].(string)
	n := 0
	return func(body string) {
		n++
		call("/messages", token, map[string]string{"body": body, "client_id": fmt.Sprintf("c-%d", n)})
	}
}

// TestInboxManyConversations: a folder longer than a page is virtualised (only the rows in view are
// in the page), fetches the next pages as the agent scrolls, and moves rows live.
func TestInboxManyConversations(t *testing.T) {
	s := startParley(t, "--visitor-ip-limit", "1000")
	key := demoKey(t, s)
	const n = 260
	visitors := make([]func(string), n)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				visitors[i] = widgetVisitor(t, s, key)
				visitors[i](fmt.Sprintf("Question number %03d", i))
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if t.Failed() {
		return
	}
	p := openInbox(t, s, "agent", "demo@parley.test", s.password)
	p.waitHost("all of them counted", fmt.Sprintf(`document.querySelector('a[href="#/f/unassigned"] .count').textContent === '%d'`, n))
	p.waitHost("the first page", rowWith("Question number 259"))
	if got := host[int](p, `document.querySelectorAll('.rows .row').length`); got > 40 {
		t.Fatalf("%d rows in the page: the list is not virtualised", got)
	}
	p.waitHost("the list as tall as all its rows", fmt.Sprintf(`document.querySelector('.rows').getBoundingClientRect().height >= %d * 76`, 100))
	// Scroll to the end: the following pages come in, the DOM stays small.
	p.waitHost("the oldest, after scrolling to the end", `(() => { const s = document.querySelector('.scroller'); s.scrollTop = s.scrollHeight; return `+rowWith("Question number 000")+`; })()`)
	if got := host[int](p, `document.querySelectorAll('.rows .row').length`); got > 40 {
		t.Fatalf("%d rows in the page after scrolling", got)
	}
	p.waitHost("every row loaded once", fmt.Sprintf(`document.querySelector('.rows').getBoundingClientRect().height === %d * 76`, n))
	// The oldest writes again: it moves to the top, live.
	visitors[0]("Still waiting here")
	p.waitHost("back at the top", `(() => { const s = document.querySelector('.scroller'); s.scrollTop = 0; const r = `+rowWith("Still waiting here")+`; return r && r.getAttribute('aria-posinset') === '1'; })()`)
	p.waitHost("no row twice", fmt.Sprintf(`document.querySelector('.rows').getBoundingClientRect().height === %d * 76`, n))
	// j opens the first conversation, k and j walk the list.
	host[chromedp.Void](p, `document.activeElement && document.activeElement.blur()`)
	p.do(press("j"))
	p.waitHost("the first conversation open", `location.hash.startsWith('#/c/') && document.querySelector('.row-open') && document.querySelector('.row-open').getAttribute('aria-posinset') === '1'`)
	p.do(press("j"))
	p.waitHost("the second", `document.querySelector('.row-open') && document.querySelector('.row-open').getAttribute('aria-posinset') === '2'`)
	p.do(press("k"))
	p.waitHost("the first again", `document.querySelector('.row-open') && document.querySelector('.row-open').getAttribute('aria-posinset') === '1'`)
}

func pngImage(t *testing.T) []byte {
	t.Helper()
	im := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := 0; x < 40; x++ {
		for y := 0; y < 30; y++ {
			im.Set(x, y, color.RGBA{R: uint8(x * 6), G: 120, B: uint8(y * 8), A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, im); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestInboxReconnect: when Parley restarts, the inbox says it is reconnecting, comes back by itself
// and shows what happened meanwhile (the lists again, the open conversation resumed).
func TestInboxReconnect(t *testing.T) {
	s := startParley(t)
	key := demoKey(t, s)
	p := openInbox(t, s, "agent", "demo@parley.test", s.password)
	say := widgetVisitor(t, s, key)
	say("Are you open on Sunday?")
	p.waitHost("the conversation", rowWith("open on Sunday"))
	host[chromedp.Void](p, rowWith("open on Sunday")+`.querySelector('a').click()`)
	p.waitHost("its log", `[...document.querySelectorAll('.msg-them .bubble')].some((b) => b.textContent.includes('Sunday'))`)
	p.waitHost("no reconnecting bar", `document.querySelector('.reconnect').classList.contains('hidden')`)

	s.stop()
	p.waitHost("the reconnecting bar", `!document.querySelector('.reconnect').classList.contains('hidden') && document.querySelector('.reconnect').textContent.includes('Reconnecting')`)
	if dir := screenshots(t); dir != "" {
		p.screenshot(filepath.Join(dir, "inbox-reconnecting.png"))
	}
	s.start()
	// Written while the inbox was away: it shows once the inbox is back.
	say("Hello again?")
	p.waitHost("back, and the message that came meanwhile", `document.querySelector('.reconnect').classList.contains('hidden') && [...document.querySelectorAll('.msg-them .bubble')].some((b) => b.textContent.includes('Hello again?'))`)
	p.waitHost("the row's preview", rowWith("Hello again?"))

	// An image, attached: shown inline in the inbox, and to the visitor.
	img := filepath.Join(t.TempDir(), "map.png")
	if err := os.WriteFile(img, pngImage(t), 0o644); err != nil {
		t.Fatal(err)
	}
	p.do(chromedp.SetUploadFiles(`.composer input[type=file]`, []string{img}, chromedp.NodeReady))
	p.waitHost("the picked image, previewed", `document.querySelector('.attach-preview img')`)
	p.do(chromedp.SendKeys(`.composer .editor`, "Here is the way"), enter)
	p.waitHost("the image in the log", `[...document.querySelectorAll('.msg-us .att-img img')].some((i) => i.complete && i.naturalWidth === 40)`)

	// The installer deletes it, from the contact's name menu, after a dialog that says what goes.
	host[chromedp.Void](p, `document.querySelector('.conv-head .name-btn').click()`)
	p.waitHost("the name menu", `document.activeElement && document.activeElement.closest('.menu')`)
	p.clickText(".menu [role=menuitem]", "Delete conversation")
	p.waitHost("the delete dialog", `document.querySelector('dialog[open]') && document.querySelector('dialog[open]').textContent.includes('attachments') && document.activeElement.classList.contains('btn-cancel')`)
	checkAxe(t, p.ctx, "delete dialog")
	p.clickText("dialog[open] .btn-danger", "Delete for good")
	p.waitHost("gone, back to the folder", `location.hash === '#/f/unassigned' && !(`+rowWith("Hello again?")+`) && document.querySelector('a[href="#/f/unassigned"] .count').textContent === '0'`)
}
