package openapitest

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"
)

const defaultTimeout = 30 * time.Second

// Proxy is a validating reverse proxy: a browser pointed at it reaches the server behind it, and
// every exchange on a documented route is checked against the spec for the test. It listens
// before the server starts (so the server can be told its public address, --base-url), and its
// backend can change when the server restarts on another port.
type Proxy struct {
	URL string // http://127.0.0.1:port

	c      *Checker
	srv    *http.Server
	mu     sync.Mutex
	target *url.URL
}

// NewProxy listens on a free loopback port; SetTarget names the server before the first request.
// The proxy closes when the test ends.
func NewProxy(t testing.TB) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{URL: "http://" + ln.Addr().String(), c: New(t)}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(p.backend())
			// Transparent: the server sees the address the browser used and the forwarding headers
			// the client sent (Rewrite drops them otherwise), as if the proxy were not there.
			r.Out.Host = r.In.Host
			for _, h := range []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"} {
				if v, ok := r.In.Header[h]; ok {
					r.Out.Header[h] = v
				}
			}
		},
		ModifyResponse: p.check,
		FlushInterval:  -1,
	}
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Keep the request's body for the check after the answer.
		if r.Body != nil && r.Body != http.NoBody {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
			r = r.WithContext(withBody(r.Context(), b))
		}
		rp.ServeHTTP(w, r)
	}), ReadHeaderTimeout: defaultTimeout}
	go func() { _ = p.srv.Serve(ln) }()
	t.Cleanup(func() { _ = p.srv.Close() })
	return p
}

// SetTarget points the proxy at the server's own address (http://host:port).
func (p *Proxy) SetTarget(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.target = u
	p.mu.Unlock()
	return nil
}

func (p *Proxy) backend() *url.URL {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.target == nil {
		return &url.URL{Scheme: "http", Host: "127.0.0.1:1"}
	}
	return p.target
}

func (p *Proxy) check(res *http.Response) error {
	resBody, err := readBody(res)
	if err != nil {
		return err
	}
	req := res.Request
	p.c.Check(req, bodyOf(req), res, resBody)
	return nil
}

type bodyKey struct{}

func withBody(ctx context.Context, b []byte) context.Context {
	return context.WithValue(ctx, bodyKey{}, b)
}

func bodyOf(r *http.Request) []byte {
	b, _ := r.Context().Value(bodyKey{}).([]byte)
	return b
}
