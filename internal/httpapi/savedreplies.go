package httpapi

import (
	"net/http"

	"github.com/parleyhq/parley/internal/blob"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/savedreply"
)

// Saved replies: the composer's "/" list. Agents keep personal ones, admins the shared ones; the
// attachment is uploaded like a message's (the body is the file, ?name= its name).

func (s *Server) savedReplyRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/saved-replies", User, s.listSavedReplies},
		{"POST", "/api/v1/saved-replies", User, s.createSavedReply},
		{"GET", "/api/v1/saved-replies/{id}", User, s.getSavedReply},
		{"PATCH", "/api/v1/saved-replies/{id}", User, s.patchSavedReply},
		{"DELETE", "/api/v1/saved-replies/{id}", User, s.deleteSavedReply},
		{"PUT", "/api/v1/saved-replies/{id}/attachment", User, s.putSavedReplyAttachment},
		{"GET", "/api/v1/saved-replies/{id}/attachment", User, s.getSavedReplyAttachment},
		{"DELETE", "/api/v1/saved-replies/{id}/attachment", User, s.deleteSavedReplyAttachment},
		{"GET", "/api/v1/saved-replies/{id}/fill", User, s.fillSavedReply},
	}
}

func (s *Server) listSavedReplies(w http.ResponseWriter, r *http.Request) error {
	list, err := s.replies.List(r.Context(), actorOf(r).user, r.URL.Query().Get("q"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"saved_replies": list})
	return nil
}

func (s *Server) createSavedReply(w http.ResponseWriter, r *http.Request) error {
	var in savedreply.Input
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	sr, err := s.replies.Create(r.Context(), actorOf(r).user, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"saved_reply": sr})
	return nil
}

func (s *Server) getSavedReply(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sr, err := s.replies.Get(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"saved_reply": sr})
	return nil
}

func (s *Server) patchSavedReply(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in savedreply.Input
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	sr, err := s.replies.Update(r.Context(), actorOf(r).user, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"saved_reply": sr})
	return nil
}

func (s *Server) deleteSavedReply(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.replies.Delete(r.Context(), actorOf(r).user, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) putSavedReplyAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u := actorOf(r).user
	// Refuse before storing the file when the reply is not the user's to change.
	if _, err := s.replies.Get(r.Context(), u, id); err != nil {
		return err
	}
	b, err := s.blobs.Upload(r.Context(), blob.UserUploader(u.ID), 0, r.URL.Query().Get("name"), r.Body)
	if err != nil {
		return err
	}
	sr, err := s.replies.SetAttachment(r.Context(), u, id, b.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"saved_reply": sr})
	return nil
}

func (s *Server) getSavedReplyAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sr, err := s.replies.Get(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	if sr.Attachment == nil {
		return errs.Coded(errs.NotFound, "no_attachment", "this saved reply has no attachment")
	}
	return s.serveBlob(w, r, sr.Attachment.ID)
}

func (s *Server) deleteSavedReplyAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sr, err := s.replies.SetAttachment(r.Context(), actorOf(r).user, id, 0)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"saved_reply": sr})
	return nil
}

func (s *Server) fillSavedReply(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	conv, err := queryInt(r, "conversation_id")
	if err != nil {
		return err
	}
	if conv == 0 {
		return errs.Coded(errs.Invalid, "conversation_required", "name the conversation: ?conversation_id=")
	}
	f, err := s.replies.Fill(r.Context(), actorOf(r).user, id, conv)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}
