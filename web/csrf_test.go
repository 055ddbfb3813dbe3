package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"keybind/internal/auth"
	"keybind/internal/testapp"
)

// SECURITY.md, Requests [3.5.1, 3.5.3]: every state-changing request carries
// the session's token (form field, or X-CSRF-Token for htmx), and a request
// the browser marks as cross-site is refused even with a token.
func TestCSRF(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	admin := app.SignIn(t, "admin", testapp.AdminPassword)
	other := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	const action = "/users/helen/sessions/end"

	cases := []struct {
		name   string
		send   func() *testapp.Response
		status int
	}{
		{"no token", func() *testapp.Response { return admin.PostNoCSRF(action, nil) }, http.StatusForbidden},
		{"empty token", func() *testapp.Response {
			return formPost(t, app, admin, action, url.Values{"csrf_token": {""}}, nil)
		}, http.StatusForbidden},
		{"another session's token", func() *testapp.Response {
			return formPost(t, app, admin, action, url.Values{"csrf_token": {other.CSRF}}, nil)
		}, http.StatusForbidden},
		{"token with one character changed", func() *testapp.Response {
			tok := []byte(admin.CSRF)
			tok[0] ^= 1
			return formPost(t, app, admin, action, url.Values{"csrf_token": {string(tok)}}, nil)
		}, http.StatusForbidden},
		{"htmx with a wrong header token", func() *testapp.Response {
			return request(t, app, admin, http.MethodPost, action, nil, http.Header{"Hx-Request": {"true"}, "X-Csrf-Token": {other.CSRF}})
		}, http.StatusForbidden},
		{"Sec-Fetch-Site: cross-site with the right token", func() *testapp.Response {
			return formPost(t, app, admin, action, nil, http.Header{"Sec-Fetch-Site": {"cross-site"}})
		}, http.StatusForbidden},
		{"Sec-Fetch-Site: same-site with the right token", func() *testapp.Response {
			return formPost(t, app, admin, action, nil, http.Header{"Sec-Fetch-Site": {"same-site"}})
		}, http.StatusForbidden},
		{"foreign Origin with the right token", func() *testapp.Response {
			return formPost(t, app, admin, action, nil, http.Header{"Origin": {"https://evil.example"}})
		}, http.StatusForbidden},
		{"Origin: null with the right token", func() *testapp.Response {
			return formPost(t, app, admin, action, nil, http.Header{"Origin": {"null"}})
		}, http.StatusForbidden},
		{"htmx, foreign Origin, right header token", func() *testapp.Response {
			return request(t, app, admin, http.MethodPost, action, nil,
				http.Header{"Hx-Request": {"true"}, "X-Csrf-Token": {admin.CSRF}, "Origin": {"https://evil.example"}})
		}, http.StatusForbidden},

		{"form field token", func() *testapp.Response { return admin.PostForm(action, nil) }, http.StatusSeeOther},
		{"htmx header token", func() *testapp.Response { return admin.PostHTMX(action, nil) }, http.StatusNoContent},
		{"same-origin browser POST", func() *testapp.Response {
			return formPost(t, app, admin, action, nil, http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {app.URL}})
		}, http.StatusSeeOther},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			admin.Get("/users") // a fresh page, as the browser would have
			before := len(auditEntries(t, app, auth.ActionUserEndSessions))
			r := tc.send()
			if r.StatusCode != tc.status {
				t.Fatalf("status %d, want %d; body %.200s", r.StatusCode, tc.status, r.Body)
			}
			after := len(auditEntries(t, app, auth.ActionUserEndSessions))
			switch {
			case tc.status == http.StatusForbidden && after != before:
				t.Errorf("a refused request ended sessions: %d audit entries, want %d", after, before)
			case tc.status != http.StatusForbidden && after != before+1:
				t.Errorf("an accepted request was not carried out: %d audit entries, want %d", after, before+1)
			}
			if tc.status == http.StatusForbidden && r.Doc != nil {
				if msg := r.Doc.Find(`[data-testid="error-message"], [data-testid="error-fragment"]`).Text(); !strings.Contains(msg, "did not come from keybind") {
					t.Errorf("error message %q, want the CSRF explanation", msg)
				}
			}
		})
	}
}

// SECURITY.md, Requests [3.5.1]: the sign-in form needs its token too (login
// CSRF would sign a victim into the attacker's account).
func TestSignInNeedsCSRFToken(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	c := app.Client(t)
	c.Get("/login")
	before := len(auditEntries(t, app, auth.ActionLogin))
	r := c.PostNoCSRF("/login", url.Values{"username": {"helen"}, "password": {testapp.HelpdeskPassword}})
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-in without a token: status %d, want 403", r.StatusCode)
	}
	r = formPost(t, app, c, "/login", url.Values{"username": {"helen"}, "password": {testapp.HelpdeskPassword}},
		http.Header{"Sec-Fetch-Site": {"cross-site"}})
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site sign-in: status %d, want 403", r.StatusCode)
	}
	if after := len(auditEntries(t, app, auth.ActionLogin)); after != before {
		t.Errorf("refused sign-ins reached the password check: %d login audit entries, want %d", after, before)
	}
	wantSignInRedirect(t, c.Get("/"), "GET / after the refused sign-ins")
}

// SECURITY.md, Requests [3.5.3]: no state change on GET. A GET to an action
// is refused and changes nothing.
func TestNoStateChangeOnGet(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	admin := app.SignIn(t, "admin", testapp.AdminPassword)
	helen := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	for _, path := range []string{"/logout", "/users/helen/disable", "/users/helen/sessions/end", "/users/helen/role?role=admin", "/users/helen/password"} {
		t.Run(path, func(t *testing.T) {
			r := admin.Get(path)
			if r.StatusCode < 400 || r.StatusCode >= 500 {
				t.Errorf("GET %s: status %d, want 4xx", path, r.StatusCode)
			}
		})
	}
	wantPage(t, admin.Get("/"), "the admin after GET /logout")
	wantPage(t, helen.Get("/"), "helen after GETs to admin actions")
	u, err := app.Auth.User(context.Background(), "helen")
	if err != nil {
		t.Fatal(err)
	}
	if u.Disabled || u.Role != auth.RoleHelpdesk {
		t.Errorf("helen: disabled=%v role=%s, want enabled helpdesk", u.Disabled, u.Role)
	}
}
