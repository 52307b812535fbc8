package channel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/parleyhq/parley/internal/errs"
)

// Known is a person a channel knows by its own id in an inbox (a Messenger Page-scoped id, a
// WhatsApp number), tied to their contact.
type Known struct {
	InboxID    int64
	ExternalID string
	ContactID  int64
	// PictureID is their profile picture in the blob store (0: none); ProfileAt when their
	// profile was last read; LastInboundAt when they last wrote (the reply windows run from it).
	PictureID     int64
	ProfileAt     int64
	LastInboundAt int64
}

// MaxDownload bounds a file fetched from a channel (the blob store's default limit and a byte):
// what is larger is refused by the blob store, with the reason on the message.
const MaxDownload = 10<<20 + 1

// Download fetches a file a channel's message points at (a Meta CDN link, Twilio's media), with
// authorize adding credentials where the channel needs them. It returns the bytes (at most
// MaxDownload), the content type given and a file name taken from the response or the URL. A
// failure says whether trying again may help.
func Download(ctx context.Context, client *http.Client, rawURL string, authorize func(*http.Request)) (data []byte, contentType, name string, err error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, "", "", Permanent(errs.E(errs.Invalid, "not a web address: %q", rawURL))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", "", Permanent(err)
	}
	if authorize != nil {
		authorize(req)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", "", Temporary(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		err := fmt.Errorf("download %s: %s", u.Host, resp.Status)
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			return nil, "", "", Temporary(err)
		}
		return nil, "", "", Permanent(err)
	}
	data, err = io.ReadAll(io.LimitReader(resp.Body, MaxDownload))
	if err != nil {
		return nil, "", "", Temporary(err)
	}
	contentType = resp.Header.Get("Content-Type")
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil && params["filename"] != "" {
		name = params["filename"]
	}
	if name == "" {
		// The final URL after redirects (Twilio's media answer with one to their store).
		name = path.Base(resp.Request.URL.Path)
		if name == "." || name == "/" || !strings.Contains(name, ".") {
			name = ""
		}
	}
	return data, contentType, name, nil
}

// ErrNotKnown says a channel does not know the person a reply is for.
var ErrNotKnown = errors.New("the channel does not know this contact's id")
