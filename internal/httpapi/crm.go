package httpapi

import (
	"net/http"
	"strconv"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/errs"
)

// The CRM API: persons, organisations, leads, deals, pipelines, activities, notes and custom
// fields, and a conversation's side of them (its draft, Created items and links).

// crmQuery reads a list's query: the filters named (each a non-negative id, except status and
// done), the ?q= prefix search, the cursor and the limit.
func crmQuery(r *http.Request, filters ...string) (crm.Query, error) {
	q := crm.Query{Q: r.URL.Query().Get("q")}
	ints := map[string]*int64{"owner_user_id": &q.OwnerUserID, "person_id": &q.PersonID, "organization_id": &q.OrganizationID,
		"lead_id": &q.LeadID, "deal_id": &q.DealID, "contact_id": &q.ContactID, "conversation_id": &q.ConversationID,
		"pipeline_id": &q.PipelineID, "stage_id": &q.StageID, "before_id": &q.BeforeID}
	for _, name := range append(filters, "before_id") {
		switch name {
		case "status":
			q.Status = r.URL.Query().Get("status")
		case "done":
			if v := r.URL.Query().Get("done"); v != "" {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return q, errs.Coded(errs.Invalid, "query_invalid", "done must be true or false")
				}
				q.Done = &b
			}
		default:
			v, err := queryInt(r, name)
			if err != nil {
				return q, err
			}
			*ints[name] = v
		}
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return q, err
	}
	q.Limit = int(limit)
	if len(q.Q) > 200 {
		return q, errs.Coded(errs.Invalid, "query_invalid", "q is at most 200 characters")
	}
	return q, nil
}

// writeList answers a page of records under name, with the cursor of the next page when full.
func writeList[T any](w http.ResponseWriter, name string, list []T, q crm.Query, idOf func(*T) int64) {
	out := map[string]any{name: list}
	if n := len(list); n > 0 && n == crm.PageSize(q.Limit) {
		out["next"] = map[string]int64{"before_id": idOf(&list[n-1])}
	}
	writeJSON(w, http.StatusOK, out)
}

// source is how a record made by this request came to be: with an API token, the API; otherwise
// the service decides (the conversation's channel, or made in the CRM).
func source(r *http.Request) crm.Source {
	if actorOf(r).session == nil {
		return crm.SourceAPI
	}
	return ""
}

// listHandler, getHandler, createHandler, patchHandler and deleteHandler make a record type's
// routes from the service's methods.

func listHandler[T any](name string, filters []string, fn func(*http.Request, *auth.User, crm.Query) ([]T, error), idOf func(*T) int64) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := crmQuery(r, filters...)
		if err != nil {
			return err
		}
		list, err := fn(r, actorOf(r).user, q)
		if err != nil {
			return err
		}
		writeList(w, name, list, q, idOf)
		return nil
	}
}

func getHandler[T any](name string, fn func(*http.Request, *auth.User, int64) (*T, crm.Allowed, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		x, allowed, err := fn(r, actorOf(r).user, id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]any{name: x, "allowed": allowed})
		return nil
	}
}

func createHandler[In, T any](name string, fn func(*http.Request, *auth.User, In) (*T, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in In
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		x, err := fn(r, actorOf(r).user, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, map[string]any{name: x})
		return nil
	}
}

func patchHandler[P, T any](name string, fn func(*http.Request, *auth.User, int64, P) (*T, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var p P
		if err := decodeJSON(r, &p); err != nil {
			return err
		}
		x, err := fn(r, actorOf(r).user, id, p)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]any{name: x})
		return nil
	}
}

func deleteHandler(fn func(*http.Request, *auth.User, int64) error) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := fn(r, actorOf(r).user, id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// crmRoutes is the CRM's part of the route table.
func (s *Server) crmRoutes() []Route {
	c := s.crm
	return []Route{
		{"GET", "/api/v1/persons", "user", listHandler("persons", []string{"organization_id", "owner_user_id", "contact_id", "conversation_id"},
			func(r *http.Request, u *auth.User, q crm.Query) ([]crm.Person, error) {
				return c.ListPersons(r.Context(), u, q)
			},
			func(x *crm.Person) int64 { return x.ID })},
		{"POST", "/api/v1/persons", "user", createHandler("person", func(r *http.Request, u *auth.User, in crm.PersonInput) (*crm.Person, error) {
			in.Source = source(r)
			return c.CreatePerson(r.Context(), u, in)
		})},
		{"GET", "/api/v1/persons/{id}", "user", getHandler("person", func(r *http.Request, u *auth.User, id int64) (*crm.Person, crm.Allowed, error) {
			return c.GetPerson(r.Context(), u, id)
		})},
		{"PATCH", "/api/v1/persons/{id}", "user", patchHandler("person", func(r *http.Request, u *auth.User, id int64, p crm.PersonPatch) (*crm.Person, error) {
			return c.UpdatePerson(r.Context(), u, id, p)
		})},
		{"DELETE", "/api/v1/persons/{id}", "user", deleteHandler(func(r *http.Request, u *auth.User, id int64) error { return c.DeletePerson(r.Context(), u, id) })},

		{"GET", "/api/v1/organizations", "user", listHandler("organizations", []string{"owner_user_id", "conversation_id"},
			func(r *http.Request, u *auth.User, q crm.Query) ([]crm.Organization, error) {
				return c.ListOrganizations(r.Context(), u, q)
			},
			func(x *crm.Organization) int64 { return x.ID })},
		{"POST", "/api/v1/organizations", "user", createHandler("organization", func(r *http.Request, u *auth.User, in crm.OrganizationInput) (*crm.Organization, error) {
			in.Source = source(r)
			return c.CreateOrganization(r.Context(), u, in)
		})},
		{"GET", "/api/v1/organizations/{id}", "user", getHandler("organization", func(r *http.Request, u *auth.User, id int64) (*crm.Organization, crm.Allowed, error) {
			return c.GetOrganization(r.Context(), u, id)
		})},
		{"PATCH", "/api/v1/organizations/{id}", "user", patchHandler("organization", func(r *http.Request, u *auth.User, id int64, p crm.OrganizationPatch) (*crm.Organization, error) {
			return c.UpdateOrganization(r.Context(), u, id, p)
		})},
		{"DELETE", "/api/v1/organizations/{id}", "user", deleteHandler(func(r *http.Request, u *auth.User, id int64) error { return c.DeleteOrganization(r.Context(), u, id) })},

		{"GET", "/api/v1/leads", "user", listHandler("leads", []string{"person_id", "organization_id", "owner_user_id", "contact_id", "conversation_id", "status"},
			func(r *http.Request, u *auth.User, q crm.Query) ([]crm.Lead, error) {
				return c.ListLeads(r.Context(), u, q)
			},
			func(x *crm.Lead) int64 { return x.ID })},
		{"POST", "/api/v1/leads", "user", createHandler("lead", func(r *http.Request, u *auth.User, in crm.LeadInput) (*crm.Lead, error) {
			in.Source = source(r)
			return c.CreateLead(r.Context(), u, in)
		})},
		{"GET", "/api/v1/leads/{id}", "user", getHandler("lead", func(r *http.Request, u *auth.User, id int64) (*crm.Lead, crm.Allowed, error) {
			return c.GetLead(r.Context(), u, id)
		})},
		{"PATCH", "/api/v1/leads/{id}", "user", patchHandler("lead", func(r *http.Request, u *auth.User, id int64, p crm.LeadPatch) (*crm.Lead, error) {
			return c.UpdateLead(r.Context(), u, id, p)
		})},
		{"DELETE", "/api/v1/leads/{id}", "user", deleteHandler(func(r *http.Request, u *auth.User, id int64) error { return c.DeleteLead(r.Context(), u, id) })},
		{"POST", "/api/v1/leads/{id}/convert", "user", s.convertLead},

		{"GET", "/api/v1/deals", "user", listHandler("deals", []string{"pipeline_id", "stage_id", "person_id", "organization_id", "owner_user_id", "contact_id",
			"conversation_id", "lead_id", "status"},
			func(r *http.Request, u *auth.User, q crm.Query) ([]crm.Deal, error) {
				return c.ListDeals(r.Context(), u, q)
			},
			func(x *crm.Deal) int64 { return x.ID })},
		{"POST", "/api/v1/deals", "user", createHandler("deal", func(r *http.Request, u *auth.User, in crm.DealInput) (*crm.Deal, error) {
			in.Source = source(r)
			return c.CreateDeal(r.Context(), u, in)
		})},
		{"GET", "/api/v1/deals/{id}", "user", getHandler("deal", func(r *http.Request, u *auth.User, id int64) (*crm.Deal, crm.Allowed, error) {
			return c.GetDeal(r.Context(), u, id)
		})},
		{"PATCH", "/api/v1/deals/{id}", "user", patchHandler("deal", func(r *http.Request, u *auth.User, id int64, p crm.DealPatch) (*crm.Deal, error) {
			return c.UpdateDeal(r.Context(), u, id, p)
		})},
		{"DELETE", "/api/v1/deals/{id}", "user", deleteHandler(func(r *http.Request, u *auth.User, id int64) error { return c.DeleteDeal(r.Context(), u, id) })},

		{"GET", "/api/v1/pipelines", "user", s.listPipelines},
		{"POST", "/api/v1/pipelines", "user", createHandler("pipeline", func(r *http.Request, u *auth.User, in crm.PipelineInput) (*crm.Pipeline, error) {
			return c.CreatePipeline(r.Context(), u, in)
		})},
		{"GET", "/api/v1/pipelines/{id}", "user", getHandler("pipeline", func(r *http.Request, u *auth.User, id int64) (*crm.Pipeline, crm.Allowed, error) {
			p, err := c.GetPipeline(r.Context(), u, id)
			return p, crm.Allowed{Edit: crm.CanConfigure(u) == nil, Delete: crm.CanConfigure(u) == nil && p != nil && !p.Default}, err
		})},
		{"PATCH", "/api/v1/pipelines/{id}", "user", patchHandler("pipeline", func(r *http.Request, u *auth.User, id int64, p crm.PipelineInput) (*crm.Pipeline, error) {
			return c.UpdatePipeline(r.Context(), u, id, p)
		})},
		{"DELETE", "/api/v1/pipelines/{id}", "user", deleteHandler(func(r *http.Request, u *auth.User, id int64) error { return c.DeletePipeline(r.Context(), u, id) })},

		{"GET", "/api/v1/activities", "user", listHandler("activities", []string{"person_id", "organization_id", "lead_id", "deal_id", "owner_user_id",
			"conversation_id", "done"},
			func(r *http.Request, u *auth.User, q crm.Query) ([]crm.Activity, error) {
				return c.ListActivities(r.Context(), u, q)
			},
			func(x *crm.Activity) int64 { return x.ID })},
		{"POST", "/api/v1/activities", "user", createHandler("activity", func(r *http.Request, u *auth.User, in crm.ActivityInput) (*crm.Activity, error) {
			in.Source = source(r)
			return c.CreateActivity(r.Context(), u, in)
		})},
		{"GET", "/api/v1/activities/{id}", "user", getHandler("activity", func(r *http.Request, u *auth.User, id int64) (*crm.Activity, crm.Allowed, error) {
			return c.GetActivity(r.Context(), u, id)
		})},
		{"PATCH", "/api/v1/activities/{id}", "user", patchHandler("activity", func(r *http.Request, u *auth.User, id int64, p crm.ActivityPatch) (*crm.Activity, error) {
			return c.UpdateActivity(r.Context(), u, id, p)
		})},
		{"DELETE", "/api/v1/activities/{id}", "user", deleteHandler(func(r *http.Request, u *auth.User, id int64) error { return c.DeleteActivity(r.Context(), u, id) })},

		{"GET", "/api/v1/notes", "user", s.listNotes},
		{"POST", "/api/v1/notes", "user", createHandler("note", func(r *http.Request, u *auth.User, in crm.NoteInput) (*crm.Note, error) {
			return c.CreateNote(r.Context(), u, in)
		})},
		{"GET", "/api/v1/notes/{id}", "user", getHandler("note", func(r *http.Request, u *auth.User, id int64) (*crm.Note, crm.Allowed, error) {
			return c.GetNoteAllowed(r.Context(), u, id)
		})},
		{"PATCH", "/api/v1/notes/{id}", "user", patchHandler("note", func(r *http.Request, u *auth.User, id int64, p crm.NotePatch) (*crm.Note, error) {
			return c.UpdateNote(r.Context(), u, id, p)
		})},
		{"DELETE", "/api/v1/notes/{id}", "user", deleteHandler(func(r *http.Request, u *auth.User, id int64) error { return c.DeleteNote(r.Context(), u, id) })},

		{"GET", "/api/v1/custom-fields", "user", s.listFields},
		{"POST", "/api/v1/custom-fields", "user", createHandler("field", func(r *http.Request, u *auth.User, in crm.FieldInput) (*crm.Field, error) {
			return c.CreateField(r.Context(), u, in)
		})},
		{"PATCH", "/api/v1/custom-fields/{id}", "user", patchHandler("field", func(r *http.Request, u *auth.User, id int64, p crm.FieldPatch) (*crm.Field, error) {
			return c.UpdateField(r.Context(), u, id, p)
		})},
		{"DELETE", "/api/v1/custom-fields/{id}", "user", deleteHandler(func(r *http.Request, u *auth.User, id int64) error { return c.DeleteField(r.Context(), u, id) })},

		{"GET", "/api/v1/persons/{id}/history", "user", s.history(crm.PersonType)},
		{"GET", "/api/v1/organizations/{id}/history", "user", s.history(crm.OrganizationType)},
		{"GET", "/api/v1/leads/{id}/history", "user", s.history(crm.LeadType)},
		{"GET", "/api/v1/deals/{id}/history", "user", s.history(crm.DealType)},
		{"GET", "/api/v1/activities/{id}/history", "user", s.history(crm.ActivityType)},

		{"GET", "/api/v1/conversations/{id}/items", "user", s.listConversationItems},
		{"GET", "/api/v1/conversations/{id}/draft", "user", s.getDraft},
		{"PATCH", "/api/v1/conversations/{id}/draft", "user", s.patchDraft},
		{"POST", "/api/v1/conversations/{id}/links", "user", s.linkConversation},
	}
}

func (s *Server) convertLead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in crm.ConvertInput
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
	}
	l, d, err := s.crm.ConvertLead(r.Context(), actorOf(r).user, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"lead": l, "deal": d})
	return nil
}

// history answers a page of a record's changes, newest first.
func (s *Server) history(t crm.RecordType) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		q, err := crmQuery(r)
		if err != nil {
			return err
		}
		list, err := s.crm.History(r.Context(), actorOf(r).user, t, id, q)
		if err != nil {
			return err
		}
		writeList(w, "changes", list, q, func(x *crm.Change) int64 { return x.ID })
		return nil
	}
}

func (s *Server) listPipelines(w http.ResponseWriter, r *http.Request) error {
	list, err := s.crm.ListPipelines(r.Context(), actorOf(r).user)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"pipelines": list})
	return nil
}

func (s *Server) listNotes(w http.ResponseWriter, r *http.Request) error {
	q, err := crmQuery(r)
	if err != nil {
		return err
	}
	id, err := queryInt(r, "record_id")
	if err != nil {
		return err
	}
	list, err := s.crm.ListNotes(r.Context(), actorOf(r).user, crm.RecordType(r.URL.Query().Get("record_type")), id, q)
	if err != nil {
		return err
	}
	writeList(w, "notes", list, q, func(x *crm.Note) int64 { return x.ID })
	return nil
}

func (s *Server) listFields(w http.ResponseWriter, r *http.Request) error {
	list, err := s.crm.ListFields(r.Context(), actorOf(r).user, crm.RecordType(r.URL.Query().Get("record_type")))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"fields": list})
	return nil
}

func (s *Server) listConversationItems(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	items, err := s.crm.ItemsOf(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (s *Server) getDraft(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, pre, err := s.crm.GetDraft(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"draft": d, "prefill": pre})
	return nil
}

func (s *Server) patchDraft(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var p crm.DraftPatch
	if err := decodeJSON(r, &p); err != nil {
		return err
	}
	d, pre, err := s.crm.SaveDraft(r.Context(), actorOf(r).user, id, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"draft": d, "prefill": pre})
	return nil
}

func (s *Server) linkConversation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in crm.LinkInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	l, err := s.crm.LinkConversation(r.Context(), actorOf(r).user, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"link": l})
	return nil
}
