package httpapi

import (
	"encoding/json"
	"html/template"
	"net"
	"net/http"
	"strings"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	widgetweb "github.com/parleyhq/parley/web/widget"
)

// The website widget's files: the loader a site includes (GET /widget.js), the chat frame's page
// (GET /widget/v1/{key}/frame) and the frame's script and styles (GET /widget/assets/{file}).
// The frame is the one page of Parley that may be framed, and only by the website's allowed
// domains; it carries its own strict CSP.

var widgetFramePage = template.Must(template.New("frame").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Name}}</title><link rel="stylesheet" href="/widget/assets/frame.css?v={{.CSS}}"></head>
<body><div id="parley" data-key="{{.Key}}" data-name="{{.Name}}" data-domains="{{.Domains}}" data-lazy="{{.Lazy}}"></div>
<script src="/widget/assets/frame.js?v={{.JS}}"></script></body></html>
`))

var widgetLivePage = template.Must(template.New("live").Parse(`<!doctype html>
<html data-key="{{.Key}}" data-domains="{{.Domains}}"><head><meta charset="utf-8"><title>Parley</title></head>
<body><script src="/widget/assets/live.js?v={{.JS}}"></script></body></html>
`))

// widgetLiveFrame serves the live frame's page: hidden on every page of the website, it tells
// Parley which page the visitor is on (the inbox's Visitors screen). It may be framed only by the
// website's allowed domains, like the chat frame.
func (s *Server) widgetLiveFrame(w http.ResponseWriter, r *http.Request) error {
	site, err := s.site(r)
	if err != nil {
		return err
	}
	js, ok := widgetweb.Lookup("live.js")
	if !ok {
		return errs.E(errs.NotFound, "the widget is not built")
	}
	domains, _ := json.Marshal(site.AllowedDomains)
	h := w.Header()
	h.Del("X-Frame-Options")
	h.Set("Content-Security-Policy", widgetFrameCSP(site, r.Host, s.secure || r.TLS != nil))
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	return widgetLivePage.Execute(w, map[string]string{"Key": site.PublicKey, "Domains": string(domains), "JS": js.Hash})
}

// widgetLoader serves the loader. Its URL is fixed (it is in every site's snippet), so it is cached
// briefly; what it loads later is versioned.
func (s *Server) widgetLoader(w http.ResponseWriter, r *http.Request) error {
	f, ok := widgetweb.Lookup("loader.js")
	if !ok {
		return errs.E(errs.NotFound, "the widget is not built")
	}
	serveWidgetFile(w, r, f, "public, max-age=300")
	return nil
}

// widgetAsset serves the frame's script and styles: immutable when asked for by their hash.
func (s *Server) widgetAsset(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	f, ok := widgetweb.Lookup(name)
	if !ok || name == "loader.js" {
		return errs.E(errs.NotFound, "no such widget file")
	}
	cache := "public, max-age=300"
	if r.URL.Query().Get("v") == f.Hash {
		cache = "public, max-age=31536000, immutable"
	}
	serveWidgetFile(w, r, f, cache)
	return nil
}

func serveWidgetFile(w http.ResponseWriter, r *http.Request, f *widgetweb.File, cache string) {
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Cache-Control", cache)
	h.Set("ETag", `"`+f.Hash+`"`)
	h.Set("Vary", "Accept-Encoding")
	// Sites that isolate themselves (COEP require-corp) may still load the widget.
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, `"`+f.Hash+`"`) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.Body
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = f.Gzip
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// widgetFrame serves the chat frame's page for a website. The browser shows it only inside pages
// on the website's allowed domains (frame-ancestors); the frame checks its parent's origin too.
func (s *Server) widgetFrame(w http.ResponseWriter, r *http.Request) error {
	site, err := s.site(r)
	if err != nil {
		return err
	}
	js, okJS := widgetweb.Lookup("frame.js")
	css, okCSS := widgetweb.Lookup("frame.css")
	if !okJS || !okCSS {
		return errs.E(errs.NotFound, "the widget is not built")
	}
	domains, _ := json.Marshal(site.AllowedDomains)
	h := w.Header()
	h.Del("X-Frame-Options")
	h.Set("Content-Security-Policy", widgetFrameCSP(site, r.Host, s.secure || r.TLS != nil))
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	return widgetFramePage.Execute(w, map[string]string{"Key": site.PublicKey, "Name": site.Name, "Domains": string(domains), "JS": js.Hash, "CSS": css.Hash,
		"Lazy": lazyAssets()})
}

// widgetFrameCSP is the frame's policy: its own scripts and styles only, images from Parley and
// blob: URLs (attachments fetched with the visitor's header), the socket on this host, and framing
// only by the website's allowed domains (any port, http or https, subdomains included, as
// inbox.Website.AllowsHost decides).
func widgetFrameCSP(site *inbox.Website, host string, secure bool) string {
	ws := "ws://"
	if secure {
		ws = "wss://"
	}
	connect := "'self'"
	if validHost(host) {
		connect += " " + ws + host
	}
	var ancestors []string
	for _, d := range site.AllowedDomains {
		base := strings.TrimPrefix(d, "*.")
		if !validHost(base) {
			continue
		}
		ancestors = append(ancestors, "https://"+base+":*", "http://"+base+":*")
		if net.ParseIP(base) == nil {
			ancestors = append(ancestors, "https://*."+base+":*", "http://*."+base+":*")
		}
	}
	frameAncestors := "'none'"
	if len(ancestors) > 0 {
		frameAncestors = strings.Join(ancestors, " ")
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src " + connect +
		"; frame-ancestors " + frameAncestors + "; base-uri 'none'; form-action 'none'"
}

// validHost admits host names, IPv4 addresses and a port: nothing that could end a CSP directive.
func validHost(h string) bool {
	if h == "" || len(h) > 260 {
		return false
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == ':') {
			return false
		}
	}
	return true
}

// widgetAllowed answers the loader's question "may the launcher show on this host?" before anyone
// clicks: a script when the website allows the host, 403 (the script element's error event) when
// it does not. With the page's url, the script hands the loader the page's playbook teaser (its
// greeting and delay) by an event on the script element itself: no global, nothing written but
// the playbook's "loaded" mark the first time.
func (s *Server) widgetAllowed(w http.ResponseWriter, r *http.Request) error {
	site, err := s.site(r)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("Cache-Control", "public, max-age=60")
	q := r.URL.Query()
	host := q.Get("host")
	if host == "" || !site.AllowsHost(host) {
		return errs.Coded(errs.Forbidden, "domain_not_allowed", "this website's chat is not enabled on %s", host)
	}
	body := "/* allowed */\n"
	if page := q.Get("url"); page != "" && site.CheckPage(page) == nil && s.widget != nil {
		t, err := s.widget.Teaser(r.Context(), site, page)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		if err == nil {
			detail, _ := json.Marshal(map[string]any{"playbook": t}) // escapes <, >, &, U+2028 and U+2029
			body = `document.currentScript&&document.currentScript.dispatchEvent(new CustomEvent("parley",{detail:` + string(detail) + `}));` + "\n"
		}
	}
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(body))
	return nil
}
