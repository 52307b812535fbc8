package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley/internal/notify"
)

// Notifications in the browser (docs/notifications.md): a desktop notification from the open tab,
// and a web push shown by the service worker, whose click opens the conversation. Chromium's own
// push subscription needs Google's push service, which tests cannot reach: DevTools delivers the
// push to the service worker instead, with the payload the server sends (internal/notify's test
// and internal/push's cover the way there, encrypted, to a push service).

// TestDesktopNotificationAndPush: with notification permission granted through DevTools, a
// visitor's new chat makes the inbox show a desktop notification; a push delivered to the inbox's
// service worker shows a notification, and a click on it opens the conversation in the inbox.
func TestDesktopNotificationAndPush(t *testing.T) {
	s := startParley(t)
	owner := openInbox(t, s, "owner", "demo@parley.test", s.password)
	// The agent looks at another window; the notifications the tab makes are recorded as the
	// browser shows them (its "show" event).
	host[chromedp.Void](owner, `(() => {
		window.__shown = [];
		const N = window.Notification;
		window.Notification = function (title, opts) {
			const n = new N(title, opts);
			n.addEventListener('show', () => window.__shown.push(title + ' | ' + (opts && opts.body)));
			return n;
		};
		window.Notification.permission = N.permission;
		window.Notification.requestPermission = () => N.requestPermission();
		document.hasFocus = () => false;
	})()`)

	visitor := newTab(t, "visitor", nil)
	visitor.navigate(s.url + "/demo")
	visitor.openWidget()
	visitor.typeMessage("Is the blue one in stock?")
	owner.waitHost("the desktop notification shown", `window.__shown.some((n) => /^New conversation: Visitor \d+ \| Is the blue one in stock\?$/.test(n))`)
	owner.waitHost("the row", rowWith("Is the blue one in stock?"))
	id := int64(host[float64](owner, rowWith("Is the blue one in stock?")+`.querySelector('a').getAttribute('href').split('/').pop() * 1`))
	host[chromedp.Void](owner, `delete document.hasFocus`)

	// The service worker: registered by the inbox for push, in control of /inbox/.
	waitAsync(owner, "the service worker active", `navigator.serviceWorker.getRegistration('/inbox/').then((r) => r && r.active && r.active.state === 'activated')`)
	reg := registrationID(t, owner, s.url+"/inbox/")

	// Somewhere else in the inbox meanwhile.
	owner.goHash("#/f/closed")
	owner.waitHost("Closed", `location.hash === '#/f/closed'`)

	data, _ := json.Marshal(notify.PushData{Title: "New conversation: Visitor", Body: "Is the blue one in stock?", Tag: "parley-c" + strconv.FormatInt(id, 10),
		URL: "/inbox/#/c/" + strconv.FormatInt(id, 10), ConversationID: id, Event: "new_unassigned"})
	if _, err := chromedp.Call(owner.ctx, serviceworker.DeliverPushMessage, serviceworker.DeliverPushMessageParams{Origin: s.url, RegistrationID: reg, Data: string(data)}); err != nil {
		t.Fatalf("deliver the push: %v", err)
	}
	waitAsync(owner, "the service worker's notification", `navigator.serviceWorker.getRegistration('/inbox/').then((r) => r.getNotifications()).then((ns) => ns.some((n) => n.title === 'New conversation: Visitor' && n.body === 'Is the blue one in stock?' && n.tag === 'parley-c`+strconv.FormatInt(id, 10)+`'))`)

	// A click on it (dispatched in the worker, as the browser does when the agent clicks) opens the
	// conversation in this inbox window.
	clickNotification(t, owner, s.url+"/inbox/sw.js")
	owner.waitHost("the conversation opened", fmt.Sprintf(`location.hash === '#/c/%d' && [...document.querySelectorAll('.msg-them .bubble')].some((b) => b.textContent.includes('blue one'))`, id))
	waitAsync(owner, "the notification closed", `navigator.serviceWorker.getRegistration('/inbox/').then((r) => r.getNotifications()).then((ns) => ns.length === 0)`)
}

// registrationID finds the service worker registration of scope through DevTools.
func registrationID(t *testing.T, p *tab, scope string) serviceworker.RegistrationID {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	updates := chromedp.Events(ctx, serviceworker.WorkerRegistrationUpdated)
	if _, err := chromedp.Call(ctx, serviceworker.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("ServiceWorker.enable: %v", err)
	}
	for ev, err := range updates {
		if err != nil {
			t.Fatalf("no service worker registration for %s: %v", scope, err)
		}
		for _, r := range ev.Registrations {
			if r.ScopeURL == scope && !r.IsDeleted {
				return r.RegistrationID
			}
		}
	}
	t.Fatalf("no service worker registration for %s", scope)
	return ""
}

// clickNotification makes the service worker at url handle a click on its first notification.
func clickNotification(t *testing.T, p *tab, url string) {
	t.Helper()
	var id string
	deadline := time.Now().Add(20 * time.Second)
	for id == "" {
		targets, err := chromedp.Targets(p.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range targets {
			if tg.Type == "service_worker" && tg.URL == url {
				id = string(tg.TargetID)
			}
		}
		if id == "" {
			if time.Now().After(deadline) {
				t.Fatalf("no service worker target at %s", url)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	ctx, cancel := chromedp.NewContext(p.ctx, chromedp.WithTargetID(target.ID(id)))
	defer cancel()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`self.registration.getNotifications().then((ns) => {
		if (!ns.length) return false;
		self.dispatchEvent(new NotificationEvent('notificationclick', { notification: ns[0] }));
		return true;
	})`, chromedp.EvalAwaitPromise))
	if err != nil || !ok {
		t.Fatalf("click the notification in the service worker: %v %v", ok, err)
	}
}

// TestInstallableInbox: the inbox is an app a phone installs: its manifest (standalone, scope,
// theme colour, icons), the icons and the service worker are served; on a phone the first visit
// shows the banner whose button asks for notifications.
func TestInstallableInbox(t *testing.T) {
	s := startParley(t)
	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		res, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		return res, b
	}
	res, body := get("/inbox/manifest.webmanifest")
	var m struct {
		StartURL, Scope, Display, ThemeColor string
		Icons                                []struct{ Src, Sizes, Type, Purpose string }
	}
	if err := json.Unmarshal([]byte(strings.NewReplacer("start_url", "StartURL", "theme_color", "ThemeColor").Replace(string(body))), &m); err != nil {
		t.Fatal(err)
	}
	if res.Header.Get("Content-Type") != "application/manifest+json" || m.StartURL != "/inbox/" || m.Scope != "/inbox/" || m.Display != "standalone" || m.ThemeColor == "" {
		t.Fatalf("manifest: %s %+v", res.Header.Get("Content-Type"), m)
	}
	sizes := map[string]bool{}
	for _, ic := range m.Icons {
		r, png := get(ic.Src)
		if r.Header.Get("Content-Type") != "image/png" || string(png[1:4]) != "PNG" {
			t.Fatalf("icon %s is not a PNG", ic.Src)
		}
		sizes[ic.Sizes+" "+ic.Purpose] = true
	}
	if !sizes["192x192 any"] || !sizes["512x512 any"] || !sizes["512x512 maskable"] {
		t.Fatalf("icons: %v", sizes)
	}
	if r, js := get("/inbox/sw.js"); !strings.HasPrefix(r.Header.Get("Content-Type"), "text/javascript") || !strings.Contains(string(js), "notificationclick") {
		t.Fatalf("the service worker: %s", r.Header.Get("Content-Type"))
	}
	get("/favicon.ico")

	phone := newTab(t, "phone", nil)
	phone.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	phone.navigate(s.url + "/inbox/")
	phone.waitHost("the sign-in form", `document.querySelector('form.card input[type=email]')`)
	phone.waitHost("the manifest, theme colour and safe areas in the page", `document.querySelector('link[rel=manifest]') && document.querySelector('meta[name=theme-color]') && document.querySelector('meta[name=viewport]').content.includes('viewport-fit=cover')`)
	phone.do(
		chromedp.SendKeys(`form.card input[type=email]`, "demo@parley.test"),
		chromedp.SendKeys(`form.card input[type=password]`, s.password),
		chromedp.Click(`form.card button[type=submit]`),
	)
	phone.waitHost("the banner asking for notifications", `document.querySelector('.banner button.btn-primary') && Notification.permission === 'default'`)
	checkAxe(t, phone.ctx, "phone: the notifications banner")
	if dir := screenshots(t); dir != "" {
		phone.screenshot(filepath.Join(dir, "inbox-phone-notify-banner.png"))
	}
	host[chromedp.Void](phone, `[...document.querySelectorAll('.banner button')].find((b) => b.textContent === 'Not now').click()`)
	phone.waitHost("the banner gone for good", `!document.querySelector('.banner') && localStorage.getItem('parley.notify.asked') === '1'`)
}

// TestNotificationScreens: the bell dialog, the company switch, the devices in the profile and the
// sign-in page's "forgot password", each checked with axe-core, in English and German, on a desk
// and a phone (PARLEY_SCREENSHOTS=1 writes the pictures into docs/screenshots).
func TestNotificationScreens(t *testing.T) {
	s := startParley(t)
	shots := screenshots(t)
	p := openInbox(t, s, "owner", "demo@parley.test", s.password)
	phone := newTab(t, "phone", p)
	phone.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	for _, lang := range []string{"en", "de"} {
		suffix := ""
		if lang != "en" {
			suffix = "-" + lang
			host[chromedp.Void](p, `localStorage.setItem('parley.lang', 'de')`)
			p.do(chromedp.Reload())
			p.waitHost("German", `document.documentElement.lang === 'de' && document.querySelector('nav.side')`)
		}
		for _, view := range []*tab{p, phone} {
			name := suffix
			if view == phone {
				name = "-phone" + suffix
				view.navigate(s.url + "/inbox/#/f/unassigned")
				view.do(chromedp.Reload()) // in the language chosen meanwhile
				view.waitHost("the inbox on a phone", `document.querySelector('.listpane') && document.documentElement.lang === `+jsQuote(lang))
				host[chromedp.Void](view, `document.querySelector('.listpane .pane-head .icon-btn').click()`)
				view.waitHost("the drawer", `document.querySelector('nav.side').getBoundingClientRect().width > 200`)
			}
			host[chromedp.Void](view, `document.querySelector('.side-top .icon-btn').click()`)
			view.waitHost("the bell dialog", `document.querySelector('dialog[open] .notify-table') && document.querySelectorAll('dialog[open] tbody tr').length === 7 && document.querySelector('dialog[open] select.notify-sound')`)
			checkAxe(t, view.ctx, "notification settings"+name)
			if shots != "" {
				view.screenshot(filepath.Join(shots, "inbox-notify"+name+".png"))
			}
			view.do(chromedp.KeyEvent("\x1b"))
			view.waitHost("the dialog closed", `!document.querySelector('dialog[open]')`)
			for _, screen := range []string{"notifications", "profile"} {
				view.goHash("#/admin/" + screen)
				sel := `.adm-switch[role=switch]`
				if screen == "profile" {
					sel = `#adm-devices-h`
				}
				view.waitHost("the "+screen+" screen", `document.querySelector(`+jsQuote(sel)+`)`)
				checkAxe(t, view.ctx, "admin: "+screen+name)
				if shots != "" && (screen == "notifications" || view == phone) {
					if screen == "profile" {
						host[chromedp.Void](view, `document.querySelector('#adm-devices-h').scrollIntoView()`)
					}
					view.screenshot(filepath.Join(shots, "admin-"+screen+name+".png"))
				}
			}
			view.goHash("#/f/unassigned")
		}
	}
	// The company switch turns in-app notifications off for everyone: the bell dialog says so.
	p.goHash("#/admin/notifications")
	p.waitHost("the switch", `document.querySelector('.adm-switch[role=switch][aria-checked=true]')`)
	host[chromedp.Void](p, `document.querySelector('.adm-switch[role=switch]').click()`)
	p.waitHost("switched off", `document.querySelector('.adm-switch[aria-checked=false]')`)
	p.goHash("#/f/unassigned")
	host[chromedp.Void](p, `document.querySelector('.side-top .icon-btn').click()`)
	p.waitHost("the bell dialog says in-app is off", `document.querySelector('dialog[open] .notify-off') && document.querySelector('dialog[open] tbody input[aria-label$="In der App"]').disabled`)

	// Forgot password, from the sign-in page.
	out := newTab(t, "signed-out", nil)
	out.navigate(s.url + "/inbox/")
	out.waitHost("the sign-in form", `document.querySelector('form.card input[type=email]')`)
	out.clickText("form.card button", "Forgot your password?")
	out.waitHost("the reset form", `document.querySelector('form.card h1').textContent === 'Reset your password'`)
	checkAxe(t, out.ctx, "forgot password")
	if shots != "" {
		out.screenshot(filepath.Join(shots, "inbox-forgot-password.png"))
	}
	out.do(chromedp.SendKeys(`form.card input[type=email]`, "nobody@example.com"), chromedp.Click(`form.card button[type=submit]`))
	out.waitHost("the same answer for an unknown address", `document.querySelector('.card [role=status]') && document.querySelector('.card [role=status]').textContent.startsWith('If nobody@example.com has an account')`)
}

// waitAsync waits for a promise expression to give true (asking again every 100 ms).
func waitAsync(p *tab, what, promise string) {
	p.t.Helper()
	deadline := time.Now().Add(waitFor)
	for !host[bool](p, `(async () => { try { return !!(await (`+promise+`)); } catch (e) { return false; } })()`) {
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: no %s within %s", p.name, what, waitFor)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSoundAndCompanySwitch: the sound an agent chose for an event is the one played when the
// event happens; with the company's in-app switch off, a new chat plays its sound but shows no
// in-app notification, and with it on it shows one.
func TestSoundAndCompanySwitch(t *testing.T) {
	s := startParley(t)
	owner := openInbox(t, s, "owner", "demo@parley.test", s.password)
	host[chromedp.Void](owner, `window.__sounds = []; document.addEventListener('parley-sound', (e) => window.__sounds.push(e.detail.name))`)
	host[chromedp.Void](owner, `document.querySelector('.side-top .icon-btn').click()`)
	owner.waitHost("the bell dialog", `document.querySelectorAll('dialog[open] select.notify-sound').length === 5`)
	// The first sound is a new conversation's; the choice is saved on the server.
	host[chromedp.Void](owner, `(() => {
		const sel = document.querySelectorAll('dialog[open] select.notify-sound')[0];
		sel.value = 'knock';
		sel.dispatchEvent(new Event('change', { bubbles: true }));
	})()`)
	owner.waitHost("the chosen sound previewed", `window.__sounds.join() === 'knock'`)
	owner.do(chromedp.KeyEvent("\x1b"))
	owner.waitHost("the dialog closed", `!document.querySelector('dialog[open]')`)
	waitAsync(owner, "the choice saved", `fetch('/api/v1/me/settings').then((r) => r.json()).then((b) => JSON.stringify(b).includes('"new_unassigned":"knock"'))`)
	host[chromedp.Void](owner, `window.__sounds = []`)

	first := newTab(t, "visitor", nil)
	first.navigate(s.url + "/demo")
	first.openWidget()
	first.typeMessage("Do you ship to Ghent?")
	owner.waitHost("the chosen sound played", `window.__sounds.join() === 'knock'`)
	owner.waitHost("the in-app notification", `[...document.querySelectorAll('.toast-note')].some((n) => n.textContent.includes('Do you ship to Ghent?'))`)

	// The company switch off: the sound still plays, no in-app notification shows.
	owner.goHash("#/admin/notifications")
	owner.waitHost("the switch on", `document.querySelector('.adm-switch[role=switch][aria-checked=true]')`)
	host[chromedp.Void](owner, `document.querySelector('.adm-switch[role=switch]').click()`)
	owner.waitHost("switched off", `document.querySelector('.adm-switch[aria-checked=false]')`)
	owner.goHash("#/f/unassigned")
	host[chromedp.Void](owner, `window.__sounds = []; document.querySelectorAll('.toast-x').forEach((b) => b.click())`)
	second := newTab(t, "second visitor", nil)
	second.navigate(s.url + "/demo")
	second.openWidget()
	second.typeMessage("Is there a shop in Utrecht?")
	owner.waitHost("the row", rowWith("Is there a shop in Utrecht?"))
	owner.waitHost("the sound played", `window.__sounds.join() === 'knock'`)
	if host[bool](owner, `[...document.querySelectorAll('.toast-note')].some((n) => n.textContent.includes('Utrecht'))`) {
		t.Fatal("an in-app notification showed with the company's in-app notifications off")
	}
}
