package web_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"keybind/internal/testapp"
)

// The benchmarks drive the real server over loopback HTTP with a plain
// http.Client (no HTML parsing on the client side), so they measure the
// console's middleware, session, handler and rendering work.

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// fetch sends req and drains the body; it returns the body when keep is set.
func fetch(b *testing.B, c *http.Client, req *http.Request, want int, keep bool) string {
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var body string
	if keep {
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			b.Fatal(err)
		}
		body = string(raw)
	} else if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		b.Fatal(err)
	}
	if resp.StatusCode != want {
		b.Fatalf("%s %s: status %d, want %d", req.Method, req.URL.Path, resp.StatusCode, want)
	}
	return body
}

// BenchmarkSignIn is one browser sign-in: GET /login (a new anonymous
// session and its CSRF token), then POST /login (argon2id verification,
// session rotation, audit entry) answered with a 303.
func BenchmarkSignIn(b *testing.B) {
	app := testapp.New(b, testapp.Options{InstancesPerRegion: 10})
	form := func(token string) io.Reader {
		return strings.NewReader(url.Values{"csrf_token": {token}, "username": {"helen"}, "password": {testapp.HelpdeskPassword}}.Encode())
	}
	for b.Loop() {
		c := app.Client(b).HTTP
		get, _ := http.NewRequest(http.MethodGet, app.URL+"/login", nil)
		m := csrfField.FindStringSubmatch(fetch(b, c, get, http.StatusOK, true))
		if m == nil {
			b.Fatal("no CSRF token on the sign-in page")
		}
		post, _ := http.NewRequest(http.MethodPost, app.URL+"/login", form(m[1]))
		post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		fetch(b, c, post, http.StatusSeeOther, false)
	}
}

// benchmarkPage measures GET path(app) for a signed-in helpdesk user.
func benchmarkPage(b *testing.B, path func(*testapp.App) string) {
	app := testapp.New(b, testapp.Options{InstancesPerRegion: 150})
	c := app.SignIn(b, "helen", testapp.HelpdeskPassword).HTTP
	target := app.URL + path(app)
	get := func() *http.Request { // a new request each time: the jar adds its cookie to it
		req, _ := http.NewRequest(http.MethodGet, target, nil)
		return req
	}
	fetch(b, c, get(), http.StatusOK, false) // warm caches (regions)
	var bytes int
	for b.Loop() {
		bytes = len(fetch(b, c, get(), http.StatusOK, true))
	}
	b.ReportMetric(float64(bytes), "page-bytes")
}

// BenchmarkDashboardRender is the signed-in dashboard: session load from
// SQLite, CSRF, the region list and the templ layout.
func BenchmarkDashboardRender(b *testing.B) {
	benchmarkPage(b, func(*testapp.App) string { return "/" })
}

// BenchmarkJobsPageRender is the job history page (empty history).
func BenchmarkJobsPageRender(b *testing.B) {
	benchmarkPage(b, func(*testapp.App) string { return "/jobs" })
}

// BenchmarkInstanceListRender is the heaviest page: 50 instances of 150
// listed from the sandbox over the real SDK, with selection state.
func BenchmarkInstanceListRender(b *testing.B) {
	benchmarkPage(b, func(app *testapp.App) string {
		key := app.Sandbox.KeyPairs("cn-hangzhou")[0].Name
		return "/bind/instances?" + url.Values{"region": {"cn-hangzhou"}, "key": {key}}.Encode()
	})
}
