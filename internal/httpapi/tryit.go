package httpapi

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/mask"
	"github.com/parleyhq/parley/internal/realtime"
	"github.com/parleyhq/parley/internal/sandbox"
	widgetweb "github.com/parleyhq/parley/web/widget"
)

// "Try it" in the playbook editor: the widget's chat app in a frame of the inbox (/inbox/try), whose
// socket (/api/v1/playbooks/try) runs the draft in a sandbox conversation that lives in memory only
// (internal/sandbox; docs/admin.md, "Try it").

func (s *Server) tryRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/playbooks/try", UserSocket, s.trySocket},
		{"GET", "/inbox/try", Page, s.tryFrame},
	}
}

var tryPage = template.Must(template.New("try").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Name}}</title><link rel="stylesheet" href="/widget/assets/try.css?v={{.CSS}}"></head>
<body><div id="parley" data-name="{{.Name}}" data-lazy="{{.Lazy}}"></div>
<script src="/widget/assets/try.js?v={{.JS}}"></script></body></html>
`))

// tryFrame serves the frame's page: the widget's policy, framed only by the inbox itself.
func (s *Server) tryFrame(w http.ResponseWriter, r *http.Request) error {
	js, okJS := widgetweb.Lookup("try.js")
	css, okCSS := widgetweb.Lookup("try.css")
	if !okJS || !okCSS {
		return errs.E(errs.NotFound, "the widget is not built")
	}
	csp := widgetFrameCSP(&inbox.Website{}, r.Host, s.secure || r.TLS != nil)
	csp = csp[:strings.Index(csp, "frame-ancestors ")] + "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
	h := w.Header()
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Security-Policy", csp)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	return tryPage.Execute(w, map[string]string{"Name": "Try it", "JS": js.Hash, "CSS": css.Hash, "Lazy": lazyAssets()})
}

// trySocket runs a draft for an admin (who may edit playbooks) on a website they work in.
func (s *Server) trySocket(w http.ResponseWriter, r *http.Request) error {
	u := actorOf(r).user
	if err := auth.Authorize(u, auth.ManageSetup); err != nil {
		return err
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		if o, err := url.Parse(origin); err != nil || o.Host != r.Host {
			return errs.E(errs.Forbidden, "WebSocket from another origin refused")
		}
	}
	return s.hub.ServeTry(w, r, func(ctx context.Context, f realtime.TryStart, changed func(conversation.Change), acted func(sandbox.Action)) (*sandbox.Run, error) {
		site, err := s.inboxes.Website(ctx, u, f.WebsiteID)
		if err != nil {
			return nil, err
		}
		return sandbox.New(sandbox.Options{Playbook: f.Playbook, Website: site, Online: f.Online, Changed: changed, Acted: acted, Logger: s.log,
			Mask: func(v string) string { out, _ := mask.String(v); return out }})
	})
}
