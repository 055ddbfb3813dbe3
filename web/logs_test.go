package web_test

import (
	"context"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"keybind/internal/testapp"
	"keybind/web"
)

// SECURITY.md, Audit [V16]: logs and the audit trail never contain
// passwords, session IDs or cookies. A run through sign-ins (good and bad),
// password changes and resets, user administration, sign-out and refusals,
// with every log line captured at debug level, is then searched for each
// secret it handled.
func TestNoSecretsInLogsOrAudit(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10, Logger: logger})

	secrets := map[string]string{
		testapp.AdminPassword:    "admin password",
		testapp.HelpdeskPassword: "helen's password",
	}
	var clients []*testapp.Client
	remember := func(c *testapp.Client) *testapp.Client {
		clients = append(clients, c)
		return c
	}
	cookieSecrets := func(c *testapp.Client) {
		if c.CSRF != "" {
			secrets[c.CSRF] = "a CSRF token"
		}
		for _, name := range []string{web.PreLoginCookieName, web.DeviceCookieName} {
			if ck := c.Cookie(name); ck != nil {
				secrets[ck.Value] = "the cookie " + name
			}
		}
		ck := c.Cookie(web.CookieName)
		if ck == nil {
			return
		}
		secrets[ck.Value] = "a session cookie"
		raw := rawSessionID(t, app, ck.Value)
		secrets[base64.RawURLEncoding.EncodeToString(raw)] = "a session ID"
	}

	// Failed sign-ins: a wrong password, an unknown user.
	const wrong = "Wrong-But-Secret-Password-7"
	secrets[wrong] = "a wrong password"
	anon := remember(app.Client(t))
	for _, user := range []string{"helen", "nobody"} {
		if r := signInAttempt(t, app, anon, user, wrong, nil); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("bad sign-in as %s: status %d, want 401", user, r.StatusCode)
		}
	}
	cookieSecrets(anon)

	admin := remember(app.SignIn(t, "admin", testapp.AdminPassword))
	helen := remember(app.SignIn(t, "helen", testapp.HelpdeskPassword))
	cookieSecrets(admin)
	cookieSecrets(helen)

	// The admin creates a user and resets helen's password: generated
	// passwords are shown once and must go nowhere else.
	admin.Get("/users")
	r := admin.PostForm("/users", url.Values{"name": {"gina"}, "role": {"helpdesk"}})
	gen := strings.TrimSpace(r.Doc.Find(`[data-testid="generated-password-value"]`).Text())
	if gen == "" {
		t.Fatal("no generated password for gina")
	}
	secrets[gen] = "gina's generated password"
	r = admin.PostForm("/users/helen/password", nil)
	reset := strings.TrimSpace(r.Doc.Find(`[data-testid="generated-password-value"]`).Text())
	if reset == "" {
		t.Fatal("no generated password for helen")
	}
	secrets[reset] = "helen's reset password"

	// gina signs in and changes her password; one attempt with a wrong
	// current password first.
	gina := remember(app.SignIn(t, "gina", gen))
	cookieSecrets(gina)
	const chosen = "Juniper-Falcon-Meadow-92"
	secrets[chosen] = "gina's new password"
	gina.Get("/account")
	gina.PostForm("/account/password", url.Values{"current": {wrong}, "next": {chosen}, "confirm": {chosen}})
	if r := gina.PostForm("/account/password", url.Values{"current": {gen}, "next": {chosen}, "confirm": {chosen}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("gina changes her password: status %d, want 303", r.StatusCode)
	}
	gina = remember(app.SignIn(t, "gina", chosen))
	cookieSecrets(gina)

	// Refusals and errors: CSRF, 403, 404, 413; then sign-out, and a
	// replay of the signed-out cookie.
	gina.PostNoCSRF("/logout", nil)
	gina.Get("/users")
	gina.Get("/no/such/page")
	gina.PostForm("/account/password", url.Values{"current": {strings.Repeat(chosen, 50000)}})
	admin.Get("/")
	copied := admin.Cookie(web.CookieName).Value
	admin.PostForm("/logout", nil)
	app.ClientWithCookie(t, web.CookieName, copied).Get("/users")
	for _, c := range clients {
		cookieSecrets(c)
	}

	logText := logs.String()
	if !strings.Contains(logText, `"msg":"request"`) || !strings.Contains(logText, "request refused") {
		t.Fatalf("the captured log lacks request and refusal lines; captured:\n%.1000s", logText)
	}
	audit := auditText(t, app)
	if !strings.Contains(audit, "auth.login") || !strings.Contains(audit, "user.password.reset") {
		t.Fatalf("the audit trail lacks sign-ins or resets:\n%.1000s", audit)
	}
	if len(secrets) < 12 {
		t.Fatalf("only %d secrets collected", len(secrets))
	}
	for secret, what := range secrets {
		if strings.Contains(logText, secret) {
			t.Errorf("the log contains %s (%.12s…)", what, secret)
		}
		if strings.Contains(audit, secret) {
			t.Errorf("the audit trail contains %s (%.12s…)", what, secret)
		}
	}
	for _, word := range []string{"Cookie", "csrf_token", "password="} {
		if strings.Contains(logText, word) {
			t.Errorf("the log contains %q", word)
		}
	}
}

// auditText is every column of every audit row, as text.
func auditText(t *testing.T, app *testapp.App) string {
	t.Helper()
	rows, err := app.Store.DB().QueryContext(context.Background(),
		`SELECT username || ' ' || role || ' ' || via || ' ' || client_ip || ' ' || action || ' ' || region || ' ' ||
		        key_pair || ' ' || instance_ids || ' ' || outcome || ' ' || detail || ' ' || request_ids FROM audit ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
