package search

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// Conversation tags: agents add and remove them in a conversation they may see (a new name makes a
// new tag); admins rename, colour, merge and delete them. Lists filter by them (tags=…).

// TagInfo is a tag with how many conversations carry it.
type TagInfo struct {
	conversation.Tag
	Conversations int   `json:"conversations"`
	CreatedAt     int64 `json:"created_at"`
	UpdatedAt     int64 `json:"updated_at"`
}

// TagRepo is the tags' storage (internal/store).
type TagRepo interface {
	ListTags(ctx context.Context) ([]TagInfo, error)
	TagByID(ctx context.Context, id int64) (*conversation.Tag, error)
	// EnsureTag returns the tag whose key is key, making it (named name) when there is none.
	EnsureTag(ctx context.Context, name, key string, at int64) (*conversation.Tag, error)
	// TagConversation adds (or removes) a tag and commits evs with it when that changed anything.
	TagConversation(ctx context.Context, convID, tagID, userID int64, add bool, at int64, evs ...event.Event) (changed bool, err error)
	ConversationTags(ctx context.Context, convID int64) ([]conversation.Tag, error)
	// UpdateTag saves a tag's name, key and colour; a key taken by another tag is errs.Conflict.
	UpdateTag(ctx context.Context, t *conversation.Tag, key string, at int64, evs ...event.Event) error
	// MergeTags moves every conversation of tag from onto into and deletes from.
	MergeTags(ctx context.Context, from, into int64, evs ...event.Event) error
	DeleteTag(ctx context.Context, id int64, evs ...event.Event) error
}

// Conversations is what tags need of conversations: one the user may see, and who sees what.
type Conversations interface {
	Get(ctx context.Context, u *auth.User, id int64) (*conversation.Conversation, conversation.Allowed, error)
	Scoper
	CountFiltered(ctx context.Context, u *auth.User, folder conversation.Folder, f conversation.Filter) (int, error)
}

// Feed announces committed events (internal/event).
type Feed interface {
	Committed(ctx context.Context, n event.Notice)
}

// Organizer keeps tags and saved views.
type Organizer struct {
	tags  TagRepo
	views ViewRepo
	convs Conversations
	feed  Feed
	now   func() time.Time
}

// NewOrganizer returns the tags' and saved views' service; feed may be nil.
func NewOrganizer(tags TagRepo, views ViewRepo, convs Conversations, feed Feed) *Organizer {
	return &Organizer{tags: tags, views: views, convs: convs, feed: feed, now: time.Now}
}

func (o *Organizer) announce(ctx context.Context, evs ...event.Event) {
	if o.feed != nil {
		o.feed.Committed(ctx, event.Notice{Events: evs})
	}
}

// TagKey is what makes two tag names the same tag: lower-cased, accents folded, spaces collapsed.
func TagKey(name string) string { return Fold(strings.Join(strings.Fields(name), " ")) }

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

func tagName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || utf8.RuneCountInString(name) > 40 {
		return "", errs.Coded(errs.Invalid, "tag_name_invalid", "a tag's name has 1 to 40 characters")
	}
	return name, nil
}

// Tags lists every tag, by name, with how many conversations carry it.
func (o *Organizer) Tags(ctx context.Context) ([]TagInfo, error) { return o.tags.ListTags(ctx) }

// TaggedData is the payload of conversation.tagged.
type TaggedData struct {
	ConversationID int64            `json:"conversation_id"`
	InboxID        int64            `json:"inbox_id"`
	Tag            conversation.Tag `json:"tag"`
	Action         string           `json:"action"` // added, removed
	// Visibility is the conversation's state the rules decide who sees it by (live sockets).
	Visibility conversation.Visibility `json:"visibility"`
}

func (o *Organizer) tagEvent(u *auth.User, c *conversation.Conversation, t *conversation.Tag, action string) event.Event {
	e := event.New(event.ConversationTagged, TaggedData{ConversationID: c.ID, InboxID: c.InboxID, Tag: *t, Action: action,
		Visibility: conversation.Visibility{Status: c.Status, AssigneeID: c.AssigneeID, WithBot: c.WithBot}})
	e.ConversationID, e.InboxID, e.ActorID = c.ID, c.InboxID, u.ID
	return e
}

// AddTag tags a conversation the user may see with the tag named name (made when new) and
// returns the conversation's tags.
func (o *Organizer) AddTag(ctx context.Context, u *auth.User, convID int64, name string) ([]conversation.Tag, error) {
	c, allowed, err := o.convs.Get(ctx, u, convID)
	if err != nil {
		return nil, err
	}
	if !allowed.Note {
		return nil, errs.E(errs.Forbidden, "you may not tag this conversation")
	}
	name, err = tagName(name)
	if err != nil {
		return nil, err
	}
	now := o.now().UnixMilli()
	t, err := o.tags.EnsureTag(ctx, name, TagKey(name), now)
	if err != nil {
		return nil, err
	}
	// The store encodes the events in this slice, with their positions: they are announced as written.
	evs := []event.Event{o.tagEvent(u, c, t, "added")}
	changed, err := o.tags.TagConversation(ctx, c.ID, t.ID, u.ID, true, now, evs...)
	if err != nil {
		return nil, err
	}
	if changed {
		o.announce(ctx, evs...)
	}
	return o.tags.ConversationTags(ctx, c.ID)
}

// RemoveTag takes a tag off a conversation the user may see and returns its tags.
func (o *Organizer) RemoveTag(ctx context.Context, u *auth.User, convID, tagID int64) ([]conversation.Tag, error) {
	c, allowed, err := o.convs.Get(ctx, u, convID)
	if err != nil {
		return nil, err
	}
	if !allowed.Note {
		return nil, errs.E(errs.Forbidden, "you may not tag this conversation")
	}
	t, err := o.tags.TagByID(ctx, tagID)
	if err != nil {
		return nil, err
	}
	evs := []event.Event{o.tagEvent(u, c, t, "removed")}
	changed, err := o.tags.TagConversation(ctx, c.ID, t.ID, u.ID, false, o.now().UnixMilli(), evs...)
	if err != nil {
		return nil, err
	}
	if changed {
		o.announce(ctx, evs...)
	}
	return o.tags.ConversationTags(ctx, c.ID)
}

// ConversationTags returns the tags of a conversation the user may see.
func (o *Organizer) ConversationTags(ctx context.Context, u *auth.User, convID int64) ([]conversation.Tag, error) {
	if _, _, err := o.convs.Get(ctx, u, convID); err != nil {
		return nil, err
	}
	return o.tags.ConversationTags(ctx, convID)
}

// TagPatch is an admin's change to a tag.
type TagPatch struct {
	Name  *string `json:"name"`
	Color *string `json:"color"`
}

// TagChangedData is the payload of tag.changed.
type TagChangedData struct {
	conversation.Tag
	MergedInto int64 `json:"merged_into,omitempty"`
	Deleted    bool  `json:"deleted,omitempty"`
}

func tagChanged(u *auth.User, d TagChangedData) event.Event {
	e := event.New(event.TagChanged, d)
	e.ActorID = u.ID
	return e
}

func admin(u *auth.User) error {
	if !u.Role.IsAdmin() {
		return errs.E(errs.Forbidden, "only admins manage tags")
	}
	return nil
}

// UpdateTag renames or colours a tag (admins).
func (o *Organizer) UpdateTag(ctx context.Context, u *auth.User, id int64, p TagPatch) (*conversation.Tag, error) {
	if err := admin(u); err != nil {
		return nil, err
	}
	t, err := o.tags.TagByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Name != nil {
		if t.Name, err = tagName(*p.Name); err != nil {
			return nil, err
		}
	}
	if p.Color != nil {
		if *p.Color != "" && !colorRE.MatchString(*p.Color) {
			return nil, errs.Coded(errs.Invalid, "tag_color_invalid", "a tag's colour is #rrggbb or empty")
		}
		t.Color = strings.ToLower(*p.Color)
	}
	evs := []event.Event{tagChanged(u, TagChangedData{Tag: *t})}
	if err := o.tags.UpdateTag(ctx, t, TagKey(t.Name), o.now().UnixMilli(), evs...); err != nil {
		return nil, err
	}
	o.announce(ctx, evs...)
	return t, nil
}

// MergeTag moves every conversation of tag from onto tag into, and deletes from (admins).
func (o *Organizer) MergeTag(ctx context.Context, u *auth.User, from, into int64) (*conversation.Tag, error) {
	if err := admin(u); err != nil {
		return nil, err
	}
	if from == into {
		return nil, errs.Coded(errs.Invalid, "tag_merge_self", "a tag cannot be merged into itself")
	}
	f, err := o.tags.TagByID(ctx, from)
	if err != nil {
		return nil, err
	}
	t, err := o.tags.TagByID(ctx, into)
	if err != nil {
		return nil, err
	}
	evs := []event.Event{tagChanged(u, TagChangedData{Tag: *f, MergedInto: t.ID, Deleted: true})}
	if err := o.tags.MergeTags(ctx, f.ID, t.ID, evs...); err != nil {
		return nil, err
	}
	o.announce(ctx, evs...)
	return t, nil
}

// DeleteTag deletes a tag, taking it off every conversation (admins).
func (o *Organizer) DeleteTag(ctx context.Context, u *auth.User, id int64) error {
	if err := admin(u); err != nil {
		return err
	}
	t, err := o.tags.TagByID(ctx, id)
	if err != nil {
		return err
	}
	evs := []event.Event{tagChanged(u, TagChangedData{Tag: *t, Deleted: true})}
	if err := o.tags.DeleteTag(ctx, id, evs...); err != nil {
		return err
	}
	o.announce(ctx, evs...)
	return nil
}
