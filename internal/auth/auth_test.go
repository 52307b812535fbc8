package auth_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

func newService(db *store.DB) *auth.Service {
	return auth.NewService(db, auth.Options{Hasher: auth.NewHasher(auth.TestHashParams, 4)})
}

func mustCreate(t *testing.T, s *auth.Service, actor *auth.User, email string, role auth.Role) *auth.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), actor, auth.NewUser{Email: email, Name: email, Password: "correct horse battery", Role: role})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

func wantKind(t *testing.T, err error, k errs.Kind) {
	t.Helper()
	if !errs.Is(err, k) {
		t.Fatalf("got %v (kind %s), want kind %s", err, errs.KindOf(err), k)
	}
}

func TestPasswordHashRoundTrip(t *testing.T) {
	h := auth.NewHasher(auth.TestHashParams, 1)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.Verify(ctx, enc, "correct horse battery"); !ok || err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if ok, _ := h.Verify(ctx, enc, "correct horse batterx"); ok {
		t.Fatal("wrong password accepted")
	}
	// The default parameters are recorded in the hash, so verification never depends on config.
	def, _ := auth.NewHasher(auth.DefaultHashParams, 1).Hash(ctx, "pw-0123456789")
	if want := "$argon2id$v=19$m=19456,t=2,p=1$"; def[:len(want)] != want {
		t.Fatalf("default hash %q lacks %q", def, want)
	}
	if ok, _ := h.Verify(ctx, def, "pw-0123456789"); !ok {
		t.Fatal("hash with other parameters not verified")
	}
}

func TestValidation(t *testing.T) {
	for _, tc := range []struct{ email, name, pw, tz string }{
		{"not-an-email", "A", "correct horse battery", ""},
		{"a@b", "A", "correct horse battery", ""},
		{"Name <a@example.com>", "A", "correct horse battery", ""},
		{"a@example.com", "", "correct horse battery", ""},
		{"a@example.com", "A", "short", ""},
		{"a@example.com", "A", "1234567890", ""},
		{"anna.long@example.com", "A", "anna.long@example.com", ""},
		{"a@example.com", "A", "correct horse battery", "Mars/Olympus"},
	} {
		_, err := auth.NewService(nil, auth.Options{Hasher: auth.NewHasher(auth.TestHashParams, 1)}).CreateUser(context.Background(), nil,
			auth.NewUser{Email: tc.email, Name: tc.name, Password: tc.pw, TimeZone: tc.tz})
		wantKind(t, err, errs.Invalid)
	}
	if e, _ := auth.NormalizeEmail("  Ayşe.Yılmaz@Example.COM "); e != "ayşe.yılmaz@example.com" {
		t.Fatalf("normalised to %q", e)
	}
}

func TestSetupOnlyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(db)
		ctx := context.Background()
		need, _ := s.NeedsSetup(ctx)
		if !need {
			t.Fatal("fresh install does not need setup")
		}
		// Two first-run requests at once: exactly one owner results.
		var wg sync.WaitGroup
		results := make(chan error, 2)
		for _, e := range []string{"one@example.com", "two@example.com"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Setup(ctx, auth.NewUser{Email: e, Name: "Owner", Password: "correct horse battery"})
				results <- err
			}()
		}
		wg.Wait()
		close(results)
		var ok, conflict int
		for err := range results {
			switch {
			case err == nil:
				ok++
			case errs.Is(err, errs.Conflict):
				conflict++
			default:
				t.Fatal(err)
			}
		}
		if ok != 1 || conflict != 1 {
			t.Fatalf("ok=%d conflict=%d", ok, conflict)
		}
		if n, _ := db.CountActiveOwners(ctx); n != 1 {
			t.Fatalf("%d owners", n)
		}
	})
}

func TestLoginSessionsAndTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(db)
		ctx := context.Background()
		u := mustCreate(t, s, nil, "Agent@Example.com", auth.Agent)
		if u.Email != "agent@example.com" {
			t.Fatalf("email stored as %q", u.Email)
		}
		_, err := s.CreateUser(ctx, nil, auth.NewUser{Email: "AGENT@example.com", Name: "Dup", Password: "correct horse battery"})
		wantKind(t, err, errs.Conflict)

		_, _, _, err = s.Login(ctx, "agent@example.com", "wrong password!", "10.0.0.1", "test")
		wantKind(t, err, errs.Unauthenticated)
		_, _, _, errUnknown := s.Login(ctx, "nobody@example.com", "wrong password!", "10.0.0.1", "test")
		if c1, m1 := errs.Public(err); true {
			if c2, m2 := errs.Public(errUnknown); c1 != c2 || m1 != m2 {
				t.Fatalf("wrong password %q/%q differs from unknown email %q/%q", c1, m1, c2, m2)
			}
		}

		got, secret, sess, err := s.Login(ctx, "AGENT@example.com", "correct horse battery", "10.0.0.1", "test")
		if err != nil || got.ID != u.ID {
			t.Fatalf("login: %v", err)
		}
		if who, _, err := s.AuthenticateSession(ctx, secret); err != nil || who.ID != u.ID {
			t.Fatalf("session: %v", err)
		}
		_, secret2, _, _ := s.Login(ctx, "agent@example.com", "correct horse battery", "10.0.0.2", "other")
		if secret2 == secret {
			t.Fatal("sessions share a secret")
		}
		list, _ := s.ListSessions(ctx, got, sess.ID)
		if len(list) != 2 {
			t.Fatalf("%d sessions", len(list))
		}

		tok, tokSecret, err := s.CreateAPIToken(ctx, got, "CRM sync")
		if err != nil {
			t.Fatal(err)
		}
		if who, _, err := s.AuthenticateToken(ctx, tokSecret); err != nil || who.ID != u.ID {
			t.Fatalf("token: %v", err)
		}
		_, _, err = s.AuthenticateToken(ctx, secret) // a session secret is no API token
		wantKind(t, err, errs.Unauthenticated)
		if err := s.RevokeAPIToken(ctx, got, tok.ID); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.AuthenticateToken(ctx, tokSecret)
		wantKind(t, err, errs.Unauthenticated)

		// Changing the password ends every other session.
		if err := s.ChangePassword(ctx, got, "correct horse battery", "a new long passphrase", sess.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AuthenticateSession(ctx, secret); err != nil {
			t.Fatalf("kept session ended: %v", err)
		}
		_, _, err = s.AuthenticateSession(ctx, secret2)
		wantKind(t, err, errs.Unauthenticated)

		if err := s.Logout(ctx, secret); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.AuthenticateSession(ctx, secret)
		wantKind(t, err, errs.Unauthenticated)
	})
}

// Failures are throttled per address, per account from one address, and per account as a higher
// ceiling; none of it keeps the right password from an address without recent failures out, so
// knowing someone's email is not enough to lock them out.
func TestLoginThrottle(t *testing.T) {
	db := storetest.SQLite(t)
	s := auth.NewService(db, auth.Options{Hasher: auth.NewHasher(auth.TestHashParams, 1),
		Limits: auth.LoginLimits{PerIPBurst: 100, PerIPInterval: time.Hour, PerAccountIPBurst: 3, PerAccountIPInterval: time.Hour,
			PerAccountBurst: 6, PerAccountInterval: time.Hour}})
	ctx := context.Background()
	mustCreate(t, s, nil, "a@example.com", auth.Agent)
	login := func(password, ip string) error {
		_, _, _, err := s.Login(ctx, "a@example.com", password, ip, "")
		return err
	}
	// Successes do not count against the limit.
	for range 5 {
		if err := login("correct horse battery", "1.1.1.1"); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		wantKind(t, login("wrong password!!", "1.1.1.1"), errs.Unauthenticated)
	}
	// That address is done with this account for now, even with the right password…
	wantKind(t, login("correct horse battery", "1.1.1.1"), errs.RateLimited)
	// …but the owner, elsewhere, signs in.
	if err := login("correct horse battery", "2.2.2.2"); err != nil {
		t.Fatalf("the right password from another address: %v", err)
	}
	// Failures from many addresses spend the account's ceiling (6: three above, three here)…
	for _, ip := range []string{"3.3.3.3", "3.3.3.4", "3.3.3.5"} {
		wantKind(t, login("wrong password!!", ip), errs.Unauthenticated)
	}
	// …after which an address may try once, and only while it has no failure of the account.
	wantKind(t, login("wrong password!!", "4.4.4.4"), errs.Unauthenticated)
	wantKind(t, login("wrong password!!", "4.4.4.4"), errs.RateLimited)
	wantKind(t, login("correct horse battery", "3.3.3.3"), errs.RateLimited)
	if err := login("correct horse battery", "5.5.5.5"); err != nil {
		t.Fatalf("the right password from a fresh address once the account's ceiling is spent: %v", err)
	}

	// One address trying many accounts is stopped by its own limit.
	s2 := auth.NewService(db, auth.Options{Hasher: auth.NewHasher(auth.TestHashParams, 1),
		Limits: auth.LoginLimits{PerIPBurst: 4, PerIPInterval: time.Hour}})
	for i := range 4 {
		_, _, _, err := s2.Login(ctx, fmt.Sprintf("u%d@example.com", i), "wrong password!!", "6.6.6.6", "")
		wantKind(t, err, errs.Unauthenticated)
	}
	_, _, _, err := s2.Login(ctx, "a@example.com", "correct horse battery", "6.6.6.6", "")
	wantKind(t, err, errs.RateLimited)
}

func TestWhoMayManageWhom(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(db)
		ctx := context.Background()
		owner := mustCreate(t, s, nil, "owner@example.com", auth.Owner)
		admin := mustCreate(t, s, owner, "admin@example.com", auth.Admin)
		agent := mustCreate(t, s, admin, "agent@example.com", auth.Agent)
		role := func(r auth.Role) *auth.Role { return &r }
		yes := true

		_, err := s.CreateUser(ctx, agent, auth.NewUser{Email: "x@example.com", Name: "X", Password: "correct horse battery"})
		wantKind(t, err, errs.Forbidden)
		_, err = s.CreateUser(ctx, admin, auth.NewUser{Email: "o2@example.com", Name: "O2", Password: "correct horse battery", Role: auth.Owner})
		wantKind(t, err, errs.Forbidden)
		_, err = s.UpdateUser(ctx, admin, owner.ID, auth.UserPatch{Role: role(auth.Agent)})
		wantKind(t, err, errs.Forbidden)
		_, err = s.UpdateUser(ctx, agent, agent.ID, auth.UserPatch{Role: role(auth.Admin)})
		wantKind(t, err, errs.Forbidden)
		_, err = s.UpdateUser(ctx, owner, owner.ID, auth.UserPatch{Role: role(auth.Admin)})
		wantKind(t, err, errs.Conflict) // last owner
		_, err = s.UpdateUser(ctx, admin, admin.ID, auth.UserPatch{Deactivated: &yes})
		wantKind(t, err, errs.Conflict) // self

		if _, err := s.UpdateUser(ctx, admin, agent.ID, auth.UserPatch{Role: role(auth.Admin)}); err != nil {
			t.Fatal(err)
		}
		_, secret, _, _ := s.Login(ctx, "agent@example.com", "correct horse battery", "", "")
		u, err := s.UpdateUser(ctx, admin, agent.ID, auth.UserPatch{Deactivated: &yes})
		if err != nil || !u.Deactivated {
			t.Fatalf("deactivate: %v", err)
		}
		_, _, err = s.AuthenticateSession(ctx, secret)
		wantKind(t, err, errs.Unauthenticated)
		_, _, _, err = s.Login(ctx, "agent@example.com", "correct horse battery", "", "")
		wantKind(t, err, errs.Unauthenticated)

		list, err := s.ListUsers(ctx, admin)
		if err != nil || len(list) != 3 {
			t.Fatalf("list: %d %v", len(list), err)
		}
	})
}

func TestTeams(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(db)
		ctx := context.Background()
		admin := mustCreate(t, s, nil, "admin@example.com", auth.Admin)
		agent := mustCreate(t, s, admin, "agent@example.com", auth.Agent)
		name := "Sales"
		members := []int64{agent.ID, admin.ID, agent.ID}
		team, err := s.CreateTeam(ctx, admin, auth.TeamInput{Name: &name, MemberIDs: &members})
		if err != nil {
			t.Fatal(err)
		}
		if len(team.MemberIDs) != 2 {
			t.Fatalf("members %v", team.MemberIDs)
		}
		_, err = s.CreateTeam(ctx, admin, auth.TeamInput{Name: &name})
		wantKind(t, err, errs.Conflict)
		_, err = s.CreateTeam(ctx, agent, auth.TeamInput{Name: &name})
		wantKind(t, err, errs.Forbidden)
		bad := []int64{agent.ID, 99999}
		_, err = s.UpdateTeam(ctx, admin, team.ID, auth.TeamInput{MemberIDs: &bad})
		wantKind(t, err, errs.Invalid)
		if got, _ := s.GetTeam(ctx, admin, team.ID); len(got.MemberIDs) != 2 {
			t.Fatalf("a refused change altered members: %v", got.MemberIDs)
		}
		if err := s.DeleteTeam(ctx, admin, team.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.GetTeam(ctx, admin, team.ID)
		wantKind(t, err, errs.NotFound)
	})
}

// Emailed invitations are throttled per inviting admin and, for resends, per invited user; a
// refused one changes nothing, and time gives the allowance back.
func TestInvitationsThrottled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Unix(1_800_000_000, 0)
		s := auth.NewService(db, auth.Options{Hasher: auth.NewHasher(auth.TestHashParams, 4),
			MailReady: func(context.Context) bool { return true }, Now: func() time.Time { return now }})
		ctx := context.Background()
		owner := mustCreate(t, s, nil, "owner@example.com", auth.Owner)
		var first *auth.User
		for i := range 50 {
			u, inv, err := s.Invite(ctx, owner, auth.NewUser{Email: fmt.Sprintf("u%d@example.com", i), Name: "U"}, "en")
			if err != nil {
				t.Fatalf("invitation %d: %v", i, err)
			}
			if !inv.Emailed {
				t.Fatalf("invitation %d was not emailed", i)
			}
			if first == nil {
				first = u
			}
		}
		_, _, err := s.Invite(ctx, owner, auth.NewUser{Email: "one-too-many@example.com", Name: "U"}, "en")
		wantKind(t, err, errs.RateLimited)
		if _, err := db.UserByEmail(ctx, "one-too-many@example.com"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("a refused invitation made a user: %v", err)
		}
		now = now.Add(time.Hour) // the admin's allowance is back
		for i := range 3 {
			if _, err := s.ResendInvitation(ctx, owner, first.ID, "en"); err != nil {
				t.Fatalf("resend %d: %v", i, err)
			}
		}
		_, err = s.ResendInvitation(ctx, owner, first.ID, "en")
		wantKind(t, err, errs.RateLimited)
		now = now.Add(10 * time.Minute)
		if _, err := s.ResendInvitation(ctx, owner, first.ID, "en"); err != nil {
			t.Fatalf("resend after waiting: %v", err)
		}
	})
}
