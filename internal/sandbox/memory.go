package sandbox

import (
	"context"
	"slices"
	"sync"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
)

// memory is a conversation store of one sandbox run: conversation.Repo in memory. It holds the
// run's one contact, its conversations, their logs and playbook runs; the jobs a write would enqueue
// are reported as what would happen, and nothing else is kept.
type memory struct {
	mu      sync.Mutex
	inbox   *inbox.Inbox
	contact *contact.Contact
	agent   *auth.User
	convs   []*conversation.Conversation
	logs    map[int64][]conversation.Message
	runs    map[int64]*conversation.BotRun
	nextMsg int64
	// wrote hears of each committed write (the run turns its jobs into "would" lines).
	wrote func(w *conversation.Write)
}

var _ conversation.Repo = (*memory)(nil)

func notHere(what string) error {
	return errs.E(errs.Unsupported, "a sandbox run does not %s", what)
}

func (m *memory) InboxByID(_ context.Context, id int64) (*inbox.Inbox, error) {
	if id != m.inbox.ID {
		return nil, errs.E(errs.NotFound, "inbox not found")
	}
	ib := *m.inbox
	return &ib, nil
}

func (m *memory) ListInboxes(context.Context) ([]inbox.Inbox, error) {
	return []inbox.Inbox{*m.inbox}, nil
}

// The sandbox's one agent works in the inbox; whether they are available is the run's choice.
func (m *memory) IsInboxMember(_ context.Context, inboxID, userID int64) (bool, error) {
	return inboxID == m.inbox.ID && userID == m.agent.ID, nil
}

func (m *memory) MemberInboxIDs(_ context.Context, userID int64) ([]int64, error) {
	if userID == m.agent.ID {
		return []int64{m.inbox.ID}, nil
	}
	return []int64{}, nil
}

func (m *memory) UserByID(_ context.Context, id int64) (*auth.User, error) {
	if id != m.agent.ID {
		return nil, errs.E(errs.NotFound, "user not found")
	}
	u := *m.agent
	return &u, nil
}

// TeamByID: the sandbox knows no teams, so a live chat card of a team counts the inbox's agents.
func (m *memory) TeamByID(context.Context, int64) (*auth.Team, error) {
	return nil, errs.E(errs.NotFound, "team not found")
}

func (m *memory) ContactByID(_ context.Context, id int64) (*contact.Contact, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id != m.contact.ID {
		return nil, errs.E(errs.NotFound, "contact not found")
	}
	c := *m.contact
	return &c, nil
}

func (m *memory) conv(id int64) (*conversation.Conversation, bool) {
	for _, c := range m.convs {
		if c.ID == id {
			return c, true
		}
	}
	return nil, false
}

func (m *memory) ConversationByID(_ context.Context, id int64) (*conversation.Conversation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.conv(id)
	if !ok {
		return nil, errs.E(errs.NotFound, "conversation not found")
	}
	out := *c
	return &out, nil
}

func (m *memory) LatestConversation(_ context.Context, inboxID, contactID int64) (*conversation.Conversation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.convs) - 1; i >= 0; i-- {
		if c := m.convs[i]; c.InboxID == inboxID && c.ContactID == contactID {
			out := *c
			return &out, nil
		}
	}
	return nil, errs.E(errs.NotFound, "conversation not found")
}

func (m *memory) MessageByClientID(_ context.Context, conversationID int64, clientID string) (*conversation.Message, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, msg := range m.logs[conversationID] {
		if clientID != "" && msg.ClientID == clientID {
			out := msg
			return &out, nil
		}
	}
	return nil, errs.E(errs.NotFound, "message not found")
}

// Commit writes a change as the store does: guarded by the seq it was decided on, a retried client
// id answered with its original, entries numbered, the run kept with them.
func (m *memory) Commit(_ context.Context, w *conversation.Write) ([]conversation.Message, error) {
	m.mu.Lock()
	var stored []conversation.Message
	c := w.Conv
	if c.ID == 0 {
		if latest := m.latestLocked(c.InboxID, c.ContactID); latest != nil && latest.ID != w.PrevID {
			m.mu.Unlock()
			return nil, conversation.ErrStale
		}
		c.ID = int64(len(m.convs) + 1)
		m.convs = append(m.convs, &conversation.Conversation{ID: c.ID})
	} else {
		held, ok := m.conv(c.ID)
		if !ok {
			m.mu.Unlock()
			return nil, errs.E(errs.NotFound, "conversation not found")
		}
		if held.LastSeq != w.ExpectSeq {
			m.mu.Unlock()
			return nil, conversation.ErrStale
		}
		for _, e := range w.Append {
			for _, old := range m.logs[c.ID] {
				if e.ClientID != "" && old.ClientID == e.ClientID {
					m.mu.Unlock()
					return nil, &conversation.DuplicateError{Message: old}
				}
			}
		}
	}
	for _, e := range w.Append {
		m.nextMsg++
		c.LastSeq++
		e.ID, e.ConversationID, e.Seq = m.nextMsg, c.ID, c.LastSeq
		m.logs[c.ID] = append(m.logs[c.ID], e)
		stored = append(stored, e)
	}
	held, _ := m.conv(c.ID)
	*held = *c
	if w.Run != nil {
		run := *w.Run
		run.ConversationID = c.ID
		m.runs[c.ID] = &run
	}
	m.mu.Unlock()
	if m.wrote != nil {
		m.wrote(w)
	}
	return stored, nil
}

func (m *memory) latestLocked(inboxID, contactID int64) *conversation.Conversation {
	for i := len(m.convs) - 1; i >= 0; i-- {
		if c := m.convs[i]; c.InboxID == inboxID && c.ContactID == contactID {
			return c
		}
	}
	return nil
}

// AppendToOpen is the store's fast path for a contact's message; the sandbox takes the guarded one.
func (m *memory) AppendToOpen(context.Context, *conversation.OpenAppend) (*conversation.Conversation, error) {
	return nil, errs.E(errs.NotFound, "conversation not found")
}

func (m *memory) Messages(_ context.Context, q conversation.LogQuery) ([]conversation.Message, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []conversation.Message{}
	for _, msg := range m.logs[q.ConversationID] {
		if msg.Seq <= q.AfterSeq || (q.BeforeSeq > 0 && msg.Seq >= q.BeforeSeq) || (q.ForContact && !msg.VisibleToContact()) {
			continue
		}
		out = append(out, msg)
	}
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[len(out)-q.Limit:]
	}
	return out, nil
}

func (m *memory) ListConversations(context.Context, conversation.ListQuery) ([]conversation.Conversation, error) {
	return []conversation.Conversation{}, nil
}

func (m *memory) CountOpen(context.Context, conversation.Scope, conversation.Filter) (conversation.Counts, error) {
	return conversation.Counts{}, nil
}

func (m *memory) CountConversations(context.Context, conversation.ListQuery) (int, error) {
	return 0, nil
}

func (m *memory) MarkRead(context.Context, int64, int64, int64) error { return nil }

func (m *memory) MarkContactRead(_ context.Context, conversationID, seq int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.conv(conversationID); ok && seq > c.ContactReadSeq {
		c.ContactReadSeq = seq
	}
	return nil
}

func (m *memory) DeleteConversation(context.Context, *conversation.Conversation, ...event.Event) error {
	return notHere("delete conversations")
}

func (m *memory) ConversationsOfContact(_ context.Context, contactID int64) ([]conversation.Conversation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []conversation.Conversation{}
	for _, c := range slices.Backward(m.convs) {
		if c.ContactID == contactID {
			out = append(out, *c)
		}
	}
	return out, nil
}

func (m *memory) BotRun(_ context.Context, conversationID int64) (*conversation.BotRun, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.runs[conversationID]
	if !ok {
		return nil, errs.E(errs.NotFound, "no playbook run")
	}
	out := *r
	return &out, nil
}
