package static

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func TestHashedURLsAndImmutableCaching(t *testing.T) {
	a, err := Load(fstest.MapFS{"app.css": {Data: []byte("body{}")}, "vendor/x.js": {Data: []byte("1")}})
	if err != nil {
		t.Fatal(err)
	}
	u := a.URL("app.css")
	if !regexp.MustCompile(`^/static/app\.[0-9a-f]{12}\.css$`).MatchString(u) {
		t.Fatalf("URL(app.css) = %q, want a content-hashed URL", u)
	}
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u, nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "body{}" {
		t.Fatalf("GET %s = %d %q", u, rec.Code, rec.Body.String())
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control = %q", cc)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type = %q", ct)
	}
	for _, path := range []string{"/static/app.css", "/static/app.000000000000.css", "/static/missing/app.css"} {
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404 (only hashed URLs are served)", path, rec.Code)
		}
	}
	// A change of content is a change of URL.
	b, _ := Load(fstest.MapFS{"app.css": {Data: []byte("body{color:red}")}})
	if b.URL("app.css") == u {
		t.Error("different content got the same URL")
	}
}

func TestEmbeddedVendorAssets(t *testing.T) {
	for _, name := range []string{"vendor/htmx.min.js", "vendor/pico.min.css", "app.css", "app.js"} {
		if u := URL(name); strings.Contains(u, "/missing/") {
			t.Errorf("%s is not embedded", name)
		}
	}
}
