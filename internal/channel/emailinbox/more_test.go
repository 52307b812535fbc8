package emailinbox_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/channel/email"
	"github.com/parleyhq/parley/internal/channel/email/mailtest"
	"github.com/parleyhq/parley/internal/channel/emailinbox"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/mailer"
	"github.com/parleyhq/parley/internal/testenv"
)

// Replies through a real MTA: Postfix takes the inbox's mail over STARTTLS and relays it; when the
// next hop refuses the recipient, Postfix's bounce (a delivery status notification) comes back to
// the listener and fails the reply with the remote server's words.
func TestEmailThroughPostfixAndItsBounce(t *testing.T) {
	dir := t.TempDir()
	cert := mailtest.NewCert(t, dir)
	e := newEnvWith(t, sqliteOnly(t), func(o *emailinbox.Options) { o.RootCAs = cert.Pool })
	pf, err := mailtest.NewPostfix(mailtest.PostfixOptions{RelayHost: e.sink.Addr(), Cert: cert})
	if err != nil {
		testenv.Missing(t, "postfix", mailtest.PostfixHint+" ("+err.Error()+")")
	}
	t.Cleanup(pf.Stop)
	if _, err := e.emails.Update(e.ctx, e.owner, e.inbox.ID, emailinbox.Input{SMTP: &mailer.SMTP{Host: pf.Host, Port: pf.Port, Security: email.SecuritySTARTTLS}}); err != nil {
		t.Fatal(err)
	}
	res, err := e.emails.Test(e.ctx, e.owner, e.inbox.ID)
	if err != nil || !res.SMTP.OK {
		t.Fatalf("test connection against postfix: %+v, %v", res, err)
	}

	e.swaks("anna@example.org", support, firstMail)
	c := e.only(conversation.FolderUnassigned)
	good, err := e.convs.Reply(e.ctx, e.owner, c.ID, conversation.MessageInput{Body: "Relayed by a real MTA."})
	if err != nil {
		t.Fatal(err)
	}
	out := e.sent(func(in *email.Inbound) bool { return strings.Contains(in.Text, "Relayed by a real MTA") })
	if !strings.Contains(strings.Join(out.Header["Received"], " "), "relay.parley.test") || out.InReplyTo != "<first-4711@example.org>" {
		t.Errorf("relayed mail: received %q, in-reply-to %q", out.Header["Received"], out.InReplyTo)
	}
	e.delivery(c.ID, good.ID, conversation.Sent)

	bad, err := e.convs.Reply(e.ctx, e.owner, c.ID, conversation.MessageInput{Body: "This one bounces.", To: []string{"nobody@bounce.test"}})
	if err != nil {
		t.Fatal(err)
	}
	e.delivery(c.ID, bad.ID, conversation.Sent) // Postfix took it
	var bounce mailtest.Received
	e.sink.WaitFor(t, deadline, func(r mailtest.Received) bool {
		if r.From != "" || len(r.To) != 1 || r.To[0] != support {
			return false
		}
		bounce = r
		return true
	})
	if err := e.emails.Deliver(e.ctx, email.Envelope{Recipients: []string{support}}, bounce.Data); err != nil {
		t.Fatal(err)
	}
	d := e.delivery(c.ID, bad.ID, conversation.Failed)
	if !strings.Contains(d.Error, "nobody@bounce.test") || !strings.Contains(d.Error, "5.1.1") {
		t.Errorf("bounce recorded as %q", d.Error)
	}
	if n := len(e.messages(c.ID)); n != 1 {
		t.Errorf("the bounce became a message (%d from the contact), want it on the reply only", n)
	}
}

// An inbox read over IMAP (Dovecot): only mail that arrives after the first connect is taken, IDLE
// brings it in at once, the folder's state is stored, and the mailbox is watched by one node at a
// time — when that node stops, another takes over where it stopped, without repeats.
func TestEmailInboxOverIMAP(t *testing.T) {
	dv := mailtest.StartDovecot(t, mailtest.DovecotOptions{})
	e := newEnv(t, sqliteOnly(t))
	imap := mailer.ReceiveIMAP
	ib, err := e.emails.Create(e.ctx, e.owner, emailinbox.Input{Address: ptr("imap@acme.test"), Receive: &imap,
		SMTP: &mailer.SMTP{Host: "127.0.0.1", Port: e.sink.Port(), Security: email.SecurityNone},
		IMAP: &mailer.IMAP{Host: dv.Host, Port: dv.Port, Security: email.SecurityNone, Username: dv.User, Password: dv.Password}})
	if err != nil {
		t.Fatal(err)
	}
	if ib.IMAP.Password != "" || !ib.IMAP.PasswordSet {
		t.Errorf("the API shows the password: %+v", ib.IMAP)
	}
	res, err := e.emails.Test(e.ctx, e.owner, ib.ID)
	if err != nil || res.IMAP == nil || !res.IMAP.OK {
		t.Fatalf("test connection: %+v, %v", res, err)
	}
	dv.Append(t, "INBOX", []byte("From: old@example.org\r\nTo: imap@acme.test\r\nSubject: Old\r\nMessage-ID: <old@example.org>\r\n\r\nFrom before.\r\n"))

	node := func(name string) (stop func()) {
		o := e.opts
		o.Node = name
		s := emailinbox.New(o)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Watch(ctx); close(done) }()
		var stopped bool
		stop = func() {
			if !stopped {
				stopped = true
				cancel()
				<-done
			}
		}
		t.Cleanup(stop)
		return stop
	}
	stops := map[string]func(){"node-a": node("node-a"), "node-b": node("node-b")}
	var holder string
	eventually(t, "one node holding the mailbox", func() bool {
		err := e.db.Reader().QueryRowContext(e.ctx, "SELECT holder FROM leases WHERE name = $1", fmt.Sprintf("imap:inbox:%d", ib.ID)).Scan(&holder)
		return err == nil
	})
	// The watcher has connected once its starting point is stored.
	eventually(t, "the starting point stored", func() bool {
		var n int
		_ = e.db.Reader().QueryRowContext(e.ctx, "SELECT COUNT(*) FROM imap_states WHERE mailbox = $1", fmt.Sprintf("inbox:%d", ib.ID)).Scan(&n)
		return n == 1
	})

	dv.Append(t, "INBOX", []byte("From: Dora <dora@example.org>\r\nTo: imap@acme.test\r\nSubject: Over IMAP\r\nMessage-ID: <imap-1@example.org>\r\n\r\nHello over IMAP.\r\n"))
	c := e.only(conversation.FolderUnassigned)
	if c.InboxID != ib.ID || c.Subject != "Over IMAP" {
		t.Fatalf("conversation = %+v", c)
	}
	e.waitMessages(c.ID, 1)

	// The holder stops; the other node takes the mailbox over and goes on from the stored state.
	name, _, _ := strings.Cut(holder, "-")
	stops[name+"-"+strings.Split(holder, "-")[1]]()
	eventually(t, "the other node holding the mailbox", func() bool {
		var now string
		err := e.db.Reader().QueryRowContext(e.ctx, "SELECT holder FROM leases WHERE name = $1", fmt.Sprintf("imap:inbox:%d", ib.ID)).Scan(&now)
		return err == nil && now != holder
	})
	dv.Append(t, "INBOX", []byte("From: Dora <dora@example.org>\r\nTo: imap@acme.test\r\nSubject: Re: Over IMAP\r\nMessage-ID: <imap-2@example.org>\r\n"+
		"In-Reply-To: <imap-1@example.org>\r\n\r\nStill here.\r\n"))
	e.waitMessages(c.ID, 2)
	for _, x := range e.conversations(conversation.FolderOpen) {
		for _, m := range e.messages(x.ID) {
			if strings.Contains(m.Body, "From before") {
				t.Error("mail from before the first connect was taken")
			}
		}
	}
	if n := len(e.messages(c.ID)); n != 2 {
		t.Errorf("%d messages, want 2: no repeats after the takeover", n)
	}
}

// A website's visitor who left gets the agent's reply by email after the website's delay, through
// the installation's mail with the conversation's reply address; their answer comes back into the
// same chat. A reply they read in the widget, or while they are on the site, is not emailed. The
// transcript goes out when the chat is closed.
func TestWebsiteFollowUpByEmail(t *testing.T) {
	e := newEnv(t, sqliteOnly(t))
	site := &inbox.Website{Inbox: inbox.Inbox{Name: "Acme Shop", Visibility: inbox.Private, ReopenPolicy: inbox.Final, InstallerID: e.owner.ID, CreatedAt: 1, UpdatedAt: 1},
		PublicKey: inbox.NewKey("pk_", 12), Secret: inbox.NewKey("sk_", 32), AllowedDomains: []string{"shop.acme.test"}, TimeZone: "UTC",
		FollowUp: true, FollowUpSeconds: 0, TranscriptOnClose: true}
	if err := e.db.CreateWebsite(e.ctx, site); err != nil {
		t.Fatal(err)
	}
	v, _, err := e.contacts.Start(e.ctx, site, contact.SessionInput{UserAgent: "test", IP: "192.0.2.7", Locale: "de-AT"})
	if err != nil {
		t.Fatal(err)
	}
	ct, err := e.contacts.ContactOf(e.ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	mail := "lena@example.org"
	if _, err := e.contacts.Save(e.ctx, ct.ID, contact.Patch{Email: &mail}); err != nil {
		t.Fatal(err)
	}
	from := conversation.From{Inbox: &site.Inbox, ContactID: ct.ID, VisitorID: v.ID, Name: "Lena"}
	c, _, err := e.convs.ContactWrites(e.ctx, from, conversation.MessageInput{Body: "Do you ship to Austria?"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.convs.Reply(e.ctx, e.owner, c.ID, conversation.MessageInput{Body: "Yes, we do, in **three** days."})
	if err != nil {
		t.Fatal(err)
	}
	out := e.sent(func(in *email.Inbound) bool { return strings.Contains(in.Text, "three days") })
	if out.From.Address != "hello@acme.test" || out.From.Name != "Olive Owner" || out.To[0].Address != mail {
		t.Errorf("from %+v to %+v", out.From, out.To)
	}
	if out.Subject != "Neue Antwort von Acme Shop" || !strings.Contains(out.Text, "Antworten Sie einfach") {
		t.Errorf("subject %q: want the visitor's language", out.Subject)
	}
	if len(out.ReplyTo) != 1 || !strings.HasSuffix(out.ReplyTo[0].Address, "@"+replyDomain) {
		t.Fatalf("Reply-To = %+v", out.ReplyTo)
	}
	d := e.delivery(c.ID, r.ID, conversation.Sent)
	if d.Via != "email" {
		t.Errorf("delivery = %+v, want via email", d)
	}

	// Lena answers the mail: her answer is in the chat, where the widget shows it.
	answer := "From: Lena <lena@example.org>\nTo: " + out.ReplyTo[0].Address + "\nSubject: Re: " + out.Subject + "\nMessage-ID: <lena-1@example.org>\n" +
		"In-Reply-To: " + out.MessageID + "\n\nGreat, then I will order today.\n\nAm 3. Juni 2025 schrieb Olive Owner <hello@acme.test>:\n> Yes, we do.\n"
	e.swaks(mail, out.ReplyTo[0].Address, answer)
	msgs := e.waitMessages(c.ID, 2)
	if msgs[1].Body != "Great, then I will order today." || msgs[1].Email == nil {
		t.Errorf("the answer = %+v", msgs[1])
	}
	if got, err := e.convs.ContactLatest(e.ctx, from); err != nil || got.ID != c.ID {
		t.Errorf("the visitor's latest conversation is %+v, %v: want the same chat", got, err)
	}

	// Read in the widget before the follow-up runs: no mail.
	before := len(e.sink.Messages())
	e.visitors.set(true) // on the site: the follow-up waits
	r2, err := e.convs.Reply(e.ctx, e.owner, c.ID, conversation.MessageInput{Body: "See you soon."})
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, e, conversation.JobFollowUp, "available") // snoozed while the visitor is there
	if err := e.convs.ContactMarkRead(e.ctx, from, c.ID, r2.Seq); err != nil {
		t.Fatal(err)
	}
	if n := len(e.sink.Messages()); n != before {
		t.Errorf("%d mails sent to a visitor who is on the site", n-before)
	}

	// Closing sends the transcript.
	if _, err := e.convs.Close(e.ctx, e.owner, c.ID); err != nil {
		t.Fatal(err)
	}
	tr := e.sent(func(in *email.Inbound) bool { return strings.HasPrefix(in.Subject, "Ihr Gespräch mit Acme Shop") })
	for _, want := range []string{"Do you ship to Austria?", "three days", "order today", "See you soon."} {
		if !strings.Contains(tr.Text, want) {
			t.Errorf("the transcript lacks %q:\n%s", want, tr.Text)
		}
	}
	if !tr.AutoReply {
		t.Error("a transcript must say no person wrote it (Auto-Submitted)")
	}
}

// waitJob waits until a job of kind is in state.
func waitJob(t *testing.T, e *env, kind, state string) {
	t.Helper()
	eventually(t, kind+" "+state, func() bool {
		var n int
		_ = e.db.Reader().QueryRowContext(e.ctx, "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND state = $2 AND attempt = 0", kind, state).Scan(&n)
		return n > 0
	})
}

// Starting an email conversation: only in an email inbox, with a subject; the mail goes to the
// contact's address.
func TestStartEmailConversation(t *testing.T) {
	e := newEnv(t, sqliteOnly(t))
	ct, err := e.contacts.ByEmail(e.ctx, "Max@Example.org", "Max")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.convs.StartEmail(e.ctx, e.owner, conversation.StartInput{InboxID: e.inbox.ID, ContactID: ct.ID,
		MessageInput: conversation.MessageInput{Body: "Hi"}}); !errs.Is(err, errs.Invalid) {
		t.Errorf("no subject: %v, want invalid", err)
	}
	c, m, err := e.convs.StartEmail(e.ctx, e.owner, conversation.StartInput{InboxID: e.inbox.ID, ContactID: ct.ID,
		MessageInput: conversation.MessageInput{Body: "Your quote is ready.", Subject: "Your quote", Cc: []string{"boss@example.org"}}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Channel != inbox.Email || c.Subject != "Your quote" || c.AssigneeID != e.owner.ID {
		t.Errorf("conversation = %+v", c)
	}
	out := e.sent(func(in *email.Inbound) bool { return in.Subject == "Your quote" })
	if out.To[0].Address != "max@example.org" || len(out.Cc) != 1 || out.InReplyTo != "" {
		t.Errorf("to %+v cc %+v in-reply-to %q", out.To, out.Cc, out.InReplyTo)
	}
	e.delivery(c.ID, m.ID, conversation.Sent)
}

// Parley's sender to Parley's own listener: an inbox relays through the listener itself. The
// listener takes the copy for the inbox's own address and refuses the customer's (not an address of
// Parley's), so the reply counts as sent with the refusal noted; the copy that comes back is Parley's
// own mail, stored once (by its Message-ID), never taken for a reply.
func TestOwnMailThroughOwnListener(t *testing.T) {
	e := newEnv(t, sqliteOnly(t))
	host, port, _ := strings.Cut(e.listener, ":")
	p := 0
	fmt.Sscan(port, &p)
	if _, err := e.emails.Update(e.ctx, e.owner, e.inbox.ID, emailinbox.Input{SMTP: &mailer.SMTP{Host: host, Port: p, Security: email.SecurityNone}}); err != nil {
		t.Fatal(err)
	}
	e.swaks("anna@example.org", support, firstMail)
	c := e.only(conversation.FolderUnassigned)
	r, err := e.convs.Reply(e.ctx, e.owner, c.ID, conversation.MessageInput{Body: "Copying our own address.", Cc: []string{support}})
	if err != nil {
		t.Fatal(err)
	}
	d := e.delivery(c.ID, r.ID, conversation.Sent)
	if !strings.Contains(d.Error, "anna@example.org") {
		t.Errorf("delivery = %+v: want the refused recipient noted", d)
	}
	_, sent, _ := e.convs.ChannelMessage(e.ctx, c.ID, r.ID)
	if sent.ExternalID == "" {
		t.Fatal("the reply has no Message-ID")
	}
	// The copy reached the listener (it accepted the inbox's own address) and changed nothing.
	if n := len(e.messages(c.ID)); n != 1 {
		t.Errorf("%d messages from the contact, want 1: our own mail came back as a reply", n)
	}
	for _, f := range []conversation.Folder{conversation.FolderOpen, conversation.FolderSpam} {
		if n := len(e.conversations(f)); f == conversation.FolderOpen && n != 1 || f == conversation.FolderSpam && n != 0 {
			t.Errorf("%s holds %d conversations", f, n)
		}
	}
}
