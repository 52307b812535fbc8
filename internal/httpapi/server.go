// Package httpapi is Parley's HTTP surface: the route table, middleware, the one error mapper, the
// agent API under /api/v1 and the health, readiness and metrics endpoints.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/blob"
	"github.com/parleyhq/parley/internal/channel/emailinbox"
	"github.com/parleyhq/parley/internal/channel/messenger"
	"github.com/parleyhq/parley/internal/channel/whatsapp"
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
}

// Route is one entry of the route table.
type Route struct {
	Method string
	Path   string
	// Access is "public" (no sign-in), "user" (a session or API token), "page", or "socket"
	// (a WebSocket of a signed-in user) and "widget-socket" (a visitor's WebSocket).
	Access string
	h      handler
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
	s.replies = cfg.SavedReplies
	s.messenger, s.whatsapp, s.baseURL = cfg.Messenger, cfg.WhatsApp, cfg.BaseURL
	s.push, s.notify = cfg.Push, cfg.Notify
	s.search, s.organizer = cfg.Search, cfg.Organizer
	s.routes = s.routeTable()
	csrf := http.NewCrossOriginProtection()
	for _, rt := range s.routes {
		var h http.Handler = s.adapt(rt)
		if rt.Method != http.MethodGet && rt.Method != http.MethodHead && !strings.HasPrefix(rt.Path, "/hooks/") {
			// Browsers send cookies cross-site; refuse cross-origin state changes outright. Channels'
			// callbacks come from servers and prove themselves by signature.
			h = csrf.Handler(h)
		}
		if rt.Access == "socket" || rt.Access == "widget-socket" {
			// A socket's request lasts as long as the socket: not a latency to record.
			s.mux.Handle(rt.Method+" "+rt.Path, h)
			continue
		}
		s.mux.Handle(rt.Method+" "+rt.Path, s.metrics.instrument(rt.Method+" "+rt.Path, h))
	}
	s.mux.Handle("/api/", s.adapt(Route{Access: "public", h: func(w http.ResponseWriter, r *http.Request) error {
		return errs.E(errs.NotFound, "no such endpoint: %s %s", r.Method, r.URL.Path)
	}}))
	return s
}

// Routes lists the route table, for documentation checks.
func (s *Server) Routes() []Route { return s.routes }

// Handler returns the complete HTTP handler.
func (s *Server) Handler() http.Handler {
	return s.outermost(securityHeaders(s.mux))
}

func (s *Server) routeTable() []Route {
	routes := []Route{
		{"GET", "/healthz", "public", s.healthz},
		{"GET", "/readyz", "public", s.readyz},
		{"GET", "/metrics", "public", s.metricsHandler},

		{"GET", "/api/v1/setup", "public", s.getSetup},
		{"POST", "/api/v1/setup", "public", s.postSetup},
		{"POST", "/api/v1/session", "public", s.login},
		{"DELETE", "/api/v1/session", "public", s.logout},

		{"GET", "/api/v1/me", "user", s.getMe},
		{"PATCH", "/api/v1/me", "user", s.patchMe},
		{"PUT", "/api/v1/me/password", "user", s.putPassword},
		{"GET", "/api/v1/me/settings", "user", s.getSettings},
		{"PUT", "/api/v1/me/settings", "user", s.putSettings},
		{"GET", "/api/v1/me/sessions", "user", s.listSessions},
		{"DELETE", "/api/v1/me/sessions/{id}", "user", s.deleteSession},

		{"GET", "/api/v1/tokens", "user", s.listTokens},
		{"POST", "/api/v1/tokens", "user", s.createToken},
		{"DELETE", "/api/v1/tokens/{id}", "user", s.deleteToken},

		{"GET", "/api/v1/users", "user", s.listUsers},
		{"POST", "/api/v1/users", "user", s.createUser},
		{"GET", "/api/v1/users/{id}", "user", s.getUser},
		{"PATCH", "/api/v1/users/{id}", "user", s.patchUser},

		{"GET", "/api/v1/teams", "user", s.listTeams},
		{"POST", "/api/v1/teams", "user", s.createTeam},
		{"GET", "/api/v1/teams/{id}", "user", s.getTeam},
		{"PATCH", "/api/v1/teams/{id}", "user", s.patchTeam},
		{"DELETE", "/api/v1/teams/{id}", "user", s.deleteTeam},

		{"GET", "/api/v1/inboxes", "user", s.listInboxes},
		{"GET", "/api/v1/inboxes/{id}", "user", s.getInbox},
		{"PATCH", "/api/v1/inboxes/{id}", "user", s.patchInbox},
		{"PUT", "/api/v1/inboxes/{id}/members", "user", s.putInboxMembers},
		{"GET", "/api/v1/email-inboxes", "user", s.listEmailInboxes},
		{"POST", "/api/v1/email-inboxes", "user", s.createEmailInbox},
		{"GET", "/api/v1/email-inboxes/{id}", "user", s.getEmailInbox},
		{"PATCH", "/api/v1/email-inboxes/{id}", "user", s.patchEmailInbox},
		{"POST", "/api/v1/email-inboxes/{id}/test", "user", s.testEmailInbox},
		{"GET", "/api/v1/mail", "user", s.getMail},
		{"PUT", "/api/v1/mail", "user", s.putMail},
		{"POST", "/api/v1/mail/test", "user", s.testMail},
		{"GET", "/api/v1/websites", "user", s.listWebsites},
		{"POST", "/api/v1/websites", "user", s.createWebsite},
		{"GET", "/api/v1/websites/{id}", "user", s.getWebsite},
		{"PATCH", "/api/v1/websites/{id}", "user", s.patchWebsite},
		{"GET", "/api/v1/websites/{id}/secret", "user", s.getWebsiteSecret},
		{"GET", "/api/v1/playbooks", "user", s.listPlaybooks},
		{"POST", "/api/v1/playbooks", "user", s.createPlaybook},
		{"POST", "/api/v1/playbooks/validate", "user", s.validatePlaybook},
		{"POST", "/api/v1/playbooks/import", "user", s.importPlaybook},
		{"GET", "/api/v1/playbooks/templates", "user", s.listPlaybookTemplates},
		{"GET", "/api/v1/playbooks/{id}", "user", s.getPlaybook},
		{"PUT", "/api/v1/playbooks/{id}", "user", s.putPlaybook},
		{"DELETE", "/api/v1/playbooks/{id}", "user", s.deletePlaybook},
		{"GET", "/api/v1/playbooks/{id}/versions", "user", s.listPlaybookVersions},
		{"GET", "/api/v1/playbooks/{id}/versions/{version}", "user", s.getPlaybookVersion},
		{"GET", "/api/v1/playbooks/{id}/export", "user", s.exportPlaybook},
		{"POST", "/api/v1/playbooks/{id}/activate", "user", s.setPlaybookActive(true)},
		{"POST", "/api/v1/playbooks/{id}/deactivate", "user", s.setPlaybookActive(false)},
		{"PUT", "/api/v1/me/availability", "user", s.putAvailability},
		{"GET", "/api/v1/presence", "user", s.getPresence},

		{"GET", "/api/v1/conversations", "user", s.listConversations},
		{"GET", "/api/v1/conversations/{id}", "user", s.getConversation},
		{"DELETE", "/api/v1/conversations/{id}", "user", s.deleteConversation},
		{"GET", "/api/v1/conversations/{id}/messages", "user", s.listMessages},
		{"POST", "/api/v1/conversations/{id}/messages", "user", s.postMessage},
		{"POST", "/api/v1/conversations/{id}/assign", "user", s.assignConversation},
		{"POST", "/api/v1/conversations/{id}/close", "user", s.conversationAction(func(s *Server, r *http.Request, id int64) (*conversation.Conversation, error) {
			return s.convs.Close(r.Context(), actorOf(r).user, id)
		})},
		{"POST", "/api/v1/conversations/{id}/reopen", "user", s.conversationAction(func(s *Server, r *http.Request, id int64) (*conversation.Conversation, error) {
			return s.convs.Reopen(r.Context(), actorOf(r).user, id)
		})},
		{"POST", "/api/v1/conversations/{id}/read", "user", s.readConversation},
		{"POST", "/api/v1/conversations/{id}/typing", "user", s.typingConversation},
		{"POST", "/api/v1/conversations/{id}/release", "user", s.conversationAction(func(s *Server, r *http.Request, id int64) (*conversation.Conversation, error) {
			return s.convs.Release(r.Context(), actorOf(r).user, id)
		})},
		{"GET", "/api/v1/conversations/{id}/messages/{message_id}/original", "user", s.getOriginal},
		{"POST", "/api/v1/conversations/{id}/messages/{message_id}/retry", "user", s.retryDelivery},
		{"POST", "/api/v1/contacts/{id}/conversations", "user", s.startConversation},
		{"GET", "/api/v1/contacts/{id}", "user", s.getContact},
		{"PATCH", "/api/v1/contacts/{id}", "user", s.patchContact},
		{"GET", "/api/v1/webhooks", "user", s.listWebhooks},
		{"POST", "/api/v1/webhooks", "user", s.createWebhook},
		{"GET", "/api/v1/webhooks/{id}", "user", s.getWebhook},
		{"PATCH", "/api/v1/webhooks/{id}", "user", s.patchWebhook},
		{"DELETE", "/api/v1/webhooks/{id}", "user", s.deleteWebhook},
		{"POST", "/api/v1/webhooks/{id}/rotate-secret", "user", s.rotateWebhookSecret},
		{"POST", "/api/v1/webhooks/{id}/test", "user", s.testWebhook},
		{"GET", "/api/v1/webhooks/{id}/deliveries", "user", s.listWebhookDeliveries},
		{"GET", "/api/v1/webhooks/{id}/deliveries/{delivery}", "user", s.getWebhookDelivery},
		{"POST", "/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver", "user", s.redeliverWebhookDelivery},
		{"POST", "/api/v1/webhooks/{id}/redeliver", "user", s.redeliverWebhookFailed},
		{"GET", "/api/v1/event-log", "user", s.eventLog},
		{"POST", "/api/v1/visitors/{id}/block", "user", s.blockVisitor(true)},
		{"DELETE", "/api/v1/visitors/{id}/block", "user", s.blockVisitor(false)},
		{"GET", "/api/v1/events", "socket", s.events},
		{"POST", "/api/v1/conversations/{id}/attachments", "user", s.uploadAgent},
		{"GET", "/api/v1/attachments/{id}", "user", s.downloadAgent},
		{"POST", "/widget/v1/{key}/attachments", "public", s.uploadVisitor},
		{"GET", "/widget/v1/{key}/attachments/{id}", "public", s.downloadVisitor},

		{"POST", "/widget/v1/{key}/session", "public", s.widgetSession},
		{"GET", "/widget/v1/{key}/conversation", "public", s.widgetConversation},
		{"POST", "/widget/v1/{key}/messages", "public", s.widgetSend},
		{"POST", "/widget/v1/{key}/read", "public", s.widgetRead},
		{"POST", "/widget/v1/{key}/typing", "public", s.widgetTyping},
		{"POST", "/widget/v1/{key}/pageview", "public", s.widgetPageView},
		{"POST", "/widget/v1/{key}/identify", "public", s.widgetIdentify},
		{"POST", "/widget/v1/{key}/rating", "public", s.widgetRate},
		{"POST", "/widget/v1/{key}/contact", "public", s.widgetContact},
		{"POST", "/widget/v1/{key}/consent", "public", s.widgetConsent},
		{"POST", "/widget/v1/{key}/transcript", "public", s.widgetTranscript},
		{"POST", "/widget/v1/{key}/start", "public", s.widgetStart},
		{"POST", "/widget/v1/{key}/answer", "public", s.widgetRespond(conversation.Answer)},
		{"POST", "/widget/v1/{key}/capture", "public", s.widgetRespond(conversation.Capture)},
		{"POST", "/widget/v1/{key}/card-consent", "public", s.widgetRespond(conversation.Consent)},
		{"GET", "/widget/v1/{key}/ws", "widget-socket", s.widgetSocket},

		// widget UI
		{"GET", "/widget.js", "public", s.widgetLoader},
		{"GET", "/widget/v1/{key}/allowed.js", "public", s.widgetAllowed},
		{"GET", "/widget/v1/{key}/frame", "public", s.widgetFrame},
		{"GET", "/widget/assets/{file}", "public", s.widgetAsset},

		{"GET", "/favicon.svg", "page", s.favicon},
		{"GET", "/favicon.ico", "page", s.favicon},
		{"GET", "/{$}", "page", s.pageRoot},
		{"GET", "/inbox/{$}", "page", s.inboxApp},
		{"GET", "/inbox/assets/{file}", "page", s.inboxAsset},
		{"GET", "/inbox/sw.js", "page", s.inboxWorker},
		{"GET", "/inbox/manifest.webmanifest", "page", s.inboxManifest},
		{"POST", "/inbox/setup", "page", s.pageSetup},
		{"POST", "/inbox/login", "page", s.pageLogin},
		{"POST", "/inbox/logout", "page", s.pageLogout},
		{"GET", "/demo", "page", s.pageDemo},
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
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (strings.HasSuffix(rt.Path, "/attachments") || strings.HasSuffix(rt.Path, "/attachment")) && s.blobs != nil {
			// The upload's own limit applies; the blob service reports going over it clearly.
			r.Body = http.MaxBytesReader(w, r.Body, s.blobs.Limits().MaxFileBytes+1)
		} else if strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/widget/") {
			r.Body = http.MaxBytesReader(w, r.Body, maxJSONBody)
		} else if rt.Access == "page" {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		}
		var err error
		if rt.Access == "user" || rt.Access == "socket" {
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
			if rt.Access == "page" {
				s.pageError(w, r, err)
				return
			}
			writeError(w, r, s.log, err)
		}
	})
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

func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request) error {
	promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	return nil
}
