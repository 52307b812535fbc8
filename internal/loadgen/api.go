package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"time"
)

// browserUA is a real browser's User-Agent: crawlers and scripts get no visitor identity.
const browserUA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

// client is a JSON client for one identity (a cookie jar of its own).
type client struct {
	base string
	hc   *http.Client
	xff  string // X-Forwarded-For to send, if any
}

func newClient(tr http.RoundTripper, base, xff string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{base: base, hc: &http.Client{Transport: tr, Jar: jar, Timeout: 60 * time.Second}, xff: xff}
}

// apiError is a non-2xx answer.
type apiError struct {
	Status int
	Body   string
}

func (e *apiError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Status, e.Body) }

// call sends body as JSON and decodes the answer into out (when not nil).
func (c *client) call(ctx context.Context, method, path string, header http.Header, body, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", browserUA)
	if c.xff != "" {
		req.Header.Set("X-Forwarded-For", c.xff)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		if len(raw) > 300 {
			raw = raw[:300]
		}
		return &apiError{Status: res.StatusCode, Body: string(raw)}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

// signIn starts a session; the cookie stays in the client's jar.
func (c *client) signIn(ctx context.Context, email, password string) (int64, error) {
	var out struct {
		User struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	if err := c.call(ctx, "POST", "/api/v1/session", nil, map[string]string{"email": email, "password": password}, &out); err != nil {
		return 0, fmt.Errorf("sign in as %s: %w", email, err)
	}
	return out.User.ID, nil
}

// cookieHeader is the session cookie for a socket's handshake.
func (c *client) cookieHeader() string {
	u, _ := url.Parse(c.base)
	var s string
	for i, ck := range c.hc.Jar.Cookies(u) {
		if i > 0 {
			s += "; "
		}
		s += ck.Name + "=" + ck.Value
	}
	return s
}

type website struct {
	ID        int64  `json:"id"`
	PublicKey string `json:"public_key"`
}

func (c *client) createWebsite(ctx context.Context, name, domain string) (*website, error) {
	var out struct {
		Website website `json:"website"`
	}
	err := c.call(ctx, "POST", "/api/v1/websites", nil, map[string]any{"name": name, "allowed_domains": []string{domain}}, &out)
	if err != nil {
		return nil, fmt.Errorf("create website: %w", err)
	}
	return &out.Website, nil
}

func (c *client) createAgent(ctx context.Context, email, name, password string) (int64, error) {
	var out struct {
		User struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	err := c.call(ctx, "POST", "/api/v1/users", nil, map[string]string{"email": email, "name": name, "password": password, "role": "agent"}, &out)
	if err != nil {
		return 0, fmt.Errorf("create agent %s: %w", email, err)
	}
	return out.User.ID, nil
}

func (c *client) setMembers(ctx context.Context, inboxID int64, userIDs []int64) error {
	if err := c.call(ctx, "PUT", "/api/v1/inboxes/"+strconv.FormatInt(inboxID, 10)+"/members", nil, map[string]any{"user_ids": userIDs}, nil); err != nil {
		return fmt.Errorf("set members: %w", err)
	}
	return nil
}

// startVisitor creates a widget session and returns the visitor's token.
func (c *client) startVisitor(ctx context.Context, key string) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	if err := c.call(ctx, "POST", "/widget/v1/"+key+"/session", nil, map[string]string{"page_title": "Load test", "locale": "en"}, &out); err != nil {
		return "", err
	}
	if out.Token == "" {
		return "", fmt.Errorf("session without a token")
	}
	return out.Token, nil
}

type convRow struct {
	ID      int64 `json:"id"`
	LastSeq int64 `json:"last_seq"`
}

// conversations lists every conversation of the inbox in a folder.
func (c *client) conversations(ctx context.Context, inboxID int64, folder string) ([]convRow, error) {
	var all []convRow
	q := url.Values{"folder": {folder}, "inbox_id": {strconv.FormatInt(inboxID, 10)}, "limit": {"200"}}
	for {
		var out struct {
			Conversations []convRow `json:"conversations"`
			Next          *struct {
				Before   int64 `json:"before"`
				BeforeID int64 `json:"before_id"`
			} `json:"next"`
		}
		if err := c.call(ctx, "GET", "/api/v1/conversations?"+q.Encode(), nil, nil, &out); err != nil {
			return nil, fmt.Errorf("list conversations: %w", err)
		}
		all = append(all, out.Conversations...)
		if out.Next == nil || len(out.Conversations) == 0 {
			return all, nil
		}
		q.Set("before", strconv.FormatInt(out.Next.Before, 10))
		q.Set("before_id", strconv.FormatInt(out.Next.BeforeID, 10))
	}
}

// clientIDs returns the client ids of every entry in a conversation's log.
func (c *client) clientIDs(ctx context.Context, convID int64) ([]string, error) {
	var ids []string
	var after int64
	for {
		var out struct {
			Messages []struct {
				Seq      int64  `json:"seq"`
				ClientID string `json:"client_id"`
			} `json:"messages"`
		}
		path := fmt.Sprintf("/api/v1/conversations/%d/messages?after=%d&limit=500", convID, after)
		if err := c.call(ctx, "GET", path, nil, nil, &out); err != nil {
			return nil, err
		}
		for _, m := range out.Messages {
			ids = append(ids, m.ClientID)
			after = m.Seq
		}
		if len(out.Messages) < 500 {
			return ids, nil
		}
	}
}

// metrics reads a few gauges of the server's /metrics (Go runtime and sockets).
func (c *client) metrics(ctx context.Context) map[string]float64 {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/metrics", nil)
	if err != nil {
		return nil
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return parseMetrics(raw, []string{"go_goroutines", "go_memstats_heap_inuse_bytes", "go_memstats_stack_inuse_bytes",
		"go_memstats_sys_bytes", "process_resident_memory_bytes", `parley_websocket_connections{side="visitor"}`,
		`parley_websocket_connections{side="agent"}`})
}

// parseMetrics picks the named samples out of the Prometheus text format.
func parseMetrics(raw []byte, names []string) map[string]float64 {
	out := map[string]float64{}
	for _, line := range bytes.Split(raw, []byte("\n")) {
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		i := bytes.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		name := string(line[:i])
		for _, n := range names {
			if name == n {
				if v, err := strconv.ParseFloat(string(line[i+1:]), 64); err == nil {
					out[n] = v
				}
			}
		}
	}
	return out
}
