package email

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// subjectPrefixes are the reply and forward markers mail programs put before a subject, lower-case,
// in the languages Parley speaks and the ones its customers' customers write in most. Single letters
// (Italian "R:" and "I:") are left out: they are too likely to be part of a real subject.
var subjectPrefixes = map[string]bool{
	// reply
	"re": true, "aw": true, "antw": true, "antwort": true, "sv": true, "vs": true, "odp": true,
	"res": true, "rif": true, "ynt": true, "yanıt": true, "cevap": true, "vá": true, "válasz": true,
	"atb": true, "vast": true, "hv": true, "رد": true, "回复": true, "回覆": true, "答复": true,
	// forward
	"fw": true, "fwd": true, "wg": true, "tr": true, "rv": true, "enc": true, "doorst": true,
	"fs": true, "vb": true, "vl": true, "pd": true, "ilt": true, "i̇lt": true, "továbbítás": true,
	"továbbított": true, "转发": true, "轉寄": true, "転送": true,
}

// NormalizeSubject returns subject without the reply and forward markers in front ("Re:", "AW:",
// "Fwd:", "RE[2]:", "Re^3:", "回复："), without leading bracketed tags ("[Ticket#123]",
// "[EXTERNAL]") and with its white space collapsed, so that a reply's subject can be compared with
// the original's. Case is kept; compare with strings.EqualFold.
func NormalizeSubject(subject string) string {
	s := strings.Join(strings.Fields(subject), " ")
	for {
		t := strings.TrimLeftFunc(s, unicode.IsSpace)
		t = stripTag(t)
		t = stripMarker(t)
		t = strings.TrimLeftFunc(t, unicode.IsSpace)
		if t == s {
			return s
		}
		s = t
	}
}

// stripTag removes one leading "[...]" tag, unless it is all there is.
func stripTag(s string) string {
	if !strings.HasPrefix(s, "[") {
		return s
	}
	end := strings.IndexByte(s, ']')
	if end < 0 || strings.TrimSpace(s[end+1:]) == "" {
		return s
	}
	return s[end+1:]
}

// stripMarker removes one leading marker: a known word, an optional counter ("[2]", "(2)", "^2",
// "*2"), and a colon (ASCII or full-width).
func stripMarker(s string) string {
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) {
			break
		}
		i += n
	}
	if i == 0 || !subjectPrefixes[strings.ToLower(s[:i])] {
		return s
	}
	rest := s[i:]
	rest = strings.TrimLeft(rest, " ")
	switch {
	case strings.HasPrefix(rest, "[") || strings.HasPrefix(rest, "("):
		closing := "]"
		if rest[0] == '(' {
			closing = ")"
		}
		end := strings.Index(rest, closing)
		if end < 0 || strings.Trim(rest[1:end], "0123456789") != "" {
			return s
		}
		rest = rest[end+1:]
	case strings.HasPrefix(rest, "^") || strings.HasPrefix(rest, "*"):
		rest = strings.TrimLeft(rest[1:], "0123456789")
	}
	rest = strings.TrimLeft(rest, " ")
	switch {
	case strings.HasPrefix(rest, ":"):
		return rest[1:]
	case strings.HasPrefix(rest, "："):
		return rest[len("："):]
	}
	return s
}
