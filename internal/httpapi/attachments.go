package httpapi

import (
	"net/http"

	"github.com/parleyhq/parley/internal/blob"
	"github.com/parleyhq/parley/internal/errs"
)

// Attachments: upload first (the body is the file, ?name= its name), then send a message with the
// returned attachment_id. Reading one needs the same right as reading its conversation; before it
// is sent, only its uploader may read it.

func (s *Server) uploadAgent(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u := actorOf(r).user
	if _, _, err := s.convs.Get(r.Context(), u, id); err != nil {
		return err
	}
	b, err := s.blobs.Upload(r.Context(), blob.UserUploader(u.ID), 0, r.URL.Query().Get("name"), r.Body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"attachment": b})
	return nil
}

func (s *Server) downloadAgent(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u := actorOf(r).user
	b, err := s.blobs.Get(r.Context(), id)
	if err != nil {
		return err
	}
	if b.ConversationID != 0 {
		if _, _, err := s.convs.Get(r.Context(), u, b.ConversationID); err != nil {
			return errs.E(errs.NotFound, "attachment not found")
		}
	} else if b.Uploader != blob.UserUploader(u.ID) {
		return errs.E(errs.NotFound, "attachment not found")
	}
	return s.serveBlob(w, r, id)
}

func (s *Server) serveBlob(w http.ResponseWriter, r *http.Request, id int64) error {
	b, data, err := s.blobs.Open(r.Context(), id)
	if err != nil {
		return err
	}
	blob.WriteResponse(w, r, b, data)
	return nil
}

func (s *Server) uploadVisitor(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.visitor(r)
	if err != nil {
		return err
	}
	b, err := s.blobs.Upload(r.Context(), blob.VisitorUploader(sess.Visitor.ID), 0, r.URL.Query().Get("name"), r.Body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"attachment": b})
	return nil
}

func (s *Server) downloadVisitor(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.visitor(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := s.blobs.Get(r.Context(), id)
	if err != nil {
		return err
	}
	if b.ConversationID != 0 {
		if err := s.convs.ContactSees(r.Context(), sess.From(), b.ConversationID); err != nil {
			return errs.E(errs.NotFound, "attachment not found")
		}
	} else if b.Uploader != blob.VisitorUploader(sess.Visitor.ID) {
		return errs.E(errs.NotFound, "attachment not found")
	}
	return s.serveBlob(w, r, id)
}
