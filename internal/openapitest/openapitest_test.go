package openapitest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The spec is a valid OpenAPI 3.1 document (the validator builds from it).
func TestSpecIsValidOpenAPI(t *testing.T) {
	v, err := load()
	if err != nil {
		t.Fatal(err)
	}
	if ok, problems := v.ValidateDocument(); !ok {
		for _, p := range problems {
			t.Errorf("docs/openapi.yaml: %s (line %d)", p.Message, p.SpecLine)
		}
	}
}

// recorder is a testing.TB that keeps the errors reported to it.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, format)
}

func (r *recorder) Helper() {}

// The checker catches what disagrees with the spec (an undocumented status, a body of the wrong
// shape, a request the spec forbids that the server took), and lets pass what agrees, refusals of
// bad requests and paths the spec does not describe.
func TestCheckerFindsDisagreements(t *testing.T) {
	var status int
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	defer srv.Close()

	cases := []struct {
		name, method, path, reqBody string
		status                      int
		resBody                     string
		wantProblem                 bool
	}{
		{"a documented answer", "GET", "/healthz", "", 200, `{"status":"ok"}`, false},
		{"an undocumented status", "GET", "/healthz", "", 418, `{}`, true},
		{"a body of the wrong shape", "GET", "/api/v1/teams", "", 200, `{"teams":"all of them"}`, true},
		{"a refused bad request", "POST", "/api/v1/teams", `{"name":""}`, 400, `{"error":{"code":"name_required","message":"name is required"}}`, false},
		{"a bad request the server took", "POST", "/api/v1/teams", `{"name":"","color":"red"}`, 201, `{"team":{"id":1,"name":"x"}}`, true},
		{"a path the spec does not describe", "GET", "/inbox/", "", 200, `<html></html>`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			client := &http.Client{Transport: Transport(rec, nil)}
			status, body = c.status, c.resBody
			req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.reqBody))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer plt_test")
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if string(got) != c.resBody {
				t.Fatalf("the client read %q, want the body untouched %q", got, c.resBody)
			}
			if c.wantProblem != (len(rec.errors) > 0) {
				t.Fatalf("problems reported: %d, want some: %v", len(rec.errors), c.wantProblem)
			}
		})
	}
}

// A delivery is checked against the webhooks the spec describes: its headers and its body.
func TestCheckWebhook(t *testing.T) {
	headers := http.Header{"Webhook-Id": {"msg_1"}, "Webhook-Timestamp": {"1735787045"}, "Webhook-Signature": {"v1,x"}}
	for _, c := range []struct {
		name, body string
		header     http.Header
		want       bool // a problem
	}{
		{"an event", `{"type":"conversation.created","position":7,"timestamp":"2025-01-02T03:04:05.006Z","data":{}}`, headers, false},
		{"the test event", `{"type":"webhook.test","position":0,"timestamp":"2025-01-02T03:04:05.006Z","data":{"webhook_id":1,"message":"hi"}}`, headers, false},
		{"an unknown type", `{"type":"conversation.exploded","position":7,"timestamp":"2025-01-02T03:04:05.006Z","data":{}}`, headers, true},
		{"no position", `{"type":"conversation.created","timestamp":"2025-01-02T03:04:05.006Z","data":{}}`, headers, true},
		{"no signature", `{"type":"conversation.created","position":7,"timestamp":"2025-01-02T03:04:05.006Z","data":{}}`, http.Header{"Webhook-Id": {"msg_1"}, "Webhook-Timestamp": {"1"}}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			req := httptest.NewRequest("POST", "/parley", strings.NewReader(c.body))
			req.Header = c.header
			CheckWebhook(rec, req, []byte(c.body))
			if c.want != (len(rec.errors) > 0) {
				t.Fatalf("problems reported: %v, want some: %v", rec.errors, c.want)
			}
		})
	}
}
