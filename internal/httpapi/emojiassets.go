package httpapi

import (
	"encoding/json"
	"sync"

	widgetweb "github.com/parleyhq/parley/web/widget"
)

// The emoji picker is the widget's: its chunk (emoji.js, emoji.css) and a table per language
// (emoji-LANG.json) load only when someone first opens the picker, in the widget's frame and in
// the inbox alike. Pages name them by hash, so browsers keep them for good.

var emojiAssetNames = []string{"emoji.js", "emoji.css", "emoji-en.json", "emoji-de.json", "emoji-nl.json", "emoji-tr.json", "emoji-hu.json"}

// emojiAssets is the JSON map the frame and inbox pages carry: file name → versioned URL.
var emojiAssets = sync.OnceValue(func() string {
	out := map[string]string{}
	for _, n := range emojiAssetNames {
		if f, ok := widgetweb.Lookup(n); ok {
			out[n] = "/widget/assets/" + n + "?v=" + f.Hash
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
})
