package emailinbox_test

import (
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/channel/email"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

const firstMail = `From: Anna Berger <anna@example.org>
To: Acme Support <support@acme.test>
Subject: Order 4711 arrived broken
Message-ID: <first-4711@example.org>
Date: Tue, 3 Jun 2025 10:00:00 +0000
Content-Type: text/plain; charset=utf-8

Hello, the chair I ordered arrived broken. My card was 4111 1111 1111 1111.

Anna
`

// A customer writes to the support address through Parley's own listener (swaks as the outside
// server); an agent answers by email through the relay, threaded; the customer's reply to the
// reply address comes back into the same conversation, quoted history hidden and kept; a second
// delivery of it is stored once.
func TestEmailConversationRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.swaks("anna@example.org", support, firstMail)

		c := e.only(conversation.FolderUnassigned)
		if c.Channel != inbox.Email || c.InboxID != e.inbox.ID || c.Subject != "Order 4711 arrived broken" {
			t.Fatalf("conversation = %+v", c)
		}
		msgs := e.waitMessages(c.ID, 1)
		m := msgs[0]
		if !strings.Contains(m.Body, "arrived broken") || strings.Contains(m.Body, "4111 1111 1111 1111") {
			t.Errorf("body %q: want the text, card number masked", m.Body)
		}
		if m.ExternalID != "<first-4711@example.org>" || m.Email == nil || m.Email.Subject != "Order 4711 arrived broken" {
			t.Errorf("message = %+v email %+v", m, m.Email)
		}
		if m.Email.SPF != "pass" || m.Email.DMARC != "pass" {
			t.Errorf("auth results not recorded: %+v", m.Email)
		}
		ct, err := db.ContactByID(e.ctx, c.ContactID)
		if err != nil || ct.Email != "anna@example.org" || ct.Name != "Anna Berger" {
			t.Fatalf("contact = %+v, %v", ct, err)
		}

		// The agent answers: the mail goes out through the inbox's relay, threaded.
		reply, err := e.convs.Reply(e.ctx, e.owner, c.ID, conversation.MessageInput{Body: "Sorry to hear that, **Anna**. A new chair is on its way.", ClientID: "r1"})
		if err != nil {
			t.Fatal(err)
		}
		if reply.Delivery == nil || reply.Delivery.Status != conversation.Queued || reply.Email == nil || len(reply.Email.To) != 1 || reply.Email.To[0] != "anna@example.org" {
			t.Fatalf("reply = %+v delivery %+v email %+v", reply, reply.Delivery, reply.Email)
		}
		out := e.sent(func(in *email.Inbound) bool { return strings.Contains(in.Text, "new chair") })
		d := e.delivery(c.ID, reply.ID, conversation.Sent)
		if out.InReplyTo != "<first-4711@example.org>" || len(out.References) != 1 || out.References[0] != "<first-4711@example.org>" {
			t.Errorf("threading: in-reply-to %q references %q", out.InReplyTo, out.References)
		}
		if out.Subject != "Re: Order 4711 arrived broken" || out.From.Address != support || out.From.Name != "Acme Support" {
			t.Errorf("subject %q from %+v", out.Subject, out.From)
		}
		if len(out.ReplyTo) != 1 || !strings.HasPrefix(out.ReplyTo[0].Address, "reply+") || !strings.HasSuffix(out.ReplyTo[0].Address, "@"+replyDomain) {
			t.Errorf("Reply-To = %+v, want the conversation's reply address", out.ReplyTo)
		}
		if !strings.Contains(out.HTML, "<strong>Anna</strong>") || !strings.Contains(out.Text, "Anna.") || strings.Contains(out.Text, "**") {
			t.Errorf("text %q html %q: want both from the same rich text", out.Text, out.HTML)
		}
		if !strings.Contains(out.Text, "Acme support team") || !strings.Contains(out.HTML, "<strong>Acme</strong> support team") {
			t.Errorf("the signature is missing: %q", out.Text)
		}
		_, stored, _ := e.convs.ChannelMessage(e.ctx, c.ID, reply.ID)
		if stored.ExternalID != out.MessageID || d.At == 0 {
			t.Errorf("the reply's Message-ID %q is not stored (%q)", out.MessageID, stored.ExternalID)
		}

		// Anna answers, quoting; her mail program keeps the reply address.
		answer := "From: Anna Berger <anna@example.org>\nTo: " + out.ReplyTo[0].Address + "\nSubject: Re: Order 4711 arrived broken\n" +
			"Message-ID: <answer-1@example.org>\nIn-Reply-To: " + out.MessageID + "\nReferences: <first-4711@example.org> " + out.MessageID +
			"\nContent-Type: text/plain; charset=utf-8\n\nThank you, that was quick!\n\nOn Tue, 3 Jun 2025 at 10:05, Acme Support <support@acme.test> wrote:\n> Sorry to hear that, Anna.\n> A new chair is on its way.\n"
		e.swaks("anna@example.org", out.ReplyTo[0].Address, answer)
		msgs = e.waitMessages(c.ID, 2)
		got := msgs[1]
		if got.Body != "Thank you, that was quick!" {
			t.Errorf("reply body %q: want the quoted history hidden", got.Body)
		}
		if got.Email == nil || !got.Email.Quoted {
			t.Fatalf("the message does not say what was hidden: %+v", got.Email)
		}
		orig, err := e.convs.Original(e.ctx, e.owner, c.ID, got.ID)
		if err != nil || !strings.Contains(orig.Text, "> A new chair is on its way.") {
			t.Errorf("original = %+v, %v: want the whole mail viewable", orig, err)
		}

		// The same mail delivered again is stored once.
		e.swaks("anna@example.org", out.ReplyTo[0].Address, answer)
		if n := len(e.messages(c.ID)); n != 2 {
			t.Errorf("a repeated delivery made %d messages, want 2", n)
		}
		if n := len(e.conversations(conversation.FolderOpen)); n != 1 {
			t.Errorf("%d open conversations, want 1", n)
		}
	})
}

// Without a reply token, a reply threads by In-Reply-To/References — also to a mail an agent sent
// from outside Parley (only the References name a message Parley has) — and by the same sender's
// open conversation with the same subject; replies from a different sender to the same thread never
// merge into it.
func TestEmailThreadingWithoutToken(t *testing.T) {
	e := newEnv(t, sqliteOnly(t))
	e.swaks("anna@example.org", support, firstMail)
	c := e.only(conversation.FolderUnassigned)

	// An agent answered from their own mail program; Anna's reply names that mail and, further
	// back, her own first mail.
	viaOutside := "From: anna@example.org\nTo: support@acme.test\nSubject: AW: Order 4711 arrived broken\nMessage-ID: <answer-outside@example.org>\n" +
		"In-Reply-To: <agent-from-outlook@acme.test>\nReferences: <first-4711@example.org> <agent-from-outlook@acme.test>\n\nStill waiting for the chair.\n"
	e.swaks("anna@example.org", support, viaOutside)
	e.waitMessages(c.ID, 2)

	// A new mail with the same subject, no threading headers: same sender, same thread.
	again := "From: anna@example.org\nTo: support@acme.test\nSubject: RE: Order 4711 arrived broken\nMessage-ID: <again@example.org>\n\nAny news?\n"
	e.swaks("anna@example.org", support, again)
	e.waitMessages(c.ID, 3)

	// Bob, copied on the thread, answers it: his reply is a conversation of its own.
	bob := "From: Bob <bob@example.org>\nTo: support@acme.test\nSubject: Re: Order 4711 arrived broken\nMessage-ID: <bob-1@example.org>\n" +
		"In-Reply-To: <first-4711@example.org>\nReferences: <first-4711@example.org>\n\nI have the same problem.\n"
	e.swaks("bob@example.org", support, bob)
	var list []conversation.Conversation
	eventually(t, "Bob's own conversation", func() bool {
		list = e.conversations(conversation.FolderUnassigned)
		return len(list) == 2
	})
	for _, x := range list {
		if x.ID != c.ID && x.ContactName != "Bob" {
			t.Errorf("the second conversation is %q's, want Bob's", x.ContactName)
		}
	}
	if n := len(e.messages(c.ID)); n != 3 {
		t.Errorf("Anna's conversation has %d messages, want 3 (Bob's must not merge)", n)
	}

	// A different subject from Anna is a new conversation.
	e.swaks("anna@example.org", support, "From: anna@example.org\nTo: support@acme.test\nSubject: Invoice address\nMessage-ID: <inv@example.org>\n\nPlease change it.\n")
	eventually(t, "a third conversation", func() bool { return len(e.conversations(conversation.FolderUnassigned)) == 3 })
}

// Spam (a filter's flag, a DMARC failure) waits in the Spam view, released with one click; an
// auto-reply is recorded in its conversation but does not reopen it; one that answers nothing goes
// to Spam; a malformed mail is kept with its raw copy; mail for nobody here is refused.
func TestEmailSpamAutoRepliesAndMalformed(t *testing.T) {
	e := newEnv(t, sqliteOnly(t))
	e.swaks("anna@example.org", support, firstMail)
	c := e.only(conversation.FolderUnassigned)

	e.swaks("promo@example.org", support, "From: promo@example.org\nTo: support@acme.test\nSubject: Cheap pills\nMessage-ID: <spam-1@example.org>\nX-Spam-Flag: YES\n\nBuy now.\n")
	e.swaks("ceo@spoofed.test", support, "From: CEO <ceo@spoofed.test>\nTo: support@acme.test\nSubject: Wire money\nMessage-ID: <spoof-1@spoofed.test>\n\nUrgent.\n")
	var spam []conversation.Conversation
	eventually(t, "two conversations in Spam", func() bool {
		spam = e.conversations(conversation.FolderSpam)
		return len(spam) == 2
	})
	if n := len(e.conversations(conversation.FolderUnassigned)); n != 1 {
		t.Errorf("Unassigned holds %d conversations: spam must stay out of the folders", n)
	}
	counts, err := e.convs.Counts(e.ctx, e.owner, 0)
	if err != nil || counts.Spam != 2 || counts.Unassigned != 1 {
		t.Errorf("counts = %+v, %v", counts, err)
	}
	var spoofed conversation.Conversation
	for _, x := range spam {
		if m := e.messages(x.ID); len(m) == 1 && m[0].Email != nil && m[0].Email.DMARC == "fail" {
			spoofed = x
			if !strings.Contains(m[0].Email.Spam, "DMARC") {
				t.Errorf("spam reason = %q", m[0].Email.Spam)
			}
		}
	}
	if spoofed.ID == 0 {
		t.Fatal("the DMARC failure was not recorded")
	}
	if _, err := e.convs.Release(e.ctx, e.owner, spoofed.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the released conversation in Unassigned", func() bool { return len(e.conversations(conversation.FolderUnassigned)) == 2 })

	// An out-of-office note answering the agent's mail: recorded in the closed conversation,
	// which stays closed.
	r, err := e.convs.Reply(e.ctx, e.owner, c.ID, conversation.MessageInput{Body: "Could you send a photo?"})
	if err != nil {
		t.Fatal(err)
	}
	out := e.sent(func(in *email.Inbound) bool { return strings.Contains(in.Text, "send a photo") })
	e.delivery(c.ID, r.ID, conversation.Sent)
	if _, err := e.convs.Close(e.ctx, e.owner, c.ID); err != nil {
		t.Fatal(err)
	}
	ooo := "From: anna@example.org\nTo: " + out.ReplyTo[0].Address + "\nSubject: Out of office\nAuto-Submitted: auto-replied\nMessage-ID: <ooo@example.org>\n" +
		"In-Reply-To: " + out.MessageID + "\n\nI am away until Monday.\n"
	e.swaks("anna@example.org", out.ReplyTo[0].Address, ooo)
	msgs := e.waitMessages(c.ID, 2)
	if msgs[1].Email == nil || msgs[1].Email.AutoReply == "" {
		t.Errorf("the auto-reply is not marked: %+v", msgs[1].Email)
	}
	if got, _, _ := e.convs.Get(e.ctx, e.owner, c.ID); got.Status != conversation.Closed {
		t.Error("an auto-reply reopened the conversation")
	}
	// An auto-reply that answers nothing of ours is recorded in Spam.
	e.swaks("bot@example.org", support, "From: bot@example.org\nTo: support@acme.test\nSubject: Your message\nPrecedence: bulk\nMessage-ID: <bulk@example.org>\n\nThanks for writing.\n")
	eventually(t, "the bulk mail in Spam", func() bool { return len(e.conversations(conversation.FolderSpam)) == 2 })

	// A malformed mail: what could be read, and the raw copy as a file.
	broken := "From: carla@example.org\nTo: support@acme.test\nSubject: Broken\nMessage-ID: <broken@example.org>\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/mixed; boundary=\"XX\"\n\n--XX\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!not base64 4111 1111 1111 1111!!!\n"
	e.swaks("carla@example.org", support, broken)
	var bc conversation.Conversation
	eventually(t, "the malformed mail's conversation", func() bool {
		for _, x := range e.conversations(conversation.FolderUnassigned) {
			if x.ContactName == "carla@example.org" {
				bc = x
				return true
			}
		}
		return false
	})
	bm := e.waitMessages(bc.ID, 2)
	if bm[0].Email == nil || bm[0].Email.Malformed == "" {
		t.Errorf("the malformed mail is not marked: %+v", bm[0].Email)
	}
	if bm[1].Kind != conversation.Attachment || bm[1].Attachment == nil || !strings.HasPrefix(bm[1].Attachment.Name, "original-message") {
		t.Fatalf("no raw copy: %+v", bm[1])
	}
	if _, data, err := e.blobs.Open(e.ctx, bm[1].AttachmentID); err != nil || strings.Contains(string(data), "4111 1111 1111 1111") {
		t.Errorf("the raw copy is not masked (%v)", err)
	}

	// Mail for nobody here is refused, so its sender learns of it.
	if out, ok := e.swaksTry("x@example.org", "stranger@elsewhere.test", "From: x@example.org\nSubject: hi\n\nhi\n"); ok {
		t.Errorf("mail to a stranger was accepted:\n%s", out)
	}
	if out, ok := e.swaksTry("x@example.org", "nobody@"+replyDomain, "From: x@example.org\nSubject: hi\nMessage-ID: <x@example.org>\n\nhi\n"); ok {
		t.Errorf("mail answering nothing at the reply domain was accepted:\n%s", out)
	}
}

// Sending failures: a recipient the relay refuses for good fails the reply with the relay's words,
// at once; one refused for now stays queued with the error and is tried again; a failed reply can
// be retried.
func TestEmailSendFailuresAndRetry(t *testing.T) {
	e := newEnv(t, sqliteOnly(t))
	e.swaks("anna@example.org", support, firstMail)
	c := e.only(conversation.FolderUnassigned)

	r, err := e.convs.Reply(e.ctx, e.owner, c.ID, conversation.MessageInput{Body: "To a bad address", To: []string{"nobody@bounce.test"}})
	if err != nil {
		t.Fatal(err)
	}
	d := e.delivery(c.ID, r.ID, conversation.Failed)
	if !strings.Contains(d.Error, "550") || !strings.Contains(d.Error, "no such user here") {
		t.Errorf("failed with %q: want the relay's words", d.Error)
	}
	if _, err := e.convs.RetryDelivery(e.ctx, e.owner, c.ID, r.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the retry to fail again", func() bool {
		n := 0
		for _, x := range e.feed.deliveries() {
			if x.MessageID == r.ID && x.Status == conversation.Failed {
				n++
			}
		}
		return n == 2
	})

	ok, err := e.convs.Reply(e.ctx, e.owner, c.ID, conversation.MessageInput{Body: "To a busy server", To: []string{"anna@later.test"}})
	if err != nil {
		t.Fatal(err)
	}
	e.delivery(c.ID, ok.ID, conversation.Sent)
	var retried bool
	for _, x := range e.feed.deliveries() {
		if x.MessageID == ok.ID && x.Status == conversation.Queued && strings.Contains(x.Error, "451") {
			retried = true
		}
	}
	if !retried {
		t.Error("a temporary refusal was not shown while the reply waited for its retry")
	}
	if _, err := e.convs.RetryDelivery(e.ctx, e.owner, c.ID, ok.ID); !errs.Is(err, errs.Conflict) {
		t.Errorf("retrying a reply that was sent: %v, want a conflict", err)
	}
}
