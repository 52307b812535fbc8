package richtext

import (
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// linkRenderer replaces goldmark's renderers for links, bare URLs and images. goldmark (with
// unsafe off) only blanks a short list of dangerous schemes; these render a link or image only for
// an allowed URL, and otherwise just its text, so a refused link reads like what was typed instead
// of an <a> going nowhere.
type linkRenderer struct{}

// linkAttrs go on every link: messages come from strangers, so no search credit, no window.opener,
// no Referer, and never navigate the inbox or the widget frame away.
const linkAttrs = ` rel="nofollow noopener noreferrer" target="_blank"`

func (linkRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindLink, renderLink)
	reg.Register(ast.KindAutoLink, renderAutoLink)
	reg.Register(ast.KindImage, renderImage)
}

func renderLink(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Link)
	u := linkURL(n)
	if !linkAllowed(u) {
		return ast.WalkContinue, nil // the children render the link text
	}
	if !entering {
		_, _ = w.WriteString("</a>")
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString(`<a href="`)
	_, _ = w.Write(util.EscapeHTML(u))
	_ = w.WriteByte('"')
	writeTitle(w, n.Title)
	_, _ = w.WriteString(linkAttrs + ">")
	return ast.WalkContinue, nil
}

func renderAutoLink(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.AutoLink)
	u := autoLinkURL(n, source)
	label := util.EscapeHTML(n.Label(source))
	if !linkAllowed(u) {
		_, _ = w.Write(label)
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString(`<a href="`)
	_, _ = w.Write(util.EscapeHTML(u))
	_, _ = w.WriteString(`"` + linkAttrs + ">")
	_, _ = w.Write(label)
	_, _ = w.WriteString("</a>")
	return ast.WalkContinue, nil
}

func renderImage(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Image)
	u := imageURL(n)
	if !imageAllowed(u) {
		return ast.WalkContinue, nil // the children render the alt text
	}
	if !entering {
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString(`<img src="`)
	_, _ = w.Write(util.EscapeHTML(u))
	_, _ = w.WriteString(`" alt="`)
	// goldmark's own alt text keeps <br> for line breaks with hard wraps on; ours is flat text.
	alt := plainWriter{source: source}
	alt.inline(n, " ")
	_, _ = w.Write(alt.Bytes())
	_ = w.WriteByte('"')
	writeTitle(w, n.Title)
	_ = w.WriteByte('>')
	return ast.WalkSkipChildren, nil
}

func writeTitle(w util.BufWriter, title []byte) {
	if title == nil {
		return
	}
	_, _ = w.WriteString(` title="`)
	html.DefaultWriter.Write(w, title) // resolves escapes and entities, escapes HTML
	_ = w.WriteByte('"')
}
