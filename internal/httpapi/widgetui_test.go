package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/httpapi"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/storetest"
	widgetweb "github.com/parleyhq/parley/web/widget"
)

// The widget's files: the loader, the frame's page with its own CSP (the only page that may be
// framed, and only by the website's allowed domains), and the versioned assets.
func TestWidgetUIRoutes(t *testing.T) {
	db := storetest.SQLite(t)
	site := &inbox.Website{Inbox: inbox.Inbox{Kind: inbox.Web, Name: `Shop "Blue" <b>`, Visibility: inbox.Private, ReopenPolicy: inbox.Final, CreatedAt: 1, UpdatedAt: 1},
		PublicKey: "pk_widgetuitest", Secret: "sk_x", AllowedDomains: []string{"shop.example", "*.brand.example", "10.0.0.7"}, TimeZone: "UTC"}
	if err := db.CreateWebsite(context.Background(), site); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Inboxes: inbox.NewService(db, nil)}).Handler())
	t.Cleanup(srv.Close)
	get := func(path string, hdr ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := http.DefaultTransport.RoundTrip(req) // no transparent gunzip
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}

	// The loader asks before showing the launcher: allowed hosts get an empty script, others 403.
	for host, want := range map[string]int{"shop.example": 200, "shop.example:8443": 200, "a.brand.example": 200, "10.0.0.7": 200,
		"evil.example": 403, "shop.example.evil.example": 403, "": 403} {
		res, body := get("/widget/v1/pk_widgetuitest/allowed.js?host=" + host)
		if res.StatusCode != want {
			t.Errorf("allowed.js for %q: %d %s, want %d", host, res.StatusCode, body, want)
		}
		if want == 200 && (res.Header.Get("Content-Type") != "text/javascript; charset=utf-8" || res.Header.Get("Cross-Origin-Resource-Policy") != "cross-origin") {
			t.Errorf("allowed.js headers: %v", res.Header)
		}
	}
	if res, _ := get("/widget/v1/pk_nope/allowed.js?host=shop.example"); res.StatusCode != 404 {
		t.Errorf("allowed.js for an unknown key: %d", res.StatusCode)
	}

	res, body := get("/widget/v1/pk_widgetuitest/frame")
	host := strings.TrimPrefix(srv.URL, "http://")
	want := "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws://" + host +
		"; frame-ancestors https://shop.example:* http://shop.example:* https://*.shop.example:* http://*.shop.example:*" +
		" https://brand.example:* http://brand.example:* https://*.brand.example:* http://*.brand.example:* https://10.0.0.7:* http://10.0.0.7:*" +
		"; base-uri 'none'; form-action 'none'"
	if res.StatusCode != 200 || res.Header.Get("Content-Security-Policy") != want {
		t.Fatalf("frame: %d\nCSP  %s\nwant %s", res.StatusCode, res.Header.Get("Content-Security-Policy"), want)
	}
	if xfo := res.Header.Get("X-Frame-Options"); xfo != "" {
		t.Fatalf("the frame says X-Frame-Options %s", xfo)
	}
	js, _ := widgetweb.Lookup("frame.js")
	css, _ := widgetweb.Lookup("frame.css")
	for _, s := range []string{`data-key="pk_widgetuitest"`, `data-name="Shop &#34;Blue&#34; &lt;b&gt;"`, "/widget/assets/frame.js?v=" + js.Hash, "/widget/assets/frame.css?v=" + css.Hash, `data-domains="[&#34;shop.example&#34;`} {
		if !strings.Contains(body, s) {
			t.Errorf("frame page lacks %s:\n%s", s, body)
		}
	}
	if res, _ := get("/widget/v1/pk_nosuchsite/frame"); res.StatusCode != 404 || res.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("unknown key: %d %v", res.StatusCode, res.Header)
	}
	// Every other page still refuses to be framed.
	if res, _ := get("/widget.js"); res.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatal("the loader lost X-Frame-Options")
	}

	loader, _ := widgetweb.Lookup("loader.js")
	res, body = get("/widget.js")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/javascript; charset=utf-8" || res.Header.Get("Cache-Control") != "public, max-age=300" || body != string(loader.Body) {
		t.Fatalf("loader: %d %v", res.StatusCode, res.Header)
	}
	res, body = get("/widget.js", "Accept-Encoding", "gzip")
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("loader not compressed: %v", res.Header)
	}
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, loader.Body) {
		t.Fatal("the compressed loader differs")
	}
	if res, _ := get("/widget.js", "If-None-Match", res.Header.Get("ETag")); res.StatusCode != 304 {
		t.Fatalf("revalidation: %d", res.StatusCode)
	}

	res, body = get("/widget/assets/frame.js?v=" + js.Hash)
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || body != string(js.Body) {
		t.Fatalf("frame.js: %d %v", res.StatusCode, res.Header)
	}
	if res, _ := get("/widget/assets/frame.css?v=old"); res.StatusCode != 200 || res.Header.Get("Cache-Control") != "public, max-age=300" || res.Header.Get("Content-Type") != "text/css; charset=utf-8" {
		t.Fatalf("frame.css with a stale hash: %d %v", res.StatusCode, res.Header)
	}
	for _, p := range []string{"/widget/assets/loader.js", "/widget/assets/nope.js", "/widget/assets/..%2fwidget.go"} {
		if res, _ := get(p); res.StatusCode != 404 {
			t.Errorf("%s: %d", p, res.StatusCode)
		}
	}
}

// The browser's tab shows Parley's icon: the inbox and the pages name it, /favicon.ico serves it.
func TestFavicon(t *testing.T) {
	srv := httptest.NewServer(httpapi.New(httpapi.Config{}).Handler())
	t.Cleanup(srv.Close)
	for _, path := range []string{"/favicon.ico", "/favicon.svg"} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/svg+xml" || !bytes.HasPrefix(b, []byte("<svg ")) {
			t.Errorf("%s: %d %s %.40s", path, res.StatusCode, res.Header.Get("Content-Type"), b)
		}
	}
	res, err := http.Get(srv.URL + "/inbox/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), `<link rel="icon" href="/favicon.svg"`) {
		t.Errorf("the inbox's page names no icon:\n%s", b)
	}
}
