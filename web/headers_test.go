package web_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"keybind/internal/testapp"
	"keybind/static"
)

// cspPattern is SECURITY.md's policy, with the nonce captured.
var cspPattern = regexp.MustCompile(`^default-src 'self'; script-src 'self' 'nonce-([A-Za-z0-9+/_-]+={0,2})'; style-src 'self'; ` +
	`img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'$`)

// fixedHeaders are SECURITY.md's other headers, on every response.
var fixedHeaders = map[string]string{
	"X-Content-Type-Options":     "nosniff",
	"Referrer-Policy":            "same-origin",
	"Cross-Origin-Opener-Policy": "same-origin",
	"X-Frame-Options":            "DENY",
}

// headerCase is one kind of response the headers must be on.
type headerCase struct {
	name   string
	send   func() *testapp.Response
	status int
}

// headerCases covers pages, redirects, error pages, fragments, JSON and
// static assets, signed in and out.
func headerCases(t *testing.T, app *testapp.App) []headerCase {
	admin := app.SignIn(t, "admin", testapp.AdminPassword)
	helen := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	anon := app.Client(t)
	big := url.Values{"username": {"x"}, "password": {strings.Repeat("x", 2<<20)}}
	return []headerCase{
		{"sign-in page", func() *testapp.Response { return anon.Get("/login") }, http.StatusOK},
		{"dashboard", func() *testapp.Response { return admin.Get("/") }, http.StatusOK},
		{"users page", func() *testapp.Response { return admin.Get("/users") }, http.StatusOK},
		{"audit page", func() *testapp.Response { return admin.Get("/audit") }, http.StatusOK},
		{"account page", func() *testapp.Response { return helen.Get("/account") }, http.StatusOK},
		{"jobs page", func() *testapp.Response { return helen.Get("/jobs") }, http.StatusOK},
		{"redirect to sign-in", func() *testapp.Response { return anon.Get("/users") }, http.StatusSeeOther},
		{"wrong password page", func() *testapp.Response {
			anon.Get("/login")
			return anon.PostForm("/login", url.Values{"username": {"helen"}, "password": {"Wrong-Password-000"}})
		}, http.StatusUnauthorized},
		{"404 page", func() *testapp.Response { return admin.Get("/no/such/page") }, http.StatusNotFound},
		{"403 page", func() *testapp.Response { return helen.Get("/users") }, http.StatusForbidden},
		{"403 CSRF page", func() *testapp.Response { return helen.PostNoCSRF("/logout", nil) }, http.StatusForbidden},
		{"401 page", func() *testapp.Response {
			anon.Get("/login")
			return anon.PostForm("/account/password", nil)
		}, http.StatusUnauthorized},
		{"413 page", func() *testapp.Response {
			anon.Get("/login")
			return anon.PostForm("/login", big)
		}, http.StatusRequestEntityTooLarge},
		{"htmx error fragment", func() *testapp.Response { return helen.PostHTMX("/users/admin/disable", nil) }, http.StatusForbidden},
		{"health check", func() *testapp.Response { return anon.Get("/healthz") }, http.StatusOK},
		{"static script", func() *testapp.Response { return anon.Get(static.URL("vendor/htmx.min.js")) }, http.StatusOK},
		{"static stylesheet", func() *testapp.Response { return anon.Get(static.URL("app.css")) }, http.StatusOK},
		{"missing static asset", func() *testapp.Response { return anon.Get("/static/missing.js") }, http.StatusNotFound},
	}
}

// SECURITY.md, Headers [V3.4]: the CSP with a per-request nonce and the
// other security headers on every response, error pages and assets
// included; the nonce is on every script tag.
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	nonces := map[string]string{}
	for _, tc := range headerCases(t, app) {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.send()
			if r.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", r.StatusCode, tc.status)
			}
			csp := r.Header.Get("Content-Security-Policy")
			m := cspPattern.FindStringSubmatch(csp)
			if m == nil {
				t.Fatalf("Content-Security-Policy %q, want SECURITY.md's policy", csp)
			}
			nonce := m[1]
			if b, err := base64.StdEncoding.DecodeString(nonce); err != nil || len(b) < 16 {
				t.Errorf("nonce %q: %d bytes (err %v), want at least 128 random bits", nonce, len(b), err)
			}
			if prev, ok := nonces[nonce]; ok {
				t.Errorf("nonce %q was already used by %q", nonce, prev)
			}
			nonces[nonce] = tc.name
			for h, want := range fixedHeaders {
				if got := r.Header.Get(h); got != want {
					t.Errorf("%s: %q, want %q", h, got, want)
				}
			}
			if got := r.Header.Get("Strict-Transport-Security"); got != "" {
				t.Errorf("Strict-Transport-Security %q over plain HTTP, want none", got)
			}
			if r.Doc != nil {
				checkInertMarkup(t, r.Doc, nonce)
			}
		})
	}
}

// checkInertMarkup checks what the CSP relies on: every script carries the
// request's nonce and comes from our own assets, and no element has an
// inline event handler or an inline style (style-src 'self' blocks them).
func checkInertMarkup(t *testing.T, doc *goquery.Document, nonce string) {
	t.Helper()
	doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		src, _ := s.Attr("src")
		if got, _ := s.Attr("nonce"); got != nonce {
			t.Errorf("<script src=%q> nonce %q, want the header's %q", src, got, nonce)
		}
		if !strings.HasPrefix(src, static.Prefix) {
			t.Errorf("<script src=%q>: want a self-hosted asset under %s", src, static.Prefix)
		}
	})
	doc.Find("link[href]").Each(func(_ int, s *goquery.Selection) {
		if href, _ := s.Attr("href"); !strings.HasPrefix(href, static.Prefix) {
			t.Errorf("<link href=%q>: want a self-hosted asset under %s", href, static.Prefix)
		}
	})
	doc.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") || strings.EqualFold(a.Key, "style") {
				t.Errorf("<%s %s=%q>: inline handlers and styles are blocked by the CSP", goquery.NodeName(s), a.Key, a.Val)
			}
		}
	})
}

// SECURITY.md, Headers: HSTS (one year) only when served over TLS, on every
// response then.
func TestHSTSOnlyWithTLS(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10, TLS: true})
	for _, tc := range headerCases(t, app) {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.send()
			if r.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", r.StatusCode, tc.status)
			}
			if got := r.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
				t.Errorf("Strict-Transport-Security %q, want max-age=31536000", got)
			}
		})
	}
}

// SECURITY.md, Headers: the sweep over the whole route table, signed in as
// an administrator: whatever each GET answers, it carries the headers, and
// an HTML answer has only nonce'd, self-hosted scripts and no inline
// handlers or styles.
func TestSecurityHeadersOnEveryRoute(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	admin := app.SignIn(t, "admin", testapp.AdminPassword)
	key := app.Sandbox.KeyPairs("cn-hangzhou")[0].Name
	query := "?" + url.Values{"region": {"cn-hangzhou"}, "key": {key}, "name": {key}}.Encode()
	for _, r := range app.Web.Routes() {
		if r.Method != http.MethodGet || r.Path == "/static/*" {
			continue
		}
		path := concretePath(r.Path) + query
		t.Run(r.Path, func(t *testing.T) {
			resp := admin.Get(path)
			m := cspPattern.FindStringSubmatch(resp.Header.Get("Content-Security-Policy"))
			if m == nil {
				t.Fatalf("status %d: Content-Security-Policy %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
			}
			for h, want := range fixedHeaders {
				if got := resp.Header.Get(h); got != want {
					t.Errorf("%s: %q, want %q", h, got, want)
				}
			}
			if resp.Doc != nil {
				checkInertMarkup(t, resp.Doc, m[1])
			}
		})
	}
}

// TestFavicon: the pages name an icon that is served (no 404 on every new
// session), and /favicon.ico leads to it.
func TestFavicon(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	c := app.Client(t)
	href, ok := c.Get("/login").Doc.Find(`link[rel="icon"]`).Attr("href")
	if !ok {
		t.Fatal("the sign-in page names no icon")
	}
	if r := c.Get(href); r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("GET %s = %d %s", href, r.StatusCode, r.Header.Get("Content-Type"))
	}
	if r := c.Get("/favicon.ico"); r.StatusCode != http.StatusFound || r.Header.Get("Location") != href {
		t.Errorf("GET /favicon.ico = %d → %q, want the icon %q", r.StatusCode, r.Header.Get("Location"), href)
	}
}
