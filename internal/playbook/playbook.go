// Package playbook holds chatbot playbooks: a website's flow of bot cards (messages, questions,
// captures, consent, actions, the live chat card), who sees it (URL rules, delay, priority), how
// it looks, its immutable versions, templates, import and export, and the rules a playbook must
// keep to be saved. The engine that runs a playbook for a visitor walks a Flow with Card, Next,
// AnswerPath, OfflinePath and DeclinedPath, and turns cards into the protocol's JSON with
// Card.Wire (docs/widget-protocol.md, section 4).
package playbook

import (
	"encoding/json"
)

// Playbook is a website's chatbot: its settings and, when loaded with it, its current flow.
type Playbook struct {
	ID        int64  `json:"id"`
	WebsiteID int64  `json:"website_id"`
	Name      string `json:"name"`
	Active    bool   `json:"active"`
	// Priority orders playbooks whose rules match the same page: higher first.
	Priority int `json:"priority"`
	// DelaySeconds is how long the widget waits on a page before the bot starts (0–3600).
	DelaySeconds int `json:"delay_seconds"`
	// Targeting lists URL rules; a page matches when any rule does. Empty means every page.
	Targeting  []Rule     `json:"targeting"`
	Appearance Appearance `json:"appearance"`
	// Version is the current version's number; every save makes a new one.
	Version int `json:"version"`
	// Flow is the current version's flow; nil in lists.
	Flow *Flow `json:"flow,omitempty"`
	// LoadedAt is when a widget first loaded the playbook (unix ms); nil while it is installed on no
	// page, which makes its live chat card "offline only" in the editor.
	LoadedAt  *int64 `json:"loaded_at"`
	CreatedBy int64  `json:"created_by"`
	CreatedAt int64  `json:"created_at"`
	UpdatedAt int64  `json:"updated_at"`
}

// OfflineOnly reports whether no widget has loaded the playbook yet: nobody could have reached an
// agent through it, so the editor shows its live chat card as "offline only".
func (p *Playbook) OfflineOnly() bool { return p.LoadedAt == nil }

// MarshalJSON adds offline_only, which the editor shows on the live chat card.
func (p Playbook) MarshalJSON() ([]byte, error) {
	type plain Playbook
	return json.Marshal(struct {
		plain
		OfflineOnly bool `json:"offline_only"`
	}{plain(p), p.OfflineOnly()})
}

// Appearance is how the widget looks while the playbook runs. A version keeps its appearance, so a
// running conversation keeps the bot's name and avatar it started with.
type Appearance struct {
	Color     string `json:"color"`      // #rrggbb, the launcher and header
	TextColor string `json:"text_color"` // #rrggbb, text on Color
	Icon      string `json:"icon"`       // one of Icons
	BotName   string `json:"bot_name"`
	Avatar    string `json:"avatar"`   // https URL, a path on this server, or empty
	Language  string `json:"language"` // one of Languages: the widget's and the default texts' language
	Side      string `json:"side"`     // "right" or "left": where the launcher sits
}

// Icons are the launcher icons the widget draws.
var Icons = []string{"chat", "help", "wave"}

// Languages are the languages the widget and the templates speak.
var Languages = []string{"en", "de", "nl", "tr", "hu"}

// RuleMatch says how a targeting rule compares its value with the page's URL.
type RuleMatch string

const (
	Equals     RuleMatch = "equals"
	Contains   RuleMatch = "contains"
	StartsWith RuleMatch = "starts_with"
	Regex      RuleMatch = "regex"
)

// Rule is one URL rule. See MatchesURL for what it is compared with.
type Rule struct {
	Match RuleMatch `json:"match"`
	Value string    `json:"value"`
}

// Version is one saved state of a playbook's content. Versions are never changed, so a
// conversation keeps running the version it started on after the playbook is edited.
type Version struct {
	PlaybookID int64      `json:"playbook_id"`
	Version    int        `json:"version"`
	Flow       *Flow      `json:"flow,omitempty"` // nil in lists
	Appearance Appearance `json:"appearance"`
	CreatedBy  int64      `json:"created_by"`
	CreatedAt  int64      `json:"created_at"`
}

// Input is a playbook as an admin creates or saves it. Saving replaces every field (the editor
// sends the whole playbook) and makes a new version.
type Input struct {
	WebsiteID int64  `json:"website_id"` // on create; on update it must be absent or unchanged
	Name      string `json:"name"`
	// Active is left as it is when absent; a new playbook starts inactive unless it says true.
	Active       *bool      `json:"active,omitempty"`
	Priority     int        `json:"priority"`
	DelaySeconds int        `json:"delay_seconds"`
	Targeting    []Rule     `json:"targeting"`
	Appearance   Appearance `json:"appearance"`
	Flow         *Flow      `json:"flow"`
	// Template names a template (see Templates) whose flow a new playbook starts with when Flow is
	// absent. Only on create.
	Template string `json:"template,omitempty"`
	// BaseVersion, when set on update, is the version the editor started from: if someone saved a
	// newer one meanwhile, the save is refused with a conflict instead of overwriting it.
	BaseVersion int `json:"base_version,omitempty"`
}
