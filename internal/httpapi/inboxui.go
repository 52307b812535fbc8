package httpapi

import (
	"html/template"
	"net/http"

	"github.com/parleyhq/parley/internal/errs"
	inboxweb "github.com/parleyhq/parley/web/inbox"
)

// The agent inbox: a single-page app at /inbox/ (its own routes live after the #), and its script
// and styles under /inbox/assets/. Everything it shows comes from the agent API.

// The page is also an installable app (a PWA): its manifest, theme colour and icons, and
// viewport-fit=cover so an installed inbox on a phone draws edge to edge (the styles keep to the
// safe areas).
var inboxPage = template.Must(template.New("inbox").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1,viewport-fit=cover">
<meta name="color-scheme" content="light dark"><meta name="theme-color" content="#2352c4"><title>Parley</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="manifest" href="/inbox/manifest.webmanifest">
<link rel="apple-touch-icon" href="/inbox/assets/apple-touch-icon.png">
<meta name="apple-mobile-web-app-title" content="Parley"><meta name="mobile-web-app-capable" content="yes">
<link rel="stylesheet" href="/inbox/assets/app.css?v={{.CSS}}"></head>
<body data-lazy="{{.Lazy}}"><div id="app"></div><noscript>The Parley inbox needs JavaScript.</noscript>
<script src="/inbox/assets/app.js?v={{.JS}}"></script></body></html>
`))

// inboxCSP: the app's own scripts and styles, images from Parley (avatars, attachments) and blob:
// URLs (pasted images before upload), the API and the events socket on this origin, and the widget
// frame for the playbook editor's preview.
const inboxCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' data:; " +
	"connect-src 'self'; frame-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func (s *Server) inboxApp(w http.ResponseWriter, r *http.Request) error {
	js, okJS := inboxweb.Lookup("app.js")
	css, okCSS := inboxweb.Lookup("app.css")
	if !okJS || !okCSS {
		return errs.E(errs.NotFound, "the inbox is not built")
	}
	h := w.Header()
	h.Set("Content-Security-Policy", inboxCSP)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	return inboxPage.Execute(w, map[string]string{"JS": js.Hash, "CSS": css.Hash, "Lazy": lazyAssets()})
}

// inboxAsset serves the app's built files: immutable when asked for by their hash.
func (s *Server) inboxAsset(w http.ResponseWriter, r *http.Request) error {
	f, ok := inboxweb.Lookup(r.PathValue("file"))
	if !ok {
		return errs.E(errs.NotFound, "no such inbox file")
	}
	cache := "public, max-age=300"
	if r.URL.Query().Get("v") == f.Hash {
		cache = "public, max-age=31536000, immutable"
	}
	serveWidgetFile(w, r, f, cache)
	return nil
}

// inboxManifest makes the inbox installable: it opens standalone at /inbox/, in Parley's colour.
const inboxManifest = `{
  "id": "/inbox/",
  "name": "Parley",
  "short_name": "Parley",
  "description": "Live chat and shared inbox",
  "start_url": "/inbox/",
  "scope": "/inbox/",
  "display": "standalone",
  "background_color": "#f4f5f7",
  "theme_color": "#2352c4",
  "icons": [
    {"src": "/inbox/assets/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
    {"src": "/inbox/assets/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
    {"src": "/inbox/assets/icon-maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"}
  ]
}
`

func (s *Server) inboxManifest(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Content-Type", "application/manifest+json")
	h.Set("Cache-Control", "public, max-age=3600")
	_, err := w.Write([]byte(inboxManifest))
	return err
}

// inboxWorker serves the service worker at /inbox/sw.js, so its scope is the whole inbox. Never
// cached for long: browsers look for a new one at every load, and it must follow the server.
func (s *Server) inboxWorker(w http.ResponseWriter, r *http.Request) error {
	f, ok := inboxweb.Lookup("sw.js")
	if !ok {
		return errs.E(errs.NotFound, "the inbox is not built")
	}
	serveWidgetFile(w, r, f, "no-cache")
	return nil
}
