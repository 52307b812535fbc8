// Package savedreply holds saved replies: texts an agent inserts into the composer by typing `/`
// and a few letters. A reply is personal (its owner's alone) or shared (every agent's; only admins
// change them). Its body is the composer's markdown subset and may hold variables — the contact's
// first name, the agent's name, … — filled in for the conversation it is used in; it may carry one
// attachment. A saved reply only produces the composer's text and file, so it works on every
// channel the composer does.
package savedreply

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/errs"
)

// Scope says who a saved reply belongs to.
type Scope string

const (
	Personal Scope = "personal" // its owner's alone
	Shared   Scope = "shared"   // every agent's; admins change them
)

// Limits of a saved reply's fields.
const (
	MaxShortcut = 40
	MaxTitle    = 100
	MaxBody     = 10000 // as a message (conversation.MaxBody)
)

// SavedReply is one saved reply.
type SavedReply struct {
	ID         int64       `json:"id"`
	Scope      Scope       `json:"scope"`
	OwnerID    int64       `json:"owner_id,omitempty"` // personal replies only
	Shortcut   string      `json:"shortcut"`
	Title      string      `json:"title"`
	Body       string      `json:"body"`
	Attachment *Attachment `json:"attachment"`
	CreatedBy  int64       `json:"created_by,omitempty"`
	CreatedAt  int64       `json:"created_at"`
	UpdatedAt  int64       `json:"updated_at"`
}

// Attachment is the file a saved reply carries (an upload kept by the reply).
type Attachment struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// Input creates or changes a saved reply; nil fields stay as they are. Scope is chosen when the
// reply is created and does not change.
type Input struct {
	Scope    *Scope  `json:"scope"`
	Shortcut *string `json:"shortcut"`
	Title    *string `json:"title"`
	Body     *string `json:"body"`
}

// apply validates in and applies it to r.
func (in Input) apply(r *SavedReply) error {
	if in.Shortcut != nil {
		s, err := cleanShortcut(*in.Shortcut)
		if err != nil {
			return err
		}
		r.Shortcut = s
	}
	if in.Title != nil {
		t := strings.Join(strings.Fields(*in.Title), " ")
		if t == "" {
			return errs.Coded(errs.Invalid, "title_required", "a saved reply needs a title")
		}
		if utf8.RuneCountInString(t) > MaxTitle {
			return errs.Coded(errs.Invalid, "title_too_long", "the title is longer than %d characters", MaxTitle)
		}
		r.Title = t
	}
	if in.Body != nil {
		b := strings.TrimSpace(*in.Body)
		if b == "" {
			return errs.Coded(errs.Invalid, "body_required", "a saved reply needs a text")
		}
		if !utf8.ValidString(b) {
			return errs.Coded(errs.Invalid, "body_invalid", "the text is not valid UTF-8")
		}
		if utf8.RuneCountInString(b) > MaxBody {
			return errs.Coded(errs.TooLarge, "body_too_long", "the text is longer than %d characters", MaxBody)
		}
		if err := checkVariables(b); err != nil {
			return err
		}
		r.Body = b
	}
	return nil
}

// cleanShortcut lower-cases a shortcut (in Go, never in SQL) and allows letters, digits, "-", "_"
// and "." only: it is typed right after "/", and a space ends it.
func cleanShortcut(s string) (string, error) {
	s = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "/"))
	if s == "" {
		return "", errs.Coded(errs.Invalid, "shortcut_required", "a saved reply needs a shortcut")
	}
	if utf8.RuneCountInString(s) > MaxShortcut {
		return "", errs.Coded(errs.Invalid, "shortcut_too_long", "the shortcut is longer than %d characters", MaxShortcut)
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' && r != '.' {
			return "", errs.Coded(errs.Invalid, "shortcut_invalid", "a shortcut holds letters, digits, - _ and . only (no spaces)")
		}
	}
	return s, nil
}

// Matches reports whether the reply matches a search: every word of q is in its shortcut, title or
// body, ignoring case.
func (r *SavedReply) Matches(q string) bool {
	hay := strings.ToLower(r.Shortcut + "\n" + r.Title + "\n" + r.Body)
	for _, w := range strings.Fields(strings.ToLower(q)) {
		if !strings.Contains(hay, strings.TrimPrefix(w, "/")) {
			return false
		}
	}
	return true
}
