// Package clienttext is where text from clients — the agent API, the widget's HTTP calls and both
// kinds of WebSocket — is decoded, and refused when it cannot be stored as it was sent: a NUL
// character, invalid UTF-8, or a UTF-16 surrogate without its pair. PostgreSQL refuses NUL
// outright and encoding/json would silently turn the other two into U+FFFD, so the decision is
// taken once, here, before any of it reaches a service: errs.Invalid with the code "invalid_text"
// naming the field, the same on both databases. What channels receive (email, Messenger,
// WhatsApp) is never refused; it is repaired instead (internal/channel).
package clienttext

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/errs"
)

// Code is the error code of refused text.
const Code = "invalid_text"

// Problem is what is wrong with a piece of text.
type Problem string

const (
	NUL           Problem = "a NUL character"
	InvalidUTF8   Problem = "invalid UTF-8"
	LoneSurrogate Problem = "a UTF-16 surrogate without its pair"
)

// Error makes the error for a field's bad text: errs.Invalid "invalid_text", with the field in
// the details so a form can show it next to the input. An empty field is the whole body.
func Error(field string, p Problem) error {
	name := "the body"
	if field != "" {
		name = "field " + strconv.Quote(field)
	}
	return errs.WithDetails(errs.Invalid, Code, map[string]string{"field": field},
		"%s holds %s, which text may not contain", name, p)
}

// CheckString refuses a string that holds a NUL character or invalid UTF-8.
func CheckString(field, s string) error {
	if p := stringProblem(s); p != "" {
		return Error(field, p)
	}
	return nil
}

func stringProblem(s string) Problem {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return NUL
	case !utf8.ValidString(s):
		return InvalidUTF8
	}
	return ""
}

// CheckValues refuses query or form values (and their names) that CheckString would; what names
// the kind of value in the message ("query parameter q").
func CheckValues(what string, v url.Values) error {
	for k, list := range v {
		if p := stringProblem(k); p != "" {
			return Error(what, p)
		}
		for _, s := range list {
			if err := CheckString(what+" "+k, s); err != nil {
				return err
			}
		}
	}
	return nil
}

// Decode reads one JSON value from data into dst as the HTTP API does: unknown fields and
// trailing data are refused, and so is text CheckJSON refuses. Errors say what is wrong in terms
// of the JSON the client sent.
func Decode(data []byte, dst any) error {
	if err := CheckJSON(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return errs.E(errs.Invalid, "the body must hold exactly one JSON object")
	}
	return nil
}

// DecodeFrame reads a WebSocket frame into dst: fields dst does not have are ignored (one frame
// type's struct reads several kinds of frames), text CheckJSON refuses is not. A frame that is not
// JSON at all is errs.Invalid with the given message.
func DecodeFrame(data []byte, dst any, notJSON string) error {
	if err := CheckJSON(data); err != nil {
		return err
	}
	if err := json.Unmarshal(data, dst); err != nil {
		return errs.Wrap(errs.Invalid, err, "%s", notJSON)
	}
	return nil
}

// CheckJSON refuses JSON whose strings (values or member names) hold a NUL character (written
// \u0000), invalid UTF-8 or an escaped surrogate without its pair, naming the first such field
// as a path ("tags[2]", "fields.note"). JSON that is malformed otherwise is left for the decoder
// to describe: CheckJSON then returns nil, or an error for bad text before the malformation.
func CheckJSON(data []byte) error {
	if field, p := Find(data); p != "" {
		return Error(field, p)
	}
	return nil
}

// Find returns the first field of data holding bad text (a path, "" for the whole body; for a bad
// member name, the object holding it) and what is wrong with it; p is "" when all is well. Channels use it on JSON they are sent to tell whether the text they read was repaired.
func Find(data []byte) (field string, p Problem) {
	if bytes.IndexByte(data, '\\') < 0 && utf8.Valid(data) {
		return "", "" // the common case: no escapes at all, nothing to decode
	}
	var stack []frame
	i := 0
	for i < len(data) {
		c := data[i]
		switch c {
		case '{':
			stack = append(stack, frame{object: true, expectKey: true})
		case '[':
			stack = append(stack, frame{})
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ',':
			if n := len(stack); n > 0 {
				if stack[n-1].object {
					stack[n-1].expectKey = true
				} else {
					stack[n-1].index++
				}
			}
		case ':':
			if n := len(stack); n > 0 {
				stack[n-1].expectKey = false
			}
		case '"':
			end, prob := scanString(data, i)
			isKey := len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].expectKey
			if isKey {
				key := "?"
				if prob == "" {
					_ = json.Unmarshal(data[i:end], &key)
				}
				stack[len(stack)-1].key = key
				if prob != "" {
					return pathOf(stack[:len(stack)-1]), prob // the object holding the bad name
				}
			} else if prob != "" {
				return pathOf(stack), prob
			}
			if end < 0 {
				return "", "" // unterminated: malformed, the decoder says so
			}
			i = end
			continue
		default:
			if c >= utf8.RuneSelf {
				if r, size := utf8.DecodeRune(data[i:]); r == utf8.RuneError && size <= 1 {
					return pathOf(stack), InvalidUTF8
				}
			}
		}
		i++
	}
	return "", ""
}

// frame is one open object or array while scanning.
type frame struct {
	object    bool
	expectKey bool
	key       string // the member being read (objects)
	index     int    // the element being read (arrays)
}

// pathOf names the value being read as a path, "a.b[2].c"; "" is the whole body.
func pathOf(stack []frame) string {
	var b strings.Builder
	for _, f := range stack {
		if f.object {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(printable(f.key))
		} else {
			fmt.Fprintf(&b, "[%d]", f.index)
		}
	}
	return b.String()
}

// printable keeps a member name readable in a message.
func printable(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}

// scanString reads the JSON string starting with the quote at data[start]. It returns the index
// just after its closing quote (-1 when there is none) and the first problem in it.
func scanString(data []byte, start int) (int, Problem) {
	var prob Problem
	note := func(p Problem) {
		if prob == "" {
			prob = p
		}
	}
	i := start + 1
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			return i + 1, prob
		case c == '\\':
			if i+1 >= len(data) {
				return -1, prob
			}
			if data[i+1] != 'u' {
				i += 2
				continue
			}
			r, ok := hex4(data, i+2)
			if !ok {
				return -1, prob // malformed escape: the decoder says so
			}
			i += 6
			switch {
			case r == 0:
				note(NUL)
			case 0xD800 <= r && r < 0xDC00: // high surrogate: a low one must follow
				if i+1 < len(data) && data[i] == '\\' && data[i+1] == 'u' {
					if lo, ok := hex4(data, i+2); ok && 0xDC00 <= lo && lo < 0xE000 {
						i += 6
						continue
					}
				}
				note(LoneSurrogate)
			case 0xDC00 <= r && r < 0xE000:
				note(LoneSurrogate)
			}
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 {
				note(InvalidUTF8)
				size = 1
			}
			i += size
		}
	}
	return -1, prob
}

func hex4(data []byte, at int) (rune, bool) {
	if at+4 > len(data) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(data[at:at+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	return rune(v), true
}

// decodeError says what encoding/json found wrong, in the client's terms.
func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return errs.E(errs.Invalid, "the request body is empty; send a JSON object")
	case errors.As(err, &syntax):
		return errs.E(errs.Invalid, "malformed JSON at byte %d", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errs.E(errs.Invalid, "malformed JSON: the body ends too early")
	case errors.As(err, &typ):
		if f := jsonField(typ.Field); f != "" {
			return errs.E(errs.Invalid, "field %q must be %s", f, jsonKind(typ.Type.Kind().String()))
		}
		return errs.E(errs.Invalid, "the body must be a JSON object")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return errs.E(errs.Invalid, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return errs.Wrap(errs.Invalid, err, "malformed JSON")
}

// jsonField is a JSON field's path as the client wrote it: encoding/json puts the Go names of
// embedded structs in it ("LeadPatch.value"), which the client never saw.
func jsonField(path string) string {
	var out []string
	for _, p := range strings.Split(path, ".") {
		if p != "" && !unicode.IsUpper([]rune(p)[0]) {
			out = append(out, p)
		}
	}
	return strings.Join(out, ".")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return "a number"
}
