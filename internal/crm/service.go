package crm

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// Repo is the storage the CRM needs; internal/store implements it.
type Repo interface {
	// Apply writes b and commits evs in one transaction. A record a batch points at that no longer
	// exists is errs.Invalid "reference_unknown"; a guarded update that lost to another change is
	// errs.Conflict "record_changed"; a record to update or delete that is gone is errs.NotFound.
	Apply(ctx context.Context, b *Batch, evs ...event.Event) error

	PersonByID(ctx context.Context, id int64) (*Person, error)
	PersonOfContact(ctx context.Context, contactID int64) (*Person, error)
	ListPersons(ctx context.Context, q Query) ([]Person, error)
	OrganizationByID(ctx context.Context, id int64) (*Organization, error)
	// OrganizationByName returns the oldest organisation of exactly that name.
	OrganizationByName(ctx context.Context, name string) (*Organization, error)
	ListOrganizations(ctx context.Context, q Query) ([]Organization, error)
	LeadByID(ctx context.Context, id int64) (*Lead, error)
	ListLeads(ctx context.Context, q Query) ([]Lead, error)
	DealByID(ctx context.Context, id int64) (*Deal, error)
	ListDeals(ctx context.Context, q Query) ([]Deal, error)
	// DealSummary counts the deals q keeps per stage, with their totals per currency.
	DealSummary(ctx context.Context, q Query) ([]StageSummary, error)
	ActivityByID(ctx context.Context, id int64) (*Activity, error)
	ListActivities(ctx context.Context, q Query) ([]Activity, error)
	NoteByID(ctx context.Context, id int64) (*Note, error)
	// Changes lists a record's history, newest first (q: BeforeID, Limit).
	Changes(ctx context.Context, t RecordType, id int64, q Query) ([]Change, error)
	// ListNotes lists a record's notes, newest first (q: Q, BeforeID, Limit).
	ListNotes(ctx context.Context, t RecordType, id int64, q Query) ([]Note, error)
	LinksOfConversations(ctx context.Context, ids []int64) ([]Link, error)
	// LinksOfRecord lists the conversations linked to a record.
	LinksOfRecord(ctx context.Context, t RecordType, id int64) ([]Link, error)
	// ConversationsOfContact lists a contact's conversations, newest first.
	ConversationsOfContact(ctx context.Context, contactID int64) ([]conversation.Conversation, error)
	// ActivityZones lists the time zones activities are due in.
	ActivityZones(ctx context.Context) ([]string, error)
	DraftOf(ctx context.Context, conversationID int64) (*Draft, error)
	// LastRotation is the user a team's round-robin owner went to last (0: none yet).
	LastRotation(ctx context.Context, teamID int64) (int64, error)
	// Reindex writes again the search terms of up to limit records of type t with ids above
	// after, and returns the last id done (0 when there were none).
	Reindex(ctx context.Context, t RecordType, after int64, limit int) (int64, error)

	Pipelines(ctx context.Context) ([]Pipeline, error)
	PipelineByID(ctx context.Context, id int64) (*Pipeline, error)
	// SavePipeline inserts p (ID 0) or saves it with its stages, guarded by prevUpdatedAt; making
	// it the default makes the others not. A removed stage that still holds deals is
	// errs.Conflict "stage_in_use".
	SavePipeline(ctx context.Context, p *Pipeline, prevUpdatedAt int64, evs ...event.Event) error
	// DeletePipeline removes a pipeline; one that holds deals is errs.Conflict "pipeline_in_use".
	DeletePipeline(ctx context.Context, id int64, evs ...event.Event) error

	Fields(ctx context.Context, t RecordType) ([]Field, error)
	FieldByID(ctx context.Context, id int64) (*Field, error)
	// SaveField inserts f (ID 0; a key taken is errs.Conflict "key_taken") or saves it, guarded.
	SaveField(ctx context.Context, f *Field, prevUpdatedAt int64, evs ...event.Event) error
	DeleteField(ctx context.Context, id int64, evs ...event.Event) error

	// PersonsByEmail finds the persons with these emails (normalised): email → person id.
	PersonsByEmail(ctx context.Context, emails []string) (map[string]int64, error)
	// OrganizationsByName finds the oldest organisation of each of these exact names.
	OrganizationsByName(ctx context.Context, names []string) (map[string]int64, error)
	// ListSettings returns a user's settings of a list (empty when never saved).
	ListSettings(ctx context.Context, userID int64, t RecordType) (*ListSettings, error)
	SaveListSettings(ctx context.Context, userID int64, t RecordType, s *ListSettings, at int64) error
	// ActiveUsers lists the users who are not deactivated.
	ActiveUsers(ctx context.Context) ([]auth.User, error)

	UserByID(ctx context.Context, id int64) (*auth.User, error)
	TeamByID(ctx context.Context, id int64) (*auth.Team, error)
	ContactByID(ctx context.Context, id int64) (*contact.Contact, error)
	ConversationByID(ctx context.Context, id int64) (*conversation.Conversation, error)
	Messages(ctx context.Context, q conversation.LogQuery) ([]conversation.Message, error)
}

// Conversations is what the CRM needs of the conversation service: its rule of who sees what, and
// the write that records what was made from a conversation in its log.
type Conversations interface {
	Get(ctx context.Context, u *auth.User, id int64) (*conversation.Conversation, conversation.Allowed, error)
	ContactConversations(ctx context.Context, u *auth.User, contactID int64) ([]conversation.Conversation, error)
	RecordItems(ctx context.Context, actor *auth.User, convID int64, decide conversation.ItemsDecide) (*conversation.Conversation, error)
}

// Presence tells whether a user is available (for round-robin owners).
type Presence interface {
	Available(ctx context.Context, userID int64) bool
}

// Feed announces committed events to every node (internal/event).
type Feed interface {
	Committed(ctx context.Context, n event.Notice)
}

// Options configures a Service.
type Options struct {
	Repo          Repo
	Conversations Conversations
	Presence      Presence
	Feed          Feed
	Logger        *slog.Logger
	// Render turns a note's markdown into sanitised HTML (internal/richtext).
	Render func(string) string
	Now    func() time.Time
}

// Service is every action on CRM records, for the agent API, the playbook engine and the note that
// follows a linked conversation.
type Service struct {
	repo     Repo
	convs    Conversations
	presence Presence
	feed     Feed
	log      *slog.Logger
	render   func(string) string
	now      func() time.Time
}

// NewService returns the CRM service.
func NewService(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Render == nil {
		o.Render = func(string) string { return "" }
	}
	return &Service{repo: o.Repo, convs: o.Conversations, presence: o.Presence, feed: o.Feed, log: o.Logger, render: o.Render, now: o.Now}
}

func (s *Service) nowMS() int64 { return s.now().UnixMilli() }

func (s *Service) committed(ctx context.Context, evs ...event.Event) {
	if s.feed != nil && len(evs) > 0 {
		s.feed.Committed(ctx, event.Notice{Events: evs})
	}
}

// recordPayload encodes a record when its event is written, after an insert gave it its id.
type recordPayload struct{ rec any }

func (p recordPayload) MarshalJSON() ([]byte, error) { return json.Marshal(p.rec) }

// recordEvent is an event about a record; actor nil is the bot or the system.
func recordEvent(t event.Type, actor *auth.User, rec any) event.Event {
	e := event.New(t, recordPayload{rec})
	if actor != nil {
		e.ActorID = actor.ID
	}
	return e
}

// DeletedData is the payload of pipeline.deleted and custom_field.deleted (for a custom field, the
// record type it belongs to).
type DeletedData struct {
	Type RecordType `json:"record_type"`
	ID   int64      `json:"id"`
}

func deletedEvent(t event.Type, actor *auth.User, rt RecordType, id int64) event.Event {
	e := event.New(t, DeletedData{Type: rt, ID: id})
	e.ActorID = actor.ID
	return e
}

// deletedRecord is the payload of a person's, organisation's, lead's, deal's or activity's
// *.deleted event: the record as it was, with its record_type (lead.deleted carried the lead as
// it was before deals existed; integrations keep reading it so).
type deletedRecord struct {
	Type RecordType
	Rec  any
	// MergedInto is the record it was merged into, when a merge deleted it.
	MergedInto int64
}

func (d deletedRecord) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(d.Rec)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, err
	}
	fields["record_type"], _ = json.Marshal(d.Type)
	if d.MergedInto != 0 {
		fields["merged_into"], _ = json.Marshal(d.MergedInto)
	}
	return json.Marshal(fields)
}

// plan is what one change writes: the batch, its events, and the lines of the conversation it is
// made from (when it is).
type plan struct {
	b     Batch
	evs   []event.Event
	lines []*conversation.Event
}

// created adds the conversation's "<record> created" line for rec, its id filled once written.
func (p *plan) created(t RecordType, title string, id *int64) {
	line := &conversation.Event{Type: conversation.EventItemCreated, ItemType: string(t), Title: title}
	p.lines = append(p.lines, line)
	p.b.after(func() { line.ItemID = *id })
}

// write commits what build plans. With a conversation, build sees it as it is now and the write
// goes through the conversation's log (RecordItems: the actor must see it; the lines and the
// records commit together); build may then run again when the conversation changed meanwhile.
func (s *Service) write(ctx context.Context, actor *auth.User, convID int64, build func(c *conversation.Conversation, p *plan) error) error {
	if convID == 0 {
		p := &plan{}
		if err := build(nil, p); err != nil {
			return err
		}
		if err := s.repo.Apply(ctx, &p.b, p.evs...); err != nil {
			return err
		}
		s.committed(ctx, p.evs...)
		return nil
	}
	_, err := s.convs.RecordItems(ctx, actor, convID, func(c *conversation.Conversation) (*conversation.ItemsWrite, error) {
		p := &plan{}
		if err := build(c, p); err != nil {
			return nil, err
		}
		return &conversation.ItemsWrite{Lines: p.lines, With: &p.b, Events: p.evs}, nil
	})
	if errs.Is(err, errs.NotFound) && codeOf(err) == string(errs.NotFound) {
		return errConversationUnknown(convID)
	}
	return err
}

// retryChanged runs fn again (up to 5 times) while it fails because another change committed
// between its read and its write.
func retryChanged(fn func() error) error {
	var err error
	for range 5 {
		if err = fn(); !errs.Is(err, errs.Conflict) || codeOf(err) != "record_changed" {
			return err
		}
	}
	return err
}

func (s *Service) checkOwner(ctx context.Context, id int64) (*auth.User, error) {
	u, err := s.repo.UserByID(ctx, id)
	if errs.Is(err, errs.NotFound) || err == nil && u.Deactivated {
		return nil, errs.Coded(errs.Invalid, "owner_unknown", "owner_user_id: there is no active user with id %d", id)
	}
	return u, err
}

func errConversationUnknown(id int64) error {
	return errs.Coded(errs.Invalid, "conversation_unknown", "conversation_id: there is no conversation with id %d that you may see", id)
}

func errContactUnknown(id int64) error {
	return errs.Coded(errs.Invalid, "contact_unknown", "contact_id: there is no contact with id %d that you may see", id)
}

func errUnknown(field string, id int64) error {
	return errs.Coded(errs.Invalid, field+"_unknown", "%s: there is no record with id %d", field, id)
}

// exists checks that a record a change points at exists (0: none).
func (s *Service) exists(ctx context.Context, t RecordType, id int64) error {
	if id == 0 {
		return nil
	}
	var err error
	switch t {
	case PersonType:
		_, err = s.repo.PersonByID(ctx, id)
	case OrganizationType:
		_, err = s.repo.OrganizationByID(ctx, id)
	case LeadType:
		_, err = s.repo.LeadByID(ctx, id)
	case DealType:
		_, err = s.repo.DealByID(ctx, id)
	case ActivityType:
		_, err = s.repo.ActivityByID(ctx, id)
	}
	if errs.Is(err, errs.NotFound) {
		return errUnknown(string(t)+"_id", id)
	}
	return err
}

// recordOf reads a person, organisation, lead, deal or activity (not found when it does not exist).
func (s *Service) recordOf(ctx context.Context, t RecordType, id int64) (any, error) {
	switch t {
	case PersonType:
		return s.repo.PersonByID(ctx, id)
	case OrganizationType:
		return s.repo.OrganizationByID(ctx, id)
	case LeadType:
		return s.repo.LeadByID(ctx, id)
	case DealType:
		return s.repo.DealByID(ctx, id)
	case ActivityType:
		return s.repo.ActivityByID(ctx, id)
	}
	return nil, errs.Coded(errs.Invalid, "record_type_invalid", "record_type must be person, organization, lead, deal or activity")
}

// origin is where a new record comes from: who makes it, the conversation it is made from (nil:
// none) and the contact it is about.
type origin struct {
	actor     *auth.User // nil: a playbook's bot
	conv      *conversation.Conversation
	contactID int64
	source    Source
	now       int64
}

// sourceFor is a new record's source: the caller's (the API), else the conversation's channel,
// else made in the CRM.
func sourceFor(given Source, c *conversation.Conversation) Source {
	switch {
	case given != "":
		return given
	case c != nil:
		return SourceOfChannel(c.Channel)
	}
	return SourceManual
}

// contactOf resolves the contact a new record is about: the conversation's (another is refused),
// or one the actor sees a conversation of.
func (s *Service) contactOf(ctx context.Context, actor *auth.User, c *conversation.Conversation, contactID int64) (int64, error) {
	if c != nil {
		if contactID != 0 && contactID != c.ContactID {
			return 0, errs.Coded(errs.Invalid, "contact_mismatch", "contact_id: the conversation is with another contact; leave contact_id out to use the conversation's")
		}
		return c.ContactID, nil
	}
	if contactID == 0 {
		return 0, nil
	}
	// A contact is known to those who see one of its conversations; to anyone else it does not
	// exist.
	if _, err := s.convs.ContactConversations(ctx, actor, contactID); err != nil {
		if errs.Is(err, errs.NotFound) {
			return 0, errContactUnknown(contactID)
		}
		return 0, err
	}
	return contactID, nil
}

// ownerFor is a new record's owner: the one asked for (an active user), or the actor.
func (s *Service) ownerFor(ctx context.Context, actor *auth.User, asked *int64) (int64, error) {
	if asked != nil && *asked != 0 {
		if _, err := s.checkOwner(ctx, *asked); err != nil {
			return 0, err
		}
		return *asked, nil
	}
	if asked != nil || actor == nil {
		return 0, nil // asked for none, or the bot without an owner
	}
	return actor.ID, nil
}

// checkOwnerChange checks a changed owner is an active user.
func (s *Service) checkOwnerChange(ctx context.Context, prev, next int64) error {
	if next != 0 && next != prev {
		_, err := s.checkOwner(ctx, next)
		return err
	}
	return nil
}

func actorID(u *auth.User) int64 {
	if u == nil {
		return 0
	}
	return u.ID
}

func codeOf(err error) string {
	code, _ := errs.Public(err)
	return code
}

// shown keeps, of records' custom values, those of fields that still exist: a deleted field's
// values stay stored but are no longer shown.
func (s *Service) shown(ctx context.Context, t RecordType, vals ...*Values) error {
	if len(vals) == 0 {
		return nil
	}
	fields, err := s.repo.Fields(ctx, t)
	if err != nil {
		return err
	}
	for _, v := range vals {
		*v = v.visible(fields)
	}
	return nil
}
