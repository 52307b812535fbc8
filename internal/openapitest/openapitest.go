// Package openapitest holds the integration tests to docs/openapi.yaml: every request a test sends
// to a documented route, and every response it gets, passes through a validator built from the
// spec (github.com/pb33f/libopenapi-validator, which reads OpenAPI 3.1), and a violation fails the
// test. Go clients wrap their transport (Transport, Client); a browser's traffic goes through a
// validating reverse proxy (Proxy).
//
// What is checked, for a route the spec has (other paths, such as pages, pass unchecked):
//   - the response: its status is documented for the operation and its body matches the schema;
//   - the request, when the server accepted it (a 1xx, 2xx or 3xx answer): its parameters, body and
//     credentials match the spec. A refused request is often refused on purpose by the test, so
//     only the refusal itself (a documented status with an Error body) is checked.
package openapitest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
	"github.com/pb33f/libopenapi-validator/schema_validation"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// maxBody is the most of a body that is kept to validate; larger bodies (files) are not JSON.
const maxBody = 4 << 20

var (
	specOnce sync.Once
	spec     validator.Validator
	model    *v3.Document
	specErr  error
	specMu   sync.Mutex // the validator's caches are not documented as safe for concurrent use
)

// load builds the validator from docs/openapi.yaml once per test binary.
func load() (validator.Validator, error) {
	specOnce.Do(func() {
		path, err := specPath()
		if err != nil {
			specErr = err
			return
		}
		b, err := os.ReadFile(path)
		if err != nil {
			specErr = err
			return
		}
		doc, err := libopenapi.NewDocument(b)
		if err != nil {
			specErr = fmt.Errorf("openapitest: %s: %w", path, err)
			return
		}
		m, err := doc.BuildV3Model()
		if err != nil {
			specErr = fmt.Errorf("openapitest: %s: %w", path, err)
			return
		}
		model = &m.Model
		v, errs := validator.NewValidator(doc)
		if len(errs) > 0 {
			specErr = fmt.Errorf("openapitest: %s: %w", path, errors.Join(errs...))
			return
		}
		spec = v
	})
	return spec, specErr
}

// specPath finds docs/openapi.yaml in the module holding the working directory (a test runs in its
// package's directory).
func specPath() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "docs", "openapi.yaml"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("openapitest: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Checker validates exchanges for one test and reports violations as the test's errors, until the
// test ends (a browser may still talk afterwards; that is not reported).
type Checker struct {
	t    testing.TB
	v    validator.Validator
	mu   sync.Mutex
	done bool
	seen map[string]bool
}

// New returns a checker bound to t; it fails t at once when the spec does not load.
func New(t testing.TB) *Checker {
	t.Helper()
	v, err := load()
	if err != nil {
		t.Fatal(err)
	}
	c := &Checker{t: t, v: v, seen: map[string]bool{}}
	t.Cleanup(func() {
		c.mu.Lock()
		c.done = true
		c.mu.Unlock()
	})
	return c
}

// Check validates one exchange. reqBody and resBody are the bodies as sent (the request's and the
// response's Body fields are not read). It returns the violations, also reported to the test.
func (c *Checker) Check(req *http.Request, reqBody []byte, res *http.Response, resBody []byte) []string {
	req = req.Clone(req.Context())
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	req.ContentLength = int64(len(reqBody))
	if len(reqBody) > 0 && req.Header.Get("Content-Type") == "" {
		// A file a browser sends without a type (RFC 9110 section 8.3: the receiver may take it as
		// application/octet-stream, which the spec's */* accepts).
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	res2 := *res
	if res.Header.Get("Content-Encoding") == "gzip" && len(resBody) > 0 {
		// A browser asked for gzip and the proxy passes it on as it is: check what it unpacks to.
		zr, err := gzip.NewReader(bytes.NewReader(resBody))
		if err == nil {
			if plain, err := io.ReadAll(io.LimitReader(zr, maxBody)); err == nil {
				resBody = plain
			}
		}
	}
	res2.Body = io.NopCloser(bytes.NewReader(resBody))

	specMu.Lock()
	var problems []*verrors.ValidationError
	if res.StatusCode < 400 {
		if ok, errs := c.v.ValidateHttpRequestSync(req); !ok {
			problems = append(problems, errs...)
		}
	}
	if unknownRoute(problems) {
		specMu.Unlock()
		return nil
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		if ok, errs := c.v.ValidateHttpResponse(req, &res2); !ok {
			problems = append(problems, errs...)
		}
	}
	specMu.Unlock()
	if unknownRoute(problems) {
		return nil
	}
	var out []string
	for _, p := range problems {
		out = append(out, describe(req, res.StatusCode, p, resBody))
	}
	c.report(out)
	return out
}

// unknownRoute says the spec has no such path or method: not a documented route, so not checked
// (the route table test in internal/httpapi keeps the spec's list of routes complete).
func unknownRoute(problems []*verrors.ValidationError) bool {
	for _, p := range problems {
		if p.ValidationType == helpers.PathValidation && (p.ValidationSubType == helpers.ValidationMissing || p.ValidationSubType == helpers.ValidationMissingOperation) {
			return true
		}
	}
	return false
}

func describe(req *http.Request, status int, p *verrors.ValidationError, resBody []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s -> %d: %s", req.Method, req.URL.RequestURI(), status, p.Message)
	if p.Reason != "" && p.Reason != p.Message {
		fmt.Fprintf(&b, " (%s)", p.Reason)
	}
	for _, f := range p.SchemaValidationErrors {
		fmt.Fprintf(&b, "\n\t%s", f.Error())
	}
	if p.SpecLine > 0 {
		fmt.Fprintf(&b, "\n\tspec line %d", p.SpecLine)
	}
	if len(resBody) > 0 && len(resBody) < 600 && strings.HasPrefix(http.DetectContentType(resBody), "text/plain") {
		fmt.Fprintf(&b, "\n\tresponse: %s", resBody)
	}
	return b.String()
}

func (c *Checker) report(problems []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return
	}
	for _, p := range problems {
		if c.seen[p] {
			continue
		}
		c.seen[p] = true
		c.t.Errorf("docs/openapi.yaml disagrees with the server: %s", p)
	}
}

// Transport wraps rt (nil: http.DefaultTransport) so that every exchange through it is checked
// against the spec for the test t.
func Transport(t testing.TB, rt http.RoundTripper) http.RoundTripper {
	t.Helper()
	if rt == nil {
		rt = http.DefaultTransport
	}
	return &transport{c: New(t), next: rt}
}

// Client is an http.Client whose exchanges are checked for t, with an optional cookie jar.
func Client(t testing.TB, jar http.CookieJar) *http.Client {
	t.Helper()
	return &http.Client{Jar: jar, Transport: Transport(t, nil), Timeout: defaultTimeout}
}

type transport struct {
	c    *Checker
	next http.RoundTripper
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	res, err := tr.next.RoundTrip(req)
	if err != nil {
		return res, err
	}
	resBody, err := readBody(res)
	if err != nil {
		return nil, err
	}
	tr.c.Check(req, reqBody, res, resBody)
	return res, nil
}

// readBody reads the response's body (up to maxBody; a longer one is passed on whole, unchecked
// past that) and puts it back for the caller.
func readBody(res *http.Response) ([]byte, error) {
	if res.Body == nil || res.StatusCode == http.StatusSwitchingProtocols {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		res.Body.Close()
		return nil, err
	}
	rest := res.Body
	res.Body = readCloser{io.MultiReader(bytes.NewReader(b), rest), rest}
	return b, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// CheckWebhook checks a webhook delivery a test endpoint received against the spec's webhooks
// (the test event, or an event of the log): its headers and its body. A violation fails t (with
// Errorf: the receiver runs on its server's goroutine).
func CheckWebhook(t testing.TB, req *http.Request, body []byte) {
	t.Helper()
	if _, err := load(); err != nil {
		t.Error(err)
		return
	}
	var head struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(body, &head)
	name := "event"
	if head.Type == "webhook.test" {
		name = "test"
	}
	item, ok := model.Webhooks.Get(name)
	if !ok || item.Post == nil {
		t.Errorf("docs/openapi.yaml has no webhook %q", name)
		return
	}
	op := item.Post
	for _, p := range op.Parameters {
		if p.In == "header" && p.Required != nil && *p.Required && req.Header.Get(p.Name) == "" {
			t.Errorf("docs/openapi.yaml disagrees with the server: the %s webhook came without its %s header", name, p.Name)
		}
	}
	mt, ok := op.RequestBody.Content.Get("application/json")
	if !ok || mt.Schema == nil {
		t.Errorf("docs/openapi.yaml: the %s webhook has no JSON body", name)
		return
	}
	specMu.Lock()
	valid, problems := schema_validation.NewSchemaValidator().ValidateSchemaBytes(mt.Schema.Schema(), body)
	specMu.Unlock()
	if !valid {
		for _, p := range problems {
			var b strings.Builder
			fmt.Fprintf(&b, "the %s webhook %s: %s", name, body, p.Message)
			for _, f := range p.SchemaValidationErrors {
				fmt.Fprintf(&b, "\n\t%s", f.Error())
			}
			t.Errorf("docs/openapi.yaml disagrees with the server: %s", b.String())
		}
	}
}
