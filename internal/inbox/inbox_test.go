package inbox

import (
	"testing"

	"github.com/parleyhq/parley/internal/errs"
)

func TestDefaultsPerChannel(t *testing.T) {
	for k, want := range map[Kind][2]string{Web: {"private", "final"}, Email: {"shared", "reopen"}, Messenger: {"shared", "reopen"}, WhatsApp: {"shared", "reopen"}} {
		v, r := Defaults(k)
		if string(v) != want[0] || string(r) != want[1] {
			t.Errorf("%s: %s/%s, want %s/%s", k, v, r, want[0], want[1])
		}
	}
}

func TestCleanDomains(t *testing.T) {
	got, err := CleanDomains([]string{" Shop.Example.com ", "https://www.example.org/", "*.example.net", "localhost", "127.0.0.1", "shop.example.com", ""})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"shop.example.com", "www.example.org", "*.example.net", "localhost", "127.0.0.1"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	for _, bad := range []string{"not a domain", "example", "exa mple.com", "example.com:8080", "example.com/path?x"} {
		if _, err := CleanDomains([]string{bad}); !errs.Is(err, errs.Invalid) {
			t.Errorf("%q accepted: %v", bad, err)
		}
	}
}

func TestAllowsHostAndCheckPage(t *testing.T) {
	w := &Website{AllowedDomains: []string{"example.com", "*.shop.test", "localhost"}}
	for host, want := range map[string]bool{
		"example.com": true, "www.example.com": true, "EXAMPLE.com:443": true, "evil-example.com": false, "example.com.evil.test": false,
		"a.shop.test": true, "shop.test": true, "localhost:8080": true, "127.0.0.1": false, "": false,
	} {
		if got := w.AllowsHost(host); got != want {
			t.Errorf("AllowsHost(%q) = %v, want %v", host, got, want)
		}
	}
	if err := w.CheckPage("https://www.example.com/pricing"); err != nil {
		t.Fatal(err)
	}
	if err := w.CheckPage("https://evil.test/"); !errs.Is(err, errs.Forbidden) {
		t.Fatalf("foreign page: %v", err)
	}
	if err := w.CheckPage("javascript:alert(1)"); !errs.Is(err, errs.Invalid) {
		t.Fatalf("script URL: %v", err)
	}
	if err := w.CheckPage(""); err != nil {
		t.Fatalf("unknown page: %v", err)
	}
}
