package bundle

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// ErrNoNode says Node.js is not installed, so an app's unit tests cannot run.
var ErrNoNode = errors.New("node is not on PATH")

// NodeTests bundles an app's unit tests (dir/test/*.test.ts) with esbuild into out and runs them
// with node's own test runner, with env added to the environment. It returns node's report; an
// error when a test fails, nothing ran, or the tests do not build.
func NodeTests(dir, out string, env ...string) (string, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", ErrNoNode
	}
	entries, err := filepath.Glob(filepath.Join(dir, "test", "*.test.ts"))
	if err != nil || len(entries) == 0 {
		return "", fmt.Errorf("no unit tests in %s/test: %v", dir, err)
	}
	res := api.Build(api.BuildOptions{
		AbsWorkingDir:   dir,
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
	if len(res.Errors) > 0 {
		var b strings.Builder
		for _, m := range res.Errors {
			where := "esbuild"
			if m.Location != nil {
				where = m.Location.File
			}
			fmt.Fprintf(&b, "\n%s: %s", where, m.Text)
		}
		return "", fmt.Errorf("the unit tests do not build:%s", b.String())
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.mjs"))
	cmd := exec.Command(node, append([]string{"--test", "--test-reporter=spec"}, files...)...)
	cmd.Dir = out
	cmd.Env = append(os.Environ(), env...)
	output, err := cmd.CombinedOutput()
	if err != nil {
		return string(output), fmt.Errorf("node --test: %w", err)
	}
	if !strings.Contains(string(output), "pass") {
		return string(output), errors.New("node ran no tests")
	}
	return string(output), nil
}
