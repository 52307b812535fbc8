package emailinbox

import (
	"context"
	"errors"
	"strings"

	"github.com/parleyhq/parley/internal/channel"
	"github.com/parleyhq/parley/internal/channel/email"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/mailer"
	"github.com/parleyhq/parley/internal/richtext"
)

// maxReferences bounds a reply's References: the thread's first and latest Message-IDs are what
// mail programs use to thread; a long thread must not make a huge header.
const maxReferences = 20

// Send sends an agent's reply in an email conversation (channel.Sender): from the inbox's address,
// to the recipients the reply names, threaded under the mail it answers, with a reply address that
// names the conversation, HTML and text made from the same rich text, the inbox's signature and
// the reply's attachment. The Message-ID is stored before the mail goes out, so a retry sends the
// same mail again rather than a second one.
func (s *Service) Send(ctx context.Context, c *conversation.Conversation, m *conversation.Message) (channel.Result, error) {
	ib, err := s.o.Repo.EmailInboxByID(ctx, c.InboxID)
	if errs.Is(err, errs.NotFound) {
		return channel.Result{}, channel.Permanent(errors.New("the email inbox is gone"))
	}
	if err != nil {
		return channel.Result{}, err
	}
	if m.Email == nil || len(m.Email.To)+len(m.Email.Cc) == 0 {
		return channel.Result{}, channel.Permanent(errors.New("the reply names no recipient"))
	}
	token, err := s.o.Repo.ReplyToken(ctx, c.ID, email.NewReplyToken)
	if err != nil {
		return channel.Result{}, err
	}
	msgID := m.ExternalID
	if msgID == "" {
		if msgID, err = s.o.Convs.AssignExternalID(ctx, c.ID, m.ID, mailer.NewMessageID(token, mailer.DomainOf(ib.Address))); err != nil {
			return channel.Result{}, err
		}
	}
	refs, err := s.o.Repo.ExternalIDs(ctx, c.ID, m.Seq-1, maxReferences)
	if err != nil {
		return channel.Result{}, err
	}
	out := &email.Outgoing{Subject: m.Email.Subject, MessageID: msgID, References: refs}
	if len(refs) > 0 {
		// An answer: "Re: " and the thread's subject, however many markers the agent's copy had.
		out.InReplyTo = refs[len(refs)-1]
		out.Subject = "Re: " + email.NormalizeSubject(m.Email.Subject)
	}
	for _, a := range m.Email.To {
		out.To = append(out.To, email.Address{Address: a})
	}
	for _, a := range m.Email.Cc {
		out.Cc = append(out.Cc, email.Address{Address: a})
	}
	if d := s.replyDomain(ctx, ib); d != "" {
		out.ReplyTo = email.Address{Name: ib.senderName(), Address: email.ReplyAddress(token, d)}
	}
	out.Text, out.HTML = Body(m)
	if ib.Signature != "" {
		out.Text += "\n\n-- \n" + richtext.PlainText(ib.Signature)
		out.HTML += `<div class="signature">` + richtext.Render(ib.Signature) + `</div>`
	}
	if m.AttachmentID != 0 {
		b, data, err := s.o.Blobs.Open(ctx, m.AttachmentID)
		if errs.Is(err, errs.NotFound) {
			return channel.Result{}, channel.Permanent(errors.New("the attachment is gone"))
		}
		if err != nil {
			return channel.Result{}, err
		}
		out.Attachments = append(out.Attachments, email.Attachment{Name: b.Name, ContentType: b.ContentType, Data: data})
	}
	sender := ib.sender(s)
	err = sender.Send(ctx, out)
	var se *email.SendError
	if errors.As(err, &se) && se.Partial {
		return channel.Result{ExternalID: msgID, Note: "refused: " + strings.Join(se.Rejected, ", ") + " (" + se.Text + ")"}, nil
	}
	if err != nil {
		return channel.Result{}, classify(err)
	}
	return channel.Result{ExternalID: msgID}, nil
}

// classify tells the seam whether a failed send may work later.
func classify(err error) error {
	if email.IsTemporary(err) {
		return channel.Temporary(err)
	}
	return channel.Permanent(err)
}

func (ib *EmailInbox) senderName() string {
	if ib.FromName != "" {
		return ib.FromName
	}
	return ib.Name
}

// Body is a message as mail: its plain text and its HTML, both made from the same text (rich text
// rendered by internal/richtext; plain text escaped).
func Body(m *conversation.Message) (text, html string) {
	switch m.Kind {
	case conversation.Rich, conversation.Note:
		return richtext.PlainText(m.Body), richtext.Render(m.Body)
	}
	if m.Body == "" {
		return "", ""
	}
	return m.Body, "<p>" + richtext.Escape(m.Body) + "</p>"
}
