package loadgen

import (
	"testing"
	"time"
)

func TestParseClientID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		isOK bool
	}{{"lg-0\"", 0, true}, {"lg-12345\",", 12345, true}, {"17\"}", 17, true}, {"lg-\"", 0, false}, {"x", 0, false}} {
		n, ok := parseClientID([]byte(tc.in))
		if n != tc.n || ok != tc.isOK {
			t.Errorf("parseClientID(%q) = %d, %v; want %d, %v", tc.in, n, ok, tc.n, tc.isOK)
		}
	}
}

// The histogram's quantiles are within its 1/64 bucket width of the exact ones.
func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 10000; i++ {
		h.add(int64(i) * int64(time.Microsecond)) // 1 µs … 10 ms, uniform
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 5 * time.Millisecond}, {0.99, 9900 * time.Microsecond}, {0.01, 100 * time.Microsecond}} {
		got := h.quantile(tc.q)
		if d := float64(got-tc.want) / float64(tc.want); d > 0.02 || d < -0.02 {
			t.Errorf("quantile(%v) = %v, want %v ± 2%%", tc.q, got, tc.want)
		}
	}
	if h.max.Load() != int64(10*time.Millisecond) {
		t.Errorf("max = %v", time.Duration(h.max.Load()))
	}
}

func TestParseMetrics(t *testing.T) {
	raw := []byte("# HELP go_goroutines x\ngo_goroutines 42\nparley_websocket_connections{side=\"visitor\"} 10000\nother 1\n")
	m := parseMetrics(raw, []string{"go_goroutines", `parley_websocket_connections{side="visitor"}`})
	if m["go_goroutines"] != 42 || m[`parley_websocket_connections{side="visitor"}`] != 10000 || len(m) != 2 {
		t.Fatalf("parseMetrics = %v", m)
	}
}

// A reconnecting visitor learns from ready which cut-off sends were already stored; ready may come
// alone or in a batch.
func TestReadyClientIDs(t *testing.T) {
	one := []byte(`{"t":"ready","conversation":{"id":4},"messages":[{"seq":1,"client_id":"wu-0"},{"seq":2,"client_id":"lg-7"},{"seq":3}]}`)
	batch := []byte(`[{"t":"conversation","messages":[{"client_id":"lg-9"}]},` + string(one) + `]`)
	for _, raw := range [][]byte{one, batch} {
		got := readyClientIDs(raw)
		if !got["lg-7"] || !got["wu-0"] || got["lg-9"] || len(got) != 3 { // "" for the entry without one
			t.Errorf("readyClientIDs(%s) = %v", raw, got)
		}
	}
}
