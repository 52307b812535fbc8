package webhook

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// Repo is the storage webhooks need; internal/store implements it. Every write that changes what
// the delivery job must do (new deliveries, a redelivery, an endpoint switched on) makes sure, in
// the same transaction, that the endpoint's job exists ("kicks" it).
type Repo interface {
	// Now is the database's clock in unix ms (schedules use it, so nodes agree).
	Now(ctx context.Context) (int64, error)
	LastPosition(ctx context.Context) (int64, error)

	// CreateWebhook inserts e with its first signing secret and sets e.ID.
	CreateWebhook(ctx context.Context, e *Endpoint, secret string) error
	Webhook(ctx context.Context, id int64) (*Endpoint, error)
	ListWebhooks(ctx context.Context) ([]Endpoint, error)
	// UpdateWebhook saves what an admin changes (url, description, event types, active and its
	// disabled fields, from_position, failing_since, updated_at), only if updated_at is still
	// prevUpdatedAt (errs.Conflict "webhook_changed" otherwise). When e is active it kicks the
	// endpoint's queue.
	UpdateWebhook(ctx context.Context, e *Endpoint, prevUpdatedAt int64) error
	DeleteWebhook(ctx context.Context, id int64) error
	// RotateWebhookSecret makes secret the current one; the one it replaces signs until
	// previousUntil, and any older one stops at once.
	RotateWebhookSecret(ctx context.Context, id int64, secret string, now, previousUntil int64) error
	// WebhookSecrets returns the secrets that sign at now, the current one first.
	WebhookSecrets(ctx context.Context, id, now int64) ([]string, error)

	// ActiveWebhooks lists the endpoints that are switched on.
	ActiveWebhooks(ctx context.Context) ([]Endpoint, error)
	// AddDeliveries inserts deliveries (an event already delivered to an endpoint is skipped) and
	// kicks their endpoints' queues, in one transaction.
	AddDeliveries(ctx context.Context, ds []Delivery) error
	// NextDelivery returns the endpoint's pending delivery of the lowest position (errs.NotFound
	// when none is pending).
	NextDelivery(ctx context.Context, endpointID int64) (*Delivery, error)
	// StopSending ends the endpoint's job: unless force, only when no delivery is pending (false
	// otherwise: the job goes on).
	StopSending(ctx context.Context, endpointID int64, force bool) (bool, error)
	// RecordAttempt stores an attempt's outcome (errs.Conflict when the delivery is no longer at
	// the attempt the outcome was decided on; errs.NotFound when it is gone).
	RecordAttempt(ctx context.Context, o *Outcome, evs ...event.Event) error
	// ExpireDeliveries fails the endpoint's pending deliveries whose deadline has passed.
	ExpireDeliveries(ctx context.Context, endpointID, now int64) (int, error)

	ListDeliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, error)
	Delivery(ctx context.Context, id int64) (*Delivery, error)
	Attempts(ctx context.Context, deliveryID int64) ([]Attempt, error)
	// AddTestDelivery stores a test delivery that was already attempted, with its attempt.
	AddTestDelivery(ctx context.Context, d *Delivery, a *Attempt) error
	// Redeliver makes one finished delivery pending again, due at now, retried until deadline,
	// or a pending one due now (keeping its deadline), and has the queue look at once.
	Redeliver(ctx context.Context, deliveryID, now, deadline int64) error
	// RedeliverFailed does so for the endpoint's failed event deliveries created at since or
	// later, and returns how many.
	RedeliverFailed(ctx context.Context, endpointID, since, now, deadline int64) (int, error)
	// PruneWebhooks deletes deliveries finished before before and secrets expired by now.
	PruneWebhooks(ctx context.Context, before, now int64) (int, error)
}

// DeliveryQuery selects a page of an endpoint's delivery log, newest first.
type DeliveryQuery struct {
	EndpointID int64
	State      State // empty: all
	BeforeID   int64 // the previous page's last id
	Limit      int
}

// Outcome is what an attempt leads to, for the store to apply in one transaction.
type Outcome struct {
	Attempt Attempt
	// The delivery as it is after the attempt; PrevAttempts is its attempt count before it.
	Delivery     *Delivery
	PrevAttempts int
	// Health of the endpoint: Success clears its failing state; otherwise FailedAt starts it
	// unless it is failing already. A test changes neither (Test).
	Test     bool
	Success  bool
	FailedAt int64
	// Disable, when set, switches the endpoint off for this reason and fails its pending
	// deliveries.
	Disable string
}

// Feed announces committed events (internal/event).
type Feed interface {
	Committed(ctx context.Context, n event.Notice)
}

// Options configures a Service. Zero durations take the defaults noted.
type Options struct {
	Repo Repo
	Feed Feed
	// AllowPrivate lets endpoints point at loopback, private and link-local addresses
	// (--webhooks-allow-private).
	AllowPrivate bool
	// Client sends deliveries. Default: NewClient with a Dialer for AllowPrivate and Timeout.
	Client *http.Client
	// Timeout bounds one attempt, from connecting to reading the response (default 10 s).
	Timeout time.Duration
	// Backoff is the wait after the n-th failed attempt of a delivery (default Backoff).
	Backoff func(n int) time.Duration
	// GiveUpAfter is how long a delivery is retried (default 72 h).
	GiveUpAfter time.Duration
	// DisableAfter is how long an endpoint may fail without a success before it is switched off
	// (default 5 days).
	DisableAfter time.Duration
	// RotationOverlap is how long the replaced secret keeps signing (default 24 h).
	RotationOverlap time.Duration
	// KeepDeliveries is how long finished deliveries stay in the log (default 30 days).
	KeepDeliveries time.Duration
	// Recheck is the longest the delivery job waits before looking at its queue again, whatever
	// the back-off (default 1 min): a redelivery or "try now" that made the job due just before it
	// recorded a longer wait is picked up then.
	Recheck time.Duration
	Logger  *slog.Logger
	// Now is the node's clock, for the webhook-timestamp header (default time.Now).
	Now func() time.Time
}

// Service is everything about webhooks: subscriptions, the fan-out, the delivery job, the log.
type Service struct {
	repo   Repo
	feed   Feed
	o      Options
	client *http.Client
	log    *slog.Logger
}

// NewService returns the webhooks service.
func NewService(o Options) *Service {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Backoff == nil {
		o.Backoff = Backoff
	}
	if o.GiveUpAfter <= 0 {
		o.GiveUpAfter = 72 * time.Hour
	}
	if o.DisableAfter <= 0 {
		o.DisableAfter = 5 * 24 * time.Hour
	}
	if o.RotationOverlap <= 0 {
		o.RotationOverlap = 24 * time.Hour
	}
	if o.KeepDeliveries <= 0 {
		o.KeepDeliveries = 30 * 24 * time.Hour
	}
	if o.Recheck <= 0 {
		o.Recheck = time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	client := o.Client
	if client == nil {
		client = NewClient(NewDialer(o.AllowPrivate, nil, nil), o.Timeout)
	}
	return &Service{repo: o.Repo, feed: o.Feed, o: o, client: client, log: o.Logger}
}

func (s *Service) committed(ctx context.Context, evs []event.Event) {
	if s.feed != nil && len(evs) > 0 {
		s.feed.Committed(context.WithoutCancel(ctx), event.Notice{Events: evs, Position: event.Last(evs)})
	}
}

// jobsCommitted wakes the job runners of every node: a write may have enqueued a delivery job.
func (s *Service) jobsCommitted(ctx context.Context) {
	if s.feed != nil {
		s.feed.Committed(context.WithoutCancel(ctx), event.Notice{Jobs: true})
	}
}

// List returns every endpoint.
func (s *Service) List(ctx context.Context, u *auth.User) ([]Endpoint, error) {
	if err := CanManage(u); err != nil {
		return nil, err
	}
	return s.repo.ListWebhooks(ctx)
}

// Get returns one endpoint.
func (s *Service) Get(ctx context.Context, u *auth.User, id int64) (*Endpoint, error) {
	if err := CanManage(u); err != nil {
		return nil, err
	}
	return s.repo.Webhook(ctx, id)
}

// Create makes an endpoint and returns it with its signing secret, which is shown only now. It
// receives the events committed after it was made.
func (s *Service) Create(ctx context.Context, u *auth.User, in Input) (*Endpoint, string, error) {
	if err := CanManage(u); err != nil {
		return nil, "", err
	}
	url, err := CheckURL(in.URL, s.o.AllowPrivate)
	if err != nil {
		return nil, "", err
	}
	desc, err := cleanDescription(in.Description)
	if err != nil {
		return nil, "", err
	}
	types, err := cleanTypes(in.EventTypes)
	if err != nil {
		return nil, "", err
	}
	from, err := s.repo.LastPosition(ctx)
	if err != nil {
		return nil, "", err
	}
	now := s.o.Now().UnixMilli()
	e := &Endpoint{URL: url, Description: desc, EventTypes: types, Active: in.Active == nil || *in.Active, FromPosition: from,
		CreatedBy: u.ID, CreatedAt: now, UpdatedAt: now}
	if !e.Active {
		e.DisabledAt = now
	}
	secret := NewSecret()
	if err := s.repo.CreateWebhook(ctx, e, secret); err != nil {
		return nil, "", err
	}
	s.log.InfoContext(ctx, "webhook endpoint created", "webhook_id", e.ID, "by", u.ID)
	return e, secret, nil
}

// Update applies an admin's change. Switching an endpoint on starts it afresh: it receives the
// events committed from then on (the event log has the ones it missed) and its failing state is
// forgotten; deliveries still pending go on.
func (s *Service) Update(ctx context.Context, u *auth.User, id int64, p Patch) (*Endpoint, error) {
	if err := CanManage(u); err != nil {
		return nil, err
	}
	var err error
	for range 5 { // the delivery job switched it off meanwhile: decide again on what it is now
		var cur *Endpoint
		if cur, err = s.repo.Webhook(ctx, id); err != nil {
			return nil, err
		}
		next := *cur
		if p.URL != nil {
			if next.URL, err = CheckURL(*p.URL, s.o.AllowPrivate); err != nil {
				return nil, err
			}
		}
		if p.Description != nil {
			if next.Description, err = cleanDescription(*p.Description); err != nil {
				return nil, err
			}
		}
		if p.EventTypes != nil {
			if next.EventTypes, err = cleanTypes(*p.EventTypes); err != nil {
				return nil, err
			}
		}
		now := max(s.o.Now().UnixMilli(), cur.UpdatedAt+1)
		if p.Active != nil && *p.Active != cur.Active {
			next.Active = *p.Active
			if next.Active {
				if next.FromPosition, err = s.repo.LastPosition(ctx); err != nil {
					return nil, err
				}
				next.DisabledReason, next.DisabledAt, next.FailingSince = "", 0, 0
			} else {
				next.DisabledReason, next.DisabledAt = "", now
			}
		}
		next.UpdatedAt = now
		if err = s.repo.UpdateWebhook(ctx, &next, cur.UpdatedAt); err == nil {
			if next.Active && !cur.Active {
				s.jobsCommitted(ctx) // its pending deliveries go on
			}
			return &next, nil
		}
		if !errs.Is(err, errs.Conflict) {
			return nil, err
		}
	}
	return nil, err
}

// Delete removes an endpoint with its secrets and its delivery log.
func (s *Service) Delete(ctx context.Context, u *auth.User, id int64) error {
	if err := CanManage(u); err != nil {
		return err
	}
	if err := s.repo.DeleteWebhook(ctx, id); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "webhook endpoint deleted", "webhook_id", id, "by", u.ID)
	return nil
}

// RotateSecret gives the endpoint a new signing secret, returned only now. For RotationOverlap
// (24 h) deliveries carry signatures by both, so the receiver can switch at its own pace.
func (s *Service) RotateSecret(ctx context.Context, u *auth.User, id int64) (*Endpoint, string, error) {
	if err := CanManage(u); err != nil {
		return nil, "", err
	}
	if _, err := s.repo.Webhook(ctx, id); err != nil {
		return nil, "", err
	}
	now, err := s.repo.Now(ctx) // the clock WebhookSecrets compares with
	if err != nil {
		return nil, "", err
	}
	secret := NewSecret()
	if err := s.repo.RotateWebhookSecret(ctx, id, secret, now, now+s.o.RotationOverlap.Milliseconds()); err != nil {
		return nil, "", err
	}
	e, err := s.repo.Webhook(ctx, id)
	if err != nil {
		return nil, "", err
	}
	s.log.InfoContext(ctx, "webhook secret rotated", "webhook_id", id, "by", u.ID)
	return e, secret, nil
}

// Deliveries returns a page of an endpoint's delivery log, newest first.
func (s *Service) Deliveries(ctx context.Context, u *auth.User, q DeliveryQuery) ([]Delivery, error) {
	if err := CanManage(u); err != nil {
		return nil, err
	}
	if q.State != "" && !q.State.valid() {
		return nil, errs.Coded(errs.Invalid, "state_invalid", "state must be pending, succeeded or failed")
	}
	if _, err := s.repo.Webhook(ctx, q.EndpointID); err != nil {
		return nil, err
	}
	q.Limit = PageSize(q.Limit)
	return s.repo.ListDeliveries(ctx, q)
}

// PageSize is the number of deliveries a page holds for a requested limit.
func PageSize(limit int) int {
	if limit <= 0 || limit > 200 {
		return 50
	}
	return limit
}

// Delivery returns one delivery of an endpoint with its attempts, oldest first.
func (s *Service) Delivery(ctx context.Context, u *auth.User, endpointID, id int64) (*Delivery, []Attempt, error) {
	if err := CanManage(u); err != nil {
		return nil, nil, err
	}
	d, err := s.repo.Delivery(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if d.EndpointID != endpointID {
		return nil, nil, errs.E(errs.NotFound, "delivery not found")
	}
	as, err := s.repo.Attempts(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return d, as, nil
}

// Redeliver sends one delivery again, with the same webhook-id, as the next in the endpoint's
// queue; it is retried with back-off like a new one. A pending delivery waiting for its next
// attempt after a failure is tried now ("try now", once the receiver is fixed).
func (s *Service) Redeliver(ctx context.Context, u *auth.User, endpointID, id int64) (*Delivery, error) {
	if err := CanManage(u); err != nil {
		return nil, err
	}
	ep, err := s.repo.Webhook(ctx, endpointID)
	if err != nil {
		return nil, err
	}
	d, err := s.repo.Delivery(ctx, id)
	if err != nil {
		return nil, err
	}
	if d.EndpointID != endpointID {
		return nil, errs.E(errs.NotFound, "delivery not found")
	}
	if err := redeliverable(ep); err != nil {
		return nil, err
	}
	if d.Position == 0 {
		return nil, errs.Coded(errs.Conflict, "test_not_redelivered", "a test event is not sent again; send a new one")
	}
	now, err := s.repo.Now(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.repo.Redeliver(ctx, id, now, now+s.o.GiveUpAfter.Milliseconds()); err != nil {
		return nil, err
	}
	s.jobsCommitted(ctx)
	return s.repo.Delivery(ctx, id)
}

// RedeliverFailed sends again every failed event delivery of the endpoint created at since or
// later, in position order, and returns how many.
func (s *Service) RedeliverFailed(ctx context.Context, u *auth.User, endpointID, since int64) (int, error) {
	if err := CanManage(u); err != nil {
		return 0, err
	}
	ep, err := s.repo.Webhook(ctx, endpointID)
	if err != nil {
		return 0, err
	}
	if err := redeliverable(ep); err != nil {
		return 0, err
	}
	if since < 0 {
		return 0, errs.Coded(errs.Invalid, "since_invalid", "since: a time in unix milliseconds")
	}
	now, err := s.repo.Now(ctx)
	if err != nil {
		return 0, err
	}
	n, err := s.repo.RedeliverFailed(ctx, endpointID, since, now, now+s.o.GiveUpAfter.Milliseconds())
	if err != nil {
		return 0, err
	}
	if n > 0 {
		s.jobsCommitted(ctx)
	}
	return n, nil
}

func redeliverable(ep *Endpoint) error {
	if !ep.Active {
		return errs.Coded(errs.Conflict, "webhook_inactive", "the endpoint is switched off; switch it on to deliver again")
	}
	return nil
}

// Prune deletes deliveries finished longer than KeepDeliveries ago, with their attempts, and the
// secrets that no longer sign. Any node may run it: doing it twice is harmless.
func (s *Service) Prune(ctx context.Context) (int, error) {
	now, err := s.repo.Now(ctx)
	if err != nil {
		return 0, err
	}
	return s.repo.PruneWebhooks(ctx, now-s.o.KeepDeliveries.Milliseconds(), now)
}

// RunPrune prunes hourly until ctx ends.
func (s *Service) RunPrune(ctx context.Context) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if n, err := s.Prune(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("prune webhook deliveries", "err", err)
			} else if n > 0 {
				s.log.Info("old webhook deliveries deleted", "count", n)
			}
		}
	}
}
