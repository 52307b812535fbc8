package blob_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"image"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/blob"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// Integration tests of blob.Service against the real store, on both engines.

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

const visitor = "visitor:1"

// newConversation inserts the rows a conversation needs and returns its id.
func newConversation(t *testing.T, db *store.DB) int64 {
	t.Helper()
	w := db.Writer()
	var inboxID, contactID, convID int64
	if err := w.QueryRow(`INSERT INTO inboxes (kind, name, visibility, reopen_policy, created_at, updated_at)
		VALUES ('website', 'Site', 'shared', 'reopen', 1, 1) RETURNING id`).Scan(&inboxID); err != nil {
		t.Fatal(err)
	}
	if err := w.QueryRow("INSERT INTO contacts (created_at, updated_at) VALUES (1, 1) RETURNING id").Scan(&contactID); err != nil {
		t.Fatal(err)
	}
	if err := w.QueryRow(`INSERT INTO conversations (inbox_id, contact_id, channel, status, created_at, updated_at, last_message_at)
		VALUES ($1, $2, 'web', 'open', 1, 1, 1) RETURNING id`, inboxID, contactID).Scan(&convID); err != nil {
		t.Fatal(err)
	}
	return convID
}

func countBlobs(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRow("SELECT COUNT(*) FROM blobs").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func wantKind(t *testing.T, err error, k errs.Kind, code string) {
	t.Helper()
	if !errs.Is(err, k) {
		t.Fatalf("got error %v, want kind %s", err, k)
	}
	if c, _ := errs.Public(err); code != "" && c != code {
		t.Fatalf("got code %q, want %q (%v)", c, code, err)
	}
}

func rgba(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	return img
}

func pngBytes(t *testing.T, w, h int) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, rgba(w, h)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func jpegBytes(t *testing.T, w, h int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, rgba(w, h), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gifBytes(t *testing.T, w, h int) []byte {
	var buf bytes.Buffer
	if err := gif.Encode(&buf, image.NewPaletted(image.Rect(0, 0, w, h), palette.Plan9), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// webp builds a RIFF WebP file holding one chunk.
func webp(fourcc string, payload []byte) []byte {
	var b []byte
	b = append(b, "RIFF"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(4+8+len(payload)))
	b = append(b, "WEBP"...)
	b = append(b, fourcc...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(payload)))
	return append(b, payload...)
}

func webpVP8X(w, h int) []byte {
	p := []byte{0, 0, 0, 0}
	p = append(p, byte(w-1), byte((w-1)>>8), byte((w-1)>>16))
	p = append(p, byte(h-1), byte((h-1)>>8), byte((h-1)>>16))
	return webp("VP8X", p)
}

func webpVP8L(w, h int) []byte {
	p := []byte{0x2F}
	p = binary.LittleEndian.AppendUint32(p, uint32(w-1)|uint32(h-1)<<14)
	return webp("VP8L", append(p, 0, 0, 0, 0, 0))
}

func webpVP8(w, h int) []byte {
	p := []byte{0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A} // key frame tag, start code
	p = binary.LittleEndian.AppendUint16(p, uint16(w))
	p = binary.LittleEndian.AppendUint16(p, uint16(h))
	return webp("VP8 ", p)
}

func zipBytes(t *testing.T, files ...string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, "content of "+f)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestUploadOpenRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newClock()
		svc := blob.New(db, blob.Limits{}, c.now)
		cases := []struct {
			name, wantName, wantType string
			data                     []byte
			w, h                     int
		}{
			{"photo.txt", "photo.txt.png", "image/png", pngBytes(t, 3, 2), 3, 2},
			{"Holiday.JPEG", "Holiday.JPEG", "image/jpeg", jpegBytes(t, 5, 4), 5, 4},
			{"anim.gif", "anim.gif", "image/gif", gifBytes(t, 7, 6), 7, 6},
			{"extended.webp", "extended.webp", "image/webp", webpVP8X(640, 480), 640, 480},
			{"lossless", "lossless.webp", "image/webp", webpVP8L(100, 50), 100, 50},
			{"lossy.png", "lossy.png.webp", "image/webp", webpVP8(320, 240), 320, 240},
			{"invoice.pdf", "invoice.pdf", "application/pdf", []byte("%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"), 0, 0},
			{"notes.png", "notes.png.txt", "text/plain; charset=utf-8", []byte("hello, ünïcode\n"), 0, 0},
			{"run.bat", "run.bat.txt", "text/plain; charset=utf-8", []byte("@echo off\r\ndel *.*\r\n"), 0, 0},
			{"table.csv", "table.csv", "text/csv; charset=utf-8", []byte("a,b\n1,2\n"), 0, 0},
			{"report.docx", "report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", zipBytes(t, "[Content_Types].xml", "word/document.xml"), 0, 0},
			{"sheet.xlsx", "sheet.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", zipBytes(t, "[Content_Types].xml"), 0, 0},
			{"archive.zip", "archive.zip", "application/zip", zipBytes(t, "a.txt"), 0, 0},
			{"tool.jar", "tool.jar.zip", "application/zip", zipBytes(t, "META-INF/MANIFEST.MF"), 0, 0},
			{"clip.mp4", "clip.mp4", "video/mp4", append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 64)...), 0, 0},
			{"voice.webm", "voice.webm", "video/webm", append([]byte("\x1A\x45\xDF\xA3\x9f\x42\x86\x81\x01\x42\x82\x84webm"), make([]byte, 64)...), 0, 0},
			{"song", "song.mp3", "audio/mpeg", append([]byte("ID3\x03\x00\x00\x00\x00\x00\x00"), make([]byte, 64)...), 0, 0},
			{"", "file.ogg", "audio/ogg", append([]byte("OggS\x00\x02"), make([]byte, 64)...), 0, 0},
		}
		for _, tc := range cases {
			b, err := svc.Upload(ctx, visitor, 0, tc.name, bytes.NewReader(tc.data))
			if err != nil {
				t.Fatalf("%q: %v", tc.name, err)
			}
			sum := sha256.Sum256(tc.data)
			if b.ID == 0 || b.Name != tc.wantName || b.ContentType != tc.wantType || b.Width != tc.w || b.Height != tc.h ||
				b.Size != int64(len(tc.data)) || b.SHA256 != hex.EncodeToString(sum[:]) || b.Uploader != visitor ||
				b.ConversationID != 0 || b.CreatedAt != c.now().UnixMilli() {
				t.Fatalf("%q: got %+v, want name %q type %q %dx%d", tc.name, b, tc.wantName, tc.wantType, tc.w, tc.h)
			}
			got, data, err := svc.Open(ctx, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if *got != *b || !bytes.Equal(data, tc.data) {
				t.Fatalf("%q: open gave %+v (%d bytes), want %+v (%d bytes)", tc.name, got, len(data), b, len(tc.data))
			}
			meta, err := svc.Get(ctx, b.ID)
			if err != nil || *meta != *b {
				t.Fatalf("%q: get gave %+v, %v", tc.name, meta, err)
			}
		}
		_, err := svc.Get(ctx, 999999)
		wantKind(t, err, errs.NotFound, "")
		_, _, err = svc.Open(ctx, 999999)
		wantKind(t, err, errs.NotFound, "")
	})
}

func TestUploadRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := blob.New(db, blob.Limits{MaxFileBytes: 1000}, newClock().now)

		_, err := svc.Upload(ctx, visitor, 0, "big.txt", strings.NewReader(strings.Repeat("a", 1001)))
		wantKind(t, err, errs.TooLarge, "file_too_large")
		// A reader that never ends is read no further than the limit.
		_, err = svc.Upload(ctx, visitor, 0, "endless.txt", endless{})
		wantKind(t, err, errs.TooLarge, "file_too_large")
		// So does a request body limit of the HTTP layer ending the file early.
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat("a", 600)))
		_, err = svc.Upload(ctx, visitor, 0, "cut.txt", http.MaxBytesReader(httptest.NewRecorder(), req.Body, 500))
		wantKind(t, err, errs.TooLarge, "file_too_large")
		if n := countBlobs(t, db); n != 0 {
			t.Fatalf("%d blobs stored after refusals, want 0", n)
		}
		if _, err := svc.Upload(ctx, visitor, 0, "fits.txt", strings.NewReader(strings.Repeat("a", 1000))); err != nil {
			t.Fatalf("a file of exactly the limit: %v", err)
		}

		pe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), make([]byte, 100)...)
		elf := append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 100)...)
		for _, tc := range []struct {
			name string
			data []byte
		}{
			{"setup.exe", pe},
			{"photo.jpg", pe}, // the name does not help
			{"tool", elf},
			{"lib.so.txt", elf},
			{"macho", append([]byte("\xcf\xfa\xed\xfe"), make([]byte, 100)...)},
			{"mod.wasm", append([]byte("\x00asm\x01\x00\x00\x00"), make([]byte, 100)...)},
			{"data.bin", []byte{0x00, 0x01, 0x02, 0x03, 0x04, 0xff}},
			{"a.tar.gz", append([]byte("\x1f\x8b\x08"), make([]byte, 100)...)},
			{"old.doc", append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), make([]byte, 100)...)},
			{"icon.bmp", append([]byte("BM"), make([]byte, 100)...)},
			{"broken.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")},
			{"late.txt", append([]byte(strings.Repeat("text ", 150)), 0x00, 0x01)}, // binary after the first 512 bytes
		} {
			_, err := svc.Upload(ctx, visitor, 0, tc.name, bytes.NewReader(tc.data))
			wantKind(t, err, errs.Unsupported, "file_type_unsupported")
		}
		_, err = svc.Upload(ctx, visitor, 0, "empty.txt", strings.NewReader(""))
		wantKind(t, err, errs.Invalid, "file_empty")

		// A text file that happens to start with "MZ" is text.
		if b, err := svc.Upload(ctx, visitor, 0, "mz.txt", strings.NewReader("MZ is short for Mozambique")); err != nil || b.ContentType != "text/plain; charset=utf-8" {
			t.Fatalf("text starting with MZ: %+v, %v", b, err)
		}
		if _, err := svc.Upload(ctx, "nobody", 0, "a.txt", strings.NewReader("x")); err == nil {
			t.Fatal("an invalid uploader was accepted")
		}
		_, err = svc.Upload(ctx, visitor, 424242, "a.txt", strings.NewReader("x"))
		wantKind(t, err, errs.NotFound, "")
	})
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

func TestMarkupIsNeverInline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := blob.New(db, blob.Limits{}, newClock().now)
		for _, tc := range []struct{ name, body, wantName string }{
			{"page.html", "<!DOCTYPE html><html><script>alert(document.cookie)</script></html>", "page.html"},
			{"page.txt", "<html><body onload=alert(1)>", "page.txt"},
			{"innocent.jpg", "<html><body onload=alert(1)>", "innocent.jpg.txt"},
			{"logo.svg", `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="5"/></svg>`, "logo.svg"},
			{"logo.png", `  <svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`, "logo.png.txt"},
			{"feed", `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`, "feed.txt"},
			{"odd.svg", "just words, named like an image", "odd.svg"},
		} {
			b, err := svc.Upload(ctx, visitor, 0, tc.name, strings.NewReader(tc.body))
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if b.ContentType != "application/octet-stream" || b.Name != tc.wantName || b.IsImage() {
				t.Fatalf("%s: stored as %q named %q, want application/octet-stream named %q", tc.name, b.ContentType, b.Name, tc.wantName)
			}
			got, data, err := svc.Open(ctx, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			res := serve(t, got, data, nil)
			checkSafeHeaders(t, res)
			if ct := res.Header.Get("Content-Type"); ct != "application/octet-stream" {
				t.Fatalf("%s: served as %q", tc.name, ct)
			}
			if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
				t.Fatalf("%s: Content-Disposition %q", tc.name, cd)
			}
		}
	})
	// Whatever a row says (written by older or other code), HTML and SVG are not served as such.
	for _, ct := range []string{"text/html", "text/html; charset=utf-8", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/javascript", ""} {
		res := serve(t, &blob.Blob{Name: "x", ContentType: ct, SHA256: "ab"}, []byte("<svg/>"), nil)
		if got := res.Header.Get("Content-Type"); got != "application/octet-stream" {
			t.Fatalf("stored type %q served as %q", ct, got)
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
			t.Fatalf("stored type %q served with Content-Disposition %q", ct, cd)
		}
	}
}

func serve(t *testing.T, b *blob.Blob, data []byte, prepare func(r *http.Request)) *http.Response {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/files/1", nil)
	if prepare != nil {
		prepare(r)
	}
	w := httptest.NewRecorder()
	blob.WriteResponse(w, r, b, data)
	return w.Result()
}

func checkSafeHeaders(t *testing.T, res *http.Response) {
	t.Helper()
	if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Fatalf("X-Content-Type-Options %q", got)
	}
	if got := res.Header.Get("Content-Security-Policy"); got != "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox" {
		t.Fatalf("Content-Security-Policy %q", got)
	}
	if got := res.Header.Get("Cache-Control"); got != "private, max-age=31536000, immutable" {
		t.Fatalf("Cache-Control %q", got)
	}
}

func TestFileNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := blob.New(db, blob.Limits{}, newClock().now)
		long := strings.Repeat("ab", 150) + ".txt"
		for _, tc := range []struct{ name, want string }{
			{"../../etc/passwd", "passwd.txt"},
			{`..\..\windows\win.ini`, "win.ini.txt"},
			{"/", "file.txt"},
			{"..", "file.txt"},
			{"", "file.txt"},
			{"card 4111111111111111.txt", "card ••••••••••••1111.txt"},
			{"card 4111 1111 1111 1111.txt", "card •••• •••• •••• 1111.txt"},
			{"bad\x00na\x1bme\r\n.txt", "badname  .txt"},
			{"gpj\u202e.txt", "gpj.txt"},      // right-to-left override removed
			{"  .hidden.txt. ", "hidden.txt"}, // no hidden files, no trailing dots
			{"tab\there.txt", "tab here.txt"},
			{"bad-utf8-\xff.txt", "bad-utf8-.txt"},
			{long, strings.Repeat("ab", 98) + ".txt"},
			{strings.Repeat("x", 196) + "4111111111111111.txt", strings.Repeat("x", 196) + ".txt"}, // cut, never half a card
		} {
			b, err := svc.Upload(ctx, visitor, 0, tc.name, strings.NewReader("some text"))
			if err != nil {
				t.Fatalf("%q: %v", tc.name, err)
			}
			if b.Name != tc.want {
				t.Fatalf("%q: stored as %q, want %q", tc.name, b.Name, tc.want)
			}
			if n := utf8.RuneCountInString(b.Name); n > blob.MaxNameLen {
				t.Fatalf("%q: name of %d characters", tc.name, n)
			}
		}
		// The name is masked in the database itself.
		var n int
		if err := db.Reader().QueryRow("SELECT COUNT(*) FROM blobs WHERE name LIKE '%4111111111111111%' OR name LIKE '%4111 1111%'").Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d rows with a card number in the name (%v)", n, err)
		}
	})
}

func TestUploadQuota(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newClock()
		svc := blob.New(db, blob.Limits{MaxFileBytes: 1000, MaxPerUploaderPerDay: 2500}, c.now)
		file := strings.Repeat("q", 1000)
		for i := range 2 {
			if _, err := svc.Upload(ctx, visitor, 0, "a.txt", strings.NewReader(file)); err != nil {
				t.Fatalf("upload %d: %v", i, err)
			}
			c.advance(time.Hour)
		}
		_, err := svc.Upload(ctx, visitor, 0, "a.txt", strings.NewReader(file))
		wantKind(t, err, errs.RateLimited, "upload_quota")
		if _, err := svc.Upload(ctx, visitor, 0, "small.txt", strings.NewReader(strings.Repeat("q", 500))); err != nil {
			t.Fatalf("an upload within what is left: %v", err)
		}
		if _, err := svc.Upload(ctx, blob.VisitorUploader(2), 0, "a.txt", strings.NewReader(file)); err != nil {
			t.Fatalf("another uploader: %v", err)
		}
		if _, err := svc.Upload(ctx, blob.UserUploader(1), 0, "a.txt", strings.NewReader(file)); err != nil {
			t.Fatalf("an agent: %v", err)
		}
		// A day after the first upload, its bytes no longer count.
		c.advance(22*time.Hour + time.Minute)
		if _, err := svc.Upload(ctx, visitor, 0, "a.txt", strings.NewReader(file)); err != nil {
			t.Fatalf("a day later: %v", err)
		}
	})
}

func TestAttachAndOrphans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newClock()
		svc := blob.New(db, blob.Limits{}, c.now)
		conv, other := newConversation(t, db), newConversation(t, db)
		up := func(uploader string, convID int64) *blob.Blob {
			t.Helper()
			b, err := svc.Upload(ctx, uploader, convID, "a.txt", strings.NewReader("x"))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}

		inConv := up(visitor, conv)
		if inConv.ConversationID != conv {
			t.Fatalf("uploaded into conversation %d, got %d", conv, inConv.ConversationID)
		}
		attached := up(visitor, 0)
		if err := svc.Attach(ctx, attached.ID, conv, visitor); err != nil {
			t.Fatal(err)
		}
		if err := svc.Attach(ctx, attached.ID, conv, visitor); err != nil {
			t.Fatalf("attaching again to the same conversation: %v", err)
		}
		if b, _ := svc.Get(ctx, attached.ID); b.ConversationID != conv {
			t.Fatalf("attached blob has conversation %d, want %d", b.ConversationID, conv)
		}
		wantKind(t, svc.Attach(ctx, attached.ID, other, visitor), errs.Conflict, "attachment_in_other_conversation")
		wantKind(t, svc.Attach(ctx, inConv.ID, other, visitor), errs.Conflict, "attachment_in_other_conversation")

		stolen := up(visitor, 0)
		wantKind(t, svc.Attach(ctx, stolen.ID, other, blob.VisitorUploader(2)), errs.NotFound, "")
		wantKind(t, svc.Attach(ctx, stolen.ID, 424242, visitor), errs.NotFound, "")
		wantKind(t, svc.Attach(ctx, 424242, conv, visitor), errs.NotFound, "")
		if b, _ := svc.Get(ctx, stolen.ID); b.ConversationID != 0 {
			t.Fatalf("a refused attach changed the blob: %+v", b)
		}

		// More old orphans than one batch, and one young orphan.
		var old []int64
		for range 45 {
			old = append(old, up(visitor, 0).ID)
		}
		old = append(old, stolen.ID)
		c.advance(2 * time.Hour)
		young := up(blob.UserUploader(1), 0)
		c.advance(blob.OrphanAge - time.Hour)

		n, err := svc.CleanOrphans(ctx)
		if err != nil || n != len(old) {
			t.Fatalf("cleaned %d (%v), want %d", n, err, len(old))
		}
		for _, id := range old {
			_, err := svc.Get(ctx, id)
			wantKind(t, err, errs.NotFound, "")
		}
		for _, id := range []int64{inConv.ID, attached.ID, young.ID} {
			if _, err := svc.Get(ctx, id); err != nil {
				t.Fatalf("blob %d: %v", id, err)
			}
		}
		if n, err := svc.CleanOrphans(ctx); err != nil || n != 0 {
			t.Fatalf("second clean removed %d (%v)", n, err)
		}

		// Deleting the conversation deletes its attachments.
		if _, err := db.Writer().Exec("DELETE FROM conversations WHERE id = $1", conv); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{inConv.ID, attached.ID} {
			_, err := svc.Get(ctx, id)
			wantKind(t, err, errs.NotFound, "")
		}
		if _, err := svc.Get(ctx, young.ID); err != nil {
			t.Fatalf("an orphan went with another conversation: %v", err)
		}
	})
}

func TestWriteResponse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := blob.New(db, blob.Limits{}, newClock().now)
		img := pngBytes(t, 40, 30)
		up, err := svc.Upload(ctx, visitor, 0, "Straße «photo» 1.png", bytes.NewReader(img))
		if err != nil {
			t.Fatal(err)
		}
		b, data, err := svc.Open(ctx, up.ID)
		if err != nil {
			t.Fatal(err)
		}
		etag := `"` + b.SHA256 + `"`

		res := serve(t, b, data, nil)
		checkSafeHeaders(t, res)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || !bytes.Equal(body, img) {
			t.Fatalf("GET: %d, %d bytes", res.StatusCode, len(body))
		}
		if got := res.Header.Get("Content-Type"); got != "image/png" {
			t.Fatalf("Content-Type %q", got)
		}
		if got, want := res.Header.Get("Content-Disposition"), `inline; filename="Stra_e _photo_ 1.png"; filename*=UTF-8''Stra%C3%9Fe%20%C2%ABphoto%C2%BB%201.png`; got != want {
			t.Fatalf("Content-Disposition %q, want %q", got, want)
		}
		if got := res.Header.Get("ETag"); got != etag {
			t.Fatalf("ETag %q, want %q", got, etag)
		}

		res = serve(t, b, data, func(r *http.Request) { r.Header.Set("If-None-Match", etag) })
		if body, _ := io.ReadAll(res.Body); res.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Fatalf("If-None-Match: %d with %d bytes", res.StatusCode, len(body))
		}
		res = serve(t, b, data, func(r *http.Request) { r.Header.Set("If-None-Match", `"other"`) })
		if res.StatusCode != http.StatusOK {
			t.Fatalf("If-None-Match of another tag: %d", res.StatusCode)
		}

		res = serve(t, b, data, func(r *http.Request) { r.Header.Set("Range", "bytes=8-23") })
		body, _ = io.ReadAll(res.Body)
		if res.StatusCode != http.StatusPartialContent || !bytes.Equal(body, img[8:24]) ||
			res.Header.Get("Content-Range") != "bytes 8-23/"+strconv.Itoa(len(img)) {
			t.Fatalf("Range: %d, %d bytes, Content-Range %q", res.StatusCode, len(body), res.Header.Get("Content-Range"))
		}
		checkSafeHeaders(t, res)

		res = serve(t, b, data, func(r *http.Request) { r.Method = http.MethodHead })
		body, _ = io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || len(body) != 0 || res.Header.Get("Content-Length") != strconv.Itoa(len(img)) {
			t.Fatalf("HEAD: %d, %d bytes, Content-Length %q", res.StatusCode, len(body), res.Header.Get("Content-Length"))
		}

		// PDFs, text and everything else that is not a raster image are downloads.
		for _, f := range []struct{ name, body, ct string }{
			{"a.pdf", "%PDF-1.7\n", "application/pdf"},
			{"a.txt", "plain", "text/plain; charset=utf-8"},
		} {
			up, err := svc.Upload(ctx, visitor, 0, f.name, strings.NewReader(f.body))
			if err != nil {
				t.Fatal(err)
			}
			b, data, _ := svc.Open(ctx, up.ID)
			res := serve(t, b, data, nil)
			checkSafeHeaders(t, res)
			if res.Header.Get("Content-Type") != f.ct || res.Header.Get("Content-Disposition") != `attachment; filename="`+f.name+`"; filename*=UTF-8''`+f.name {
				t.Fatalf("%s: Content-Type %q, Content-Disposition %q", f.name, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
			}
		}
	})
}
