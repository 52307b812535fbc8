// Package richtext renders the small markdown subset that agents, visitors and bot cards write in
// chat messages (bold, italic, links, bare URLs, bullet and numbered lists, images, paragraphs and
// line breaks) to sanitised HTML for the inbox, the widget and emails, and to plain text for
// previews, push notifications and the text part of emails.
//
// Everything else markdown knows (headings, code, block quotes, tables, rules, raw HTML, reference
// links) is not parsed at all, so it shows as the characters the person typed. Two walls keep the
// HTML safe: the parser never produces raw HTML and only links to allowed URLs, and bluemonday then
// re-parses the output against a strict allow-list.
package richtext

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown and policy are built once here and only read afterwards, so sharing them between
// goroutines is safe: goldmark's parsers and renderers keep per-call state in a parser.Context and
// set themselves up under a sync.Once (its author: "Parsers and renderers are designed as
// stateless", gohugoio/hugo#6484), and a bluemonday Policy may be used by many goroutines once it
// is built (its README). TestConcurrentUse runs them in parallel under -race. A package-level
// value keeps the API four plain functions; a Renderer type with New() would have to be threaded
// through every caller for a configuration nobody changes.
var (
	markdown = newMarkdown()
	policy   = newPolicy()
)

func newMarkdown() goldmark.Markdown {
	// Only the parsers for the subset are registered; markdown outside it stays text. Without the
	// raw-HTML parsers "<b>" is text, not omitted HTML; without the link-reference paragraph
	// transformer "[x]: javascript:…" is text, not a hidden definition.
	p := parser.NewParser(
		parser.WithBlockParsers(
			util.Prioritized(parser.NewListParser(), 300),
			util.Prioritized(parser.NewListItemParser(), 400),
			util.Prioritized(paragraphParser{parser.NewParagraphParser()}, 1000),
		),
		parser.WithInlineParsers(
			util.Prioritized(parser.NewLinkParser(), 200),
			util.Prioritized(parser.NewAutoLinkParser(), 300), // <https://…> and <a@b.example>
			util.Prioritized(parser.NewEmphasisParser(), 500),
			util.Prioritized(extension.NewLinkifyParser(
				extension.WithLinkifyAllowedProtocols([]string{"http:", "https:"}),
			), 999),
		),
	)
	r := renderer.NewRenderer(renderer.WithNodeRenderers(
		// html.WithUnsafe is not set: goldmark would not pass raw HTML through even if it parsed it.
		// Hard wraps: in chat a newline is a line break.
		util.Prioritized(html.NewRenderer(html.WithHardWraps()), 1000),
		util.Prioritized(linkRenderer{}, 100), // lower value wins: replaces links and images
	))
	return goldmark.New(goldmark.WithParser(p), goldmark.WithRenderer(r))
}

// paragraphParser is goldmark's paragraph parser that also opens on a line indented by four
// spaces or more. In markdown such a line starts a code block; with the code block parser left out,
// goldmark would drop the line without a trace.
type paragraphParser struct{ parser.BlockParser }

func (paragraphParser) CanAcceptIndentedLine() bool { return true }

func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "strong", "em", "ul", "ol", "li")
	// A list typed as "3. …" starts at 3; without start it would silently renumber to 1.
	p.AllowAttrs("start").Matching(regexp.MustCompile(`^[0-9]{1,9}$`)).OnElements("ol")
	p.AllowAttrs("href").Matching(regexp.MustCompile(`^(?i:https?://|mailto:)`)).OnElements("a")
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^nofollow noopener noreferrer$`)).OnElements("a")
	p.AllowAttrs("target").Matching(regexp.MustCompile(`^_blank$`)).OnElements("a")
	p.AllowAttrs("src").Matching(regexp.MustCompile(`^(?i:https://[^/\\]|/(?:[^/\\]|$))`)).OnElements("img")
	p.AllowAttrs("alt").OnElements("img")
	p.AllowAttrs("title").OnElements("a", "img")
	// Schemes apply to every URL attribute; the Matching patterns above narrow them per element.
	// Relative URLs are needed for same-origin images; a.href's pattern keeps them out of links.
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}

// Render turns the markdown subset into sanitised HTML. It never returns an error for any input.
// Text longer than 16 KiB is not parsed as markdown but escaped (see maxMarkdown).
func Render(src string) (out string) {
	defer func() {
		// A parser bug on a crafted message must not take down the goroutine delivering it; the
		// escaped text is always safe to show.
		if recover() != nil {
			out = escapedParagraph(src)
		}
	}()
	return render(src)
}

// maxMarkdown bounds the work one message can cause. goldmark takes time quadratic in the length
// of some inputs (10,000 unclosed "[a](" in a row, 40 KB, take a third of a second of CPU), so
// longer text is not parsed: Render shows it escaped, with its line breaks, and PlainText returns
// it as it is.
const maxMarkdown = 16 << 10

func render(src string) string {
	if len(src) > maxMarkdown {
		return escapedParagraph(src)
	}
	return strings.TrimRight(policy.Sanitize(convert(src)), "\n")
}

// escapedParagraph is src shown as text, in the same paragraph markup Render gives text.
func escapedParagraph(src string) string {
	if src == "" {
		return ""
	}
	return "<p>" + Escape(src) + "</p>"
}

// convert is the first wall: goldmark's HTML, which must already keep to the allow-list.
func convert(src string) string {
	var buf bufWriter
	buf.Grow(len(src) + len(src)/2 + 16)
	// Convert only fails when its writer does, and bufWriter never does.
	_ = markdown.Convert([]byte(src), &buf)
	return buf.String()
}

// PlainText returns a text-only version (for previews in conversation lists, push notifications
// and the plain part of emails): markup removed, link URLs kept in parentheses after their text,
// list items as "• item" lines (numbered lists keep their numbers), images as their alt text or
// "[image]". The result is text, not HTML: callers escape it for HTML.
func PlainText(src string) (out string) {
	defer func() {
		if recover() != nil {
			out = src
		}
	}()
	return plainText(src)
}

func plainText(src string) string {
	if len(src) > maxMarkdown {
		return src
	}
	source := []byte(src)
	doc := markdown.Parser().Parse(text.NewReader(source))
	var w plainWriter
	w.source = source
	w.blocks(doc, 0)
	return w.String()
}

// IsPlain reports whether src contains no markdown syntax at all, so callers can skip Render on the
// hot path and just HTML-escape the text with Escape. It errs towards false: anything that might be
// markup (any '*', '_', '[', a URL, an address with '@', a list marker) sends the message to Render.
// It does not allocate.
func IsPlain(src string) bool {
	lineStart := true
	for i := 0; i < len(src); i++ {
		if lineStart {
			lineStart = false
			for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
				i++
			}
			if startsListItem(src[i:]) {
				return false
			}
			if i == len(src) {
				break
			}
		}
		switch c := src[i]; c {
		case '\n', '\r':
			lineStart = true
		case '*', '_', '[', '\\', 0:
			// Emphasis, links and images, backslash escapes; NUL becomes U+FFFD in Render.
			return false
		case '<':
			// <https://…> and <a@b.example> autolinks.
			if i+1 < len(src) && !isSpace(src[i+1]) {
				return false
			}
		case '&':
			// Entity and numeric character references.
			if i+1 < len(src) && (isLetter(src[i+1]) || src[i+1] == '#') {
				return false
			}
		case '@':
			// Linkified email addresses; "@name" mentions at the start of a word stay plain.
			if i > 0 && !isSpace(src[i-1]) {
				return false
			}
		case 'h', 'H':
			if hasPrefixFold(src[i:], "http:") || hasPrefixFold(src[i:], "https:") {
				return false
			}
		case 'w', 'W':
			if hasPrefixFold(src[i:], "www.") {
				return false
			}
		}
	}
	return true
}

// startsListItem reports whether a line (leading blanks removed) starts with a list marker: "-",
// "+", "*" or up to nine digits and "." or ")", followed by a blank or the end of the line.
func startsListItem(line string) bool {
	i := 0
	switch {
	case line == "":
		return false
	case line[0] == '-' || line[0] == '+' || line[0] == '*':
		i = 1
	default:
		for i < len(line) && i < 10 && line[i] >= '0' && line[i] <= '9' {
			i++
		}
		if i == 0 || i > 9 || i == len(line) || (line[i] != '.' && line[i] != ')') {
			return false
		}
		i++
	}
	return i == len(line) || isSpace(line[i])
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isLetter(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case.
func hasPrefixFold[T string | []byte](s T, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// Escape HTML-escapes plain text and turns newlines (\n, \r\n, \r) into <br>, for the plain fast
// path. Text that needs neither is returned as is, without allocating.
func Escape(src string) string {
	i := strings.IndexAny(src, "&<>\"'\r\n")
	if i < 0 {
		return src
	}
	var b strings.Builder
	b.Grow(len(src) + len(src)/8 + 8)
	last := 0
	for ; i < len(src); i++ {
		var rep string
		switch src[i] {
		case '&':
			rep = "&amp;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		case '"':
			rep = "&#34;"
		case '\'':
			rep = "&#39;"
		case '\r':
			rep = "<br>"
			if i+1 < len(src) && src[i+1] == '\n' {
				b.WriteString(src[last:i])
				b.WriteString(rep)
				i++
				last = i + 1
				continue
			}
		case '\n':
			rep = "<br>"
		default:
			continue
		}
		b.WriteString(src[last:i])
		b.WriteString(rep)
		last = i + 1
	}
	b.WriteString(src[last:])
	return b.String()
}

// linkAllowed reports whether u, as it will appear in href, may be a link target: http or https
// with a host, or mailto. It must parse with net/url too: bluemonday drops an href that does not,
// and a link going nowhere is better shown as its text.
func linkAllowed(u []byte) bool {
	if hasBlank(u) ||
		!hasPrefixFold(u, "https://") && !hasPrefixFold(u, "http://") && !hasPrefixFold(u, "mailto:") {
		return false
	}
	p, err := url.Parse(string(u))
	if err != nil {
		return false
	}
	if p.Scheme == "mailto" {
		return p.Opaque != ""
	}
	return p.Host != ""
}

// imageAllowed reports whether u, as it will appear in src, may be loaded: https, or a path on our
// own origin. "//host" and "/\host" are other origins to a browser; plain http would be mixed
// content and leak the reader's address to anyone; data: is never allowed.
func imageAllowed(u []byte) bool {
	https := hasPrefixFold(u, "https://")
	if hasBlank(u) || !https && (len(u) == 0 || u[0] != '/' || len(u) > 1 && (u[1] == '/' || u[1] == '\\')) {
		return false
	}
	p, err := url.Parse(string(u))
	if err != nil {
		return false
	}
	if https {
		return p.Host != ""
	}
	return p.Scheme == "" && p.Host == ""
}

// hasBlank reports whether u holds a space or control character. URLEscape encodes them all, so
// this only guards the checks above against a change there: browsers drop tabs and newlines inside
// URLs, which would turn "/\t/host" into "//host".
func hasBlank(u []byte) bool {
	for _, c := range u {
		if c <= ' ' || c == 0x7f {
			return true
		}
	}
	return false
}

// linkURL, autoLinkURL and imageURL return the URL exactly as the HTML renders it, so the checks
// above judge what the browser will see.
func linkURL(n *ast.Link) []byte { return util.URLEscape(n.Destination, true) }

func imageURL(n *ast.Image) []byte { return util.URLEscape(n.Destination, true) }

func autoLinkURL(n *ast.AutoLink, source []byte) []byte {
	u := n.URL(source)
	if n.AutoLinkType == ast.AutoLinkEmail && !hasPrefixFold(u, "mailto:") {
		u = append([]byte("mailto:"), u...)
	}
	return util.URLEscape(u, false)
}

// bufWriter is a bytes.Buffer that satisfies goldmark's util.BufWriter, so goldmark writes into it
// directly instead of through a bufio.Writer of its own.
type bufWriter struct{ bytes.Buffer }

func (*bufWriter) Available() int { return 0 }
func (*bufWriter) Buffered() int  { return 0 }
func (*bufWriter) Flush() error   { return nil }
