package reply

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// SplitHTML finds the reply in an HTML body. Visible is the text of the kept part; VisibleHTML is
// the kept part as HTML. It cuts where mail clients mark the quoted part (Gmail's gmail_quote,
// Outlook's divRplyFwdMsg and its border-top header box, Thunderbird's moz-cite-prefix, Yahoo's
// yahoo_quoted, signature blocks) and then applies the plain-text rules to the rendered text, with
// each <blockquote> read as "> " lines.
func SplitHTML(s string) Result {
	// A NUL carries nothing in mail, and the parser would turn some into U+FFFD.
	s = strings.ReplaceAll(s, "\x00", "")
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil { // only a failing reader makes Parse fail; a string reader does not
		return Split(s)
	}
	r := renderer{cut: -1, spans: map[*html.Node]span{}}
	r.walk(doc)
	r.flush(false)

	ls := make([]line, len(r.lines))
	hidden := make([]bool, len(r.lines))
	for i, rl := range r.lines {
		c := cleanLine(rl.text)
		ls[i] = line{text: rl.text, clean: c, quote: rl.depth > 0 || isQuoteLine(c), rendered: true}
		ls[i].classify()
		hidden[i] = rl.hidden
	}
	cut := len(ls)
	if r.cut >= 0 && hasText(ls[:r.cut], hidden) {
		cut = r.cut
	} else {
		// Nothing above the marked part (a forward without a comment): read it all, so the
		// text rules show the forwarded message below its header, as for plain text.
		r.cut = -1
	}
	tail := analyse(ls[:cut], hidden[:cut])
	res := result(ls, hidden, tail)
	res.VisibleHTML = r.visibleHTML(doc, hidden)
	return res
}

func hasText(ls []line, hidden []bool) bool {
	for i, l := range ls {
		if !l.blank && !hidden[i] {
			return true
		}
	}
	return false
}

// renderedLine is one line of the rendered text.
type renderedLine struct {
	text   string
	depth  int  // blockquote nesting
	hidden bool // inside an element that marks the quote header (moz-cite-prefix)
	nodes  []*html.Node
}

// span is the range of rendered lines a text node's text landed on.
type span struct{ first, last int }

type renderer struct {
	lines  []renderedLine
	cur    strings.Builder
	nodes  []*html.Node // text nodes on the current line
	depth  int          // blockquote nesting
	pre    int          // inside <pre>
	hide   int          // inside an element whose text is hidden
	cut    int          // first line of the part a client marked as quoted (-1: none)
	cutAt  *html.Node   // the element that starts it
	spans  map[*html.Node]span
	inLine bool // the current line has text
}

// flush ends the current line. An empty line is kept only when force is set (a <br>), so block
// boundaries do not pile up empty lines.
func (r *renderer) flush(force bool) {
	if !r.inLine && !force {
		return
	}
	// A paragraph of just "&nbsp;" is how Outlook writes an empty line.
	t := strings.TrimRight(strings.ReplaceAll(r.cur.String(), "\u00a0", " "), " ")
	if r.depth > 0 {
		t = strings.Repeat(">", r.depth) + " " + t
	}
	r.lines = append(r.lines, renderedLine{text: t, depth: r.depth, hidden: r.hide > 0, nodes: r.nodes})
	r.cur.Reset()
	r.nodes = nil
	r.inLine = false
}

var skipped = map[atom.Atom]bool{
	atom.Head: true, atom.Style: true, atom.Script: true, atom.Title: true, atom.Meta: true,
	atom.Link: true, atom.Template: true, atom.Noscript: true, atom.Object: true, atom.Svg: true,
	atom.Iframe: true, atom.Select: true, atom.Button: true,
}

var blocks = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Ul: true, atom.Ol: true, atom.Li: true, atom.Table: true,
	atom.Tr: true, atom.Pre: true, atom.Section: true, atom.Article: true, atom.Header: true,
	atom.Footer: true, atom.Center: true, atom.Dl: true, atom.Dt: true, atom.Dd: true,
	atom.Address: true, atom.Form: true, atom.Fieldset: true, atom.Figure: true, atom.Body: true,
	atom.Hr: true, atom.Main: true, atom.Nav: true, atom.Aside: true, atom.Caption: true,
}

func (r *renderer) walk(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		r.text(n)
		return
	case html.ElementNode:
	case html.DocumentNode:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			r.walk(c)
		}
		return
	default:
		return
	}
	if skipped[n.DataAtom] {
		return
	}
	switch n.DataAtom {
	case atom.Br:
		r.flush(true)
		return
	case atom.Td, atom.Th:
		if r.inLine {
			r.cur.WriteByte(' ')
		}
	}
	mark := marker(n)
	block := blocks[n.DataAtom] || mark != markNone
	if block {
		r.flush(false)
	}
	if mark == markTail && r.cut < 0 {
		r.cut, r.cutAt = len(r.lines), n
	}
	quote := n.DataAtom == atom.Blockquote && isQuoteBlock(n)
	if n.DataAtom == atom.Blockquote {
		r.flush(false)
	}
	if quote {
		r.depth++
	}
	if n.DataAtom == atom.Pre {
		r.pre++
	}
	if mark == markHide {
		r.hide++
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		r.walk(c)
	}
	if block || n.DataAtom == atom.Blockquote {
		r.flush(false)
	}
	if mark == markHide {
		r.hide--
	}
	if n.DataAtom == atom.Pre {
		r.pre--
	}
	if quote {
		r.depth--
	}
}

func (r *renderer) text(n *html.Node) {
	s := n.Data
	first := len(r.lines)
	wrote := false
	if r.pre > 0 {
		for i, part := range strings.Split(s, "\n") {
			if i > 0 {
				r.flush(true)
			}
			if part != "" {
				r.cur.WriteString(strings.TrimRight(part, "\r"))
				r.inLine, wrote = true, true
				r.addNode(n)
			}
		}
	} else {
		words := strings.FieldsFunc(s, isHTMLSpace)
		if len(words) == 0 && s != "" {
			r.space()
		}
		for i, word := range words {
			if i > 0 || startsWithSpace(s) {
				r.space()
			}
			r.cur.WriteString(word)
			r.inLine, wrote = true, true
		}
		if wrote {
			if endsWithSpace(s) {
				r.space()
			}
			r.addNode(n)
		}
	}
	if wrote {
		r.spans[n] = span{first, len(r.lines)}
	}
}

// space separates words: one space, and none at the start of a line.
func (r *renderer) space() {
	if r.inLine && !strings.HasSuffix(r.cur.String(), " ") {
		r.cur.WriteByte(' ')
	}
}

func (r *renderer) addNode(n *html.Node) {
	if len(r.nodes) == 0 || r.nodes[len(r.nodes)-1] != n {
		r.nodes = append(r.nodes, n)
	}
}

func isHTMLSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' }

func startsWithSpace(s string) bool { return s != "" && isHTMLSpace(rune(s[0])) }

func endsWithSpace(s string) bool { return s != "" && isHTMLSpace(rune(s[len(s)-1])) }

type markKind int

const (
	markNone markKind = iota
	markTail          // this element and everything after it is quoted history or signature
	markHide          // this element is hidden (an attribution line)
)

// tailClasses and tailIDs mark where mail clients put the quoted message or the signature.
var tailClasses = []string{
	"gmail_quote", "gmail_quote_container", "gmail_signature", "yahoo_quoted", "moz-signature",
	"protonmail_quote", "protonmail_signature_block", "zmail_extra", "zmail_signature",
	"mail-editor-reference-message-container", "moz-forward-container",
}

var tailIDs = []string{"divrplyfwdmsg", "x_divrplyfwdmsg", "olk_src_body_section", "signature", "appendonsend"}

func marker(n *html.Node) markKind {
	var class, id, style string
	for _, a := range n.Attr {
		switch a.Key {
		case "class":
			class = a.Val
		case "id":
			id = strings.ToLower(a.Val)
		case "style":
			style = strings.ToLower(a.Val)
		case "data-smartmail":
			if a.Val == "gmail_signature" {
				return markTail
			}
		case "data-signatureblock":
			return markTail
		}
	}
	for _, c := range strings.Fields(class) {
		if c == "moz-cite-prefix" {
			return markHide
		}
		// Gmail also puts gmail_quote on the <blockquote> inside; that one is read as "> ".
		if n.DataAtom == atom.Blockquote {
			continue
		}
		for _, t := range tailClasses {
			if c == t {
				return markTail
			}
		}
	}
	for _, t := range tailIDs {
		if id == t || strings.HasPrefix(id, "yahoo_quoted") {
			return markTail
		}
	}
	// Outlook draws a line above the quoted message's header box: a border-top on the element
	// that holds "From: ...".
	if strings.Contains(style, "border-top") && !strings.Contains(style, "border-top:none") &&
		!strings.Contains(style, "border-top: none") {
		if _, ok := headerKey(cleanLine(textStart(n, 200))); ok {
			return markTail
		}
	}
	return markNone
}

// isQuoteBlock tells a quoting <blockquote> from one used to indent (Gmail's "Indent more" has
// no border).
func isQuoteBlock(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Key == "style" {
			s := strings.ReplaceAll(strings.ToLower(a.Val), " ", "")
			if strings.Contains(s, "border:none") || strings.Contains(s, "border:0") {
				return false
			}
		}
	}
	return true
}

// textStart is the first max bytes (or a little more) of the text inside n.
func textStart(n *html.Node, max int) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && b.Len() < max; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				b.WriteString(c.Data)
			case c.Type == html.ElementNode && !skipped[c.DataAtom]:
				walk(c)
			}
		}
	}
	walk(n)
	return strings.Join(strings.FieldsFunc(b.String(), isHTMLSpace), " ")
}

// visibleHTML renders the body without the hidden parts: everything from the start of the
// hidden tail on, and the text (or whole elements) of lines hidden above it.
func (r *renderer) visibleHTML(doc *html.Node, hidden []bool) string {
	// The first line of the hidden tail.
	tail := len(hidden)
	for tail > 0 && hidden[tail-1] {
		tail--
	}
	for tail < len(r.lines) && len(r.lines[tail].nodes) == 0 && (r.cut < 0 || tail < r.cut) {
		tail++
	}
	body := findBody(doc)
	if body == nil {
		return ""
	}
	switch {
	case r.cut >= 0 && tail >= r.cut:
		removeFrom(liftCut(r.cutAt, body), body)
	case tail < len(r.lines):
		n := r.lines[tail].nodes[0]
		first := r.spans[n].first
		if first == tail {
			removeFrom(liftCut(n, body), body)
			break
		}
		// A <pre> text that runs on into the tail keeps its lines above it.
		if parts := strings.Split(n.Data, "\n"); tail-first < len(parts) {
			n.Data = strings.Join(parts[:tail-first], "\n")
			removeAfter(n, body)
		}
	}
	r.removeHidden(body, hidden)
	trimEmptyTail(body)
	var b strings.Builder
	for c := body.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&b, c); err != nil {
			return ""
		}
	}
	return strings.TrimSpace(b.String())
}

func findBody(n *html.Node) *html.Node {
	if n.Type == html.ElementNode && n.DataAtom == atom.Body {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if b := findBody(c); b != nil {
			return b
		}
	}
	return nil
}

// liftCut moves a cut up to the outermost element that starts with n, so the wrappers of the
// hidden part ("<div class=gmail_extra><br><div class=gmail_quote>") go with it.
func liftCut(n, body *html.Node) *html.Node {
	for n.Parent != nil && n.Parent != body {
		for s := n.PrevSibling; s != nil; s = s.PrevSibling {
			if hasContent(s) {
				return n
			}
		}
		n = n.Parent
	}
	return n
}

// hasContent is text other than white space, or an image.
func hasContent(n *html.Node) bool {
	switch n.Type {
	case html.TextNode:
		return strings.TrimFunc(n.Data, func(r rune) bool { return isHTMLSpace(r) || r == '\u00a0' }) != ""
	case html.ElementNode:
		if n.DataAtom == atom.Img {
			return true
		}
		if skipped[n.DataAtom] {
			return false
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if hasContent(c) {
				return true
			}
		}
	}
	return false
}

// trimEmptyTail removes what is left empty at the end of n (line breaks, empty wrappers).
func trimEmptyTail(n *html.Node) {
	for c := n.LastChild; c != nil; c = n.LastChild {
		if hasContent(c) {
			if c.Type == html.ElementNode {
				trimEmptyTail(c)
			}
			return
		}
		n.RemoveChild(c)
	}
}

// removeFrom removes n and everything after it in document order, up to body.
func removeFrom(n, body *html.Node) {
	removeAfter(n, body)
	if n.Parent != nil {
		n.Parent.RemoveChild(n)
	}
}

// removeAfter removes everything after n in document order, up to body.
func removeAfter(n, body *html.Node) {
	for p := n; p != nil && p != body; p = p.Parent {
		for p.NextSibling != nil {
			p.Parent.RemoveChild(p.NextSibling)
		}
	}
}

// removeHidden removes the text nodes whose lines are all hidden, and elements with text that is
// all hidden (a quoted <blockquote> goes with its images). It reports whether n has visible text,
// and whether it has hidden text.
func (r *renderer) removeHidden(n *html.Node, hidden []bool) (visible, gone bool) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		switch c.Type {
		case html.TextNode:
			sp, ok := r.spans[c]
			if !ok {
				break
			}
			if r.allHidden(sp, hidden) {
				n.RemoveChild(c)
				gone = true
			} else {
				visible = true
			}
		case html.ElementNode:
			v, g := r.removeHidden(c, hidden)
			if g && !v {
				n.RemoveChild(c)
			}
			visible, gone = visible || v, gone || g
		}
		c = next
	}
	return visible, gone
}

func (r *renderer) allHidden(sp span, hidden []bool) bool {
	for k := sp.first; k <= sp.last && k < len(hidden); k++ {
		if !hidden[k] {
			return false
		}
	}
	return true
}
