package widgetweb

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/parleyhq/parley/internal/testenv"
)

// Budgets from ENGINEERING.md: the loader every page loads, and the whole widget, gzipped.
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
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Missing(t, "Node.js", "install Node.js 20 or later to run the widget's unit tests")
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	entries, err := filepath.Glob(filepath.Join("test", "*.test.ts"))
	if err != nil || len(entries) == 0 {
		t.Fatalf("no unit tests found: %v", err)
	}
	out := t.TempDir()
	res := api.Build(api.BuildOptions{
		AbsWorkingDir: wd,
		EntryPoints:   entries,
		Outdir:        out,
		OutExtension:  map[string]string{".js": ".mjs"},
		Bundle:        true,
		Format:        api.FormatESModule,
		Platform:      api.PlatformNode,
		Target:        api.ES2020,
		External:      []string{"node:*"},
		Write:         true,
		LogLevel:      api.LogLevelSilent,
	})
	for _, m := range res.Errors {
		t.Errorf("%s: %s", location(m), m.Text)
	}
	if t.Failed() {
		return
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.mjs"))
	cmd := exec.Command(node, append([]string{"--test", "--test-reporter=spec"}, files...)...)
	cmd.Dir = out
	cmd.Env = append(os.Environ(), "PARLEY_PROTOCOL_FIXTURES="+filepath.Join(wd, "..", "..", "internal", "realtime", "testdata", "protocol"))
	output, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test: %v\n%s", err, output)
	}
	if testing.Verbose() {
		t.Logf("%s", output)
	}
	if !strings.Contains(string(output), "pass") {
		t.Fatalf("node ran no tests:\n%s", output)
	}
}

func location(m api.Message) string {
	if m.Location == nil {
		return "esbuild"
	}
	return m.Location.File
}
