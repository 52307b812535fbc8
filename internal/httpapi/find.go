package httpapi

import (
	"net/http"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/search"
)

// Finding things: full-text search, conversation tags and saved views (docs/inbox.md, "Search").

func (s *Server) findRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/search", "user", s.getSearch},
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
