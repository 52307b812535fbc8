package geo

import (
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2"
)

// countryDBGz is data/dbip-country.mmdb.gz (see data/README.md), kept as a
// string so that it is immutable.
//
//go:embed data/dbip-country.mmdb.gz
var countryDBGz string

// maxEmbeddedSize bounds the buffer preallocated from the gzip trailer.
const maxEmbeddedSize = 64 << 20

// embeddedCountryDB decompresses the embedded database into a new buffer.
func embeddedCountryDB() ([]byte, error) {
	zr, err := gzip.NewReader(strings.NewReader(countryDBGz))
	if err != nil {
		return nil, fmt.Errorf("geo: embedded country database: %w", err)
	}
	// The gzip trailer's ISIZE is the uncompressed size (mod 2^32): read
	// straight into a buffer of that size instead of growing one.
	size := int(binary.LittleEndian.Uint32([]byte(countryDBGz[len(countryDBGz)-4:])))
	if size <= 0 || size > maxEmbeddedSize {
		return nil, fmt.Errorf("geo: embedded country database: implausible size %d", size)
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(zr, buf); err != nil {
		return nil, fmt.Errorf("geo: embedded country database: %w", err)
	}
	// Reading on to EOF verifies the checksum and that the size was right.
	if n, err := zr.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("geo: embedded country database: size mismatch or corrupt data (%v)", err)
	}
	return buf, nil
}

// embeddedSHA256 is the SHA-256 of the decompressed embedded database (data/README.md gives it
// too; TestEmbeddedChecksum keeps the two equal after a refresh).
const embeddedSHA256 = "4e7f53dd9c6ebe0e7244d5dd4cc03639bc9dbe0a5a83eca90db50eeaeea72024"

// mapEmbedded opens a decompressed copy of the embedded database kept in dir, writing it first
// when it is missing or does not match. The reader maps the file, so the database's pages belong
// to the page cache (read in as lookups touch them, dropped by the kernel when memory is short)
// instead of 8 MB of the heap.
func mapEmbedded(dir string) (*maxminddb.Reader, error) {
	path := filepath.Join(dir, "dbip-country-"+embeddedSHA256[:16]+".mmdb")
	if sum, err := fileSum(path); err != nil || sum != embeddedSHA256 {
		if err := writeEmbedded(path); err != nil {
			return nil, err
		}
	}
	db, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("geo: map %s: %w", path, err)
	}
	return db, nil
}

// fileSum is the hex SHA-256 of the file at path.
func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeEmbedded decompresses the embedded database to path through a temporary file renamed into
// place, so a reader (or a second server starting) never sees half a file.
func writeEmbedded(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("geo: %w", err)
	}
	zr, err := gzip.NewReader(strings.NewReader(countryDBGz))
	if err != nil {
		return fmt.Errorf("geo: embedded country database: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".dbip-country-*.tmp")
	if err != nil {
		return fmt.Errorf("geo: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(tmp, h), zr)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("geo: write %s: %w", tmp.Name(), err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != embeddedSHA256 {
		return fmt.Errorf("geo: embedded country database: sha256 %s, want %s", sum, embeddedSHA256)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("geo: %w", err)
	}
	return nil
}
