package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"keybind/internal/auth"
	"keybind/internal/oidctest"
	"keybind/internal/sso"
	"keybind/internal/testapp"
	"keybind/web"
)

// Issue #13, items 1–5: single sign-on against a real OpenID Provider served
// on loopback (internal/oidctest), driven through the real console.

// The provider's groups that map to keybind's roles in these tests.
const (
	adminGroup    = "keybind-admins"
	helpdeskGroup = "keybind-helpdesk"
)

type ssoEnv struct {
	app *testapp.App
	op  *oidctest.Provider
}

// startSSO starts a provider with two people (carol in the helpdesk group,
// dave in none that maps) and a console that signs in through it.
func startSSO(t *testing.T, o testapp.Options) *ssoEnv {
	t.Helper()
	op := oidctest.Start(t)
	o.InstancesPerRegion = 10
	o.SSO = &sso.Config{Issuer: op.URL, ClientID: oidctest.ClientID, ClientSecret: oidctest.ClientSecret, ProviderName: "Example IdP",
		Roles: sso.RoleMapping{Admin: []string{adminGroup}, Helpdesk: []string{helpdeskGroup}}}
	app := testapp.New(t, o)
	op.AllowRedirects(app.URL+sso.CallbackPath, app.URL+"/login")
	op.AddPerson("carol", oidctest.Person{Subject: "sub-carol", PreferredUsername: "Carol", Email: "carol@example.com", Groups: []string{"staff", helpdeskGroup}})
	op.AddPerson("dave", oidctest.Person{Subject: "sub-dave", PreferredUsername: "dave", Email: "dave@example.com", Groups: []string{"staff"}})
	return &ssoEnv{app: app, op: op}
}

// begin asks the console to start a sign-in and returns the provider's
// authorization URL it redirected to.
func (e *ssoEnv) begin(t *testing.T, c *testapp.Client, next string) string {
	t.Helper()
	path := sso.StartPath
	if next != "" {
		path += "?next=" + url.QueryEscape(next)
	}
	r := c.Get(path)
	loc := r.Header.Get("Location")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, e.op.URL+"/authorize?") {
		t.Fatalf("GET %s: %d Location %q, want 303 to the provider", path, r.StatusCode, loc)
	}
	return loc
}

// callbackPath signs in at the provider and returns the console path it
// sends the browser back to.
func (e *ssoEnv) callbackPath(t *testing.T, authURL, login string) string {
	t.Helper()
	back := e.op.Authorize(t, authURL, login)
	if !strings.HasPrefix(back, e.app.URL+sso.CallbackPath+"?") {
		t.Fatalf("the provider sent the browser to %q, want the console's callback", back)
	}
	return strings.TrimPrefix(back, e.app.URL)
}

// signIn runs a whole sign-in in c and returns the callback's answer.
func (e *ssoEnv) signIn(t *testing.T, c *testapp.Client, login string) *testapp.Response {
	t.Helper()
	return c.Get(e.callbackPath(t, e.begin(t, c, ""), login))
}

// signedIn signs login in with a new client and checks it worked.
func (e *ssoEnv) signedIn(t *testing.T, login string) *testapp.Client {
	t.Helper()
	c := e.app.Client(t)
	c.Get("/login")
	r := e.signIn(t, c, login)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("sign in as %s: %d Location %q, want 303 to /; %.300s", login, r.StatusCode, r.Header.Get("Location"), r.Body)
	}
	return c
}

// wantRefused fails unless r is the single sign-on refusal page for reason
// with status.
func wantRefused(t *testing.T, r *testapp.Response, status int, reason string) {
	t.Helper()
	got, _ := "", false
	if r.Doc != nil {
		got, _ = r.Doc.Find(`[data-testid="sso-refused"]`).Attr("data-reason")
	}
	if r.StatusCode != status || got != reason {
		t.Fatalf("got %d reason %q, want %d %q; body %.400s", r.StatusCode, got, status, reason, r.Body)
	}
	if c := r.Header.Values("Set-Cookie"); strings.Contains(strings.Join(c, "\n"), web.CookieName+"=") &&
		!strings.Contains(strings.Join(c, "\n"), web.CookieName+"=;") {
		t.Errorf("a refused sign-in set a session cookie: %q", c)
	}
}

// lastLogin is the newest auth.login audit entry.
func lastLogin(t *testing.T, app *testapp.App) auditEntry {
	t.Helper()
	all := auditEntries(t, app, auth.ActionLogin)
	if len(all) == 0 {
		t.Fatal("no auth.login audit entry")
	}
	return all[len(all)-1]
}

// Item 1 and 4: discovery, the code flow with PKCE (the provider refuses a
// request without a S256 challenge and checks the verifier), and a session
// made exactly like a password sign-in's: a new ID, the same cookie flags,
// the pre-sign-in and flow cookies cleared, the way back to `next`.
func TestSSOSignIn(t *testing.T) {
	e := startSSO(t, testapp.Options{})
	c := e.app.Client(t)
	login := c.Get("/login")
	if href, _ := login.Doc.Find(`[data-testid="sso-button"]`).Attr("href"); href != "/login/sso?next=%2F" ||
		!strings.Contains(login.Doc.Find(`[data-testid="sso-button"]`).Text(), "Sign in with Example IdP") {
		t.Errorf("sign-in page: SSO button %q %q", href, login.Doc.Find(`[data-testid="sso-button"]`).Text())
	}
	if login.Doc.Find(`[data-testid="login-form"]`).Length() != 1 {
		t.Error("with password sign-in on, the form should stay")
	}

	authURL := e.begin(t, c, "/jobs")
	q := mustParse(t, authURL).Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" || q.Get("nonce") == "" {
		t.Errorf("authorization request %s: want a S256 code challenge, state and nonce", authURL)
	}
	flow := c.Cookie(web.SSOFlowCookieName)
	if flow == nil {
		t.Fatal("no flow cookie after the redirect to the provider")
	}
	for _, secret := range []string{q.Get("state"), q.Get("nonce")} {
		if strings.Contains(flow.Value, secret) {
			t.Error("the flow cookie carries the state or nonce in clear")
		}
	}

	r := c.Get(e.callbackPath(t, authURL, "carol"))
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/jobs" {
		t.Fatalf("callback: %d Location %q, want 303 to /jobs; %.300s", r.StatusCode, r.Header.Get("Location"), r.Body)
	}
	if e.op.TokenRequests() != 1 {
		t.Errorf("token requests %d, want 1", e.op.TokenRequests())
	}
	seen := map[string]bool{}
	for _, line := range r.Header.Values("Set-Cookie") {
		ck, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatal(err)
		}
		seen[ck.Name] = true
		if ck.Path != "/" || ck.Domain != "" || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
			t.Errorf("cookie %s: %q, want Path=/ Secure HttpOnly SameSite=Lax", ck.Name, line)
		}
		if ck.Name == web.CookieName && (ck.MaxAge != 0 || !ck.Expires.IsZero()) {
			t.Errorf("session cookie %q: want a browser-session cookie as for a password sign-in", line)
		}
	}
	if !seen[web.CookieName] || c.Cookie(web.SSOFlowCookieName) != nil || c.Cookie(web.PreLoginCookieName) != nil {
		t.Errorf("cookies after the callback: set %v; flow cookie left %v, pre-login left %v", seen,
			c.Cookie(web.SSOFlowCookieName) != nil, c.Cookie(web.PreLoginCookieName) != nil)
	}
	if !sessionRowExists(t, e.app, sessionCookie(t, c)) {
		t.Error("the session has no row")
	}
	home := c.Get("/")
	wantPage(t, home, "GET / after single sign-on")
	if got := strings.TrimSpace(home.Doc.Find(`[data-testid="current-user"]`).Text()); got != "carol (helpdesk)" {
		t.Errorf("signed in as %q, want carol (helpdesk)", got)
	}
	account := c.Get("/account")
	if account.Doc.Find(`[data-testid="account-sso"]`).Length() != 1 || account.Doc.Find(`[data-testid="password-form"]`).Length() != 0 {
		t.Error("the account page of an SSO user offers a password change")
	}

	u, err := e.app.Auth.User(context.Background(), "carol")
	if err != nil || !u.SSO || u.Role != auth.RoleHelpdesk {
		t.Errorf("account made at the first sign-in: %+v, %v", u, err)
	}
	if got := lastLogin(t, e.app); got.Username != "carol" || got.Outcome != "success" || got.Detail != `single sign-on: groups ["staff" "keybind-helpdesk"]` {
		t.Errorf("audit %+v", got)
	}
	if got := auditEntries(t, e.app, auth.ActionUserCreate); len(got) == 0 || !strings.Contains(got[len(got)-1].Detail, "carol: created by single sign-on with role helpdesk") {
		t.Errorf("user.create audit %+v", got)
	}

	// The same person again (another browser): the same account, a new session.
	other := e.signedIn(t, "carol")
	if sessionCookie(t, other) == sessionCookie(t, c) || countSessions(t, e.app, u.ID) != 2 {
		t.Errorf("a second sign-in: want a second session of the same account (sessions %d)", countSessions(t, e.app, u.ID))
	}
}

// Item 5 and the guidance: a wrong or missing state is refused with a 400
// page and audited; nobody is signed in.
func TestSSOWrongStateIsRefused(t *testing.T) {
	e := startSSO(t, testapp.Options{})
	c := e.app.Client(t)
	path := e.callbackPath(t, e.begin(t, c, ""), "carol")
	u := mustParse(t, path)
	q := u.Query()
	q.Set("state", "forged-"+q.Get("state"))
	u.RawQuery = q.Encode()
	wantRefused(t, c.Get(u.String()), http.StatusBadRequest, "sso_state")
	if got := lastLogin(t, e.app); got.Outcome != "failure" || !strings.Contains(got.Detail, "state does not match") {
		t.Errorf("audit %+v, want a failure naming the state", got)
	}
	// The flow cookie was used up by that attempt: the right state fails too.
	wantRefused(t, c.Get(path), http.StatusBadRequest, "sso_state")

	// A callback in a browser that never started a sign-in.
	stranger := e.app.Client(t)
	wantRefused(t, stranger.Get(e.callbackPath(t, e.begin(t, e.app.Client(t), ""), "carol")), http.StatusBadRequest, "sso_state")
	if got := lastLogin(t, e.app); !strings.Contains(got.Detail, "no sign-in in progress in this browser") {
		t.Errorf("audit %+v", got)
	}
	if _, err := e.app.Auth.User(context.Background(), "carol"); err == nil {
		t.Error("a refused callback made an account")
	}
}

// Item 5: a code is used once. The same callback replayed in the browser is
// refused (its flow is used up); the code replayed under a new flow is
// refused by the provider; another browser's unused code fails PKCE.
func TestSSOReplayedCodeIsRefused(t *testing.T) {
	e := startSSO(t, testapp.Options{})
	c := e.app.Client(t)
	path := e.callbackPath(t, e.begin(t, c, ""), "carol")
	if r := c.Get(path); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("first use: %d", r.StatusCode)
	}
	wantRefused(t, c.Get(path), http.StatusBadRequest, "sso_state")

	// The same code with the state of a new flow (in a browser that is not
	// signed in, or the console would not start one).
	code := mustParse(t, path).Query().Get("code")
	again := e.app.Client(t)
	fresh := mustParse(t, e.begin(t, again, "")).Query().Get("state")
	wantRefused(t, again.Get(sso.CallbackPath+"?"+url.Values{"code": {code}, "state": {fresh}}.Encode()), http.StatusBadRequest, "sso_exchange")
	if got := lastLogin(t, e.app); got.Outcome != "failure" || !strings.Contains(got.Detail, "invalid_grant") {
		t.Errorf("audit %+v, want the provider's refusal", got)
	}

	// A code injected into another browser's flow: the verifier differs.
	victim := e.app.Client(t)
	stolen := mustParse(t, e.callbackPath(t, e.begin(t, victim, ""), "carol")).Query().Get("code")
	attacker := e.app.Client(t)
	state := mustParse(t, e.begin(t, attacker, "")).Query().Get("state")
	wantRefused(t, attacker.Get(sso.CallbackPath+"?"+url.Values{"code": {stolen}, "state": {state}}.Encode()), http.StatusBadRequest, "sso_exchange")
	if got := lastLogin(t, e.app); !strings.Contains(got.Detail, "code_verifier") {
		t.Errorf("audit %+v, want the provider's PKCE refusal", got)
	}
}

// Item 5: an expired ID token and one signed with a key the provider does
// not publish are refused (401) and audited.
func TestSSOExpiredAndForgedTokensAreRefused(t *testing.T) {
	e := startSSO(t, testapp.Options{})

	e.op.SetIDTokenLifetime(time.Minute)
	c := e.app.Client(t)
	path := e.callbackPath(t, e.begin(t, c, ""), "carol")
	e.app.Clock.Advance(2 * time.Minute) // the console's clock, which verifies
	wantRefused(t, c.Get(path), http.StatusUnauthorized, "sso_token_expired")
	if got := lastLogin(t, e.app); got.Outcome != "failure" || !strings.Contains(got.Detail, "expired") {
		t.Errorf("audit %+v", got)
	}
	e.op.SetIDTokenLifetime(5 * time.Minute)

	e.op.Forge(t, true)
	wantRefused(t, e.signIn(t, e.app.Client(t), "carol"), http.StatusUnauthorized, "sso_token")
	if got := lastLogin(t, e.app); got.Outcome != "failure" || !strings.Contains(got.Detail, "signature") {
		t.Errorf("audit %+v", got)
	}
	if _, err := e.app.Auth.User(context.Background(), "carol"); err == nil {
		t.Error("a refused token made an account")
	}
	e.op.Forge(t, false)
	e.signedIn(t, "carol")
}

// Item 5: the provider rotates its signing key between two sign-ins; the
// console fetches the new key and the second sign-in verifies.
func TestSSOFollowsKeyRotation(t *testing.T) {
	e := startSSO(t, testapp.Options{})
	e.signedIn(t, "carol")
	if n := e.op.KeyFetches(); n != 1 {
		t.Fatalf("key fetches after the first sign-in: %d, want 1", n)
	}
	e.signedIn(t, "carol")
	if n := e.op.KeyFetches(); n != 1 {
		t.Fatalf("key fetches after a second sign-in with the same key: %d, want 1 (cached)", n)
	}
	e.op.RotateKey(t)
	e.signedIn(t, "carol")
	if n := e.op.KeyFetches(); n != 2 {
		t.Errorf("key fetches after the rotation: %d, want 2", n)
	}
}

// Item 2 and 5: a person whose groups map to no role is refused with a
// clear page and audited; one removed from the group loses access at the
// next sign-in, and their open sessions end.
func TestSSOPersonWithoutARoleIsRefused(t *testing.T) {
	e := startSSO(t, testapp.Options{})
	r := e.signIn(t, e.app.Client(t), "dave")
	wantRefused(t, r, http.StatusForbidden, "sso_no_role")
	if msg := r.Doc.Find(`[data-testid="sso-refused-message"]`).Text(); !strings.Contains(msg, "as dave") || !strings.Contains(msg, "Example IdP") {
		t.Errorf("refusal message %q", msg)
	}
	if got := lastLogin(t, e.app); got.Username != "dave" || got.Outcome != "failure" || got.Detail != `single sign-on: no role for groups ["staff"]` {
		t.Errorf("audit %+v", got)
	}
	if _, err := e.app.Auth.User(context.Background(), "dave"); err == nil {
		t.Error("a person without a role got an account")
	}

	c := e.signedIn(t, "carol")
	e.op.SetGroups("carol", "staff")
	wantRefused(t, e.signIn(t, e.app.Client(t), "carol"), http.StatusForbidden, "sso_no_role")
	wantSignInRedirect(t, c.Get("/"), "carol's open session after a sign-in without a role")
	if got := lastLogin(t, e.app); !strings.Contains(got.Detail, "1 sessions ended") || got.Role != "helpdesk" {
		t.Errorf("audit %+v", got)
	}
}

// Item 2 and 5: the role is re-read at every sign-in; a changed group
// changes the role and ends the other sessions; an admin can end a
// person's sessions at once.
func TestSSOGroupChangeBetweenSignIns(t *testing.T) {
	e := startSSO(t, testapp.Options{})
	first := e.signedIn(t, "carol")
	if got := strings.TrimSpace(first.Get("/").Doc.Find(`[data-testid="current-user"]`).Text()); got != "carol (helpdesk)" {
		t.Fatalf("first sign-in as %q", got)
	}
	if r := first.Get("/users"); r.StatusCode != http.StatusForbidden {
		t.Errorf("helpdesk GET /users: %d, want 403", r.StatusCode)
	}

	e.op.SetGroups("carol", adminGroup)
	second := e.signedIn(t, "carol")
	if got := strings.TrimSpace(second.Get("/").Doc.Find(`[data-testid="current-user"]`).Text()); got != "carol (admin)" {
		t.Errorf("second sign-in as %q, want carol (admin)", got)
	}
	if r := second.Get("/users"); r.StatusCode != http.StatusOK {
		t.Errorf("admin GET /users: %d, want 200", r.StatusCode)
	}
	wantSignInRedirect(t, first.Get("/"), "the session from before the role change")
	if got := auditEntries(t, e.app, auth.ActionUserSSORole); len(got) != 1 || !strings.Contains(got[0].Detail, "role helpdesk → admin") {
		t.Errorf("role change audit %+v", got)
	}

	admin := e.app.SignIn(t, "admin", testapp.AdminPassword)
	admin.Get("/users")
	if r := admin.PostForm("/users/carol/sessions/end", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("end carol's sessions: %d", r.StatusCode)
	}
	wantSignInRedirect(t, second.Get("/"), "carol after an admin ended her sessions")
}

// Item 1 and the guidance: the provider need not be reachable at start;
// while it is not, the sign-in says so (503), and it is tried again later
// without a restart.
func TestSSOProviderNotReachable(t *testing.T) {
	e := startSSO(t, testapp.Options{})
	e.op.SetDown(true)
	c := e.app.Client(t)
	r := c.Get(sso.StartPath)
	wantRefused(t, r, http.StatusServiceUnavailable, "sso_unavailable")
	if msg := r.Doc.Find(`[data-testid="sso-refused-message"]`).Text(); !strings.Contains(msg, "cannot reach Example IdP") {
		t.Errorf("message %q", msg)
	}
	if c.Cookie(web.SSOFlowCookieName) != nil {
		t.Error("a flow cookie although no sign-in started")
	}
	wantPage(t, e.app.SignIn(t, "admin", testapp.AdminPassword).Get("/"), "password sign-in while the provider is down")

	e.op.SetDown(false)
	wantRefused(t, c.Get(sso.StartPath), http.StatusServiceUnavailable, "sso_unavailable") // within the retry delay
	e.app.Clock.Advance(sso.DefaultRetryAfter)
	e.signedIn(t, "carol")
}

// Item 3: with password sign-in off, the page offers only the provider;
// a password sign-in is refused (403, audited) except for the break-glass
// administrators, who find the form at /login?break-glass=1.
func TestPasswordSignInOff(t *testing.T) {
	e := startSSO(t, testapp.Options{PasswordLogin: auth.PasswordLogin{Off: true, BreakGlass: []string{"admin"}}})
	c := e.app.Client(t)
	page := c.Get("/login")
	if page.Doc.Find(`[data-testid="login-form"]`).Length() != 0 || page.Doc.Find(`[data-testid="sso-button"]`).Length() != 1 {
		t.Errorf("sign-in page: want only the provider's button; %.500s", page.Doc.Find("main").Text())
	}
	if page.Doc.Find(`form:not(.lang-switch) input[name="csrf_token"]`).Length() != 0 {
		t.Error("the sign-in page without a form carries a CSRF token outside the language switch")
	}
	c.Get("/login?break-glass=1") // the token a hand-made form post would need
	r := c.PostForm("/login", url.Values{"username": {"helen"}, "password": {testapp.HelpdeskPassword}})
	if r.StatusCode != http.StatusForbidden || !strings.Contains(loginError(r), "Password sign-in is turned off. Sign in with Example IdP.") {
		t.Errorf("helen's password sign-in: %d %q, want 403", r.StatusCode, loginError(r))
	}
	if got := lastLogin(t, e.app); got.Username != "helen" || got.Outcome != "failure" || !strings.Contains(got.Detail, "password sign-in is off") {
		t.Errorf("audit %+v", got)
	}
	if c.Cookie(web.CookieName) != nil {
		t.Error("a refused password sign-in got a session")
	}
	if f := c.Get("/login?break-glass=1").Doc.Find(`[data-testid="login-form"]`); f.Length() != 1 {
		t.Error("/login?break-glass=1 does not show the form")
	}
	glass := e.app.Client(t)
	glass.Get("/login?break-glass=1")
	if r := glass.PostForm("/login", url.Values{"username": {"admin"}, "password": {testapp.AdminPassword}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("the break-glass admin's password sign-in: %d %q, want 303", r.StatusCode, loginError(r))
	}
	wantPage(t, glass.Get("/"), "the break-glass admin signed in")
	e.signedIn(t, "carol")
}

// An SSO account has no password: a password sign-in is refused like a
// wrong password; an SSO sign-in never takes over a local account of the
// same name.
func TestSSOAccountsAndLocalAccountsStayApart(t *testing.T) {
	e := startSSO(t, testapp.Options{})
	e.signedIn(t, "carol")
	r := signInAttempt(t, e.app, e.app.Client(t), "carol", "Any-Password-At-All-1", nil)
	if r.StatusCode != http.StatusUnauthorized || loginError(r) != "Wrong username or password." {
		t.Errorf("password sign-in of an SSO account: %d %q, want 401 as for a wrong password", r.StatusCode, loginError(r))
	}
	if got := lastLogin(t, e.app); !strings.Contains(got.Detail, "single sign-on account") {
		t.Errorf("audit %+v", got)
	}

	e.op.AddPerson("helen", oidctest.Person{Subject: "sub-other-helen", PreferredUsername: "helen", Groups: []string{adminGroup}})
	r = e.signIn(t, e.app.Client(t), "helen")
	wantRefused(t, r, http.StatusConflict, "sso_name_taken")
	if got := lastLogin(t, e.app); !strings.Contains(got.Detail, `not linked to subject "sub-other-helen"`) {
		t.Errorf("audit %+v", got)
	}
	u, err := e.app.Auth.User(context.Background(), "helen")
	if err != nil || u.SSO || u.Role != auth.RoleHelpdesk {
		t.Errorf("the local helen after the attempt: %+v, %v; want her unchanged", u, err)
	}
	wantPage(t, e.app.SignIn(t, "helen", testapp.HelpdeskPassword).Get("/"), "the local helen's own sign-in")
}

// Item 4: SSO sessions follow the idle and absolute timeouts; sign-out
// revokes the row and offers the provider's end-session page, which comes
// back to the sign-in page.
func TestSSOSessionTimeoutsAndSignOut(t *testing.T) {
	e := startSSO(t, testapp.Options{})
	// The console's clock runs ahead of the provider's in this test; its
	// tokens must outlive that.
	e.op.SetIDTokenLifetime(2 * auth.DefaultAbsoluteTimeout)

	c := e.signedIn(t, "carol")
	e.app.Clock.Advance(auth.DefaultIdleTimeout)
	wantSignInRedirect(t, c.Get("/"), "an SSO session after 30 idle minutes")

	c = e.signedIn(t, "carol")
	for elapsed := time.Duration(0); elapsed < auth.DefaultAbsoluteTimeout-25*time.Minute; elapsed += 25 * time.Minute {
		e.app.Clock.Advance(25 * time.Minute)
		wantPage(t, c.Get("/"), "an active SSO session")
	}
	e.app.Clock.Advance(25 * time.Minute)
	wantSignInRedirect(t, c.Get("/"), "an SSO session past the absolute timeout")

	c = e.signedIn(t, "carol")
	c.Get("/")
	copied := sessionCookie(t, c)
	r := c.PostForm("/logout", nil)
	if r.StatusCode != http.StatusOK || r.Doc.Find(`[data-testid="signed-out"]`).Length() != 1 {
		t.Fatalf("sign-out: %d, want the signed-out page; %.300s", r.StatusCode, r.Body)
	}
	if r.Doc.Find(`[data-testid="current-user"]`).Length() != 0 {
		t.Error("the signed-out page shows a signed-in user")
	}
	end, _ := r.Doc.Find(`[data-testid="end-provider-session"]`).Attr("href")
	q := mustParse(t, end).Query()
	if !strings.HasPrefix(end, e.op.URL+"/end_session?") || q.Get("id_token_hint") == "" || q.Get("post_logout_redirect_uri") != e.app.URL+"/login" {
		t.Errorf("end-session link %q", end)
	}
	if sessionRowExists(t, e.app, copied) {
		t.Error("the session row survived sign-out")
	}
	wantSignInRedirect(t, e.app.ClientWithCookie(t, web.CookieName, copied).Get("/"), "the copied cookie after sign-out")
	for _, ck := range c.HTTP.Jar.Cookies(mustParse(t, e.app.URL)) {
		if strings.Contains(ck.Value, q.Get("id_token_hint")) {
			t.Errorf("cookie %s carries the ID token", ck.Name)
		}
	}
	// The provider accepts the hint and comes back to the sign-in page.
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(end)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 != 3 || !strings.HasPrefix(loc, e.app.URL+"/login") {
		t.Errorf("the provider's end-session page: %d Location %q, want back to the sign-in page", resp.StatusCode, loc)
	}
	if got := auditEntries(t, e.app, auth.ActionLogout); len(got) != 1 || got[0].Detail != "single sign-on session" {
		t.Errorf("logout audit %+v", got)
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
