package store

import (
	"net/netip"
	"testing"
)

func TestIPKeyRange(t *testing.T) {
	lo, hi := IPKeyRange(netip.MustParsePrefix("203.0.113.0/24"))
	for ip, in := range map[string]bool{"203.0.113.0": true, "203.0.113.255": true, "203.0.114.0": false, "::ffff:203.0.113.9": true, "2001:db8::1": false} {
		k := IPKey(ip)
		if got := k >= lo && k <= hi; got != in {
			t.Errorf("%s in 203.0.113.0/24: %v (key %s, range %s–%s)", ip, got, k, lo, hi)
		}
	}
	lo, hi = IPKeyRange(netip.MustParsePrefix("2001:db8::/32"))
	if k := IPKey("2001:db8:ffff::1"); k < lo || k > hi {
		t.Error("IPv6 range")
	}
	if IPKey("not an ip") != "" {
		t.Error("junk has a key")
	}
}
