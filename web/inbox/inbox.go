// Package inboxweb holds the agent inbox's built files (dist/), embedded in the binary so `go run`
// needs no Node. dist/ is made by `go generate ./web/...` (see build/) and committed.
package inboxweb

import (
	"embed"

	"github.com/parleyhq/parley/web/assets"
)

//go:embed dist
var dist embed.FS

var files = assets.New(dist, "dist")

// File is one built file of the inbox.
type File = assets.File

// Lookup returns a built file by name ("app.js", "app.css").
func Lookup(name string) (*File, bool) { return files.Lookup(name) }
