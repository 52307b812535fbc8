package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/wstest"
)

// Live access follows changes at once, on every node: an admin demoted to agent, an agent removed
// from an inbox, and the members of an inbox that turns private stop receiving what they may no
// longer see on their open sockets — on the other node, without reconnecting. Each case sends, after
// the change, a message the user may not see and then one they may (from the same node, so the
// two arrive in that order): the second arriving without the first shows the first was withheld.
func TestClusterAccessFollowsChanges(t *testing.T) {
	t.Parallel()
	c := startCluster(t, clusterUser{"owner", "owner"}, clusterUser{"adam", "admin"}, clusterUser{"ann", "agent"},
		clusterUser{"bob", "agent"})
	owner := c.signIn(c.a, "owner")
	adam, ann, bob := c.signIn(c.a, "adam"), c.signIn(c.a, "ann"), c.signIn(c.a, "bob")
	// Shop: private, Ann and Bob are members (Adam is not: he sees it as an admin). Blog: Adam and Ann.
	shopID, shopKey := clusterWebsite(owner.on(c.a), ann.id, bob.id)
	_, blogKey := clusterWebsite(owner.on(c.a), adam.id, ann.id)
	adamWS, annWS, bobWS := adam.socket(c.b), ann.socket(c.b), bob.socket(c.b) // all on node B

	// A shop conversation that Ann takes; everyone can see it come in.
	shopVisitor := newClusterVisitor(t, c.a, shopKey)
	sv, _ := shopVisitor.socket(c.a)
	sv.Send(map[string]string{"t": "send", "client_id": "s1", "body": "Shop question"})
	_, ack := sv.Next(0, 10*time.Second, "ack", func(e map[string]any) bool { return e["t"] == "ack" && e["client_id"] == "s1" })
	shopConv := num(ack["conversation_id"])
	ann.on(c.a).must(200, "POST", fmt.Sprintf("/api/v1/conversations/%d/assign", shopConv), map[string]any{"user_id": ann.id})
	adamWS.Next(0, 10*time.Second, "the assignment, seen by the admin", clusterBoth(clusterConv(shopConv), clusterAssignedTo(ann.id)))

	blogVisitor := newClusterVisitor(t, c.a, blogKey)
	bv, _ := blogVisitor.socket(c.a)
	n := 0
	marker := func() string { // a message in the blog's unassigned conversation, sent over node A
		n++
		body := fmt.Sprintf("Blog marker %d", n)
		bv.Send(map[string]string{"t": "send", "client_id": fmt.Sprintf("b%d", n), "body": body})
		return body
	}
	resync := func(ws *wstest.Conn, from int, who string) {
		t.Helper()
		ws.Next(from, 10*time.Second, who+"'s resync", func(e map[string]any) bool { return e["t"] == "resync" })
	}
	withheld := func(ws *wstest.Conn, from int, who, secret, seen string) {
		t.Helper()
		i, _ := ws.Next(from, 10*time.Second, who+" gets "+seen, hasMessage(seen))
		for _, e := range ws.Events()[from:i] {
			if hasMessage(secret)(e) {
				t.Fatalf("%s still received %q after the change: %v", who, secret, e)
			}
		}
	}

	// 1. Adam, admin, is made an agent (on node A): his socket on B stops getting the shop.
	from := len(adamWS.Events())
	owner.on(c.a).must(200, "PATCH", fmt.Sprintf("/api/v1/users/%d", adam.id), map[string]any{"role": "agent"})
	resync(adamWS, from, "Adam")
	ann.on(c.a).must(201, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", shopConv), map[string]any{"body": "For members only"})
	withheld(adamWS, from, "Adam (demoted)", "For members only", marker())

	// 2. Ann is removed from the blog (on node B): her socket stops getting the blog's conversation.
	from = len(annWS.Events())
	owner.on(c.b).must(200, "PUT", fmt.Sprintf("/api/v1/inboxes/%d/members", num(clusterInboxOf(t, owner.on(c.a), blogKey))),
		map[string]any{"user_ids": []int64{adam.id}})
	resync(annWS, from, "Ann")
	secret := marker()
	ann.on(c.a).must(201, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", shopConv), map[string]any{"body": "Still Ann's"})
	withheld(annWS, from, "Ann (removed from the blog)", secret, "Still Ann's")

	// 3. The shop turns shared, Bob sees Ann's conversation; it turns private again (on node A):
	// Bob's socket stops getting it.
	owner.on(c.a).must(200, "PATCH", fmt.Sprintf("/api/v1/inboxes/%d", shopID), map[string]any{"visibility": "shared"})
	from = len(bobWS.Events())
	ann.on(c.a).must(201, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", shopConv), map[string]any{"body": "Shared now"})
	bobWS.Next(from, 10*time.Second, "Bob gets the shared conversation", hasMessage("Shared now"))
	from = len(bobWS.Events())
	owner.on(c.a).must(200, "PATCH", fmt.Sprintf("/api/v1/inboxes/%d", shopID), map[string]any{"visibility": "private"})
	resync(bobWS, from, "Bob")
	ann.on(c.a).must(201, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", shopConv), map[string]any{"body": "Private again"})
	// Bob is no member of the blog: his marker is a new shop conversation, unassigned.
	other := newClusterVisitor(t, c.a, shopKey)
	ov, _ := other.socket(c.a)
	ov.Send(map[string]string{"t": "send", "client_id": "o1", "body": "Another shop visitor"})
	withheld(bobWS, from, "Bob (inbox made private)", "Private again", "Another shop visitor")
}

// clusterInboxOf finds the website's inbox id by its key.
func clusterInboxOf(t *testing.T, a *api, key string) any {
	t.Helper()
	list := a.must(200, "GET", "/api/v1/websites", nil)["websites"].([]any)
	for _, w := range list {
		if m := w.(map[string]any); m["public_key"] == key {
			return m["id"]
		}
	}
	t.Fatalf("no website with key %s", key)
	return nil
}
