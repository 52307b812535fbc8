package secret

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/parleyhq/parley/internal/errs"
)

func ring(t *testing.T, current []byte, old ...[]byte) *Keyring {
	t.Helper()
	k, err := NewKeyring(current, old...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpenRoundTrip(t *testing.T) {
	k := ring(t, NewKey())
	for _, plain := range []string{"sk_4f9a1c", "", strings.Repeat("ü", 1000)} {
		sealed, err := k.Seal([]byte(plain), "website:12:identify")
		if err != nil {
			t.Fatal(err)
		}
		if !Sealed(sealed) || !strings.HasPrefix(sealed, "v1:"+k.CurrentID()+":") || !k.SealedWithCurrent(sealed) {
			t.Errorf("sealed form %q does not name version and key %s", sealed, k.CurrentID())
		}
		if plain != "" && strings.Contains(sealed, plain) {
			t.Errorf("sealed value shows the plaintext: %q", sealed)
		}
		got, err := k.Open(sealed, "website:12:identify")
		if err != nil || string(got) != plain {
			t.Errorf("open: %q, %v; want %q", got, err, plain)
		}
	}
	a, _ := k.Seal([]byte("same"), "p")
	b, _ := k.Seal([]byte("same"), "p")
	if a == b {
		t.Error("two seals of one plaintext are equal: the nonce is not fresh")
	}
}

func TestOpenRefuses(t *testing.T) {
	k := ring(t, NewKey())
	sealed, err := k.Seal([]byte("sk_identify"), "website:12:identify")
	if err != nil {
		t.Fatal(err)
	}
	wantErr := func(what string, err, want error) {
		t.Helper()
		if !errors.Is(err, want) || errs.KindOf(err) != errs.Internal {
			t.Errorf("%s: got %v, want %v (internal)", what, err, want)
		}
	}

	_, err = ring(t, NewKey()).Open(sealed, "website:12:identify")
	wantErr("another key", err, ErrUnknownKey)

	_, err = k.Open(sealed, "website:13:identify")
	wantErr("moved to another row", err, ErrUnreadable)
	_, err = k.Open(sealed, "website:12:webhook")
	wantErr("used for another purpose", err, ErrUnreadable)

	// Flip one bit of the ciphertext, then of the nonce.
	prefix := "v1:" + k.CurrentID() + ":"
	raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(sealed, prefix))
	for _, at := range []int{len(raw) - 1, 0} {
		bad := bytes.Clone(raw)
		bad[at] ^= 1
		_, err = k.Open(prefix+base64.RawURLEncoding.EncodeToString(bad), "website:12:identify")
		wantErr("tampered", err, ErrUnreadable)
	}
	// The same key id on a value sealed under another key (as if the ids collided).
	other := ring(t, NewKey())
	forged, _ := other.Seal([]byte("x"), "website:12:identify")
	_, err = k.Open(prefix+strings.SplitN(forged, ":", 3)[2], "website:12:identify")
	wantErr("another key under this key's id", err, ErrUnreadable)

	for _, junk := range []string{"sk_plain", "v1:", "v1:" + k.CurrentID(), prefix + "!!!", prefix + "AAAA"} {
		_, err = k.Open(junk, "website:12:identify")
		wantErr("malformed "+junk, err, ErrUnreadable)
	}
}

// After a rotation the new key seals and the old one still opens what it sealed; once dropped, it
// does not.
func TestRotation(t *testing.T) {
	oldKey, newKey := NewKey(), NewKey()
	before := ring(t, oldKey)
	sealed, _ := before.Seal([]byte("sk_before"), "website:1:identify")

	during := ring(t, newKey, oldKey)
	if got, err := during.Open(sealed, "website:1:identify"); err != nil || string(got) != "sk_before" {
		t.Fatalf("old key in the ring: %q, %v", got, err)
	}
	if during.SealedWithCurrent(sealed) {
		t.Error("a value of the old key taken for the current key's")
	}
	resealed, _ := during.Seal([]byte("sk_before"), "website:1:identify")
	if !during.SealedWithCurrent(resealed) {
		t.Error("a new seal does not use the current key")
	}
	if _, err := before.Open(resealed, "website:1:identify"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("the old key alone opened a value of the new key: %v", err)
	}

	after := ring(t, newKey)
	if _, err := after.Open(sealed, "website:1:identify"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("old value after dropping the old key: %v", err)
	}
	if got, err := after.Open(resealed, "website:1:identify"); err != nil || string(got) != "sk_before" {
		t.Errorf("resealed value: %q, %v", got, err)
	}
}

func TestParseKey(t *testing.T) {
	k := NewKey()
	for _, form := range []string{
		base64.StdEncoding.EncodeToString(k),
		base64.RawStdEncoding.EncodeToString(k),
		base64.URLEncoding.EncodeToString(k),
		base64.RawURLEncoding.EncodeToString(k),
		hex.EncodeToString(k),
		strings.ToUpper(hex.EncodeToString(k)),
		" " + EncodeKey(k) + "\n",
	} {
		got, err := ParseKey(form)
		if err != nil || !bytes.Equal(got, k) {
			t.Errorf("ParseKey(%q): %x, %v", form, got, err)
		}
	}
	short := base64.StdEncoding.EncodeToString(k[:16])
	for _, bad := range []string{"", "hunter2", short, hex.EncodeToString(k)[:63] + "g"} {
		_, err := ParseKey(bad)
		if errs.KindOf(err) != errs.Invalid {
			t.Errorf("ParseKey(%q): %v, want an invalid error", bad, err)
		}
		if bad != "" && err != nil && strings.Contains(err.Error(), bad) {
			t.Errorf("the error repeats the key text: %v", err)
		}
	}
	keys, err := ParseKeys(EncodeKey(k) + ", ," + hex.EncodeToString(k))
	if err != nil || len(keys) != 2 {
		t.Errorf("ParseKeys: %d keys, %v", len(keys), err)
	}
	if _, err := ParseKeys(EncodeKey(k) + ",nope"); err == nil || !strings.Contains(err.Error(), "key 2") {
		t.Errorf("ParseKeys with a bad second key: %v", err)
	}
	if _, err := NewKeyring(k[:31]); errs.KindOf(err) != errs.Invalid {
		t.Errorf("a 31-byte key: %v", err)
	}
}

// The key file is made once, 0600, and read back on later starts; processes racing to make it
// agree on one key.
func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.key")
	k, created, err := LoadOrCreateKeyFile(path)
	if err != nil || !created || len(k) != KeySize {
		t.Fatalf("first start: %d bytes, created %v, %v", len(k), created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	again, created, err := LoadOrCreateKeyFile(path)
	if err != nil || created || !bytes.Equal(again, k) {
		t.Errorf("second start: created %v, same key %v, %v", created, bytes.Equal(again, k), err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("files left in the directory: %v", entries)
	}

	race := filepath.Join(t.TempDir(), "secret.key")
	var wg sync.WaitGroup
	keys := make([][]byte, 8)
	made := make([]bool, 8)
	for i := range keys {
		wg.Go(func() {
			var err error
			keys[i], made[i], err = LoadOrCreateKeyFile(race)
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	n := 0
	for i := range keys {
		if made[i] {
			n++
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Error("racing starts got different keys")
		}
	}
	if n != 1 {
		t.Errorf("%d of the racing starts say they made the file, want 1", n)
	}

	bad := filepath.Join(t.TempDir(), "secret.key")
	_ = os.WriteFile(bad, []byte("not a key\n"), 0o600)
	if _, _, err := LoadOrCreateKeyFile(bad); errs.KindOf(err) != errs.Invalid {
		t.Errorf("a file that holds no key: %v", err)
	}
}
