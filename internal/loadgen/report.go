package loadgen

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"
)

func (r *Result) Print(w io.Writer, o Options) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("")
	p("parley-load: %s run against %s", r.Mode, o.URL)
	p("  load average (1/5/15 min)     %s", r.LoadAvg)
	p("  sessions created              %d of %d (%.0f/s)", r.SessionsCreated, r.Visitors, r.SessionsPerSec)
	p("  visitor sockets open          %d (%.0f/s, auth and ready included)", r.VisitorsOpen, r.SocketsPerSec)
	p("  agent sockets open            %d", r.AgentsOpen)
	for _, k := range slices.Sorted(maps.Keys(r.OpenErrors)) {
		p("  open failure                  %s × %d", k, r.OpenErrors[k])
	}
	if r.RSSBefore > 0 {
		p("  server RSS                    %d kB before visitors, %d kB with them, %d kB at the end", r.RSSBefore, r.RSSAfterOpen, r.RSSEnd)
		gc := "no forced GC: the server has no endpoint for it"
		if r.ForcedGC {
			gc = "after a forced GC through --gc-url"
		}
		p("  RSS growth / visitor socket   %.1f kB (%s)", r.RSSPerConnKB, gc)
	}
	if r.Metrics1 != nil {
		p("  heap in use / visitor socket  %.1f kB; goroutine stacks %.1f kB; goroutines %.2f per socket", r.HeapPerConnKB, r.StackPerConnKB, r.GoroutinesPerConn)
	}
	if r.PGMeasured {
		p("  PostgreSQL over %.0f s         %d transactions committed (%.2f/s), %d rows written (%.2f/s)", r.HoldSeconds, r.PGCommits, r.PGCommitsPerSec, r.PGRows, r.PGRowsPerSec)
	}
	if r.WriteBytes >= 0 && o.PID != 0 {
		p("  server storage writes         %d bytes over %.0f s (/proc/PID/io write_bytes)", r.WriteBytes, r.HoldSeconds)
	}
	if r.Mode == "messages" {
		p("  rate                          %.0f msg/s for %.1f s (largest schedule lag %s)", r.Rate, r.SendSeconds, r.SendLagMax.Round(time.Microsecond))
		p("  messages scheduled            %d", r.Scheduled)
		p("  acknowledged (ack frames)     %d (%.0f/s)", r.Acked, r.AckedPerSec)
		if r.NotAcked > 0 {
			p("  not acknowledged              %d: %d unanswered (written; the socket closed or the run ended first), %d not sent (due while the socket was closed), %d refused (error frames), %d not due (run cut short)",
				r.NotAcked, r.Unanswered, r.NotSent, r.Refused, r.NotDue)
		}
		switch {
		case r.Reconnect:
			p("  cut off by a closing socket   %d sends were in flight (written, no ack yet) when their socket closed; %d of them were already stored (found in the log on reconnecting), %d acknowledged when sent again", r.CutOff, r.CutOffFoundStored, r.CutOffAckedOnRetry)
		case r.CutOff > 0:
			p("  cut off by a closing socket   %d sends were in flight (written, no ack yet) when their socket closed (not sent again without --reconnect)", r.CutOff)
		}
		if r.Reconnect {
			p("  reconnects                    visitors %d, agents %d; %d messages sent again with the same client_id; agents sent %d resume frames (%d for gaps)", r.VisitorReconnects, r.AgentReconnects, r.Resent, r.AgentResumes, r.AgentGaps)
		}
		p("  stored (API)                  %d (%s)", r.Stored, r.StoredNote)
		if r.Verified {
			p("  stored (verified)             %d of this run's messages; acknowledged but not stored: %d; stored more than once: %d; stored but never acknowledged: %d; stored but not delivered: %d",
				r.StoredRun, r.AckedNotStored, r.StoredTwice, r.StoredNotAcked, r.StoredNotDelivered)
		}
		p("  delivered to an agent         %d (%.0f/s within the send window); %d deliveries to all agents; acknowledged but not delivered: %d", r.Delivered, r.DeliveredPerSec, r.Deliveries, r.AckedNotDelivered)
		if r.DeliveredOnReconnect > 0 {
			p("  delivered after a reconnect   %d first reached an agent on a socket opened again (live or resumed)", r.DeliveredOnReconnect)
		}
		p("  latency, scheduled → first agent socket: p50 %s  p90 %s  p99 %s  p99.9 %s  max %s", ms(r.P50), ms(r.P90), ms(r.P99), ms(r.P999), ms(r.Max))
		p("  latency, scheduled → every agent socket: p50 %s  p99 %s", ms(r.FanP50), ms(r.FanP99))
		p("  latency, scheduled → ack:                p50 %s  p99 %s", ms(r.AckP50), ms(r.AckP99))
		for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
			p("  error frames                  %s × %d", k, r.Errors[k])
		}
	}
	if o.Timeline {
		for _, s := range r.Timeline {
			p("    second %3d: %5d due, %5d undelivered, p50 %8.2fms  p99 %8.2fms  max %8.2fms", s.Second, s.Due, s.Missing, s.P50, s.P99, s.Max)
		}
	}
	p("  sockets closed by the server  visitors %d, agents %d (resyncs: visitors %d, agents %d)", r.VisitorCloses, r.AgentReconnects, r.VisitorResyncs, r.AgentResyncs)
	if r.ServerCPUSeconds > 0 {
		per := ""
		if r.Mode == "messages" && r.Acked > 0 {
			per = fmt.Sprintf("; %.0f µs of server CPU per message", r.ServerCPUSeconds*1e6/float64(r.Acked))
		}
		p("  server CPU                    %.1f s over %.1f s (%.2f cores busy)%s", r.ServerCPUSeconds, r.HoldSeconds, r.ServerCores, per)
	}
	p("  load generator                %s", r.ClientCPU)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

func (r *Result) PrintJSON(w io.Writer) {
	b, _ := json.Marshal(r)
	fmt.Fprintln(w, string(b))
}
