package messenger

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/jobs"
)

// Meta's webhook: one callback URL (HookPath) for every Page. A GET is the verification handshake
// Meta makes when the URL is saved; a POST carries events of one or more Pages, signed with the
// app's secret. The POST is checked and queued at once; a job does the work.

// ErrRefused answers a webhook that is not Meta's (a wrong verify token or signature): 403.
var ErrRefused = errs.Coded(errs.Forbidden, "webhook_refused", "not a request from Meta for a Page connected here")

// Verify answers Meta's verification handshake: hub.mode "subscribe" and a verify token one of the
// connected Pages has get the challenge back; anything else is refused.
func (s *Service) Verify(ctx context.Context, mode, token, challenge string) (string, error) {
	if mode != "subscribe" || token == "" || challenge == "" {
		return "", ErrRefused
	}
	pages, err := s.o.Repo.ListMessengerPages(ctx)
	if err != nil {
		return "", err
	}
	ok := false
	for _, p := range pages {
		// Every Page compared, so the time taken tells nothing of which matched.
		if subtle.ConstantTimeCompare([]byte(p.VerifyToken), []byte(token)) == 1 {
			ok = true
		}
	}
	if !ok {
		return "", ErrRefused
	}
	return challenge, nil
}

// receivePayload is a webhook delivery waiting for its job: the body as Meta sent it and the Pages
// whose app secret signed it (only their events are taken).
type receivePayload struct {
	Pages []string        `json:"pages"`
	Body  json.RawMessage `json:"body"`
}

// ValidSignature reports whether header is X-Hub-Signature-256's "sha256=<hex>" of body keyed
// with secret, compared in constant time.
func ValidSignature(body []byte, header, secret string) bool {
	hexSum, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok || secret == "" {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(mac.Sum(nil), got)
}

// Accept takes a webhook POST: body is the raw body, signature its X-Hub-Signature-256. It is
// checked against the app secret of every connected Page; the events of the Pages whose secret
// signed it are queued for the job. A body no Page's secret signed is refused (ErrRefused).
func (s *Service) Accept(ctx context.Context, body []byte, signature string) error {
	pages, err := s.o.Repo.ListMessengerPages(ctx)
	if err != nil {
		return err
	}
	checked := map[string]bool{}
	var signedBy []string
	for _, p := range pages {
		valid, seen := checked[p.AppSecret]
		if !seen {
			valid = ValidSignature(body, signature, p.AppSecret)
			checked[p.AppSecret] = valid
		}
		if valid {
			signedBy = append(signedBy, p.PageID)
		}
	}
	if len(signedBy) == 0 {
		return ErrRefused
	}
	var head struct {
		Object string `json:"object"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return errs.Coded(errs.Invalid, "webhook_unreadable", "the webhook's body is not JSON: %v", err)
	}
	if head.Object != "page" {
		return nil // another product's events (Instagram, a Page's feed): not Messenger's
	}
	slices.Sort(signedBy)
	sum := sha256.Sum256(body)
	// A delivery Meta retries while the first waits is queued once; one that comes later is
	// harmless, since every message is stored once by its id.
	spec := jobs.Spec{Kind: JobReceive, Payload: receivePayload{Pages: signedBy, Body: body}, UniqueKey: "messenger:" + hex.EncodeToString(sum[:16]),
		MaxAttempts: 20}
	if err := s.o.Repo.EnqueueJobs(ctx, spec); err != nil {
		return err
	}
	s.committed(ctx, event.Notice{Jobs: true})
	return nil
}
