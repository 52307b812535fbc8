package contact_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/geo"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

const (
	chromeUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
	botUA    = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
	card     = "4111 1111 1111 1111"
	masked   = "•••• •••• •••• 1111"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond) // every call a distinct instant, so orders are stable
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeUA stands in for the user agent parser: crawlers say "bot", everything else is Chrome.
func fakeUA(ua string) (string, string, bool) {
	if strings.Contains(strings.ToLower(ua), "bot") {
		return "", "", true
	}
	return "Windows 10", "Chrome 126.0", false
}

// agent sees every contact; outsider none (as if they saw none of its conversations).
var (
	agent    = &auth.User{ID: 1, Name: "Ada", Role: auth.Agent}
	outsider = &auth.User{ID: 2, Name: "Olaf", Role: auth.Agent}
)

type seer struct{}

func (seer) SeesContact(_ context.Context, u *auth.User, _ int64) error {
	if u.ID == outsider.ID {
		return errs.E(errs.NotFound, "contact not found")
	}
	return nil
}

type fixture struct {
	db    *store.DB
	svc   *contact.Service
	clock *clock
	site  *inbox.Website
	other *inbox.Website
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{db: db, clock: &clock{t: time.UnixMilli(1_700_000_000_000)}}
	f.svc = contact.NewService(contact.Options{
		Repo:    db,
		Seer:    seer{},
		Locate:  func(ip string) string { return map[string]string{"203.0.113.9": "NL", "198.51.100.7": "DE"}[ip] },
		ParseUA: fakeUA,
		Now:     f.clock.Now,
	})
	f.site = newSite(t, db, "Shop")
	f.other = newSite(t, db, "Blog")
	return f
}

func newSite(t *testing.T, db *store.DB, name string) *inbox.Website {
	t.Helper()
	vis, reopen := inbox.Defaults(inbox.Web)
	now := time.Now().UnixMilli()
	w := &inbox.Website{
		Inbox:          inbox.Inbox{Name: name, Visibility: vis, ReopenPolicy: reopen, CreatedAt: now, UpdatedAt: now},
		PublicKey:      inbox.NewKey("pk_", 12),
		Secret:         inbox.NewKey("sk_", 32),
		AllowedDomains: []string{"example.com"},
		TimeZone:       "UTC",
	}
	if err := db.CreateWebsite(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return w
}

func (f *fixture) start(t *testing.T, site *inbox.Website, ip string) (*contact.Visitor, *contact.Contact, string) {
	t.Helper()
	v, tok, err := f.svc.Start(context.Background(), site, contact.SessionInput{UserAgent: chromeUA, IP: ip, Locale: "en-US"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.svc.ContactOf(context.Background(), v) // as when they first write
	if err != nil {
		t.Fatal(err)
	}
	v.ContactID = c.ID
	return v, c, tok
}

func wantCode(t *testing.T, err error, kind errs.Kind, code string) {
	t.Helper()
	if !errs.Is(err, kind) {
		t.Fatalf("got error %v, want kind %s", err, kind)
	}
	if got, _ := errs.Public(err); got != code {
		t.Fatalf("got code %q, want %q (%v)", got, code, err)
	}
}

func count(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStartAndResume(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		v, tok, err := f.svc.Start(ctx, f.site, contact.SessionInput{
			UserAgent: chromeUA, IP: "203.0.113.9", Referrer: "https://www.google.com/search?q=" + strings.ReplaceAll(card, " ", "") + strings.Repeat("x", 2000),
			Locale: "de_DE", PageURL: "https://example.com/pricing", PageTitle: "Pricing",
		})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tok, "pv_") || len(tok) != 46 {
			t.Fatalf("token %q: want pv_ and 43 base64url characters", tok)
		}
		// A new visitor is a visitor row alone: the contact comes when they write or give details.
		if v.ID == 0 || v.ContactID != 0 || count(t, db, "SELECT COUNT(*) FROM contacts") != 0 {
			t.Fatalf("visitor %+v, %d contacts: want a visitor without a contact", v, count(t, db, "SELECT COUNT(*) FROM contacts"))
		}
		if rv, rc, err := f.svc.Resume(ctx, f.site, contact.SessionInput{Token: tok, UserAgent: chromeUA}); err != nil || rv.ID != v.ID || rc != nil {
			t.Fatalf("resume before a contact: %+v %+v %v", rv, rc, err)
		}
		c, err := f.svc.ContactOf(ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		again, err := f.svc.ContactOf(ctx, v) // this copy still says no contact: the one made is found
		if err != nil || again.ID != c.ID || count(t, db, "SELECT COUNT(*) FROM contacts") != 1 {
			t.Fatalf("second ContactOf: %+v %v, %d contacts", again, err, count(t, db, "SELECT COUNT(*) FROM contacts"))
		}
		if c.ID == 0 || c.WebsiteID != f.site.ID || c.ExternalID != "" {
			t.Fatalf("contact %+v", c)
		}
		v.ContactID = c.ID
		if v.OS != "Windows 10" || v.Browser != "Chrome 126.0" || v.UserAgent != chromeUA || v.IP != "203.0.113.9" || v.Country != "NL" ||
			v.Locale != "de-DE" || v.FirstSeen == 0 || v.LastSeen != v.FirstSeen {
			t.Fatalf("visitor %+v", v)
		}
		if n := len([]rune(v.Referrer)); n != 1000 || strings.Contains(v.Referrer, "4111111111111111") || !strings.Contains(v.Referrer, "••••1111") {
			t.Fatalf("referrer (%d characters) %.80q: want masked and capped at 1000", n, v.Referrer)
		}

		// Resuming within a minute writes nothing, even from a new IP.
		f.clock.Advance(30 * time.Second)
		rv, rc, err := f.svc.Resume(ctx, f.site, contact.SessionInput{Token: tok, UserAgent: chromeUA, IP: "198.51.100.7"})
		if err != nil {
			t.Fatal(err)
		}
		if rv.ID != v.ID || rc.ID != c.ID || rv.LastSeen != v.LastSeen || rv.IP != "203.0.113.9" {
			t.Fatalf("resumed %+v, want %+v unchanged", rv, v)
		}
		stored, err := f.svc.VisitorByID(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.LastSeen != v.LastSeen {
			t.Fatal("resume within a minute wrote last_seen")
		}

		// After a minute it records where the visitor is now.
		f.clock.Advance(time.Minute)
		rv, _, err = f.svc.Resume(ctx, f.site, contact.SessionInput{Token: tok, UserAgent: chromeUA, IP: "198.51.100.7"})
		if err != nil {
			t.Fatal(err)
		}
		stored, err = f.svc.VisitorByID(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.LastSeen <= v.LastSeen || stored.IP != "198.51.100.7" || stored.Country != "DE" || rv.LastSeen != stored.LastSeen {
			t.Fatalf("after a minute: stored %+v, returned %+v", stored, rv)
		}
		if stored.FirstSeen != v.FirstSeen {
			t.Fatal("first seen changed")
		}

		d, err := f.svc.Details(ctx, agent, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.PageViews) != 1 || d.PageViews[0].URL != "https://example.com/pricing" || d.PageViews[0].Title != "Pricing" {
			t.Fatalf("first page view: %+v", d.PageViews)
		}
	})
}

func TestResumeRefusesForgedAndForeignTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		_, _, tok := f.start(t, f.site, "203.0.113.9")
		forged := "pv_" + strings.Repeat("A", 43)
		for _, bad := range []string{"", "garbage", forged, tok + "x", strings.TrimPrefix(tok, "pv_")} {
			_, _, err := f.svc.Resume(ctx, f.site, contact.SessionInput{Token: bad})
			wantCode(t, err, errs.Unauthenticated, "visitor_token_invalid")
		}
		_, _, err := f.svc.Resume(ctx, f.other, contact.SessionInput{Token: tok})
		wantCode(t, err, errs.Unauthenticated, "visitor_token_invalid")
	})
}

func TestTokenIsStoredOnlyHashed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		v, _, tok := f.start(t, f.site, "203.0.113.9")
		rows, err := db.Reader().Query("SELECT * FROM visitors")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var all strings.Builder
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, x := range vals {
				fmt.Fprintf(&all, "%s|", x)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		secret := strings.TrimPrefix(tok, "pv_")
		if strings.Contains(all.String(), secret) {
			t.Fatal("the visitors table holds the raw token")
		}
		if !strings.Contains(all.String(), auth.HashSecret(tok)) || v.TokenHash != auth.HashSecret(tok) {
			t.Fatal("the visitors table does not hold the token's SHA-256")
		}
	})
}

// Visitors who never wrote nor gave details are forgotten 30 days after they were last seen; a
// visitor with a contact stays.
func TestAnonymousVisitorsForgotten(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		if _, _, err := f.svc.Start(ctx, f.site, contact.SessionInput{UserAgent: chromeUA, IP: "203.0.113.9", PageURL: "https://example.com/"}); err != nil {
			t.Fatal(err)
		}
		kept, _, _ := f.start(t, f.site, "203.0.113.10") // has a contact
		f.clock.Advance(29 * 24 * time.Hour)
		if n, err := f.svc.ForgetAnonymous(ctx); err != nil || n != 0 {
			t.Fatalf("after 29 days: forgot %d, %v", n, err)
		}
		f.clock.Advance(2 * 24 * time.Hour)
		if n, err := f.svc.ForgetAnonymous(ctx); err != nil || n != 1 {
			t.Fatalf("after 31 days: forgot %d, %v; want the anonymous visitor", n, err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM visitors"); n != 1 {
			t.Fatalf("%d visitors left, want 1", n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM page_views"); n != 0 {
			t.Fatalf("%d page views left, want none", n)
		}
		if _, err := f.svc.VisitorByID(ctx, kept.ID); err != nil {
			t.Fatalf("the visitor with a contact: %v", err)
		}
	})
}

func TestCrawlerGetsNoRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		_, _, err := f.svc.Start(context.Background(), f.site, contact.SessionInput{UserAgent: botUA, IP: "203.0.113.9", PageURL: "https://example.com/"})
		wantCode(t, err, errs.Invalid, "crawler")
		for _, table := range []string{"visitors", "contacts", "page_views"} {
			if n := count(t, db, "SELECT COUNT(*) FROM "+table); n != 0 {
				t.Fatalf("%s: %d rows after a crawler", table, n)
			}
		}
	})
}

func TestBlock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		v, _, tok := f.start(t, f.site, "203.0.113.9")

		blocker := &auth.User{Email: "ada@example.com", Name: "Ada", Role: auth.Agent, PasswordHash: "-", CreatedAt: 1, UpdatedAt: 1}
		if err := db.CreateUser(ctx, blocker, false); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Block(ctx, outsider, v.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("blocking by an agent who may not see the visitor: %v, want not found", err)
		}
		if err := f.svc.Block(ctx, blocker, v.ID); err != nil {
			t.Fatal(err)
		}
		blocked, err := f.svc.IsBlocked(ctx, f.site, v, "192.0.2.1")
		if err != nil || !blocked {
			t.Fatalf("IsBlocked(visitor, other IP) = %v, %v; want true", blocked, err)
		}
		blocked, err = f.svc.IsBlocked(ctx, f.site, nil, "203.0.113.9")
		if err != nil || !blocked {
			t.Fatalf("IsBlocked(nil, blocked IP) = %v, %v; want true", blocked, err)
		}
		if blocked, _ := f.svc.IsBlocked(ctx, f.other, nil, "203.0.113.9"); blocked {
			t.Fatal("the IP is blocked on another website too")
		}
		_, _, err = f.svc.Start(ctx, f.site, contact.SessionInput{UserAgent: chromeUA, IP: "203.0.113.9"})
		wantCode(t, err, errs.Forbidden, "blocked")
		_, _, err = f.svc.Resume(ctx, f.site, contact.SessionInput{Token: tok, IP: "192.0.2.1"})
		wantCode(t, err, errs.Forbidden, "blocked")
		if _, _, err := f.svc.Start(ctx, f.other, contact.SessionInput{UserAgent: chromeUA, IP: "203.0.113.9"}); err != nil {
			t.Fatalf("start on another website: %v", err)
		}

		if err := f.svc.Unblock(ctx, blocker, v.ID); err != nil {
			t.Fatal(err)
		}
		blocked, err = f.svc.IsBlocked(ctx, f.site, v, "203.0.113.9")
		if err != nil || blocked {
			t.Fatalf("after unblock: IsBlocked = %v, %v; want false", blocked, err)
		}
		if _, _, err := f.svc.Resume(ctx, f.site, contact.SessionInput{Token: tok, IP: "203.0.113.9"}); err != nil {
			t.Fatalf("resume after unblock: %v", err)
		}
		f.start(t, f.site, "203.0.113.9")
	})
}

func TestPageViews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		v, c, _ := f.start(t, f.site, "203.0.113.9")
		for _, bad := range []string{"javascript:alert(1)", "ftp://example.com/", "/relative", "https://", ""} {
			wantCode(t, f.svc.PageView(ctx, v, bad, "x"), errs.Invalid, "page_url_invalid")
		}
		if err := f.svc.PageView(ctx, v, "https://example.com/pay?card="+card, "Paying with "+card+strings.Repeat(" long", 100)); err != nil {
			t.Fatal(err)
		}
		d, err := f.svc.Details(ctx, agent, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		pv := d.PageViews[0]
		if strings.Contains(pv.URL, "4111 1111") || strings.Contains(pv.Title, "4111 1111") || !strings.HasPrefix(pv.Title, "Paying with "+masked) {
			t.Fatalf("page view not masked: %+v", pv)
		}
		if n := len([]rune(pv.Title)); n != 300 {
			t.Fatalf("title has %d characters, want capped at 300", n)
		}

		for i := range 505 {
			if err := f.svc.PageView(ctx, v, fmt.Sprintf("https://example.com/p%d", i), ""); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, db, "SELECT COUNT(*) FROM page_views WHERE visitor_id = $1", v.ID); n != 500 {
			t.Fatalf("%d page views kept, want 500", n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM page_views WHERE visitor_id = $1 AND url = $2", v.ID, "https://example.com/p4"); n != 0 {
			t.Fatal("an old page view outlived the cap")
		}
		if n := count(t, db, "SELECT COUNT(*) FROM page_views WHERE visitor_id = $1 AND url = $2", v.ID, "https://example.com/p5"); n != 1 {
			t.Fatal("the oldest page view within the cap is gone")
		}
		d, err = f.svc.Details(ctx, agent, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.PageViews) != 50 || d.PageViews[0].URL != "https://example.com/p504" || d.PageViews[49].URL != "https://example.com/p455" {
			t.Fatalf("details: %d page views, first %+v", len(d.PageViews), d.PageViews[0])
		}
	})
}

func sign(site *inbox.Website, userID string) string {
	return contact.IdentitySignature(site.Secret, userID)
}

func TestIdentify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)

		// A good signature makes the anonymous contact the user's.
		a, ac, _ := f.start(t, f.site, "203.0.113.9")
		av, c, tok, err := f.svc.Identify(ctx, f.site, a, contact.IdentifyInput{
			UserID: "u1", Name: "Ada Lovelace", Email: " Ada@Example.COM ", Signature: sign(f.site, "u1"),
			Attributes: map[string]string{"plan": "pro", "card": card},
		})
		if err != nil {
			t.Fatal(err)
		}
		if tok != "" || av.ID != a.ID || c.ID != ac.ID || c.ExternalID != "u1" || c.Name != "Ada Lovelace" || c.Email != "ada@example.com" ||
			c.Attributes["plan"] != "pro" || c.Attributes["card"] != masked {
			t.Fatalf("identify: token %q visitor %+v contact %+v", tok, av, c)
		}
		stored, err := db.ContactByID(ctx, ac.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.ExternalID != "u1" || stored.Email != "ada@example.com" || stored.Attributes["card"] != masked {
			t.Fatalf("stored %+v", stored)
		}
		// Identifying again with nothing new writes nothing.
		if _, again, _, err := f.svc.Identify(ctx, f.site, a, contact.IdentifyInput{UserID: "u1", Signature: sign(f.site, "u1")}); err != nil || again.UpdatedAt != stored.UpdatedAt {
			t.Fatalf("identify again: %v, updated_at %d → %d", err, stored.UpdatedAt, again.UpdatedAt)
		}

		// A second browser of the same user merges into the same contact, with its conversation and consent.
		b, bc, btok := f.start(t, f.site, "198.51.100.7")
		var convID int64
		err = db.Writer().QueryRow(`INSERT INTO conversations (inbox_id, contact_id, visitor_id, channel, status, created_at, updated_at, last_message_at)
			VALUES ($1, $2, $3, 'web', 'open', 1, 1, 1) RETURNING id`, f.site.ID, bc.ID, b.ID).Scan(&convID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Update(ctx, agent, bc.ID, contact.Patch{Phone: ptr("+31 20 123 4567")}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RecordConsent(ctx, bc.ID, "I agree to the privacy policy", "v1"); err != nil {
			t.Fatal(err)
		}
		bv, merged, tok, err := f.svc.Identify(ctx, f.site, b, contact.IdentifyInput{UserID: "u1", Signature: sign(f.site, "u1")})
		if err != nil {
			t.Fatal(err)
		}
		if tok != "" || bv.ID != b.ID || bv.ContactID != ac.ID || merged.ID != ac.ID || merged.Phone != "+31 20 123 4567" || merged.Name != "Ada Lovelace" {
			t.Fatalf("merge: token %q visitor %+v contact %+v", tok, bv, merged)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM conversations WHERE id = $1 AND contact_id = $2", convID, ac.ID); n != 1 {
			t.Fatal("the conversation did not move to the identified contact")
		}
		if n := count(t, db, "SELECT COUNT(*) FROM contacts WHERE id = $1", bc.ID); n != 0 {
			t.Fatal("the empty anonymous contact was not deleted")
		}
		if _, err := db.ContactByID(ctx, bc.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("anonymous contact: %v, want not found", err)
		}
		if _, rc, err := f.svc.Resume(ctx, f.site, contact.SessionInput{Token: btok}); err != nil || rc.ID != ac.ID {
			t.Fatalf("resume after merge: %v, %+v", err, rc)
		}
		d, err := f.svc.Details(ctx, agent, ac.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Visitors) != 2 || len(d.Consents) != 1 {
			t.Fatalf("after merge: %d visitors, %d consents; want 2 and 1", len(d.Visitors), len(d.Consents))
		}

		// Another user on the first browser is a new visitor and contact; the old visitor stays.
		nv, nc, ntok, err := f.svc.Identify(ctx, f.site, a, contact.IdentifyInput{UserID: "u2", Name: "Grace", Signature: sign(f.site, "u2")})
		if err != nil {
			t.Fatal(err)
		}
		if ntok == "" || ntok == btok || nv.ID == a.ID || nc.ID == ac.ID || nc.ExternalID != "u2" || nc.Name != "Grace" || nv.ContactID != nc.ID ||
			nv.UserAgent != a.UserAgent || nv.IP != a.IP {
			t.Fatalf("new identity: token %q visitor %+v contact %+v", ntok, nv, nc)
		}
		old, err := f.svc.VisitorByID(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if old.ContactID != ac.ID {
			t.Fatalf("the old visitor moved to contact %d", old.ContactID)
		}
		if rv, rc, err := f.svc.Resume(ctx, f.site, contact.SessionInput{Token: ntok}); err != nil || rv.ID != nv.ID || rc.ID != nc.ID {
			t.Fatalf("resume with the new token: %v", err)
		}
		// Back to the first user on that browser: the existing contact of u1, again a new visitor.
		back, bcontact, btok2, err := f.svc.Identify(ctx, f.site, nv, contact.IdentifyInput{UserID: "u1", Signature: sign(f.site, "u1")})
		if err != nil {
			t.Fatal(err)
		}
		if btok2 == "" || back.ID == nv.ID || bcontact.ID != ac.ID {
			t.Fatalf("back to u1: visitor %+v contact %+v", back, bcontact)
		}
	})
}

// A visitor who never wrote has no contact: identifying gives them the user's (a new one, or the
// one the user has from another browser), with the details given, and no anonymous contact is made
// on the way.
func TestIdentifyBeforeAContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		a, _, err := f.svc.Start(ctx, f.site, contact.SessionInput{UserAgent: chromeUA, IP: "203.0.113.9"})
		if err != nil {
			t.Fatal(err)
		}
		av, c, tok, err := f.svc.Identify(ctx, f.site, a, contact.IdentifyInput{UserID: "u7", Name: "Grace", Signature: sign(f.site, "u7")})
		if err != nil {
			t.Fatal(err)
		}
		if tok != "" || av.ID != a.ID || av.ContactID != c.ID || c.ExternalID != "u7" || c.Name != "Grace" || c.WebsiteID != f.site.ID {
			t.Fatalf("identify: token %q visitor %+v contact %+v", tok, av, c)
		}
		b, _, err := f.svc.Start(ctx, f.site, contact.SessionInput{UserAgent: chromeUA, IP: "203.0.113.10"})
		if err != nil {
			t.Fatal(err)
		}
		bv, bc, _, err := f.svc.Identify(ctx, f.site, b, contact.IdentifyInput{UserID: "u7", Email: "grace@example.com", Signature: sign(f.site, "u7")})
		if err != nil {
			t.Fatal(err)
		}
		if bc.ID != c.ID || bv.ContactID != c.ID || bc.Email != "grace@example.com" || bc.Name != "Grace" {
			t.Fatalf("second browser: visitor %+v contact %+v, want contact %d with the email added", bv, bc, c.ID)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM contacts"); n != 1 {
			t.Fatalf("%d contacts, want the user's alone", n)
		}
	})
}

func TestIdentifyRefusesBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		v, c, _ := f.start(t, f.site, "203.0.113.9")
		before, err := db.ContactByID(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, sig := range []string{"", "00", sign(f.other, "u1"), sign(f.site, "u2")} {
			_, _, _, err := f.svc.Identify(ctx, f.site, v, contact.IdentifyInput{UserID: "u1", Name: "Mallory", Signature: sig})
			wantCode(t, err, errs.Unauthenticated, "identity_invalid")
		}
		_, _, _, err = f.svc.Identify(ctx, f.site, v, contact.IdentifyInput{UserID: "u1", Email: "not an email", Signature: sign(f.site, "u1")})
		wantCode(t, err, errs.Invalid, "email_invalid")
		_, _, _, err = f.svc.Identify(ctx, f.other, v, contact.IdentifyInput{UserID: "u1", Signature: sign(f.other, "u1")})
		wantCode(t, err, errs.Unauthenticated, "visitor_token_invalid")
		after, err := db.ContactByID(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if after.ExternalID != "" || after.Name != "" || after.Email != "" || after.UpdatedAt != before.UpdatedAt {
			t.Fatalf("refused identify changed the contact: %+v", after)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM visitors"); n != 1 {
			t.Fatalf("%d visitors after refused identifies, want 1", n)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		_, c, _ := f.start(t, f.site, "203.0.113.9")
		if _, err := f.svc.Update(ctx, agent, c.ID, contact.Patch{Name: ptr("Ada"), Email: ptr("ada@example.com")}); err != nil {
			t.Fatal(err)
		}
		before, _ := db.ContactByID(ctx, c.ID)

		_, err := f.svc.Update(ctx, agent, c.ID, contact.Patch{Name: ptr("Bob"), Email: ptr("bob@")})
		wantCode(t, err, errs.Invalid, "email_invalid")
		_, err = f.svc.Update(ctx, agent, c.ID, contact.Patch{Phone: ptr("call me")})
		wantCode(t, err, errs.Invalid, "phone_invalid")
		after, _ := db.ContactByID(ctx, c.ID)
		if after.Name != "Ada" || after.Email != "ada@example.com" || after.UpdatedAt != before.UpdatedAt {
			t.Fatalf("a refused update changed the contact: %+v", after)
		}

		up, err := f.svc.Update(ctx, agent, c.ID, contact.Patch{
			Email: ptr("ADA@Example.com"),
			Notes: ptr("Paid with " + card + "\nCall back\x00 tomorrow"),
			Tags:  ptr([]string{"vip", "VIP", " lead "}),
		})
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := db.ContactByID(ctx, c.ID)
		for _, got := range []*contact.Contact{up, stored} {
			if got.Email != "ada@example.com" || got.Notes != "Paid with "+masked+"\nCall back tomorrow" || len(got.Tags) != 2 || got.Name != "Ada" {
				t.Fatalf("updated contact %+v", got)
			}
		}
		if strings.Contains(stored.Notes, "4111") {
			t.Fatal("card number stored in notes")
		}

		if _, err := f.svc.Update(ctx, agent, 999999, contact.Patch{Name: ptr("x")}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown contact: %v, want not found", err)
		}
	})
}

func TestConsentAndDetails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		v, c, _ := f.start(t, f.site, "203.0.113.9")
		if err := f.svc.PageView(ctx, v, "https://example.com/a", "A"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.PageView(ctx, v, "https://example.com/b", "B"); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.RecordConsent(ctx, c.ID, "  ", "v1")
		wantCode(t, err, errs.Invalid, "consent_text_required")
		if _, err := f.svc.RecordConsent(ctx, 999999, "I agree", "v1"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("consent of unknown contact: %v, want not found", err)
		}
		cons, err := f.svc.RecordConsent(ctx, c.ID, "I agree to the privacy policy", "2024-05")
		if err != nil {
			t.Fatal(err)
		}
		if cons.ID == 0 || cons.GivenAt < 1_700_000_000_000 || cons.Version != "2024-05" {
			t.Fatalf("consent %+v", cons)
		}

		d, err := f.svc.Details(ctx, agent, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Contact.ID != c.ID || len(d.Visitors) != 1 || d.Visitors[0].ID != v.ID || d.Visitors[0].Country != "NL" {
			t.Fatalf("details: %+v", d)
		}
		if len(d.PageViews) != 2 || d.PageViews[0].URL != "https://example.com/b" || d.PageViews[1].Title != "A" || d.PageViews[0].At <= d.PageViews[1].At {
			t.Fatalf("page views, newest first: %+v", d.PageViews)
		}
		if len(d.Consents) != 1 || d.Consents[0] != *cons {
			t.Fatalf("consents: %+v, want %+v", d.Consents, cons)
		}
		if _, err := f.svc.Details(ctx, agent, 999999); !errs.Is(err, errs.NotFound) {
			t.Fatalf("details of unknown contact: %v", err)
		}
	})
}

// The wiring plugs internal/geo in as Locate; the embedded country database places a public IP.
func TestStartLocatesWithGeo(t *testing.T) {
	loc, err := geo.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer loc.Close()
	db := storetest.SQLite(t)
	svc := contact.NewService(contact.Options{Repo: db, Locate: func(ip string) string {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return ""
		}
		return loc.Lookup(a).CountryCode
	}})
	site := newSite(t, db, "Shop")
	v, _, err := svc.Start(context.Background(), site, contact.SessionInput{UserAgent: chromeUA, IP: "8.8.8.8"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Country != "US" {
		t.Fatalf("country of 8.8.8.8: %q, want US", v.Country)
	}
}

// Two browsers identifying as the same new user at once end on one contact: the loser of the
// race for the external id merges into the winner's contact.
func TestConcurrentIdentifyEndsOnOneContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		const n = 8
		visitors := make([]*contact.Visitor, n)
		for i := range visitors {
			visitors[i], _, _ = f.start(t, f.site, "203.0.113.9")
		}
		var wg sync.WaitGroup
		errc := make(chan error, n)
		for _, v := range visitors {
			wg.Go(func() {
				_, _, _, err := f.svc.Identify(ctx, f.site, v, contact.IdentifyInput{UserID: "u9", Signature: sign(f.site, "u9")})
				errc <- err
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := count(t, db, "SELECT COUNT(DISTINCT contact_id) FROM visitors"); got != 1 {
			t.Fatalf("visitors on %d contacts, want 1", got)
		}
		if got := count(t, db, "SELECT COUNT(*) FROM contacts"); got != 1 {
			t.Fatalf("%d contacts left, want 1", got)
		}
	})
}

// Agents editing different fields at once both keep their change.
func TestConcurrentUpdatesKeepBothChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		_, c, _ := f.start(t, f.site, "203.0.113.9")
		var wg sync.WaitGroup
		errc := make(chan error, 2)
		wg.Go(func() { _, err := f.svc.Update(ctx, agent, c.ID, contact.Patch{Name: ptr("Ada")}); errc <- err })
		wg.Go(func() {
			_, err := f.svc.Update(ctx, agent, c.ID, contact.Patch{Notes: ptr("prefers email")})
			errc <- err
		})
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.ContactByID(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Ada" || got.Notes != "prefers email" {
			t.Fatalf("after concurrent updates: %+v", got)
		}
	})
}
