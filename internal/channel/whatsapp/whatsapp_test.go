package whatsapp_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/channel/channeltest"
	"github.com/parleyhq/parley/internal/channel/whatsapp"
	"github.com/parleyhq/parley/internal/channel/whatsapp/twiliotest"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/httpapi"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/secret"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// Twilio's documented examples of X-Twilio-Signature: the worked example of its security page (in
// the two versions its documentation has shown) and a real voice request from its Ruby library's
// tests. Both Parley's validator and the fake's signer must agree with them; anything changed is
// refused.
func TestSignatureDocumentedExamples(t *testing.T) {
	example := "https://mycompany.com/myapp.php?foo=1&bar=2"
	vectors := []struct {
		token, url, want string
		form             url.Values
	}{
		{"12345", example, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"},
			"From": {"+12349013030"}, "To": {"+18005551212"}}},
		{"12345", example, "GvWf1cFY/Q7PnoempGyD5oXAezc=", url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675310"}, "Digits": {"1234"},
			"From": {"+14158675310"}, "To": {"+18005551212"}}},
		{"2bd9e9638872de601313dc77410d3b23", "http://twiliotests.heroku.com/validate/voice", "oVb2kXoVy8GEfwBDjR8bk/ZZ6eA=", url.Values{
			"ToState": {"California"}, "CalledState": {"California"}, "Direction": {"inbound"}, "FromState": {"CA"},
			"AccountSid": {"ACba8bc05eacf94afdae398e642c9cc32d"}, "Caller": {"+14153595711"}, "CallerZip": {"94108"}, "CallerCountry": {"US"},
			"From": {"+14153595711"}, "FromCity": {"SAN FRANCISCO"}, "CallerCity": {"SAN FRANCISCO"}, "To": {"+14157669926"}, "FromZip": {"94108"},
			"FromCountry": {"US"}, "ToCity": {""}, "CallStatus": {"ringing"}, "CalledCity": {""}, "CallerState": {"CA"}, "CalledZip": {""},
			"ToZip": {""}, "ToCountry": {"US"}, "CallSid": {"CA136d09cd59a3c0ec8dbff44da5c03f31"}, "CalledCountry": {"US"},
			"Called": {"+14157669926"}, "ApiVersion": {"2010-04-01"}, "ApplicationSid": {"AP44efecad51364e80b133bb7c07eb8204"}}},
	}
	for i, v := range vectors {
		if got := whatsapp.Signature(v.token, v.url, v.form); got != v.want {
			t.Errorf("vector %d: Signature = %s, want %s", i, got, v.want)
		}
		if got := twiliotest.Sign(v.token, v.url, v.form); got != v.want {
			t.Errorf("vector %d: twiliotest.Sign = %s, want %s", i, got, v.want)
		}
		if !whatsapp.ValidSignature(v.token, []string{v.url}, v.form, v.want) {
			t.Errorf("vector %d refused", i)
		}
		changed := url.Values{}
		for k, vals := range v.form {
			changed[k] = vals
		}
		changed.Set("To", "+18005551213")
		for name, c := range map[string]struct {
			token, url string
			form       url.Values
		}{
			"another token": {v.token + "x", v.url, v.form},
			"another url":   {v.token, strings.Replace(v.url, "http", "https", 1) + "x", v.form},
			"another form":  {v.token, v.url, changed},
		} {
			if whatsapp.ValidSignature(c.token, []string{c.url}, c.form, v.want) {
				t.Errorf("vector %d with %s accepted", i, name)
			}
		}
	}
	// A URL told with or without the scheme's port is the same URL.
	if !whatsapp.ValidSignature("12345", []string{"https://mycompany.com:443/myapp.php?foo=1&bar=2"}, vectors[0].form, vectors[0].want) {
		t.Error("the URL with :443 was refused")
	}
}

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "f0e1d2c3b4a5968778695a4b3c2d1e0f"
	sender     = "+14155238886"
	customer   = "+491701234567"
	templateID = "HXb5b62575e6e4ff6129ad7c8efe1f983e"
)

type world struct {
	*channeltest.Env
	twilio *twiliotest.Server
	number *whatsapp.Number
}

func newWorld(t *testing.T, db *store.DB, o channeltest.Options) *world {
	t.Helper()
	tw := twiliotest.Start(t)
	tw.AddAccount(accountSID, authToken)
	tw.AddContent(twiliotest.Content{SID: templateID, FriendlyName: "order_update", Language: "en", Body: "Hello {{1}}, your order {{2}} has shipped.",
		Variables: map[string]string{"1": "Ana", "2": "1234"}, Status: "approved"})
	tw.AddContent(twiliotest.Content{SID: "HX00000000000000000000000000000001", FriendlyName: "promo", Language: "en", Body: "Sale!", Status: "rejected"})
	o.TwilioURL = tw.URL
	e := channeltest.New(t, db, o)
	n, err := e.WhatsApp.Create(e.Ctx, e.Owner, whatsapp.Input{AccountSID: channeltest.Ptr(accountSID), AuthToken: channeltest.Ptr(authToken),
		Sender: channeltest.Ptr(sender)})
	if err != nil {
		t.Fatal(err)
	}
	return &world{Env: e, twilio: tw, number: n}
}

// hook is the URL Twilio calls for incoming messages, as the number's settings show it.
func (w *world) hook() string { return w.number.WebhookURL }

// post sends a webhook to Parley's local address, signed for the URL Twilio was given.
func (w *world) post(signedURL string, form url.Values) int {
	w.T.Helper()
	local := w.URL + strings.TrimPrefix(signedURL, w.Base)
	status, err := twiliotest.Post(w.Ctx, local, authToken, form, twiliotest.Sign(authToken, signedURL, form))
	if err != nil {
		w.T.Fatal(err)
	}
	return status
}

func pngImage(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 3, 3))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// An incoming WhatsApp message, with a photo fetched from Twilio with the account's credentials,
// lands in Unassigned under the WhatsApp channel with its contact (profile name, phone); Twilio's
// retry stores nothing twice; a wrong signature, another account and an unknown inbox are refused
// with 403.
func TestIncoming(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, channeltest.Options{})
		sid := twiliotest.NewSID("SM")
		media := w.twilio.AddMedia(accountSID, sid, "image/png", pngImage(t))
		form := twiliotest.Incoming(accountSID, sid, customer, sender, "Ana Berger", "Hi! My card 4111 1111 1111 1111 was charged twice",
			[2]string{media, "image/png"})
		if status := w.post(w.hook(), form); status != 200 {
			t.Fatalf("status %d", status)
		}
		c := w.Only(conversation.FolderUnassigned)
		if c.Channel != inbox.WhatsApp || c.InboxID != w.number.ID {
			t.Fatalf("conversation %+v", c)
		}
		msgs := w.WaitSaid(c.ID, conversation.FromVisitor, 2)
		if msgs[0].Body != "Hi! My card •••• •••• •••• 1111 was charged twice" || msgs[0].ExternalID != sid {
			t.Fatalf("text %+v", msgs[0])
		}
		if msgs[1].Kind != conversation.Attachment || msgs[1].Attachment == nil || msgs[1].Attachment.ContentType != "image/png" {
			t.Fatalf("photo %+v", msgs[1])
		}
		ct, err := w.DB.ContactByID(w.Ctx, c.ContactID)
		if err != nil {
			t.Fatal(err)
		}
		if ct.Name != "Ana Berger" || ct.Phone != customer {
			t.Fatalf("contact %+v", ct)
		}
		// Twilio retries the webhook.
		if status := w.post(w.hook(), form); status != 200 {
			t.Fatalf("retry status %d", status)
		}
		second := twiliotest.Incoming(accountSID, twiliotest.NewSID("SM"), customer, sender, "Ana Berger", "Hello again")
		w.post(w.hook(), second)
		if msgs := w.WaitSaid(c.ID, conversation.FromVisitor, 3); len(msgs) != 3 {
			t.Fatalf("%d messages, want 3", len(msgs))
		}

		forged := twiliotest.Incoming(accountSID, twiliotest.NewSID("SM"), customer, sender, "Mallory", "forged")
		local := w.URL + strings.TrimPrefix(w.hook(), w.Base)
		for name, sig := range map[string]string{
			"wrong token": twiliotest.Sign("not the token", w.hook(), forged),
			"another URL": twiliotest.Sign(authToken, w.hook()+"x", forged),
			"none":        "-",
		} {
			if sig == "-" {
				sig = ""
			}
			req, _ := http.NewRequest(http.MethodPost, local, strings.NewReader(forged.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if sig != "" {
				req.Header.Set("X-Twilio-Signature", sig)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("%s: status %d", name, resp.StatusCode)
			}
		}
		other := twiliotest.Incoming("AC"+strings.Repeat("f", 32), twiliotest.NewSID("SM"), customer, sender, "Mallory", "another account")
		if status := w.post(w.hook(), other); status != http.StatusForbidden {
			t.Fatalf("another account: %d", status)
		}
		unknown := w.Base + whatsapp.HookPrefix + "999"
		if status := w.post(unknown, forged); status != http.StatusForbidden {
			t.Fatalf("unknown inbox: %d", status)
		}
		if n := len(w.Said(c.ID, conversation.FromVisitor)); n != 3 {
			t.Fatalf("%d messages after the refused webhooks", n)
		}
	})
}

// Behind a proxy Twilio signs the public URL: with --base-url it is the URL checked, and a trusted
// proxy's X-Forwarded-Proto and -Host tell it too.
func TestSignatureBehindProxy(t *testing.T) {
	proxies, err := httpapi.ParseProxies("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, storetest.SQLite(t), channeltest.Options{BaseURL: "https://chat.example.test", Proxies: proxies})
	if !strings.HasPrefix(w.hook(), "https://chat.example.test/hooks/whatsapp/") {
		t.Fatalf("webhook URL %s", w.hook())
	}
	if status := w.post(w.hook(), twiliotest.Incoming(accountSID, twiliotest.NewSID("SM"), customer, sender, "Ana", "through the proxy")); status != 200 {
		t.Fatalf("signed for the base URL: %d", status)
	}
	// Signed for what the proxy says the host was.
	form := twiliotest.Incoming(accountSID, twiliotest.NewSID("SM"), customer, sender, "Ana", "forwarded")
	path := strings.TrimPrefix(w.hook(), w.Base)
	req, _ := http.NewRequest(http.MethodPost, w.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("X-Forwarded-Host", "wa.example.test")
	req.Header.Set("X-Twilio-Signature", twiliotest.Sign(authToken, "https://wa.example.test"+path, form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("signed for the forwarded host: %d", resp.StatusCode)
	}
	c := w.Only(conversation.FolderUnassigned)
	w.WaitSaid(c.ID, conversation.FromVisitor, 2)
}

// A reply goes out through the Messages API from the sender, with a status callback naming it;
// Twilio's callbacks arriving out of order (read before delivered before sent) leave it read; a
// failed one carries Twilio's error code; media go by a signed URL Twilio fetches from Parley.
func TestReplyAndStatusCallbacks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, channeltest.Options{})
		w.post(w.hook(), twiliotest.Incoming(accountSID, twiliotest.NewSID("SM"), customer, sender, "Ana", "Where is my order?"))
		c := w.Only(conversation.FolderUnassigned)
		w.WaitSaid(c.ID, conversation.FromVisitor, 1)

		m, err := w.Reply(c.ID, conversation.MessageInput{Body: "It ships *today*"})
		if err != nil {
			t.Fatal(err)
		}
		sent := w.twilio.WaitSent(t, 1, channeltest.Deadline)[0]
		if sent.To != "whatsapp:"+customer || sent.From != "whatsapp:"+sender || sent.Body != "It ships today" ||
			sent.StatusCallback != fmt.Sprintf("%s/status?message=%d", w.hook(), m.ID) {
			t.Fatalf("sent %+v", sent)
		}
		w.Delivery(c.ID, m.ID, conversation.Sent)
		for _, st := range []string{"read", "delivered", "sent", "queued"} {
			if status, err := w.twilio.Callback(w.Ctx, sent, st, ""); err != nil || status != http.StatusNoContent {
				t.Fatalf("callback %s: %d %v", st, status, err)
			}
		}
		w.Delivery(c.ID, m.ID, conversation.Read)
		// The later callbacks were taken (a newer message's job ran after them) and changed nothing.
		w.post(w.hook(), twiliotest.Incoming(accountSID, twiliotest.NewSID("SM"), customer, sender, "Ana", "thanks"))
		w.WaitSaid(c.ID, conversation.FromVisitor, 2)
		channeltest.Eventually(t, "the callbacks taken", func() bool {
			var n int
			_ = db.Reader().QueryRowContext(w.Ctx, "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND state <> 'completed'", whatsapp.JobStatus).Scan(&n)
			return n == 0
		})
		if _, got, _ := w.Convs.ChannelMessage(w.Ctx, c.ID, m.ID); got.Delivery.Status != conversation.Read || got.ExternalID != sent.SID {
			t.Fatalf("after the late callbacks: %+v %s", got.Delivery, got.ExternalID)
		}

		up, err := w.Blobs.Upload(w.Ctx, conversation.UserUploader(w.Owner.ID), 0, "label.png", bytes.NewReader(pngImage(t)))
		if err != nil {
			t.Fatal(err)
		}
		m2, err := w.Reply(c.ID, conversation.MessageInput{Body: "Your label", AttachmentID: up.ID})
		if err != nil {
			t.Fatal(err)
		}
		sent2 := w.twilio.WaitSent(t, 2, channeltest.Deadline)[1]
		if len(sent2.Media) != 1 || !bytes.Equal(sent2.Media[0], pngImage(t)) {
			t.Fatalf("media as Twilio fetched them: %d files", len(sent2.Media))
		}
		w.twilio.Callback(w.Ctx, sent2, "undelivered", "63016")
		d := w.Delivery(c.ID, m2.ID, conversation.Failed)
		if d.Error != "Twilio error 63016: a free-form message outside the 24-hour window: send an approved template" {
			t.Fatalf("error %q", d.Error)
		}
		// A media URL with a changed signature, or expired, is not served.
		bad := strings.Replace(sent2.MediaURL[0], "/media/", "/media/9", 1)
		if resp, err := http.Get(w.URL + strings.TrimPrefix(bad, w.Base)); err != nil || resp.StatusCode != 404 {
			t.Fatalf("a forged media URL: %v %v", resp, err)
		}
	})
}

// Twilio's errors: a permanent one (an invalid number) fails the reply at once with Twilio's code,
// and the retry button sends it again; a 429 waits as long as Twilio says and then sends.
func TestSendErrors(t *testing.T) {
	w := newWorld(t, storetest.SQLite(t), channeltest.Options{})
	w.post(w.hook(), twiliotest.Incoming(accountSID, twiliotest.NewSID("SM"), customer, sender, "Ana", "Hi"))
	c := w.Only(conversation.FolderUnassigned)
	w.WaitSaid(c.ID, conversation.FromVisitor, 1)

	w.twilio.FailNext(twiliotest.Failure{Code: 21211, Message: "The 'To' number whatsapp:+491701234567 is not a valid phone number."})
	m, err := w.Reply(c.ID, conversation.MessageInput{Body: "Hello"})
	if err != nil {
		t.Fatal(err)
	}
	d := w.Delivery(c.ID, m.ID, conversation.Failed)
	if !strings.HasPrefix(d.Error, "Twilio error 21211: ") {
		t.Fatalf("error %q", d.Error)
	}
	if _, err := w.Convs.RetryDelivery(w.Ctx, w.Owner, c.ID, m.ID); err != nil {
		t.Fatal(err)
	}
	w.Delivery(c.ID, m.ID, conversation.Sent)

	w.twilio.FailNext(twiliotest.Failure{Status: 429, Code: 20429, Message: "Too Many Requests", RetryAfter: 1})
	w.twilio.FailNext(twiliotest.Failure{Status: 503, Code: 20500, Message: "Service Unavailable"})
	m2, err := w.Reply(c.ID, conversation.MessageInput{Body: "Again"})
	if err != nil {
		t.Fatal(err)
	}
	w.Delivery(c.ID, m2.ID, conversation.Sent)
}

// Outside the 24-hour session a free-form reply is refused, and an approved template (chosen from
// the account's list, which leaves out the rejected one) goes out as its Content SID with the
// variables.
func TestTemplateOutsideSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, channeltest.Options{})
		w.post(w.hook(), twiliotest.Incoming(accountSID, twiliotest.NewSID("SM"), customer, sender, "Ana", "Hi"))
		c := w.Only(conversation.FolderUnassigned)
		w.WaitSaid(c.ID, conversation.FromVisitor, 1)
		if _, err := db.Writer().ExecContext(w.Ctx, "UPDATE channel_contacts SET last_inbound_at = $1", time.Now().Add(-25*time.Hour).UnixMilli()); err != nil {
			t.Fatal(err)
		}
		got, _, _ := w.Convs.Get(w.Ctx, w.Owner, c.ID)
		if got.ReplyWindow == nil || got.ReplyWindow.Open || !got.ReplyWindow.TemplatesOnly {
			t.Fatalf("window %+v", got.ReplyWindow)
		}
		_, err := w.Reply(c.ID, conversation.MessageInput{Body: "Sorry for the wait"})
		if code, _ := errs.Public(err); code != "template_required" {
			t.Fatalf("free text outside the session: %v", err)
		}
		list, err := w.WhatsApp.Templates(w.Ctx, w.Owner, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].SID != templateID || list[0].Body != "Hello {{1}}, your order {{2}} has shipped." {
			t.Fatalf("templates %+v", list)
		}
		m, err := w.Reply(c.ID, conversation.MessageInput{Body: "Hello Ana, your order 4711 has shipped.",
			Template: &conversation.Template{SID: templateID, Name: "order_update", Variables: map[string]string{"1": "Ana", "2": "4711"}}})
		if err != nil {
			t.Fatal(err)
		}
		sent := w.twilio.WaitSent(t, 1, channeltest.Deadline)[0]
		vars, _ := json.Marshal(sent.ContentVariables)
		if sent.ContentSID != templateID || string(vars) != `{"1":"Ana","2":"4711"}` || sent.Body != "" {
			t.Fatalf("sent %+v", sent)
		}
		w.Delivery(c.ID, m.ID, conversation.Sent)
		_, stored, _ := w.Convs.ChannelMessage(w.Ctx, c.ID, m.ID)
		if stored.Channel == nil || stored.Channel.Template == nil || stored.Channel.Template.SID != templateID {
			t.Fatalf("stored %+v", stored.Channel)
		}
		for _, bad := range []*conversation.Template{{SID: "HX123"}, {SID: templateID, Variables: map[string]string{"1": ""}}} {
			if _, err := w.Reply(c.ID, conversation.MessageInput{Body: "x", Template: bad}); errs.KindOf(err) != errs.Invalid {
				t.Fatalf("template %+v: %v", bad, err)
			}
		}
	})
}

// The sender's auth token and API key secret are sealed at rest and never shown; settings are
// for admins only.
func TestSettings(t *testing.T) {
	db := storetest.SQLite(t)
	w := newWorld(t, db, channeltest.Options{})
	var stored string
	if err := db.Reader().QueryRowContext(w.Ctx, "SELECT auth_token FROM whatsapp_inboxes").Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, authToken) || !secret.Sealed(stored) {
		t.Fatalf("auth token at rest %q", stored)
	}
	n, err := w.WhatsApp.Get(w.Ctx, w.Owner, w.number.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !n.AuthTokenSet || n.AuthToken != "" || n.Sender != sender {
		t.Fatalf("shown %+v", n)
	}
	res, err := w.WhatsApp.Test(w.Ctx, w.Owner, w.number.ID)
	if err != nil || !res.OK || res.Templates != 1 {
		t.Fatalf("test %+v %v", res, err)
	}
	for _, in := range []whatsapp.Input{
		{AccountSID: channeltest.Ptr("AC123")},
		{Sender: channeltest.Ptr("0170 1234")},
		{APIKeySID: channeltest.Ptr("SK" + strings.Repeat("a", 32))},
	} {
		if _, err := w.WhatsApp.Update(w.Ctx, w.Owner, w.number.ID, in); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("update %+v: %v", in, err)
		}
	}
}
