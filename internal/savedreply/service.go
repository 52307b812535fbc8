package savedreply

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/blob"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
)

// Repo is the storage the service needs; internal/store implements it.
type Repo interface {
	// CreateSavedReply inserts r and sets its ID; a shortcut already used in the same scope (and
	// by the same owner) fails with errs.Conflict "shortcut_taken".
	CreateSavedReply(ctx context.Context, r *SavedReply, evs ...event.Event) error
	SavedReplyByID(ctx context.Context, id int64) (*SavedReply, error)
	// ListSavedReplies returns the shared replies and ownerID's own, by shortcut.
	ListSavedReplies(ctx context.Context, ownerID int64) ([]SavedReply, error)
	// UpdateSavedReply saves r's shortcut, title, body, attachment and updated_at.
	UpdateSavedReply(ctx context.Context, r *SavedReply, evs ...event.Event) error
	DeleteSavedReply(ctx context.Context, id int64, evs ...event.Event) error

	ContactByID(ctx context.Context, id int64) (*contact.Contact, error)
	InboxByID(ctx context.Context, id int64) (*inbox.Inbox, error)
}

// Conversations is what filling a reply needs of the conversation service: the conversation, if the
// agent may see it.
type Conversations interface {
	Get(ctx context.Context, u *auth.User, id int64) (*conversation.Conversation, conversation.Allowed, error)
}

// Uploads finds an upload's owner and state (internal/blob).
type Uploads interface {
	Get(ctx context.Context, id int64) (*blob.Blob, error)
}

// Feed announces committed events to every node (internal/event).
type Feed interface {
	Committed(ctx context.Context, n event.Notice)
}

// Options configures a Service.
type Options struct {
	Repo          Repo
	Conversations Conversations
	Uploads       Uploads
	Feed          Feed // may be nil: nothing is announced
	Now           func() time.Time
}

// Service manages saved replies and fills them in for a conversation.
type Service struct {
	o Options
}

// NewService returns the saved replies service.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{o: o}
}

// replyPayload encodes a reply when its event is written, after an insert gave it its id.
type replyPayload struct{ r *SavedReply }

func (p replyPayload) MarshalJSON() ([]byte, error) { return json.Marshal(p.r) }

func replyEvent(t event.Type, actor *auth.User, r *SavedReply) event.Event {
	e := event.New(t, replyPayload{r})
	e.ActorID = actor.ID
	return e
}

func (s *Service) committed(ctx context.Context, evs []event.Event) {
	if s.o.Feed != nil {
		s.o.Feed.Committed(ctx, event.Notice{Events: evs})
	}
}

func errNotFound() error {
	return errs.Coded(errs.NotFound, "saved_reply_not_found", "saved reply not found")
}

// visible reports whether u may use r: shared replies are everyone's, personal ones their owner's.
func visible(u *auth.User, r *SavedReply) bool {
	return r.Scope == Shared || r.OwnerID == u.ID
}

// mayChange decides whether u may change r: their own, or a shared one if they are an admin.
func mayChange(u *auth.User, r *SavedReply) error {
	if !visible(u, r) {
		return errNotFound()
	}
	if r.Scope == Shared && !u.Role.IsAdmin() {
		return errs.Coded(errs.Forbidden, "shared_reply_admins_only", "only admins change shared saved replies")
	}
	return nil
}

// List returns the replies u may use — the shared ones and their own — matching q (all when empty),
// by shortcut.
func (s *Service) List(ctx context.Context, u *auth.User, q string) ([]SavedReply, error) {
	all, err := s.o.Repo.ListSavedReplies(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := []SavedReply{}
	for _, r := range all {
		if visible(u, &r) && r.Matches(q) {
			out = append(out, r)
		}
	}
	SortByShortcut(out)
	return out, nil
}

// Get returns one reply u may use.
func (s *Service) Get(ctx context.Context, u *auth.User, id int64) (*SavedReply, error) {
	r, err := s.o.Repo.SavedReplyByID(ctx, id)
	if errs.Is(err, errs.NotFound) {
		return nil, errNotFound()
	}
	if err != nil {
		return nil, err
	}
	if !visible(u, r) {
		return nil, errNotFound()
	}
	return r, nil
}

// Create saves a new reply: personal (the default) for u, or shared if u is an admin.
func (s *Service) Create(ctx context.Context, u *auth.User, in Input) (*SavedReply, error) {
	now := s.o.Now().UnixMilli()
	r := &SavedReply{Scope: Personal, OwnerID: u.ID, CreatedBy: u.ID, CreatedAt: now, UpdatedAt: now}
	if in.Scope != nil {
		switch *in.Scope {
		case Personal:
		case Shared:
			r.Scope, r.OwnerID = Shared, 0
		default:
			return nil, errs.Coded(errs.Invalid, "scope_invalid", "scope must be personal or shared")
		}
	}
	if in.Shortcut == nil || in.Title == nil || in.Body == nil {
		return nil, errs.Coded(errs.Invalid, "saved_reply_incomplete", "a saved reply needs a shortcut, a title and a text")
	}
	if err := mayChange(u, r); err != nil {
		return nil, err
	}
	if err := in.apply(r); err != nil {
		return nil, err
	}
	evs := []event.Event{replyEvent(event.SavedReplyCreated, u, r)}
	if err := s.o.Repo.CreateSavedReply(ctx, r, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, evs)
	return r, nil
}

// Update changes a reply's shortcut, title or text.
func (s *Service) Update(ctx context.Context, u *auth.User, id int64, in Input) (*SavedReply, error) {
	if in.Scope != nil {
		return nil, errs.Coded(errs.Invalid, "scope_fixed", "a saved reply's scope is chosen when it is made; make a new one instead")
	}
	return s.change(ctx, u, id, func(r *SavedReply) error { return in.apply(r) })
}

// change loads a reply u may change, applies fn and saves it with its event.
func (s *Service) change(ctx context.Context, u *auth.User, id int64, fn func(r *SavedReply) error) (*SavedReply, error) {
	r, err := s.Get(ctx, u, id)
	if err != nil {
		return nil, err
	}
	if err := mayChange(u, r); err != nil {
		return nil, err
	}
	if err := fn(r); err != nil {
		return nil, err
	}
	r.UpdatedAt = max(s.o.Now().UnixMilli(), r.UpdatedAt+1)
	evs := []event.Event{replyEvent(event.SavedReplyUpdated, u, r)}
	if err := s.o.Repo.UpdateSavedReply(ctx, r, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, evs)
	return r, nil
}

// Delete removes a reply (its attachment becomes an orphan upload, cleaned up later).
func (s *Service) Delete(ctx context.Context, u *auth.User, id int64) error {
	r, err := s.Get(ctx, u, id)
	if err != nil {
		return err
	}
	if err := mayChange(u, r); err != nil {
		return err
	}
	evs := []event.Event{replyEvent(event.SavedReplyDeleted, u, r)}
	if err := s.o.Repo.DeleteSavedReply(ctx, id, evs...); err != nil {
		return err
	}
	s.committed(ctx, evs)
	return nil
}

// SetAttachment makes an upload of u's (not sent in any message) the reply's attachment, in place
// of the one it had; uploadID 0 removes it.
func (s *Service) SetAttachment(ctx context.Context, u *auth.User, id, uploadID int64) (*SavedReply, error) {
	return s.change(ctx, u, id, func(r *SavedReply) error {
		r.Attachment = nil
		if uploadID == 0 {
			return nil
		}
		b, err := s.o.Uploads.Get(ctx, uploadID)
		if errs.Is(err, errs.NotFound) || (err == nil && (b.Uploader != blob.UserUploader(u.ID) || b.ConversationID != 0)) {
			return errs.Coded(errs.Invalid, "attachment_invalid", "attach a file you uploaded and have not sent")
		}
		if err != nil {
			return err
		}
		r.Attachment = &Attachment{ID: b.ID, Name: b.Name, ContentType: b.ContentType, Size: b.Size}
		return nil
	})
}

// Filled is a reply as it goes into the composer of one conversation.
type Filled struct {
	Body       string      `json:"body"`
	Attachment *Attachment `json:"attachment"`
	// Missing names the variables that had no value and no fallback: they were left empty, so the
	// agent may want to read the text before sending it.
	Missing []string `json:"missing"`
}

// Fill returns a reply's text with its variables filled in for a conversation u may see (and its
// attachment, which the composer sends as a new upload).
func (s *Service) Fill(ctx context.Context, u *auth.User, id, conversationID int64) (*Filled, error) {
	r, err := s.Get(ctx, u, id)
	if err != nil {
		return nil, err
	}
	c, _, err := s.o.Conversations.Get(ctx, u, conversationID)
	if err != nil {
		return nil, err
	}
	v, err := s.values(ctx, u, c)
	if err != nil {
		return nil, err
	}
	body, missing := Fill(r.Body, v)
	return &Filled{Body: body, Attachment: r.Attachment, Missing: missing}, nil
}

// values are the variables' values for agent u in conversation c.
func (s *Service) values(ctx context.Context, u *auth.User, c *conversation.Conversation) (Values, error) {
	v := Values{
		"agent.name":       u.Name,
		"agent.first_name": FirstName(u.Name),
		"agent.email":      u.Email,
		"conversation.id":  strconv.FormatInt(c.ID, 10),
	}
	ct, err := s.o.Repo.ContactByID(ctx, c.ContactID)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	if ct != nil {
		v["contact.name"], v["contact.first_name"], v["contact.last_name"] = ct.Name, FirstName(ct.Name), LastName(ct.Name)
		v["contact.email"], v["contact.phone"] = ct.Email, ct.Phone
	}
	ib, err := s.o.Repo.InboxByID(ctx, c.InboxID)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	if ib != nil {
		v["inbox.name"] = ib.Name
	}
	return v, nil
}

// SortByShortcut orders replies as lists show them (in Go: the engines collate text differently).
func SortByShortcut(rs []SavedReply) {
	slices.SortFunc(rs, func(a, b SavedReply) int {
		if c := strings.Compare(a.Shortcut, b.Shortcut); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
}
