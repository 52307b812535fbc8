// Package graphtest is a fake of Meta's Graph API for tests: it speaks the Send API (JSON and
// multipart uploads), a Page's name and the profile API as Meta documents them, serves the files
// a webhook's attachments point at (Meta's CDN), answers with Meta's error object when told to,
// and delivers webhooks signed as Meta signs them (X-Hub-Signature-256 over the raw body, with
// non-ASCII text escaped as Meta sends it). The sample payloads are those of Meta's webhook
// reference, with its placeholders.
package graphtest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Sent is one message the fake Send API took.
type Sent struct {
	PageID        string
	Recipient     string
	MessagingType string
	Tag           string
	Text          string
	Metadata      string
	// An attachment: its type (image, file), and the uploaded file.
	AttachmentType string
	FileName       string
	ContentType    string
	FileData       []byte
	MessageID      string
}

// Failure is a Graph API error the fake answers the next send with.
type Failure struct {
	Status  int // HTTP status; 400 when 0
	Code    int
	Subcode int
	Type    string
	Message string
}

// Profile is a person as the profile API gives them.
type Profile struct {
	FirstName, LastName string
	Picture             []byte // served as the profile picture (a JPEG or PNG)
	// Denied answers the profile API with Meta's permission error, as for a Page that may not read it.
	Denied bool
}

// Server is the fake Graph API. URL is its base, without the version (what --meta-graph-url takes).
type Server struct {
	URL string
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	pages    map[string]page // by Page id
	profiles map[string]Profile
	files    map[string]file
	sent     []Sent
	fail     []Failure
	seq      int
	changed  chan struct{}
}

type page struct{ name, token string }

type file struct {
	contentType string
	data        []byte
}

// Start runs a fake Graph API until the test ends.
func Start(t testing.TB) *Server {
	s := &Server{t: t, pages: map[string]page{}, profiles: map[string]Profile{}, files: map[string]file{}, changed: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// AddPage makes a Page known, with the access token that may act for it.
func (s *Server) AddPage(id, name, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[id] = page{name: name, token: token}
}

// AddProfile makes a person's profile readable by their Page-scoped id.
func (s *Server) AddProfile(psid string, p Profile) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.profiles[psid] = p
}

// AddFile serves a file as Meta's CDN does for a webhook's attachment, and returns its URL.
func (s *Server) AddFile(name, contentType string, data []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[name] = file{contentType: contentType, data: data}
	return s.URL + "/cdn/" + name
}

// FailNext makes the next send answer with f (sends after it succeed again).
func (s *Server) FailNext(f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = append(s.fail, f)
}

// Sent returns what the Send API took so far.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// WaitSent waits until the Send API took at least n messages (or fails the test after timeout).
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
			t.Fatalf("the fake Send API took %d messages, want %d", len(got), n)
			return nil
		}
	}
}

func (s *Server) graphError(w http.ResponseWriter, f Failure) {
	if f.Status == 0 {
		f.Status = http.StatusBadRequest
	}
	if f.Type == "" {
		f.Type = "OAuthException"
	}
	body := map[string]any{"error": map[string]any{"message": f.Message, "type": f.Type, "code": f.Code, "error_subcode": f.Subcode,
		"fbtrace_id": "AbCdEfGhIjK"}}
	if f.Subcode == 0 {
		delete(body["error"].(map[string]any), "error_subcode")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.Status)
	_ = json.NewEncoder(w).Encode(body)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if name, ok := strings.CutPrefix(r.URL.Path, "/cdn/"); ok {
		s.mu.Lock()
		f, found := s.files[name]
		s.mu.Unlock()
		if !found {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", f.contentType)
		_, _ = w.Write(f.data)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 2 || !strings.HasPrefix(parts[0], "v") {
		http.NotFound(w, r)
		return
	}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if token == "" {
		token = r.URL.Query().Get("access_token")
	}
	switch {
	case len(parts) == 3 && parts[2] == "messages" && r.Method == http.MethodPost:
		s.send(w, r, parts[1], token)
	case len(parts) == 2 && r.Method == http.MethodGet:
		s.node(w, r, parts[1], token)
	default:
		s.graphError(w, Failure{Code: 100, Message: "Unsupported request - method type: " + strings.ToLower(r.Method)})
	}
}

func (s *Server) known(token string) bool {
	for _, p := range s.pages {
		if p.token == token {
			return true
		}
	}
	return false
}

// node answers GET /{id}: a Page's id and name, or a person's profile.
func (s *Server) node(w http.ResponseWriter, r *http.Request, id, token string) {
	s.mu.Lock()
	p, isPage := s.pages[id]
	pr, isPerson := s.profiles[id]
	tokenOK := s.known(token)
	s.mu.Unlock()
	switch {
	case !tokenOK:
		s.graphError(w, Failure{Code: 190, Message: "Invalid OAuth access token - Cannot parse access token"})
	case isPage && p.token != token:
		s.graphError(w, Failure{Code: 190, Message: "The access token is not for this Page"})
	case isPage:
		writeJSON(w, map[string]string{"id": id, "name": p.name})
	case isPerson && pr.Denied:
		s.graphError(w, Failure{Status: http.StatusForbidden, Code: 10, Type: "OAuthException", Message: "(#10) Requires pages_messaging permission to manage the object"})
	case isPerson:
		out := map[string]string{"id": id, "first_name": pr.FirstName, "last_name": pr.LastName}
		if pr.Picture != nil {
			out["profile_pic"] = s.AddFile("profile-"+id+".jpg", http.DetectContentType(pr.Picture), pr.Picture)
		}
		writeJSON(w, out)
	default:
		s.graphError(w, Failure{Code: 100, Subcode: 33, Message: fmt.Sprintf("Unsupported get request. Object with ID '%s' does not exist", id)})
	}
}

// send answers the Send API: JSON, or multipart with the file in "filedata".
func (s *Server) send(w http.ResponseWriter, r *http.Request, pageID, token string) {
	s.mu.Lock()
	p, ok := s.pages[pageID]
	s.mu.Unlock()
	if !ok || p.token != token {
		s.graphError(w, Failure{Code: 190, Message: "Invalid OAuth access token - Cannot parse access token"})
		return
	}
	var sent Sent
	var recipient, message json.RawMessage
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		var body struct {
			Recipient     json.RawMessage `json:"recipient"`
			MessagingType string          `json:"messaging_type"`
			Tag           string          `json:"tag"`
			Message       json.RawMessage `json:"message"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			s.graphError(w, Failure{Code: 100, Message: "Invalid JSON: " + err.Error()})
			return
		}
		recipient, message, sent.MessagingType, sent.Tag = body.Recipient, body.Message, body.MessagingType, body.Tag
	case "multipart/form-data":
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				s.graphError(w, Failure{Code: 100, Message: "Invalid upload: " + err.Error()})
				return
			}
			data, _ := io.ReadAll(part)
			switch part.FormName() {
			case "recipient":
				recipient = data
			case "message":
				message = data
			case "messaging_type":
				sent.MessagingType = string(data)
			case "tag":
				sent.Tag = string(data)
			case "filedata":
				sent.FileName, sent.ContentType, sent.FileData = part.FileName(), part.Header.Get("Content-Type"), data
			}
		}
	default:
		s.graphError(w, Failure{Code: 100, Message: "Unsupported content type " + mt})
		return
	}
	var rc struct{ ID string }
	var msg struct {
		Text       string `json:"text"`
		Metadata   string `json:"metadata"`
		Attachment *struct {
			Type string `json:"type"`
		} `json:"attachment"`
	}
	if json.Unmarshal(recipient, &rc) != nil || rc.ID == "" {
		s.graphError(w, Failure{Code: 100, Message: "(#100) The parameter recipient is required"})
		return
	}
	if json.Unmarshal(message, &msg) != nil || (msg.Text == "" && msg.Attachment == nil) {
		s.graphError(w, Failure{Code: 100, Message: "(#100) Param message must be non-empty"})
		return
	}
	switch sent.MessagingType {
	case "RESPONSE", "UPDATE":
	case "MESSAGE_TAG":
		if sent.Tag == "" {
			s.graphError(w, Failure{Code: 100, Message: "(#100) Tag is required for MESSAGE_TAG messaging type"})
			return
		}
	default:
		s.graphError(w, Failure{Code: 100, Message: "(#100) Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}"})
		return
	}
	if msg.Attachment != nil {
		sent.AttachmentType = msg.Attachment.Type
		if sent.FileData == nil {
			s.graphError(w, Failure{Code: 100, Message: "(#100) Upload attachment failure"})
			return
		}
	}
	if utf8.RuneCountInString(msg.Text) > 2000 {
		s.graphError(w, Failure{Code: 100, Message: "(#100) Length of param message[text] must be less than or equal to 2000"})
		return
	}
	sent.PageID, sent.Recipient, sent.Text, sent.Metadata = pageID, rc.ID, msg.Text, msg.Metadata
	s.mu.Lock()
	if len(s.fail) > 0 {
		f := s.fail[0]
		s.fail = s.fail[1:]
		s.mu.Unlock()
		s.graphError(w, f)
		return
	}
	s.seq++
	sent.MessageID = fmt.Sprintf("m_fake%06d", s.seq)
	s.sent = append(s.sent, sent)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	writeJSON(w, map[string]string{"recipient_id": rc.ID, "message_id": sent.MessageID})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Sign is X-Hub-Signature-256 of body: "sha256=" and the hex HMAC-SHA256 keyed with the app secret.
func Sign(body []byte, appSecret string) string {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// EscapeUnicode writes a JSON body's non-ASCII characters as \uXXXX escapes, as Meta sends them
// (and signs them).
func EscapeUnicode(body []byte) []byte {
	var b bytes.Buffer
	for _, r := range string(body) {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case r > 0xFFFF:
			r1, r2 := utf16Pair(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.Bytes()
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xD800 + (r>>10)&0x3FF, 0xDC00 + r&0x3FF
}

// Deliver posts a webhook body to url as Meta does, with signature as X-Hub-Signature-256 (none
// when empty), and returns the status Parley answered.
func Deliver(ctx context.Context, url string, body []byte, signature string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "facebookexternalua")
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}
