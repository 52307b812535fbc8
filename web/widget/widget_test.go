package widgetweb

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/parleyhq/parley/internal/testenv"
	"github.com/parleyhq/parley/web/bundle"
)

// Budgets from docs/architecture.md: the loader every page loads, and the whole widget, gzipped.
const (
	loaderBudget = 5 * 1024
	widgetBudget = 30 * 1024
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

func TestBundleBudgets(t *testing.T) {
	total := 0
	for _, name := range []string{"loader.js", "frame.js", "frame.css"} {
		f, ok := Lookup(name)
		if !ok {
			t.Fatalf("dist/%s is missing: run go generate ./web/...", name)
		}
		n := gzipSize(t, f.Body)
		t.Logf("%s: %d bytes, %d gzipped", name, len(f.Body), n)
		if name == "loader.js" && n > loaderBudget {
			t.Errorf("the loader is %d bytes gzipped, over its budget of %d", n, loaderBudget)
		}
		total += n
	}
	t.Logf("the whole widget: %d bytes gzipped", total)
	if total > widgetBudget {
		t.Errorf("the widget is %d bytes gzipped, over its budget of %d", total, widgetBudget)
	}
}

func TestBundlesHoldNoAbsolutePaths(t *testing.T) {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"loader.js", "frame.js", "frame.css"} {
		f, _ := Lookup(name)
		if bytes.Contains(f.Body, []byte(dir)) || bytes.Contains(f.Body, []byte("node_modules/")) {
			t.Errorf("dist/%s names a path of the machine that built it", name)
		}
	}
}

// TestUnit runs the TypeScript unit tests (test/*.test.ts: back-off, seq merging, pending
// messages, locales, allowed domains, the wire format against the protocol fixtures) with node's
// own test runner, after bundling them with esbuild.
func TestUnit(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	output, err := bundle.NodeTests(wd, t.TempDir(), "PARLEY_PROTOCOL_FIXTURES="+filepath.Join(wd, "..", "..", "internal", "realtime", "testdata", "protocol"))
	if errors.Is(err, bundle.ErrNoNode) {
		testenv.Missing(t, "Node.js", "install Node.js 20 or later to run the widget's unit tests")
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, output)
	}
	if testing.Verbose() {
		t.Logf("%s", output)
	}
}
