package conversation

import (
	"context"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
)

// Counts is how many open conversations a user sees in each open folder; the inbox's sidebar shows
// them and keeps them current from live events.
type Counts struct {
	Unassigned int `json:"unassigned"`
	Mine       int `json:"mine"`
	Others     int `json:"others"`
	Open       int `json:"open"`
	// Spam is how many conversations wait in the Spam view, open or closed.
	Spam int `json:"spam"`
}

// Counts counts the user's open folders within the scope List uses (one inbox when inboxID is not 0).
func (s *Service) Counts(ctx context.Context, u *auth.User, inboxID int64) (Counts, error) {
	return s.CountsFiltered(ctx, u, Filter{InboxID: inboxID})
}

// CountsFiltered counts the user's open folders within the scope ListFiltered uses.
func (s *Service) CountsFiltered(ctx context.Context, u *auth.User, f Filter) (Counts, error) {
	sc, err := s.scope(ctx, u, f)
	if err != nil {
		return Counts{}, err
	}
	return s.repo.CountOpen(ctx, sc, f)
}

// scope is the user's scope (ScopeFor) over the inboxes f leaves.
func (s *Service) scope(ctx context.Context, u *auth.User, f Filter) (Scope, error) {
	inboxes, err := s.repo.ListInboxes(ctx)
	if err != nil {
		return Scope{}, err
	}
	if f.Channel != "" {
		kept := inboxes[:0:0]
		for _, ib := range inboxes {
			if ib.Kind == f.Channel {
				kept = append(kept, ib)
			}
		}
		inboxes = kept
	}
	memberOf, err := s.repo.MemberInboxIDs(ctx, u.ID)
	if err != nil {
		return Scope{}, err
	}
	return ScopeFor(u, inboxes, memberOf), nil
}

// VisibleScope is the user's scope over every inbox (ScopeFor): whose conversations they see, for
// queries beyond the folders such as search.
func (s *Service) VisibleScope(ctx context.Context, u *auth.User) (Scope, error) {
	return s.scope(ctx, u, Filter{})
}

// CountFiltered counts the conversations of a folder within the user's scope narrowed by f (a
// saved view's count).
func (s *Service) CountFiltered(ctx context.Context, u *auth.User, folder Folder, f Filter) (int, error) {
	if !folder.Valid() {
		return 0, errs.Coded(errs.Invalid, "folder_invalid", "folder must be unassigned, mine, others, open, closed, all or spam")
	}
	sc, err := s.scope(ctx, u, f)
	if err != nil {
		return 0, err
	}
	return s.repo.CountConversations(ctx, ListQuery{Scope: sc, Folder: folder, Filter: f})
}
