package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley/internal/channel/messenger"
	"github.com/parleyhq/parley/internal/channel/messenger/graphtest"
	"github.com/parleyhq/parley/internal/channel/whatsapp/twiliotest"
	"github.com/parleyhq/parley/internal/storetest"
)

// Messenger and WhatsApp in the inbox, against fake Graph API and Twilio servers speaking their
// wire formats: an admin connects a Facebook Page on the Messenger & WhatsApp screen; a person's
// Messenger message appears live in Unassigned with the blue icon; the agent answers from the
// composer and the fake Send API receives it. A WhatsApp message appears with the green icon; a
// day later (the server restarted with the contact's last message 25 hours back) the composer
// offers only approved templates, the agent sends one, Twilio receives its Content SID and
// variables, and its status callback shows it delivered. The delete dialog says the history stays
// at Meta.

const (
	e2ePage      = "104857600123456"
	e2eToken     = "EAAGe2epagetoken"
	e2eSecret    = "e2e0123456789abcdef0123456789abc"
	e2eVerify    = "e2e-verify-token"
	e2ePSID      = "7001002003004005"
	e2eAccount   = "ACe2e00000000000000000000000000e2e"
	e2eAuthToken = "e2eauthtoken0000000000000000e2e"
	e2eSender    = "+14155238886"
	e2eCustomer  = "+491701234567"
	e2eTemplate  = "HXe2e00000000000000000000000000e2e"
)

func TestMessengerAndWhatsAppJourney(t *testing.T) {
	graph := graphtest.Start(t)
	graph.AddPage(e2ePage, "Demo Shoes", e2eToken)
	graph.AddProfile(e2ePSID, graphtest.Profile{FirstName: "Mara", LastName: "Kovač", Picture: pngImage(t)})
	tw := twiliotest.Start(t)
	tw.AddAccount(e2eAccount, e2eAuthToken)
	tw.AddContent(twiliotest.Content{SID: e2eTemplate, FriendlyName: "order_update", Language: "en", Body: "Hello {{1}}, your order {{2}} has shipped.",
		Variables: map[string]string{"1": "Ana", "2": "1234"}, Status: "approved"})
	s := startParley(t, "--meta-graph-url", graph.URL, "--twilio-api-url", tw.URL, "--twilio-content-url", tw.URL)
	api := signIn(t, s)
	ctx := context.Background()

	// The admin connects the Page on Settings > Messenger & WhatsApp.
	owner := openInbox(t, s, "owner", "demo@parley.test", s.password)
	owner.navigate(s.url + "/inbox/#/admin/messaging")
	owner.clickText(".adm-head button", "Connect a Page")
	form := `form[aria-labelledby="adm-new-page"] `
	owner.fill(form+".adm-grid .adm-field:nth-child(1) input", e2ePage)
	owner.fill(form+".adm-grid .adm-field:nth-child(3) input", e2eToken)
	owner.fill(form+".adm-grid .adm-field:nth-child(4) input", e2eSecret)
	owner.fill(form+".adm-grid .adm-field:nth-child(5) input", e2eVerify)
	owner.clickText(form+"button[type=submit]", "Connect Page")
	owner.waitHost("the connected Page with its callback URL", `document.querySelector('.adm-channel h3') && document.querySelector('.adm-channel h3').textContent.includes('Demo Shoes') && document.querySelector('.adm-channel .adm-code').textContent.includes('/hooks/messenger')`)
	owner.clickText(".adm-channel .adm-test button", "Test")
	owner.waitHost("the token tested", `document.querySelector('.adm-channel .adm-ok') && document.querySelector('.adm-channel .adm-ok').textContent.includes('Demo Shoes')`)
	checkAxe(t, owner.ctx, "Settings > Messenger & WhatsApp")

	// Meta's handshake, then a person's message, signed as Meta signs it.
	if code, _ := api.call("GET", messenger.HookPath+"?hub.mode=subscribe&hub.verify_token="+e2eVerify+"&hub.challenge=42", nil); code != 200 {
		t.Fatalf("handshake: %d", code)
	}
	body := graphtest.EscapeUnicode(graphtest.Envelope(e2ePage, time.Now().UnixMilli(), graphtest.Fill(graphtest.SampleQuickReply, "<PSID>", e2ePSID,
		"<PAGE_ID>", e2ePage, "1458692752478", fmt.Sprint(time.Now().UnixMilli()), "hello, world!", "Do you have the Aero runners in size 42?",
		"<DEVELOPER_DEFINED_PAYLOAD>", "SIZE_QUESTION")))
	owner.navigate(s.url + "/inbox/#/f/unassigned")
	owner.waitHost("the inbox", `document.querySelector('nav.side') && document.querySelector('.rows')`)
	if code, err := graphtest.Deliver(ctx, s.url+messenger.HookPath, body, graphtest.Sign(body, e2eSecret)); err != nil || code != 200 {
		t.Fatalf("Meta's delivery: %d %v", code, err)
	}
	owner.waitHost("the Messenger conversation live in Unassigned with the blue icon", rowWith("Aero runners")+` && `+rowWith("Aero runners")+`.querySelector('.ch-messenger')`)
	if code, err := graphtest.Deliver(ctx, s.url+messenger.HookPath, body, graphtest.Sign(body, "not the app secret")); err != nil || code != 403 {
		t.Fatalf("a forged delivery: %d %v", code, err)
	}
	host[chromedp.Void](owner, rowWith("Aero runners")+`.querySelector('a').click()`)
	owner.waitHost("the conversation, its window notice and the person's name", `document.querySelector('.window-notice') && document.querySelector('.conv-head').textContent.includes('Mara') && document.querySelector('.composer .editor[contenteditable=true]')`)
	owner.do(chromedp.SendKeys(`.composer .editor`, "Yes, size 42 is in stock."), enter)
	sent := graph.WaitSent(t, 1, 30*time.Second)
	if sent[0].Text != "Yes, size 42 is in stock." || sent[0].Recipient != e2ePSID || sent[0].MessagingType != "RESPONSE" {
		t.Fatalf("the Send API received %+v", sent[0])
	}
	owner.waitHost("the reply sent", `[...document.querySelectorAll('.msg-us .delivery')].some((d) => d.textContent.includes('Sent'))`)
	read := graphtest.Envelope(e2ePage, time.Now().UnixMilli(), graphtest.Fill(graphtest.SampleRead, "<PSID>", e2ePSID, "<PAGE_ID>", e2ePage,
		"1458668856253", fmt.Sprint(time.Now().Add(time.Minute).UnixMilli())))
	if code, _ := graphtest.Deliver(ctx, s.url+messenger.HookPath, read, graphtest.Sign(read, e2eSecret)); code != 200 {
		t.Fatalf("the read receipt: %d", code)
	}
	owner.waitHost("the reply read", `[...document.querySelectorAll('.msg-us .delivery')].some((d) => d.textContent.includes('Read'))`)
	messengerConv := host[string](owner, `location.hash`)

	// The delete dialog says what stays at Meta.
	owner.do(chromedp.Click(`#conv-h`))
	owner.clickText(`[role=menuitem]`, "Delete conversation")
	owner.waitHost("the delete dialog", `document.querySelector('dialog[open]') && document.querySelector('dialog[open]').textContent.includes('Meta')`)
	host[chromedp.Void](owner, `document.querySelector('dialog[open] .btn-cancel').click()`)

	// WhatsApp: a sender connected through the API, a message from a customer.
	n := api.must(201, "POST", "/api/v1/whatsapp-senders", map[string]any{"account_sid": e2eAccount, "auth_token": e2eAuthToken, "sender": e2eSender,
		"name": "Demo Shoes WhatsApp"})["whatsapp_sender"].(map[string]any)
	hook := n["webhook_url"].(string)
	in := twiliotest.Incoming(e2eAccount, twiliotest.NewSID("SM"), e2eCustomer, e2eSender, "Ana Berger", "Has my order 4711 shipped?")
	owner.navigate(s.url + "/inbox/#/f/unassigned")
	if code, err := twiliotest.Post(ctx, hook, e2eAuthToken, in, ""); err != nil || code != 200 {
		t.Fatalf("Twilio's webhook: %d %v", code, err)
	}
	owner.waitHost("the WhatsApp conversation live with the green icon", rowWith("order 4711")+` && `+rowWith("order 4711")+`.querySelector('.ch-whatsapp')`)
	var waConv int64
	for _, c := range api.must(200, "GET", "/api/v1/conversations?folder=unassigned", nil)["conversations"].([]any) {
		if m := c.(map[string]any); m["channel"] == "whatsapp" {
			waConv = int64(m["id"].(float64))
		}
	}

	// A day later.
	s.stop()
	db := storetest.OpenSQLite(t, s.data)
	day := (25 * time.Hour).Milliseconds()
	for _, q := range []string{
		"UPDATE channel_contacts SET last_inbound_at = last_inbound_at - $1",
		"UPDATE messages SET created_at = created_at - $1 WHERE conversation_id = $2",
		"UPDATE conversations SET created_at = created_at - $1, last_message_at = last_message_at - $1, updated_at = updated_at - $1 WHERE id = $2",
	} {
		args := []any{day}
		if strings.Contains(q, "$2") {
			args = append(args, waConv)
		}
		if _, err := db.Writer().ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s.start()
	owner.navigate(s.url + "/inbox/#/c/" + strconv.FormatInt(waConv, 10))
	owner.waitHost("only templates outside the session", `document.querySelector('.window-closed') && document.querySelector('.template-picker select')`)
	if dir := screenshots(t); dir != "" {
		shot := func(p *tab, lang string) {
			p.goHash("#/c/" + strconv.FormatInt(waConv, 10))
			p.waitHost("the template picker", `document.querySelector('.template-picker select')`)
		}
		inboxShots(t, s, dir, owner, "inbox-whatsapp-template", shot)
		owner.navigate(s.url + "/inbox/#/c/" + strconv.FormatInt(waConv, 10))
		owner.waitHost("the template picker", `document.querySelector('.template-picker select')`)
	}
	// After the restart the owner is available again only once their socket is back: until then a
	// reply could not take the conversation and the picker is disabled (typing would go nowhere).
	owner.waitHost("the template picker enabled", `document.querySelector('.template-picker select') && !document.querySelector('.template-picker select').disabled`)
	host[chromedp.Void](owner, `(() => { const s = document.querySelector('.template-picker select'); s.value = `+jsQuote(e2eTemplate)+`; s.dispatchEvent(new Event('change', {bubbles: true})); })()`)
	owner.waitHost("the template's variables", `document.querySelectorAll('.template-picker input').length === 2`)
	owner.fill(`.template-picker .field:nth-of-type(2) input`, "Ana")
	owner.fill(`.template-picker .field:nth-of-type(3) input`, "4711")
	owner.waitHost("the preview", `document.querySelector('.template-preview').textContent.includes('Hello Ana, your order 4711 has shipped.')`)
	checkAxe(t, owner.ctx, "the WhatsApp template picker")
	owner.clickText(`.template-picker button`, "Send template")
	out := tw.WaitSent(t, 1, 30*time.Second)[0]
	if out.ContentSID != e2eTemplate || out.ContentVariables["1"] != "Ana" || out.ContentVariables["2"] != "4711" || out.To != "whatsapp:"+e2eCustomer {
		t.Fatalf("Twilio received %+v", out)
	}
	owner.waitHost("the template in the log", `[...document.querySelectorAll('.msg-us .bubble')].some((b) => b.textContent.includes('your order 4711 has shipped')) && document.querySelector('.channel-notes')`)
	if code, err := tw.Callback(ctx, out, "delivered", ""); err != nil || code != 204 {
		t.Fatalf("status callback: %d %v", code, err)
	}
	owner.waitHost("the template delivered", `[...document.querySelectorAll('.msg-us .delivery')].some((d) => d.textContent.includes('Delivered'))`)

	if dir := screenshots(t); dir != "" {
		inboxShots(t, s, dir, owner, "inbox-messenger", func(p *tab, lang string) {
			p.goHash(messengerConv)
			p.waitHost("the Messenger conversation", `document.querySelector('.window-notice') && document.querySelector('.msg-us .delivery')`)
		})
		inboxShots(t, s, dir, owner, "admin-messaging", func(p *tab, lang string) {
			p.goHash("#/admin/messaging")
			p.waitHost("the Messenger & WhatsApp screen", `document.querySelectorAll('.adm-channel').length === 2`)
		})
		owner.navigate(s.url + "/inbox/#/admin/messaging")
		owner.waitHost("the Messenger & WhatsApp screen", `document.querySelectorAll('.adm-channel').length === 2`)
		host[chromedp.Void](owner, `document.querySelectorAll('.adm-channel')[1].scrollIntoView()`)
		owner.screenshot(filepath.Join(dir, "admin-whatsapp-sender.png"))
	}
	if strings.Contains(s.stderr.String(), "panic") {
		t.Fatalf("parley panicked:\n%s", s.stderr)
	}
}
