package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
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
	// Found and clicked in one look: the list may draw its rows again in between.
	p.waitHost("the conversation, opened", rowWith(text)+` && (`+rowWith(text)+`.querySelector('a').click(), true)`)
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

// browserLanguage makes the tab's browser prefer these languages (navigator.languages and
// Accept-Language), as a visitor's browser settings would.
func (p *tab) browserLanguage(langs string) {
	p.t.Helper()
	ua := host[string](p, `navigator.userAgent`)
	if _, err := chromedp.Call(p.ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: ua, AcceptLanguage: langs}); err != nil {
		p.t.Fatal(err)
	}
}

// TestWidgetBrowserLanguage: with neither the site nor a playbook fixing the language, the widget
// speaks the visitor's browser language (de-AT is German) even on a page written in English, and
// the agent's details panel shows that language, not the widget's.
func TestWidgetBrowserLanguage(t *testing.T) {
	s := startParley(t)
	ag := signIn(t, s)
	withoutPlaybook(t, ag)
	p := newTab(t, "austrian", nil)
	p.navigate("about:blank")
	p.browserLanguage("de-AT,de;q=0.9,en;q=0.5")
	p.navigate(s.url + "/demo")
	p.waitHost("the page in English, the launcher in German", `document.documentElement.lang === 'en' && navigator.languages[0] === 'de-AT' && `+jsLauncher+`.getAttribute('aria-label') === 'Chat öffnen'`)
	p.clickLauncher()
	p.waitFrame("the chat in German", `document.documentElement.lang === 'de' && document.querySelector('textarea').placeholder === 'Nachricht schreiben…'`)
	p.typeMessage("Grüß Gott, haben Sie offen?")
	convID := ag.waitMessage("Grüß Gott, haben Sie offen?")
	contactID := int64(ag.must(200, "GET", fmt.Sprintf("/api/v1/conversations/%d", convID), nil)["conversation"].(map[string]any)["contact_id"].(float64))
	visitors := ag.must(200, "GET", fmt.Sprintf("/api/v1/contacts/%d", contactID), nil)["visitors"].([]any)
	if got := visitors[0].(map[string]any)["locale"]; got != "de-AT" {
		t.Fatalf("the visitor's browser language is stored as %q, want de-AT", got)
	}
	agent := openInbox(t, s, "agent", "demo@parley.test", s.password)
	agent.waitHost("the conversation", rowWith("Grüß Gott"))
	host[chromedp.Void](agent, rowWith("Grüß Gott")+`.querySelector('a').click()`)
	agent.waitHost("the browser's language in the details", `document.querySelector('.facts') && /German.*\(de-AT\)/.test(document.querySelector('.facts').textContent)`)
	// The site may still fix it.
	host[chromedp.Void](p, `Parley.setLocale('en')`)
	p.waitFrame("English once the site says so", `document.querySelector('textarea').placeholder === 'Write a message…'`)
}

// TestWidgetUnreadPlurals: the launcher counts unread messages in the right form: one message, two
// messages; in German too.
func TestWidgetUnreadPlurals(t *testing.T) {
	s := startParley(t)
	ag := signIn(t, s)
	withoutPlaybook(t, ag)
	for _, c := range []struct{ page, one, two string }{
		{"/demo", "1 unread message", "2 unread messages"},
		{"/demo?lang=de", "1 ungelesene Nachricht", "2 ungelesene Nachrichten"},
	} {
		p := newTab(t, "visitor-"+strings.TrimPrefix(strings.ReplaceAll(c.page, "?", "-"), "/"), nil)
		p.navigate("about:blank")
		if strings.Contains(c.page, "lang=de") {
			p.browserLanguage("de-DE,de")
		}
		p.navigate(s.url + c.page)
		p.openWidget()
		p.typeMessage("Hello " + c.page)
		convID := ag.waitMessage("Hello " + c.page)
		ag.reply(convID, "Welcome") // the agent joins: the joined line and this are read at once
		p.waitFrame("the welcome", bubbles("Welcome")+` === 1`)
		p.clickLauncher() // closed: what comes now is unread
		p.waitHost("the chat closed", jsLauncher+`.getAttribute('aria-expanded') === 'false'`)
		ag.reply(convID, "First answer")
		p.waitHost("one unread", jsLauncher+`.getAttribute('aria-label').endsWith(`+jsQuote(c.one)+`)`)
		ag.reply(convID, "Second answer")
		p.waitHost("two unread", jsLauncher+`.getAttribute('aria-label').endsWith(`+jsQuote(c.two)+`)`)
	}
}

// TestWidgetAgentJoinsRetiresForms: once an agent joins, the offline path's open capture card and
// the plain chat box's offline form are no longer asking; the conversation shows message times.
func TestWidgetAgentJoinsRetiresForms(t *testing.T) {
	s := startParley(t)
	api := login(t, s) // signed in, not available: the live chat card goes offline
	v := talkToSomeone(t, s, "visitor")
	v.waitFrame("the offline path's email card", `document.querySelector('form.cc.cf input[type=email]')`)
	var convID int64
	eventually(t, "the conversation in Unassigned", func() bool {
		list := api.must(200, "GET", "/api/v1/conversations?folder=unassigned", nil)["conversations"].([]any)
		if len(list) == 1 {
			convID = int64(list[0].(map[string]any)["id"].(float64))
		}
		return convID != 0
	})
	api.goOnline(s)
	api.must(200, "POST", fmt.Sprintf("/api/v1/conversations/%d/assign", convID), map[string]any{"user_id": 1})
	v.waitFrame("the joined line, the email card retired", `[...document.querySelectorAll('.sys')].some((l) => l.textContent === 'Demo Owner joined the chat') && !document.querySelector('form.cc.cf')`)
	api.reply(convID, "Hi, I'm here now. How can I help?")
	v.waitFrame("the reply with its time", bubbles("How can I help?")+` === 1 && [...document.querySelectorAll('.m.them time.st')].some((t) => /\d/.test(t.textContent))`)
	if dir := screenshots(t); dir != "" {
		v.screenshot(filepath.Join(dir, "widget-joined-after-offline.png"))
	}
	checkAxeFrame(t, v, "widget: an agent joined after the offline path")

	// The plain chat box: its offline form goes once an agent answers.
	s2 := startParley(t)
	api2 := login(t, s2)
	withoutPlaybook(t, api2)
	w := newTab(t, "plain-visitor", nil)
	w.navigate(s2.url + "/demo")
	w.openWidget()
	w.typeMessage("Anyone?")
	w.waitFrame("the offline form", `document.querySelector('form.off')`)
	conv2 := api2.waitMessageHTTP(t, "Anyone?")
	api2.goOnline(s2)
	api2.reply(conv2, "Yes, here.")
	w.waitFrame("the reply, the offline form gone", bubbles("Yes, here.")+` === 1 && !document.querySelector('form.off')`)
}

// TestWidgetEarlierConversationAndPicture: after a closed conversation, a new one shows the earlier
// one above, labelled "Earlier conversation", and the new messages below it, unlabelled; a tall
// picture the visitor sends is scrolled fully into view once it has loaded.
func TestWidgetEarlierConversationAndPicture(t *testing.T) {
	s := startParley(t)
	ag := signIn(t, s)
	withoutPlaybook(t, ag)
	p := newTab(t, "visitor", nil)
	p.navigate(s.url + "/demo")
	p.openWidget()
	p.typeMessage("My first question")
	convID := ag.waitMessage("My first question")
	ag.reply(convID, "First answer")
	ag.must(200, "POST", fmt.Sprintf("/api/v1/conversations/%d/close", convID), nil)
	p.waitFrame("closed", `[...document.querySelectorAll('.sys')].some((l) => l.textContent === 'The chat was closed')`)
	p.typeMessage("A new question")
	ag.waitMessage("A new question")
	p.waitFrame("the earlier conversation above, labelled, the new one below it", `(() => {
		const old = document.querySelector('.log .old');
		if (!old || old.firstElementChild.className !== 'div' || old.firstElementChild.textContent !== 'Earlier conversation') return false;
		if (!old.textContent.includes('My first question')) return false;
		const next = [...document.querySelectorAll('.log .bub')].find((b) => b.textContent.includes('A new question'));
		return next && !old.contains(next) && (old.compareDocumentPosition(next) & Node.DOCUMENT_POSITION_FOLLOWING);
	})()`)
	if dir := screenshots(t); dir != "" {
		p.screenshot(filepath.Join(dir, "widget-earlier.png"))
	}
	for i := 0; i < 6; i++ {
		p.typeMessage(fmt.Sprintf("Filler line %d", i))
	}
	p.waitFrame("the log scrolls", `(() => { const l = document.querySelector('.log'); return l.scrollHeight > l.clientHeight; })()`)
	// A tall picture: once it has loaded, all of it is in view.
	b64 := base64.StdEncoding.EncodeToString(tallPNG(t))
	inFrame[chromedp.Void](p, `(() => {
		const bytes = Uint8Array.from(atob('`+b64+`'), (c) => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], 'tall.png', { type: 'image/png' }));
		const input = document.querySelector('input[type=file]');
		input.files = dt.files;
		input.dispatchEvent(new Event('change', { bubbles: true }));
	})()`)
	p.waitFrame("the picture fully in view", `(() => {
		const img = [...document.querySelectorAll('.m.me:not(.pend) img.img')].find((i) => i.complete && i.naturalHeight === 300);
		if (!img) return false;
		const a = img.getBoundingClientRect(), b = document.querySelector('.log').getBoundingClientRect();
		return a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
	})()`)
	if dir := screenshots(t); dir != "" {
		p.screenshot(filepath.Join(dir, "widget-picture.png"))
	}
}

func tallPNG(t *testing.T) []byte {
	t.Helper()
	im := image.NewRGBA(image.Rect(0, 0, 120, 300))
	for x := 0; x < 120; x++ {
		for y := 0; y < 300; y++ {
			im.Set(x, y, color.RGBA{R: uint8(y * 4 / 5), G: 110, B: uint8(x * 2), A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, im); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// waitMessageHTTP waits, through the API only, for an unassigned conversation whose last message is
// body, and returns its id.
func (a *agent) waitMessageHTTP(t *testing.T, body string) int64 {
	t.Helper()
	var id int64
	eventually(t, "the conversation of "+body, func() bool {
		for _, c := range a.must(200, "GET", "/api/v1/conversations?folder=unassigned", nil)["conversations"].([]any) {
			if cm := c.(map[string]any); cm["preview"] == body {
				id = int64(cm["id"].(float64))
			}
		}
		return id != 0
	})
	return id
}

// TestInboxListAndHeader: anonymous visitors are told apart (a number, their country's flag where
// known); All open shows who has each conversation; a picture without a caption reads "📷 Photo";
// Esc in the assignee menu closes the menu only; a contact renamed in the details is renamed on
// their past messages after a reload too; the browsing history grows live, each page by its title
// and path; a closed conversation in a final inbox does not ask to be reopened.
func TestInboxListAndHeader(t *testing.T) {
	s := startParley(t, "--trusted-proxies", "127.0.0.1")
	p := openInbox(t, s, "owner", "demo@parley.test", s.password)
	p.waitHost("the owner available", `document.querySelector('.toggle').getAttribute('aria-checked') === 'true'`)
	key := demoKey(t, s)
	widgetVisitor(t, s, key)("First visitor here")
	widgetVisitorFrom(t, s, key, "193.0.6.139")("Second visitor here, from Amsterdam")
	p.waitHost("two visitors told apart, one with the flag of where they are", `(() => { const a = `+rowWith("First visitor here")+`, b = `+rowWith("Second visitor here")+`;
		if (!a || !b) return false;
		const na = a.querySelector('.row-name').textContent, nb = b.querySelector('.row-name').textContent;
		return /^Visitor \d+$/.test(na) && /^Visitor \d+$/.test(nb) && na !== nb && b.querySelector('.flag[aria-label="Netherlands"]'); })()`)

	// A visitor in the browser: on the site, browsing live.
	v := newTab(t, "visitor", nil)
	v.navigate(s.url + "/demo")
	v.openWidget()
	v.typeMessage("Looking at your shoes")
	p.waitHost("the visitor on the site", rowWith("Looking at your shoes")+` && `+rowWith("Looking at your shoes")+`.querySelector('.live-on')`)
	host[chromedp.Void](p, rowWith("Looking at your shoes")+`.querySelector('a').click()`)
	p.waitHost("the conversation, its browsing history by title and path", `document.querySelector('.conv-head .name-btn') && document.querySelector('.pages') && document.querySelector('.pages').textContent.includes('/demo')`)
	p.waitHost("last seen: now", `document.querySelector('.facts').textContent.includes('Now, on the site')`)
	p.clickText(".conv-actions .btn", "Assign to me")
	p.waitHost("assigned to me", `document.querySelector('.conv-status').textContent === 'Assigned to you'`)
	host[chromedp.Void](v, `history.pushState({}, '', '/demo?step=shoes'); document.title = 'Shoes'`)
	p.waitHost("the new page in the history, live, by title and path", `[...document.querySelectorAll('.pages li')].some((l) => l.textContent.includes('Shoes') && l.textContent.includes('/demo?step=shoes'))`)

	// Esc in the assignee menu closes the menu, nothing else.
	at := host[string](p, `location.hash`)
	p.clickText(".conv-actions .btn", "Demo Owner")
	p.waitHost("the assignee menu", `document.querySelector('.conv-actions .menu')`)
	p.do(press("Escape"))
	p.waitHost("the menu closed", `!document.querySelector('.menu')`)
	if got := host[string](p, `location.hash`); got != at || !host[bool](p, `!!document.querySelector('aside.details')`) {
		t.Fatalf("Esc in the assignee menu did more than close it: at %q (was %q), details open %v", got, at, host[bool](p, `!!document.querySelector('aside.details')`))
	}
	// With the focus on the menu's button (a mouse user), the same.
	host[chromedp.Void](p, `[...document.querySelectorAll('.conv-actions .btn')].find((b) => b.textContent.includes('Demo Owner')).click()`)
	p.waitHost("the assignee menu again", `document.querySelector('.conv-actions .menu')`)
	host[chromedp.Void](p, `document.querySelector('.conv-actions [aria-haspopup]').focus()`)
	p.do(press("Escape"))
	p.waitHost("the menu closed again", `!document.querySelector('.menu')`)
	if got := host[string](p, `location.hash`); got != at {
		t.Fatalf("Esc with the focus on the menu's button left the conversation: %q", got)
	}

	// Renamed: the past messages say so, also after a reload.
	field := `[...document.querySelectorAll('aside.details .field')].find((f) => f.querySelector('label').textContent === 'Name').querySelector('input')`
	p.do(chromedp.SendKeys(`aside.details #`+host[string](p, field+`.id`), "Ana Berger"), chromedp.KeyEvent("\r"))
	p.waitHost("the new name on the messages", `[...document.querySelectorAll('.msg-them .who')].every((w) => w.textContent === 'Ana Berger')`)
	p.do(chromedp.Reload())
	p.waitHost("the new name on the messages after a reload", `document.querySelectorAll('.msg-them .who').length > 0 && [...document.querySelectorAll('.msg-them .who')].every((w) => w.textContent === 'Ana Berger')`)

	// A picture without a caption: the list says what it is.
	b64 := base64.StdEncoding.EncodeToString(tallPNG(t))
	v.openWidget()
	inFrame[chromedp.Void](v, `(() => {
		const bytes = Uint8Array.from(atob('`+b64+`'), (c) => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], 'IMG_2041.png', { type: 'image/png' }));
		const input = document.querySelector('input[type=file]');
		input.files = dt.files;
		input.dispatchEvent(new Event('change', { bubbles: true }));
	})()`)
	p.goHash("#/f/open")
	p.waitHost("the picture's preview, and who has it", rowWith("📷 Photo")+` && `+rowWith("📷 Photo")+`.querySelector('.row-assignee').textContent.includes('Demo Owner')`)
	checkAxe(t, p.ctx, "All open with assignees and live states")
	if dir := screenshots(t); dir != "" {
		p.screenshot(filepath.Join(dir, "inbox-all-open.png"))
	}

	// Closed in a final inbox (the website's default): no "Reopen it to reply".
	host[chromedp.Void](p, rowWith("📷 Photo")+`.querySelector('a').click()`)
	p.clickText(".conv-actions .btn-resolve", "Resolve")
	p.waitHost("closed, and final", `document.querySelector('.conv-status').textContent.startsWith('Closed') && document.querySelector('.compose-foot .hint').textContent.includes('starts a new conversation') && !document.body.textContent.includes('Reopen it to reply')`)
}

// TestAdminDailyUse: adding a user asks which inboxes they work in (all, at first) and says where
// they landed; the "offline only" badge says why and goes once a page loads the playbook, without
// a reload; the embed snippet is one line that never breaks inside the tag; the settings menu stays
// in view while the editor scrolls; the editor's preview shows the bot's initials as the widget
// does; the tab has Parley's icon.
func TestAdminDailyUse(t *testing.T) {
	s := startParley(t)
	api := login(t, s)
	inboxID := demoInbox(t, api)
	p := openInbox(t, s, "admin", "demo@parley.test", s.password)

	p.goHash("#/admin/users")
	p.clickText("button", "Add user")
	p.waitHost("the inboxes to work in, all chosen", `[...document.querySelectorAll('.adm-new-inboxes label')].some((l) => l.textContent.includes('Demo site') && l.querySelector('input').checked)`)
	host[chromedp.Void](p, `document.querySelector('.adm-new-inboxes input').click()`)
	p.waitHost("a warning without any", `document.querySelector('.adm-new-inboxes .adm-warn') && document.querySelector('.adm-new-inboxes .adm-warn').textContent.includes('sees no conversation')`)
	host[chromedp.Void](p, `document.querySelector('.adm-new-inboxes input').click()`)
	p.fill(`.adm-new-user input[name=name]`, "Ada Agent")
	p.fill(`.adm-new-user input[name=email]`, "ada@parley.test")
	checkAxe(t, p.ctx, "admin: a new user with the inboxes they join")
	p.clickText(".adm-new-user button", "Invite")
	p.waitHost("where they work", `document.querySelector('.adm-created') && document.querySelector('.adm-created').textContent.includes('They work in: Demo site.')`)
	var ada float64
	for _, u := range api.must(200, "GET", "/api/v1/users", nil)["users"].([]any) {
		if um := u.(map[string]any); um["email"] == "ada@parley.test" {
			ada = um["id"].(float64)
		}
	}
	member := false
	for _, ib := range api.must(200, "GET", "/api/v1/inboxes", nil)["inboxes"].([]any) {
		if im := ib.(map[string]any); int64(im["id"].(float64)) == inboxID {
			for _, id := range im["member_ids"].([]any) {
				member = member || id.(float64) == ada
			}
		}
	}
	if !member {
		t.Fatal("the new agent is not a member of the inbox chosen for them")
	}

	// The embed snippet: one line, scrolled sideways if need be, never broken inside the tag.
	p.goHash("#/admin/websites")
	p.waitHost("the snippet on one line", `(() => { const c = document.querySelector('.adm-snippet .adm-code'); return c && getComputedStyle(c).whiteSpace === 'pre' && c.textContent.startsWith('<script ') && c.getBoundingClientRect().height < 60; })()`)

	// "offline only": said why, and gone once a page with the widget loads the playbook.
	p.goHash("#/admin/playbooks")
	row := `[...document.querySelectorAll('.pb-row')].find((r) => r.querySelector('.adm-name a').textContent === 'Live chat')`
	p.waitHost("the badge with its reason", row+` && `+row+`.querySelector('.adm-badge-warn') && `+row+`.querySelector('.pb-offline-why').textContent.includes('Not installed on any page yet')`)
	host[chromedp.Void](p, row+`.querySelector('.adm-name a').click()`)
	p.waitHost("the editor, the live chat card offline only", `document.querySelector('.pb-layout') && document.querySelector('.pb-offline-why')`)
	p.waitHost("the preview's bot avatar as the widget shows it", `(() => { const a = document.querySelector('.pv-head .pv-av'); return a && a.textContent.trim() === 'A'; })()`)
	// The settings menu stays in view while the editor scrolls.
	host[chromedp.Void](p, `document.querySelector('.adminpane').scrollTop = 100000`)
	p.waitHost("the editor scrolled, the settings menu in view", `document.querySelector('.adminpane').scrollTop > 100 && (() => { const r = document.querySelector('.adm-nav a[aria-current=page]').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()`)
	v := newTab(t, "visitor", nil)
	v.navigate(s.url + "/demo")
	v.waitHost("the launcher", jsLauncher)
	p.waitHost("the badge gone without a reload", `!document.querySelector('.pb-offline-why') && !document.querySelector('.pb-layout .adm-badge-warn')`)

	// Parley's icon on the tab.
	p.waitHost("the icon", `document.querySelector('link[rel=icon]') && fetch('/favicon.ico').then((r) => r.ok && r.headers.get('content-type') === 'image/svg+xml')`)
}

// TestDailyScreenshots takes the pictures of the screens this work changed, in English and German,
// on a desk and on a phone, into docs/screenshots (PARLEY_SCREENSHOTS=1; otherwise it is skipped:
// the journeys above check the same screens).
func TestDailyScreenshots(t *testing.T) {
	dir := screenshots(t)
	if dir == "" {
		t.Skip("PARLEY_SCREENSHOTS=1 takes the pictures")
	}
	s := startParley(t, "--trusted-proxies", "127.0.0.1")
	key := demoKey(t, s)
	p := openInbox(t, s, "owner", "demo@parley.test", s.password)
	p.waitHost("the owner available", `document.querySelector('.toggle').getAttribute('aria-checked') === 'true'`)
	host[chromedp.Void](p, `document.querySelector('.toggle').click()`)
	p.waitHost("the owner not available", `document.querySelector('.toggle').getAttribute('aria-checked') === 'false'`)
	widgetVisitorFrom(t, s, key, "193.0.6.139")("Do you ship to Rotterdam?")
	v := newTab(t, "visitor", nil)
	v.navigate(s.url + "/demo")
	v.openWidget()
	v.typeMessage("Is the blue sofa still available?")
	phone := func(name string, prepare func(ph *tab)) {
		ph := newTab(t, "phone-"+name, p)
		ph.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		prepare(ph)
		ph.screenshot(filepath.Join(dir, name+".png"))
	}
	language := func(l string) {
		host[chromedp.Void](p, fmt.Sprintf(`(() => { const s = document.querySelector('.side-lang select'); s.value = '%s'; s.dispatchEvent(new Event('change', {bubbles: true})); })()`, l))
		p.waitHost("the language "+l, `document.documentElement.lang === '`+l+`'`)
	}
	sofa := rowWith("blue sofa")
	for _, l := range []string{"en", "de"} {
		suffix := map[string]string{"en": "", "de": "-de"}[l]
		language(l)
		// The unavailable agent's banner.
		p.goHash("#/f/unassigned")
		p.waitHost("the row, opened", sofa+` && (`+sofa+`.querySelector('a').click(), true)`)
		p.waitHost("the banner", `document.querySelector('.take-bar') && document.querySelector('.facts')`)
		p.screenshot(filepath.Join(dir, "inbox-unavailable"+suffix+".png"))
		at := host[string](p, `location.hash`)
		phone("inbox-phone-unavailable"+suffix, func(ph *tab) {
			ph.navigate(s.url + "/inbox/" + at)
			ph.waitHost("the banner on a phone", `document.querySelector('.take-bar') && document.documentElement.lang === '`+l+`'`)
		})
		// The list: numbered visitors, a flag, the live state and who has each conversation.
		p.goHash("#/f/open")
		p.waitHost("All open", sofa+` && `+rowWith("Rotterdam")+` && document.querySelector('ul.rows[aria-busy=false]') && !document.querySelector('.listpane .loading')`)
		p.screenshot(filepath.Join(dir, "inbox-all-open"+suffix+".png"))
		phone("inbox-phone-all-open"+suffix, func(ph *tab) {
			ph.navigate(s.url + "/inbox/#/f/open")
			ph.waitHost("All open on a phone", sofa+` && `+rowWith("Rotterdam"))
		})
	}
	// Taken; the composer with a link and bold text, in German and in English.
	language("en")
	p.goHash("#/f/unassigned")
	p.waitHost("the row, opened", sofa+` && (`+sofa+`.querySelector('a').click(), true)`)
	p.clickText(".take-bar button", "Become available and take it")
	p.waitHost("taken", `document.querySelector('.conv-status').textContent === 'Assigned to you'`)
	at := host[string](p, `location.hash`)
	write := func(q *tab) {
		q.waitHost("the composer", `document.querySelector('.composer .editor[contenteditable=true]')`)
		host[chromedp.Void](q, `(() => { const e = document.querySelector('.composer .editor'); e.focus(); document.execCommand('selectAll'); document.execCommand('delete'); document.execCommand('insertText', false, 'Yes, it is. See '); document.execCommand('insertHTML', false, '<a href="https://example.com/sofas">our sofas</a>'); document.execCommand('insertText', false, ' – it ships '); document.execCommand('bold'); document.execCommand('insertText', false, 'this week'); document.execCommand('bold'); document.execCommand('insertText', false, '.'); e.dispatchEvent(new Event('input', {bubbles: true})); })()`)
	}
	write(p)
	p.screenshot(filepath.Join(dir, "inbox-composer.png"))
	language("de")
	write(p)
	p.screenshot(filepath.Join(dir, "inbox-composer-de.png"))
	phone("inbox-phone-composer-de", func(ph *tab) {
		ph.navigate(s.url + "/inbox/" + at)
		write(ph)
	})
	language("en")

	// The new user's inboxes, in both languages and on a phone.
	p.goHash("#/admin/users")
	p.clickText("button", "Add user")
	p.waitHost("the new user's inboxes", `document.querySelector('.adm-new-inboxes input')`)
	p.screenshot(filepath.Join(dir, "admin-new-user.png"))
	language("de")
	if !host[bool](p, `!!document.querySelector('.adm-new-inboxes')`) {
		p.clickText("button", "Benutzer hinzufügen")
	}
	p.waitHost("German", `document.querySelector('.adm-new-inboxes legend') && document.querySelector('.adm-new-inboxes legend').textContent.includes('Posteingänge')`)
	p.screenshot(filepath.Join(dir, "admin-new-user-de.png"))
	phone("admin-phone-new-user-de", func(ph *tab) {
		ph.navigate(s.url + "/inbox/#/admin/users")
		ph.clickText("button", "Benutzer hinzufügen")
		ph.waitHost("the form", `document.querySelector('.adm-new-inboxes input')`)
		host[chromedp.Void](ph, `document.querySelector('.adm-new-inboxes').scrollIntoView({block: 'center'})`)
	})
	language("en")

	// The widget for a browser in Austrian German, on a desk and a phone.
	w := newTab(t, "austrian", nil)
	w.navigate("about:blank")
	w.browserLanguage("de-AT,de;q=0.9")
	api := login(t, s)
	withoutPlaybook(t, api)
	w.navigate(s.url + "/demo")
	w.openWidget()
	w.typeMessage("Grüß Gott! Haben Sie das Sofa auch in Grün?")
	conv := api.waitMessageHTTP(t, "Grüß Gott! Haben Sie das Sofa auch in Grün?")
	api.reply(conv, "Grüß Gott! Ja, in Salbeigrün – **lieferbar in 2 Wochen**.")
	w.waitFrame("the reply, with its time", `document.querySelector('.m.them time.st')`)
	w.screenshot(filepath.Join(dir, "widget-browser-de.png"))
	ph := newTab(t, "phone-widget-de", w)
	ph.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	ph.navigate("about:blank")
	ph.browserLanguage("de-AT,de;q=0.9")
	ph.navigate(s.url + "/demo")
	ph.openWidget()
	ph.waitFrame("German on a phone", `document.documentElement.lang === 'de'`)
	ph.waitFrame("the conversation on a phone", `document.querySelector('.m.them time.st')`)
	ph.screenshot(filepath.Join(dir, "widget-phone-browser-de.png"))
}
