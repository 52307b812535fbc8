package httpapi

import (
	"encoding/json"
	"sync"

	inboxweb "github.com/parleyhq/parley/web/inbox"
	widgetweb "github.com/parleyhq/parley/web/widget"
)

// What the widget's frame loads only when first needed: the forms most chats never show (forms.js,
// forms.css: capture and consent cards, the rating prompt, the offline contact form) and the emoji
// picker (emoji.js, emoji.css, and a table per language, emoji-LANG.json), which the inbox uses too;
// and the inbox's own charts chunk for its Reports screen (charts.js, charts.css: uPlot). Pages
// name them by hash, so browsers keep them for good.

var inboxLazyAssetNames = []string{"charts.js", "charts.css"}

var lazyAssetNames = []string{"forms.js", "forms.css", "emoji.js", "emoji.css", "emoji-en.json", "emoji-de.json", "emoji-nl.json", "emoji-tr.json", "emoji-hu.json"}

// lazyAssets is the JSON map the frame and inbox pages carry (data-lazy): file name → versioned URL.
var lazyAssets = sync.OnceValue(func() string {
	out := map[string]string{}
	for _, n := range lazyAssetNames {
		if f, ok := widgetweb.Lookup(n); ok {
			out[n] = "/widget/assets/" + n + "?v=" + f.Hash
		}
	}
	for _, n := range inboxLazyAssetNames {
		if f, ok := inboxweb.Lookup(n); ok {
			out[n] = "/inbox/assets/" + n + "?v=" + f.Hash
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
})
