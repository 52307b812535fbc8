// Command parley-load is an open-loop load generator for a running `parley serve`: it opens N
// visitor and M agent sockets, sends messages at a fixed rate (or only holds the sockets, --idle)
// and reports delivery latency from each message's scheduled send, throughput, the server's memory
// per connection, and what became of every message: acknowledged, stored, delivered to an agent.
// With --reconnect it survives the server dying mid-run (see internal/loadgen).
//
// Run it on loopback only. See docs/performance.md for the command lines used and the figures.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/parleyhq/parley/internal/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "parley-load:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var o loadgen.Options
	fs := flag.NewFlagSet("parley-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o.Register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags start with --)", fs.Arg(0))
	}
	if o.OwnerPassword == "" {
		o.OwnerPassword = getenv("PARLEY_LOAD_OWNER_PASSWORD")
	}
	l, err := loadgen.New(o, stderr)
	if err != nil {
		return err
	}
	if lim, err := raiseOpenFiles(); err != nil {
		fmt.Fprintf(stderr, "warning: could not raise the open-files limit: %v\n", err)
	} else if uint64(o.Visitors+o.Agents+64) > lim {
		fmt.Fprintf(stderr, "warning: open-files limit %d is below --visitors + --agents; sockets will fail to open\n", lim)
	}
	res, err := l.Run(ctx)
	if res != nil {
		res.Print(stdout, o)
		if o.JSON {
			res.PrintJSON(stdout)
		}
	}
	return err
}

// raiseOpenFiles lifts the soft limit on open files to the hard one: each socket is a file.
func raiseOpenFiles() (uint64, error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, err
	}
	if r.Cur < r.Max {
		r.Cur = r.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
			return r.Cur, err
		}
	}
	return r.Cur, nil
}
