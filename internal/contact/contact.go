// Package contact holds the people conversations are with: contacts (name, email, phone, notes,
// tags, custom attributes, consents) and website visitors, who each belong to a contact.
package contact

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/errs"
)

// Contact is a person writing to the business, anonymous until they give details.
type Contact struct {
	ID         int64             `json:"id"`
	Name       string            `json:"name"`
	Email      string            `json:"email"`
	Phone      string            `json:"phone"`
	Notes      string            `json:"notes"`
	Tags       []string          `json:"tags"`
	Attributes map[string]string `json:"attributes"`
	WebsiteID  int64             `json:"website_id,omitempty"`
	ExternalID string            `json:"external_id,omitempty"` // the site's user id, once identified
	CreatedAt  int64             `json:"created_at"`
	UpdatedAt  int64             `json:"updated_at"`
}

// DisplayName is what agents see for the contact.
func (c *Contact) DisplayName(fallback string) string {
	switch {
	case c.Name != "":
		return c.Name
	case c.Email != "":
		return c.Email
	}
	return fallback
}

// Visitor is one browser on a website, known by a random token kept in the widget's storage.
type Visitor struct {
	ID        int64  `json:"id"`
	WebsiteID int64  `json:"website_id"`
	ContactID int64  `json:"contact_id"`
	UserAgent string `json:"user_agent"`
	OS        string `json:"os"`
	Browser   string `json:"browser"`
	IP        string `json:"ip"`
	Country   string `json:"country"`
	Referrer  string `json:"referrer"`
	Locale    string `json:"locale"`
	FirstSeen int64  `json:"first_seen"`
	LastSeen  int64  `json:"last_seen"`
	Blocked   bool   `json:"blocked"`
	BlockedAt int64  `json:"blocked_at,omitempty"`
	TokenHash string `json:"-"` // SHA-256 of the token; the token itself is never stored
}

// PageView is one page a visitor looked at.
type PageView struct {
	URL   string `json:"url"`
	Title string `json:"title"`
	At    int64  `json:"at"`
}

// Consent is a recorded GDPR consent.
type Consent struct {
	ID      int64  `json:"id"`
	Text    string `json:"text"`
	Version string `json:"version"`
	GivenAt int64  `json:"given_at"`
}

// Patch is an agent's change to a contact; nil fields stay.
type Patch struct {
	Name       *string            `json:"name"`
	Email      *string            `json:"email"`
	Phone      *string            `json:"phone"`
	Notes      *string            `json:"notes"`
	Tags       *[]string          `json:"tags"`
	Attributes *map[string]string `json:"attributes"`
}

// Apply validates p and applies it to c.
func (p Patch) Apply(c *Contact, normalizeEmail func(string) (string, error)) error {
	if p.Name != nil {
		n := strings.TrimSpace(*p.Name)
		if utf8.RuneCountInString(n) > 200 {
			return errs.Coded(errs.Invalid, "name_too_long", "name is longer than 200 characters")
		}
		c.Name = n
	}
	if p.Email != nil {
		e := strings.TrimSpace(*p.Email)
		if e != "" {
			var err error
			if e, err = normalizeEmail(e); err != nil {
				return err
			}
		}
		c.Email = e
	}
	if p.Phone != nil {
		ph := strings.TrimSpace(*p.Phone)
		// "•" is allowed because stored values are masked: a phone that happened to look like a
		// card number comes back with bullets, and sending it back unchanged must not fail.
		if utf8.RuneCountInString(ph) > 40 || strings.ContainsFunc(ph, func(r rune) bool { return !strings.ContainsRune("+0123456789 ()-./•", r) }) {
			return errs.Coded(errs.Invalid, "phone_invalid", "phone may hold digits, spaces, + ( ) - . / and at most 40 characters")
		}
		c.Phone = ph
	}
	if p.Notes != nil {
		if utf8.RuneCountInString(*p.Notes) > 10000 {
			return errs.Coded(errs.Invalid, "notes_too_long", "notes are longer than 10000 characters")
		}
		c.Notes = *p.Notes
	}
	if p.Tags != nil {
		tags := []string{}
		seen := map[string]bool{}
		for _, t := range *p.Tags {
			t = strings.TrimSpace(t)
			if t == "" || seen[strings.ToLower(t)] {
				continue
			}
			if utf8.RuneCountInString(t) > 50 {
				return errs.Coded(errs.Invalid, "tag_too_long", "tag %q is longer than 50 characters", t)
			}
			seen[strings.ToLower(t)] = true
			tags = append(tags, t)
		}
		if len(tags) > 50 {
			return errs.Coded(errs.Invalid, "too_many_tags", "at most 50 tags")
		}
		c.Tags = tags
	}
	if p.Attributes != nil {
		if len(*p.Attributes) > 100 {
			return errs.Coded(errs.Invalid, "too_many_attributes", "at most 100 custom attributes")
		}
		attrs := map[string]string{}
		for k, v := range *p.Attributes {
			k = strings.TrimSpace(k)
			if k == "" || utf8.RuneCountInString(k) > 64 || utf8.RuneCountInString(v) > 1000 {
				return errs.Coded(errs.Invalid, "attribute_invalid", "attribute names are 1–64 characters and values at most 1000")
			}
			attrs[k] = v
		}
		c.Attributes = attrs
	}
	return nil
}

// IdentitySignature is the HMAC-SHA256 of a site's user id under the website secret, hex-encoded:
// what the site's server computes and passes to Parley.identify so nobody can pose as its users.
func IdentitySignature(secret, userID string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(userID))
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyIdentity checks a signature in constant time.
func VerifyIdentity(secret, userID, signature string) bool {
	want := IdentitySignature(secret, userID)
	return hmac.Equal([]byte(want), []byte(strings.ToLower(strings.TrimSpace(signature))))
}
