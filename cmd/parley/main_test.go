package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/openapitest"
	"github.com/parleyhq/parley/internal/storetest"
	"github.com/parleyhq/parley/internal/testenv"
)

// The test binary doubles as the parley binary: with PARLEY_TEST_AS_MAIN set it runs main, so
// these tests drive real processes (signals, exit codes, lock files) without a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("PARLEY_TEST_AS_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// parley runs the command to completion and returns its exit code and output.
func parley(t *testing.T, stdin string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := command(t, env, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errOut.String()
}

func command(t *testing.T, env []string, args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(append(cleanEnv(), "PARLEY_TEST_AS_MAIN=1"), env...)
	return cmd
}

// cleanEnv drops PARLEY_* settings of the surrounding shell so they cannot change a test.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PARLEY_") {
			out = append(out, kv)
		}
	}
	return out
}

// server is a running `parley serve` process.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	url  string
	out  chan string // stdout lines after the URL
	errs *strings.Builder
	done chan error
}

func startServer(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	cmd := command(t, env, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, out: make(chan string, 100), errs: &strings.Builder{}, done: make(chan error, 1)}
	cmd.Stderr = s.errs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	go func() { s.done <- cmd.Wait() }()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(30 * time.Second)
	for s.url == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("server exited before printing its URL; stderr:\n%s", s.errs)
			}
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "Inbox:"); ok {
				s.url = strings.TrimSuffix(strings.TrimSpace(rest), "/inbox/")
			}
		case <-deadline:
			t.Fatalf("server printed no URL within 30 s; stderr:\n%s", s.errs)
		}
	}
	go func() {
		for l := range lines {
			s.out <- l
		}
		close(s.out)
	}()
	return s
}

// stop sends SIGTERM and requires a clean exit.
func (s *server) stop() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatal(err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Fatalf("exit after SIGTERM: %v; stderr:\n%s", err, s.errs)
		}
	case <-time.After(30 * time.Second):
		s.t.Fatalf("no exit within 30 s of SIGTERM; stderr:\n%s", s.errs)
	}
	if !strings.Contains(s.errs.String(), "msg=stopped") && !strings.Contains(s.errs.String(), `"msg":"stopped"`) {
		s.t.Fatalf("no orderly shutdown in log:\n%s", s.errs)
	}
}

func (s *server) get(c *http.Client, path string) (int, string) {
	s.t.Helper()
	res, err := c.Get(s.url + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (s *server) login(c *http.Client, email, password string) int {
	s.t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	res, err := c.Post(s.url+"/api/v1/session", "application/json", strings.NewReader(string(body)))
	if err != nil {
		s.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// browser is a client with a cookie jar, as a browser is; what it exchanges with a documented route
// is checked against docs/openapi.yaml for the test.
func browser(t testing.TB) *http.Client {
	jar, _ := cookiejar.New(nil)
	return openapitest.Client(t, jar)
}

// client is a client without cookies whose exchanges are checked against docs/openapi.yaml.
func client(t testing.TB) *http.Client {
	return openapitest.Client(t, nil)
}

// lifecycle checks what a newcomer does: create a user from the shell, start the server, sign in,
// stop it with SIGTERM, start it again and find the data still there.
func lifecycle(t *testing.T, storage, serveOnly []string) {
	code, out, errOut := parley(t, "correct horse battery\n", nil,
		append([]string{"user", "create", "--email", "Ana@Example.com", "--name", "Ana", "--role", "owner"}, storage...)...)
	if code != 0 || !strings.Contains(out, "created owner ana@example.com") {
		t.Fatalf("user create: %d %s %s", code, out, errOut)
	}
	code, _, errOut = parley(t, "", nil, append([]string{"user", "create", "--email", "ana@example.com", "--name", "Ana", "--password", "correct horse battery"}, storage...)...)
	if code != 1 || !strings.Contains(errOut, "already exists") {
		t.Fatalf("duplicate user: %d %s", code, errOut)
	}

	s := startServer(t, nil, append(storage, serveOnly...)...)
	c := browser(t)
	if code, _ := s.get(c, "/healthz"); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	if code, body := s.get(c, "/readyz"); code != 200 {
		t.Fatalf("readyz %d %s", code, body)
	}
	if code := s.login(c, "ana@example.com", "wrong password!"); code != 401 {
		t.Fatalf("wrong password: %d", code)
	}
	if code := s.login(c, "ana@example.com", "correct horse battery"); code != 200 {
		t.Fatalf("login: %d", code)
	}
	if code, body := s.get(c, "/api/v1/me"); code != 200 || !strings.Contains(body, `"role":"owner"`) {
		t.Fatalf("me: %d %s", code, body)
	}
	if _, body := s.get(c, "/metrics"); !strings.Contains(body, "parley_http_request_duration_seconds") || !strings.Contains(body, "go_sql_") || !strings.Contains(body, "parley_jobs_") {
		t.Fatalf("metrics lack parley's own series:\n%.2000s", body)
	}
	s.stop()

	s = startServer(t, nil, append(storage, serveOnly...)...)
	c = browser(t)
	if code := s.login(c, "ana@example.com", "correct horse battery"); code != 200 {
		t.Fatalf("login after restart: %d", code)
	}
	s.stop()
}

func TestLifecycleSQLite(t *testing.T) {
	lifecycle(t, []string{"--data", t.TempDir()}, nil)
}

func TestLifecyclePostgresAndExternalNATS(t *testing.T) {
	db := storetest.PostgresDatabase(t)
	nats := testenv.NATSURL(t)
	lifecycle(t, []string{"--database", db}, []string{"--nats", nats, "--secret-key", testSecretKey})
}

func TestEnvironmentConfiguresFlags(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, []string{"PARLEY_DATA=" + dir, "PARLEY_LOG_FORMAT=json"})
	if _, err := os.Stat(filepath.Join(dir, "parley.db")); err != nil {
		t.Fatalf("PARLEY_DATA ignored: %v", err)
	}
	s.stop()
	if !strings.Contains(s.errs.String(), `"msg":"stopped"`) {
		// stop() looked for the text form; JSON logs must carry the same message.
		t.Fatalf("PARLEY_LOG_FORMAT=json ignored:\n%s", s.errs)
	}
}

// --debug-addr serves the profiler on its own address; the public one does not.
func TestProfilerOnDebugAddressOnly(t *testing.T) {
	s := startServer(t, cleanEnv(), "--data", t.TempDir(), "--debug-addr", "127.0.0.1:0")
	var prof string
	for prof == "" {
		line, ok := <-s.out
		if !ok {
			t.Fatalf("no profiler line; stderr:\n%s", s.errs)
		}
		prof, _ = strings.CutPrefix(strings.TrimSpace(line), "Profiler:")
		prof = strings.TrimSpace(prof)
	}
	res, err := http.Get(prof + "goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "goroutine profile") {
		t.Fatalf("profiler: %d %.200s", res.StatusCode, body)
	}
	if code, _ := s.get(http.DefaultClient, "/debug/pprof/"); code != 404 {
		t.Fatalf("the public address serves the profiler: %d", code)
	}
	s.stop()
}

func TestSecondServerOnSameDataIsRefused(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, nil, "--data", dir)
	code, _, errOut := parley(t, "", nil, "serve", "--addr", "127.0.0.1:0", "--data", dir)
	if code != 1 || !strings.Contains(errOut, "in use by another parley process") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
		t.Fatalf("second server: %d %q", code, errOut)
	}
	// A backup works while the server runs.
	dest := filepath.Join(t.TempDir(), "backup.db")
	code, out, errOut := parley(t, "", nil, "backup", "--data", dir, "--out", dest)
	if code != 0 || !strings.Contains(out, "backup written") || !strings.Contains(out, "secret.key is not in the copy") {
		t.Fatalf("backup: %d %s %s", code, out, errOut)
	}
	if st, err := os.Stat(dest); err != nil || st.Size() == 0 {
		t.Fatalf("backup file: %v", err)
	}
	s.stop()
}

func TestUnreachableDatabaseGivesOneLine(t *testing.T) {
	code, _, errOut := parley(t, "", nil, "serve", "--addr", "127.0.0.1:0", "--database", "postgres://parley:hunter2@127.0.0.1:1/parley?connect_timeout=2",
		"--secret-key", testSecretKey)
	line := strings.TrimSpace(errOut)
	if code != 1 || !strings.HasPrefix(line, "parley: cannot reach PostgreSQL") || strings.Contains(line, "\n") || strings.Contains(line, "hunter2") || strings.Contains(line, "goroutine") {
		t.Fatalf("got exit %d and %q", code, errOut)
	}
}

func TestDemoIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, nil, "--data", dir, "--demo")
	var password string
	for password == "" {
		select {
		case l := <-s.out:
			if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "Password:"); ok {
				password = strings.Fields(rest)[0]
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no demo password printed")
		}
	}
	c := browser(t)
	if code := s.login(c, "demo@parley.test", password); code != 200 {
		t.Fatalf("demo login: %d", code)
	}
	if code, body := s.get(c, "/demo"); code != 200 || !strings.Contains(body, "Demo site") {
		t.Fatalf("demo page: %d %s", code, body)
	}
	s.stop()
	s = startServer(t, nil, "--data", dir, "--demo")
	c = browser(t)
	if code := s.login(c, "demo@parley.test", password); code != 200 {
		t.Fatalf("demo login after second start: %d", code)
	}
	s.stop()
}

func TestHelpExplainsEveryFlag(t *testing.T) {
	code, out, _ := parley(t, "", nil, "--help")
	if code != 0 || !strings.Contains(out, "parley serve") {
		t.Fatalf("--help: %d %s", code, out)
	}
	code, _, errOut := parley(t, "", nil, "serve", "--help")
	if code != 0 {
		t.Fatalf("serve --help exit %d", code)
	}
	for _, f := range []string{"addr", "data", "database", "nats", "base-url", "tls-cert", "tls-key", "trusted-proxies", "demo", "log-level", "log-format"} {
		if !strings.Contains(errOut, "--"+f+"  [PARLEY_"+strings.ToUpper(strings.ReplaceAll(f, "-", "_"))+"]") {
			t.Errorf("serve --help does not explain --%s:\n%s", f, errOut)
		}
	}
	code, _, errOut = parley(t, "", nil, "serve", "--log-format", "xml")
	if code != 1 || !strings.Contains(errOut, "--log-format must be text or json") {
		t.Fatalf("bad flag value: %d %s", code, errOut)
	}
	code, _, _ = parley(t, "", nil, "serve", "--no-such-flag")
	if code != 2 {
		t.Fatalf("unknown flag exit %d", code)
	}
	code, out, _ = parley(t, "", nil, "version")
	if code != 0 || !strings.HasPrefix(out, "parley ") {
		t.Fatalf("version: %d %s", code, out)
	}
}

func TestBackupOfPostgresExplainsPgDump(t *testing.T) {
	code, _, errOut := parley(t, "", nil, "backup", "--database", "postgres://x@127.0.0.1/y", "--out", "x.db")
	if code != 1 || !strings.Contains(errOut, "pg_dump") {
		t.Fatalf("got %d %s", code, errOut)
	}
}
