package email

import (
	"strings"
)

// parseAuthResults reads an Authentication-Results header field (RFC 8601):
//
//	mx.example.com; spf=pass smtp.mailfrom=a@b.c; dkim=pass (good) header.d=b.c; dmarc=pass
//
// Only the verdicts of spf, dkim and dmarc are kept; with several dkim results (several
// signatures) a pass wins. The topmost field is the one to read: it was added by the last server on
// the way, the only one the receiver can trust (the listener adds its own on top).
func parseAuthResults(v string) AuthResults {
	var ar AuthResults
	parts := strings.Split(stripComments(v), ";")
	if len(parts) == 0 {
		return ar
	}
	id := strings.Fields(parts[0])
	if len(id) > 0 {
		ar.AuthServID = id[0]
	}
	for _, p := range parts[1:] {
		words := strings.Fields(p)
		if len(words) == 0 {
			continue
		}
		method, value, ok := strings.Cut(words[0], "=")
		if !ok {
			continue
		}
		method = strings.ToLower(method)
		if i := strings.IndexByte(method, '/'); i >= 0 {
			method = method[:i] // "dkim/1"
		}
		value = strings.ToLower(strings.Trim(value, `"`))
		switch method {
		case "spf":
			if ar.SPF == "" {
				ar.SPF = value
			}
		case "dkim":
			if ar.DKIM == "" || value == "pass" {
				ar.DKIM = value
			}
		case "dmarc":
			if ar.DMARC == "" {
				ar.DMARC = value
			}
		}
	}
	return ar
}

// stripComments removes (nested) parenthesised comments, outside quoted strings.
func stripComments(v string) string {
	var b strings.Builder
	depth, quoted, escaped := 0, false, false
	for _, r := range v {
		switch {
		case escaped:
			escaped = false
			if depth == 0 {
				b.WriteRune(r)
			}
			continue
		case r == '\\':
			escaped = true
		case quoted:
			if r == '"' {
				quoted = false
			}
		case r == '"' && depth == 0:
			quoted = true
		case r == '(':
			depth++
			continue
		case r == ')' && depth > 0:
			depth--
			continue
		}
		if depth == 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// formatAuthResults writes an Authentication-Results value for authServID with the given verdicts
// (empty ones are left out); "none" when there are none.
func formatAuthResults(authServID string, ar AuthResults, extra map[string]string) string {
	var b strings.Builder
	b.WriteString(authServID)
	n := 0
	for _, m := range []struct{ name, value string }{{"spf", ar.SPF}, {"dkim", ar.DKIM}, {"dmarc", ar.DMARC}} {
		if m.value == "" {
			continue
		}
		n++
		b.WriteString(";\r\n\t" + m.name + "=" + m.value)
		if p := extra[m.name]; p != "" {
			b.WriteString(" " + p)
		}
	}
	if n == 0 {
		b.WriteString("; none")
	}
	return b.String()
}
