package httpapi

import (
	"net/http"
	"net/url"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/realtime"
)

// Live visitors: who has a website open now (internal/realtime, live.go), and an agent's invitation
// to a chat. The loader's socket tells the page; nothing about a visit is stored until a chat starts.

func (s *Server) visitorRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/visitors", User, s.listLiveVisitors},
		{"POST", "/api/v1/visitors/live/{id}/chat", User, s.inviteLiveVisitor},
		{"GET", "/widget/v1/{key}/live/ws", VisitorSocket, s.widgetLive},
		{"GET", "/widget/v1/{key}/live", Public, s.widgetLiveFrame},
	}
}

// websitesOf is the set of websites the user works in (all for admins).
func (s *Server) websitesOf(r *http.Request) (map[int64]bool, error) {
	sites, err := s.inboxes.Websites(r.Context(), actorOf(r).user)
	if err != nil {
		return nil, err
	}
	out := map[int64]bool{}
	for _, w := range sites {
		out[w.ID] = true
	}
	return out, nil
}

func (s *Server) listLiveVisitors(w http.ResponseWriter, r *http.Request) error {
	mine, err := s.websitesOf(r)
	if err != nil {
		return err
	}
	only, err := queryInt(r, "website_id")
	if err != nil {
		return err
	}
	list := s.hub.LiveVisitors(func(id int64) bool { return mine[id] && (only == 0 || id == only) })
	writeJSON(w, http.StatusOK, map[string]any{"visitors": list})
	return nil
}

func (s *Server) inviteLiveVisitor(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		WebsiteID int64  `json:"website_id"`
		Body      string `json:"body"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	mine, err := s.websitesOf(r)
	if err != nil {
		return err
	}
	if !mine[in.WebsiteID] {
		return errs.Coded(errs.NotFound, "visitor_gone", "this visitor is not on the website any more")
	}
	v, ok := s.hub.LiveVisitor(in.WebsiteID, r.PathValue("id"))
	if !ok || v.LeftAt != 0 {
		return errs.Coded(errs.NotFound, "visitor_gone", "this visitor is not on the website any more")
	}
	if v.InChat {
		return errs.Coded(errs.Conflict, "conversation_open", "this visitor is in a conversation already (%d)", v.ConversationID)
	}
	u := actorOf(r).user
	body, err := s.convs.CheckStartChat(r.Context(), u, in.WebsiteID, in.Body)
	if err != nil {
		return err
	}
	inv := s.hub.Invite(realtime.Invite{LiveID: v.ID, WebsiteID: in.WebsiteID, AgentID: u.ID, Body: body})
	writeJSON(w, http.StatusAccepted, map[string]any{"invite": map[string]any{"id": inv.ID, "visitor_id": v.ID, "website_id": inv.WebsiteID, "at": inv.At}})
	return nil
}

// widgetLive upgrades to the live frame's socket (web/widget/src/live.ts). The Origin is the live
// frame's (Parley's own) or a page on one of the website's allowed domains.
func (s *Server) widgetLive(w http.ResponseWriter, r *http.Request) error {
	site, err := s.site(r)
	if err != nil {
		return err
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || (u.Host != r.Host && !site.AllowsHost(u.Host)) {
			return errs.Coded(errs.Forbidden, "domain_not_allowed", "this website's chat is not enabled on that origin")
		}
	}
	return s.hub.ServeLive(w, r, site, s.clientIP(r))
}
