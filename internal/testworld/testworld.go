// Package testworld is the small installation the service tests start from (conversation, crm,
// bot...): a real store on either engine with five users, a website inbox with its members, a
// clock the test controls and presence it switches. Each test package builds its services on it.
package testworld

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/mask"
	"github.com/parleyhq/parley/internal/store"
)

// Password is every user's password.
const Password = "correct horse battery"

// Options change the world's defaults.
type Options struct {
	// Start is the clock's first reading (default: 2023-11-14 22:13:20 UTC, unix ms 1_700_000_000_000).
	Start time.Time
	// SiteName and Domains name the website (default "Website" on example.com).
	SiteName string
	Domains  []string
	// FollowUp has the website email visitors who left the replies they missed (default off).
	FollowUp bool
	// NobodyAvailable starts with every user unavailable (default: all available).
	NobodyAvailable bool
}

// World is the installation. Users: Owner (Olive Owner), Admin (Ada Admin, the website's
// installer), A1 (Alice Agent, Europe/Berlin) and A2 (Bob Agent, America/New_York), the website's
// members, and Outsider (Carol Outsider), an agent of no inbox.
type World struct {
	Ctx      context.Context
	DB       *store.DB
	Accounts *auth.Service
	Presence *Presence

	Owner, Admin, A1, A2, Outsider *auth.User
	Site                           *inbox.Website // private, final (a website's defaults)
	Web                            *inbox.Inbox   // the website's inbox as the store reads it

	clock atomic.Int64 // unix ms
}

// New builds the world in db (storetest gives a fresh one per engine).
func New(t testing.TB, db *store.DB, o Options) *World {
	t.Helper()
	w := &World{Ctx: t.Context(), DB: db, Presence: &Presence{on: map[int64]bool{}}}
	start := int64(1_700_000_000_000)
	if !o.Start.IsZero() {
		start = o.Start.UnixMilli()
	}
	w.clock.Store(start)
	w.Accounts = auth.NewService(db, auth.Options{Hasher: auth.NewHasher(auth.TestHashParams, 4)})
	w.Owner = w.User(t, "owner@example.com", "Olive Owner", auth.Owner, "UTC")
	w.Admin = w.User(t, "admin@example.com", "Ada Admin", auth.Admin, "UTC")
	w.A1 = w.User(t, "a1@example.com", "Alice Agent", auth.Agent, "Europe/Berlin")
	w.A2 = w.User(t, "a2@example.com", "Bob Agent", auth.Agent, "America/New_York")
	w.Outsider = w.User(t, "a3@example.com", "Carol Outsider", auth.Agent, "UTC")
	for _, u := range []*auth.User{w.Owner, w.Admin, w.A1, w.A2, w.Outsider} {
		w.Presence.Set(u.ID, !o.NobodyAvailable)
	}

	name, domains := o.SiteName, o.Domains
	if name == "" {
		name = "Website"
	}
	if len(domains) == 0 {
		domains = []string{"example.com"}
	}
	vis, reopen := inbox.Defaults(inbox.Web)
	w.Site = &inbox.Website{
		Inbox:     inbox.Inbox{Name: name, Visibility: vis, ReopenPolicy: reopen, InstallerID: w.Admin.ID, CreatedAt: 1, UpdatedAt: 1},
		PublicKey: inbox.NewKey("pk_", 16), Secret: inbox.NewKey("sk_", 32), AllowedDomains: domains, TimeZone: "UTC",
		BusinessHours: &inbox.BusinessHours{}, FollowUp: o.FollowUp, FollowUpSeconds: inbox.DefaultFollowUpSeconds,
	}
	if err := db.CreateWebsite(w.Ctx, w.Site); err != nil {
		t.Fatal(err)
	}
	if err := db.SetInboxMembers(w.Ctx, w.Site.ID, []int64{w.A1.ID, w.A2.ID}, 1); err != nil {
		t.Fatal(err)
	}
	var err error
	if w.Web, err = db.InboxByID(w.Ctx, w.Site.ID); err != nil {
		t.Fatal(err)
	}
	w.Site.Inbox = *w.Web
	return w
}

// User creates another user.
func (w *World) User(t testing.TB, email, name string, role auth.Role, zone string) *auth.User {
	t.Helper()
	u, err := w.Accounts.CreateUser(w.Ctx, nil, auth.NewUser{Email: email, Name: name, Password: Password, Role: role, TimeZone: zone})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Now reads the clock; every reading is a millisecond later than the one before, so the order of
// what happens is well defined.
func (w *World) Now() time.Time { return time.UnixMilli(w.clock.Add(1)) }

// SetClock puts the clock at t.
func (w *World) SetClock(t time.Time) { w.clock.Store(t.UnixMilli()) }

// Advance moves the clock on.
func (w *World) Advance(d time.Duration) { w.clock.Add(d.Milliseconds()) }

// Mask is the masking the services use in production.
func Mask(s string) string {
	out, _ := mask.String(s)
	return out
}

// Contact inserts a bare contact and returns its id.
func (w *World) Contact(t testing.TB, name string) int64 {
	t.Helper()
	var id int64
	if err := w.DB.Writer().QueryRowContext(w.Ctx, "INSERT INTO contacts (name, created_at, updated_at) VALUES ($1, 1, 1) RETURNING id", name).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// Visitor inserts a visitor of the website for the contact and returns its id.
func (w *World) Visitor(t testing.TB, contactID int64) int64 {
	t.Helper()
	var id int64
	if err := w.DB.Writer().QueryRowContext(w.Ctx, `INSERT INTO visitors (website_id, contact_id, token_hash, first_seen, last_seen)
		VALUES ($1, $2, $3, 1, 1) RETURNING id`, w.Site.ID, contactID, inbox.NewKey("t", 16)).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// Presence says who is available; tests switch it.
type Presence struct {
	mu sync.Mutex
	on map[int64]bool
}

// Available reports whether the user is available.
func (p *Presence) Available(_ context.Context, userID int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.on[userID]
}

// OnlineUsers lists the available users.
func (p *Presence) OnlineUsers() []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ids []int64
	for id, on := range p.on {
		if on {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// Set switches a user's availability.
func (p *Presence) Set(userID int64, on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.on[userID] = on
}
