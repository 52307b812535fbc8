package bundle

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The emoji tables the pickers load when first opened: one small JSON file per language, made at
// build time from the npm package emojibase-data (MIT; its data comes from Unicode CLDR, under the
// Unicode License v3). See docs/widget.md, "Emoji".

// EmojiLanguages are the apps' languages. emojibase-data has no Turkish: its table holds the English
// names and keywords.
var EmojiLanguages = []string{"en", "de", "nl", "tr", "hu"}

// MaxEmojiVersion leaves out emoji newer than Emoji 14.0 (2021), which many phones and computers
// still draw as empty boxes.
const MaxEmojiVersion = 14.0

const emojiPackage = "emojibase-data"

// emojibase-data's data.json entries, as far as the tables use them.
type emojiEntry struct {
	Hexcode string   `json:"hexcode"`
	Label   string   `json:"label"`
	Emoji   string   `json:"emoji"`
	Tags    []string `json:"tags"`
	Group   *int     `json:"group"`
	Order   int      `json:"order"`
	Version float64  `json:"version"`
}

type emojiMessages struct {
	Groups []emojiGroup `json:"groups"`
}

type emojiGroup struct {
	Key     string `json:"key"`
	Message string `json:"message"`
	Order   int    `json:"order"`
}

// componentGroup holds skin tones and hair styles: parts of other emoji, not for picking.
const componentGroup = 2

// EmojiTable is one language's file: the groups' names, and each emoji as [emoji, name,
// shortcode, keywords, group index], in Unicode's order.
type EmojiTable struct {
	Groups []string `json:"groups"`
	Emoji  [][]any  `json:"emoji"`
}

// WriteEmojiTables writes dist/emoji-LANG.json for every language from the app's node_modules.
func WriteEmojiTables(dir string) error {
	pkg := filepath.Join(dir, "node_modules", emojiPackage)
	if _, err := os.Stat(pkg); err != nil {
		return fmt.Errorf("%s is not installed: run `npm ci` in %s first", emojiPackage, dir)
	}
	for _, lang := range EmojiLanguages {
		t, err := EmojiTableFor(pkg, lang)
		if err != nil {
			return err
		}
		b, err := json.Marshal(t)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "dist", "emoji-"+lang+".json"), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// EmojiTableFor builds one language's table from emojibase-data in pkg: the list, order and
// shortcodes from English, names and keywords from the language where it has them.
func EmojiTableFor(pkg, lang string) (*EmojiTable, error) {
	var base []emojiEntry
	if err := readJSON(filepath.Join(pkg, "en", "data.json"), &base); err != nil {
		return nil, err
	}
	local, messages := base, emojiMessages{}
	src := lang
	if _, err := os.Stat(filepath.Join(pkg, lang, "data.json")); err != nil {
		src = "en"
	}
	if src != "en" {
		local = nil
		if err := readJSON(filepath.Join(pkg, src, "data.json"), &local); err != nil {
			return nil, err
		}
	}
	if err := readJSON(filepath.Join(pkg, src, "messages.json"), &messages); err != nil {
		return nil, err
	}
	byHex := map[string]emojiEntry{}
	for _, e := range local {
		byHex[e.Hexcode] = e
	}
	// GitHub's shortcodes are the ones people know (":+1:", ":tada:"); emojibase's fill the gaps.
	var github, emojibase map[string]any
	if err := readJSON(filepath.Join(pkg, "en", "shortcodes", "github.json"), &github); err != nil {
		return nil, err
	}
	if err := readJSON(filepath.Join(pkg, "en", "shortcodes", "emojibase.json"), &emojibase); err != nil {
		return nil, err
	}

	slices.SortFunc(messages.Groups, func(a, b emojiGroup) int { return a.Order - b.Order })
	t := &EmojiTable{}
	index := map[int]int{}
	for _, g := range messages.Groups {
		if g.Order == componentGroup {
			continue
		}
		index[g.Order] = len(t.Groups)
		t.Groups = append(t.Groups, capitalise(g.Message))
	}
	slices.SortFunc(base, func(a, b emojiEntry) int { return a.Order - b.Order })
	for _, e := range base {
		if e.Group == nil || *e.Group == componentGroup || e.Version > MaxEmojiVersion || e.Emoji == "" {
			continue
		}
		gi, ok := index[*e.Group]
		if !ok {
			continue
		}
		name, tags := e.Label, e.Tags
		if l, ok := byHex[e.Hexcode]; ok && l.Label != "" {
			name, tags = l.Label, l.Tags
		}
		t.Emoji = append(t.Emoji, []any{e.Emoji, name, shortcode(github[e.Hexcode], emojibase[e.Hexcode]), keywords(name, tags), gi})
	}
	if len(t.Emoji) < 1000 {
		return nil, fmt.Errorf("%s %s: only %d emoji; is the package complete?", emojiPackage, lang, len(t.Emoji))
	}
	return t, nil
}

// shortcode is the first shortcode of the first source that has one ("" when neither has).
func shortcode(sources ...any) string {
	for _, s := range sources {
		switch v := s.(type) {
		case string:
			return v
		case []any:
			if len(v) > 0 {
				if c, ok := v[0].(string); ok {
					return c
				}
			}
		}
	}
	return ""
}

// keywords are the first few tags that the name does not already say, space-separated.
func keywords(name string, tags []string) string {
	words := strings.Fields(strings.ToLower(name))
	var out []string
	for _, t := range tags {
		t = strings.ToLower(t)
		if t == "" || slices.Contains(words, t) || slices.Contains(out, t) {
			continue
		}
		out = append(out, t)
		if len(out) == 6 {
			break
		}
	}
	return strings.Join(out, " ")
}

func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
