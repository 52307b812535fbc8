// Package channel is the seam every channel sits behind — website chat, email, Messenger and
// WhatsApp. Inbound, a channel hands Receive a message it received; Receive
// normalises it into the conversation log through the conversation service: the contact matched
// or created by the channel's identity, the message stored once however often it arrives (by the
// channel's own message id, unique per inbox), its text cleaned and noted when it had to be, card
// numbers masked, attachments kept in the blob store. Outbound, which replies go out through which
// channel is decided by the conversation service (conversation.Service's outbound), which enqueues
// a durable job per reply in the reply's own write; the Dispatcher runs those jobs through the
// channel's Sender and stores the result on the message — queued, sent, delivered or failed with
// the channel's error —, retrying temporary failures with back-off and giving up on permanent
// ones at once. Website chat's own outbound is its socket; its path to a visitor who left is an
// email (internal/channel/followup).
package channel

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/blob"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/mask"
)

// Conversations is what the seam needs of the conversation service.
type Conversations interface {
	Receive(ctx context.Context, in conversation.Received) (*conversation.Conversation, *conversation.Message, error)
	Received(ctx context.Context, inboxID int64, externalID string) (*conversation.Message, error)
}

// Contacts matches a channel's sender to a contact, or makes one.
type Contacts interface {
	ByEmail(ctx context.Context, address, name string) (*contact.Contact, error)
	ByChannel(ctx context.Context, p contact.ChannelPerson) (*contact.Contact, bool, error)
	SamePhone(ctx context.Context, c *contact.Contact) ([]int64, error)
}

// MergeOffers is told of a contact a channel has just made whose phone another contact already
// has: the two may be one person, and agents are to be offered to merge them. The merge of people
// belongs to the CRM (being built separately); until it is there, nothing implements this and
// ReceiverOptions.MergeOffers stays nil.
type MergeOffers interface {
	OfferMerge(ctx context.Context, contactID int64, samePhone []int64) error
}

// ReceiverOptions configures a Receiver.
type ReceiverOptions struct {
	Conversations Conversations
	Contacts      Contacts
	Blobs         Blobs
	// MergeOffers, when set, hears of new channel contacts that may be someone already known.
	MergeOffers MergeOffers
	Logger      *slog.Logger
}

// Blobs keeps the files messages bring.
type Blobs interface {
	Upload(ctx context.Context, uploader string, conversationID int64, name string, r io.Reader) (*blob.Blob, error)
}

// Identity is who wrote, as the channel knows them: an email address, or a channel's own id of
// them in an inbox (a Messenger Page-scoped id, a WhatsApp number).
type Identity struct {
	Email string
	Name  string
	// InboxID and ChannelID: the channel's own id of the sender in the inbox; set, it is what
	// matches them (Email is not used). Phone is their number when the id is one.
	InboxID   int64
	ChannelID string
	Phone     string
}

// Attachment is a file that came with a message. An inline one is shown by the message's HTML
// (src="cid:ContentID") rather than listed.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
	Inline      bool
	ContentID   string
}

// Inbound is a message a channel received, before the seam stores it.
type Inbound struct {
	Inbox *inbox.Inbox
	// From is the sender; ContactID, when the channel already matched them, spares the lookup.
	From      Identity
	ContactID int64
	// ExternalID is the channel's own id of the message (an email's Message-ID); the seam stores
	// a message once per inbox however often it arrives.
	ExternalID string
	// Text is the message as the contact wrote it (what the channel shows); HTML its sanitised
	// HTML, if it has one, where "cid:" images are made links to their stored files.
	Text, HTML string
	// Original is what the channel hid (an email's quoted history), kept and viewable.
	Original *conversation.Original
	// Repaired: the channel had to clean the text (NUL bytes, invalid UTF-8) before here.
	Repaired    bool
	Attachments []Attachment
	// Where it goes (see conversation.Received): a matched conversation, a new one, or the rules.
	ConversationID int64
	New            bool
	Subject        string
	Spam           bool
	AutoReply      bool
	// Email is the mail side of an email; its texts are masked here.
	Email *conversation.EmailMeta
	// Channel is what a Messenger or WhatsApp message carries besides its text; masked here.
	Channel *conversation.ChannelMeta
	// Echo: the business itself sent it outside Parley (a Page's message from Meta's inbox): it is
	// stored as the business's, named EchoName, and reopens nothing.
	Echo     bool
	EchoName string
}

// Receiver stores what channels receive.
type Receiver struct {
	convs    Conversations
	contacts Contacts
	blobs    Blobs
	offers   MergeOffers
	log      *slog.Logger
}

// NewReceiver returns the inbound side of the seam.
func NewReceiver(o ReceiverOptions) *Receiver {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Receiver{convs: o.Conversations, contacts: o.Contacts, blobs: o.Blobs, offers: o.MergeOffers, log: o.Logger}
}

// Contact returns the contact a sender is (matched by their identity, or new). A new contact made
// for a channel's id whose phone another contact has is offered for merging (MergeOffers).
func (r *Receiver) Contact(ctx context.Context, from Identity) (*contact.Contact, error) {
	if from.ChannelID == "" {
		return r.contacts.ByEmail(ctx, from.Email, from.Name)
	}
	c, created, err := r.contacts.ByChannel(ctx, contact.ChannelPerson{InboxID: from.InboxID, ExternalID: from.ChannelID, Name: from.Name, Phone: from.Phone})
	if err != nil || !created || r.offers == nil {
		return c, err
	}
	same, err := r.contacts.SamePhone(ctx, c)
	if err == nil && len(same) > 0 {
		err = r.offers.OfferMerge(ctx, c.ID, same)
	}
	if err != nil {
		// The contact is made; only the offer is missing, which an agent can still make by hand.
		r.log.WarnContext(ctx, "offer a channel contact for merging", "contact_id", c.ID, "err", err)
	}
	return c, nil
}

// Duplicate reports whether the inbox already holds the message with this channel id (nil when
// it does not), so a channel can skip the work of a second delivery.
func (r *Receiver) Duplicate(ctx context.Context, inboxID int64, externalID string) (*conversation.Message, error) {
	if externalID == "" {
		return nil, nil
	}
	externalID, _ = Clean(externalID) // as Receive stores it
	m, err := r.convs.Received(ctx, inboxID, externalID)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	return m, err
}

// Receive stores a received message in the conversation log and returns where it went. A second
// delivery of a message stores nothing and returns the first (with no error).
func (r *Receiver) Receive(ctx context.Context, in Inbound) (*conversation.Conversation, *conversation.Message, error) {
	// Whatever else the channel hands over that is stored as text is made storable too (what the
	// message says is cleaned below); the message is marked repaired when any of it had to be.
	var fixed [4]bool
	in.ExternalID, fixed[0] = Clean(in.ExternalID)
	in.Subject, fixed[1] = Clean(in.Subject)
	in.From.Name, fixed[2] = Clean(in.From.Name)
	in.EchoName, fixed[3] = Clean(in.EchoName)
	in.Repaired = in.Repaired || fixed != [4]bool{}
	if dup, err := r.Duplicate(ctx, in.Inbox.ID, in.ExternalID); err != nil || dup != nil {
		return nil, dup, err
	}
	if in.ContactID == 0 {
		ct, err := r.Contact(ctx, in.From)
		if err != nil {
			return nil, nil, err
		}
		in.ContactID = ct.ID
	}
	text, repaired := Clean(in.Text)
	html, _ := Clean(in.HTML)
	first := conversation.Message{Kind: conversation.Text, Body: text, ExternalID: in.ExternalID, Repaired: repaired || in.Repaired,
		SenderName: maskText(strings.TrimSpace(in.From.Name))}
	if in.Email != nil {
		em := maskMeta(*in.Email)
		first.Email = &em
	}
	if in.Channel != nil {
		cm := maskChannel(*in.Channel)
		first.Channel = &cm
	}
	if in.Original != nil {
		t, _ := Clean(in.Original.Text)
		h, _ := Clean(in.Original.HTML)
		first.Original = &conversation.Original{Text: maskText(t), HTML: maskText(h)}
	}

	// Files first: a stored message never points at a file that is not there. A file the blob
	// store refuses (its type, its size, the daily quota) is noted on the message instead.
	uploader := blob.InboxUploader(in.Inbox.ID)
	var inline []int64
	var files []conversation.Message
	var refused []string
	for _, a := range in.Attachments {
		name := a.Name
		if name == "" {
			name = "attachment"
		}
		cid := strings.Trim(a.ContentID, "<> ")
		b, err := r.blobs.Upload(ctx, uploader, 0, name, bytes.NewReader(a.Data))
		if err != nil {
			if k := errs.KindOf(err); k == errs.Internal || k == errs.Unavailable {
				return nil, nil, err
			}
			n, _ := mask.String(name)
			_, why := errs.Public(err)
			refused = append(refused, n+": "+why)
			continue
		}
		if a.Inline && cid != "" && strings.Contains(html, "cid:"+cid) {
			html = strings.ReplaceAll(html, "cid:"+cid, "/api/v1/attachments/"+strconv.FormatInt(b.ID, 10))
			inline = append(inline, b.ID)
			continue
		}
		files = append(files, conversation.Message{Kind: conversation.Attachment, AttachmentID: b.ID})
	}
	// A cid the message did not bring would only show a broken image.
	html = strings.ReplaceAll(html, `src="cid:`, `data-missing="cid:`)
	first.HTML = maskText(html)
	if len(refused) > 0 {
		switch {
		case first.Email != nil:
			first.Email.Refused = refused
		case in.Inbox.Kind == inbox.Messenger || in.Inbox.Kind == inbox.WhatsApp:
			if first.Channel == nil {
				first.Channel = &conversation.ChannelMeta{}
			}
			first.Channel.Refused = append(first.Channel.Refused, refused...)
		default:
			first.Email = &conversation.EmailMeta{Refused: refused}
		}
	}
	entries := append([]conversation.Message{first}, files...)
	if strings.TrimSpace(first.Body) == "" && first.HTML == "" && len(files) > 0 {
		// Only files: the first of them carries the message's id and mail side.
		files[0].ExternalID, files[0].Email, files[0].Original, files[0].Repaired = first.ExternalID, first.Email, first.Original, first.Repaired
		files[0].Channel = first.Channel
		entries = files
	}
	c, m, err := r.convs.Receive(ctx, conversation.Received{Inbox: in.Inbox, ContactID: in.ContactID, ConversationID: in.ConversationID,
		New: in.New, Subject: in.Subject, Spam: in.Spam, AutoReply: in.AutoReply, Echo: in.Echo, EchoName: in.EchoName, Entries: entries, Blobs: inline,
		Uploader: uploader})
	var dup *conversation.ErrDuplicate
	if errors.As(err, &dup) {
		return nil, dup.Message, nil
	}
	return c, m, err
}

// Clean makes channel text storable: NUL bytes removed, invalid UTF-8 replaced with U+FFFD. It
// reports whether it had to.
func Clean(s string) (string, bool) {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s, false
	}
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD"), true
}

func maskText(s string) string {
	out, _ := mask.String(s)
	return out
}

func maskMeta(m conversation.EmailMeta) conversation.EmailMeta {
	m.Subject, m.From = maskText(m.Subject), maskText(m.From)
	list := func(in []string) []string {
		out := make([]string, len(in))
		for i, s := range in {
			out[i] = maskText(s)
		}
		return out
	}
	m.To, m.Cc, m.Refused = list(m.To), list(m.Cc), list(m.Refused)
	m.Malformed = maskText(m.Malformed)
	return m
}

func maskChannel(m conversation.ChannelMeta) conversation.ChannelMeta {
	m.QuickReply, m.Postback, m.Sticker = maskText(m.QuickReply), maskText(m.Postback), maskText(m.Sticker)
	refused := make([]string, len(m.Refused))
	for i, s := range m.Refused {
		refused[i] = maskText(s)
	}
	m.Refused = refused
	return m
}

// Failure is a send that did not work, and whether trying again later may help.
type Failure struct {
	Err       error
	Temporary bool
	// RetryAfter, when set, is how long the channel asked to wait (a rate limit): the send waits
	// that long without counting it as an attempt.
	RetryAfter time.Duration
}

func (f *Failure) Error() string { return f.Err.Error() }
func (f *Failure) Unwrap() error { return f.Err }

// Permanent marks err as a failure that trying again will not mend (an address that does not
// exist, a refused login): the reply fails at once.
func Permanent(err error) error { return &Failure{Err: err} }

// Temporary marks err as a failure that may pass (a server down, a 4xx reply): the send is tried
// again after a pause that grows.
func Temporary(err error) error { return &Failure{Err: err, Temporary: true} }

// RateLimited marks err as the channel's refusal to take more for now: the send is tried again
// after d, which does not count as a failed attempt.
func RateLimited(err error, d time.Duration) error {
	return &Failure{Err: err, Temporary: true, RetryAfter: max(d, time.Second)}
}

// IsTemporary reports whether a send that failed with err may work later. Errors a channel did
// not classify (the database, the network on the way to it) are taken as temporary.
func IsTemporary(err error) bool {
	var f *Failure
	if errors.As(err, &f) {
		return f.Temporary
	}
	return true
}

// errorText is what a failed delivery shows: the channel's own words, on one line, not overlong.
func errorText(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if utf8.RuneCountInString(s) > 500 {
		s = string([]rune(s)[:500]) + "…"
	}
	return s
}
