package store

import (
	"encoding/hex"
	"net/netip"
)

// IPKey is an IP address as 32 hex digits of its 16 bytes (an IPv4 address mapped into IPv6), so
// that the addresses of a CIDR range are a range of strings on both engines (visitors.ip_key).
// Anything else is "".
func IPKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	b := a.Unmap().As16()
	if a.Unmap().Is4() {
		b = netip.AddrFrom16(netip.AddrFrom4(a.Unmap().As4()).As16()).As16()
	}
	return hex.EncodeToString(b[:])
}

// IPKeyRange is the first and last IPKey of a prefix.
func IPKeyRange(p netip.Prefix) (lo, hi string) {
	p = p.Masked()
	first := p.Addr()
	b := first.As16()
	bits := p.Bits()
	if first.Is4() {
		bits += 96
	}
	last := b
	for i := bits; i < 128; i++ {
		last[i/8] |= 1 << (7 - i%8)
	}
	return hex.EncodeToString(b[:]), hex.EncodeToString(last[:])
}
