// Command build bundles the website widget with esbuild: `go generate ./web/...` runs it in
// web/widget. It wipes dist/ and writes dist/loader.js (the script tag's loader, run in the host
// page), dist/frame.js and dist/frame.css (the chat UI in Parley's iframe). The output holds no
// absolute paths and no timestamps, so the committed dist/ is byte-identical to a fresh build.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "widget build:", err)
		os.Exit(1)
	}
}

func run() error {
	dir, err := os.Getwd()
	if err != nil {
		return err
	}
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
	bundles := []struct{ entry, out string }{
		{"src/loader.ts", "loader.js"},
		{"src/frame/main.tsx", "frame.js"}, // its CSS import becomes frame.css
	}
	for _, b := range bundles {
		res := api.Build(api.BuildOptions{
			AbsWorkingDir:     dir,
			EntryPoints:       []string{b.entry},
			Outfile:           filepath.Join(dist, b.out),
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
			LogLevel:          api.LogLevelWarning,
			Write:             false,
		})
		if len(res.Errors) > 0 {
			return fmt.Errorf("%s: %s", b.entry, res.Errors[0].Text)
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
