// Command build bundles the agent inbox: `go generate ./web/...` runs it in web/inbox. It wipes
// dist/ and writes dist/app.js and dist/app.css, the service worker dist/sw.js (web push and the
// installed app), the Reports screen's charts chunk dist/charts.js and charts.css (uPlot, loaded
// when the screen first opens), and the app's icons (icons.go).
package main

import "github.com/parleyhq/parley/web/bundle"

func main() {
	bundle.Main("inbox", []bundle.Entry{
		{Source: "src/main.tsx", Out: "app.js"}, // its CSS import becomes app.css
		{Source: "src/sw.ts", Out: "sw.js"},
		{Source: "src/reports/charts.ts", Out: "charts.js"}, // and charts.css
	}, writeIcons)
}
