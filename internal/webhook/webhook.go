// Package webhook sends Parley's events to the endpoints admins subscribe, as Standard Webhooks 1.0
// describes (docs/webhooks.md): each delivery is signed (webhook-id, webhook-timestamp,
// webhook-signature), retried with back-off for about three days by a durable job, and logged
// with every attempt.
//
// How an event becomes deliveries: the fan-out is a durable consumer of the event log (FanOut,
// run by event.Runner). For each event it inserts one delivery per active endpoint that wants the
// type, and in the same transaction makes sure the endpoint's delivery job exists. That job (Send)
// owns the endpoint's queue: it sends the pending deliveries one at a time in position order, so a
// receiver sees events in order while it is healthy; a failed delivery holds the ones after it
// until it succeeds or is given up. Deliveries go only to addresses on the public internet unless
// the operator allows private ones (target.go), checked when an endpoint is saved and again on the
// resolved address of every connection.
package webhook

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// Endpoint is a subscription: where to send which events.
type Endpoint struct {
	ID          int64  `json:"id"`
	URL         string `json:"url"`
	Description string `json:"description"`
	// EventTypes are the types it wants; empty: every type.
	EventTypes []event.Type `json:"event_types"`
	Active     bool         `json:"active"`
	// DisabledReason says why Parley switched it off: "gone" (the receiver answered 410) or
	// "failing" (no successful delivery for 5 days). Empty when an admin did, or while active.
	DisabledReason string `json:"disabled_reason,omitempty"`
	DisabledAt     int64  `json:"disabled_at,omitempty"`
	// FromPosition: events up to this position are not for it (those committed before it was made
	// or last switched on).
	FromPosition  int64 `json:"-"`
	LastSuccessAt int64 `json:"last_success_at,omitempty"`
	// FailingSince is when the first failure after the last success happened (0: not failing).
	FailingSince int64 `json:"failing_since,omitempty"`
	// PreviousSecretUntil is when the secret replaced by the last rotation stops signing (0: none
	// signs besides the current one).
	PreviousSecretUntil int64 `json:"previous_secret_until,omitempty"`
	CreatedBy           int64 `json:"created_by,omitempty"`
	CreatedAt           int64 `json:"created_at"`
	UpdatedAt           int64 `json:"updated_at"`
}

// Wants reports whether the endpoint subscribes to events of type t.
func (e *Endpoint) Wants(t event.Type) bool {
	return len(e.EventTypes) == 0 || slices.Contains(e.EventTypes, t)
}

// Why Parley disables an endpoint.
const (
	ReasonGone    = "gone"
	ReasonFailing = "failing"
)

// State is where a delivery is.
type State string

const (
	Pending   State = "pending"   // waiting for its next attempt
	Succeeded State = "succeeded" // a receiver answered 2xx
	Failed    State = "failed"    // given up (or its endpoint was disabled); redeliverable
)

func (s State) valid() bool { return s == Pending || s == Succeeded || s == Failed }

// TestType is the type of the message "send test event" sends; it is no event of the log.
const TestType = "webhook.test"

// Delivery is one message to one endpoint: an event of the log, or a test.
type Delivery struct {
	ID         int64 `json:"id"`
	EndpointID int64 `json:"endpoint_id"`
	// MessageID is the webhook-id header: the same on every attempt, so receivers drop repeats.
	MessageID string `json:"message_id"`
	EventType string `json:"event_type"`
	Position  int64  `json:"position"` // 0 for a test
	// Payload is the request body, as sent on every attempt.
	Payload       string `json:"payload,omitempty"`
	State         State  `json:"state"`
	Attempts      int    `json:"attempts"`
	NextAttemptAt int64  `json:"next_attempt_at,omitempty"` // while pending
	DeadlineAt    int64  `json:"deadline_at"`               // retried until then
	LastStatus    int    `json:"last_status,omitempty"`     // of the last attempt; 0: no response
	LastError     string `json:"last_error,omitempty"`
	CreatedAt     int64  `json:"created_at"`
	FinishedAt    int64  `json:"finished_at,omitempty"`
}

// Attempt is one try at a delivery: the request sent and what came back.
type Attempt struct {
	ID             int64             `json:"id"`
	DeliveryID     int64             `json:"delivery_id"`
	Attempt        int               `json:"attempt"`
	URL            string            `json:"url"`
	RequestHeaders map[string]string `json:"request_headers"`
	Status         int               `json:"status"` // 0: no response (Error says why)
	ResponseBody   string            `json:"response_body"`
	Error          string            `json:"error,omitempty"`
	DurationMS     int64             `json:"duration_ms"`
	StartedAt      int64             `json:"started_at"`
}

// CanManage decides whether u may see and change webhooks: admins and owners. An endpoint
// receives every event, whoever may see it, so it is an admin's decision.
func CanManage(u *auth.User) error {
	if u == nil || u.Deactivated {
		return errs.E(errs.Unauthenticated, "sign in first")
	}
	if !u.Role.IsAdmin() {
		return errs.E(errs.Forbidden, "only admins may manage webhooks")
	}
	return nil
}

// Input is an endpoint as an admin creates it.
type Input struct {
	URL         string       `json:"url"`
	Description string       `json:"description"`
	EventTypes  []event.Type `json:"event_types"`
	Active      *bool        `json:"active"` // default true
}

// Patch changes an endpoint; absent fields stay.
type Patch struct {
	URL         *string       `json:"url"`
	Description *string       `json:"description"`
	EventTypes  *[]event.Type `json:"event_types"`
	Active      *bool         `json:"active"`
}

const (
	maxURL         = 2000
	maxDescription = 500
)

func cleanDescription(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return "", errs.Coded(errs.Invalid, "description_invalid", "description: not valid text")
	}
	if utf8.RuneCountInString(s) > maxDescription {
		return "", errs.Coded(errs.Invalid, "description_too_long", "description: at most %d characters", maxDescription)
	}
	return s, nil
}

// cleanTypes checks the types an endpoint subscribes to: known ones, each once, in the order
// event.Types lists them.
func cleanTypes(types []event.Type) ([]event.Type, error) {
	out := []event.Type{}
	for _, t := range event.Types {
		if slices.Contains(types, t) {
			out = append(out, t)
		}
	}
	for _, t := range types {
		if !event.Known(t) {
			return nil, errs.WithDetails(errs.Invalid, "event_type_unknown", map[string]string{"event_type": string(t)},
				"event_types: %q is not an event type Parley sends", t)
		}
	}
	return out, nil
}

// normalURL checks an endpoint's URL for what it may be at all (target.go checks where it points).
func normalURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errs.Coded(errs.Invalid, "url_required", "url: give the address to send events to")
	}
	if len(raw) > maxURL || !utf8.ValidString(raw) {
		return nil, errs.Coded(errs.Invalid, "url_invalid", "url: at most %d characters", maxURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errs.Coded(errs.Invalid, "url_invalid", "url: %s", strings.TrimPrefix(err.Error(), "parse "))
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, errs.Coded(errs.Invalid, "url_scheme", "url: must start with https:// (or http://)")
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, errs.Coded(errs.Invalid, "url_invalid", "url: names no host")
	}
	if u.User != nil {
		// A password in the URL would be shown in every list and log; the signature is the
		// receiver's check that a request comes from Parley.
		return nil, errs.Coded(errs.Invalid, "url_userinfo", "url: must not hold a user name or password")
	}
	if u.Fragment != "" {
		return nil, errs.Coded(errs.Invalid, "url_invalid", "url: must not have a #fragment")
	}
	if p := u.Port(); p != "" {
		var n int
		if _, err := fmt.Sscanf(p, "%d", &n); err != nil || n < 1 || n > 65535 {
			return nil, errs.Coded(errs.Invalid, "url_invalid", "url: port %s is not a port", p)
		}
	}
	return u, nil
}
