package httpapi

import (
	"net/http"

	"github.com/parleyhq/parley/internal/crm"
)

// The CRM API: leads, and a conversation's Created items.

func (s *Server) listLeads(w http.ResponseWriter, r *http.Request) error {
	var vals [4]int64
	for i, name := range []string{"contact_id", "conversation_id", "before_id", "limit"} {
		v, err := queryInt(r, name)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	list, err := s.leads.ListLeads(r.Context(), actorOf(r).user, crm.LeadQuery{ContactID: vals[0], ConversationID: vals[1], BeforeID: vals[2], Limit: int(vals[3])})
	if err != nil {
		return err
	}
	out := map[string]any{"leads": list}
	if n := len(list); n > 0 && n == crm.PageSize(int(vals[3])) {
		out["next"] = map[string]int64{"before_id": list[n-1].ID}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) createLead(w http.ResponseWriter, r *http.Request) error {
	var in crm.LeadInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	a := actorOf(r)
	in.Source = crm.SourceAgent
	if a.session == nil {
		in.Source = crm.SourceAPI
	}
	l, err := s.leads.CreateLead(r.Context(), a.user, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"lead": l})
	return nil
}

func (s *Server) getLead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	l, allowed, err := s.leads.GetLead(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"lead": l, "allowed": allowed})
	return nil
}

func (s *Server) patchLead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in crm.LeadPatch
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	l, err := s.leads.UpdateLead(r.Context(), actorOf(r).user, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"lead": l})
	return nil
}

func (s *Server) deleteLead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.leads.DeleteLead(r.Context(), actorOf(r).user, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listConversationItems(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	items, err := s.leads.ItemsOf(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}
