package whatsapp

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/blob"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/jobs"
)

// Twilio's webhooks: an inbox's incoming messages (HookPrefix+"{id}") and its replies' status
// callbacks (…"/status?message={id}"), form posts signed with X-Twilio-Signature. Each is checked
// and queued at once; a job does the work.

// ErrRefused answers a webhook that is not Twilio's for this inbox (a wrong signature, another
// account): 403.
var ErrRefused = errs.Coded(errs.Forbidden, "webhook_refused", "not a request from Twilio for a WhatsApp sender connected here")

// Signature is X-Twilio-Signature as Twilio documents it: the full URL Twilio called (scheme,
// host, path and query as sent), then every POST parameter sorted by name, each name followed by
// its value (a name's values in order of value), HMAC-SHA1 keyed with the auth token, base64.
func Signature(authToken, fullURL string, form url.Values) string {
	names := make([]string, 0, len(form))
	for k := range form {
		names = append(names, k)
	}
	sort.Strings(names)
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(fullURL))
	for _, k := range names {
		vals := append([]string(nil), form[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			mac.Write([]byte(k))
			mac.Write([]byte(v))
		}
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ValidSignature reports whether header is the signature of a request to any of urls (the ways
// the URL Twilio called may be told, behind a proxy) with form, compared in constant time.
func ValidSignature(authToken string, urls []string, form url.Values, header string) bool {
	if authToken == "" || header == "" {
		return false
	}
	ok := false
	for _, u := range urls {
		for _, v := range portVariants(u) {
			if hmac.Equal([]byte(Signature(authToken, v, form)), []byte(header)) {
				ok = true
			}
		}
	}
	return ok
}

// portVariants is u as given, and with the scheme's default port added or removed: Twilio signs
// the URL as configured, which a proxy may have told with or without the port.
func portVariants(u string) []string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return []string{u}
	}
	def := map[string]string{"https": "443", "http": "80"}[p.Scheme]
	q := *p
	switch {
	case p.Port() == "" && def != "":
		q.Host = p.Host + ":" + def
	case p.Port() == def:
		q.Host = p.Hostname()
	default:
		return []string{u}
	}
	return []string{u, q.String()}
}

// Hook kinds.
const (
	HookMessage = "message"
	HookStatus  = "status"
)

// hookPayload is a webhook waiting for its job: the inbox, the form Twilio posted, and for a
// status callback the reply it names (Parley puts its id in the callback's URL).
type hookPayload struct {
	InboxID   int64               `json:"inbox_id"`
	Form      map[string][]string `json:"form"`
	MessageID int64               `json:"message_id,omitempty"`
}

// Accept takes a webhook of inbox id: kind HookMessage or HookStatus, urls the ways the URL
// Twilio called may be told (the configured base URL, what a trusted proxy says), form the posted
// parameters, signature X-Twilio-Signature. A request not signed with the inbox's auth token, or
// for another account, is refused (ErrRefused).
func (s *Service) Accept(ctx context.Context, id int64, kind string, urls []string, form url.Values, signature string, messageID int64) error {
	n, err := s.o.Repo.WhatsAppNumberByID(ctx, id)
	if errs.Is(err, errs.NotFound) {
		return ErrRefused
	}
	if err != nil {
		return err
	}
	if !ValidSignature(n.AuthToken, urls, form, signature) || form.Get("AccountSid") != n.AccountSID {
		return ErrRefused
	}
	sid := form.Get("MessageSid")
	if sid == "" {
		sid = form.Get("SmsSid")
	}
	spec := jobs.Spec{Payload: hookPayload{InboxID: id, Form: form, MessageID: messageID}, MaxAttempts: 20}
	switch kind {
	case HookMessage:
		spec.Kind, spec.UniqueKey = JobReceive, "whatsapp:in:"+sid
	case HookStatus:
		spec.Kind, spec.UniqueKey = JobStatus, "whatsapp:status:"+sid+":"+form.Get("MessageStatus")
	default:
		return errs.E(errs.NotFound, "no such hook")
	}
	if sid == "" {
		return errs.Coded(errs.Invalid, "message_sid_required", "the webhook names no message")
	}
	if err := s.o.Repo.EnqueueJobs(ctx, spec); err != nil {
		return err
	}
	s.committed(ctx, event.Notice{Jobs: true})
	return nil
}

// mediaTTL is how long a reply's media URL works: Twilio fetches it at once.
const mediaTTL = 24 * time.Hour

// mediaSignature signs a reply's media URL with the inbox's auth token (a secret only Parley and
// Twilio hold), so the file is served to no one else.
func mediaSignature(n *Number, blobID, expires int64) string {
	mac := hmac.New(sha256.New, []byte(n.AuthToken))
	fmt.Fprintf(mac, "whatsapp-media:%d:%d:%d", n.ID, blobID, expires)
	return hex.EncodeToString(mac.Sum(nil))
}

// mediaURL is the signed URL Twilio fetches a reply's file from.
func (s *Service) mediaURL(n *Number, blobID int64) string {
	exp := s.o.Now().Add(mediaTTL).Unix()
	return hookURL(s.o.BaseURL, n.ID, fmt.Sprintf("/media/%d/%d/%s", blobID, exp, mediaSignature(n, blobID, exp)))
}

// Media returns a reply's file for Twilio, given the parts of its signed URL; anything else is not
// found.
func (s *Service) Media(ctx context.Context, id int64, blobID int64, expires, sig string) (*blob.Blob, []byte, error) {
	notFound := errs.E(errs.NotFound, "no such file")
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || s.o.Now().Unix() > exp {
		return nil, nil, notFound
	}
	n, err := s.o.Repo.WhatsAppNumberByID(ctx, id)
	if err != nil {
		return nil, nil, notFound
	}
	if !hmac.Equal([]byte(mediaSignature(n, blobID, exp)), []byte(strings.ToLower(sig))) {
		return nil, nil, notFound
	}
	return s.o.Blobs.Open(ctx, blobID)
}
