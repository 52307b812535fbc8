package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/parleyhq/parley/internal/channel"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/richtext"
)

// Send sends an agent's reply through Twilio's Messages API (channel.Sender): an approved template
// (its Content SID and variables) when the reply is one, its text and its file otherwise (the file
// by a signed URL Twilio fetches from Parley). Twilio calls back with the reply's status at the
// URL that names it. The message's SID is stored as soon as Twilio gives it, so a send that runs
// again after that does not send it twice.
func (s *Service) Send(ctx context.Context, c *conversation.Conversation, m *conversation.Message) (channel.Result, error) {
	if m.ExternalID != "" {
		return channel.Result{ExternalID: m.ExternalID}, nil // Twilio took it in an earlier run
	}
	n, err := s.o.Repo.WhatsAppNumberByID(ctx, c.InboxID)
	if errs.Is(err, errs.NotFound) {
		return channel.Result{}, channel.Permanent(errors.New("the WhatsApp sender is no longer connected"))
	}
	if err != nil {
		return channel.Result{}, err
	}
	to, err := s.o.Repo.ChannelIDOf(ctx, c.InboxID, c.ContactID)
	if errs.Is(err, errs.NotFound) {
		return channel.Result{}, channel.Permanent(channel.ErrNotKnown)
	}
	if err != nil {
		return channel.Result{}, err
	}
	form := url.Values{"To": {to}, "StatusCallback": {hookURL(s.o.BaseURL, n.ID, fmt.Sprintf("/status?message=%d", m.ID))}}
	if n.MessagingServiceSID != "" {
		form.Set("MessagingServiceSid", n.MessagingServiceSID)
	} else {
		form.Set("From", "whatsapp:"+n.Sender)
	}
	if m.Channel != nil && m.Channel.Template != nil {
		form.Set("ContentSid", m.Channel.Template.SID)
		if len(m.Channel.Template.Variables) > 0 {
			vars, err := json.Marshal(m.Channel.Template.Variables)
			if err != nil {
				return channel.Result{}, channel.Permanent(err)
			}
			form.Set("ContentVariables", string(vars))
		}
	} else {
		text := m.Body
		if m.Kind == conversation.Rich || !richtext.IsPlain(m.Body) {
			text = richtext.PlainText(m.Body)
		}
		if text != "" {
			form.Set("Body", text)
		}
		if m.AttachmentID != 0 {
			form.Set("MediaUrl", s.mediaURL(n, m.AttachmentID))
		}
	}
	if err := s.sends.Wait(ctx, n.AccountSID+"/"+n.Sender+n.MessagingServiceSID); err != nil {
		return channel.Result{}, err
	}
	sid, err := s.api.send(ctx, n, form)
	if err != nil {
		return channel.Result{}, classify(err, s.o.RateLimitWait)
	}
	if _, err := s.o.Convs.AssignExternalID(ctx, c.ID, m.ID, sid); err != nil {
		s.log.WarnContext(ctx, "whatsapp: record a sent message's SID", "message_id", m.ID, "err", err)
	}
	return channel.Result{ExternalID: sid}, nil
}
