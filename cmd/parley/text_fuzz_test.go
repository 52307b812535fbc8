package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/clienttext"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/storetest"
	"github.com/parleyhq/parley/internal/wstest"
)

// FuzzClientText sends strings — random ones, and the seeds: NUL, invalid UTF-8, lone surrogates,
// a pair, long text — in the JSON of the agent API, the widget's HTTP calls and the visitor's
// socket of real Parley servers, one on SQLite and one on PostgreSQL, and requires that none
// answers 5xx (or an "internal" error frame), and that bad text is answered with invalid_text
// alike on both. As a plain test it runs the seeds; `go test -fuzz FuzzClientText ./cmd/parley`
// searches further.
func FuzzClientText(f *testing.F) {
	for _, s := range []string{"hello", "\x00", "a\x00b", "\xff", "caf\xc3", "\xed\xa0\x80", `\u0000`, `\ud800`, `x\udc00y`,
		`\ud83d\ude00`, "Zoë 😀", strings.Repeat("long ", 3000), "", " ", "\u2028", `\\u0000`, "4111 1111 1111 1111"} {
		f.Add(s)
	}
	targets := []*textTarget{startTextTarget(f, "sqlite"), startTextTarget(f, "postgres")}
	f.Fuzz(func(t *testing.T, s string) {
		literals := []string{rawLiteral(s)}
		if v := `"` + s + `"`; json.Valid([]byte(v)) && v != literals[0] {
			literals = append(literals, v) // the fuzzer's own escapes: \u0000, \ud800 …
		}
		for _, lit := range literals {
			_, bad := clienttext.Find([]byte(lit))
			for _, tg := range targets {
				tg.exercise(t, lit, bad != "")
			}
		}
	})
}

// rawLiteral puts s in a JSON string as it is, bytes and all: only what JSON itself cannot hold
// raw (quotes, backslashes, control characters) is escaped, so invalid UTF-8 reaches the server.
func rawLiteral(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// textTarget is one running server with what the requests need.
type textTarget struct {
	engine         string
	base           string
	database       string // the SQLite file or the PostgreSQL URL
	c              *http.Client
	bearer         string
	key, secret    string
	visitorToken   string
	conversationID int64
	contactID      int64
	log            *syncBuffer
	ws             *wstest.Conn
	wsMu           sync.Mutex
	n              int
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveInProcess runs `parley serve` in this process on the engine ("sqlite" or "postgres"),
// trusting 127.0.0.1 as a proxy, until the test ends. It returns the base URL, the database (the
// SQLite file or the PostgreSQL URL) and the server's log. extra are more flags.
func serveInProcess(tb testing.TB, engine string, extra ...string) (base, database string, log *syncBuffer) {
	tb.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--trusted-proxies", "127.0.0.1", "--log-level", "warn"}, extra...)
	if engine == "sqlite" {
		dir := tb.TempDir()
		database = filepath.Join(dir, "parley.db")
		args = append(args, "--data", dir)
	} else {
		database = storetest.PostgresDatabase(tb)
		args = append(args, "--database", database, "--secret-key", testSecretKey)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	log = &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, args, strings.NewReader(""), pw, log, func(string) string { return "" })
		pw.Close()
	}()
	tb.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			tb.Errorf("%s server did not stop", engine)
		}
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "Inbox:"); ok {
				urls <- strings.TrimSuffix(strings.TrimSpace(rest), "/inbox/")
			}
		}
	}()
	select {
	case base = <-urls:
	case code := <-done:
		tb.Fatalf("%s server exited (%d): %s", engine, code, log)
	case <-time.After(60 * time.Second):
		tb.Fatalf("%s server printed no URL: %s", engine, log)
	}
	return base, database, log
}

// startSite runs a server on the engine with an owner, their API token (tg.bearer) and a website
// on shop.example (tg.key, tg.secret).
func startSite(tb testing.TB, engine string) *textTarget {
	tb.Helper()
	tg := &textTarget{engine: engine, c: &http.Client{Timeout: 30 * time.Second}}
	tg.base, tg.database, tg.log = serveInProcess(tb, engine)
	tg.must(tb, 201, "POST", "/api/v1/setup", `{"email":"owner@example.com","name":"Owner","password":"correct horse battery"}`)
	login, _ := http.NewRequest("POST", tg.base+"/api/v1/session", strings.NewReader(`{"email":"owner@example.com","password":"correct horse battery"}`))
	res, err := tg.c.Do(login)
	if err != nil || res.StatusCode != 200 {
		tb.Fatalf("sign in: %v %v", err, res)
	}
	res.Body.Close()
	cookie := res.Cookies()[0]
	tok := tg.must(tb, 201, "POST", "/api/v1/tokens", `{"name":"test"}`, "Cookie", cookie.Name+"="+cookie.Value)
	tg.bearer = "Bearer " + tok["secret"].(string)
	site := tg.must(tb, 201, "POST", "/api/v1/websites", `{"name":"Shop","allowed_domains":["shop.example"]}`)["website"].(map[string]any)
	tg.key = site["public_key"].(string)
	tg.secret = tg.must(tb, 200, "GET", fmt.Sprintf("/api/v1/websites/%d/secret", num(site["id"])), "")["secret"].(string)
	return tg
}

// must sends a request (request) and requires the status.
func (tg *textTarget) must(tb testing.TB, status int, method, path, body string, hdr ...string) map[string]any {
	tb.Helper()
	got, out := tg.request(method, path, body, hdr...)
	if got != status {
		tb.Fatalf("%s %s %s: %d %v", tg.engine, method, path, got, out)
	}
	return out
}

// startTextTarget runs a server on the engine with a website and a visitor with a conversation,
// whose socket is open.
func startTextTarget(f *testing.F, engine string) *textTarget {
	f.Helper()
	tg := startSite(f, engine)
	must := func(status int, method, path, body string, hdr ...string) map[string]any {
		f.Helper()
		return tg.must(f, status, method, path, body, hdr...)
	}
	sess := must(201, "POST", "/widget/v1/"+tg.key+"/session", `{"page_url":"https://shop.example/"}`)
	tg.visitorToken = sess["token"].(string)
	sent := must(201, "POST", "/widget/v1/"+tg.key+"/messages", `{"body":"hello","client_id":"c0"}`, "Authorization", "Visitor "+tg.visitorToken)
	tg.conversationID = num(sent["conversation"].(map[string]any)["id"])
	conv := must(200, "GET", fmt.Sprintf("/api/v1/conversations/%d", tg.conversationID), "")["conversation"].(map[string]any)
	tg.contactID = num(conv["contact_id"])

	host := strings.TrimPrefix(tg.base, "http://")
	tg.ws = wstest.DialNamed(f, engine+": the visitor's socket", "ws://"+host+"/widget/v1/"+tg.key+"/ws", http.Header{"Origin": {tg.base}})
	tg.ws.Send(map[string]string{"t": "auth", "token": tg.visitorToken})
	tg.wait(f, func(e map[string]any) bool { return e["t"] == "ready" }, "ready")
	return tg
}

// request sends one request from a random address (the server trusts the loopback proxy), so the
// per-address limits do not end the run early, and returns its status and JSON body.
func (tg *textTarget) request(method, path, body string, hdr ...string) (int, map[string]any) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, tg.base+path, rd)
	if err != nil {
		return 0, map[string]any{"request": err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", rand.IntN(256), rand.IntN(256), 1+rand.IntN(254)))
	if tg.bearer != "" {
		req.Header.Set("Authorization", tg.bearer)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := tg.c.Do(req)
	if err != nil {
		return 0, map[string]any{"request": err.Error()}
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if json.Unmarshal(raw, &out) != nil {
		out = map[string]any{"raw": string(raw)}
	}
	return res.StatusCode, out
}

func errorCode(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// wait waits for a socket frame matching pred.
func (tg *textTarget) wait(tb testing.TB, pred func(map[string]any) bool, what string) map[string]any {
	tb.Helper()
	deadline := time.After(10 * time.Second)
	for {
		for _, e := range tg.ws.Events() {
			if pred(e) {
				return e
			}
		}
		select {
		case <-tg.ws.Arrived():
		case <-tg.ws.Closed():
			tb.Fatalf("%s: the visitor's socket closed waiting for %s", tg.engine, what)
		case <-deadline:
			tb.Fatalf("%s: no %s within 10 s", tg.engine, what)
		}
	}
}

// exercise sends the literal lit (a JSON string, quotes included) in every request and frame.
// Bad text must be answered invalid_text by every call that decodes it first; nothing may fail
// with 5xx.
func (tg *textTarget) exercise(t *testing.T, lit string, bad bool) {
	tg.n++
	n := strconv.Itoa(tg.n)
	var plain string
	_ = json.Unmarshal([]byte(lit), &plain) // what the server reads (bad text aside)
	sig := contact.IdentitySignature(tg.secret, plain)
	visitor := []string{"Authorization", "Visitor " + tg.visitorToken}
	query := url.QueryEscape(plain)
	calls := []struct {
		method, path, body string
		hdr                []string
		refusesBad         bool // decodes the text before anything else can fail
	}{
		{"PATCH", "/api/v1/me", `{"name":` + lit + `}`, nil, true},
		{"POST", "/api/v1/teams", `{"name":` + lit + `}`, nil, true},
		{"PATCH", fmt.Sprintf("/api/v1/contacts/%d", tg.contactID), `{"notes":` + lit + `,"tags":[` + lit + `],"attributes":{` + lit + `:` + lit + `}}`, nil, true},
		{"POST", fmt.Sprintf("/api/v1/conversations/%d/messages", tg.conversationID), `{"body":` + lit + `,"note":true,"client_id":"n` + n + `"}`, nil, true},
		{"POST", "/api/v1/persons", `{"name":` + lit + `,"email":` + lit + `}`, nil, true},
		{"GET", "/api/v1/persons?q=" + query, "", nil, false},
		{"GET", "/api/v1/conversations?q=" + query, "", nil, false},
		{"POST", "/api/v1/session", `{"email":` + lit + `,"password":` + lit + `}`, []string{"Authorization", ""}, true},
		{"POST", "/api/v1/websites", `{"name":` + lit + `,"allowed_domains":[` + lit + `]}`, nil, true},
		{"POST", "/widget/v1/" + tg.key + "/session", `{"page_url":` + lit + `,"page_title":` + lit + `,"referrer":` + lit + `,"locale":` + lit + `}`, []string{"Authorization", ""}, true},
		{"POST", "/widget/v1/" + tg.key + "/session", `{"token":` + lit + `}`, []string{"Authorization", ""}, true},
		{"POST", "/widget/v1/" + tg.key + "/messages", `{"body":` + lit + `,"client_id":"m` + n + `"}`, visitor, false},
		{"POST", "/widget/v1/" + tg.key + "/pageview", `{"url":"https://shop.example/","title":` + lit + `}`, visitor, false},
		{"POST", "/widget/v1/" + tg.key + "/contact", `{"name":` + lit + `,"email":` + lit + `}`, visitor, false},
		{"POST", "/widget/v1/" + tg.key + "/consent", `{"text":` + lit + `,"version":` + lit + `}`, visitor, false},
		{"POST", "/widget/v1/" + tg.key + "/identify", `{"user_id":` + lit + `,"name":` + lit + `,"signature":"` + sig + `"}`, visitor, false},
		{"GET", "/widget/v1/" + url.PathEscape(plain) + "/conversation", "", visitor, false},
	}
	for _, c := range calls {
		status, out := tg.request(c.method, c.path, c.body, c.hdr...)
		code := errorCode(out)
		if status >= 500 || status == 0 {
			t.Errorf("%s: %s %s with %.80q: %d %v\nserver log:\n%s", tg.engine, c.method, c.path, lit, status, out, tg.log)
		}
		if bad && c.refusesBad && code != clienttext.Code {
			t.Errorf("%s: %s %s with %.80q: %d %v, want 400 %s", tg.engine, c.method, c.path, lit, status, out, clienttext.Code)
		}
	}

	// The visitor's socket: the frame is answered (ack or error), never with an internal error. A
	// text frame that is not UTF-8 never reaches Parley: the WebSocket protocol closes the socket
	// (1007), so only escapes are sent there.
	if !utf8.ValidString(lit) {
		return
	}
	tg.wsMu.Lock()
	defer tg.wsMu.Unlock()
	frame := `{"t":"send","client_id":"w` + n + `","body":` + lit + `}`
	if err := tg.ws.Write([]byte(frame)); err != nil {
		t.Fatalf("%s: write frame: %v", tg.engine, err)
	}
	got := tg.wait(t, func(e map[string]any) bool {
		return (e["t"] == "ack" || e["t"] == "error") && (e["client_id"] == "w"+n || e["ref"] == "w"+n)
	}, "the answer to frame w"+n)
	if got["t"] == "error" && (got["code"] == "internal" || got["code"] == "unavailable") {
		t.Errorf("%s: frame with %.80q: %v\nserver log:\n%s", tg.engine, lit, got, tg.log)
	}
	if bad && (got["t"] != "error" || got["code"] != clienttext.Code) {
		t.Errorf("%s: frame with %.80q: %v, want an error frame %s", tg.engine, lit, got, clienttext.Code)
	}
}
