package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"keybind/internal/auth"
	"keybind/internal/testapp"
	"keybind/web"
)

// publicRoutes need no sign-in (SECURITY.md, Access control): the sign-in
// form and sign-out, health, readiness and metrics, and static assets (the icon is one).
var publicRoutes = map[web.Route]bool{
	{Method: http.MethodGet, Path: "/favicon.ico"}: true,
	{Method: http.MethodGet, Path: "/login"}:       true,
	{Method: http.MethodPost, Path: "/login"}:      true,
	{Method: http.MethodPost, Path: "/logout"}:     true,
	{Method: http.MethodPost, Path: "/language"}:   true, // the language switch, offered on the sign-in page too
	{Method: http.MethodGet, Path: "/healthz"}:     true,
	{Method: http.MethodGet, Path: "/readyz"}:      true,
	{Method: http.MethodGet, Path: "/metrics"}:     true,
	{Method: http.MethodGet, Path: "/static/*"}:    true,
	{Method: http.MethodHead, Path: "/static/*"}:   true,
}

// concretePath fills a route's parameters with well-formed values.
func concretePath(pattern string) string {
	parts := strings.Split(pattern, "/")
	for i, p := range parts {
		switch {
		case p == ":id":
			parts[i] = "1"
		case p == ":instance":
			parts[i] = "i-abc123"
		case p == ":name":
			parts[i] = "helen"
		case strings.HasPrefix(p, ":"), p == "*":
			parts[i] = "x"
		}
	}
	return strings.Join(parts, "/")
}

// SECURITY.md, Access control [V8]: deny by default. Every route in the
// table except sign-in, health and readiness, and static assets refuses a
// signed-out request, as does an unknown path.
func TestDenyByDefault(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	routes := app.Web.Routes()
	seen := map[string]bool{}
	for _, r := range routes {
		seen[r.Method+" "+r.Path] = true
	}
	for _, want := range []string{"GET /", "GET /users", "POST /users/:name/disable", "GET /audit", "GET /jobs/:id", "POST /jobs", "GET /account"} {
		if !seen[want] {
			t.Errorf("route table lacks %s; Routes() = %v", want, routes)
		}
	}

	anon := app.Client(t)
	anon.Get("/login") // a pre-login cookie with a CSRF token, so POSTs reach the sign-in check
	checked := 0
	for _, r := range append(routes, web.Route{Method: http.MethodGet, Path: "/no/such/page"}, web.Route{Method: http.MethodPost, Path: "/no/such/action"}) {
		if publicRoutes[r] {
			continue
		}
		path := concretePath(r.Path)
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			checked++
			switch {
			case strings.HasPrefix(path, "/api/"):
				// The API answers for itself, with no redirect to a form.
				resp := request(t, app, anon, r.Method, path, nil, nil)
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s %s without credentials: status %d, want 401", r.Method, path, resp.StatusCode)
				}
			case r.Method == http.MethodGet:
				wantSignInRedirect(t, anon.Get(path), "GET "+path)
				resp := anon.GetHTMX(path)
				if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("HX-Redirect"), "/login") {
					t.Errorf("htmx GET %s: got %d HX-Redirect %q, want 401 to /login", path, resp.StatusCode, resp.Header.Get("HX-Redirect"))
				}
			default:
				resp := formPost(t, app, anon, path, nil, nil)
				if r.Method != http.MethodPost {
					resp = request(t, app, anon, r.Method, path, nil, http.Header{"X-Csrf-Token": {anon.CSRF}})
				}
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s %s signed out: status %d, want 401", r.Method, path, resp.StatusCode)
				}
			}
		})
	}
	if checked < 10 {
		t.Errorf("checked %d protected routes, want the whole table", checked)
	}

	t.Run("public routes", func(t *testing.T) {
		c := app.Client(t)
		for _, path := range []string{"/login", "/healthz", "/readyz", "/metrics"} {
			if r := c.Get(path); r.StatusCode != http.StatusOK {
				t.Errorf("GET %s signed out: status %d, want 200", path, r.StatusCode)
			}
		}
		page := c.Get("/login")
		src, _ := page.Doc.Find("script[src]").First().Attr("src")
		if r := c.Get(src); r.StatusCode != http.StatusOK {
			t.Errorf("GET %s signed out: status %d, want 200", src, r.StatusCode)
		}
		if r := c.PostForm("/logout", nil); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Errorf("POST /logout signed out: got %d Location %q, want 303 to /login", r.StatusCode, r.Header.Get("Location"))
		}
	})
}

// SECURITY.md, Access control: the admin signs in and adds a helpdesk user,
// who signs in and cannot reach the users or audit pages or actions: 403
// and an audit entry for each attempt, which the admin then sees.
func TestHelpdeskCannotReachAdminPages(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	admin := app.SignIn(t, "admin", testapp.AdminPassword)
	admin.Get("/users")
	r := admin.PostForm("/users", url.Values{"name": {"hank"}, "role": {"helpdesk"}})
	generated := strings.TrimSpace(r.Doc.Find(`[data-testid="generated-password-value"]`).Text())
	if r.StatusCode != http.StatusOK || generated == "" {
		t.Fatalf("add hank: status %d, generated password %q", r.StatusCode, generated)
	}
	if admin.Get("/users").Doc.Find(`[data-testid="user-row"][data-user="hank"]`).Length() != 1 {
		t.Fatal("hank is not on the users page")
	}

	hank := app.SignIn(t, "hank", generated)
	const chosen = "Tangerine-Orbit-Ladder-31"
	hank.Get("/account")
	if r := hank.PostForm("/account/password", url.Values{"current": {generated}, "next": {chosen}, "confirm": {chosen}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("hank chooses a password: status %d, want 303", r.StatusCode)
	}
	hank = app.SignIn(t, "hank", chosen)
	page := hank.Get("/")
	wantPage(t, page, "hank's dashboard")
	if n := page.Doc.Find(`nav a[href="/users"], nav a[href="/audit"]`).Length(); n != 0 {
		t.Errorf("hank's navigation shows %d admin links, want none", n)
	}

	attempts := []struct {
		method, path string
		form         url.Values
		action       string // the audit action of the refusal
	}{
		{http.MethodGet, "/users", nil, "access.manage_users"},
		{http.MethodGet, "/audit", nil, "access.read_audit"},
		{http.MethodGet, "/audit/export.csv", nil, "access.read_audit"},
		{http.MethodGet, "/audit/export.json", nil, "access.read_audit"},
		{http.MethodPost, "/users", url.Values{"name": {"mallory"}, "role": {"admin"}}, "access.manage_users"},
		{http.MethodPost, "/users/hank/role", url.Values{"role": {"admin"}}, "access.manage_users"},
		{http.MethodPost, "/users/admin/disable", nil, "access.manage_users"},
		{http.MethodPost, "/users/admin/password", nil, "access.manage_users"},
		{http.MethodPost, "/users/admin/sessions/end", nil, "access.manage_users"},
	}
	for _, a := range attempts {
		t.Run(a.method+" "+a.path, func(t *testing.T) {
			before := len(auditEntries(t, app, a.action))
			var r *testapp.Response
			if a.method == http.MethodGet {
				r = hank.Get(a.path)
			} else {
				r = hank.PostForm(a.path, a.form)
			}
			if r.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403", r.StatusCode)
			}
			if strings.Contains(r.Body, "hank") && r.Doc != nil && r.Doc.Find(`[data-testid="users-table"], [data-testid="audit-table"]`).Length() != 0 {
				t.Error("the refusal shows the admin page anyway")
			}
			got := auditEntries(t, app, a.action)
			if len(got) != before+1 {
				t.Fatalf("%d %s audit entries, want %d", len(got), a.action, before+1)
			}
			if e := got[len(got)-1]; e.Username != "hank" || e.Role != "helpdesk" || e.Outcome != "denied" || !strings.Contains(e.Detail, a.path[:6]) {
				t.Errorf("audit entry %+v, want hank (helpdesk) denied %s", e, a.path)
			}
		})
	}

	// Nothing hank tried took effect.
	ctx := context.Background()
	if _, err := app.Auth.User(ctx, "mallory"); err == nil {
		t.Error("hank created mallory")
	}
	if u, _ := app.Auth.User(ctx, "hank"); u.Role != auth.RoleHelpdesk {
		t.Errorf("hank's role is %s, want helpdesk", u.Role)
	}
	wantPage(t, admin.Get("/"), "the admin's session")

	// The admin sees the attempts on the audit page.
	audit := admin.Get("/audit?" + url.Values{"user": {"hank"}, "action": {"access.manage_users"}}.Encode())
	rows := audit.Doc.Find(`[data-testid="audit-row"]`)
	if rows.Length() != 6 {
		t.Errorf("audit page lists %d manage_users refusals of hank, want 6", rows.Length())
	}
	if txt := rows.First().Text(); !strings.Contains(txt, "denied") || !strings.Contains(txt, "hank") {
		t.Errorf("audit row %q, want hank … denied", strings.Join(strings.Fields(txt), " "))
	}
}
