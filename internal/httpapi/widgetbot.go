package httpapi

import (
	"net/http"

	"github.com/parleyhq/parley/internal/errs"

	"github.com/parleyhq/parley/internal/bot"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/playbook"
)

// The visitor's side of the chatbot over HTTP, the same as the socket's start, answer, capture and
// consent commands (docs/widget-protocol.md section 4).

// playbookView is what the widget needs of the page's playbook: how it looks and when it starts.
func playbookView(p *playbook.Playbook) map[string]any {
	return map[string]any{"id": p.ID, "appearance": p.Appearance, "delay_seconds": p.DelaySeconds}
}

func (s *Server) widgetStart(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.visitor(r)
	if err != nil {
		return err
	}
	var in struct {
		PageURL string `json:"page_url"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	_, err = s.widget.StartBot(r.Context(), sess, s.clientIP(r), in.PageURL)
	if errs.Is(err, errs.NotFound) { // no playbook runs on the page: a plain chat box
		writeJSON(w, http.StatusOK, map[string]any{"conversation": nil, "messages": []any{}})
		return nil
	}
	if err != nil {
		return err
	}
	c, msgs, err := s.widget.Conversation(r.Context(), sess, 0)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.hub.VisitorConversation(c, msgs))
	return nil
}

// widgetRespond answers a card: POST …/answer, …/capture, or …/consent with a card_id.
func (s *Server) widgetRespond(kind conversation.Kind) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		sess, err := s.visitor(r)
		if err != nil {
			return err
		}
		var in struct {
			CardID   string `json:"card_id"`
			AnswerID string `json:"answer_id"`
			Value    string `json:"value"`
			Version  string `json:"version"`
			Accepted bool   `json:"accepted"`
			ClientID string `json:"client_id"`
		}
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		m, err := s.widget.Respond(r.Context(), sess, s.clientIP(r), bot.Response{Kind: kind, CardID: in.CardID, AnswerID: in.AnswerID,
			Value: in.Value, Version: in.Version, Accepted: in.Accepted, ClientID: in.ClientID})
		if err != nil {
			return err
		}
		c, msgs, err := s.widget.Conversation(r.Context(), sess, m.Seq-1)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, s.hub.VisitorConversation(c, msgs))
		return nil
	}
}
