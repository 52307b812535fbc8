// Package twiliotest is a fake of Twilio for tests: the Messages API (creating a message, with
// HTTP basic authentication by the account's auth token or an API key), the account, media behind
// authentication that redirects to the file as Twilio's does, and the Content API's templates with
// their approvals, answering with Twilio's error object when told to. It fetches a message's
// MediaUrl as Twilio would, and posts webhooks — incoming messages and status callbacks — signed
// with X-Twilio-Signature as Twilio documents it.
package twiliotest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Sent is one message the fake Messages API took.
type Sent struct {
	AccountSID          string
	SID                 string
	To, From            string
	MessagingServiceSID string
	Body                string
	ContentSID          string
	ContentVariables    map[string]string
	StatusCallback      string
	MediaURL            []string
	// Media holds what the fake fetched from each MediaUrl (nil where the fetch failed).
	Media [][]byte
}

// Failure is a Twilio error the fake answers the next create with.
type Failure struct {
	Status     int // HTTP status; 400 when 0
	Code       int
	Message    string
	RetryAfter int // seconds, for a 429
}

// Content is a template of the Content API, approved or not.
type Content struct {
	SID          string
	FriendlyName string
	Language     string
	Body         string            // its twilio/text body, with {{1}} placeholders
	Variables    map[string]string // sample values
	Status       string            // "approved", "pending", "rejected"
}

// Server is the fake Twilio: URL serves api.twilio.com's paths and content.twilio.com's (give it
// as both --twilio-api-url and --twilio-content-url).
type Server struct {
	URL string
	srv *httptest.Server

	mu       sync.Mutex
	accounts map[string]string // SID → auth token
	keys     map[string]key    // API key SID → its account and secret
	sent     []Sent
	fail     []Failure
	media    map[string]mediaFile
	contents []Content
	changed  chan struct{}
}

type key struct{ account, secret string }

type mediaFile struct {
	account     string
	contentType string
	data        []byte
}

// Start runs a fake Twilio until the test ends.
func Start(t testing.TB) *Server {
	s := &Server{accounts: map[string]string{}, keys: map[string]key{}, media: map[string]mediaFile{}, changed: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// AddAccount makes an account known with its auth token.
func (s *Server) AddAccount(sid, authToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts[sid] = authToken
}

// AddAPIKey makes an API key of an account known.
func (s *Server) AddAPIKey(account, sid, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[sid] = key{account: account, secret: secret}
}

// AddContent adds a template to the Content API.
func (s *Server) AddContent(c Content) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.contents = append(s.contents, c)
}

// AddMedia stores a file of an incoming message and returns its MediaUrl, which needs the account's
// credentials and redirects to the file.
func (s *Server) AddMedia(account, messageSID, contentType string, data []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := NewSID("ME")
	s.media[id] = mediaFile{account: account, contentType: contentType, data: data}
	return fmt.Sprintf("%s/2010-04-01/Accounts/%s/Messages/%s/Media/%s", s.URL, account, messageSID, id)
}

// FailNext makes the next message create answer with f.
func (s *Server) FailNext(f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = append(s.fail, f)
}

// Sent returns the messages created so far.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// WaitSent waits until at least n messages were created (or fails the test after timeout).
func (s *Server) WaitSent(t testing.TB, n int, timeout time.Duration) []Sent {
	t.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		got, ch := append([]Sent(nil), s.sent...), s.changed
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("the fake Twilio took %d messages, want %d", len(got), n)
			return nil
		}
	}
}

// NewSID returns a random SID with Twilio's two-letter prefix (SM, MM, ME, HX, AC, …).
func NewSID(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func twilioError(w http.ResponseWriter, f Failure) {
	if f.Status == 0 {
		f.Status = http.StatusBadRequest
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(f.RetryAfter))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.Status)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": f.Code, "message": f.Message,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", f.Code), "status": f.Status})
}

// account authenticates a request: the account SID it may act for, or "".
func (s *Server) account(r *http.Request) string {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if tok, found := s.accounts[user]; found && hmac.Equal([]byte(tok), []byte(pass)) {
		return user
	}
	if k, found := s.keys[user]; found && hmac.Equal([]byte(k.secret), []byte(pass)) {
		return k.account
	}
	return ""
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if id, ok := strings.CutPrefix(r.URL.Path, "/media-store/"); ok {
		// Where media redirect to: no credentials needed, as with Twilio's signed store URLs.
		s.mu.Lock()
		f, found := s.media[id]
		s.mu.Unlock()
		if !found {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", f.contentType)
		_, _ = w.Write(f.data)
		return
	}
	acct := s.account(r)
	if acct == "" {
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		twilioError(w, Failure{Status: http.StatusUnauthorized, Code: 20003, Message: "Authenticate"})
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/v1/ContentAndApprovals" && r.Method == http.MethodGet:
		s.contentAndApprovals(w, r)
	case len(parts) == 3 && parts[0] == "2010-04-01" && parts[1] == "Accounts" && r.Method == http.MethodGet:
		sid := strings.TrimSuffix(parts[2], ".json")
		if sid != acct {
			twilioError(w, Failure{Status: http.StatusNotFound, Code: 20404, Message: "The requested resource was not found"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"sid": sid, "friendly_name": "Fake account " + sid[len(sid)-4:], "status": "active"})
	case len(parts) == 4 && parts[3] == "Messages.json" && r.Method == http.MethodPost:
		if parts[2] != acct {
			twilioError(w, Failure{Status: http.StatusForbidden, Code: 20003, Message: "Permission denied"})
			return
		}
		s.create(w, r, acct)
	case len(parts) == 7 && parts[3] == "Messages" && parts[5] == "Media" && r.Method == http.MethodGet:
		s.mu.Lock()
		f, found := s.media[parts[6]]
		s.mu.Unlock()
		if !found || f.account != acct || parts[2] != acct {
			twilioError(w, Failure{Status: http.StatusNotFound, Code: 20404, Message: "The requested resource was not found"})
			return
		}
		http.Redirect(w, r, s.URL+"/media-store/"+parts[6], http.StatusTemporaryRedirect)
	default:
		twilioError(w, Failure{Status: http.StatusNotFound, Code: 20404, Message: "The requested resource " + r.URL.Path + " was not found"})
	}
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, acct string) {
	if err := r.ParseForm(); err != nil {
		twilioError(w, Failure{Code: 21601, Message: "invalid form: " + err.Error()})
		return
	}
	f := r.PostForm
	m := Sent{AccountSID: acct, To: f.Get("To"), From: f.Get("From"), MessagingServiceSID: f.Get("MessagingServiceSid"), Body: f.Get("Body"),
		ContentSID: f.Get("ContentSid"), StatusCallback: f.Get("StatusCallback"), MediaURL: f["MediaUrl"]}
	switch {
	case m.To == "":
		twilioError(w, Failure{Code: 21604, Message: "A 'To' phone number is required."})
		return
	case m.From == "" && m.MessagingServiceSID == "":
		twilioError(w, Failure{Code: 21603, Message: "A 'From' or 'MessagingServiceSid' parameter is required to send a message"})
		return
	case m.Body == "" && m.ContentSID == "" && len(m.MediaURL) == 0:
		twilioError(w, Failure{Code: 21602, Message: "Message body is required."})
		return
	case strings.HasPrefix(m.To, "whatsapp:") != (strings.HasPrefix(m.From, "whatsapp:") || m.MessagingServiceSID != ""):
		twilioError(w, Failure{Code: 63007, Message: "Twilio could not find a Channel with the specified From address"})
		return
	}
	if v := f.Get("ContentVariables"); v != "" {
		if err := json.Unmarshal([]byte(v), &m.ContentVariables); err != nil {
			twilioError(w, Failure{Code: 21656, Message: "The ContentVariables Parameter is invalid."})
			return
		}
	}
	if m.ContentSID != "" {
		s.mu.Lock()
		known := false
		for _, c := range s.contents {
			known = known || c.SID == m.ContentSID
		}
		s.mu.Unlock()
		if !known {
			twilioError(w, Failure{Code: 21655, Message: "The ContentSid is Invalid."})
			return
		}
	}
	s.mu.Lock()
	if len(s.fail) > 0 {
		fl := s.fail[0]
		s.fail = s.fail[1:]
		s.mu.Unlock()
		twilioError(w, fl)
		return
	}
	s.mu.Unlock()
	// Twilio fetches the media before it queues the message.
	for _, u := range m.MediaURL {
		resp, err := http.Get(u)
		if err != nil || resp.StatusCode != http.StatusOK {
			if resp != nil {
				resp.Body.Close()
			}
			twilioError(w, Failure{Code: 11200, Message: "HTTP retrieval failure: " + u})
			return
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m.Media = append(m.Media, data)
	}
	m.SID = NewSID("SM")
	s.mu.Lock()
	s.sent = append(s.sent, m)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	now := time.Now().UTC().Format(time.RFC1123Z)
	writeJSON(w, http.StatusCreated, map[string]any{"sid": m.SID, "account_sid": acct, "to": m.To, "from": m.From, "body": m.Body,
		"status": "queued", "num_media": fmt.Sprint(len(m.MediaURL)), "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01",
		"date_created": now, "date_updated": now, "messaging_service_sid": nullable(m.MessagingServiceSID), "error_code": nil, "error_message": nil,
		"uri": fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/%s.json", acct, m.SID)})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Server) contentAndApprovals(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	list := append([]Content(nil), s.contents...)
	s.mu.Unlock()
	out := []map[string]any{}
	for _, c := range list {
		out = append(out, map[string]any{"sid": c.SID, "friendly_name": c.FriendlyName, "language": c.Language, "variables": c.Variables,
			"types": map[string]any{"twilio/text": map[string]string{"body": c.Body}},
			"approval_requests": map[string]any{"name": c.FriendlyName, "category": "UTILITY", "content_type": "twilio/text", "status": c.Status,
				"rejection_reason": "", "allow_category_change": true}})
	}
	writeJSON(w, http.StatusOK, map[string]any{"contents": out, "meta": map[string]any{"page": 0, "page_size": 100, "first_page_url": r.URL.String(),
		"previous_page_url": nil, "url": r.URL.String(), "next_page_url": nil, "key": "contents"}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Sign is X-Twilio-Signature of a POST to fullURL with form, as Twilio's documentation describes
// it: the URL, then each parameter's name and value in the order of the names, HMAC-SHA1 keyed
// with the auth token, base64.
func Sign(authToken, fullURL string, form url.Values) string {
	var data strings.Builder
	data.WriteString(fullURL)
	names := make([]string, 0, len(form))
	for name := range form {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		values := append([]string(nil), form[name]...)
		sort.Strings(values)
		for _, v := range values {
			data.WriteString(name + v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(data.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Post sends a webhook to fullURL as Twilio does: the form, signed with authToken (signature
// overrides it when set), and returns the status Parley answered.
func Post(ctx context.Context, fullURL, authToken string, form url.Values, signature string) (int, error) {
	if signature == "" {
		signature = Sign(authToken, fullURL, form)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, fullURL, bytes.NewBufferString(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("X-Twilio-Signature", signature)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// Incoming is an incoming WhatsApp message's webhook form, with the parameters Twilio's
// documentation lists; media are MediaUrl/MediaContentType pairs.
func Incoming(account, messageSID, fromPhone, toPhone, profileName, body string, media ...[2]string) url.Values {
	f := url.Values{
		"SmsMessageSid": {messageSID}, "NumMedia": {fmt.Sprint(len(media))}, "ProfileName": {profileName}, "MessageType": {"text"},
		"SmsSid": {messageSID}, "WaId": {strings.TrimPrefix(fromPhone, "+")}, "SmsStatus": {"received"}, "Body": {body},
		"To": {"whatsapp:" + toPhone}, "NumSegments": {"1"}, "ReferralNumMedia": {"0"}, "MessageSid": {messageSID}, "AccountSid": {account},
		"From": {"whatsapp:" + fromPhone}, "ApiVersion": {"2010-04-01"},
	}
	for i, m := range media {
		f.Set(fmt.Sprintf("MediaUrl%d", i), m[0])
		f.Set(fmt.Sprintf("MediaContentType%d", i), m[1])
		f.Set("MessageType", "image")
	}
	return f
}

// StatusCallback is a status callback's form for a message Twilio sent (errorCode for failed and
// undelivered ones).
func StatusCallback(m Sent, status, errorCode string) url.Values {
	f := url.Values{"AccountSid": {m.AccountSID}, "ApiVersion": {"2010-04-01"}, "ChannelPrefix": {"whatsapp"}, "ChannelToAddress": {strings.TrimPrefix(m.To, "whatsapp:")},
		"From": {m.From}, "MessageSid": {m.SID}, "MessageStatus": {status}, "SmsSid": {m.SID}, "SmsStatus": {status}, "To": {m.To}}
	if m.MessagingServiceSID != "" {
		f.Set("MessagingServiceSid", m.MessagingServiceSID)
	}
	if errorCode != "" {
		f.Set("ErrorCode", errorCode)
	}
	if status == "read" || status == "delivered" {
		f.Set("EventType", strings.ToUpper(status))
	}
	return f
}

// Callback posts a status callback for m to the StatusCallback URL it was sent with, signed with
// the account's auth token.
func (s *Server) Callback(ctx context.Context, m Sent, status, errorCode string) (int, error) {
	s.mu.Lock()
	token := s.accounts[m.AccountSID]
	s.mu.Unlock()
	return Post(ctx, m.StatusCallback, token, StatusCallback(m, status, errorCode), "")
}
