// Package httpapi is Parley's HTTP surface: the route table, middleware, the one error mapper, the
// agent API under /api/v1 and the health, readiness and metrics endpoints.
package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/blob"
	"github.com/parleyhq/parley/internal/channel/emailinbox"
	"github.com/parleyhq/parley/internal/channel/messenger"
	"github.com/parleyhq/parley/internal/channel/whatsapp"
	"github.com/parleyhq/parley/internal/clienttext"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/eventlog"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/mailer"
	"github.com/parleyhq/parley/internal/notify"
	"github.com/parleyhq/parley/internal/playbook"
	"github.com/parleyhq/parley/internal/push"
	"github.com/parleyhq/parley/internal/realtime"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/savedreply"
	"github.com/parleyhq/parley/internal/search"
	"github.com/parleyhq/parley/internal/webhook"
	"github.com/parleyhq/parley/internal/widget"
)

// Checker is something /readyz asks: the database and the bus.
type Checker interface {
	Ping(ctx context.Context) error
}

// CheckFunc adapts a function to Checker.
type CheckFunc func(ctx context.Context) error

// Ping calls f.
func (f CheckFunc) Ping(ctx context.Context) error { return f(ctx) }

// DemoSite is the website shown on /demo when Parley runs with --demo.
type DemoSite struct {
	Name       string
	WebsiteKey string
}

// Config is what the HTTP layer needs from the rest of Parley.
type Config struct {
	Auth     *auth.Service
	Checks   map[string]Checker // for /readyz, e.g. "database", "bus"
	Registry *prometheus.Registry
	Logger   *slog.Logger
	Proxies  Proxies
	// SecureCookies marks cookies Secure and names the session cookie with the __Host- prefix; on
	// when Parley is reached over HTTPS (its own TLS, or an https base URL behind a proxy).
	SecureCookies bool
	Demo          *DemoSite

	Inboxes       *inbox.Service
	Conversations *conversation.Service
	Contacts      *contact.Service
	Widget        *widget.Service
	Hub           *realtime.Hub
	Presence      Presence
	Blobs         *blob.Service
	Playbooks     *playbook.Service
	CRM           *crm.Service
	Webhooks      *webhook.Service
	EventLog      *eventlog.Reader
	Reports       *report.Service
	// EmailInboxes and Mail are the email channel and the installation's own mail.
	EmailInboxes *emailinbox.Service
	Mail         *mailer.Service
	SavedReplies *savedreply.Service
	// Messenger and WhatsApp are their channels; BaseURL is Parley's public URL (the URL Twilio
	// signs its callbacks with, behind a proxy).
	Messenger *messenger.Service
	WhatsApp  *whatsapp.Service
	BaseURL   string
	// Push keeps agents' devices for web push; Notify signs and follows unsubscribe links.
	Push   *push.Service
	Notify *notify.Service
	// Search finds messages, contacts and records; Organizer keeps tags and saved views
	// (internal/search).
	Search    *search.Service
	Organizer *search.Organizer
	// LocationCredit is shown wherever a location from the IP database appears.
	LocationCredit string
	// MetricsNetworks may read /metrics on the public listener (nil: DefaultMetricsNetworks);
	// MetricsElsewhere: it is served on a listener of its own (MetricsHandler), not here at all.
	MetricsNetworks  Networks
	MetricsElsewhere bool
}

// Presence is what the API needs of presence.
type Presence interface {
	SetToggle(ctx context.Context, userID int64, on bool) error
	Available(ctx context.Context, userID int64) bool
	OnlineUsers() []int64
}

// Server routes requests.
type Server struct {
	auth    *auth.Service
	checks  map[string]Checker
	reg     *prometheus.Registry
	log     *slog.Logger
	proxies Proxies
	secure  bool
	demo    *DemoSite
	metrics *metrics
	routes  []Route
	mux     *http.ServeMux

	inboxes        *inbox.Service
	convs          *conversation.Service
	contacts       *contact.Service
	widget         *widget.Service
	hub            *realtime.Hub
	presence       Presence
	blobs          *blob.Service
	playbooks      *playbook.Service
	crm            *crm.Service
	webhooks       *webhook.Service
	eventLogs      *eventlog.Reader
	reports        *report.Service
	emailInboxes   *emailinbox.Service
	mail           *mailer.Service
	replies        *savedreply.Service
	messenger      *messenger.Service
	whatsapp       *whatsapp.Service
	baseURL        string
	push           *push.Service
	notify         *notify.Service
	search         *search.Service
	organizer      *search.Organizer
	locationCredit string
	metricsFrom    Networks
	metricsAway    bool
}

// Route is one entry of the route table.
type Route struct {
	Method string
	Path   string
	Access Access
	h      handler
}

// Access says who may call a route and how it answers. It is a type of its own, not a string, so
// a mistyped access does not compile (it once would have made a route public); its zero value is
// no access at all, and New refuses a route that leaves it unset.
type Access uint8

const (
	_ Access = iota
	// Public: anyone; the handler checks what it needs itself (a visitor's token, a signature).
	Public
	// User: a signed-in user, by session cookie or API token; 401 otherwise.
	User
	// Page: an HTML page for people, whose errors are pages rather than JSON.
	Page
	// UserSocket: a WebSocket of a signed-in user.
	UserSocket
	// VisitorSocket: a visitor's WebSocket; the visitor proves who they are in its first frame.
	VisitorSocket
)

// String names the access.
func (a Access) String() string {
	switch a {
	case Public:
		return "public"
	case User:
		return "user"
	case Page:
		return "page"
	case UserSocket:
		return "user socket"
	case VisitorSocket:
		return "visitor socket"
	}
	return fmt.Sprintf("Access(%d)", uint8(a))
}

// traits is what an access means to the server, decided in one exhaustive switch: whether a
// signed-in user is required, whether the route is a WebSocket (its request lasts as long as the
// socket), and whether errors are answered as pages.
func (a Access) traits() (signedIn, socket, page bool) {
	switch a {
	case Public:
		return false, false, false
	case User:
		return true, false, false
	case Page:
		return false, false, true
	case UserSocket:
		return true, true, false
	case VisitorSocket:
		return false, true, false
	}
	panic(fmt.Sprintf("httpapi: %s is not an access a route may have", a))
}

// New builds the server and its route table.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	s := &Server{auth: cfg.Auth, checks: cfg.Checks, reg: cfg.Registry, log: cfg.Logger, proxies: cfg.Proxies,
		secure: cfg.SecureCookies, demo: cfg.Demo, metrics: newMetrics(cfg.Registry), mux: http.NewServeMux(),
		inboxes: cfg.Inboxes, convs: cfg.Conversations, contacts: cfg.Contacts, widget: cfg.Widget, hub: cfg.Hub, presence: cfg.Presence, blobs: cfg.Blobs,
		crm: cfg.CRM, webhooks: cfg.Webhooks, eventLogs: cfg.EventLog, emailInboxes: cfg.EmailInboxes, mail: cfg.Mail, locationCredit: cfg.LocationCredit}
	s.playbooks = cfg.Playbooks
	s.reports = cfg.Reports
	s.replies = cfg.SavedReplies
	s.messenger, s.whatsapp, s.baseURL = cfg.Messenger, cfg.WhatsApp, cfg.BaseURL
	s.push, s.notify = cfg.Push, cfg.Notify
	s.metricsFrom, s.metricsAway = cfg.MetricsNetworks, cfg.MetricsElsewhere
	if s.metricsFrom == nil {
		s.metricsFrom, _ = ParseNetworks(DefaultMetricsNetworks)
	}
	s.search, s.organizer = cfg.Search, cfg.Organizer
	s.routes = s.routeTable()
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.log, errs.Coded(errs.Forbidden, "cross_origin", "cross-origin request refused: state changes come from Parley's own pages or from clients that are not browsers"))
	}))
	for _, rt := range s.routes {
		var h http.Handler = s.adapt(rt)
		if rt.Method != http.MethodGet && rt.Method != http.MethodHead && !strings.HasPrefix(rt.Path, "/hooks/") {
			// Browsers send cookies cross-site; refuse cross-origin state changes outright. Channels'
			// callbacks come from servers and prove themselves by signature.
			h = csrf.Handler(h)
		}
		if _, socket, _ := rt.Access.traits(); socket {
			// A socket's request lasts as long as the socket: not a latency to record.
			s.mux.Handle(rt.Method+" "+rt.Path, h)
			continue
		}
		s.mux.Handle(rt.Method+" "+rt.Path, s.metrics.instrument(rt.Method+" "+rt.Path, h))
	}
	// What no route takes under the API's prefixes is answered in JSON like everything else
	// there: 405 with Allow for a path that exists with other methods, 404 otherwise. (Without
	// these, the mux's own plain-text answers would show; and a catch-all matching every method
	// must work out the 405 itself, since the mux prefers it to "method not allowed".)
	for _, prefix := range noRoutePrefixes {
		s.mux.Handle(prefix, s.adapt(Route{Access: Public, h: s.noRoute}))
	}
	return s
}

// noRoutePrefixes are the prefixes whose unmatched requests noRoute answers.
var noRoutePrefixes = []string{"/api/", "/widget/", "/hooks/"}

// noRoute answers a request no route takes: 405 naming the methods the path has, or 404.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) error {
	if allow := s.allowedMethods(r); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return errs.E(errs.MethodNotAllowed, "%s is not allowed on %s; it takes %s", r.Method, r.URL.Path, strings.Join(allow, ", "))
	}
	return errs.E(errs.NotFound, "no such endpoint: %s %s", r.Method, r.URL.Path)
}

// allowedMethods lists the methods some route takes for r's path, asking the mux itself.
func (s *Server) allowedMethods(r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := s.mux.Handler(probe); pattern != "" && !slices.Contains(noRoutePrefixes, pattern) {
			out = append(out, m)
		}
	}
	return out
}

// Routes lists the route table, for documentation checks.
func (s *Server) Routes() []Route { return s.routes }

// Handler returns the complete HTTP handler.
func (s *Server) Handler() http.Handler {
	return s.outermost(securityHeaders(s.mux))
}

func (s *Server) routeTable() []Route {
	routes := []Route{
		{"GET", "/healthz", Public, s.healthz},
		{"GET", "/readyz", Public, s.readyz},
		{"GET", "/metrics", Public, s.metricsHandler},

		{"GET", "/api/v1/setup", Public, s.getSetup},
		{"POST", "/api/v1/setup", Public, s.postSetup},
		{"POST", "/api/v1/session", Public, s.login},
		{"DELETE", "/api/v1/session", Public, s.logout},

		{"GET", "/api/v1/me", User, s.getMe},
		{"PATCH", "/api/v1/me", User, s.patchMe},
		{"PUT", "/api/v1/me/password", User, s.putPassword},
		{"GET", "/api/v1/me/settings", User, s.getSettings},
		{"PUT", "/api/v1/me/settings", User, s.putSettings},
		{"GET", "/api/v1/me/sessions", User, s.listSessions},
		{"DELETE", "/api/v1/me/sessions/{id}", User, s.deleteSession},

		{"GET", "/api/v1/tokens", User, s.listTokens},
		{"POST", "/api/v1/tokens", User, s.createToken},
		{"DELETE", "/api/v1/tokens/{id}", User, s.deleteToken},

		{"GET", "/api/v1/users", User, s.listUsers},
		{"POST", "/api/v1/users", User, s.createUser},
		{"GET", "/api/v1/users/{id}", User, s.getUser},
		{"PATCH", "/api/v1/users/{id}", User, s.patchUser},

		{"GET", "/api/v1/teams", User, s.listTeams},
		{"POST", "/api/v1/teams", User, s.createTeam},
		{"GET", "/api/v1/teams/{id}", User, s.getTeam},
		{"PATCH", "/api/v1/teams/{id}", User, s.patchTeam},
		{"DELETE", "/api/v1/teams/{id}", User, s.deleteTeam},

		{"GET", "/api/v1/inboxes", User, s.listInboxes},
		{"GET", "/api/v1/inboxes/{id}", User, s.getInbox},
		{"PATCH", "/api/v1/inboxes/{id}", User, s.patchInbox},
		{"PUT", "/api/v1/inboxes/{id}/members", User, s.putInboxMembers},
		{"GET", "/api/v1/email-inboxes", User, s.listEmailInboxes},
		{"POST", "/api/v1/email-inboxes", User, s.createEmailInbox},
		{"GET", "/api/v1/email-inboxes/{id}", User, s.getEmailInbox},
		{"PATCH", "/api/v1/email-inboxes/{id}", User, s.patchEmailInbox},
		{"POST", "/api/v1/email-inboxes/{id}/test", User, s.testEmailInbox},
		{"GET", "/api/v1/mail", User, s.getMail},
		{"PUT", "/api/v1/mail", User, s.putMail},
		{"POST", "/api/v1/mail/test", User, s.testMail},
		{"GET", "/api/v1/websites", User, s.listWebsites},
		{"POST", "/api/v1/websites", User, s.createWebsite},
		{"GET", "/api/v1/websites/{id}", User, s.getWebsite},
		{"PATCH", "/api/v1/websites/{id}", User, s.patchWebsite},
		{"GET", "/api/v1/websites/{id}/secret", User, s.getWebsiteSecret},
		{"GET", "/api/v1/playbooks", User, s.listPlaybooks},
		{"POST", "/api/v1/playbooks", User, s.createPlaybook},
		{"POST", "/api/v1/playbooks/validate", User, s.validatePlaybook},
		{"POST", "/api/v1/playbooks/import", User, s.importPlaybook},
		{"GET", "/api/v1/playbooks/templates", User, s.listPlaybookTemplates},
		{"GET", "/api/v1/playbooks/{id}", User, s.getPlaybook},
		{"PUT", "/api/v1/playbooks/{id}", User, s.putPlaybook},
		{"DELETE", "/api/v1/playbooks/{id}", User, s.deletePlaybook},
		{"GET", "/api/v1/playbooks/{id}/versions", User, s.listPlaybookVersions},
		{"GET", "/api/v1/playbooks/{id}/versions/{version}", User, s.getPlaybookVersion},
		{"GET", "/api/v1/playbooks/{id}/export", User, s.exportPlaybook},
		{"POST", "/api/v1/playbooks/{id}/activate", User, s.setPlaybookActive(true)},
		{"POST", "/api/v1/playbooks/{id}/deactivate", User, s.setPlaybookActive(false)},
		{"PUT", "/api/v1/me/availability", User, s.putAvailability},
		{"GET", "/api/v1/presence", User, s.getPresence},

		{"GET", "/api/v1/conversations", User, s.listConversations},
		{"GET", "/api/v1/conversations/{id}", User, s.getConversation},
		{"DELETE", "/api/v1/conversations/{id}", User, s.deleteConversation},
		{"GET", "/api/v1/conversations/{id}/messages", User, s.listMessages},
		{"POST", "/api/v1/conversations/{id}/messages", User, s.postMessage},
		{"POST", "/api/v1/conversations/{id}/assign", User, s.assignConversation},
		{"POST", "/api/v1/conversations/{id}/close", User, s.conversationAction(func(s *Server, r *http.Request, id int64) (*conversation.Conversation, error) {
			return s.convs.Close(r.Context(), actorOf(r).user, id)
		})},
		{"POST", "/api/v1/conversations/{id}/reopen", User, s.conversationAction(func(s *Server, r *http.Request, id int64) (*conversation.Conversation, error) {
			return s.convs.Reopen(r.Context(), actorOf(r).user, id)
		})},
		{"POST", "/api/v1/conversations/{id}/read", User, s.readConversation},
		{"POST", "/api/v1/conversations/{id}/typing", User, s.typingConversation},
		{"POST", "/api/v1/conversations/{id}/release", User, s.conversationAction(func(s *Server, r *http.Request, id int64) (*conversation.Conversation, error) {
			return s.convs.Release(r.Context(), actorOf(r).user, id)
		})},
		{"GET", "/api/v1/conversations/{id}/messages/{message_id}/original", User, s.getOriginal},
		{"POST", "/api/v1/conversations/{id}/messages/{message_id}/retry", User, s.retryDelivery},
		{"POST", "/api/v1/contacts/{id}/conversations", User, s.startConversation},
		{"GET", "/api/v1/contacts/{id}", User, s.getContact},
		{"PATCH", "/api/v1/contacts/{id}", User, s.patchContact},
		{"GET", "/api/v1/webhooks", User, s.listWebhooks},
		{"POST", "/api/v1/webhooks", User, s.createWebhook},
		{"GET", "/api/v1/webhooks/{id}", User, s.getWebhook},
		{"PATCH", "/api/v1/webhooks/{id}", User, s.patchWebhook},
		{"DELETE", "/api/v1/webhooks/{id}", User, s.deleteWebhook},
		{"POST", "/api/v1/webhooks/{id}/rotate-secret", User, s.rotateWebhookSecret},
		{"POST", "/api/v1/webhooks/{id}/test", User, s.testWebhook},
		{"GET", "/api/v1/webhooks/{id}/deliveries", User, s.listWebhookDeliveries},
		{"GET", "/api/v1/webhooks/{id}/deliveries/{delivery}", User, s.getWebhookDelivery},
		{"POST", "/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver", User, s.redeliverWebhookDelivery},
		{"POST", "/api/v1/webhooks/{id}/redeliver", User, s.redeliverWebhookFailed},
		{"GET", "/api/v1/event-log", User, s.eventLog},
		{"GET", "/api/v1/reports/overview", User, s.reportOverview},
		{"GET", "/api/v1/reports/breakdown", User, s.reportBreakdown},
		{"GET", "/api/v1/reports/funnel", User, s.reportFunnel},
		{"POST", "/api/v1/visitors/{id}/block", User, s.blockVisitor(true)},
		{"DELETE", "/api/v1/visitors/{id}/block", User, s.blockVisitor(false)},
		{"GET", "/api/v1/events", UserSocket, s.events},
		{"POST", "/api/v1/conversations/{id}/attachments", User, s.uploadAgent},
		{"GET", "/api/v1/attachments/{id}", User, s.downloadAgent},
		{"POST", "/widget/v1/{key}/attachments", Public, s.uploadVisitor},
		{"GET", "/widget/v1/{key}/attachments/{id}", Public, s.downloadVisitor},

		{"POST", "/widget/v1/{key}/session", Public, s.widgetSession},
		{"GET", "/widget/v1/{key}/conversation", Public, s.widgetConversation},
		{"POST", "/widget/v1/{key}/messages", Public, s.widgetSend},
		{"POST", "/widget/v1/{key}/read", Public, s.widgetRead},
		{"POST", "/widget/v1/{key}/typing", Public, s.widgetTyping},
		{"POST", "/widget/v1/{key}/pageview", Public, s.widgetPageView},
		{"POST", "/widget/v1/{key}/identify", Public, s.widgetIdentify},
		{"POST", "/widget/v1/{key}/rating", Public, s.widgetRate},
		{"POST", "/widget/v1/{key}/contact", Public, s.widgetContact},
		{"POST", "/widget/v1/{key}/consent", Public, s.widgetConsent},
		{"POST", "/widget/v1/{key}/transcript", Public, s.widgetTranscript},
		{"POST", "/widget/v1/{key}/start", Public, s.widgetStart},
		{"POST", "/widget/v1/{key}/answer", Public, s.widgetRespond(conversation.Answer)},
		{"POST", "/widget/v1/{key}/capture", Public, s.widgetRespond(conversation.Capture)},
		{"POST", "/widget/v1/{key}/card-consent", Public, s.widgetRespond(conversation.Consent)},
		{"GET", "/widget/v1/{key}/ws", VisitorSocket, s.widgetSocket},

		// widget UI
		{"GET", "/widget.js", Public, s.widgetLoader},
		{"GET", "/widget/v1/{key}/allowed.js", Public, s.widgetAllowed},
		{"GET", "/widget/v1/{key}/frame", Public, s.widgetFrame},
		{"GET", "/widget/assets/{file}", Public, s.widgetAsset},

		{"GET", "/favicon.svg", Page, s.favicon},
		{"GET", "/favicon.ico", Page, s.favicon},
		{"GET", "/{$}", Page, s.pageRoot},
		{"GET", "/inbox/{$}", Page, s.inboxApp},
		{"GET", "/inbox/assets/{file}", Page, s.inboxAsset},
		{"GET", "/inbox/sw.js", Page, s.inboxWorker},
		{"GET", "/inbox/manifest.webmanifest", Page, s.inboxManifest},
		{"POST", "/inbox/setup", Page, s.pageSetup},
		{"POST", "/inbox/login", Page, s.pageLogin},
		{"POST", "/inbox/logout", Page, s.pageLogout},
		{"GET", "/demo", Page, s.pageDemo},
	}
	routes = append(routes, s.crmRoutes()...)
	routes = append(routes, s.savedReplyRoutes()...)
	routes = append(routes, s.visitorRoutes()...)
	routes = append(routes, s.tryRoutes()...)
	routes = append(routes, s.messagingRoutes()...)
	routes = append(routes, s.notificationRoutes()...)
	routes = append(routes, s.findRoutes()...)
	return routes
}

// adapt turns a route's handler into an http.Handler: body limits for the API, authentication for
// user routes, and errors mapped in one place.
func (s *Server) adapt(rt Route) http.Handler {
	signedIn, _, page := rt.Access.traits() // panics, at start-up, for a route without an access
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (strings.HasSuffix(rt.Path, "/attachments") || strings.HasSuffix(rt.Path, "/attachment")) && s.blobs != nil {
			// The upload's own limit applies; the blob service reports going over it clearly.
			r.Body = http.MaxBytesReader(w, r.Body, s.blobs.Limits().MaxFileBytes+1)
		} else if rt.Path == "/api/v1/persons/import" || rt.Path == "/api/v1/organizations/import" {
			// A CSV file in a JSON string: escaping may double it.
			r.Body = http.MaxBytesReader(w, r.Body, 2*crm.MaxImportBytes+64<<10)
		} else if strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/widget/") {
			r.Body = http.MaxBytesReader(w, r.Body, maxJSONBody)
		} else if page {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		}
		err := checkRequestText(r, page)
		if err == nil && signedIn {
			var a *actor
			a, err = s.authenticate(r)
			if err == nil {
				r = r.WithContext(context.WithValue(r.Context(), keyActor, a))
			}
		}
		if err == nil {
			err = rt.h(w, r)
		}
		if err != nil {
			if page {
				s.pageError(w, r, err)
				return
			}
			writeError(w, r, s.log, err)
		}
	})
}

// checkRequestText refuses a path, query or form (pages) holding text that cannot be stored, as
// JSON bodies are (decodeJSON): the same answer on every engine, before any of it reaches a query.
func checkRequestText(r *http.Request, form bool) error {
	if err := clienttext.CheckString("path", r.URL.Path); err != nil {
		return err
	}
	if r.URL.RawQuery != "" {
		if err := clienttext.CheckValues("query parameter", r.URL.Query()); err != nil {
			return err
		}
	}
	if form && r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			return errs.Wrap(errs.Invalid, err, "the form could not be read")
		}
		return clienttext.CheckValues("form field", r.PostForm)
	}
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz answers 200 only when every dependency answers, so a load balancer sends no traffic to a
// node that cannot serve it.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status := http.StatusOK
	out := map[string]string{}
	for name, c := range s.checks {
		if err := c.Ping(ctx); err != nil {
			s.log.WarnContext(ctx, "readiness check failed", "check", name, "err", err)
			out[name] = "unavailable"
			status = http.StatusServiceUnavailable
		} else {
			out[name] = "ok"
		}
	}
	writeJSON(w, status, map[string]any{"ready": status == http.StatusOK, "checks": out})
	return nil
}

// metricsHandler serves /metrics on the public listener to the allowed networks only, judged by
// the client's address (behind a trusted proxy, the one it forwards); anyone else, and everyone
// when metrics have a listener of their own, finds nothing there. A request forwarded by a proxy
// --trusted-proxies does not name is refused too: its peer address is the proxy's, not the
// client's.
func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request) error {
	ip, err := netip.ParseAddr(s.clientIP(r))
	if s.metricsAway || err != nil || !s.metricsFrom.Contains(ip) || s.proxies.forwardedByStranger(r) {
		return errs.E(errs.NotFound, "no such endpoint: %s %s", r.Method, r.URL.Path)
	}
	s.MetricsHandler().ServeHTTP(w, r)
	return nil
}

// MetricsHandler serves the Prometheus metrics to whoever reaches it: for a listener of its own
// (--metrics-addr).
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})
}
