package httpapi

import (
	"net/http"

	"github.com/parleyhq/parley/internal/channel/emailinbox"
	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/mailer"
)

// The channels' API: email inboxes, the installation's own mail, starting an email conversation,
// the Spam view's release, a message's original and a failed reply's retry, the visitor's
// transcript.

func (s *Server) needEmail() error {
	if s.emailInboxes == nil || s.mail == nil {
		return errs.E(errs.Unavailable, "email is not available on this server")
	}
	return nil
}

func (s *Server) listEmailInboxes(w http.ResponseWriter, r *http.Request) error {
	if err := s.needEmail(); err != nil {
		return err
	}
	list, err := s.emailInboxes.List(r.Context(), actorOf(r).user)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"email_inboxes": list})
	return nil
}

func (s *Server) createEmailInbox(w http.ResponseWriter, r *http.Request) error {
	if err := s.needEmail(); err != nil {
		return err
	}
	var in emailinbox.Input
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ib, err := s.emailInboxes.Create(r.Context(), actorOf(r).user, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"email_inbox": ib})
	return nil
}

func (s *Server) getEmailInbox(w http.ResponseWriter, r *http.Request) error {
	if err := s.needEmail(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ib, err := s.emailInboxes.Get(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"email_inbox": ib})
	return nil
}

func (s *Server) patchEmailInbox(w http.ResponseWriter, r *http.Request) error {
	if err := s.needEmail(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in emailinbox.Input
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ib, err := s.emailInboxes.Update(r.Context(), actorOf(r).user, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"email_inbox": ib})
	return nil
}

func (s *Server) testEmailInbox(w http.ResponseWriter, r *http.Request) error {
	if err := s.needEmail(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	res, err := s.emailInboxes.Test(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) getMail(w http.ResponseWriter, r *http.Request) error {
	if err := s.needEmail(); err != nil {
		return err
	}
	st, err := s.mail.Get(r.Context(), actorOf(r).user)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"mail": st})
	return nil
}

func (s *Server) putMail(w http.ResponseWriter, r *http.Request) error {
	if err := s.needEmail(); err != nil {
		return err
	}
	var in mailer.Settings
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	st, err := s.mail.Update(r.Context(), actorOf(r).user, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"mail": st})
	return nil
}

func (s *Server) testMail(w http.ResponseWriter, r *http.Request) error {
	if err := s.needEmail(); err != nil {
		return err
	}
	var in struct {
		To string `json:"to"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.mail.TestSend(r.Context(), actorOf(r).user, in.To); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"sent": true})
	return nil
}

func (s *Server) startConversation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in conversation.StartInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	in.ContactID = id
	c, m, err := s.convs.StartEmail(r.Context(), actorOf(r).user, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"conversation": c, "message": m})
	return nil
}

func (s *Server) getOriginal(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	mid, err := pathID(r, "message_id")
	if err != nil {
		return err
	}
	o, err := s.convs.Original(r.Context(), actorOf(r).user, id, mid)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"original": o})
	return nil
}

func (s *Server) retryDelivery(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	mid, err := pathID(r, "message_id")
	if err != nil {
		return err
	}
	m, err := s.convs.RetryDelivery(r.Context(), actorOf(r).user, id, mid)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"message": m})
	return nil
}

// widgetTranscript is the visitor's request for their conversation by email: to their known email,
// or to the one they give (saved on them first).
func (s *Server) widgetTranscript(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.visitor(r)
	if err != nil {
		return err
	}
	var in struct {
		ConversationID int64  `json:"conversation_id"`
		Email          string `json:"email"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if sess.Contact() == nil {
		return errs.E(errs.NotFound, "no conversation yet") // a visitor who never wrote has none
	}
	if in.Email != "" {
		if _, err := s.contacts.Save(r.Context(), sess.Contact().ID, contact.Patch{Email: &in.Email}); err != nil {
			return err
		}
	}
	if err := s.widget.Transcript(r.Context(), sess, in.ConversationID); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"queued": true})
	return nil
}
