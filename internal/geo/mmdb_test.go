package geo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// This file writes small MaxMind DB files for tests (the module has a reader
// only). Format: https://maxmind.github.io/MaxMind-DB/ — an IPv6 binary
// search tree with 24-bit records, 16 zero bytes, the data section, then
// "\xAB\xCD\xEFMaxMind.com" and the metadata map.

type testNetwork struct {
	prefix string // e.g. "81.2.69.0/24" or "2a02:db8::/32"
	record map[string]any
}

// writeTestMMDB writes a database with the given networks and returns its path.
func writeTestMMDB(t testing.TB, dbType string, description string, nets []testNetwork) string {
	t.Helper()
	const empty = -1
	nodes := [][2]int{{empty, empty}} // child node index, or empty, or -(2+data index)
	var data bytes.Buffer
	var dataOffsets []int
	for _, n := range nets {
		p := netip.MustParsePrefix(n.prefix)
		bits := p.Bits()
		addr := p.Addr()
		if addr.Is4() {
			b := addr.As16()
			b[10], b[11] = 0, 0 // ::a.b.c.d, where readers look IPv4 addresses up
			addr = netip.AddrFrom16(b)
			bits += 96
		}
		dataOffsets = append(dataOffsets, data.Len())
		encodeValue(t, &data, n.record)
		ip := addr.As16()
		node := 0
		for i := 0; i < bits; i++ {
			bit := (ip[i/8] >> (7 - uint(i%8))) & 1
			if i == bits-1 {
				nodes[node][bit] = -(2 + len(dataOffsets) - 1)
				break
			}
			next := nodes[node][bit]
			if next < 0 {
				if next != empty {
					t.Fatalf("writeTestMMDB: %s is inside an earlier network", n.prefix)
				}
				nodes = append(nodes, [2]int{empty, empty})
				next = len(nodes) - 1
				nodes[node][bit] = next
			}
			node = next
		}
	}

	nodeCount := len(nodes)
	var out bytes.Buffer
	for _, n := range nodes {
		for _, rec := range n {
			var v int
			switch {
			case rec == empty:
				v = nodeCount
			case rec >= 0:
				v = rec
			default:
				v = nodeCount + 16 + dataOffsets[-rec-2]
			}
			out.Write([]byte{byte(v >> 16), byte(v >> 8), byte(v)})
		}
	}
	out.Write(make([]byte, 16))
	out.Write(data.Bytes())
	out.WriteString("\xAB\xCD\xEFMaxMind.com")
	encodeValue(t, &out, map[string]any{
		"binary_format_major_version": uint32(2),
		"binary_format_minor_version": uint32(0),
		"build_epoch":                 uint32(1700000000),
		"database_type":               dbType,
		"description":                 map[string]any{"en": description},
		"ip_version":                  uint32(6),
		"languages":                   []any{"en"},
		"node_count":                  uint32(nodeCount),
		"record_size":                 uint32(24),
	})

	path := filepath.Join(t.TempDir(), "test.mmdb")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// encodeValue writes v in the MaxMind DB data format (no pointers).
func encodeValue(t testing.TB, w *bytes.Buffer, v any) {
	t.Helper()
	switch v := v.(type) {
	case string:
		writeControl(w, 2, len(v))
		w.WriteString(v)
	case uint32:
		b := binary.BigEndian.AppendUint32(nil, v)
		b = bytes.TrimLeft(b, "\x00")
		writeControl(w, 6, len(b))
		w.Write(b)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		writeControl(w, 7, len(keys))
		for _, k := range keys {
			encodeValue(t, w, k)
			encodeValue(t, w, v[k])
		}
	case []any:
		writeControl(w, 11, len(v))
		for _, e := range v {
			encodeValue(t, w, e)
		}
	default:
		t.Fatalf("encodeValue: unsupported %T", v)
	}
}

func writeControl(w *bytes.Buffer, typ, size int) {
	if size >= 29 {
		panic(fmt.Sprintf("writeControl: size %d not supported by this test writer", size))
	}
	if typ <= 7 {
		w.WriteByte(byte(typ<<5 | size))
		return
	}
	w.WriteByte(byte(size))
	w.WriteByte(byte(typ - 7))
}
