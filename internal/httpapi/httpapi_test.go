package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/httpapi"
	"github.com/parleyhq/parley/internal/push"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

type env struct {
	t        *testing.T
	db       *store.DB
	accounts *auth.Service
	srv      *httptest.Server
	api      *httpapi.Server
	busDown  bool
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	e := &env{t: t, db: db}
	e.accounts = auth.NewService(db, auth.Options{Hasher: auth.NewHasher(auth.TestHashParams, 4),
		Limits: auth.LoginLimits{PerIPBurst: 50, PerIPInterval: time.Minute, PerAccountIPBurst: 3, PerAccountIPInterval: time.Hour}})
	proxies, _ := httpapi.ParseProxies("127.0.0.1")
	vapid, err := push.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	e.api = httpapi.New(httpapi.Config{
		Auth: e.accounts,
		Push: push.NewService(push.Options{Repo: db, Sender: &push.Sender{Keys: vapid}}),
		Checks: map[string]httpapi.Checker{"database": db, "bus": httpapi.CheckFunc(func(context.Context) error {
			if e.busDown {
				return errors.New("bus down")
			}
			return nil
		})},
		Proxies: proxies,
	})
	e.srv = httptest.NewServer(e.api.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) user(email string, role auth.Role) *auth.User {
	e.t.Helper()
	u, err := e.accounts.CreateUser(context.Background(), nil, auth.NewUser{Email: email, Name: strings.Split(email, "@")[0], Password: "correct horse battery", Role: role})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// client is a browser-like client with its own cookie jar.
func (e *env) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type reply struct {
	status int
	body   map[string]any
	raw    string
	header http.Header
}

func (r reply) errCode() string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (e *env) do(c *http.Client, method, path, body string, hdr ...string) reply {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := reply{status: res.StatusCode, raw: string(raw), header: res.Header}
	_ = json.Unmarshal(raw, &out.body)
	return out
}

func (e *env) login(c *http.Client, email string) reply {
	e.t.Helper()
	r := e.do(c, "POST", "/api/v1/session", `{"email":"`+email+`","password":"correct horse battery"}`)
	if r.status != 200 {
		e.t.Fatalf("login %s: %d %s", email, r.status, r.raw)
	}
	return r
}

func expect(t *testing.T, r reply, status int, code string) {
	t.Helper()
	if r.status != status || (code != "" && r.errCode() != code) {
		t.Fatalf("got %d %s, want %d %s", r.status, r.raw, status, code)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	c := e.client()
	expect(t, e.do(c, "GET", "/healthz", ""), 200, "")
	r := e.do(c, "GET", "/readyz", "")
	expect(t, r, 200, "")
	e.busDown = true
	r = e.do(c, "GET", "/readyz", "")
	expect(t, r, 503, "")
	if !strings.Contains(r.raw, `"bus":"unavailable"`) || !strings.Contains(r.raw, `"database":"ok"`) {
		t.Fatalf("readyz body %s", r.raw)
	}
}

func TestLoginLogoutAndThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.user("agent@example.com", auth.Agent)
		c := e.client()
		expect(t, e.do(c, "GET", "/api/v1/me", ""), 401, "unauthenticated")
		wrong := e.do(c, "POST", "/api/v1/session", `{"email":"agent@example.com","password":"wrong password!"}`)
		expect(t, wrong, 401, "invalid_credentials")
		unknown := e.do(c, "POST", "/api/v1/session", `{"email":"nobody@example.com","password":"wrong password!"}`)
		expect(t, unknown, 401, "invalid_credentials")

		r := e.login(c, "AGENT@example.com")
		setCookie := r.header.Get("Set-Cookie")
		if !strings.Contains(setCookie, "HttpOnly") || !strings.Contains(setCookie, "SameSite=Lax") {
			t.Fatalf("session cookie %q", setCookie)
		}
		me := e.do(c, "GET", "/api/v1/me", "")
		expect(t, me, 200, "")
		if me.body["user"].(map[string]any)["email"] != "agent@example.com" {
			t.Fatalf("me: %s", me.raw)
		}
		if strings.Contains(me.raw, "password") {
			t.Fatalf("password hash leaked: %s", me.raw)
		}

		// A second login in the same browser rotates the session: the old one stops working.
		u, _ := url.Parse(e.srv.URL)
		old := c.Jar.Cookies(u)[0].Value
		e.login(c, "agent@example.com")
		if _, _, err := e.accounts.AuthenticateSession(context.Background(), old); err == nil {
			t.Fatal("old session still valid after login rotated it")
		}

		expect(t, e.do(c, "DELETE", "/api/v1/session", ""), 204, "")
		expect(t, e.do(c, "GET", "/api/v1/me", ""), 401, "")

		// Wrong passwords: 401 until the limit of the account from this address, then 429 from it
		// even for the right one.
		for range 2 {
			expect(t, e.do(c, "POST", "/api/v1/session", `{"email":"agent@example.com","password":"wrong password!"}`), 401, "")
		}
		r = e.do(c, "POST", "/api/v1/session", `{"email":"agent@example.com","password":"wrong password!"}`)
		expect(t, r, 429, "too_many_attempts")
		if r.header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
		expect(t, e.do(c, "POST", "/api/v1/session", `{"email":"agent@example.com","password":"correct horse battery"}`), 429, "")
		// Whoever made those failures cannot keep the owner out: the right password from an
		// address without failures (behind the trusted proxy) signs in.
		expect(t, e.do(e.client(), "POST", "/api/v1/session", `{"email":"agent@example.com","password":"correct horse battery"}`,
			"X-Forwarded-For", "198.51.100.23"), 200, "")
	})
}

func TestAPITokens(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	e.user("admin@example.com", auth.Admin)
	c := e.client()
	e.login(c, "admin@example.com")
	r := e.do(c, "POST", "/api/v1/tokens", `{"name":"CRM"}`)
	expect(t, r, 201, "")
	secret := r.body["secret"].(string)
	id := int(r.body["token"].(map[string]any)["id"].(float64))

	bare := &http.Client{}
	expect(t, e.do(bare, "GET", "/api/v1/me", "", "Authorization", "Bearer "+secret), 200, "")
	expect(t, e.do(bare, "GET", "/api/v1/me", "", "Authorization", "Bearer plt_nonsense"), 401, "")
	expect(t, e.do(bare, "GET", "/api/v1/me", "", "Authorization", "Basic abc"), 401, "")
	list := e.do(c, "GET", "/api/v1/tokens", "")
	if strings.Contains(list.raw, secret) || !strings.Contains(list.raw, `"name":"CRM"`) {
		t.Fatalf("token list %s", list.raw)
	}
	expect(t, e.do(c, "DELETE", "/api/v1/tokens/"+itoa(id), ""), 204, "")
	expect(t, e.do(bare, "GET", "/api/v1/me", "", "Authorization", "Bearer "+secret), 401, "")
	expect(t, e.do(c, "DELETE", "/api/v1/tokens/"+itoa(id), ""), 404, "")
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestBadInputChangesNothing(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	e.user("admin@example.com", auth.Admin)
	c := e.client()
	e.login(c, "admin@example.com")
	cases := []struct {
		body   string
		status int
		want   string
	}{
		{`{"email":"a@example.com",`, 400, "malformed JSON"},
		{`{"email":"a@example.com","name":"A","password":"correct horse battery","shoe_size":44}`, 400, `unknown field \"shoe_size\"`},
		{`{"email":42}`, 400, `field \"email\" must be a string`},
		{``, 400, "empty"},
		{`{"email":"a@example.com"} {"x":1}`, 400, "exactly one"},
		{`{"email":"not an email","name":"A","password":"correct horse battery"}`, 400, "not a valid email"},
		{`{"email":"a@example.com","name":"A","password":"short"}`, 400, "at least 10"},
		{`{"email":"a@example.com","name":"A","password":"correct horse battery","role":"king"}`, 400, "role"},
		{`{"email":"ADMIN@example.com","name":"A","password":"correct horse battery"}`, 409, "already exists"},
		{`{"email":"a@example.com","name":"` + strings.Repeat("x", 2<<20) + `"}`, 413, "larger than"},
	}
	for _, tc := range cases {
		r := e.do(c, "POST", "/api/v1/users", tc.body)
		if r.status != tc.status || !strings.Contains(r.raw, tc.want) {
			t.Errorf("body %.60q: got %d %s, want %d containing %q", tc.body, r.status, r.raw, tc.status, tc.want)
		}
	}
	users, _ := e.db.ListUsers(context.Background())
	if len(users) != 1 {
		t.Fatalf("bad input created users: %d", len(users))
	}
	expect(t, e.do(c, "GET", "/api/v1/users/abc", ""), 404, "")
	expect(t, e.do(c, "GET", "/api/v1/nothing-here", ""), 404, "not_found")
}

// Text that cannot be stored as sent — NUL, invalid UTF-8, a lone surrogate — is refused at the
// decoding boundary with 400 invalid_text naming the field, the same on both engines (PostgreSQL
// used to answer 500 for NUL while SQLite stored it), in bodies, queries, paths and forms.
func TestBadTextRefusedAtTheBoundary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.user("admin@example.com", auth.Admin)
		c := e.client()
		e.login(c, "admin@example.com")
		cases := []struct{ method, path, body, field string }{
			{"POST", "/api/v1/users", `{"email":"a@example.com","name":"A\u0000B","password":"correct horse battery"}`, "name"},
			{"POST", "/api/v1/users", "{\"email\":\"a@example.com\",\"name\":\"A\xffB\",\"password\":\"correct horse battery\"}", "name"},
			{"POST", "/api/v1/users", `{"email":"a@example.com","name":"A\ud800","password":"correct horse battery"}`, "name"},
			{"PATCH", "/api/v1/me", `{"name":"\udc00"}`, "name"},
			{"POST", "/api/v1/session", `{"email":"admin@example.com\u0000","password":"x"}`, "email"},
			{"GET", "/api/v1/users?q=%00", "", "query parameter q"},
			{"GET", "/api/v1/users/%FF", "", "path"},
		}
		for _, tc := range cases {
			r := e.do(c, tc.method, tc.path, tc.body)
			expect(t, r, 400, "invalid_text")
			if d, _ := r.body["error"].(map[string]any)["details"].(map[string]any); d["field"] != tc.field {
				t.Errorf("%s %s: details %v, want field %q", tc.method, tc.path, d, tc.field)
			}
		}
		users, _ := e.db.ListUsers(context.Background())
		if len(users) != 1 {
			t.Fatalf("bad text created users: %d", len(users))
		}
		// The sign-in form (a page) refuses it too, without a 500.
		res, err := c.PostForm(e.srv.URL+"/inbox/login", url.Values{"email": {"admin@example.com\x00"}, "password": {"x"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("form with NUL: %d", res.StatusCode)
		}
		// Good text with escapes goes through.
		r := e.do(c, "PATCH", "/api/v1/me", `{"name":"Zo\u00eb \ud83d\ude00"}`)
		if u, _ := r.body["user"].(map[string]any); r.status != 200 || u["name"] != "Zoë 😀" {
			t.Fatalf("good escapes: %d %s", r.status, r.raw)
		}
	})
}

func TestInternalErrorsLeakNothing(t *testing.T) {
	db := storetest.SQLite(t)
	e := newEnv(t, db)
	e.user("admin@example.com", auth.Admin)
	c := e.client()
	e.login(c, "admin@example.com")
	db.Close()
	r := e.do(c, "GET", "/api/v1/users", "")
	expect(t, r, 500, "internal")
	id := r.header.Get("X-Request-Id")
	if id == "" || !strings.Contains(r.raw, id) || strings.Contains(r.raw, "closed") || strings.Contains(r.raw, "sql") {
		t.Fatalf("500 body %s (request id %q)", r.raw, id)
	}
}

func TestRolesOnEndpoints(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	owner := e.user("owner@example.com", auth.Owner)
	e.user("admin@example.com", auth.Admin)
	agent := e.user("agent@example.com", auth.Agent)
	ac, oc, gc := e.client(), e.client(), e.client()
	e.login(ac, "admin@example.com")
	e.login(oc, "owner@example.com")
	e.login(gc, "agent@example.com")
	newUser := `{"email":"new@example.com","name":"New","password":"correct horse battery"}`

	expect(t, e.do(gc, "POST", "/api/v1/users", newUser), 403, "forbidden")
	expect(t, e.do(gc, "POST", "/api/v1/teams", `{"name":"Sales"}`), 403, "")
	expect(t, e.do(gc, "GET", "/api/v1/users", ""), 200, "")
	expect(t, e.do(ac, "PATCH", "/api/v1/users/"+itoa(int(owner.ID)), `{"role":"agent"}`), 403, "")
	expect(t, e.do(ac, "POST", "/api/v1/users", newUser), 201, "")
	r := e.do(ac, "POST", "/api/v1/teams", `{"name":"Sales","member_ids":[`+itoa(int(agent.ID))+`]}`)
	expect(t, r, 201, "")
	tid := itoa(int(r.body["team"].(map[string]any)["id"].(float64)))
	expect(t, e.do(gc, "GET", "/api/v1/teams/"+tid, ""), 200, "")
	expect(t, e.do(ac, "PATCH", "/api/v1/teams/"+tid, `{"name":"Support"}`), 200, "")
	expect(t, e.do(ac, "DELETE", "/api/v1/teams/"+tid, ""), 204, "")
	expect(t, e.do(oc, "PATCH", "/api/v1/users/"+itoa(int(owner.ID)), `{"role":"admin"}`), 409, "last_owner")
	expect(t, e.do(oc, "PATCH", "/api/v1/users/"+itoa(int(agent.ID)), `{"deactivated":true}`), 200, "")
	expect(t, e.do(gc, "GET", "/api/v1/me", ""), 401, "")
}

func TestCrossOriginStateChangesRefused(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	e.user("admin@example.com", auth.Admin)
	c := e.client()
	e.login(c, "admin@example.com")
	r := e.do(c, "POST", "/api/v1/teams", `{"name":"Evil"}`, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	if r.status != 403 {
		t.Fatalf("cross-site POST: %d %s", r.status, r.raw)
	}
	teams, _ := e.db.ListTeams(context.Background())
	if len(teams) != 0 {
		t.Fatal("cross-site POST created a team")
	}
	expect(t, e.do(c, "POST", "/api/v1/teams", `{"name":"Good"}`, "Sec-Fetch-Site", "same-origin"), 201, "")
}

// Under the API's prefixes every refusal has the one JSON format, {"error":{code,message,
// request_id}}: a wrong method is 405 with Allow (the /api/ catch-all used to answer 404), an
// unknown path 404, a cross-origin state change 403 (net/http's plain text before).
func TestOneErrorFormat(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	e.user("admin@example.com", auth.Admin)
	c := e.client()
	e.login(c, "admin@example.com")
	for _, tc := range []struct {
		method, path string
		hdr          []string
		status       int
		code, allow  string
	}{
		{"PUT", "/api/v1/me", nil, 405, "method_not_allowed", "GET, HEAD, PATCH"},
		{"POST", "/api/v1/users/1", nil, 405, "method_not_allowed", "GET, HEAD, PATCH"},
		{"DELETE", "/api/v1/setup", nil, 405, "method_not_allowed", "GET, HEAD, POST"},
		{"GET", "/widget/v1/pk_x/session", nil, 405, "method_not_allowed", "POST"},
		{"PUT", "/hooks/messenger", nil, 405, "method_not_allowed", ""},
		{"GET", "/api/v1/nothing-here", nil, 404, "not_found", ""},
		{"GET", "/widget/v1/pk_x/nothing", nil, 404, "not_found", ""},
		{"POST", "/api/v1/teams", []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, 403, "cross_origin", ""},
	} {
		r := e.do(c, tc.method, tc.path, `{"name":"x"}`, tc.hdr...)
		if r.status != tc.status || r.errCode() != tc.code {
			t.Errorf("%s %s: %d %s, want %d %s", tc.method, tc.path, r.status, r.raw, tc.status, tc.code)
			continue
		}
		if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Errorf("%s %s: content type %q", tc.method, tc.path, r.header.Get("Content-Type"))
		}
		if id, _ := r.body["error"].(map[string]any)["request_id"].(string); id == "" || id != r.header.Get("X-Request-Id") {
			t.Errorf("%s %s: request id %q in %s", tc.method, tc.path, id, r.raw)
		}
		if tc.allow != "" && r.header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, r.header.Get("Allow"), tc.allow)
		}
		if tc.status == 405 && r.header.Get("Allow") == "" {
			t.Errorf("%s %s: 405 without Allow", tc.method, tc.path)
		}
	}
}

// publicAPI are the /api/v1 routes anyone may call: the first owner's setup, signing in and out,
// and resetting a forgotten password. Every other route of the agent API answers 401 to a request
// without credentials, or with a wrong token or cookie.
var publicAPI = map[string]bool{
	"GET /api/v1/setup": true, "POST /api/v1/setup": true,
	"POST /api/v1/session": true, "DELETE /api/v1/session": true,
	"POST /api/v1/password/forgot": true, "POST /api/v1/password/link": true, "POST /api/v1/password/reset": true,
}

func TestEveryAPIRouteNeedsSignIn(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	params := regexp.MustCompile(`\{[^}]+\}`)
	seen, checked := map[string]bool{}, 0
	for _, rt := range e.api.Routes() {
		if !strings.HasPrefix(rt.Path, "/api/v1/") {
			continue
		}
		key := rt.Method + " " + rt.Path
		seen[key] = true
		if publicAPI[key] {
			if rt.Access != httpapi.Public {
				t.Errorf("%s is listed as public but has access %s", key, rt.Access)
			}
			continue
		}
		if rt.Access != httpapi.User && rt.Access != httpapi.UserSocket {
			t.Errorf("%s has access %s: only the routes listed in publicAPI may be reached without signing in", key, rt.Access)
		}
		path := params.ReplaceAllString(rt.Path, "1")
		for _, creds := range [][]string{nil, {"Authorization", "Bearer plt_wrong"}, {"Cookie", "parley_session=wrong"}} {
			r := e.do(&http.Client{}, rt.Method, path, "", creds...)
			if r.status != 401 || r.errCode() != "unauthenticated" {
				t.Errorf("%s %s with %v: %d %s, want 401 unauthenticated", rt.Method, path, creds, r.status, r.raw)
			}
		}
		checked++
	}
	for key := range publicAPI {
		if !seen[key] {
			t.Errorf("publicAPI lists %s, which is no route", key)
		}
	}
	if checked < 100 {
		t.Fatalf("only %d routes checked", checked)
	}
}

func TestSetupFlow(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	c := e.client()
	page := e.do(c, "GET", "/inbox/", "")
	if page.status != 200 || !strings.Contains(page.raw, `<div id="app">`) || !strings.Contains(page.header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Fatalf("the inbox app's page: %d %v %s", page.status, page.header, page.raw)
	}
	if page.header.Get("X-Frame-Options") != "DENY" || page.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("security headers missing: %v", page.header)
	}
	r := e.do(c, "GET", "/api/v1/setup", "")
	if r.body["needs_setup"] != true {
		t.Fatalf("setup status %s", r.raw)
	}
	expect(t, e.do(c, "POST", "/api/v1/setup", `{"email":"me@example.com","name":"Me","password":"short"}`), 400, "password_weak")
	expect(t, e.do(c, "POST", "/api/v1/setup", `{"email":"me@example.com","name":"Me","password":"correct horse battery"}`), 201, "")
	expect(t, e.do(c, "GET", "/api/v1/me", ""), 200, "")
	expect(t, e.do(e.client(), "POST", "/api/v1/setup", `{"email":"thief@example.com","name":"T","password":"correct horse battery"}`), 409, "setup_done")
}

func TestFormPagesSignInAndOut(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	e.user("owner@example.com", auth.Owner)
	c := e.client()
	post := func(path string, form url.Values) *http.Response {
		res, err := c.PostForm(e.srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := post("/inbox/login", url.Values{"email": {"owner@example.com"}, "password": {"nope nope nope"}}); res.StatusCode != 401 {
		t.Fatalf("wrong password page: %d", res.StatusCode)
	}
	if res := post("/inbox/login", url.Values{"email": {"owner@example.com"}, "password": {"correct horse battery"}}); res.StatusCode != 303 {
		t.Fatalf("login page: %d", res.StatusCode)
	}
	expect(t, e.do(c, "GET", "/api/v1/me", ""), 200, "")
	post("/inbox/logout", nil)
	expect(t, e.do(c, "GET", "/api/v1/me", ""), 401, "")
}

func TestMetricsExposed(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	c := e.client()
	e.do(c, "GET", "/healthz", "")
	r := e.do(c, "GET", "/metrics", "")
	if !strings.Contains(r.raw, `parley_http_request_duration_seconds_count{code="200",route="GET /healthz"} 1`) {
		t.Fatalf("metrics:\n%s", r.raw)
	}
}

// /metrics answers only the allowed networks (loopback and private ranges by default), judged by
// the client's address behind a trusted proxy; a request a proxy forwards without being trusted
// gets nothing (its loopback peer address is not the client's), and with a metrics listener of its
// own the public listener has no /metrics at all. Refusals are the JSON 404 of any unknown path.
func TestMetricsOnlyToAllowedNetworks(t *testing.T) {
	get := func(h http.Handler, hdr ...string) (int, string) {
		r := httptest.NewRequest("GET", "/metrics", nil)
		r.RemoteAddr = "127.0.0.1:5555"
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	trusted, _ := httpapi.ParseProxies("127.0.0.1")
	h := httpapi.New(httpapi.Config{Proxies: trusted}).Handler()
	for _, tc := range []struct {
		hdr    []string
		status int
	}{
		{nil, 200}, // loopback itself
		{[]string{"X-Forwarded-For", "10.1.2.3"}, 200},
		{[]string{"X-Forwarded-For", "203.0.113.5"}, 404},
		{[]string{"X-Forwarded-For", "10.1.2.3, 203.0.113.5"}, 404}, // the right-most untrusted hop counts
	} {
		status, body := get(h, tc.hdr...)
		if status != tc.status {
			t.Errorf("forwarded for %v: %d, want %d", tc.hdr, status, tc.status)
		}
		if status == 404 && !strings.Contains(body, `"code":"not_found"`) {
			t.Errorf("refusal body %s, want the JSON error", body)
		}
		if status == 200 && strings.Contains(body, `"error"`) {
			t.Errorf("metrics body %.200s", body)
		}
	}
	// A proxy that is not trusted passes on someone's request from loopback: refused.
	untrusting := httpapi.New(httpapi.Config{}).Handler()
	if status, _ := get(untrusting, "X-Forwarded-For", "10.1.2.3"); status != 404 {
		t.Errorf("forwarded by an untrusted proxy: %d, want 404", status)
	}
	if status, _ := get(untrusting, "X-Real-IP", "203.0.113.5"); status != 404 {
		t.Errorf("X-Real-IP from an untrusted proxy: %d, want 404", status)
	}
	if status, _ := get(untrusting); status != 200 {
		t.Errorf("loopback, no proxy: %d, want 200", status)
	}
	// Networks of the operator's choosing, and none at all.
	nets, err := httpapi.ParseNetworks("192.0.2.0/24")
	if err != nil {
		t.Fatal(err)
	}
	own := httpapi.New(httpapi.Config{Proxies: trusted, MetricsNetworks: nets}).Handler()
	if status, _ := get(own); status != 404 {
		t.Errorf("loopback outside the configured networks: %d, want 404", status)
	}
	if status, _ := get(own, "X-Forwarded-For", "192.0.2.9"); status != 200 {
		t.Errorf("inside the configured networks: %d, want 200", status)
	}
	if status, _ := get(httpapi.New(httpapi.Config{MetricsNetworks: httpapi.Networks{}}).Handler()); status != 404 {
		t.Errorf("no networks allowed: %d, want 404", status)
	}
	// On a listener of its own.
	apart := httpapi.New(httpapi.Config{MetricsElsewhere: true})
	if status, _ := get(apart.Handler()); status != 404 {
		t.Errorf("public /metrics with --metrics-addr: %d, want 404", status)
	}
	get(apart.Handler()) // a request to measure
	if status, body := get(apart.MetricsHandler()); status != 200 || !strings.Contains(body, "parley_http_request_duration_seconds") {
		t.Errorf("the metrics listener: %d %.100s", status, body)
	}
	if _, err := httpapi.ParseNetworks("10.0.0.0/8, nonsense"); err == nil {
		t.Error("a bad network was accepted")
	}
}

func TestClientIPTrustsOnlyConfiguredProxies(t *testing.T) {
	p, err := httpapi.ParseProxies("10.0.0.0/8, 192.168.1.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ peer, xff, want string }{
		{"203.0.113.5:1234", "1.2.3.4", "203.0.113.5"},                // not a proxy: header ignored
		{"10.1.2.3:1234", "1.2.3.4", "1.2.3.4"},                       // trusted proxy
		{"10.1.2.3:1234", "6.6.6.6, 1.2.3.4, 192.168.1.1", "1.2.3.4"}, // spoofed left part ignored
		{"10.1.2.3:1234", "", "10.1.2.3"},
		{"[::ffff:10.1.2.3]:1", "2001:db8::1", "2001:db8::1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.peer
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := p.ClientIP(r); got != tc.want {
			t.Errorf("peer %s xff %q: got %s want %s", tc.peer, tc.xff, got, tc.want)
		}
	}
	if _, err := httpapi.ParseProxies("not-an-ip"); err == nil {
		t.Fatal("bad proxy accepted")
	}
}

// An agent's own settings follow them to every device: every event and way with the defaults
// filled in, changed by naming some; unknown events, ways or sounds are refused and change nothing;
// nobody else's settings are touched.
func TestOwnSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.user("agent@example.com", auth.Agent)
		e.user("other@example.com", auth.Agent)
		c, other := e.client(), e.client()
		e.login(c, "agent@example.com")
		e.login(other, "other@example.com")
		got := e.do(c, "GET", "/api/v1/me/settings", "")
		n := got.body["notify"].(map[string]any)
		if got.status != 200 || len(n) != 7 || n["assigned_me"].(map[string]any)["push"] != true || n["message_others"].(map[string]any)["desktop"] != false ||
			n["missed_chat"].(map[string]any)["email"] != true || got.body["volume"] != float64(70) {
			t.Fatalf("settings never set: %d %q", got.status, got.raw)
		}
		put := e.do(c, "PUT", "/api/v1/me/settings", `{"notify":{"message_others":{"desktop":true,"sound":false},"assigned_me":{"sound":false}},"sounds":{"assigned_me":"knock"},"volume":40,"language":"de"}`)
		expect(t, put, 200, "")
		expect(t, e.do(c, "PUT", "/api/v1/me/settings", `{"notify":{"lunch_time":{"desktop":true}}}`), 400, "notify_invalid")
		expect(t, e.do(c, "PUT", "/api/v1/me/settings", `{"notify":{"assigned_me":{"pigeon":true}}}`), 400, "notify_invalid")
		expect(t, e.do(c, "PUT", "/api/v1/me/settings", `{"notify":{"missed_chat":{"push":true}}}`), 400, "notify_invalid")
		expect(t, e.do(c, "PUT", "/api/v1/me/settings", `{"sounds":{"assigned_me":"trumpet"}}`), 400, "sound_invalid")
		expect(t, e.do(c, "PUT", "/api/v1/me/settings", `{"volume":101}`), 400, "volume_invalid")
		again := e.do(c, "GET", "/api/v1/me/settings", "")
		n = again.body["notify"].(map[string]any)
		if n["message_others"].(map[string]any)["desktop"] != true || n["assigned_me"].(map[string]any)["sound"] != false ||
			n["assigned_me"].(map[string]any)["desktop"] != true || again.body["sounds"].(map[string]any)["assigned_me"] != "knock" ||
			again.body["volume"] != float64(40) || again.body["language"] != "de" {
			t.Fatalf("stored settings: %s", again.raw)
		}
		if o := e.do(other, "GET", "/api/v1/me/settings", ""); o.body["notify"].(map[string]any)["message_others"].(map[string]any)["desktop"] != false {
			t.Fatalf("another agent's settings changed: %s", o.raw)
		}
		expect(t, e.do(e.client(), "GET", "/api/v1/me/settings", ""), 401, "")
	})
}

// A browser subscribes to web push with its PushSubscription as toJSON() gives it; the device is
// listed for its agent only, and removed by them only. The company's switch is read by everyone,
// changed by admins.
func TestPushDevicesAndCompanySettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.user("agent@example.com", auth.Agent)
		e.user("other@example.com", auth.Agent)
		e.user("admin@example.com", auth.Admin)
		c, other, admin := e.client(), e.client(), e.client()
		e.login(c, "agent@example.com")
		e.login(other, "other@example.com")
		e.login(admin, "admin@example.com")
		key := e.do(c, "GET", "/api/v1/push/key", "")
		if key.status != 200 || len(key.body["public_key"].(string)) != 87 {
			t.Fatalf("push key: %d %s", key.status, key.raw)
		}
		browserKey, err := push.GenerateKeys()
		if err != nil {
			t.Fatal(err)
		}
		sub := `{"endpoint":"https://fcm.googleapis.com/fcm/send/abc:def","expirationTime":null,"keys":{"p256dh":"` + browserKey.PublicKey() + `","auth":"BTBZMqHH6r4Tts7J_aSIgg"}}`
		made := e.do(c, "POST", "/api/v1/me/push-subscriptions", sub)
		if made.status != 201 {
			t.Fatalf("subscribe: %d %s", made.status, made.raw)
		}
		d := made.body["device"].(map[string]any)
		if d["service"] != "fcm.googleapis.com" || strings.Contains(made.raw, "abc:def") || strings.Contains(made.raw, "BTBZ") {
			t.Fatalf("the device shows %s", made.raw)
		}
		expect(t, e.do(c, "POST", "/api/v1/me/push-subscriptions", `{"endpoint":"http://10.0.0.1/push","keys":{"p256dh":"`+browserKey.PublicKey()+`","auth":"BTBZMqHH6r4Tts7J_aSIgg"}}`), 400, "endpoint_invalid")
		expect(t, e.do(c, "POST", "/api/v1/me/push-subscriptions", `{"endpoint":"https://push.example/x","keys":{"p256dh":"AAAA","auth":"BTBZMqHH6r4Tts7J_aSIgg"}}`), 400, "p256dh_invalid")
		if list := e.do(other, "GET", "/api/v1/me/push-subscriptions", ""); len(list.body["devices"].([]any)) != 0 {
			t.Fatalf("another agent sees the device: %s", list.raw)
		}
		id := strconv.FormatInt(int64(d["id"].(float64)), 10)
		expect(t, e.do(other, "DELETE", "/api/v1/me/push-subscriptions/"+id, ""), 404, "")
		expect(t, e.do(c, "DELETE", "/api/v1/me/push-subscriptions/"+id, ""), 204, "")
		if list := e.do(c, "GET", "/api/v1/me/push-subscriptions", ""); len(list.body["devices"].([]any)) != 0 {
			t.Fatalf("the removed device is still listed: %s", list.raw)
		}

		if got := e.do(c, "GET", "/api/v1/company-settings", ""); got.status != 200 || got.body["in_app_notifications"] != true {
			t.Fatalf("company settings: %d %s", got.status, got.raw)
		}
		expect(t, e.do(c, "PATCH", "/api/v1/company-settings", `{"in_app_notifications":false}`), 403, "")
		expect(t, e.do(admin, "PATCH", "/api/v1/company-settings", `{"in_app_notifications":false}`), 200, "")
		if got := e.do(c, "GET", "/api/v1/company-settings", ""); got.body["in_app_notifications"] != false {
			t.Fatalf("the switch did not stay off: %s", got.raw)
		}
	})
}
