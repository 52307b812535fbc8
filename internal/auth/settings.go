package auth

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/parleyhq/parley/internal/errs"
)

// NotifyEvents are the events an agent may be notified of (docs/product.md, Notifications).
var NotifyEvents = []string{"new_unassigned", "assigned_me", "message_mine", "message_others", "message_unassigned"}

// NotifyWays are how: a desktop notification, a sound. (Email and web push come later.)
var NotifyWays = []string{"desktop", "sound"}

// Notify is an agent's notification settings: per event, per way, on or off. Events left out keep
// the app's defaults.
type Notify map[string]map[string]bool

// Settings are what an agent sets for themselves and keeps on every device.
type Settings struct {
	Notify Notify `json:"notify"`
}

// check refuses unknown events and ways, naming them.
func (n Notify) check() error {
	for ev, ways := range n {
		if !slices.Contains(NotifyEvents, ev) {
			return errs.Coded(errs.Invalid, "notify_invalid", "unknown notification event %q (known: %s)", ev, strings.Join(NotifyEvents, ", "))
		}
		for w := range ways {
			if !slices.Contains(NotifyWays, w) {
				return errs.Coded(errs.Invalid, "notify_invalid", "unknown way %q for %s (known: %s)", w, ev, strings.Join(NotifyWays, ", "))
			}
		}
	}
	return nil
}

// Settings returns the user's own settings (empty when never set).
func (s *Service) Settings(ctx context.Context, u *User) (*Settings, error) {
	if err := signedIn(u); err != nil {
		return nil, err
	}
	raw, err := s.repo.UserSettings(ctx, u.ID)
	if errs.Is(err, errs.NotFound) {
		return &Settings{Notify: Notify{}}, nil
	}
	if err != nil {
		return nil, err
	}
	out := &Settings{Notify: Notify{}}
	if err := json.Unmarshal([]byte(raw), &out.Notify); err != nil {
		return &Settings{Notify: Notify{}}, nil // unreadable: the defaults
	}
	return out, nil
}

// SetSettings replaces the user's own settings. Bad input is refused and changes nothing.
func (s *Service) SetSettings(ctx context.Context, u *User, in Settings) (*Settings, error) {
	if err := signedIn(u); err != nil {
		return nil, err
	}
	if in.Notify == nil {
		in.Notify = Notify{}
	}
	if err := in.Notify.check(); err != nil {
		return nil, err
	}
	b, _ := json.Marshal(in.Notify) // maps marshal in key order: stable
	if err := s.repo.SetUserSettings(ctx, u.ID, string(b), s.nowMS()); err != nil {
		return nil, err
	}
	return &in, nil
}

func signedIn(u *User) error {
	if u == nil || u.Deactivated {
		return errs.E(errs.Unauthenticated, "sign in first")
	}
	return nil
}
