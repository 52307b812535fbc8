package e2e

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// screenshots writes the widget's pictures in docs/screenshots when PARLEY_SCREENSHOTS=1.
func screenshots(t *testing.T) string {
	if os.Getenv("PARLEY_SCREENSHOTS") != "1" {
		return ""
	}
	dir := filepath.Join("..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestWidgetConversation: a visitor opens the widget on /demo and writes; an agent answers through
// the API and the visitor sees it. After a reload the history is there; a second tab shows the same
// conversation, with the unread count on its launcher while closed.
func TestWidgetConversation(t *testing.T) {
	s := startParley(t)
	ag := signIn(t, s)
	shots := screenshots(t)

	p := newTab(t, "visitor", nil)
	p.navigate(s.url + "/demo")
	p.waitHost("the launcher", jsLauncher+` && `+jsLauncher+`.getAttribute('aria-label') === 'Open chat'`)
	// Only the hidden live frame is on the page (docs/widget-protocol.md, section 7); the chat frame
	// loads when the visitor opens the chat.
	if n := host[int](p, `document.querySelectorAll('iframe').length + `+jsRoot+`.querySelectorAll('iframe[src*="/frame"]').length`); n != 0 {
		t.Fatalf("the frame loads before the visitor opens the chat (%d frames)", n)
	}
	if shots != "" {
		p.screenshot(filepath.Join(shots, "widget-closed.png"))
	}
	p.clickLauncher()
	p.waitFrame("the greeting", `document.body.textContent.includes('How can we help you?')`)
	// Focus moves into the composer.
	p.waitFrame("focus on the composer", `document.hasFocus() && document.activeElement === document.querySelector('textarea')`)

	p.typeMessage("Hello, do you ship to Vienna?")
	p.waitFrame("the composer emptied", `document.querySelector('textarea').value === ''`)
	convID := ag.waitMessage("Hello, do you ship to Vienna?")
	p.waitFrame("the message, confirmed", bubbles("Hello, do you ship to Vienna?")+` === 1`)
	ag.reply(convID, "Yes, we **do**. Delivery takes 2 days.")
	p.waitFrame("the agent's reply", `[...document.querySelectorAll('.m.them .rich strong')].some((b) => b.textContent === 'do')`)
	p.waitFrame("the joined line", `[...document.querySelectorAll('.sys')].some((l) => l.textContent === 'Demo Owner joined the chat')`)
	p.waitFrame("the agent's name in the header", `document.querySelector('.head h1').textContent === 'Demo Owner'`)
	if shots != "" {
		p.screenshot(filepath.Join(shots, "widget-open.png"))
	}

	// Escape closes the chat and gives the focus back to the launcher.
	p.do(chromedp.KeyEvent("\x1b"))
	p.waitHost("the chat closed", jsLauncher+`.getAttribute('aria-expanded') === 'false' && `+jsRoot+`.activeElement === `+jsLauncher)

	// A reload keeps the conversation.
	p.do(chromedp.Reload())
	p.openWidget()
	p.waitFrame("the history after a reload", bubbles("Hello, do you ship to Vienna?")+` === 1 && `+bubbles("Delivery takes 2 days")+` === 1`)
	// Closed again, so that this tab does not read what comes next.
	p.clickLauncher()
	p.waitHost("the chat closed", jsLauncher+`.getAttribute('aria-expanded') === 'false'`)

	// A second tab: the open conversation connects at once, and counts what is unread.
	p2 := newTab(t, "second-tab", p)
	p2.navigate(s.url + "/demo")
	p2.waitFrame("the frame, loaded for the open conversation", `document.querySelector('.log')`)
	ag.reply(convID, "Anything else?")
	p2.waitHost("the unread badge", jsRoot+`.querySelector('.b').textContent === '1' && !`+jsRoot+`.querySelector('.b').hidden`)
	p2.waitHost("the unread count in the launcher's label", jsLauncher+`.getAttribute('aria-label').includes('1 unread')`)
	if shots != "" {
		p2.screenshot(filepath.Join(shots, "widget-unread.png"))
	}
	p2.waitHost("the page title blinking", `document.title === '(1) New message'`)
	p.waitHost("the unread badge in the first tab too", jsRoot+`.querySelector('.b').textContent === '1'`)
	p2.clickLauncher()
	p2.waitFrame("the same conversation in the second tab", bubbles("Hello, do you ship to Vienna?")+` === 1 && `+bubbles("Anything else?")+` === 1`)
	p2.waitHost("the badge gone and the title back", jsRoot+`.querySelector('.b').hidden && document.title === 'Demo site · Parley'`)
	// The first tab sees the new reply too, and learns it was read in the second.
	p.waitFrame("the new reply in the first tab", bubbles("Anything else?")+` === 1`)
	p.waitHost("the first tab's badge gone", jsRoot+`.querySelector('.b').hidden`)

	if shots != "" {
		phone := newTab(t, "phone", p)
		phone.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		phone.navigate(s.url + "/demo")
		phone.screenshot(filepath.Join(shots, "widget-phone-closed.png"))
		phone.openWidget()
		phone.waitFrame("the conversation on a phone", bubbles("Anything else?")+` === 1`)
		phone.waitHost("the frame full screen", jsRoot+`.querySelector('iframe').getBoundingClientRect().width === 390`)
		phone.screenshot(filepath.Join(shots, "widget-phone.png"))
	}
}

// TestWidgetGerman: a German page gets the widget in German.
func TestWidgetGerman(t *testing.T) {
	s := startParley(t)
	signIn(t, s)
	p := newTab(t, "german", nil)
	p.navigate(s.url + "/demo?lang=de")
	p.waitHost("the German launcher", jsLauncher+`.getAttribute('aria-label') === 'Chat öffnen'`)
	if dir := screenshots(t); dir != "" {
		p.screenshot(filepath.Join(dir, "widget-closed-de.png"))
	}
	p.clickLauncher()
	p.waitFrame("German strings", `document.body.textContent.includes('Hallo!') && document.querySelector('textarea').placeholder === 'Nachricht schreiben…' && document.documentElement.lang === 'de'`)
	p.waitHost("the German close label", jsLauncher+`.getAttribute('aria-label') === 'Chat schließen'`)
	if dir := screenshots(t); dir != "" {
		p.screenshot(filepath.Join(dir, "widget-open-de.png"))
		phone := newTab(t, "phone-de", p)
		phone.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		phone.navigate(s.url + "/demo?lang=de")
		phone.openWidget()
		phone.waitFrame("German strings on a phone", `document.body.textContent.includes('Hallo!')`)
		phone.screenshot(filepath.Join(dir, "widget-phone-de.png"))
	}
	// The site may fix the language.
	host[chromedp.Void](p, `Parley.setLocale('nl')`)
	p.waitHost("the Dutch launcher", jsLauncher+`.getAttribute('aria-label') === 'Chat sluiten'`)
	p.waitFrame("Dutch strings", `document.querySelector('textarea').placeholder === 'Typ een bericht…' && document.documentElement.lang === 'nl'`)
}

// hostPage serves a page with the widget's snippet on addr (another origin than Parley's), with
// extra response headers and a stylesheet that tries hard to break the widget.
func hostPage(t *testing.T, addr, parleyURL, key string, header http.Header) string {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /host.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		fmt.Fprint(w, `* { font-family: serif !important; } div, span { display: none !important; } button { background: red !important; width: 3px !important; height: 3px !important; } iframe { display: none !important; }`)
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>Shop</title><link rel="stylesheet" href="/host.css"></head>
<body><h1>Shop</h1><script src="%s/widget.js" data-website-key="%s" async></script></body></html>`, parleyURL, key)
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// demoKey reads the demo website's key from /demo.
func demoKey(t *testing.T, s *parleyServer) string {
	t.Helper()
	res, err := http.Get(s.url + "/demo")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	page := string(b)
	_, rest, ok := strings.Cut(page, `data-website-key="`)
	key, _, _ := strings.Cut(rest, `"`)
	if !ok || key == "" {
		t.Fatalf("no website key on /demo:\n%s", page)
	}
	return key
}

// TestWidgetStrictHostCSP: a host page with a strict Content-Security-Policy that allows Parley's
// script and frame (and nothing inline), and CSS that would break a widget that is not isolated.
func TestWidgetStrictHostCSP(t *testing.T) {
	s := startParley(t)
	ag := signIn(t, s)
	csp := fmt.Sprintf("default-src 'self'; script-src 'self' %s; frame-src %s; style-src 'self'; img-src 'self'; connect-src 'self'", s.url, s.url)
	site := hostPage(t, "127.0.0.1:0", s.url, demoKey(t, s), http.Header{"Content-Security-Policy": {csp}})
	p := newTab(t, "strict-csp", nil)
	p.navigate(site + "/")
	p.waitHost("a launcher the page's CSS cannot shrink", `(() => { const r = `+jsLauncher+`.getBoundingClientRect(); return r.width === 56 && r.height === 56; })()`)
	p.clickLauncher()
	p.waitHost("the frame shown", `(() => { const r = `+jsRoot+`.querySelector('iframe').getBoundingClientRect(); return r.width === 380 && r.height > 300; })()`)
	p.typeMessage("Hello from a strict page")
	ag.waitMessage("Hello from a strict page")
	p.waitFrame("the message, confirmed", bubbles("Hello from a strict page")+` === 1`)
	if strings.Contains(p.consoleText(), "Content Security Policy") {
		t.Fatalf("CSP violations on the host page:\n%s", p.consoleText())
	}
}

// TestWidgetDomainNotAllowed: on a page whose host is not among the website's allowed domains the
// widget takes itself off the page before anyone clicks; no visitor is created.
func TestWidgetDomainNotAllowed(t *testing.T) {
	s := startParley(t)
	ag := signIn(t, s)
	site := hostPage(t, "127.0.0.2:0", s.url, demoKey(t, s), nil) // the demo allows localhost and 127.0.0.1
	p := newTab(t, "foreign", nil)
	p.expected = "allowed.js"
	p.navigate(site + "/")
	// Nobody has to click: the loader asks first and never shows the launcher.
	p.waitHost("the widget gone", `document.querySelector('parley-widget') === null`)
	if !strings.Contains(p.consoleText(), "not shown on this page") {
		t.Errorf("no explanation in the console:\n%s", p.consoleText())
	}
	list := ag.must(200, "GET", "/api/v1/conversations?folder=open", nil)["conversations"].([]any)
	if len(list) != 0 {
		t.Fatalf("conversations from a foreign page: %v", list)
	}
}

// TestWidgetReconnect: the server stops; the widget says it is reconnecting; a message typed
// meanwhile is delivered once the server is back, exactly once.
func TestWidgetReconnect(t *testing.T) {
	s := startParley(t)
	ag := signIn(t, s)
	p := newTab(t, "visitor", nil)
	p.navigate(s.url + "/demo")
	p.clickLauncher()
	p.typeMessage("First message")
	convID := ag.waitMessage("First message")
	p.waitFrame("the first message, confirmed", bubbles("First message")+` === 1`)

	s.stop()
	p.waitFrame("the reconnecting notice", `document.querySelector('.banner').textContent.includes('Reconnecting')`)
	p.typeMessage("Typed while the server was away")
	p.waitFrame("the message waiting", `[...document.querySelectorAll('.m.pend')].some((m) => m.textContent.includes('Typed while the server was away') && m.textContent.includes('Sending'))`)
	if dir := screenshots(t); dir != "" {
		p.screenshot(filepath.Join(dir, "widget-reconnecting.png"))
	}

	s.start()
	p.waitFrame("the message delivered", bubbles("Typed while the server was away")+` === 1 && !document.querySelector('.m.pend')`)
	p.waitFrame("the notice gone", `document.querySelector('.banner').textContent === ''`)
	if n := ag.count(convID, "Typed while the server was away"); n != 1 {
		t.Fatalf("the message typed while away is stored %d times, want once", n)
	}
	if n := inFrame[int](p, `[...document.querySelectorAll('.bub')].filter((b) => b.textContent.includes('Typed while the server was away')).length`); n != 1 {
		t.Fatalf("the visitor sees the message %d times, want once", n)
	}
}

// tinyPNG is a 2×2 picture.
func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestWidgetChatDetails: typing both ways, page views of a single-page site, a picture with an
// upload, and the rating prompt once the agent closes the chat.
func TestWidgetChatDetails(t *testing.T) {
	s := startParley(t)
	ag := signIn(t, s)
	p := newTab(t, "visitor", nil)
	p.navigate(s.url + "/demo")
	p.clickLauncher()
	p.typeMessage("I have a question")
	convID := ag.waitMessage("I have a question")
	ag.reply(convID, "Sure, go ahead.")
	p.waitFrame("the reply", bubbles("Sure, go ahead.")+` === 1`)

	// The visitor types: the agent sees it, with no text.
	p.do(chromedp.KeyEvent("Where"))
	typing := ag.ws.WaitWithin(socketWait, "the visitor typing", func(e map[string]any) bool { return e["t"] == "typing" && e["from"] == "visitor" && e["on"] == true })
	if _, ok := typing["body"]; ok {
		t.Fatalf("typing carries text: %v", typing)
	}
	// The agent types: the visitor sees who.
	ag.must(204, "POST", fmt.Sprintf("/api/v1/conversations/%d/typing", convID), map[string]bool{"on": true})
	p.waitFrame("the agent typing", `document.querySelector('.typing').textContent === 'Demo Owner is typing…'`)
	ag.must(204, "POST", fmt.Sprintf("/api/v1/conversations/%d/typing", convID), map[string]bool{"on": false})
	p.waitFrame("the typing line gone", `document.querySelector('.typing').textContent === ''`)
	p.do(chromedp.KeyEvent(" is my order?"), enter)
	ag.waitMessage("Where is my order?")

	// A single-page site changes its URL: the page view reaches the contact's history.
	host[chromedp.Void](p, `history.pushState({}, '', '/demo?step=checkout'); document.title = 'Checkout'`)
	contactID := int64(ag.must(200, "GET", fmt.Sprintf("/api/v1/conversations/%d", convID), nil)["conversation"].(map[string]any)["contact_id"].(float64))
	eventually(t, "the page view of /demo?step=checkout", func() bool {
		views, _ := ag.must(200, "GET", fmt.Sprintf("/api/v1/contacts/%d", contactID), nil)["page_views"].([]any)
		for _, v := range views {
			if vm := v.(map[string]any); strings.HasSuffix(vm["url"].(string), "/demo?step=checkout") && vm["title"] == "Checkout" {
				return true
			}
		}
		return false
	})

	// A picture: uploaded from the file input, sent, shown from a blob: URL.
	b64 := base64.StdEncoding.EncodeToString(tinyPNG(t))
	inFrame[chromedp.Void](p, `(() => {
		const bytes = Uint8Array.from(atob('`+b64+`'), (c) => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], 'shoe.png', { type: 'image/png' }));
		const input = document.querySelector('input[type=file]');
		input.files = dt.files;
		input.dispatchEvent(new Event('change', { bubbles: true }));
	})()`)
	ag.ws.WaitWithin(socketWait, "the picture", func(e map[string]any) bool {
		msgs, _ := e["messages"].([]any)
		for _, m := range msgs {
			if mm := m.(map[string]any); mm["kind"] == "attachment" {
				return true
			}
		}
		return false
	})
	p.waitFrame("the picture shown", `[...document.querySelectorAll('.m.me:not(.pend) img.img')].some((i) => i.src.startsWith('blob:') && i.complete && i.naturalWidth === 2)`)

	// The agent closes the chat: the visitor is asked for a rating, in view at the log's end. Its
	// form is the first of the forms chunk's this chat draws, so the chunk loads only now.
	if inFrame[bool](p, `performance.getEntriesByType('resource').some((r) => r.name.includes('/forms.'))`) {
		t.Fatal("the forms chunk loaded before a form was drawn")
	}
	ag.must(200, "POST", fmt.Sprintf("/api/v1/conversations/%d/close", convID), nil)
	p.waitFrame("the closed line and the rating prompt", `[...document.querySelectorAll('.sys')].some((l) => l.textContent === 'The chat was closed') && document.querySelectorAll('.rate .star').length === 5 && `+
		`performance.getEntriesByType('resource').some((r) => r.name.includes('/forms.js')) && `+
		`document.querySelector('.rate').getBoundingClientRect().bottom <= document.querySelector('.log').getBoundingClientRect().bottom`)
	if dir := screenshots(t); dir != "" {
		p.screenshot(filepath.Join(dir, "widget-rating.png"))
	}
	// The score first, then an optional comment sent with it.
	p.clickFrame(`document.querySelectorAll('.rate .star')[4]`)
	p.waitFrame("the comment box", `document.querySelector('.rate .star[aria-pressed="true"]') === document.querySelectorAll('.rate .star')[4] && document.querySelector('#rate-c')`)
	inFrame[chromedp.Void](p, `document.querySelector('#rate-c').focus()`)
	p.do(chromedp.KeyEvent("Quick and kind"))
	p.clickFrame(`document.querySelector('.rate .btn')`)
	p.waitFrame("the thanks", `[...document.querySelectorAll('.sys')].some((l) => l.textContent === 'Thanks for your rating')`)
	eventually(t, "the rating stored", func() bool {
		c := ag.must(200, "GET", fmt.Sprintf("/api/v1/conversations/%d", convID), nil)["conversation"].(map[string]any)
		r, _ := c["rating"].(float64)
		return r == 5
	})
	// The agents' log shows the rating line with its comment.
	msgs, _ := ag.must(200, "GET", fmt.Sprintf("/api/v1/conversations/%d/messages", convID), nil)["messages"].([]any)
	var rated map[string]any
	for _, m := range msgs {
		if ev, _ := m.(map[string]any)["event"].(map[string]any); ev["type"] == "rated" {
			rated = ev
		}
	}
	if rated["rating"] != float64(5) || rated["comment"] != "Quick and kind" {
		t.Fatalf("the rated line %v", rated)
	}
}

// TestWidgetOfflineAndJavaScriptAPI: on a website without a playbook, with nobody available the
// widget asks for an email and still takes messages; the site's JavaScript API opens and closes the chat, reports events, identifies
// the signed-in user and forgets them on logout.
func TestWidgetOfflineAndJavaScriptAPI(t *testing.T) {
	s := startParley(t)
	ag := login(t, s) // not available
	withoutPlaybook(t, ag)
	p := newTab(t, "visitor", nil)
	p.navigate(s.url + "/demo")
	p.waitHost("the API", `window.Parley && window.Parley.version === 1`)
	host[chromedp.Void](p, `window.seen = []; ['open', 'close', 'message'].forEach((n) => Parley.on(n, (d) => seen.push(n + (d && d.text ? ':' + d.text : ''))))`)
	host[chromedp.Void](p, `Parley.open()`)
	p.waitHost("the open event", `seen.includes('open') && `+jsLauncher+`.getAttribute('aria-expanded') === 'true'`)
	p.waitFrame("the offline form", `document.querySelector('form.off') && document.querySelector('.head p').textContent === "We'll get back to you soon"`)
	p.typeMessage("Is anyone there?")
	p.waitFrame("the message stored anyway", bubbles("Is anyone there?")+` === 1`)
	if dir := screenshots(t); dir != "" {
		p.screenshot(filepath.Join(dir, "widget-offline.png"))
	}
	inFrame[chromedp.Void](p, `document.querySelector('#pf-email').focus()`)
	p.do(chromedp.KeyEvent("ana@example.com"))
	inFrame[chromedp.Void](p, `document.querySelector('form.off button').click()`)
	p.waitFrame("the form's thanks", `[...document.querySelectorAll('.sys')].some((l) => l.textContent === "Thanks! We'll reply to ana@example.com.")`)
	list := ag.must(200, "GET", "/api/v1/conversations?folder=unassigned", nil)["conversations"].([]any)
	if len(list) != 1 {
		t.Fatalf("unassigned: %v", list)
	}
	conv := list[0].(map[string]any)
	convID, contactID := int64(conv["id"].(float64)), int64(conv["contact_id"].(float64))
	contactPath := fmt.Sprintf("/api/v1/contacts/%d", contactID)
	if c := ag.must(200, "GET", contactPath, nil)["contact"].(map[string]any); c["email"] != "ana@example.com" {
		t.Fatalf("contact after the offline form: %v", c)
	}

	// An agent comes online and answers: the site hears of it.
	ag.goOnline(s)
	ag.reply(convID, "Hello Ana!")
	p.waitHost("the message event", `seen.includes('message:Hello Ana!')`)

	// The site identifies its signed-in user.
	var siteID float64
	for _, w := range ag.must(200, "GET", "/api/v1/websites", nil)["websites"].([]any) {
		if wm := w.(map[string]any); wm["name"] == "Demo site" {
			siteID = wm["id"].(float64)
		}
	}
	secret := ag.must(200, "GET", fmt.Sprintf("/api/v1/websites/%d/secret", int64(siteID)), nil)["secret"].(string)
	sign := func(id string) string {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(id))
		return hex.EncodeToString(m.Sum(nil))
	}
	host[chromedp.Void](p, `Parley.identify({id: 'user-42', name: 'Ana Berger', email: 'ana@example.com', hash: '`+sign("user-42")+`', attributes: {plan: 'gold'}})`)
	eventually(t, "the identified contact", func() bool {
		c := ag.must(200, "GET", contactPath, nil)["contact"].(map[string]any)
		return c["name"] == "Ana Berger" && c["external_id"] == "user-42"
	})
	p.waitFrame("the conversation kept", bubbles("Hello Ana!")+` === 1`)

	// Logout: reset forgets the visitor; the next chat is a new visitor with nothing of Ana's.
	key := demoKey(t, s)
	oldToken := inFrame[string](p, `localStorage.getItem('parley:`+key+`:token')`)
	host[chromedp.Void](p, `Parley.reset()`)
	p.waitHost("the close event", `seen.includes('close') && `+jsLauncher+`.getAttribute('aria-expanded') === 'false'`)
	p.waitFrame("the token forgotten", `localStorage.getItem('parley:`+key+`:token') === null && !document.querySelector('.m:not(.first) .bub')`)
	p.clickLauncher()
	p.waitFrame("a new visitor", `(localStorage.getItem('parley:`+key+`:token') || '').startsWith('pv_') && document.body.textContent.includes('How can we help you?') && `+bubbles("Hello Ana!")+` === 0`)
	if inFrame[string](p, `localStorage.getItem('parley:`+key+`:token')`) == oldToken {
		t.Fatal("reset kept the visitor token")
	}
}

// TestWidgetPhoneKeepsFocus: on a phone the open chat covers the page, so Tab and Shift+Tab wrap
// around inside it instead of walking into the page behind; Escape closes it.
func TestWidgetPhoneKeepsFocus(t *testing.T) {
	s := startParley(t)
	signIn(t, s)
	p := newTab(t, "phone", nil)
	p.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	p.navigate(s.url + "/demo")
	p.openWidget()
	p.waitHost("the frame full screen", jsRoot+`.querySelector('iframe').getBoundingClientRect().width === 390`)
	inFrame[chromedp.Void](p, `document.querySelector('textarea').focus()`)
	inside := `document.activeElement && document.activeElement.tagName === 'PARLEY-WIDGET' && ` + jsRoot + `.activeElement && ` + jsRoot + `.activeElement.tagName === 'IFRAME'`
	for i := 0; i < 12; i++ {
		p.do(chromedp.KeyEvent("\t"))
		if !host[bool](p, inside) {
			t.Fatalf("Tab %d left the chat: the page's focus is on %s", i+1, host[string](p, `document.activeElement ? document.activeElement.outerHTML.slice(0, 80) : 'nothing'`))
		}
	}
	for i := 0; i < 12; i++ {
		p.do(chromedp.KeyEvent("\t", chromedp.KeyModifiers(chromedp.ModifierShift)))
		if !host[bool](p, inside) {
			t.Fatalf("Shift+Tab %d left the chat", i+1)
		}
	}
	p.do(chromedp.KeyEvent("\x1b"))
	p.waitHost("closed, the focus back on the launcher", jsLauncher+`.getAttribute('aria-expanded') === 'false'`)
}
