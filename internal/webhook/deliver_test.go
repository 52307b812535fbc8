package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
	"github.com/parleyhq/parley/internal/webhook"
)

// These tests run the real thing on a real database: the fan-out as a durable consumer of the
// event log, the delivery jobs in the job queue, HTTP to a receiver on loopback that checks every
// request with the Standard Webhooks reference library, as an outside receiver would.

// request is one request the receiver got.
type request struct {
	id, timestamp, signature string
	body                     []byte
	verified                 error // nil: the reference library accepted it
	status                   int   // what the receiver answered
	at                       time.Time
}

// receiver is a webhook receiver on loopback.
type receiver struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	secrets []string                   // verify with any of these
	answer  func(n int, id string) int // the status for the n-th request (1-based) carrying id
	perID   map[string]int
	got     []request
	changed chan struct{}
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t, perID: map[string]int{}, changed: make(chan struct{}, 1), answer: func(int, string) int { return 200 }}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	q := request{id: req.Header.Get("webhook-id"), timestamp: req.Header.Get("webhook-timestamp"),
		signature: req.Header.Get("webhook-signature"), body: body, at: time.Now()}
	q.verified = standardwebhooks.ErrNoMatchingSignature
	for _, s := range r.secrets {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			r.t.Errorf("receiver secret %q: %v", s, err)
			continue
		}
		if q.verified = wh.Verify(body, req.Header); q.verified == nil {
			break
		}
	}
	r.perID[q.id]++
	q.status = r.answer(r.perID[q.id], q.id)
	r.got = append(r.got, q)
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
	w.WriteHeader(q.status)
	_, _ = io.WriteString(w, `{"received":true}`)
}

func (r *receiver) trust(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = secrets
}

func (r *receiver) setAnswer(fn func(n int, id string) int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answer = fn
}

func (r *receiver) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// waitUntil waits until cond holds of the requests so far.
func (r *receiver) waitUntil(what string, cond func([]request) bool) []request {
	r.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		if got := r.requests(); cond(got) {
			return got
		}
		select {
		case <-r.changed:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			r.t.Fatalf("no %s within 30 s; got %d requests", what, len(r.requests()))
		}
	}
}

// successes are the requests answered 2xx, in order.
func successes(got []request) []request {
	var out []request
	for _, q := range got {
		if q.status >= 200 && q.status < 300 {
			out = append(out, q)
		}
	}
	return out
}

func envelopeOf(t *testing.T, q request) event.Envelope {
	t.Helper()
	var e event.Envelope
	if err := json.Unmarshal(q.body, &e); err != nil {
		t.Fatalf("body %s: %v", q.body, err)
	}
	return e
}

// wakeFeed stands in for the event feed: a commit wakes the job queue and the consumers.
type wakeFeed struct {
	mu    sync.Mutex
	wake  []func()
	event []event.Event
}

func (f *wakeFeed) Committed(_ context.Context, n event.Notice) {
	f.mu.Lock()
	wake := f.wake
	f.event = append(f.event, n.Events...)
	f.mu.Unlock()
	for _, w := range wake {
		w()
	}
}

type harness struct {
	t     *testing.T
	db    *store.DB
	svc   *webhook.Service
	admin *auth.User
	feed  *wakeFeed
}

// fast are options for tests: retries within milliseconds.
func fast() webhook.Options {
	return webhook.Options{AllowPrivate: true, Backoff: func(int) time.Duration { return 20 * time.Millisecond }, Timeout: 5 * time.Second}
}

func newHarness(t *testing.T, db *store.DB, o webhook.Options) *harness {
	t.Helper()
	ctx := t.Context()
	var id int64
	if err := db.Writer().QueryRowContext(ctx, `INSERT INTO users (email, name, role, password_hash, created_at, updated_at)
		VALUES ('owner@example.com', 'Owner', 'owner', 'x', 1, 1) RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, db: db, admin: &auth.User{ID: id, Name: "Owner", Role: auth.Owner}, feed: &wakeFeed{}}
	o.Repo, o.Feed = db, h.feed
	h.svc = webhook.NewService(o)
	q := jobs.New(db, jobs.Options{Node: "test", Workers: 4, Lease: 3 * time.Second, MaxSleep: 100 * time.Millisecond})
	q.Handle(webhook.SendKind, h.svc.Send)
	r := event.NewRunner(db, nil, event.RunnerOptions{Node: "test", Lease: 3 * time.Second, Poll: 50 * time.Millisecond},
		event.Consumer{Name: webhook.ConsumerName, Handle: h.svc.FanOut})
	h.feed.wake = []func(){q.Wake, r.Wake}
	runCtx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = q.Run(runCtx) })
	wg.Go(func() { r.Run(runCtx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	// A new consumer starts at the end of the log: events committed before it claimed its place
	// would not be read.
	h.eventually("the fan-out's place in the log", func() bool {
		var n int
		err := db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM event_consumers WHERE name = $1", webhook.ConsumerName).Scan(&n)
		return err == nil && n == 1
	})
	return h
}

// emit commits n team.changed events and returns their positions.
func (h *harness) emit(n int) []int64 {
	h.t.Helper()
	evs := make([]event.Event, n)
	for i := range evs {
		evs[i] = event.New(event.TeamChanged, map[string]int{"team_id": i + 1})
	}
	if err := h.db.Emit(h.t.Context(), store.Unit{Events: evs}); err != nil {
		h.t.Fatal(err)
	}
	h.feed.Committed(h.t.Context(), event.Notice{Events: evs, Position: event.Last(evs)})
	out := make([]int64, n)
	for i := range evs {
		out[i] = evs[i].Position
	}
	return out
}

func (h *harness) create(url string, types ...event.Type) (*webhook.Endpoint, string) {
	h.t.Helper()
	e, secret, err := h.svc.Create(h.t.Context(), h.admin, webhook.Input{URL: url, Description: "test receiver", EventTypes: types})
	if err != nil {
		h.t.Fatal(err)
	}
	return e, secret
}

func (h *harness) endpoint(id int64) *webhook.Endpoint {
	h.t.Helper()
	e, err := h.svc.Get(h.t.Context(), h.admin, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return e
}

func (h *harness) deliveries(id int64) []webhook.Delivery {
	h.t.Helper()
	list, err := h.svc.Deliveries(h.t.Context(), h.admin, webhook.DeliveryQuery{EndpointID: id, Limit: 200})
	if err != nil {
		h.t.Fatal(err)
	}
	return list
}

// eventually waits for cond, reading the database.
func (h *harness) eventually(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("no %s within 30 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The receiver fails the first three tries of every delivery; each delivery still arrives,
// verified by the reference library, with one webhook-id over all its tries, in position order:
// no event is sent before the one before it arrived. Events before the endpoint existed are not
// sent; the log shows every attempt with its status and the receiver's answer.
func TestDeliveriesArriveVerifiedInOrderThroughFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db, fast())
		rcv := newReceiver(t)
		rcv.setAnswer(func(n int, _ string) int {
			if n <= 3 {
				return http.StatusServiceUnavailable
			}
			return http.StatusOK
		})
		before := h.emit(1)
		ep, secret := h.create(rcv.srv.URL+"/hooks", event.TeamChanged)
		rcv.trust(secret)
		positions := h.emit(5)

		got := rcv.waitUntil("five deliveries", func(got []request) bool { return len(successes(got)) == 5 })
		for _, q := range got {
			if q.verified != nil {
				t.Fatalf("request %s does not verify: %v", q.id, q.verified)
			}
		}
		var ids []string
		for i, q := range successes(got) {
			e := envelopeOf(t, q)
			if e.Position != positions[i] || e.Type != event.TeamChanged || e.Position == before[0] {
				t.Fatalf("delivery %d is %+v, want position %d", i, e, positions[i])
			}
			if _, err := time.Parse(time.RFC3339, e.Timestamp); err != nil {
				t.Fatalf("timestamp %q: %v", e.Timestamp, err)
			}
			ids = append(ids, q.id)
		}
		// Every request of one delivery carries its webhook-id; four tries each; the tries of a
		// delivery all come before the first try of the next.
		if len(got) != 20 {
			t.Fatalf("%d requests, want 4 per delivery", len(got))
		}
		for i, q := range got {
			if want := ids[i/4]; q.id != want {
				t.Fatalf("request %d carries %s, want %s (deliveries interleaved or ids changed)", i, q.id, want)
			}
		}
		distinct := map[string]bool{}
		for _, id := range ids {
			distinct[id] = true
		}
		if len(distinct) != 5 {
			t.Fatalf("webhook-ids repeat across deliveries: %v", ids)
		}

		h.eventually("the log to show them delivered", func() bool {
			for _, d := range h.deliveries(ep.ID) {
				if d.State != webhook.Succeeded {
					return false
				}
			}
			return true
		})
		list := h.deliveries(ep.ID)
		if len(list) != 5 {
			t.Fatalf("%d deliveries logged", len(list))
		}
		d, attempts, err := h.svc.Delivery(t.Context(), h.admin, ep.ID, list[len(list)-1].ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.MessageID != ids[0] || d.Attempts != 4 || d.LastStatus != 200 || len(attempts) != 4 || d.Payload == "" {
			t.Fatalf("first delivery %+v with %d attempts", d, len(attempts))
		}
		for i, a := range attempts {
			want := 503
			if i == 3 {
				want = 200
			}
			if a.Attempt != i+1 || a.Status != want || a.ResponseBody != `{"received":true}` || a.RequestHeaders["webhook-id"] != d.MessageID ||
				!strings.HasPrefix(a.RequestHeaders["webhook-signature"], "v1,") || a.URL != rcv.srv.URL+"/hooks" {
				t.Fatalf("attempt %d: %+v", i+1, a)
			}
		}
		if e := h.endpoint(ep.ID); e.LastSuccessAt == 0 || e.FailingSince != 0 || !e.Active {
			t.Fatalf("endpoint after recovering: %+v", e)
		}
	})
}

// An endpoint subscribed to some types gets only those; one switched off gets nothing and, once
// switched on again, only what was committed after.
func TestTypesAndTheActiveSwitch(t *testing.T) {
	db := storetest.SQLite(t)
	h := newHarness(t, db, fast())
	rcv := newReceiver(t)
	ep, secret := h.create(rcv.srv.URL, event.LeadCreated)
	rcv.trust(secret)
	all, secretAll := h.create(rcv.srv.URL + "/all")
	rcv.trust(secret, secretAll)
	h.emit(2)
	lead := event.New(event.LeadCreated, map[string]int{"id": 9})
	if err := db.Emit(t.Context(), store.Unit{Events: []event.Event{lead}}); err != nil {
		t.Fatal(err)
	}
	h.feed.Committed(t.Context(), event.Notice{Position: lead.Position})
	rcv.waitUntil("three to /all and one to the lead endpoint", func(got []request) bool { return len(successes(got)) == 4 })
	if n := len(h.deliveries(ep.ID)); n != 1 {
		t.Fatalf("the lead endpoint has %d deliveries", n)
	}

	off := false
	if _, err := h.svc.Update(t.Context(), h.admin, all.ID, webhook.Patch{Active: &off}); err != nil {
		t.Fatal(err)
	}
	h.emit(1)
	on := true
	e, err := h.svc.Update(t.Context(), h.admin, all.ID, webhook.Patch{Active: &on})
	if err != nil || !e.Active {
		t.Fatalf("switch on: %+v, %v", e, err)
	}
	last := h.emit(1)
	got := rcv.waitUntil("the event after switching on", func(got []request) bool { return len(successes(got)) == 5 })
	if p := envelopeOf(t, got[len(got)-1]).Position; p != last[0] {
		t.Fatalf("after switching on, position %d arrived, want %d (the one in between was committed while off)", p, last[0])
	}
	if n := len(h.deliveries(all.ID)); n != 4 {
		t.Fatalf("/all has %d deliveries, want 4", n)
	}
}

// A receiver answering 410 Gone switches the endpoint off at once: its pending deliveries fail,
// webhook.disabled is committed, and nothing more is sent. Switched on again, "redeliver all
// failed since" sends them, in order, with their webhook-ids.
func TestGoneSwitchesOffAndRedeliveryRecovers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db, fast())
		rcv := newReceiver(t)
		rcv.setAnswer(func(int, string) int { return http.StatusGone })
		ep, secret := h.create(rcv.srv.URL)
		rcv.trust(secret)
		h.emit(3)
		h.eventually("the endpoint switched off", func() bool { return !h.endpoint(ep.ID).Active })
		e := h.endpoint(ep.ID)
		if e.DisabledReason != webhook.ReasonGone || e.DisabledAt == 0 {
			t.Fatalf("endpoint %+v", e)
		}
		list := h.deliveries(ep.ID)
		for _, d := range list {
			if d.State != webhook.Failed {
				t.Fatalf("after 410: %+v", d)
			}
		}
		if len(rcv.requests()) != 1 {
			t.Fatalf("%d requests after a 410, want 1", len(rcv.requests()))
		}
		evs, err := db.EventsAfter(t.Context(), 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var disabled *webhook.DisabledData
		for _, ev := range evs {
			if ev.Type == event.WebhookDisabled {
				disabled = &webhook.DisabledData{}
				_ = json.Unmarshal(ev.Data, disabled)
			}
		}
		if disabled == nil || disabled.WebhookID != ep.ID || disabled.Reason != webhook.ReasonGone {
			t.Fatalf("webhook.disabled: %+v", disabled)
		}
		if _, err := h.svc.RedeliverFailed(t.Context(), h.admin, ep.ID, 0); err == nil {
			t.Fatal("redelivered to a switched-off endpoint")
		}

		rcv.setAnswer(func(int, string) int { return http.StatusNoContent })
		on := true
		if _, err := h.svc.Update(t.Context(), h.admin, ep.ID, webhook.Patch{Active: &on}); err != nil {
			t.Fatal(err)
		}
		n, err := h.svc.RedeliverFailed(t.Context(), h.admin, ep.ID, list[len(list)-1].CreatedAt)
		if err != nil || n != 3 {
			t.Fatalf("redeliver: %d, %v", n, err)
		}
		got := successes(rcv.waitUntil("the redeliveries", func(got []request) bool { return len(successes(got)) == 3 }))
		for i, q := range got {
			if want := list[len(list)-1-i].MessageID; q.id != want || q.verified != nil {
				t.Fatalf("redelivery %d: id %s (want %s), verified %v", i, q.id, want, q.verified)
			}
		}
	})
}

// An endpoint without a success for the disable period (5 days; here a moment) is switched off
// and its pending deliveries are failed; one that gives a delivery up after its deadline stays on
// and goes on with the next.
func TestFailingEndpointIsSwitchedOff(t *testing.T) {
	db := storetest.SQLite(t)
	o := fast()
	o.DisableAfter = 400 * time.Millisecond
	h := newHarness(t, db, o)
	rcv := newReceiver(t)
	rcv.setAnswer(func(int, string) int { return http.StatusInternalServerError })
	ep, secret := h.create(rcv.srv.URL)
	rcv.trust(secret)
	h.emit(3)
	h.eventually("the endpoint switched off", func() bool { return !h.endpoint(ep.ID).Active })
	if e := h.endpoint(ep.ID); e.DisabledReason != webhook.ReasonFailing || e.FailingSince == 0 {
		t.Fatalf("endpoint %+v", e)
	}
	for _, d := range h.deliveries(ep.ID) {
		if d.State != webhook.Failed {
			t.Fatalf("pending after the switch-off: %+v", d)
		}
	}
	// Only the first was tried: the others waited behind it.
	ids := map[string]bool{}
	for _, q := range rcv.requests() {
		ids[q.id] = true
	}
	if len(ids) != 1 {
		t.Fatalf("%d deliveries tried while the first kept failing", len(ids))
	}
}

func TestDeliveryIsGivenUpAfterItsDeadline(t *testing.T) {
	db := storetest.SQLite(t)
	o := fast()
	o.GiveUpAfter = 2 * time.Second
	o.Backoff = func(int) time.Duration { return 100 * time.Millisecond }
	h := newHarness(t, db, o)
	rcv := newReceiver(t)
	rcv.setAnswer(func(int, string) int { return http.StatusBadGateway })
	ep, secret := h.create(rcv.srv.URL)
	rcv.trust(secret)
	h.emit(2)
	h.eventually("both given up", func() bool {
		list := h.deliveries(ep.ID)
		return len(list) == 2 && list[0].State == webhook.Failed && list[1].State == webhook.Failed
	})
	if e := h.endpoint(ep.ID); !e.Active {
		t.Fatalf("the endpoint was switched off: %+v", e)
	}
	rcv.setAnswer(func(int, string) int { return http.StatusAccepted })
	last := h.emit(1)
	got := rcv.waitUntil("the next event", func(got []request) bool { return len(successes(got)) == 1 })
	if p := envelopeOf(t, successes(got)[0]).Position; p != last[0] {
		t.Fatalf("delivered %d, want %d", p, last[0])
	}
}

// After a rotation both secrets sign for the overlap, then only the new one.
func TestRotationSignsWithBothSecretsForTheOverlap(t *testing.T) {
	db := storetest.SQLite(t)
	h := newHarness(t, db, fast())
	rcv := newReceiver(t)
	ep, old := h.create(rcv.srv.URL)
	e, fresh, err := h.svc.RotateSecret(t.Context(), h.admin, ep.ID)
	if err != nil || fresh == old || !strings.HasPrefix(fresh, "whsec_") || e.PreviousSecretUntil == 0 {
		t.Fatalf("rotate: %+v %q %v", e, fresh, err)
	}
	for _, trusted := range []string{old, fresh} {
		rcv.trust(trusted)
		h.emit(1)
		q := rcv.waitUntil("a delivery", func(got []request) bool { return len(got) > 0 && got[len(got)-1].status == 200 })
		last := q[len(q)-1]
		if last.verified != nil || len(strings.Fields(last.signature)) != 2 {
			t.Fatalf("during the overlap a receiver trusting one secret: %v, signature %q", last.verified, last.signature)
		}
		rcv.mu.Lock()
		rcv.got = nil
		rcv.mu.Unlock()
	}
	// The overlap ends.
	if _, err := db.Writer().ExecContext(t.Context(), "UPDATE webhook_secrets SET expires_at = 1 WHERE expires_at IS NOT NULL"); err != nil {
		t.Fatal(err)
	}
	rcv.trust(fresh)
	h.emit(1)
	q := rcv.waitUntil("a delivery after the overlap", func(got []request) bool { return len(got) > 0 })
	if q[0].verified != nil || len(strings.Fields(q[0].signature)) != 1 {
		t.Fatalf("after the overlap: %v, %q", q[0].verified, q[0].signature)
	}
}

// "Send test event" sends at once and logs the answer; a delivery is sent again on request with
// its webhook-id.
func TestTestEventAndRedeliveryOfOne(t *testing.T) {
	db := storetest.SQLite(t)
	h := newHarness(t, db, fast())
	rcv := newReceiver(t)
	ep, secret := h.create(rcv.srv.URL)
	rcv.trust(secret)
	d, a, err := h.svc.SendTest(t.Context(), h.admin, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != webhook.Succeeded || d.EventType != webhook.TestType || a.Status != 200 || a.DeliveryID != d.ID {
		t.Fatalf("test: %+v %+v", d, a)
	}
	got := rcv.requests()
	if len(got) != 1 || got[0].verified != nil || envelopeOf(t, got[0]).Type != webhook.TestType {
		t.Fatalf("the receiver got %+v", got)
	}
	if _, err := h.svc.Redeliver(t.Context(), h.admin, ep.ID, d.ID); err == nil {
		t.Fatal("a test event was redelivered")
	}

	h.emit(1)
	rcv.waitUntil("the event", func(got []request) bool { return len(got) == 2 })
	list := h.deliveries(ep.ID)
	h.eventually("succeeded", func() bool { return h.deliveries(ep.ID)[0].State == webhook.Succeeded })
	again, err := h.svc.Redeliver(t.Context(), h.admin, ep.ID, list[0].ID)
	if err != nil || again.State != webhook.Pending {
		t.Fatalf("redeliver: %+v, %v", again, err)
	}
	got = rcv.waitUntil("the redelivery", func(got []request) bool { return len(got) == 3 })
	if got[1].id != got[2].id || got[2].verified != nil {
		t.Fatalf("redelivery carries %s, first delivery %s", got[2].id, got[1].id)
	}
	h.eventually("two attempts", func() bool {
		_, as, err := h.svc.Delivery(t.Context(), h.admin, ep.ID, list[0].ID)
		return err == nil && len(as) == 2
	})
}

// The fan-out may read an event twice (at least once); the endpoint gets it once.
func TestFanOutIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		var id int64
		if err := db.Writer().QueryRowContext(ctx, `INSERT INTO users (email, name, role, password_hash, created_at, updated_at)
			VALUES ('o@example.com', 'O', 'owner', 'x', 1, 1) RETURNING id`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		svc := webhook.NewService(webhook.Options{Repo: db, AllowPrivate: true})
		admin := &auth.User{ID: id, Role: auth.Admin}
		ep, _, err := svc.Create(ctx, admin, webhook.Input{URL: "http://127.0.0.1:9/"})
		if err != nil {
			t.Fatal(err)
		}
		evs := []event.Event{event.New(event.TeamChanged, nil), event.New(event.UserUpdated, nil)}
		if err := db.Emit(ctx, store.Unit{Events: evs}); err != nil {
			t.Fatal(err)
		}
		read, err := db.EventsAfter(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if upTo, err := svc.FanOut(ctx, read); err != nil || upTo != evs[1].Position {
				t.Fatalf("fan-out: %d, %v", upTo, err)
			}
		}
		list, err := svc.Deliveries(ctx, admin, webhook.DeliveryQuery{EndpointID: ep.ID})
		if err != nil || len(list) != 2 {
			t.Fatalf("%d deliveries, %v", len(list), err)
		}
		// One job owns the endpoint's queue, however often it is kicked.
		var jobs int
		if err := db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM jobs WHERE kind = $1", webhook.SendKind).Scan(&jobs); err != nil || jobs != 1 {
			t.Fatalf("%d delivery jobs, %v", jobs, err)
		}
	})
}

// Only admins manage webhooks; URLs are checked when saved.
func TestManageRules(t *testing.T) {
	db := storetest.SQLite(t)
	svc := webhook.NewService(webhook.Options{Repo: db})
	agent := &auth.User{ID: 1, Role: auth.Agent}
	if _, _, err := svc.Create(t.Context(), agent, webhook.Input{URL: "https://example.com/"}); err == nil {
		t.Fatal("an agent made a webhook")
	}
	if _, err := svc.List(t.Context(), agent); err == nil {
		t.Fatal("an agent listed webhooks")
	}
	admin := &auth.User{ID: 1, Role: auth.Admin}
	for _, u := range []string{"https://10.0.0.1/", "http://169.254.169.254/", "https://[::1]/"} {
		if _, _, err := svc.Create(t.Context(), admin, webhook.Input{URL: u}); err == nil || !strings.Contains(err.Error(), "--webhooks-allow-private") {
			t.Fatalf("%s: %v", u, err)
		}
	}
	if _, _, err := svc.Create(t.Context(), admin, webhook.Input{URL: "https://example.com/", EventTypes: []event.Type{"no.such"}}); err == nil {
		t.Fatal("an unknown event type was accepted")
	}
}

// Events committed by many writers while the delivery job drains and stops, over and over: each
// arrives exactly once, in position order. (A delivery committed just as the job finds the queue
// empty must either be seen by it or start a new job.)
func TestEveryEventArrivesOnceWhileWritersRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db, fast())
		rcv := newReceiver(t)
		ep, secret := h.create(rcv.srv.URL)
		rcv.trust(secret)
		const writers, each = 8, 25
		var wg sync.WaitGroup
		for range writers {
			wg.Go(func() {
				for range each {
					e := event.New(event.TeamChanged, nil)
					if err := db.Emit(context.Background(), store.Unit{Events: []event.Event{e}}); err != nil {
						t.Error(err)
						return
					}
					h.feed.Committed(context.Background(), event.Notice{Position: e.Position})
				}
			})
		}
		wg.Wait()
		got := rcv.waitUntil("every event", func(got []request) bool { return len(got) >= writers*each })
		var last int64
		for i, q := range got {
			p := envelopeOf(t, q).Position
			if p <= last || q.verified != nil {
				t.Fatalf("request %d: position %d after %d (verified: %v)", i, p, last, q.verified)
			}
			last = p
		}
		h.eventually("the queue empty", func() bool {
			var pending int
			err := db.Reader().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM webhook_deliveries WHERE endpoint_id = $1 AND state <> 'succeeded'", ep.ID).Scan(&pending)
			return err == nil && pending == 0
		})
		if n := len(rcv.requests()); n != writers*each {
			t.Fatalf("%d requests for %d events", n, writers*each)
		}
	})
}

// A delivery waiting out a long back-off after a failure is tried at once on request ("try
// now"), once the receiver is fixed: the waiting job is made due.
func TestTryNowSkipsTheBackoff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o := fast()
		o.Backoff = func(int) time.Duration { return time.Hour }
		// "Try now" makes the waiting job due; should it land just before the job records its
		// wait, the job looks again after Recheck.
		o.Recheck = 3 * time.Second
		h := newHarness(t, db, o)
		rcv := newReceiver(t)
		rcv.setAnswer(func(int, string) int { return http.StatusInternalServerError })
		ep, secret := h.create(rcv.srv.URL)
		rcv.trust(secret)
		h.emit(2)
		rcv.waitUntil("the first try", func(got []request) bool { return len(got) == 1 })
		h.eventually("the failure recorded", func() bool {
			list := h.deliveries(ep.ID)
			return len(list) == 2 && list[1].Attempts == 1 && list[1].NextAttemptAt > 0
		})
		rcv.setAnswer(func(int, string) int { return http.StatusOK })
		head := h.deliveries(ep.ID)[1]
		d, err := h.svc.Redeliver(t.Context(), h.admin, ep.ID, head.ID)
		if err != nil || d.State != webhook.Pending {
			t.Fatalf("try now: %+v, %v", d, err)
		}
		got := rcv.waitUntil("both delivered", func(got []request) bool { return len(successes(got)) == 2 })
		if got[1].id != head.MessageID || got[1].verified != nil {
			t.Fatalf("the retry carries %s, want %s", got[1].id, head.MessageID)
		}
	})
}
