package web_test

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"keybind/internal/auth"
	"keybind/internal/testapp"
	"keybind/web"
)

const wrongPassword = "Not-The-Password-123"

// Issue #11, item 1 / SECURITY.md, Authentication [6.3.1]: no lockout an
// attacker can trigger. An attacker at 127.0.0.2 guesses admin's password
// until held back, then again each time Retry-After expires; each time,
// while the attacker is held back, the person signs in from a new browser
// at 127.0.0.1 (the console trusts no proxy, so it reads the TCP peer
// address), and the attacker is still held back afterwards.
func TestAttackerElsewhereCannotKeepThePersonOut(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	attacker := app.ClientFrom(t, "127.0.0.2")
	var guesses int
	for round := range 25 {
		var wait int
		for wait == 0 {
			r := signInAttempt(t, app, attacker, "admin", wrongPassword, nil)
			switch r.StatusCode {
			case http.StatusUnauthorized:
				if guesses++; guesses > 100 {
					t.Fatal("the attacker is never held back")
				}
			case http.StatusTooManyRequests:
				var err error
				if wait, err = strconv.Atoi(r.Header.Get("Retry-After")); err != nil || wait <= 0 {
					t.Fatalf("round %d: Retry-After %q", round, r.Header.Get("Retry-After"))
				}
			default:
				t.Fatalf("round %d: the attacker's guess: status %d", round, r.StatusCode)
			}
		}
		person := app.ClientFrom(t, "127.0.0.1")
		if r := signInAttempt(t, app, person, "admin", testapp.AdminPassword, nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("round %d, the attacker held back for %d s: admin at 127.0.0.1 with the right password: status %d (%q), want 303",
				round, wait, r.StatusCode, loginError(r))
		}
		if r := signInAttempt(t, app, attacker, "admin", wrongPassword, nil); r.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("round %d: the attacker right after the person signed in: status %d, want 429 still", round, r.StatusCode)
		}
		app.Clock.Advance(time.Duration(wait) * time.Second)
	}
	for _, e := range auditEntries(t, app, auth.ActionLogin) {
		if e.Outcome == "failure" && e.ClientIP != "127.0.0.2" {
			t.Errorf("a failed sign-in recorded from %q, want every failure from the attacker at 127.0.0.2", e.ClientIP)
		}
	}
}

// Issue #11, item 1: many addresses together reach the per-account
// backstop. A browser in which admin signed in before (the device cookie)
// still gets in; a new browser, a forged device cookie and one issued to
// another account do not, until the backstop's hour is over.
func TestDeviceCookieLetsThePersonPastTheBackstop(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	laptop := app.ClientFrom(t, "127.0.0.1")
	if r := signInAttempt(t, app, laptop, "admin", testapp.AdminPassword, nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("first sign-in: status %d", r.StatusCode)
	}
	device := laptop.Cookie(web.DeviceCookieName)
	if device == nil {
		t.Fatal("a successful sign-in set no device cookie")
	}
	laptop.Get("/") // the signed-in page's CSRF token
	if r := laptop.PostForm("/logout", nil); r.StatusCode != http.StatusSeeOther || laptop.Cookie(web.CookieName) != nil {
		t.Fatalf("sign out: status %d, want 303 and no session cookie", r.StatusCode)
	}
	if laptop.Cookie(web.DeviceCookieName) == nil {
		t.Fatal("signing out dropped the device cookie")
	}
	helensDevice := app.SignIn(t, "helen", testapp.HelpdeskPassword).Cookie(web.DeviceCookieName)

	for i := range 20 { // 20 addresses × 5 failures = the backstop's 100
		bot := app.ClientFrom(t, fmt.Sprintf("127.0.0.%d", 10+i))
		for range 5 {
			if r := signInAttempt(t, app, bot, "admin", wrongPassword, nil); r.StatusCode != http.StatusUnauthorized {
				t.Fatalf("bot %d: status %d, want 401", i, r.StatusCode)
			}
		}
	}
	altered := []byte(device.Value)
	altered[len(altered)/2] ^= 1
	for _, tc := range []struct {
		name   string
		client *testapp.Client
		want   int
	}{
		{"a new browser", app.ClientFrom(t, "127.0.0.1"), http.StatusTooManyRequests},
		{"a forged device cookie", app.ClientWithCookie(t, web.DeviceCookieName, string(altered)), http.StatusTooManyRequests},
		{"helen's device cookie", app.ClientWithCookie(t, web.DeviceCookieName, helensDevice.Value), http.StatusTooManyRequests},
		{"the browser admin signed in from", laptop, http.StatusSeeOther},
	} {
		if r := signInAttempt(t, app, tc.client, "admin", testapp.AdminPassword, nil); r.StatusCode != tc.want {
			t.Errorf("%s: status %d (%q), want %d", tc.name, r.StatusCode, loginError(r), tc.want)
		}
	}
	app.Clock.Advance(time.Hour)
	if r := signInAttempt(t, app, app.ClientFrom(t, "127.0.0.1"), "admin", testapp.AdminPassword, nil); r.StatusCode != http.StatusSeeOther {
		t.Errorf("a new browser an hour later: status %d, want 303", r.StatusCode)
	}
}

// Issue #11, item 2: correct sign-ins made at the same moment are all let
// in; only real failures count. (10 at once: the per-address token bucket
// takes a burst of 10.)
func TestParallelCorrectSignInsAreAllLetIn(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	const n = 10
	clients := make([]*testapp.Client, n)
	for i := range clients {
		clients[i] = app.Client(t)
		clients[i].Get("/login")
	}
	status := make([]int, n)
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			r := formPost(t, app, c, "/login", map[string][]string{"username": {"admin"}, "password": {testapp.AdminPassword}}, nil)
			status[i] = r.StatusCode
		})
	}
	wg.Wait()
	for i, s := range status {
		if s != http.StatusSeeOther {
			t.Errorf("sign-in %d of %d at once: status %d, want 303", i+1, n, s)
		}
	}
}
