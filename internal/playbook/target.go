package playbook

import (
	"net/url"
	"regexp"
	"strings"
)

// Match picks the playbook to run on a page: among the active playbooks whose URL rules match
// pageURL, the one with the highest priority; on a tie, the oldest (lowest id). Nil when none
// matches.
func Match(playbooks []Playbook, pageURL string) *Playbook {
	var best *Playbook
	for i := range playbooks {
		p := &playbooks[i]
		if !p.Active || !p.MatchesURL(pageURL) {
			continue
		}
		if best == nil || p.Priority > best.Priority || (p.Priority == best.Priority && p.ID < best.ID) {
			best = p
		}
	}
	return best
}

// MatchesURL reports whether the playbook's targeting matches the page: true when it has no
// rules, or when any rule matches. What a rule's value is compared with:
//
//   - equals and starts_with: the full URL (scheme, host, path and query) when the value starts
//     with http:// or https://, otherwise the path and query ("/pricing?plan=pro"). A trailing
//     slash on the path does not count for equals: "/pricing" equals "/pricing/".
//   - contains: the full URL.
//   - regex: RE2 syntax, unanchored; it matches when it finds a match in the path and query or in
//     the full URL, so "^/pricing" and "^https://shop\.example/" both work.
//
// The fragment (#…) is never compared; the scheme and host are compared in lower case; the path is
// compared decoded ("/über", not "/%C3%BCber"), case-sensitively.
func (p *Playbook) MatchesURL(pageURL string) bool {
	if len(p.Targeting) == 0 {
		return true
	}
	full, pathQuery := splitURL(pageURL)
	for _, r := range p.Targeting {
		if r.matches(full, pathQuery) {
			return true
		}
	}
	return false
}

func (r Rule) matches(full, pathQuery string) bool {
	target := pathQuery
	if hasScheme(r.Value) {
		target = full
	}
	switch r.Match {
	case Equals:
		return trimSlash(target) == trimSlash(normalizeRuleURL(r.Value))
	case StartsWith:
		return strings.HasPrefix(target, normalizeRuleURL(r.Value))
	case Contains:
		return strings.Contains(full, normalizeRuleURL(r.Value))
	case Regex:
		re, err := regexp.Compile(r.Value)
		return err == nil && (re.MatchString(pathQuery) || re.MatchString(full))
	}
	return false
}

func hasScheme(v string) bool {
	l := strings.ToLower(v)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// splitURL returns the page's URL without its fragment, and its path and query alone.
func splitURL(raw string) (full, pathQuery string) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return raw, raw
	}
	pathQuery = u.Path
	if pathQuery == "" {
		pathQuery = "/"
	}
	if u.RawQuery != "" {
		pathQuery += "?" + u.RawQuery
	}
	if u.Host == "" {
		return pathQuery, pathQuery
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + pathQuery, pathQuery
}

// trimSlash drops a trailing slash from the path part, keeping a lone "/".
func trimSlash(s string) string {
	path, query, hasQuery := strings.Cut(s, "?")
	if len(path) > 1 && strings.HasSuffix(path, "/") && !strings.HasSuffix(path, "://") {
		path = strings.TrimSuffix(path, "/")
	}
	if hasQuery {
		return path + "?" + query
	}
	return path
}

// normalizeRuleURL writes an equals, starts_with or contains value the way pages are compared:
// scheme and host in lower case, the path decoded.
func normalizeRuleURL(v string) string {
	if hasScheme(v) {
		u, err := url.Parse(v)
		if err != nil || u.Host == "" {
			return v
		}
		out := strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + u.Path
		if u.RawQuery != "" || u.ForceQuery {
			out += "?" + u.RawQuery
		}
		return out
	}
	path, query, hasQuery := strings.Cut(v, "?")
	if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	if hasQuery {
		return path + "?" + query
	}
	return path
}
