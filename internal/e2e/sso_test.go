package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"keybind/internal/auth"
	"keybind/internal/oidctest"
	"keybind/internal/sso"
	"keybind/internal/testapp"
)

// TestSingleSignOnInTheBrowser is issue #13's single sign-on in Chromium,
// through the real redirects, against a real OpenID Provider on loopback
// that requires PKCE S256 and checks the verifier: the sign-in page offers
// only the provider (password sign-in is off); carol signs in there and
// comes back signed in as helpdesk; sign-out offers the provider's
// end-session page, which comes back to the sign-in page; dave, in no
// mapped group, is refused with a clear page.
func TestSingleSignOnInTheBrowser(t *testing.T) {
	op := oidctest.Start(t)
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10,
		PasswordLogin: auth.PasswordLogin{Off: true, BreakGlass: []string{"admin"}},
		SSO: &sso.Config{Issuer: op.URL, ClientID: oidctest.ClientID, ClientSecret: oidctest.ClientSecret, ProviderName: "Example IdP",
			Roles: sso.RoleMapping{Admin: []string{"keybind-admins"}, Helpdesk: []string{"keybind-helpdesk"}}}})
	op.AllowRedirects(app.URL+sso.CallbackPath, app.URL+"/login")
	op.AddPerson("carol", oidctest.Person{Subject: "sub-carol", PreferredUsername: "carol", Groups: []string{"keybind-helpdesk"}})
	op.AddPerson("dave", oidctest.Person{Subject: "sub-dave", PreferredUsername: "dave", Groups: []string{"staff"}})
	ctx := browser(t)

	// A protected page sends the browser to sign in; only the provider is offered.
	do(t, ctx,
		chromedp.Navigate(app.URL+"/jobs"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="sso-button"]`)),
	)
	if got := text(t, ctx, `[data-testid="sso-button"]`); got != "Sign in with Example IdP" {
		t.Errorf("sign-in button %q", got)
	}
	if got := text(t, ctx, `[data-testid="login-form"]`); got != "<missing>" {
		t.Errorf("with password sign-in off the form is shown: %q", got)
	}
	look(t, ctx, "sso-1-sign-in-page")

	// To the provider and back.
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="sso-button"]`)))
	waitJS(t, ctx, "the provider's sign-in page", `!!document.querySelector('[data-login="carol"]')`, 10*time.Second)
	look(t, ctx, "sso-2-provider")
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-login="carol"]`)))
	waitJS(t, ctx, "carol is back, signed in, on the jobs page", `location.origin === `+jsString(app.URL)+
		` && location.pathname === "/jobs" && !!document.querySelector('[data-testid="current-user"]')`, 10*time.Second)
	if got := text(t, ctx, `[data-testid="current-user"]`); got != "carol (helpdesk)" {
		t.Errorf("signed in as %q, want carol (helpdesk)", got)
	}
	if op.TokenRequests() != 1 {
		t.Errorf("token requests %d, want 1 (the code exchanged once, with its verifier)", op.TokenRequests())
	}
	look(t, ctx, "sso-3-signed-in")

	// Sign out: the keybind session ends; the provider's end-session page is offered.
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`header form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="signed-out"]`)),
	)
	look(t, ctx, "sso-4-signed-out")
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="end-provider-session"]`)))
	waitJS(t, ctx, "back on keybind's sign-in page from the provider's end-session page",
		`location.origin === `+jsString(app.URL)+` && location.pathname === "/login" && !!document.querySelector('[data-testid="sso-button"]')`, 10*time.Second)
	do(t, ctx, chromedp.Navigate(app.URL+"/jobs"), chromedp.WaitVisible(chromedp.CSS(`[data-testid="sso-button"]`)))

	// Someone in no mapped group is refused with a clear page.
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="sso-button"]`)))
	waitJS(t, ctx, "the provider's sign-in page", `!!document.querySelector('[data-login="dave"]')`, 10*time.Second)
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`[data-login="dave"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="sso-refused"]`)),
	)
	look(t, ctx, "sso-5-no-role")
	if h := text(t, ctx, `h1`); h != "No access to keybind" {
		t.Errorf("refusal heading %q", h)
	}
	if msg := text(t, ctx, `[data-testid="sso-refused-message"]`); !strings.Contains(msg, "as dave") {
		t.Errorf("refusal message %q", msg)
	}
	if got := text(t, ctx, `[data-testid="current-user"]`); got != "<missing>" {
		t.Errorf("dave appears signed in as %q", got)
	}
}

// jsString quotes s for a JavaScript expression.
func jsString(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }
