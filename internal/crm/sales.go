package crm

import (
	"context"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// Leads and deals, and converting a lead into a deal.

// CreateLead makes a lead for a user (or a program with their API token). With a conversation the
// actor must see it, the lead's contact is the conversation's, its person the contact's (made from
// person when the contact is not one yet), and the conversation's log says so, all in one
// transaction. Bad input is errs.Invalid naming the field and changes nothing. A legacy status
// (won, lost) makes the lead and converts it into a deal of that status at once.
func (s *Service) CreateLead(ctx context.Context, actor *auth.User, in LeadInput) (*Lead, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	fields, err := s.repo.Fields(ctx, LeadType)
	if err != nil {
		return nil, err
	}
	x, err := newLead(in, fields)
	if err != nil {
		return nil, err
	}
	note, err := cleanNoteBody(in.Note, false)
	if err != nil {
		return nil, err
	}
	owner, err := s.ownerFor(ctx, actor, in.OwnerUserID)
	if err != nil {
		return nil, err
	}
	if err := s.checkRefs(ctx, x.PersonID, x.OrganizationID, in.Person, in.Organization); err != nil {
		return nil, err
	}
	converts := in.convertsTo()
	var made *Lead
	err = s.write(ctx, actor, in.ConversationID, func(c *conversation.Conversation, p *plan) error {
		contactID, err := s.contactOf(ctx, actor, c, in.ContactID)
		if err != nil {
			return err
		}
		o := origin{actor: actor, conv: c, contactID: contactID, source: sourceFor(in.Source, c), now: s.nowMS()}
		l := *x
		l.ContactID, l.OwnerUserID = contactID, owner
		per, org, err := s.peopleFor(ctx, p, o, l.PersonID, in.Person, l.OrganizationID, in.Organization, owner)
		if err != nil {
			return err
		}
		s.insertLead(p, o, &l, per, org)
		if note != "" {
			s.insertNote(p, o, LeadType, &l.ID, note)
		}
		if converts != "" {
			if _, err := s.planConvert(ctx, p, o, &l, 0, converts); err != nil {
				return err
			}
		}
		if in.Link && c != nil {
			if err := s.planLink(ctx, p, c, actor, LeadType, &l.ID, l.Title, o.now); err != nil {
				return err
			}
		}
		made = &l
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.repo.LeadByID(ctx, made.ID)
}

// checkRefs checks the person and organisation a new lead or deal names exist.
func (s *Service) checkRefs(ctx context.Context, personID, orgID int64, person *PersonPatch, org *OrganizationPatch) error {
	if org != nil && orgID != 0 {
		return errs.Coded(errs.Invalid, "organization_twice", "give organization_id or organization, not both")
	}
	if person != nil && personID != 0 {
		return errs.Coded(errs.Invalid, "person_twice", "give person_id or person, not both")
	}
	if err := s.exists(ctx, PersonType, personID); err != nil {
		return err
	}
	return s.exists(ctx, OrganizationType, orgID)
}

// peopleFor resolves a new lead's or deal's organisation (by id, or named: found or made) and
// person (personFor); a new person joins the organisation.
func (s *Service) peopleFor(ctx context.Context, p *plan, o origin, personID int64, person *PersonPatch, orgID int64,
	orgPatch *OrganizationPatch, owner int64) (*Person, *Organization, error) {
	var org *Organization
	if orgPatch != nil && orgPatch.Name != nil && *orgPatch.Name != "" {
		var err error
		if org, err = s.organizationFor(ctx, p, o, owner, orgPatch); err != nil {
			return nil, nil, err
		}
	} else if orgID != 0 {
		org = &Organization{ID: orgID}
	}
	per, err := s.personFor(ctx, p, o, personID, person, owner, org)
	if err != nil {
		return nil, nil, err
	}
	if org == nil && per != nil && per.OrganizationID != 0 {
		org = &Organization{ID: per.OrganizationID}
	}
	return per, org, nil
}

// insertLead adds a new lead to p, pointing at per and org (maybe new in p too).
func (s *Service) insertLead(p *plan, o origin, l *Lead, per *Person, org *Organization) {
	l.CreatedByUserID, l.Source, l.CreatedAt, l.UpdatedAt = actorID(o.actor), o.source, o.now, o.now
	if o.conv != nil {
		l.ConversationID = o.conv.ID
		p.b.inConversation(&l.ConversationID)
	}
	p.b.Insert(l, func() {
		if per != nil && l.PersonID == 0 {
			l.PersonID = per.ID
		}
		if org != nil && l.OrganizationID == 0 {
			l.OrganizationID = org.ID
		}
	})
	p.evs = append(p.evs, recordEvent(event.LeadCreated, o.actor, l))
	if o.conv != nil {
		p.created(LeadType, l.Title, &l.ID)
	}
}

// GetLead returns a lead and what the actor may do with it.
func (s *Service) GetLead(ctx context.Context, actor *auth.User, id int64) (*Lead, Allowed, error) {
	if err := CanUse(actor); err != nil {
		return nil, Allowed{}, err
	}
	l, err := s.repo.LeadByID(ctx, id)
	if err != nil {
		return nil, Allowed{}, err
	}
	if err := s.shown(ctx, LeadType, &l.Fields); err != nil {
		return nil, Allowed{}, err
	}
	return l, AllowedFor(actor, l.OwnerUserID), nil
}

// ListLeads returns a page of leads, newest first. Filtering by a conversation is reading about
// it, so the actor must see that conversation.
func (s *Service) ListLeads(ctx context.Context, actor *auth.User, q Query) ([]Lead, error) {
	if err := s.canList(ctx, actor, q); err != nil {
		return nil, err
	}
	if err := s.prepare(ctx, LeadType, &q); err != nil {
		return nil, err
	}
	list, err := s.repo.ListLeads(ctx, q)
	if err != nil {
		return nil, err
	}
	vals := make([]*Values, len(list))
	for i := range list {
		vals[i] = &list[i].Fields
	}
	return list, s.shown(ctx, LeadType, vals...)
}

// canList checks a list's actor, and that a conversation it filters by is one they see.
func (s *Service) canList(ctx context.Context, actor *auth.User, q Query) error {
	if err := CanUse(actor); err != nil {
		return err
	}
	if q.ConversationID != 0 {
		if _, _, err := s.convs.Get(ctx, actor, q.ConversationID); err != nil {
			return err
		}
	}
	return nil
}

// UpdateLead changes a lead. A legacy status (won, lost) converts it into a deal of that status.
func (s *Service) UpdateLead(ctx context.Context, actor *auth.User, id int64, patch LeadPatch) (*Lead, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	fields, err := s.repo.Fields(ctx, LeadType)
	if err != nil {
		return nil, err
	}
	converts := patch.convertsTo()
	err = retryChanged(func() error {
		cur, err := s.repo.LeadByID(ctx, id)
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
		if next.PersonID != cur.PersonID {
			if err := s.exists(ctx, PersonType, next.PersonID); err != nil {
				return err
			}
		}
		if next.OrganizationID != cur.OrganizationID {
			if err := s.exists(ctx, OrganizationType, next.OrganizationID); err != nil {
				return err
			}
		}
		if converts != "" && cur.Status == LeadConverted {
			return errs.Coded(errs.Conflict, "lead_converted", "the lead was converted into a deal; change the deal instead")
		}
		if same(&next, cur) && converts == "" {
			return nil
		}
		now := s.nowMS()
		next.UpdatedAt = bump(now, cur.UpdatedAt)
		p := &plan{}
		o := origin{actor: actor, now: now}
		if converts != "" {
			// The lead's changes and its conversion in one write.
			if _, err := s.planConvert(ctx, p, o, &next, cur.UpdatedAt, converts); err != nil {
				return err
			}
			p.changed(LeadType, actor, cur, &next, cur.ID, now)
		} else {
			p.b.Update(&next, cur.UpdatedAt)
			p.changed(LeadType, actor, cur, &next, cur.ID, now)
			p.evs = append(p.evs, recordEvent(event.LeadUpdated, actor, &next))
		}
		if err := s.repo.Apply(ctx, &p.b, p.evs...); err != nil {
			return err
		}
		s.committed(ctx, p.evs...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.repo.LeadByID(ctx, id)
}

// DeleteLead removes a lead (admins only). The conversation's log keeps its "lead created" line:
// it is history.
func (s *Service) DeleteLead(ctx context.Context, actor *auth.User, id int64) error {
	return s.deleteRecord(ctx, actor, LeadType, id, event.LeadDeleted)
}

// ConvertInput says where a converted lead's deal goes (default: the default pipeline's first
// stage).
type ConvertInput struct {
	PipelineID int64 `json:"pipeline_id"`
	StageID    int64 `json:"stage_id"`
}

// ConvertLead turns a lead into a deal: the deal takes its title, value, dates, person,
// organisation, contact, conversation, owner and labels, and the custom values whose keys deals
// have; the lead's activities, notes and conversation links move to the deal; the lead is then
// converted and points at it.
func (s *Service) ConvertLead(ctx context.Context, actor *auth.User, id int64, in ConvertInput) (*Lead, *Deal, error) {
	if err := CanUse(actor); err != nil {
		return nil, nil, err
	}
	var deal *Deal
	err := retryChanged(func() error {
		cur, err := s.repo.LeadByID(ctx, id)
		if err != nil {
			return err
		}
		if err := CanEdit(actor, cur.OwnerUserID); err != nil {
			return err
		}
		if cur.Status == LeadConverted {
			return errs.Coded(errs.Conflict, "lead_converted", "the lead was converted into deal %d already", cur.DealID)
		}
		next := *cur
		now := s.nowMS()
		next.UpdatedAt = bump(now, cur.UpdatedAt)
		p := &plan{}
		o := origin{actor: actor, now: now, source: SourceManual}
		if deal, err = s.planConvert(ctx, p, o, &next, cur.UpdatedAt, DealOpen, in.PipelineID, in.StageID); err != nil {
			return err
		}
		p.changed(LeadType, actor, cur, &next, cur.ID, now)
		if err := s.repo.Apply(ctx, &p.b, p.evs...); err != nil {
			return err
		}
		s.committed(ctx, p.evs...)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	l, err := s.repo.LeadByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	d, err := s.repo.DealByID(ctx, deal.ID)
	return l, d, err
}

// planConvert adds to p the deal lead l becomes (status st, in the stage asked for or the default
// pipeline's first), the move of its activities, notes and links, and l's update (prev: the
// updated_at it was read with; 0 when l is inserted by p itself).
func (s *Service) planConvert(ctx context.Context, p *plan, o origin, l *Lead, prev int64, st DealStatus, where ...int64) (*Deal, error) {
	var pipelineID, stageID int64
	if len(where) == 2 {
		pipelineID, stageID = where[0], where[1]
	}
	pl, stage, err := s.stageFor(ctx, pipelineID, stageID)
	if err != nil {
		return nil, err
	}
	if st == DealWon && stageID == 0 {
		stage = &pl.Stages[len(pl.Stages)-1]
	}
	dealFields, err := s.repo.Fields(ctx, DealType)
	if err != nil {
		return nil, err
	}
	vals := Values{}
	for _, f := range dealFields {
		if v, ok := l.Fields[f.Key]; ok {
			vals[f.Key] = v
		}
	}
	d := &Deal{Title: l.Title, Value: l.Value, Currency: l.Currency, ExpectedCloseDate: l.ExpectedCloseDate, PipelineID: pl.ID, StageID: stage.ID,
		Status: st, PersonID: l.PersonID, OrganizationID: l.OrganizationID, ContactID: l.ContactID, ConversationID: l.ConversationID,
		OwnerUserID: l.OwnerUserID, CreatedByUserID: actorID(o.actor), Source: l.Source, Labels: l.Labels, Fields: vals,
		CreatedAt: o.now, UpdatedAt: o.now}
	if st != DealOpen {
		d.ClosedAt = o.now
	}
	if d.Source == "" {
		d.Source = o.source
	}
	l.Status = LeadConverted
	if prev != 0 {
		p.b.Update(l, prev) // the lead's own changes first; deal_id follows the deal's insert
	}
	p.b.Insert(d, func() {
		d.LeadID = l.ID
		d.PersonID, d.OrganizationID, d.ConversationID = l.PersonID, l.OrganizationID, l.ConversationID
	})
	// The lead points at its deal: a second update once the deal has its id.
	p.b.ops = append(p.b.ops, Op{Kind: OpUpdate, Record: l, resolve: func() {}})
	i := len(p.b.ops) - 1
	p.b.ops[i].resolve = func() {
		l.DealID = d.ID
		p.b.ops[i].Prev = l.UpdatedAt
		l.UpdatedAt++
	}
	p.b.Insert(&Move{}, nil)
	mv := p.b.ops[len(p.b.ops)-1].Record.(*Move)
	p.b.ops[len(p.b.ops)-1].resolve = func() { mv.LeadID, mv.DealID = l.ID, d.ID }
	p.evs = append(p.evs, recordEvent(event.DealCreated, o.actor, d), recordEvent(event.LeadUpdated, o.actor, l))
	if o.conv != nil || (o.actor == nil && l.ConversationID != 0) {
		p.created(DealType, d.Title, &d.ID)
	}
	return d, nil
}

// stageFor resolves where a deal goes: the stage asked for (in the pipeline asked for, when one
// is), the first stage of the pipeline asked for, or the default pipeline's first stage.
func (s *Service) stageFor(ctx context.Context, pipelineID, stageID int64) (*Pipeline, *Stage, error) {
	pls, err := s.repo.Pipelines(ctx)
	if err != nil {
		return nil, nil, err
	}
	for i := range pls {
		pl := &pls[i]
		if stageID != 0 {
			if st, ok := pl.Stage(stageID); ok {
				if pipelineID != 0 && pipelineID != pl.ID {
					return nil, nil, errs.Coded(errs.Invalid, "stage_mismatch", "stage_id: stage %d is not in pipeline %d", stageID, pipelineID)
				}
				return pl, st, nil
			}
			continue
		}
		if (pipelineID == 0 && pl.Default) || pl.ID == pipelineID {
			if len(pl.Stages) == 0 {
				break
			}
			return pl, &pl.Stages[0], nil
		}
	}
	if stageID != 0 {
		return nil, nil, errUnknown("stage_id", stageID)
	}
	if pipelineID != 0 {
		return nil, nil, errUnknown("pipeline_id", pipelineID)
	}
	return nil, nil, errs.E(errs.Internal, "there is no default pipeline")
}

// CreateDeal makes a deal, by default in the default pipeline's first stage. From a conversation
// it works as CreateLead does.
func (s *Service) CreateDeal(ctx context.Context, actor *auth.User, in DealInput) (*Deal, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	fields, err := s.repo.Fields(ctx, DealType)
	if err != nil {
		return nil, err
	}
	x, err := newDeal(in, fields, s.nowMS())
	if err != nil {
		return nil, err
	}
	pl, stage, err := s.stageFor(ctx, x.PipelineID, x.StageID)
	if err != nil {
		return nil, err
	}
	x.PipelineID, x.StageID = pl.ID, stage.ID
	note, err := cleanNoteBody(in.Note, false)
	if err != nil {
		return nil, err
	}
	owner, err := s.ownerFor(ctx, actor, in.OwnerUserID)
	if err != nil {
		return nil, err
	}
	if err := s.checkRefs(ctx, x.PersonID, x.OrganizationID, in.Person, in.Organization); err != nil {
		return nil, err
	}
	var made *Deal
	err = s.write(ctx, actor, in.ConversationID, func(c *conversation.Conversation, p *plan) error {
		contactID, err := s.contactOf(ctx, actor, c, in.ContactID)
		if err != nil {
			return err
		}
		o := origin{actor: actor, conv: c, contactID: contactID, source: sourceFor(in.Source, c), now: s.nowMS()}
		d := *x
		d.ContactID, d.OwnerUserID = contactID, owner
		per, org, err := s.peopleFor(ctx, p, o, d.PersonID, in.Person, d.OrganizationID, in.Organization, owner)
		if err != nil {
			return err
		}
		s.insertDeal(p, o, &d, per, org)
		if note != "" {
			s.insertNote(p, o, DealType, &d.ID, note)
		}
		if in.Link && c != nil {
			if err := s.planLink(ctx, p, c, actor, DealType, &d.ID, d.Title, o.now); err != nil {
				return err
			}
		}
		made = &d
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.repo.DealByID(ctx, made.ID)
}

func (s *Service) insertDeal(p *plan, o origin, d *Deal, per *Person, org *Organization) {
	d.CreatedByUserID, d.Source, d.CreatedAt, d.UpdatedAt = actorID(o.actor), o.source, o.now, o.now
	if d.Status != DealOpen && d.ClosedAt == 0 {
		d.ClosedAt = o.now
	}
	if o.conv != nil {
		d.ConversationID = o.conv.ID
		p.b.inConversation(&d.ConversationID)
	}
	p.b.Insert(d, func() {
		if per != nil && d.PersonID == 0 {
			d.PersonID = per.ID
		}
		if org != nil && d.OrganizationID == 0 {
			d.OrganizationID = org.ID
		}
	})
	p.evs = append(p.evs, recordEvent(event.DealCreated, o.actor, d))
	if o.conv != nil {
		p.created(DealType, d.Title, &d.ID)
	}
}

// GetDeal returns a deal and what the actor may do with it.
func (s *Service) GetDeal(ctx context.Context, actor *auth.User, id int64) (*Deal, Allowed, error) {
	if err := CanUse(actor); err != nil {
		return nil, Allowed{}, err
	}
	d, err := s.repo.DealByID(ctx, id)
	if err != nil {
		return nil, Allowed{}, err
	}
	if err := s.shown(ctx, DealType, &d.Fields); err != nil {
		return nil, Allowed{}, err
	}
	return d, AllowedFor(actor, d.OwnerUserID), nil
}

// ListDeals returns a page of deals, newest first.
func (s *Service) ListDeals(ctx context.Context, actor *auth.User, q Query) ([]Deal, error) {
	if err := s.canList(ctx, actor, q); err != nil {
		return nil, err
	}
	if err := s.prepare(ctx, DealType, &q); err != nil {
		return nil, err
	}
	list, err := s.repo.ListDeals(ctx, q)
	if err != nil {
		return nil, err
	}
	vals := make([]*Values, len(list))
	for i := range list {
		vals[i] = &list[i].Fields
	}
	return list, s.shown(ctx, DealType, vals...)
}

// UpdateDeal changes a deal. A stage of another pipeline moves it to that pipeline; a pipeline
// alone moves it to that pipeline's first stage.
func (s *Service) UpdateDeal(ctx context.Context, actor *auth.User, id int64, patch DealPatch) (*Deal, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	fields, err := s.repo.Fields(ctx, DealType)
	if err != nil {
		return nil, err
	}
	err = retryChanged(func() error {
		cur, err := s.repo.DealByID(ctx, id)
		if err != nil {
			return err
		}
		if err := CanEdit(actor, cur.OwnerUserID); err != nil {
			return err
		}
		now := s.nowMS()
		next := *cur
		if err := patch.apply(&next, fields, now); err != nil {
			return err
		}
		if patch.StageID != nil || patch.PipelineID != nil {
			stageID := next.StageID
			if patch.StageID == nil {
				stageID = 0 // a new pipeline alone: its first stage
			}
			pipelineID := int64(0)
			if patch.PipelineID != nil {
				pipelineID = *patch.PipelineID
			}
			pl, st, err := s.stageFor(ctx, pipelineID, stageID)
			if err != nil {
				return err
			}
			next.PipelineID, next.StageID = pl.ID, st.ID
		}
		if err := s.checkOwnerChange(ctx, cur.OwnerUserID, next.OwnerUserID); err != nil {
			return err
		}
		if next.PersonID != cur.PersonID {
			if err := s.exists(ctx, PersonType, next.PersonID); err != nil {
				return err
			}
		}
		if next.OrganizationID != cur.OrganizationID {
			if err := s.exists(ctx, OrganizationType, next.OrganizationID); err != nil {
				return err
			}
		}
		if same(&next, cur) {
			return nil
		}
		next.UpdatedAt = bump(now, cur.UpdatedAt)
		return s.applyUpdate(ctx, actor, DealType, cur, &next, cur.UpdatedAt, recordEvent(event.DealUpdated, actor, &next))
	})
	if err != nil {
		return nil, err
	}
	return s.repo.DealByID(ctx, id)
}

// DeleteDeal removes a deal (admins only).
func (s *Service) DeleteDeal(ctx context.Context, actor *auth.User, id int64) error {
	return s.deleteRecord(ctx, actor, DealType, id, event.DealDeleted)
}
