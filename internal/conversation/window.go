package conversation

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
)

// Messenger and WhatsApp let a business answer freely only for a while after the person last
// wrote: Messenger's standard messaging window and WhatsApp's customer service session are 24
// hours. After it, a Messenger Page that has the human agent tag may still answer for 7 days with
// the HUMAN_AGENT tag, and WhatsApp takes only approved templates. Which reply may go out, and how,
// is decided here (outbound asks), so the composer is told the same rule the send follows.

const (
	// StandardWindow is how long after a person's last message a reply goes out freely.
	StandardWindow = 24 * time.Hour
	// HumanAgentWindow is how long a Messenger Page with the human agent tag may answer.
	HumanAgentWindow = 7 * 24 * time.Hour
	// TagHumanAgent is Messenger's message tag for a person answering after the standard window.
	TagHumanAgent = "HUMAN_AGENT"
)

// Longest replies the channels take, in characters: Messenger's text limit and what Twilio sends
// as one WhatsApp message.
const (
	maxMessengerText = 2000
	maxWhatsAppText  = 1600
)

// WindowFacts is what the rule needs to know of a contact on a channel inbox.
type WindowFacts struct {
	// LastInboundAt is when the contact last wrote to the inbox (unix ms; 0: never).
	LastInboundAt int64
	// HumanAgent: the inbox is a Messenger Page with the human agent tag.
	HumanAgent bool
}

// ReplyWindow is where a Messenger or WhatsApp conversation stands: until ClosesAt a reply goes
// out freely; after it a Messenger reply goes with Tag until TagUntil (set when the Page has the
// human agent tag), and a WhatsApp reply must be an approved template (TemplatesOnly).
type ReplyWindow struct {
	LastInboundAt int64  `json:"last_inbound_at,omitempty"`
	ClosesAt      int64  `json:"closes_at"`
	Open          bool   `json:"open"`
	Tag           string `json:"tag,omitempty"`
	TagUntil      int64  `json:"tag_until,omitempty"`
	TemplatesOnly bool   `json:"templates_only,omitempty"`
}

// WindowFor applies the rule to a channel's facts at now (unix ms); nil for channels without one.
func WindowFor(kind inbox.Kind, f WindowFacts, now int64) *ReplyWindow {
	if kind != inbox.Messenger && kind != inbox.WhatsApp {
		return nil
	}
	w := &ReplyWindow{LastInboundAt: f.LastInboundAt}
	if f.LastInboundAt > 0 {
		w.ClosesAt = f.LastInboundAt + StandardWindow.Milliseconds()
		w.Open = now < w.ClosesAt
	}
	switch kind {
	case inbox.Messenger:
		// TagUntil is told while the window is open too, so the composer knows what comes after it.
		if f.HumanAgent && f.LastInboundAt > 0 {
			w.TagUntil = f.LastInboundAt + HumanAgentWindow.Milliseconds()
			if !w.Open && now < w.TagUntil {
				w.Tag = TagHumanAgent
			}
		}
	case inbox.WhatsApp:
		w.TemplatesOnly = !w.Open
	}
	return w
}

// replyWindow reads the window of c now (nil for channels without one).
func (s *Service) replyWindow(ctx context.Context, c *Conversation) (*ReplyWindow, error) {
	if c.Channel != inbox.Messenger && c.Channel != inbox.WhatsApp {
		return nil, nil
	}
	f, err := s.repo.ReplyWindowFacts(ctx, c.InboxID, c.ContactID)
	if err != nil {
		return nil, err
	}
	return WindowFor(c.Channel, f, s.nowMS()), nil
}

var errWindowClosed = errs.Coded(errs.Conflict, "reply_window_closed",
	"more than 24 hours have passed since the contact last wrote: Messenger takes no reply until they write again")

// messagingReply checks an agent's reply m in a Messenger or WhatsApp conversation c against the
// window and the channel's limits, and marks how it goes out (a tag, a template).
func (s *Service) messagingReply(ctx context.Context, c *Conversation, m *Message, in MessageInput) error {
	w, err := s.replyWindow(ctx, c)
	if err != nil {
		return err
	}
	limit := maxMessengerText
	if c.Channel == inbox.WhatsApp {
		limit = maxWhatsAppText
	}
	if utf8.RuneCountInString(m.Body) > limit {
		return errs.Coded(errs.Invalid, "too_long_for_channel", "%s takes at most %d characters in one message", channelName(c.Channel), limit)
	}
	if in.Template != nil && c.Channel != inbox.WhatsApp {
		return errs.Coded(errs.Invalid, "template_unsupported", "only WhatsApp replies are sent as templates")
	}
	switch {
	case c.Channel == inbox.WhatsApp && in.Template != nil:
		t, err := s.cleanTemplate(*in.Template)
		if err != nil {
			return err
		}
		if m.AttachmentID != 0 {
			return errs.Coded(errs.Invalid, "template_attachment", "a template is sent without an attachment")
		}
		m.Channel = &ChannelMeta{Template: t}
	case w.Open:
	case c.Channel == inbox.WhatsApp:
		return errs.Coded(errs.Conflict, "template_required",
			"more than 24 hours have passed since the contact last wrote: WhatsApp takes only an approved template until they write again")
	case w.Tag != "":
		m.Channel = &ChannelMeta{Tag: w.Tag}
	default:
		return errWindowClosed
	}
	return nil
}

func channelName(k inbox.Kind) string {
	if k == inbox.WhatsApp {
		return "WhatsApp"
	}
	return "Messenger"
}

// contentSID is the form of a Twilio Content API SID.
var contentSID = regexp.MustCompile(`^HX[0-9a-fA-F]{32}$`)

// cleanTemplate checks a template reply's SID and variables (numbered or named, at most 50, each
// one line of at most 1024 characters), masking card numbers in them.
func (s *Service) cleanTemplate(t Template) (*Template, error) {
	t.SID = strings.TrimSpace(t.SID)
	if !contentSID.MatchString(t.SID) {
		return nil, errs.Coded(errs.Invalid, "template_invalid", "template.sid must be a Content SID (HX and 32 hex digits)")
	}
	if len(t.Variables) > 50 {
		return nil, errs.Coded(errs.Invalid, "template_invalid", "at most 50 template variables")
	}
	vars := map[string]string{}
	for k, v := range t.Variables {
		k = strings.TrimSpace(k)
		if k == "" || utf8.RuneCountInString(k) > 64 || utf8.RuneCountInString(v) > 1024 || strings.ContainsAny(v, "\r\n") {
			return nil, errs.Coded(errs.Invalid, "template_invalid", "template variables are one line of at most 1024 characters, named by 1 to 64 characters")
		}
		if strings.TrimSpace(v) == "" {
			return nil, errs.Coded(errs.Invalid, "template_variable_empty", "template variable %s is empty", k)
		}
		vars[k] = s.mask(v)
	}
	t.Variables = vars
	t.Name = s.mask(strings.TrimSpace(t.Name))
	if utf8.RuneCountInString(t.Name) > 200 {
		t.Name = string([]rune(t.Name)[:200])
	}
	return &t, nil
}

// ContactPicture returns the blob id of a contact's picture from their channel's profile, for
// someone who may see the contact (errs.NotFound when there is none).
func (s *Service) ContactPicture(ctx context.Context, u *auth.User, contactID int64) (int64, error) {
	if err := s.SeesContact(ctx, u, contactID); err != nil {
		return 0, err
	}
	id, err := s.repo.ContactPicture(ctx, contactID)
	if err != nil {
		return 0, err
	}
	if id == 0 {
		return 0, errs.E(errs.NotFound, "the contact has no picture")
	}
	return id, nil
}
