package httpapi

import (
	"net/http"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/notify"
	"github.com/parleyhq/parley/internal/push"
)

// Notifications (docs/notifications.md): web push subscriptions per device, the company switch
// for in-app notifications, invitations and password reset links, one-click unsubscribe.

func (s *Server) notificationRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/push/key", User, s.getPushKey},
		{"GET", "/api/v1/me/push-subscriptions", User, s.listPushSubscriptions},
		{"POST", "/api/v1/me/push-subscriptions", User, s.createPushSubscription},
		{"DELETE", "/api/v1/me/push-subscriptions/{id}", User, s.deletePushSubscription},
		{"GET", "/api/v1/company-settings", User, s.getCompanySettings},
		{"PATCH", "/api/v1/company-settings", User, s.patchCompanySettings},
		{"POST", "/api/v1/users/{id}/invitation", User, s.resendInvitation},
		{"POST", "/api/v1/password/forgot", Public, s.forgotPassword},
		{"POST", "/api/v1/password/link", Public, s.passwordLink},
		{"POST", "/api/v1/password/reset", Public, s.resetPassword},
		{"GET", "/unsubscribe/{token}", Page, s.pageUnsubscribe},
		{"POST", "/unsubscribe/{token}", Page, s.pageUnsubscribe},
	}
}

func (s *Server) pushService() (*push.Service, error) {
	if s.push == nil {
		return nil, errs.Coded(errs.Unavailable, "push_unavailable", "web push is not set up on this server")
	}
	return s.push, nil
}

func (s *Server) getPushKey(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pushService()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"public_key": p.PublicKey()})
	return nil
}

func (s *Server) listPushSubscriptions(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pushService()
	if err != nil {
		return err
	}
	list, err := p.Devices(r.Context(), actorOf(r).user)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"devices": list})
	return nil
}

func (s *Server) createPushSubscription(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pushService()
	if err != nil {
		return err
	}
	var in push.SubscribeInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	d, err := p.Subscribe(r.Context(), actorOf(r).user, in, r.UserAgent())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"device": d})
	return nil
}

func (s *Server) deletePushSubscription(w http.ResponseWriter, r *http.Request) error {
	p, err := s.pushService()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := p.Remove(r.Context(), actorOf(r).user, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getCompanySettings(w http.ResponseWriter, r *http.Request) error {
	c, err := s.auth.Company(r.Context(), actorOf(r).user)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) patchCompanySettings(w http.ResponseWriter, r *http.Request) error {
	var in auth.CompanyPatch
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.auth.SetCompany(r.Context(), actorOf(r).user, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) resendInvitation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Language string `json:"language"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
	}
	inv, err := s.auth.ResendInvitation(r.Context(), actorOf(r).user, id, in.Language)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"invitation": inv})
	return nil
}

// forgotPassword answers 202 whether or not the address has an account.
func (s *Server) forgotPassword(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email    string `json:"email"`
		Language string `json:"language"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.auth.RequestReset(r.Context(), in.Email, s.clientIP(r), in.Language); err != nil {
		if errs.Is(err, errs.RateLimited) {
			w.Header().Set("Retry-After", "300")
		}
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "sent_if_known"})
	return nil
}

// passwordLink says what a one-time link is for (the token travels in the body: never in a URL
// that logs keep).
func (s *Server) passwordLink(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Token string `json:"token"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	info, err := s.auth.LinkInfo(r.Context(), in.Token)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"link": info})
	return nil
}

// resetPassword sets the password with a one-time link and signs the user in.
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, secret, sess, err := s.auth.UseLink(r.Context(), in.Token, in.Password, s.clientIP(r), r.UserAgent())
	if err != nil {
		return err
	}
	if c, err := r.Cookie(s.cookieName()); err == nil {
		_ = s.auth.Logout(r.Context(), c.Value)
	}
	s.setSessionCookie(w, secret, sess.ExpiresAt)
	writeJSON(w, http.StatusOK, map[string]any{"user": u})
	return nil
}

// pageUnsubscribe is an email's one-click unsubscribe link (RFC 8058): GET shows a button, POST
// (the button, or a mail program's "List-Unsubscribe=One-Click") switches that email off.
func (s *Server) pageUnsubscribe(w http.ResponseWriter, r *http.Request) error {
	if s.notify == nil {
		return errs.E(errs.NotFound, "no such page")
	}
	token := r.PathValue("token")
	var u *notify.Unsubscription
	var err error
	if r.Method == http.MethodPost {
		u, err = s.notify.Unsubscribe(r.Context(), token)
	} else {
		u, err = s.notify.CheckUnsubscribe(r.Context(), token)
	}
	if errs.Is(err, errs.NotFound) {
		title, text := notify.BadUnsubscribeText("")
		return s.render(w, http.StatusNotFound, pageData{Kind: "message", Title: title, Text: text})
	}
	if err != nil {
		return err
	}
	if r.Method == http.MethodPost {
		return s.render(w, http.StatusOK, pageData{Kind: "message", Title: u.Title, Text: u.Done, Lang: u.Language})
	}
	return s.render(w, http.StatusOK, pageData{Kind: "unsubscribe", Title: u.Title, Text: u.Ask, Button: u.Button, Lang: u.Language,
		Action: "/unsubscribe/" + token})
}
