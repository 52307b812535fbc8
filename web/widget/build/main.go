// Command build bundles the website widget: `go generate ./web/...` runs it in web/widget. It wipes
// dist/ and writes dist/loader.js (the script tag's loader, run in the host page), dist/frame.js and
// dist/frame.css (the chat UI in Parley's iframe), dist/try.js and try.css (the same chat running a
// playbook draft in the editor's sandbox), dist/live.js (the hidden live frame that tells
// the inbox's Visitors screen which page a visitor is on), and what the frame loads when first
// needed: the forms most chats never show, dist/forms.js and forms.css, and the emoji picker,
// dist/emoji.js, emoji.css and emoji-LANG.json (web/bundle/emoji.go).
package main

import "github.com/parleyhq/parley/web/bundle"

// framePreact: the forms chunk draws with the frame's own Preact, handed over when it loads
// (src/frame/kit.ts), instead of a second copy.
var framePreact = map[string]string{
	"preact":             "./src/frame/kit.ts",
	"preact/hooks":       "./src/frame/kit.ts",
	"preact/jsx-runtime": "./src/frame/kit.ts",
}

func main() {
	bundle.Main("widget", []bundle.Entry{
		{Source: "src/loader.ts", Out: "loader.js"},
		{Source: "src/frame/main.tsx", Out: "frame.js"},               // its CSS import becomes frame.css
		{Source: "src/live.ts", Out: "live.js"},                       // the live frame, on every page
		{Source: "src/frame/try.tsx", Out: "try.js"},                  // "Try it" in the playbook editor (and try.css)
		{Source: "src/forms.ts", Out: "forms.js", Alias: framePreact}, // and forms.css
		{Source: "src/emoji.ts", Out: "emoji.js"},                     // and emoji.css
	}, bundle.WriteEmojiTables)
}
