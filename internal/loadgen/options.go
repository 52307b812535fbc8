// Package loadgen is an open-loop load generator for a running `parley serve` (cmd/parley-load is
// its command; tests call it in-process).
//
// It signs in as an owner, creates a website (allowed domain: the URL's host), creates M agents (or
// takes existing ones), makes them members, opens their event sockets, starts N visitors (a widget
// session each, then a visitor socket with {"t":"auth"}), and then either only holds the sockets
// open (Idle, for memory per connection and writes per idle second) or sends messages at a fixed
// rate for a duration.
//
// Open loop: message i is due at start + i/rate, whatever the server does. Its latency is measured
// from that scheduled time to its arrival on an agent socket, so a server that falls behind shows
// in the tail instead of slowing the schedule down (no coordinated omission).
//
// The server may die during a run. A send whose socket closes before its ack is not acknowledged,
// never lost; with Reconnect the sockets come back as the widget and the inbox do
// (docs/widget-protocol.md 1.7 and 3.2): visitors send their unacknowledged messages again with
// the same client ids, agents resume from their cursors and refetch the folder. With Verify the
// final count reads every log through the API of the server at URL, which may be a restarted
// process on the same address.
//
// Run it on loopback only. See docs/performance.md for the command lines used and the figures.
package loadgen

import (
	"flag"
	"fmt"
	"strings"
	"time"
)

// Options configure one run; Register binds them to command-line flags.
type Options struct {
	URL           string
	OwnerEmail    string
	OwnerPassword string
	AgentEmails   string
	AgentPassword string
	Visitors      int
	Agents        int
	Rate          float64
	Duration      time.Duration
	Idle          bool
	PID           int
	Concurrency   int
	XFF           bool
	Body          string
	Drain         time.Duration
	Settle        time.Duration
	Verify        bool
	Reconnect     bool
	PGURL         string
	JSON          bool
	AgentURL      string
	GCURL         string
	Warmup        bool
	Timeline      bool
}

// Defaults are the options of a command line without flags.
func Defaults() Options {
	var o Options
	o.Register(flag.NewFlagSet("defaults", flag.ContinueOnError))
	return o
}

// Register defines the command-line flags of every option, with the defaults as values.
func (o *Options) Register(fs *flag.FlagSet) {
	fs.StringVar(&o.URL, "url", "http://127.0.0.1:8080", "base URL of the running server (loopback)")
	fs.StringVar(&o.OwnerEmail, "owner-email", "", "an owner's (or admin's) email, to create the website and the agents")
	fs.StringVar(&o.OwnerPassword, "owner-password", "", "that owner's password (or PARLEY_LOAD_OWNER_PASSWORD)")
	fs.StringVar(&o.AgentEmails, "agent-emails", "", "comma-separated emails of existing agents to use instead of creating --agents new ones")
	fs.StringVar(&o.AgentPassword, "agent-password", "", "password of the existing agents in --agent-emails")
	fs.IntVar(&o.Visitors, "visitors", 100, "visitor sockets to open (each a widget session of its own)")
	fs.IntVar(&o.Agents, "agents", 20, "agent sockets to open (each a user of its own, member of the website)")
	fs.Float64Var(&o.Rate, "rate", 100, "messages per second, spread round-robin over the visitors")
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "how long to send (or, with --idle, to hold the sockets open)")
	fs.BoolVar(&o.Idle, "idle", false, "only open the sockets and hold them for --duration: no messages")
	fs.IntVar(&o.PID, "pid", 0, "the server's process id, to read its memory (VmRSS) and I/O from /proc before and after")
	fs.IntVar(&o.Concurrency, "concurrency", 64, "sessions and sockets started at once while ramping up")
	fs.BoolVar(&o.XFF, "xff", true, "send a distinct X-Forwarded-For per visitor (the server needs --trusted-proxies 127.0.0.1) so per-IP limits apply per visitor")
	fs.StringVar(&o.Body, "body", "Hi, I ordered running shoes last week (order 4471-2291) and they have not arrived yet. Could you check where they are?", "message text")
	fs.DurationVar(&o.Drain, "drain", 15*time.Second, "after sending, wait at most this long for outstanding acks and deliveries (and, with --reconnect, for the server to come back)")
	fs.DurationVar(&o.Settle, "settle", 5*time.Second, "after opening the sockets, wait this long before reading the server's memory")
	fs.BoolVar(&o.Verify, "verify", false, "at the end, read every conversation's log from --url and check that every acknowledged client_id is stored once and every stored one reached an agent")
	fs.BoolVar(&o.Reconnect, "reconnect", false, "when the server closes a socket (it died or restarted), reconnect with back-off: visitors send their unacknowledged messages again with the same client_id, agents resume from their cursors and refetch the folder")
	fs.StringVar(&o.PGURL, "pg-url", "", "PostgreSQL URL of the server's database, to count committed transactions (pg_stat_database.xact_commit) over the run")
	fs.StringVar(&o.GCURL, "gc-url", "", "a URL that makes the server collect garbage before memory is read, e.g. http://127.0.0.1:6060/debug/pprof/heap?gc=1 (needs a server with a debug listener)")
	fs.StringVar(&o.AgentURL, "agent-url", "", "base URL of another node for the agents (and the final count): visitor → agent then crosses NATS")
	fs.BoolVar(&o.Warmup, "warmup", true, "before measuring, have every visitor send one message, so measured messages go into existing conversations")
	fs.BoolVar(&o.Timeline, "timeline", false, "print the latency of each second of the schedule")
	fs.BoolVar(&o.JSON, "json", false, "also print the results as one JSON object")
}

// check normalises the options and says what is wrong with them.
func (o *Options) check() error {
	if o.OwnerEmail == "" || o.OwnerPassword == "" {
		return fmt.Errorf("--owner-email and --owner-password are required")
	}
	if o.AgentEmails != "" {
		o.Agents = len(strings.Split(o.AgentEmails, ","))
	}
	if o.Visitors < 1 || o.Agents < 1 || (!o.Idle && o.Rate <= 0) || o.Concurrency < 1 {
		return fmt.Errorf("--visitors, --agents, --concurrency and --rate must be positive")
	}
	o.URL = strings.TrimRight(o.URL, "/")
	return nil
}

// scheduled is how many messages the run sends.
func (o *Options) scheduled() int {
	if o.Idle {
		return 0
	}
	return int(o.Rate * o.Duration.Seconds())
}
