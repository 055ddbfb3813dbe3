package api_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"keybind/internal/testapp"
)

// A token is shown once, in the answer to the POST that made it; the list
// shows its name, hint, dates and last use; it works at once; revoking it
// ends it; and the token is nowhere in the database, the audit trail or the
// session.
func TestTokensCreateListRevoke(t *testing.T) {
	logs := &syncWriter{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10, Logger: logger})
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	page := c.Get("/account")
	if page.Doc.Find(`[data-testid="no-tokens"]`).Length() != 1 {
		t.Fatalf("a new user's account page does not say there are no tokens")
	}

	r := c.PostForm("/account/tokens", url.Values{"name": {"deploy script"}, "expires_days": {"30"}})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("create: status %d, want 200 with the token on the page", r.StatusCode)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the page showing the token has Cache-Control %q, want no-store", cc)
	}
	raw := strings.TrimSpace(r.Doc.Find(`[data-testid="new-token-value"]`).Text())
	if !strings.HasPrefix(raw, "kb_") || len(raw) != 46 {
		t.Fatalf("shown token %q, want kb_ and 43 characters", raw)
	}
	row := r.Doc.Find(`[data-testid="token-row"]`)
	if row.Length() != 1 || row.Find(`[data-testid="token-name"]`).Text() != "deploy script" ||
		!strings.Contains(row.Text(), raw[:7]+"…") || row.Find(`[data-testid="token-last-used"]`).Text() != "never" {
		t.Errorf("token list after create: %q", strings.Join(strings.Fields(row.Text()), " "))
	}
	wantExpiry := app.Clock.Now().Add(30 * 24 * time.Hour).UTC().Format("2006-01-02")
	if got := row.Find(`[data-testid="token-expires"]`).Text(); !strings.HasPrefix(got, wantExpiry) {
		t.Errorf("expires %q, want %s", got, wantExpiry)
	}

	// Shown once: the next view of the page has the list, not the token.
	again := c.Get("/account")
	if strings.Contains(again.Body, raw) || again.Doc.Find(`[data-testid="new-token-value"]`).Length() != 0 {
		t.Error("the account page shows the token again")
	}

	// It works, and its use shows in the list.
	api := newAPIClient(t, app, raw)
	me := api.get("/api/v1/me").want(t, http.StatusOK, "GET /api/v1/me")
	if me.str("user") != "helen" || me.str("role") != "helpdesk" {
		t.Errorf("me = %s, want helen (helpdesk)", me.Raw)
	}
	if got := c.Get("/account").Doc.Find(`[data-testid="token-last-used"]`).Text(); got == "never" {
		t.Error("last used still says never after a call")
	}

	// Nowhere in clear: database, audit, session data, cookies, logs.
	dump := dumpTables(t, app, "api_tokens", "audit", "sessions")
	if strings.Contains(dump, raw) || strings.Contains(dump, raw[7:]) {
		t.Error("the token (or its secret part) is stored in the database")
	}
	for _, ck := range c.HTTP.Jar.Cookies(mustURL(t, app.URL)) {
		if strings.Contains(ck.Value, raw) {
			t.Error("the token is in a cookie")
		}
	}
	if strings.Contains(logs.String(), raw[3:]) {
		t.Error("the token is in the log")
	}
	created := app.Audit(t, "token.create")
	if len(created) != 1 || created[0].Username != "helen" || created[0].Via != "web" || !strings.Contains(created[0].Detail, "deploy script") {
		t.Errorf("token.create audit = %+v", created)
	}

	// Another user cannot revoke it.
	admin := app.SignIn(t, "admin", testapp.AdminPassword)
	admin.Get("/account")
	id, _ := row.Attr("data-token-id")
	if r := admin.PostForm("/account/tokens/"+id+"/revoke", nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("admin revokes helen's token: status %d, want 404", r.StatusCode)
	}
	api.get("/api/v1/me").want(t, http.StatusOK, "after someone else's revoke attempt")

	// Revocation needs the CSRF token like every form.
	if r := c.PostNoCSRF("/account/tokens/"+id+"/revoke", nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("revoke without CSRF token: status %d, want 403", r.StatusCode)
	}
	if r := c.PostNoCSRF("/account/tokens", url.Values{"name": {"forged"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("create without CSRF token: status %d, want 403", r.StatusCode)
	}

	c.Get("/account")
	r = c.PostForm("/account/tokens/"+id+"/revoke", nil)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account" {
		t.Fatalf("revoke: %d → %q, want 303 to /account", r.StatusCode, r.Header.Get("Location"))
	}
	page = c.Get("/account")
	if flash := page.Doc.Find(`[data-testid="flash-region"]`).Text(); !strings.Contains(flash, "Revoked the API token deploy script") || strings.Contains(flash, raw) {
		t.Errorf("flash after revoke = %q", flash)
	}
	if page.Doc.Find(`[data-testid="token-row"]`).Length() != 0 {
		t.Error("the revoked token is still listed")
	}
	refused := api.get("/api/v1/me").want(t, http.StatusUnauthorized, "revoked token")
	if refused.str("code") != "invalid_token" || !strings.Contains(refused.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("revoked token: %s, WWW-Authenticate %q", refused.Raw, refused.Header.Get("WWW-Authenticate"))
	}
	if n := len(app.Audit(t, "token.revoke")); n != 1 {
		t.Errorf("%d token.revoke audit entries, want 1", n)
	}
}

// The create form names the field at fault and keeps what was typed.
func TestTokenFormValidation(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	cases := []struct {
		name, days, errID string
	}{
		{"", "", "token-name-error"},
		{strings.Repeat("n", 65), "", "token-name-error"},
		{"ok", "0", "token-expires-error"},
		{"ok", "367", "token-expires-error"},
		{"ok", "ten", "token-expires-error"},
		{"ok", "1.5", "token-expires-error"},
	}
	for _, tc := range cases {
		c.Get("/account")
		r := c.PostForm("/account/tokens", url.Values{"name": {tc.name}, "expires_days": {tc.days}})
		if r.StatusCode != http.StatusUnprocessableEntity || r.Doc.Find(`[data-testid="`+tc.errID+`"]`).Length() != 1 {
			t.Errorf("name %q, days %q: status %d, want 422 with %s", tc.name, tc.days, r.StatusCode, tc.errID)
			continue
		}
		if r.Doc.Find(`[data-testid="new-token-value"]`).Length() != 0 {
			t.Errorf("name %q, days %q: a token was shown", tc.name, tc.days)
		}
		if got, _ := r.Doc.Find(`#token-expires`).Attr("value"); got != tc.days {
			t.Errorf("the form lost the days typed: %q, want %q", got, tc.days)
		}
	}
	if n := countRows(t, app, "api_tokens"); n != 0 {
		t.Errorf("%d tokens made by refused forms", n)
	}
}

// A token with an expiry stops working when it passes (the console's clock
// is moved); a disabled user's token stops working, and works again when
// the user is enabled; a role change applies to the next call.
func TestTokenExpiryDisableAndRole(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	c.Get("/account")
	r := c.PostForm("/account/tokens", url.Values{"name": {"short"}, "expires_days": {"1"}})
	short := strings.TrimSpace(r.Doc.Find(`[data-testid="new-token-value"]`).Text())
	long := apiToken(t, c, "long")

	newAPIClient(t, app, short).get("/api/v1/me").want(t, http.StatusOK, "fresh 1-day token")
	app.Clock.Advance(23 * time.Hour)
	newAPIClient(t, app, short).get("/api/v1/me").want(t, http.StatusOK, "after 23 hours")
	app.Clock.Advance(time.Hour)
	if r := newAPIClient(t, app, short).get("/api/v1/me").want(t, http.StatusUnauthorized, "after 24 hours"); r.str("code") != "invalid_token" {
		t.Errorf("expired token: code %q, want invalid_token", r.str("code"))
	}
	longAPI := newAPIClient(t, app, long)
	longAPI.get("/api/v1/me").want(t, http.StatusOK, "the token without expiry")
	c = app.SignIn(t, "helen", testapp.HelpdeskPassword) // the session timed out meanwhile
	if row := c.Get("/account").Doc.Find(`[data-testid="token-row"]`).FilterFunction(func(_ int, s *goquery.Selection) bool {
		return s.Find(`[data-testid="token-name"]`).Text() == "short"
	}); !strings.Contains(row.Find(`[data-testid="token-expires"]`).Text(), "Expired") {
		t.Errorf("the expired token is not marked expired: %q", row.Text())
	}

	// Disabled by an administrator: refused; enabled again: works.
	admin := app.SignIn(t, "admin", testapp.AdminPassword)
	admin.Get("/users")
	if r := admin.PostForm("/users/helen/disable", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable helen: status %d", r.StatusCode)
	}
	longAPI.get("/api/v1/me").want(t, http.StatusUnauthorized, "disabled user's token")
	admin.Get("/users")
	if r := admin.PostForm("/users/helen/enable", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("enable helen: status %d", r.StatusCode)
	}
	longAPI.get("/api/v1/me").want(t, http.StatusOK, "enabled again")

	// The role is read on every call.
	longAPI.get("/api/v1/audit").want(t, http.StatusForbidden, "helpdesk reads the audit")
	admin.Get("/users")
	if r := admin.PostForm("/users/helen/role", url.Values{"role": {"admin"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("promote helen: status %d", r.StatusCode)
	}
	if r := longAPI.get("/api/v1/me").want(t, http.StatusOK, "promoted"); r.str("role") != "admin" {
		t.Errorf("after promotion: %s", r.Raw)
	}
	longAPI.get("/api/v1/audit").want(t, http.StatusOK, "promoted helen reads the audit")
}

// syncWriter keeps what concurrent requests log.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func dumpTables(t *testing.T, app *testapp.App, tables ...string) string {
	t.Helper()
	var b strings.Builder
	for _, table := range tables {
		rows, err := app.Store.DB().Query(`SELECT * FROM ` + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				switch x := v.(type) {
				case string:
					b.WriteString(x + "\n")
				case []byte:
					b.WriteString(string(x) + "\n")
				}
			}
		}
		rows.Close()
	}
	return b.String()
}

func countRows(t *testing.T, app *testapp.App, table string) int {
	t.Helper()
	var n int
	if err := app.Store.DB().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
