package bot

import (
	"testing"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/playbook"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// Action cards create a person, a deal and an activity with owners, in the same write as the step
// that passes them: on the live chat card's online path (the write that shows the waiting card) and
// on its offline path (the write of the timer's step). A record that cannot be written rolls the
// step back: the visitor's answer and the cards after it are not written either.
func TestActionCardsCreateRecordsInTheStepsWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		accounts := f.accounts
		second, err := accounts.CreateUser(f.ctx, f.admin, auth.NewUser{Email: "kim@example.com", Name: "Kim Lee", Password: "correct horse battery",
			Role: auth.Agent, TimeZone: "Asia/Tokyo"})
		if err != nil {
			t.Fatal(err)
		}
		name, members := "Sales", []int64{f.agent.ID, second.ID}
		team, err := accounts.CreateTeam(f.ctx, f.admin, auth.TeamInput{Name: &name, MemberIDs: &members})
		if err != nil {
			t.Fatal(err)
		}
		flow := f.book.Flow
		talk := &flow.Path[1].Answers[0]
		live := talk.Path[0]
		live.OfflinePath = append([]playbook.Card{{ID: "crd_call", Type: playbook.ActionCard, Action: playbook.CreateActivity,
			Activity: &playbook.Activity{Type: "call", Subject: "Call back", DueInDays: 1, DueTime: "10:00"},
			Owner:    &playbook.Owner{UserID: second.ID}}}, live.OfflinePath...)
		talk.Path = []playbook.Card{
			{ID: "crd_person", Type: playbook.ActionCard, Action: playbook.CreatePerson},
			{ID: "crd_deal", Type: playbook.ActionCard, Action: playbook.CreateDeal, Deal: &playbook.Deal{Title: "Website deal", Value: 5000, Currency: "EUR"},
				Owner: &playbook.Owner{TeamID: team.ID}},
			live,
		}
		if f.book, err = f.playbooks.Update(f.ctx, f.admin, f.book.ID, playbook.Input{Name: f.book.Name, Appearance: f.book.Appearance, Flow: flow,
			Targeting: f.book.Targeting}); err != nil {
			t.Fatal(err)
		}
		count := func(table string) int {
			t.Helper()
			var n int
			if err := db.Reader().QueryRowContext(f.ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		answer := func(v conversation.From, client string) (*conversation.Conversation, error) {
			t.Helper()
			c, err := f.engine.Start(f.ctx, v, "https://shop.example/")
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.engine.Respond(f.ctx, v, Response{Kind: conversation.Answer, CardID: "crd_help", AnswerID: "talk", ClientID: client})
			return c, err
		}

		// A failing insert: the answer, the action cards' records and the waiting card all stay unwritten.
		f.pres.Set(f.agent.ID, true)
		v := f.visitor()
		undo := failInserts(t, db, "deals")
		c, err := answer(v, "a-1")
		if err == nil {
			t.Fatal("the step was written although its deal could not be")
		}
		if n := len(f.log(c.ID)); n != 2 || count("persons") != 0 || f.timerJob(c.ID) != nil {
			t.Fatalf("after the failed step: %d entries, %d persons", n, count("persons"))
		}
		undo()

		// Online: the step that shows the waiting card writes the person and the deal too.
		if _, err := f.engine.Respond(f.ctx, v, Response{Kind: conversation.Answer, CardID: "crd_help", AnswerID: "talk", ClientID: "a-2"}); err != nil {
			t.Fatal(err)
		}
		msgs := f.history(c.ID)
		var kinds []string
		for _, m := range msgs[2:] {
			k := string(m.Kind)
			if m.Event != nil {
				k += ":" + m.Event.ItemType
				if !m.Event.Auto || m.Event.ItemID == 0 {
					t.Fatalf("a bot's item line %+v", m.Event)
				}
			}
			kinds = append(kinds, k)
		}
		if got := joined(kinds); got != "answer,card,event:person,event:deal" {
			t.Fatalf("the step wrote %s", got)
		}
		per, err := db.PersonOfContact(f.ctx, v.ContactID)
		if err != nil || per.Source != crm.SourceBot || per.CreatedByUserID != 0 || per.ConversationID != c.ID {
			t.Fatalf("the contact's person %+v %v", per, err)
		}
		deals, _ := db.ListDeals(f.ctx, crm.Query{ConversationID: c.ID, Limit: 10})
		if len(deals) != 1 || deals[0].PersonID != per.ID || deals[0].Value != 5000 || deals[0].OwnerUserID != f.agent.ID || deals[0].Source != crm.SourceBot {
			t.Fatalf("deals %+v", deals)
		}

		// Offline: the timer's step writes the activity, owned by its user, due in their zone.
		if err := f.engine.onTimeout(f.ctx, f.timerJob(c.ID)); err != nil {
			t.Fatal(err)
		}
		acts, _ := db.ListActivities(f.ctx, crm.Query{ConversationID: c.ID, Limit: 10})
		if len(acts) != 1 || acts[0].OwnerUserID != second.ID || acts[0].TimeZone != "Asia/Tokyo" || acts[0].DueTime != "10:00" ||
			acts[0].DealID != 0 || acts[0].PersonID != per.ID || acts[0].Type != crm.Call {
			t.Fatalf("activities %+v", acts)
		}

		// Round-robin over the team's available members: with both available they take turns;
		// with none, over all members.
		f.pres.Set(second.ID, true)
		owners := []int64{}
		for i := range 3 {
			w := f.visitor()
			c, err := answer(w, "r-"+itoa(int64(i)))
			if err != nil {
				t.Fatal(err)
			}
			d, _ := db.ListDeals(f.ctx, crm.Query{ConversationID: c.ID, Limit: 10})
			owners = append(owners, d[0].OwnerUserID)
		}
		if owners[0] != second.ID || owners[1] != f.agent.ID || owners[2] != second.ID {
			t.Fatalf("round-robin owners %v (agents %d, %d)", owners, f.agent.ID, second.ID)
		}
	})
}

func joined(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

// history is the conversation's log as an agent reads it (item lines included).
func (f *fixture) history(id int64) []conversation.Message {
	f.t.Helper()
	msgs, err := f.convs.History(f.ctx, f.admin, id, 0, 0, 500)
	if err != nil {
		f.t.Fatal(err)
	}
	return msgs
}

// failInserts makes every insert into table fail, on either engine, until undo.
func failInserts(t *testing.T, db *store.DB, table string) (undo func()) {
	t.Helper()
	do := func(stmts ...string) {
		for _, s := range stmts {
			if _, err := db.Writer().ExecContext(t.Context(), s); err != nil {
				t.Fatal(err)
			}
		}
	}
	if db.Engine == store.SQLite {
		do("CREATE TRIGGER fail_" + table + " BEFORE INSERT ON " + table + " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
		return func() { do("DROP TRIGGER fail_" + table) }
	}
	do("CREATE FUNCTION fail_insert() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql",
		"CREATE TRIGGER fail_"+table+" BEFORE INSERT ON "+table+" FOR EACH ROW EXECUTE FUNCTION fail_insert()")
	return func() { do("DROP TRIGGER fail_" + table + " ON " + table) }
}
