package messenger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/channel"
)

// graph speaks the parts of Meta's Graph API the channel uses: the Send API (JSON, or multipart
// for a file), a Page's name and a person's profile. The token travels in the Authorization
// header, never in a URL that may be logged.
type graph struct {
	base   string // ".../v21.0"
	client *http.Client
}

// graphError is the Graph API's error object.
type graphError struct {
	Status  int    `json:"-"`
	Message string `json:"message"`
	Type    string `json:"type"`
	Code    int    `json:"code"`
	Subcode int    `json:"error_subcode"`
	TraceID string `json:"fbtrace_id"`
}

func (e *graphError) Error() string {
	code := fmt.Sprint(e.Code)
	if e.Subcode != 0 {
		code += "/" + fmt.Sprint(e.Subcode)
	}
	return fmt.Sprintf("Messenger error %s: %s", code, e.Message)
}

// DefaultRateLimitWait is how long a send waits after Meta said the Page or app sends too much.
const DefaultRateLimitWait = time.Minute

// classify tells the seam what a Graph API failure means for a send: Meta's rate limits (codes 4,
// 17, 32, 613) wait and try again, its passing troubles (1, 2, 1200, HTTP 5xx) are tried again,
// and the rest — an invalid token (190), a message outside the allowed window (10/2018278), a
// person who cannot be reached (551), a bad parameter (100) — fail the reply at once.
func classify(err error, wait time.Duration) error {
	ge, ok := err.(*graphError)
	if !ok {
		return channel.Temporary(err) // the network on the way to Meta
	}
	switch {
	case ge.Code == 4 || ge.Code == 17 || ge.Code == 32 || ge.Code == 613:
		return channel.RateLimited(ge, wait)
	case ge.Code == 1 || ge.Code == 2 || ge.Code == 1200 || ge.Status >= 500:
		return channel.Temporary(ge)
	}
	return channel.Permanent(ge)
}

func (g *graph) do(ctx context.Context, token string, req *http.Request, out any) error {
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := g.client.Do(req.WithContext(ctx))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error *graphError `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil && e.Error != nil {
			e.Error.Status = resp.StatusCode
			return e.Error
		}
		return &graphError{Status: resp.StatusCode, Message: resp.Status}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("read the Graph API's answer: %w", err)
	}
	return nil
}

// sendRequest is a Send API message: to a Page-scoped id, as a response or with a tag.
type sendRequest struct {
	PSID          string
	MessagingType string // RESPONSE or MESSAGE_TAG
	Tag           string
	Text          string
	Metadata      string // comes back in the message's echo: how Parley knows its own replies
}

// sendText sends a text message and returns Meta's message id.
func (g *graph) sendText(ctx context.Context, token, pageID string, r sendRequest) (string, error) {
	body := map[string]any{
		"recipient":      map[string]string{"id": r.PSID},
		"messaging_type": r.MessagingType,
		"message":        map[string]string{"text": r.Text, "metadata": r.Metadata},
	}
	if r.Tag != "" {
		body["tag"] = r.Tag
	}
	b, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequest(http.MethodPost, g.base+"/"+url.PathEscape(pageID)+"/messages", bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	var out struct {
		RecipientID string `json:"recipient_id"`
		MessageID   string `json:"message_id"`
	}
	if err := g.do(ctx, token, req, &out); err != nil {
		return "", err
	}
	return out.MessageID, nil
}

// sendFile uploads a file as an attachment message (kind image or file) and returns Meta's
// message id.
func (g *graph) sendFile(ctx context.Context, token, pageID string, r sendRequest, kind, name, contentType string, data []byte) (string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	recipient, _ := json.Marshal(map[string]string{"id": r.PSID})
	message, _ := json.Marshal(map[string]any{"attachment": map[string]any{"type": kind, "payload": map[string]bool{"is_reusable": false}},
		"metadata": r.Metadata})
	_ = mw.WriteField("recipient", string(recipient))
	_ = mw.WriteField("messaging_type", r.MessagingType)
	if r.Tag != "" {
		_ = mw.WriteField("tag", r.Tag)
	}
	_ = mw.WriteField("message", string(message))
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="filedata"; filename=%q`, strings.ReplaceAll(name, `"`, "")))
	h.Set("Content-Type", contentType)
	part, err := mw.CreatePart(h)
	if err != nil {
		return "", err
	}
	if _, err := part.Write(data); err != nil {
		return "", err
	}
	if err := mw.Close(); err != nil {
		return "", err
	}
	req, err := http.NewRequest(http.MethodPost, g.base+"/"+url.PathEscape(pageID)+"/messages", &buf)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var out struct {
		MessageID string `json:"message_id"`
	}
	if err := g.do(ctx, token, req, &out); err != nil {
		return "", err
	}
	return out.MessageID, nil
}

// pageName reads the Page's name, which checks the token too.
func (g *graph) pageName(ctx context.Context, token, pageID string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, g.base+"/"+url.PathEscape(pageID)+"?fields=id,name", nil)
	if err != nil {
		return "", err
	}
	var out struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if err := g.do(ctx, token, req, &out); err != nil {
		return "", err
	}
	return out.Name, nil
}

// profile is what the profile API gives of a person, when the Page may read it.
type profile struct {
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name"`
	Name       string `json:"name"`
	ProfilePic string `json:"profile_pic"`
}

func (p profile) fullName() string {
	if n := strings.TrimSpace(p.FirstName + " " + p.LastName); n != "" {
		return n
	}
	return strings.TrimSpace(p.Name)
}

// profile reads a person's name and picture by their Page-scoped id.
func (g *graph) profile(ctx context.Context, token, psid string) (*profile, error) {
	req, err := http.NewRequest(http.MethodGet, g.base+"/"+url.PathEscape(psid)+"?fields=first_name,last_name,profile_pic", nil)
	if err != nil {
		return nil, err
	}
	var out profile
	if err := g.do(ctx, token, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
