package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/richtext"
)

// The conversation's side of channels (internal/channel is the seam): which replies go out
// through which channel — decided here, in Service.outbound, and nowhere else —, what a channel
// received, and where a reply stands on its way out.

// Job kinds of what channels send. Their handlers live in the channel packages; the jobs are
// enqueued here, in the write of the reply (or close) that causes them.
const (
	// JobSend sends one reply through its conversation's channel (email; later Messenger and
	// WhatsApp). Payload: SendPayload.
	JobSend = "channel.send"
	// JobFollowUp emails a website visitor the agents' replies they have not read, after the
	// website's delay. One pending per conversation. Payload: FollowUpPayload.
	JobFollowUp = "channel.follow_up"
	// JobTranscript emails a website visitor the whole conversation. Payload: TranscriptPayload.
	JobTranscript = "channel.transcript"
)

// SendPayload names the reply a JobSend sends.
type SendPayload struct {
	ConversationID int64 `json:"conversation_id"`
	MessageID      int64 `json:"message_id"`
}

// FollowUpPayload names the conversation whose unread replies a JobFollowUp emails.
type FollowUpPayload struct {
	ConversationID int64 `json:"conversation_id"`
}

// TranscriptPayload names the conversation a JobTranscript sends, and to whom (empty: the
// contact's email).
type TranscriptPayload struct {
	ConversationID int64  `json:"conversation_id"`
	To             string `json:"to,omitempty"`
}

// sendRef is a SendPayload for a message (and maybe its conversation) being inserted: the store
// sets their ids before it writes the write's jobs, so the payload carries them.
type sendRef struct {
	c *Conversation
	m *Message
}

func (r sendRef) MarshalJSON() ([]byte, error) {
	if r.m.ID == 0 || r.c.ID == 0 {
		return nil, errors.New("send job: the message has no id yet")
	}
	return json.Marshal(SendPayload{ConversationID: r.c.ID, MessageID: r.m.ID})
}

// MaxRecipients bounds To and Cc of an email reply together.
const MaxRecipients = 20

// maxSubject is the longest subject kept, in characters.
const maxSubject = 300

// outbound decides, in this one place, how an agent's reply m reaches the contact of c (next is
// the conversation as the reply leaves it): the website chat's socket needs nothing more, but a
// visitor who is not there to read it gets it by email after the website's delay; an email,
// Messenger or WhatsApp conversation's reply goes out by a durable job (Messenger and WhatsApp
// only within their reply windows, window.go). It fills in the mail side of m and returns the
// jobs, which the reply's own write carries, so a reply is never stored without its send.
func (s *Service) outbound(ctx context.Context, next *Conversation, m *Message, in MessageInput) ([]jobs.Spec, error) {
	if m.Kind == Note {
		return nil, nil
	}
	switch next.Channel {
	case inbox.Email:
		meta, err := s.emailReply(ctx, next, in)
		if err != nil {
			return nil, err
		}
		m.Email = meta
		m.Delivery = &Delivery{Status: Queued, At: m.CreatedAt}
		next.Subject = meta.Subject
		return []jobs.Spec{sendJob(next, m)}, nil
	case inbox.Messenger, inbox.WhatsApp:
		if err := s.messagingReply(ctx, next, m, in); err != nil {
			return nil, err
		}
		m.Delivery = &Delivery{Status: Queued, At: m.CreatedAt}
		return []jobs.Spec{sendJob(next, m)}, nil
	case inbox.Web:
		return s.followUp(ctx, next)
	}
	return nil, nil
}

// sendJob sends m of c; a conversation being created gets its id in the job from the store.
func sendJob(c *Conversation, m *Message) jobs.Spec {
	return jobs.Spec{Kind: JobSend, Payload: sendRef{c: c, m: m}, ConversationID: c.ID, MaxAttempts: sendAttempts}
}

// sendAttempts: with the queue's back-off (1 s doubling, capped at an hour) a send is tried for
// about a day before it is given up as failed.
const sendAttempts = 30

// followUp is the website chat's path to a visitor who may have left: when their email is known
// and the website follows up, one pending job per conversation, due after the website's delay. It
// sends what the visitor has not read by then, unless they are on the site (internal/channel/followup).
func (s *Service) followUp(ctx context.Context, c *Conversation) ([]jobs.Spec, error) {
	ct, err := s.repo.ContactByID(ctx, c.ContactID)
	if err != nil {
		return nil, err
	}
	if ct.Email == "" {
		return nil, nil
	}
	site, err := s.repo.WebsiteByID(ctx, c.InboxID)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !site.FollowUp {
		return nil, nil
	}
	return []jobs.Spec{{Kind: JobFollowUp, Payload: FollowUpPayload{ConversationID: c.ID}, UniqueKey: fmt.Sprintf("follow_up:%d", c.ID),
		Delay: site.FollowUpDelay(), ConversationID: c.ID, MaxAttempts: sendAttempts}}, nil
}

// emailReply is the mail side of an agent's email reply: its recipients (the contact unless the
// agent names others) and its subject (the thread's latest unless the agent gives one).
func (s *Service) emailReply(ctx context.Context, c *Conversation, in MessageInput) (*EmailMeta, error) {
	to, err := cleanAddresses(in.To, "to")
	if err != nil {
		return nil, err
	}
	cc, err := cleanAddresses(in.Cc, "cc")
	if err != nil {
		return nil, err
	}
	if len(to)+len(cc) > MaxRecipients {
		return nil, errs.Coded(errs.Invalid, "too_many_recipients", "at most %d recipients", MaxRecipients)
	}
	if len(to) == 0 {
		ct, err := s.repo.ContactByID(ctx, c.ContactID)
		if err != nil {
			return nil, err
		}
		if ct.Email == "" {
			return nil, errs.Coded(errs.Invalid, "no_recipient", "the contact has no email address: give one in to")
		}
		to = []string{ct.Email}
	}
	subject := s.mask(cleanSubject(in.Subject))
	if subject == "" {
		subject = c.Subject
	}
	if subject == "" {
		return nil, errs.Coded(errs.Invalid, "subject_required", "an email needs a subject")
	}
	return &EmailMeta{Subject: subject, To: to, Cc: cc}, nil
}

func cleanAddresses(list []string, field string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, a := range list {
		if strings.TrimSpace(a) == "" {
			continue
		}
		n, err := auth.NormalizeEmail(a)
		if err != nil {
			return nil, errs.Coded(errs.Invalid, field+"_invalid", "%s: %q is not an email address", field, strings.TrimSpace(a))
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, nil
}

// cleanSubject keeps a subject on one line, valid, and not overlong.
func cleanSubject(s string) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > maxSubject {
		s = string([]rune(s)[:maxSubject])
	}
	return s
}

// StartInput starts an email conversation with a contact.
type StartInput struct {
	InboxID   int64 `json:"inbox_id"`
	ContactID int64 `json:"-"`
	MessageInput
}

// StartEmail starts a conversation with a contact whose email is known, in an email inbox the
// agent works in: the agent's first message goes out by email. The conversation is the agent's
// when they are available (Unassigned otherwise, as for any conversation nobody took).
func (s *Service) StartEmail(ctx context.Context, u *auth.User, in StartInput) (*Conversation, *Message, error) {
	body, err := in.body()
	if err != nil {
		return nil, nil, err
	}
	clientID, err := cleanClientID(in.ClientID)
	if err != nil {
		return nil, nil, err
	}
	a, err := s.AccessTo(ctx, u, in.InboxID)
	if errs.Is(err, errs.NotFound) {
		return nil, nil, errs.Coded(errs.Invalid, "inbox_unknown", "there is no inbox with id %d", in.InboxID)
	}
	if err != nil {
		return nil, nil, err
	}
	sees := s.SeesContact(ctx, u, in.ContactID)
	if sees != nil && !errs.Is(sees, errs.NotFound) {
		return nil, nil, sees
	}
	if err := CanStart(a, sees == nil); err != nil {
		return nil, nil, err
	}
	if in.Subject == "" {
		return nil, nil, errs.Coded(errs.Invalid, "subject_required", "an email needs a subject")
	}
	if _, err := s.repo.ContactByID(ctx, in.ContactID); err != nil {
		return nil, nil, err
	}
	body = s.mask(body)
	kind := messageKind(body, in.MessageInput)
	type result struct {
		c *Conversation
		m *Message
	}
	r, err := retry(ctx, func() (result, error) {
		latest, err := s.repo.LatestConversation(ctx, in.InboxID, in.ContactID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return result{}, err
		}
		var prevID int64
		if latest != nil {
			prevID = latest.ID
			if m, ok, err := s.original(ctx, latest.ID, clientID, FromAgent, u.ID); ok || err != nil {
				return result{latest, m}, err
			}
		}
		now := s.nowMS()
		next := Conversation{InboxID: in.InboxID, Channel: a.Inbox.Kind, ContactID: in.ContactID, Status: Open, CreatedAt: now,
			UpdatedAt: now, LastMessageAt: now, FirstResponseAt: now, Preview: s.preview(body)}
		var entries []Message
		if s.available(ctx, u.ID) {
			joined, _ := s.assignEntries(ctx, &next, u, u, now)
			entries = append(entries, joined...)
		}
		entries = append(entries, Message{SenderKind: FromAgent, SenderID: u.ID, SenderName: u.Name, SenderAvatar: u.AvatarURL, Kind: kind,
			Body: body, ClientID: clientID, AttachmentID: in.AttachmentID, CreatedAt: now})
		m := &entries[len(entries)-1]
		js, err := s.outbound(ctx, &next, m, in.MessageInput)
		if err != nil {
			return result{}, err
		}
		w := &Write{Conv: &next, Append: entries, PrevID: prevID, Uploader: UserUploader(u.ID), Jobs: js, ActorID: u.ID}
		stored, err := s.commit(ctx, w)
		if err != nil {
			return result{}, err
		}
		return result{&next, stored}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return r.c, r.m, nil
}

// messageKind is the kind of an agent's message: a note, an attachment, rich text or plain text.
func messageKind(body string, in MessageInput) Kind {
	switch {
	case in.Note:
		return Note
	case in.AttachmentID != 0:
		return Attachment
	case !richtext.IsPlain(body):
		return Rich
	}
	return Text
}

// Received is a message a channel took from a contact, normalised by internal/channel: the
// contact is matched or created by the channel's identity, the text cleaned, attachments stored.
type Received struct {
	Inbox     *inbox.Inbox
	ContactID int64
	// ConversationID is the conversation the channel matched (an email's reply token or
	// threading headers); it may be in another inbox (a website chat whose visitor answered a
	// follow-up email). 0: New decides.
	ConversationID int64
	// New starts a new conversation in Inbox; otherwise, with no ConversationID, the message goes
	// where a contact's message goes (their latest conversation, by the inbox's reopen policy).
	New bool
	// Subject is the thread's subject now (email), kept as the conversation's latest.
	Subject string
	// Spam: a new conversation waits in the Spam view.
	Spam bool
	// AutoReply: no person wrote it (an out-of-office note): recorded, but it neither reopens a
	// closed conversation nor changes what agents are shown as its last message.
	AutoReply bool
	// Echo: the business wrote it outside Parley (a Messenger Page's message sent from Meta's own
	// inbox); it is stored as the business's (EchoName), and never reopens a conversation.
	Echo     bool
	EchoName string
	// Entries are the message and its attachments (attachment messages), FromVisitor; the first
	// carries the channel's ExternalID. Bodies are masked and checked here again.
	Entries []Message
	// Blobs are files the entries show without a message of their own (an email's inline
	// images), tied to the conversation in the same write. Uploader owns them and the
	// attachments.
	Blobs    []int64
	Uploader string
}

// ErrDuplicate answers Receive for a message the inbox already holds (the same external id): it
// is stored once. Duplicate carries it.
type ErrDuplicate struct{ Message *Message }

func (e *ErrDuplicate) Error() string { return "the channel message is already stored" }

// Receive stores what a channel received, idempotently by the channel's own message id (unique
// per inbox): a second delivery of it stores nothing and answers *ErrDuplicate.
func (s *Service) Receive(ctx context.Context, in Received) (*Conversation, *Message, error) {
	if len(in.Entries) == 0 {
		return nil, nil, errs.E(errs.Invalid, "nothing received")
	}
	ext := in.Entries[0].ExternalID
	if ext != "" {
		if m, err := s.repo.MessageByExternalID(ctx, in.Inbox.ID, ext); err == nil {
			return nil, nil, &ErrDuplicate{Message: m}
		} else if !errs.Is(err, errs.NotFound) {
			return nil, nil, err
		}
	}
	entries := make([]Message, len(in.Entries))
	for i, m := range in.Entries {
		m.SenderKind, m.SenderID = FromVisitor, 0
		if in.Echo {
			m.SenderKind, m.SenderName = FromAgent, s.mask(strings.TrimSpace(in.EchoName))
		}
		m.Body = s.mask(strings.TrimSpace(m.Body))
		if utf8.RuneCountInString(m.Body) > 4*MaxBody {
			// A channel's message may be longer than a chat message; beyond this the rest stays
			// in the original.
			m.Body = string([]rune(m.Body)[:4*MaxBody]) + "…"
		}
		if i > 0 {
			m.ExternalID = ""
		}
		entries[i] = m
	}
	subject := s.mask(cleanSubject(in.Subject))
	// What no person of the contact's side wrote never reopens a conversation.
	quiet := in.AutoReply || in.Echo
	type result struct {
		c *Conversation
		m *Message
	}
	r, err := retry(ctx, func() (result, error) {
		// The conversation the message belongs to, if any: the one the channel matched, or the
		// contact's latest in the inbox when the channel leaves it to the rules.
		var target *Conversation
		var err error
		switch {
		case in.ConversationID != 0:
			target, err = s.repo.ConversationByID(ctx, in.ConversationID)
		case !in.New:
			target, err = s.repo.LatestConversation(ctx, in.Inbox.ID, in.ContactID)
		}
		if err != nil && !errs.Is(err, errs.NotFound) {
			return result{}, err
		}
		ib, contactID := in.Inbox, in.ContactID
		if target != nil {
			contactID = target.ContactID
			if target.InboxID != ib.ID {
				if ib, err = s.repo.InboxByID(ctx, target.InboxID); err != nil {
					return result{}, err
				}
			}
		}
		now := s.nowMS()
		var next Conversation
		var lines []Message
		var expect, prevID int64
		switch {
		case target == nil || (target.Status == Closed && ib.ReopenPolicy == inbox.Final && !quiet):
			// A new conversation, with the same person as the thread it answers.
			latest, err := s.repo.LatestConversation(ctx, ib.ID, contactID)
			if err != nil && !errs.Is(err, errs.NotFound) {
				return result{}, err
			}
			if latest != nil {
				prevID = latest.ID
			}
			next = Conversation{InboxID: ib.ID, Channel: ib.Kind, ContactID: contactID, Status: Open, CreatedAt: now, Spam: in.Spam}
			if target != nil {
				next.VisitorID = target.VisitorID
			}
		case target.Status == Closed && !quiet:
			next, expect = *target, target.LastSeq
			lines = s.reopenEntries(ctx, &next, nil, true)
		default:
			next, expect = *target, target.LastSeq
		}
		next.WithBot = false
		next.UpdatedAt = now
		if !in.AutoReply || next.ID == 0 {
			next.Preview, next.LastMessageAt = s.previewOf(entries, next.Preview), now
		}
		if subject != "" && !in.AutoReply {
			next.Subject = subject
		}
		all := append(lines, s.stamp(entries, now)...)
		w := &Write{Conv: &next, ExpectSeq: expect, Append: all, PrevID: prevID, Uploader: in.Uploader, Blobs: in.Blobs}
		stored, err := s.write(ctx, w)
		var dup *DuplicateError
		if errors.As(err, &dup) {
			return result{}, &ErrDuplicate{Message: &dup.Message}
		}
		if err != nil {
			return result{}, err
		}
		m := stored[len(lines)]
		return result{&next, &m}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return r.c, r.m, nil
}

// DeliveryChange moves a message's delivery on: the store writes it, with its event and jobs, in
// one transaction, and only when the delivery is now one of From (any when empty).
type DeliveryChange struct {
	ConversationID, MessageID int64
	Delivery                  Delivery
	From                      []DeliveryStatus
	// ExternalID, when set, becomes the message's channel id (the Message-ID an email went out
	// with), unique in InboxID like every channel id.
	ExternalID string
	InboxID    int64
	Events     []event.Event
	Jobs       []jobs.Spec
}

// ErrDeliveryMoved says a delivery change found the delivery no longer where it expected it.
var ErrDeliveryMoved = errs.Coded(errs.Conflict, "delivery_moved", "the message's delivery changed meanwhile")

// DeliveryData is the payload of message.delivery.
type DeliveryData struct {
	ConversationID int64 `json:"conversation_id"`
	InboxID        int64 `json:"inbox_id"`
	MessageID      int64 `json:"message_id"`
	Seq            int64 `json:"seq"`
	Delivery
	// Visibility lets live clients be told without reading the conversation.
	Visibility Visibility `json:"visibility"`
}

func deliveryEvent(c *Conversation, m *Message, d Delivery, actorID int64) event.Event {
	e := event.New(event.MessageDelivery, DeliveryData{ConversationID: c.ID, InboxID: c.InboxID, MessageID: m.ID, Seq: m.Seq, Delivery: d,
		Visibility: visibilityOf(c)})
	e.ConversationID, e.InboxID, e.ActorID, e.At = c.ID, c.InboxID, actorID, d.At
	return e
}

// RecordDelivery stores where a reply stands on its channel (a channel's send job reports it) and
// tells live clients. It is idempotent, and it never moves a delivery back: a late "sent" does not
// undo a bounce's "failed". externalID, when set, is the channel's id for the message.
func (s *Service) RecordDelivery(ctx context.Context, convID, msgID int64, d Delivery, externalID string) error {
	c, err := s.repo.ConversationByID(ctx, convID)
	if err != nil {
		return err
	}
	m, err := s.repo.MessageByID(ctx, convID, msgID)
	if err != nil {
		return err
	}
	if d.At == 0 {
		d.At = s.nowMS()
	}
	d.Error = s.mask(d.Error)
	if m.Delivery != nil && m.Delivery.Via != "" && d.Via == "" {
		d.Via = m.Delivery.Via
	}
	from := []DeliveryStatus{"", Queued}
	switch d.Status {
	case Queued:
	case Sent:
	case Delivered:
		from = append(from, Sent)
	case Read:
		from = append(from, Sent, Delivered)
	case Failed:
		from = append(from, Sent, Delivered)
	}
	if m.Delivery != nil && *m.Delivery == d {
		return nil
	}
	evs := []event.Event{deliveryEvent(c, m, d, 0)}
	ch := &DeliveryChange{ConversationID: convID, MessageID: msgID, Delivery: d, From: from, ExternalID: externalID, InboxID: c.InboxID, Events: evs}
	if err := s.repo.SetDelivery(ctx, ch); err != nil {
		if errors.Is(err, ErrDeliveryMoved) {
			return nil // a later state is there already
		}
		return err
	}
	s.announce(ctx, Change{}, &Write{Events: evs})
	return nil
}

// RetryDelivery sends a failed reply again, for someone who may reply in the conversation.
func (s *Service) RetryDelivery(ctx context.Context, u *auth.User, convID, msgID int64) (*Message, error) {
	c, a, err := s.load(ctx, u, convID)
	if err != nil {
		return nil, err
	}
	if err := CanRetry(a, c); err != nil {
		return nil, err
	}
	m, err := s.repo.MessageByID(ctx, convID, msgID)
	if err != nil {
		return nil, err
	}
	if m.Delivery == nil || m.Delivery.Status != Failed {
		return nil, errs.Coded(errs.Conflict, "not_failed", "only a reply that failed can be sent again")
	}
	d := Delivery{Status: Queued, Via: m.Delivery.Via, At: s.nowMS()}
	kind := JobSend
	var payload any = SendPayload{ConversationID: convID, MessageID: msgID}
	if c.Channel == inbox.Web {
		kind, payload = JobFollowUp, FollowUpPayload{ConversationID: convID}
	}
	evs := []event.Event{deliveryEvent(c, m, d, u.ID)}
	ch := &DeliveryChange{ConversationID: convID, MessageID: msgID, Delivery: d, From: []DeliveryStatus{Failed}, Events: evs,
		Jobs: []jobs.Spec{{Kind: kind, Payload: payload, ConversationID: convID, MaxAttempts: sendAttempts}}}
	if err := s.repo.SetDelivery(ctx, ch); err != nil {
		if errors.Is(err, ErrDeliveryMoved) {
			return nil, errs.Coded(errs.Conflict, "not_failed", "only a reply that failed can be sent again")
		}
		return nil, err
	}
	s.announce(ctx, Change{}, &Write{Events: evs, Jobs: ch.Jobs})
	m.Delivery = &d
	return m, nil
}

// Original returns what a channel hid from a message (an email's quoted history), for someone who
// may see the conversation.
func (s *Service) Original(ctx context.Context, u *auth.User, convID, msgID int64) (*Original, error) {
	if _, _, err := s.load(ctx, u, convID); err != nil {
		return nil, err
	}
	if _, err := s.repo.MessageByID(ctx, convID, msgID); err != nil {
		return nil, err
	}
	return s.repo.Original(ctx, msgID)
}

// Release takes a conversation out of the Spam view: it lands in the folders like any new
// conversation.
func (s *Service) Release(ctx context.Context, u *auth.User, id int64) (*Conversation, error) {
	return s.act(ctx, u, id, CanRelease, func(next *Conversation) []Message {
		now := s.nowMS()
		next.Spam, next.UpdatedAt = false, now
		return []Message{{SenderKind: FromSystem, Kind: EventKind, CreatedAt: now, Event: &Event{Type: EventReleased, ActorID: u.ID, ActorName: u.Name}}}
	})
}

// ChannelMessage returns a message of a conversation with what the channels need of it, for a
// channel's job (no user: the job acts for the system).
func (s *Service) ChannelMessage(ctx context.Context, convID, msgID int64) (*Conversation, *Message, error) {
	c, err := s.repo.ConversationByID(ctx, convID)
	if err != nil {
		return nil, nil, err
	}
	m, err := s.repo.MessageByID(ctx, convID, msgID)
	if err != nil {
		return nil, nil, err
	}
	return c, m, nil
}

// closeJobs is what closing c causes on its channel: a website sends the visitor the transcript
// when it is set to and their email is known.
func (s *Service) closeJobs(ctx context.Context, c *Conversation) ([]jobs.Spec, error) {
	if c.Channel != inbox.Web || c.Spam {
		return nil, nil
	}
	site, err := s.repo.WebsiteByID(ctx, c.InboxID)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil || !site.TranscriptOnClose {
		return nil, err
	}
	ct, err := s.repo.ContactByID(ctx, c.ContactID)
	if err != nil || ct.Email == "" {
		return nil, err
	}
	return []jobs.Spec{{Kind: JobTranscript, Payload: TranscriptPayload{ConversationID: c.ID}, ConversationID: c.ID, MaxAttempts: sendAttempts}}, nil
}

// RequestTranscript is the contact's request for the conversation's transcript by email (the
// widget's button), to their known email or the one they give (which is then saved on them by
// the caller first).
func (s *Service) RequestTranscript(ctx context.Context, from From, id int64) error {
	c, err := s.contactOwns(ctx, from, id)
	if err != nil {
		return err
	}
	ct, err := s.repo.ContactByID(ctx, c.ContactID)
	if err != nil {
		return err
	}
	if ct.Email == "" {
		return errs.Coded(errs.Invalid, "email_required", "give an email address to send the transcript to")
	}
	spec := jobs.Spec{Kind: JobTranscript, Payload: TranscriptPayload{ConversationID: c.ID}, ConversationID: c.ID, MaxAttempts: sendAttempts,
		UniqueKey: fmt.Sprintf("transcript:%d", c.ID)}
	if err := s.repo.EnqueueJobs(ctx, spec); err != nil {
		return err
	}
	s.announce(ctx, Change{}, &Write{Jobs: []jobs.Spec{spec}})
	return nil
}

// Received returns the message a channel's own id names in an inbox (not found when the inbox
// does not hold it), so a channel can skip the work of a second delivery.
func (s *Service) Received(ctx context.Context, inboxID int64, externalID string) (*Message, error) {
	return s.repo.MessageByExternalID(ctx, inboxID, externalID)
}

// AssignExternalID gives a reply its channel id before it is sent (the Message-ID an email goes
// out with), unless it has one: it returns the id the message has, so a send that runs again
// reuses it.
func (s *Service) AssignExternalID(ctx context.Context, convID, msgID int64, id string) (string, error) {
	c, err := s.repo.ConversationByID(ctx, convID)
	if err != nil {
		return "", err
	}
	return s.repo.SetExternalID(ctx, c.InboxID, msgID, id)
}
