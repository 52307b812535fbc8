package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // pg_stat_database for --pg-url
	"github.com/lxzan/gws"
)

// load is one run.
type load struct {
	o     options
	log   io.Writer
	start time.Time // the schedule's origin; every time below is ns since start

	// Per message i (client id "lg-i"): when it was due, whether it was acknowledged, and the
	// latency of its first arrival on an agent socket (0 until then).
	sched    []int64
	acked    []atomic.Bool
	firstLat []atomic.Int64

	acks, delivered, deliveries, agentFrames atomic.Int64
	warmAcks                                 atomic.Int64
	visitorCloses, visitorResyncs            atomic.Int64
	agentResyncs, agentReconnects            atomic.Int64
	ackHist, fanHist                         histogram
	errMu                                    sync.Mutex
	errCodes                                 map[string]int
}

func (l *load) now() int64 { return int64(time.Since(l.start)) }

func (l *load) countError(code string) {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	if l.errCodes == nil {
		l.errCodes = map[string]int{}
	}
	l.errCodes[code]++
}

func (l *load) logf(format string, a ...any) {
	fmt.Fprintf(l.log, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, a...)...)
}

// result is what the run measured.
type result struct {
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
}

func (l *load) run(ctx context.Context) (*result, error) {
	o := l.o
	res := &result{Mode: "messages", Visitors: o.Visitors, Rate: o.Rate}
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
	owner := newClient(o.URL, "")
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
		agentClients[i] = newClient(agentURL, fmt.Sprintf("10.254.%d.%d", i/250, i%250+1))
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

	// Agents' sockets.
	agents := make([]*agentSock, len(accounts))
	for i, c := range agentClients {
		a := &agentSock{l: l, idx: i, header: http.Header{"Cookie": {c.cookieHeader()}, "Origin": {agentURL}}}
		if err := a.dial(agentWS); err != nil {
			return nil, fmt.Errorf("agent socket %d: %w", i, err)
		}
		agents[i] = a
	}
	for _, a := range agents {
		select {
		case <-a.current().hello:
		case <-time.After(10 * time.Second):
			return nil, fmt.Errorf("agent socket %d: no hello within 10 s", a.idx)
		}
	}
	res.AgentsOpen = len(agents)
	l.logf("%d agents connected", len(agents))
	runCtx, stopAgents := context.WithCancel(ctx)
	defer stopAgents()
	for _, a := range agents {
		go a.keepOpen(runCtx, agentWS)
	}

	time.Sleep(time.Second)
	l.forceGC(ctx)
	res.RSSBefore = rssKB(o.PID)
	res.Metrics0 = owner.metrics(ctx)

	// Visitors: a session each, then a socket each, with a bounded pool.
	visitors, err := l.openVisitors(ctx, site.PublicKey, wsBase, res)
	defer func() {
		for _, v := range visitors {
			v.conn.NetConn().Close()
		}
		for _, a := range agents {
			a.current().conn.NetConn().Close()
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
	res.VisitorCloses = l.visitorCloses.Load()
	res.VisitorResyncs = l.visitorResyncs.Load()
	res.AgentResyncs = l.agentResyncs.Load()
	res.AgentReconnects = l.agentReconnects.Load()
	res.LoadAvg += " → " + loadAvg()
	l.errMu.Lock()
	res.Errors = l.errCodes
	l.errMu.Unlock()
	if o.Idle {
		return res, nil
	}

	// What the database holds: every conversation of the website, counted through the API once
	// the server has stopped writing (the visitors' sockets are closed first, and the count is
	// repeated until it stays the same: a folder page moves while conversations are updated).
	for _, v := range visitors {
		v.open.Store(false)
		v.conn.NetConn().Close()
	}
	prev := int64(-1)
	for try := 0; try < 20 && ctx.Err() == nil; try++ {
		time.Sleep(time.Second)
		if err := l.countStored(ctx, agentClients[0], site.ID, res, false); err != nil {
			l.logf("counting stored messages: %v", err)
			break
		}
		if res.Stored == prev {
			break
		}
		prev = res.Stored
	}
	if l.o.Verify {
		if err := l.countStored(ctx, agentClients[0], site.ID, res, true); err != nil {
			l.logf("verifying stored messages: %v", err)
		}
	}
	return res, nil
}

// openVisitors starts the visitors' sessions, then their sockets, o.Concurrency at a time.
func (l *load) openVisitors(ctx context.Context, key, wsBase string, res *result) ([]*visitorSock, error) {
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
		c := newClient(o.URL, l.visitorIP(i))
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
		v := &visitorSock{l: l, idx: i, ready: make(chan struct{})}
		h := http.Header{"Origin": {o.URL}, "User-Agent": {browserUA}}
		if ip := l.visitorIP(i); ip != "" {
			h.Set("X-Forwarded-For", ip)
		}
		conn, _, err := gws.NewClient(v, &gws.ClientOption{Addr: wsBase + "/widget/v1/" + key + "/ws", RequestHeader: h,
			HandshakeTimeout: 15 * time.Second, ReadBufferSize: 2048})
		if err != nil {
			fail("socket", err)
			return
		}
		v.conn = conn
		go conn.ReadLoop()
		b, _ := json.Marshal(map[string]string{"t": "auth", "token": tokens[i]})
		if err := conn.WriteMessage(gws.OpcodeText, b); err != nil {
			conn.NetConn().Close()
			fail("auth", err)
			return
		}
		select {
		case <-v.ready:
			v.open.Store(true)
			socks[i] = v
		case <-time.After(30 * time.Second):
			conn.NetConn().Close()
			fail("auth", errors.New("no ready within 30 s"))
		case <-ctx.Done():
			conn.NetConn().Close()
		}
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
func (l *load) visitorIP(i int) string {
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

// send runs the open-loop schedule: message i is due at i/rate after the start and is handed to
// its visitor's socket queue (never blocking the schedule); its latency counts from that time.
func (l *load) send(ctx context.Context, visitors []*visitorSock, res *result) {
	o := l.o
	total := int(o.Rate * o.Duration.Seconds())
	if per := o.Rate / float64(len(visitors)); per > 0.9 {
		l.logf("warning: %.1f msg/s per visitor is above the server's per-visitor limit (10 burst, then 1/s): expect too_many_messages", per)
	}
	interval := float64(time.Second) / o.Rate
	l.sched = make([]int64, total)
	l.acked = make([]atomic.Bool, total)
	l.firstLat = make([]atomic.Int64, total)
	// A little head start so the first messages are not born late.
	offset := int64(50 * time.Millisecond)
	for i := range l.sched {
		l.sched[i] = offset + int64(float64(i)*interval)
	}
	body, _ := json.Marshal(o.Body)
	l.start = time.Now()
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
		v := visitors[i%len(visitors)]
		frame := make([]byte, 0, 48+len(body))
		frame = append(frame, `{"t":"send","client_id":"lg-`...)
		frame = strconv.AppendInt(frame, int64(i), 10)
		frame = append(frame, `","body":`...)
		frame = append(frame, body...)
		frame = append(frame, '}')
		v.conn.WriteAsync(gws.OpcodeText, frame, nil)
		if due > nextLog {
			nextLog += int64(5 * time.Second)
			l.logf("t=%4.0fs scheduled %d acked %d delivered %d", time.Duration(due).Seconds(), i+1, l.acks.Load(), l.delivered.Load())
		}
	}
	sendEnd := l.now()
	res.Scheduled = total
	res.SendSeconds = time.Duration(sendEnd).Seconds()
	res.SendLagMax = time.Duration(lagMax)
	// Drain: wait for what is still on its way, up to o.Drain.
	deadline := time.Now().Add(o.Drain)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if l.acks.Load() >= int64(total) && l.delivered.Load() >= int64(total) {
			break
		}
		time.Sleep(50 * time.Millisecond)
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
	window := time.Duration(sendEnd - offset).Seconds()
	res.DeliveredPerSec = float64(inWindow) / window
	var ackedInWindow int64
	for i := range l.acked {
		if l.acked[i].Load() {
			ackedInWindow++
		}
	}
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

// warmup has every visitor send one message (client id "wu-N", not measured) so that the
// measured messages go into existing conversations, as most messages do, instead of each first one
// creating a conversation.
func (l *load) warmup(ctx context.Context, visitors []*visitorSock) {
	rate := max(l.o.Rate, 2000)
	l.logf("warm-up: one message per visitor at %.0f/s", rate)
	l.start = time.Now()
	for i, v := range visitors {
		if wait := time.Duration(float64(i)*float64(time.Second)/rate) - time.Since(l.start); wait > 0 {
			time.Sleep(wait)
		}
		v.conn.WriteAsync(gws.OpcodeText, []byte(`{"t":"send","client_id":"wu-`+strconv.Itoa(i)+`","body":"Hello"}`), nil)
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
func (l *load) timeline() []second {
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
// nobody replies), and with --verify reads every log to check each acknowledged client id.
func (l *load) countStored(ctx context.Context, c *client, inboxID int64, res *result, verify bool) error {
	convs, err := c.conversations(ctx, inboxID, "open")
	if err != nil {
		return err
	}
	res.Stored = 0
	for _, cv := range convs {
		res.Stored += cv.LastSeq
	}
	res.StoredNote = fmt.Sprintf("sum of last_seq over %d open conversations of the website", len(convs))
	if res.WarmedUp {
		res.StoredNote += ", warm-up messages included"
	}
	if !verify {
		return nil
	}
	stored := make([]atomic.Bool, len(l.sched))
	var failed atomic.Int64
	pool(ctx, len(convs), 16, func(i int) {
		ids, err := c.clientIDs(ctx, convs[i].ID)
		if err != nil {
			failed.Add(1)
			return
		}
		for _, id := range ids {
			if n, ok := parseClientID([]byte(id)); ok && strings.HasPrefix(id, "lg-") && n < len(stored) {
				stored[n].Store(true)
			}
		}
	}, func(done int) { l.logf("verify: %d/%d conversations read", done, len(convs)) })
	if failed.Load() > 0 {
		return fmt.Errorf("%d conversations could not be read", failed.Load())
	}
	for i := range l.acked {
		if l.acked[i].Load() && !stored[i].Load() {
			res.AckedNotStored++
		}
	}
	res.Verified = true
	return nil
}

func (a *agentSock) dial(wsBase string) error {
	c := &agentConn{a: a, hello: make(chan struct{}), closed: make(chan struct{})}
	conn, _, err := gws.NewClient(c, &gws.ClientOption{Addr: wsBase + "/api/v1/events", RequestHeader: a.header,
		HandshakeTimeout: 15 * time.Second, ReadBufferSize: 64 << 10, ReadMaxPayloadSize: 16 << 20})
	if err != nil {
		return err
	}
	c.conn = conn
	a.mu.Lock()
	a.cur = c
	a.mu.Unlock()
	go conn.ReadLoop()
	return nil
}

// keepOpen reconnects the agent when the server closes its socket (after a resync), counting it.
// Messages sent while it was away are missed by that agent (a real inbox would resume by seq).
func (a *agentSock) keepOpen(ctx context.Context, wsBase string) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.current().closed:
		}
		if ctx.Err() != nil {
			return
		}
		a.l.agentReconnects.Add(1)
		for ctx.Err() == nil {
			if err := a.dial(wsBase); err == nil {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
}

// serverCPU is the server's user+system CPU time so far (/proc/PID/stat), -1 when unknown.
func serverCPU(pid int) time.Duration {
	if pid == 0 {
		return -1
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// The command name may hold spaces: fields count from the closing parenthesis.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return -1
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ is 100 on Linux
}

// forceGC asks the server for a garbage collection through --gc-url (a /debug/pprof/heap?gc=1
// URL, if the server offers one), so the memory read next is live memory, not garbage.
func (l *load) forceGC(ctx context.Context) bool {
	if l.o.GCURL == "" {
		return false
	}
	req, err := http.NewRequestWithContext(ctx, "GET", l.o.GCURL, nil)
	if err != nil {
		return false
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		l.logf("--gc-url: %v", err)
		return false
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// rssKB is the process's resident memory (VmRSS) in kB, 0 when unknown.
func rssKB(pid int) int64 {
	return procField(pid, "status", "VmRSS:")
}

// writeBytes is what the process caused to be written to storage (/proc/PID/io), -1 when unknown.
func writeBytes(pid int) int64 {
	if pid == 0 {
		return -1
	}
	return procField(pid, "io", "write_bytes:")
}

func procField(pid int, file, key string) int64 {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, key) {
			f := strings.Fields(line[len(key):])
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return -1
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// processCPU is this process's user+system CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func openPG(u string, l *load) *sql.DB {
	if u == "" {
		return nil
	}
	db, err := sql.Open("pgx", u)
	if err != nil {
		l.logf("--pg-url: %v", err)
		return nil
	}
	db.SetMaxOpenConns(1)
	return db
}

// pgStats is the database's committed transactions (read-only ones included) and rows written so
// far (ok false without --pg-url). Backends report their counters about once a second; the reading
// waits that out. Each reading is itself one transaction.
type pgStats struct {
	commits, rows int64
	ok            bool
}

func readPG(ctx context.Context, db *sql.DB) pgStats {
	if db == nil {
		return pgStats{}
	}
	time.Sleep(1500 * time.Millisecond)
	var s pgStats
	err := db.QueryRowContext(ctx, `SELECT xact_commit, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database
		WHERE datname = current_database()`).Scan(&s.commits, &s.rows)
	s.ok = err == nil
	return s
}
