package httpapi

import (
	"encoding/csv"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

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

// recordQuery reads a record list's query: crmQuery's filters, and the sort, the cursor, the
// label, the dates and the custom values (field.KEY, field.KEY.min, field.KEY.max) every list
// takes; dates only where they apply (close_from and close_to for leads and deals; due, due_from
// and due_to for activities).
func recordQuery(r *http.Request, t crm.RecordType, filters ...string) (crm.Query, error) {
	q, err := crmQuery(r, filters...)
	if err != nil {
		return q, err
	}
	v := r.URL.Query()
	q.Sort = crm.ParseSort(v.Get("sort"))
	q.Cursor, q.Label = v.Get("cursor"), v.Get("label")
	for name, dst := range map[string]*int64{"created_from": &q.CreatedFrom, "created_to": &q.CreatedTo, "updated_from": &q.UpdatedFrom,
		"updated_to": &q.UpdatedTo} {
		if *dst, err = queryInt(r, name); err != nil {
			return q, err
		}
	}
	switch t {
	case crm.LeadType, crm.DealType:
		q.CloseFrom, q.CloseTo = v.Get("close_from"), v.Get("close_to")
	case crm.ActivityType:
		q.DueFrom, q.DueTo, q.Due = v.Get("due_from"), v.Get("due_to"), v.Get("due")
	}
	byKey := map[string]*crm.FieldFilter{}
	for name, vals := range v {
		rest, ok := strings.CutPrefix(name, "field.")
		if !ok || len(vals) == 0 {
			continue
		}
		key, part, _ := strings.Cut(rest, ".")
		ff := byKey[key]
		if ff == nil {
			ff = &crm.FieldFilter{Key: key}
			byKey[key] = ff
		}
		switch part {
		case "":
			ff.Eq = vals[0]
		case "min":
			ff.Min = vals[0]
		case "max":
			ff.Max = vals[0]
		default:
			return q, errs.Coded(errs.Invalid, "query_invalid", "%s: a custom value filter is field.KEY, field.KEY.min or field.KEY.max", name)
		}
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		q.Fields = append(q.Fields, *byKey[k])
	}
	if len(q.Label) > 200 || len(q.Cursor) > 1000 {
		return q, errs.Coded(errs.Invalid, "query_invalid", "label or cursor is too long")
	}
	return q, nil
}

// wantsCSV reports whether a list is asked for as CSV: ?format=csv, or an Accept header that
// prefers text/csv to JSON.
func wantsCSV(r *http.Request) bool {
	if f := r.URL.Query().Get("format"); f != "" {
		return f == "csv"
	}
	a := r.Header.Get("Accept")
	i := strings.Index(a, "text/csv")
	j := strings.Index(a, "application/json")
	return i >= 0 && (j < 0 || i < j)
}

// maxExport is how many records one CSV export holds.
const maxExport = 100000

// source is how a record made by this request came to be: with an API token, the API; otherwise
// the service decides (the conversation's channel, or made in the CRM).
func source(r *http.Request) crm.Source {
	if actorOf(r).session == nil {
		return crm.SourceAPI
	}
	return ""
}

// listHandler, getHandler, createHandler, patchHandler and deleteHandler make a record type's
// routes from the service's methods. A list answers a page of JSON, with next.cursor (and
// next.before_id when newest first) while there may be more; or, asked for CSV, every record the
// filters keep.

func listHandler[T any](s *Server, t crm.RecordType, name string, filters []string, fn func(*http.Request, *auth.User, crm.Query) ([]T, error),
	place func(*T) (int64, string)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := recordQuery(r, t, filters...)
		if err != nil {
			return err
		}
		u := actorOf(r).user
		if wantsCSV(r) {
			return exportCSV(s, w, r, t, name, q, fn, place)
		}
		list, err := fn(r, u, q)
		if err != nil {
			return err
		}
		out := map[string]any{name: list}
		if n := len(list); n > 0 && n == crm.PageSize(q.Limit) {
			id, cursor := place(&list[n-1])
			next := map[string]any{"cursor": cursor}
			if q.Sort.Key == "" {
				next["before_id"] = id
			}
			out["next"] = next
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

// exportCSV writes every record a list's filters keep, page after page, as CSV (UTF-8 with a
// byte-order mark, so spreadsheets read its accents).
func exportCSV[T any](s *Server, w http.ResponseWriter, r *http.Request, t crm.RecordType, name string, q crm.Query,
	fn func(*http.Request, *auth.User, crm.Query) ([]T, error), place func(*T) (int64, string)) error {
	u := actorOf(r).user
	fields, err := s.crm.ListFields(r.Context(), u, t)
	if err != nil {
		return err
	}
	q.Limit = 200
	list, err := fn(r, u, q)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+"-"+time.Now().UTC().Format("2006-01-02")+`.csv"`)
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "\uFEFF")
	cw := csv.NewWriter(w)
	_ = cw.Write(crm.CSVHeader(t, fields))
	for n := 0; ; {
		for i := range list {
			if err := cw.Write(crm.CSVRow(&list[i], fields)); err != nil {
				return nil // the client went away
			}
		}
		n += len(list)
		if len(list) < q.Limit || n >= maxExport {
			break
		}
		_, q.Cursor = place(&list[len(list)-1])
		q.BeforeID = 0
		if list, err = fn(r, u, q); err != nil {
			// The status is sent: the file ends here, and the log says why.
			s.log.ErrorContext(r.Context(), "csv export cut short", "type", t, "err", err)
			break
		}
	}
	cw.Flush()
	return nil
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
		{"GET", "/api/v1/persons", User, listHandler(s, crm.PersonType, "persons", []string{"organization_id", "owner_user_id", "contact_id", "conversation_id"},
			func(r *http.Request, u *auth.User, q crm.Query) ([]crm.Person, error) {
				return c.ListPersons(r.Context(), u, q)
			},
			func(x *crm.Person) (int64, string) { return x.ID, x.Cursor })},
		{"POST", "/api/v1/persons/bulk", User, s.bulk(crm.PersonType)},
		{"POST", "/api/v1/persons/import", User, s.importCSV(crm.PersonType)},
		{"POST", "/api/v1/persons/{id}/merge", User, s.merge(crm.PersonType)},
		{"POST", "/api/v1/persons", User, createHandler("person", func(r *http.Request, u *auth.User, in crm.PersonInput) (*crm.Person, error) {
			in.Source = source(r)
			return c.CreatePerson(r.Context(), u, in)
		})},
		{"GET", "/api/v1/persons/{id}", User, getHandler("person", func(r *http.Request, u *auth.User, id int64) (*crm.Person, crm.Allowed, error) {
			return c.GetPerson(r.Context(), u, id)
		})},
		{"PATCH", "/api/v1/persons/{id}", User, patchHandler("person", func(r *http.Request, u *auth.User, id int64, p crm.PersonPatch) (*crm.Person, error) {
			return c.UpdatePerson(r.Context(), u, id, p)
		})},
		{"DELETE", "/api/v1/persons/{id}", User, deleteHandler(func(r *http.Request, u *auth.User, id int64) error { return c.DeletePerson(r.Context(), u, id) })},

		{"GET", "/api/v1/organizations", User, listHandler(s, crm.OrganizationType, "organizations", []string{"owner_user_id", "conversation_id"},
			func(r *http.Request, u *auth.User, q crm.Query) ([]crm.Organization, error) {
				return c.ListOrganizations(r.Context(), u, q)
			},
			func(x *crm.Organization) (int64, string) { return x.ID, x.Cursor })},
		{"POST", "/api/v1/organizations/bulk", User, s.bulk(crm.OrganizationType)},
		{"POST", "/api/v1/organizations/import", User, s.importCSV(crm.OrganizationType)},
		{"POST", "/api/v1/organizations/{id}/merge", User, s.merge(crm.OrganizationType)},
		{"POST", "/api/v1/organizations", User, createHandler("organization", func(r *http.Request, u *auth.User, in crm.OrganizationInput) (*crm.Organization, error) {
			in.Source = source(r)
			return c.CreateOrganization(r.Context(), u, in)
		})},
		{"GET", "/api/v1/organizations/{id}", User, getHandler("organization", func(r *http.Request, u *auth.User, id int64) (*crm.Organization, crm.Allowed, error) {
			return c.GetOrganization(r.Context(), u, id)
		})},
		{"PATCH", "/api/v1/organizations/{id}", User, patchHandler("organization", func(r *http.Request, u *auth.User, id int64, p crm.OrganizationPatch) (*crm.Organization, error) {
			return c.UpdateOrganization(r.Context(), u, id, p)
		})},
		{"DELETE", "/api/v1/organizations/{id}", User, deleteHandler(func(r *http.Request, u *auth.User, id int64) error { return c.DeleteOrganization(r.Context(), u, id) })},

		{"GET", "/api/v1/leads", User, listHandler(s, crm.LeadType, "leads", []string{"person_id", "organization_id", "owner_user_id", "contact_id", "conversation_id", "status"},
			func(r *http.Request, u *auth.User, q crm.Query) ([]crm.Lead, error) {
				return c.ListLeads(r.Context(), u, q)
			},
			func(x *crm.Lead) (int64, string) { return x.ID, x.Cursor })},
		{"POST", "/api/v1/leads/bulk", User, s.bulk(crm.LeadType)},
		{"POST", "/api/v1/leads", User, createHandler("lead", func(r *http.Request, u *auth.User, in crm.LeadInput) (*crm.Lead, error) {
			in.Source = source(r)
			return c.CreateLead(r.Context(), u, in)
		})},
		{"GET", "/api/v1/leads/{id}", User, getHandler("lead", func(r *http.Request, u *auth.User, id int64) (*crm.Lead, crm.Allowed, error) {
			return c.GetLead(r.Context(), u, id)
		})},
		{"PATCH", "/api/v1/leads/{id}", User, patchHandler("lead", func(r *http.Request, u *auth.User, id int64, p crm.LeadPatch) (*crm.Lead, error) {
			return c.UpdateLead(r.Context(), u, id, p)
		})},
		{"DELETE", "/api/v1/leads/{id}", User, deleteHandler(func(r *http.Request, u *auth.User, id int64) error { return c.DeleteLead(r.Context(), u, id) })},
		{"POST", "/api/v1/leads/{id}/convert", User, s.convertLead},

		{"GET", "/api/v1/deals", User, listHandler(s, crm.DealType, "deals", []string{"pipeline_id", "stage_id", "person_id", "organization_id", "owner_user_id", "contact_id",
			"conversation_id", "lead_id", "status"},
			func(r *http.Request, u *auth.User, q crm.Query) ([]crm.Deal, error) {
				return c.ListDeals(r.Context(), u, q)
			},
			func(x *crm.Deal) (int64, string) { return x.ID, x.Cursor })},
		{"POST", "/api/v1/deals/bulk", User, s.bulk(crm.DealType)},
		{"GET", "/api/v1/deals/summary", User, s.dealSummary},
		{"POST", "/api/v1/deals", User, createHandler("deal", func(r *http.Request, u *auth.User, in crm.DealInput) (*crm.Deal, error) {
			in.Source = source(r)
			return c.CreateDeal(r.Context(), u, in)
		})},
		{"GET", "/api/v1/deals/{id}", User, getHandler("deal", func(r *http.Request, u *auth.User, id int64) (*crm.Deal, crm.Allowed, error) {
			return c.GetDeal(r.Context(), u, id)
		})},
		{"PATCH", "/api/v1/deals/{id}", User, patchHandler("deal", func(r *http.Request, u *auth.User, id int64, p crm.DealPatch) (*crm.Deal, error) {
			return c.UpdateDeal(r.Context(), u, id, p)
		})},
		{"DELETE", "/api/v1/deals/{id}", User, deleteHandler(func(r *http.Request, u *auth.User, id int64) error { return c.DeleteDeal(r.Context(), u, id) })},

		{"GET", "/api/v1/pipelines", User, s.listPipelines},
		{"POST", "/api/v1/pipelines", User, createHandler("pipeline", func(r *http.Request, u *auth.User, in crm.PipelineInput) (*crm.Pipeline, error) {
			return c.CreatePipeline(r.Context(), u, in)
		})},
		{"GET", "/api/v1/pipelines/{id}", User, getHandler("pipeline", func(r *http.Request, u *auth.User, id int64) (*crm.Pipeline, crm.Allowed, error) {
			p, err := c.GetPipeline(r.Context(), u, id)
			return p, crm.Allowed{Edit: crm.CanConfigure(u) == nil, Delete: crm.CanConfigure(u) == nil && p != nil && !p.Default}, err
		})},
		{"PATCH", "/api/v1/pipelines/{id}", User, patchHandler("pipeline", func(r *http.Request, u *auth.User, id int64, p crm.PipelineInput) (*crm.Pipeline, error) {
			return c.UpdatePipeline(r.Context(), u, id, p)
		})},
		{"DELETE", "/api/v1/pipelines/{id}", User, deleteHandler(func(r *http.Request, u *auth.User, id int64) error { return c.DeletePipeline(r.Context(), u, id) })},

		{"GET", "/api/v1/activities", User, listHandler(s, crm.ActivityType, "activities", []string{"person_id", "organization_id", "lead_id", "deal_id", "owner_user_id",
			"conversation_id", "done"},
			func(r *http.Request, u *auth.User, q crm.Query) ([]crm.Activity, error) {
				return c.ListActivities(r.Context(), u, q)
			},
			func(x *crm.Activity) (int64, string) { return x.ID, x.Cursor })},
		{"POST", "/api/v1/activities/bulk", User, s.bulk(crm.ActivityType)},
		{"POST", "/api/v1/activities", User, createHandler("activity", func(r *http.Request, u *auth.User, in crm.ActivityInput) (*crm.Activity, error) {
			in.Source = source(r)
			return c.CreateActivity(r.Context(), u, in)
		})},
		{"GET", "/api/v1/activities/{id}", User, getHandler("activity", func(r *http.Request, u *auth.User, id int64) (*crm.Activity, crm.Allowed, error) {
			return c.GetActivity(r.Context(), u, id)
		})},
		{"PATCH", "/api/v1/activities/{id}", User, patchHandler("activity", func(r *http.Request, u *auth.User, id int64, p crm.ActivityPatch) (*crm.Activity, error) {
			return c.UpdateActivity(r.Context(), u, id, p)
		})},
		{"DELETE", "/api/v1/activities/{id}", User, deleteHandler(func(r *http.Request, u *auth.User, id int64) error { return c.DeleteActivity(r.Context(), u, id) })},

		{"GET", "/api/v1/notes", User, s.listNotes},
		{"POST", "/api/v1/notes", User, createHandler("note", func(r *http.Request, u *auth.User, in crm.NoteInput) (*crm.Note, error) {
			return c.CreateNote(r.Context(), u, in)
		})},
		{"GET", "/api/v1/notes/{id}", User, getHandler("note", func(r *http.Request, u *auth.User, id int64) (*crm.Note, crm.Allowed, error) {
			return c.GetNoteAllowed(r.Context(), u, id)
		})},
		{"PATCH", "/api/v1/notes/{id}", User, patchHandler("note", func(r *http.Request, u *auth.User, id int64, p crm.NotePatch) (*crm.Note, error) {
			return c.UpdateNote(r.Context(), u, id, p)
		})},
		{"DELETE", "/api/v1/notes/{id}", User, deleteHandler(func(r *http.Request, u *auth.User, id int64) error { return c.DeleteNote(r.Context(), u, id) })},

		{"GET", "/api/v1/custom-fields", User, s.listFields},
		{"POST", "/api/v1/custom-fields", User, createHandler("field", func(r *http.Request, u *auth.User, in crm.FieldInput) (*crm.Field, error) {
			return c.CreateField(r.Context(), u, in)
		})},
		{"PATCH", "/api/v1/custom-fields/{id}", User, patchHandler("field", func(r *http.Request, u *auth.User, id int64, p crm.FieldPatch) (*crm.Field, error) {
			return c.UpdateField(r.Context(), u, id, p)
		})},
		{"DELETE", "/api/v1/custom-fields/{id}", User, deleteHandler(func(r *http.Request, u *auth.User, id int64) error { return c.DeleteField(r.Context(), u, id) })},

		{"GET", "/api/v1/persons/{id}/conversations", User, s.recordConversations(crm.PersonType)},
		{"GET", "/api/v1/organizations/{id}/conversations", User, s.recordConversations(crm.OrganizationType)},
		{"GET", "/api/v1/leads/{id}/conversations", User, s.recordConversations(crm.LeadType)},
		{"GET", "/api/v1/deals/{id}/conversations", User, s.recordConversations(crm.DealType)},
		{"GET", "/api/v1/persons/{id}/history", User, s.history(crm.PersonType)},
		{"GET", "/api/v1/organizations/{id}/history", User, s.history(crm.OrganizationType)},
		{"GET", "/api/v1/leads/{id}/history", User, s.history(crm.LeadType)},
		{"GET", "/api/v1/deals/{id}/history", User, s.history(crm.DealType)},
		{"GET", "/api/v1/activities/{id}/history", User, s.history(crm.ActivityType)},

		{"GET", "/api/v1/list-settings/{type}", User, s.getListSettings},
		{"PUT", "/api/v1/list-settings/{type}", User, s.putListSettings},

		{"GET", "/api/v1/conversations/{id}/items", User, s.listConversationItems},
		{"GET", "/api/v1/conversations/{id}/draft", User, s.getDraft},
		{"PATCH", "/api/v1/conversations/{id}/draft", User, s.patchDraft},
		{"POST", "/api/v1/conversations/{id}/links", User, s.linkConversation},
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

// recordConversations answers a record's conversations with their latest messages.
func (s *Server) recordConversations(t crm.RecordType) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		list, err := s.crm.RecordConversations(r.Context(), actorOf(r).user, t, id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]any{"conversations": list})
		return nil
	}
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

// dealSummary answers the deals board's column heads: per stage, how many deals the filters keep
// and their totals.
func (s *Server) dealSummary(w http.ResponseWriter, r *http.Request) error {
	q, err := recordQuery(r, crm.DealType, "pipeline_id", "stage_id", "person_id", "organization_id", "owner_user_id", "contact_id",
		"conversation_id", "lead_id", "status")
	if err != nil {
		return err
	}
	list, err := s.crm.DealSummary(r.Context(), actorOf(r).user, q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"stages": list})
	return nil
}

// bulk applies a bulk action to records of type t.
func (s *Server) bulk(t crm.RecordType) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in crm.BulkInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		res, err := s.crm.Bulk(r.Context(), actorOf(r).user, t, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, res)
		return nil
	}
}

// importCSV imports persons or organisations from a CSV file (or, on a dry run, checks it).
func (s *Server) importCSV(t crm.RecordType) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in crm.ImportInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		in.Source = source(r)
		u := actorOf(r).user
		var res *crm.ImportResult
		var err error
		if t == crm.PersonType {
			res, err = s.crm.ImportPersons(r.Context(), u, in)
		} else {
			res, err = s.crm.ImportOrganizations(r.Context(), u, in)
		}
		if err != nil {
			return err
		}
		status := http.StatusOK
		if res.Created > 0 {
			status = http.StatusCreated
		}
		writeJSON(w, status, res)
		return nil
	}
}

// merge merges another person or organisation into the one of the path.
func (s *Server) merge(t crm.RecordType) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var in crm.MergeInput
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		u := actorOf(r).user
		var res *crm.MergeResult
		if t == crm.PersonType {
			res, err = s.crm.MergePersons(r.Context(), u, id, in)
		} else {
			res, err = s.crm.MergeOrganizations(r.Context(), u, id, in)
		}
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, res)
		return nil
	}
}

func (s *Server) getListSettings(w http.ResponseWriter, r *http.Request) error {
	ls, err := s.crm.GetListSettings(r.Context(), actorOf(r).user, crm.RecordType(r.PathValue("type")))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"settings": ls})
	return nil
}

func (s *Server) putListSettings(w http.ResponseWriter, r *http.Request) error {
	var in crm.ListSettings
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ls, err := s.crm.SaveListSettings(r.Context(), actorOf(r).user, crm.RecordType(r.PathValue("type")), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"settings": ls})
	return nil
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
