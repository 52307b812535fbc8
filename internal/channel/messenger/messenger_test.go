package messenger_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/channel/channeltest"
	"github.com/parleyhq/parley/internal/channel/messenger"
	"github.com/parleyhq/parley/internal/channel/messenger/graphtest"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/secret"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

const (
	pageID    = "1234567890"
	token     = "EAAGtestpagetoken"
	appSecret = "0123456789abcdef0123456789abcdef"
	verify    = "parley-verify-me"
	psid      = "6543210987654321"
)

// Meta documents X-Hub-Signature-256 as "sha256=" and the hex HMAC-SHA256 of the raw body keyed with
// the app secret — the PubSubHubbub form GitHub documents with a worked example, used here as the
// test vector; a signature of another body, another secret or another form is refused.
func TestSignatureVectors(t *testing.T) {
	body := []byte("Hello, World!")
	secret := "It's a Secret to Everybody"
	want := "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got := graphtest.Sign(body, secret); got != want {
		t.Fatalf("graphtest.Sign = %s, want the documented %s", got, want)
	}
	cases := []struct {
		name   string
		body   string
		header string
		secret string
		ok     bool
	}{
		{"documented", "Hello, World!", want, secret, true},
		{"upper-case hex", "Hello, World!", "sha256=" + strings.ToUpper(strings.TrimPrefix(want, "sha256=")), secret, true},
		{"another body", "Hello, World?", want, secret, false},
		{"another secret", "Hello, World!", want, "It's a secret to nobody", false},
		{"sha1 form", "Hello, World!", "sha1=" + strings.TrimPrefix(want, "sha256="), secret, false},
		{"no prefix", "Hello, World!", strings.TrimPrefix(want, "sha256="), secret, false},
		{"not hex", "Hello, World!", "sha256=zz", secret, false},
		{"empty", "Hello, World!", "", secret, false},
		{"no secret", "Hello, World!", want, "", false},
	}
	for _, c := range cases {
		if got := messenger.ValidSignature([]byte(c.body), c.header, c.secret); got != c.ok {
			t.Errorf("%s: valid = %v, want %v", c.name, got, c.ok)
		}
	}
}

type world struct {
	*channeltest.Env
	graph *graphtest.Server
	page  *messenger.Page
}

func newWorld(t *testing.T, db *store.DB, opts ...func(*messenger.Input)) *world {
	t.Helper()
	g := graphtest.Start(t)
	g.AddPage(pageID, "Acme Shoes", token)
	e := channeltest.New(t, db, channeltest.Options{GraphURL: g.URL})
	in := messenger.Input{PageID: channeltest.Ptr(pageID), AccessToken: channeltest.Ptr(token), AppSecret: channeltest.Ptr(appSecret),
		VerifyToken: channeltest.Ptr(verify)}
	for _, o := range opts {
		o(&in)
	}
	p, err := e.Messenger.Create(e.Ctx, e.Owner, in)
	if err != nil {
		t.Fatal(err)
	}
	return &world{Env: e, graph: g, page: p}
}

// deliver posts events as Meta does: escaped, signed with the app secret.
func (w *world) deliver(events ...string) int {
	w.T.Helper()
	body := graphtest.EscapeUnicode(graphtest.Envelope(pageID, time.Now().UnixMilli(), events...))
	status, err := graphtest.Deliver(w.Ctx, w.URL+messenger.HookPath, body, graphtest.Sign(body, appSecret))
	if err != nil {
		w.T.Fatal(err)
	}
	return status
}

func fill(sample string, more ...string) string {
	return graphtest.Fill(sample, append([]string{"<PSID>", psid, "<PAGE_ID>", pageID}, more...)...)
}

func now() string { return fmt.Sprint(time.Now().UnixMilli()) }

func pngImage(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 0x18, G: 0x77, B: 0xf2, A: 0xff})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Meta's handshake: the verify token of a connected Page gets the challenge back as text;
// anything else is 403.
func TestVerificationHandshake(t *testing.T) {
	w := newWorld(t, storetest.SQLite(t))
	get := func(q url.Values) (int, string) {
		resp, err := http.Get(w.URL + messenger.HookPath + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	if status, body := get(url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {verify}, "hub.challenge": {"1158201444"}}); status != 200 || body != "1158201444" {
		t.Fatalf("handshake: %d %q", status, body)
	}
	for _, q := range []url.Values{
		{"hub.mode": {"subscribe"}, "hub.verify_token": {"guess"}, "hub.challenge": {"1"}},
		{"hub.mode": {"unsubscribe"}, "hub.verify_token": {verify}, "hub.challenge": {"1"}},
		{"hub.mode": {"subscribe"}, "hub.challenge": {"1"}},
	} {
		if status, _ := get(q); status != http.StatusForbidden {
			t.Errorf("%v: status %d, want 403", q, status)
		}
	}
}

// The documentation's sample payloads land in Unassigned as one conversation with the Messenger
// channel: a text with a quick reply (the person's name and picture read from the profile API),
// an image, a like, a postback; a replayed delivery stores nothing twice, and one with a wrong
// signature (or none) is refused with 403 and stores nothing.
func TestInboundSamples(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.graph.AddProfile(psid, graphtest.Profile{FirstName: "Peter", LastName: "Chang", Picture: pngImage(t)})
		text := fill(graphtest.SampleQuickReply, "hello, world!", "héllo, wörld 👋 card 4111 1111 1111 1111", "1458692752478", now(),
			"<DEVELOPER_DEFINED_PAYLOAD>", "SIZE_42")
		if status := w.deliver(text); status != 200 {
			t.Fatalf("delivery answered %d", status)
		}
		c := w.Only(conversation.FolderUnassigned)
		if c.Channel != inbox.Messenger || c.InboxID != w.page.ID {
			t.Fatalf("conversation %+v", c)
		}
		msgs := w.WaitSaid(c.ID, conversation.FromVisitor, 1)
		m := msgs[0]
		if m.Body != "héllo, wörld 👋 card •••• •••• •••• 1111" || m.Channel == nil || m.Channel.QuickReply != "SIZE_42" {
			t.Fatalf("message %q %+v", m.Body, m.Channel)
		}
		if m.ExternalID != "mid.1457764197618:41d102a3e1ae206a38" || m.SenderName != "Peter Chang" {
			t.Fatalf("message id %q, sender %q", m.ExternalID, m.SenderName)
		}
		got, _, err := w.Convs.Get(w.Ctx, w.Owner, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ContactName != "Peter Chang" || got.ContactPicture == "" || got.ReplyWindow == nil || !got.ReplyWindow.Open {
			t.Fatalf("conversation as read: name %q picture %q window %+v", got.ContactName, got.ContactPicture, got.ReplyWindow)
		}
		pic, err := w.Convs.ContactPicture(w.Ctx, w.Owner, c.ContactID)
		if err != nil || pic == 0 {
			t.Fatalf("picture %d %v", pic, err)
		}

		// Meta retries: the same delivery, and the same message in another delivery.
		if status := w.deliver(text); status != 200 {
			t.Fatalf("replayed delivery answered %d", status)
		}
		photo := w.graph.AddFile("123_456_n.png", "image/png", pngImage(t))
		attach := fill(graphtest.SampleAttachment, "<image|video|audio|file>", "image", "<ATTACHMENT_URL>", photo, "1518479195308", now())
		like := fill(graphtest.SampleSticker, "<MID>", "m_like1", "<STICKER_ID>", "369239263222822", "<ATTACHMENT_URL>", photo, "1518479195308", now())
		postback := fill(graphtest.SamplePostback, "<TITLE_FOR_THE_CTA>", "Track my order", "<USER_DEFINED_PAYLOAD>", "TRACK_ORDER", "1527459824", now())
		if status := w.deliver(text, attach, like, postback); status != 200 {
			t.Fatalf("second delivery answered %d", status)
		}
		msgs = w.WaitSaid(c.ID, conversation.FromVisitor, 4)
		if len(msgs) != 4 {
			t.Fatalf("%d messages, want 4 (the text once)", len(msgs))
		}
		if msgs[1].Kind != conversation.Attachment || msgs[1].Attachment == nil || msgs[1].Attachment.ContentType != "image/png" {
			t.Fatalf("image: %+v", msgs[1])
		}
		if msgs[2].Body != "👍" || msgs[2].Channel == nil || msgs[2].Channel.Sticker != "like" {
			t.Fatalf("like: %q %+v", msgs[2].Body, msgs[2].Channel)
		}
		if msgs[3].Body != "Track my order" || msgs[3].Channel == nil || msgs[3].Channel.Postback != "TRACK_ORDER" {
			t.Fatalf("postback: %q %+v", msgs[3].Body, msgs[3].Channel)
		}

		// Not Meta: a wrong signature, none, or a body changed after signing.
		forged := graphtest.Envelope(pageID, 1, fill(graphtest.SampleQuickReply, "mid.1457764197618:41d102a3e1ae206a38", "m_forged"))
		for name, sig := range map[string]string{"wrong secret": graphtest.Sign(forged, "not the app secret"), "none": "",
			"another body": graphtest.Sign([]byte("{}"), appSecret)} {
			status, err := graphtest.Deliver(w.Ctx, w.URL+messenger.HookPath, forged, sig)
			if err != nil {
				t.Fatal(err)
			}
			if status != http.StatusForbidden {
				t.Fatalf("%s: status %d, want 403", name, status)
			}
		}
		if n := len(w.Said(c.ID, conversation.FromVisitor)); n != 4 {
			t.Fatalf("%d messages after the forged deliveries", n)
		}
	})
}

// Text Meta sends that cannot be stored as it is — a NUL, a UTF-16 surrogate without its pair — is
// never refused: the message is kept with the NUL removed and the surrogate replaced, and marked
// repaired so the inbox says so, the same on both engines.
func TestRepairedText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		bad := fill(graphtest.SampleQuickReply, "hello, world!", `nul\u0000 here \ud800 there`, "1458692752478", now())
		lone := fill(graphtest.SampleQuickReply, "hello, world!", `lone \udc00 surrogate`, "mid.1457764197618:41d102a3e1ae206a38", "m_lone", "1458692752478", now())
		good := fill(graphtest.SampleQuickReply, "hello, world!", "fine", "mid.1457764197618:41d102a3e1ae206a38", "m_good", "1458692752478", now())
		if status := w.deliver(bad, lone, good); status != 200 {
			t.Fatalf("delivery answered %d", status)
		}
		c := w.Only(conversation.FolderUnassigned)
		want := map[string]struct {
			body     string
			repaired bool
		}{"mid.1457764197618:41d102a3e1ae206a38": {"nul here \uFFFD there", true}, "m_lone": {"lone \uFFFD surrogate", true}, "m_good": {"fine", false}}
		for _, m := range w.WaitSaid(c.ID, conversation.FromVisitor, 3) {
			if wm := want[m.ExternalID]; m.Body != wm.body || m.Repaired != wm.repaired {
				t.Errorf("message %s: %q repaired=%v, want %q repaired=%v", m.ExternalID, m.Body, m.Repaired, wm.body, wm.repaired)
			}
		}
	})
}

// The Page's own messages sent from elsewhere come back as echoes and are shown as the Page's;
// Parley's own replies come back as echoes too and are not stored twice.
func TestEchoes(t *testing.T) {
	w := newWorld(t, storetest.SQLite(t))
	w.deliver(fill(graphtest.SampleQuickReply, "1458692752478", now()))
	c := w.Only(conversation.FolderUnassigned)
	w.WaitSaid(c.ID, conversation.FromVisitor, 1)
	other := fill(graphtest.SampleEcho, "mid.1457764197618:41d102a3e1ae206a38", "m_echo_elsewhere", "hello, world!", "We answered from Meta Business Suite",
		"<DEVELOPER_DEFINED_METADATA_STRING>", "")
	w.deliver(other)
	echoes := w.WaitSaid(c.ID, conversation.FromAgent, 1)
	if echoes[0].Body != "We answered from Meta Business Suite" || echoes[0].SenderName != "Acme Shoes" || echoes[0].SenderID != 0 ||
		echoes[0].Channel == nil || !echoes[0].Channel.Echo {
		t.Fatalf("echo %+v", echoes[0])
	}

	m, err := w.Reply(c.ID, conversation.MessageInput{Body: "Thanks, on its way"})
	if err != nil {
		t.Fatal(err)
	}
	sent := w.graph.WaitSent(t, 1, channeltest.Deadline)
	own := fill(graphtest.SampleEcho, "mid.1457764197618:41d102a3e1ae206a38", sent[0].MessageID, "hello, world!", sent[0].Text,
		"<DEVELOPER_DEFINED_METADATA_STRING>", sent[0].Metadata)
	w.Delivery(c.ID, m.ID, conversation.Sent)
	// The person's next message, in the same delivery after the echo, shows the echo was taken
	// without a second copy.
	w.deliver(own, fill(graphtest.SampleQuickReply, "mid.1457764197618:41d102a3e1ae206a38", "m_after", "1458692752478", now()))
	w.WaitSaid(c.ID, conversation.FromVisitor, 2)
	if n := len(w.Said(c.ID, conversation.FromAgent)); n != 2 {
		t.Fatalf("%d Page messages, want the echo from elsewhere and the reply", n)
	}
}

// An agent's reply goes out through the Send API as a response, with a file uploaded first; its
// delivery and read receipts (by message id and by watermark) move it on, and a late delivery
// receipt does not move a read reply back.
func TestReplyAndReceipts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.deliver(fill(graphtest.SampleQuickReply, "1458692752478", now()))
		c := w.Only(conversation.FolderUnassigned)
		w.WaitSaid(c.ID, conversation.FromVisitor, 1)

		up, err := w.Blobs.Upload(w.Ctx, conversation.UserUploader(w.Owner.ID), 0, "size-chart.png", bytes.NewReader(pngImage(t)))
		if err != nil {
			t.Fatal(err)
		}
		first, err := w.Reply(c.ID, conversation.MessageInput{Body: "**Size 42** is in stock: card 4111-1111-1111-1111", AttachmentID: up.ID})
		if err != nil {
			t.Fatal(err)
		}
		if first.Delivery == nil || first.Delivery.Status != conversation.Queued {
			t.Fatalf("the reply's delivery %+v", first.Delivery)
		}
		sent := w.graph.WaitSent(t, 2, channeltest.Deadline)
		file, text := sent[0], sent[1]
		if file.AttachmentType != "image" || !bytes.Equal(file.FileData, pngImage(t)) || file.Recipient != psid || file.MessagingType != "RESPONSE" {
			t.Fatalf("file %+v", file)
		}
		if text.Text != "Size 42 is in stock: card ••••-••••-••••-1111" || text.Metadata != fmt.Sprintf("parley:%d", first.ID) {
			t.Fatalf("text %q metadata %q", text.Text, text.Metadata)
		}
		w.Delivery(c.ID, first.ID, conversation.Sent)
		_, stored, _ := w.Convs.ChannelMessage(w.Ctx, c.ID, first.ID)
		if stored.ExternalID != file.MessageID {
			t.Fatalf("external id %q, want the file's %q", stored.ExternalID, file.MessageID)
		}

		second, err := w.Reply(c.ID, conversation.MessageInput{Body: "Anything else?"})
		if err != nil {
			t.Fatal(err)
		}
		sent = w.graph.WaitSent(t, 3, channeltest.Deadline)
		w.Delivery(c.ID, second.ID, conversation.Sent)

		// Delivered by id, then read by watermark; a replayed delivery receipt after the read.
		delivered := fill(graphtest.SampleDelivery, "mid.1458668856218:ed81099e15d3f4f233", sent[0].MessageID, "1458668856253", "1")
		w.deliver(delivered)
		w.Delivery(c.ID, first.ID, conversation.Delivered)
		w.deliver(fill(graphtest.SampleRead, "1458668856253", fmt.Sprint(time.Now().Add(time.Second).UnixMilli()), "1458668856463", now()))
		w.Delivery(c.ID, first.ID, conversation.Read)
		w.Delivery(c.ID, second.ID, conversation.Read)
		w.deliver(delivered)
		w.deliver(fill(graphtest.SampleQuickReply, "mid.1457764197618:41d102a3e1ae206a38", "m_sync", "1458692752478", now()))
		w.WaitSaid(c.ID, conversation.FromVisitor, 2)
		if _, m, _ := w.Convs.ChannelMessage(w.Ctx, c.ID, first.ID); m.Delivery.Status != conversation.Read {
			t.Fatalf("after a late delivery receipt: %s", m.Delivery.Status)
		}
	})
}

// Meta's errors: a permanent one (the person cannot be reached) fails the reply at once with
// Meta's words, and the retry button sends it again; a temporary one and a rate limit are tried
// again by themselves.
func TestSendErrors(t *testing.T) {
	w := newWorld(t, storetest.SQLite(t))
	w.deliver(fill(graphtest.SampleQuickReply, "1458692752478", now()))
	c := w.Only(conversation.FolderUnassigned)
	w.WaitSaid(c.ID, conversation.FromVisitor, 1)

	w.graph.FailNext(graphtest.Failure{Code: 551, Subcode: 1545041, Message: "This person isn't available right now."})
	m, err := w.Reply(c.ID, conversation.MessageInput{Body: "Hello?"})
	if err != nil {
		t.Fatal(err)
	}
	d := w.Delivery(c.ID, m.ID, conversation.Failed)
	if !strings.Contains(d.Error, "551/1545041") || !strings.Contains(d.Error, "isn't available") {
		t.Fatalf("error %q", d.Error)
	}
	if len(w.graph.Sent()) != 0 {
		t.Fatal("a failed send was recorded as sent")
	}
	if _, err := w.Convs.RetryDelivery(w.Ctx, w.Owner, c.ID, m.ID); err != nil {
		t.Fatal(err)
	}
	w.Delivery(c.ID, m.ID, conversation.Sent)

	w.graph.FailNext(graphtest.Failure{Status: 500, Code: 2, Message: "An unexpected error has occurred. Please retry your request later."})
	w.graph.FailNext(graphtest.Failure{Code: 613, Message: "Calls to this api have exceeded the rate limit."})
	m2, err := w.Reply(c.ID, conversation.MessageInput{Body: "Still there?"})
	if err != nil {
		t.Fatal(err)
	}
	w.Delivery(c.ID, m2.ID, conversation.Sent)
	if got := w.graph.Sent(); len(got) != 2 || got[1].Text != "Still there?" {
		t.Fatalf("sent %+v", got)
	}
}

// After 24 hours a reply is refused with a clear reason, unless the Page has the human agent tag:
// then it goes out tagged HUMAN_AGENT, for 7 days.
func TestStandardWindow(t *testing.T) {
	old := fmt.Sprint(time.Now().Add(-30 * time.Hour).UnixMilli())
	ancient := fmt.Sprint(time.Now().Add(-8 * 24 * time.Hour).UnixMilli())

	w := newWorld(t, storetest.SQLite(t))
	w.deliver(fill(graphtest.SampleQuickReply, "1458692752478", old))
	c := w.Only(conversation.FolderUnassigned)
	w.WaitSaid(c.ID, conversation.FromVisitor, 1)
	got, _, _ := w.Convs.Get(w.Ctx, w.Owner, c.ID)
	if got.ReplyWindow == nil || got.ReplyWindow.Open || got.ReplyWindow.Tag != "" {
		t.Fatalf("window %+v", got.ReplyWindow)
	}
	_, err := w.Reply(c.ID, conversation.MessageInput{Body: "Sorry for the wait"})
	if code, _ := errs.Public(err); code != "reply_window_closed" {
		t.Fatalf("reply outside the window: %v", err)
	}

	tagged := newWorld(t, storetest.SQLite(t), func(in *messenger.Input) { in.HumanAgent = channeltest.Ptr(true) })
	tagged.deliver(fill(graphtest.SampleQuickReply, "1458692752478", old))
	c = tagged.Only(conversation.FolderUnassigned)
	tagged.WaitSaid(c.ID, conversation.FromVisitor, 1)
	m, err := tagged.Reply(c.ID, conversation.MessageInput{Body: "Sorry for the wait"})
	if err != nil {
		t.Fatal(err)
	}
	sent := tagged.graph.WaitSent(t, 1, channeltest.Deadline)
	if sent[0].MessagingType != "MESSAGE_TAG" || sent[0].Tag != "HUMAN_AGENT" || m.Channel == nil || m.Channel.Tag != "HUMAN_AGENT" {
		t.Fatalf("sent %+v, message %+v", sent[0], m.Channel)
	}

	late := newWorld(t, storetest.SQLite(t), func(in *messenger.Input) { in.HumanAgent = channeltest.Ptr(true) })
	late.deliver(fill(graphtest.SampleQuickReply, "1458692752478", ancient))
	c = late.Only(conversation.FolderUnassigned)
	late.WaitSaid(c.ID, conversation.FromVisitor, 1)
	if _, err := late.Reply(c.ID, conversation.MessageInput{Body: "Sorry for the wait"}); errs.KindOf(err) != errs.Conflict {
		t.Fatalf("reply after 8 days: %v", err)
	}
}

// A person writing after their conversation was deleted starts a new one with only the new
// message; the Page's tokens are sealed at rest, and never shown.
func TestDeleteAndSecrets(t *testing.T) {
	db := storetest.SQLite(t)
	w := newWorld(t, db)
	w.deliver(fill(graphtest.SampleQuickReply, "1458692752478", now()))
	c := w.Only(conversation.FolderUnassigned)
	w.WaitSaid(c.ID, conversation.FromVisitor, 1)
	if err := w.Convs.Delete(w.Ctx, w.Owner, c.ID); err != nil {
		t.Fatal(err)
	}
	w.deliver(fill(graphtest.SampleQuickReply, "mid.1457764197618:41d102a3e1ae206a38", "m_again", "hello, world!", "me again", "1458692752478", now()))
	again := w.Only(conversation.FolderUnassigned)
	if again.ID == c.ID {
		t.Fatal("the deleted conversation came back")
	}
	if msgs := w.WaitSaid(again.ID, conversation.FromVisitor, 1); len(msgs) != 1 || msgs[0].Body != "me again" {
		t.Fatalf("messages %+v", msgs)
	}

	var stored string
	if err := db.Reader().QueryRowContext(w.Ctx, "SELECT access_token || app_secret || verify_token FROM messenger_inboxes").Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, token) || strings.Contains(stored, appSecret) || strings.Contains(stored, verify) || !secret.Sealed(stored[:20]) {
		t.Fatalf("secrets at rest: %q", stored)
	}
	p, err := w.Messenger.Get(w.Ctx, w.Owner, w.page.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !p.AccessTokenSet || !p.AppSecretSet || p.AccessToken != "" || p.WebhookURL != w.Base+messenger.HookPath {
		t.Fatalf("page as shown: %+v", p)
	}
}
