package httpapi

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/widget"
)

// The visitor's API under /widget/v1/{key}/…: the website's public key in the path, the visitor's
// token in the Authorization header ("Visitor pv_…"), never in a URL.

func (s *Server) site(r *http.Request) (*inbox.Website, error) {
	return s.inboxes.ByKey(r.Context(), r.PathValue("key"))
}

func visitorToken(r *http.Request) string {
	t, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Visitor ")
	return strings.TrimSpace(t)
}

// visitor authenticates the request's visitor on its website.
func (s *Server) visitor(r *http.Request) (*widget.Session, error) {
	site, err := s.site(r)
	if err != nil {
		return nil, err
	}
	return s.widget.Authenticate(r.Context(), site, visitorToken(r), s.clientIP(r), r.UserAgent())
}

func (s *Server) widgetSession(w http.ResponseWriter, r *http.Request) error {
	site, err := s.site(r)
	if err != nil {
		return err
	}
	var in struct {
		Token     string `json:"token"`
		PageURL   string `json:"page_url"`
		PageTitle string `json:"page_title"`
		Referrer  string `json:"referrer"`
		Locale    string `json:"locale"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := site.CheckPage(in.PageURL); err != nil {
		return err
	}
	sess, err := s.widget.Session(r.Context(), site, contact.SessionInput{Token: in.Token, UserAgent: r.UserAgent(), IP: s.clientIP(r),
		Referrer: in.Referrer, Locale: in.Locale, PageURL: in.PageURL, PageTitle: in.PageTitle})
	if err != nil {
		return err
	}
	available, err := s.widget.AgentsAvailable(r.Context(), sess)
	if err != nil {
		return err
	}
	out := map[string]any{"visitor_id": sess.Visitor.ID, "conversation": nil, "messages": []any{}, "agents_available": available, "playbook": nil, "appearance": nil}
	if !site.OpenAt(time.Now()) {
		out["away"] = site.BusinessHours.AwayMessage
	}
	switch p, err := s.widget.Playbook(r.Context(), sess, in.PageURL); {
	case err == nil:
		out["playbook"], out["appearance"] = playbookView(p), p.Appearance
	case !errs.Is(err, errs.NotFound):
		return err
	}
	if sess.Token != "" {
		out["token"] = sess.Token
	}
	c, msgs, err := s.widget.Conversation(r.Context(), sess, 0)
	switch {
	case err == nil:
		for k, v := range s.hub.VisitorConversation(c, msgs) {
			out[k] = v
		}
	case !errs.Is(err, errs.NotFound):
		return err
	}
	status := http.StatusOK
	if sess.Token != "" {
		status = http.StatusCreated
	}
	writeJSON(w, status, out)
	return nil
}

func (s *Server) widgetConversation(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.visitor(r)
	if err != nil {
		return err
	}
	after, err := queryInt(r, "after")
	if err != nil {
		return err
	}
	c, msgs, err := s.widget.Conversation(r.Context(), sess, after)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.hub.VisitorConversation(c, msgs))
	return nil
}

func (s *Server) widgetSend(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.visitor(r)
	if err != nil {
		return err
	}
	var in struct {
		ClientID     string `json:"client_id"`
		Body         string `json:"body"`
		AttachmentID int64  `json:"attachment_id"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, m, err := s.widget.Send(r.Context(), sess, s.clientIP(r), conversation.MessageInput{Body: in.Body, ClientID: in.ClientID, AttachmentID: in.AttachmentID})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.hub.VisitorConversation(c, []conversation.Message{*m}))
	return nil
}

func (s *Server) widgetRead(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.visitor(r)
	if err != nil {
		return err
	}
	var in struct {
		ConversationID int64 `json:"conversation_id"`
		Seq            int64 `json:"seq"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.ConversationID == 0 {
		return errs.Coded(errs.Invalid, "conversation_id_required", "conversation_id is required")
	}
	if err := s.widget.MarkRead(r.Context(), sess, in.ConversationID, in.Seq); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) widgetTyping(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.visitor(r)
	if err != nil {
		return err
	}
	var in struct {
		On bool `json:"on"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.widget.Typing(r.Context(), sess, in.On); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) widgetPageView(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.visitor(r)
	if err != nil {
		return err
	}
	var in struct {
		URL   string `json:"url"`
		Title string `json:"title"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.widget.PageView(r.Context(), sess, in.URL, in.Title); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) widgetIdentify(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.visitor(r)
	if err != nil {
		return err
	}
	var in struct {
		UserID     string            `json:"user_id"`
		Name       string            `json:"name"`
		Email      string            `json:"email"`
		Signature  string            `json:"signature"`
		Attributes map[string]string `json:"attributes"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	next, err := s.widget.Identify(r.Context(), sess, contact.IdentifyInput{UserID: in.UserID, Name: in.Name, Email: in.Email,
		Signature: in.Signature, Attributes: in.Attributes})
	if err != nil {
		return err
	}
	out := map[string]any{"visitor_id": next.Visitor.ID, "new_identity": next.Token != ""}
	if next.Token != "" {
		out["token"] = next.Token // a new visitor identity: the widget replaces its stored token
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) widgetRate(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.visitor(r)
	if err != nil {
		return err
	}
	var in struct {
		ConversationID int64  `json:"conversation_id"`
		Rating         int    `json:"rating"`
		Comment        string `json:"comment"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if _, err := s.widget.Rate(r.Context(), sess, in.ConversationID, in.Rating, in.Comment); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// widgetSocket upgrades to the visitor's socket. The Origin is the widget's frame (served by
// Parley: same origin) or a page on one of the website's allowed domains.
func (s *Server) widgetSocket(w http.ResponseWriter, r *http.Request) error {
	site, err := s.site(r)
	if err != nil {
		return err
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || (u.Host != r.Host && !site.AllowsHost(u.Host)) {
			return errs.Coded(errs.Forbidden, "domain_not_allowed", "this website's chat is not enabled on that origin")
		}
	}
	return s.hub.ServeVisitor(w, r, s.widget, site, s.clientIP(r))
}

func (s *Server) widgetContact(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.visitor(r)
	if err != nil {
		return err
	}
	var in struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Email == "" && in.Name == "" {
		return errs.Coded(errs.Invalid, "email_required", "give an email address so we can reply")
	}
	c, err := s.widget.Describe(r.Context(), sess, in.Name, in.Email)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": c.Name, "email": c.Email})
	return nil
}

func (s *Server) widgetConsent(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.visitor(r)
	if err != nil {
		return err
	}
	var in struct {
		Text    string `json:"text"`
		Version string `json:"version"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.widget.Consent(r.Context(), sess, in.Text, in.Version)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"consent": c})
	return nil
}
