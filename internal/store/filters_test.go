package store_test

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// The list's filters mean the same on both engines, alone and combined, within the scope.
func TestConversationFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := crmRows{t: t, ctx: ctx, db: db}
		user := r.user("ann")
		inbox := r.inboxOf("web")
		mk := func(ip, country, url string, rating any, status string, closedAt any, created int64) int64 {
			ct := r.contact("c")
			v := r.insert("INSERT INTO visitors (website_id, contact_id, token_hash, ip, ip_key, country, first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $6, 1, 1)",
				inbox, ct, "t"+ip, ip, store.IPKey(ip), country)
			r.insert("INSERT INTO page_views (visitor_id, url, at) VALUES ($1, $2, 1)", v, url)
			return r.insert(`INSERT INTO conversations (inbox_id, contact_id, visitor_id, channel, status, rating, closed_at, created_at, updated_at, last_message_at)
				VALUES ($1, $2, $3, 'web', $4, $5, $6, $7, $7, $7)`, inbox, ct, v, status, rating, closedAt, created)
		}
		a := mk("203.0.113.7", "DE", "https://shop.example/Checkout?x=1", 5, "closed", 2000, 1000)
		b := mk("198.51.100.9", "NL", "https://shop.example/pricing_100%", 1, "closed", 3000, 2000)
		c := mk("2001:db8::1", "DE", "https://shop.example/", nil, "open", nil, 3000)
		tag := r.insert("INSERT INTO tags (name, name_key, created_at, updated_at) VALUES ('vip', 'vip', 1, 1)")
		for _, conv := range []int64{a, c} {
			if _, err := db.Writer().ExecContext(ctx, "INSERT INTO conversation_tags (conversation_id, tag_id, created_at) VALUES ($1, $2, 1)", conv, tag); err != nil {
				t.Fatal(err)
			}
		}
		r.insert("INSERT INTO leads (title, value, currency, conversation_id, source, lead_source, created_at, updated_at) VALUES ('L', 0, 'EUR', $1, 'agent', 'manual', 1, 1)", b)

		sc := conversation.Scope{UserID: user, Full: []int64{inbox}, Limited: []int64{}}
		yes, no := true, false
		for _, c2 := range []struct {
			name string
			f    conversation.Filter
			want []int64
		}{
			{"none", conversation.Filter{}, []int64{c, b, a}},
			{"status", conversation.Filter{Status: conversation.Closed}, []int64{b, a}},
			{"rating", conversation.Filter{Ratings: []int{5, 4}}, []int64{a}},
			{"page URL, any case", conversation.Filter{PageURL: "checkout"}, []int64{a}},
			{"page URL, % taken as it is", conversation.Filter{PageURL: "_100%"}, []int64{b}},
			{"IP", conversation.Filter{IP: netip.MustParsePrefix("203.0.113.7/32")}, []int64{a}},
			{"CIDR", conversation.Filter{IP: netip.MustParsePrefix("198.51.0.0/16")}, []int64{b}},
			{"IPv6 CIDR", conversation.Filter{IP: netip.MustParsePrefix("2001:db8::/32")}, []int64{c}},
			{"country", conversation.Filter{Country: "DE"}, []int64{c, a}},
			{"tag", conversation.Filter{Tags: []int64{tag}}, []int64{c, a}},
			{"has a lead", conversation.Filter{HasLead: &yes}, []int64{b}},
			{"has no lead", conversation.Filter{HasLead: &no}, []int64{c, a}},
			{"created", conversation.Filter{Created: conversation.Range{From: 1500, To: 3000}}, []int64{b}},
			{"closed", conversation.Filter{Closed: conversation.Range{To: 2500}}, []int64{a}},
			{"combined", conversation.Filter{Country: "DE", Tags: []int64{tag}, Status: conversation.Open}, []int64{c}},
			{"unassigned", conversation.Filter{Assignee: conversation.Unassigned, Team: conversation.Unassigned}, []int64{c, b, a}},
			{"assignee", conversation.Filter{Assignee: user}, nil},
		} {
			q := conversation.ListQuery{Scope: sc, Folder: conversation.FolderAll, Filter: c2.f, Limit: 50}
			list, err := db.ListConversations(ctx, q)
			if err != nil {
				t.Fatalf("%s: %v", c2.name, err)
			}
			var got []int64
			for _, x := range list {
				got = append(got, x.ID)
			}
			n, err := db.CountConversations(ctx, q)
			if err != nil {
				t.Fatalf("%s: %v", c2.name, err)
			}
			if !slices.Equal(got, c2.want) || n != len(c2.want) {
				t.Errorf("%s: %v (count %d), want %v", c2.name, got, n, c2.want)
			}
		}
		// Another user's limited scope: the conversations of an inbox they only partly see.
		counts, err := db.CountOpen(ctx, sc, conversation.Filter{Country: "DE"})
		if err != nil || counts.Open != 1 || counts.Unassigned != 1 {
			t.Fatalf("counts: %+v %v", counts, err)
		}
	})
}
