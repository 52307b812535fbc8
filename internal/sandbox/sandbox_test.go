package sandbox_test

import (
	"encoding/json"
	"slices"
	"sync"
	"testing"

	"github.com/parleyhq/parley/internal/bot"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/playbook"
	"github.com/parleyhq/parley/internal/sandbox"
)

type recorder struct {
	mu      sync.Mutex
	changes []conversation.Change
	actions []sandbox.Action
}

func (r *recorder) cards() []playbook.WireCard {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []playbook.WireCard
	for _, ch := range r.changes {
		for _, m := range ch.Messages {
			if m.Kind == conversation.Card {
				var w playbook.WireCard
				_ = json.Unmarshal(m.Card, &w)
				out = append(out, w)
			}
		}
	}
	return out
}

func (r *recorder) kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, a := range r.actions {
		out = append(out, a.Kind)
	}
	return out
}

func newRun(t *testing.T, online bool) (*sandbox.Run, *recorder) {
	t.Helper()
	tpl, err := playbook.TemplateByName(playbook.LiveChatTemplate, "en")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	site := &inbox.Website{Inbox: inbox.Inbox{ID: 7, Kind: inbox.Web, Name: "Shop", Visibility: inbox.Private, ReopenPolicy: inbox.Final}}
	run, err := sandbox.New(sandbox.Options{
		Playbook: playbook.Input{Name: "Draft", Flow: tpl.Flow, Appearance: playbook.Appearance{Color: "#1f6f43", TextColor: "#ffffff", Icon: "chat", BotName: "Bot", Language: "en", Side: "right"}},
		Website:  site, Online: online,
		Changed: func(ch conversation.Change) { rec.mu.Lock(); rec.changes = append(rec.changes, ch); rec.mu.Unlock() },
		Acted:   func(a sandbox.Action) { rec.mu.Lock(); rec.actions = append(rec.actions, a); rec.mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	return run, rec
}

// The live chat template's online branch: the waiting card and its timer, which would have started;
// the conversation would have gone to the agents.
func TestSandboxOnlineBranch(t *testing.T) {
	run, rec := newRun(t, true)
	ctx := t.Context()
	c, err := run.Start(ctx, "https://shop.example/")
	if err != nil || !c.WithBot {
		t.Fatalf("start: %+v %v", c, err)
	}
	if _, err := run.Respond(ctx, bot.Response{Kind: conversation.Answer, CardID: "crd_help", AnswerID: "talk", ClientID: "a-1"}); err != nil {
		t.Fatal(err)
	}
	cards := rec.cards()
	last := cards[len(cards)-1]
	if last.Type != playbook.LiveChatCard || last.State != playbook.StateWaiting || last.WaitingSeconds == 0 {
		t.Fatalf("online: last card %+v, want the waiting live chat card", last)
	}
	if got := rec.kinds(); !slices.Equal(got, []string{"timer", "handover"}) {
		t.Fatalf("actions %v, want handover and timer", got)
	}
	// The visitor may still write; a retried response is answered with the original.
	if _, err := run.Send(ctx, conversation.MessageInput{Body: "Anyone there?", ClientID: "m-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := run.Respond(ctx, bot.Response{Kind: conversation.Answer, CardID: "crd_help", AnswerID: "talk", ClientID: "a-1"}); err != nil {
		t.Fatalf("a retried answer: %v", err)
	}
	_, msgs, err := run.Conversation(ctx, 0)
	if err != nil || msgs[len(msgs)-1].Body != "Anyone there?" {
		t.Fatalf("the run's log: %v %+v", err, msgs)
	}
}

// The offline branch: the offline message at once, the email captured onto the run's contact, the
// lead the action card would create — all reported, nothing stored.
func TestSandboxOfflineBranch(t *testing.T) {
	run, rec := newRun(t, false)
	ctx := t.Context()
	if run.AgentsAvailable() != 0 {
		t.Fatal("an offline run says agents are available")
	}
	if _, err := run.Start(ctx, "https://shop.example/"); err != nil {
		t.Fatal(err)
	}
	if _, err := run.Respond(ctx, bot.Response{Kind: conversation.Answer, CardID: "crd_help", AnswerID: "talk", ClientID: "a-1"}); err != nil {
		t.Fatal(err)
	}
	var live playbook.WireCard
	for _, c := range rec.cards() {
		if c.Type == playbook.LiveChatCard {
			live = c
		}
	}
	if live.State != playbook.StateOffline || live.Reason != playbook.ReasonNoAgents {
		t.Fatalf("offline: live chat card %+v", live)
	}
	if _, err := run.Respond(ctx, bot.Response{Kind: conversation.Capture, CardID: "crd_email", Value: "not an email", ClientID: "c-0"}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("an invalid email: %v", err)
	}
	if _, err := run.Respond(ctx, bot.Response{Kind: conversation.Capture, CardID: "crd_email", Value: "ana@example.com", ClientID: "c-1"}); err != nil {
		t.Fatal(err)
	}
	if got := rec.kinds(); !slices.Equal(got, []string{"handover", "contact", "lead"}) {
		t.Fatalf("actions %v, want handover, contact, lead", got)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if a := rec.actions[1]; a.Field != "email" || a.Value != "ana@example.com" {
		t.Fatalf("the captured email: %+v", a)
	}
	if a := rec.actions[2]; a.Title == "" || a.Currency != "" && a.Currency != "EUR" {
		t.Fatalf("the lead: %+v", a)
	}
}

// A draft that could not be saved is refused with its problems.
func TestSandboxRefusesAnInvalidDraft(t *testing.T) {
	flow := &playbook.Flow{Path: []playbook.Card{{Type: playbook.QuestionCard, Markdown: "Which?"}}}
	_, err := sandbox.New(sandbox.Options{Playbook: playbook.Input{Name: "x", Flow: flow}, Website: &inbox.Website{Inbox: inbox.Inbox{ID: 1}}})
	if !errs.Is(err, errs.Invalid) || len(playbook.ProblemsOf(err)) == 0 {
		t.Fatalf("got %v, want invalid with problems", err)
	}
}

// Action cards that create CRM records write none: each is reported, with its title and value,
// once the step that passes it is written; the visitor's log shows no line of them.
func TestSandboxReportsTheRecordsActionCardsWouldCreate(t *testing.T) {
	tpl, err := playbook.TemplateByName(playbook.LiveChatTemplate, "en")
	if err != nil {
		t.Fatal(err)
	}
	flow := tpl.Flow
	talk := &flow.Path[1].Answers[0]
	talk.Path = append([]playbook.Card{
		{ID: "crd_person", Type: playbook.ActionCard, Action: playbook.CreatePerson},
		{ID: "crd_deal", Type: playbook.ActionCard, Action: playbook.CreateDeal, Deal: &playbook.Deal{Title: "Website deal", Value: 5000, Currency: "EUR"}},
		{ID: "crd_call", Type: playbook.ActionCard, Action: playbook.CreateActivity, Activity: &playbook.Activity{Type: "call", Subject: "Call back", DueInDays: 1}},
	}, talk.Path...)
	rec := &recorder{}
	run, err := sandbox.New(sandbox.Options{
		Playbook: playbook.Input{Name: "Draft", Flow: flow, Appearance: playbook.Appearance{Color: "#1f6f43", TextColor: "#ffffff", Icon: "chat", BotName: "Bot", Language: "en", Side: "right"}},
		Website:  &inbox.Website{Inbox: inbox.Inbox{ID: 7, Kind: inbox.Web, Name: "Shop", Visibility: inbox.Private, ReopenPolicy: inbox.Final}},
		Online:   true,
		Acted:    func(a sandbox.Action) { rec.mu.Lock(); rec.actions = append(rec.actions, a); rec.mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := run.Start(ctx, "https://shop.example/"); err != nil {
		t.Fatal(err)
	}
	if _, err := run.Respond(ctx, bot.Response{Kind: conversation.Answer, CardID: "crd_help", AnswerID: "talk", ClientID: "a-1"}); err != nil {
		t.Fatal(err)
	}
	if got := rec.kinds(); !slices.Equal(got, []string{"person", "deal", "activity", "timer", "handover"}) {
		t.Fatalf("actions %v, want person, deal, activity, timer, handover", got)
	}
	rec.mu.Lock()
	deal, call := rec.actions[1], rec.actions[2]
	rec.mu.Unlock()
	if deal.Title != "Website deal" || deal.Amount != 5000 || deal.Currency != "EUR" || call.Title != "Call back" {
		t.Fatalf("the deal %+v and the activity %+v", deal, call)
	}
	// A retried answer writes nothing and reports nothing again.
	if _, err := run.Respond(ctx, bot.Response{Kind: conversation.Answer, CardID: "crd_help", AnswerID: "talk", ClientID: "a-1"}); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.kinds()); n != 5 {
		t.Fatalf("%d actions after a retried answer", n)
	}
	_, msgs, err := run.Conversation(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Kind == conversation.EventKind {
			t.Fatalf("the visitor sees the line %+v", m.Event)
		}
	}
}
