package inboxweb

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"testing"

	"github.com/parleyhq/parley/internal/testenv"
	"github.com/parleyhq/parley/web/bundle"
)

func gzipSize(t *testing.T, b []byte) int {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Len()
}

// TestBundles: the built app is there, names no path of the machine that built it, and its size
// is logged (the inbox has no budget like the widget's, but a jump shows here).
func TestBundles(t *testing.T) {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"app.js", "app.css"} {
		f, ok := Lookup(name)
		if !ok {
			t.Fatalf("dist/%s is missing: run go generate ./web/...", name)
		}
		t.Logf("%s: %d bytes, %d gzipped", name, len(f.Body), gzipSize(t, f.Body))
		if bytes.Contains(f.Body, []byte(dir)) || bytes.Contains(f.Body, []byte("node_modules/")) {
			t.Errorf("dist/%s names a path of the machine that built it", name)
		}
	}
}

// TestChartsChunk: the Reports screen's charts (uPlot) stay within 25 KB gzipped, in a chunk of
// their own that the main bundle does not carry.
func TestChartsChunk(t *testing.T) {
	const budget = 25 * 1024
	total := 0
	for _, name := range []string{"charts.js", "charts.css"} {
		f, ok := Lookup(name)
		if !ok {
			t.Fatalf("dist/%s is missing: run go generate ./web/...", name)
		}
		total += gzipSize(t, f.Body)
	}
	t.Logf("charts chunk: %d bytes gzipped", total)
	if total > budget {
		t.Errorf("the charts chunk is %d bytes gzipped, over its budget of %d", total, budget)
	}
	for _, name := range []string{"app.js", "app.css"} {
		f, _ := Lookup(name)
		if bytes.Contains(f.Body, []byte("u-legend")) {
			t.Errorf("dist/%s carries uPlot, which belongs in the charts chunk", name)
		}
	}
}

// TestUnit runs the TypeScript unit tests (test/*.test.ts: list order and live moves, folder
// counts, seq merging and gaps, the markdown toolbar, waiting times, notifications, shortcuts,
// routes, the catalogues, and the admin screens' helpers) with node's own test runner, after
// bundling them with esbuild.
func TestUnit(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	output, err := bundle.NodeTests(wd, t.TempDir())
	if errors.Is(err, bundle.ErrNoNode) {
		testenv.Missing(t, "Node.js", "install Node.js 20 or later to run the inbox's unit tests")
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, output)
	}
	if testing.Verbose() {
		t.Logf("%s", output)
	}
}
