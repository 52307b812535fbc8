package httpapi

import (
	"net/http"
	"strings"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/eventlog"
	"github.com/parleyhq/parley/internal/webhook"
)

// Outgoing webhooks (admins) and the catch-up event log (everyone, filtered by what they may see).

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	list, err := s.webhooks.List(r.Context(), actorOf(r).user)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": list, "event_types": event.Types})
	return nil
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	var in webhook.Input
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	e, secret, err := s.webhooks.Create(r.Context(), actorOf(r).user, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"webhook": e, "secret": secret})
	return nil
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	e, err := s.webhooks.Get(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhook": e})
	return nil
}

func (s *Server) patchWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var p webhook.Patch
	if err := decodeJSON(r, &p); err != nil {
		return err
	}
	e, err := s.webhooks.Update(r.Context(), actorOf(r).user, id, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhook": e})
	return nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.webhooks.Delete(r.Context(), actorOf(r).user, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) rotateWebhookSecret(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	e, secret, err := s.webhooks.RotateSecret(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhook": e, "secret": secret})
	return nil
}

func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, a, err := s.webhooks.SendTest(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"delivery": d, "attempt": a})
	return nil
}

func (s *Server) listWebhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	before, err := queryInt(r, "before_id")
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	q := webhook.DeliveryQuery{EndpointID: id, State: webhook.State(r.URL.Query().Get("state")), BeforeID: before, Limit: int(limit)}
	list, err := s.webhooks.Deliveries(r.Context(), actorOf(r).user, q)
	if err != nil {
		return err
	}
	out := map[string]any{"deliveries": list}
	if n := len(list); n > 0 && n == webhook.PageSize(int(limit)) {
		out["next"] = map[string]int64{"before_id": list[n-1].ID}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getWebhookDelivery(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	did, err := pathID(r, "delivery")
	if err != nil {
		return err
	}
	d, attempts, err := s.webhooks.Delivery(r.Context(), actorOf(r).user, id, did)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"delivery": d, "attempts": attempts})
	return nil
}

func (s *Server) redeliverWebhookDelivery(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	did, err := pathID(r, "delivery")
	if err != nil {
		return err
	}
	d, err := s.webhooks.Redeliver(r.Context(), actorOf(r).user, id, did)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"delivery": d})
	return nil
}

func (s *Server) redeliverWebhookFailed(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Since *int64 `json:"since"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Since == nil {
		return errs.Coded(errs.Invalid, "since_required", "since: the time (unix milliseconds) from which failed deliveries are sent again")
	}
	n, err := s.webhooks.RedeliverFailed(r.Context(), actorOf(r).user, id, *in.Since)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"redelivered": n})
	return nil
}

// eventLog pages through the event log: ?after=POSITION&types=a,b&limit=N.
func (s *Server) eventLog(w http.ResponseWriter, r *http.Request) error {
	after, err := queryInt(r, "after")
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	if r.URL.Query().Has("limit") && limit == 0 {
		return errs.Coded(errs.Invalid, "limit_invalid", "limit: 1 to 1000")
	}
	var types []event.Type
	for _, v := range r.URL.Query()["types"] {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				types = append(types, event.Type(t))
			}
		}
	}
	p, err := s.eventLogs.Page(r.Context(), actorOf(r).user, eventlog.Query{After: after, Types: types, Limit: int(limit)})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}
