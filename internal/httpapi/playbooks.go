package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/playbook"
)

// The playbook editor's API: playbooks, their versions, templates, validation, import and export.
// Admins change playbooks; every signed-in user reads them.

// playbookBody is what PUT and POST take: a playbook.Input. The read-only fields a GET returns are
// accepted and ignored, so a client may send back what it read; its "version" then guards the
// save like base_version.
type playbookBody struct {
	playbook.Input
	ID          json.RawMessage `json:"id,omitempty"`
	Version     int             `json:"version,omitempty"`
	LoadedAt    json.RawMessage `json:"loaded_at,omitempty"`
	OfflineOnly json.RawMessage `json:"offline_only,omitempty"`
	CreatedBy   json.RawMessage `json:"created_by,omitempty"`
	CreatedAt   json.RawMessage `json:"created_at,omitempty"`
	UpdatedAt   json.RawMessage `json:"updated_at,omitempty"`
}

func decodePlaybook(r *http.Request) (playbook.Input, error) {
	var b playbookBody
	if err := decodeJSON(r, &b); err != nil {
		return playbook.Input{}, err
	}
	if b.BaseVersion == 0 {
		b.BaseVersion = b.Version
	}
	return b.Input, nil
}

func (s *Server) listPlaybooks(w http.ResponseWriter, r *http.Request) error {
	var websiteID int64
	if v := r.URL.Query().Get("website_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return errs.Coded(errs.Invalid, "website_id_invalid", "website_id must be a website's id")
		}
		websiteID = id
	}
	list, err := s.playbooks.List(r.Context(), actorOf(r).user, websiteID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"playbooks": list})
	return nil
}

func (s *Server) createPlaybook(w http.ResponseWriter, r *http.Request) error {
	in, err := decodePlaybook(r)
	if err != nil {
		return err
	}
	p, err := s.playbooks.Create(r.Context(), actorOf(r).user, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"playbook": p})
	return nil
}

func (s *Server) getPlaybook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.playbooks.Get(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"playbook": p})
	return nil
}

func (s *Server) putPlaybook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := decodePlaybook(r)
	if err != nil {
		return err
	}
	p, err := s.playbooks.Update(r.Context(), actorOf(r).user, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"playbook": p})
	return nil
}

func (s *Server) deletePlaybook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.playbooks.Delete(r.Context(), actorOf(r).user, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// validatePlaybook checks a playbook as saving would, and answers 200 either way: valid, or the
// problems to show next to the cards.
func (s *Server) validatePlaybook(w http.ResponseWriter, r *http.Request) error {
	in, err := decodePlaybook(r)
	if err != nil {
		return err
	}
	ps, err := s.playbooks.Validate(r.Context(), actorOf(r).user, in)
	if err != nil {
		return err
	}
	if ps == nil {
		ps = playbook.Problems{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"valid": len(ps) == 0, "problems": ps})
	return nil
}

func (s *Server) listPlaybookTemplates(w http.ResponseWriter, r *http.Request) error {
	lang := r.URL.Query().Get("language")
	if lang == "" {
		lang = "en"
	}
	list, err := s.playbooks.Templates(r.Context(), actorOf(r).user, lang)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"templates": list})
	return nil
}

func (s *Server) listPlaybookVersions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.playbooks.Versions(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": list})
	return nil
}

func (s *Server) getPlaybookVersion(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, err := pathID(r, "version")
	if err != nil || version > 1<<31 {
		return errs.E(errs.NotFound, "playbook version not found")
	}
	v, err := s.playbooks.Version(r.Context(), actorOf(r).user, id, int(version))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": v})
	return nil
}

// exportPlaybook answers with the playbook file itself, ready to save and import elsewhere.
func (s *Server) exportPlaybook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	doc, err := s.playbooks.Export(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="playbook-%d.json"`, id))
	writeJSON(w, http.StatusOK, doc)
	return nil
}

func (s *Server) importPlaybook(w http.ResponseWriter, r *http.Request) error {
	var in playbook.ImportInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.playbooks.Import(r.Context(), actorOf(r).user, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"playbook": p})
	return nil
}

func (s *Server) setPlaybookActive(active bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		p, err := s.playbooks.SetActive(r.Context(), actorOf(r).user, id, active)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]any{"playbook": p})
		return nil
	}
}
