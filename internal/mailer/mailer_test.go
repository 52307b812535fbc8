package mailer_test

import (
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/channel/email"
	"github.com/parleyhq/parley/internal/channel/email/mailtest"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/mailer"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

func owner(t *testing.T, db *store.DB) *auth.User {
	t.Helper()
	accounts := auth.NewService(db, auth.Options{Hasher: auth.NewHasher(auth.TestHashParams, 4)})
	u, err := accounts.Setup(t.Context(), auth.NewUser{Email: "owner@acme.test", Name: "Olive", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// The settings are stored with their passwords sealed, shown without them, and a password left
// empty keeps the stored one; a test send goes through the relay, and a failing one names the step.
func TestSettingsAndTestSend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u := owner(t, db)
		s := mailer.New(mailer.Options{Repo: db})
		if _, err := s.Send(ctx, &mailer.Message{To: []email.Address{{Address: "x@example.org"}}, Subject: "x"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("sending unconfigured: %v, want mail_not_configured", err)
		}
		sink := mailtest.StartSink(t, mailtest.SinkOptions{Username: "relay", Password: "s3cret pass"})
		in := mailer.Settings{SMTP: mailer.SMTP{Host: "127.0.0.1", Port: sink.Port(), Security: email.SecurityNone, Username: "relay", Password: "s3cret pass"},
			FromAddress: "Hello@Acme.test", FromName: "Acme", ReplyDomain: "Reply.Acme.test.", Receive: mailer.ReceiveListener}
		got, err := s.Update(ctx, u, in)
		if err != nil {
			t.Fatal(err)
		}
		if got.SMTP.Password != "" || !got.SMTP.PasswordSet || got.FromAddress != "hello@acme.test" || got.ReplyDomain != "reply.acme.test" {
			t.Errorf("shown = %+v", got)
		}
		var stored string
		if err := db.Reader().QueryRowContext(ctx, "SELECT smtp_password || settings FROM mail_settings").Scan(&stored); err != nil || strings.Contains(stored, "s3cret") {
			t.Errorf("the password is stored in the clear (%v)", err)
		}
		in.SMTP.Password = ""
		in.FromName = "Acme Team"
		if _, err := s.Update(ctx, u, in); err != nil {
			t.Fatal(err)
		}
		if err := s.TestSend(ctx, u, ""); err != nil {
			t.Fatalf("test send: %v", err)
		}
		r := sink.WaitFor(t, 10*time.Second, func(mailtest.Received) bool { return true })
		m, _ := email.Parse(r.Data)
		if r.User != "relay" || m.To[0].Address != "owner@acme.test" || m.From.Name != "Acme Team" || !m.AutoReply {
			t.Errorf("test mail: user %q to %+v from %+v auto %v", r.User, m.To, m.From, m.AutoReply)
		}

		in.SMTP.Port = 1 // nothing listens there
		if _, err := s.Update(ctx, u, in); err != nil {
			t.Fatal(err)
		}
		var e *errs.Error
		if err := s.TestSend(ctx, u, "ops@example.org"); !errsAs(err, &e) || e.Code != "smtp_connect" {
			t.Errorf("test send to a closed port: %v, want smtp_connect", err)
		}

		agent := &auth.User{ID: 99, Role: auth.Agent}
		if _, err := s.Get(ctx, agent); !errs.Is(err, errs.Forbidden) {
			t.Errorf("an agent read the mail settings: %v", err)
		}
	})
}

func errsAs(err error, target **errs.Error) bool {
	e, ok := err.(*errs.Error)
	if ok {
		*target = e
	}
	return ok
}

// Settings given by flags win and cannot be changed in the admin area.
func TestFixedSettings(t *testing.T) {
	db := storetest.SQLite(t)
	u := owner(t, db)
	s := mailer.New(mailer.Options{Repo: db, Fixed: &mailer.Settings{SMTP: mailer.SMTP{Host: "smtp.example.org", Password: "x"}, FromAddress: "a@example.org"}})
	got, err := s.Get(t.Context(), u)
	if err != nil || !got.Fixed || got.SMTP.Password != "" || got.SMTP.Host != "smtp.example.org" {
		t.Errorf("get = %+v, %v", got, err)
	}
	if _, err := s.Update(t.Context(), u, mailer.Settings{}); !errs.Is(err, errs.Conflict) {
		t.Errorf("update of fixed settings: %v, want a conflict", err)
	}
}

func TestValidate(t *testing.T) {
	for name, st := range map[string]mailer.Settings{
		"no from":            {SMTP: mailer.SMTP{Host: "smtp.example.org"}},
		"bad from":           {SMTP: mailer.SMTP{Host: "smtp.example.org"}, FromAddress: "nobody"},
		"bad security":       {SMTP: mailer.SMTP{Host: "smtp.example.org", Security: "ssl"}, FromAddress: "a@example.org"},
		"bad port":           {SMTP: mailer.SMTP{Host: "smtp.example.org", Port: 70000}, FromAddress: "a@example.org"},
		"listener no domain": {Receive: mailer.ReceiveListener},
		"imap no host":       {Receive: mailer.ReceiveIMAP, ReplyDomain: "reply.example.org"},
		"bad domain":         {ReplyDomain: "-x-.example.org"},
	} {
		if err := mailer.Validate(&st); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	ok := mailer.Settings{}
	if err := mailer.Validate(&ok); err != nil {
		t.Errorf("empty settings (mail off): %v", err)
	}
}

// A conversation's Message-IDs carry its reply token, so a reply whose mail program kept only the
// threading headers still names it; other mail's do not.
func TestMessageIDCarriesToken(t *testing.T) {
	token := email.NewReplyToken()
	id := mailer.NewMessageID(token, "acme.test")
	if got, ok := mailer.TokenOfMessageID(id); !ok || got != token {
		t.Errorf("token of %q = %q, %v", id, got, ok)
	}
	if _, ok := mailer.TokenOfMessageID(mailer.NewMessageID("", "acme.test")); ok {
		t.Error("a Message-ID without a token gave one")
	}
	if _, ok := mailer.TokenOfMessageID("<CAB1234.abc@mail.gmail.com>"); ok {
		t.Error("someone else's Message-ID gave a token")
	}
	if !email.IsOwnMessageID(id, "acme.test") {
		t.Error("not recognised as our own")
	}
}
