// Package bus is the event bus between server nodes.
//
// The database is the log; the bus only rings the bell. Messages are small
// notifications ("room 42 has something new") delivered at most once over core
// NATS (no JetStream). A receiver that may have missed messages, for instance
// after a reconnect, must refetch from the database; see OnReconnect.
package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

const (
	// connectTimeout bounds the first connection so a wrong URL fails start-up
	// quickly instead of hanging.
	connectTimeout = 5 * time.Second
	// defaultFlushTimeout is used when the caller's ctx has no deadline, because
	// nats.go refuses to flush without one.
	defaultFlushTimeout = 5 * time.Second
	// drainTimeout bounds Close; undelivered notifications are harmless since
	// the database holds the truth.
	drainTimeout = 5 * time.Second
	// Reconnect back-off: doubles from minBackoff up to maxBackoff.
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
	// pingInterval is lower than the nats.go default (2 min) so a dead TCP
	// connection is noticed, and OnReconnect fired, within about a minute.
	pingInterval = 20 * time.Second
	// embeddedReadyTimeout bounds the wait for the in-process server.
	embeddedReadyTimeout = 10 * time.Second
)

// Bus publishes small messages on subjects and delivers them to subscribers on every node.
type Bus struct {
	nc         *nats.Conn
	srv        *server.Server // nil unless embedded
	log        *slog.Logger
	connClosed chan struct{} // closed by the nats.go ClosedHandler
	closing    atomic.Bool   // set by Close so expected disconnects are not logged as warnings

	mu          sync.Mutex
	closed      bool
	done        chan struct{} // closed by Close; stops subscription watchers
	wg          sync.WaitGroup
	onReconnect []func()

	closeOnce sync.Once
	closeErr  error
}

// Options configures Open.
type Options struct {
	URL    string       // empty: start an embedded nats-server in-process with no listening port and connect in-process
	Name   string       // connection name, e.g. "parley-<hostname>-<pid>"
	Logger *slog.Logger // may be nil: logs are discarded
}

// Open connects to NATS at opt.URL, or starts an embedded server when opt.URL
// is empty. The first connection attempt fails fast (within ctx and at most
// about 5 s) so a misconfigured URL is reported at start-up; once connected,
// the connection is re-established forever with back-off.
func Open(ctx context.Context, opt Options) (*Bus, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := &Bus{
		log:        log,
		connClosed: make(chan struct{}),
		done:       make(chan struct{}),
	}

	display := redactURL(opt.URL)
	if opt.URL == "" {
		srv, err := startEmbedded(opt.Name)
		if err != nil {
			return nil, err
		}
		b.srv = srv
		display = "embedded server"
	}

	dial := &dialer{Dialer: net.Dialer{Timeout: connectTimeout}}
	nopts := []nats.Option{
		nats.Name(opt.Name),
		nats.Timeout(connectTimeout),
		nats.SetCustomDialer(dial),
		nats.RetryOnFailedConnect(false), // fail fast at start
		nats.MaxReconnects(-1),           // then never give up
		nats.CustomReconnectDelay(backoff),
		nats.PingInterval(pingInterval),
		nats.DrainTimeout(drainTimeout),
		nats.DisconnectErrHandler(b.handleDisconnect),
		nats.ReconnectHandler(b.handleReconnect),
		nats.ClosedHandler(b.handleClosed),
		nats.ErrorHandler(b.handleError),
	}
	if b.srv != nil {
		nopts = append(nopts, nats.InProcessServer(b.srv))
	}

	// nats.Connect takes no context, so run it aside and give up when ctx ends.
	type result struct {
		nc  *nats.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		nc, err := nats.Connect(opt.URL, nopts...)
		ch <- result{nc, err}
	}()
	var res result
	select {
	case res = <-ch:
	case <-ctx.Done():
		b.closing.Store(true) // a late connection is closed on purpose, quietly
		go func() {
			// Don't leak a connection that succeeds after we gave up.
			if r := <-ch; r.nc != nil {
				r.nc.Close()
			}
		}()
		res.err = ctx.Err()
	}
	if errors.Is(res.err, nats.ErrNoServers) {
		if err := dial.lastErr(); err != nil {
			res.err = err // e.g. "dial tcp 127.0.0.1:4222: connect: connection refused"
		}
	}
	if res.err != nil {
		b.shutdownEmbedded()
		return nil, fmt.Errorf("connect to NATS at %s: %w", display, res.err)
	}
	b.nc = res.nc
	log.Info("bus connected", "url", display, "server", b.nc.ConnectedServerName(), "name", opt.Name)
	return b, nil
}

// dialer remembers the last dial error, because nats.go reports a refused
// connection only as "no servers available for connection".
type dialer struct {
	net.Dialer
	mu  sync.Mutex
	err error
}

func (d *dialer) Dial(network, address string) (net.Conn, error) {
	c, err := d.Dialer.Dial(network, address)
	d.mu.Lock()
	d.err = err
	d.mu.Unlock()
	return c, err
}

func (d *dialer) lastErr() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// startEmbedded runs an in-process nats-server without any listener, so a
// single-node deployment needs no extra process and opens no port.
func startEmbedded(name string) (*server.Server, error) {
	if name == "" {
		name = "parley-embedded"
	}
	srv, err := server.NewServer(&server.Options{
		ServerName: name,
		DontListen: true,
		NoLog:      true,
		NoSigs:     true,
		JetStream:  false,
	})
	if err != nil {
		return nil, fmt.Errorf("create embedded NATS server: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(embeddedReadyTimeout) {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("embedded NATS server not ready after %s", embeddedReadyTimeout)
	}
	return srv, nil
}

func (b *Bus) shutdownEmbedded() {
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
	}
}

// backoff doubles the reconnect delay per attempt up to maxBackoff, with ±20 %
// jitter so a fleet of nodes does not reconnect in lockstep.
func backoff(attempts int) time.Duration {
	d := maxBackoff
	if attempts < 16 {
		d = min(minBackoff<<max(attempts-1, 0), maxBackoff)
	}
	jitter := time.Duration(rand.Int64N(int64(d)/5*2+1)) - d/5
	return d + jitter
}

// redactURL hides passwords (and tokens in the user field) of a
// comma-separated server list, for use in logs and errors.
func redactURL(raw string) string {
	parts := strings.Split(raw, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		u, err := url.Parse(p)
		if err != nil {
			parts[i] = "<unparsable URL>"
			continue
		}
		if u.User != nil {
			if _, hasPass := u.User.Password(); !hasPass {
				// nats://token@host: the user field is the secret.
				u.User = url.User("xxxxx")
			}
		}
		parts[i] = u.Redacted()
	}
	return strings.Join(parts, ",")
}

// Embedded reports whether the bus runs its own in-process server.
func (b *Bus) Embedded() bool { return b.srv != nil }

// Publish sends data on subject. While reconnecting, nats.go buffers the
// message; delivery is not guaranteed, which is fine because the database is
// the log.
func (b *Bus) Publish(ctx context.Context, subject string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("publish to %q: %w", subject, err)
	}
	if err := b.nc.Publish(subject, data); err != nil {
		return fmt.Errorf("publish to %q: %w", subject, err)
	}
	return nil
}

// Subscribe calls fn for each message on subject (NATS wildcards * and > allowed)
// until ctx ends or Close; it returns once the subscription is registered with
// the server (flush), so a Publish made after Subscribe returns is delivered.
//
// fn runs on the subscription's own goroutine, one message at a time in
// arrival order. It must not block long: messages queue up behind it and,
// past the nats.go pending limits, are dropped (logged as a slow consumer).
// fn is not called after ctx is done.
func (b *Bus) Subscribe(ctx context.Context, subject string, fn func(subject string, data []byte)) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("subscribe to %q: %w", subject, err)
	}
	// Count the subscription before touching the connection so Close waits
	// for it; the lock is not held across the network round trip.
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return fmt.Errorf("subscribe to %q: %w", subject, nats.ErrConnectionClosed)
	}
	b.wg.Add(1)
	b.mu.Unlock()

	sub, err := b.nc.Subscribe(subject, func(m *nats.Msg) {
		// The unsubscribe below is asynchronous; this check makes cancellation
		// take effect at once for the caller.
		if ctx.Err() != nil {
			return
		}
		fn(m.Subject, m.Data)
	})
	if err != nil {
		b.wg.Done()
		return fmt.Errorf("subscribe to %q: %w", subject, err)
	}
	if err := b.flush(ctx); err != nil {
		_ = sub.Unsubscribe()
		b.wg.Done()
		return fmt.Errorf("subscribe to %q: register with server: %w", subject, err)
	}

	go func() {
		defer b.wg.Done()
		select {
		case <-ctx.Done():
			if err := sub.Unsubscribe(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
				b.log.Debug("bus unsubscribe", "subject", subject, "err", err)
			}
		case <-b.done:
			// Close drains the connection, which ends every subscription.
		}
	}()
	return nil
}

// Ready returns nil when the connection to the server is up, by making a
// round trip bounded by ctx. It is meant for /readyz.
func (b *Bus) Ready(ctx context.Context) error {
	if err := b.flush(ctx); err != nil {
		return fmt.Errorf("bus not ready: %w", err)
	}
	return nil
}

func (b *Bus) flush(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultFlushTimeout)
		defer cancel()
	}
	return b.nc.FlushWithContext(ctx)
}

// OnReconnect registers fn called after the connection comes back after a
// disconnect (receivers use it to refetch from the database, since messages
// may have been missed). Callbacks run one after another on the nats.go
// callback goroutine, so slow work should be started in a goroutine.
func (b *Bus) OnReconnect(fn func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.onReconnect = append(b.onReconnect, fn)
}

func (b *Bus) handleDisconnect(_ *nats.Conn, err error) {
	if b.closing.Load() {
		return
	}
	b.log.Warn("bus disconnected, reconnecting", "err", err)
}

func (b *Bus) handleReconnect(nc *nats.Conn) {
	b.log.Info("bus reconnected", "server", nc.ConnectedServerName(), "url", redactURL(nc.ConnectedUrl()))
	b.mu.Lock()
	fns := append([]func(){}, b.onReconnect...)
	b.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

func (b *Bus) handleClosed(_ *nats.Conn) {
	if !b.closing.Load() {
		b.log.Error("bus connection closed unexpectedly")
	}
	close(b.connClosed)
}

func (b *Bus) handleError(_ *nats.Conn, sub *nats.Subscription, err error) {
	if sub != nil {
		b.log.Error("bus subscription error", "subject", sub.Subject, "err", err)
		if errors.Is(err, nats.ErrSlowConsumer) {
			// Messages were dropped: receivers must refetch from the database, as after a
			// reconnect. (Run aside: this is the nats.go callback goroutine.)
			b.mu.Lock()
			fns := append([]func(){}, b.onReconnect...)
			b.mu.Unlock()
			go func() {
				for _, fn := range fns {
					fn()
				}
			}()
		}
		return
	}
	b.log.Error("bus error", "err", err)
}

// Close drains the connection, shuts the embedded server down and waits for it.
// It is safe to call more than once.
func (b *Bus) Close() error {
	b.closeOnce.Do(func() { b.closeErr = b.close() })
	return b.closeErr
}

func (b *Bus) close() error {
	b.closing.Store(true)
	b.mu.Lock()
	b.closed = true
	close(b.done)
	b.mu.Unlock()
	b.wg.Wait()

	var errs []error
	// Drain lets in-flight messages reach handlers and flushes pending
	// publishes. While reconnecting it closes at once and says so; that is fine.
	err := b.nc.Drain()
	if err != nil && !errors.Is(err, nats.ErrConnectionClosed) && !errors.Is(err, nats.ErrConnectionReconnecting) {
		errs = append(errs, fmt.Errorf("drain NATS connection: %w", err))
	}
	select {
	case <-b.connClosed:
	case <-time.After(drainTimeout + time.Second):
		errs = append(errs, errors.New("drain NATS connection: timed out"))
		b.nc.Close()
	}
	b.shutdownEmbedded()
	return errors.Join(errs...)
}
