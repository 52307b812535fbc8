// Package secret seals the secrets Parley keeps in its database (websites' identify secrets; later
// channel tokens, webhook signing secrets, VAPID keys) with AES-256-GCM under a key kept outside
// the database, so that a copy of the database alone does not give them away.
//
// A sealed secret is text: "v1:<key id>:<base64 of nonce and ciphertext>". The key id names the
// key that sealed it, so a keyring holding the current key and old ones opens values sealed before
// a rotation. Each secret is sealed for a purpose ("website:12:identify", passed as GCM's
// associated data): a value copied into another row or field does not open there.
package secret

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/parleyhq/parley/internal/errs"
)

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

// version starts every sealed value; a later format gets another.
const version = "v1:"

// Errors of opening a sealed value. Both are internal: they mean a wrong key configuration or a
// value changed behind Parley's back, nothing a client can fix.
var (
	// ErrUnknownKey: the value was sealed with a key that is neither the current one nor an old one.
	ErrUnknownKey = errs.Coded(errs.Internal, "secret_unknown_key", "the secret was sealed with a key this server does not have")
	// ErrUnreadable: the value is malformed, was changed, or was sealed for another purpose.
	ErrUnreadable = errs.Coded(errs.Internal, "secret_unreadable", "the sealed secret cannot be opened")
)

type key struct {
	id   string
	aead cipher.AEAD
}

// Keyring seals with its current key and opens with the current key or any old one.
type Keyring struct {
	current key
	old     []key
}

// NewKeyring makes a keyring from the current key and the keys it replaced.
func NewKeyring(current []byte, old ...[]byte) (*Keyring, error) {
	cur, err := newKey(current)
	if err != nil {
		return nil, err
	}
	k := &Keyring{current: cur}
	for _, o := range old {
		ok, err := newKey(o)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(o, current) {
			k.old = append(k.old, ok)
		}
	}
	return k, nil
}

func newKey(b []byte) (key, error) {
	if len(b) != KeySize {
		return key{}, errs.E(errs.Invalid, "a secret key is %d bytes, not %d", KeySize, len(b))
	}
	block, err := aes.NewCipher(b)
	if err != nil {
		return key{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return key{}, err
	}
	return key{id: KeyID(b), aead: aead}, nil
}

// KeyID names a key without revealing it: the first 4 bytes of its SHA-256, in hex.
func KeyID(k []byte) string {
	sum := sha256.Sum256(k)
	return hex.EncodeToString(sum[:4])
}

// CurrentID is the id of the key that seals.
func (k *Keyring) CurrentID() string { return k.current.id }

// Seal encrypts plaintext for purpose with the current key.
func (k *Keyring) Seal(plaintext []byte, purpose string) (string, error) {
	nonce := make([]byte, k.current.aead.NonceSize(), k.current.aead.NonceSize()+len(plaintext)+k.current.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := k.current.aead.Seal(nonce, nonce, plaintext, []byte(purpose))
	return version + k.current.id + ":" + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal for the same purpose, with whichever key of the ring sealed it.
func (k *Keyring) Open(sealed, purpose string) ([]byte, error) {
	rest, ok := strings.CutPrefix(sealed, version)
	if !ok {
		return nil, fmt.Errorf("open secret for %s: not a sealed value: %w", purpose, ErrUnreadable)
	}
	id, data, ok := strings.Cut(rest, ":")
	if !ok {
		return nil, fmt.Errorf("open secret for %s: no key id: %w", purpose, ErrUnreadable)
	}
	raw, err := base64.RawURLEncoding.DecodeString(data)
	if err != nil {
		return nil, fmt.Errorf("open secret for %s: %w", purpose, ErrUnreadable)
	}
	found := false
	// Two keys may share an id (4 bytes of a hash): try each that has it.
	for _, c := range append([]key{k.current}, k.old...) {
		if c.id != id {
			continue
		}
		found = true
		if len(raw) < c.aead.NonceSize() {
			break
		}
		nonce, ct := raw[:c.aead.NonceSize()], raw[c.aead.NonceSize():]
		if p, err := c.aead.Open(nil, nonce, ct, []byte(purpose)); err == nil {
			return p, nil
		}
	}
	if !found {
		return nil, fmt.Errorf("open secret for %s (key %s): %w", purpose, id, ErrUnknownKey)
	}
	return nil, fmt.Errorf("open secret for %s (key %s): %w", purpose, id, ErrUnreadable)
}

// SealedWithCurrent reports whether a sealed value names the current key (a rotation has nothing
// to do for it).
func (k *Keyring) SealedWithCurrent(sealed string) bool {
	return strings.HasPrefix(sealed, version+k.current.id+":")
}

// Sealed reports whether a stored value is sealed, rather than a plaintext written before secrets
// were sealed.
func Sealed(stored string) bool { return strings.HasPrefix(stored, version) }

// NewKey returns a fresh random key.
func NewKey() []byte {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return b
}

// EncodeKey writes a key as standard base64, the form ParseKey reads.
func EncodeKey(k []byte) string { return base64.StdEncoding.EncodeToString(k) }

// ParseKey reads a key written in base64 (standard or URL alphabet, padded or not) or as 64 hex
// digits. The error never repeats the text, which may be a mistyped key.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, errs.E(errs.Invalid, "a secret key is %d random bytes in base64 (44 characters) or hex (64); got %d characters that are neither", KeySize, len(s))
}

// ParseKeys reads a comma-separated list of keys; empty items are skipped.
func ParseKeys(list string) ([][]byte, error) {
	var out [][]byte
	for i, s := range strings.Split(list, ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		k, err := ParseKey(s)
		if err != nil {
			return nil, fmt.Errorf("key %d of the list: %w", i+1, err)
		}
		out = append(out, k)
	}
	return out, nil
}

// ReadKeyFile reads a key written by CreateKeyFile (or by hand).
func ReadKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// LoadOrCreateKeyFile reads the key in path, or, when there is none, writes a new one there
// readable by its owner only (0600). created says which happened. Two processes racing to create
// it end up with the same key: the file appears whole, once.
func LoadOrCreateKeyFile(path string) (k []byte, created bool, err error) {
	k, err = ReadKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, false, err
	}
	k = NewKey()
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secret-key-*")
	if err != nil {
		return nil, false, fmt.Errorf("create secret key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file 0600 already; say so for whoever reads this.
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, false, err
	}
	if _, err := tmp.WriteString(EncodeKey(k) + "\n"); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("write secret key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("write secret key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, false, err
	}
	// A hard link fails if the name exists, unlike a rename: whoever links first wins.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			k, err := ReadKeyFile(path)
			return k, false, err
		}
		return nil, false, fmt.Errorf("create secret key file: %w", err)
	}
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		_ = dir.Sync() // the new name survives a crash
		dir.Close()
	}
	return k, true, nil
}
