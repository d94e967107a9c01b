// Package static serves Settle's CSS, icons and the little JavaScript it
// needs, embedded into the binary. Every file is addressed by a URL that
// carries a hash of its content (/static/app.3f2a9c1e.css), so it can be
// cached for a year and a new release is fetched at once.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed files
var files embed.FS

type asset struct {
	body, gz    []byte
	contentType string
	etag        string
}

var (
	byURL  = map[string]*asset{} // "app.3f2a9c1e.css" → asset
	byName = map[string]string{} // "app.css" → "/static/app.3f2a9c1e.css"
)

func init() {
	err := fs.WalkDir(files, "files", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "files/")
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:])[:10]
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + h + ext
		a := &asset{body: body, contentType: mime.TypeByExtension(ext), etag: `"` + h + `"`}
		if a.contentType == "" {
			a.contentType = "application/octet-stream"
		}
		if compressible(ext) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(body)
			zw.Close()
			a.gz = buf.Bytes()
		}
		byURL[hashed] = a
		byName[name] = "/static/" + hashed
		return nil
	})
	if err != nil {
		panic("static: " + err.Error())
	}
}

func compressible(ext string) bool {
	switch ext {
	case ".css", ".js", ".svg", ".json", ".txt":
		return true
	}
	return false
}

// URL returns the fingerprinted URL of a file under static/files, or
// panics for an unknown name (a typo should fail the first test, not ship).
func URL(name string) string {
	u, ok := byName[name]
	if !ok {
		panic("static: no file " + name)
	}
	return u
}

// Handler serves /static/{file} with long cache headers, gzip when the
// client accepts it, and 404 for anything not fingerprinted.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := byURL[strings.TrimPrefix(r.URL.Path, "/static/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("ETag", a.etag)
		h.Set("Vary", "Accept-Encoding")
		if r.Header.Get("If-None-Match") == a.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body := a.body
		if a.gz != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			h.Set("Content-Encoding", "gzip")
			body = a.gz
		}
		if r.Method == http.MethodHead {
			return
		}
		w.Write(body)
	})
}
