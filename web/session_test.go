package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"keybind/internal/auth"
	"keybind/internal/testapp"
	"keybind/views"
	"keybind/web"
)

// SECURITY.md, Sessions: the name and attributes of every cookie the
// console sets (the session cookie; before sign-in, the pre-login cookie
// with the sign-in form's CSRF token; the device cookie), on every response
// that sets one: first visit, sign-in, a saved flash message, sign-out.
func TestSessionCookieAttributes(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	c := app.Client(t)

	const set, cleared, persistent = "set", "cleared", "persistent"
	steps := []struct {
		name string
		do   func() *testapp.Response
		want map[string]string // cookie name -> what the response does to it
	}{
		{"first visit", func() *testapp.Response { return c.Get("/login") },
			map[string]string{web.PreLoginCookieName: set}},
		{"sign-in", func() *testapp.Response {
			return c.PostForm("/login", url.Values{"username": {"admin"}, "password": {testapp.AdminPassword}})
		}, map[string]string{web.CookieName: set, web.PreLoginCookieName: cleared, web.DeviceCookieName: persistent}},
		{"flash message saved", func() *testapp.Response {
			c.Get("/users")
			return c.PostForm("/users/helen/sessions/end", nil)
		}, map[string]string{web.CookieName: set}},
		{"sign-out", func() *testapp.Response { c.Get("/"); return c.PostForm("/logout", nil) },
			map[string]string{web.CookieName: cleared}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := s.do()
			if r.StatusCode >= 400 {
				t.Fatalf("status %d, want success", r.StatusCode)
			}
			got := map[string]string{}
			for _, line := range r.Header.Values("Set-Cookie") {
				ck, err := http.ParseSetCookie(line)
				if err != nil {
					t.Fatalf("Set-Cookie %q: %v", line, err)
				}
				if !strings.HasPrefix(ck.Name, "__Host-") {
					t.Errorf("cookie %s: want the __Host- prefix", ck.Name)
				}
				if ck.Path != "/" || ck.Domain != "" || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
					t.Errorf("cookie %s: Path %q Domain %q Secure %t HttpOnly %t SameSite %v; want /, none, true, true, Lax (raw %q)",
						ck.Name, ck.Path, ck.Domain, ck.Secure, ck.HttpOnly, ck.SameSite, ck.Raw)
				}
				switch {
				case ck.MaxAge < 0:
					got[ck.Name] = cleared
				case ck.MaxAge == 0 && ck.Expires.IsZero():
					got[ck.Name] = set // a browser-session cookie: the server decides its expiry
				case ck.Name == web.DeviceCookieName && ck.MaxAge >= 300*24*3600:
					got[ck.Name] = persistent
				default:
					got[ck.Name] = fmt.Sprintf("MaxAge %d Expires %v", ck.MaxAge, ck.Expires)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(s.want) {
				t.Errorf("cookies: got %v, want %v", got, s.want)
			}
		})
	}
}

// SECURITY.md, Sessions: the cookie carries only an opaque 256-bit ID; the
// database keeps its SHA-256 and never the ID itself.
func TestSessionCookieCarriesOnlyAnOpaqueID(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	value := sessionCookie(t, c)
	raw := rawSessionID(t, app, value)
	if len(raw) != 32 {
		t.Fatalf("session ID has %d bytes, want 32 (256 bits)", len(raw))
	}
	for _, leak := range []string{"helen", "helpdesk", c.CSRF, rawTokenText(t, app, value)} {
		if strings.Contains(value, leak) {
			t.Errorf("cookie value %q contains %q", value, leak)
		}
	}
	sum := sha256.Sum256(raw)
	var n int
	if err := app.Store.DB().QueryRowContext(context.Background(),
		`SELECT COUNT(*) FROM sessions WHERE id_hash = $1 AND user_id = $2`, hex.EncodeToString(sum[:]), app.Helpdesk.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("sessions with id_hash = SHA-256(cookie's ID) for helen: %d, want 1", n)
	}
	rawText := rawTokenText(t, app, value)
	if err := app.Store.DB().QueryRowContext(context.Background(),
		`SELECT COUNT(*) FROM sessions WHERE id_hash = $1 OR data LIKE '%' || $1 || '%'`, rawText).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d session rows hold the session ID in clear, want 0", n)
	}

	// The cookie is authenticated: an altered one is no session at all.
	altered := []byte(value)
	altered[len(altered)/2] ^= 1
	wantSignInRedirect(t, app.ClientWithCookie(t, web.CookieName, string(altered)).Get("/"), "GET / with an altered cookie")
	wantSignInRedirect(t, app.ClientWithCookie(t, web.CookieName, rawTokenText(t, app, value)).Get("/"), "GET / with the bare session ID as cookie")
}

// rawTokenText is the session ID as the cookie's codec carries it.
func rawTokenText(t *testing.T, app *testapp.App, cookieValue string) string {
	t.Helper()
	return base64.RawURLEncoding.EncodeToString(rawSessionID(t, app, cookieValue))
}

// SECURITY.md, Sessions [7.2.4]: a new ID at sign-in, and the pre-login
// session is destroyed. Before sign-in the session is only the pre-login
// cookie (no row): sign-in clears it and changes the CSRF token, so a
// planted pre-login cookie never becomes signed in. A session cookie
// present at sign-in has its row deleted.
func TestSignInRotatesTheSession(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})

	t.Run("pre-login cookie", func(t *testing.T) {
		c := app.Client(t)
		c.Get("/login")
		pre, tokenBefore := c.Cookie(web.PreLoginCookieName), c.CSRF
		if pre == nil || tokenBefore == "" {
			t.Fatal("the sign-in page set no pre-login cookie or CSRF token")
		}
		if c.Cookie(web.CookieName) != nil {
			t.Error("a session cookie before sign-in")
		}
		r := c.PostForm("/login", url.Values{"username": {"helen"}, "password": {testapp.HelpdeskPassword}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in: status %d, want 303", r.StatusCode)
		}
		if c.Cookie(web.PreLoginCookieName) != nil {
			t.Error("the pre-login cookie survived sign-in")
		}
		if !sessionRowExists(t, app, sessionCookie(t, c)) {
			t.Error("the signed-in session has no row")
		}
		wantPage(t, c.Get("/"), "GET / signed in")
		if c.CSRF == tokenBefore {
			t.Error("the CSRF token did not change at sign-in")
		}
		planted := app.ClientWithCookie(t, web.PreLoginCookieName, pre.Value)
		wantSignInRedirect(t, planted.Get("/"), "GET / with the pre-login cookie")
	})

	t.Run("session cookie", func(t *testing.T) {
		c := app.SignIn(t, "admin", testapp.AdminPassword)
		before := sessionCookie(t, c)
		r := c.PostForm("/login", url.Values{"username": {"helen"}, "password": {testapp.HelpdeskPassword}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in again: status %d, want 303", r.StatusCode)
		}
		after := sessionCookie(t, c)
		if string(rawSessionID(t, app, before)) == string(rawSessionID(t, app, after)) {
			t.Fatal("the session ID did not change at sign-in")
		}
		if sessionRowExists(t, app, before) {
			t.Error("the earlier session's row still exists after sign-in")
		}
		wantSignInRedirect(t, app.ClientWithCookie(t, web.CookieName, before).Get("/"), "GET / with the earlier cookie")
	})
}

// SECURITY.md, Sessions [7.4.1]: sign-out revokes the row; a copied cookie
// replayed afterwards is refused.
func TestSignOutRevokesACopiedCookie(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	c := app.SignIn(t, "admin", testapp.AdminPassword)
	copied, token := sessionCookie(t, c), c.CSRF

	thief := app.ClientWithCookie(t, web.CookieName, copied)
	wantPage(t, thief.Get("/"), "GET / with the copied cookie before sign-out")

	r := c.PostForm("/logout", nil)
	if loc := r.Header.Get("Location"); r.StatusCode != http.StatusSeeOther || loc != "/login" {
		t.Fatalf("sign out: got %d Location %q, want 303 to /login", r.StatusCode, loc)
	}
	if sessionRowExists(t, app, copied) {
		t.Error("the session row survived sign-out")
	}
	wantSignInRedirect(t, c.Get("/"), "GET / after sign-out")

	thief = app.ClientWithCookie(t, web.CookieName, copied)
	wantSignInRedirect(t, thief.Get("/users"), "GET /users with the copied cookie after sign-out")
	thief.CSRF = token
	r = thief.PostForm("/users/helen/disable", nil)
	if r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST with the copied cookie and its token after sign-out: status %d, want 401 or 403", r.StatusCode)
	}
	if u, err := app.Auth.User(context.Background(), "helen"); err != nil || u.Disabled {
		t.Errorf("helen after the replayed POST: disabled=%v err=%v, want enabled", u.Disabled, err)
	}
	if got := auditEntries(t, app, auth.ActionLogout); len(got) != 1 || got[0].Username != "admin" {
		t.Errorf("logout audit entries %+v, want one for admin", got)
	}
}

// SECURITY.md, Sessions [7.3.1, 7.3.2]: the idle (30 min) and absolute
// (12 h) timeouts are enforced on the server from the row.
func TestSessionTimeouts(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})

	t.Run("idle", func(t *testing.T) {
		c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
		cookie := sessionCookie(t, c)
		app.Clock.Advance(auth.DefaultIdleTimeout - time.Second)
		wantPage(t, c.Get("/"), "GET / just inside the idle timeout")
		app.Clock.Advance(auth.DefaultIdleTimeout - time.Second)
		wantPage(t, c.Get("/"), "GET / just inside the idle timeout after activity")
		app.Clock.Advance(auth.DefaultIdleTimeout)
		wantSignInRedirect(t, c.Get("/"), "GET / after 30 idle minutes")
		if sessionRowExists(t, app, cookie) {
			t.Error("the idle session's row still exists")
		}
		wantSignInRedirect(t, app.ClientWithCookie(t, web.CookieName, cookie).Get("/"), "the idle cookie replayed")
	})

	t.Run("absolute", func(t *testing.T) {
		c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
		cookie := sessionCookie(t, c)
		step := 25 * time.Minute
		var elapsed time.Duration
		for elapsed+step < auth.DefaultAbsoluteTimeout {
			app.Clock.Advance(step)
			elapsed += step
			wantPage(t, c.Get("/"), "GET / after "+elapsed.String()+" of activity")
		}
		app.Clock.Advance(auth.DefaultAbsoluteTimeout - elapsed - time.Second)
		wantPage(t, c.Get("/"), "GET / one second before the absolute timeout")
		app.Clock.Advance(time.Second)
		wantSignInRedirect(t, c.Get("/"), "GET / at the absolute timeout despite activity")
		if sessionRowExists(t, app, cookie) {
			t.Error("the expired session's row still exists")
		}
	})
}

// SECURITY.md, Sessions [7.4.2, 7.4.5]: disabling a user, changing their
// password or role, and an admin's "end sessions" end every session of the
// user, which is refused on its next request.
func TestUserChangesEndTheirSessions(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	admin := app.SignIn(t, "admin", testapp.AdminPassword)
	const password = "Velvet-Harbour-Signal-19"
	const newPassword = "Granite-Willow-Cipher-83"

	cases := []struct {
		name   string
		change func(t *testing.T, user string, own *testapp.Client) *testapp.Response
	}{
		{"admin disables the user", func(t *testing.T, user string, _ *testapp.Client) *testapp.Response {
			admin.Get("/users")
			return admin.PostForm("/users/"+user+"/disable", nil)
		}},
		{"admin changes the role", func(t *testing.T, user string, _ *testapp.Client) *testapp.Response {
			admin.Get("/users")
			return admin.PostForm("/users/"+user+"/role", url.Values{"role": {"admin"}})
		}},
		{"admin resets the password", func(t *testing.T, user string, _ *testapp.Client) *testapp.Response {
			admin.Get("/users")
			return admin.PostForm("/users/"+user+"/password", nil)
		}},
		{"admin ends the sessions", func(t *testing.T, user string, _ *testapp.Client) *testapp.Response {
			admin.Get("/users")
			return admin.PostForm("/users/"+user+"/sessions/end", nil)
		}},
		{"the user changes their password", func(t *testing.T, user string, own *testapp.Client) *testapp.Response {
			own.Get("/account")
			return own.PostForm("/account/password", url.Values{"current": {password}, "next": {newPassword}, "confirm": {newPassword}})
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := "user" + string(rune('a'+i))
			u := app.AddUser(t, name, auth.RoleHelpdesk, password)
			laptop := app.SignIn(t, name, password)
			phone := app.SignIn(t, name, password)
			if n := countSessions(t, app, u.ID); n != 2 {
				t.Fatalf("%s has %d sessions, want 2", name, n)
			}
			r := tc.change(t, name, laptop)
			if r.StatusCode >= 400 {
				t.Fatalf("change: status %d, want success; body %.300s", r.StatusCode, r.Body)
			}
			wantSignInRedirect(t, phone.Get("/"), "the other session's next request")
			wantSignInRedirect(t, laptop.Get("/"), "the acting session's next request")
			if n := countSessions(t, app, u.ID); n != 0 {
				t.Errorf("%s has %d sessions left, want 0", name, n)
			}
			wantPage(t, admin.Get("/"), "the admin's own session")
		})
	}
}

// SECURITY.md, Sessions [7.4.2, 7.4.5]: an administrator who ends their own
// sessions (or disables themselves, or changes their own role) is signed out
// by that response: the cookie is cleared, and there is no 500 for the
// session row that vanished mid-request.
func TestEndingYourOwnSessionsSignsYouOut(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	cases := []struct {
		name string
		path string
		form url.Values
	}{
		{"end own sessions", "/users/%s/sessions/end", nil},
		{"change own role", "/users/%s/role", url.Values{"role": {"helpdesk"}}},
		{"disable self", "/users/%s/disable", nil},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := "boss" + string(rune('a'+i))
			const pw = "Crimson-Atlas-Beacon-27"
			app.AddUser(t, name, auth.RoleAdmin, pw)
			c := app.SignIn(t, name, pw)
			c.Get("/users")
			r := c.PostForm(strings.Replace(tc.path, "%s", name, 1), tc.form)
			if r.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d, want 303; body %.300s", r.StatusCode, r.Body)
			}
			cks := sessionSetCookies(t, r)
			if len(cks) != 1 || cks[0].MaxAge >= 0 || !cks[0].Secure || cks[0].Path != "/" {
				t.Errorf("Set-Cookie %q, want the session cookie deleted (Secure, Path=/)", r.Header.Values("Set-Cookie"))
			}
			wantSignInRedirect(t, c.Get("/"), "the next request")
		})
	}
}

// TestGridPollsAreNotActivity: a result grid left open polls every 2 s; the
// polls must not keep an unattended session alive past its idle timeout.
func TestGridPollsAreNotActivity(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10, IdleTimeout: 30 * time.Minute})
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	poll := func() int {
		req, _ := http.NewRequest(http.MethodGet, app.URL+"/jobs/1/grid", nil)
		req.Header.Set("HX-Request", "true")
		req.Header.Set(views.BackgroundHeader, "poll")
		return c.Do(req).StatusCode
	}
	for range 20 { // 20 minutes of polling, nobody at the keyboard
		app.Clock.Advance(time.Minute)
		if s := poll(); s == http.StatusSeeOther || s == http.StatusUnauthorized {
			t.Fatalf("the session ended after %v; want it alive until the idle timeout", time.Minute)
		}
	}
	app.Clock.Advance(11 * time.Minute) // 31 minutes since the last real request
	if s := poll(); s != http.StatusUnauthorized {
		t.Errorf("a poll 31 minutes after the last user action = %d, want 401 (signed out)", s)
	}
	// A real page view is activity: a fresh session stays alive.
	c = app.SignIn(t, "helen", testapp.HelpdeskPassword)
	for range 40 {
		app.Clock.Advance(time.Minute)
		if r := c.Get("/jobs"); r.StatusCode != http.StatusOK {
			t.Fatalf("an active user was signed out: %d", r.StatusCode)
		}
	}
}
