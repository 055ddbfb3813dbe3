package api_test

import (
	"net/http"
	"strings"
	"testing"

	"keybind/internal/testapp"
	"keybind/web"
)

// apiAdminOnly are the API routes a helpdesk token may not use, with the
// permission whose refusal is audited.
var apiAdminOnly = map[web.Route]string{
	{Method: http.MethodGet, Path: "/api/v1/audit"}: "access.read_audit",
}

// apiRoutes lists the API's routes from the route table.
func apiRoutes(t *testing.T, app *testapp.App) []web.Route {
	t.Helper()
	var out []web.Route
	for _, r := range app.Web.Routes() {
		if strings.HasPrefix(r.Path, "/api/") {
			out = append(out, r)
		}
	}
	if len(out) < 15 {
		t.Fatalf("the route table has %d API routes: %v", len(out), out)
	}
	return out
}

// apiPath fills a route's parameters with well-formed values.
func apiPath(pattern string) string {
	parts := strings.Split(pattern, "/")
	for i, p := range parts {
		switch p {
		case ":id":
			parts[i] = "1"
		case ":instance":
			parts[i] = "i-abc123"
		case ":region":
			parts[i] = testapp.Region
		case ":name":
			parts[i] = "some-key"
		}
	}
	return strings.Join(parts, "/")
}

// Every API route, the OpenAPI document's included (SECURITY.md: deny by
// default), refuses a call without a working token with 401, a Bearer
// challenge and the JSON error, and never redirects to the sign-in form; a
// browser session cookie alone is no token.
func TestAPIRoutesNeedAToken(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	browser := app.SignIn(t, "admin", testapp.AdminPassword)
	helen := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	revoked := apiToken(t, helen, "soon revoked")
	helen.Get("/account")
	helen.PostForm("/account/tokens/1/revoke", nil)

	wellFormedUnknown := "kb_" + strings.Repeat("A", 43)
	credentials := []struct {
		name    string
		headers []string
		cookies bool
		code    string
	}{
		{"no credentials", nil, false, "unauthorized"},
		{"session cookie only", nil, true, "unauthorized"},
		{"session cookie and CSRF header", []string{"X-CSRF-Token", browser.CSRF}, true, "unauthorized"},
		{"unknown token", []string{"Authorization", "Bearer " + wellFormedUnknown}, false, "invalid_token"},
		{"revoked token", []string{"Authorization", "Bearer " + revoked}, false, "invalid_token"},
		{"malformed token", []string{"Authorization", "Bearer kb_short"}, false, "invalid_token"},
		{"basic auth", []string{"Authorization", "Basic YWRtaW46cGFzc3dvcmQ="}, false, "unauthorized"},
		{"token without scheme", []string{"Authorization", wellFormedUnknown}, false, "unauthorized"},
	}
	checked := 0
	for _, r := range append(apiRoutes(t, app), web.Route{Method: http.MethodGet, Path: "/api/v1/no/such/thing"}) {
		for _, cred := range credentials {
			t.Run(r.Method+" "+r.Path+"/"+cred.name, func(t *testing.T) {
				checked++
				a := newAPIClient(t, app, "")
				if cred.cookies {
					a.http.Jar = browser.HTTP.Jar
				}
				var body any
				if r.Method == http.MethodPost {
					body = map[string]any{}
				}
				resp := a.call(r.Method, apiPath(r.Path), body, cred.headers...)
				if resp.Status != http.StatusUnauthorized {
					t.Fatalf("status %d, want 401; body %.300s", resp.Status, resp.Raw)
				}
				if ch := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(ch, "Bearer ") {
					t.Errorf("WWW-Authenticate %q, want a Bearer challenge", ch)
				}
				if resp.str("code") != cred.code || resp.str("message") == "" || resp.str("request_id") != resp.Header.Get("X-Request-Id") {
					t.Errorf("body %s, want code %s, a message and the request ID %q", resp.Raw, cred.code, resp.Header.Get("X-Request-Id"))
				}
				if resp.Header.Get("Set-Cookie") != "" {
					t.Errorf("the API set a cookie: %q", resp.Header.Get("Set-Cookie"))
				}
			})
		}
	}
	if checked < 15*len(credentials) {
		t.Errorf("checked %d route/credential pairs, want every API route", checked)
	}
}

// Roles are checked on every API route: a helpdesk token is refused (403,
// audited as denied via api) exactly the admin-only routes; an admin token
// is refused nothing. The requests carry dummy values, so other statuses
// (404, 409, 422) are fine: only 403 matters here.
func TestAPIRoutesCheckTheRole(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	helpdesk := newAPIClient(t, app, apiToken(t, app.SignIn(t, "helen", testapp.HelpdeskPassword), "helen's"))
	admin := newAPIClient(t, app, apiToken(t, app.SignIn(t, "admin", testapp.AdminPassword), "admin's"))
	for _, r := range apiRoutes(t, app) {
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			var body any
			if r.Method == http.MethodPost {
				body = map[string]any{}
			}
			path := apiPath(r.Path)
			perm, adminOnly := apiAdminOnly[r]
			before := len(app.Audit(t, perm))
			resp := helpdesk.call(r.Method, path, body, "Idempotency-Key", "role-check-"+strings.ReplaceAll(path, "/", "-"))
			switch {
			case adminOnly && resp.Status != http.StatusForbidden:
				t.Errorf("helpdesk: status %d, want 403", resp.Status)
			case adminOnly:
				got := app.Audit(t, perm)
				if len(got) != before+1 {
					t.Fatalf("%d %s entries, want %d", len(got), perm, before+1)
				}
				if e := got[len(got)-1]; e.Username != "helen" || e.Outcome != "denied" || e.Via != "api" || !strings.Contains(e.Detail, r.Path) {
					t.Errorf("denial audited as %+v, want helen denied via api on %s", e, r.Path)
				}
				if resp.str("code") != "forbidden" {
					t.Errorf("403 body %s, want code forbidden", resp.Raw)
				}
			case resp.Status == http.StatusForbidden || resp.Status == http.StatusUnauthorized || resp.Status >= 500:
				t.Errorf("helpdesk: status %d on a route the role allows; body %.300s", resp.Status, resp.Raw)
			}
			resp = admin.call(r.Method, path, body, "Idempotency-Key", "role-check-admin-"+strings.ReplaceAll(path, "/", "-"))
			if resp.Status == http.StatusForbidden || resp.Status == http.StatusUnauthorized || resp.Status >= 500 {
				t.Errorf("admin: status %d; body %.300s", resp.Status, resp.Raw)
			}
		})
	}
}

// Failed authentications from one address are slowed down with 429 before
// any token is looked up, and so are a runaway script's calls, each with
// Retry-After and the JSON error.
func TestAPIRateLimits(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	limited := func(a *apiClient, ok int, atLeast int) {
		t.Helper()
		for i := range 3000 {
			r := a.get("/api/v1/me")
			if r.Status == ok {
				continue
			}
			if r.Status != http.StatusTooManyRequests || r.str("code") != "rate_limited" || r.Header.Get("Retry-After") == "" {
				t.Fatalf("request %d: status %d, Retry-After %q, body %s; want 429 rate_limited", i, r.Status, r.Header.Get("Retry-After"), r.Raw)
			}
			if i < atLeast {
				t.Errorf("limited after %d requests, want a burst of at least %d", i, atLeast)
			}
			return
		}
		t.Fatal("3000 requests in a row were never limited")
	}
	token := apiToken(t, app.SignIn(t, "helen", testapp.HelpdeskPassword), "busy")
	limited(newAPIClient(t, app, token), http.StatusOK, 200)
	limited(newAPIClient(t, app, "kb_"+strings.Repeat("A", 43)), http.StatusUnauthorized, 300)
	// The address is refused before its tokens are looked up, a good one too.
	if r := newAPIClient(t, app, token).get("/api/v1/me"); r.Status != http.StatusTooManyRequests {
		t.Errorf("a good token from the refused address: status %d, want 429", r.Status)
	}
}
