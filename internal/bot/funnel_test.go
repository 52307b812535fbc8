package bot

import (
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// The bot's funnel (docs/reports.md): visitors walk down each path of the live chat template (the
// demo's playbook), the report consumer reads the log, and the funnel counts each card.
func TestFunnelOfTheLiveChatPlaybook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		respond := func(v conversation.From, r Response) {
			t.Helper()
			if _, err := f.engine.Respond(f.ctx, v, r); err != nil {
				t.Fatal(err)
			}
		}
		start := func() (conversation.From, int64) {
			t.Helper()
			v := f.visitor()
			c, err := f.engine.Start(f.ctx, v, "https://shop.example/")
			if err != nil {
				t.Fatal(err)
			}
			return v, c.ID
		}
		talk := conversation.Answer
		// 1. Reads the greeting and leaves.
		start()
		// 2. Just looking.
		v, _ := start()
		respond(v, Response{Kind: talk, CardID: "crd_help", AnswerID: "looking"})
		// 3. Asks for a person; the agent takes the chat in time.
		f.pres.Set(f.agent.ID, true)
		v, id := start()
		respond(v, Response{Kind: talk, CardID: "crd_help", AnswerID: "talk"})
		if _, err := f.convs.AssignToMe(f.ctx, f.agent, id); err != nil {
			t.Fatal(err)
		}
		f.pres.Set(f.agent.ID, false)
		// 4. Asks for a person while nobody is there, and leaves without an email.
		v, _ = start()
		respond(v, Response{Kind: talk, CardID: "crd_help", AnswerID: "talk"})
		// 5. The same, and leaves an email: a lead.
		v, _ = start()
		respond(v, Response{Kind: talk, CardID: "crd_help", AnswerID: "talk"})
		respond(v, Response{Kind: conversation.Capture, CardID: "crd_email", Value: "ana@example.com", ClientID: "e-5"})

		reports := report.New(db, db)
		c := reports.Consumer()
		for after := int64(0); ; {
			evs, err := db.EventsAfter(f.ctx, after, c.Batch)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) == 0 {
				break
			}
			if _, err := c.Handle(f.ctx, evs); err != nil {
				t.Fatal(err)
			}
			after = evs[len(evs)-1].Position
		}
		fun, err := reports.Funnel(f.ctx, f.admin, f.book.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(fun.Versions) != 1 {
			t.Fatalf("versions %+v", fun.Versions)
		}
		ver := fun.Versions[0]
		if ver.Version != f.book.Version || ver.Conversations != 5 || ver.ReachedLive != 3 || ver.Taken != 1 || ver.Offline != 2 || ver.Leads != 1 || ver.Deals != 0 {
			t.Fatalf("version %+v", ver)
		}
		got := map[string]report.CardFunnel{}
		for _, cf := range ver.Cards {
			got[cf.CardID] = cf
		}
		want := map[string]report.CardFunnel{
			"crd_welcome": {CardID: "crd_welcome", Type: "message", Seen: 5},
			"crd_help":    {CardID: "crd_help", Type: "question", Seen: 5, Answered: 4, DroppedOff: 1},
			"crd_looking": {CardID: "crd_looking", Type: "message", Seen: 1},
			"crd_live":    {CardID: "crd_live", Type: "live_chat", Seen: 3, Taken: 1, Offline: 2},
			"crd_email":   {CardID: "crd_email", Type: "capture", Seen: 2, Answered: 1, DroppedOff: 1},
			"crd_thanks":  {CardID: "crd_thanks", Type: "message", Seen: 1},
		}
		if len(got) != len(want) {
			t.Fatalf("cards %+v", ver.Cards)
		}
		for id, w := range want {
			if got[id] != w {
				t.Errorf("%s: got %+v, want %+v", id, got[id], w)
			}
		}
		// People's figures count the three who asked for a person; the bot-only ones are not there.
		day := func(d int) string { return time.Now().UTC().AddDate(0, 0, d).Format(time.DateOnly) }
		o, err := reports.Overview(f.ctx, f.admin, report.Query{From: day(-1), To: day(1)})
		if err != nil || o.Current.Conversations != 3 || o.Current.Answered != 0 || o.Current.Missed != 3 {
			t.Fatalf("overview %v %+v", err, o)
		}
	})
}
