package main

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/storetest"
	"github.com/parleyhq/parley/internal/testenv"
	"github.com/parleyhq/parley/internal/wstest"
)

// Cluster tests: two `parley serve` processes, node A and node B, on one PostgreSQL database and
// one external NATS, as behind a load balancer without sticky sessions. Sessions, conversations
// and their logs live in the database; events and presence cross nodes through NATS.

const clusterPassword = "correct horse battery"

// cluster is two nodes sharing one database and one NATS.
type cluster struct {
	t      *testing.T
	a, b   *server
	exited map[*server]bool // its exit has been collected from done
}

// clusterUser is a user created from the shell before the nodes start; the email is name@example.com.
type clusterUser struct{ name, role string }

func startCluster(t *testing.T, users ...clusterUser) *cluster {
	t.Helper()
	db := storetest.PostgresDatabase(t)
	nats := testenv.NATSURL(t)
	clusterSpreadIDs(t, db)
	for _, u := range users {
		code, _, errOut := parley(t, clusterPassword+"\n", nil, "user", "create", "--database", db,
			"--email", u.name+"@example.com", "--name", u.name, "--role", u.role)
		if code != 0 {
			t.Fatalf("user create %s: %s", u.name, errOut)
		}
	}
	c := &cluster{t: t, exited: map[*server]bool{}}
	c.a = startServer(t, nil, "--database", db, "--nats", nats, "--secret-key", testSecretKey)
	c.b = startServer(t, nil, "--database", db, "--nats", nats, "--secret-key", testSecretKey)
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		// The logs are read once the processes are gone (their stderr is written until then).
		for _, s := range []*server{c.a, c.b} {
			c.kill(s)
		}
		t.Logf("node A stderr:\n%s\nnode B stderr:\n%s", c.a.errs, c.b.errs)
	})
	return c
}

// clusterSpreadIDs starts every id sequence of the database at a random offset. All cluster tests
// (and the tests of other packages) share the one NATS, and the bus subjects name no installation:
// without this, another test's node holding user 2 would make our user 2 available, and its
// conversation 1 would reach our agents and our visitor as if it were ours.
func clusterSpreadIDs(t *testing.T, dbURL string) {
	t.Helper()
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	base := (1 + rand.Int64N(1<<20)) << 20 // 2^20 .. 2^40: far apart, and exact as JSON numbers
	_, err = db.Exec(fmt.Sprintf(`DO $$ DECLARE r record; BEGIN
		FOR r IN SELECT schemaname, sequencename FROM pg_sequences WHERE data_type = 'bigint'::regtype LOOP
			PERFORM setval(format('%%I.%%I', r.schemaname, r.sequencename)::regclass, %d, false);
		END LOOP; END $$`, base))
	if err != nil {
		t.Fatalf("spread ids: %v", err)
	}
}

// stop ends node s with SIGTERM and requires a clean exit.
func (c *cluster) stop(s *server) {
	c.t.Helper()
	c.exited[s] = true
	s.stop()
}

// kill ends node s with SIGKILL, as a crash or a pulled plug would, and waits until it is gone.
func (c *cluster) kill(s *server) {
	c.t.Helper()
	if c.exited[s] {
		return
	}
	c.exited[s] = true
	_ = s.cmd.Process.Kill()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		c.t.Fatal("node did not die on SIGKILL")
	}
}

// clusterAgent is a signed-in user; the session cookie is valid on every node.
type clusterAgent struct {
	t      *testing.T
	id     int64
	cookie string
}

// signIn logs the user in on node s.
func (c *cluster) signIn(s *server, name string) *clusterAgent {
	c.t.Helper()
	a := &api{t: c.t, base: s.url, c: browser(c.t)}
	me := a.must(200, "POST", "/api/v1/session", map[string]string{"email": name + "@example.com", "password": clusterPassword})
	u, _ := url.Parse(s.url)
	cookies := a.c.Jar.Cookies(u)
	if len(cookies) == 0 {
		c.t.Fatalf("login of %s on %s set no cookie", name, s.url)
	}
	return &clusterAgent{t: c.t, id: num(me["user"].(map[string]any)["id"]), cookie: cookies[0].Name + "=" + cookies[0].Value}
}

// on is an API client for the user on node s.
func (ag *clusterAgent) on(s *server) *api {
	return &api{t: ag.t, base: s.url, c: client(ag.t), header: http.Header{"Cookie": {ag.cookie}}}
}

// socket opens the user's event socket on node s and waits for its hello, available.
func (ag *clusterAgent) socket(s *server) *wstest.Conn {
	ag.t.Helper()
	ws := wstest.Dial(ag.t, "ws://"+strings.TrimPrefix(s.url, "http://")+"/api/v1/events", http.Header{"Cookie": {ag.cookie}, "Origin": {s.url}})
	ws.Next(0, 10*time.Second, "hello", func(e map[string]any) bool { return e["t"] == "hello" && e["available"] == true })
	return ws
}

// clusterVisitor is a visitor of one website; the token is valid on every node.
type clusterVisitor struct {
	t          *testing.T
	key, token string
}

const clusterUA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

func newClusterVisitor(t *testing.T, s *server, key string) *clusterVisitor {
	t.Helper()
	a := &api{t: t, base: s.url, c: client(t), header: http.Header{"User-Agent": {clusterUA}}}
	sess := a.must(201, "POST", "/widget/v1/"+key+"/session", map[string]string{"page_url": "https://shop.example/", "page_title": "Shop"})
	return &clusterVisitor{t: t, key: key, token: sess["token"].(string)}
}

// on is the widget's HTTP client for the visitor on node s.
func (v *clusterVisitor) on(s *server) *api {
	return &api{t: v.t, base: s.url, c: client(v.t),
		header: http.Header{"User-Agent": {clusterUA}, "Authorization": {"Visitor " + v.token}}}
}

// socket opens the visitor's socket on node s, authenticates and returns it with its ready frame.
func (v *clusterVisitor) socket(s *server) (*wstest.Conn, map[string]any) {
	v.t.Helper()
	ws := wstest.Dial(v.t, "ws://"+strings.TrimPrefix(s.url, "http://")+"/widget/v1/"+v.key+"/ws",
		http.Header{"Origin": {s.url}, "User-Agent": {clusterUA}})
	ws.Send(map[string]string{"t": "auth", "token": v.token})
	_, ready := ws.Next(0, 10*time.Second, "ready", func(e map[string]any) bool { return e["t"] == "ready" })
	return ws, ready
}

// clusterWebsite creates a private website (the default) with these members and returns its id and key.
func clusterWebsite(owner *api, members ...int64) (int64, string) {
	owner.t.Helper()
	site := owner.must(201, "POST", "/api/v1/websites", map[string]any{"name": "Shop", "allowed_domains": []string{"shop.example"}})["website"].(map[string]any)
	id := num(site["id"])
	owner.must(200, "PUT", fmt.Sprintf("/api/v1/inboxes/%d/members", id), map[string]any{"user_ids": members})
	return id, site["public_key"].(string)
}

// clusterConv matches a conversation frame (agent or visitor) of conversation id.
func clusterConv(id int64) func(map[string]any) bool {
	return func(e map[string]any) bool {
		c, _ := e["conversation"].(map[string]any)
		return e["t"] == "conversation" && c != nil && num(c["id"]) == id
	}
}

func clusterBoth(p, q func(map[string]any) bool) func(map[string]any) bool {
	return func(e map[string]any) bool { return p(e) && q(e) }
}

func clusterAssignedTo(userID int64) func(map[string]any) bool {
	return func(e map[string]any) bool {
		c, _ := e["conversation"].(map[string]any)
		return c != nil && num(c["assignee_id"]) == userID
	}
}

func clusterHidden(id int64) func(map[string]any) bool {
	return func(e map[string]any) bool { return e["t"] == "hidden" && num(e["conversation_id"]) == id }
}

// clusterSeqs lists the seqs of the entries of conversation id in these events, in arrival order.
func clusterSeqs(events []map[string]any, id int64) []int64 {
	var out []int64
	for _, e := range events {
		if !clusterConv(id)(e) {
			continue
		}
		msgs, _ := e["messages"].([]any)
		for _, m := range msgs {
			out = append(out, num(m.(map[string]any)["seq"]))
		}
	}
	return out
}

func clusterSeqRun(from, to int64) []int64 {
	var out []int64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

// clusterPresence is GET /api/v1/presence as a map from user to available.
func clusterPresence(a *api) map[int64]bool {
	a.t.Helper()
	out := a.must(200, "GET", "/api/v1/presence", nil)
	got := map[int64]bool{}
	online, _ := out["online"].([]any)
	for _, o := range online {
		m := o.(map[string]any)
		got[num(m["user_id"])] = m["available"] == true
	}
	return got
}

// clusterEventually polls cond every interval until it holds or d has passed, and returns how long it took.
func clusterEventually(t *testing.T, d, interval time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline.C:
			if cond() {
				return time.Since(start)
			}
			t.Fatalf("%s: not within %s", what, d)
		}
	}
	return time.Since(start)
}

// TestClusterVisitorAndAgentOnDifferentNodes: the visitor is on node A, the agent on node B; the
// message, the reply, typing, assignments and availability all cross between them.
func TestClusterVisitorAndAgentOnDifferentNodes(t *testing.T) {
	t.Parallel()
	c := startCluster(t, clusterUser{"owner", "owner"}, clusterUser{"ann", "agent"}, clusterUser{"bob", "agent"})
	owner := c.signIn(c.a, "owner")
	// Both agents sign in on B; Bob's socket goes to A with that cookie (sessions are in the database).
	ann := c.signIn(c.b, "ann")
	bob := c.signIn(c.b, "bob")
	_, key := clusterWebsite(owner.on(c.a), ann.id, bob.id)

	annWS := ann.socket(c.b)
	bobWS := bob.socket(c.a)

	// Availability crosses nodes in both directions through the heartbeats.
	took := clusterEventually(t, 15*time.Second, 50*time.Millisecond, "node A lists Ann (socket on B) as available", func() bool { return clusterPresence(owner.on(c.a))[ann.id] })
	t.Logf("node A saw Ann available after %s", took)
	took = clusterEventually(t, 15*time.Second, 50*time.Millisecond, "node B lists Bob (socket on A) as available", func() bool { return clusterPresence(owner.on(c.b))[bob.id] })
	t.Logf("node B saw Bob available after %s", took)

	visitor := newClusterVisitor(t, c.a, key)
	vWS, ready := visitor.socket(c.a)
	if n := num(ready["agents_available"]); n != 2 {
		t.Fatalf("ready on A counts %d available agents, want 2 (Ann on B and Bob on A): %v", n, ready)
	}

	// The visitor writes over A; Ann on B receives it live, and so does Bob on A.
	vWS.Send(map[string]string{"t": "send", "client_id": "v1", "body": "Hello from node A"})
	_, ack := vWS.Next(0, 10*time.Second, "ack", func(e map[string]any) bool { return e["t"] == "ack" && e["client_id"] == "v1" })
	convID := num(ack["conversation_id"])
	_, got := annWS.Next(0, 10*time.Second, "the visitor's message on B", hasMessage("Hello from node A"))
	if conv := got["conversation"].(map[string]any); num(conv["id"]) != convID || conv["status"] != "open" || conv["assignee_id"] != nil {
		t.Fatalf("Ann got %v, want conversation %d, open and unassigned", conv, convID)
	}
	bobWS.Next(0, 10*time.Second, "the visitor's message on A", hasMessage("Hello from node A"))

	// Typing crosses too.
	vWS.Send(map[string]any{"t": "typing", "on": true})
	annWS.Next(0, 10*time.Second, "the visitor typing", func(e map[string]any) bool {
		return e["t"] == "typing" && e["from"] == "visitor" && num(e["conversation_id"]) == convID
	})

	// Ann replies through B's API: the visitor on A sees her join, then the reply; in the private
	// inbox the chat leaves Bob's view on A.
	ann.on(c.b).must(201, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", convID), map[string]string{"body": "Hi, Ann here", "client_id": "a1"})
	vWS.Next(0, 10*time.Second, "joined", hasEvent("joined"))
	vWS.Next(0, 10*time.Second, "the reply", hasMessage("Hi, Ann here"))
	bobWS.Next(0, 10*time.Second, "the chat hidden from Bob", clusterHidden(convID))

	// Ann hands it to Bob from B: Bob's socket on A gets it, the visitor on A sees the assignment,
	// and it leaves Ann's view on B.
	na, nb, nv := len(annWS.Events()), len(bobWS.Events()), len(vWS.Events())
	out := ann.on(c.b).must(200, "POST", fmt.Sprintf("/api/v1/conversations/%d/assign", convID), map[string]any{"user_id": bob.id})
	if num(out["conversation"].(map[string]any)["assignee_id"]) != bob.id {
		t.Fatalf("assign answered %v", out)
	}
	bobWS.Next(nb, 10*time.Second, "the chat assigned to Bob on A", clusterBoth(clusterConv(convID), clusterBoth(clusterAssignedTo(bob.id), hasEvent("assigned"))))
	vWS.Next(nv, 10*time.Second, "the assignment on A", hasEvent("assigned"))
	annWS.Next(na, 10*time.Second, "the chat hidden from Ann on B", clusterHidden(convID))

	// The owner, on B, gives it back to Unassigned: everyone sees it, on both nodes.
	na, nb, nv = len(annWS.Events()), len(bobWS.Events()), len(vWS.Events())
	owner.on(c.b).must(200, "POST", fmt.Sprintf("/api/v1/conversations/%d/assign", convID), map[string]any{})
	vWS.Next(nv, 10*time.Second, "the unassignment on A", hasEvent("unassigned"))
	bobWS.Next(nb, 10*time.Second, "the unassigned chat on A", clusterBoth(clusterConv(convID), clusterBoth(clusterAssignedTo(0), hasEvent("unassigned"))))
	annWS.Next(na, 10*time.Second, "the unassigned chat on B", clusterBoth(clusterConv(convID), clusterBoth(clusterAssignedTo(0), hasEvent("unassigned"))))

	// The visitor on A saw each entry once, in order, though all but the first were written on B.
	if got, want := clusterSeqs(vWS.Events(), convID), clusterSeqRun(1, 5); !slices.Equal(got, want) {
		t.Fatalf("visitor on A got seqs %v, want %v", got, want)
	}

	c.stop(c.a)
	c.stop(c.b)
}

// TestClusterResumeOnOtherNode: an agent and a visitor lose their sockets on node A, the
// conversation goes on through node B, and each resumes on B with exactly what they missed.
func TestClusterResumeOnOtherNode(t *testing.T) {
	t.Parallel()
	c := startCluster(t, clusterUser{"owner", "owner"}, clusterUser{"ann", "agent"})
	owner := c.signIn(c.b, "owner")
	ann := c.signIn(c.a, "ann")
	_, key := clusterWebsite(owner.on(c.b), ann.id)
	// The owner's socket on B tells when B has delivered an event to its sockets: a socket opened
	// on B after that cannot also receive it live, so what it gets on resume is all it gets.
	ownerWS := owner.socket(c.b)
	annWS := ann.socket(c.a)

	visitor := newClusterVisitor(t, c.a, key)
	vWS, _ := visitor.socket(c.a)
	vWS.Send(map[string]string{"t": "send", "client_id": "v1", "body": "Hello"})
	_, got := annWS.Next(0, 10*time.Second, "the visitor's message", hasMessage("Hello"))
	convID := num(got["conversation"].(map[string]any)["id"])
	ann.on(c.a).must(201, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", convID), map[string]string{"body": "Hi there", "client_id": "a1"})
	annWS.Next(0, 10*time.Second, "the reply on Ann's socket", hasMessage("Hi there"))
	vWS.Next(0, 10*time.Second, "the reply on the visitor's socket", hasMessage("Hi there"))
	agentSeqs, visitorSeqs := clusterSeqs(annWS.Events(), convID), clusterSeqs(vWS.Events(), convID)
	if !slices.Equal(agentSeqs, clusterSeqRun(1, 3)) || !slices.Equal(visitorSeqs, clusterSeqRun(1, 3)) {
		t.Fatalf("before the drop: agent has seqs %v, visitor %v; want 1..3 (message, joined, reply)", agentSeqs, visitorSeqs)
	}
	last := agentSeqs[len(agentSeqs)-1]
	visitorLast := visitorSeqs[len(visitorSeqs)-1]

	// Both sockets on A drop.
	for _, ws := range []*wstest.Conn{annWS, vWS} {
		ws.Close()
		if !ws.WaitClosed(10 * time.Second) {
			t.Fatal("socket did not close")
		}
	}

	// Meanwhile the visitor writes three times through B's HTTP widget API.
	for i := 1; i <= 3; i++ {
		out := visitor.on(c.b).must(201, "POST", "/widget/v1/"+key+"/messages", map[string]string{"client_id": fmt.Sprintf("m%d", i), "body": fmt.Sprintf("missed %d", i)})
		m := out["messages"].([]any)[0].(map[string]any)
		if num(m["seq"]) != last+int64(i) {
			t.Fatalf("message %d stored at seq %d, want %d", i, num(m["seq"]), last+int64(i))
		}
	}
	ownerWS.Next(0, 10*time.Second, "the last missed message on B", hasMessage("missed 3"))

	// Ann comes back on B and resumes from the last seq she had.
	annWS = ann.socket(c.b)
	from := len(annWS.Events())
	annWS.Send(map[string]any{"t": "resume", "cursors": map[string]int64{fmt.Sprint(convID): last}})
	_, res := annWS.Next(from, 10*time.Second, "the resumed conversation", clusterConv(convID))
	if got, want := clusterSeqs([]map[string]any{res}, convID), clusterSeqRun(last+1, last+3); !slices.Equal(got, want) {
		t.Fatalf("resume gave seqs %v, want %v: %v", got, want, res)
	}
	for i, m := range res["messages"].([]any) {
		if body := m.(map[string]any)["body"]; body != fmt.Sprintf("missed %d", i+1) {
			t.Fatalf("resumed entry %d is %q", i, body)
		}
	}
	// Live delivery goes on where the resume ended: a reply written on A is the next thing she gets.
	ann.on(c.a).must(201, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", convID), map[string]string{"body": "Back again", "client_id": "a2"})
	annWS.Next(from, 10*time.Second, "the live reply after resuming", hasMessage("Back again"))
	if got, want := clusterSeqs(annWS.Events()[from:], convID), clusterSeqRun(last+1, last+4); !slices.Equal(got, want) {
		t.Fatalf("agent got seqs %v after reconnecting, want %v (no gap, no duplicate)", got, want)
	}

	// An internal note, then the visitor comes back on B too and resumes from its last seq.
	ann.on(c.b).must(201, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", convID), map[string]any{"body": "internal only", "note": true, "client_id": "n1"})
	ownerWS.Next(0, 10*time.Second, "the note on B", hasMessage("internal only"))
	vWS, _ = visitor.socket(c.b)
	from = len(vWS.Events())
	vWS.Send(map[string]any{"t": "resume", "seq": visitorLast})
	_, res = vWS.Next(from, 10*time.Second, "the visitor's resumed conversation", clusterConv(convID))
	if got, want := clusterSeqs([]map[string]any{res}, convID), clusterSeqRun(visitorLast+1, visitorLast+4); !slices.Equal(got, want) {
		t.Fatalf("visitor resume gave seqs %v, want %v (the note at %d withheld): %v", got, want, visitorLast+5, res)
	}
	if conv := res["conversation"].(map[string]any); num(conv["last_seq"]) != visitorLast+5 {
		t.Fatalf("visitor's conversation last_seq %v, want %d", conv["last_seq"], visitorLast+5)
	}
	ann.on(c.a).must(201, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", convID), map[string]string{"body": "And one more", "client_id": "a3"})
	vWS.Next(from, 10*time.Second, "the live reply after the visitor resumed", hasMessage("And one more"))
	want := append(clusterSeqRun(visitorLast+1, visitorLast+4), visitorLast+6)
	if got := clusterSeqs(vWS.Events()[from:], convID); !slices.Equal(got, want) {
		t.Fatalf("visitor got seqs %v after reconnecting, want %v", got, want)
	}
	for _, e := range vWS.Events() {
		if hasMessage("internal only")(e) {
			t.Fatal("the visitor received the internal note")
		}
	}
}

// TestClusterDeadNodeAgentExpires: node A dies without a word (SIGKILL) while it holds the agent's
// only socket. Node B must stop counting the agent as available once A's heartbeats run out,
// without waiting for a goodbye that never comes.
func TestClusterDeadNodeAgentExpires(t *testing.T) {
	t.Parallel()
	c := startCluster(t, clusterUser{"owner", "owner"}, clusterUser{"ann", "agent"})
	owner := c.signIn(c.b, "owner")
	ann := c.signIn(c.a, "ann")
	_, key := clusterWebsite(owner.on(c.b), ann.id)
	ownerWS := owner.socket(c.b)
	ann.socket(c.a)

	visitor := newClusterVisitor(t, c.a, key)
	vWS, _ := visitor.socket(c.a)
	vWS.Send(map[string]string{"t": "send", "client_id": "v1", "body": "Anyone there?"})
	_, got := ownerWS.Next(0, 10*time.Second, "the visitor's message on B", hasMessage("Anyone there?"))
	convID := num(got["conversation"].(map[string]any)["id"])

	// Before: B sees Ann available, and she can be given the chat.
	clusterEventually(t, 15*time.Second, 50*time.Millisecond, "node B lists Ann (socket on A) as available", func() bool { return clusterPresence(owner.on(c.b))[ann.id] })
	assign := fmt.Sprintf("/api/v1/conversations/%d/assign", convID)
	owner.on(c.b).must(200, "POST", assign, map[string]any{"user_id": ann.id})
	owner.on(c.b).must(200, "POST", assign, map[string]any{})

	from := len(ownerWS.Events())
	killed := time.Now()
	c.kill(c.a)
	// The visitor's socket on A is gone with it.
	select {
	case <-vWS.Closed():
	case <-time.After(10 * time.Second):
		t.Fatal("the visitor's socket on A stayed open after A died")
	}

	// After: within A's heartbeat TTL (30 s; the grace period ran on A, which is dead), B no longer
	// counts her.
	took := clusterEventually(t, 45*time.Second, 250*time.Millisecond, "node B drops Ann after node A died", func() bool { return !clusterPresence(owner.on(c.b))[ann.id] })
	t.Logf("node B dropped Ann %s after node A was killed", took.Round(100*time.Millisecond))
	code, out := owner.on(c.b).call("POST", assign, map[string]any{"user_id": ann.id})
	if e, _ := out["error"].(map[string]any); code != 409 || e["code"] != "assignee_unavailable" {
		t.Fatalf("assign to Ann after node A died: %d %v, want 409 assignee_unavailable", code, out)
	}
	// B's agents are told, by the next expiry sweep after the TTL.
	ownerWS.Next(from, 55*time.Second-time.Since(killed), "Ann's presence change on B", func(e map[string]any) bool {
		return e["t"] == "presence" && num(e["user_id"]) == ann.id && e["available"] == false
	})
	t.Logf("node B's sockets were told %s after the kill", time.Since(killed).Round(100*time.Millisecond))

	// The visitor carries on through B.
	vWS, _ = visitor.socket(c.b)
	vWS.Send(map[string]string{"t": "send", "client_id": "v2", "body": "Still here"})
	ownerWS.Next(from, 10*time.Second, "the visitor's message through B", hasMessage("Still here"))
	c.stop(c.b)
}
