package whatsapp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/channel"
)

// twilioAPI speaks the parts of Twilio's REST API the channel uses: Messages (create), the
// account, media, and the Content API's templates with their approvals. Every call is
// authenticated with the API key when there is one, the account's auth token otherwise.
type twilioAPI struct {
	base, content string
	client        *http.Client
}

// twilioError is the error object Twilio's REST API answers with.
type twilioError struct {
	Status   int    `json:"status"`
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	// RetryAfter is Twilio's Retry-After on a 429.
	RetryAfter time.Duration `json:"-"`
}

func (e *twilioError) Error() string {
	if e.Code == 0 {
		return fmt.Sprintf("Twilio error (HTTP %d): %s", e.Status, e.Message)
	}
	return fmt.Sprintf("Twilio error %d: %s", e.Code, e.Message)
}

// DefaultRateLimitWait is how long a send waits after Twilio said too many requests, unless it
// says how long.
const DefaultRateLimitWait = 10 * time.Second

// classify tells the seam what a failed Twilio call means for a send: too many requests (HTTP 429,
// error 20429) wait and try again, Twilio's own trouble (HTTP 5xx) and the network are tried
// again, and the rest — wrong credentials (20003), an invalid or unreachable number (21211,
// 63003), a free-form message outside the 24-hour window (63016), a template that does not exist
// — fail the reply at once.
func classify(err error, wait time.Duration) error {
	te, ok := err.(*twilioError)
	if !ok {
		return channel.Temporary(err)
	}
	switch {
	case te.Status == http.StatusTooManyRequests || te.Code == 20429:
		if te.RetryAfter > 0 {
			wait = te.RetryAfter
		}
		return channel.RateLimited(te, wait)
	case te.Status >= 500:
		return channel.Temporary(te)
	}
	return channel.Permanent(te)
}

func (a *twilioAPI) authorize(n *Number) func(*http.Request) {
	return func(r *http.Request) {
		if n.APIKeySID != "" {
			r.SetBasicAuth(n.APIKeySID, n.APIKeySecret)
			return
		}
		r.SetBasicAuth(n.AccountSID, n.AuthToken)
	}
}

func (a *twilioAPI) do(ctx context.Context, n *Number, req *http.Request, out any) error {
	a.authorize(n)(req)
	resp, err := a.client.Do(req.WithContext(ctx))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		te := &twilioError{}
		if json.Unmarshal(body, te) != nil || te.Message == "" {
			te.Message = resp.Status
		}
		te.Status = resp.StatusCode
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			te.RetryAfter = time.Duration(s) * time.Second
		}
		return te
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("read the answer from Twilio: %w", err)
	}
	return nil
}

// send creates a message and returns its SID.
func (a *twilioAPI) send(ctx context.Context, n *Number, form url.Values) (string, error) {
	req, err := http.NewRequest(http.MethodPost, a.base+"/2010-04-01/Accounts/"+url.PathEscape(n.AccountSID)+"/Messages.json",
		strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var out struct {
		SID    string `json:"sid"`
		Status string `json:"status"`
	}
	if err := a.do(ctx, n, req, &out); err != nil {
		return "", err
	}
	return out.SID, nil
}

// account reads the account's name, which checks the credentials.
func (a *twilioAPI) account(ctx context.Context, n *Number) (string, error) {
	req, err := http.NewRequest(http.MethodGet, a.base+"/2010-04-01/Accounts/"+url.PathEscape(n.AccountSID)+".json", nil)
	if err != nil {
		return "", err
	}
	var out struct {
		FriendlyName string `json:"friendly_name"`
		Status       string `json:"status"`
	}
	if err := a.do(ctx, n, req, &out); err != nil {
		return "", err
	}
	return out.FriendlyName, nil
}

// Template is an approved WhatsApp template of the account (Twilio's Content API): its SID, name,
// language, text with {{1}}-style placeholders, and the variables with their sample values.
type Template struct {
	SID       string            `json:"sid"`
	Name      string            `json:"name"`
	Language  string            `json:"language,omitempty"`
	Category  string            `json:"category,omitempty"`
	Body      string            `json:"body"`
	Variables map[string]string `json:"variables,omitempty"`
}

// content is one item of ContentAndApprovals.
type content struct {
	SID              string                     `json:"sid"`
	FriendlyName     string                     `json:"friendly_name"`
	Language         string                     `json:"language"`
	Variables        map[string]string          `json:"variables"`
	Types            map[string]json.RawMessage `json:"types"`
	ApprovalRequests *approval                  `json:"approval_requests"`
}

// approval is a template's WhatsApp approval; older answers nest it under "whatsapp".
type approval struct {
	Status   string    `json:"status"`
	Category string    `json:"category"`
	WhatsApp *approval `json:"whatsapp"`
}

func (c content) template() (Template, bool) {
	ap := c.ApprovalRequests
	if ap != nil && ap.Status == "" && ap.WhatsApp != nil {
		ap = ap.WhatsApp
	}
	if ap == nil || !strings.EqualFold(ap.Status, "approved") {
		return Template{}, false
	}
	t := Template{SID: c.SID, Name: c.FriendlyName, Language: c.Language, Category: ap.Category, Variables: c.Variables}
	// The text of the first type that has one ("twilio/text", a card's body, a quick reply's).
	for _, kind := range []string{"twilio/text", "twilio/quick-reply", "twilio/call-to-action", "twilio/media", "twilio/card", "whatsapp/card"} {
		raw, ok := c.Types[kind]
		if !ok {
			continue
		}
		var v struct {
			Body  string `json:"body"`
			Title string `json:"title"`
		}
		if json.Unmarshal(raw, &v) == nil && (v.Body != "" || v.Title != "") {
			t.Body = v.Body
			if t.Body == "" {
				t.Body = v.Title
			}
			break
		}
	}
	return t, true
}

// templates lists the account's approved templates (at most 500).
func (a *twilioAPI) templates(ctx context.Context, n *Number) ([]Template, error) {
	next := a.content + "/v1/ContentAndApprovals?PageSize=100"
	out := []Template{}
	for page := 0; next != "" && page < 5; page++ {
		req, err := http.NewRequest(http.MethodGet, next, nil)
		if err != nil {
			return nil, err
		}
		var res struct {
			Contents []content `json:"contents"`
			Meta     struct {
				NextPageURL string `json:"next_page_url"`
			} `json:"meta"`
		}
		if err := a.do(ctx, n, req, &res); err != nil {
			return nil, err
		}
		for _, c := range res.Contents {
			if t, ok := c.template(); ok {
				out = append(out, t)
			}
		}
		next = ""
		if u, err := url.Parse(res.Meta.NextPageURL); err == nil && res.Meta.NextPageURL != "" {
			// Twilio gives its own host; keep ours (a configured base, a proxy, the fake in tests).
			next = a.content + u.RequestURI()
		}
	}
	return out, nil
}
