package conversation

import (
	"context"

	"github.com/parleyhq/parley/internal/auth"
)

// Counts is how many open conversations a user sees in each open folder; the inbox's sidebar shows
// them and keeps them current from live events.
type Counts struct {
	Unassigned int `json:"unassigned"`
	Mine       int `json:"mine"`
	Others     int `json:"others"`
	Open       int `json:"open"`
}

// Counts counts the user's open folders within the scope List uses (one inbox when inboxID is not 0).
func (s *Service) Counts(ctx context.Context, u *auth.User, inboxID int64) (Counts, error) {
	inboxes, err := s.repo.ListInboxes(ctx)
	if err != nil {
		return Counts{}, err
	}
	memberOf, err := s.repo.MemberInboxIDs(ctx, u.ID)
	if err != nil {
		return Counts{}, err
	}
	return s.repo.CountOpen(ctx, ScopeFor(u, inboxes, memberOf), inboxID)
}
