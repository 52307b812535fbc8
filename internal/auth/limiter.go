package auth

import (
	"time"

	"github.com/parleyhq/parley/internal/ratelimit"
)

// loginLimiter throttles password attempts so that guessing is slow and nobody can lock a user
// out: per address (any account), per account from one address, and per account from everywhere
// as a much higher, slower ceiling that an address without recent failures of the account passes
// anyway — so failures from elsewhere never keep the right password from working. A successful
// login gives its tokens back, so only failures count.
type loginLimiter struct {
	byIP, byAccountIP, byAccount *ratelimit.Keyed
}

// LoginLimits sets how many failed logins are allowed: a burst, then one per interval. A group
// left zero takes its default.
type LoginLimits struct {
	// PerIP: failures from one address, whatever the accounts.
	PerIPBurst    int
	PerIPInterval time.Duration
	// PerAccountIP: failures of one account from one address.
	PerAccountIPBurst    int
	PerAccountIPInterval time.Duration
	// PerAccount: failures of one account from all addresses together. Once spent, only an
	// address with no recent failure of the account may try (one try, until it refills).
	PerAccountBurst    int
	PerAccountInterval time.Duration
}

// DefaultLoginLimits allow 20 quick failures per address (then one every 6 s), 5 per account from
// one address (then one every 30 s), and 50 per account from everywhere (then one every 2
// minutes): enough for people mistyping, far too slow for guessing (docs/operations.md, "Limits").
var DefaultLoginLimits = LoginLimits{PerIPBurst: 20, PerIPInterval: 6 * time.Second, PerAccountIPBurst: 5, PerAccountIPInterval: 30 * time.Second,
	PerAccountBurst: 50, PerAccountInterval: 2 * time.Minute}

func newLoginLimiter(l LoginLimits) *loginLimiter {
	d := DefaultLoginLimits
	if l.PerIPBurst == 0 {
		l.PerIPBurst, l.PerIPInterval = d.PerIPBurst, d.PerIPInterval
	}
	if l.PerAccountIPBurst == 0 {
		l.PerAccountIPBurst, l.PerAccountIPInterval = d.PerAccountIPBurst, d.PerAccountIPInterval
	}
	if l.PerAccountBurst == 0 {
		l.PerAccountBurst, l.PerAccountInterval = d.PerAccountBurst, d.PerAccountInterval
	}
	return &loginLimiter{byIP: ratelimit.New(l.PerIPInterval, l.PerIPBurst), byAccountIP: ratelimit.New(l.PerAccountIPInterval, l.PerAccountIPBurst),
		byAccount: ratelimit.New(l.PerAccountInterval, l.PerAccountBurst)}
}

// attempt takes one attempt from the allowances of ip, of email from ip, and of email. ok is false
// when the address's or the pair's is spent, or the account's is and this address failed on the
// account recently; else the caller calls done(success) once the password has been checked.
func (l *loginLimiter) attempt(ip, email string, now time.Time) (ok bool, done func(success bool)) {
	pair := email + "\x00" + ip
	fresh := l.byAccountIP.Full(now, pair) // no recent failure of this account from this address
	ok, refund := ratelimit.TakeBoth(now, l.byIP, ip, l.byAccountIP, pair)
	if !ok {
		return false, nil
	}
	accountOK, refundAccount := l.byAccount.TakeOne(now, email)
	if !accountOK && !fresh {
		refund()
		return false, nil
	}
	return true, func(success bool) {
		if success {
			refund()
			if refundAccount != nil {
				refundAccount()
			}
		}
	}
}
