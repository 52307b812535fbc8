package httpapi

import (
	"net/http"
	"strconv"

	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
)

// The agent's live chat API: inboxes, websites, availability, conversations, contacts, visitors.

func (s *Server) listInboxes(w http.ResponseWriter, r *http.Request) error {
	list, err := s.inboxes.List(r.Context(), actorOf(r).user)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"inboxes": list})
	return nil
}

func (s *Server) getInbox(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ib, err := s.inboxes.Get(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"inbox": ib})
	return nil
}

func (s *Server) patchInbox(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in inbox.Patch
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ib, err := s.inboxes.Update(r.Context(), actorOf(r).user, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"inbox": ib})
	return nil
}

func (s *Server) putInboxMembers(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		UserIDs []int64 `json:"user_ids"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ib, err := s.inboxes.SetMembers(r.Context(), actorOf(r).user, id, in.UserIDs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"inbox": ib})
	return nil
}

func (s *Server) listWebsites(w http.ResponseWriter, r *http.Request) error {
	list, err := s.inboxes.Websites(r.Context(), actorOf(r).user)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"websites": list})
	return nil
}

func (s *Server) createWebsite(w http.ResponseWriter, r *http.Request) error {
	var in inbox.WebsiteInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	site, err := s.inboxes.CreateWebsite(r.Context(), actorOf(r).user, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"website": site})
	return nil
}

func (s *Server) getWebsite(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	site, err := s.inboxes.Website(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"website": site})
	return nil
}

func (s *Server) patchWebsite(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in inbox.WebsiteInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	site, err := s.inboxes.UpdateWebsite(r.Context(), actorOf(r).user, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"website": site})
	return nil
}

func (s *Server) getWebsiteSecret(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	secret, err := s.inboxes.Secret(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"secret": secret})
	return nil
}

func (s *Server) putAvailability(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Available *bool `json:"available"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Available == nil {
		return errs.Coded(errs.Invalid, "available_required", "send {\"available\": true} or false")
	}
	u := actorOf(r).user
	if err := s.presence.SetToggle(r.Context(), u.ID, *in.Available); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"toggle": *in.Available, "available": s.presence.Available(r.Context(), u.ID)})
	return nil
}

func (s *Server) getPresence(w http.ResponseWriter, r *http.Request) error {
	type agent struct {
		UserID    int64 `json:"user_id"`
		Available bool  `json:"available"`
	}
	online := []agent{}
	for _, id := range s.presence.OnlineUsers() {
		online = append(online, agent{UserID: id, Available: s.presence.Available(r.Context(), id)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"online": online})
	return nil
}

func queryInt(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, errs.Coded(errs.Invalid, "query_invalid", "%s must be a non-negative whole number", name)
	}
	return n, nil
}

func (s *Server) listConversations(w http.ResponseWriter, r *http.Request) error {
	folder := conversation.Folder(r.URL.Query().Get("folder"))
	if folder == "" {
		folder = conversation.FolderOpen
	}
	var vals [3]int64
	for i, name := range []string{"before", "before_id", "limit"} {
		v, err := queryInt(r, name)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	u := actorOf(r).user
	filter, err := conversation.ParseFilter(r.URL.Query(), u.ID)
	if err != nil {
		return err
	}
	list, err := s.convs.ListFiltered(r.Context(), u, folder, filter, vals[0], vals[1], int(vals[2]))
	if err != nil {
		return err
	}
	// Each row says what the user may do with it, from the same rules as the actions, so the list
	// shows a Resolve button only where closing works.
	acc, err := s.convs.Accesses(r.Context(), u)
	if err != nil {
		return err
	}
	available := s.presence != nil && s.presence.Available(r.Context(), u.ID)
	rows := make([]listedConversation, len(list))
	for i := range list {
		rows[i] = listedConversation{Conversation: list[i], Allowed: conversation.AllowedFor(acc[list[i].InboxID], &list[i], available)}
		rows[i].VisitorOnline = s.visitorOnline(&list[i])
	}
	out := map[string]any{"conversations": rows}
	if n := len(list); n > 0 && n == conversation.PageSize(int(vals[2])) {
		out["next"] = map[string]int64{"before": list[n-1].LastMessageAt, "before_id": list[n-1].ID}
	}
	if r.URL.Query().Get("counts") == "true" {
		counts, err := s.convs.CountsFiltered(r.Context(), u, filter)
		if err != nil {
			return err
		}
		out["counts"] = counts
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// listedConversation is a row of a folder: the conversation and what the user may do with it.
type listedConversation struct {
	conversation.Conversation
	Allowed conversation.Allowed `json:"allowed"`
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u := actorOf(r).user
	c, allowed, err := s.convs.Get(r.Context(), u, id)
	if err != nil {
		return err
	}
	c.VisitorOnline = s.visitorOnline(c)
	if c.VisitorID != 0 && s.contacts != nil {
		if v, err := s.contacts.VisitorByID(r.Context(), c.VisitorID); err == nil {
			c.ContactCountry = v.Country // as folder rows carry it, for rows that arrived live
		}
	}
	if s.organizer != nil {
		if c.Tags, err = s.organizer.ConversationTags(r.Context(), u, c.ID); err != nil {
			return err
		}
	}
	out := map[string]any{"conversation": c, "allowed": allowed}
	if allowed.Assign {
		list, err := s.convs.Assignees(r.Context(), u, c)
		if err != nil {
			return err
		}
		out["assignees"] = list
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) deleteConversation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.convs.Delete(r.Context(), actorOf(r).user, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	after, err := queryInt(r, "after")
	if err != nil {
		return err
	}
	before, err := queryInt(r, "before")
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return err
	}
	msgs, err := s.convs.History(r.Context(), actorOf(r).user, id, after, before, int(limit))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": s.hub.AgentMessages(msgs)})
	return nil
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in conversation.MessageInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	m, err := s.convs.Reply(r.Context(), actorOf(r).user, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"message": m})
	return nil
}

func (s *Server) assignConversation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in conversation.AssignInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.convs.Assign(r.Context(), actorOf(r).user, id, in)
	if err != nil {
		return err
	}
	c.VisitorOnline = s.visitorOnline(c)
	writeJSON(w, http.StatusOK, map[string]any{"conversation": c})
	return nil
}

// conversationAction runs one of the body-less actions (close, reopen).
func (s *Server) conversationAction(act func(*Server, *http.Request, int64) (*conversation.Conversation, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		c, err := act(s, r, id)
		if err != nil {
			return err
		}
		c.VisitorOnline = s.visitorOnline(c)
		writeJSON(w, http.StatusOK, map[string]any{"conversation": c})
		return nil
	}
}

func (s *Server) readConversation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Seq int64 `json:"seq"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.convs.MarkRead(r.Context(), actorOf(r).user, id, in.Seq); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) typingConversation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		On bool `json:"on"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.convs.Typing(r.Context(), actorOf(r).user, id, in.On); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	convs, err := s.convs.ContactConversations(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	d, err := s.contacts.Details(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"contact": d.Contact, "visitors": d.Visitors, "page_views": d.PageViews,
		"consents": d.Consents, "conversations": convs, "location_attribution": s.locationCredit})
	return nil
}

func (s *Server) patchContact(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in contact.Patch
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.contacts.Update(r.Context(), actorOf(r).user, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"contact": c})
	return nil
}

func (s *Server) blockVisitor(block bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		u := actorOf(r).user
		if block {
			err = s.contacts.Block(r.Context(), u, id)
		} else {
			err = s.contacts.Unblock(r.Context(), u, id)
		}
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	return s.hub.ServeAgent(w, r, actorOf(r).user)
}

// visitorOnline is the contact's live state for an answer about c, from the hub's memory.
func (s *Server) visitorOnline(c *conversation.Conversation) bool {
	return s.hub.VisitorOnline(c.ContactID, c.InboxID)
}
