package bot

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/playbook"
)

// walker decides one step: it walks the flow from a card, collecting the cards to show, until a
// card waits for the visitor, a live chat card hands the chat over, or the flow ends. Decisions may
// be retried, so it only collects: actions are performed after the write (Engine.act).
type walker struct {
	e       *Engine
	ctx     context.Context
	ver     *playbook.Version
	inboxID int64
	convID  int64 // 0 while the conversation does not exist yet
	actions []*playbook.Card
}

// from is the step that starts at first (nil: the flow ends), after the head entries.
func (w *walker) from(first *playbook.Card, run *conversation.BotRun, head []conversation.Message) (*conversation.BotStep, error) {
	w.actions = nil
	step := &conversation.BotStep{Entries: head, Run: run}
	return w.walk(first, step)
}

func (w *walker) walk(c *playbook.Card, step *conversation.BotStep) (*conversation.BotStep, error) {
	run := step.Run
	run.Awaiting = ""
	f := w.ver.Flow
	for c != nil {
		switch c.Type {
		case playbook.MessageCard:
			step.Entries = append(step.Entries, w.card(c.Wire()))
		case playbook.QuestionCard, playbook.CaptureCard, playbook.ConsentCard:
			step.Entries = append(step.Entries, w.card(c.Wire()))
			run.Awaiting = c.ID
			if run.State == conversation.RunDone {
				run.State = conversation.RunRunning
			}
			return step, nil
		case playbook.ActionCard:
			w.actions = append(w.actions, c)
		case playbook.EndCard:
			run.State = conversation.RunDone
			return step, nil
		case playbook.LiveChatCard:
			return w.liveChat(c, step)
		}
		next, ok := f.Next(c.ID)
		if !ok {
			break
		}
		c = next
	}
	run.State = conversation.RunDone
	return step, nil
}

// liveChat reaches a live chat card: the conversation goes to Unassigned either way. With an agent
// available the card waits, with a timer; without, it turns offline and the offline path goes on.
func (w *walker) liveChat(c *playbook.Card, step *conversation.BotStep) (*conversation.BotStep, error) {
	run := step.Run
	step.Handover = true
	run.LiveCard = c.ID
	if w.convID == 0 {
		// The conversation is being created: its timer needs its id, so the card is shown by the
		// next step (Engine.Start continues at once).
		run.State, run.Awaiting = conversation.RunWaiting, ""
		run.LiveCard = pendingPrefix + c.ID
		return step, nil
	}
	if w.e.o.Hours != nil {
		open, err := w.e.o.Hours(w.ctx, w.inboxID, w.e.o.Now())
		if err != nil {
			return nil, err
		}
		if !open {
			return w.offline(c, run, step.Entries, playbook.ReasonClosed)
		}
	}
	online, err := w.e.o.Conversations.AvailableInTeam(w.ctx, w.inboxID, c.TeamID)
	if err != nil {
		return nil, err
	}
	if online == 0 {
		return w.offline(c, run, step.Entries, playbook.ReasonNoAgents)
	}
	deadline := w.e.o.Now().Add(time.Duration(c.WaitingSeconds) * time.Second)
	step.Entries = append(step.Entries, w.card(c.LiveChatWaiting(deadline.UnixMilli())))
	run.State = conversation.RunWaiting
	// The timer is enqueued in the write that shows the waiting card: both or neither.
	step.Jobs = append(step.Jobs, jobs.Spec{Kind: TimeoutJob, Payload: timeoutPayload{ConversationID: w.convID, CardID: c.ID},
		RunAt: deadline, UniqueKey: strconv.FormatInt(w.convID, 10) + ":" + c.ID, MaxAttempts: 20, ConversationID: w.convID})
	return step, nil
}

// pendingPrefix marks a live chat card reached while the conversation was being created.
const pendingPrefix = "pending:"

// offline shows the live chat card's offline message and goes on along its offline path.
func (w *walker) offline(c *playbook.Card, run *conversation.BotRun, head []conversation.Message, reason string) (*conversation.BotStep, error) {
	step := &conversation.BotStep{Entries: append(head, w.card(c.LiveChatOffline(reason))), Run: run, Handover: true}
	run.State, run.LiveCard = conversation.RunOffline, c.ID
	path, _ := w.ver.Flow.OfflinePath(c.ID)
	if len(path) == 0 {
		run.State, run.Awaiting = conversation.RunDone, ""
		return step, nil
	}
	st, err := w.walk(&path[0], step)
	if err != nil {
		return nil, err
	}
	if st.Run.State == conversation.RunRunning {
		st.Run.State = conversation.RunOffline
	}
	return st, nil
}

// records adds to a step what its create actions write (internal/crm): the records, their
// events and the lines saying so, in the step's own transaction. c is the conversation as the step
// sees it (ID 0 while the step creates it).
func (w *walker) records(c *conversation.Conversation, step *conversation.BotStep, err error) (*conversation.BotStep, error) {
	if err != nil || step == nil || w.e.o.Records == nil {
		return step, err
	}
	var actions []crm.BotAction
	for _, card := range w.actions {
		if a, ok := botAction(card); ok {
			actions = append(actions, a)
		}
	}
	if len(actions) == 0 {
		return step, nil
	}
	bw, err := w.e.o.Records.BotRecords(w.ctx, c, c.ContactID, actions)
	if err != nil {
		return nil, err
	}
	if bw.With != nil { // a typed nil would read as something to write
		step.With = bw.With
	}
	step.Events = append(step.Events, bw.Events...)
	step.Entries = append(step.Entries, bw.Lines...)
	return step, nil
}

// botAction is a create action card as the CRM takes it.
func botAction(card *playbook.Card) (crm.BotAction, bool) {
	var a crm.BotAction
	switch card.Action {
	case playbook.CreatePerson:
		a.Create = crm.PersonType
	case playbook.CreateLead:
		if card.Lead == nil {
			return a, false
		}
		a.Create, a.Title, a.Value, a.Currency = crm.LeadType, card.Lead.Title, card.Lead.Value, card.Lead.Currency
	case playbook.CreateDeal:
		if card.Deal == nil {
			return a, false
		}
		d := card.Deal
		a.Create, a.Title, a.Value, a.Currency, a.PipelineID, a.StageID = crm.DealType, d.Title, d.Value, d.Currency, d.PipelineID, d.StageID
	case playbook.CreateActivity:
		if card.Activity == nil {
			return a, false
		}
		x := card.Activity
		a.Create, a.Title, a.ActivityType, a.DueInDays, a.DueTime = crm.ActivityType, x.Subject, crm.ActivityKind(x.Type), x.DueInDays, x.DueTime
	default:
		return a, false
	}
	if card.Owner != nil {
		a.OwnerUserID, a.OwnerTeamID = card.Owner.UserID, card.Owner.TeamID
	}
	return a, true
}

// card is the bot's log entry for a card, in the playbook's name and avatar.
func (w *walker) card(wc playbook.WireCard) conversation.Message {
	b, _ := json.Marshal(wc)
	return conversation.Message{SenderKind: conversation.FromBot, Kind: conversation.Card, Body: wc.Text, Card: b,
		SenderName: w.ver.Appearance.BotName, SenderAvatar: w.ver.Appearance.Avatar}
}
