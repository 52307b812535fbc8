package e2e

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley/internal/channel/email"
	"github.com/parleyhq/parley/internal/channel/email/mailtest"
	"github.com/parleyhq/parley/internal/mailer"
)

const replyDomain = "reply.parley.test"

// startWithMail runs parley with its SMTP listener and the installation's mail going to a sink,
// and returns the sink and the listener's address.
func startWithMail(t *testing.T) (*parleyServer, *mailtest.Sink, string) {
	t.Helper()
	sink := mailtest.StartSink(t, mailtest.SinkOptions{})
	smtpAddr := freeAddr(t)
	s := startParley(t, "--smtp-addr", smtpAddr, "--mail-smtp", fmt.Sprintf("smtp://%s?security=none", sink.Addr()),
		"--mail-from", "Demo Shop <hello@shop.parley.test>", "--mail-reply-domain", replyDomain)
	return s, sink, smtpAddr
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// demoWebsite returns the demo website's id and sets how soon it follows up by email.
func demoWebsite(t *testing.T, a *agent, followUpSeconds int) int64 {
	t.Helper()
	sites := a.must(200, "GET", "/api/v1/websites", nil)["websites"].([]any)
	id := int64(sites[0].(map[string]any)["id"].(float64))
	a.must(200, "PATCH", fmt.Sprintf("/api/v1/websites/%d", id), map[string]any{"follow_up": true, "follow_up_seconds": followUpSeconds})
	return id
}

// A website visitor who left gets the agent's reply by email and answers it by email: the visitor
// leaves an email in the playbook's offline path and closes the page; the agent answers; the mail
// reaches the sink with the conversation's reply address and a Message-ID naming it; the visitor's
// answer, sent to Parley's listener in reply to it, lands in the same conversation, and the visitor
// sees both in the widget when they come back.
func TestVisitorWhoLeftGetsTheReplyByEmail(t *testing.T) {
	s, sink, smtpAddr := startWithMail(t)
	api := login(t, s)
	demoWebsite(t, api, 1)

	v := talkToSomeone(t, s, "visitor")
	v.waitFrame("the offline message", `document.body.textContent.includes(`+jsQuote(offlineText)+`)`)
	captureEmail(v, "ana.berger@example.org")
	var convID int64
	eventually(t, "the conversation in Unassigned", func() bool {
		list := api.must(200, "GET", "/api/v1/conversations?folder=unassigned", nil)["conversations"].([]any)
		if len(list) == 1 {
			convID = int64(list[0].(map[string]any)["id"].(float64))
		}
		return convID != 0
	})
	// The visitor leaves the site.
	v.navigate("about:blank")
	eventually(t, "the visitor off the site", func() bool {
		c := api.must(200, "GET", fmt.Sprintf("/api/v1/conversations/%d", convID), nil)["conversation"].(map[string]any)
		return c["visitor_online"] == false
	})

	// The agent answers later, from the inbox.
	owner := openInbox(t, s, "owner", "demo@parley.test", s.password)
	owner.waitHost("the owner available", `document.querySelector('.toggle').getAttribute('aria-checked') === 'true'`)
	owner.navigate(s.url + "/inbox/#/c/" + strconv.FormatInt(convID, 10))
	owner.waitHost("the conversation", `document.querySelector('.composer .editor[contenteditable=true]')`)
	owner.do(chromedp.SendKeys(`.composer .editor`, "We have the chairs in stock. Shall I reserve 40 for you?"), enter)

	got := sink.WaitFor(t, 30*time.Second, func(r mailtest.Received) bool { return len(r.To) == 1 && r.To[0] == "ana.berger@example.org" })
	out, _ := email.Parse(got.Data)
	if !strings.Contains(out.Text, "Shall I reserve 40") || out.From.Address != "hello@shop.parley.test" {
		t.Fatalf("follow-up: from %+v text %q", out.From, out.Text)
	}
	if len(out.ReplyTo) != 1 || !strings.HasSuffix(out.ReplyTo[0].Address, "@"+replyDomain) {
		t.Fatalf("Reply-To = %+v, want the conversation's reply address", out.ReplyTo)
	}
	token, ok := email.ParseReplyToken(out.ReplyTo[0].Address)
	if mt, ok2 := mailer.TokenOfMessageID(out.MessageID); !ok || !ok2 || mt != token {
		t.Fatalf("the Message-ID %q does not name the conversation of %s", out.MessageID, out.ReplyTo[0].Address)
	}
	if out.AutoReply {
		t.Error("an agent's reply must not look automatic")
	}
	owner.waitHost("the reply marked as sent by email", `[...document.querySelectorAll('.msg-us .delivery')].some((d) => d.textContent.includes('Sent') && d.textContent.includes('by email'))`)

	// Ana answers the mail; her mail program quotes it.
	answer := "From: Ana Berger <ana.berger@example.org>\r\nTo: " + out.ReplyTo[0].Address + "\r\nSubject: Re: " + out.Subject + "\r\n" +
		"Message-ID: <ana-answer@example.org>\r\nIn-Reply-To: " + out.MessageID + "\r\nReferences: " + out.MessageID + "\r\n\r\n" +
		"Yes please, reserve them for Friday.\r\n\r\nOn Tue, 3 Jun 2025 at 10:05, Demo Owner <hello@shop.parley.test> wrote:\r\n> We have the chairs in stock.\r\n"
	host, port, _ := net.SplitHostPort(smtpAddr)
	if tr, ok := mailtest.Swaks(t, "--server", host, "--port", port, "--from", "ana.berger@example.org", "--to", out.ReplyTo[0].Address, "--data", answer); !ok {
		t.Fatalf("the listener refused the answer:\n%s", tr)
	}
	owner.waitHost("the answer in the same conversation", `[...document.querySelectorAll('.msg-them .bubble')].some((b) => b.textContent.includes('reserve them for Friday'))`)
	if n := len(api.must(200, "GET", "/api/v1/conversations?folder=open", nil)["conversations"].([]any)); n != 1 {
		t.Errorf("%d open conversations: the answer must join the chat", n)
	}
	if dir := screenshots(t); dir != "" {
		owner.screenshot(filepath.Join(dir, "inbox-follow-up-by-email.png"))
	}

	// The visitor comes back to the site: the chat shows the reply and their answer by email.
	back := newTab(t, "visitor-back", v)
	back.navigate(s.url + "/demo")
	back.openWidget()
	back.waitFrame("the agent's reply and the answer by email", bubbles("Shall I reserve 40")+` === 1 && `+bubbles("reserve them for Friday")+` === 1`)
	if bubblesQuoted := inFrame[int](back, bubbles("We have the chairs in stock.")); bubblesQuoted != 1 {
		t.Errorf("the quoted history shows in the widget (%d bubbles hold it)", bubblesQuoted)
	}
}

// The inbox's email screens: an email conversation with its envelope, subject, To/Cc/Subject in
// the composer, the delivery under a reply and the hidden quoted text; the Spam view; Settings >
// Email. Screenshots in English and German, on a desktop and a phone, when PARLEY_SCREENSHOTS=1.
func TestEmailScreens(t *testing.T) {
	s, sink, smtpAddr := startWithMail(t)
	api := signIn(t, s)
	ib := api.must(201, "POST", "/api/v1/email-inboxes", map[string]any{"name": "Support", "address": "support@shop.parley.test", "receive": "listener",
		"from_name": "Demo Shop Support", "signature": "Demo Shop · support@shop.parley.test",
		"smtp": map[string]any{"host": "127.0.0.1", "port": portOf(sink.Addr()), "security": "none"}})["email_inbox"].(map[string]any)
	_ = ib
	smtpHost, smtpPort, _ := net.SplitHostPort(smtpAddr)
	send := func(from, raw string) {
		t.Helper()
		if tr, ok := mailtest.Swaks(t, "--server", smtpHost, "--port", smtpPort, "--from", from, "--to", "support@shop.parley.test", "--data", strings.ReplaceAll(raw, "\n", "\r\n")); !ok {
			t.Fatalf("refused:\n%s", tr)
		}
	}
	send("lena@example.org", "From: Lena Vogel <lena@example.org>\nTo: support@shop.parley.test\nSubject: Invoice 2024-118\nMessage-ID: <lena-1@example.org>\n\n"+
		"Hello, could you send the invoice again? The first one had the wrong address.\n\nThanks, Lena\n")
	send("promo@example.org", "From: promo@example.org\nTo: support@shop.parley.test\nSubject: Cheap pills\nMessage-ID: <promo-1@example.org>\nX-Spam-Flag: YES\n\nBuy now.\n")
	var convID int64
	eventually(t, "the mail in Unassigned", func() bool {
		list := api.must(200, "GET", "/api/v1/conversations?folder=unassigned", nil)["conversations"].([]any)
		for _, c := range list {
			if c.(map[string]any)["channel"] == "email" {
				convID = int64(c.(map[string]any)["id"].(float64))
			}
		}
		return convID != 0
	})
	api.must(201, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", convID), map[string]any{"body": "Of course, **here it is**. Sorry for the mix-up.", "client_id": "x1"})
	got := sink.WaitFor(t, 30*time.Second, func(r mailtest.Received) bool { return strings.Contains(string(r.Data), "mix-up") })
	out, _ := email.Parse(got.Data)
	send("lena@example.org", "From: Lena Vogel <lena@example.org>\nTo: "+out.ReplyTo[0].Address+"\nSubject: Re: Invoice 2024-118\nMessage-ID: <lena-2@example.org>\n"+
		"In-Reply-To: "+out.MessageID+"\n\nGot it, thank you!\n\nOn Tue, 3 Jun 2025 at 10:05, Demo Shop Support <support@shop.parley.test> wrote:\n> Of course, here it is.\n> Sorry for the mix-up.\n")

	for _, lang := range []string{"en", "de"} {
		for _, phone := range []bool{false, true} {
			name := "inbox-email-" + lang
			if phone {
				name += "-phone"
			}
			p := openInbox(t, s, name, "demo@parley.test", s.password)
			if phone {
				p.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
			}
			host[chromedp.Void](p, `localStorage.setItem('parley.lang', `+jsQuote(lang)+`)`)
			p.navigate(s.url + "/inbox/?lang=" + lang + "#/c/" + strconv.FormatInt(convID, 10))
			p.waitHost("the email conversation", `document.querySelector('.conv-subject') && document.querySelectorAll('.msg-them').length >= 2 && document.querySelector('.mail-summary')`)
			if !phone {
				host[chromedp.Void](p, `document.querySelector('.mail-summary .link-btn').click()`)
				p.waitHost("To, Cc and Subject", `document.querySelector('.mail-fields')`)
			}
			p.waitHost("the reply sent", `document.querySelector('.msg-us .delivery')`)
			host[chromedp.Void](p, `document.querySelector('.mail-notes .link-btn').click()`)
			p.waitHost("the quoted text shown", `document.querySelector('.mail-original')`)
			checkAxe(t, p.ctx, "the email conversation ("+name+")")
			// docs/email.md shows the English desktop and the German phone.
			docs := (lang == "en") != phone
			if dir := screenshots(t); dir != "" && docs {
				p.screenshot(filepath.Join(dir, name+".png"))
			}
			p.navigate(s.url + "/inbox/#/f/spam")
			p.waitHost("the Spam view", `[...document.querySelectorAll('.row')].length === 1`)
			if dir := screenshots(t); dir != "" && docs && !phone {
				p.screenshot(filepath.Join(dir, "inbox-spam.png"))
			}
			p.navigate(s.url + "/inbox/#/admin/email")
			p.waitHost("Settings > Email", `document.querySelector('.adm-email-inbox') && document.querySelector('.adm-warn')`)
			checkAxe(t, p.ctx, "Settings > Email ("+name+")")
			if dir := screenshots(t); dir != "" && docs && !phone {
				p.screenshot(filepath.Join(dir, "admin-email.png"))
				host[chromedp.Void](p, `document.querySelector('.adm-email-inbox').scrollIntoView()`)
				p.screenshot(filepath.Join(dir, "admin-email-inbox.png"))
			}
			p.navigate(s.url + "/inbox/#/admin/websites")
			p.waitHost("a website's follow-ups", `document.querySelector('form[aria-labelledby^="adm-followup-"]')`)
			checkAxe(t, p.ctx, "Settings > Websites with follow-ups ("+name+")")
			if dir := screenshots(t); dir != "" && docs && !phone {
				host[chromedp.Void](p, `document.querySelector('form[aria-labelledby^="adm-followup-"]').scrollIntoView()`)
				p.screenshot(filepath.Join(dir, "admin-website-follow-up.png"))
			}
		}
	}
}

func portOf(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return n
}
