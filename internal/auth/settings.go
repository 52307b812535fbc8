package auth

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/parleyhq/parley/internal/errs"
)

// Notification events an agent may be told of (docs/notifications.md).
const (
	EventNewUnassigned     = "new_unassigned"     // a new conversation waits in Unassigned
	EventAssignedMe        = "assigned_me"        // someone gave me a conversation
	EventMessageMine       = "message_mine"       // a new message in a conversation of mine
	EventMessageOthers     = "message_others"     // … in one assigned to someone else
	EventMessageUnassigned = "message_unassigned" // … in one waiting in Unassigned
	EventOfflineMessage    = "offline_message"    // someone wrote while I was offline (email)
	EventMissedChat        = "missed_chat"        // a visitor left unanswered while I was online (email)
)

// Ways of telling.
const (
	WayInApp   = "in_app"  // a note inside the open inbox
	WayDesktop = "desktop" // the browser's notification, from an open tab
	WaySound   = "sound"   // a sound in the open tab
	WayPush    = "push"    // web push to every subscribed device, when no inbox tab is in use
	WayEmail   = "email"   // an email, batched
)

// NotifyEvents are the events, in the order the bell dialog shows them.
var NotifyEvents = []string{EventNewUnassigned, EventAssignedMe, EventMessageMine, EventMessageOthers, EventMessageUnassigned,
	EventOfflineMessage, EventMissedChat}

// NotifyWays are the ways, in the order the bell dialog shows them.
var NotifyWays = []string{WayInApp, WayDesktop, WaySound, WayPush, WayEmail}

// Sounds an event may play.
var Sounds = []string{"chime", "bell", "knock"}

// WaysOf lists the ways an event can be told in: the two email events only by email (they are
// about being away from the inbox).
func WaysOf(ev string) []string {
	if ev == EventOfflineMessage || ev == EventMissedChat {
		return []string{WayEmail}
	}
	return NotifyWays
}

// Notify is an agent's notification settings: per event, per way, on or off.
type Notify map[string]map[string]bool

// On reports whether ev is told in way.
func (n Notify) On(ev, way string) bool { return n[ev][way] }

// DefaultNotify is what an agent who never chose gets: the three events docs/product.md names in
// every way (email only for assignments and their own conversations), the two emails on, and
// others' and unassigned messages off.
func DefaultNotify() Notify {
	all := func(email bool) map[string]bool {
		return map[string]bool{WayInApp: true, WayDesktop: true, WaySound: true, WayPush: true, WayEmail: email}
	}
	none := func() map[string]bool {
		return map[string]bool{WayInApp: false, WayDesktop: false, WaySound: false, WayPush: false, WayEmail: false}
	}
	return Notify{
		EventNewUnassigned: all(false), EventAssignedMe: all(true), EventMessageMine: all(true),
		EventMessageOthers: none(), EventMessageUnassigned: none(),
		EventOfflineMessage: {WayEmail: true}, EventMissedChat: {WayEmail: true},
	}
}

// defaultSounds: a bell for what needs someone, a chime for one more message.
func defaultSounds() map[string]string {
	return map[string]string{EventNewUnassigned: "bell", EventAssignedMe: "bell", EventMessageMine: "chime",
		EventMessageOthers: "chime", EventMessageUnassigned: "chime"}
}

// Languages Parley speaks, for the mail it sends an agent.
var Languages = []string{"en", "de", "nl", "tr", "hu"}

// Settings are what an agent sets for themselves and keeps on every device.
type Settings struct {
	// Notify holds every event and each of its ways (WaysOf), on or off.
	Notify Notify `json:"notify"`
	// Sounds is the sound of each event that has one.
	Sounds map[string]string `json:"sounds"`
	// Volume of the sounds, 0 to 100.
	Volume int `json:"volume"`
	// Language of the mail Parley sends them (en, de, nl, tr, hu); the inbox tells it the
	// language it shows. Empty: English.
	Language string `json:"language"`
}

// SettingsPatch changes some settings; what is left out stays. Notify may name some events and,
// of each, some ways.
type SettingsPatch struct {
	Notify   Notify            `json:"notify"`
	Sounds   map[string]string `json:"sounds"`
	Volume   *int              `json:"volume"`
	Language *string           `json:"language"`
}

// StoredSettings are the settings as stored: the matrix and the sounds as JSON, as chosen (the
// defaults are filled in when read).
type StoredSettings struct {
	Notify    string
	Sounds    string
	Volume    int
	Language  string
	UpdatedAt int64
}

// DefaultVolume is the sounds' volume until an agent changes it.
const DefaultVolume = 70

// EffectiveSettings reads stored settings (nil: never saved) with the defaults filled in for
// whatever was never chosen (or cannot be read).
func EffectiveSettings(st *StoredSettings) *Settings {
	out := &Settings{Notify: DefaultNotify(), Sounds: defaultSounds(), Volume: DefaultVolume}
	if st == nil {
		return out
	}
	var n Notify
	if json.Unmarshal([]byte(st.Notify), &n) == nil {
		for ev, ways := range n {
			if !slices.Contains(NotifyEvents, ev) {
				continue
			}
			for w, on := range ways {
				if slices.Contains(WaysOf(ev), w) {
					out.Notify[ev][w] = on
				}
			}
		}
	}
	var sounds map[string]string
	if json.Unmarshal([]byte(st.Sounds), &sounds) == nil {
		for ev, snd := range sounds {
			if _, ok := out.Sounds[ev]; ok && slices.Contains(Sounds, snd) {
				out.Sounds[ev] = snd
			}
		}
	}
	out.Volume = min(max(st.Volume, 0), 100)
	if slices.Contains(Languages, st.Language) {
		out.Language = st.Language
	}
	return out
}

// apply checks p and applies it to s. Unknown events, ways, sounds or languages are refused,
// naming them.
func (s *Settings) apply(p SettingsPatch) error {
	for ev, ways := range p.Notify {
		if !slices.Contains(NotifyEvents, ev) {
			return errs.Coded(errs.Invalid, "notify_invalid", "unknown notification event %q (known: %s)", ev, strings.Join(NotifyEvents, ", "))
		}
		for w, on := range ways {
			if !slices.Contains(WaysOf(ev), w) {
				return errs.Coded(errs.Invalid, "notify_invalid", "unknown way %q for %s (known: %s)", w, ev, strings.Join(WaysOf(ev), ", "))
			}
			s.Notify[ev][w] = on
		}
	}
	for ev, snd := range p.Sounds {
		if _, ok := s.Sounds[ev]; !ok {
			return errs.Coded(errs.Invalid, "sound_invalid", "event %q has no sound", ev)
		}
		if !slices.Contains(Sounds, snd) {
			return errs.Coded(errs.Invalid, "sound_invalid", "unknown sound %q (known: %s)", snd, strings.Join(Sounds, ", "))
		}
		s.Sounds[ev] = snd
	}
	if p.Volume != nil {
		if *p.Volume < 0 || *p.Volume > 100 {
			return errs.Coded(errs.Invalid, "volume_invalid", "volume must be 0 to 100")
		}
		s.Volume = *p.Volume
	}
	if p.Language != nil {
		if *p.Language != "" && !slices.Contains(Languages, *p.Language) {
			return errs.Coded(errs.Invalid, "language_invalid", "language must be one of %s", strings.Join(Languages, ", "))
		}
		s.Language = *p.Language
	}
	return nil
}

// Settings returns the user's own settings, the defaults filled in.
func (s *Service) Settings(ctx context.Context, u *User) (*Settings, error) {
	if err := signedIn(u); err != nil {
		return nil, err
	}
	st, err := s.repo.UserSettings(ctx, u.ID)
	if errs.Is(err, errs.NotFound) {
		return EffectiveSettings(nil), nil
	}
	if err != nil {
		return nil, err
	}
	return EffectiveSettings(st), nil
}

// SetSettings changes the user's own settings and returns them all. Bad input is refused and
// changes nothing.
func (s *Service) SetSettings(ctx context.Context, u *User, p SettingsPatch) (*Settings, error) {
	cur, err := s.Settings(ctx, u)
	if err != nil {
		return nil, err
	}
	if err := cur.apply(p); err != nil {
		return nil, err
	}
	if err := s.saveSettings(ctx, u.ID, cur); err != nil {
		return nil, err
	}
	return cur, nil
}

func (s *Service) saveSettings(ctx context.Context, userID int64, st *Settings) error {
	notify, _ := json.Marshal(st.Notify) // maps marshal in key order: stable
	sounds, _ := json.Marshal(st.Sounds)
	return s.repo.SetUserSettings(ctx, userID, &StoredSettings{Notify: string(notify), Sounds: string(sounds), Volume: st.Volume,
		Language: st.Language, UpdatedAt: s.nowMS()})
}

// Unsubscribe switches off one event's email for a user: the one-click link of that email
// (docs/notifications.md). The link itself is the proof; nobody is signed in.
func (s *Service) Unsubscribe(ctx context.Context, userID int64, ev string) error {
	if !slices.Contains(NotifyEvents, ev) {
		return errs.E(errs.NotFound, "no such email")
	}
	u, err := s.repo.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	off := false
	_, err = s.SetSettings(ctx, u, SettingsPatch{Notify: Notify{ev: {WayEmail: off}}})
	return err
}

// CompanySettings are what an admin sets for everyone.
type CompanySettings struct {
	// InAppNotifications off: the inbox shows no in-app notifications to anyone (desktop
	// notifications, sounds, pushes and emails follow each agent's own settings).
	InAppNotifications bool  `json:"in_app_notifications"`
	UpdatedAt          int64 `json:"updated_at,omitempty"`
}

// CompanyPatch changes some company settings.
type CompanyPatch struct {
	InAppNotifications *bool `json:"in_app_notifications"`
}

// Company returns the company settings; every signed-in user may read them (the inbox follows
// them).
func (s *Service) Company(ctx context.Context, u *User) (*CompanySettings, error) {
	if err := signedIn(u); err != nil {
		return nil, err
	}
	return s.repo.CompanySettings(ctx)
}

// SetCompany changes the company settings (admins).
func (s *Service) SetCompany(ctx context.Context, u *User, p CompanyPatch) (*CompanySettings, error) {
	if err := Authorize(u, ManageSetup); err != nil {
		return nil, err
	}
	cur, err := s.repo.CompanySettings(ctx)
	if err != nil {
		return nil, err
	}
	if p.InAppNotifications != nil {
		cur.InAppNotifications = *p.InAppNotifications
	}
	cur.UpdatedAt = s.nowMS()
	if err := s.repo.SaveCompanySettings(ctx, cur); err != nil {
		return nil, err
	}
	return cur, nil
}

func signedIn(u *User) error {
	if u == nil || u.Deactivated {
		return errs.E(errs.Unauthenticated, "sign in first")
	}
	return nil
}
