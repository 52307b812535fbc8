package crm

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// Notes, and what a note holds of a conversation: only users who may see the conversation read
// it in full (conversation.CanSee, through the conversation service); others see that it exists.

// CreateNote adds a note to a record. Every user may: a note is its author's own.
func (s *Service) CreateNote(ctx context.Context, actor *auth.User, in NoteInput) (*Note, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	body, err := cleanNoteBody(in.Body, true)
	if err != nil {
		return nil, err
	}
	if !in.RecordType.Valid() {
		return nil, errs.Coded(errs.Invalid, "record_type_invalid", "record_type must be person, organization, lead, deal or activity")
	}
	if err := s.exists(ctx, in.RecordType, in.RecordID); err != nil || in.RecordID == 0 {
		if err == nil {
			err = errUnknown("record_id", in.RecordID)
		}
		return nil, err
	}
	p := &plan{}
	id := in.RecordID
	n := s.insertNote(p, origin{actor: actor, now: s.nowMS()}, in.RecordType, &id, body)
	if err := s.repo.Apply(ctx, &p.b, p.evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, p.evs...)
	return s.GetNote(ctx, actor, n.ID)
}

// insertNote adds a note on a record to p (its id may come from a record new in p).
func (s *Service) insertNote(p *plan, o origin, t RecordType, recordID *int64, body string) *Note {
	n := &Note{RecordType: t, Body: body, CreatedByUserID: actorID(o.actor), CreatedAt: o.now, UpdatedAt: o.now}
	p.b.Insert(n, func() { n.RecordID = *recordID })
	p.evs = append(p.evs, recordEvent(event.NoteCreated, o.actor, n))
	return n
}

// seer answers, for one reader, whether they may see a conversation, asking the conversation
// service once per conversation.
type seer struct {
	s     *Service
	actor *auth.User
	seen  map[int64]bool
}

func (s *Service) seer(actor *auth.User) *seer {
	return &seer{s: s, actor: actor, seen: map[int64]bool{}}
}

func (v *seer) sees(ctx context.Context, convID int64) (bool, error) {
	if ok, done := v.seen[convID]; done {
		return ok, nil
	}
	_, _, err := v.s.convs.Get(ctx, v.actor, convID)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return false, err
	}
	v.seen[convID] = err == nil
	return err == nil, nil
}

// show prepares a note for its reader: rendered, or hidden when it holds a conversation the
// reader may not see. A note whose conversation was deleted shows in full to admins only.
func (v *seer) show(ctx context.Context, n *Note) error {
	n.HTML = v.s.render(n.Body)
	if n.Excerpt == nil {
		return nil
	}
	ok := v.actor.Role.IsAdmin()
	if n.ConversationID != 0 {
		var err error
		if ok, err = v.sees(ctx, n.ConversationID); err != nil {
			return err
		}
	}
	if !ok {
		n.Hidden, n.Body, n.HTML, n.Excerpt = true, "", "", nil
	}
	return nil
}

// GetNote returns a note, in full when the actor may read it, and what they may do with it.
func (s *Service) GetNote(ctx context.Context, actor *auth.User, id int64) (*Note, error) {
	n, _, err := s.GetNoteAllowed(ctx, actor, id)
	return n, err
}

// GetNoteAllowed is GetNote with what the actor may do with the note.
func (s *Service) GetNoteAllowed(ctx context.Context, actor *auth.User, id int64) (*Note, Allowed, error) {
	if err := CanUse(actor); err != nil {
		return nil, Allowed{}, err
	}
	n, err := s.repo.NoteByID(ctx, id)
	if err != nil {
		return nil, Allowed{}, err
	}
	if err := s.seer(actor).show(ctx, n); err != nil {
		return nil, Allowed{}, err
	}
	a := AllowedFor(actor, noteOwner(n))
	if n.Hidden {
		a.Edit = false
	}
	return n, a, nil
}

// ListNotes returns a page of a record's notes, newest first.
func (s *Service) ListNotes(ctx context.Context, actor *auth.User, t RecordType, id int64, q Query) ([]Note, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	if !t.Valid() || id <= 0 {
		return nil, errs.Coded(errs.Invalid, "record_required", "record_type and record_id name the record whose notes to list")
	}
	if _, err := s.recordOf(ctx, t, id); err != nil {
		return nil, err
	}
	q.Limit = PageSize(q.Limit)
	notes, err := s.repo.ListNotes(ctx, t, id, q)
	if err != nil {
		return nil, err
	}
	v := s.seer(actor)
	for i := range notes {
		if err := v.show(ctx, &notes[i]); err != nil {
			return nil, err
		}
	}
	return notes, nil
}

// UpdateNote changes a note's body: its author, an admin, or anyone when a conversation made it;
// a note from a conversation only by those who may see that conversation. A note that follows a
// conversation stops following it: the next message starts a new note.
func (s *Service) UpdateNote(ctx context.Context, actor *auth.User, id int64, patch NotePatch) (*Note, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	err := retryChanged(func() error {
		cur, err := s.repo.NoteByID(ctx, id)
		if err != nil {
			return err
		}
		shown := *cur
		if err := s.seer(actor).show(ctx, &shown); err != nil {
			return err
		}
		if shown.Hidden {
			return errs.E(errs.Forbidden, "this note holds a conversation you may not see")
		}
		if err := CanEdit(actor, noteOwner(cur)); err != nil {
			return err
		}
		if patch.Body == nil {
			return nil
		}
		body, err := cleanNoteBody(*patch.Body, cur.Excerpt == nil)
		if err != nil {
			return err
		}
		if body == cur.Body {
			return nil
		}
		next := *cur
		now := s.nowMS()
		next.Body, next.EditedByUserID, next.EditedAt, next.UpdatedAt = body, actor.ID, now, bump(now, cur.UpdatedAt)
		return s.applyOne(ctx, &next, cur.UpdatedAt, recordEvent(event.NoteUpdated, actor, &next))
	})
	if err != nil {
		return nil, err
	}
	return s.GetNote(ctx, actor, id)
}

// DeleteNote removes a note (admins only). A conversation linked to the record starts a new note
// with its next message.
func (s *Service) DeleteNote(ctx context.Context, actor *auth.User, id int64) error {
	if err := CanDelete(actor); err != nil {
		return err
	}
	if _, err := s.repo.NoteByID(ctx, id); err != nil {
		return err
	}
	var b Batch
	b.ops = append(b.ops, Op{Kind: OpDelete, Record: &Deletion{Type: NoteType, ID: id}})
	e := event.New(event.NoteDeleted, map[string]int64{"id": id})
	e.ActorID = actor.ID
	evs := []event.Event{e}
	if err := s.repo.Apply(ctx, &b, evs...); err != nil {
		return err
	}
	s.committed(ctx, evs...)
	return nil
}

// LinkConversation links a conversation the actor sees to an existing person, lead or deal: a note
// on the record holds the conversation's latest messages, and the messages of the next 24 hours
// are added to it (FollowConsumer). Linking a person the contact could become makes the contact
// that person. A conversation is linked to a record once (errs.Conflict "already_linked").
func (s *Service) LinkConversation(ctx context.Context, actor *auth.User, convID int64, in LinkInput) (*Link, error) {
	if err := CanUse(actor); err != nil {
		return nil, err
	}
	if !in.RecordType.Linkable() {
		return nil, errs.Coded(errs.Invalid, "record_type_invalid", "a conversation is linked to a person, lead or deal")
	}
	var title string
	var person *Person
	switch in.RecordType {
	case PersonType:
		x, err := s.repo.PersonByID(ctx, in.RecordID)
		if err != nil {
			return nil, linkTargetErr(err, in.RecordID)
		}
		title, person = x.Name, x
	case LeadType:
		x, err := s.repo.LeadByID(ctx, in.RecordID)
		if err != nil {
			return nil, linkTargetErr(err, in.RecordID)
		}
		title = x.Title
	case DealType:
		x, err := s.repo.DealByID(ctx, in.RecordID)
		if err != nil {
			return nil, linkTargetErr(err, in.RecordID)
		}
		title = x.Title
	}
	var link *Link
	err := s.write(ctx, actor, convID, func(c *conversation.Conversation, p *plan) error {
		now := s.nowMS()
		id := in.RecordID
		if err := s.planLink(ctx, p, c, actor, in.RecordType, &id, title, now); err != nil {
			return err
		}
		link = p.b.ops[len(p.b.ops)-1].Record.(*Link)
		if person != nil && person.ContactID == 0 {
			if _, err := s.repo.PersonOfContact(ctx, c.ContactID); errs.Is(err, errs.NotFound) {
				next := *person
				next.ContactID, next.UpdatedAt = c.ContactID, bump(now, person.UpdatedAt)
				p.b.Update(&next, person.UpdatedAt)
				p.changed(PersonType, actor, person, &next, person.ID, now)
				p.evs = append(p.evs, recordEvent(event.PersonUpdated, actor, &next))
			} else if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return link, nil
}

func linkTargetErr(err error, id int64) error {
	if errs.Is(err, errs.NotFound) {
		return errUnknown("record_id", id)
	}
	return err
}

// planLink adds to p the link of conversation c to a record (its id maybe new in p) with the first
// note of the link: the conversation's latest messages.
func (s *Service) planLink(ctx context.Context, p *plan, c *conversation.Conversation, actor *auth.User, t RecordType, recordID *int64, title string, now int64) error {
	if *recordID != 0 {
		links, err := s.repo.LinksOfConversations(ctx, []int64{c.ID})
		if err != nil {
			return err
		}
		for _, l := range links {
			if l.RecordType == t && l.RecordID == *recordID {
				return errs.Coded(errs.Conflict, "already_linked", "the conversation is linked to this %s already", t)
			}
		}
	}
	msgs, err := s.repo.Messages(ctx, conversation.LogQuery{ConversationID: c.ID, Limit: 200})
	if err != nil {
		return err
	}
	ex, err := s.excerptOf(ctx, c, now)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if line, ok := s.lineOf(&m, ex); ok {
			ex.Lines = append(ex.Lines, line)
		}
	}
	if n := len(ex.Lines); n > excerptFirst {
		ex.Lines = ex.Lines[n-excerptFirst:]
	}
	n := &Note{RecordType: t, ConversationID: c.ID, Excerpt: ex, CreatedByUserID: actorID(actor), CreatedAt: now, UpdatedAt: now}
	p.b.Insert(n, func() { n.RecordID = *recordID })
	p.evs = append(p.evs, recordEvent(event.NoteCreated, actor, n))
	link := &Link{ConversationID: c.ID, RecordType: t, WindowStart: now, LastSeq: c.LastSeq, CreatedByUserID: actorID(actor), CreatedAt: now}
	p.b.Insert(link, func() { link.RecordID, link.NoteID = *recordID, n.ID })
	line := &conversation.Event{Type: conversation.EventItemLinked, ItemType: string(t), Title: title}
	p.lines = append(p.lines, line)
	p.b.after(func() { line.ItemID = *recordID })
	return nil
}

// excerptOf is the head of a note made from conversation c: the way back, its status and assignee.
func (s *Service) excerptOf(ctx context.Context, c *conversation.Conversation, now int64) (*Excerpt, error) {
	ex := &Excerpt{ConversationID: c.ID, URL: ConversationURL(c.ID), Status: string(c.Status), AssigneeID: c.AssigneeID,
		Lines: []ExcerptLine{}, Until: now + NoteWindow.Milliseconds()}
	if c.AssigneeID != 0 {
		u, err := s.repo.UserByID(ctx, c.AssigneeID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return nil, err
		}
		if err == nil {
			ex.AssigneeName = u.Name
		}
	}
	name := "Visitor"
	if ct, err := s.repo.ContactByID(ctx, c.ContactID); err == nil {
		name = ct.DisplayName(name)
	} else if !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	ex.visitor = name
	return ex, nil
}

// lineOf is a log entry as a line of an excerpt: the contact's, an agent's or the bot's
// messages; internal notes and system lines are left out.
func (s *Service) lineOf(m *conversation.Message, ex *Excerpt) (ExcerptLine, bool) {
	switch m.Kind {
	case conversation.Note, conversation.EventKind:
		return ExcerptLine{}, false
	}
	text := m.Body
	if m.Kind == conversation.Attachment && m.Attachment != nil {
		text = strings.TrimSpace("[" + m.Attachment.Name + "] " + text)
	}
	if utf8.RuneCountInString(text) > excerptLineMax {
		text = string([]rune(text)[:excerptLineMax]) + "…"
	}
	line := ExcerptLine{Seq: m.Seq, At: m.CreatedAt, From: string(m.SenderKind), Text: text}
	switch m.SenderKind {
	case conversation.FromVisitor:
		line.Name = ex.visitor
	case conversation.FromAgent:
		line.SenderID, line.Name = m.SenderID, m.SenderName
	case conversation.FromBot:
		line.Name = m.SenderName
		if line.Name == "" {
			line.Name = "Bot"
		}
	default:
		return ExcerptLine{}, false
	}
	return line, true
}
