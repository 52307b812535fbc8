package httpapi

import (
	"net/http"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/search"
)

// Finding things: full-text search, conversation tags and saved views (docs/inbox.md, "Search",
// "Filters and views", "Tags").

func (s *Server) findRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/search", User, s.getSearch},

		{"GET", "/api/v1/tags", User, s.listTags},
		{"PATCH", "/api/v1/tags/{id}", User, s.patchTag},
		{"POST", "/api/v1/tags/{id}/merge", User, s.mergeTag},
		{"DELETE", "/api/v1/tags/{id}", User, s.deleteTag},
		{"POST", "/api/v1/conversations/{id}/tags", User, s.addConversationTag},
		{"DELETE", "/api/v1/conversations/{id}/tags/{tag_id}", User, s.removeConversationTag},

		{"GET", "/api/v1/views", User, s.listViews},
		{"POST", "/api/v1/views", User, s.createView},
		{"PATCH", "/api/v1/views/{id}", User, s.patchView},
		{"DELETE", "/api/v1/views/{id}", User, s.deleteView},
	}
}

// getSearch answers GET /api/v1/search?q=…[&type=message,contact,…][&limit=n].
func (s *Server) getSearch(w http.ResponseWriter, r *http.Request) error {
	if s.search == nil {
		return errs.E(errs.NotFound, "search is not available")
	}
	q := r.URL.Query()
	kinds, err := search.ParseKinds(q.Get("type"))
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	res, err := s.search.Search(r.Context(), actorOf(r).user, search.Query{Q: q.Get("q"), Types: kinds, Limit: int(limit)})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) listTags(w http.ResponseWriter, r *http.Request) error {
	tags, err := s.organizer.Tags(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tags": tags})
	return nil
}

func (s *Server) patchTag(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var p search.TagPatch
	if err := decodeJSON(r, &p); err != nil {
		return err
	}
	t, err := s.organizer.UpdateTag(r.Context(), actorOf(r).user, id, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tag": t})
	return nil
}

func (s *Server) mergeTag(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Into int64 `json:"into"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	t, err := s.organizer.MergeTag(r.Context(), actorOf(r).user, id, in.Into)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tag": t})
	return nil
}

func (s *Server) deleteTag(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.organizer.DeleteTag(r.Context(), actorOf(r).user, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) addConversationTag(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	tags, err := s.organizer.AddTag(r.Context(), actorOf(r).user, id, in.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tags": tags})
	return nil
}

func (s *Server) removeConversationTag(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	tagID, err := pathID(r, "tag_id")
	if err != nil {
		return err
	}
	tags, err := s.organizer.RemoveTag(r.Context(), actorOf(r).user, id, tagID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tags": tags})
	return nil
}

func (s *Server) listViews(w http.ResponseWriter, r *http.Request) error {
	views, err := s.organizer.Views(r.Context(), actorOf(r).user, r.URL.Query().Get("counts") == "true")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"views": views})
	return nil
}

func (s *Server) createView(w http.ResponseWriter, r *http.Request) error {
	var in search.ViewInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	v, err := s.organizer.CreateView(r.Context(), actorOf(r).user, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"view": v})
	return nil
}

func (s *Server) patchView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in search.ViewInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	v, err := s.organizer.UpdateView(r.Context(), actorOf(r).user, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"view": v})
	return nil
}

func (s *Server) deleteView(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.organizer.DeleteView(r.Context(), actorOf(r).user, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
