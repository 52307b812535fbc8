// Package demo sets up what `parley serve --demo` shows a newcomer: an owner, a website with the
// "Live chat" playbook ("Chat with your leads") and a page to try it on. Running it again changes
// nothing.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/playbook"
	"github.com/parleyhq/parley/internal/store"
)

// OwnerEmail is the demo owner's sign-in.
const OwnerEmail = "demo@parley.test"

// SiteName is the demo website's name.
const SiteName = "Demo site"

// Result tells what Seed found or made.
type Result struct {
	OwnerEmail string
	Password   string // set only when the owner was created just now; shown once
	Website    *inbox.Website
}

// Seed creates the demo owner, the website and its playbooks if they do not exist yet.
func Seed(ctx context.Context, db *store.DB, accounts *auth.Service, playbooks *playbook.Service) (*Result, error) {
	res := &Result{OwnerEmail: OwnerEmail}
	owner, err := db.UserByEmail(ctx, OwnerEmail)
	if errs.Is(err, errs.NotFound) {
		res.Password = randomPassword()
		owner, err = accounts.CreateUser(ctx, nil, auth.NewUser{Email: OwnerEmail, Name: "Demo Owner", Password: res.Password, Role: auth.Owner})
	}
	if err != nil {
		return nil, fmt.Errorf("demo owner: %w", err)
	}
	site, err := db.WebsiteByName(ctx, SiteName)
	if errs.Is(err, errs.NotFound) {
		vis, reopen := inbox.Defaults(inbox.Web)
		now := time.Now().UnixMilli()
		site = &inbox.Website{
			Inbox:           inbox.Inbox{Name: SiteName, Visibility: vis, ReopenPolicy: reopen, InstallerID: owner.ID, CreatedAt: now, UpdatedAt: now},
			PublicKey:       inbox.NewKey("pk_", 12),
			Secret:          inbox.NewKey("sk_", 32),
			AllowedDomains:  []string{"localhost", "127.0.0.1"},
			TimeZone:        "UTC",
			FollowUp:        true,
			FollowUpSeconds: inbox.DefaultFollowUpSeconds,
		}
		err = db.CreateWebsite(ctx, site)
	}
	if err != nil {
		return nil, fmt.Errorf("demo website: %w", err)
	}
	res.Website = site
	books, err := playbooks.List(ctx, owner, site.ID)
	if err != nil {
		return nil, fmt.Errorf("demo playbook: %w", err)
	}
	if len(books) == 0 {
		// English everywhere; the demo page's ?lang=de (nl, tr, hu) gets the template in that
		// language, by a URL rule with a higher priority.
		active := true
		for _, lang := range playbook.Languages {
			in := playbook.Input{WebsiteID: site.ID, Name: "Live chat", Template: playbook.LiveChatTemplate, Active: &active,
				Appearance: playbook.Appearance{Color: "#1f6f43", TextColor: "#ffffff", Icon: "chat", Language: lang, Side: "right"}}
			if lang != "en" {
				in.Name += " (" + lang + ")"
				in.Priority = 10
				in.Targeting = []playbook.Rule{{Match: playbook.Contains, Value: "lang=" + lang}}
			}
			if _, err := playbooks.Create(ctx, owner, in); err != nil {
				return nil, fmt.Errorf("demo playbook %s: %w", lang, err)
			}
		}
	}
	return res, nil
}

func randomPassword() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
