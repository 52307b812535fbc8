package conversation

import (
	"fmt"
	"testing"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
)

// People of the rule tables. "me" and "other" are agent members of the inbox; "outsider" is an
// agent who is not; "installer" is the agent member who connected the channel.
var (
	owner     = &auth.User{ID: 1, Name: "Owner", Role: auth.Owner}
	admin     = &auth.User{ID: 2, Name: "Admin", Role: auth.Admin}
	me        = &auth.User{ID: 3, Name: "Me", Role: auth.Agent}
	other     = &auth.User{ID: 4, Name: "Other", Role: auth.Agent}
	outsider  = &auth.User{ID: 5, Name: "Outsider", Role: auth.Agent}
	installer = &auth.User{ID: 6, Name: "Installer", Role: auth.Agent}
	people    = map[string]*auth.User{"owner": owner, "admin": admin, "me": me, "other": other, "outsider": outsider, "installer": installer}
)

func access(u *auth.User, ib *inbox.Inbox) Access {
	return Access{User: u, Inbox: ib, Member: u == me || u == other || u == installer}
}

// conversations in each state, in inbox 10.
func conv(state string) *Conversation {
	c := &Conversation{ID: 100, InboxID: 10, Status: Open}
	switch state {
	case "unassigned":
	case "mine":
		c.AssigneeID = me.ID
	case "others":
		c.AssigneeID = other.ID
	case "closed-others":
		c.Status, c.AssigneeID = Closed, other.ID
	case "closed-mine":
		c.Status, c.AssigneeID = Closed, me.ID
	}
	return c
}

func outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errs.Is(err, errs.NotFound):
		return "404"
	case errs.Is(err, errs.Forbidden):
		return "403"
	case errs.Is(err, errs.Conflict):
		return "409"
	case errs.Is(err, errs.Invalid):
		return "400"
	}
	return err.Error()
}

var inboxes = map[string]*inbox.Inbox{
	"private-final":  {ID: 10, Kind: inbox.Web, Visibility: inbox.Private, ReopenPolicy: inbox.Final, InstallerID: installer.ID},
	"shared-reopen":  {ID: 10, Kind: inbox.Email, Visibility: inbox.Shared, ReopenPolicy: inbox.Reopen, InstallerID: installer.ID},
	"private-reopen": {ID: 10, Kind: inbox.Web, Visibility: inbox.Private, ReopenPolicy: inbox.Reopen, InstallerID: installer.ID},
}

var states = []string{"unassigned", "mine", "others", "closed-others", "closed-mine"}

// expect maps "inbox/person" to the outcome in each state, in the order of states.
type table map[string][5]string

func check(t *testing.T, name string, want table, rule func(Access, *Conversation) error) {
	t.Helper()
	for key, outcomes := range want {
		var ibName, person string
		fmt.Sscanf(key, "%s %s", &ibName, &person)
		ib, u := inboxes[ibName], people[person]
		if ib == nil || u == nil {
			t.Fatalf("bad key %q", key)
		}
		for i, st := range states {
			if got := outcome(rule(access(u, ib), conv(st))); got != outcomes[i] {
				t.Errorf("%s: %s, %s on a %s conversation: got %s, want %s", name, ibName, person, st, got, outcomes[i])
			}
		}
	}
}

func see(a Access, c *Conversation) error {
	if CanSee(a, c) {
		return nil
	}
	return notVisible()
}

// unassigned mine   others  closed-others closed-mine
func TestWhoSees(t *testing.T) {
	check(t, "see", table{
		"private-final owner":    {"ok", "ok", "ok", "ok", "ok"},
		"private-final admin":    {"ok", "ok", "ok", "ok", "ok"},
		"private-final me":       {"ok", "ok", "404", "ok", "ok"},
		"private-final other":    {"ok", "404", "ok", "ok", "ok"},
		"private-final outsider": {"404", "404", "404", "404", "404"},
		"shared-reopen me":       {"ok", "ok", "ok", "ok", "ok"},
		"shared-reopen outsider": {"404", "404", "404", "404", "404"},
	}, see)
}

func TestWhoCloses(t *testing.T) {
	check(t, "close", table{
		"private-final owner":     {"ok", "ok", "ok", "409", "409"},
		"private-final admin":     {"ok", "ok", "ok", "409", "409"},
		"private-final me":        {"403", "ok", "404", "409", "409"},
		"private-final installer": {"403", "404", "404", "409", "409"},
		"private-final outsider":  {"404", "404", "404", "404", "404"},
		"shared-reopen me":        {"ok", "ok", "ok", "409", "409"},
		"shared-reopen outsider":  {"404", "404", "404", "404", "404"},
	}, CanClose)
}

func TestWhoReopens(t *testing.T) {
	check(t, "reopen", table{
		"private-final owner":     {"409", "409", "409", "409", "409"},
		"private-final me":        {"409", "409", "404", "409", "409"},
		"shared-reopen owner":     {"409", "409", "409", "ok", "ok"},
		"shared-reopen me":        {"409", "409", "409", "ok", "ok"},
		"shared-reopen outsider":  {"404", "404", "404", "404", "404"},
		"private-reopen admin":    {"409", "409", "409", "ok", "ok"},
		"private-reopen me":       {"409", "409", "404", "403", "ok"},
		"private-reopen outsider": {"404", "404", "404", "404", "404"},
	}, CanReopen)
}

func TestWhoReplies(t *testing.T) {
	check(t, "reply", table{
		"private-final owner":    {"ok", "ok", "ok", "409", "409"},
		"private-final me":       {"ok", "ok", "404", "409", "409"},
		"private-final outsider": {"404", "404", "404", "404", "404"},
		"shared-reopen me":       {"ok", "ok", "ok", "409", "409"},
	}, CanReply)
	check(t, "note", table{
		"private-final me":       {"ok", "ok", "404", "ok", "ok"},
		"shared-reopen me":       {"ok", "ok", "ok", "ok", "ok"},
		"private-final outsider": {"404", "404", "404", "404", "404"},
	}, CanNote)
}

func TestWhoDeletes(t *testing.T) {
	check(t, "delete", table{
		"private-final owner":     {"403", "403", "403", "403", "403"},
		"private-final admin":     {"403", "403", "403", "403", "403"},
		"private-final me":        {"403", "403", "404", "403", "403"},
		"private-final installer": {"ok", "404", "404", "ok", "ok"},
		"shared-reopen installer": {"ok", "ok", "ok", "ok", "ok"},
		"private-final outsider":  {"404", "404", "404", "404", "404"},
	}, CanDelete)
}

func TestWhoAssignsToWhom(t *testing.T) {
	type targetCase struct {
		name   string
		target *Target
	}
	availableOther := &Target{User: other, HasInbox: true, Available: true}
	targets := []targetCase{
		{"unassign", nil},
		{"available member", availableOther},
		{"unavailable member", &Target{User: other, HasInbox: true, Available: false}},
		{"available outsider", &Target{User: outsider, HasInbox: false, Available: true}},
		{"deactivated", &Target{User: &auth.User{ID: 9, Role: auth.Agent, Deactivated: true}, HasInbox: true, Available: true}},
		{"self available", &Target{User: me, HasInbox: true, Available: true}},
		{"self unavailable", &Target{User: me, HasInbox: true, Available: false}},
	}
	// Outcomes for "me" (an agent member) in a private inbox, per target, per state.
	want := map[string][5]string{
		"unassign":           {"ok", "ok", "404", "409", "409"},
		"available member":   {"ok", "ok", "404", "409", "409"},
		"unavailable member": {"409", "409", "404", "409", "409"},
		"available outsider": {"400", "400", "404", "409", "409"},
		"deactivated":        {"400", "400", "404", "409", "409"},
		"self available":     {"ok", "ok", "404", "409", "409"},
		"self unavailable":   {"409", "409", "404", "409", "409"},
	}
	ib := inboxes["private-final"]
	for _, tc := range targets {
		for i, st := range states {
			got := outcome(CanAssign(access(me, ib), conv(st), tc.target))
			if got != want[tc.name][i] {
				t.Errorf("me assigns a %s conversation to %s: got %s want %s", st, tc.name, got, want[tc.name][i])
			}
		}
	}
	// Admins reassign anything open, also conversations of others, but never to someone unavailable.
	for i, st := range states {
		wantAdmin := []string{"ok", "ok", "ok", "409", "409"}[i]
		if got := outcome(CanAssign(access(admin, ib), conv(st), availableOther)); got != wantAdmin {
			t.Errorf("admin assigns %s: got %s want %s", st, got, wantAdmin)
		}
	}
	if err := CanAssign(access(admin, ib), conv("unassigned"), &Target{User: admin, HasInbox: true, Available: false}); !errs.Is(err, errs.Conflict) {
		t.Errorf("an unavailable admin took a conversation: %v", err)
	}
}

func TestAllowedMatchesRules(t *testing.T) {
	ib := inboxes["private-final"]
	a := AllowedFor(access(me, ib), conv("unassigned"), true)
	if !a.Reply || !a.TakeOver || a.Close || a.Reopen || a.Delete {
		t.Fatalf("me on unassigned: %+v", a)
	}
	if a.TakeIfAvailable {
		t.Fatal("an available agent is told to turn availability on")
	}
	a = AllowedFor(access(me, ib), conv("unassigned"), false)
	if a.TakeOver {
		t.Fatal("unavailable agent offered Assign to me")
	}
	// Unavailable: a reply would fail (it takes the conversation), so it is not offered; turning
	// availability on and taking it is.
	if a.Reply || !a.TakeIfAvailable || !a.Note {
		t.Fatalf("unavailable agent on unassigned: %+v", a)
	}
	a = AllowedFor(access(installer, ib), conv("closed-others"), true)
	if !a.Delete || a.Reopen || a.Reply || !a.Note {
		t.Fatalf("installer on closed: %+v", a)
	}
}

// Scope is what folder queries use; it must agree with CanSee for every person, inbox and state.
func TestScopeAgreesWithCanSee(t *testing.T) {
	list := []inbox.Inbox{
		{ID: 10, Visibility: inbox.Private, ReopenPolicy: inbox.Final},
		{ID: 11, Visibility: inbox.Shared, ReopenPolicy: inbox.Reopen},
		{ID: 12, Visibility: inbox.Private, ReopenPolicy: inbox.Reopen},
	}
	memberOf := map[*auth.User][]int64{me: {10, 11}, other: {10, 11, 12}, installer: {12}}
	for name, u := range people {
		sc := ScopeFor(u, list, memberOf[u])
		for i := range list {
			for _, st := range states {
				for _, withBot := range []bool{false, true} {
					c := conv(st)
					c.InboxID, c.WithBot = list[i].ID, withBot
					byScope := false
					switch {
					case withBot: // the folder query's "with_bot = 0"
					case contains(sc.Full, c.InboxID):
						byScope = true
					case contains(sc.Limited, c.InboxID):
						byScope = c.Status == Closed || c.AssigneeID == 0 || c.AssigneeID == u.ID
					}
					member := contains(memberOf[u], list[i].ID)
					if want := CanSee(Access{User: u, Inbox: &list[i], Member: member}, c); byScope != want {
						t.Errorf("%s, inbox %d, %s, with bot %v: scope says %v, CanSee says %v", name, list[i].ID, st, withBot, byScope, want)
					}
				}
			}
		}
	}
}

func contains(s []int64, v int64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Starting a conversation: only in an email inbox one works in, with a contact one sees (admins see
// every contact).
func TestCanStart(t *testing.T) {
	mail := &inbox.Inbox{ID: 10, Kind: inbox.Email, Visibility: inbox.Shared, ReopenPolicy: inbox.Reopen}
	web := &inbox.Inbox{ID: 11, Kind: inbox.Web, Visibility: inbox.Private, ReopenPolicy: inbox.Final}
	for _, c := range []struct {
		who   string
		ib    *inbox.Inbox
		sees  bool
		wants string
	}{
		{"me", mail, true, "ok"},
		{"me", mail, false, "404"},
		{"admin", mail, false, "ok"},
		{"outsider", mail, true, "403"},
		{"me", web, true, "400"},
	} {
		if got := outcome(CanStart(access(people[c.who], c.ib), c.sees)); got != c.wants {
			t.Errorf("%s in %s (sees contact %v): %s, want %s", c.who, c.ib.Kind, c.sees, got, c.wants)
		}
	}
}

// Releasing from Spam: whoever sees the conversation, only while it is spam.
func TestCanRelease(t *testing.T) {
	ib := &inbox.Inbox{ID: 10, Kind: inbox.Email, Visibility: inbox.Shared, ReopenPolicy: inbox.Reopen}
	spam := conv("unassigned")
	spam.Spam = true
	for who, want := range map[string]string{"me": "ok", "admin": "ok", "outsider": "404"} {
		if got := outcome(CanRelease(access(people[who], ib), spam)); got != want {
			t.Errorf("%s releases spam: %s, want %s", who, got, want)
		}
	}
	if got := outcome(CanRelease(access(me, ib), conv("unassigned"))); got != "409" {
		t.Errorf("releasing what is not spam: %s, want 409", got)
	}
}
