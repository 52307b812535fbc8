package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/parleyhq/parley/internal/openapitest"
	"github.com/parleyhq/parley/internal/storetest"
	"github.com/parleyhq/parley/internal/testenv"
)

// Webhooks and the event log against real `parley serve` processes.

// hookReceiver is a webhook receiver on loopback that verifies every request with the Standard
// Webhooks reference library.
type hookReceiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	secret string
	got    []hookRequest
	hold   chan struct{} // while open, requests wait (their sender is killed meanwhile)
	arrive chan struct{}
}

type hookRequest struct {
	id       string
	body     string
	verified error
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{t: t, arrive: make(chan struct{}, 100)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		openapitest.CheckWebhook(t, req, body)
		r.mu.Lock()
		wh, err := standardwebhooks.NewWebhook(r.secret)
		q := hookRequest{id: req.Header.Get("webhook-id"), body: string(body), verified: err}
		if err == nil {
			q.verified = wh.Verify(body, req.Header)
		}
		r.got = append(r.got, q)
		hold := r.hold
		r.mu.Unlock()
		r.arrive <- struct{}{}
		if hold != nil {
			select {
			case <-hold:
			case <-req.Context().Done():
			}
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) requests() []hookRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hookRequest(nil), r.got...)
}

func (r *hookReceiver) wait(what string, d time.Duration, cond func([]hookRequest) bool) []hookRequest {
	r.t.Helper()
	deadline := time.After(d)
	for {
		if got := r.requests(); cond(got) {
			return got
		}
		select {
		case <-r.arrive:
		case <-deadline:
			r.t.Fatalf("no %s within %s; got %d requests", what, d, len(r.requests()))
		}
	}
}

// SIGKILL of the server while a delivery is in flight: after the restart the delivery is sent
// again, with the same webhook-id, and verifies.
func TestWebhookDeliveredAfterSIGKILLSQLite(t *testing.T) {
	webhookAfterKill(t, []string{"--data", t.TempDir()})
}

func TestWebhookDeliveredAfterSIGKILLPostgres(t *testing.T) {
	webhookAfterKill(t, []string{"--database", storetest.PostgresDatabase(t)})
}

func webhookAfterKill(t *testing.T, storage []string) {
	if code, _, errOut := parley(t, "correct horse battery\n", nil,
		append([]string{"user", "create", "--email", "owner@example.com", "--name", "Owner", "--role", "owner"}, storage...)...); code != 0 {
		t.Fatalf("user create: %s", errOut)
	}
	args := append(append([]string{}, storage...), "--addr", freeLoopbackAddr(t), "--secret-key", testSecretKey, "--webhooks-allow-private")
	s := startServer(t, nil, args...)
	owner := &api{t: t, base: s.url, c: browser(t)}
	owner.must(200, "POST", "/api/v1/session", map[string]string{"email": "owner@example.com", "password": "correct horse battery"})

	rcv := newHookReceiver(t)
	// A private address literal is refused unless the server allows it; this one does.
	created := owner.must(201, "POST", "/api/v1/webhooks", map[string]any{"url": rcv.srv.URL + "/in", "event_types": []string{"team.changed"}})
	rcv.mu.Lock()
	rcv.secret = created["secret"].(string)
	rcv.hold = make(chan struct{})
	rcv.mu.Unlock()

	owner.must(201, "POST", "/api/v1/teams", map[string]any{"name": "Support"})
	first := rcv.wait("the delivery", 30*time.Second, func(got []hookRequest) bool { return len(got) == 1 })[0]
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not die on SIGKILL")
	}
	rcv.mu.Lock()
	close(rcv.hold)
	rcv.hold = nil
	rcv.mu.Unlock()

	// The killed node's lease on the job runs out (30 s), then the restarted node sends it again.
	s2 := startServer(t, nil, args...)
	got := rcv.wait("the delivery after the restart", 90*time.Second, func(got []hookRequest) bool { return len(got) >= 2 })
	again := got[1]
	if first.verified != nil || again.verified != nil {
		t.Fatalf("verification: before the kill %v, after %v", first.verified, again.verified)
	}
	if again.id != first.id || again.body != first.body || !strings.Contains(again.body, `"type":"team.changed"`) {
		t.Fatalf("after the restart: id %s body %s; before: id %s body %s", again.id, again.body, first.id, first.body)
	}
	owner = &api{t: t, base: s2.url, c: browser(t)}
	owner.must(200, "POST", "/api/v1/session", map[string]string{"email": "owner@example.com", "password": "correct horse battery"})
	id := num(created["webhook"].(map[string]any)["id"])
	clusterEventually(t, 10*time.Second, 50*time.Millisecond, "the delivery logged as succeeded", func() bool {
		list := owner.must(200, "GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", id), nil)["deliveries"].([]any)
		return len(list) == 1 && list[0].(map[string]any)["state"] == "succeeded"
	})
	s2.stop()
}

// The event log returns every event of a busy stretch exactly once across pages while writers
// run: visitors write, conversations start, admins make teams, and a reader pages through the log
// with small pages meanwhile and to the end afterwards. On PostgreSQL the writers use two nodes.
func TestEventLogPagesWhileWritersRunSQLite(t *testing.T) {
	dir := t.TempDir()
	createUsers(t, []string{"--data", dir})
	s := startServer(t, nil, "--data", dir, "--trusted-proxies", "127.0.0.1", "--visitor-ip-limit", "50")
	eventLogWhileWriting(t, s, s)
}

func TestEventLogPagesWhileWritersRunPostgres(t *testing.T) {
	db := storetest.PostgresDatabase(t)
	nats := testenv.NATSURL(t)
	createUsers(t, []string{"--database", db})
	common := []string{"--database", db, "--nats", nats, "--secret-key", testSecretKey, "--trusted-proxies", "127.0.0.1", "--visitor-ip-limit", "50"}
	a, b := startServer(t, nil, common...), startServer(t, nil, common...)
	eventLogWhileWriting(t, a, b)
}

func createUsers(t *testing.T, storage []string) {
	t.Helper()
	for _, u := range []struct{ email, role string }{{"owner@example.com", "owner"}, {"member@example.com", "agent"}, {"outsider@example.com", "agent"}} {
		if code, _, errOut := parley(t, "correct horse battery\n", nil, append([]string{"user", "create", "--email", u.email,
			"--name", strings.Split(u.email, "@")[0], "--role", u.role}, storage...)...); code != 0 {
			t.Fatal(errOut)
		}
	}
}

func signedIn(t *testing.T, s *server, email string) (*api, int64) {
	t.Helper()
	a := &api{t: t, base: s.url, c: browser(t)}
	me := a.must(200, "POST", "/api/v1/session", map[string]string{"email": email, "password": "correct horse battery"})
	return a, num(me["user"].(map[string]any)["id"])
}

// page reads the event log after a position; it returns the positions and types read.
func logPage(a *api, after int64, limit int, types string) (positions []int64, typ []string, next int64, more bool) {
	a.t.Helper()
	q := fmt.Sprintf("/api/v1/event-log?after=%d&limit=%d", after, limit)
	if types != "" {
		q += "&types=" + types
	}
	out := a.must(200, "GET", q, nil)
	for _, e := range out["events"].([]any) {
		m := e.(map[string]any)
		positions = append(positions, num(m["position"]))
		typ = append(typ, m["type"].(string))
	}
	return positions, typ, num(out["next_after"]), out["more"] == true
}

// readAll pages from after to the end of the log.
func readAll(a *api, after int64, limit int, types string) (positions []int64, typ []string) {
	for {
		p, ty, next, more := logPage(a, after, limit, types)
		positions, typ = append(positions, p...), append(typ, ty...)
		after = next
		if !more {
			return positions, typ
		}
	}
}

func eventLogWhileWriting(t *testing.T, a, b *server) {
	owner, _ := signedIn(t, a, "owner@example.com")
	ownerB, _ := signedIn(t, b, "owner@example.com")
	_, memberID := signedIn(t, a, "member@example.com")
	site := owner.must(201, "POST", "/api/v1/websites", map[string]any{"name": "Shop", "allowed_domains": []string{"shop.example"}})["website"].(map[string]any)
	owner.must(200, "PUT", fmt.Sprintf("/api/v1/inboxes/%d/members", num(site["id"])), map[string]any{"user_ids": []int64{memberID}})
	key := site["public_key"].(string)
	start, _, _, _ := logPage(owner, 0, 1000, "")
	from := start[len(start)-1]

	stop := make(chan struct{})
	var writers sync.WaitGroup
	for i := range 12 {
		node := a
		if i%2 == 1 {
			node = b
		}
		writers.Go(func() {
			v := &api{t: t, base: node.url, c: client(t),
				header: http.Header{"User-Agent": {clusterUA}, "X-Forwarded-For": {fmt.Sprintf("203.0.113.%d", i+1)}}}
			sess := v.must(201, "POST", "/widget/v1/"+key+"/session", map[string]string{"page_url": "https://shop.example/"})
			v.header.Set("Authorization", "Visitor "+sess["token"].(string))
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				if code, out := v.call("POST", "/widget/v1/"+key+"/messages", map[string]string{"body": fmt.Sprintf("m%d", n), "client_id": fmt.Sprintf("v%d-%d", i, n)}); code != 201 && code != 429 {
					t.Errorf("visitor %d send: %d %v", i, code, out)
					return
				}
			}
		})
	}
	writers.Go(func() {
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			ownerB.must(201, "POST", "/api/v1/teams", map[string]any{"name": fmt.Sprintf("Team %d", n)})
		}
	})

	// The reader pages while they write, with a small page so it crosses many page boundaries.
	var seen []int64
	after := from
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		p, _, next, _ := logPage(owner, after, 7, "")
		seen = append(seen, p...)
		after = next
	}
	close(stop)
	writers.Wait()
	rest, _ := readAll(owner, after, 7, "")
	seen = append(seen, rest...)

	all, _ := readAll(owner, from, 1000, "")
	if len(all) < 100 {
		t.Fatalf("only %d events written; the writers did not run", len(all))
	}
	if len(seen) != len(all) {
		t.Fatalf("paging while writing saw %d events, the log holds %d after position %d", len(seen), len(all), from)
	}
	for i := range all {
		if seen[i] != all[i] || (i > 0 && all[i] != all[i-1]+1) || (i == 0 && all[0] != from+1) {
			t.Fatalf("position %d: paged %d, log %d (previous %d): an event was skipped, repeated or out of order", i, seen[i], all[i], all[max(i-1, 0)])
		}
	}
	t.Logf("%d events after position %d, read exactly once in pages of 7 while written", len(all), from)
}

// Each user sees what they may: the owner everything; an agent who works in the private website
// its conversations (until one is assigned to someone else) and its contacts; an agent who does
// not, none of them; everyone the teams and users. types= filters; webhooks are for admins only.
func TestEventLogShowsWhatEachMaySee(t *testing.T) {
	dir := t.TempDir()
	createUsers(t, []string{"--data", dir})
	s := startServer(t, nil, "--data", dir)
	owner, _ := signedIn(t, s, "owner@example.com")
	member, memberID := signedIn(t, s, "member@example.com")
	outsider, _ := signedIn(t, s, "outsider@example.com")

	site := owner.must(201, "POST", "/api/v1/websites", map[string]any{"name": "Shop", "allowed_domains": []string{"shop.example"}})["website"].(map[string]any)
	owner.must(200, "PUT", fmt.Sprintf("/api/v1/inboxes/%d/members", num(site["id"])), map[string]any{"user_ids": []int64{memberID}})
	v := &api{t: t, base: s.url, c: client(t), header: http.Header{"User-Agent": {clusterUA}}}
	sess := v.must(201, "POST", "/widget/v1/"+site["public_key"].(string)+"/session", map[string]string{"page_url": "https://shop.example/"})
	v.header.Set("Authorization", "Visitor "+sess["token"].(string))
	v.must(201, "POST", "/widget/v1/"+site["public_key"].(string)+"/messages", map[string]string{"body": "Hello", "client_id": "c1"})
	owner.must(201, "POST", "/api/v1/teams", map[string]any{"name": "Sales"})

	types := func(a *api, filter string) map[string]int {
		_, ty := readAll(a, 0, 3, filter)
		out := map[string]int{}
		for _, x := range ty {
			out[x]++
		}
		return out
	}
	all, mine, theirs := types(owner, ""), types(member, ""), types(outsider, "")
	for _, typ := range []string{"conversation.created", "message.created", "inbox.created", "inbox.access_changed", "team.changed"} {
		if all[typ] == 0 {
			t.Errorf("the owner does not see %s: %v", typ, all)
		}
	}
	for _, typ := range []string{"conversation.created", "message.created", "inbox.created", "team.changed"} {
		if mine[typ] != all[typ] {
			t.Errorf("the member sees %d %s of %d: %v", mine[typ], typ, all[typ], mine)
		}
	}
	for _, typ := range []string{"conversation.created", "message.created", "inbox.created", "inbox.access_changed", "contact.created", "contact.updated"} {
		if theirs[typ] != 0 {
			t.Errorf("the outsider sees %s of a private website they do not work in: %v", typ, theirs)
		}
	}
	if theirs["team.changed"] != all["team.changed"] {
		t.Errorf("the outsider does not see the teams: %v", theirs)
	}
	if only := types(member, "message.created"); len(only) != 1 || only["message.created"] == 0 {
		t.Errorf("types=message.created gives %v", only)
	}
	if code, out := member.call("GET", "/api/v1/event-log?types=no.such", nil); code != 400 {
		t.Errorf("unknown type: %d %v", code, out)
	}
	if code, _ := member.call("GET", "/api/v1/webhooks", nil); code != 403 {
		t.Errorf("an agent lists webhooks: %d", code)
	}
	for _, u := range []string{"https://10.0.0.1/hook", "http://169.254.169.254/latest/meta-data/", "https://[::1]/hook"} {
		code, out := owner.call("POST", "/api/v1/webhooks", map[string]any{"url": u})
		if code != 400 || out["error"].(map[string]any)["code"] != "url_private" {
			t.Errorf("%s: %d %v", u, code, out)
		}
	}
}
