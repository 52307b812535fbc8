package realtime

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/widget"
	"github.com/parleyhq/parley/internal/wstest"
)

// nextLive waits for a live_visitor frame since from that meets cond.
func nextLive(t *testing.T, s *wstest.Conn, from int, cond func(LiveVisitor) bool) LiveVisitor {
	t.Helper()
	var found LiveVisitor
	eventually(t, "a live_visitor frame", func() bool {
		for _, f := range s.Since("live_visitor", from) {
			if v := liveVisitorOf(t, f); cond(v) {
				found = v
				return true
			}
		}
		return false
	})
	return found
}

func liveVisitorOf(t *testing.T, f []byte) LiveVisitor {
	t.Helper()
	var lf liveFrame
	if err := json.Unmarshal(f, &lf); err != nil || lf.Visitor == nil {
		t.Fatalf("live_visitor frame %s (%v)", f, err)
	}
	return *lf.Visitor
}

// A browser whose live frame is on node B is on node A's Visitors screen at once, follows its
// pages, is tied to its contact (and conversation) when its chat frame names it on A, gets the
// invitation an agent made on A, and leaves A's screen after the grace period once its socket closes.
func TestLiveVisitorsAcrossNodes(t *testing.T) {
	bus := &fakeBus{subs: map[string][]func(string, []byte){}}
	var mu sync.Mutex
	var started []Invite
	o := Options{VisitorBeat: time.Hour, VisitorTTL: time.Hour, VisitorGrace: 300 * time.Millisecond,
		StartChat: func(_ context.Context, sess *widget.Session, inv Invite) error {
			mu.Lock()
			defer mu.Unlock()
			if sess.ContactID() != 31 {
				t.Errorf("invitation accepted for contact %d", sess.ContactID())
			}
			started = append(started, inv)
			return nil
		}}
	a, b := startNode(t, bus, o), startNode(t, bus, o)

	tom := wstest.DialNamed(t, "tom", a.ws+"/agent/14", nil)
	tom.NextRaw("hello", 0)
	from := tom.RoundTrip([]byte(`{"t":"visitors","on":true}`))
	var snap struct {
		Visitors []LiveVisitor `json:"visitors"`
	}
	if err := json.Unmarshal(tom.NextRaw("live_visitors", from), &snap); err != nil || len(snap.Visitors) != 0 {
		t.Fatalf("first list: %+v %v", snap, err)
	}

	const id = "b7f3a9c1d2e4f6a8b0c2d4e6"
	live := wstest.DialNamed(t, "ana's page on B", b.ws+"/live", nil)
	from = tom.Mark()
	live.Send([]byte(`{"t":"hello","id":"` + id + `","url":"https://shop.example/pricing","title":"Pricing","referrer":"https://search.example/?q=shoes","since":` +
		jsonInt(time.Now().Add(-time.Minute).UnixMilli()) + `,"pages":3,"back":true}`))
	v := liveVisitorOf(t, tom.NextRaw("live_visitor", from))
	if v.ID != id || v.WebsiteID != shop.ID || v.PageURL != "https://shop.example/pricing" || v.Pages != 3 || !v.Returning || v.InChat || v.LeftAt != 0 {
		t.Fatalf("live visitor on A: %+v", v)
	}
	if list := a.h.LiveVisitors(func(int64) bool { return true }); len(list) != 1 || list[0].PageTitle != "Pricing" {
		t.Fatalf("A lists %+v", list)
	}
	// A page off the website's domains is ignored; a single-page navigation moves on.
	live.Send([]byte(`{"t":"page","url":"https://evil.example/","pages":9}`))
	from = tom.Mark()
	live.Send([]byte(`{"t":"page","url":"https://shop.example/cart","title":"Cart","pages":4}`))
	v = nextLive(t, tom, from, func(v LiveVisitor) bool { return v.PageURL == "https://shop.example/cart" })
	if v.Pages != 4 || v.PageTitle != "Cart" || !v.Returning || v.Referrer != "https://search.example/?q=shoes" {
		t.Fatalf("after a navigation: %+v (the visit stays as its hello said)", v)
	}

	// Ana's chat frame on A names the browser: the Visitors screen knows her and her conversation.
	ana := wstest.DialNamed(t, "ana's chat frame on A", a.ws+"/visitor", nil)
	ana.Send([]byte(`{"t":"auth","token":"` + anaToken + `","live":"` + id + `"}`))
	ana.NextRaw("ready", 0)
	eventually(t, "the browser tied to Ana and her open conversation", func() bool {
		v, ok := a.h.LiveVisitor(shop.ID, id)
		return ok && v.ContactID == 31 && v.ConversationID == conv4821 && v.InChat
	})

	// An invitation made on A opens the widget on B and starts the chat in the frame on A, once.
	from = live.Mark()
	inv := a.h.Invite(Invite{LiveID: id, WebsiteID: shop.ID, AgentID: jana.ID, Body: "Hi Ana!"})
	live.NextRaw("open", from)
	eventually(t, "the chat started", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(started) == 1 && started[0].ID == inv.ID && started[0].Body == "Hi Ana!"
	})

	// The tab closes: left at once, gone after the grace period, on both nodes.
	from = tom.Mark()
	live.Close()
	nextLive(t, tom, from, func(v LiveVisitor) bool { return v.LeftAt != 0 })
	tom.NextRaw("live_visitor_gone", from)
	eventually(t, "gone from both nodes", func() bool {
		return len(a.h.LiveVisitors(func(int64) bool { return true })) == 0 && len(b.h.LiveVisitors(func(int64) bool { return true })) == 0
	})
	mu.Lock()
	defer mu.Unlock()
	if len(started) != 1 {
		t.Fatalf("the invitation started %d chats", len(started))
	}
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
