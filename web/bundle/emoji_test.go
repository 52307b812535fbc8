package bundle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/testenv"
)

// The emoji tables come from the widget's copy of emojibase-data (installed by `npm ci`).
func TestEmojiTables(t *testing.T) {
	pkg := filepath.Join("..", "widget", "node_modules", emojiPackage)
	if _, err := os.Stat(pkg); err != nil {
		testenv.Missing(t, emojiPackage, "run `npm ci` in web/widget")
	}
	find := func(tb *EmojiTable, code string) []any {
		for _, e := range tb.Emoji {
			if e[2] == code {
				return e
			}
		}
		t.Fatalf("no emoji with shortcode %q", code)
		return nil
	}
	en, err := EmojiTableFor(pkg, "en")
	if err != nil {
		t.Fatal(err)
	}
	de, err := EmojiTableFor(pkg, "de")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := EmojiTableFor(pkg, "tr")
	if err != nil {
		t.Fatal(err)
	}
	if len(en.Groups) != 9 || en.Groups[0] != "Smileys & emotion" || de.Groups[0] != "Smileys & Emotionen" {
		t.Fatalf("groups: %v / %v", en.Groups, de.Groups)
	}
	if len(de.Emoji) != len(en.Emoji) {
		t.Fatalf("German has %d emoji, English %d: the same list in every language", len(de.Emoji), len(en.Emoji))
	}
	// The same shortcodes everywhere (people type GitHub's); names and keywords in the language.
	if e := find(en, "+1"); e[1] != "thumbs up" || e[4] != 1 {
		t.Fatalf("thumbs up in English: %v", e)
	}
	if e := find(de, "+1"); e[1] != "Daumen hoch" || !strings.Contains(e[3].(string), "gut") {
		t.Fatalf("thumbs up in German: %v", e)
	}
	if e := find(tr, "tada"); e[1] != "party popper" {
		t.Fatalf("Turkish falls back to English names: %v", e)
	}
	for _, e := range en.Emoji {
		if strings.Contains(e[1].(string), "skin tone") && !strings.Contains(e[1].(string), ":") {
			t.Fatalf("a skin tone component is listed: %v", e)
		}
		if e[0] == "🫨" { // shaking face, Emoji 15.0
			t.Fatal("emoji newer than MaxEmojiVersion are listed")
		}
	}
}
