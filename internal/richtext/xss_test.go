package richtext

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// loadPayloads reads testdata/xss.txt (format described at its top).
func loadPayloads(t testing.TB) []string {
	t.Helper()
	f, err := os.Open("testdata/xss.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	unescape := strings.NewReplacer(`\n`, "\n", `\r`, "\r", `\t`, "\t", `\0`, "\x00")
	var payloads []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		if line == "" || strings.HasPrefix(line, "# ") {
			continue
		}
		payloads = append(payloads, unescape.Replace(line))
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return payloads
}

// allowedAttrs is the allow-list every element and attribute of Render's output must be in.
var allowedAttrs = map[string]map[string]bool{
	"p":      {},
	"br":     {},
	"strong": {},
	"em":     {},
	"ul":     {},
	"ol":     {"start": true},
	"li":     {},
	"a":      {"href": true, "title": true, "rel": true, "target": true},
	"img":    {"src": true, "alt": true, "title": true},
}

var (
	numberPattern = regexp.MustCompile(`^[0-9]{1,9}$`)
	forbiddenTag  = regexp.MustCompile(`(?i)<\s*/?\s*(script|iframe|svg|style|object|embed|form|base|meta|link|math|input|details|noscript|template)`)
)

// allowedScheme reports whether a URL attribute starts with http:, https: or mailto:. Browsers
// ignore leading spaces and C0 controls and drop tabs and newlines anywhere in a URL, so those are
// removed first: "java\tscript:" is javascript:. An https URL with "javascript:" in its path or
// user name is just an https URL.
func allowedScheme(u string) bool {
	u = strings.Map(func(r rune) rune {
		if r <= ' ' {
			return -1
		}
		return r
	}, u)
	return hasPrefixFold(u, "https://") || hasPrefixFold(u, "http://") || hasPrefixFold(u, "mailto:")
}

// checkAllowList parses out as the browser would and reports the first element, attribute or URL
// outside the allow-list.
func checkAllowList(out string) error {
	if m := forbiddenTag.FindString(out); m != "" {
		return fmt.Errorf("forbidden tag %q", m)
	}
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if errors.Is(z.Err(), io.EOF) {
				return nil
			}
			return z.Err()
		case html.TextToken:
			continue
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
		default:
			return fmt.Errorf("unexpected %v token %q", tt, z.Raw())
		}
		tok := z.Token()
		attrs, ok := allowedAttrs[tok.Data]
		if !ok {
			return fmt.Errorf("element <%s> not allowed", tok.Data)
		}
		if tt == html.EndTagToken {
			continue
		}
		seen := map[string]bool{}
		for _, a := range tok.Attr {
			key := strings.ToLower(a.Key)
			seen[key] = true
			if a.Namespace != "" || !attrs[key] || strings.HasPrefix(key, "on") {
				return fmt.Errorf("attribute %q not allowed on <%s>", a.Key, tok.Data)
			}
			val := a.Val
			switch key {
			case "href", "src":
				if strings.IndexFunc(val, func(r rune) bool { return r <= ' ' }) >= 0 {
					return fmt.Errorf("%s=%q contains spaces or control characters", key, val)
				}
			}
			switch key {
			case "href":
				if !allowedScheme(val) {
					return fmt.Errorf("href=%q is not http, https or mailto", val)
				}
			case "src":
				if !imageAllowed([]byte(val)) {
					return fmt.Errorf("src=%q is neither https nor a same-origin path", val)
				}
			case "rel":
				if val != "nofollow noopener noreferrer" {
					return fmt.Errorf("rel=%q", val)
				}
			case "target":
				if val != "_blank" {
					return fmt.Errorf("target=%q", val)
				}
			case "start":
				if !numberPattern.MatchString(val) {
					return fmt.Errorf("start=%q", val)
				}
			}
		}
		switch {
		case tok.Data == "a" && !(seen["href"] && seen["rel"] && seen["target"]):
			return fmt.Errorf("<a> without href, rel and target: %s", z.Raw())
		case tok.Data == "img" && !seen["src"]:
			return fmt.Errorf("<img> without src: %s", z.Raw())
		}
	}
}

// checkRender checks both walls for src: goldmark's own HTML and the sanitised result.
func checkRender(t *testing.T, src string) string {
	t.Helper()
	if err := checkAllowList(convert(src)); err != nil {
		t.Errorf("goldmark output for %q: %v\n%s", src, err, convert(src))
	}
	out := render(src)
	if err := checkAllowList(out); err != nil {
		t.Errorf("Render(%q): %v\n%s", src, err, out)
	}
	return out
}

func TestRenderXSS(t *testing.T) {
	payloads := loadPayloads(t)
	if len(payloads) < 40 {
		t.Fatalf("only %d payloads", len(payloads))
	}
	for _, p := range payloads {
		checkRender(t, p)
	}
}

func TestRenderXSSTemplateStaysText(t *testing.T) {
	const p = "{{constructor.constructor('alert(1)')()}}"
	want := "<p>{{constructor.constructor(&#39;alert(1)&#39;)()}}</p>"
	if got := Render(p); got != want {
		t.Errorf("Render(%q) = %q, want %q", p, got, want)
	}
}

func TestPlainTextXSS(t *testing.T) {
	for _, p := range loadPayloads(t) {
		out := plainText(p) // unrecovered: a panic fails the test
		if esc := Escape(out); strings.Contains(strings.ToLower(esc), "<script") {
			t.Errorf("Escape(PlainText(%q)) = %q", p, esc)
		}
	}
}

func FuzzRender(f *testing.F) {
	// The seed corpus is testdata/fuzz/FuzzRender; the payloads are added too so that they stay
	// seeds when the list grows.
	for _, p := range loadPayloads(f) {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, src string) {
		checkRender(t, src)
		if out := plainText(src); strings.Contains(strings.ToLower(Escape(out)), "<script") {
			t.Errorf("Escape(PlainText(%q)) = %q", src, Escape(out))
		}
		if IsPlain(src) {
			checkPlainAgrees(t, src)
		}
	})
}

var tagPattern = regexp.MustCompile(`<[^>]*>`)

// visibleText is the text a browser would show for out, whitespace collapsed.
func visibleText(out string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tagPattern.ReplaceAllString(out, " "))), " ")
}

// checkPlainAgrees checks IsPlain's promise: for src it accepts, Escape shows what Render shows.
func checkPlainAgrees(t *testing.T, src string) {
	t.Helper()
	out := render(src)
	for _, tag := range tagPattern.FindAllString(out, -1) {
		if tag != "<p>" && tag != "</p>" && tag != "<br>" {
			t.Errorf("IsPlain(%q) but Render gives %s: %q", src, tag, out)
			return
		}
	}
	if r, e := visibleText(out), visibleText(Escape(src)); r != e {
		t.Errorf("IsPlain(%q) but Render shows %q, Escape %q", src, r, e)
	}
}

// TestCheckAllowListRejects keeps the checker honest: each of these must fail it.
func TestCheckAllowListRejects(t *testing.T) {
	for _, out := range []string{
		`<script>alert(1)</script>`,
		`<p onclick="alert(1)">x</p>`,
		`<p><img src="/x.png" onerror="alert(1)"></p>`,
		`<a href="javascript:alert(1)" rel="nofollow noopener noreferrer" target="_blank">x</a>`,
		`<a href="java	script:alert(1)" rel="nofollow noopener noreferrer" target="_blank">x</a>`,
		`<a href=" javascript:alert(1)" rel="nofollow noopener noreferrer" target="_blank">x</a>`,
		`<a href="/relative" rel="nofollow noopener noreferrer" target="_blank">x</a>`,
		`<a href="https://example.com">no rel</a>`,
		`<a href="https://example.com" rel="nofollow" target="_blank">x</a>`,
		`<img src="http://insecure/x.png">`,
		`<img src="//evil.example/x.png">`,
		`<img src="/	/evil.example/x.png">`,
		`<img src="/\evil.example/x.png">`,
		`<img src="data:image/png;base64,AAAA">`,
		`<img alt="no src">`,
		`<ol start="1;x">`,
		`<div>x</div>`,
		`<!-- comment -->`,
		`<svg>`,
		`&lt;b&gt;<IFRAME>`,
		`<p style="color:red">x</p>`,
	} {
		if checkAllowList(out) == nil {
			t.Errorf("checkAllowList accepted %q", out)
		}
	}
}
