package bus_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/parleyhq/parley/internal/bus"
)

// waitFor is how long a test waits for an expected event before failing.
const waitFor = 5 * time.Second

// backend opens a Bus; each test runs against every backend.
type backend struct {
	name     string
	embedded bool
	open     func(t *testing.T) *bus.Bus
}

func backends() []backend {
	return []backend{
		{name: "embedded", embedded: true, open: func(t *testing.T) *bus.Bus {
			t.Helper()
			return openBus(t, "")
		}},
		{name: "external", open: func(t *testing.T) *bus.Bus {
			t.Helper()
			return openBus(t, externalURL(t))
		}},
	}
}

// externalURL returns PARLEY_TEST_NATS. Without it the test is skipped
// locally but fails in CI, so CI cannot silently stop testing real NATS.
func externalURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("PARLEY_TEST_NATS")
	if u != "" {
		return u
	}
	if os.Getenv("CI") != "" {
		t.Fatal("PARLEY_TEST_NATS not set: CI must provide NATS")
	}
	t.Skip("external NATS not tested: start nats-server and set PARLEY_TEST_NATS=nats://127.0.0.1:4222")
	return ""
}

func openBus(t *testing.T, url string) *bus.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), waitFor)
	defer cancel()
	b, err := bus.Open(ctx, bus.Options{URL: url, Name: "parley-test-" + strconv.Itoa(os.Getpid())})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

// prefix returns a random subject prefix so parallel test processes sharing
// one external server do not see each other's messages.
func prefix(t *testing.T) string {
	t.Helper()
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		t.Fatal(err)
	}
	return "parleytest." + hex.EncodeToString(r[:])
}

type msg struct {
	subject, data string
}

// collect returns a handler that forwards messages to the returned channel.
func collect() (func(string, []byte), <-chan msg) {
	ch := make(chan msg, 64)
	return func(subject string, data []byte) {
		ch <- msg{subject, string(data)}
	}, ch
}

func recv(t *testing.T, ch <-chan msg) msg {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(waitFor):
		t.Fatal("timed out waiting for a message")
		return msg{}
	}
}

// expect receives len(want) messages from ch and checks them in order.
func expect(t *testing.T, ch <-chan msg, want ...msg) {
	t.Helper()
	for i, w := range want {
		if got := recv(t, ch); got != w {
			t.Fatalf("message %d: got %+v, want %+v", i, got, w)
		}
	}
}

func subscribe(t *testing.T, ctx context.Context, b *bus.Bus, subject string) <-chan msg {
	t.Helper()
	fn, ch := collect()
	if err := b.Subscribe(ctx, subject, fn); err != nil {
		t.Fatalf("Subscribe(%q): %v", subject, err)
	}
	return ch
}

func publish(t *testing.T, b *bus.Bus, subject, data string) {
	t.Helper()
	if err := b.Publish(t.Context(), subject, []byte(data)); err != nil {
		t.Fatalf("Publish(%q): %v", subject, err)
	}
}

func TestPublishSubscribe(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			b := be.open(t)
			p := prefix(t)
			ch := subscribe(t, t.Context(), b, p+".room.1")

			publish(t, b, p+".room.1", "hello")
			publish(t, b, p+".room.1", "")
			expect(t, ch, msg{p + ".room.1", "hello"}, msg{p + ".room.1", ""})
		})
	}
}

func TestWildcard(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			b := be.open(t)
			p := prefix(t)
			star := subscribe(t, t.Context(), b, p+".room.*")
			all := subscribe(t, t.Context(), b, p+".>")

			publish(t, b, p+".room.1", "a")
			publish(t, b, p+".room.1.typing", "b")
			publish(t, b, p+".user.7", "c")
			publish(t, b, p+".room.end", "d")

			// Delivery is ordered per subscription, so receiving "d" right
			// after "a" proves "*" skipped the other subjects.
			expect(t, star, msg{p + ".room.1", "a"}, msg{p + ".room.end", "d"})
			expect(t, all,
				msg{p + ".room.1", "a"},
				msg{p + ".room.1.typing", "b"},
				msg{p + ".user.7", "c"},
				msg{p + ".room.end", "d"},
			)
		})
	}
}

// TestFanOut checks that two nodes on one server both receive a message.
func TestFanOut(t *testing.T) {
	t.Parallel()
	url := externalURL(t)
	node1, node2 := openBus(t, url), openBus(t, url)
	p := prefix(t)
	ch1 := subscribe(t, t.Context(), node1, p+".room.*")
	ch2 := subscribe(t, t.Context(), node2, p+".room.*")

	publish(t, node1, p+".room.1", "from1")
	publish(t, node2, p+".room.2", "from2")

	// Order across two publishers is not defined, so compare as a set.
	for i, ch := range []<-chan msg{ch1, ch2} {
		got := map[msg]bool{recv(t, ch): true, recv(t, ch): true}
		for _, w := range []msg{{p + ".room.1", "from1"}, {p + ".room.2", "from2"}} {
			if !got[w] {
				t.Errorf("node%d: missing %+v, got %v", i+1, w, got)
			}
		}
	}
}

func TestUnsubscribeOnCancel(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			b := be.open(t)
			p := prefix(t)
			ctx, cancel := context.WithCancel(t.Context())
			cancelled := subscribe(t, ctx, b, p+".a")
			sentinel := subscribe(t, t.Context(), b, p+".b")

			publish(t, b, p+".a", "before")
			expect(t, cancelled, msg{p + ".a", "before"})

			cancel()
			publish(t, b, p+".a", "after")
			publish(t, b, p+".b", "sentinel")
			expect(t, sentinel, msg{p + ".b", "sentinel"})
			select {
			case m := <-cancelled:
				t.Fatalf("delivered after cancel: %+v", m)
			default:
			}

			// A fresh subscription on the same subject still works.
			again := subscribe(t, t.Context(), b, p+".a")
			publish(t, b, p+".a", "again")
			expect(t, again, msg{p + ".a", "again"})
		})
	}
}

func TestReadyAndClose(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			b := be.open(t)
			if got := b.Embedded(); got != be.embedded {
				t.Errorf("Embedded() = %v, want %v", got, be.embedded)
			}
			if err := b.Ready(t.Context()); err != nil {
				t.Fatalf("Ready while up: %v", err)
			}

			if err := b.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := b.Ready(t.Context()); err == nil {
				t.Error("Ready after Close: got nil, want error")
			}
			if err := b.Publish(t.Context(), "x", nil); err == nil {
				t.Error("Publish after Close: got nil, want error")
			}
			if err := b.Subscribe(t.Context(), "x", func(string, []byte) {}); err == nil {
				t.Error("Subscribe after Close: got nil, want error")
			}
			// The cleanup from open calls Close again; it must stay nil.
		})
	}
}

func TestOpenUnreachable(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		timeout time.Duration
		want    string // must appear in the error
		secret  string // must not appear in the error
	}{
		{name: "refused", url: "nats://127.0.0.1:1", timeout: 30 * time.Second,
			want: "connect to NATS at nats://127.0.0.1:1: dial tcp 127.0.0.1:1: connect: connection refused"},
		{name: "password redacted", url: "nats://parley:s3cret@127.0.0.1:1", timeout: 30 * time.Second,
			want: "nats://parley:xxxxx@127.0.0.1:1", secret: "s3cret"},
		{name: "token redacted", url: "nats://t0ken@127.0.0.1:1", timeout: 30 * time.Second,
			want: "127.0.0.1:1", secret: "t0ken"},
		// A black-hole address: ctx, not the connect timeout, bounds the wait.
		{name: "ctx deadline", url: "nats://10.255.255.1:4222", timeout: 200 * time.Millisecond,
			want: "connect to NATS at nats://10.255.255.1:4222: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), tt.timeout)
			defer cancel()
			start := time.Now()
			b, err := bus.Open(ctx, bus.Options{URL: tt.url})
			elapsed := time.Since(start)
			if err == nil {
				b.Close()
				t.Fatal("Open: got nil error")
			}
			t.Logf("error after %v: %v", elapsed, err)
			if elapsed > 6*time.Second {
				t.Errorf("Open took %v, want fail fast", elapsed)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not contain %q", msg, tt.want)
			}
			if tt.secret != "" && strings.Contains(msg, tt.secret) {
				t.Errorf("error %q leaks the secret", msg)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q is not one line", msg)
			}
		})
	}
}

// TestReconnect restarts a private server on the same port and checks that
// OnReconnect fires and subscriptions keep working.
func TestReconnect(t *testing.T) {
	t.Parallel()
	srv := startServer(t, -1)
	port := srv.Addr().(*net.TCPAddr).Port
	b := openBus(t, fmt.Sprintf("nats://127.0.0.1:%d", port))

	reconnected := make(chan struct{}, 1)
	b.OnReconnect(func() {
		select {
		case reconnected <- struct{}{}:
		default:
		}
	})
	ch := subscribe(t, t.Context(), b, "room.>")

	srv.Shutdown()
	srv.WaitForShutdown()
	startServer(t, port)

	select {
	case <-reconnected:
	case <-time.After(waitFor):
		t.Fatal("OnReconnect not called")
	}
	if err := b.Ready(t.Context()); err != nil {
		t.Fatalf("Ready after reconnect: %v", err)
	}
	publish(t, b, "room.1", "back")
	expect(t, ch, msg{"room.1", "back"})
}

func startServer(t *testing.T, port int) *server.Server {
	t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	if !srv.ReadyForConnections(waitFor) {
		t.Fatal("test NATS server not ready")
	}
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	return srv
}
