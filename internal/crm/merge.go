package crm

import (
	"context"
	"encoding/json"
	"slices"
	"sort"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// Merging two persons, or two organisations: the record merged (from) goes, the one merged into
// (into) stays and takes what pointed at the other. Which value wins, field by field:
//
//   - name, address, organisation, owner, the chat contact: into's, unless it has none;
//   - emails, phones and labels: both, into's first (up to their limits);
//   - custom values: into's, and from's for the fields into has no value of.
//
// What follows into: leads, deals and activities (each changed as a change of its own, with its
// history and event), notes, the conversations linked to from, and for persons from's chat
// contact: into takes it when it has none, otherwise from's contact's conversations are linked to
// into (their next messages start a note there). Organisations hand over their persons too. All of
// it is one transaction. Merging is allowed to whoever may change both records.

// MergeInput names the record merged into the one of the path.
type MergeInput struct {
	FromID int64 `json:"from_id"`
	// DryRun answers what the merge would make without making it.
	DryRun bool `json:"dry_run"`
}

// MergeField is one field of a merge: both values, the result and whose it is (into, from, both
// or none).
type MergeField struct {
	Field  string          `json:"field"`
	Into   json.RawMessage `json:"into"`
	From   json.RawMessage `json:"from"`
	Result json.RawMessage `json:"result"`
	Winner string          `json:"winner"`
}

// MergeResult is a merge made (or, on a dry run, what it would make).
type MergeResult struct {
	DryRun       bool          `json:"dry_run"`
	Person       *Person       `json:"person,omitempty"`
	Organization *Organization `json:"organization,omitempty"`
	Fields       []MergeField  `json:"fields"`
	// Moved counts the records that follow into.
	Moved map[string]int `json:"moved"`
}

// Merge is what a merge hands over in the store: the notes and conversation links of From go to
// Into; for persons, From's chat contact is let go (ContactID: its conversations are linked to
// Into, which keeps a contact of its own).
type Merge struct {
	Type      RecordType
	FromID    int64
	IntoID    int64
	ContactID int64
	UserID    int64
	At        int64
}

const maxMergeFollowers = 5000

// MergePersons merges person in.FromID into person id.
func (s *Service) MergePersons(ctx context.Context, actor *auth.User, id int64, in MergeInput) (*MergeResult, error) {
	return s.merge(ctx, actor, PersonType, id, in)
}

// MergeOrganizations merges organisation in.FromID into organisation id.
func (s *Service) MergeOrganizations(ctx context.Context, actor *auth.User, id int64, in MergeInput) (*MergeResult, error) {
	return s.merge(ctx, actor, OrganizationType, id, in)
}

func (s *Service) merge(ctx context.Context, actor *auth.User, t RecordType, id int64, in MergeInput) (*MergeResult, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	if in.FromID == id || in.FromID <= 0 {
		return nil, errs.Coded(errs.Invalid, "from_id_invalid", "from_id names another %s to merge into this one", t)
	}
	fields, err := s.repo.Fields(ctx, t)
	if err != nil {
		return nil, err
	}
	var res *MergeResult
	err = retryChanged(func() error {
		intoRec, err := s.recordOf(ctx, t, id)
		if err != nil {
			return err
		}
		fromRec, err := s.recordOf(ctx, t, in.FromID)
		if errs.Is(err, errs.NotFound) {
			return errUnknown("from_id", in.FromID)
		} else if err != nil {
			return err
		}
		now := s.nowMS()
		p := &plan{}
		var merged any
		var rf []MergeField
		mv := &Merge{Type: t, FromID: in.FromID, IntoID: id, UserID: actorID(actor), At: now}
		var fromName string
		var prevInto int64
		var updated, deleted event.Type
		switch t {
		case PersonType:
			a, b := intoRec.(*Person), fromRec.(*Person)
			if err := s.canMerge(actor, a.OwnerUserID, b.OwnerUserID); err != nil {
				return err
			}
			next := mergePersons(a, b, fields)
			if a.ContactID != 0 && b.ContactID != 0 {
				mv.ContactID = b.ContactID
			}
			merged, rf, fromName, prevInto = next, mergeFields(a, b, next), b.Name, a.UpdatedAt
			updated, deleted = event.PersonUpdated, event.PersonDeleted
		default:
			a, b := intoRec.(*Organization), fromRec.(*Organization)
			if err := s.canMerge(actor, a.OwnerUserID, b.OwnerUserID); err != nil {
				return err
			}
			next := mergeOrganizations(a, b, fields)
			merged, rf, fromName, prevInto = next, mergeFields(a, b, next), b.Name, a.UpdatedAt
			updated, deleted = event.OrganizationUpdated, event.OrganizationDeleted
		}
		moved, err := s.planFollowers(ctx, p, actor, t, in.FromID, id, now, in.DryRun)
		if err != nil {
			return err
		}
		res = &MergeResult{DryRun: in.DryRun, Fields: rf, Moved: moved}
		if pr, ok := merged.(*Person); ok {
			res.Person = pr
		} else {
			res.Organization = merged.(*Organization)
		}
		if in.DryRun {
			return nil
		}
		// In order: hand over notes, links and the contact; the followers (planned above, but
		// written after the hand-over); into; then from goes.
		ops := p.b.ops
		p.b.ops = nil
		p.b.Insert(mv, nil)
		p.b.ops = append(p.b.ops, ops...)
		bumpUpdated(merged, now, prevInto)
		p.b.Update(merged, prevInto)
		ch := &Change{RecordType: t, RecordID: id, UserID: actorID(actor), Action: ChangeMerged, MergedID: in.FromID, MergedName: fromName, At: now}
		before := cloneRecord(intoRec)
		p.b.Insert(ch, func() { ch.Fields = Diff(before, merged) })
		p.b.Delete(t, in.FromID)
		e := event.New(deleted, deletedRecord{Type: t, Rec: fromRec, MergedInto: id})
		e.ActorID = actor.ID
		p.evs = append(p.evs, recordEvent(updated, actor, merged), e)
		if err := s.repo.Apply(ctx, &p.b, p.evs...); err != nil {
			return err
		}
		s.committed(ctx, p.evs...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !in.DryRun {
		if t == PersonType {
			res.Person, err = s.repo.PersonByID(ctx, id)
		} else {
			res.Organization, err = s.repo.OrganizationByID(ctx, id)
		}
		s.log.InfoContext(ctx, "crm records merged", "type", t, "from", in.FromID, "into", id, "by", actor.ID)
	}
	return res, err
}

func (s *Service) canMerge(actor *auth.User, owners ...int64) error {
	for _, o := range owners {
		if err := CanEdit(actor, o); err != nil {
			return errs.E(errs.Forbidden, "only someone who may change both records may merge them")
		}
	}
	return nil
}

func bumpUpdated(rec any, now, prev int64) {
	switch r := rec.(type) {
	case *Person:
		r.UpdatedAt = bump(now, prev)
	case *Organization:
		r.UpdatedAt = bump(now, prev)
	}
}

// planFollowers adds to p the change of every lead, deal and activity (and, for organisations,
// person) pointing at from to point at into, and counts them.
func (s *Service) planFollowers(ctx context.Context, p *plan, actor *auth.User, t RecordType, from, into, now int64, dry bool) (map[string]int, error) {
	moved := map[string]int{}
	q := Query{Limit: 200}
	// ref moves a follower's reference of the merged type.
	ref := func(person, org *int64) {
		x := org
		if t == PersonType {
			x = person
		}
		if *x == from {
			*x = into
		}
	}
	if t == PersonType {
		q.PersonID = from
	} else {
		q.OrganizationID = from
	}
	total := 0
	check := func(n int) error {
		total += n
		if total > maxMergeFollowers {
			return errs.Coded(errs.Conflict, "too_many_records", "more than %d records point at the %s; merge fewer at a time", maxMergeFollowers, t)
		}
		return nil
	}
	if t == OrganizationType {
		n, err := eachFollower(ctx, q, s.repo.ListPersons, func(x *Person) int64 { return x.ID }, check, func(cur *Person) {
			next := *cur
			next.OrganizationID = into
			s.planFollower(p, actor, PersonType, cur, &next, cur.UpdatedAt, now, event.PersonUpdated, dry)
		})
		if err != nil {
			return nil, err
		}
		moved["persons"] = n
	}
	n, err := eachFollower(ctx, q, s.repo.ListLeads, func(x *Lead) int64 { return x.ID }, check, func(cur *Lead) {
		next := *cur
		ref(&next.PersonID, &next.OrganizationID)
		s.planFollower(p, actor, LeadType, cur, &next, cur.UpdatedAt, now, event.LeadUpdated, dry)
	})
	if err != nil {
		return nil, err
	}
	moved["leads"] = n
	if n, err = eachFollower(ctx, q, s.repo.ListDeals, func(x *Deal) int64 { return x.ID }, check, func(cur *Deal) {
		next := *cur
		ref(&next.PersonID, &next.OrganizationID)
		s.planFollower(p, actor, DealType, cur, &next, cur.UpdatedAt, now, event.DealUpdated, dry)
	}); err != nil {
		return nil, err
	}
	moved["deals"] = n
	if n, err = eachFollower(ctx, q, s.repo.ListActivities, func(x *Activity) int64 { return x.ID }, check, func(cur *Activity) {
		next := *cur
		ref(&next.PersonID, &next.OrganizationID)
		s.planFollower(p, actor, ActivityType, cur, &next, cur.UpdatedAt, now, event.ActivityUpdated, dry)
	}); err != nil {
		return nil, err
	}
	moved["activities"] = n
	return moved, nil
}

// eachFollower pages through what list finds for q, newest first, handing each record to fn after
// check has counted the page; it returns how many there were.
func eachFollower[T any](ctx context.Context, q Query, list func(context.Context, Query) ([]T, error), id func(*T) int64, check func(int) error, fn func(*T)) (int, error) {
	n := 0
	for q.BeforeID = 0; ; {
		page, err := list(ctx, q)
		if err != nil {
			return n, err
		}
		if err := check(len(page)); err != nil {
			return n, err
		}
		for i := range page {
			fn(&page[i])
		}
		n += len(page)
		if len(page) < q.Limit {
			return n, nil
		}
		q.BeforeID = id(&page[len(page)-1])
	}
}

// planFollower adds one follower's change: its update, history and event.
func (s *Service) planFollower(p *plan, actor *auth.User, t RecordType, cur, next any, prev, now int64, typ event.Type, dry bool) {
	if dry {
		return
	}
	switch r := next.(type) {
	case *Person:
		r.UpdatedAt = bump(now, prev)
	case *Lead:
		r.UpdatedAt = bump(now, prev)
	case *Deal:
		r.UpdatedAt = bump(now, prev)
	case *Activity:
		r.UpdatedAt = bump(now, prev)
	}
	p.b.Update(next, prev)
	p.changed(t, actor, cur, next, recordID(next), now)
	p.evs = append(p.evs, recordEvent(typ, actor, next))
}

func mergePersons(a, b *Person, fields []Field) *Person {
	next := *a
	if next.Name == "" {
		next.Name = b.Name
	}
	next.Emails = slices.Clone(a.Emails)
	for _, e := range b.Emails {
		if !hasEmail(next.Emails, e.Value) && len(next.Emails) < MaxEmails {
			next.Emails = append(next.Emails, e)
		}
	}
	next.Phones = slices.Clone(a.Phones)
	for _, ph := range b.Phones {
		if !slices.ContainsFunc(next.Phones, func(x Phone) bool { return x.Value == ph.Value }) && len(next.Phones) < MaxPhones {
			next.Phones = append(next.Phones, ph)
		}
	}
	if next.OrganizationID == 0 {
		next.OrganizationID, next.OrganizationName = b.OrganizationID, b.OrganizationName
	}
	if next.OwnerUserID == 0 {
		next.OwnerUserID, next.OwnerName = b.OwnerUserID, b.OwnerName
	}
	if next.ContactID == 0 {
		next.ContactID = b.ContactID
	}
	next.Labels = mergeLabels(a.Labels, b.Labels)
	next.Fields = mergeValues(a.Fields, b.Fields, fields)
	return &next
}

func mergeOrganizations(a, b *Organization, fields []Field) *Organization {
	next := *a
	if next.Name == "" {
		next.Name = b.Name
	}
	if next.Address == "" {
		next.Address = b.Address
	}
	if next.OwnerUserID == 0 {
		next.OwnerUserID, next.OwnerName = b.OwnerUserID, b.OwnerName
	}
	next.Labels = mergeLabels(a.Labels, b.Labels)
	next.Fields = mergeValues(a.Fields, b.Fields, fields)
	return &next
}

func mergeLabels(a, b []string) []string {
	out, _ := cleanLabels(append(slices.Clone(a), b...))
	if len(out) > MaxLabels {
		out = out[:MaxLabels]
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// mergeValues keeps a's custom values and adds b's for fields a has no value of (fields that
// still exist only).
func mergeValues(a, b Values, fields []Field) Values {
	out := Values{}
	for k, v := range a {
		out[k] = v
	}
	for _, f := range fields {
		if _, ok := out[f.Key]; !ok {
			if v, ok := b[f.Key]; ok {
				out[f.Key] = v
			}
		}
	}
	return out
}

// mergeFields says, field by field, whose value the merged record holds.
func mergeFields(a, b, merged any) []MergeField {
	fa, fb, fm := fieldsOf(a), fieldsOf(b), fieldsOf(merged)
	keys := map[string]bool{}
	for _, m := range []map[string]json.RawMessage{fa, fb, fm} {
		for k := range m {
			keys[k] = true
		}
	}
	var names []string
	for k := range keys {
		switch k {
		case "conversation_id", "lead_id", "deal_id":
			continue
		}
		names = append(names, k)
	}
	sort.Strings(names)
	out := []MergeField{}
	for _, k := range names {
		x, y, r := orNull(fa[k]), orNull(fb[k]), orNull(fm[k])
		w := "none"
		switch {
		case string(r) == "null":
		case string(r) == string(x) && string(r) == string(y):
			w = "into"
		case string(r) == string(x):
			w = "into"
		case string(r) == string(y):
			w = "from"
		default:
			w = "both"
		}
		out = append(out, MergeField{Field: k, Into: x, From: y, Result: r, Winner: w})
	}
	return out
}
