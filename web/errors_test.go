package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"keybind/internal/store"
	"keybind/internal/testapp"
)

// syncBuffer is a log sink tests can read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// wantErrorPage checks an error page: the status, the request ID of the
// response shown on the page, and the given user message.
func wantErrorPage(t *testing.T, r *testapp.Response, status int, message string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d; body %.300s", r.StatusCode, status, r.Body)
	}
	if r.Doc == nil || r.Doc.Find(`[data-testid="error-page"], [data-testid="error-fragment"]`).Length() != 1 {
		t.Fatalf("not an error page or fragment: %.300s", r.Body)
	}
	rid := r.Header.Get("X-Request-Id")
	if rid == "" {
		t.Fatal("no X-Request-Id header")
	}
	if !strings.Contains(r.Doc.Find(`[data-testid="error-page"], [data-testid="error-fragment"]`).Text(), rid) {
		t.Errorf("the error page does not show the request ID %q", rid)
	}
	if message != "" {
		if got := r.Doc.Find(`[data-testid="error-message"], [data-testid="error-fragment"]`).Text(); !strings.Contains(got, message) {
			t.Errorf("message %q, want %q", strings.TrimSpace(got), message)
		}
	}
}

// hideLength hides a body's length from net/http, so it is sent chunked.
type hideLength struct{ io.Reader }

// SECURITY.md, Requests: a body size limit on every route; an oversized
// body gets the 413 page, never a 500, whether or not it declares its
// length.
func TestBodyLimit(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10, BodyLimit: "64K"})
	admin := app.SignIn(t, "admin", testapp.AdminPassword)
	anon := app.Client(t)
	anon.Get("/login")
	big := func(c *testapp.Client) string {
		return url.Values{"csrf_token": {c.CSRF}, "name": {"bob"}, "role": {"helpdesk"}, "username": {"x"}, "password": {strings.Repeat("p", 100<<10)}}.Encode()
	}
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	cases := []struct {
		name string
		send func() *testapp.Response
	}{
		{"sign-in, declared length", func() *testapp.Response {
			return request(t, app, anon, http.MethodPost, "/login", strings.NewReader(big(anon)), form)
		}},
		{"sign-in, chunked", func() *testapp.Response {
			return request(t, app, anon, http.MethodPost, "/login", hideLength{strings.NewReader(big(anon))}, form)
		}},
		{"admin action, declared length", func() *testapp.Response {
			return request(t, app, admin, http.MethodPost, "/users", strings.NewReader(big(admin)), form)
		}},
		{"admin action, chunked", func() *testapp.Response {
			return request(t, app, admin, http.MethodPost, "/users", hideLength{strings.NewReader(big(admin))}, form)
		}},
		{"htmx, chunked", func() *testapp.Response {
			return request(t, app, admin, http.MethodPost, "/users/helen/sessions/end", hideLength{strings.NewReader(big(admin))},
				http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Hx-Request": {"true"}, "X-Csrf-Token": {admin.CSRF}})
		}},
		{"multipart, chunked", func() *testapp.Response {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			_ = mw.WriteField("csrf_token", admin.CSRF)
			_ = mw.WriteField("name", strings.Repeat("n", 100<<10))
			_ = mw.Close()
			return request(t, app, admin, http.MethodPost, "/users", hideLength{&b}, http.Header{"Content-Type": {mw.FormDataContentType()}})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			admin.Get("/users")
			wantErrorPage(t, tc.send(), http.StatusRequestEntityTooLarge, "The request is too large.")
		})
	}
	if _, err := app.Auth.User(context.Background(), "bob"); err == nil {
		t.Error("an oversized request created a user")
	}
	wantPage(t, admin.Get("/"), "the admin after oversized requests")
}

// SECURITY.md, Requests: bad input — malformed IDs, unknown routes, bad
// form and query values — gets a clear 4xx, never a 500.
func TestBadInputIsA4xx(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	admin := app.SignIn(t, "admin", testapp.AdminPassword)
	key := app.Sandbox.KeyPairs("cn-hangzhou")[0].Name
	inst := "/bind/instances?region=cn-hangzhou&key=" + url.QueryEscape(key)
	long := strings.Repeat("a", 5000)

	gets := []string{
		"/no/such/page",
		"/users/helen",
		"/jobs/abc",
		"/jobs/-1",
		"/jobs/0",
		"/jobs/99999999999999999999999",
		"/jobs/424242",
		"/jobs/1e3/grid",
		"/jobs/424242/grid",
		"/bind/key?region=nope",
		"/bind/key?region=%3Cscript%3E",
		"/bind/instances?region=nope&key=" + url.QueryEscape(key),
		"/bind/instances?region=cn-hangzhou&key=%00bad",
		"/bind/instances?region=cn-hangzhou&key=" + long,
		inst + "&page=-5&size=abc",
		inst + "&page=99999999999999999999",
		inst + "&status=Bogus",
		inst + "&ip=300.1.1.1",
		inst + "&id=I-UPPER",
		inst + "&tag==",
		inst + "&name=" + long,
		"/bind/review?region=nope&key=" + url.QueryEscape(key),
		"/bind/review?region=cn-hangzhou&key=",
		"/audit?from=garbage&to=2026-13-45&instance=bad&page=abc",
		"/audit?user=" + long,
		"/audit?user=%zz",
		"/audit/export.csv?from=garbage",
		"/audit/export.json?instance=not-an-id",
		"/keypairs/key?region=nope&name=%3Cx%3E",
	}
	// Where the page reads bad input leniently (page numbers fall back to
	// 1, an undecodable query pair is dropped, a paste without IDs is a
	// message), any status below 500 will do.
	lenient := map[string]bool{
		inst + "&page=-5&size=abc":          true,
		inst + "&page=99999999999999999999": true,
		"/audit?user=%zz":                   true,
		"POST /bind/selection/paste":        true, // answers with a message on the page
	}
	for _, path := range gets {
		t.Run("GET "+path[:min(len(path), 60)], func(t *testing.T) {
			r := admin.Get(path)
			want4xx(t, r, lenient[path])
		})
	}

	posts := []struct {
		path string
		form url.Values
	}{
		{"/users", url.Values{"name": {""}, "role": {"helpdesk"}}},
		{"/users", url.Values{"name": {"<x>"}, "role": {"helpdesk"}}},
		{"/users", url.Values{"name": {long}, "role": {"helpdesk"}}},
		{"/users", url.Values{"name": {"bob"}, "role": {"root"}}},
		{"/users", url.Values{"name": {"helen"}, "role": {"helpdesk"}}},
		{"/users/nobody/disable", nil},
		{"/users/" + long + "/disable", nil},
		{"/users/%00/enable", nil},
		{"/users/helen/role", url.Values{"role": {"root"}}},
		{"/users/nobody/password", nil},
		{"/users/admin/disable", nil}, // the last admin
		{"/account/password", url.Values{"current": {"x"}, "next": {"short"}, "confirm": {"short"}}},
		{"/account/password", url.Values{"current": {"x"}, "next": {"Long-Enough-Password-1"}, "confirm": {"Other-Password-2"}}},
		{"/account/password", url.Values{"current": {"wrong-password-xx"}, "next": {"Long-Enough-Password-1"}, "confirm": {"Long-Enough-Password-1"}}},
		{"/bind/region", url.Values{"region": {"nope"}}},
		{"/bind/selection/toggle", url.Values{"region": {"cn-hangzhou"}, "key": {key}, "id": {"NOT-AN-ID"}}},
		{"/bind/selection/paste", url.Values{"region": {"cn-hangzhou"}, "key": {key}, "ids": {long}}},
		{"/jobs", url.Values{"region": {"nope"}, "key": {key}}},
		{"/jobs/abc/retry", nil},
		{"/jobs/424242/retry", nil},
		{"/jobs/424242/items/i-abc123/reboot", nil},
		{"/jobs/1/items/NOT_AN_ID/reboot", nil},
		{"/jobs/abc/reboot-all", nil},
		{"/no/such/action", nil},
	}
	for _, p := range posts {
		t.Run("POST "+p.path[:min(len(p.path), 60)], func(t *testing.T) {
			admin.Get("/users")
			r := admin.PostForm(p.path, p.form)
			want4xx(t, r, lenient["POST "+p.path])
		})
	}

	t.Run("malformed form body", func(t *testing.T) {
		admin.Get("/users")
		r := request(t, app, admin, http.MethodPost, "/users", strings.NewReader("%zz=1&name=%&csrf_token="+admin.CSRF),
			http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
		if r.StatusCode < 400 || r.StatusCode >= 500 {
			t.Errorf("status %d, want 4xx", r.StatusCode)
		}
	})
	t.Run("malformed multipart body", func(t *testing.T) {
		admin.Get("/users")
		r := request(t, app, admin, http.MethodPost, "/users", strings.NewReader("--nope\r\n"),
			http.Header{"Content-Type": {"multipart/form-data; boundary=other"}, "X-Csrf-Token": {admin.CSRF}})
		if r.StatusCode < 400 || r.StatusCode >= 500 {
			t.Errorf("status %d, want 4xx", r.StatusCode)
		}
	})
	t.Run("unsupported method", func(t *testing.T) {
		r := request(t, app, admin, http.MethodDelete, "/users", nil, http.Header{"X-Csrf-Token": {admin.CSRF}})
		if r.StatusCode < 400 || r.StatusCode >= 500 {
			t.Errorf("status %d, want 4xx", r.StatusCode)
		}
	})
	wantPage(t, admin.Get("/users"), "the users page after bad input")
}

// want4xx fails on a 5xx, and unless lenient on anything but a 4xx.
func want4xx(t *testing.T, r *testapp.Response, lenient bool) {
	t.Helper()
	switch {
	case r.StatusCode >= 500:
		t.Errorf("status %d, want 4xx; body %.300s", r.StatusCode, r.Body)
	case !lenient && r.StatusCode < 400:
		t.Errorf("status %d, want 4xx (Location %q)", r.StatusCode, r.Header.Get("Location"))
	}
}

// SECURITY.md / STYLE.md: the error page shows the request ID and a
// generic message; the internal error text goes only to the log, under the
// same request ID.
func TestErrorPageHidesInternalErrors(t *testing.T) {
	var logs syncBuffer
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	c := app.SignIn(t, "admin", testapp.AdminPassword)

	t.Run("404", func(t *testing.T) {
		wantErrorPage(t, c.Get("/no/such/page"), http.StatusNotFound, "This page does not exist.")
	})

	// The change counters go too: with them, the session would be read
	// from memory and the page would not fail.
	for _, table := range []string{"change_counters", "sessions"} {
		if _, err := app.Store.DB().ExecContext(context.Background(), `DROP TABLE `+table); err != nil {
			t.Fatal(err)
		}
	}
	cause := "no such table" // SQLite's words
	if app.Store.Dialect() == store.Postgres {
		cause = `relation \"sessions\" does not exist` // as JSON quotes it
	}
	for _, tc := range []struct {
		name string
		send func() *testapp.Response
	}{
		{"page", func() *testapp.Response { return c.Get("/") }},
		{"htmx", func() *testapp.Response { return c.GetHTMX("/jobs") }},
	} {
		t.Run("500 "+tc.name, func(t *testing.T) {
			r := tc.send()
			wantErrorPage(t, r, http.StatusInternalServerError, "Something went wrong on our side. The error has been logged.")
			for _, internal := range []string{"no such table", "relation", "SQL", "sqlite", "store:", "auth:", "web:"} {
				if strings.Contains(r.Body, internal) {
					t.Errorf("the error page shows internal text %q", internal)
				}
			}
			rid := r.Header.Get("X-Request-Id")
			var logged bool
			for line := range strings.Lines(logs.String()) {
				if strings.Contains(line, rid) && strings.Contains(line, `"level":"ERROR"`) && strings.Contains(line, cause) {
					logged = true
				}
			}
			if !logged {
				t.Errorf("no ERROR log line with request ID %s and the cause", rid)
			}
		})
	}
}
