package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley/internal/testenv"
)

// axe-core (a devDependency of web/inbox, installed by `npm ci`) checks a screen for accessibility
// problems in the real browser. Any screen of any app may be checked with checkAxe.

var (
	axeOnce sync.Once
	axeSrc  string
	axeErr  error
)

func axeScript() (string, error) {
	axeOnce.Do(func() {
		b, err := os.ReadFile(filepath.Join("..", "web", "inbox", "node_modules", "axe-core", "axe.min.js"))
		axeSrc, axeErr = string(b), err
	})
	return axeSrc, axeErr
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// checkAxe runs axe-core on the page of ctx (a chromedp tab) and fails t on every serious or
// critical violation of WCAG 2.x A and AA rules, naming the screen and the elements.
func checkAxe(t *testing.T, ctx context.Context, screen string) {
	t.Helper()
	runAxe(t, ctx, screen)
}

// checkAxeFrame is checkAxe inside the widget's frame of the tab.
func checkAxeFrame(t *testing.T, p *tab, screen string) {
	t.Helper()
	id, ok := p.frameContext()
	if !ok {
		t.Fatalf("%s: no widget frame", screen)
	}
	runAxe(t, p.ctx, screen, func(e *runtime.EvaluateParams) { e.ContextID = id })
}

func runAxe(t *testing.T, ctx context.Context, screen string, in ...chromedp.EvaluateOption) {
	t.Helper()
	src, err := axeScript()
	if err != nil {
		testenv.Missing(t, "axe-core", "run `npm ci` in web/inbox (it installs axe-core for the accessibility checks): "+err.Error())
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	// Evaluated through the DevTools protocol, so the page's CSP (no inline scripts) does not apply.
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`, in...))
	if err == nil && !loaded {
		_, err = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](src, in...))
	}
	if err != nil {
		t.Fatalf("%s: injecting axe-core: %v", screen, err)
	}
	const run = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
		.then((r) => r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => ({
			id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.slice(0, 6).map((n) => n.target.join(" ") + " — " + (n.failureSummary || "").replace(/\s+/g, " ")),
		})))`
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](run, append([]chromedp.EvaluateOption{chromedp.EvalAwaitPromise}, in...)...))
	if err != nil {
		t.Fatalf("%s: running axe-core: %v", screen, err)
	}
	if len(found) == 0 {
		return
	}
	var b strings.Builder
	for _, v := range found {
		fmt.Fprintf(&b, "\n  %s (%s): %s", v.ID, v.Impact, v.Help)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n    %s", n)
		}
	}
	t.Errorf("%s: axe-core finds %d serious or critical accessibility problems:%s", screen, len(found), b.String())
}
