package blob

import (
	"bytes"
	"net/http"
	"strings"
	"time"
)

// CSP is the Content-Security-Policy of every served file: nothing may load or run, and the
// sandbox gives a document opened from it a unique origin, away from Parley's cookies and API.
const CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"

// WriteResponse serves a blob's bytes for a GET or HEAD, with conditional requests (ETag is the
// SHA-256; ids are never reused and blobs never change, so it may be cached for a year) and
// ranges (for seeking in audio and video).
//
// Only raster images (png, jpeg, gif, webp) are served inline; everything else, PDFs included,
// is an attachment, so a top-level visit downloads it instead of rendering it in Parley's origin.
// The Content-Type is the stored one when it is on the allow-list, application/octet-stream
// otherwise, so HTML and SVG are never sent as such, whatever a row says. <img>, <audio> and
// <video> ignore Content-Disposition, so in-page previews still work.
func WriteResponse(w http.ResponseWriter, r *http.Request, b *Blob, data []byte) {
	ct := b.ContentType
	if !servedTypes[ct] {
		ct = "application/octet-stream"
	}
	disposition := "attachment"
	if inlineTypes[ct] {
		disposition = "inline"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", ContentDisposition(disposition, b.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", CSP)
	// Only Parley's own pages (the inbox, the widget's frame) may embed a file.
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("ETag", `"`+b.SHA256+`"`)
	http.ServeContent(w, r, "", time.UnixMilli(b.CreatedAt), bytes.NewReader(data))
}

// ContentDisposition formats a Content-Disposition header value with the file name both as an
// ASCII fallback (filename) and, for the real name, RFC 5987 encoded UTF-8 (filename*).
func ContentDisposition(disposition, name string) string {
	var fallback, enc strings.Builder
	for _, r := range name {
		if r < 0x20 || r >= 0x7F || r == '"' || r == '\\' || r == '%' || r == ';' {
			fallback.WriteByte('_')
		} else {
			fallback.WriteRune(r)
		}
	}
	const hex = "0123456789ABCDEF"
	for _, c := range []byte(name) {
		if isAttrChar(c) {
			enc.WriteByte(c)
		} else {
			enc.WriteByte('%')
			enc.WriteByte(hex[c>>4])
			enc.WriteByte(hex[c&15])
		}
	}
	return disposition + `; filename="` + fallback.String() + `"; filename*=UTF-8''` + enc.String()
}

// isAttrChar reports whether c may stand unencoded in an RFC 5987 ext-value (attr-char).
func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
