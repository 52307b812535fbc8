package richtext

import (
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
)

// emailPolicy is the wall an email's HTML passes before an agent sees it. Mail is written with far
// more markup than chat (tables for layout, headings, quotes), so more elements pass than the
// chat's subset; but no attribute that styles, scripts or tracks does: no style, no class, no
// event handler, no form. Images show only the message's own files (cid: references, which the
// channel turns into links to the stored attachment); a remote image would tell the sender when
// and where the mail was read, so it is dropped.
var emailPolicy = newEmailPolicy()

func newEmailPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "div", "span", "strong", "b", "em", "i", "u", "s", "small", "sub", "sup",
		"ul", "ol", "li", "blockquote", "pre", "code", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
		"table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption")
	p.AllowAttrs("start").Matching(regexp.MustCompile(`^[0-9]{1,9}$`)).OnElements("ol")
	p.AllowAttrs("colspan", "rowspan").Matching(regexp.MustCompile(`^[0-9]{1,3}$`)).OnElements("td", "th")
	p.AllowAttrs("href").Matching(regexp.MustCompile(`^(?i:https?://|mailto:)`)).OnElements("a")
	p.AllowAttrs("src").Matching(regexp.MustCompile(`^(?i:cid:[^\s"'<>]+|/api/v1/attachments/[0-9]+)$`)).OnElements("img")
	p.AllowAttrs("alt", "title").OnElements("img")
	p.AllowAttrs("title").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto", "cid")
	p.AllowRelativeURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	// The contents of these are not text a person reads; everything else unknown keeps its text.
	p.SkipElementsContent("style", "script", "title", "head", "noscript", "template", "svg", "math", "object")
	return p
}

// maxEmailHTML bounds what is sanitised: beyond it the HTML is not shown (the text is).
const maxEmailHTML = 2 << 20

// SanitizeEmail makes an email's HTML safe to show among the inbox's own: the allow-list above,
// nothing else. It returns "" for HTML too large to show, or with no text and no image left.
func SanitizeEmail(html string) (out string) {
	defer func() {
		if recover() != nil {
			out = ""
		}
	}()
	if len(html) > maxEmailHTML {
		return ""
	}
	out = strings.TrimSpace(emailPolicy.Sanitize(html))
	if !strings.Contains(out, "<img") && strings.TrimSpace(stripTags(out)) == "" {
		return ""
	}
	return out
}

var tagRE = regexp.MustCompile(`<[^>]*>|&nbsp;`)

func stripTags(s string) string { return tagRE.ReplaceAllString(s, "") }
