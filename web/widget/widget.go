// Package widgetweb holds the website widget's built files (dist/), embedded in the binary so
// `go run` needs no Node. dist/ is made by `go generate ./web/...` (see build/) and committed.
package widgetweb

import (
	"embed"

	"github.com/parleyhq/parley/web/assets"
)

//go:embed dist
var dist embed.FS

var files = assets.New(dist, "dist")

// File is one built file of the widget.
type File = assets.File

// Lookup returns a built file by name ("loader.js", "frame.js", "frame.css").
func Lookup(name string) (*File, bool) { return files.Lookup(name) }
