package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// loginLimiter throttles password attempts per client IP and per account. A successful login gives
// its token back, so only failures count against the limit.
type loginLimiter struct {
	mu       sync.Mutex
	byIP     map[string]*limiterEntry
	byEmail  map[string]*limiterEntry
	ipRate   rate.Limit
	ipBurst  int
	accRate  rate.Limit
	accBurst int
	lastGC   time.Time
}

type limiterEntry struct {
	lim  *rate.Limiter
	seen time.Time
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
	return &loginLimiter{
		byIP: map[string]*limiterEntry{}, byEmail: map[string]*limiterEntry{},
		ipRate: rate.Every(l.PerIPInterval), ipBurst: l.PerIPBurst,
		accRate: rate.Every(l.PerAccountInterval), accBurst: l.PerAccountBurst,
	}
}

// attempt reserves one attempt for ip and email. ok is false when either is over its limit; else
// the caller must call done(success) once the password has been checked.
func (l *loginLimiter) attempt(ip, email string, now time.Time) (ok bool, done func(success bool)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gc(now)
	a := l.get(l.byIP, ip, l.ipRate, l.ipBurst, now).ReserveN(now, 1)
	b := l.get(l.byEmail, email, l.accRate, l.accBurst, now).ReserveN(now, 1)
	if a.DelayFrom(now) > 0 || b.DelayFrom(now) > 0 {
		a.CancelAt(now)
		b.CancelAt(now)
		return false, nil
	}
	return true, func(success bool) {
		if success {
			l.mu.Lock()
			defer l.mu.Unlock()
			// Cancel as of the reservation's own time: a cancel dated later restores nothing.
			a.CancelAt(now)
			b.CancelAt(now)
		}
	}
}

func (l *loginLimiter) get(m map[string]*limiterEntry, key string, r rate.Limit, burst int, now time.Time) *rate.Limiter {
	e := m[key]
	if e == nil {
		e = &limiterEntry{lim: rate.NewLimiter(r, burst)}
		m[key] = e
	}
	e.seen = now
	return e.lim
}

// gc drops entries idle long enough to have refilled, so the maps stay small.
func (l *loginLimiter) gc(now time.Time) {
	if now.Sub(l.lastGC) < time.Minute {
		return
	}
	l.lastGC = now
	for _, m := range []map[string]*limiterEntry{l.byIP, l.byEmail} {
		for k, e := range m {
			if now.Sub(e.seen) > time.Hour {
				delete(m, k)
			}
		}
	}
}
