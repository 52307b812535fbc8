// Package widgetweb holds the website widget's built files (dist/), embedded in the binary so
// `go run` needs no Node. dist/ is made by `go generate ./web/...` (see build/) and committed.
package widgetweb

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
	"sync"
)

//go:embed dist
var dist embed.FS

// File is one built file of the widget.
type File struct {
	Name        string
	ContentType string
	Body        []byte
	Gzip        []byte // Body compressed, for clients that accept gzip
	Hash        string // the first 16 hex digits of Body's SHA-256: cache key and ETag
}

// files is read and compressed on first use, not at start-up.
var files = sync.OnceValue(load)

func load() map[string]*File {
	out := map[string]*File{}
	entries, err := fs.ReadDir(dist, "dist")
	if err != nil {
		panic(err) // the embedded directory is part of the binary
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		body, err := dist.ReadFile("dist/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		_, _ = zw.Write(body)
		_ = zw.Close()
		out[e.Name()] = &File{Name: e.Name(), ContentType: contentType(e.Name()), Body: body, Gzip: gz.Bytes(), Hash: hex.EncodeToString(sum[:8])}
	}
	return out
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".map":
		return "application/json"
	}
	return "application/octet-stream"
}

// Lookup returns a built file by name ("loader.js", "frame.js", "frame.css").
func Lookup(name string) (*File, bool) {
	f, ok := files()[name]
	return f, ok
}
