package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/jobs"
)

// SendKind is the kind of an endpoint's delivery job (payload: {"endpoint_id": N}).
const SendKind = "webhook.send"

// ConsumerName is the fan-out's cursor in the event log; it must not change.
const ConsumerName = "webhooks"

// maxResponseBody is how much of a receiver's answer is kept in the log.
const maxResponseBody = 4096

// Per run, the delivery job sends at most this many deliveries or works this long, then makes
// way for other jobs (it shares the job runner's workers) and goes on in its next run.
const (
	runDeliveries = 50
	runFor        = 30 * time.Second
)

// NewClient returns the HTTP client deliveries are sent with: its connections come from d, it
// follows no redirect (a 3xx is a failed attempt), uses no proxy from the environment (a proxy
// would connect where the dialer's check cannot see) and gives up after timeout.
func NewClient(d *Dialer, timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           d.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   timeout,
			ResponseHeaderTimeout: timeout,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Backoff is the default wait after the n-th failed attempt: 30 s doubling to at most 12 h, with
// ±20 % jitter so that deliveries failing together spread out. With a 72-hour deadline a
// delivery is tried about 15 times.
func Backoff(n int) time.Duration {
	d := 12 * time.Hour
	if n < 12 {
		d = min(30*time.Second<<max(n-1, 0), d)
	}
	jitter := time.Duration(rand.Int64N(int64(d)*2/5+1)) - d/5
	return d + jitter
}

// FanOut is the event consumer (event.Consumer's Handle, name ConsumerName): for each event, a
// delivery to every active endpoint that wants its type and did not start after it. The body is
// the event as the event log shows it. It is idempotent: an event delivered to an endpoint once
// is not added again.
func (s *Service) FanOut(ctx context.Context, events []event.Event) (int64, error) {
	last := event.Last(events)
	eps, err := s.repo.ActiveWebhooks(ctx)
	if err != nil {
		return 0, err
	}
	if len(eps) == 0 {
		return last, nil
	}
	now, err := s.repo.Now(ctx)
	if err != nil {
		return 0, err
	}
	var ds []Delivery
	for i := range events {
		e := &events[i]
		var body string
		for j := range eps {
			ep := &eps[j]
			if e.Position <= ep.FromPosition || !ep.Wants(e.Type) {
				continue
			}
			if body == "" {
				b, err := json.Marshal(e.Envelope())
				if err != nil {
					return 0, fmt.Errorf("encode event %d: %w", e.Position, err)
				}
				body = string(b)
			}
			ds = append(ds, Delivery{EndpointID: ep.ID, MessageID: newMessageID(), EventType: string(e.Type), Position: e.Position,
				Payload: body, State: Pending, NextAttemptAt: now, DeadlineAt: now + s.o.GiveUpAfter.Milliseconds(), CreatedAt: now})
		}
	}
	if len(ds) == 0 {
		return last, nil
	}
	if err := s.repo.AddDeliveries(ctx, ds); err != nil {
		return 0, err
	}
	s.jobsCommitted(ctx)
	return last, nil
}

// sendPayload is the delivery job's payload.
type sendPayload struct {
	EndpointID int64 `json:"endpoint_id"`
}

// SendJob is the spec of an endpoint's delivery job (the store enqueues it when it kicks the
// endpoint). Its handler never fails for good: trouble of its own is retried by snoozing, so the
// job lives as long as the endpoint has pending deliveries.
func SendJob(endpointID int64) jobs.Spec {
	return jobs.Spec{Kind: SendKind, Payload: sendPayload{EndpointID: endpointID}, MaxAttempts: 1000}
}

// Send is the delivery job's handler: it sends the endpoint's pending deliveries one at a time,
// lowest position first, waits (snoozes) until the first one is due again after a failure, and
// ends when none is pending or the endpoint is switched off.
func (s *Service) Send(ctx context.Context, job *jobs.Job) error {
	var p sendPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil || p.EndpointID == 0 {
		return jobs.CancelJob(fmt.Sprintf("bad payload %s", job.Payload))
	}
	log := s.log.With("webhook_id", p.EndpointID)
	later := func(err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		log.Warn("webhook delivery job: will try again", "err", err)
		return jobs.Snooze(5 * time.Second)
	}
	start := time.Now()
	for sent := 0; ; {
		if sent >= runDeliveries || time.Since(start) > runFor {
			return jobs.Snooze(0)
		}
		ep, err := s.repo.Webhook(ctx, p.EndpointID)
		if errs.Is(err, errs.NotFound) {
			return nil // deleted, with its deliveries
		}
		if err != nil {
			return later(err)
		}
		if !ep.Active {
			if _, err := s.repo.StopSending(ctx, ep.ID, true); err != nil {
				return later(err)
			}
			return nil // its pending deliveries wait until it is switched on again
		}
		d, err := s.repo.NextDelivery(ctx, ep.ID)
		if errs.Is(err, errs.NotFound) {
			stopped, err := s.repo.StopSending(ctx, ep.ID, false)
			if err != nil {
				return later(err)
			}
			if stopped {
				return nil
			}
			continue // one arrived meanwhile
		}
		if err != nil {
			return later(err)
		}
		now, err := s.repo.Now(ctx)
		if err != nil {
			return later(err)
		}
		if d.DeadlineAt <= now {
			// It waited (behind a failing one, or while the endpoint was off) until its time ran out.
			if _, err := s.repo.ExpireDeliveries(ctx, ep.ID, now); err != nil {
				return later(err)
			}
			continue
		}
		if d.NextAttemptAt > now {
			return jobs.Snooze(min(time.Duration(d.NextAttemptAt-now)*time.Millisecond, s.o.Recheck))
		}
		secrets, err := s.repo.WebhookSecrets(ctx, ep.ID, now)
		if err != nil {
			return later(err)
		}
		a := s.post(ctx, ep.URL, d, secrets, d.Attempts+1)
		if ctx.Err() != nil {
			// Shutdown (or the job was lost) mid-request: not the receiver's failure. The job is
			// released or rescued and the delivery sent again, with the same webhook-id.
			return ctx.Err()
		}
		sent++
		end, err := s.repo.Now(ctx)
		if err != nil {
			return later(err)
		}
		o := s.judge(ep, d, a, end)
		var evs []event.Event
		if o.Disable != "" {
			evs = []event.Event{disabledEvent(ep, o.Disable, end)}
		}
		err = s.repo.RecordAttempt(ctx, o, evs...)
		switch {
		case errs.Is(err, errs.NotFound):
			return nil
		case errs.Is(err, errs.Conflict):
			continue // changed meanwhile (a redelivery, the endpoint switched off): look again
		case err != nil:
			return later(err)
		}
		if o.Disable != "" {
			s.committed(ctx, evs)
			log.Warn("webhook endpoint switched off", "reason", o.Disable, "url", ep.URL)
			return nil
		}
	}
}

// judge decides what an attempt at d, made at now (database clock), leads to.
func (s *Service) judge(ep *Endpoint, d *Delivery, a *Attempt, now int64) *Outcome {
	next := *d
	next.Attempts = a.Attempt
	next.LastStatus, next.LastError = a.Status, a.Error
	o := &Outcome{Attempt: *a, Delivery: &next, PrevAttempts: d.Attempts, FailedAt: now}
	switch {
	case a.Status >= 200 && a.Status < 300:
		next.State, next.NextAttemptAt, next.FinishedAt = Succeeded, 0, now
		o.Success = true
		return o
	case a.Status == http.StatusGone:
		next.State, next.NextAttemptAt, next.FinishedAt = Failed, 0, now
		o.Disable = ReasonGone
		return o
	}
	since := ep.FailingSince
	if since == 0 {
		since = now
	}
	if now-since >= s.o.DisableAfter.Milliseconds() {
		next.State, next.NextAttemptAt, next.FinishedAt = Failed, 0, now
		o.Disable = ReasonFailing
		return o
	}
	at := now + s.o.Backoff(a.Attempt).Milliseconds()
	if at >= d.DeadlineAt {
		next.State, next.NextAttemptAt, next.FinishedAt = Failed, 0, now
		if next.LastError == "" {
			next.LastError = fmt.Sprintf("given up after %d attempts", a.Attempt)
		}
		return o
	}
	next.NextAttemptAt = at
	return o
}

// DisabledData is the payload of webhook.disabled.
type DisabledData struct {
	WebhookID  int64  `json:"webhook_id"`
	URL        string `json:"url"`
	Reason     string `json:"reason"` // gone or failing
	DisabledAt int64  `json:"disabled_at"`
}

func disabledEvent(ep *Endpoint, reason string, at int64) event.Event {
	e := event.New(event.WebhookDisabled, DisabledData{WebhookID: ep.ID, URL: ep.URL, Reason: reason, DisabledAt: at})
	e.At = at
	return e
}

// post makes one attempt at d: a POST of its payload, signed for this attempt's time.
func (s *Service) post(ctx context.Context, target string, d *Delivery, secrets []string, attempt int) *Attempt {
	started := s.o.Now()
	a := &Attempt{DeliveryID: d.ID, Attempt: attempt, URL: target, StartedAt: started.UnixMilli()}
	ts := strconv.FormatInt(started.Unix(), 10)
	a.RequestHeaders = map[string]string{
		"content-type":      "application/json",
		"user-agent":        "Parley-Webhooks/1",
		"webhook-id":        d.MessageID,
		"webhook-timestamp": ts,
	}
	sig, err := Sign(d.MessageID, started, []byte(d.Payload), secrets)
	if err != nil {
		a.Error = "sign: " + err.Error()
		return a
	}
	a.RequestHeaders["webhook-signature"] = sig
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(d.Payload))
	if err != nil {
		a.Error = err.Error()
		return a
	}
	for k, v := range a.RequestHeaders {
		req.Header.Set(k, v)
	}
	res, err := s.client.Do(req)
	if err != nil {
		a.DurationMS = time.Since(started).Milliseconds()
		a.Error = requestError(err)
		return a
	}
	body, _ := io.ReadAll(io.LimitReader(res.Body, maxResponseBody))
	_ = res.Body.Close()
	a.DurationMS = time.Since(started).Milliseconds()
	a.Status = res.StatusCode
	a.ResponseBody = cleanBody(body)
	// The status says what went wrong, except for a redirect, which is not followed. A body cut
	// off after a 2xx does not change the receiver's yes.
	if res.StatusCode >= 300 && res.StatusCode < 400 {
		a.Error = fmt.Sprintf("redirects are not followed (Location: %s)", res.Header.Get("Location"))
	}
	return a
}

// requestError says why a request got no response, without the URL Go's error repeats.
func requestError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return "no answer within the timeout"
		}
		err = ue.Err
	}
	return err.Error()
}

// cleanBody keeps the response body as text a database stores: valid UTF-8 without NUL.
func cleanBody(b []byte) string {
	s := string(b)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// SendTest sends a test message to the endpoint now, waits for the answer and logs it as a
// delivery of type webhook.test. It is tried once: it is a check, not data.
func (s *Service) SendTest(ctx context.Context, u *auth.User, id int64) (*Delivery, *Attempt, error) {
	if err := CanManage(u); err != nil {
		return nil, nil, err
	}
	ep, err := s.repo.Webhook(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	now, err := s.repo.Now(ctx)
	if err != nil {
		return nil, nil, err
	}
	body, err := json.Marshal(event.Envelope{Type: TestType, Position: 0, Timestamp: time.UnixMilli(now).UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Data: json.RawMessage(fmt.Sprintf(`{"webhook_id":%d,"message":"This is a test event from Parley."}`, ep.ID))})
	if err != nil {
		return nil, nil, err
	}
	d := &Delivery{EndpointID: ep.ID, MessageID: newMessageID(), EventType: TestType, Payload: string(body), State: Pending,
		DeadlineAt: now, CreatedAt: now}
	secrets, err := s.repo.WebhookSecrets(ctx, ep.ID, now)
	if err != nil {
		return nil, nil, err
	}
	// The answer is logged even when the caller stops waiting.
	a := s.post(context.WithoutCancel(ctx), ep.URL, d, secrets, 1)
	end, err := s.repo.Now(ctx)
	if err != nil {
		return nil, nil, err
	}
	d.Attempts, d.LastStatus, d.LastError, d.FinishedAt = 1, a.Status, a.Error, end
	d.State = Failed
	if a.Status >= 200 && a.Status < 300 {
		d.State = Succeeded
	}
	if err := s.repo.AddTestDelivery(context.WithoutCancel(ctx), d, a); err != nil {
		return nil, nil, err
	}
	a.DeliveryID = d.ID
	return d, a, nil
}
