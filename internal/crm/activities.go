package crm

import (
	"context"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// CreateActivity makes an activity, due on its date and time in its owner's time zone (the
// creator's when nobody owns it).
func (s *Service) CreateActivity(ctx context.Context, actor *auth.User, in ActivityInput) (*Activity, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	fields, err := s.repo.Fields(ctx, ActivityType)
	if err != nil {
		return nil, err
	}
	a := &Activity{Type: Task, Labels: []string{}, Fields: Values{}}
	if in.DueDate == nil {
		today := s.now().In(zoneOf(actor.TimeZone)).Format(time.DateOnly)
		in.DueDate = &today
	}
	if in.Subject == nil {
		in.Subject = new(string)
	}
	now := s.nowMS()
	if err := in.ActivityPatch.apply(a, fields, now); err != nil {
		return nil, err
	}
	owner, err := s.ownerFor(ctx, actor, in.OwnerUserID)
	if err != nil {
		return nil, err
	}
	a.OwnerUserID = owner
	if err := s.activityRefs(ctx, a); err != nil {
		return nil, err
	}
	if err := s.placeActivity(ctx, a, actor); err != nil {
		return nil, err
	}
	var made *Activity
	err = s.write(ctx, actor, in.ConversationID, func(c *conversation.Conversation, p *plan) error {
		x := *a
		o := origin{actor: actor, conv: c, source: sourceFor(in.Source, c), now: s.nowMS()}
		s.insertActivity(p, o, &x, nil)
		made = &x
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.repo.ActivityByID(ctx, made.ID)
}

// insertActivity adds a new activity to p; on, when set, resolves what it is linked to once the
// records made in p have their ids.
func (s *Service) insertActivity(p *plan, o origin, a *Activity, on func()) {
	a.CreatedByUserID, a.Source, a.CreatedAt, a.UpdatedAt = actorID(o.actor), o.source, o.now, o.now
	if o.conv != nil {
		a.ConversationID = o.conv.ID
		p.b.inConversation(&a.ConversationID)
	}
	p.b.Insert(a, on)
	p.evs = append(p.evs, recordEvent(event.ActivityCreated, o.actor, a))
	if o.conv != nil {
		p.created(ActivityType, a.Subject, &a.ID)
	}
}

func zoneOf(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil && name != "" {
		return loc
	}
	return time.UTC
}

// activityRefs checks the records an activity is linked to exist.
func (s *Service) activityRefs(ctx context.Context, a *Activity) error {
	for _, ref := range []struct {
		t  RecordType
		id int64
	}{{PersonType, a.PersonID}, {OrganizationType, a.OrganizationID}, {LeadType, a.LeadID}, {DealType, a.DealID}} {
		if err := s.exists(ctx, ref.t, ref.id); err != nil {
			return err
		}
	}
	return nil
}

// placeActivity reads the activity's due date and time in its owner's time zone (the actor's
// without one).
func (s *Service) placeActivity(ctx context.Context, a *Activity, actor *auth.User) error {
	zone := "UTC"
	if actor != nil {
		zone = actor.TimeZone
	}
	if a.OwnerUserID != 0 && a.OwnerUserID != actorID(actor) {
		u, err := s.repo.UserByID(ctx, a.OwnerUserID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		if err == nil {
			zone = u.TimeZone
		}
	}
	a.placeInTime(zone)
	return nil
}

// GetActivity returns an activity and what the actor may do with it.
func (s *Service) GetActivity(ctx context.Context, actor *auth.User, id int64) (*Activity, Allowed, error) {
	if err := CanUse(actor); err != nil {
		return nil, Allowed{}, err
	}
	a, err := s.repo.ActivityByID(ctx, id)
	if err != nil {
		return nil, Allowed{}, err
	}
	if err := s.shown(ctx, ActivityType, &a.Fields); err != nil {
		return nil, Allowed{}, err
	}
	return a, AllowedFor(actor, a.OwnerUserID), nil
}

// ListActivities returns a page of activities, newest first.
func (s *Service) ListActivities(ctx context.Context, actor *auth.User, q Query) ([]Activity, error) {
	if err := s.canList(ctx, actor, q); err != nil {
		return nil, err
	}
	if err := s.prepare(ctx, ActivityType, &q); err != nil {
		return nil, err
	}
	list, err := s.repo.ListActivities(ctx, q)
	if err != nil {
		return nil, err
	}
	vals := make([]*Values, len(list))
	for i := range list {
		vals[i] = &list[i].Fields
	}
	return list, s.shown(ctx, ActivityType, vals...)
}

// UpdateActivity changes an activity; a new owner, date or time places it again in the owner's
// time zone.
func (s *Service) UpdateActivity(ctx context.Context, actor *auth.User, id int64, patch ActivityPatch) (*Activity, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	fields, err := s.repo.Fields(ctx, ActivityType)
	if err != nil {
		return nil, err
	}
	err = retryChanged(func() error {
		cur, err := s.repo.ActivityByID(ctx, id)
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
		if err := s.checkOwnerChange(ctx, cur.OwnerUserID, next.OwnerUserID); err != nil {
			return err
		}
		if err := s.activityRefs(ctx, &next); err != nil {
			return err
		}
		if next.OwnerUserID != cur.OwnerUserID || next.DueDate != cur.DueDate || next.DueTime != cur.DueTime {
			if err := s.placeActivity(ctx, &next, actor); err != nil {
				return err
			}
		}
		if same(&next, cur) {
			return nil
		}
		next.UpdatedAt = bump(now, cur.UpdatedAt)
		return s.applyUpdate(ctx, actor, ActivityType, cur, &next, cur.UpdatedAt, recordEvent(event.ActivityUpdated, actor, &next))
	})
	if err != nil {
		return nil, err
	}
	return s.repo.ActivityByID(ctx, id)
}

// DeleteActivity removes an activity (admins only).
func (s *Service) DeleteActivity(ctx context.Context, actor *auth.User, id int64) error {
	return s.deleteRecord(ctx, actor, ActivityType, id, event.ActivityDeleted)
}
