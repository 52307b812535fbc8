package push

import (
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
)

// Device is a browser subscribed to an agent's pushes: one per device (and browser) they allowed
// notifications on. Its endpoint and keys never leave the server.
type Device struct {
	ID         int64  `json:"id"`
	UserID     int64  `json:"-"`
	Service    string `json:"service"`      // the push service's host, e.g. fcm.googleapis.com
	UserAgent  string `json:"user_agent"`   // the browser's, when it subscribed
	Device     string `json:"device"`       // the browser and system it names, e.g. "Chrome 126 on Android 14"
	CreatedAt  int64  `json:"created_at"`   // unix ms
	LastSentAt int64  `json:"last_sent_at"` // unix ms of the last push it accepted; 0: none yet

	Subscription Subscription `json:"-"`
}

// SubscribeInput is what the browser's PushSubscription.toJSON() gives.
type SubscribeInput struct {
	Endpoint string `json:"endpoint"`
	// ExpirationTime is the browser's (usually null); push services say when a subscription ended
	// with a 404 or 410 anyway.
	ExpirationTime *float64 `json:"expirationTime,omitempty"`
	Keys           struct {
		P256DH string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// Repo stores the subscriptions (internal/store implements it, the auth secrets sealed).
type Repo interface {
	// SavePushSubscription stores d, keyed by its endpoint: a device subscribing again, or for
	// another agent who signed in on it, replaces its row. It sets d.ID.
	SavePushSubscription(ctx context.Context, d *Device) error
	PushSubscriptions(ctx context.Context, userID int64) ([]Device, error)
	// DeletePushSubscription removes one of the user's devices (not-found when it is not theirs).
	DeletePushSubscription(ctx context.Context, userID, id int64) error
	// DeletePushEndpoint removes the subscription of an endpoint the push service says is gone.
	DeletePushEndpoint(ctx context.Context, endpoint string) error
	MarkPushSent(ctx context.Context, id, at int64) error
}

// Options configures a Service.
type Options struct {
	Repo   Repo
	Sender *Sender
	// AllowHTTP accepts http:// endpoints (tests acting as a push service); real push services
	// are reached over https only.
	AllowHTTP bool
	// Describe names the browser and system of a user agent (nil: none).
	Describe func(userAgent string) string
	Logger   *slog.Logger
	Now      func() time.Time
}

// Service keeps agents' subscriptions and sends to them.
type Service struct {
	o Options
}

// NewService returns the service.
func NewService(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Describe == nil {
		o.Describe = func(string) string { return "" }
	}
	return &Service{o: o}
}

// PublicKey is the application server key browsers subscribe with.
func (s *Service) PublicKey() string { return s.o.Sender.Keys.PublicKey() }

// maxDevices bounds one agent's subscriptions; subscribing past it drops the oldest.
const maxDevices = 20

// Subscribe records the browser's subscription for u and returns it.
func (s *Service) Subscribe(ctx context.Context, u *auth.User, in SubscribeInput, userAgent string) (*Device, error) {
	if u == nil || u.Deactivated {
		return nil, errs.E(errs.Unauthenticated, "sign in first")
	}
	ep, err := url.Parse(in.Endpoint)
	if err != nil || ep.Host == "" || len(in.Endpoint) > 2000 || ep.User != nil ||
		!(ep.Scheme == "https" || (ep.Scheme == "http" && s.o.AllowHTTP)) {
		return nil, errs.Coded(errs.Invalid, "endpoint_invalid", "endpoint must be the push service's https URL")
	}
	key, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(in.Keys.P256DH, "="))
	if err == nil {
		_, err = ecdh.P256().NewPublicKey(key)
	}
	if err != nil {
		return nil, errs.Coded(errs.Invalid, "p256dh_invalid", "keys.p256dh must be the browser's P-256 public key, base64url")
	}
	secret, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(in.Keys.Auth, "="))
	if err != nil || len(secret) != 16 {
		return nil, errs.Coded(errs.Invalid, "auth_invalid", "keys.auth must be the browser's 16-byte auth secret, base64url")
	}
	if utf8.RuneCountInString(userAgent) > 300 {
		userAgent = string([]rune(userAgent)[:300])
	}
	d := &Device{UserID: u.ID, UserAgent: userAgent, CreatedAt: s.o.Now().UnixMilli(),
		Subscription: Subscription{Endpoint: in.Endpoint, P256DH: base64.RawURLEncoding.EncodeToString(key), Auth: base64.RawURLEncoding.EncodeToString(secret)}}
	if err := s.o.Repo.SavePushSubscription(ctx, d); err != nil {
		return nil, err
	}
	list, err := s.o.Repo.PushSubscriptions(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for i := 0; len(list)-i > maxDevices; i++ { // oldest first
		if err := s.o.Repo.DeletePushSubscription(ctx, u.ID, list[i].ID); err != nil && !errs.Is(err, errs.NotFound) {
			return nil, err
		}
	}
	s.describe(d)
	return d, nil
}

// Devices lists u's subscribed devices, oldest first.
func (s *Service) Devices(ctx context.Context, u *auth.User) ([]Device, error) {
	if u == nil || u.Deactivated {
		return nil, errs.E(errs.Unauthenticated, "sign in first")
	}
	list, err := s.o.Repo.PushSubscriptions(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for i := range list {
		s.describe(&list[i])
	}
	return list, nil
}

// Remove unsubscribes one of u's devices.
func (s *Service) Remove(ctx context.Context, u *auth.User, id int64) error {
	if u == nil || u.Deactivated {
		return errs.E(errs.Unauthenticated, "sign in first")
	}
	return s.o.Repo.DeletePushSubscription(ctx, u.ID, id)
}

func (s *Service) describe(d *Device) {
	if u, err := url.Parse(d.Subscription.Endpoint); err == nil {
		d.Service = u.Hostname()
	}
	d.Device = s.o.Describe(d.UserAgent)
}

// Result says how a push to a user's devices went.
type Result struct {
	Sent, Gone int
	// Retry is set when a device did not take the push but may later (its push service was busy
	// or unreachable): the caller tries again after it.
	Retry time.Duration
	Err   error
}

// SendToUser pushes m to every device of the user. Subscriptions the push service says are gone
// are forgotten.
func (s *Service) SendToUser(ctx context.Context, userID int64, m Message) Result {
	var r Result
	list, err := s.o.Repo.PushSubscriptions(ctx, userID)
	if err != nil {
		r.Err, r.Retry = err, time.Minute
		return r
	}
	failed := 0
	for _, d := range list {
		err := s.o.Sender.Send(ctx, d.Subscription, m)
		var se *StatusError
		switch {
		case err == nil:
			r.Sent++
			if err := s.o.Repo.MarkPushSent(ctx, d.ID, s.o.Now().UnixMilli()); err != nil {
				s.o.Logger.WarnContext(ctx, "record a push sent", "err", err)
			}
		case errors.Is(err, ErrGone):
			r.Gone++
			if err := s.o.Repo.DeletePushEndpoint(ctx, d.Subscription.Endpoint); err != nil {
				s.o.Logger.WarnContext(ctx, "forget a gone push subscription", "err", err)
			}
		case errors.As(err, &se) && !se.Temporary():
			// Refused for good (a bad request, an unknown application server key): pushing the
			// same again will not help; the subscription stays in case it was a passing fault.
			s.o.Logger.WarnContext(ctx, "push refused", "user_id", userID, "device", d.ID, "err", err)
		default:
			failed++
			r.Err = err
			wait := time.Minute
			if se != nil && se.RetryAfter > 0 {
				wait = se.RetryAfter
			}
			r.Retry = max(r.Retry, wait)
		}
	}
	if failed == 0 {
		r.Retry = 0
	}
	// With Retry set, the caller sends again to every device: those that had it replace the
	// notification with the same one (its tag), so no second one appears.
	return r
}
