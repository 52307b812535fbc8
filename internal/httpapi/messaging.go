package httpapi

import (
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/internal/channel/messenger"
	"github.com/parleyhq/parley/internal/channel/whatsapp"
	"github.com/parleyhq/parley/internal/errs"
)

// Messenger and WhatsApp: their settings for admins (/api/v1/messenger-pages, /api/v1/whatsapp-senders),
// a WhatsApp conversation's templates, a contact's profile picture, and the callbacks Meta and
// Twilio make under /hooks/: each checks its signature on the raw body, queues the work and
// answers at once.

// Hook bodies: Meta batches events of several Pages; Twilio posts a small form.
const (
	maxMessengerHook = 1 << 20
	maxTwilioHook    = 64 << 10
)

func (s *Server) messagingRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/messenger-pages", User, s.listMessengerPages},
		{"POST", "/api/v1/messenger-pages", User, s.createMessengerPage},
		{"GET", "/api/v1/messenger-pages/{id}", User, s.getMessengerPage},
		{"PATCH", "/api/v1/messenger-pages/{id}", User, s.patchMessengerPage},
		{"POST", "/api/v1/messenger-pages/{id}/test", User, s.testMessengerPage},
		{"GET", "/api/v1/whatsapp-senders", User, s.listWhatsAppSenders},
		{"POST", "/api/v1/whatsapp-senders", User, s.createWhatsAppSender},
		{"GET", "/api/v1/whatsapp-senders/{id}", User, s.getWhatsAppSender},
		{"PATCH", "/api/v1/whatsapp-senders/{id}", User, s.patchWhatsAppSender},
		{"POST", "/api/v1/whatsapp-senders/{id}/test", User, s.testWhatsAppSender},
		{"GET", "/api/v1/conversations/{id}/templates", User, s.listTemplates},
		{"GET", "/api/v1/contacts/{id}/picture", User, s.contactPicture},

		{"GET", messenger.HookPath, Public, s.messengerVerify},
		{"POST", messenger.HookPath, Public, s.messengerHook},
		{"POST", whatsapp.HookPrefix + "{id}", Public, s.whatsappHook(whatsapp.HookMessage)},
		{"POST", whatsapp.HookPrefix + "{id}/status", Public, s.whatsappHook(whatsapp.HookStatus)},
		{"GET", whatsapp.HookPrefix + "{id}/media/{blob}/{expires}/{sig}", Public, s.whatsappMedia},
	}
}

func (s *Server) needMessenger() error {
	if s.messenger == nil {
		return errs.E(errs.Unavailable, "Messenger is not available on this server")
	}
	return nil
}

func (s *Server) needWhatsApp() error {
	if s.whatsapp == nil {
		return errs.E(errs.Unavailable, "WhatsApp is not available on this server")
	}
	return nil
}

func (s *Server) listMessengerPages(w http.ResponseWriter, r *http.Request) error {
	if err := s.needMessenger(); err != nil {
		return err
	}
	list, err := s.messenger.List(r.Context(), actorOf(r).user)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"messenger_pages": list})
	return nil
}

func (s *Server) createMessengerPage(w http.ResponseWriter, r *http.Request) error {
	if err := s.needMessenger(); err != nil {
		return err
	}
	var in messenger.Input
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.messenger.Create(r.Context(), actorOf(r).user, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"messenger_page": p})
	return nil
}

func (s *Server) getMessengerPage(w http.ResponseWriter, r *http.Request) error {
	if err := s.needMessenger(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.messenger.Get(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"messenger_page": p})
	return nil
}

func (s *Server) patchMessengerPage(w http.ResponseWriter, r *http.Request) error {
	if err := s.needMessenger(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in messenger.Input
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.messenger.Update(r.Context(), actorOf(r).user, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"messenger_page": p})
	return nil
}

func (s *Server) testMessengerPage(w http.ResponseWriter, r *http.Request) error {
	if err := s.needMessenger(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	res, err := s.messenger.Test(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) listWhatsAppSenders(w http.ResponseWriter, r *http.Request) error {
	if err := s.needWhatsApp(); err != nil {
		return err
	}
	list, err := s.whatsapp.List(r.Context(), actorOf(r).user)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"whatsapp_senders": list})
	return nil
}

func (s *Server) createWhatsAppSender(w http.ResponseWriter, r *http.Request) error {
	if err := s.needWhatsApp(); err != nil {
		return err
	}
	var in whatsapp.Input
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	n, err := s.whatsapp.Create(r.Context(), actorOf(r).user, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"whatsapp_sender": n})
	return nil
}

func (s *Server) getWhatsAppSender(w http.ResponseWriter, r *http.Request) error {
	if err := s.needWhatsApp(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.whatsapp.Get(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"whatsapp_sender": n})
	return nil
}

func (s *Server) patchWhatsAppSender(w http.ResponseWriter, r *http.Request) error {
	if err := s.needWhatsApp(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in whatsapp.Input
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	n, err := s.whatsapp.Update(r.Context(), actorOf(r).user, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"whatsapp_sender": n})
	return nil
}

func (s *Server) testWhatsAppSender(w http.ResponseWriter, r *http.Request) error {
	if err := s.needWhatsApp(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	res, err := s.whatsapp.Test(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request) error {
	if err := s.needWhatsApp(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.whatsapp.Templates(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"templates": list})
	return nil
}

func (s *Server) contactPicture(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pic, err := s.convs.ContactPicture(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	return s.serveBlob(w, r, pic)
}

// refusedHook answers a callback that is not the channel's with 403, and says so in the log.
func (s *Server) refusedHook(w http.ResponseWriter, r *http.Request, channel string, err error) error {
	if !errs.Is(err, errs.Forbidden) {
		return err
	}
	s.log.WarnContext(r.Context(), "channel callback refused", "channel", channel, "path", r.URL.Path, "ip", s.clientIP(r), "reason", err)
	writeJSON(w, http.StatusForbidden, errorBody{Error: errorDetail{Code: "webhook_refused", Message: "forbidden"}})
	return nil
}

// messengerVerify answers Meta's verification handshake with the challenge, as plain text.
func (s *Server) messengerVerify(w http.ResponseWriter, r *http.Request) error {
	if err := s.needMessenger(); err != nil {
		return err
	}
	q := r.URL.Query()
	challenge, err := s.messenger.Verify(r.Context(), q.Get("hub.mode"), q.Get("hub.verify_token"), q.Get("hub.challenge"))
	if err != nil {
		return s.refusedHook(w, r, "messenger", err)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, challenge)
	return nil
}

// messengerHook takes Meta's webhook POST: the raw body is what is signed.
func (s *Server) messengerHook(w http.ResponseWriter, r *http.Request) error {
	if err := s.needMessenger(); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxMessengerHook))
	if err != nil {
		return errs.E(errs.TooLarge, "the webhook's body is too large")
	}
	if err := s.messenger.Accept(r.Context(), body, r.Header.Get("X-Hub-Signature-256")); err != nil {
		return s.refusedHook(w, r, "messenger", err)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "EVENT_RECEIVED")
	return nil
}

// whatsappHook takes one of Twilio's webhooks for an inbox (an incoming message or a status
// callback), checked against every way the URL Twilio called may be told here.
func (s *Server) whatsappHook(kind string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := s.needWhatsApp(); err != nil {
			return err
		}
		id, err := pathID(r, "id")
		if err != nil {
			return s.refusedHook(w, r, "whatsapp", whatsapp.ErrRefused)
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTwilioHook))
		if err != nil {
			return errs.E(errs.TooLarge, "the webhook's body is too large")
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return errs.E(errs.Invalid, "the webhook's body is not a form: %v", err)
		}
		var msgID int64
		if kind == whatsapp.HookStatus {
			msgID, _ = strconv.ParseInt(r.URL.Query().Get("message"), 10, 64)
		}
		if err := s.whatsapp.Accept(r.Context(), id, kind, s.calledURLs(r), form, r.Header.Get("X-Twilio-Signature"), msgID); err != nil {
			return s.refusedHook(w, r, "whatsapp", err)
		}
		if kind == whatsapp.HookStatus {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		// An empty TwiML answer: Twilio sends nothing back on its own.
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`)
		return nil
	}
}

// whatsappMedia serves a reply's file to Twilio by its signed URL.
func (s *Server) whatsappMedia(w http.ResponseWriter, r *http.Request) error {
	if err := s.needWhatsApp(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	blobID, err := pathID(r, "blob")
	if err != nil {
		return err
	}
	b, data, err := s.whatsapp.Media(r.Context(), id, blobID, r.PathValue("expires"), r.PathValue("sig"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", b.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(data)
	return nil
}

// calledURLs are the ways the URL a caller used may be told here: the public base URL (--base-url)
// with the path and query as sent, what a trusted proxy says (X-Forwarded-Proto and -Host), and
// the request as it reached Parley.
func (s *Server) calledURLs(r *http.Request) []string {
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	var out []string
	add := func(u string) {
		for _, x := range out {
			if x == u {
				return
			}
		}
		out = append(out, u)
	}
	if s.baseURL != "" {
		add(strings.TrimSuffix(s.baseURL, "/") + uri)
	}
	if s.fromTrustedProxy(r) {
		proto := strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Proto"), ",")[0])
		host := strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Host"), ",")[0])
		if host == "" {
			host = r.Host
		}
		if proto == "http" || proto == "https" {
			add(proto + "://" + host + uri)
		}
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	add(scheme + "://" + r.Host + uri)
	return out
}

// fromTrustedProxy reports whether the request's peer is one of --trusted-proxies.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	return err == nil && s.proxies.trusts(a)
}
