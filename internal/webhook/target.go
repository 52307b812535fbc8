package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/parleyhq/parley/internal/errs"
)

// Safe targets. A webhook URL is typed by an admin, but the request is made by the server, from
// inside the operator's network: without a check it could reach the database, the cloud's
// metadata service (169.254.169.254 hands out credentials) or anything else only the server can
// see. So requests go only to public addresses unless the operator allows private ones
// (--webhooks-allow-private). An address literal in the URL is refused when the endpoint is saved;
// a name is checked on the address it resolves to, in the dialer's Control hook, which runs for
// the very address the socket is about to connect to: a name that resolves to a public address
// when saved and to 127.0.0.1 later (DNS rebinding) is refused then.

// blocked lists the ranges no request goes to unless private targets are allowed. IPv4-mapped
// IPv6 addresses are unmapped before they are looked up; addresses of the IPv6 transition ranges
// that carry an IPv4 address are judged by that address (embedded).
var blocked = prefixes(
	"0.0.0.0/8",       // "this network"; 0.0.0.0 reaches the host itself
	"10.0.0.0/8",      // private
	"100.64.0.0/10",   // carrier-grade NAT, shared address space (also Alibaba's metadata 100.100.100.200)
	"127.0.0.0/8",     // loopback
	"169.254.0.0/16",  // link-local, the cloud metadata services (169.254.169.254)
	"172.16.0.0/12",   // private
	"192.0.0.0/24",    // IETF protocol assignments (Oracle's metadata 192.0.0.192)
	"192.0.2.0/24",    // documentation
	"192.88.99.0/24",  // 6to4 relay anycast
	"192.168.0.0/16",  // private
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // documentation
	"203.0.113.0/24",  // documentation
	"224.0.0.0/4",     // multicast
	"240.0.0.0/4",     // reserved, and the broadcast address
	"::/128",          // unspecified
	"::1/128",         // loopback
	"100::/64",        // discard
	"2001:db8::/32",   // documentation
	"fc00::/7",        // unique local (AWS's metadata fd00:ec2::254)
	"fe80::/10",       // link-local
	"ff00::/8",        // multicast
	"2001::/32",       // Teredo (tunnels to an IPv4 address)
	"2001:10::/28",    // ORCHID
	"2001:20::/28",    // ORCHIDv2
	"64:ff9b:1::/48",  // local-use NAT64
)

// embedded are IPv6 ranges whose addresses carry an IPv4 address, judged by it.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

func prefixes(list ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(list))
	for i, s := range list {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// PublicAddr reports whether a request may go to ip when private targets are not allowed.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	if !ip.IsValid() {
		return false
	}
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64.Contains(ip):
			return PublicAddr(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(ip):
			return PublicAddr(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// errPrivateTarget is the refusal of a private address.
func errPrivateTarget(what string) error {
	return errs.Coded(errs.Invalid, "url_private",
		"url: %s is a private, loopback, link-local or otherwise non-public address; webhooks go only to public addresses unless the server runs with --webhooks-allow-private", what)
}

// CheckURL checks an endpoint's URL when it is saved and returns it cleaned: http or https, a
// host, no credentials, and — unless private targets are allowed — no address literal or
// localhost name that points inside. Names are checked again on every connection (Dialer).
func CheckURL(raw string, allowPrivate bool) (string, error) {
	u, err := normalURL(raw)
	if err != nil {
		return "", err
	}
	if allowPrivate {
		return u.String(), nil
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if !PublicAddr(ip) {
			return "", errPrivateTarget(host)
		}
		return u.String(), nil
	}
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return "", errPrivateTarget(host) // RFC 6761: always the loopback address
	}
	if looksNumeric(name) {
		// 2130706433, 0x7f.1 and 127.1 are not address literals to Go, but resolvers read them
		// as 127.0.0.1.
		return "", errs.Coded(errs.Invalid, "url_invalid", "url: %s is neither a name nor an address literal Parley accepts", host)
	}
	return u.String(), nil
}

// looksNumeric reports whether a host name is made of digits, dots and hex notation only: an
// address in a form some resolvers accept but netip does not.
func looksNumeric(name string) bool {
	labels := strings.Split(name, ".")
	last := labels[len(labels)-1]
	if last == "" {
		return false
	}
	for _, r := range last {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r == 'x') {
			return false
		}
	}
	return last[0] >= '0' && last[0] <= '9'
}

// Resolver finds the addresses of a name (net.DefaultResolver does; tests inject their own).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// ErrPrivateAddress is the error of a connection refused because of where it would go.
var ErrPrivateAddress = errors.New("refused: not a public address (--webhooks-allow-private allows it)")

// Dialer opens the connections of deliveries. It resolves a name itself (through Resolver) and
// dials each address with a net.Dialer whose Control hook refuses non-public addresses: the hook
// sees the address the socket connects to, so no name, redirect or proxy leads around it.
type Dialer struct {
	allowPrivate bool
	resolver     Resolver
	dialer       *net.Dialer
}

// NewDialer returns a Dialer. resolver nil means net.DefaultResolver; base nil means a plain
// net.Dialer with a 10-second timeout. base's own Control, if any, runs after the address check.
func NewDialer(allowPrivate bool, resolver Resolver, base *net.Dialer) *Dialer {
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	d := &net.Dialer{Timeout: 10 * time.Second}
	if base != nil {
		c := *base
		d = &c
	}
	inner := d.Control
	d.Control = func(network, address string, c syscall.RawConn) error {
		if err := CheckAddress(allowPrivate, address); err != nil {
			return err
		}
		if inner != nil {
			return inner(network, address, c)
		}
		return nil
	}
	return &Dialer{allowPrivate: allowPrivate, resolver: resolver, dialer: d}
}

// CheckAddress is the Control hook's check of the "ip:port" a socket is about to connect to.
func CheckAddress(allowPrivate bool, address string) error {
	if allowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", address, ErrPrivateAddress)
	}
	if !PublicAddr(ap.Addr()) {
		return fmt.Errorf("connect to %s: %w", ap.Addr(), ErrPrivateAddress)
	}
	return nil
}

// DialContext connects to address ("host:port"), trying the host's addresses in turn.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		family := "ip"
		switch network {
		case "tcp4":
			family = "ip4"
		case "tcp6":
			family = "ip6"
		}
		if ips, err = d.resolver.LookupNetIP(ctx, family, host); err != nil {
			return nil, err
		}
		if len(ips) == 0 {
			return nil, fmt.Errorf("%s has no address", host)
		}
	}
	var errsSeen []error
	for _, ip := range ips {
		c, err := d.dialer.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return c, nil
		}
		errsSeen = append(errsSeen, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errsSeen...)
}
