package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley/internal/openapitest"
	"github.com/parleyhq/parley/internal/testenv"
	"github.com/parleyhq/parley/internal/wstest"
)

// The browser journeys drive the real widget in headless Chromium against a real `parley serve`
// process: one browser for the package, a fresh browser context (profile) per test.

const chromiumPath = "/usr/bin/chromium"

var (
	binDir     string
	buildOnce  sync.Once
	buildErr   error
	browserCtx context.Context // the package's browser; nil when Chromium is missing
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "parley-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := 0
	if _, err := os.Stat(chromiumPath); err == nil {
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chromiumPath),
			chromedp.Flag("headless", true),
			chromedp.Flag("no-sandbox", true),
			chromedp.Flag("disable-gpu", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.WindowSize(1280, 800),
		)
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(allocCtx)
		if err := chromedp.Do(ctx); err != nil { // starts the browser
			fmt.Fprintln(os.Stderr, "starting chromium:", err)
			code = 1
		} else {
			browserCtx = ctx
			code = m.Run()
		}
		cancel()
		cancelAlloc()
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// needBrowser skips (or, in CI, fails) a test when Chromium is missing, and builds parley once.
func needBrowser(t *testing.T) string {
	t.Helper()
	if browserCtx == nil {
		testenv.Missing(t, "Chromium", "install Debian's chromium (apt-get install chromium) at "+chromiumPath)
	}
	bin := filepath.Join(binDir, "parley")
	buildOnce.Do(func() {
		cmd := exec.Command("go", "build", "-o", bin, "github.com/parleyhq/parley/cmd/parley")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return bin
}

// ---- parley serve

type parleyServer struct {
	t        *testing.T
	bin      string
	data     string
	addr     string // the server's own host:port, the same across restarts
	url      string // where clients reach it: the validating proxy (--base-url)
	proxy    *openapitest.Proxy
	password string // the demo owner's, printed on the first start
	cmd      *exec.Cmd
	done     chan error
	stderr   *lockedBuffer
	plain    bool // without --demo: a fresh Parley with no owner yet
	extra    []string
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startParley runs `parley serve --demo` on a fresh data directory, with any extra flags.
func startParley(t *testing.T, extra ...string) *parleyServer {
	t.Helper()
	s := &parleyServer{t: t, bin: needBrowser(t), data: t.TempDir(), addr: "127.0.0.1:0", extra: extra}
	s.start()
	t.Cleanup(func() {
		if s.cmd != nil && s.cmd.ProcessState == nil {
			_ = s.cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("parley log:\n%s", s.stderr)
		}
	})
	return s
}

// startPlain runs `parley serve` without --demo on a fresh data directory (t.TempDir in s.data).
func (s *parleyServer) startPlain() {
	s.t.Helper()
	s.plain = true
	s.start()
	s.t.Cleanup(func() {
		if s.cmd != nil && s.cmd.ProcessState == nil {
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	})
}

func (s *parleyServer) start() {
	s.t.Helper()
	// Browsers and API clients reach Parley through a reverse proxy that checks every exchange on a
	// documented route against docs/openapi.yaml; Parley knows the proxy's address as its own.
	if s.proxy == nil {
		s.proxy = openapitest.NewProxy(s.t)
	}
	args := []string{"serve", "--data", s.data, "--addr", s.addr, "--base-url", s.proxy.URL}
	if !s.plain {
		args = append(args, "--demo")
	}
	args = append(args, s.extra...)
	cmd := exec.Command(s.bin, args...)
	cmd.Env = cleanEnv()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if s.stderr == nil {
		s.stderr = &lockedBuffer{}
	}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd, s.done = cmd, make(chan error, 1)
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	go func() { s.done <- cmd.Wait() }()
	deadline := time.After(30 * time.Second)
	var base string
	for base == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				s.t.Fatalf("parley exited before printing its URL:\n%s", s.stderr)
			}
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "Inbox:"); ok {
				base = strings.TrimSuffix(strings.TrimSpace(rest), "/inbox/")
			}
		case <-deadline:
			s.t.Fatalf("parley printed no URL within 30 s:\n%s", s.stderr)
		}
	}
	// The demo lines follow the URL at once (a plain start prints none, so it reads none).
	for !s.plain {
		line, ok := <-lines
		if !ok {
			break
		}
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "Password:"); ok {
			s.password = strings.Fields(rest)[0]
		}
		if strings.Contains(line, "Password:") || strings.Contains(line, "password shown on the first") {
			break
		}
	}
	go func() {
		for range lines {
		}
	}()
	if base != s.proxy.URL {
		s.t.Fatalf("parley printed %s, not its --base-url %s", base, s.proxy.URL)
	}
	s.url = base
	s.addr = s.listenAddr()
	if err := s.proxy.SetTarget("http://" + s.addr); err != nil {
		s.t.Fatal(err)
	}
}

var servingLine = regexp.MustCompile(`msg="parley serving" addr=(\S+)`)

// listenAddr reads the address Parley listens on from its log (the last start's).
func (s *parleyServer) listenAddr() string {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := servingLine.FindAllStringSubmatch(s.stderr.String(), -1); len(m) > 0 {
			return m[len(m)-1][1]
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("parley logged no listening address within 10 s:\n%s", s.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends the server with SIGTERM and waits for it.
func (s *parleyServer) stop() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatal(err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Fatalf("parley exit: %v\n%s", err, s.stderr)
		}
	case <-time.After(30 * time.Second):
		s.t.Fatal("parley did not stop within 30 s of SIGTERM")
	}
}

func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PARLEY_") {
			out = append(out, kv)
		}
	}
	return out
}

// ---- the agent, through the API

type agent struct {
	t    *testing.T
	base string
	c    *http.Client
	ws   *wstest.Conn
}

// signIn signs in as the demo owner and opens the inbox's socket, which makes them available.
func signIn(t *testing.T, s *parleyServer) *agent {
	t.Helper()
	a := login(t, s)
	a.goOnline(s)
	return a
}

// login signs in as the demo owner through the API only: nobody is available for chats yet.
func login(t *testing.T, s *parleyServer) *agent {
	t.Helper()
	return loginAs(t, s, "demo@parley.test", s.password)
}

// loginAs signs in as any user through the API only.
func loginAs(t *testing.T, s *parleyServer, email, password string) *agent {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	a := &agent{t: t, base: s.url, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	a.must(200, "POST", "/api/v1/session", map[string]string{"email": email, "password": password})
	return a
}

// goOnline opens the inbox's socket, as an agent's open inbox does.
func (a *agent) goOnline(s *parleyServer) {
	t := a.t
	t.Helper()
	u, _ := url.Parse(s.url)
	var cookie []string
	for _, c := range a.c.Jar.Cookies(u) {
		cookie = append(cookie, c.Name+"="+c.Value)
	}
	a.ws = wstest.DialNamed(t, "the agent's socket", "ws://"+strings.TrimPrefix(s.url, "http://")+"/api/v1/events",
		http.Header{"Cookie": {strings.Join(cookie, "; ")}, "Origin": {s.url}})
	a.ws.WaitWithin(socketWait, "hello", wstest.Type("hello"))
}

// socketWait is how long a test waits for a frame on the agent's socket.
const socketWait = 20 * time.Second

// eventually waits up to 20 s for cond, asking again every 100 ms (for state only the API shows).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("no %s within 20 s", what)
		}
	}
}

func (a *agent) call(method, path string, body any) (int, map[string]any) {
	a.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	res, err := a.c.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func (a *agent) must(status int, method, path string, body any) map[string]any {
	a.t.Helper()
	got, out := a.call(method, path, body)
	if got != status {
		a.t.Fatalf("%s %s: %d %v, want %d", method, path, got, out, status)
	}
	return out
}

// waitMessage waits for a visitor message with this body and returns its conversation's id.
func (a *agent) waitMessage(body string) int64 {
	a.t.Helper()
	e := a.ws.WaitWithin(socketWait, "the visitor's message "+body, func(e map[string]any) bool {
		msgs, _ := e["messages"].([]any)
		for _, m := range msgs {
			if mm, _ := m.(map[string]any); mm["body"] == body {
				return true
			}
		}
		return false
	})
	id, _ := e["conversation"].(map[string]any)["id"].(float64)
	return int64(id)
}

func (a *agent) reply(convID int64, body string) {
	a.t.Helper()
	a.must(201, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", convID), map[string]string{"body": body})
}

// count returns how many messages of the conversation have this body.
func (a *agent) count(convID int64, body string) int {
	a.t.Helper()
	out := a.must(200, "GET", fmt.Sprintf("/api/v1/conversations/%d/messages", convID), nil)
	n := 0
	msgs, _ := out["messages"].([]any)
	for _, m := range msgs {
		if mm, _ := m.(map[string]any); mm["body"] == body {
			n++
		}
	}
	return n
}

// ---- a browser tab

type tab struct {
	t    *testing.T
	name string
	ctx  context.Context
	mu   sync.Mutex
	log  []string
	// expected is console text this test provokes on purpose (not reported as a problem)
	expected string
}

// newTab opens a tab in a fresh browser profile (parent nil) or beside another tab (same profile).
func newTab(t *testing.T, name string, beside *tab) *tab {
	t.Helper()
	var ctx context.Context
	var cancel context.CancelFunc
	if beside == nil {
		ctx, cancel = chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	} else {
		ctx, cancel = chromedp.NewContext(beside.ctx)
	}
	p := &tab{t: t, name: name, ctx: ctx}
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.log = append(p.log, fmt.Sprintf("%s %s %s", m.Type, m.URL, m.Text))
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("PARLEY_E2E_ARTIFACTS") != "" {
			p.saveArtifacts()
		}
		if bad := p.problems(); bad != "" {
			t.Errorf("%s: the console reports problems:\n%s", name, bad)
		}
		cancel()
	})
	return p
}

// saveArtifacts keeps a screenshot and the console log of a failed test.
func (p *tab) saveArtifacts() {
	dir := os.Getenv("PARLEY_E2E_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "parley-e2e")
	}
	dir = filepath.Join(dir, strings.ReplaceAll(p.t.Name(), "/", "_"))
	_ = os.MkdirAll(dir, 0o755)
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		_ = os.WriteFile(filepath.Join(dir, p.name+".png"), png, 0o644)
	}
	p.mu.Lock()
	_ = os.WriteFile(filepath.Join(dir, p.name+"-console.log"), []byte(strings.Join(p.log, "\n")+"\n"), 0o644)
	p.mu.Unlock()
	p.t.Logf("%s: screenshot and console log in %s", p.name, dir)
}

// problems returns the console's exceptions and policy violations.
func (p *tab) problems() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var bad []string
	for _, l := range p.log {
		if p.expected != "" && strings.Contains(l, p.expected) {
			continue
		}
		if strings.HasPrefix(l, "exception ") || strings.Contains(l, "Content Security Policy") || strings.Contains(l, "Refused to") {
			bad = append(bad, l)
		}
	}
	return strings.Join(bad, "\n")
}

func (p *tab) consoleText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.log, "\n")
}

func (p *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v", p.name, err)
	}
}

func (p *tab) navigate(u string) {
	p.t.Helper()
	p.do(chromedp.Navigate(u))
}

func (p *tab) screenshot(path string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

const waitFor = 30 * time.Second

// waitJS is an expression that waits in the page, up to ms, for cond (an expression) to be truthy,
// and gives its value, or false when the time is up.
func waitJS(cond string, ms int64) string {
	return fmt.Sprintf(`new Promise((resolve) => { const end = Date.now() + %d; const check = () => { let v; try { v = (%s); } catch (e) {} if (v || Date.now() > end) { resolve(v || false); return; } setTimeout(check, 50); }; check(); })`, ms, cond)
}

// host evaluates an expression in the host page.
func host[T any](p *tab, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: %s: %v", p.name, expr, err)
	}
	return v
}

// waitHost waits for a condition on the host page.
func (p *tab) waitHost(what, cond string) {
	p.t.Helper()
	ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[any](waitJS(cond, waitFor.Milliseconds()), chromedp.EvalAwaitPromise))
	if err != nil || ok == false || ok == nil {
		p.t.Fatalf("%s: no %s within %s (%v)", p.name, what, waitFor, err)
	}
}

// The widget's parts on the host page, for expressions.
const (
	jsRoot     = `document.querySelector('parley-widget').shadowRoot`
	jsLauncher = jsRoot + `.querySelector('button.l')`
)

// frameContext finds the widget frame in the tab and returns an isolated world in it: it sees the
// frame's DOM (whatever the frame's origin) without touching the frame's own scripts.
func (p *tab) frameContext() (runtime.ExecutionContextID, bool) {
	tree, err := chromedp.Call(p.ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		return 0, false
	}
	var find func(*page.FrameTree) *cdp.Frame
	find = func(n *page.FrameTree) *cdp.Frame {
		if n.Frame != nil && strings.Contains(n.Frame.URL, "/widget/v1/") && strings.Contains(n.Frame.URL, "/frame") {
			return n.Frame
		}
		for _, c := range n.ChildFrames {
			if f := find(c); f != nil {
				return f
			}
		}
		return nil
	}
	f := find(tree.FrameTree)
	if f == nil {
		return 0, false
	}
	w, err := chromedp.Call(p.ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: f.ID, WorldName: "parley-e2e"})
	if err != nil {
		return 0, false
	}
	return w.ExecutionContextID, true
}

// inFrame evaluates an expression in the widget frame.
func inFrame[T any](p *tab, expr string) T {
	p.t.Helper()
	id, ok := p.frameContext()
	if !ok {
		p.t.Fatalf("%s: no widget frame", p.name)
	}
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise, func(e *runtime.EvaluateParams) { e.ContextID = id }))
	if err != nil {
		p.t.Fatalf("%s: in the frame: %s: %v", p.name, expr, err)
	}
	return v
}

// waitFrame waits for a condition in the widget frame (which may not exist yet, or reload).
func (p *tab) waitFrame(what, cond string) {
	p.t.Helper()
	end := time.Now().Add(waitFor)
	var lastErr error
	for time.Now().Before(end) {
		id, ok := p.frameContext()
		if ok {
			left := time.Until(end).Milliseconds()
			v, err := chromedp.Run(p.ctx, chromedp.Evaluate[any](waitJS(cond, left), chromedp.EvalAwaitPromise, func(e *runtime.EvaluateParams) { e.ContextID = id }))
			if err == nil && v != false && v != nil {
				return
			}
			lastErr = err
			if err == nil {
				break // the page waited the whole time
			}
		}
		// No frame yet, or it navigated while we waited: look again shortly.
		select {
		case <-time.After(100 * time.Millisecond):
		case <-p.ctx.Done():
			p.t.Fatal(p.ctx.Err())
		}
	}
	p.t.Fatalf("%s: no %s within %s in the widget frame (%v)", p.name, what, waitFor, lastErr)
}

// clickLauncher clicks the launcher button with the mouse, as a visitor does.
func (p *tab) clickLauncher() {
	p.t.Helper()
	p.waitHost("launcher", jsLauncher)
	xy := host[[]float64](p, `(() => { const r = `+jsLauncher+`.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`)
	p.do(chromedp.MouseClickXY(xy[0], xy[1]))
}

// clickFrame clicks an element of the chat frame with the mouse, as a visitor does (el: an
// expression in the frame).
func (p *tab) clickFrame(el string) {
	p.t.Helper()
	f := host[[]float64](p, `(() => { const r = `+jsRoot+`.querySelector('iframe[src*="/frame"]').getBoundingClientRect(); return [r.x, r.y]; })()`)
	e := inFrame[[]float64](p, `(() => { const r = (`+el+`).getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`)
	p.do(chromedp.MouseClickXY(f[0]+e[0], f[1]+e[1]))
}

// openWidget opens the chat unless it is open already.
func (p *tab) openWidget() {
	p.t.Helper()
	p.waitHost("launcher", jsLauncher)
	if host[string](p, jsLauncher+`.getAttribute('aria-expanded')`) != "true" {
		p.clickLauncher()
	}
	p.waitFrame("the composer", `document.querySelector('textarea')`)
}

// typeMessage writes into the composer with the keyboard and presses Enter.
func (p *tab) typeMessage(text string) {
	p.t.Helper()
	p.waitFrame("the composer", `document.querySelector('textarea') && !document.querySelector('textarea').disabled`)
	inFrame[chromedp.Void](p, `document.querySelector('textarea').focus()`)
	p.do(chromedp.KeyEvent(text), enter)
}

// enter presses Enter as a keyboard does: keydown and keyup, no extra "char" event (which would
// put a new line into the emptied composer).
var enter = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
		if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: typ, Key: "Enter", Code: "Enter",
			WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13}); err != nil {
			return err
		}
	}
	return nil
})

// composerText is an expression for the text in the inbox's formatted composer (its spaces as typed:
// an editor keeps a space at the end of a line as a no-break space).
const composerText = `document.querySelector('.composer .editor').textContent.replace(/\u00a0/g, ' ')`

// composerOn is an expression saying the inbox's composer takes text.
const composerOn = `document.querySelector('.composer .editor[contenteditable=true]')`

// jsQuote makes a JavaScript string literal.
func jsQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// bubbles is an expression counting the message bubbles in the frame that hold text (not pending).
func bubbles(text string) string {
	return `[...document.querySelectorAll('.m:not(.pend) .bub')].filter((b) => b.textContent.includes(` + jsQuote(text) + `)).length`
}
