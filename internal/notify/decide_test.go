package notify

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/event"
)

func said(seq int64) event.Event {
	b, _ := json.Marshal(conversation.MessageData{Seq: seq, SenderKind: conversation.FromVisitor, Kind: conversation.Text, Body: "hi"})
	return event.Event{Type: event.MessageCreated, Data: b}
}

func line(t event.Type, seq, actor, assignee int64) event.Event {
	b, _ := json.Marshal(conversation.LineData{Seq: seq, ActorID: actor, AssigneeID: assignee})
	return event.Event{Type: t, Data: b}
}

// told is who got which event.
func told(ns []notice) map[int64]string {
	out := map[int64]string{}
	for _, n := range ns {
		out[n.UserID] = n.Event
	}
	return out
}

func TestDecide(t *testing.T) {
	open := func(assignee int64) *conversation.Conversation {
		return &conversation.Conversation{ID: 1, Status: conversation.Open, AssigneeID: assignee}
	}
	seers := []int64{1, 2, 3}
	cases := []struct {
		name          string
		c             *conversation.Conversation
		wasUnassigned bool
		evs           []event.Event
		want          map[int64]string
	}{
		{"a new conversation", open(0), false, []event.Event{said(1)},
			map[int64]string{1: auth.EventNewUnassigned, 2: auth.EventNewUnassigned, 3: auth.EventNewUnassigned}},
		{"one more message in Unassigned", open(0), true, []event.Event{said(4)},
			map[int64]string{1: auth.EventMessageUnassigned, 2: auth.EventMessageUnassigned, 3: auth.EventMessageUnassigned}},
		{"put back by 2", open(0), false, []event.Event{line(event.ConversationUnassigned, 5, 2, 0)},
			map[int64]string{1: auth.EventNewUnassigned, 3: auth.EventNewUnassigned}},
		{"given to 1 by 2", open(1), true, []event.Event{line(event.ConversationAssigned, 5, 2, 1)},
			map[int64]string{1: auth.EventAssignedMe}},
		{"taken by 1", open(1), true, []event.Event{line(event.ConversationAssigned, 5, 1, 1)}, map[int64]string{}},
		{"a message in 1's", open(1), false, []event.Event{said(6)},
			map[int64]string{1: auth.EventMessageMine, 2: auth.EventMessageOthers, 3: auth.EventMessageOthers}},
		{"given to 1 with a message: one notice each", open(1), true, []event.Event{said(6), line(event.ConversationAssigned, 7, 2, 1)},
			map[int64]string{1: auth.EventAssignedMe, 2: auth.EventMessageOthers, 3: auth.EventMessageOthers}},
		{"spam", &conversation.Conversation{Status: conversation.Open, Spam: true}, false, []event.Event{said(1)}, map[int64]string{}},
		{"closed", &conversation.Conversation{Status: conversation.Closed}, false, []event.Event{said(1)}, map[int64]string{}},
	}
	for _, tc := range cases {
		got := told(decide(tc.c, tc.wasUnassigned, tc.evs, seers))
		if len(got) != len(tc.want) {
			t.Errorf("%s: told %v, want %v", tc.name, got, tc.want)
			continue
		}
		for u, ev := range tc.want {
			if got[u] != ev {
				t.Errorf("%s: told %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
	// An auto-reply tells nobody.
	auto, _ := json.Marshal(conversation.MessageData{Seq: 2, SenderKind: conversation.FromVisitor, Kind: conversation.Text,
		Email: &conversation.EmailMeta{AutoReply: "auto-submitted"}})
	if ns := decide(open(1), false, []event.Event{{Type: event.MessageCreated, Data: auto}}, seers); len(ns) != 0 {
		t.Errorf("an auto-reply told %v", told(ns))
	}
	// The assignment notice names the line and the messages.
	ns := decide(open(1), true, []event.Event{said(6), line(event.ConversationAssigned, 7, 2, 1)}, []int64{1})
	if len(ns) != 1 || !slices.Equal(ns[0].Seqs, []int64{7, 6}) {
		t.Errorf("assigned notice %+v", ns)
	}
}

func TestUnanswered(t *testing.T) {
	m := func(seq int64, from conversation.SenderKind, kind conversation.Kind) conversation.Message {
		return conversation.Message{Seq: seq, SenderKind: from, Kind: kind}
	}
	log := []conversation.Message{m(1, conversation.FromVisitor, conversation.Text), m(2, conversation.FromAgent, conversation.Text),
		m(3, conversation.FromVisitor, conversation.Text), m(4, conversation.FromAgent, conversation.Note), m(5, conversation.FromBot, conversation.Card),
		m(6, conversation.FromVisitor, conversation.Text)}
	if got := unanswered(log, 0); !slices.Equal(got, []int64{3, 6}) {
		t.Errorf("unanswered = %v, want [3 6] (a note is no answer)", got)
	}
	if got := unanswered(log, 3); !slices.Equal(got, []int64{6}) {
		t.Errorf("after 3: %v", got)
	}
	if got := unanswered(log[:2], 0); len(got) != 0 {
		t.Errorf("answered: %v", got)
	}
}
