package widgetweb

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/parleyhq/parley/internal/testenv"
	"github.com/parleyhq/parley/web/bundle"
)

// Budgets from docs/architecture.md: the loader every page loads, and the whole widget, gzipped. The
// emoji picker is not part of the widget until it is opened, nor the forms chunk until a chat draws
// one of its forms: they load on demand, and have budgets of their own.
const (
	loaderBudget = 5 * 1024
	widgetBudget = 30 * 1024
	pickerBudget = 6 * 1024  // emoji.js and emoji.css
	tableBudget  = 64 * 1024 // one language's emoji-LANG.json
	formsBudget  = 4 * 1024  // forms.js and forms.css
)

func gzipSize(t *testing.T, b []byte) int {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Len()
}

func TestBundleBudgets(t *testing.T) {
	total := 0
	// live.js is the hidden live frame every page loads (the Visitors screen): part of the widget.
	for _, name := range []string{"loader.js", "frame.js", "frame.css", "live.js"} {
		f, ok := Lookup(name)
		if !ok {
			t.Fatalf("dist/%s is missing: run go generate ./web/...", name)
		}
		n := gzipSize(t, f.Body)
		t.Logf("%s: %d bytes, %d gzipped", name, len(f.Body), n)
		if name == "loader.js" && n > loaderBudget {
			t.Errorf("the loader is %d bytes gzipped, over its budget of %d", n, loaderBudget)
		}
		total += n
	}
	t.Logf("the whole widget: %d bytes gzipped", total)
	if total > widgetBudget {
		t.Errorf("the widget is %d bytes gzipped, over its budget of %d", total, widgetBudget)
	}
}

// TestEmojiPickerIsLoadedOnDemand: the picker's code, styles and tables are files of their own,
// within their budgets, and neither the loader nor the frame carries any of them: the frame only
// knows how to load the chunk.
func TestEmojiPickerIsLoadedOnDemand(t *testing.T) {
	picker := 0
	for _, name := range []string{"emoji.js", "emoji.css"} {
		f, ok := Lookup(name)
		if !ok {
			t.Fatalf("dist/%s is missing: run go generate ./web/...", name)
		}
		picker += gzipSize(t, f.Body)
	}
	t.Logf("the emoji picker: %d bytes gzipped", picker)
	if picker > pickerBudget {
		t.Errorf("the emoji picker is %d bytes gzipped, over its budget of %d", picker, pickerBudget)
	}
	for _, lang := range bundle.EmojiLanguages {
		f, ok := Lookup("emoji-" + lang + ".json")
		if !ok {
			t.Fatalf("dist/emoji-%s.json is missing", lang)
		}
		n := gzipSize(t, f.Body)
		t.Logf("emoji-%s.json: %d bytes, %d gzipped", lang, len(f.Body), n)
		if n > tableBudget {
			t.Errorf("emoji-%s.json is %d bytes gzipped, over its budget of %d", lang, n, tableBudget)
		}
	}
	// What only the chunk and the tables hold: the picker's class names, its words, an emoji's name.
	chunkOnly := []string{`"emo-e"`, "Recently used", "grinning face", "😀"}
	emojiJS, _ := Lookup("emoji.js")
	if !bytes.Contains(emojiJS.Body, []byte(chunkOnly[0])) || !bytes.Contains(emojiJS.Body, []byte(chunkOnly[1])) {
		t.Fatal("emoji.js does not hold the picker")
	}
	for _, name := range []string{"loader.js", "frame.js", "frame.css", "live.js"} {
		f, _ := Lookup(name)
		for _, s := range append(chunkOnly, ".emo-g") {
			if bytes.Contains(f.Body, []byte(s)) {
				t.Errorf("%s holds %q: the emoji picker must load only when opened", name, s)
			}
		}
	}
	frame, _ := Lookup("frame.js")
	if !bytes.Contains(frame.Body, []byte(`"emoji.js"`)) {
		t.Error("frame.js does not load the emoji picker's chunk")
	}
}

// TestFormsAreLoadedOnDemand: the forms most chats never show (capture and consent cards, the rating
// prompt, the offline contact form) are a chunk of their own, within its budget; the frame holds
// none of them, only how to load the chunk, and the chunk holds no second Preact (it draws with
// the frame's).
func TestFormsAreLoadedOnDemand(t *testing.T) {
	size := 0
	for _, name := range []string{"forms.js", "forms.css"} {
		f, ok := Lookup(name)
		if !ok {
			t.Fatalf("dist/%s is missing: run go generate ./web/...", name)
		}
		size += gzipSize(t, f.Body)
	}
	t.Logf("the forms chunk: %d bytes gzipped", size)
	if size > formsBudget {
		t.Errorf("the forms chunk is %d bytes gzipped, over its budget of %d", size, formsBudget)
	}
	// What only the chunk holds: the contact form's and the rating prompt's ids, the consent
	// checkbox's class, the capture rules' check.
	chunkOnly := []string{`"pf-email"`, `"rate-q"`, `"chk"`, `"phone"`}
	forms, _ := Lookup("forms.js")
	for _, s := range chunkOnly {
		if !bytes.Contains(forms.Body, []byte(s)) {
			t.Errorf("forms.js does not hold %q", s)
		}
	}
	for _, name := range []string{"loader.js", "frame.js", "live.js"} {
		f, _ := Lookup(name)
		for _, s := range chunkOnly {
			if bytes.Contains(f.Body, []byte(s)) {
				t.Errorf("%s holds %q: the forms must load only when drawn", name, s)
			}
		}
	}
	css, _ := Lookup("frame.css")
	if bytes.Contains(css.Body, []byte(".chk")) || bytes.Contains(css.Body, []byte(".star")) {
		t.Error("frame.css holds the forms' styles")
	}
	frame, _ := Lookup("frame.js")
	if !bytes.Contains(frame.Body, []byte(`"forms.js"`)) {
		t.Error("frame.js does not load the forms chunk")
	}
	// Preact's own markers (its comment hydration marker) are in the frame, not in the chunk.
	if !bytes.Contains(frame.Body, []byte(`"$s"`)) || bytes.Contains(forms.Body, []byte(`"$s"`)) {
		t.Error("the forms chunk carries a Preact of its own")
	}
}

func TestBundlesHoldNoAbsolutePaths(t *testing.T) {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"loader.js", "frame.js", "frame.css", "live.js", "forms.js", "forms.css", "emoji.js", "emoji.css"} {
		f, _ := Lookup(name)
		if bytes.Contains(f.Body, []byte(dir)) || bytes.Contains(f.Body, []byte("node_modules/")) {
			t.Errorf("dist/%s names a path of the machine that built it", name)
		}
	}
}

// TestUnit runs the TypeScript unit tests (test/*.test.ts: back-off, seq merging, pending
// messages, locales, allowed domains, the wire format against the protocol fixtures) with node's
// own test runner, after bundling them with esbuild.
func TestUnit(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	output, err := bundle.NodeTests(wd, t.TempDir(), "PARLEY_PROTOCOL_FIXTURES="+filepath.Join(wd, "..", "..", "internal", "realtime", "testdata", "protocol"))
	if errors.Is(err, bundle.ErrNoNode) {
		testenv.Missing(t, "Node.js", "install Node.js 20 or later to run the widget's unit tests")
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, output)
	}
	if testing.Verbose() {
		t.Logf("%s", output)
	}
}
