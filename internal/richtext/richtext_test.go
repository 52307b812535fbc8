package richtext

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

const rel = ` rel="nofollow noopener noreferrer" target="_blank"`

func TestRender(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", ""},
		{"plain", "hello, how are you?", "<p>hello, how are you?</p>"},
		{"bold", "**bold**", "<p><strong>bold</strong></p>"},
		{"bold underscores", "__bold__", "<p><strong>bold</strong></p>"},
		{"italic star", "*italic*", "<p><em>italic</em></p>"},
		{"italic underscore", "_italic_", "<p><em>italic</em></p>"},
		{"bold italic", "***both***", "<p><em><strong>both</strong></em></p>"},
		{"nested", "**bold *and italic***", "<p><strong>bold <em>and italic</em></strong></p>"},
		{"intraword underscore", "snake_case_name", "<p>snake_case_name</p>"},
		{"unclosed", "**not bold", "<p>**not bold</p>"},
		{"escaped star", `\*not italic\*`, "<p>*not italic*</p>"},
		{"link", "[docs](https://example.com/docs)",
			`<p><a href="https://example.com/docs"` + rel + `>docs</a></p>`},
		{"link http", "[x](http://example.com)", `<p><a href="http://example.com"` + rel + `>x</a></p>`},
		{"link mailto", "[mail us](mailto:help@example.com)",
			`<p><a href="mailto:help@example.com"` + rel + `>mail us</a></p>`},
		{"link title", `[x](https://example.com "The title")`,
			`<p><a href="https://example.com" title="The title"` + rel + `>x</a></p>`},
		{"link with bold", "[**x**](https://example.com)",
			`<p><a href="https://example.com"` + rel + `><strong>x</strong></a></p>`},
		{"link query escaped", "[x](https://example.com/?a=1&b=2)",
			`<p><a href="https://example.com/?a=1&amp;b=2"` + rel + `>x</a></p>`},
		{"link percent-encoded", "[x](https://example.com/a<b>)",
			`<p><a href="https://example.com/a%3Cb%3E"` + rel + `>x</a></p>`},
		{"link scheme case", "[x](HTTPS://EXAMPLE.COM)", `<p><a href="https://EXAMPLE.COM"` + rel + `>x</a></p>`},
		{"link relative refused", "[x](/inbox)", "<p>x</p>"},
		{"link javascript refused", "[x](javascript:alert(1))", "<p>x</p>"},
		{"link ftp refused", "[x](ftp://example.com)", "<p>x</p>"},
		{"reference links stay text", "[x]\n\n[x]: https://example.com",
			`<p>[x]</p>` + "\n" + `<p>[x]: <a href="https://example.com"` + rel + `>https://example.com</a></p>`},
		{"autolink https", "see https://example.com/a?b=1.",
			`<p>see <a href="https://example.com/a?b=1"` + rel + `>https://example.com/a?b=1</a>.</p>`},
		{"autolink http", "http://example.com", `<p><a href="http://example.com"` + rel + `>http://example.com</a></p>`},
		{"autolink www", "www.example.com", `<p><a href="http://www.example.com"` + rel + `>www.example.com</a></p>`},
		{"autolink email", "write to help@example.com",
			`<p>write to <a href="mailto:help@example.com"` + rel + `>help@example.com</a></p>`},
		{"autolink in parentheses", "(https://example.com)",
			`<p>(<a href="https://example.com"` + rel + `>https://example.com</a>)</p>`},
		{"autolink bold", "**https://example.com**",
			`<p><strong><a href="https://example.com"` + rel + `>https://example.com</a></strong></p>`},
		{"autolink ftp stays text", "ftp://example.com", "<p>ftp://example.com</p>"},
		{"angle autolink", "<https://example.com>", `<p><a href="https://example.com"` + rel + `>https://example.com</a></p>`},
		{"angle autolink javascript", "<javascript:alert(1)>", "<p>javascript:alert(1)</p>"},
		{"bullets dash", "- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"},
		{"bullets star", "* one\n* two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"},
		{"bullets after text", "Options:\n- a\n- **b**",
			"<p>Options:</p>\n<ul>\n<li>a</li>\n<li><strong>b</strong></li>\n</ul>"},
		{"nested bullets", "- a\n  - b", "<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul>\n</li>\n</ul>"},
		{"numbered", "1. a\n2. b", "<ol>\n<li>a</li>\n<li>b</li>\n</ol>"},
		{"numbered start", "3. c\n4. d", "<ol start=\"3\">\n<li>c</li>\n<li>d</li>\n</ol>"},
		{"image attachment", "![screenshot](/api/v1/attachments/123)",
			`<p><img src="/api/v1/attachments/123" alt="screenshot"></p>`},
		{"image https", `![logo](https://cdn.example.com/logo.png "Logo")`,
			`<p><img src="https://cdn.example.com/logo.png" alt="logo" title="Logo"></p>`},
		{"image alt markup flattened", "![a *b*\nc](/x.png)", `<p><img src="/x.png" alt="a b c"></p>`},
		{"image empty alt", "![](/x.png)", `<p><img src="/x.png" alt=""></p>`},
		{"image in link", "[![logo](/logo.png)](https://example.com)",
			`<p><a href="https://example.com"` + rel + `><img src="/logo.png" alt="logo"></a></p>`},
		{"image http dropped", "![x](http://insecure/x.png)", "<p>x</p>"},
		{"image data dropped", "![x](data:image/png;base64,AAAA)", "<p>x</p>"},
		{"image protocol-relative dropped", "![x](//evil.example/x.png)", "<p>x</p>"},
		{"image relative path dropped", "![x](x.png)", "<p>x</p>"},
		{"line break", "one\ntwo", "<p>one<br>\ntwo</p>"},
		{"paragraphs", "one\n\ntwo", "<p>one</p>\n<p>two</p>"},
		{"crlf", "one\r\ntwo", "<p>one<br>\ntwo</p>"},
		{"entities", "&amp; &copy; &#x41;", "<p>&amp; © A</p>"},
		{"quotes escaped", `it's "x" & <y>`, "<p>it&#39;s &#34;x&#34; &amp; &lt;y&gt;</p>"},
		{"raw html is text", "<b>hi</b>", "<p>&lt;b&gt;hi&lt;/b&gt;</p>"},
		{"heading is text", "# Title", "<p># Title</p>"},
		{"quote is text", "> quoted", "<p>&gt; quoted</p>"},
		{"code span is text", "`code`", "<p>`code`</p>"},
		{"fence is text", "```\ncode\n```", "<p>```<br>\ncode<br>\n```</p>"},
		{"indented is text", "    code", "<p>code</p>"},
		{"indented after paragraph", "text\n\n\tmore", "<p>text</p>\n<p>more</p>"},
		{"indented in list item", "- a\n\n      b", "<ul>\n<li>\n<p>a</p>\n<p>b</p>\n</li>\n</ul>"},
		{"rule is text", "---", "<p>---</p>"},
		{"setext is text", "Title\n===", "<p>Title<br>\n===</p>"},
		{"table is text", "| a |\n|---|", "<p>| a |<br>\n|---|</p>"},
		{"strikethrough is text", "~~x~~", "<p>~~x~~</p>"},
		{"nul", "a\x00b", "<p>a\uFFFDb</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkRender(t, tt.src)
			if got != tt.want {
				t.Errorf("Render(%q)\n got %q\nwant %q", tt.src, got, tt.want)
			}
		})
	}
}

func TestRenderLongInputIsEscaped(t *testing.T) {
	src := strings.Repeat("**a** <b>\n", maxMarkdown/10+1)
	want := "<p>" + strings.Repeat("**a** &lt;b&gt;<br>", maxMarkdown/10+1) + "</p>"
	if got := checkRender(t, src); got != want {
		t.Errorf("Render of %d bytes = %.80q…, want it escaped", len(src), got)
	}
	if got := PlainText(src); got != src {
		t.Errorf("PlainText of %d bytes = %.80q…, want it unchanged", len(src), got)
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", ""},
		{"plain", "hello", "hello"},
		{"emphasis", "**bold** and *it* and _it_", "bold and it and it"},
		{"link", "[docs](https://example.com/docs)", "docs (https://example.com/docs)"},
		{"link text is url", "[https://example.com](https://example.com)", "https://example.com"},
		{"mailto text is address", "[a@example.com](mailto:a@example.com)", "a@example.com"},
		{"link refused", "[x](javascript:alert(1))", "x"},
		{"autolink", "see https://example.com and b@example.com", "see https://example.com and b@example.com"},
		{"bullets", "Options:\n- a\n- **b**", "Options:\n\n• a\n• b"},
		{"nested", "- a\n  - b\n- c", "• a\n  • b\n• c"},
		{"nested deep", "- - - - - - x", "•   •     •       •         •         • x"},
		{"loose item", "- a\n\n  b\n- c", "• a\n  b\n• c"},
		{"indented", "    code", "code"},
		{"numbered", "3. c\n4. d", "3. c\n4. d"},
		{"image", "![screenshot](/api/v1/attachments/1)", "screenshot"},
		{"image no alt", "![](/api/v1/attachments/1)", "[image]"},
		{"image refused", "![x](http://insecure/x.png)", "x"},
		{"line breaks", "one\ntwo\n\nthree", "one\ntwo\n\nthree"},
		{"entities and escapes", `&amp; &lt;b&gt; \*x\*`, "& <b> *x*"},
		{"raw html kept as text", "<b>hi</b>", "<b>hi</b>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.src); got != tt.want {
				t.Errorf("PlainText(%q)\n got %q\nwant %q", tt.src, got, tt.want)
			}
		})
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ src, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{`<b>&"'`, "&lt;b&gt;&amp;&#34;&#39;"},
		{"a\nb", "a<br>b"},
		{"a\r\nb\rc\n\nd", "a<br>b<br>c<br><br>d"},
		{"<script>\nalert(1)", "&lt;script&gt;<br>alert(1)"},
	}
	for _, tt := range tests {
		if got := Escape(tt.src); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestIsPlain(t *testing.T) {
	plain := []string{
		"", "hello, how are you?", "Tom & Jerry", "2 < 3 and 5 > 4", "@anna can you look?",
		"# not a heading", "> not a quote", "`not code`", "---", "+1", "-5 degrees", "3.5 stars",
		"price: 10$", "line one\nline two\r\nline three", "ftp is old", "(hi)", "done!",
		"    indented four spaces", "text\n\n\tindented by a tab",
	}
	for _, s := range plain {
		if !IsPlain(s) {
			t.Errorf("IsPlain(%q) = false, want true", s)
		}
		checkPlainAgrees(t, s)
	}
	markup := []string{
		"**hi**", "*hi*", "_hi_", "[a](b)", "- item", "* item", "+ item", "  - item", "a\n- item",
		"1. item", "12) item", "https://x.com", "see http://x.com", "HTTPS://X.COM", "www.x.com",
		"a@b.co", "<https://x.com>", "![a](/x.png)", `\*`, "&amp;", "&#65;", "a\x00b", "-", "1.",
	}
	for _, s := range markup {
		if IsPlain(s) {
			t.Errorf("IsPlain(%q) = true, want false", s)
		}
	}
}

func TestIsPlainDoesNotAllocate(t *testing.T) {
	msg := strings.Repeat("hello, how are you? ", 10)
	if n := testing.AllocsPerRun(100, func() { IsPlain(msg) }); n != 0 {
		t.Errorf("IsPlain allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { Escape(msg) }); n != 0 {
		t.Errorf("Escape of text without special characters allocates %v times", n)
	}
}

// TestConcurrentUse shares the package's parser, renderer and policy between goroutines; run with
// -race.
func TestConcurrentUse(t *testing.T) {
	inputs := []string{
		"**bold** [x](https://example.com)", "- a\n- b", "![i](/x.png)", "<script>x</script>",
		"see https://example.com", "1. a\n2. b",
	}
	want := make([]string, len(inputs))
	for i, in := range inputs {
		want[i] = Render(in) + "|" + PlainText(in)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				k := (g + i) % len(inputs)
				if got := Render(inputs[k]) + "|" + PlainText(inputs[k]); got != want[k] {
					t.Errorf("concurrent result for %q = %q, want %q", inputs[k], got, want[k])
					return
				}
			}
		})
	}
	wg.Wait()
}

// richMessage is a typical 200-character agent reply with bold and a link.
const richMessage = "Hi Anna, thanks for waiting! Your order **#48213** shipped today. " +
	"You can track it on [our tracking page](https://shop.example.com/track/48213) " +
	"and reply here if anything looks wrong."

const plainMessage = "Hi Anna, thanks for waiting! Your order 48213 shipped today and should " +
	"arrive on Thursday. You can reply here if anything looks wrong, or call us, we are " +
	"happy to help with anything else you need."

func BenchmarkRenderRich(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(richMessage)))
	for b.Loop() {
		Render(richMessage)
	}
}

func BenchmarkPlainText(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(richMessage)))
	for b.Loop() {
		PlainText(richMessage)
	}
}

func BenchmarkIsPlain(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(plainMessage)))
	for b.Loop() {
		IsPlain(plainMessage)
	}
}

func BenchmarkEscape(b *testing.B) {
	msg := plainMessage + "\nIt's \"fine\" & <done>."
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		Escape(msg)
	}
}

func ExampleRender() {
	fmt.Println(Render("**Hi!** See [the docs](https://example.com/docs)."))
	// Output: <p><strong>Hi!</strong> See <a href="https://example.com/docs" rel="nofollow noopener noreferrer" target="_blank">the docs</a>.</p>
}

func ExamplePlainText() {
	fmt.Println(PlainText("**Hi!** Options:\n- [the docs](https://example.com/docs)\n- ![](/api/v1/attachments/7)"))
	// Output:
	// Hi! Options:
	//
	// • the docs (https://example.com/docs)
	// • [image]
}
