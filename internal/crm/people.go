package crm

import (
	"context"
	"slices"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// Persons and organisations.

// CreatePerson makes a person. From a conversation (conversation_id) the person is its contact
// (one person per contact: a contact that is one already is errs.Conflict "contact_is_person"),
// the conversation's log says so, and with Link the conversation is linked to the person.
func (s *Service) CreatePerson(ctx context.Context, actor *auth.User, in PersonInput) (*Person, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	fields, err := s.repo.Fields(ctx, PersonType)
	if err != nil {
		return nil, err
	}
	x, err := newPerson(in, fields)
	if err != nil {
		return nil, err
	}
	owner, err := s.ownerFor(ctx, actor, in.OwnerUserID)
	if err != nil {
		return nil, err
	}
	if err := s.exists(ctx, OrganizationType, x.OrganizationID); err != nil {
		return nil, err
	}
	if in.Organization != nil && x.OrganizationID != 0 {
		return nil, errs.Coded(errs.Invalid, "organization_twice", "give organization_id or organization, not both")
	}
	var made *Person
	err = s.write(ctx, actor, in.ConversationID, func(c *conversation.Conversation, p *plan) error {
		contactID, err := s.contactOf(ctx, actor, c, in.ContactID)
		if err != nil {
			return err
		}
		if contactID != 0 {
			if other, err := s.repo.PersonOfContact(ctx, contactID); err == nil {
				return errs.Coded(errs.Conflict, "contact_is_person", "the contact is person %d already", other.ID)
			} else if !errs.Is(err, errs.NotFound) {
				return err
			}
		}
		o := origin{actor: actor, conv: c, contactID: contactID, source: sourceFor(in.Source, c), now: s.nowMS()}
		per := *x
		per.ContactID, per.OwnerUserID = contactID, owner
		var org *Organization
		if in.Organization != nil {
			if org, err = s.organizationFor(ctx, p, o, owner, in.Organization); err != nil {
				return err
			}
		}
		s.insertPerson(p, o, &per, org)
		if in.Link && c != nil {
			if err := s.planLink(ctx, p, c, actor, PersonType, &per.ID, per.Name, o.now); err != nil {
				return err
			}
		}
		made = &per
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.repo.PersonByID(ctx, made.ID)
}

// insertPerson adds a new person to p, in org when one is given (maybe new in p too).
func (s *Service) insertPerson(p *plan, o origin, per *Person, org *Organization) {
	per.CreatedByUserID, per.Source, per.CreatedAt, per.UpdatedAt = actorID(o.actor), o.source, o.now, o.now
	if o.conv != nil {
		per.ConversationID = o.conv.ID
		p.b.inConversation(&per.ConversationID)
	}
	p.b.Insert(per, func() {
		if org != nil && per.OrganizationID == 0 {
			per.OrganizationID = org.ID
		}
	})
	p.evs = append(p.evs, recordEvent(event.PersonCreated, o.actor, per))
	if o.conv != nil || o.actor == nil {
		p.created(PersonType, per.Name, &per.ID)
	}
}

// organizationFor is the organisation patch names: the oldest one of exactly that name, or a new
// one added to p.
func (s *Service) organizationFor(ctx context.Context, p *plan, o origin, owner int64, patch *OrganizationPatch) (*Organization, error) {
	fields, err := s.repo.Fields(ctx, OrganizationType)
	if err != nil {
		return nil, err
	}
	org, err := newOrganization(*patch, fields)
	if err != nil {
		return nil, err
	}
	if found, err := s.repo.OrganizationByName(ctx, org.Name); err == nil {
		return found, nil
	} else if !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	if patch.OwnerUserID == nil {
		org.OwnerUserID = owner
	} else if err := s.checkOwnerChange(ctx, 0, org.OwnerUserID); err != nil {
		return nil, err
	}
	org.CreatedByUserID, org.Source, org.CreatedAt, org.UpdatedAt = actorID(o.actor), o.source, o.now, o.now
	if o.conv != nil {
		org.ConversationID = o.conv.ID
		p.b.inConversation(&org.ConversationID)
	}
	p.b.Insert(org, nil)
	p.evs = append(p.evs, recordEvent(event.OrganizationCreated, o.actor, org))
	if o.conv != nil || o.actor == nil {
		p.created(OrganizationType, org.Name, &org.ID)
	}
	return org, nil
}

// personFor is the person a new lead or deal is about: the one named by id; else, with patch,
// the contact's person with the patch's emails and phones added, or a new person (the contact's,
// when there is one); else the contact's person (nil when the contact is not one).
func (s *Service) personFor(ctx context.Context, p *plan, o origin, id int64, patch *PersonPatch, owner int64, org *Organization) (*Person, error) {
	if id != 0 {
		if patch != nil {
			return nil, errs.Coded(errs.Invalid, "person_twice", "give person_id or person, not both")
		}
		per, err := s.repo.PersonByID(ctx, id)
		if errs.Is(err, errs.NotFound) {
			return nil, errUnknown("person_id", id)
		}
		return per, err
	}
	var cur *Person
	if o.contactID != 0 {
		var err error
		cur, err = s.repo.PersonOfContact(ctx, o.contactID)
		if errs.Is(err, errs.NotFound) {
			cur = nil
		} else if err != nil {
			return nil, err
		}
	}
	if patch == nil {
		return cur, nil
	}
	fields, err := s.repo.Fields(ctx, PersonType)
	if err != nil {
		return nil, err
	}
	if cur == nil {
		per, err := newPerson(PersonInput{PersonPatch: *patch}, fields)
		if err != nil {
			return nil, err
		}
		per.ContactID = o.contactID
		if patch.OwnerUserID == nil {
			per.OwnerUserID = owner
		} else if err := s.checkOwnerChange(ctx, 0, per.OwnerUserID); err != nil {
			return nil, err
		}
		if err := s.exists(ctx, OrganizationType, per.OrganizationID); err != nil {
			return nil, err
		}
		s.insertPerson(p, o, per, org)
		return per, nil
	}
	// The contact is a person already: what the panel captured adds to it, never replaces.
	next := *cur
	add := PersonPatch{}
	if patch.Emails != nil {
		emails := slices.Clone(cur.Emails)
		for _, e := range *patch.Emails {
			if v, err := auth.NormalizeEmail(e.Value); err == nil && !hasEmail(emails, v) {
				emails = append(emails, Email{Value: v, Label: e.Label})
			}
		}
		add.Emails = &emails
	}
	if patch.Phones != nil {
		phones := slices.Clone(cur.Phones)
		for _, ph := range *patch.Phones {
			if !slices.ContainsFunc(phones, func(x Phone) bool { return x.Value == ph.Value }) {
				phones = append(phones, ph)
			}
		}
		add.Phones = &phones
	}
	if cur.Name == "" {
		add.Name = patch.Name
	}
	if err := add.apply(&next, fields); err != nil {
		return nil, err
	}
	if next.OrganizationID == 0 && org != nil && org.ID != 0 {
		next.OrganizationID = org.ID
	}
	if same(&next, cur) {
		return cur, nil
	}
	next.UpdatedAt = bump(o.now, cur.UpdatedAt)
	p.b.Update(&next, cur.UpdatedAt)
	p.changed(PersonType, o.actor, cur, &next, cur.ID, o.now)
	p.evs = append(p.evs, recordEvent(event.PersonUpdated, o.actor, &next))
	return &next, nil
}

// GetPerson returns a person and what the actor may do with it.
func (s *Service) GetPerson(ctx context.Context, actor *auth.User, id int64) (*Person, Allowed, error) {
	if err := CanUse(actor); err != nil {
		return nil, Allowed{}, err
	}
	x, err := s.repo.PersonByID(ctx, id)
	if err != nil {
		return nil, Allowed{}, err
	}
	if err := s.shown(ctx, PersonType, &x.Fields); err != nil {
		return nil, Allowed{}, err
	}
	return x, AllowedFor(actor, x.OwnerUserID), nil
}

// ListPersons returns a page of persons, newest first.
func (s *Service) ListPersons(ctx context.Context, actor *auth.User, q Query) ([]Person, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	if err := s.prepare(ctx, PersonType, &q); err != nil {
		return nil, err
	}
	list, err := s.repo.ListPersons(ctx, q)
	if err != nil {
		return nil, err
	}
	vals := make([]*Values, len(list))
	for i := range list {
		vals[i] = &list[i].Fields
	}
	return list, s.shown(ctx, PersonType, vals...)
}

// UpdatePerson changes a person (CanEdit decides who may).
func (s *Service) UpdatePerson(ctx context.Context, actor *auth.User, id int64, patch PersonPatch) (*Person, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	fields, err := s.repo.Fields(ctx, PersonType)
	if err != nil {
		return nil, err
	}
	var out *Person
	err = retryChanged(func() error {
		cur, err := s.repo.PersonByID(ctx, id)
		if err != nil {
			return err
		}
		if err := CanEdit(actor, cur.OwnerUserID); err != nil {
			return err
		}
		next := *cur
		if err := patch.apply(&next, fields); err != nil {
			return err
		}
		if err := s.checkOwnerChange(ctx, cur.OwnerUserID, next.OwnerUserID); err != nil {
			return err
		}
		if next.OrganizationID != cur.OrganizationID {
			if err := s.exists(ctx, OrganizationType, next.OrganizationID); err != nil {
				return err
			}
		}
		if same(&next, cur) {
			out = cur
			return nil
		}
		next.UpdatedAt = bump(s.nowMS(), cur.UpdatedAt)
		out = &next
		return s.applyUpdate(ctx, actor, PersonType, cur, &next, cur.UpdatedAt, recordEvent(event.PersonUpdated, actor, &next))
	})
	if err != nil {
		return nil, err
	}
	return s.repo.PersonByID(ctx, out.ID)
}

// DeletePerson removes a person (admins only) with its notes; what points at it keeps going
// without it.
func (s *Service) DeletePerson(ctx context.Context, actor *auth.User, id int64) error {
	return s.deleteRecord(ctx, actor, PersonType, id, event.PersonDeleted)
}

// CreateOrganization makes an organisation.
func (s *Service) CreateOrganization(ctx context.Context, actor *auth.User, in OrganizationInput) (*Organization, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	fields, err := s.repo.Fields(ctx, OrganizationType)
	if err != nil {
		return nil, err
	}
	x, err := newOrganization(in.OrganizationPatch, fields)
	if err != nil {
		return nil, err
	}
	owner, err := s.ownerFor(ctx, actor, in.OwnerUserID)
	if err != nil {
		return nil, err
	}
	var made *Organization
	err = s.write(ctx, actor, in.ConversationID, func(c *conversation.Conversation, p *plan) error {
		o := origin{actor: actor, conv: c, source: sourceFor(in.Source, c), now: s.nowMS()}
		org := *x
		org.OwnerUserID, org.CreatedByUserID, org.Source, org.CreatedAt, org.UpdatedAt = owner, actor.ID, o.source, o.now, o.now
		if c != nil {
			org.ConversationID = c.ID
			p.created(OrganizationType, org.Name, &org.ID)
		}
		p.b.Insert(&org, nil)
		p.evs = append(p.evs, recordEvent(event.OrganizationCreated, actor, &org))
		made = &org
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.repo.OrganizationByID(ctx, made.ID)
}

// GetOrganization returns an organisation and what the actor may do with it.
func (s *Service) GetOrganization(ctx context.Context, actor *auth.User, id int64) (*Organization, Allowed, error) {
	if err := CanUse(actor); err != nil {
		return nil, Allowed{}, err
	}
	x, err := s.repo.OrganizationByID(ctx, id)
	if err != nil {
		return nil, Allowed{}, err
	}
	if err := s.shown(ctx, OrganizationType, &x.Fields); err != nil {
		return nil, Allowed{}, err
	}
	return x, AllowedFor(actor, x.OwnerUserID), nil
}

// ListOrganizations returns a page of organisations, newest first.
func (s *Service) ListOrganizations(ctx context.Context, actor *auth.User, q Query) ([]Organization, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	if err := s.prepare(ctx, OrganizationType, &q); err != nil {
		return nil, err
	}
	list, err := s.repo.ListOrganizations(ctx, q)
	if err != nil {
		return nil, err
	}
	vals := make([]*Values, len(list))
	for i := range list {
		vals[i] = &list[i].Fields
	}
	return list, s.shown(ctx, OrganizationType, vals...)
}

// UpdateOrganization changes an organisation.
func (s *Service) UpdateOrganization(ctx context.Context, actor *auth.User, id int64, patch OrganizationPatch) (*Organization, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	fields, err := s.repo.Fields(ctx, OrganizationType)
	if err != nil {
		return nil, err
	}
	var out *Organization
	err = retryChanged(func() error {
		cur, err := s.repo.OrganizationByID(ctx, id)
		if err != nil {
			return err
		}
		if err := CanEdit(actor, cur.OwnerUserID); err != nil {
			return err
		}
		next := *cur
		if err := patch.apply(&next, fields); err != nil {
			return err
		}
		if err := s.checkOwnerChange(ctx, cur.OwnerUserID, next.OwnerUserID); err != nil {
			return err
		}
		if same(&next, cur) {
			out = cur
			return nil
		}
		next.UpdatedAt = bump(s.nowMS(), cur.UpdatedAt)
		out = &next
		return s.applyUpdate(ctx, actor, OrganizationType, cur, &next, cur.UpdatedAt, recordEvent(event.OrganizationUpdated, actor, &next))
	})
	if err != nil {
		return nil, err
	}
	return s.repo.OrganizationByID(ctx, out.ID)
}

// DeleteOrganization removes an organisation (admins only).
func (s *Service) DeleteOrganization(ctx context.Context, actor *auth.User, id int64) error {
	return s.deleteRecord(ctx, actor, OrganizationType, id, event.OrganizationDeleted)
}

// applyUpdate writes a record's guarded update with its history entry and its event.
func (s *Service) applyUpdate(ctx context.Context, actor *auth.User, t RecordType, cur, next any, prev int64, ev event.Event) error {
	p := &plan{}
	p.b.Update(next, prev)
	p.changed(t, actor, cur, next, recordID(next), s.nowMS())
	p.evs = append(p.evs, ev)
	if err := s.repo.Apply(ctx, &p.b, p.evs...); err != nil {
		return err
	}
	s.committed(ctx, p.evs...)
	return nil
}

// recordID is a record's id.
func recordID(rec any) int64 {
	switch r := rec.(type) {
	case *Person:
		return r.ID
	case *Organization:
		return r.ID
	case *Lead:
		return r.ID
	case *Deal:
		return r.ID
	case *Activity:
		return r.ID
	}
	return 0
}

// applyOne writes one guarded update and its event (a note, a draft: no history).
func (s *Service) applyOne(ctx context.Context, rec any, prev int64, ev event.Event) error {
	var b Batch
	b.Update(rec, prev)
	evs := []event.Event{ev}
	if err := s.repo.Apply(ctx, &b, evs...); err != nil {
		return err
	}
	s.committed(ctx, evs...)
	return nil
}

// deleteRecord removes a record with its notes and links (admins only).
func (s *Service) deleteRecord(ctx context.Context, actor *auth.User, t RecordType, id int64, typ event.Type) error {
	if err := CanDelete(actor); err != nil {
		return err
	}
	rec, err := s.recordOf(ctx, t, id)
	if err != nil {
		return err
	}
	var b Batch
	b.Delete(t, id)
	e := event.New(typ, deletedRecord{Type: t, Rec: rec})
	e.ActorID = actor.ID
	evs := []event.Event{e}
	if err := s.repo.Apply(ctx, &b, evs...); err != nil {
		return err
	}
	s.committed(ctx, evs...)
	s.log.InfoContext(ctx, "crm record deleted", "type", t, "id", id, "by", actor.ID)
	return nil
}
