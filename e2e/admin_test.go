package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// The admin area's journeys (web/inbox/src/admin): an admin sets up a team, an agent, the demo
// website's inbox and a live chat playbook through the screens; the agent sees only their own
// profile and tokens.

// fill puts text into the input matching sel the way a user does: focus, select what is there,
// type over it.
func (p *tab) fill(sel, text string) {
	p.t.Helper()
	p.waitHost(sel, `document.querySelector(`+jsQuote(sel)+`)`)
	host[chromedp.Void](p, `(() => { const i = document.querySelector(`+jsQuote(sel)+`); i.focus(); i.select(); })()`)
	p.do(chromedp.KeyEvent(text))
}

// text is the trimmed text of the first element matching sel ("" when there is none).
func (p *tab) text(sel string) string {
	p.t.Helper()
	return host[string](p, `(() => { const e = document.querySelector(`+jsQuote(sel)+`); return e ? e.textContent.trim() : ""; })()`)
}

// waitReload waits for cond in a document loaded after the current one: the page is marked, then
// asked again until an unmarked page (the reloaded one) meets cond. Errors from the navigation in
// between are expected and retried.
func (p *tab) waitReload(what, cond string, reload func()) {
	p.t.Helper()
	host[chromedp.Void](p, `window.__admOld = true`)
	reload()
	deadline := time.Now().Add(waitFor)
	for {
		v, err := chromedp.Run(p.ctx, chromedp.Evaluate[any](waitJS(`!window.__admOld && (`+cond+`)`, 2000), chromedp.EvalAwaitPromise))
		if err == nil && v != false && v != nil {
			return
		}
		if time.Now().After(deadline) || p.ctx.Err() != nil {
			p.t.Fatalf("%s: no %s within %s after the reload (%v)", p.name, what, waitFor, err)
		}
	}
}

// grantClipboard lets the page write and read the clipboard, as a user's permission would.
func grantClipboard(p *tab, origin string) {
	p.t.Helper()
	c := chromedp.FromContext(p.ctx)
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(p.ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name, AllowWithoutSanitization: true}, Setting: browser.PermissionSettingGranted,
			Origin: origin, BrowserContextID: c.BrowserContextID,
		}); err != nil {
			p.t.Fatalf("grant %s: %v", name, err)
		}
	}
}

// playbookOf reads a playbook through the API.
func playbookOf(t *testing.T, a *agent, id int64) map[string]any {
	t.Helper()
	return a.must(200, "GET", fmt.Sprintf("/api/v1/playbooks/%d", id), nil)["playbook"].(map[string]any)
}

// TestAdminJourney: an admin creates a team and invites an agent (the demo has no mail set up, so
// the one-time link is shown to pass on; the agent sets a password with it, once),
// makes the demo website's inbox shared, copies the embed snippet, creates a playbook from the
// "Chat with your leads" template through "Configure live chat", gives the live chat card a
// waiting time of 1 second and sees the error on that card, fixes it, saves version 2, activates
// and deactivates it. The agent then signs in and sees only their profile and tokens. axe-core
// checks each admin screen.
func TestAdminJourney(t *testing.T) {
	s := startParley(t)
	api := login(t, s)
	shots := screenshots(t)
	p := openInbox(t, s, "admin", "demo@parley.test", s.password)
	grantClipboard(p, s.url)

	// A team.
	p.goHash("#/admin/teams")
	p.fill(`input[name=team]`, "Support")
	p.clickText("button", "Create team")
	p.waitHost("the new team", `document.querySelector('[data-team="Support"]') && document.body.textContent.includes('Team Support created.')`)
	checkAxe(t, p.ctx, "admin: teams")

	// An agent, invited: with no mail set up, the one-time link is shown to pass on.
	p.goHash("#/admin/users")
	p.waitHost("the users", `document.querySelector('[data-email="demo@parley.test"]')`)
	p.clickText("button", "Add user")
	p.fill(`.adm-new-user input[name=name]`, "Ada Agent")
	p.fill(`.adm-new-user input[name=email]`, "ada@parley.test")
	if role := host[string](p, `document.querySelector('.adm-new-user select[name=role]').value`); role != "agent" {
		t.Fatalf("a new user's role starts as %q, want agent", role)
	}
	p.clickText(".adm-new-user button", "Invite")
	p.waitHost("the invitation link, shown", `document.querySelector('.adm-created [id^=adm-invite-link-]') && document.querySelector('[data-email="ada@parley.test"] .adm-badge-invited')`)
	link := p.text(`.adm-created [id^=adm-invite-link-]`)
	if !strings.HasPrefix(link, s.url+"/inbox/#/password/plk_") {
		t.Fatalf("the invitation link is %q", link)
	}
	if !strings.Contains(p.text(".adm-created"), "mail is not set up") {
		t.Errorf("the new user's panel does not say why no email went out: %q", p.text(".adm-created"))
	}
	checkAxe(t, p.ctx, "admin: users")
	if shots != "" {
		p.screenshot(filepath.Join(shots, "admin-users.png"))
	}
	// The agent joins the team.
	p.goHash("#/admin/teams")
	p.waitHost("the team's members", `[...document.querySelectorAll('[data-team="Support"] label')].some((l) => l.textContent.includes('Ada Agent'))`)
	host[chromedp.Void](p, `[...document.querySelectorAll('[data-team="Support"] label')].find((l) => l.textContent.includes('Ada Agent')).querySelector('input').click()`)
	p.clickText(`[data-team="Support"] button`, "Save")
	p.waitHost("the team saved", `document.querySelector('[data-team="Support"] .adm-ok')`)
	teams := api.must(200, "GET", "/api/v1/teams", nil)["teams"].([]any)
	if len(teams) != 1 || len(teams[0].(map[string]any)["member_ids"].([]any)) != 1 {
		t.Fatalf("teams after the admin's changes: %v", teams)
	}

	// The demo website: its inbox becomes shared; the snippet is shown and copied.
	site := api.must(200, "GET", "/api/v1/websites", nil)["websites"].([]any)[0].(map[string]any)
	siteID := int64(site["id"].(float64))
	p.goHash("#/admin/websites")
	card := fmt.Sprintf(`[data-website-id="%d"]`, siteID)
	p.waitHost("the website", `document.querySelector(`+jsQuote(card+` .adm-snippet pre`)+`)`)
	want := fmt.Sprintf(`<script src="%s/widget.js" data-website-key="%s" async></script>`, s.url, site["public_key"])
	if got := p.text(card + ` .adm-snippet pre`); got != want {
		t.Fatalf("the snippet reads\n  %s\nwant\n  %s", got, want)
	}
	p.clickText(card+` .adm-snippet button`, "Copy")
	p.waitHost("the copy confirmed", `document.querySelector(`+jsQuote(card+` .adm-snippet [role=status]`)+`).textContent === 'Copied to the clipboard.'`)
	if got := host[string](p, `navigator.clipboard.readText()`); got != want {
		t.Errorf("the clipboard holds %q, want the snippet", got)
	}
	host[chromedp.Void](p, `document.querySelector(`+jsQuote(card+` input[value=shared]`)+`).click()`)
	p.clickText(card+` .adm-inbox-settings button`, "Save")
	p.waitHost("the inbox saved", `document.querySelector(`+jsQuote(card+` .adm-inbox-settings .adm-ok`)+`)`)
	ib := api.must(200, "GET", fmt.Sprintf("/api/v1/inboxes/%d", siteID), nil)["inbox"].(map[string]any)
	if ib["visibility"] != "shared" {
		t.Fatalf("the website's inbox is %v after choosing shared", ib["visibility"])
	}
	checkAxe(t, p.ctx, "admin: websites")

	// Configure live chat → a playbook from the "Chat with your leads" template.
	p.clickText(card+` button`, "Configure live chat")
	p.waitHost("the configure dialog", `document.querySelector('dialog[open].pb-configure .lc-template')`)
	checkAxe(t, p.ctx, "admin: configure live chat")
	host[chromedp.Void](p, `document.querySelector('dialog[open] .lc-template').click()`)
	p.waitHost("the bot's look first", `location.hash.startsWith('#/admin/playbooks/new/') && document.querySelector('.pb-next')`)
	checkAxe(t, p.ctx, "admin: new playbook, look")
	p.fill(`.adm-appearance input[maxlength="60"]`, "Parla")
	p.waitHost("the preview follows", `document.querySelector('.pv-name').textContent === 'Parla'`)
	host[chromedp.Void](p, `document.querySelector('.pb-next').click()`)
	p.waitHost("the templates", `document.querySelector('[data-template=live_chat] input').checked`)
	if !strings.Contains(p.text(`[data-template=live_chat]`), "Chat with your leads") {
		t.Fatalf("the live chat template reads %q", p.text(`[data-template=live_chat]`))
	}
	checkAxe(t, p.ctx, "admin: new playbook, template")
	host[chromedp.Void](p, `document.querySelector('.pb-create').click()`)
	p.waitHost("the editor", `/^#\/admin\/playbooks\/\d+$/.test(location.hash) && document.querySelector('.pb-live_chat')`)
	var pbID int64
	fmt.Sscanf(host[string](p, `location.hash`), "#/admin/playbooks/%d", &pbID)
	if v := p.text(".pb-version"); v != "Version 1" {
		t.Fatalf("a new playbook shows %q", v)
	}
	if !strings.Contains(p.text(".pb-branch-offline > .pb-branch-label"), "If nobody answers") {
		t.Error("the live chat card's offline path is not labelled")
	}
	checkAxe(t, p.ctx, "admin: playbook editor")

	// The live chat card's waiting time: 1 second is refused, on the card, naming it.
	host[chromedp.Void](p, `document.querySelector('.pb-live_chat .pb-edit').focus()`)
	p.do(chromedp.KeyEvent("\r")) // the pencil works from the keyboard
	p.waitHost("the card's form", `document.querySelector('dialog[open] input[name=waiting_seconds]')`)
	checkAxe(t, p.ctx, "admin: live chat card form")
	p.fill(`dialog[open] input[name=waiting_seconds]`, "1")
	p.waitHost("the error in the form", `[...document.querySelectorAll('dialog[open] .adm-err')].some((e) => e.textContent.includes('between 10 and 3600 seconds'))`)
	host[chromedp.Void](p, `document.querySelector('dialog[open] .pb-card-save').click()`)
	p.waitHost("the error on the card", `!document.querySelector('dialog[open]') && document.querySelector('.pb-live_chat .pb-problems') && document.querySelector('.pb-live_chat .pb-problems').textContent.includes('Waiting time must be between 10 and 3600 seconds')`)
	if got := p.text(".pb-problem-list li"); !strings.HasPrefix(got, "Live chat") || !strings.Contains(got, "Waiting time must be between 10 and 3600 seconds") {
		t.Errorf("the list of problems reads %q, want it to name the live chat card", got)
	}
	host[chromedp.Void](p, `document.querySelector('.pb-save').click()`)
	p.waitHost("Save refused", `document.querySelector('.pb-save-error')`)
	if got := p.text(".pb-save-error"); !strings.Contains(got, "live chat card “") || !strings.Contains(got, "waiting time must be between 10 and 3600 seconds") || strings.Contains(got, "crd_") {
		t.Errorf("saving says %q, want the live chat card named by its type and text, not its id", got)
	}
	if shots != "" {
		p.screenshot(filepath.Join(shots, "admin-playbook-error.png"))
	}
	// Fixed: 45 seconds, then Save makes version 2.
	host[chromedp.Void](p, `document.querySelector('.pb-live_chat .pb-edit').click()`)
	p.fill(`dialog[open] input[name=waiting_seconds]`, "45")
	p.waitHost("the form content", `document.querySelector('dialog[open]') && !document.querySelector('dialog[open] .adm-err')`)
	host[chromedp.Void](p, `document.querySelector('dialog[open] .pb-card-save').click()`)
	p.waitHost("no problems left", `!document.querySelector('.pb-problems') && document.querySelector('.pb-check').textContent === 'No problems found.'`)
	host[chromedp.Void](p, `document.querySelector('.pb-save').click()`)
	p.waitHost("version 2", `document.querySelector('.pb-version').textContent === 'Version 2' && document.querySelector('.pb-check').textContent === 'Saved as version 2.'`)
	pb := playbookOf(t, api, pbID)
	live := pb["flow"].(map[string]any)["path"].([]any)[1].(map[string]any)["answers"].([]any)[0].(map[string]any)["path"].([]any)[0].(map[string]any)
	if pb["version"].(float64) != 2 || live["waiting_seconds"].(float64) != 45 || pb["appearance"].(map[string]any)["bot_name"] != "Parla" {
		t.Fatalf("the saved playbook: version %v, waiting %v s, bot %v", pb["version"], live["waiting_seconds"], pb["appearance"].(map[string]any)["bot_name"])
	}
	// Versions: both are listed, the first can be viewed.
	p.clickText(".pb-header-actions button", "Versions")
	p.waitHost("the versions", `document.querySelectorAll('dialog[open] .pb-version-list li').length === 2`)
	host[chromedp.Void](p, `[...document.querySelectorAll('dialog[open] .pb-version-list button')].pop().click()`) // the oldest: version 1
	p.waitHost("version 1's flow", `document.querySelector('dialog[open] .pb-live_chat') && document.querySelector('dialog[open] .pb-live_chat').textContent.includes('waits 2 min')`)
	p.do(chromedp.KeyEvent("\x1b"))
	p.waitHost("the dialog closed", `!document.querySelector('dialog[open]')`)

	// Export downloads the playbook file; importing that file back makes version 3.
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(p.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads, BrowserContextID: chromedp.FromContext(p.ctx).BrowserContextID,
	}); err != nil {
		t.Fatal(err)
	}
	host[chromedp.Void](p, `document.querySelector('.pb-more summary').click()`)
	p.clickText(".pb-more-menu button", "Export")
	file := filepath.Join(downloads, "chat-with-your-leads.playbook.json")
	eventually(t, "the exported file", func() bool {
		b, err := os.ReadFile(file)
		return err == nil && json.Valid(b)
	})
	var doc map[string]any
	b, _ := os.ReadFile(file)
	if err := json.Unmarshal(b, &doc); err != nil || doc["format"] != "parley-playbook" || doc["appearance"].(map[string]any)["bot_name"] != "Parla" {
		t.Fatalf("the exported file: %v %s", err, b)
	}
	host[chromedp.Void](p, `document.querySelector('.pb-more summary').click()`)
	p.clickText(".pb-more-menu button", "Import")
	p.waitHost("the import dialog", `document.querySelector('dialog[open] #pb-import-file')`)
	p.do(chromedp.SetUploadFiles(`#pb-import-file`, []string{file}))
	p.waitHost("version 3 from the file", `!document.querySelector('dialog[open]') && document.querySelector('.pb-version').textContent === 'Version 3'`)

	// Activate, then deactivate; new playbooks start inactive.
	if pb["active"] != false {
		t.Fatalf("a new playbook is active: %v", pb["active"])
	}
	p.clickText(".pb-header-actions button", "Activate")
	p.waitHost("active", `document.querySelector('.pb-title .adm-badge-on')`)
	if playbookOf(t, api, pbID)["active"] != true {
		t.Fatal("Activate did not activate the playbook")
	}
	p.clickText(".pb-header-actions button", "Deactivate")
	p.waitHost("inactive", `document.querySelector('.pb-title .adm-badge-off') && document.body.textContent.includes('Deactivated: the playbook runs nowhere.')`)
	if playbookOf(t, api, pbID)["active"] != false {
		t.Fatal("Deactivate did not deactivate the playbook")
	}
	p.goHash("#/admin/playbooks")
	p.waitHost("the list", fmt.Sprintf(`document.querySelector('[data-playbook-id="%d"] [role=switch][aria-checked=false]')`, pbID))
	checkAxe(t, p.ctx, "admin: playbooks")
	if shots != "" {
		adminShots(t, p, s, shots, pbID)
	}

	// The agent opens the link and chooses a password: they are in, with no admin screens. The
	// link works once.
	const password = "ada's own long password"
	ag := newTab(t, "agent", nil)
	grantNotifications(ag, s.url)
	ag.navigate(link)
	ag.waitHost("the invitation's page", `document.querySelector('form.card h1') && document.querySelector('form.card h1').textContent === 'Welcome, Ada Agent'`)
	checkAxe(t, ag.ctx, "invitation: choose a password")
	ag.do(chromedp.SendKeys(`form.card input[type=password]`, password), chromedp.Click(`form.card button[type=submit]`))
	ag.waitHost("the inbox", `document.querySelector('nav.side') && document.querySelector('.me-n').textContent === 'Ada Agent'`)
	again := newTab(t, "link-again", nil)
	again.navigate(link)
	again.waitHost("the spent link refused", `document.querySelector('.card h1') && document.querySelector('.card h1').textContent === 'This link does not work'`)
	loginAs(t, s, "ada@parley.test", password) // the password the link set signs in
	ag.goHash("#/admin")
	ag.waitHost("the agent's profile", `document.querySelector('.adm-nav') && document.querySelector('#adm-profile-h')`)
	links := host[string](ag, `[...document.querySelectorAll('.adm-nav a')].map((a) => a.getAttribute('href')).join(' ')`)
	for _, admin := range []string{"users", "teams", "inboxes", "websites", "playbooks"} {
		if strings.Contains(links, "#/admin/"+admin) {
			t.Errorf("an agent's settings link to %s: %s", admin, links)
		}
	}
	for _, h := range []string{"#/admin/users", "#/admin/playbooks", "#/admin/websites"} {
		ag.goHash(h)
		ag.waitHost("no admin screen at "+h, `document.querySelector('.adm-main h1') && document.querySelector('.adm-main h1').textContent === 'Only for admins' && !document.querySelector('.adm-users, .pb-list, .adm-snippet')`)
	}
	checkAxe(t, ag.ctx, "admin: an agent's refusal")
	// Their own tokens: made, shown once, listed, revoked.
	ag.goHash("#/admin/tokens")
	ag.fill(`input[name=token]`, "CI")
	ag.clickText("button", "Create token")
	ag.waitHost("the token, shown once", `document.querySelector('#adm-token-secret') && document.querySelector('#adm-token-secret').textContent.startsWith('plt_') && document.querySelector('.adm-list')`)
	checkAxe(t, ag.ctx, "admin: tokens")
	ag.clickText(".adm-list button", "Revoke")
	ag.clickText("dialog[open] button", "Revoke")
	ag.waitHost("the token gone", `!document.querySelector('.adm-list') && document.body.textContent.includes('No tokens yet.')`)
	checkAxe(t, ag.ctx, "admin: profile")
}

// adminShots takes the admin pictures for docs/: the users screen and the playbook editor, on a
// desktop and a phone, in English and German (chosen on the profile screen, as a user does).
func adminShots(t *testing.T, p *tab, s *parleyServer, dir string, pbID int64) {
	t.Helper()
	editor := fmt.Sprintf("#/admin/playbooks/%d", pbID)
	shoot := func(p *tab, lang, suffix string) {
		p.goHash("#/admin/users")
		p.waitHost("the users", `document.querySelector('[data-email="ada@parley.test"]') && document.documentElement.lang === `+jsQuote(lang))
		p.screenshot(filepath.Join(dir, "admin-users"+suffix+".png"))
		p.goHash(editor)
		p.waitHost("the editor", `document.querySelector('.pb-live_chat') && document.querySelector('.pv-answer')`)
		p.screenshot(filepath.Join(dir, "admin-playbook"+suffix+".png"))
	}
	shoot(p, "en", "")
	p.darkMode(true)
	p.screenshot(filepath.Join(dir, "admin-playbook-dark.png"))
	p.darkMode(false)
	phone := newTab(t, "admin-phone", p)
	phone.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	phone.navigate(s.url + "/inbox/#/admin/users")
	shoot(phone, "en", "-phone")

	// German, chosen on the profile screen.
	p.goHash("#/admin/profile")
	p.waitHost("the language form", `document.querySelector('#adm-lang-h')`)
	host[chromedp.Void](p, `(() => { const s = document.querySelector('form[aria-labelledby=adm-lang-h] select'); s.value = 'de'; s.dispatchEvent(new Event('change', {bubbles: true})); })()`)
	p.waitReload("German", `document.documentElement.lang === 'de' && document.querySelector('.adm-nav') && document.querySelector('.adm-nav').textContent.includes('Benutzer')`, func() {
		p.clickText(`form[aria-labelledby=adm-lang-h] button`, "Use this language")
	})
	// A playbook whose bot speaks German, for the German pictures.
	api := login(t, s)
	site := api.must(200, "GET", "/api/v1/websites", nil)["websites"].([]any)[0].(map[string]any)
	de := api.must(201, "POST", "/api/v1/playbooks", map[string]any{"website_id": site["id"], "template": "live_chat",
		"appearance": map[string]any{"language": "de", "color": "#7a2e8f", "bot_name": "Parla"}})["playbook"].(map[string]any)
	editor = fmt.Sprintf("#/admin/playbooks/%d", int64(de["id"].(float64)))
	shoot(p, "de", "-de")
	checkAxe(t, p.ctx, "admin: playbook editor in German")
	phone.do(chromedp.Reload())
	shoot(phone, "de", "-phone-de")
}
