package push

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Subscription is where a browser receives pushes: the push service's endpoint URL and the keys the
// payload is encrypted for (as the browser's PushSubscription gives them, base64url).
type Subscription struct {
	Endpoint string
	P256DH   string
	Auth     string
}

// Message is one push.
type Message struct {
	Payload []byte
	// TTL is how long the push service keeps a message for a browser that is offline.
	TTL time.Duration
	// Topic, when set, replaces an undelivered earlier message with the same topic (RFC 8030
	// section 5.4): a busy chat leaves one waiting notification, not a pile. At most 32 base64url
	// characters.
	Topic string
	// Urgency is "very-low", "low", "normal" or "high" (empty: normal).
	Urgency string
}

// ErrGone says the subscription no longer exists (404 or 410): forget it.
var ErrGone = errors.New("push: the subscription is gone")

// StatusError is a push service's refusal.
type StatusError struct {
	Status     int
	Body       string
	RetryAfter time.Duration // from Retry-After on 429 and 503
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("push service answered %d: %s", e.Status, e.Body)
}

// Temporary reports whether trying again later may work (429, 5xx).
func (e *StatusError) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// Sender sends pushes with the installation's keys.
type Sender struct {
	Keys *Keys
	// Subject is how the push service may reach this installation's operator: a mailto: or an
	// https: URL (RFC 8292 section 2.1).
	Subject string
	Client  *http.Client // nil: a client with a 30-second timeout
	Now     func() time.Time
}

// Send encrypts m for sub and posts it to the push service. It returns ErrGone when the
// subscription has expired or was withdrawn, a *StatusError for other refusals, or the network's
// error.
func (s *Sender) Send(ctx context.Context, sub Subscription, m Message) error {
	ua, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(sub.P256DH, "="))
	if err != nil {
		return fmt.Errorf("push: p256dh: %w", err)
	}
	secret, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(sub.Auth, "="))
	if err != nil {
		return fmt.Errorf("push: auth: %w", err)
	}
	body, err := Encrypt(m.Payload, ua, secret)
	if err != nil {
		return err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	authz, err := s.Keys.Authorization(sub.Endpoint, s.Subject, now())
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	h := req.Header
	h.Set("Authorization", authz)
	h.Set("Content-Encoding", "aes128gcm")
	h.Set("Content-Type", "application/octet-stream")
	h.Set("TTL", strconv.Itoa(int(m.TTL.Seconds())))
	if m.Topic != "" {
		h.Set("Topic", m.Topic)
	}
	if m.Urgency != "" {
		h.Set("Urgency", m.Urgency)
	}
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return ErrGone
	}
	e := &StatusError{Status: resp.StatusCode, Body: strings.TrimSpace(string(text))}
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
		e.RetryAfter = time.Duration(secs) * time.Second
	}
	return e
}
