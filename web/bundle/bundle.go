// Package bundle builds a front-end app with esbuild's Go API. Each app's `go generate` step runs a
// small main that calls Build; the output holds no absolute paths and no timestamps, so the
// committed dist/ is byte-identical to a fresh build.
package bundle

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// Entry is one bundle: a source entry point and its output name in dist/. A CSS file the entry
// imports becomes a .css file of the same base name.
type Entry struct {
	Source string // relative to the app's folder, e.g. "src/main.tsx"
	Out    string // e.g. "app.js"
	// Alias maps import paths to modules of the app ("./src/…") for this bundle only: a lazily
	// loaded chunk takes the main bundle's Preact this way instead of carrying a second copy.
	Alias map[string]string
}

// Build wipes dir/dist and writes each entry's bundle into it.
func Build(dir string, entries []Entry) error {
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "preact")); err != nil {
		return fmt.Errorf("preact is not installed: run `npm ci` in %s first", dir)
	}
	dist := filepath.Join(dir, "dist")
	if err := os.RemoveAll(dist); err != nil {
		return err
	}
	if err := os.MkdirAll(dist, 0o755); err != nil {
		return err
	}
	for _, b := range entries {
		res := api.Build(api.BuildOptions{
			AbsWorkingDir:     dir,
			EntryPoints:       []string{b.Source},
			Outfile:           filepath.Join(dist, b.Out),
			Bundle:            true,
			Format:            api.FormatIIFE,
			Platform:          api.PlatformBrowser,
			Target:            api.ES2018,
			MinifyWhitespace:  true,
			MinifyIdentifiers: true,
			MinifySyntax:      true,
			Charset:           api.CharsetUTF8,
			LegalComments:     api.LegalCommentsEndOfFile,
			JSX:               api.JSXAutomatic,
			JSXImportSource:   "preact",
			Tsconfig:          "tsconfig.json",
			Alias:             b.Alias,
			LogLevel:          api.LogLevelWarning,
			Write:             false,
		})
		if len(res.Errors) > 0 {
			e := res.Errors[0]
			if e.Location != nil {
				return fmt.Errorf("%s:%d: %s", e.Location.File, e.Location.Line, e.Text)
			}
			return fmt.Errorf("%s: %s", b.Source, e.Text)
		}
		for _, f := range res.OutputFiles {
			rel, err := filepath.Rel(dist, f.Path)
			if err != nil || strings.HasPrefix(rel, "..") {
				return fmt.Errorf("esbuild wrote outside dist: %s", f.Path)
			}
			if strings.Contains(string(f.Contents), dir) {
				return fmt.Errorf("%s holds an absolute path", rel)
			}
			if err := os.WriteFile(f.Path, f.Contents, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// Main is the whole of an app's build command: it builds the app in the working directory, then
// runs each of also (which write more files into dist/, e.g. WriteEmojiTables), and exits non-zero
// with one line on failure.
func Main(app string, entries []Entry, also ...func(dir string) error) {
	dir, err := os.Getwd()
	if err == nil {
		err = Build(dir, entries)
	}
	for _, fn := range also {
		if err == nil {
			err = fn(dir)
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s build: %v\n", app, err)
		os.Exit(1)
	}
}
