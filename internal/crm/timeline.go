package crm

import (
	"context"
	"slices"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
)

// A record's conversations, for its timeline: the one it was made from, those linked to it, and
// its person's (or an organisation's persons') chat contact's, each with its latest messages —
// emails with their subject. A conversation the reader may not see (conversation.CanSee, through
// the conversation service) shows only that it exists.

// RecordConversation is one conversation of a record's timeline.
type RecordConversation struct {
	ConversationID int64 `json:"conversation_id"`
	// Hidden: the reader may not see it; only the id and why it is here are given.
	Hidden bool `json:"hidden,omitempty"`
	// Why it belongs to the record: made_from, linked or contact.
	Why          string        `json:"why"`
	Channel      string        `json:"channel,omitempty"`
	Status       string        `json:"status,omitempty"`
	Subject      string        `json:"subject,omitempty"` // an email thread's
	ContactName  string        `json:"contact_name,omitempty"`
	AssigneeName string        `json:"assignee_name,omitempty"`
	LastAt       int64         `json:"last_at,omitempty"`
	URL          string        `json:"url,omitempty"`
	Lines        []ExcerptLine `json:"lines,omitempty"`
}

const (
	maxTimelineConversations = 20
	timelineLines            = 3
)

// RecordConversations returns a record's conversations, the latest first.
func (s *Service) RecordConversations(ctx context.Context, actor *auth.User, t RecordType, id int64) ([]RecordConversation, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	rec, err := s.recordOf(ctx, t, id)
	if err != nil {
		return nil, err
	}
	why := map[int64]string{}
	add := func(convID int64, w string) {
		if _, ok := why[convID]; !ok && convID != 0 {
			why[convID] = w
		}
	}
	var contacts []int64
	var madeFrom int64
	switch r := rec.(type) {
	case *Person:
		madeFrom, contacts = r.ConversationID, []int64{r.ContactID}
	case *Organization:
		madeFrom = r.ConversationID
		persons, err := s.repo.ListPersons(ctx, Query{OrganizationID: id, Limit: 50})
		if err != nil {
			return nil, err
		}
		for _, p := range persons {
			contacts = append(contacts, p.ContactID)
		}
	case *Lead:
		madeFrom, contacts = r.ConversationID, []int64{r.ContactID}
		if p, err := s.repo.PersonByID(ctx, r.PersonID); err == nil {
			contacts = append(contacts, p.ContactID)
		}
	case *Deal:
		madeFrom, contacts = r.ConversationID, []int64{r.ContactID}
		if p, err := s.repo.PersonByID(ctx, r.PersonID); err == nil {
			contacts = append(contacts, p.ContactID)
		}
	case *Activity:
		madeFrom = r.ConversationID
	}
	add(madeFrom, "made_from")
	linked, err := s.repo.LinksOfRecord(ctx, t, id)
	if err != nil {
		return nil, err
	}
	for _, l := range linked {
		add(l.ConversationID, "linked")
	}
	slices.Sort(contacts)
	for _, c := range slices.Compact(contacts) {
		if c == 0 {
			continue
		}
		convs, err := s.repo.ConversationsOfContact(ctx, c)
		if err != nil {
			return nil, err
		}
		for _, cv := range convs {
			add(cv.ID, "contact")
		}
	}
	ids := make([]int64, 0, len(why))
	for cid := range why {
		ids = append(ids, cid)
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	out := []RecordConversation{}
	for _, cid := range ids {
		if len(out) == maxTimelineConversations {
			break
		}
		c, _, err := s.convs.Get(ctx, actor, cid)
		if errs.Is(err, errs.NotFound) {
			out = append(out, RecordConversation{ConversationID: cid, Hidden: true, Why: why[cid]})
			continue
		} else if err != nil {
			return nil, err
		}
		rc := RecordConversation{ConversationID: c.ID, Why: why[cid], Channel: string(c.Channel), Status: string(c.Status), Subject: c.Subject,
			LastAt: c.LastMessageAt, URL: ConversationURL(c.ID), Lines: []ExcerptLine{}}
		ex, err := s.excerptOf(ctx, c, s.nowMS())
		if err != nil {
			return nil, err
		}
		rc.ContactName, rc.AssigneeName = ex.visitor, ex.AssigneeName
		msgs, err := s.repo.Messages(ctx, conversation.LogQuery{ConversationID: c.ID, Limit: 30})
		if err != nil {
			return nil, err
		}
		for i := len(msgs) - 1; i >= 0 && len(rc.Lines) < timelineLines; i-- {
			if line, ok := s.lineOf(&msgs[i], ex); ok {
				if m := msgs[i].Email; m != nil && m.Subject != "" {
					line.Subject = m.Subject
				}
				rc.Lines = append(rc.Lines, line)
			}
		}
		slices.Reverse(rc.Lines)
		out = append(out, rc)
	}
	slices.SortStableFunc(out, func(a, b RecordConversation) int {
		switch {
		case a.LastAt > b.LastAt:
			return -1
		case a.LastAt < b.LastAt:
			return 1
		}
		return 0
	})
	return out, nil
}
