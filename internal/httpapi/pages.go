package httpapi

import (
	"html/template"
	"net/http"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
)

// The server-rendered pages: the first-run create-owner form, sign-in, and the signed-in start
// page. They work without JavaScript; the inbox app builds on the same API.

var pages = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{or .Lang "en"}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Title}} · Parley</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2433}
main{max-width:26rem;margin:8vh auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 2px 12px #0002}
h1{font-size:1.4rem;margin:0 0 1rem}label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input{box-sizing:border-box;width:100%;padding:.6rem;border:1px solid #8a94a6;border-radius:6px;font:inherit}
button{margin-top:1.2rem;width:100%;padding:.7rem;border:0;border-radius:6px;background:#1f6f43;color:#fff;font:inherit;font-weight:600;cursor:pointer}
.err{background:#fde8e8;color:#8a1c1c;padding:.6rem;border-radius:6px}.hint{color:#4a5568;font-size:.9rem}
@media (prefers-color-scheme:dark){body{background:#12151c;color:#e6e9ef}main{background:#1c212b}input{background:#12151c;color:inherit}.hint{color:#a0aec0}}
</style></head><body><main>
{{if .Error}}<p class="err" role="alert">{{.Error}}</p>{{end}}
{{if eq .Kind "setup"}}
<h1>Welcome to Parley</h1>
<p class="hint">Create the owner account. The owner manages users, inboxes and the account's data.</p>
<form method="post" action="/inbox/setup">
<label for="name">Your name</label><input id="name" name="name" required autocomplete="name" value="{{.Name}}">
<label for="email">Email</label><input id="email" name="email" type="email" required autocomplete="email" value="{{.Email}}">
<label for="password">Password</label><input id="password" name="password" type="password" required minlength="10" autocomplete="new-password">
<p class="hint">At least 10 characters.</p>
<button type="submit">Create owner account</button></form>
{{else if eq .Kind "login"}}
<h1>Sign in to Parley</h1>
<form method="post" action="/inbox/login">
<label for="email">Email</label><input id="email" name="email" type="email" required autocomplete="username" value="{{.Email}}">
<label for="password">Password</label><input id="password" name="password" type="password" required autocomplete="current-password">
<button type="submit">Sign in</button></form>
{{else if eq .Kind "home"}}
<h1>Hello, {{.User.Name}}</h1>
<p>You are signed in as {{.User.Email}} ({{.User.Role}}).</p>
<p class="hint">The agent API is at <code>/api/v1</code>; create a personal API token with <code>POST /api/v1/tokens</code>.</p>
<form method="post" action="/inbox/logout"><button type="submit">Sign out</button></form>
{{else if eq .Kind "demo"}}
<h1>{{.Title}}</h1>
<p>This is a plain page of the demo website. The chat widget appears on it.</p>
<p class="hint">Website key: <code>{{.Key}}</code></p>
<script src="/widget.js" data-website-key="{{.Key}}" async></script>
{{else if eq .Kind "unsubscribe"}}
<h1>{{.Title}}</h1>
<p>{{.Text}}</p>
<form method="post" action="{{.Action}}"><button type="submit">{{.Button}}</button></form>
{{else if eq .Kind "message"}}
<h1>{{.Title}}</h1>
<p>{{.Text}}</p>
{{else}}
<h1>{{.Title}}</h1>
{{end}}
</main></body></html>`))

type pageData struct {
	Kind, Title, Error, Name, Email, Key string
	Text, Button, Action                 string // a message page's words; a one-button form's
	Lang                                 string // the page's language, when not English
	User                                 *auth.User
}

func (s *Server) render(w http.ResponseWriter, status int, d pageData) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	csp := "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
	if d.Kind == "demo" {
		// The demo page carries the widget: its loader, and the chat frame it opens.
		csp = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
	}
	w.Header().Set("Content-Security-Policy", csp)
	w.WriteHeader(status)
	return pages.Execute(w, d)
}

// pageError shows an error on a page; details of internal errors are logged, not shown.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(errs.KindOf(err))
	_, msg := errs.Public(err)
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "page failed", "request_id", requestID(r.Context()), "err", err)
		msg += " (request id " + requestID(r.Context()) + ")"
	}
	_ = s.render(w, status, pageData{Kind: "error", Title: http.StatusText(status), Error: msg})
}

func (s *Server) pageRoot(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/inbox/", http.StatusSeeOther)
	return nil
}

func (s *Server) pageSetup(w http.ResponseWriter, r *http.Request) error {
	name, email, password := r.PostFormValue("name"), r.PostFormValue("email"), r.PostFormValue("password")
	if _, err := s.auth.Setup(r.Context(), auth.NewUser{Email: email, Name: name, Password: password}); err != nil {
		if errs.Is(err, errs.Conflict) {
			return s.render(w, http.StatusConflict, pageData{Kind: "login", Title: "Sign in", Error: "This Parley already has an owner. Sign in instead.", Email: email})
		}
		if errs.Is(err, errs.Internal) {
			return err
		}
		_, msg := errs.Public(err)
		return s.render(w, statusOf(errs.KindOf(err)), pageData{Kind: "setup", Title: "Create the owner account", Error: msg, Name: name, Email: email})
	}
	if _, err := s.signIn(w, r, email, password); err != nil {
		return err
	}
	http.Redirect(w, r, "/inbox/", http.StatusSeeOther)
	return nil
}

func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request) error {
	email := r.PostFormValue("email")
	if _, err := s.signIn(w, r, email, r.PostFormValue("password")); err != nil {
		if errs.Is(err, errs.Internal) {
			return err
		}
		_, msg := errs.Public(err)
		if errs.Is(err, errs.RateLimited) {
			w.Header().Set("Retry-After", "60")
		}
		return s.render(w, statusOf(errs.KindOf(err)), pageData{Kind: "login", Title: "Sign in", Error: msg, Email: email})
	}
	http.Redirect(w, r, "/inbox/", http.StatusSeeOther)
	return nil
}

func (s *Server) pageLogout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(s.cookieName()); err == nil {
		if err := s.auth.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/inbox/", http.StatusSeeOther)
	return nil
}

func (s *Server) pageDemo(w http.ResponseWriter, r *http.Request) error {
	if s.demo == nil {
		return errs.E(errs.NotFound, "the demo page is shown only when Parley runs with --demo")
	}
	// ?lang=de shows the page (and so the widget) in another of the widget's languages.
	lang := ""
	switch l := r.URL.Query().Get("lang"); l {
	case "de", "nl", "tr", "hu":
		lang = l
	}
	return s.render(w, http.StatusOK, pageData{Kind: "demo", Title: s.demo.Name, Key: s.demo.WebsiteKey, Lang: lang})
}
