package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"keybind/internal/auth"
	"keybind/internal/testapp"
)

// signInAttempt posts the sign-in form from a fresh page with extra headers.
func signInAttempt(t *testing.T, app *testapp.App, c *testapp.Client, username, password string, header http.Header) *testapp.Response {
	t.Helper()
	c.Get("/login")
	return formPost(t, app, c, "/login", url.Values{"username": {username}, "password": {password}}, header)
}

// loginError is the error the sign-in page shows, or "".
func loginError(r *testapp.Response) string {
	if r.Doc == nil {
		return ""
	}
	return strings.TrimSpace(r.Doc.Find(`[data-testid="login-error"]`).Text())
}

// SECURITY.md, Authentication: login errors never say whether the user
// exists. An unknown user, a wrong password and a disabled account get the
// same status, message and page.
func TestSignInErrorsDoNotRevealTheUser(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	app.AddUser(t, "dora", auth.RoleHelpdesk, "Saffron-Glacier-Puzzle-58")
	if err := app.Auth.Disable(context.Background(), auth.LocalActor(), "dora"); err != nil {
		t.Fatal(err)
	}
	type outcome struct {
		Status     int
		RetryAfter string
		Error      string
		Main       string // the page's text
	}
	try := func(user, pw string) outcome {
		r := signInAttempt(t, app, app.Client(t), user, pw, nil)
		o := outcome{Status: r.StatusCode, RetryAfter: r.Header.Get("Retry-After"), Error: loginError(r)}
		if r.Doc != nil {
			o.Main = strings.Join(strings.Fields(r.Doc.Find("main").Text()), " ")
		}
		return o
	}
	want := try("nobody-here", "Saffron-Glacier-Puzzle-58")
	if want.Status != http.StatusUnauthorized || want.Error != "Wrong username or password." {
		t.Fatalf("unknown user: got %d %q, want 401 %q", want.Status, want.Error, "Wrong username or password.")
	}
	for _, tc := range []struct{ name, user, pw string }{
		{"wrong password", "helen", "Saffron-Glacier-Puzzle-58"},
		{"disabled account, right password", "dora", "Saffron-Glacier-Puzzle-58"},
		{"existing user, differently cased", "HELEN", "Saffron-Glacier-Puzzle-58"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := try(tc.user, tc.pw); got != want {
				t.Errorf("got %+v\nwant (as for an unknown user) %+v", got, want)
			}
		})
	}
}

// SECURITY.md, Authentication [6.3.1]: a failure counter per account and
// client address with a growing delay, the same for unknown users, and no
// permanent lockout. (Per address and the per-account backstop:
// lockout_test.go.)
func TestSignInThrottlingPerAccountAndAddress(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	const wrong = "Not-The-Password-123"

	type step struct {
		Status     int
		RetryAfter int
	}
	// run makes five free failures from ip, then alternates: an attempt
	// while throttled, then an attempt once the delay has passed.
	run := func(ip, user string) []step {
		c := app.ClientFrom(t, ip)
		var got []step
		for range 5 {
			r := signInAttempt(t, app, c, user, wrong, nil)
			got = append(got, step{r.StatusCode, 0})
		}
		for range 11 {
			r := signInAttempt(t, app, c, user, wrong, nil)
			ra, _ := strconv.Atoi(r.Header.Get("Retry-After"))
			got = append(got, step{r.StatusCode, ra})
			if r.StatusCode == http.StatusTooManyRequests {
				if msg := loginError(r); !strings.Contains(msg, "for this account") {
					t.Errorf("%s throttled: message %q, want it to name the account limit", user, msg)
				}
				app.Clock.Advance(time.Duration(ra) * time.Second)
				r = signInAttempt(t, app, c, user, wrong, nil)
				got = append(got, step{r.StatusCode, 0})
			}
		}
		return got
	}
	var want []step
	for range 5 {
		want = append(want, step{http.StatusUnauthorized, 0})
	}
	for _, wait := range []int{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900} {
		want = append(want, step{http.StatusTooManyRequests, wait}, step{http.StatusUnauthorized, 0})
	}

	known := run("127.0.0.1", "helen")
	if fmt.Sprint(known) != fmt.Sprint(want) {
		t.Errorf("existing user: got\n%v\nwant\n%v", known, want)
	}
	// While throttled, even the right password is not checked; once the
	// (capped) delay has passed, it signs in: no permanent lockout. From
	// another address it signs in at once.
	if r := signInAttempt(t, app, app.ClientFrom(t, "127.0.0.1"), "helen", testapp.HelpdeskPassword, nil); r.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password while throttled: status %d, want 429", r.StatusCode)
	}
	if r := signInAttempt(t, app, app.ClientFrom(t, "127.0.0.3"), "helen", testapp.HelpdeskPassword, nil); r.StatusCode != http.StatusSeeOther {
		t.Errorf("right password from another address meanwhile: status %d, want 303", r.StatusCode)
	}
	app.Clock.Advance(15 * time.Minute)
	if r := signInAttempt(t, app, app.ClientFrom(t, "127.0.0.1"), "helen", testapp.HelpdeskPassword, nil); r.StatusCode != http.StatusSeeOther {
		t.Errorf("right password after 15 minutes: status %d, want 303", r.StatusCode)
	}

	unknown := run("127.0.0.4", "no-such-user")
	if fmt.Sprint(unknown) != fmt.Sprint(want) {
		t.Errorf("unknown user is throttled differently: got\n%v\nwant (as helen)\n%v", unknown, want)
	}
}

// SECURITY.md, Authentication [6.3.1]: a per-IP rate limit on POST /login
// with a correct IP extractor. X-Forwarded-For counts only when the peer is
// a configured trusted proxy, and then only its rightmost untrusted entry.
func TestSignInThrottlingPerIP(t *testing.T) {
	const burst = 10 // the limiter's burst in routes.go
	spoofed := func(client string) http.Header {
		return http.Header{"X-Forwarded-For": {"198.51.100.66, " + client}}
	}
	cases := []struct {
		name    string
		trusted []netip.Prefix
		// what the console should take as the client's address
		wantIP string
		// whether another client behind the same peer gets through
		otherAllowed bool
	}{
		{"no trusted proxies", nil, "127.0.0.1", false},
		{"peer is not a trusted proxy", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "127.0.0.1", false},
		{"peer is a trusted proxy", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "203.0.113.7", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app := testapp.New(t, testapp.Options{InstancesPerRegion: 10, LoginRate: 1e-6, TrustedProxies: tc.trusted})
			c := app.Client(t)
			for i := range burst {
				r := signInAttempt(t, app, c, fmt.Sprintf("guess%d", i), "Wrong-Password-000", spoofed("203.0.113.7"))
				if r.StatusCode != http.StatusUnauthorized {
					t.Fatalf("attempt %d within the burst: status %d, want 401", i+1, r.StatusCode)
				}
			}
			for _, e := range auditEntries(t, app, auth.ActionLogin) {
				if e.ClientIP != tc.wantIP {
					t.Fatalf("audit client IP %q, want %q", e.ClientIP, tc.wantIP)
				}
			}

			r := signInAttempt(t, app, c, "guess-other", "Wrong-Password-000", spoofed("203.0.113.8"))
			if tc.otherAllowed && r.StatusCode != http.StatusUnauthorized {
				t.Errorf("another client behind the trusted proxy: status %d, want 401 (its own limit)", r.StatusCode)
			}
			if !tc.otherAllowed && r.StatusCode != http.StatusTooManyRequests {
				t.Errorf("a new X-Forwarded-For from an untrusted peer: status %d, want 429", r.StatusCode)
			}

			r = signInAttempt(t, app, c, "helen", testapp.HelpdeskPassword, http.Header{"X-Forwarded-For": {"203.0.113.7"}})
			if r.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("the limited address again: status %d, want 429", r.StatusCode)
			}
			if msg := loginError(r); !strings.Contains(msg, "from your address") {
				t.Errorf("message %q, want it to name the address limit", msg)
			}
			if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra <= 0 {
				t.Errorf("Retry-After %q, want a positive number of seconds", r.Header.Get("Retry-After"))
			}
		})
	}
}

// SECURITY.md, Authentication [6.2.x]: a password of the maximum length
// (256 characters, any script) round-trips through the forms untruncated.
func TestMaximumLengthPasswordRoundTrips(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	runes := func(s string, n int) string {
		r := []rune(strings.Repeat(s, n))
		return string(r[:n])
	}
	ascii := runes("Correct-Horse-Battery-Staple-", auth.MaxPasswordLen)
	nonLatin := runes("Пароль-密码-كلمة-Ω ", auth.MaxPasswordLen)
	app.AddUser(t, "max", auth.RoleHelpdesk, ascii)

	c := app.Client(t)
	page := c.Get("/login")
	if ml, ok := page.Doc.Find(`[data-testid="login-form"] input[name="password"]`).Attr("maxlength"); ok {
		if n, _ := strconv.Atoi(ml); n < auth.MaxPasswordLen {
			t.Errorf("sign-in password maxlength=%s would truncate a %d-character password", ml, auth.MaxPasswordLen)
		}
	}
	if r := signInAttempt(t, app, c, "max", ascii[:auth.MaxPasswordLen-1], nil); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the password without its last character: status %d, want 401 (no truncation)", r.StatusCode)
	}
	if r := signInAttempt(t, app, c, "max", ascii, nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in with a %d-character password: status %d, want 303", auth.MaxPasswordLen, r.StatusCode)
	}

	acc := c.Get("/account")
	for _, field := range []string{"current", "next", "confirm"} {
		if ml, ok := acc.Doc.Find(`[data-testid="password-form"] input[name="` + field + `"]`).Attr("maxlength"); ok {
			if n, _ := strconv.Atoi(ml); n < auth.MaxPasswordLen {
				t.Errorf("account field %s maxlength=%s would truncate a %d-character password", field, ml, auth.MaxPasswordLen)
			}
		}
	}
	tooLong := nonLatin + "x"
	r := c.PostForm("/account/password", url.Values{"current": {ascii}, "next": {tooLong}, "confirm": {tooLong}})
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a %d-character new password: status %d, want 422", auth.MaxPasswordLen+1, r.StatusCode)
	}
	r = c.PostForm("/account/password", url.Values{"current": {ascii}, "next": {nonLatin}, "confirm": {nonLatin}})
	if loc := r.Header.Get("Location"); r.StatusCode != http.StatusSeeOther || loc != "/login?changed=1" {
		t.Fatalf("change to a %d-character non-Latin password: got %d Location %q, want 303 to /login?changed=1; body %.300s",
			auth.MaxPasswordLen, r.StatusCode, loc, r.Body)
	}
	wantPage(t, app.SignIn(t, "max", nonLatin).Get("/"), "signed in with the non-Latin password")
}

// browserTarget resolves a Location header as a browser would: it strips
// leading and trailing controls and spaces, removes tabs and newlines
// anywhere, and reads backslashes as slashes (WHATWG URL).
func browserTarget(base, loc string) (*url.URL, error) {
	loc = strings.TrimFunc(loc, func(r rune) bool { return r <= ' ' })
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "", `\`, "/").Replace(loc)
	b, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	return b.Parse(loc)
}

// SECURITY.md (ASVS 3.7.2, unvalidated redirects): the `next` parameter of
// sign-in never sends the browser off-site.
func TestSignInNextIsNeverAnOpenRedirect(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	host := strings.TrimPrefix(app.URL, "http://")
	hostile := []string{
		"https://evil.example/",
		"//evil.example",
		`/\evil.example`,
		`\\evil.example`,
		"/\t/evil.example",
		"/\n/evil.example",
		"\t//evil.example",
		" //evil.example",
		"javascript:alert(1)",
		"http:evil.example",
		"/%2F%2Fevil.example",
	}
	for _, next := range hostile {
		t.Run(fmt.Sprintf("%q", next), func(t *testing.T) {
			c := app.Client(t)
			form := c.Get("/login?next=" + url.QueryEscape(next))
			if v, _ := form.Doc.Find(`input[name="next"]`).Attr("value"); offSite(t, app.URL, host, v) {
				t.Errorf("sign-in form carries next=%q", v)
			}
			r := c.PostForm("/login", url.Values{"username": {"helen"}, "password": {testapp.HelpdeskPassword}, "next": {next}})
			if r.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign in: status %d, want 303", r.StatusCode)
			}
			if loc := r.Header.Get("Location"); offSite(t, app.URL, host, loc) {
				t.Errorf("after sign-in: Location %q leaves the site", loc)
			}
			// Already signed in, GET /login?next= redirects at once.
			if loc := c.Get("/login?next=" + url.QueryEscape(next)).Header.Get("Location"); offSite(t, app.URL, host, loc) {
				t.Errorf("signed in: Location %q leaves the site", loc)
			}
		})
	}

	t.Run("a page on the site is kept", func(t *testing.T) {
		c := app.Client(t)
		r := c.Get("/jobs?page=2")
		wantSignInRedirect(t, r, "GET /jobs signed out")
		form := c.Get(r.Header.Get("Location"))
		next, _ := form.Doc.Find(`input[name="next"]`).Attr("value")
		r = c.PostForm("/login", url.Values{"username": {"helen"}, "password": {testapp.HelpdeskPassword}, "next": {next}})
		if loc := r.Header.Get("Location"); loc != "/jobs?page=2" {
			t.Errorf("after sign-in: Location %q, want /jobs?page=2", loc)
		}
	})
}

// offSite reports whether a redirect target leaves the console's origin.
func offSite(t *testing.T, base, host, loc string) bool {
	t.Helper()
	u, err := browserTarget(base, loc)
	if err != nil {
		return false // the browser would not follow it either
	}
	return u.Host != host || (u.Scheme != "http" && u.Scheme != "https")
}

// SECURITY.md, ASVS 6.4.1: a user whose password an administrator chose must
// change it before doing anything else.
func TestMustChangePasswordGoesToAccountFirst(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	admin := app.SignIn(t, "admin", testapp.AdminPassword)
	admin.Get("/users")
	r := admin.PostForm("/users", url.Values{"name": {"newbie"}, "role": {"helpdesk"}})
	generated := strings.TrimSpace(r.Doc.Find(`[data-testid="generated-password-value"]`).Text())
	if r.StatusCode != http.StatusOK || generated == "" {
		t.Fatalf("create user: status %d, generated password %q", r.StatusCode, generated)
	}

	c := app.SignIn(t, "newbie", generated)
	for _, path := range []string{"/", "/bind", "/jobs", "/users"} {
		r := c.Get(path)
		if loc := r.Header.Get("Location"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/account") {
			t.Errorf("GET %s: got %d Location %q, want 303 to /account", path, r.StatusCode, loc)
		}
	}
	r = c.GetHTMX("/jobs")
	if r.StatusCode != http.StatusForbidden {
		t.Errorf("htmx GET /jobs: status %d, want 403", r.StatusCode)
	}
	acc := c.Get("/account?first=1")
	wantPage(t, acc, "GET /account")
	if acc.Doc.Find(`[data-testid="account-notice"]`).Length() != 1 {
		t.Error("the account page does not ask for a new password")
	}
	const chosen = "Marble-Comet-Lighthouse-64"
	r = c.PostForm("/account/password", url.Values{"current": {generated}, "next": {chosen}, "confirm": {chosen}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("change password: status %d, want 303", r.StatusCode)
	}
	c = app.SignIn(t, "newbie", chosen)
	wantPage(t, c.Get("/"), "GET / after choosing a password")
	if c.Get("/account").Doc.Find(`[data-testid="account-notice"]`).Length() != 0 {
		t.Error("the account page still asks for a new password")
	}
}
