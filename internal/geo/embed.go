package geo

import (
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
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
