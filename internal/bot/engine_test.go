package bot

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/playbook"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
	"github.com/parleyhq/parley/internal/testworld"
)

// The engine against the real store on both engines: the services are the real ones, presence is
// a switch the test flips, and the waiting timer's job is run by calling its handler once it is due.

// fixture is the shared test world (internal/testworld) with the bot's services on it: the website
// "Shop" (shop.example) with one member, the agent, and a live chat playbook; nobody is available
// until a test says so.
type fixture struct {
	t         *testing.T
	ctx       context.Context
	db        *store.DB
	pres      *testworld.Presence
	convs     *conversation.Service
	contacts  *contact.Service
	leads     *crm.Service
	playbooks *playbook.Service
	queue     *jobs.Queue
	engine    *Engine
	accounts  *auth.Service
	admin     *auth.User // the website's installer
	agent     *auth.User // Alice Agent, the website's only member
	site      *inbox.Website
	book      *playbook.Playbook
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	w := testworld.New(t, db, testworld.Options{SiteName: "Shop", Domains: []string{"shop.example"}, FollowUp: true, NobodyAvailable: true})
	f := &fixture{t: t, ctx: w.Ctx, db: db, pres: w.Presence, accounts: w.Accounts, admin: w.Admin, agent: w.A1, site: w.Site}
	f.playbooks = playbook.NewService(db, nil)
	versions := NewVersions(f.playbooks)
	f.convs = conversation.NewService(conversation.Options{Repo: db, Presence: f.pres, Mask: testworld.Mask,
		JoinHook: JoinHook(versions, db, nil, nil)})
	f.contacts = contact.NewService(contact.Options{Repo: db})
	f.leads = crm.NewService(crm.Options{Repo: db, Conversations: f.convs, Presence: f.pres})
	f.queue = jobs.New(db, jobs.Options{})
	f.engine = New(Options{Playbooks: f.playbooks, Versions: versions, Conversations: f.convs, Contacts: f.contacts, Records: f.leads, Jobs: f.queue})
	if err := db.SetInboxMembers(f.ctx, f.site.ID, []int64{f.agent.ID}, 1); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.book, err = f.playbooks.Create(f.ctx, f.admin, playbook.Input{WebsiteID: f.site.ID, Name: "Live chat", Template: playbook.LiveChatTemplate,
		Appearance: playbook.Appearance{Color: "#1f6f43", TextColor: "#ffffff", Icon: "chat", BotName: "Shop assistant", Language: "en", Side: "right"}}); err != nil {
		t.Fatal(err)
	}
	if !f.book.Active {
		if f.book, err = f.playbooks.SetActive(f.ctx, f.admin, f.book.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// visitor starts a new visitor on the website.
func (f *fixture) visitor() conversation.From {
	v, _, err := f.contacts.Start(f.ctx, f.site, contact.SessionInput{UserAgent: "Mozilla/5.0", IP: "203.0.113.9", PageURL: "https://shop.example/"})
	if err != nil {
		f.t.Fatal(err)
	}
	c, err := f.contacts.ContactOf(f.ctx, v)
	if err != nil {
		f.t.Fatal(err)
	}
	return conversation.From{Inbox: &f.site.Inbox, ContactID: c.ID, VisitorID: v.ID}
}

func (f *fixture) log(id int64) []conversation.Message {
	f.t.Helper()
	_, msgs, err := f.convs.ContactConversation(f.ctx, conversation.From{Inbox: &f.site.Inbox, ContactID: f.conv(id).ContactID}, 0, 500)
	if err != nil {
		f.t.Fatal(err)
	}
	return msgs
}

func (f *fixture) conv(id int64) *conversation.Conversation {
	f.t.Helper()
	c, err := f.db.ConversationByID(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func cardOf(t *testing.T, m conversation.Message) playbook.WireCard {
	t.Helper()
	var w playbook.WireCard
	if m.Kind != conversation.Card {
		t.Fatalf("entry %d is %s, not a card: %+v", m.Seq, m.Kind, m)
	}
	if err := json.Unmarshal(m.Card, &w); err != nil {
		t.Fatal(err)
	}
	return w
}

// timerJob returns the pending waiting-timer job of the conversation.
func (f *fixture) timerJob(convID int64) *jobs.Job {
	f.t.Helper()
	list, err := f.queue.List(f.ctx, jobs.Available, 100)
	if err != nil {
		f.t.Fatal(err)
	}
	for i := range list {
		var p timeoutPayload
		_ = json.Unmarshal(list[i].Payload, &p)
		if list[i].Kind == TimeoutJob && p.ConversationID == convID {
			return &list[i]
		}
	}
	return nil
}

func TestLiveChatJourneys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)

		t.Run("greeting stays with the bot", func(t *testing.T) {
			v := f.visitor()
			c, err := f.engine.Start(f.ctx, v, "https://shop.example/pricing")
			if err != nil {
				t.Fatal(err)
			}
			if !c.WithBot {
				t.Fatal("a conversation only the bot spoke in is in the agents' folders")
			}
			msgs := f.log(c.ID)
			if len(msgs) != 2 || cardOf(t, msgs[0]).Type != playbook.MessageCard || cardOf(t, msgs[1]).Type != playbook.QuestionCard {
				t.Fatalf("greeting: %+v", msgs)
			}
			if msgs[0].SenderName != "Shop assistant" || msgs[0].SenderKind != conversation.FromBot {
				t.Fatalf("bot entry: %+v", msgs[0])
			}
			list, err := f.convs.List(f.ctx, f.admin, conversation.FolderOpen, 0, 0, 0, 50)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range list {
				if l.ID == c.ID {
					t.Fatal("the bot's conversation is listed for agents")
				}
			}
			// Starting again on another page keeps the one conversation.
			again, err := f.engine.Start(f.ctx, v, "https://shop.example/other")
			if err != nil || again.ID != c.ID {
				t.Fatalf("second start: %v %+v", err, again)
			}
		})

		t.Run("deleting the conversation cancels its waiting timer", func(t *testing.T) {
			f.pres.Set(f.agent.ID, true)
			defer f.pres.Set(f.agent.ID, false)
			v := f.visitor()
			c, err := f.engine.Start(f.ctx, v, "https://shop.example/")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.engine.Respond(f.ctx, v, Response{Kind: conversation.Answer, CardID: "crd_help", AnswerID: "talk", ClientID: "d-1"}); err != nil {
				t.Fatal(err)
			}
			job := f.timerJob(c.ID)
			if job == nil {
				t.Fatal("no waiting timer")
			}
			if err := f.convs.Delete(f.ctx, f.admin, c.ID); err != nil { // the admin installed the website
				t.Fatal(err)
			}
			got, err := f.queue.Get(f.ctx, job.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != jobs.Cancelled {
				t.Fatalf("the deleted conversation's waiting timer is %s, want cancelled", got.State)
			}
		})

		t.Run("agent available, nobody takes it: offline path, email, lead", func(t *testing.T) {
			f.pres.Set(f.agent.ID, true)
			defer f.pres.Set(f.agent.ID, false)
			v := f.visitor()
			c, err := f.engine.Start(f.ctx, v, "https://shop.example/")
			if err != nil {
				t.Fatal(err)
			}
			m, err := f.engine.Respond(f.ctx, v, Response{Kind: conversation.Answer, CardID: "crd_help", AnswerID: "talk", ClientID: "c-1"})
			if err != nil {
				t.Fatal(err)
			}
			if m.Kind != conversation.Answer || m.Body == "" || !strings.Contains(string(m.Response), `"answer_id":"talk"`) {
				t.Fatalf("answer entry: %+v", m)
			}
			again, err := f.engine.Respond(f.ctx, v, Response{Kind: conversation.Answer, CardID: "crd_help", AnswerID: "talk", ClientID: "c-1"})
			if err != nil || again.ID != m.ID {
				t.Fatalf("retried answer: %v %+v", err, again)
			}
			conv := f.conv(c.ID)
			if conv.WithBot || conv.Status != conversation.Open || conv.AssigneeID != 0 {
				t.Fatalf("after the live chat answer the conversation must be in Unassigned: %+v", conv)
			}
			msgs := f.log(c.ID)
			last := cardOf(t, msgs[len(msgs)-1])
			if last.Type != playbook.LiveChatCard || last.State != playbook.StateWaiting || last.Deadline == 0 || last.WaitingSeconds == 0 {
				t.Fatalf("waiting card: %+v", last)
			}
			job := f.timerJob(c.ID)
			if job == nil || job.UniqueKey != strings.Join([]string{itoa(c.ID), "crd_live"}, ":") {
				t.Fatalf("the waiting timer is not a durable job: %+v", job)
			}
			if err := f.engine.onTimeout(f.ctx, job); err != nil {
				t.Fatal(err)
			}
			msgs = f.log(c.ID)
			off, ask := cardOf(t, msgs[len(msgs)-2]), cardOf(t, msgs[len(msgs)-1])
			if off.ID != "crd_live" || off.State != playbook.StateOffline || off.Reason != playbook.ReasonTimeout || ask.Type != playbook.CaptureCard {
				t.Fatalf("after the waiting time: %+v then %+v", off, ask)
			}
			// The timer fires once: a second run finds nothing to do.
			n := len(msgs)
			if err := f.engine.onTimeout(f.ctx, job); err != nil || len(f.log(c.ID)) != n {
				t.Fatalf("second timer run wrote: %v", err)
			}
			_, err = f.engine.Respond(f.ctx, v, Response{Kind: conversation.Capture, CardID: "crd_email", Value: "not an email", ClientID: "c-2"})
			if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "valid email") {
				t.Fatalf("invalid email: %v", err)
			}
			if len(f.log(c.ID)) != n {
				t.Fatal("an invalid capture wrote to the log")
			}
			if _, err := f.engine.Respond(f.ctx, v, Response{Kind: conversation.Capture, CardID: "crd_email", Value: " Ana.Berger@Example.com ", ClientID: "c-3"}); err != nil {
				t.Fatal(err)
			}
			ct, err := f.db.ContactByID(f.ctx, v.ContactID)
			if err != nil || ct.Email != "ana.berger@example.com" {
				t.Fatalf("captured email on the contact: %v %+v", err, ct)
			}
			leads, err := f.leads.ListLeads(f.ctx, f.admin, crm.Query{ConversationID: c.ID})
			if err != nil || len(leads) != 1 || leads[0].ContactID != v.ContactID {
				t.Fatalf("lead from the offline path: %v %+v", err, leads)
			}
			conv = f.conv(c.ID)
			if conv.Status != conversation.Open || conv.AssigneeID != 0 || conv.WithBot {
				t.Fatalf("the conversation waits in Unassigned: %+v", conv)
			}
			run, _ := f.convs.BotRunOf(f.ctx, c.ID)
			if run.State != conversation.RunDone {
				t.Fatalf("run: %+v", run)
			}
		})

		t.Run("nobody available: straight to the offline path", func(t *testing.T) {
			v := f.visitor()
			c, _ := f.engine.Start(f.ctx, v, "https://shop.example/")
			if _, err := f.engine.Respond(f.ctx, v, Response{Kind: conversation.Answer, CardID: "crd_help", AnswerID: "talk", ClientID: "x"}); err != nil {
				t.Fatal(err)
			}
			msgs := f.log(c.ID)
			off := cardOf(t, msgs[len(msgs)-2])
			if off.State != playbook.StateOffline || off.Reason != playbook.ReasonNoAgents || cardOf(t, msgs[len(msgs)-1]).ID != "crd_email" {
				t.Fatalf("no agents: %+v", msgs)
			}
			if f.timerJob(c.ID) != nil {
				t.Fatal("a timer without anyone to wait for")
			}
			if f.conv(c.ID).WithBot {
				t.Fatal("the conversation must be in Unassigned even when nobody is online")
			}
		})

		t.Run("an agent takes it in time: the timer loses", func(t *testing.T) {
			f.pres.Set(f.agent.ID, true)
			defer f.pres.Set(f.agent.ID, false)
			v := f.visitor()
			c, _ := f.engine.Start(f.ctx, v, "https://shop.example/")
			if _, err := f.engine.Respond(f.ctx, v, Response{Kind: conversation.Answer, CardID: "crd_help", AnswerID: "talk", ClientID: "y"}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.convs.AssignToMe(f.ctx, f.agent, c.ID); err != nil {
				t.Fatal(err)
			}
			msgs := f.log(c.ID)
			n := len(msgs)
			if ev := msgs[n-2]; ev.Event == nil || ev.Event.Type != conversation.EventJoined {
				t.Fatalf("joined line: %+v", ev)
			}
			if j := cardOf(t, msgs[n-1]); j.ID != "crd_live" || j.State != playbook.StateJoined || j.UserName != "Alice Agent" {
				t.Fatalf("the live chat card did not turn joined: %+v", j)
			}
			if run, _ := f.convs.BotRunOf(f.ctx, c.ID); run.State != conversation.RunDone {
				t.Fatalf("the bot still runs after the agent joined: %+v", run)
			}
			if err := f.engine.onTimeout(f.ctx, f.timerJob(c.ID)); err != nil {
				t.Fatal(err)
			}
			if got := f.log(c.ID); len(got) != n {
				t.Fatalf("the timer wrote after the agent joined: %+v", got[n:])
			}
		})

		t.Run("wrong cards and a running conversation keeps its version", func(t *testing.T) {
			v := f.visitor()
			c, _ := f.engine.Start(f.ctx, v, "https://shop.example/")
			for _, r := range []Response{
				{Kind: conversation.Answer, CardID: "crd_nope", AnswerID: "talk"},
				{Kind: conversation.Answer, CardID: "crd_help", AnswerID: "nope"},
				{Kind: conversation.Capture, CardID: "crd_email", Value: "a@b.example"},
			} {
				if _, err := f.engine.Respond(f.ctx, v, r); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "card") {
					t.Fatalf("%+v: %v", r, err)
				}
			}
			// The playbook is edited: the "looking" answer now says something else.
			pb, err := f.playbooks.Get(f.ctx, f.admin, f.book.ID)
			if err != nil {
				t.Fatal(err)
			}
			flow := *pb.Flow
			flow.Path = append([]playbook.Card(nil), flow.Path...)
			q := flow.Path[1]
			q.Answers = append([]playbook.Answer(nil), q.Answers...)
			q.Answers[1].Path = []playbook.Card{{ID: "crd_new", Type: playbook.MessageCard, Markdown: "Version two"}}
			flow.Path[1] = q
			if _, err := f.playbooks.Update(f.ctx, f.admin, pb.ID, playbook.Input{Name: pb.Name, Targeting: pb.Targeting, Appearance: pb.Appearance, Flow: &flow}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.engine.Respond(f.ctx, v, Response{Kind: conversation.Answer, CardID: "crd_help", AnswerID: "looking"}); err != nil {
				t.Fatal(err)
			}
			msgs := f.log(c.ID)
			if got := cardOf(t, msgs[len(msgs)-1]); got.ID != "crd_looking" {
				t.Fatalf("the running conversation followed the new version: %+v", got)
			}
			// A new visitor gets version two.
			v2 := f.visitor()
			c2, _ := f.engine.Start(f.ctx, v2, "https://shop.example/")
			if _, err := f.engine.Respond(f.ctx, v2, Response{Kind: conversation.Answer, CardID: "crd_help", AnswerID: "looking"}); err != nil {
				t.Fatal(err)
			}
			msgs = f.log(c2.ID)
			if got := cardOf(t, msgs[len(msgs)-1]); got.ID != "crd_new" {
				t.Fatalf("a new conversation did not start on the new version: %+v", got)
			}
		})

		t.Run("the visitor writing to a human hands over", func(t *testing.T) {
			v := f.visitor()
			c, _ := f.engine.Start(f.ctx, v, "https://shop.example/")
			if _, _, err := f.convs.ContactWrites(f.ctx, v, conversation.MessageInput{Body: "hello, anyone?"}); err != nil {
				t.Fatal(err)
			}
			if f.conv(c.ID).WithBot {
				t.Fatal("free text must reach the agents")
			}
		})
	})
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
