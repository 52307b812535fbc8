package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/internal/clienttext"
	"github.com/parleyhq/parley/internal/errs"
)

// handler is an HTTP handler that returns its error; writeError turns it into a response.
type handler func(w http.ResponseWriter, r *http.Request) error

// maxJSONBody bounds request bodies of the JSON API.
const maxJSONBody = 1 << 20

// statusOf maps an error kind to its HTTP status. It is the only place that does.
func statusOf(k errs.Kind) int {
	switch k {
	case errs.Invalid:
		return http.StatusBadRequest
	case errs.Unauthenticated:
		return http.StatusUnauthorized
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.Unsupported:
		return http.StatusUnsupportedMediaType
	case errs.RateLimited:
		return http.StatusTooManyRequests
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	case errs.MethodNotAllowed:
		return http.StatusMethodNotAllowed
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
	Details   any    `json:"details,omitempty"`
}

// writeError answers with err's status and a JSON body. Internal errors are logged with the
// request id and answered without detail.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	kind := errs.KindOf(err)
	status := statusOf(kind)
	code, msg := errs.Public(err)
	id := requestID(r.Context())
	if status >= 500 {
		log.ErrorContext(r.Context(), "request failed", "request_id", id, "method", r.Method, "path", r.URL.Path, "err", err)
		msg = fmt.Sprintf("%s (request id %s)", msg, id)
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "60")
	}
	writeJSON(w, status, errorBody{Error: errorDetail{Code: code, Message: msg, RequestID: id, Details: errs.DetailsOf(err)}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// decodeJSON reads one JSON object into dst, refusing unknown fields, other content types,
// oversized bodies, trailing data and text that cannot be stored (internal/clienttext) with errors
// that say what is wrong.
func decodeJSON(r *http.Request, dst any) error {
	// The content type is not insisted on (curl -d labels JSON as a form), only forms with files
	// are refused; cross-site requests are stopped by the Origin checks, not by content types.
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); strings.HasPrefix(mt, "multipart/") {
		return errs.E(errs.Unsupported, "send the body as application/json")
	}
	data, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return errs.E(errs.TooLarge, "the request body is larger than %d bytes", tooLarge.Limit)
	case err != nil:
		return errs.Wrap(errs.Invalid, err, "the request body could not be read")
	}
	return clienttext.Decode(data, dst)
}

// pathID reads a numeric path value; anything else names nothing that exists.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.E(errs.NotFound, "not found")
	}
	return id, nil
}
