// Command build bundles the agent inbox: `go generate ./web/...` runs it in web/inbox. It wipes
// dist/ and writes dist/app.js and dist/app.css.
package main

import "github.com/parleyhq/parley/web/bundle"

func main() {
	bundle.Main("inbox", []bundle.Entry{
		{Source: "src/main.tsx", Out: "app.js"}, // its CSS import becomes app.css
	})
}
