package inboxweb

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

// TestUnit runs the TypeScript unit tests (test/*.test.ts: list order and live moves, folder
// counts, seq merging and gaps, the markdown toolbar, waiting times, notifications, shortcuts,
// routes, the catalogues, and the admin screens' helpers) with node's own test runner, after
// bundling them with esbuild.
func TestUnit(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Missing(t, "Node.js", "install Node.js 20 or later to run the inbox's unit tests")
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
		AbsWorkingDir:   wd,
		EntryPoints:     entries,
		Outdir:          out,
		OutExtension:    map[string]string{".js": ".mjs"},
		Bundle:          true,
		Format:          api.FormatESModule,
		Platform:        api.PlatformNode,
		Target:          api.ES2020,
		External:        []string{"node:*"},
		JSX:             api.JSXAutomatic,
		JSXImportSource: "preact",
		Loader:          map[string]api.Loader{".css": api.LoaderEmpty},
		Write:           true,
		LogLevel:        api.LogLevelSilent,
	})
	for _, m := range res.Errors {
		where := "esbuild"
		if m.Location != nil {
			where = m.Location.File
		}
		t.Errorf("%s: %s", where, m.Text)
	}
	if t.Failed() {
		return
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.mjs"))
	cmd := exec.Command(node, append([]string{"--test", "--test-reporter=spec"}, files...)...)
	cmd.Dir = out
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
