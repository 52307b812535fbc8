package main

import (
	"context"
	"database/sql"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/loadgen"
	"github.com/parleyhq/parley/internal/storetest"
)

// Nothing acknowledged is lost: the load generator sends through real sockets while `parley serve`
// is killed with SIGKILL and started again on the same data and port. Every send whose ack arrived
// must be in the database exactly once (sends cut off by the kill are sent again with the same
// client id, as the widget does, and must not be stored twice), and every stored message must
// reach an agent socket, live or through the agent's resume and folder refetch after reconnecting.

func TestDurabilitySQLite(t *testing.T) {
	dir := t.TempDir()
	durability(t, []string{"--data", dir}, func() (*sql.DB, error) {
		return sql.Open("sqlite", "file:"+filepath.Join(dir, "parley.db")+"?_pragma=busy_timeout(10000)")
	})
}

func TestDurabilityPostgres(t *testing.T) {
	db := storetest.PostgresDatabase(t)
	durability(t, []string{"--database", db}, func() (*sql.DB, error) { return sql.Open("pgx", db) })
}

func durability(t *testing.T, storage []string, openDB func() (*sql.DB, error)) {
	const password = "correct horse battery"
	code, _, errOut := parley(t, password+"\n", nil,
		append([]string{"user", "create", "--email", "owner@example.com", "--name", "Owner", "--role", "owner"}, storage...)...)
	if code != 0 {
		t.Fatalf("user create: %s", errOut)
	}
	// A fixed port, so the restarted server is where the clients reconnect to. The visitors send
	// distinct X-Forwarded-For addresses: per-IP limits then apply per visitor.
	args := append(append([]string{}, storage...), "--addr", freeLoopbackAddr(t), "--trusted-proxies", "127.0.0.1", "--secret-key", testSecretKey)
	s := startServer(t, nil, args...)

	// 200 visitors at 200 msg/s: one message a second each, within the per-visitor limit.
	o := loadgen.Defaults()
	o.URL, o.OwnerEmail, o.OwnerPassword = s.url, "owner@example.com", password
	o.Visitors, o.Agents, o.Rate, o.Duration = 200, 2, 200, 8*time.Second
	o.Concurrency, o.Settle, o.Drain = 16, 0, 25*time.Second
	o.Verify, o.Reconnect = true, true
	logs := &testLog{t: t}
	defer logs.stop()
	l, err := loadgen.New(o, logs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	type outcome struct {
		res *loadgen.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := l.Run(ctx)
		done <- outcome{res, err}
	}()

	// Kill the server about 3 s into the 8-s schedule, while sends are on their way.
	const killAt = 600
	select {
	case <-l.WhenAcked(killAt):
	case out := <-done:
		t.Fatalf("the load ended before %d acks (%d): %v; server stderr:\n%s", killAt, l.Acked(), out.err, s.errs)
	case <-time.After(60 * time.Second):
		t.Fatalf("no %d acks within 60 s (%d)", killAt, l.Acked())
	}
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not die on SIGKILL")
	}
	ackedAtKill := l.Acked()
	t.Logf("SIGKILL after %d acks", ackedAtKill)
	s2 := startServer(t, nil, args...)
	if s2.url != s.url {
		t.Fatalf("restarted on %s, not %s", s2.url, s.url)
	}

	var out outcome
	select {
	case out = <-done:
	case <-time.After(90 * time.Second):
		t.Fatal("the load did not finish within 90 s of the restart")
	}
	if out.res != nil {
		var report strings.Builder
		out.res.Print(&report, o)
		t.Log(report.String())
	}
	if out.err != nil {
		t.Fatalf("load: %v", out.err)
	}
	res := out.res
	if !res.Verified {
		t.Fatal("the logs were not verified")
	}
	if res.AckedNotStored != 0 || res.StoredTwice != 0 {
		t.Errorf("acknowledged but not stored: %d; stored more than once: %d", res.AckedNotStored, res.StoredTwice)
	}
	if res.StoredNotDelivered != 0 || res.AckedNotDelivered != 0 {
		t.Errorf("stored but not delivered to an agent: %d; acknowledged but not delivered: %d", res.StoredNotDelivered, res.AckedNotDelivered)
	}
	// The clients came back and the restarted server took sends.
	if res.Acked <= ackedAtKill || res.VisitorReconnects == 0 || res.AgentReconnects < int64(o.Agents) {
		t.Errorf("after the restart: %d acks (%d at the kill), %d visitor and %d agent reconnects",
			res.Acked, ackedAtKill, res.VisitorReconnects, res.AgentReconnects)
	}
	s2.stop()

	// The database itself, read directly once the server has stopped: each acknowledged client id
	// is stored once, and each stored one reached an agent.
	db, err := openDB()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT client_id, COUNT(*) FROM messages WHERE client_id LIKE 'lg-%' GROUP BY client_id`)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		stored[id] = n
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	acked := l.AcknowledgedIDs()
	var missing, twice, undelivered []string
	for _, id := range acked {
		switch stored[id] {
		case 0:
			missing = append(missing, id)
		case 1:
		default:
			twice = append(twice, id)
		}
	}
	for id := range stored {
		if !l.Delivered(id) {
			undelivered = append(undelivered, id)
		}
	}
	if len(missing) > 0 || len(twice) > 0 || len(undelivered) > 0 {
		t.Errorf("in the database: acknowledged but missing %v; stored more than once %v; stored but never delivered %v", head(missing), head(twice), head(undelivered))
	}
	if int64(len(stored)) != res.StoredRun {
		t.Errorf("the database holds %d of the run's client ids, the API showed %d", len(stored), res.StoredRun)
	}
	t.Logf("database: %d of the run's messages stored, %d acknowledged (%d at the kill); %d in flight at the kill, %d of them already stored",
		len(stored), len(acked), ackedAtKill, res.CutOff, res.CutOffFoundStored)
}

// freeLoopbackAddr is a loopback address with a port that was free a moment ago.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func head(ids []string) []string {
	if len(ids) > 20 {
		return append(ids[:20:20], "…")
	}
	return ids
}

// testLog passes the load generator's progress lines to the test log until the test ends (its
// reconnecting goroutines may outlive Run by a moment).
type testLog struct {
	mu sync.Mutex
	t  *testing.T
}

func (w *testLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.t != nil {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testLog) stop() {
	w.mu.Lock()
	w.t = nil
	w.mu.Unlock()
}
