package webhook_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/webhook"
)

func TestPublicAddr(t *testing.T) {
	private := []string{
		"10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254", "192.168.1.1", "127.0.0.1", "127.8.9.10", "0.0.0.0",
		"169.254.169.254", "169.254.0.1", "100.64.0.1", "100.100.100.200", "192.0.0.192", "224.0.0.1", "255.255.255.255",
		"::1", "::", "fe80::1", "fd00:ec2::254", "fc00::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
		"64:ff9b::a00:1", "2002:7f00:1::1", "2001:db8::1", "2001::1", "198.18.0.1",
	}
	public := []string{"93.184.216.34", "1.1.1.1", "8.8.8.8", "172.32.0.1", "192.169.0.1", "2606:4700::1111", "64:ff9b::808:808",
		"2002:808:808::1", "::ffff:8.8.8.8"}
	for _, s := range private {
		if webhook.PublicAddr(netip.MustParseAddr(s)) {
			t.Errorf("%s counts as public", s)
		}
	}
	for _, s := range public {
		if !webhook.PublicAddr(netip.MustParseAddr(s)) {
			t.Errorf("%s counts as private", s)
		}
	}
}

// Address literals pointing inside are refused when an endpoint is saved (10.0.0.1,
// 169.254.169.254, [::1] and their kind), as are localhost names and numeric forms resolvers
// read as addresses; public addresses and names pass. With private targets allowed, all pass.
func TestCheckURL(t *testing.T) {
	refused := []string{
		"https://10.0.0.1/hook", "http://169.254.169.254/latest/meta-data/", "https://[::1]/hook", "https://[::1]:8443/x",
		"http://127.0.0.1:8080/", "https://localhost/hook", "https://api.localhost/x", "https://LOCALHOST./x",
		"https://[::ffff:10.0.0.1]/", "https://[fe80::1%25eth0]/", "http://0.0.0.0/", "https://2130706433/", "https://0x7f.1/",
		"https://127.1/",
	}
	for _, u := range refused {
		_, err := webhook.CheckURL(u, false)
		if !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: %v, want refused", u, err)
		}
	}
	if _, err := webhook.CheckURL("https://10.0.0.1/hook", false); !strings.Contains(err.Error(), "--webhooks-allow-private") {
		t.Errorf("the refusal does not name the flag: %v", err)
	}
	for _, u := range []string{"https://example.com/hooks/parley", "http://93.184.216.34:8080/x?y=1", "https://[2606:4700::1111]/"} {
		if got, err := webhook.CheckURL(u, false); err != nil || got != u {
			t.Errorf("%s: %q, %v", u, got, err)
		}
	}
	for _, u := range refused[:8] {
		if _, err := webhook.CheckURL(u, true); err != nil {
			t.Errorf("%s with private targets allowed: %v", u, err)
		}
	}
	for _, u := range []string{"", "ftp://example.com/", "https://user:pw@example.com/", "https:///path", "example.com/hook",
		"https://example.com/#frag", "https://example.com:99999/"} {
		if _, err := webhook.CheckURL(u, true); !errs.Is(err, errs.Invalid) {
			t.Errorf("%q: %v, want invalid", u, err)
		}
	}
}

// resolver answers every name with the same addresses, as a DNS server an attacker controls
// might (DNS rebinding: public when the endpoint was saved, loopback now).
type resolver struct {
	mu    sync.Mutex
	addrs []netip.Addr
	asked []string
}

func (r *resolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked = append(r.asked, host)
	return r.addrs, nil
}

// A name that resolves (through the injected resolver) to 127.0.0.1 is refused at connect time:
// the Control hook sees the address before the socket connects, so the loopback server never
// sees a connection. The same name with private targets allowed connects. Nothing here leaves
// loopback: the only address ever connected to is the test server's.
func TestDialerRefusesPrivateAddressAtConnectTime(t *testing.T) {
	var accepted atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			accepted.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	target := "http://hooks.example.test:" + strconv.Itoa(port) + "/in"
	if _, err := webhook.CheckURL(target, false); err != nil {
		t.Fatalf("a public-looking name is refused when saved: %v", err)
	}

	// The injected dialer records what its own Control hook saw: the address check runs first.
	var controlled []string
	var mu sync.Mutex
	base := &net.Dialer{Timeout: 5 * time.Second, Control: func(network, address string, c syscall.RawConn) error {
		mu.Lock()
		defer mu.Unlock()
		controlled = append(controlled, address)
		return nil
	}}
	res := &resolver{addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}
	client := webhook.NewClient(webhook.NewDialer(false, res, base), 5*time.Second)
	_, err := client.Post(target, "application/json", strings.NewReader("{}"))
	if !errors.Is(err, webhook.ErrPrivateAddress) {
		t.Fatalf("POST to a name resolving to 127.0.0.1: %v, want ErrPrivateAddress", err)
	}
	if len(res.asked) != 1 || res.asked[0] != "hooks.example.test" {
		t.Fatalf("the injected resolver was asked %v", res.asked)
	}
	if len(controlled) != 0 || accepted.Load() != 0 {
		t.Fatalf("the refused connection got past the check: base dialer saw %v, server accepted %d", controlled, accepted.Load())
	}

	// Every address of the name is checked: a public one first, then loopback, is still refused
	// (the public one is not dialled either: these tests connect to loopback only, so its
	// connection is refused by the injected dialer's hook).
	res.addrs = []netip.Addr{netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("10.0.0.1")}
	base.Control = func(network, address string, c syscall.RawConn) error {
		mu.Lock()
		defer mu.Unlock()
		controlled = append(controlled, address)
		return errors.New("the test dials loopback only")
	}
	client = webhook.NewClient(webhook.NewDialer(false, res, base), 5*time.Second)
	_, err = client.Post(target, "application/json", strings.NewReader("{}"))
	if !errors.Is(err, webhook.ErrPrivateAddress) || len(controlled) != 1 || !strings.HasPrefix(controlled[0], "93.184.216.34:") {
		t.Fatalf("public then private: %v; the base dialer saw %v", err, controlled)
	}

	// With private targets allowed, the same name reaches the loopback server.
	controlled = nil
	base.Control = nil
	res.addrs = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	client = webhook.NewClient(webhook.NewDialer(true, res, base), 5*time.Second)
	r, err := client.Post(target, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusNoContent || accepted.Load() != 1 {
		t.Fatalf("allowed: %d, %d connections", r.StatusCode, accepted.Load())
	}
}

// The Control hook itself refuses loopback before connect, so a plain net.Dialer with it cannot
// reach a listener on 127.0.0.1 (and [::1] where the host has IPv6).
func TestControlHookRefusesBeforeConnect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	d := &net.Dialer{Timeout: 5 * time.Second, Control: func(network, address string, c syscall.RawConn) error {
		return webhook.CheckAddress(false, address)
	}}
	if _, err := d.Dial("tcp", ln.Addr().String()); !errors.Is(err, webhook.ErrPrivateAddress) {
		t.Fatalf("dial loopback: %v", err)
	}
	if err := webhook.CheckAddress(false, "[::1]:443"); !errors.Is(err, webhook.ErrPrivateAddress) {
		t.Fatalf("[::1]: %v", err)
	}
	if err := webhook.CheckAddress(false, "169.254.169.254:80"); !errors.Is(err, webhook.ErrPrivateAddress) {
		t.Fatalf("metadata: %v", err)
	}
	if err := webhook.CheckAddress(false, "93.184.216.34:443"); err != nil {
		t.Fatalf("public: %v", err)
	}
	if accepted.Load() != 0 {
		t.Fatal("the listener accepted a connection the hook refused")
	}
}
