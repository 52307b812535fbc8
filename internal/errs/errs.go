// Package errs defines the kinds of error Parley's domain code returns. One function in httpapi maps
// a kind to an HTTP status; everything else only creates, wraps and inspects errors.
package errs

import (
	"context"
	"errors"
	"fmt"
)

// Kind says what went wrong in terms a caller can act on.
type Kind string

const (
	Internal        Kind = "internal"         // a bug or an unreachable dependency; details are logged, not shown
	Invalid         Kind = "invalid"          // bad input; the message says what to fix
	NotFound        Kind = "not_found"        // no such thing, or the caller may not know it exists
	Forbidden       Kind = "forbidden"        // the caller is known but may not do this
	Unauthenticated Kind = "unauthenticated"  // no valid session or token, or wrong credentials
	Conflict        Kind = "conflict"         // the change clashes with existing state (duplicate, wrong state)
	RateLimited     Kind = "rate_limited"     // too many attempts; try later
	Unavailable     Kind = "unavailable"      // a dependency is down; try later
	TooLarge        Kind = "too_large"        // the request body or file is over its limit
	Unsupported     Kind = "unsupported_type" // the request's content type is not accepted
	// MethodNotAllowed: the path exists, but not with this method (the answer says which it has).
	MethodNotAllowed Kind = "method_not_allowed"
)

// Error is an error with a kind, a stable machine-readable code and a message safe to show a user.
type Error struct {
	Kind    Kind
	Code    string // e.g. "email_taken"; defaults to the kind
	Message string // safe for the client
	Err     error  // the cause, logged but never shown
	// Details is optional structured data safe for the client, shown next to the message (for
	// example the list of problems that made a playbook invalid, for inline errors in an editor).
	Details any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// E makes an error of kind k with a formatted message. The message is shown to clients.
func E(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Code: string(k), Message: fmt.Sprintf(format, args...)}
}

// Coded makes an error with an explicit code, for errors clients branch on.
func Coded(k Kind, code, format string, args ...any) error {
	return &Error{Kind: k, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap attaches kind k and a client-safe message to cause.
func Wrap(k Kind, cause error, format string, args ...any) error {
	return &Error{Kind: k, Code: string(k), Message: fmt.Sprintf(format, args...), Err: cause}
}

// WithDetails makes an error with an explicit code and client-safe structured details.
func WithDetails(k Kind, code string, details any, format string, args ...any) error {
	return &Error{Kind: k, Code: code, Message: fmt.Sprintf(format, args...), Details: details}
}

// DetailsOf returns the details of the outermost *Error in err's chain, when its kind may be shown
// to a client; nil otherwise.
func DetailsOf(err error) any {
	var e *Error
	if errors.As(err, &e) && e.Kind != Internal {
		return e.Details
	}
	return nil
}

// errBusy is what a deadline that ran out means to a client: the server was too busy to answer in
// time (for example a send waiting for the database's writer), which is worth retrying.
var errBusy = &Error{Kind: Unavailable, Code: string(Unavailable), Message: "the server is busy; try again in a moment"}

// KindOf reports the kind of err: the kind of the outermost *Error in its chain; Unavailable for a
// deadline that ran out; Internal otherwise.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Unavailable
	}
	return Internal
}

// Is reports whether err is of kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// Public returns the code and message that may be shown to a client for err.
func Public(err error) (code, message string) {
	var e *Error
	if !errors.As(err, &e) && errors.Is(err, context.DeadlineExceeded) {
		e = errBusy
	}
	if e != nil && e.Kind != Internal {
		code = e.Code
		if code == "" {
			code = string(e.Kind)
		}
		return code, e.Message
	}
	return string(Internal), "internal error"
}
