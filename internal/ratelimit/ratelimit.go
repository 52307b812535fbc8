// Package ratelimit holds token buckets by key (an IP, an account, a visitor), dropping the idle
// ones so the maps stay small. Login throttling and visitor message limits both use it.
package ratelimit

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// idleAfter is how long an untouched bucket is kept; by then it has refilled anyway.
const idleAfter = 10 * time.Minute

// Keyed is one token bucket per key: burst tokens, one more every interval.
type Keyed struct {
	every  rate.Limit
	burst  int
	mu     sync.Mutex
	m      map[string]*entry
	lastGC time.Time
}

type entry struct {
	lim  *rate.Limiter
	seen time.Time
}

// New returns buckets of burst tokens refilled one per interval.
func New(interval time.Duration, burst int) *Keyed {
	return &Keyed{every: rate.Every(interval), burst: burst, m: map[string]*entry{}}
}

func (k *Keyed) reserve(key string, now time.Time) *rate.Reservation {
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.lastGC) > time.Minute {
		k.lastGC = now
		for key, e := range k.m {
			if now.Sub(e.seen) > idleAfter {
				delete(k.m, key)
			}
		}
	}
	e := k.m[key]
	if e == nil {
		e = &entry{lim: rate.NewLimiter(k.every, k.burst)}
		k.m[key] = e
	}
	e.seen = now
	return e.lim.ReserveN(now, 1)
}

// TakeBoth takes one token from a's bucket for ka and b's for kb, or — when either is empty —
// none at all (ok false). refund gives both back, e.g. for a login that succeeded.
func TakeBoth(now time.Time, a *Keyed, ka string, b *Keyed, kb string) (ok bool, refund func()) {
	ra, rb := a.reserve(ka, now), b.reserve(kb, now)
	// Cancel as of the reservation's own time: a cancel dated later restores nothing.
	refund = func() {
		ra.CancelAt(now)
		rb.CancelAt(now)
	}
	if ra.DelayFrom(now) > 0 || rb.DelayFrom(now) > 0 {
		refund()
		return false, nil
	}
	return true, refund
}

// Wait takes a token from key's bucket, waiting for one as long as it takes (or until ctx ends).
// A channel's sends to one account use it to stay under the provider's rate.
func (k *Keyed) Wait(ctx context.Context, key string) error {
	now := time.Now()
	r := k.reserve(key, now)
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		r.CancelAt(now)
		return ctx.Err()
	}
}

// Take takes one token from key's bucket; false when it is empty.
func (k *Keyed) Take(now time.Time, key string) bool {
	r := k.reserve(key, now)
	if r.DelayFrom(now) > 0 {
		r.CancelAt(now)
		return false
	}
	return true
}

// TakeOne takes one token from key's bucket, or none when it is empty (ok false). refund gives it
// back, e.g. for a login that succeeded.
func (k *Keyed) TakeOne(now time.Time, key string) (ok bool, refund func()) {
	r := k.reserve(key, now)
	refund = func() { r.CancelAt(now) }
	if r.DelayFrom(now) > 0 {
		refund()
		return false, nil
	}
	return true, refund
}

// Full reports whether key's bucket holds all its tokens at now: nothing was taken from it
// recently (or it has refilled since).
func (k *Keyed) Full(now time.Time, key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	e := k.m[key]
	return e == nil || e.lim.TokensAt(now) >= float64(k.burst)
}
