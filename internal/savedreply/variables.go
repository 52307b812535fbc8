package savedreply

import (
	"slices"
	"strings"

	"github.com/parleyhq/parley/internal/errs"
)

// Variables are written {{contact.first_name}}, or with a fallback for when the value is not known:
// {{contact.first_name | there}}. Names are checked when a reply is saved, so a typo is refused
// then rather than sent to a customer.

// Variable names, as docs/inbox.md lists them.
var Variables = []string{
	"contact.name", "contact.first_name", "contact.last_name", "contact.email", "contact.phone",
	"agent.name", "agent.first_name", "agent.email",
	"inbox.name", "conversation.id",
}

// Values are what the variables stand for in one conversation; an empty value is not known.
type Values map[string]string

// placeholder is one {{…}} in a body: where it is and what it says.
type placeholder struct {
	start, end int // byte offsets of "{{" and just after "}}"
	name       string
	fallback   string
	hasDefault bool
}

// placeholders finds the {{…}} of a body. A "{{" without its "}}" on the same line is plain text.
func placeholders(body string) []placeholder {
	var out []placeholder
	for i := 0; i < len(body); {
		open := strings.Index(body[i:], "{{")
		if open < 0 {
			break
		}
		open += i
		rest := body[open+2:]
		end := strings.Index(rest, "}}")
		if end < 0 || strings.ContainsRune(rest[:end], '\n') {
			i = open + 2
			continue
		}
		inner := rest[:end]
		p := placeholder{start: open, end: open + 2 + end + 2}
		name, fallback, ok := strings.Cut(inner, "|")
		p.name = strings.TrimSpace(name)
		if ok {
			p.fallback, p.hasDefault = strings.TrimSpace(fallback), true
		}
		out = append(out, p)
		i = p.end
	}
	return out
}

// checkVariables refuses a body naming a variable that does not exist.
func checkVariables(body string) error {
	for _, p := range placeholders(body) {
		if !slices.Contains(Variables, p.name) {
			return errs.Coded(errs.Invalid, "variable_unknown", "{{%s}} is not a variable; use one of %s", p.name, strings.Join(Variables, ", "))
		}
	}
	return nil
}

// Fill replaces the variables of body with their values, escaped so that a contact's name cannot
// turn into formatting or a link. It returns the text and the variables that had neither a value
// nor a fallback (they become empty).
func Fill(body string, v Values) (string, []string) {
	var b strings.Builder
	missing := []string{}
	last := 0
	for _, p := range placeholders(body) {
		b.WriteString(body[last:p.start])
		last = p.end
		val := strings.TrimSpace(v[p.name])
		switch {
		case val != "":
			b.WriteString(escapeMarkdown(val))
		case p.hasDefault:
			b.WriteString(p.fallback)
		default:
			if !slices.Contains(missing, p.name) {
				missing = append(missing, p.name)
			}
		}
	}
	b.WriteString(body[last:])
	return b.String(), missing
}

// escapeMarkdown backslash-escapes what the markdown subset reads as formatting, links, code or
// character references (internal/richtext), and puts a value on one line.
func escapeMarkdown(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\*_[]`<&", r) {
			b.WriteByte('\\')
		}
		if r == '\n' || r == '\r' {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

// FirstName is the first word of a name; LastName the rest.
func FirstName(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// LastName is a name without its first word.
func LastName(name string) string {
	f := strings.Fields(name)
	if len(f) < 2 {
		return ""
	}
	return strings.Join(f[1:], " ")
}
