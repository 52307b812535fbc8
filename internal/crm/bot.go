package crm

import (
	"context"
	"slices"
	"time"

	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// What a playbook's action cards create: a person, lead, deal or activity with an owner, written in
// the same transaction as the bot's step that passed the card (conversation.BotStep.With), on the
// live chat card's online and offline paths alike. A record that cannot be written rolls the step
// back, card and all.

// BotAction is one create action of a card, as the playbook engine hands it over.
type BotAction struct {
	Create   RecordType // person, lead, deal or activity
	Title    string     // a lead's or deal's title, an activity's subject
	Value    int64
	Currency string
	// A deal's pipeline and stage (0: the default pipeline's first stage).
	PipelineID int64
	StageID    int64
	// An activity's type, and when it is due: DueInDays after today in its owner's time zone, at
	// DueTime (HH:MM; empty: all day).
	ActivityType ActivityKind
	DueInDays    int
	DueTime      string
	// The owner: a user, or round-robin over a team's available members (all its members when
	// none is available); neither: nobody.
	OwnerUserID int64
	OwnerTeamID int64
}

// BotWrite is what a bot step's actions write: the records, their events and the lines saying so
// in the conversation's log.
type BotWrite struct {
	With   *Batch
	Events []event.Event
	Lines  []conversation.Message
}

// BotRecords decides what actions write in conversation c (with ID 0 while the step creates it)
// of contact contactID. The engine calls it inside the step's decision, which may be made again:
// it only reads.
func (s *Service) BotRecords(ctx context.Context, c *conversation.Conversation, contactID int64, actions []BotAction) (*BotWrite, error) {
	if len(actions) == 0 {
		return &BotWrite{}, nil
	}
	now := s.nowMS()
	p := &plan{}
	o := origin{conv: c, contactID: contactID, source: SourceBot, now: now}
	per, err := s.repo.PersonOfContact(ctx, contactID)
	if errs.Is(err, errs.NotFound) {
		per = nil
	} else if err != nil {
		return nil, err
	}
	rot := rotation{s: s, last: map[int64]int64{}, p: p, now: now}
	var lead *Lead
	var deal *Deal
	for _, a := range actions {
		owner, err := rot.owner(ctx, a)
		if err != nil {
			return nil, err
		}
		switch a.Create {
		case PersonType:
			if per != nil {
				continue // the contact is a person already
			}
			ct, err := s.repo.ContactByID(ctx, contactID)
			if err != nil {
				return nil, err
			}
			x := &Person{Name: ct.DisplayName(""), Emails: []Email{}, Phones: []Phone{}, ContactID: contactID, OwnerUserID: owner,
				Labels: []string{}, Fields: Values{}}
			if x.Name == "" {
				x.Name = "Visitor"
			}
			if ct.Email != "" {
				x.Emails = append(x.Emails, Email{Value: ct.Email})
			}
			if ct.Phone != "" {
				x.Phones = append(x.Phones, Phone{Value: ct.Phone})
			}
			s.insertPerson(p, o, x, nil)
			per = x
		case LeadType:
			l, err := newLead(LeadInput{LeadPatch: LeadPatch{Title: &a.Title, Value: &a.Value, Currency: currencyOf(a)}}, nil)
			if err != nil {
				return nil, err
			}
			l.ContactID, l.OwnerUserID = contactID, owner
			s.insertLead(p, o, l, per, nil)
			lead = l
		case DealType:
			d, err := newDeal(DealInput{DealPatch: DealPatch{Title: &a.Title, Value: &a.Value, Currency: currencyOf(a)}}, nil, now)
			if err != nil {
				return nil, err
			}
			pl, st, err := s.stageFor(ctx, a.PipelineID, a.StageID)
			if err != nil {
				return nil, err
			}
			d.PipelineID, d.StageID, d.ContactID, d.OwnerUserID = pl.ID, st.ID, contactID, owner
			s.insertDeal(p, o, d, per, nil)
			deal = d
		case ActivityType:
			kind := a.ActivityType
			if kind == "" {
				kind = Task
			}
			x := &Activity{Type: kind, Subject: a.Title, DueTime: a.DueTime, OwnerUserID: owner, Labels: []string{}, Fields: Values{}}
			if x.Subject, err = cleanTitle(a.Title); err != nil {
				return nil, err
			}
			zone := "UTC"
			if owner != 0 {
				if u, err := s.repo.UserByID(ctx, owner); err == nil {
					zone = u.TimeZone
				}
			}
			x.DueDate = s.now().In(zoneOf(zone)).AddDate(0, 0, a.DueInDays).Format(time.DateOnly)
			x.placeInTime(zone)
			l, d, pr := lead, deal, per
			s.insertActivity(p, o, x, func() {
				// Linked to what the same step made or the contact is.
				if d != nil {
					x.DealID = d.ID
				} else if l != nil {
					x.LeadID = l.ID
				}
				if pr != nil {
					x.PersonID = pr.ID
				}
			})
		default:
			return nil, errs.E(errs.Invalid, "a bot action creates a person, lead, deal or activity, not %q", a.Create)
		}
	}
	w := &BotWrite{With: &p.b, Events: p.evs}
	for _, line := range p.lines {
		line.Auto = true
		w.Lines = append(w.Lines, conversation.Message{SenderKind: conversation.FromSystem, Kind: conversation.EventKind, Event: line})
	}
	return w, nil
}

// rotation chooses round-robin owners for one step's actions.
type rotation struct {
	s    *Service
	last map[int64]int64 // team → the member chosen last, as this step goes
	p    *plan
	now  int64
}

// owner is an action's owner: its user when active, else the next of its team's available
// members after the one chosen last (all its active members when none is available).
func (r *rotation) owner(ctx context.Context, a BotAction) (int64, error) {
	if a.OwnerUserID != 0 {
		u, err := r.s.repo.UserByID(ctx, a.OwnerUserID)
		if errs.Is(err, errs.NotFound) || err == nil && u.Deactivated {
			return 0, nil // the owner left: the record waits for someone to take it
		}
		if err != nil {
			return 0, err
		}
		return u.ID, nil
	}
	if a.OwnerTeamID == 0 {
		return 0, nil
	}
	team, err := r.s.repo.TeamByID(ctx, a.OwnerTeamID)
	if errs.Is(err, errs.NotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var members, available []int64
	for _, id := range team.MemberIDs {
		u, err := r.s.repo.UserByID(ctx, id)
		if errs.Is(err, errs.NotFound) || err == nil && u.Deactivated {
			continue
		}
		if err != nil {
			return 0, err
		}
		members = append(members, id)
		if r.s.presence != nil && r.s.presence.Available(ctx, id) {
			available = append(available, id)
		}
	}
	candidates := available
	if len(candidates) == 0 {
		candidates = members
	}
	if len(candidates) == 0 {
		return 0, nil
	}
	slices.Sort(candidates)
	last, ok := r.last[team.ID]
	if !ok {
		if last, err = r.s.repo.LastRotation(ctx, team.ID); err != nil {
			return 0, err
		}
	}
	next := candidates[0]
	for _, id := range candidates {
		if id > last {
			next = id
			break
		}
	}
	r.last[team.ID] = next
	r.p.b.Insert(&Rotation{TeamID: team.ID, UserID: next, At: r.now}, nil)
	return next, nil
}

// currencyOf is an action's currency for a patch (nil: the default).
func currencyOf(a BotAction) *string {
	if a.Currency == "" {
		return nil
	}
	return &a.Currency
}
