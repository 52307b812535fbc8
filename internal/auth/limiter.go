package auth

import (
	"time"

	"github.com/parleyhq/parley/internal/ratelimit"
)

// loginLimiter throttles password attempts per client IP and per account. A successful login gives
// its token back, so only failures count against the limit.
type loginLimiter struct {
	byIP, byEmail *ratelimit.Keyed
}

// LoginLimits sets how many failed logins are allowed: a burst, then one per interval.
type LoginLimits struct {
	PerIPBurst         int
	PerIPInterval      time.Duration
	PerAccountBurst    int
	PerAccountInterval time.Duration
}

// DefaultLoginLimits allow 20 quick failures per IP (then one every 6 s) and 5 per account (then
// one every 30 s): enough for people mistyping, far too slow for guessing.
var DefaultLoginLimits = LoginLimits{PerIPBurst: 20, PerIPInterval: 6 * time.Second, PerAccountBurst: 5, PerAccountInterval: 30 * time.Second}

func newLoginLimiter(l LoginLimits) *loginLimiter {
	return &loginLimiter{byIP: ratelimit.New(l.PerIPInterval, l.PerIPBurst), byEmail: ratelimit.New(l.PerAccountInterval, l.PerAccountBurst)}
}

// attempt takes one attempt from ip's and email's allowance. ok is false when either is spent;
// else the caller calls done(success) once the password has been checked.
func (l *loginLimiter) attempt(ip, email string, now time.Time) (ok bool, done func(success bool)) {
	ok, refund := ratelimit.TakeBoth(now, l.byIP, ip, l.byEmail, email)
	if !ok {
		return false, nil
	}
	return true, func(success bool) {
		if success {
			refund()
		}
	}
}
