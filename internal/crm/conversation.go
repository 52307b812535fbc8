package crm

import (
	"context"
	"slices"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// A conversation's side of the CRM: what its details panel captured, what was made from it, and
// what it is linked to. Everything here is for those who may see the conversation, open or closed.

// GetDraft returns what the conversation's details panel captured, and what Create lead and
// Create deal start with.
func (s *Service) GetDraft(ctx context.Context, actor *auth.User, convID int64) (*Draft, *Prefill, error) {
	if err := CanUse(actor); err != nil {
		return nil, nil, err
	}
	c, _, err := s.convs.Get(ctx, actor, convID)
	if err != nil {
		return nil, nil, err
	}
	d, err := s.draftOf(ctx, convID)
	if err != nil {
		return nil, nil, err
	}
	pre, err := s.prefill(ctx, c, d)
	if err != nil {
		return nil, nil, err
	}
	return d, pre, nil
}

func (s *Service) draftOf(ctx context.Context, convID int64) (*Draft, error) {
	d, err := s.repo.DraftOf(ctx, convID)
	if errs.Is(err, errs.NotFound) {
		return &Draft{ConversationID: convID, Currency: DefaultCurrency}, nil
	}
	return d, err
}

// prefill merges the draft with the contact's details, what the bot captured and the person the
// contact is.
func (s *Service) prefill(ctx context.Context, c *conversation.Conversation, d *Draft) (*Prefill, error) {
	p := &Prefill{Value: d.Value, Currency: d.Currency, ExpectedCloseDate: d.ExpectedCloseDate, OrganizationName: d.OrganizationName,
		OrganizationAddress: d.OrganizationAddress, Note: d.Note}
	ct, err := s.repo.ContactByID(ctx, c.ContactID)
	if err != nil {
		return nil, err
	}
	p.PersonName, p.PersonEmail, p.PersonPhone = ct.Name, ct.Email, ct.Phone
	if p.OrganizationName == "" {
		p.OrganizationName = ct.Attributes["company"] // a capture card's company field
	}
	if per, err := s.repo.PersonOfContact(ctx, c.ContactID); err == nil {
		p.PersonID = per.ID
		if p.PersonName == "" {
			p.PersonName = per.Name
		}
		if p.PersonEmail == "" && len(per.Emails) > 0 {
			p.PersonEmail = per.Emails[0].Value
		}
		if p.PersonPhone == "" && len(per.Phones) > 0 {
			p.PersonPhone = per.Phones[0].Value
		}
		if per.OrganizationID != 0 && d.OrganizationName == "" {
			p.OrganizationID, p.OrganizationName = per.OrganizationID, per.OrganizationName
		}
	} else if !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	if p.Title = p.OrganizationName; p.Title == "" {
		p.Title = ct.DisplayName("")
	}
	return p, nil
}

// SaveDraft changes what the conversation's details panel captured. Everyone who sees the
// conversation may, also once it is closed.
func (s *Service) SaveDraft(ctx context.Context, actor *auth.User, convID int64, patch DraftPatch) (*Draft, *Prefill, error) {
	if err := CanUse(actor); err != nil {
		return nil, nil, err
	}
	c, _, err := s.convs.Get(ctx, actor, convID)
	if err != nil {
		return nil, nil, err
	}
	var out *Draft
	err = retryChanged(func() error {
		cur, err := s.draftOf(ctx, convID)
		if err != nil {
			return err
		}
		next := *cur
		if err := patch.apply(&next); err != nil {
			return err
		}
		if same(&next, cur) {
			out = cur
			return nil
		}
		next.UpdatedByUserID, next.UpdatedAt = actor.ID, bump(s.nowMS(), cur.UpdatedAt)
		e := recordEvent(event.DraftUpdated, actor, &next)
		e.ConversationID, e.InboxID = c.ID, c.InboxID
		out = &next
		return s.applyOne(ctx, &next, cur.UpdatedAt, e)
	})
	if err != nil {
		return nil, nil, err
	}
	pre, err := s.prefill(ctx, c, out)
	if err != nil {
		return nil, nil, err
	}
	return out, pre, nil
}

// Item is one entry of a conversation's Created items: a record made from it, or one it is
// linked to.
type Item struct {
	Type      RecordType `json:"type"`
	ID        int64      `json:"id"`
	Title     string     `json:"title"`
	Value     int64      `json:"value,omitempty"`
	Currency  string     `json:"currency,omitempty"`
	Status    string     `json:"status,omitempty"`
	Source    Source     `json:"source,omitempty"`
	Linked    bool       `json:"linked"`  // linked to the conversation (its messages go to a note there)
	Created   bool       `json:"created"` // made from the conversation
	CreatedAt int64      `json:"created_at"`
	CreatedBy *UserRef   `json:"created_by"` // null when a playbook's bot made it
}

// maxItems bounds each kind of a conversation's Created items; a conversation makes a handful.
const maxItems = 200

// ItemsOf returns the Created items of a conversation the actor may see, newest first: the records
// made from it and those it is linked to.
func (s *Service) ItemsOf(ctx context.Context, actor *auth.User, convID int64) ([]Item, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	if _, _, err := s.convs.Get(ctx, actor, convID); err != nil {
		return nil, err
	}
	q := Query{ConversationID: convID, Limit: maxItems}
	items := []Item{}
	by := func(id int64, name string) *UserRef {
		if id == 0 {
			return nil
		}
		return &UserRef{ID: id, Name: name}
	}
	persons, err := s.repo.ListPersons(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, x := range persons {
		items = append(items, Item{Type: PersonType, ID: x.ID, Title: x.Name, Source: x.Source, Created: true, CreatedAt: x.CreatedAt,
			CreatedBy: by(x.CreatedByUserID, x.CreatedByName)})
	}
	orgs, err := s.repo.ListOrganizations(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, x := range orgs {
		items = append(items, Item{Type: OrganizationType, ID: x.ID, Title: x.Name, Source: x.Source, Created: true, CreatedAt: x.CreatedAt,
			CreatedBy: by(x.CreatedByUserID, x.CreatedByName)})
	}
	leads, err := s.repo.ListLeads(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, x := range leads {
		items = append(items, Item{Type: LeadType, ID: x.ID, Title: x.Title, Value: x.Value, Currency: x.Currency, Status: string(x.Status),
			Source: x.Source, Created: true, CreatedAt: x.CreatedAt, CreatedBy: by(x.CreatedByUserID, x.CreatedByName)})
	}
	deals, err := s.repo.ListDeals(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, x := range deals {
		items = append(items, Item{Type: DealType, ID: x.ID, Title: x.Title, Value: x.Value, Currency: x.Currency, Status: string(x.Status),
			Source: x.Source, Created: true, CreatedAt: x.CreatedAt, CreatedBy: by(x.CreatedByUserID, x.CreatedByName)})
	}
	acts, err := s.repo.ListActivities(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, x := range acts {
		items = append(items, Item{Type: ActivityType, ID: x.ID, Title: x.Subject, Source: x.Source, Created: true, CreatedAt: x.CreatedAt,
			CreatedBy: by(x.CreatedByUserID, x.CreatedByName)})
	}
	links, err := s.repo.LinksOfConversations(ctx, []int64{convID})
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		i := slices.IndexFunc(items, func(it Item) bool { return it.Type == l.RecordType && it.ID == l.RecordID })
		if i >= 0 {
			items[i].Linked = true
			continue
		}
		it, err := s.linkedItem(ctx, l)
		if errs.Is(err, errs.NotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		items = append(items, *it)
	}
	slices.SortStableFunc(items, func(a, b Item) int {
		switch {
		case a.CreatedAt > b.CreatedAt:
			return -1
		case a.CreatedAt < b.CreatedAt:
			return 1
		}
		return 0
	})
	return items, nil
}

// linkedItem is the Created items entry of a record the conversation was linked to; its time is
// the link's.
func (s *Service) linkedItem(ctx context.Context, l Link) (*Item, error) {
	it := &Item{Type: l.RecordType, ID: l.RecordID, Linked: true, CreatedAt: l.CreatedAt}
	switch l.RecordType {
	case PersonType:
		x, err := s.repo.PersonByID(ctx, l.RecordID)
		if err != nil {
			return nil, err
		}
		it.Title, it.Source = x.Name, x.Source
	case LeadType:
		x, err := s.repo.LeadByID(ctx, l.RecordID)
		if err != nil {
			return nil, err
		}
		it.Title, it.Value, it.Currency, it.Status, it.Source = x.Title, x.Value, x.Currency, string(x.Status), x.Source
	case DealType:
		x, err := s.repo.DealByID(ctx, l.RecordID)
		if err != nil {
			return nil, err
		}
		it.Title, it.Value, it.Currency, it.Status, it.Source = x.Title, x.Value, x.Currency, string(x.Status), x.Source
	}
	if l.CreatedByUserID != 0 {
		u, err := s.repo.UserByID(ctx, l.CreatedByUserID)
		if err == nil {
			it.CreatedBy = &UserRef{ID: u.ID, Name: u.Name}
		}
	}
	return it, nil
}
