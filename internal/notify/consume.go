package notify

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/jobs"
)

// notice is one agent's notification about one conversation, from one batch of its events.
type notice struct {
	UserID int64
	Event  string  // auth.Event*
	Seqs   []int64 // the entries it is about: the contact's messages, the assignment line
}

// happened is what a batch of a conversation's events says.
type happened struct {
	contactSeqs []int64 // the contact's messages (auto-replies left out)
	assigned    []conversation.LineData
	entered     bool  // a line put it (back) into Unassigned: unassigned, reopened
	enteredBy   int64 // who did, when someone did
	enteredSeq  int64
}

// relevant reports whether an event can notify anyone.
func relevant(t event.Type) bool {
	switch t {
	case event.MessageCreated, event.ConversationAssigned, event.ConversationUnassigned, event.ConversationReopened:
		return true
	}
	return false
}

func readEvents(evs []event.Event) happened {
	var h happened
	for _, e := range evs {
		switch e.Type {
		case event.MessageCreated:
			var m conversation.MessageData
			if json.Unmarshal(e.Data, &m) != nil || m.SenderKind != conversation.FromVisitor {
				continue
			}
			if m.Kind == conversation.Note || m.Kind == conversation.EventKind || (m.Email != nil && m.Email.AutoReply != "") {
				continue // an auto-reply is recorded, never notified
			}
			h.contactSeqs = append(h.contactSeqs, m.Seq)
		case event.ConversationAssigned:
			var l conversation.LineData
			if json.Unmarshal(e.Data, &l) == nil && l.AssigneeID != 0 {
				h.assigned = append(h.assigned, l)
			}
		case event.ConversationUnassigned, event.ConversationReopened:
			var l conversation.LineData
			if json.Unmarshal(e.Data, &l) == nil {
				h.entered, h.enteredBy, h.enteredSeq = true, l.ActorID, l.Seq
			}
		}
	}
	return h
}

// decide says who is told what about conversation c after events evs, given whether it was waiting
// in Unassigned before them and who may see it now. Nothing anyone did themselves notifies them;
// each agent gets one notice of the most specific event: assigned to me, then a new conversation
// in Unassigned, then a message in mine, in Unassigned, in others'.
func decide(c *conversation.Conversation, wasUnassigned bool, evs []event.Event, seers []int64) []notice {
	if c.Status != conversation.Open || c.WithBot || c.Spam {
		return nil
	}
	h := readEvents(evs)
	unassigned := c.AssigneeID == 0
	// A new arrival in Unassigned: it was not waiting there before these events, and the contact
	// wrote (a new conversation, one the bot handed over) or someone put it back.
	arrived := unassigned && !wasUnassigned && (len(h.contactSeqs) > 0 || h.entered)
	var out []notice
	for _, u := range seers {
		n := notice{UserID: u}
		for _, l := range h.assigned {
			if l.AssigneeID == u && l.ActorID != u && c.AssigneeID == u {
				n.Event, n.Seqs = auth.EventAssignedMe, append([]int64{l.Seq}, h.contactSeqs...)
			}
		}
		switch {
		case n.Event != "":
		case unassigned && arrived && !(len(h.contactSeqs) == 0 && h.enteredBy == u):
			n.Event, n.Seqs = auth.EventNewUnassigned, h.contactSeqs
			if len(n.Seqs) == 0 {
				n.Seqs = []int64{h.enteredSeq}
			}
		case len(h.contactSeqs) == 0:
		case unassigned:
			n.Event, n.Seqs = auth.EventMessageUnassigned, h.contactSeqs
		case c.AssigneeID == u:
			n.Event, n.Seqs = auth.EventMessageMine, h.contactSeqs
		default:
			n.Event, n.Seqs = auth.EventMessageOthers, h.contactSeqs
		}
		if n.Event != "" {
			out = append(out, n)
		}
	}
	return out
}

// Handle is the consumer: it reads the conversations the events are about, decides who is told
// what, and commits the pushes, emails and missed-chat checks with the conversations' new states in
// one transaction. Events it has handled before (a redelivery) are skipped by each conversation's
// last position.
func (s *Service) Handle(ctx context.Context, events []event.Event) (int64, error) {
	last := event.Last(events)
	byConv := map[int64][]event.Event{}
	var ids []int64
	for _, e := range events {
		if !relevant(e.Type) || e.ConversationID == 0 {
			continue
		}
		if _, ok := byConv[e.ConversationID]; !ok {
			ids = append(ids, e.ConversationID)
		}
		byConv[e.ConversationID] = append(byConv[e.ConversationID], e)
	}
	if len(ids) == 0 {
		return last, nil
	}
	states, err := s.o.Repo.NotifyStates(ctx, ids)
	if err != nil {
		return 0, err
	}
	w := &Write{States: map[int64]ConvState{}, BatchJob: s.batchJob}
	type told struct {
		c *conversation.Conversation
		n notice
	}
	var all []told
	for _, id := range ids {
		st := states[id]
		var evs []event.Event
		for _, e := range byConv[id] {
			if e.Position > st.Position {
				evs = append(evs, e)
			}
		}
		if len(evs) == 0 {
			continue
		}
		c, err := s.o.Repo.ConversationByID(ctx, id)
		if errs.Is(err, errs.NotFound) {
			continue // deleted since
		}
		if err != nil {
			return 0, err
		}
		var seers []int64
		for _, u := range s.o.Directory.Seers(c) {
			seers = append(seers, u.ID)
		}
		for _, n := range decide(c, st.Unassigned, evs, seers) {
			all = append(all, told{c, n})
		}
		st.Position = event.Last(evs)
		st.Unassigned = c.Status == conversation.Open && c.AssigneeID == 0 && !c.WithBot && !c.Spam
		w.States[id] = st
		if c.Channel == inbox.Web && len(readEvents(evs).contactSeqs) > 0 {
			w.Jobs = append(w.Jobs, jobs.Spec{Kind: JobMissedChat, Payload: missedPayload{ConversationID: id},
				UniqueKey: "conversation:" + strconv.FormatInt(id, 10), Delay: s.o.MissedCheck, ConversationID: id})
		}
	}
	var users []int64
	for _, t := range all {
		if !slices.Contains(users, t.n.UserID) {
			users = append(users, t.n.UserID)
		}
	}
	settings, err := s.settingsOf(ctx, users)
	if err != nil {
		return 0, err
	}
	// A push job for someone with no device would only find nothing to send: with twenty agents
	// and no phones, a busy site made twenty jobs per new chat for the job runner to throw away.
	devices, err := s.o.Repo.UsersWithPushDevices(ctx, users)
	if err != nil {
		return 0, err
	}
	// Which notices would make a push or an email at all; the rest cost nothing more (most of a
	// busy site's: others' and unassigned conversations' messages are off by default).
	type way struct {
		told
		push  bool
		email string
	}
	var ways []way
	for _, t := range all {
		st, u := settings[t.n.UserID], t.n.UserID
		wy := way{told: t, push: devices[u] && st.Notify.On(t.n.Event, auth.WayPush), email: s.emailKind(t.n.Event, st, u)}
		if wy.push || wy.email != "" {
			ways = append(ways, wy)
		}
	}
	// What an agent has seen since (read, or answered) tells them nothing new: the consumer may
	// run behind the conversation.
	seen := map[int64]map[int64]int64{}
	for _, wy := range ways {
		u := wy.n.UserID
		if _, ok := seen[u]; ok {
			continue
		}
		var convs []int64
		for _, o := range ways {
			if o.n.UserID == u {
				convs = append(convs, o.c.ID)
			}
		}
		if seen[u], err = s.seen(ctx, u, convs); err != nil {
			return 0, err
		}
	}
	for _, wy := range ways {
		u := wy.n.UserID
		// Notices share their seqs' arrays: filter a copy.
		seqs := slices.DeleteFunc(slices.Clone(wy.n.Seqs), func(seq int64) bool { return seq <= seen[u][wy.c.ID] })
		if len(seqs) == 0 {
			continue
		}
		if wy.push {
			w.Jobs = append(w.Jobs, jobs.Spec{Kind: JobPush, MaxAttempts: 5, ConversationID: wy.c.ID,
				Payload:   pushPayload{UserID: u, ConversationID: wy.c.ID, Event: wy.n.Event, Seq: slices.Max(seqs)},
				UniqueKey: "user:" + strconv.FormatInt(u, 10) + ":conversation:" + strconv.FormatInt(wy.c.ID, 10)})
		}
		if wy.email != "" {
			for _, seq := range seqs {
				w.Emails = append(w.Emails, EmailItem{UserID: u, Kind: wy.email, ConversationID: wy.c.ID, Seq: seq})
			}
		}
	}
	if err := s.o.Repo.CommitNotifications(ctx, w); err != nil {
		return 0, err
	}
	if len(w.Jobs) > 0 || len(w.Emails) > 0 {
		s.jobsCommitted(ctx)
	}
	return last, nil
}

// emailKind is the email an event makes for an agent, if any: someone who is offline gets the
// offline-message email for what concerns them; someone who is online but not looking at the
// inbox gets the event's own email. Looking at it, they get none.
func (s *Service) emailKind(ev string, st *auth.Settings, userID int64) string {
	switch ev {
	case auth.EventNewUnassigned, auth.EventMessageUnassigned, auth.EventMessageMine:
		if !s.o.Presence.Online(userID) && st.Notify.On(auth.EventOfflineMessage, auth.WayEmail) {
			return auth.EventOfflineMessage
		}
	}
	if st.Notify.On(ev, auth.WayEmail) && !s.o.Presence.Attentive(userID) {
		return ev
	}
	return ""
}
