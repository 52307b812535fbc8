package crm

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// The note that follows a linked conversation. Linking writes the first note; after that the
// conversation's messages reach the record through the event log: FollowConsumer reads each
// message.created event (durably, in position order, on one node at a time) and adds the messages
// to the link's note while the note's 24 hours last; a message after them, or after the note was
// edited or deleted, starts a new note. Which messages a note holds is decided by their own times,
// so replaying the log decides the same.

// FollowConsumerName is the durable consumer's name (its cursor); it must not change.
const FollowConsumerName = "crm.conversation_notes"

// FollowConsumer is the durable consumer of the event log that keeps linked conversations' notes
// growing (event.Runner runs it).
func (s *Service) FollowConsumer() event.Consumer {
	return event.Consumer{Name: FollowConsumerName, FromStart: true, Batch: 500, Handle: s.follow}
}

// messageRef is what the consumer reads of a message.created event.
type messageRef struct {
	ConversationID int64             `json:"conversation_id"`
	Seq            int64             `json:"seq"`
	Kind           conversation.Kind `json:"kind"`
}

func (s *Service) follow(ctx context.Context, events []event.Event) (int64, error) {
	last := map[int64]int64{} // conversation → the last message's seq in these events
	var order []int64
	for _, e := range events {
		if e.Type != event.MessageCreated {
			continue
		}
		var m messageRef
		if err := json.Unmarshal(e.Data, &m); err != nil || m.ConversationID == 0 {
			continue
		}
		if m.Kind == conversation.Note || m.Kind == conversation.EventKind {
			continue
		}
		if _, ok := last[m.ConversationID]; !ok {
			order = append(order, m.ConversationID)
		}
		last[m.ConversationID] = max(last[m.ConversationID], m.Seq)
	}
	if len(order) == 0 {
		return 0, nil
	}
	links, err := s.repo.LinksOfConversations(ctx, order)
	if err != nil {
		return 0, err
	}
	for _, convID := range order {
		var mine []Link
		for _, l := range links {
			if l.ConversationID == convID && l.LastSeq < last[convID] {
				mine = append(mine, l)
			}
		}
		if len(mine) == 0 {
			continue
		}
		if err := s.followConversation(ctx, convID, last[convID], mine); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

// followConversation adds conversation convID's messages up to seq upTo to the notes of its links.
func (s *Service) followConversation(ctx context.Context, convID, upTo int64, links []Link) error {
	c, err := s.repo.ConversationByID(ctx, convID)
	if errs.Is(err, errs.NotFound) {
		return nil // deleted meanwhile: its links went with it
	}
	if err != nil {
		return err
	}
	from := links[0].LastSeq
	for _, l := range links {
		from = min(from, l.LastSeq)
	}
	var msgs []conversation.Message
	for from < upTo {
		page, err := s.repo.Messages(ctx, conversation.LogQuery{ConversationID: convID, AfterSeq: from, Limit: 500})
		if err != nil {
			return err
		}
		for _, m := range page {
			if m.Seq <= upTo {
				msgs = append(msgs, m)
			}
		}
		if len(page) < 500 {
			break
		}
		from = page[len(page)-1].Seq
	}
	p := &plan{}
	for _, l := range links {
		if err := s.followLink(ctx, p, c, l, msgs, upTo); err != nil {
			return err
		}
	}
	if p.b.Empty() {
		return nil
	}
	if err := s.repo.Apply(ctx, &p.b, p.evs...); err != nil {
		return err
	}
	s.committed(ctx, p.evs...)
	return nil
}

// followLink adds to p what messages after the link's last one do to its note.
func (s *Service) followLink(ctx context.Context, p *plan, c *conversation.Conversation, l Link, msgs []conversation.Message, upTo int64) error {
	var note *Note
	if l.NoteID != 0 {
		n, err := s.repo.NoteByID(ctx, l.NoteID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		note = n
	}
	head, err := s.excerptOf(ctx, c, 0)
	if err != nil {
		return err
	}
	now := s.nowMS()
	window := NoteWindow.Milliseconds()
	next := l
	// cur is the note being written: a copy of note (updated) or a new one (inserted).
	var cur *Note
	inserted := false
	flush := func() {
		switch {
		case cur == nil:
		case inserted:
			cur.Excerpt.Until = next.WindowStart + window
			p.b.Insert(cur, nil)
			p.evs = append(p.evs, recordEvent(event.NoteCreated, nil, cur))
		default:
			cur.UpdatedAt = bump(now, note.UpdatedAt)
			p.b.Update(cur, note.UpdatedAt)
			p.evs = append(p.evs, recordEvent(event.NoteUpdated, nil, cur))
		}
	}
	for i := range msgs {
		m := &msgs[i]
		if m.Seq <= l.LastSeq {
			continue
		}
		line, ok := s.lineOf(m, head)
		if !ok {
			continue
		}
		inWindow := m.CreatedAt < next.WindowStart+window
		if cur == nil && note != nil && note.EditedAt == 0 && note.Excerpt != nil && inWindow && len(note.Excerpt.Lines) < excerptMax {
			x := *note
			x.Excerpt = cloneExcerpt(note.Excerpt)
			cur = &x
		}
		if cur == nil || !inWindow || len(cur.Excerpt.Lines) >= excerptMax {
			// A new note: after the window, after an edit or a deletion, or when one is full.
			flush()
			ex := *head
			ex.Lines = []ExcerptLine{}
			cur = &Note{RecordType: l.RecordType, RecordID: l.RecordID, ConversationID: c.ID, Excerpt: &ex, CreatedAt: now, UpdatedAt: now}
			inserted = true
			next.WindowStart = m.CreatedAt
		}
		cur.Excerpt.Status, cur.Excerpt.AssigneeID, cur.Excerpt.AssigneeName = head.Status, head.AssigneeID, head.AssigneeName
		cur.Excerpt.Lines = append(cur.Excerpt.Lines, line)
	}
	flush()
	next.LastSeq = upTo
	if inserted {
		n := cur
		p.b.ops = append(p.b.ops, Op{Kind: OpUpdate, Record: &next, Prev: l.LastSeq, resolve: func() { next.NoteID = n.ID }})
		return nil
	}
	p.b.Update(&next, l.LastSeq)
	return nil
}

func cloneExcerpt(e *Excerpt) *Excerpt {
	x := *e
	x.Lines = slices.Clone(e.Lines)
	return &x
}
