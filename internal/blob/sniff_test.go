package blob

import (
	"encoding/binary"
	"path"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/mask"
)

func riff(fourcc string, payload ...byte) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WEBP" + fourcc)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(payload)))
	return append(b, payload...)
}

func TestWebPSize(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		w, h int
		ok   bool
	}{
		{"VP8X", riff("VP8X", 0x10, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00), 1 << 24, 1, true},
		{"VP8L", riff("VP8L", 0x2F, 0xFF, 0x3F, 0x00, 0x00, 0), 16384, 1, true},
		{"VP8", riff("VP8 ", 0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x40, 0xC1, 0x20, 0x00), 0x140, 0x20, true}, // scale bits ignored
		{"VP8 inter frame", riff("VP8 ", 0x11, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x40, 0x01, 0x20, 0x00), 0, 0, false},
		{"VP8 bad start code", riff("VP8 ", 0x10, 0x02, 0x00, 0x9D, 0x01, 0x2B, 0x40, 0x01, 0x20, 0x00), 0, 0, false},
		{"VP8 zero width", riff("VP8 ", 0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x00, 0xC0, 0x20, 0x00), 0, 0, false},
		{"VP8L bad signature", riff("VP8L", 0x2E, 0xFF, 0x3F, 0x00, 0x00, 0), 0, 0, false},
		{"unknown chunk", riff("VP8Y", 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0, 0, false},
		{"short", riff("VP8X", 0x10, 0, 0, 0, 0, 0, 0, 0, 0), 0, 0, false},
		{"not WebP", append([]byte("RIFF\x00\x00\x00\x00WAVEfmt "), make([]byte, 30)...), 0, 0, false},
	} {
		w, h, ok := webpSize(tc.data)
		if w != tc.w || h != tc.h || ok != tc.ok {
			t.Errorf("%s: got %dx%d %v, want %dx%d %v", tc.name, w, h, ok, tc.w, tc.h, tc.ok)
		}
	}
}

func TestContentDisposition(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"a.png", `inline; filename="a.png"; filename*=UTF-8''a.png`},
		{`q"uo\te;d%.txt`, `inline; filename="q_uo_te_d_.txt"; filename*=UTF-8''q%22uo%5Cte%3Bd%25.txt`},
		{"•••• 1111.pdf", `inline; filename="____ 1111.pdf"; filename*=UTF-8''%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%201111.pdf`},
		{"a'b(c)*.txt", `inline; filename="a'b(c)*.txt"; filename*=UTF-8''a%27b%28c%29%2A.txt`},
	} {
		if got := ContentDisposition("inline", tc.name); got != tc.want {
			t.Errorf("%q: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestFileNameKeepsExtensionWhenCut(t *testing.T) {
	name := strings.Repeat("é", 300) + ".pdf"
	got := fileName(name, kindPDF)
	if utf8.RuneCountInString(got) != MaxNameLen || !strings.HasSuffix(got, "é.pdf") {
		t.Fatalf("got %q (%d characters)", got, utf8.RuneCountInString(got))
	}
	if got := fileName(strings.Repeat(".", 300)+"x", kindText); got != "x.txt" {
		t.Fatalf("got %q", got)
	}
}

// FuzzSniff feeds outside bytes and names through the sniffer and the name cleaner: nothing
// panics, and whatever is accepted is on the allow-list with a safe, masked name.
func FuzzSniff(f *testing.F) {
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"), "a.png")
	f.Add(riff("VP8X", 0x10, 0, 0, 0, 1, 0, 0, 1, 0, 0), "b.webp")
	f.Add(riff("VP8L", 0x2F, 0x01, 0x40, 0x00, 0x00, 0), "c")
	f.Add(riff("VP8 ", 0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x01, 0x00, 0x01, 0x00), "d.png")
	f.Add([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00"), "e.gif")
	f.Add([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), "f.jpg")
	f.Add([]byte("<svg onload=alert(1)>"), "../../x.svg")
	f.Add([]byte("<!doctype html><script>"), "4111 1111 1111 1111.html")
	f.Add([]byte("MZ\x90\x00"), "setup.exe")
	f.Add([]byte("PK\x03\x04\x14\x00"), "doc.docx")
	f.Add([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), "\u202egpj.exe")
	f.Add([]byte("\xff\xfb\x90\x00"), "a.mp3")
	f.Add([]byte("\xef\xbb\xbfa,b\n"), strings.Repeat("٤١١١", 60)+".csv")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		s, err := sniff(data, name)
		if err != nil {
			if s.kind != nil {
				t.Fatal("a refused file has a kind")
			}
			return
		}
		if !servedTypes[s.kind.contentType] && s.kind != kindMarkup {
			t.Fatalf("accepted as %q, not on the allow-list", s.kind.contentType)
		}
		if inlineTypes[s.kind.contentType] != (s.width > 0 && s.height > 0) {
			t.Fatalf("%s with size %dx%d", s.kind.contentType, s.width, s.height)
		}
		if isExecutable(data) {
			t.Fatal("an executable accepted")
		}
		n := fileName(name, s.kind)
		if !utf8.ValidString(n) || n == "" || utf8.RuneCountInString(n) > MaxNameLen {
			t.Fatalf("name %q", n)
		}
		if strings.ContainsAny(n, `/\`) || strings.HasPrefix(n, ".") || strings.HasPrefix(n, " ") {
			t.Fatalf("name %q", n)
		}
		for _, r := range n {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("name %q holds %U", n, r)
			}
		}
		if !s.kind.fits(strings.ToLower(path.Ext(n))) {
			t.Fatalf("name %q does not end in an extension of %s", n, s.kind.contentType)
		}
		if m, changed := mask.String(n); changed {
			t.Fatalf("name %q is not masked: %q", n, m)
		}
		_ = ContentDisposition("attachment", n)
	})
}
