package httpapi

import "net/http"

// favicon is Parley's icon, a speech bubble, for the inbox's and the pages' browser tabs (and
// /favicon.ico, which browsers ask for on their own). SVG: one small file for every size.
const favicon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">` +
	`<rect width="32" height="32" rx="7" fill="#2352c4"/>` +
	`<path d="M9 8h14a3 3 0 0 1 3 3v8a3 3 0 0 1-3 3h-8l-5 4v-4H9a3 3 0 0 1-3-3v-8a3 3 0 0 1 3-3z" fill="#fff"/>` +
	`<circle cx="11.5" cy="15" r="1.6" fill="#2352c4"/><circle cx="16" cy="15" r="1.6" fill="#2352c4"/>` +
	`<circle cx="20.5" cy="15" r="1.6" fill="#2352c4"/></svg>`

func (s *Server) favicon(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("X-Content-Type-Options", "nosniff")
	_, err := w.Write([]byte(favicon))
	return err
}
