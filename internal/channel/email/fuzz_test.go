package email

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse holds Parse to its promise: whatever arrives, it returns a message (never an error or a
// panic), keeps the raw bytes, and gives text that is valid UTF-8 without NUL.
// Run longer with: go test ./internal/channel/email -run '^$' -fuzz FuzzParse -fuzztime 60s
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "parse", "*.eml"))
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte("From: a@b.c\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; q@r.s\r\nAction: failed\r\n--x--\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		in, err := Parse(raw)
		if err != nil || in == nil {
			t.Fatalf("Parse = %v, %v", in, err)
		}
		if !bytes.Equal(in.Raw, raw) {
			t.Fatal("raw bytes not kept")
		}
		texts := []string{in.Subject, in.ThreadSubject, in.Text, in.HTML, in.From.Name, in.From.Address, in.MalformedReason}
		for _, a := range append(append(in.To, in.Cc...), in.ReplyTo...) {
			texts = append(texts, a.Name, a.Address)
		}
		for _, p := range in.Parts {
			texts = append(texts, p.Name, p.ContentType, p.ContentID)
		}
		if in.Bounce != nil {
			for _, r := range in.Bounce.Recipients {
				texts = append(texts, r.Address, r.Action, r.Status, r.Diagnostic)
			}
		}
		for _, s := range texts {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Fatalf("text %q is not clean UTF-8", s)
			}
		}
	})
}
