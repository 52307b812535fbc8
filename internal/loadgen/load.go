package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// What became of message i. A message is acknowledged only by its ack frame; one whose socket
// closed before the ack is "not acknowledged", never "lost": it may or may not have been stored,
// which --verify finds out.
const (
	msgNotDue     int32 = iota // the run ended before it was due
	msgQueued                  // due while its visitor's socket was down: waits for the reconnect
	msgWritten                 // written to the socket, no answer yet
	msgAcked                   // acknowledged
	msgRefused                 // answered with an error frame
	msgNotSent                 // due while its visitor's socket was closed (no --reconnect)
	msgUnanswered              // written to a socket that closed before the ack (no --reconnect)
)

// Load is one run of the load generator.
type Load struct {
	o    Options
	log  io.Writer
	tr   *http.Transport
	base time.Time // fixed at New; now() counts from base + origin
	body []byte    // the message text as a JSON string

	// origin is the schedule's start, in ns after base; set once when sending starts.
	origin atomic.Int64
	// runCtx ends every socket goroutine (reconnects, catch-ups) when Run returns.
	runCtx context.Context

	// Per message i (client id "lg-i"), allocated in New and never reallocated (socket read loops
	// index them at any time): when it is due (ns after origin), what became of it, the latency of
	// its first arrival on an agent socket (0 until then), how often it was written, whether a socket
	// closed under it, and whether its visitor then found it stored.
	sched       []int64
	state       []atomic.Int32
	firstLat    []atomic.Int64
	writes      []atomic.Int32
	cutOff      []atomic.Bool
	foundStored []atomic.Bool

	acks, delivered, deliveries, agentFrames atomic.Int64
	deliveredOnReconnect                     atomic.Int64
	warmAcks                                 atomic.Int64
	visitorCloses, visitorResyncs            atomic.Int64
	visitorReconnects                        atomic.Int64
	agentResyncs, agentReconnects            atomic.Int64
	agentResumes, agentGaps                  atomic.Int64
	catchingUp                               atomic.Int64 // agents reconnecting or catching up
	ackHist, fanHist                         histogram
	errMu                                    sync.Mutex
	errCodes                                 map[string]int
	waitMu                                   sync.Mutex
	waiters                                  []ackWaiter
}

type ackWaiter struct {
	n  int64
	ch chan struct{}
}

// New checks the options and prepares a run; log receives progress lines.
func New(o Options, log io.Writer) (*Load, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	total := o.scheduled()
	l := &Load{o: o, log: log, base: time.Now(),
		tr: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        256,
			MaxIdleConnsPerHost: 256,
			IdleConnTimeout:     30 * time.Second,
		},
		sched: make([]int64, total), state: make([]atomic.Int32, total), firstLat: make([]atomic.Int64, total),
		writes: make([]atomic.Int32, total), cutOff: make([]atomic.Bool, total), foundStored: make([]atomic.Bool, total)}
	l.body, _ = json.Marshal(o.Body)
	if total > 0 {
		// A little head start so the first messages are not born late.
		offset := int64(50 * time.Millisecond)
		interval := float64(time.Second) / o.Rate
		for i := range l.sched {
			l.sched[i] = offset + int64(float64(i)*interval)
		}
	}
	return l, nil
}

// Acked is how many of the run's messages have been acknowledged so far.
func (l *Load) Acked() int64 { return l.acks.Load() }

// WhenAcked returns a channel that is closed once n messages have been acknowledged.
func (l *Load) WhenAcked(n int64) <-chan struct{} {
	ch := make(chan struct{})
	l.waitMu.Lock()
	defer l.waitMu.Unlock()
	if l.acks.Load() >= n {
		close(ch)
	} else {
		l.waiters = append(l.waiters, ackWaiter{n, ch})
	}
	return ch
}

func (l *Load) noteAck() {
	l.waitMu.Lock()
	defer l.waitMu.Unlock()
	n := l.acks.Add(1)
	l.waiters = slices.DeleteFunc(l.waiters, func(w ackWaiter) bool {
		if n >= w.n {
			close(w.ch)
			return true
		}
		return false
	})
}

// AcknowledgedIDs are the client ids of the messages acknowledged so far.
func (l *Load) AcknowledgedIDs() []string {
	var ids []string
	for i := range l.state {
		if l.state[i].Load() == msgAcked {
			ids = append(ids, clientID(i))
		}
	}
	return ids
}

// Delivered tells whether the message with this client id reached an agent socket.
func (l *Load) Delivered(id string) bool {
	n, ok := parseClientID([]byte(id))
	return ok && strings.HasPrefix(id, "lg-") && n < len(l.firstLat) && l.firstLat[n].Load() > 0
}

func clientID(i int) string { return "lg-" + strconv.Itoa(i) }

// now is ns since the schedule's origin (before it: since New).
func (l *Load) now() int64 { return int64(time.Since(l.base)) - l.origin.Load() }

func (l *Load) countError(code string) {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	if l.errCodes == nil {
		l.errCodes = map[string]int{}
	}
	l.errCodes[code]++
}

func (l *Load) logf(format string, a ...any) {
	fmt.Fprintf(l.log, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, a...)...)
}

func (l *Load) newClient(base, xff string) *client { return newClient(l.tr, base, xff) }

// Result is what the run measured.
type Result struct {
	Mode               string             `json:"mode"`
	Visitors           int                `json:"visitors_requested"`
	SessionsCreated    int                `json:"sessions_created"`
	SessionsPerSec     float64            `json:"sessions_per_s"`
	VisitorsOpen       int                `json:"visitor_sockets_open"`
	SocketsPerSec      float64            `json:"visitor_sockets_per_s"`
	OpenErrors         map[string]int     `json:"open_errors,omitempty"`
	AgentsOpen         int                `json:"agent_sockets_open"`
	RSSBefore          int64              `json:"rss_before_kb"`
	RSSAfterOpen       int64              `json:"rss_after_open_kb"`
	RSSEnd             int64              `json:"rss_end_kb"`
	RSSPerConnKB       float64            `json:"rss_growth_per_visitor_kb"`
	HeapPerConnKB      float64            `json:"heap_inuse_growth_per_visitor_kb"`
	StackPerConnKB     float64            `json:"stack_inuse_growth_per_visitor_kb"`
	GoroutinesPerConn  float64            `json:"goroutines_per_visitor"`
	Metrics0           map[string]float64 `json:"metrics_before,omitempty"`
	Metrics1           map[string]float64 `json:"metrics_after_open,omitempty"`
	HoldSeconds        float64            `json:"hold_s,omitempty"`
	WriteBytes         int64              `json:"server_storage_write_bytes,omitempty"`
	PGMeasured         bool               `json:"pg_measured"`
	PGCommits          int64              `json:"pg_xact_commit_delta"`
	PGCommitsPerSec    float64            `json:"pg_xact_commit_per_s"`
	PGRows             int64              `json:"pg_rows_written_delta"`
	PGRowsPerSec       float64            `json:"pg_rows_written_per_s"`
	Rate               float64            `json:"rate_per_s,omitempty"`
	SendSeconds        float64            `json:"send_s,omitempty"`
	Scheduled          int                `json:"scheduled"`
	SendLagMax         time.Duration      `json:"schedule_lag_max_ns"`
	Acked              int64              `json:"acknowledged"`
	Delivered          int64              `json:"delivered"`
	Deliveries         int64              `json:"deliveries_all_agents"`
	AgentFrames        int64              `json:"agent_frames"`
	Stored             int64              `json:"stored"`
	StoredNote         string             `json:"stored_note,omitempty"`
	AckedNotStored     int                `json:"acked_not_stored"`
	Verified           bool               `json:"verified"`
	Errors             map[string]int     `json:"errors,omitempty"`
	VisitorCloses      int64              `json:"visitor_sockets_closed"`
	VisitorResyncs     int64              `json:"visitor_resyncs"`
	AgentResyncs       int64              `json:"agent_resyncs"`
	AgentReconnects    int64              `json:"agent_reconnects"`
	P50, P90, P99, Max time.Duration      `json:"-"`
	P999               time.Duration      `json:"-"`
	FanP50, FanP99     time.Duration      `json:"-"`
	AckP50, AckP99     time.Duration      `json:"-"`
	Latency            map[string]float64 `json:"latency_ms,omitempty"`
	DeliveredPerSec    float64            `json:"delivered_per_s"`
	AckedPerSec        float64            `json:"acked_per_s"`
	ServerCPUSeconds   float64            `json:"server_cpu_s"`
	ServerCores        float64            `json:"server_cores_busy"`
	ForcedGC           bool               `json:"forced_gc"`
	Timeline           []second           `json:"timeline,omitempty"`
	WarmedUp           bool               `json:"warmed_up"`
	ClientCPU          string             `json:"client_cpu,omitempty"`
	LoadAvg            string             `json:"loadavg"`

	// What became of the messages that were not acknowledged (they add up to Scheduled - Acked).
	Reconnect  bool  `json:"reconnect"`
	NotAcked   int64 `json:"not_acknowledged"`
	Unanswered int64 `json:"not_acknowledged_unanswered"` // written; the socket closed (or the run ended) before an answer
	NotSent    int64 `json:"not_acknowledged_not_sent"`   // due while the visitor's socket was closed
	Refused    int64 `json:"not_acknowledged_refused"`    // answered by an error frame (see Errors)
	NotDue     int64 `json:"not_acknowledged_not_due"`    // the run was cut short before they were due
	// Sends cut off by a closing socket: written, and the socket closed before their ack. With
	// --reconnect they are sent again with the same client id; some were already stored (their ack
	// was lost with the socket), as the visitor's log on reconnecting shows.
	CutOff             int64 `json:"in_flight_when_socket_closed"`
	CutOffFoundStored  int64 `json:"in_flight_found_stored_on_reconnect"`
	CutOffAckedOnRetry int64 `json:"in_flight_acknowledged_on_resend"`
	Resent             int64 `json:"resent"`
	VisitorReconnects  int64 `json:"visitor_reconnects"`
	AgentResumes       int64 `json:"agent_resume_frames"`
	AgentGaps          int64 `json:"agent_gaps"`
	// Delivery: messages that first reached an agent on a socket opened again after a close.
	DeliveredOnReconnect int64 `json:"delivered_on_reconnected_socket"`
	AckedNotDelivered    int64 `json:"acked_not_delivered"`
	// With --verify: this run's client ids found in the logs, each counted once.
	StoredRun          int64 `json:"stored_run_messages"`
	StoredTwice        int   `json:"stored_more_than_once"`
	StoredNotAcked     int   `json:"stored_not_acknowledged"`
	StoredNotDelivered int   `json:"stored_not_delivered"`
}

// Run runs the load and reports what it measured. A result may come with an error.
func (l *Load) Run(ctx context.Context) (*Result, error) {
	o := l.o
	runCtx, stopSockets := context.WithCancel(ctx)
	defer stopSockets()
	l.runCtx = runCtx
	defer l.tr.CloseIdleConnections()
	res := &Result{Mode: "messages", Visitors: o.Visitors, Rate: o.Rate, Reconnect: o.Reconnect}
	if o.Idle {
		res.Mode = "idle"
		res.Rate = 0
	}
	res.LoadAvg = loadAvg()
	base, err := url.Parse(o.URL)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("--url %q is not a URL", o.URL)
	}
	wsBase := "ws://" + base.Host
	if base.Scheme == "https" {
		wsBase = "wss://" + base.Host
	}
	stamp := strconv.FormatInt(time.Now().UnixMilli(), 36)
	// Agents may be on another node (--agent-url): their messages then cross NATS.
	agentURL, agentWS := o.URL, wsBase
	if o.AgentURL != "" {
		au, err := url.Parse(o.AgentURL)
		if err != nil || au.Host == "" {
			return nil, fmt.Errorf("--agent-url %q is not a URL", o.AgentURL)
		}
		agentURL, agentWS = strings.TrimRight(o.AgentURL, "/"), "ws://"+au.Host
		if au.Scheme == "https" {
			agentWS = "wss://" + au.Host
		}
	}

	// The owner sets the stage: a website, the agents, membership.
	owner := l.newClient(o.URL, "")
	if _, err := owner.signIn(ctx, o.OwnerEmail, o.OwnerPassword); err != nil {
		return nil, err
	}
	site, err := owner.createWebsite(ctx, "load "+stamp, base.Hostname())
	if err != nil {
		return nil, err
	}
	l.logf("website %d (%s), allowed domain %s", site.ID, site.PublicKey, base.Hostname())
	type agentAccount struct{ email, password string }
	var accounts []agentAccount
	if o.AgentEmails != "" {
		for _, e := range strings.Split(o.AgentEmails, ",") {
			accounts = append(accounts, agentAccount{strings.TrimSpace(e), o.AgentPassword})
		}
	} else {
		for i := range o.Agents {
			accounts = append(accounts, agentAccount{fmt.Sprintf("load-%s-%d@load.invalid", stamp, i), "load-" + stamp + "-agent-password"})
		}
	}
	var ids []int64
	agentClients := make([]*client, len(accounts))
	for i, a := range accounts {
		// Each agent signs in from an address of its own: the sign-in limit is per IP.
		agentClients[i] = l.newClient(agentURL, fmt.Sprintf("10.254.%d.%d", i/250, i%250+1))
		if o.AgentEmails == "" {
			if _, err := owner.createAgent(ctx, a.email, fmt.Sprintf("Load agent %d", i), a.password); err != nil {
				return nil, err
			}
		}
		id, err := agentClients[i].signIn(ctx, a.email, a.password)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := owner.setMembers(ctx, site.ID, ids); err != nil {
		return nil, err
	}
	// The final count reads the logs from --url, as the first agent (a member, so it sees them).
	counter := agentClients[0]
	if agentURL != o.URL {
		counter = l.newClient(o.URL, "10.254.255.1")
		if _, err := counter.signIn(ctx, accounts[0].email, accounts[0].password); err != nil {
			return nil, err
		}
	}

	// Agents' sockets.
	agents := make([]*agentSock, len(accounts))
	for i, c := range agentClients {
		a := &agentSock{l: l, idx: i, wsBase: agentWS, api: c, inboxID: site.ID,
			header:  http.Header{"Cookie": {c.cookieHeader()}, "Origin": {agentURL}},
			cursors: map[int64]int64{}, asked: map[int64]gapAsk{}, moved: make(chan struct{}, 1)}
		if _, err := a.dial(); err != nil {
			return nil, fmt.Errorf("agent socket %d: %w", i, err)
		}
		agents[i] = a
	}
	defer func() {
		for _, a := range agents {
			a.current().conn.NetConn().Close()
		}
	}()
	for _, a := range agents {
		select {
		case <-a.current().hello:
		case <-time.After(10 * time.Second):
			return nil, fmt.Errorf("agent socket %d: no hello within 10 s", a.idx)
		}
	}
	res.AgentsOpen = len(agents)
	l.logf("%d agents connected", len(agents))
	for _, a := range agents {
		go a.keepOpen(runCtx)
	}

	time.Sleep(time.Second)
	l.forceGC(ctx)
	res.RSSBefore = rssKB(o.PID)
	res.Metrics0 = owner.metrics(ctx)

	// Visitors: a session each, then a socket each, with a bounded pool.
	visitors, err := l.openVisitors(ctx, site.PublicKey, wsBase, res)
	defer func() {
		for _, v := range visitors {
			v.stop()
		}
	}()
	if err != nil {
		return res, err
	}
	time.Sleep(o.Settle)
	res.ForcedGC = l.forceGC(ctx)
	res.RSSAfterOpen = rssKB(o.PID)
	res.Metrics1 = owner.metrics(ctx)
	if n := float64(res.VisitorsOpen); n > 0 {
		if res.RSSBefore > 0 {
			res.RSSPerConnKB = float64(res.RSSAfterOpen-res.RSSBefore) / n
		}
		if res.Metrics0 != nil && res.Metrics1 != nil {
			res.HeapPerConnKB = (res.Metrics1["go_memstats_heap_inuse_bytes"] - res.Metrics0["go_memstats_heap_inuse_bytes"]) / 1024 / n
			res.StackPerConnKB = (res.Metrics1["go_memstats_stack_inuse_bytes"] - res.Metrics0["go_memstats_stack_inuse_bytes"]) / 1024 / n
			res.GoroutinesPerConn = (res.Metrics1["go_goroutines"] - res.Metrics0["go_goroutines"]) / n
		}
	}
	l.logf("server RSS %d kB before visitors, %d kB with %d visitor sockets", res.RSSBefore, res.RSSAfterOpen, res.VisitorsOpen)

	if !o.Idle && o.Warmup {
		l.warmup(ctx, visitors)
		res.WarmedUp = true
	}
	pg := openPG(o.PGURL, l)
	if pg != nil {
		defer pg.Close()
	}
	pg0 := readPG(ctx, pg)
	io0 := writeBytes(o.PID)
	t0 := time.Now()
	cpu0, srvCPU0 := processCPU(), serverCPU(o.PID)

	if o.Idle {
		l.logf("holding %d visitor and %d agent sockets open for %s", res.VisitorsOpen, len(agents), o.Duration)
		select {
		case <-ctx.Done():
		case <-time.After(o.Duration):
		}
	} else {
		l.send(ctx, visitors, res)
	}
	elapsed := time.Since(t0)
	res.HoldSeconds = elapsed.Seconds()
	if pg0.ok {
		if pg1 := readPG(ctx, pg); pg1.ok {
			span := time.Since(t0).Seconds()
			res.PGCommits, res.PGRows = pg1.commits-pg0.commits, pg1.rows-pg0.rows
			res.PGCommitsPerSec, res.PGRowsPerSec = float64(res.PGCommits)/span, float64(res.PGRows)/span
			res.PGMeasured = true
		}
	}
	if io0 >= 0 {
		res.WriteBytes = writeBytes(o.PID) - io0
	}
	res.ClientCPU = fmt.Sprintf("%.1f s CPU over %.1f s (%.0f%% of one core)", (processCPU() - cpu0).Seconds(), elapsed.Seconds(),
		100*(processCPU()-cpu0).Seconds()/elapsed.Seconds())
	res.RSSEnd = rssKB(o.PID)
	if srvCPU0 >= 0 {
		res.ServerCPUSeconds = (serverCPU(o.PID) - srvCPU0).Seconds()
		res.ServerCores = res.ServerCPUSeconds / elapsed.Seconds()
	}
	if o.Idle {
		l.counters(res)
		return res, nil
	}

	// What the database holds: every conversation of the website, counted through the API of --url
	// once the server has stopped writing (the visitors' sockets are closed first, and the count is
	// repeated until it stays the same: a folder page moves while conversations are updated). The
	// server may be a restarted one that is still coming up: failed readings are retried until the
	// drain time has passed again.
	for _, v := range visitors {
		v.stop()
	}
	prev := int64(-1)
	deadline := time.Now().Add(max(o.Drain, 5*time.Second))
	for try := 0; try < 20 && ctx.Err() == nil; try++ {
		time.Sleep(time.Second)
		if err := l.countStored(ctx, counter, site.ID, res, false); err != nil {
			if time.Now().Before(deadline) {
				l.logf("counting stored messages: %v (retrying)", err)
				continue
			}
			l.logf("counting stored messages: %v", err)
			break
		}
		if res.Stored == prev {
			break
		}
		prev = res.Stored
	}
	if o.Verify {
		for ctx.Err() == nil {
			err := l.countStored(ctx, counter, site.ID, res, true)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				l.counters(res)
				return res, fmt.Errorf("verifying stored messages: %w", err)
			}
			l.logf("verifying stored messages: %v (retrying)", err)
			time.Sleep(time.Second)
		}
	}
	l.counters(res)
	return res, nil
}

// counters copies the socket counters and what became of each message into res.
func (l *Load) counters(res *Result) {
	res.VisitorCloses = l.visitorCloses.Load()
	res.VisitorResyncs = l.visitorResyncs.Load()
	res.VisitorReconnects = l.visitorReconnects.Load()
	res.AgentResyncs = l.agentResyncs.Load()
	res.AgentReconnects = l.agentReconnects.Load()
	res.AgentResumes = l.agentResumes.Load()
	res.AgentGaps = l.agentGaps.Load()
	res.LoadAvg += " → " + loadAvg()
	l.errMu.Lock()
	res.Errors = copyCounts(l.errCodes)
	l.errMu.Unlock()
	res.Acked, res.NotAcked, res.Unanswered, res.NotSent, res.Refused, res.NotDue = 0, 0, 0, 0, 0, 0
	res.CutOff, res.CutOffFoundStored, res.CutOffAckedOnRetry, res.Resent, res.AckedNotDelivered = 0, 0, 0, 0, 0
	for i := range l.state {
		st := l.state[i].Load()
		switch st {
		case msgAcked:
			res.Acked++
			if l.firstLat[i].Load() == 0 {
				res.AckedNotDelivered++
			}
		case msgRefused:
			res.Refused++
		case msgQueued, msgNotSent:
			res.NotSent++
		case msgWritten, msgUnanswered:
			res.Unanswered++
		case msgNotDue:
			res.NotDue++
		}
		if l.cutOff[i].Load() {
			res.CutOff++
			if st == msgAcked {
				res.CutOffAckedOnRetry++
			}
			if l.foundStored[i].Load() {
				res.CutOffFoundStored++
			}
		}
		if l.writes[i].Load() > 1 {
			res.Resent++
		}
	}
	res.NotAcked = int64(len(l.state)) - res.Acked
	res.Delivered, res.Deliveries, res.AgentFrames = l.delivered.Load(), l.deliveries.Load(), l.agentFrames.Load()
	res.DeliveredOnReconnect = l.deliveredOnReconnect.Load()
}

func copyCounts(m map[string]int) map[string]int {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// openVisitors starts the visitors' sessions, then their sockets, o.Concurrency at a time.
func (l *Load) openVisitors(ctx context.Context, key, wsBase string, res *Result) ([]*visitorSock, error) {
	o := l.o
	var mu sync.Mutex
	openErr := map[string]int{}
	fail := func(what string, err error) {
		msg := err.Error()
		var ae *apiError
		if errors.As(err, &ae) {
			msg = "HTTP " + strconv.Itoa(ae.Status)
		} else if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		mu.Lock()
		openErr[what+": "+msg]++
		mu.Unlock()
	}
	tokens := make([]string, o.Visitors)
	started := time.Now()
	pool(ctx, o.Visitors, o.Concurrency, func(i int) {
		c := l.newClient(o.URL, l.visitorIP(i))
		var err error
		for try := 0; try < 3; try++ {
			if tokens[i], err = c.startVisitor(ctx, key); err == nil {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		fail("session", err)
	}, func(done int) { l.logf("sessions: %d/%d", done, o.Visitors) })
	took := time.Since(started)
	for _, t := range tokens {
		if t != "" {
			res.SessionsCreated++
		}
	}
	res.SessionsPerSec = float64(res.SessionsCreated) / took.Seconds()
	l.logf("%d sessions in %s (%.0f/s)", res.SessionsCreated, took.Round(time.Millisecond), res.SessionsPerSec)

	socks := make([]*visitorSock, o.Visitors)
	started = time.Now()
	pool(ctx, o.Visitors, o.Concurrency, func(i int) {
		if tokens[i] == "" {
			return
		}
		h := http.Header{"Origin": {o.URL}, "User-Agent": {browserUA}}
		if ip := l.visitorIP(i); ip != "" {
			h.Set("X-Forwarded-For", ip)
		}
		v := &visitorSock{l: l, idx: i, addr: wsBase + "/widget/v1/" + key + "/ws", header: h, token: tokens[i], inflight: map[int]struct{}{}}
		if what, err := v.connect(ctx, 30*time.Second); err != nil {
			v.stop()
			if ctx.Err() == nil {
				fail(what, err)
			}
			return
		}
		socks[i] = v
	}, func(done int) { l.logf("visitor sockets: %d/%d", done, o.Visitors) })
	took = time.Since(started)
	var open []*visitorSock
	for _, v := range socks {
		if v != nil {
			open = append(open, v)
		}
	}
	res.VisitorsOpen = len(open)
	res.SocketsPerSec = float64(len(open)) / took.Seconds()
	if len(openErr) > 0 {
		res.OpenErrors = openErr
	}
	l.logf("%d visitor sockets ready in %s (%.0f/s); failures: %v", len(open), took.Round(time.Millisecond), res.SocketsPerSec, openErr)
	if len(open) == 0 {
		return nil, fmt.Errorf("no visitor socket opened: %v", openErr)
	}
	return open, ctx.Err()
}

// visitorIP is visitor i's X-Forwarded-For address (10.0.0.0/8), or "" without --xff.
func (l *Load) visitorIP(i int) string {
	if !l.o.XFF {
		return ""
	}
	i++
	return fmt.Sprintf("10.%d.%d.%d", (i>>16)&0xff, (i>>8)&0xff, i&0xff)
}

// pool runs fn(0..n-1) with at most k at once, reporting progress about every 2 s.
func pool(ctx context.Context, n, k int, fn func(i int), progress func(done int)) {
	var next, done atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				progress(int(done.Load()))
			}
		}
	}()
	for range min(k, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	close(stop)
}

// send runs the open-loop schedule: message i is due at sched[i] after the origin and is handed to
// its visitor's socket queue (never blocking the schedule); its latency counts from that time.
func (l *Load) send(ctx context.Context, visitors []*visitorSock, res *Result) {
	o := l.o
	total := len(l.sched)
	if per := o.Rate / float64(len(visitors)); per > 1 {
		l.logf("warning: %.1f msg/s per visitor is above the server's per-visitor limit (10 burst, then 1/s): expect too_many_messages", per)
	}
	l.origin.Store(int64(time.Since(l.base)))
	l.logf("sending %d messages at %.0f/s over %d visitors for %s", total, o.Rate, len(visitors), o.Duration)
	var lagMax int64
	nextLog := int64(5 * time.Second)
	for i := 0; i < total && ctx.Err() == nil; i++ {
		due := l.sched[i]
		if wait := due - l.now(); wait > 0 {
			time.Sleep(time.Duration(wait))
		} else if -wait > lagMax {
			lagMax = -wait
		}
		visitors[i%len(visitors)].send(i)
		if due > nextLog {
			nextLog += int64(5 * time.Second)
			l.logf("t=%4.0fs scheduled %d acked %d delivered %d", time.Duration(due).Seconds(), i+1, l.acks.Load(), l.delivered.Load())
		}
	}
	sendEnd := l.now()
	res.Scheduled = total
	res.SendSeconds = time.Duration(sendEnd).Seconds()
	res.SendLagMax = time.Duration(lagMax)
	// Drain: wait, up to o.Drain, until nothing is waiting for an answer or a reconnect, no agent is
	// catching up, and every acknowledged message has reached an agent.
	deadline := time.Now().Add(o.Drain)
	for time.Now().Before(deadline) && ctx.Err() == nil && !l.settled() {
		time.Sleep(50 * time.Millisecond)
	}
	if !l.settled() {
		l.logf("drain: not settled after %s (%s)", o.Drain, l.unsettled())
	}
	res.Acked, res.Delivered, res.Deliveries, res.AgentFrames = l.acks.Load(), l.delivered.Load(), l.deliveries.Load(), l.agentFrames.Load()
	// Throughput over the schedule's window: what arrived by the time the last message was due
	// (plus the drain for the acked/delivered totals above).
	var inWindow int64
	lats := make([]int64, 0, total)
	for i := range l.firstLat {
		if lat := l.firstLat[i].Load(); lat > 0 {
			lats = append(lats, lat)
			if l.sched[i]+lat <= sendEnd {
				inWindow++
			}
		}
	}
	offset := int64(0)
	if total > 0 {
		offset = l.sched[0]
	}
	window := time.Duration(sendEnd - offset).Seconds()
	res.DeliveredPerSec = float64(inWindow) / window
	res.AckedPerSec = float64(res.Acked) / time.Duration(l.now()-offset).Seconds()
	slices.Sort(lats)
	q := func(p float64) time.Duration {
		if len(lats) == 0 {
			return 0
		}
		return time.Duration(lats[int(p*float64(len(lats)-1))])
	}
	res.P50, res.P90, res.P99, res.P999 = q(0.50), q(0.90), q(0.99), q(0.999)
	res.Timeline = l.timeline()
	if len(lats) > 0 {
		res.Max = time.Duration(lats[len(lats)-1])
	}
	res.FanP50, res.FanP99 = l.fanHist.quantile(0.50), l.fanHist.quantile(0.99)
	res.AckP50, res.AckP99 = l.ackHist.quantile(0.50), l.ackHist.quantile(0.99)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	res.Latency = map[string]float64{"p50": ms(res.P50), "p90": ms(res.P90), "p99": ms(res.P99), "p99.9": ms(res.P999), "max": ms(res.Max),
		"all_agents_p50": ms(res.FanP50), "all_agents_p99": ms(res.FanP99), "ack_p50": ms(res.AckP50), "ack_p99": ms(res.AckP99)}
}

// settled: no message waits for an answer or a reconnect, no agent is catching up, and every
// acknowledged message has reached an agent socket.
func (l *Load) settled() bool { return l.unsettled() == "" }

func (l *Load) unsettled() string {
	var waiting, undelivered int
	for i := range l.state {
		switch l.state[i].Load() {
		case msgQueued, msgWritten:
			waiting++
		case msgAcked:
			if l.firstLat[i].Load() == 0 {
				undelivered++
			}
		}
	}
	catching := l.catchingUp.Load()
	if waiting == 0 && undelivered == 0 && catching == 0 {
		return ""
	}
	return fmt.Sprintf("%d sends without an answer, %d acknowledged messages not delivered, %d agents catching up", waiting, undelivered, catching)
}

// warmup has every visitor send one message (client id "wu-N", not measured) so that the
// measured messages go into existing conversations, as most messages do, instead of each first one
// creating a conversation.
func (l *Load) warmup(ctx context.Context, visitors []*visitorSock) {
	rate := max(l.o.Rate, 2000)
	l.logf("warm-up: one message per visitor at %.0f/s", rate)
	start := time.Now()
	for i, v := range visitors {
		if wait := time.Duration(float64(i)*float64(time.Second)/rate) - time.Since(start); wait > 0 {
			time.Sleep(wait)
		}
		v.writeRaw([]byte(`{"t":"send","client_id":"wu-` + strconv.Itoa(i) + `","body":"Hello"}`))
	}
	deadline := time.Now().Add(30 * time.Second)
	for l.warmAcks.Load() < int64(len(visitors)) && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	l.logf("warm-up: %d of %d acknowledged", l.warmAcks.Load(), len(visitors))
	time.Sleep(2 * time.Second)
}

// timeline is, per second of the schedule, the messages due in it and their latency p50/p99/max
// (ms; undelivered messages are left out and counted).
func (l *Load) timeline() []second {
	var out []second
	per := map[int][]int64{}
	missing := map[int]int{}
	for i, due := range l.sched {
		sec := int(due / int64(time.Second))
		if lat := l.firstLat[i].Load(); lat > 0 {
			per[sec] = append(per[sec], lat)
		} else {
			missing[sec]++
		}
	}
	last := 0
	if n := len(l.sched); n > 0 {
		last = int(l.sched[n-1] / int64(time.Second))
	}
	for sec := 0; sec <= last; sec++ {
		lats := per[sec]
		slices.Sort(lats)
		s := second{Second: sec, Due: len(lats) + missing[sec], Missing: missing[sec]}
		if n := len(lats); n > 0 {
			s.P50, s.P99, s.Max = msOf(lats[n/2]), msOf(lats[int(0.99*float64(n-1))]), msOf(lats[n-1])
		}
		out = append(out, s)
	}
	return out
}

type second struct {
	Second  int     `json:"s"`
	Due     int     `json:"due"`
	Missing int     `json:"undelivered,omitempty"`
	P50     float64 `json:"p50_ms"`
	P99     float64 `json:"p99_ms"`
	Max     float64 `json:"max_ms"`
}

func msOf(ns int64) float64 { return float64(ns/1000) / 1000 }

// countStored sums last_seq over the website's conversations (each entry is a visitor's message:
// nobody replies), and with verify reads every log: each acknowledged client id must be stored
// exactly once, and each stored one must have reached an agent socket.
func (l *Load) countStored(ctx context.Context, c *client, inboxID int64, res *Result, verify bool) error {
	convs, err := c.conversations(ctx, inboxID, "open")
	if err != nil {
		return err
	}
	var stored int64
	for _, cv := range convs {
		stored += cv.LastSeq
	}
	res.Stored = stored
	res.StoredNote = fmt.Sprintf("sum of last_seq over %d open conversations of the website", len(convs))
	if res.WarmedUp {
		res.StoredNote += ", warm-up messages included"
	}
	if !verify {
		return nil
	}
	copies := make([]atomic.Int32, len(l.sched))
	var failed atomic.Int64
	pool(ctx, len(convs), 16, func(i int) {
		var ids []string
		var err error
		for try := 0; try < 3; try++ {
			if ids, err = c.clientIDs(ctx, convs[i].ID); err == nil {
				break
			}
		}
		if err != nil {
			failed.Add(1)
			return
		}
		for _, id := range ids {
			if n, ok := parseClientID([]byte(id)); ok && strings.HasPrefix(id, "lg-") && n < len(copies) {
				copies[n].Add(1)
			}
		}
	}, func(done int) { l.logf("verify: %d/%d conversations read", done, len(convs)) })
	if failed.Load() > 0 {
		return fmt.Errorf("%d conversations could not be read", failed.Load())
	}
	res.StoredRun, res.AckedNotStored, res.StoredTwice, res.StoredNotAcked, res.StoredNotDelivered = 0, 0, 0, 0, 0
	for i := range copies {
		n, acked := copies[i].Load(), l.state[i].Load() == msgAcked
		switch {
		case n == 0 && acked:
			res.AckedNotStored++
		case n > 0:
			res.StoredRun++
			if n > 1 {
				res.StoredTwice++
			}
			if !acked {
				res.StoredNotAcked++
			}
			if l.firstLat[i].Load() == 0 {
				res.StoredNotDelivered++
			}
		}
	}
	res.Verified = true
	return nil
}
