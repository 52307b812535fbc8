// Package followup is the website chat's path to a visitor who is not there: the agents' replies
// they have not read, emailed after the website's delay (unless they are on the site, where the
// widget shows them), and the conversation's transcript, on request or when the chat is closed.
// The mail goes out through the website's email inbox, or the installation's own mail; its reply
// address names the conversation, so the visitor's answer comes back into the same chat.
package followup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/channel/email"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/mailer"
	"github.com/parleyhq/parley/internal/richtext"
)

// Repo is what the follow-ups read; internal/store implements it.
type Repo interface {
	ConversationByID(ctx context.Context, id int64) (*conversation.Conversation, error)
	ContactByID(ctx context.Context, id int64) (*contact.Contact, error)
	VisitorByID(ctx context.Context, id int64) (*contact.Visitor, error)
	WebsiteByID(ctx context.Context, id int64) (*inbox.Website, error)
	Messages(ctx context.Context, q conversation.LogQuery) ([]conversation.Message, error)
	ReplyToken(ctx context.Context, conversationID int64, newToken func() string) (string, error)
	ExternalIDs(ctx context.Context, conversationID, seq int64, limit int) ([]string, error)
}

// Deliveries records on each reply that it went out by email.
type Deliveries interface {
	RecordDelivery(ctx context.Context, convID, msgID int64, d conversation.Delivery, externalID string) error
}

// Inboxes gives the mailer of an email inbox a website names.
type Inboxes interface {
	Mailer(ctx context.Context, id int64) (mailer.Mailer, error)
}

// Visitors tells whether a visitor is on the site now (the realtime hub knows, on every node).
type Visitors interface {
	VisitorOnline(contactID, inboxID int64) bool
}

// Queue is where the job handlers are registered.
type Queue interface {
	Handle(kind string, h jobs.Handler)
}

// Options configures the Service.
type Options struct {
	Queue    Queue
	Repo     Repo
	Convs    Deliveries
	Mail     mailer.Mailer // the installation's
	Inboxes  Inboxes
	Visitors Visitors
	Logger   *slog.Logger
}

// Service sends follow-ups and transcripts.
type Service struct {
	o   Options
	log *slog.Logger
}

// New returns the service and registers its job handlers (conversation.JobFollowUp and
// conversation.JobTranscript).
func New(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{o: o, log: o.Logger}
	if o.Queue != nil {
		o.Queue.Handle(conversation.JobFollowUp, s.followUp)
		o.Queue.Handle(conversation.JobTranscript, s.transcript)
	}
	return s
}

// onSiteRecheck is how long a follow-up waits again while the visitor is on the site.
const onSiteRecheck = time.Minute

// followUp emails the visitor the agents' replies they have not read, in one mail.
func (s *Service) followUp(ctx context.Context, job *jobs.Job) error {
	var p conversation.FollowUpPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return jobs.CancelJob("unreadable payload: " + err.Error())
	}
	t, err := s.target(ctx, p.ConversationID, "")
	if err != nil || t == nil {
		return err
	}
	if !t.site.FollowUp {
		return nil
	}
	msgs, err := s.o.Repo.Messages(ctx, conversation.LogQuery{ConversationID: t.c.ID, AfterSeq: t.c.ContactReadSeq, Limit: 200, ForContact: true})
	if err != nil {
		return err
	}
	var unread []conversation.Message
	for _, m := range msgs {
		if m.SenderKind == conversation.FromAgent && (m.Delivery == nil || m.Delivery.Status == conversation.Queued) {
			unread = append(unread, m)
		}
	}
	if len(unread) == 0 {
		return nil // read in the widget meanwhile
	}
	if s.o.Visitors != nil && s.o.Visitors.VisitorOnline(t.c.ContactID, t.c.InboxID) {
		return jobs.Snooze(max(t.site.FollowUpDelay(), onSiteRecheck)) // the widget shows them; look again later
	}
	mail, err := s.mailerFor(ctx, t.site)
	if errors.Is(err, mailer.ErrNotConfigured) {
		s.log.InfoContext(ctx, "follow-up not sent: the installation's mail is not set up", "conversation_id", t.c.ID)
		return nil
	}
	if err != nil {
		return err
	}
	tx := texts(t.lang)
	m := &mailer.Message{To: []email.Address{{Name: t.contact.Name, Address: t.to}}, Subject: fmt.Sprintf(tx.followUpSubject, t.site.Name),
		ReplyToken: t.token, FromName: unread[len(unread)-1].SenderName}
	if err := s.thread(ctx, t, m); err != nil {
		return err
	}
	var text, htm strings.Builder
	fmt.Fprintf(&text, tx.followUpIntro+"\n\n", t.site.Name)
	fmt.Fprintf(&htm, "<p>%s</p>", html.EscapeString(fmt.Sprintf(tx.followUpIntro, t.site.Name)))
	writeMessages(&text, &htm, unread, tx)
	text.WriteString("\n" + tx.replyHint + "\n")
	fmt.Fprintf(&htm, `<p style="color:#666">%s</p>`, html.EscapeString(tx.replyHint))
	m.Text, m.HTML = text.String(), htm.String()

	id, err := mail.Send(ctx, m)
	if err != nil {
		return s.failed(ctx, job, t.c.ID, unread, err)
	}
	for i, u := range unread {
		ext := ""
		if i == len(unread)-1 {
			ext = id // the reply's In-Reply-To names it
		}
		if err := s.o.Convs.RecordDelivery(ctx, t.c.ID, u.ID, conversation.Delivery{Status: conversation.Sent, Via: "email"}, ext); err != nil {
			return err
		}
	}
	return nil
}

// failed records a failed follow-up on its replies and says what the queue does next (as the
// channel dispatcher does for a reply's own channel).
func (s *Service) failed(ctx context.Context, job *jobs.Job, convID int64, msgs []conversation.Message, err error) error {
	var se *email.SendError
	if errors.As(err, &se) && se.Partial {
		err = nil
	}
	if err == nil {
		return nil
	}
	status := conversation.Failed
	temporary := email.IsTemporary(err) && job.Attempt < job.MaxAttempts
	if temporary {
		status = conversation.Queued
	}
	text := strings.Join(strings.Fields(err.Error()), " ")
	for _, m := range msgs {
		if rerr := s.o.Convs.RecordDelivery(ctx, convID, m.ID, conversation.Delivery{Status: status, Via: "email", Error: text}, ""); rerr != nil {
			return rerr
		}
	}
	if temporary {
		return err
	}
	return jobs.CancelJob(text)
}

// transcript emails the visitor the whole conversation as they see it.
func (s *Service) transcript(ctx context.Context, job *jobs.Job) error {
	var p conversation.TranscriptPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return jobs.CancelJob("unreadable payload: " + err.Error())
	}
	t, err := s.target(ctx, p.ConversationID, p.To)
	if err != nil || t == nil {
		return err
	}
	msgs, err := s.o.Repo.Messages(ctx, conversation.LogQuery{ConversationID: t.c.ID, AfterSeq: 0, Limit: 500, ForContact: true})
	if err != nil {
		return err
	}
	var shown []conversation.Message
	for _, m := range msgs {
		if m.Kind != conversation.EventKind && m.Kind != conversation.Card || (m.Kind == conversation.Card && cardText(m) != "") {
			shown = append(shown, m)
		}
	}
	mail, err := s.mailerFor(ctx, t.site)
	if errors.Is(err, mailer.ErrNotConfigured) {
		return jobs.CancelJob("the installation's mail is not set up")
	}
	if err != nil {
		return err
	}
	tx := texts(t.lang)
	m := &mailer.Message{To: []email.Address{{Name: t.contact.Name, Address: t.to}}, Subject: fmt.Sprintf(tx.transcriptSubject, t.site.Name),
		ReplyToken: t.token, Automated: true}
	var text, htm strings.Builder
	fmt.Fprintf(&text, tx.transcriptIntro+"\n\n", t.site.Name)
	fmt.Fprintf(&htm, "<p>%s</p>", html.EscapeString(fmt.Sprintf(tx.transcriptIntro, t.site.Name)))
	writeMessages(&text, &htm, shown, tx)
	m.Text, m.HTML = text.String(), htm.String()
	if _, err := mail.Send(ctx, m); err != nil {
		var se *email.SendError
		if errors.As(err, &se) && se.Partial {
			return nil
		}
		if email.IsTemporary(err) {
			return err
		}
		return jobs.CancelJob(err.Error())
	}
	return nil
}

// target is a website conversation and whom its mail goes to.
type target struct {
	c       *conversation.Conversation
	contact *contact.Contact
	site    *inbox.Website
	to      string
	token   string
	lang    string
}

// target reads what a follow-up or transcript of conversation id needs; nil (and no error) when
// there is nothing to send: the conversation is gone, not a website's, or nobody to send to.
func (s *Service) target(ctx context.Context, id int64, to string) (*target, error) {
	c, err := s.o.Repo.ConversationByID(ctx, id)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if c.Channel != inbox.Web {
		return nil, nil
	}
	ct, err := s.o.Repo.ContactByID(ctx, c.ContactID)
	if err != nil {
		return nil, err
	}
	if to == "" {
		to = ct.Email
	}
	if to == "" {
		return nil, nil
	}
	site, err := s.o.Repo.WebsiteByID(ctx, c.InboxID)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	token, err := s.o.Repo.ReplyToken(ctx, c.ID, email.NewReplyToken)
	if err != nil {
		return nil, err
	}
	lang := "en"
	if c.VisitorID != 0 {
		if v, err := s.o.Repo.VisitorByID(ctx, c.VisitorID); err == nil {
			lang = language(v.Locale)
		}
	}
	return &target{c: c, contact: ct, site: site, to: to, token: token, lang: lang}, nil
}

// thread makes a follow-up answer the earlier mail of the conversation, so mail programs show one
// thread.
func (s *Service) thread(ctx context.Context, t *target, m *mailer.Message) error {
	refs, err := s.o.Repo.ExternalIDs(ctx, t.c.ID, t.c.LastSeq, 20)
	if err != nil {
		return err
	}
	if len(refs) > 0 {
		m.References, m.InReplyTo = refs, refs[len(refs)-1]
		m.Subject = "Re: " + m.Subject
	}
	return nil
}

// mailerFor is the website's email inbox, or the installation's mail.
func (s *Service) mailerFor(ctx context.Context, site *inbox.Website) (mailer.Mailer, error) {
	if site.EmailInboxID != 0 && s.o.Inboxes != nil {
		m, err := s.o.Inboxes.Mailer(ctx, site.EmailInboxID)
		if err == nil {
			return m, nil
		}
		if !errs.Is(err, errs.NotFound) {
			return nil, err
		}
	}
	if s.o.Mail == nil {
		return nil, mailer.ErrNotConfigured
	}
	return s.o.Mail, nil
}

// writeMessages writes messages as mail: who wrote each, and what.
func writeMessages(text, htm *strings.Builder, msgs []conversation.Message, tx *strs) {
	for _, m := range msgs {
		who := m.SenderName
		switch m.SenderKind {
		case conversation.FromVisitor:
			who = tx.you
		case conversation.FromBot:
			if who == "" {
				who = tx.bot
			}
		}
		body, bodyHTML := m.Body, ""
		switch {
		case m.Kind == conversation.Card:
			body = cardText(m)
			bodyHTML = "<p>" + richtext.Escape(body) + "</p>"
		case m.Kind == conversation.Rich:
			body, bodyHTML = richtext.PlainText(m.Body), richtext.Render(m.Body)
		default:
			bodyHTML = "<p>" + richtext.Escape(body) + "</p>"
		}
		if m.Attachment != nil {
			note := fmt.Sprintf(tx.file, m.Attachment.Name)
			body = strings.TrimSpace(body + "\n" + note)
			bodyHTML += "<p><em>" + html.EscapeString(note) + "</em></p>"
		}
		if strings.TrimSpace(body) == "" {
			continue
		}
		fmt.Fprintf(text, "%s (%s):\n%s\n\n", who, time.UnixMilli(m.CreatedAt).UTC().Format("2006-01-02 15:04 UTC"), body)
		fmt.Fprintf(htm, `<p style="margin:16px 0 4px"><strong>%s</strong> <span style="color:#666">%s</span></p>%s`,
			html.EscapeString(who), time.UnixMilli(m.CreatedAt).UTC().Format("2006-01-02 15:04 UTC"), bodyHTML)
	}
}

// cardText is what a bot card said, as text.
func cardText(m conversation.Message) string {
	var c struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(m.Card, &c)
	return c.Text
}
