package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/internal/auth"
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
	s.hub.AccessChanged(r.Context())
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
	s.hub.AccessChanged(r.Context())
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
	var vals [4]int64
	for i, name := range []string{"inbox_id", "before", "before_id", "limit"} {
		v, err := queryInt(r, name)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	u := actorOf(r).user
	list, err := s.convs.List(r.Context(), u, folder, vals[0], vals[1], vals[2], int(vals[3]))
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
	if n := len(list); n > 0 && n == conversation.PageSize(int(vals[3])) {
		out["next"] = map[string]int64{"before": list[n-1].LastMessageAt, "before_id": list[n-1].ID}
	}
	if r.URL.Query().Get("counts") == "true" {
		counts, err := s.convs.Counts(r.Context(), u, vals[0])
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

// assignee is someone the conversation may be given to now.
type assignee struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	AvatarURL string `json:"avatar_url,omitempty"`
}

// assignees lists the users the actor may give c to now, by the rule Assign applies (CanAssign):
// available, active, working in the inbox. Only online users can be available, so only they are
// asked about. The current assignee is left out.
func (s *Server) assignees(r *http.Request, u *auth.User, c *conversation.Conversation) ([]assignee, error) {
	out := []assignee{}
	if s.presence == nil {
		return out, nil
	}
	ctx := r.Context()
	a, err := s.convs.AccessTo(ctx, u, c.InboxID)
	if err != nil {
		return nil, err
	}
	for _, id := range s.presence.OnlineUsers() {
		if id == c.AssigneeID {
			continue
		}
		target, err := s.auth.GetUser(ctx, u, id)
		if errs.Is(err, errs.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		ta, err := s.convs.AccessTo(ctx, target, c.InboxID)
		if err != nil {
			return nil, err
		}
		if conversation.CanAssign(a, c, &conversation.Target{User: target, HasInbox: ta.HasInbox(), Available: s.presence.Available(ctx, id)}) == nil {
			out = append(out, assignee{ID: target.ID, Name: target.Name, AvatarURL: target.AvatarURL})
		}
	}
	slices.SortFunc(out, func(x, y assignee) int { return strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)) })
	return out, nil
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
	out := map[string]any{"conversation": c, "allowed": allowed}
	if allowed.Assign {
		list, err := s.assignees(r, u, c)
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
	u := actorOf(r).user
	c, _, err := s.convs.Get(r.Context(), u, id)
	if err != nil {
		return err
	}
	if err := s.convs.MarkRead(r.Context(), u, id, in.Seq); err != nil {
		return err
	}
	s.hub.Read(r.Context(), c, u, min(in.Seq, c.LastSeq))
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
	u := actorOf(r).user
	c, _, err := s.convs.Get(r.Context(), u, id)
	if err != nil {
		return err
	}
	s.hub.Typing(r.Context(), c, false, u, in.On)
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
	d, err := s.contacts.Details(r.Context(), id)
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
	if _, err := s.convs.ContactConversations(r.Context(), actorOf(r).user, id); err != nil {
		return err
	}
	var in contact.Patch
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.contacts.Update(r.Context(), id, in)
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
		v, err := s.contacts.VisitorByID(r.Context(), id)
		if err != nil {
			return err
		}
		// Whoever may see a conversation with this visitor's contact may block them.
		if _, err := s.convs.ContactConversations(r.Context(), u, v.ContactID); err != nil {
			return errs.E(errs.NotFound, "visitor not found")
		}
		site, err := s.inboxes.Website(r.Context(), u, v.WebsiteID)
		if err != nil {
			return err
		}
		if block {
			if err = s.contacts.Block(r.Context(), site, v.ID, u.ID); err == nil {
				s.hub.VisitorBlocked(r.Context(), v.ContactID, v.ID)
			}
		} else {
			err = s.contacts.Unblock(r.Context(), site, v.ID)
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
