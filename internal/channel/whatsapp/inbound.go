package whatsapp

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/channel"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/jobs"
)

// maxMedia is how many files one WhatsApp message may bring (Twilio numbers them from 0).
const maxMedia = 10

// receive stores an incoming WhatsApp message: its text, its files (fetched from Twilio with the
// account's credentials) and a template button's payload.
func (s *Service) receive(ctx context.Context, job *jobs.Job) error {
	var p hookPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return jobs.CancelJob("unreadable payload: " + err.Error())
	}
	form := url.Values(p.Form)
	n, err := s.o.Repo.WhatsAppNumberByID(ctx, p.InboxID)
	if errs.Is(err, errs.NotFound) {
		return jobs.CancelJob("the WhatsApp sender is no longer connected")
	}
	if err != nil {
		return err
	}
	from := form.Get("From")
	sid := form.Get("MessageSid")
	if !strings.HasPrefix(from, "whatsapp:") || sid == "" {
		return nil // an SMS to the same number, or no message: not this channel's
	}
	if dup, err := s.o.Receiver.Duplicate(ctx, n.ID, sid); err != nil || dup != nil {
		return err
	}
	phone := strings.TrimPrefix(from, "whatsapp:")
	if wa := form.Get("WaId"); wa != "" {
		phone = "+" + strings.TrimPrefix(wa, "+")
	}
	who := channel.Identity{InboxID: n.ID, ChannelID: from, Name: form.Get("ProfileName"), Phone: phone}
	ct, err := s.o.Receiver.Contact(ctx, who)
	if err != nil {
		return err
	}
	// The 24-hour session runs from now: Twilio's webhook carries no time of its own.
	if err := s.o.Repo.TouchChannelContact(ctx, n.ID, from, s.o.Now().UnixMilli()); err != nil {
		return err
	}
	in := channel.Inbound{Inbox: &n.Inbox, From: who, ContactID: ct.ID, ExternalID: sid, Text: form.Get("Body")}
	meta := &conversation.ChannelMeta{}
	if payload := form.Get("ButtonPayload"); payload != "" {
		meta.QuickReply = payload
		if in.Text == "" {
			in.Text = form.Get("ButtonText")
		}
	}
	count, _ := strconv.Atoi(form.Get("NumMedia"))
	for i := 0; i < min(count, maxMedia); i++ {
		link := form.Get(fmt.Sprintf("MediaUrl%d", i))
		kind := form.Get(fmt.Sprintf("MediaContentType%d", i))
		dctx, cancel := context.WithTimeout(ctx, time.Minute)
		data, ct, name, err := channel.Download(dctx, s.o.Client, link, s.api.authorize(n))
		cancel()
		if err != nil {
			if channel.IsTemporary(err) {
				return err // the job tries again
			}
			meta.Refused = append(meta.Refused, fmt.Sprintf("file %d: %v", i+1, err))
			continue
		}
		if ct == "" {
			ct = kind
		}
		in.Attachments = append(in.Attachments, channel.Attachment{Name: mediaName(name, ct, i), ContentType: ct, Data: data})
	}
	if meta.QuickReply != "" || len(meta.Refused) > 0 {
		in.Channel = meta
	}
	if strings.TrimSpace(in.Text) == "" && len(in.Attachments) == 0 {
		if len(meta.Refused) == 0 && form.Get("Latitude") == "" {
			return nil
		}
		if lat := form.Get("Latitude"); lat != "" {
			in.Text = "📍 " + lat + ", " + form.Get("Longitude")
		} else {
			in.Text = "…"
		}
	}
	_, _, err = s.o.Receiver.Receive(ctx, in)
	return err
}

// mediaName names a file Twilio sent: its own name, or "file-1" with an extension fitting its type.
func mediaName(name, contentType string, i int) string {
	if name != "" && strings.Contains(name, ".") && !strings.HasPrefix(name, "ME") {
		return name
	}
	ext := ""
	if exts, err := mime.ExtensionsByType(contentType); err == nil && len(exts) > 0 {
		ext = exts[0]
	}
	return fmt.Sprintf("file-%d%s", i+1, ext)
}

// status records a status callback on the reply it is about: queued, sending and sent are "sent"
// (Twilio has it), then delivered, read, or failed and undelivered with Twilio's error code. A
// callback that comes late never moves a reply back (the conversation service keeps the order).
func (s *Service) status(ctx context.Context, job *jobs.Job) error {
	var p hookPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return jobs.CancelJob("unreadable payload: " + err.Error())
	}
	form := url.Values(p.Form)
	sid := form.Get("MessageSid")
	var m *conversation.Message
	var err error
	if p.MessageID != 0 {
		m, err = s.o.Repo.MessageInInbox(ctx, p.InboxID, p.MessageID)
	} else {
		m, err = s.o.Repo.MessageByExternalID(ctx, p.InboxID, sid)
	}
	if errs.Is(err, errs.NotFound) {
		return nil // its conversation was deleted, or a message Parley did not send
	}
	if err != nil {
		return err
	}
	if m.ExternalID != "" && m.ExternalID != sid {
		return nil // not this reply's message
	}
	var d conversation.Delivery
	switch strings.ToLower(form.Get("MessageStatus")) {
	case "accepted", "scheduled", "queued", "sending", "sent":
		d.Status = conversation.Sent
	case "delivered":
		d.Status = conversation.Delivered
	case "read":
		d.Status = conversation.Read
	case "failed", "undelivered", "canceled":
		d.Status = conversation.Failed
		d.Error = statusError(form)
	default:
		return nil
	}
	if m.Delivery != nil && m.Delivery.Via != "" {
		d.Via = m.Delivery.Via
	}
	err = s.o.Convs.RecordDelivery(ctx, m.ConversationID, m.ID, d, sid)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	return err
}

// statusError is what a failed status callback says: Twilio's error code and, when Twilio gives
// none, what it means for the common ones.
func statusError(form url.Values) string {
	code := form.Get("ErrorCode")
	msg := strings.TrimSpace(form.Get("ErrorMessage"))
	if msg == "" {
		msg = knownErrors[code]
	}
	switch {
	case code != "" && msg != "":
		return "Twilio error " + code + ": " + msg
	case code != "":
		return "Twilio error " + code
	case msg != "":
		return msg
	}
	return "WhatsApp did not deliver the message (" + form.Get("MessageStatus") + ")"
}

// knownErrors are Twilio's words for the WhatsApp errors a status callback reports most.
var knownErrors = map[string]string{
	"30003": "unreachable destination",
	"30005": "unknown destination",
	"30006": "landline or unreachable carrier",
	"30007": "message filtered",
	"30008": "unknown error",
	"63003": "the number is not on WhatsApp",
	"63016": "a free-form message outside the 24-hour window: send an approved template",
	"63024": "invalid message recipient",
	"63032": "the person has not opted in to this business's messages",
	"63049": "Meta chose not to deliver this marketing message",
}
