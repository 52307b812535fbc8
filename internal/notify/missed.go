package notify

import (
	"context"
	"encoding/json"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/jobs"
)

// missedPayload is the missed-chat check's payload.
type missedPayload struct {
	ConversationID int64 `json:"conversation_id"`
}

// missedJob looks at a website chat a visitor wrote in: answered by an agent since, nothing to do;
// the visitor still on the site (any page, any node), look again later; gone for the grace period
// (the hub counts a visitor as online until it ends) with their words unanswered, a missed chat:
// the agents who may see it and are online (they were there, and missed it) get its email. Agents
// who were offline had the offline-message email instead.
func (s *Service) missedJob(ctx context.Context, job *jobs.Job) error {
	var p missedPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil || p.ConversationID == 0 {
		return jobs.CancelJob("unreadable payload")
	}
	c, err := s.o.Repo.ConversationByID(ctx, p.ConversationID)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if c.Status != conversation.Open || c.WithBot || c.Spam {
		return nil
	}
	states, err := s.o.Repo.NotifyStates(ctx, []int64{c.ID})
	if err != nil {
		return err
	}
	msgs, err := s.o.Repo.Messages(ctx, conversation.LogQuery{ConversationID: c.ID, Limit: 200})
	if err != nil {
		return err
	}
	waiting := unanswered(msgs, states[c.ID].MissedSeq)
	if len(waiting) == 0 {
		return nil // answered in time (or already reported)
	}
	if s.o.Visitors != nil && s.o.Visitors.VisitorOnline(c.ContactID, c.InboxID) {
		return jobs.Snooze(s.o.MissedCheck)
	}
	var online []int64
	for _, u := range s.o.Directory.Seers(c) {
		if s.o.Presence.Online(u.ID) {
			online = append(online, u.ID)
		}
	}
	settings, err := s.settingsOf(ctx, online)
	if err != nil {
		return err
	}
	w := &Write{MissedSeq: map[int64]int64{c.ID: waiting[len(waiting)-1]}, BatchJob: s.batchJob}
	for _, u := range online {
		if !settings[u].Notify.On(auth.EventMissedChat, auth.WayEmail) {
			continue
		}
		for _, seq := range waiting {
			w.Emails = append(w.Emails, EmailItem{UserID: u, Kind: auth.EventMissedChat, ConversationID: c.ID, Seq: seq})
		}
	}
	if err := s.o.Repo.CommitNotifications(ctx, w); err != nil {
		return err
	}
	if len(w.Emails) > 0 {
		s.jobsCommitted(ctx)
	}
	return nil
}

// unanswered returns the seqs of the contact's messages after the last agent reply (and after
// seq after), oldest first: msgs are the newest entries of the log, in order.
func unanswered(msgs []conversation.Message, after int64) []int64 {
	var out []int64
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.SenderKind == conversation.FromAgent && m.Kind != conversation.Note && m.Kind != conversation.EventKind {
			break
		}
		if m.Seq <= after {
			break
		}
		if m.SenderKind == conversation.FromVisitor && m.Kind != conversation.Note && m.Kind != conversation.EventKind {
			out = append(out, m.Seq)
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
