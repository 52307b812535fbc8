package messenger

import (
	"context"
	"errors"
	"strconv"

	"github.com/parleyhq/parley/internal/channel"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/richtext"
)

// Send sends an agent's reply through the Send API (channel.Sender): its file first when it has
// one (an image, or any other file), then its text as Messenger shows text (the formatting is
// dropped). A reply outside the standard window goes with the tag the conversation service chose
// (HUMAN_AGENT). Meta's message id is stored as soon as Meta gives it, so a send that runs again
// after that does not repeat the part that went.
func (s *Service) Send(ctx context.Context, c *conversation.Conversation, m *conversation.Message) (channel.Result, error) {
	page, err := s.o.Repo.MessengerPageByID(ctx, c.InboxID)
	if errs.Is(err, errs.NotFound) {
		return channel.Result{}, channel.Permanent(errors.New("the Facebook Page is no longer connected"))
	}
	if err != nil {
		return channel.Result{}, err
	}
	psid, err := s.o.Repo.ChannelIDOf(ctx, c.InboxID, c.ContactID)
	if errs.Is(err, errs.NotFound) {
		return channel.Result{}, channel.Permanent(channel.ErrNotKnown)
	}
	if err != nil {
		return channel.Result{}, err
	}
	req := sendRequest{PSID: psid, MessagingType: "RESPONSE", Metadata: metadataPrefix + strconv.FormatInt(m.ID, 10)}
	if m.Channel != nil && m.Channel.Tag != "" {
		req.MessagingType, req.Tag = "MESSAGE_TAG", m.Channel.Tag
	}
	text := plainText(m)
	first := m.ExternalID
	if m.AttachmentID != 0 && first == "" {
		b, data, err := s.o.Blobs.Open(ctx, m.AttachmentID)
		if errs.Is(err, errs.NotFound) {
			return channel.Result{}, channel.Permanent(errors.New("the attachment is gone"))
		}
		if err != nil {
			return channel.Result{}, err
		}
		kind := "file"
		if b.IsImage() {
			kind = "image"
		}
		if err := s.sends.Wait(ctx, page.PageID); err != nil {
			return channel.Result{}, err
		}
		mid, err := s.graph.sendFile(ctx, page.AccessToken, page.PageID, req, kind, b.Name, b.ContentType, data)
		if err != nil {
			return channel.Result{}, classify(err, s.o.RateLimitWait)
		}
		if first, err = s.o.Convs.AssignExternalID(ctx, c.ID, m.ID, mid); err != nil {
			return channel.Result{ExternalID: mid}, nil // sent; recording the id is the dispatcher's next step
		}
	} else if first != "" && m.AttachmentID == 0 {
		return channel.Result{ExternalID: first}, nil // sent by an earlier run that stopped before recording it
	}
	if text != "" {
		if err := s.sends.Wait(ctx, page.PageID); err != nil {
			return channel.Result{}, err
		}
		req.Text = text
		mid, err := s.graph.sendText(ctx, page.AccessToken, page.PageID, req)
		if err != nil {
			return channel.Result{}, classify(err, s.o.RateLimitWait)
		}
		if first == "" {
			first = mid
			if _, err := s.o.Convs.AssignExternalID(ctx, c.ID, m.ID, mid); err != nil {
				s.log.WarnContext(ctx, "messenger: record a sent message's id", "message_id", m.ID, "err", err)
			}
		}
	}
	return channel.Result{ExternalID: first}, nil
}

// plainText is a reply as Messenger shows it: plain text (rich text's formatting dropped, a
// file's caption included).
func plainText(m *conversation.Message) string {
	if m.Kind == conversation.Rich || !richtext.IsPlain(m.Body) {
		return richtext.PlainText(m.Body)
	}
	return m.Body
}
