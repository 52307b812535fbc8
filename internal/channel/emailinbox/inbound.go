package emailinbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/channel"
	"github.com/parleyhq/parley/internal/channel/email"
	"github.com/parleyhq/parley/internal/channel/email/reply"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/mailer"
	"github.com/parleyhq/parley/internal/mask"
	"github.com/parleyhq/parley/internal/richtext"
)

// subjectWindow is how far back a mail without a reply token or known threading headers looks for
// the same sender's open conversation with the same subject.
const subjectWindow = 30 * 24 * time.Hour

// maxRawCopy bounds the raw copy of a malformed mail kept as an attachment (the blob store's file
// limit); what is longer is cut, and the note says so.
const maxRawCopy = 10 << 20

// Deliver takes a mail the SMTP listener received (email.Deliverer). A mail that belongs to no
// inbox and names no conversation is refused (the sender gets a bounce); a failure to store it is
// temporary (the sending server tries again).
func (s *Service) Deliver(ctx context.Context, env email.Envelope, raw []byte) error {
	return s.take(ctx, nil, raw, env.Recipients)
}

// Accepts tells the SMTP listener which recipients are Parley's: any address at the installation's
// reply domain (reply+TOKEN addresses, and the addresses support mail is forwarded to) and every
// email inbox's address.
func (s *Service) Accepts(address string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	address = strings.ToLower(strings.TrimSpace(address))
	if d := s.installationReplyDomain(ctx); d != "" && strings.HasSuffix(address, "@"+d) {
		return true
	}
	list, err := s.o.Repo.ListEmailInboxes(ctx)
	if err != nil {
		s.log.Warn("smtp listener: read email inboxes", "err", err)
		return true // refusing would bounce mail for good; what belongs nowhere is refused after DATA
	}
	for _, ib := range list {
		if ib.Address == address {
			return true
		}
	}
	return false
}

// installationReplyDomain is the installation's reply domain when Parley receives its mail.
func (s *Service) installationReplyDomain(ctx context.Context) string {
	if s.o.Mail == nil {
		return ""
	}
	st, err := s.o.Mail.Settings(ctx)
	if err != nil || st.Receive == mailer.ReceiveNone {
		return ""
	}
	return st.ReplyDomain
}

// errNowhere refuses a mail that belongs to no inbox and names no conversation.
var errNowhere = errs.Coded(errs.NotFound, "mail_nowhere", "the mail is for no inbox here and answers no conversation")

// take stores one received mail: into the conversation it answers (by reply token, then its
// threading headers, then — same sender only — an open conversation with its subject), or a new one
// in ib, or in the email inbox its recipients name when ib is nil (the listener, the installation's
// mailbox).
func (s *Service) take(ctx context.Context, ib *EmailInbox, raw []byte, rcpts []string) error {
	in, _ := email.Parse(raw) // never fails: a malformed mail is read as far as it goes
	if in.Bounce != nil && s.bounced(ctx, in) {
		return nil
	}
	recipients := append(append([]string{}, rcpts...), in.DeliveredTo...)
	for _, list := range [][]email.Address{in.To, in.Cc} {
		for _, a := range list {
			recipients = append(recipients, a.Address)
		}
	}
	if ib == nil {
		var err error
		if ib, err = s.inboxFor(ctx, recipients); err != nil {
			return err
		}
	}
	target, err := s.match(ctx, in, recipients)
	if err != nil {
		return err
	}
	if target == nil && ib == nil {
		return errNowhere
	}

	sender := channel.Identity{Email: in.From.Address, Name: in.From.Name}
	var store *inbox.Inbox // the inbox the mail is stored under (duplicates are told apart per inbox)
	if ib != nil {
		store = &ib.Inbox
	}
	if target != nil && (ib == nil || target.InboxID != ib.ID) {
		// A reply into a conversation of another inbox: a website chat's follow-up.
		if store, err = s.inboxOf(ctx, target.InboxID); err != nil {
			return err
		}
	}
	ext := in.MessageID
	if ext == "" {
		ext = syntheticID(in)
	}
	if dup, err := s.o.Receiver.Duplicate(ctx, store.ID, ext); err != nil || dup != nil {
		return err
	}
	ct, err := s.o.Receiver.Contact(ctx, sender)
	if err != nil {
		return err
	}
	if target != nil {
		// Replies from different people to one mailing never merge: each sender is a
		// conversation of their own.
		owner, err := s.o.Repo.ContactByID(ctx, target.ContactID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		if owner == nil || !sameAddress(owner.Email, ct.Email) {
			target = nil
			if ib != nil {
				store = &ib.Inbox
			}
		}
	}

	spam := spamReason(in)
	autoReply := in.AutoReplyReason
	if in.AutoReply && autoReply == "" {
		autoReply = "auto-reply"
	}
	if s.isOwnMail(ctx, in) && autoReply == "" {
		autoReply = "a copy of Parley's own mail"
	}
	if target == nil && spam == "" && autoReply == "" && ib != nil && in.ThreadSubject != "" {
		since := s.o.Now().Add(-subjectWindow).UnixMilli()
		list, err := s.o.Repo.RecentOpen(ctx, ib.ID, ct.ID, since)
		if err != nil {
			return err
		}
		for i := range list {
			if strings.EqualFold(email.NormalizeSubject(list[i].Subject), in.ThreadSubject) {
				target = &list[i]
				break
			}
		}
	}

	msg := channel.Inbound{Inbox: store, From: sender, ContactID: ct.ID, ExternalID: ext, Subject: in.ThreadSubject, Repaired: in.Repaired}
	switch {
	case spam != "":
		// Spam never joins a conversation: it waits in the Spam view on its own.
		msg.New, msg.Spam = true, true
	case target != nil:
		msg.ConversationID, msg.AutoReply = target.ID, autoReply != ""
	case autoReply != "":
		// No person wrote it and it answers nothing of ours: recorded in the Spam view, where
		// nobody is notified.
		msg.New, msg.Spam, msg.AutoReply = true, true, true
	default:
		msg.New = true
	}
	fillBody(&msg, in, raw)
	msg.Email.SPF, msg.Email.DKIM, msg.Email.DMARC = in.Auth.SPF, in.Auth.DKIM, in.Auth.DMARC
	msg.Email.Spam, msg.Email.AutoReply = spam, autoReply
	_, _, err = s.o.Receiver.Receive(ctx, msg)
	return err
}

// fillBody sets what the contact wrote (the reply, without the quoted history and signature) as
// text and sanitised HTML, what was hidden as the viewable original, the files, and the mail side.
func fillBody(msg *channel.Inbound, in *email.Inbound, raw []byte) {
	var res reply.Result
	if in.Malformed {
		res = reply.Split(in.Text)
	} else if r, err := reply.SplitMessage(raw); err == nil {
		res = r
	} else {
		res = reply.Split(in.Text)
	}
	if strings.TrimSpace(res.Visible) == "" && in.HTML != "" && strings.TrimSpace(in.Text) == "" {
		res = reply.SplitHTML(in.HTML)
	}
	msg.Text = res.Visible
	if in.HTML != "" {
		msg.HTML = richtext.SanitizeEmail(reply.SplitHTML(in.HTML).VisibleHTML)
	}
	meta := &conversation.EmailMeta{Subject: in.Subject, From: in.From.String()}
	for _, a := range in.To {
		meta.To = append(meta.To, a.Address)
	}
	for _, a := range in.Cc {
		meta.Cc = append(meta.Cc, a.Address)
	}
	if strings.TrimSpace(res.Quoted) != "" {
		meta.Quoted = true
		msg.Original = &conversation.Original{Text: in.Text, HTML: richtext.SanitizeEmail(in.HTML)}
	}
	for _, p := range in.Parts {
		msg.Attachments = append(msg.Attachments, channel.Attachment{Name: p.Name, ContentType: p.ContentType, Data: p.Data, Inline: p.Inline,
			ContentID: p.ContentID})
	}
	if in.Malformed {
		meta.Malformed = in.MalformedReason
		copyRaw := raw
		if len(copyRaw) > maxRawCopy {
			copyRaw = copyRaw[:maxRawCopy]
			meta.Malformed += fmt.Sprintf(" (the copy kept is the first %d MB)", maxRawCopy>>20)
		}
		// Kept as text: cleaned and masked like everything stored (channel.Receive masks names;
		// the copy's text is masked here, its encoded parts are not readable as digits anyway).
		text, _ := channel.Clean(string(copyRaw))
		msg.Attachments = append(msg.Attachments, channel.Attachment{Name: "original-message.txt", ContentType: "text/plain",
			Data: []byte(maskString(text))})
	}
	msg.Email = meta
}

// spamReason says why a mail is spam: a filter on the way flagged it, or its From domain failed
// DMARC (someone else sent it in that domain's name). "" when neither.
func spamReason(in *email.Inbound) string {
	switch {
	case in.Spam:
		return "flagged as spam by a filter on the way (X-Spam-Flag)"
	case in.Auth.DMARC == "fail":
		return "DMARC failed: the sender's domain does not vouch for it"
	}
	return ""
}

// match finds the conversation a mail answers: by a reply token among its recipients, then by its
// In-Reply-To and References (a Message-ID of ours carries the token; any other is looked up among
// the messages Parley stored, newest reference first). nil when it answers none.
func (s *Service) match(ctx context.Context, in *email.Inbound, recipients []string) (*conversation.Conversation, error) {
	if token, ok := email.FindReplyToken(recipients...); ok {
		c, err := s.o.Repo.ConversationByReplyToken(ctx, token)
		if err == nil || !errs.Is(err, errs.NotFound) {
			return c, err
		}
	}
	refs := []string{}
	if in.InReplyTo != "" {
		refs = append(refs, in.InReplyTo)
	}
	for i := len(in.References) - 1; i >= 0; i-- {
		refs = append(refs, in.References[i])
	}
	for _, id := range refs {
		if token, ok := mailer.TokenOfMessageID(id); ok {
			c, err := s.o.Repo.ConversationByReplyToken(ctx, token)
			if err == nil {
				return c, nil
			}
			if !errs.Is(err, errs.NotFound) {
				return nil, err
			}
		}
		ms, err := s.o.Repo.MessagesByExternalID(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			c, _, err := s.o.Convs.ChannelMessage(ctx, m.ConversationID, m.ID)
			if err == nil {
				return c, nil
			}
			if !errs.Is(err, errs.NotFound) {
				return nil, err
			}
		}
	}
	return nil, nil
}

// bounced records a delivery status notification on the message that bounced and reports whether
// it found it. A delay warning changes nothing.
func (s *Service) bounced(ctx context.Context, in *email.Inbound) bool {
	b := in.Bounce
	if b.OriginalMessageID == "" {
		return false
	}
	ms, err := s.o.Repo.MessagesByExternalID(ctx, b.OriginalMessageID)
	if err != nil || len(ms) == 0 {
		return false
	}
	if !b.Failed() {
		return true
	}
	var why []string
	for _, r := range b.Recipients {
		if strings.EqualFold(r.Action, "failed") {
			w := r.Address
			if r.Status != "" {
				w += " " + r.Status
			}
			if r.Diagnostic != "" {
				w += ": " + r.Diagnostic
			}
			why = append(why, w)
		}
	}
	for _, m := range ms {
		err := s.o.Convs.RecordDelivery(ctx, m.ConversationID, m.ID, conversation.Delivery{Status: conversation.Failed,
			Via: viaOf(m), Error: "bounced: " + strings.Join(why, "; ")}, "")
		if err != nil {
			s.log.WarnContext(ctx, "record a bounce", "message_id", m.ID, "err", err)
		}
	}
	return true
}

func viaOf(m conversation.Message) string {
	if m.Delivery != nil {
		return m.Delivery.Via
	}
	return ""
}

// inboxFor finds the email inbox a mail's recipients name.
func (s *Service) inboxFor(ctx context.Context, recipients []string) (*EmailInbox, error) {
	list, err := s.o.Repo.ListEmailInboxes(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range recipients {
		for i := range list {
			if sameAddress(list[i].Address, r) {
				return &list[i], nil
			}
		}
	}
	return nil, nil
}

// inboxOf reads an inbox of any kind.
func (s *Service) inboxOf(ctx context.Context, id int64) (*inbox.Inbox, error) {
	return s.o.Repo.InboxByID(ctx, id)
}

func maskString(s string) string {
	out, _ := mask.String(s)
	return out
}

// isOwnMail reports whether the mail is one of Parley's own coming back (a copy, a forwarding loop):
// its Message-ID was made for one of the domains Parley sends from.
func (s *Service) isOwnMail(ctx context.Context, in *email.Inbound) bool {
	if in.MessageID == "" {
		return false
	}
	if _, ok := mailer.TokenOfMessageID(in.MessageID); !ok {
		return false
	}
	var domains []string
	if list, err := s.o.Repo.ListEmailInboxes(ctx); err == nil {
		for _, ib := range list {
			domains = append(domains, mailer.DomainOf(ib.Address))
		}
	}
	if s.o.Mail != nil {
		if st, err := s.o.Mail.Settings(ctx); err == nil && st.FromAddress != "" {
			domains = append(domains, mailer.DomainOf(st.FromAddress))
		}
	}
	return email.IsOwnMessageID(in.MessageID, domains...)
}

func sameAddress(a, b string) bool {
	na, err1 := auth.NormalizeEmail(a)
	nb, err2 := auth.NormalizeEmail(b)
	if err1 != nil || err2 != nil {
		return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b)) && strings.TrimSpace(a) != ""
	}
	return na == nb
}

// syntheticID stands in for the Message-ID of a mail that has none, so a second delivery of the
// same mail is still stored once: a hash of what the sender wrote (not of the header fields
// servers on the way add).
func syntheticID(in *email.Inbound) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%s\n", in.From.Address, in.Date.UTC().Format(time.RFC3339), in.Subject, in.Text)
	return "<" + hex.EncodeToString(h.Sum(nil))[:40] + "@no-message-id.parley.invalid>"
}

// IMAP: each watched mailbox hands its new mail here.

// mailboxHandler takes the mail of one watched folder: into inbox ib, or (nil) the installation's
// mailbox, where only mail that answers a conversation belongs.
type mailboxHandler struct {
	s       *Service
	ib      *EmailInbox
	mailbox string // the state's key: "inbox:<id>" or "installation"
	folder  string
}

func (h mailboxHandler) HandleMessage(ctx context.Context, m email.FetchedMessage) error {
	err := h.s.take(ctx, h.ib, m.Raw, nil)
	if errs.Is(err, errs.NotFound) && h.ib == nil {
		// The installation's mailbox holds other mail too; it stays there, untouched.
		h.s.log.InfoContext(ctx, "imap: a mail in the installation's mailbox answers no conversation", "uid", m.UID)
		err = nil
	}
	if err != nil {
		return err
	}
	return h.s.o.Repo.SaveIMAPState(ctx, h.mailbox, h.folder, m.State)
}

func (h mailboxHandler) SaveState(ctx context.Context, st email.State) error {
	return h.s.o.Repo.SaveIMAPState(ctx, h.mailbox, h.folder, st)
}
