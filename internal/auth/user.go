// Package auth holds Parley's people and their access: users and their roles, teams, sessions,
// personal API tokens, password hashing, login throttling, and the one place that decides who may
// manage whom.
package auth

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/errs"
)

// Role is what a user may do. Owners are admins who also own the account's data.
type Role string

const (
	Owner Role = "owner"
	Admin Role = "admin"
	Agent Role = "agent"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == Owner || r == Admin || r == Agent }

// IsAdmin reports whether r includes admin rights.
func (r Role) IsAdmin() bool { return r == Owner || r == Admin }

// User is a person who signs in to the inbox.
type User struct {
	ID          int64  `json:"id"`
	Email       string `json:"email"`
	Name        string `json:"name"`
	AvatarURL   string `json:"avatar_url"`
	TimeZone    string `json:"time_zone"`
	Role        Role   `json:"role"`
	Deactivated bool   `json:"deactivated"`
	// Invited: invited by email and no password set yet (the link sets it).
	Invited       bool   `json:"invited"`
	CreatedAt     int64  `json:"created_at"`
	UpdatedAt     int64  `json:"updated_at"`
	PasswordHash  string `json:"-"`
	DeactivatedAt int64  `json:"-"`
}

// RoleChange is the payload of user.role_changed.
type RoleChange struct {
	UserID       int64 `json:"user_id"`
	Role         Role  `json:"role"`
	PreviousRole Role  `json:"previous_role"`
}

// Team groups agents for routing and filtering.
type Team struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	MemberIDs []int64 `json:"member_ids"`
	CreatedAt int64   `json:"created_at"`
	UpdatedAt int64   `json:"updated_at"`
}

// Session is a signed-in browser.
type Session struct {
	ID         int64  `json:"id"`
	UserID     int64  `json:"user_id"`
	IP         string `json:"ip"`
	UserAgent  string `json:"user_agent"`
	CreatedAt  int64  `json:"created_at"`
	LastUsedAt int64  `json:"last_used_at"`
	ExpiresAt  int64  `json:"expires_at"`
	Current    bool   `json:"current"`
	TokenHash  string `json:"-"`
}

// APIToken is a personal token for the REST API. Its secret is shown once, at creation.
type APIToken struct {
	ID         int64  `json:"id"`
	UserID     int64  `json:"user_id"`
	Name       string `json:"name"`
	Hint       string `json:"hint"` // the last characters, to tell tokens apart
	CreatedAt  int64  `json:"created_at"`
	LastUsedAt int64  `json:"last_used_at,omitempty"`
	TokenHash  string `json:"-"`
}

// NormalizeEmail validates an email address and returns its canonical form. It is lower-cased in
// Go, never in SQL, where lower() depends on the database's locale.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errs.Coded(errs.Invalid, "email_required", "email is required")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || len(s) > 254 {
		return "", errs.Coded(errs.Invalid, "email_invalid", "%q is not a valid email address", s)
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || !strings.Contains(s[at+1:], ".") || strings.HasSuffix(s, ".") {
		return "", errs.Coded(errs.Invalid, "email_invalid", "%q is not a valid email address", s)
	}
	return strings.ToLower(s), nil
}

// ValidateName checks a display name.
func ValidateName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errs.Coded(errs.Invalid, "name_required", "name is required")
	}
	if utf8.RuneCountInString(s) > 100 {
		return "", errs.Coded(errs.Invalid, "name_too_long", "name is longer than 100 characters")
	}
	return s, nil
}

// ValidateTimeZone checks an IANA time zone name; empty means UTC.
func ValidateTimeZone(s string) (string, error) {
	if s == "" {
		return "UTC", nil
	}
	if _, err := time.LoadLocation(s); err != nil || s == "Local" {
		return "", errs.Coded(errs.Invalid, "time_zone_invalid", "%q is not a known time zone (use an IANA name such as Europe/Berlin)", s)
	}
	return s, nil
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// commonPasswords are refused whatever their length.
var commonPasswords = map[string]bool{
	"1234567890": true, "12345678910": true, "0123456789": true, "password123": true, "password1234": true,
	"qwertyuiop": true, "1q2w3e4r5t": true, "qwerty1234": true, "iloveyou123": true, "administrator": true,
	"passwordpassword": true, "letmein1234": true, "welcome123": true, "abcdefghij": true, "aaaaaaaaaa": true,
}

// ValidatePassword refuses passwords that are too short, too common or built on the email.
func ValidatePassword(password, email string) error {
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLength {
		return errs.Coded(errs.Invalid, "password_weak", "password must be at least %d characters long", MinPasswordLength)
	}
	if n > 256 {
		return errs.Coded(errs.Invalid, "password_too_long", "password must be at most 256 characters long")
	}
	lower := strings.ToLower(password)
	if commonPasswords[lower] || allSame(lower) {
		return errs.Coded(errs.Invalid, "password_weak", "this password is too common; choose another")
	}
	if email != "" {
		local := strings.ToLower(email)
		if i := strings.IndexByte(local, '@'); i > 0 {
			local = local[:i]
		}
		if lower == strings.ToLower(email) || (len(local) >= 4 && strings.Contains(lower, local) && n-len(local) < 6) {
			return errs.Coded(errs.Invalid, "password_weak", "password must not be based on the email address")
		}
	}
	return nil
}

func allSame(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune(s[:1], r) {
			return false
		}
	}
	return true
}
