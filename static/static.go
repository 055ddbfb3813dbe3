// Package static embeds the console's assets and serves them under
// content-hashed URLs with immutable caching.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed app.css app.js favicon.svg vendor/htmx.min.js vendor/pico.min.css
var files embed.FS

// Prefix is the URL path under which assets are served.
const Prefix = "/static/"

// Assets maps asset names to content-hashed URLs and serves them.
type Assets struct {
	byName map[string]string // "app.css" -> "/static/app.3f2a9c1d0b7e.css"
	byURL  map[string]asset  // "app.3f2a9c1d0b7e.css" -> content
}

type asset struct {
	body  []byte
	ctype string
}

// Default holds the embedded assets; it is built once at start.
var Default = mustLoad(files)

func mustLoad(fsys fs.FS) *Assets {
	a, err := Load(fsys)
	if err != nil {
		panic(err) // the embedded files are fixed at build time
	}
	return a
}

// Load hashes every file in fsys.
func Load(fsys fs.FS) (*Assets, error) {
	a := &Assets{byName: map[string]string{}, byURL: map[string]asset{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		a.byName[name] = Prefix + hashed
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		a.byURL[hashed] = asset{body: body, ctype: ctype}
		return nil
	})
	return a, err
}

// URL returns the content-hashed URL of the named asset, such as "app.css".
// An unknown name yields a URL that answers 404, so a typo shows up in tests.
func (a *Assets) URL(name string) string {
	if u, ok := a.byName[name]; ok {
		return u
	}
	return Prefix + "missing/" + name
}

// URL returns the content-hashed URL of an embedded asset.
func URL(name string) string { return Default.URL(name) }

// ServeHTTP serves a hashed asset with a one-year immutable cache lifetime.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, Prefix)
	f, ok := a.byURL[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(f.body)
}
