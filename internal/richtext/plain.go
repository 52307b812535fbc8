package richtext

import (
	"bytes"
	stdhtml "html"
	"strconv"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// plainWriter builds the text of a parsed message. Text goes through goldmark's HTML writer, which
// applies backslash escapes and character references exactly as Render does, so the buffer holds
// HTML-escaped text: image alt attributes use it as is, and String unescapes it for PlainText.
type plainWriter struct {
	bufWriter
	source []byte
}

func (w *plainWriter) String() string {
	return stdhtml.UnescapeString(w.Buffer.String())
}

// maxIndent is the deepest list level that is indented further; without a bound, the text of
// "- - - - …" would grow with the square of its length.
const maxIndent = 4

// blocks writes paragraphs separated by a blank line at the top level, and lists one item a line,
// nested lists indented by two spaces a level.
func (w *plainWriter) blocks(parent ast.Node, depth int) {
	indent := strings.Repeat("  ", min(depth, maxIndent))
	for c := parent.FirstChild(); c != nil; c = c.NextSibling() {
		if c.PreviousSibling() != nil {
			if depth == 0 {
				_, _ = w.WriteString("\n\n")
			} else {
				_ = w.WriteByte('\n')
			}
		}
		list, ok := c.(*ast.List)
		if !ok {
			if c.PreviousSibling() != nil {
				_, _ = w.WriteString(indent)
			}
			w.inline(c, "\n"+indent)
			continue
		}
		number := list.Start
		for item := list.FirstChild(); item != nil; item = item.NextSibling() {
			if item.PreviousSibling() != nil {
				_ = w.WriteByte('\n')
			}
			_, _ = w.WriteString(indent)
			if list.IsOrdered() {
				_, _ = w.WriteString(strconv.Itoa(number))
				_ = w.WriteByte(list.Marker)
				_ = w.WriteByte(' ')
				number++
			} else {
				_, _ = w.WriteString("• ")
			}
			w.blocks(item, depth+1)
		}
	}
}

// inline writes the text of parent's inline children; nl is written for each line break.
func (w *plainWriter) inline(parent ast.Node, nl string) {
	for c := parent.FirstChild(); c != nil; c = c.NextSibling() {
		switch n := c.(type) {
		case *ast.Text:
			if n.IsRaw() {
				html.DefaultWriter.RawWrite(w, n.Segment.Value(w.source))
			} else {
				html.DefaultWriter.Write(w, n.Segment.Value(w.source))
			}
			if n.SoftLineBreak() || n.HardLineBreak() {
				_, _ = w.WriteString(nl)
			}
		case *ast.String:
			switch {
			case n.IsCode():
				_, _ = w.Write(n.Value) // already HTML
			case n.IsRaw():
				html.DefaultWriter.RawWrite(w, n.Value)
			default:
				html.DefaultWriter.Write(w, n.Value)
			}
		case *ast.AutoLink:
			_, _ = w.Write(util.EscapeHTML(n.Label(w.source)))
		case *ast.Link:
			start := w.Len()
			w.inline(n, nl)
			u := linkURL(n)
			if !linkAllowed(u) {
				continue
			}
			label, href := w.Bytes()[start:], util.EscapeHTML(u)
			if bytes.Equal(label, href) || (hasPrefixFold(href, "mailto:") && bytes.Equal(label, href[len("mailto:"):])) {
				continue
			}
			_, _ = w.WriteString(" (")
			_, _ = w.Write(href)
			_ = w.WriteByte(')')
		case *ast.Image:
			start := w.Len()
			w.inline(n, nl)
			if w.Len() == start && imageAllowed(imageURL(n)) {
				_, _ = w.WriteString("[image]")
			}
		default: // emphasis
			w.inline(c, nl)
		}
	}
}
