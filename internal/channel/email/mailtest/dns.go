package mailtest

import (
	"context"
	"net"
	"strings"
	"sync"
)

// DNS is a resolver with fixed answers, for tests that cannot reach DNS. A name it does not know is
// answered like a name that does not exist; one listed in Broken fails like an unreachable server.
type DNS struct {
	mu     sync.Mutex
	IP     map[string][]string // host -> addresses
	TXT    map[string][]string
	MX     map[string][]*net.MX
	PTR    map[string][]string // address -> names
	Broken map[string]bool
}

func (d *DNS) answer(name string, m map[string][]string) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	key := strings.ToLower(strings.TrimSuffix(name, "."))
	if d.Broken[key] {
		return nil, &net.DNSError{Err: "server misbehaving", Name: name, IsTemporary: true}
	}
	if v, ok := m[key]; ok {
		return v, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

// SetTXT sets the TXT records of name.
func (d *DNS) SetTXT(name string, records ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.TXT == nil {
		d.TXT = map[string][]string{}
	}
	d.TXT[strings.ToLower(name)] = records
}

func (d *DNS) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	ips, err := d.answer(host, d.IP)
	if err != nil {
		return nil, err
	}
	var out []net.IPAddr
	for _, s := range ips {
		out = append(out, net.IPAddr{IP: net.ParseIP(s)})
	}
	return out, nil
}

func (d *DNS) LookupTXT(_ context.Context, name string) ([]string, error) {
	return d.answer(name, d.TXT)
}

func (d *DNS) LookupMX(_ context.Context, name string) ([]*net.MX, error) {
	d.mu.Lock()
	mx, ok := d.MX[strings.ToLower(strings.TrimSuffix(name, "."))]
	d.mu.Unlock()
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return mx, nil
}

func (d *DNS) LookupAddr(_ context.Context, addr string) ([]string, error) {
	return d.answer(addr, d.PTR)
}
