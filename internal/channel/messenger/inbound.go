package messenger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/blob"
	"github.com/parleyhq/parley/internal/channel"
	"github.com/parleyhq/parley/internal/clienttext"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/jobs"
)

// What Meta sends (the messages, message_echoes, messaging_postbacks, message_deliveries and
// message_reads webhook fields), as far as Parley reads it.
type webhookBody struct {
	Object string  `json:"object"`
	Entry  []entry `json:"entry"`
}

type entry struct {
	ID        string           `json:"id"` // the Page
	Time      int64            `json:"time"`
	Messaging []messagingEvent `json:"messaging"`
}

type messagingEvent struct {
	Sender    struct{ ID string } `json:"sender"`
	Recipient struct{ ID string } `json:"recipient"`
	Timestamp int64               `json:"timestamp"`
	Message   *struct {
		Mid         string                    `json:"mid"`
		Text        string                    `json:"text"`
		IsEcho      bool                      `json:"is_echo"`
		AppID       json.Number               `json:"app_id"`
		Metadata    string                    `json:"metadata"`
		StickerID   json.Number               `json:"sticker_id"`
		QuickReply  *struct{ Payload string } `json:"quick_reply"`
		Attachments []attachment              `json:"attachments"`
	} `json:"message"`
	Postback *struct {
		Mid     string `json:"mid"`
		Title   string `json:"title"`
		Payload string `json:"payload"`
	} `json:"postback"`
	Delivery *struct {
		Mids      []string `json:"mids"`
		Watermark int64    `json:"watermark"`
	} `json:"delivery"`
	Read *struct {
		Watermark int64 `json:"watermark"`
	} `json:"read"`
	// repaired: the event's JSON held text encoding/json had to replace (invalid UTF-8, a lone
	// surrogate) or that holds NUL; the message is marked so (channel.Inbound.Repaired).
	repaired bool
}

func (ev *messagingEvent) UnmarshalJSON(b []byte) error {
	type plain messagingEvent
	if err := json.Unmarshal(b, (*plain)(ev)); err != nil {
		return err
	}
	_, p := clienttext.Find(b)
	ev.repaired = p != ""
	return nil
}

type attachment struct {
	Type    string `json:"type"`
	Title   string `json:"title"`
	URL     string `json:"url"` // a fallback's shared link
	Payload struct {
		URL       string      `json:"url"`
		Title     string      `json:"title"`
		StickerID json.Number `json:"sticker_id"`
	} `json:"payload"`
}

// likeStickers are the ids of Messenger's thumbs-up, in its three sizes.
var likeStickers = map[string]bool{"369239263222822": true, "369239343222814": true, "369239383222810": true}

// metadataPrefix marks Parley's own replies in the metadata Meta hands back with their echoes.
const metadataPrefix = "parley:"

// profileAge is how long a person's name and picture are kept before they are read again.
const profileAge = 7 * 24 * time.Hour

func (s *Service) receive(ctx context.Context, job *jobs.Job) error {
	var p receivePayload
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return jobs.CancelJob("unreadable payload: " + err.Error())
	}
	var body webhookBody
	if err := json.Unmarshal(p.Body, &body); err != nil {
		return jobs.CancelJob("unreadable webhook body: " + err.Error())
	}
	pages, err := s.o.Repo.ListMessengerPages(ctx)
	if err != nil {
		return err
	}
	byID := map[string]*Page{}
	for i := range pages {
		byID[pages[i].PageID] = &pages[i]
	}
	for _, e := range body.Entry {
		page := byID[e.ID]
		if page == nil || !contains(p.Pages, e.ID) {
			continue // a Page not connected here (any more), or one another app's secret signed
		}
		for _, ev := range e.Messaging {
			if err := s.event(ctx, page, ev); err != nil {
				return fmt.Errorf("page %s: %w", e.ID, err)
			}
		}
	}
	return nil
}

func contains[T comparable](list []T, x T) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

// event takes one messaging event of a Page.
func (s *Service) event(ctx context.Context, page *Page, ev messagingEvent) error {
	switch {
	case ev.Message != nil && ev.Message.IsEcho:
		return s.echo(ctx, page, ev)
	case ev.Message != nil:
		return s.message(ctx, page, ev)
	case ev.Postback != nil:
		return s.postback(ctx, page, ev)
	case ev.Delivery != nil:
		return s.receipt(ctx, page, ev.Sender.ID, ev.Delivery.Mids, ev.Delivery.Watermark, conversation.Delivered)
	case ev.Read != nil:
		return s.receipt(ctx, page, ev.Sender.ID, nil, ev.Read.Watermark, conversation.Read)
	}
	return nil
}

// person returns the identity of a Page-scoped id, with their name from the profile API when the
// Page reads profiles and Parley does not know them yet (or not for a while); the picture is kept
// once the contact is there.
func (s *Service) person(ctx context.Context, page *Page, psid string) (channel.Identity, *profile, error) {
	id := channel.Identity{InboxID: page.ID, ChannelID: psid}
	known, err := s.o.Repo.ChannelContact(ctx, page.ID, psid)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return id, nil, err
	}
	if !page.Profiles || (known != nil && s.o.Now().Sub(time.UnixMilli(known.ProfileAt)) < profileAge) {
		return id, nil, nil
	}
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	pr, err := s.graph.profile(pctx, page.AccessToken, psid)
	if err != nil {
		// Not allowed (the app lacks the permission, the person's settings) or not now: the
		// message matters, the name does not.
		s.log.DebugContext(ctx, "messenger: no profile", "inbox_id", page.ID, "err", err)
		return id, nil, nil
	}
	id.Name = pr.fullName()
	return id, pr, nil
}

// keepPicture stores a person's profile picture and ties it to them.
func (s *Service) keepPicture(ctx context.Context, page *Page, psid string, pr *profile) {
	if pr == nil {
		return
	}
	var picID int64
	if pr.ProfilePic != "" {
		data, _, name, err := channel.Download(ctx, s.o.Client, pr.ProfilePic, nil)
		if err == nil {
			if name == "" {
				name = "picture.jpg"
			}
			b, err := s.o.Blobs.Upload(ctx, blob.InboxUploader(page.ID), 0, name, bytes.NewReader(data))
			if err == nil && b.IsImage() {
				picID = b.ID
			}
		}
	}
	if err := s.o.Repo.SetChannelPicture(ctx, page.ID, psid, picID, s.o.Now().UnixMilli()); err != nil {
		s.log.WarnContext(ctx, "messenger: keep a profile picture", "inbox_id", page.ID, "err", err)
	}
}

// message stores what a person sent the Page.
func (s *Service) message(ctx context.Context, page *Page, ev messagingEvent) error {
	m := ev.Message
	psid := ev.Sender.ID
	if psid == "" || m.Mid == "" {
		return nil
	}
	if dup, err := s.o.Receiver.Duplicate(ctx, page.ID, m.Mid); err != nil || dup != nil {
		return err
	}
	from, pr, err := s.person(ctx, page, psid)
	if err != nil {
		return err
	}
	ct, err := s.o.Receiver.Contact(ctx, from)
	if err != nil {
		return err
	}
	s.keepPicture(ctx, page, psid, pr)
	// The window runs from the person's message as Meta dated it.
	if err := s.o.Repo.TouchChannelContact(ctx, page.ID, psid, eventTime(ev.Timestamp, s.o.Now())); err != nil {
		return err
	}
	in := channel.Inbound{Inbox: &page.Inbox, From: from, ContactID: ct.ID, ExternalID: m.Mid, Text: m.Text, Repaired: ev.repaired}
	meta := &conversation.ChannelMeta{}
	if m.QuickReply != nil {
		meta.QuickReply = m.QuickReply.Payload
	}
	if err := s.attachments(ctx, &in, meta, string(m.StickerID), m.Attachments); err != nil {
		return err
	}
	if meta.QuickReply != "" || meta.Sticker != "" || len(meta.Refused) > 0 {
		in.Channel = meta
	}
	if strings.TrimSpace(in.Text) == "" && len(in.Attachments) == 0 {
		if len(meta.Refused) == 0 {
			return nil // nothing Parley can show (an unsupported share)
		}
		in.Text = "…"
	}
	_, _, err = s.o.Receiver.Receive(ctx, in)
	return err
}

// attachments fetches a message's files into in, and notes stickers, likes and shared links.
func (s *Service) attachments(ctx context.Context, in *channel.Inbound, meta *conversation.ChannelMeta, stickerID string, list []attachment) error {
	for _, a := range list {
		if id := a.Payload.StickerID.String(); id != "" && id != "0" {
			stickerID = id
		}
	}
	if stickerID != "" && stickerID != "0" {
		// A sticker comes as an image and, for a while, as a "sticker" attachment too: one picture.
		if likeStickers[stickerID] {
			meta.Sticker = "like"
			if in.Text == "" {
				in.Text = "👍"
			}
			return nil
		}
		meta.Sticker = stickerID
		for _, a := range list {
			if a.Payload.URL != "" {
				return s.fetch(ctx, in, meta, a.Payload.URL, "sticker")
			}
		}
		return nil
	}
	for _, a := range list {
		switch a.Type {
		case "image", "video", "audio", "file":
			if err := s.fetch(ctx, in, meta, a.Payload.URL, a.Type); err != nil {
				return err
			}
		case "fallback", "share", "post", "reel", "ig_reel", "ig_post":
			link := a.Payload.URL
			if link == "" {
				link = a.URL
			}
			title := a.Payload.Title
			if title == "" {
				title = a.Title
			}
			line := strings.TrimSpace(title + " " + link)
			if line != "" {
				in.Text = strings.TrimSpace(in.Text + "\n" + line)
			}
		default:
			meta.Refused = append(meta.Refused, a.Type+": not supported here")
		}
	}
	return nil
}

// fetch downloads a file a message points at; one that cannot be fetched is noted on it.
func (s *Service) fetch(ctx context.Context, in *channel.Inbound, meta *conversation.ChannelMeta, url, kind string) error {
	if url == "" {
		meta.Refused = append(meta.Refused, kind+": no file")
		return nil
	}
	dctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	data, ct, name, err := channel.Download(dctx, s.o.Client, url, nil)
	if err != nil {
		if channel.IsTemporary(err) {
			return err // the job tries again
		}
		meta.Refused = append(meta.Refused, kind+": "+err.Error())
		return nil
	}
	if name == "" {
		name = kind
	}
	if path.Ext(name) == "" && kind == "image" {
		name += ".jpg"
	}
	in.Attachments = append(in.Attachments, channel.Attachment{Name: name, ContentType: ct, Data: data})
	return nil
}

// postback stores a button the person pressed (a persistent menu entry, a template's button): its
// title as the text, its payload beside it.
func (s *Service) postback(ctx context.Context, page *Page, ev messagingEvent) error {
	pb := ev.Postback
	psid := ev.Sender.ID
	if psid == "" {
		return nil
	}
	ext := pb.Mid
	if ext == "" {
		// Older postbacks have no id: the person, the time and the button name it once.
		ext = fmt.Sprintf("postback:%s:%d:%s", psid, ev.Timestamp, pb.Payload)
	}
	if dup, err := s.o.Receiver.Duplicate(ctx, page.ID, ext); err != nil || dup != nil {
		return err
	}
	from, pr, err := s.person(ctx, page, psid)
	if err != nil {
		return err
	}
	ct, err := s.o.Receiver.Contact(ctx, from)
	if err != nil {
		return err
	}
	s.keepPicture(ctx, page, psid, pr)
	if err := s.o.Repo.TouchChannelContact(ctx, page.ID, psid, eventTime(ev.Timestamp, s.o.Now())); err != nil {
		return err
	}
	text := pb.Title
	if text == "" {
		text = pb.Payload
	}
	_, _, err = s.o.Receiver.Receive(ctx, channel.Inbound{Inbox: &page.Inbox, From: from, ContactID: ct.ID, ExternalID: ext, Text: text,
		Channel: &conversation.ChannelMeta{Postback: pb.Payload}, Repaired: ev.repaired})
	return err
}

// echo stores a message the Page sent from outside Parley (Meta's own inbox, another app) as the
// Page's. Parley's own replies come back as echoes too, marked in their metadata: those are known.
func (s *Service) echo(ctx context.Context, page *Page, ev messagingEvent) error {
	m := ev.Message
	psid := ev.Recipient.ID
	if psid == "" || m.Mid == "" || strings.HasPrefix(m.Metadata, metadataPrefix) {
		return nil
	}
	if dup, err := s.o.Receiver.Duplicate(ctx, page.ID, m.Mid); err != nil || dup != nil {
		return err
	}
	from, pr, err := s.person(ctx, page, psid)
	if err != nil {
		return err
	}
	ct, err := s.o.Receiver.Contact(ctx, from)
	if err != nil {
		return err
	}
	s.keepPicture(ctx, page, psid, pr)
	name := page.PageName
	if name == "" {
		name = page.Name
	}
	in := channel.Inbound{Inbox: &page.Inbox, From: from, ContactID: ct.ID, ExternalID: m.Mid, Text: m.Text, Echo: true, EchoName: name, Repaired: ev.repaired}
	meta := &conversation.ChannelMeta{Echo: true}
	if err := s.attachments(ctx, &in, meta, string(m.StickerID), m.Attachments); err != nil {
		return err
	}
	in.Channel = meta
	if strings.TrimSpace(in.Text) == "" && len(in.Attachments) == 0 {
		return nil // a template or other content Parley cannot show
	}
	_, _, err = s.o.Receiver.Receive(ctx, in)
	return err
}

// receipt moves the Page's replies to a person on to delivered or read: those Meta names, and all
// sent up to the watermark.
func (s *Service) receipt(ctx context.Context, page *Page, psid string, mids []string, watermark int64, status conversation.DeliveryStatus) error {
	for _, mid := range mids {
		m, err := s.o.Repo.MessageByExternalID(ctx, page.ID, mid)
		if errs.Is(err, errs.NotFound) {
			continue // not Parley's reply (sent from elsewhere), or one deleted since
		}
		if err != nil {
			return err
		}
		if err := s.o.Convs.RecordDelivery(ctx, m.ConversationID, m.ID, conversation.Delivery{Status: status}, ""); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
	}
	if watermark <= 0 {
		return nil
	}
	known, err := s.o.Repo.ChannelContact(ctx, page.ID, psid)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	from := []conversation.DeliveryStatus{conversation.Sent}
	if status == conversation.Read {
		from = append(from, conversation.Delivered)
	}
	list, err := s.o.Repo.OutboundBefore(ctx, page.ID, known.ContactID, watermark, from...)
	if err != nil {
		return err
	}
	for _, m := range list {
		err := s.o.Convs.RecordDelivery(ctx, m.ConversationID, m.ID, conversation.Delivery{Status: status}, "")
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
	}
	return nil
}

// eventTime is Meta's timestamp of an event (unix ms), or now when it has none or one from the
// future (a clock far off must not hold a window open).
func eventTime(ts int64, now time.Time) int64 {
	n := now.UnixMilli()
	if ts <= 0 || ts > n+time.Minute.Milliseconds() {
		return n
	}
	return ts
}
