// Package assets serves a front-end app's built files (its dist/ folder, embedded in the binary so
// `go run` needs no Node): each file once read, gzipped and hashed on first use.
package assets

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"path"
	"sync"
)

// File is one built file.
type File struct {
	Name        string
	ContentType string
	Body        []byte
	Gzip        []byte // Body compressed, for clients that accept gzip
	Hash        string // the first 16 hex digits of Body's SHA-256: cache key and ETag
}

// Set is the files of one folder of an embedded file system.
type Set struct {
	files func() map[string]*File
}

// New returns the files directly in dir of fsys; they are read and compressed on first use, not at
// start-up. A missing folder is a broken build, so it panics on first use.
func New(fsys fs.FS, dir string) *Set {
	return &Set{files: sync.OnceValue(func() map[string]*File {
		out := map[string]*File{}
		entries, err := fs.ReadDir(fsys, dir)
		if err != nil {
			panic(err) // the embedded directory is part of the binary
		}
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
			if err != nil {
				panic(err)
			}
			sum := sha256.Sum256(body)
			var gz bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
			_, _ = zw.Write(body)
			_ = zw.Close()
			out[e.Name()] = &File{Name: e.Name(), ContentType: ContentType(e.Name()), Body: body, Gzip: gz.Bytes(), Hash: hex.EncodeToString(sum[:8])}
		}
		return out
	})}
}

// Lookup returns a built file by name.
func (s *Set) Lookup(name string) (*File, bool) {
	f, ok := s.files()[name]
	return f, ok
}

// ContentType is the type a built file is served with.
func ContentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".map", ".webmanifest", ".json":
		return "application/json"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".mp3":
		return "audio/mpeg"
	case ".wav":
		return "audio/wav"
	}
	return "application/octet-stream"
}
