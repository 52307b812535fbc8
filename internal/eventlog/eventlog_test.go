package eventlog_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/eventlog"
	"github.com/parleyhq/parley/internal/inbox"
)

// fakeLog is a log of n events: every third is a message of conversation 1 (inbox 1), the others
// team.changed.
type fakeLog struct{ n int64 }

func (l fakeLog) EventsAfter(_ context.Context, after int64, limit int) ([]event.Event, error) {
	var out []event.Event
	for p := after + 1; p <= l.n && len(out) < limit; p++ {
		e := event.Event{Position: p, Type: event.TeamChanged, At: 1, Data: json.RawMessage(`{}`)}
		if p%3 == 0 {
			e.Type, e.ConversationID, e.InboxID = event.MessageCreated, 1, 1
		}
		out = append(out, e)
	}
	return out, nil
}

func (fakeLog) ConversationByID(_ context.Context, id int64) (*conversation.Conversation, error) {
	if id != 1 {
		return nil, errs.E(errs.NotFound, "conversation not found")
	}
	return &conversation.Conversation{ID: 1, InboxID: 1, Status: conversation.Open, AssigneeID: 99}, nil
}

// rules: user 2 is a member of private inbox 1; conversation 1 is assigned to user 99.
type rules struct{}

func (rules) Accesses(_ context.Context, u *auth.User) (map[int64]conversation.Access, error) {
	return map[int64]conversation.Access{1: {User: u, Inbox: &inbox.Inbox{ID: 1, Visibility: inbox.Private}, Member: u.ID == 2}}, nil
}

func (rules) SeesContact(context.Context, *auth.User, int64) error {
	return errs.E(errs.NotFound, "contact not found")
}

func read(t *testing.T, r *eventlog.Reader, u *auth.User, q eventlog.Query) []int64 {
	t.Helper()
	var got []int64
	for {
		p, err := r.Page(t.Context(), u, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Events) > q.Limit || p.NextAfter < q.After {
			t.Fatalf("page %+v after %d", p, q.After)
		}
		for _, e := range p.Events {
			got = append(got, e.Position)
		}
		q.After = p.NextAfter
		if !p.More {
			return got
		}
	}
}

// Pages hold at most limit events, next_after moves on past events the user may not see (also
// past more than one read's worth of them), and paging from 0 to the end reads every visible event
// once, in order.
func TestPagesAndVisibility(t *testing.T) {
	const n = 12000
	r := eventlog.NewReader(fakeLog{n: n}, rules{})
	admin := &auth.User{ID: 1, Role: auth.Admin}
	all := read(t, r, admin, eventlog.Query{Limit: 7})
	if len(all) != n || all[0] != 1 || all[n-1] != n {
		t.Fatalf("the admin read %d events", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i] != all[i-1]+1 {
			t.Fatalf("position %d follows %d", all[i], all[i-1])
		}
	}
	// The member does not see conversation 1: it is assigned to someone else in a private inbox.
	member := &auth.User{ID: 2, Role: auth.Agent}
	if got := read(t, r, member, eventlog.Query{Limit: 1000}); len(got) != n-n/3 {
		t.Fatalf("the member read %d events, want the %d team events", len(got), n-n/3)
	}
	// Only messages, which they may not see: empty pages whose next_after still moves to the end.
	p, err := r.Page(t.Context(), member, eventlog.Query{Types: []event.Type{event.MessageCreated}, Limit: 10})
	if err != nil || len(p.Events) != 0 || p.NextAfter != 5000 || !p.More {
		t.Fatalf("first page of nothing: %+v, %v", p, err)
	}
	if got := read(t, r, member, eventlog.Query{Types: []event.Type{event.MessageCreated}, Limit: 10}); len(got) != 0 {
		t.Fatalf("the member read %d messages", len(got))
	}
	if got := read(t, r, admin, eventlog.Query{Types: []event.Type{event.MessageCreated}, Limit: 100}); len(got) != n/3 || got[0] != 3 {
		t.Fatalf("the admin read %d messages", len(got))
	}
	for _, q := range []eventlog.Query{{Limit: 1001}, {After: -1}, {Types: []event.Type{"no.such"}}} {
		if _, err := r.Page(t.Context(), admin, q); !errs.Is(err, errs.Invalid) {
			t.Errorf("%+v: %v", q, err)
		}
	}
}

// listLog is a log of the given events, positions 1, 2, …; conversation 1 (inbox 1) is assigned to
// user 99, conversation 2 (inbox 1) is unassigned, others are gone.
type listLog []event.Event

func (l listLog) EventsAfter(_ context.Context, after int64, limit int) ([]event.Event, error) {
	var out []event.Event
	for i := after; i < int64(len(l)) && len(out) < limit; i++ {
		e := l[i]
		e.Position, e.At = i+1, 1
		out = append(out, e)
	}
	return out, nil
}

func (listLog) ConversationByID(_ context.Context, id int64) (*conversation.Conversation, error) {
	switch id {
	case 1:
		return &conversation.Conversation{ID: 1, InboxID: 1, Status: conversation.Open, AssigneeID: 99}, nil
	case 2:
		return &conversation.Conversation{ID: 2, InboxID: 1, Status: conversation.Open}, nil
	}
	return nil, errs.E(errs.NotFound, "conversation not found")
}

// CRM records are every user's; a note holding a conversation's excerpt, and a conversation's deal
// details, only of those who may see the conversation (admins alone once it is gone).
func TestCRMEventsVisibility(t *testing.T) {
	ev := func(typ event.Type, conv int64, data string) event.Event {
		return event.Event{Type: typ, ConversationID: conv, InboxID: map[bool]int64{true: 1}[conv != 0], Data: json.RawMessage(data)}
	}
	log := listLog{
		ev(event.PersonCreated, 0, `{"id":1,"name":"Ana"}`),                                                                 // 1
		ev(event.DealUpdated, 0, `{"id":2,"conversation_id":1}`),                                                            // 2
		ev(event.NoteCreated, 0, `{"id":3,"record_type":"deal","record_id":2,"body":"call her"}`),                           // 3
		ev(event.NoteCreated, 0, `{"id":4,"conversation_id":1,"excerpt":{"conversation_id":1,"lines":[]}}`),                 // 4
		ev(event.NoteUpdated, 0, `{"id":5,"conversation_id":2,"excerpt":{"conversation_id":2,"lines":[]}}`),                 // 5
		ev(event.NoteUpdated, 0, `{"id":6,"conversation_id":3,"excerpt":{"conversation_id":3,"lines":[]}}`),                 // 6: gone
		ev(event.NoteDeleted, 0, `{"id":4}`),                                                                                // 7
		ev(event.DraftUpdated, 1, `{"conversation_id":1,"value":500}`),                                                      // 8
		ev(event.DraftUpdated, 2, `{"conversation_id":2,"value":500}`),                                                      // 9
		ev(event.PipelineDeleted, 0, `{"record_type":"pipeline","id":2}`),                                                   // 10
		ev(event.CustomFieldCreated, 0, `{"id":1,"record_type":"deal","key":"size"}`),                                       // 11
		ev(event.ConversationItemLinked, 1, `{"conversation_id":1,"line":"item_linked"}`),                                   // 12
		ev(event.ConversationItemLinked, 2, `{"conversation_id":2,"line":"item_linked"}`),                                   // 13
		ev(event.ActivityCreated, 0, `{"id":1}`), ev(event.OrganizationDeleted, 0, `{"id":1,"record_type":"organization"}`), // 14, 15
	}
	r := eventlog.NewReader(log, rules{})
	member := &auth.User{ID: 2, Role: auth.Agent}   // works in inbox 1: sees conversation 2, not 1 (assigned to 99)
	outsider := &auth.User{ID: 3, Role: auth.Agent} // works nowhere
	admin := &auth.User{ID: 1, Role: auth.Admin}
	for _, c := range []struct {
		u    *auth.User
		want []int64
	}{
		{admin, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}},
		{member, []int64{1, 2, 3, 5, 7, 9, 10, 11, 13, 14, 15}},
		{outsider, []int64{1, 2, 3, 7, 10, 11, 14, 15}},
	} {
		if got := read(t, r, c.u, eventlog.Query{Limit: 4}); !slices.Equal(got, c.want) {
			t.Errorf("user %d read %v, want %v", c.u.ID, got, c.want)
		}
	}
}
