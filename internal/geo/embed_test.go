package geo

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmbeddedChecksum: the constant the mapped copy is checked against is the decompressed
// database's SHA-256, and data/README.md says the same (refresh.sh rewrites the README).
func TestEmbeddedChecksum(t *testing.T) {
	buf, err := embeddedCountryDB()
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf)
	if got := hex.EncodeToString(sum[:]); got != embeddedSHA256 {
		t.Fatalf("embeddedSHA256 = %s, the embedded database's is %s: update the constant", embeddedSHA256, got)
	}
	readme, err := os.ReadFile("data/README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "sha256 "+embeddedSHA256) {
		t.Fatal("data/README.md does not give the embedded database's sha256")
	}
}

// TestOpenEmbeddedMapsAFile: the embedded database is written once into the first usable
// directory and mapped from there; a damaged copy is written again; lookups answer as from memory.
func TestOpenEmbeddedMapsAFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	l := OpenEmbedded("", dir)
	for _, c := range embeddedCases {
		if got := l.Lookup(netip.MustParseAddr(c.ip)); got.CountryCode != c.code {
			t.Errorf("Lookup(%s) = %+v, want %s", c.ip, got, c.code)
		}
	}
	if !l.Mapped() || l.MapError() != nil {
		t.Fatalf("not mapped: %v", l.MapError())
	}
	path := filepath.Join(dir, "dbip-country-"+embeddedSHA256[:16]+".mmdb")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	// Damaged (same size, other bytes): checked on open, and written again.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	again := OpenEmbedded(dir)
	if got := again.Lookup(netip.MustParseAddr("8.8.8.8")); got.CountryCode != "US" || !again.Mapped() {
		t.Fatalf("after damage: %+v, mapped %v (%v)", got, again.Mapped(), again.MapError())
	}
	if sum, err := fileSum(path); err != nil || sum != embeddedSHA256 {
		t.Fatalf("the damaged copy was not replaced: %s %v", sum, err)
	}
	if after, _ := os.Stat(path); after.Size() != st.Size() {
		t.Fatalf("size %d, want %d", after.Size(), st.Size())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("the cache directory holds %d files, want the one copy", len(entries))
	}
	_ = again.Close()
}

// TestOpenEmbeddedFallsBackToMemory: with no directory that can hold the copy, the database is
// decompressed into memory and lookups still answer; MapError says why.
func TestOpenEmbeddedFallsBackToMemory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := OpenEmbedded(file)
	if got := l.Lookup(netip.MustParseAddr("8.8.8.8")); got.CountryCode != "US" {
		t.Fatalf("Lookup = %+v", got)
	}
	if l.Mapped() || l.MapError() == nil {
		t.Fatalf("mapped %v, error %v: want the in-memory fallback and its reason", l.Mapped(), l.MapError())
	}
}
