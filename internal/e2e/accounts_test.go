package e2e_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var firstPasswordLine = regexp.MustCompile(`^\s*password: (\S+)$`)

// TestFirstStartAdminAndHelpdesk is the accounts issue's done-when in the
// browser: the first start prints the admin password; the admin signs in,
// sets their own password, adds a helpdesk user, who signs in and cannot open
// the users or audit pages (403), and the audit shows the attempt.
func TestFirstStartAdminAndHelpdesk(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs keybind")
	}
	console := start(t, nil, "serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--log-format", "json")
	generated := console.waitLine(t, firstPasswordLine)
	url := console.waitLine(t, consoleURLLine)
	if !strings.Contains(console.text(), "embedded ECS sandbox") {
		t.Errorf("without credentials the log does not say the sandbox is used:\n%s", console.text())
	}
	ctx := browser(t)

	signIn := func(name, pw string) {
		t.Helper()
		if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasPrefix(loc, url+"/login") {
			do(t, ctx, chromedp.Navigate(url+"/login"))
		}
		do(t, ctx,
			chromedp.WaitVisible(chromedp.CSS(`#username`)),
			chromedp.SendKeys(chromedp.CSS(`#username`), name),
			chromedp.SendKeys(chromedp.CSS(`#password`), pw),
			chromedp.Click(chromedp.CSS(`[data-testid="login-form"] button[type="submit"]`)),
		)
		waitJS(t, ctx, name+" is signed in", `location.pathname !== "/login" && document.readyState === "complete"`, 10*time.Second)
	}
	changePassword := func(current, next string) {
		t.Helper()
		do(t, ctx,
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="account-notice"]`)),
			chromedp.SendKeys(chromedp.CSS(`#current`), current),
			chromedp.SendKeys(chromedp.CSS(`#next`), next),
			chromedp.SendKeys(chromedp.CSS(`#confirm`), next),
			chromedp.Click(chromedp.CSS(`[data-testid="password-form"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-info"]`)),
		)
	}

	// The admin signs in with the printed password and must choose their own.
	signIn("admin", generated)
	changePassword(generated, "Harbor-Violet-Engine-31")
	signIn("admin", "Harbor-Violet-Engine-31")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid="sandbox-banner"]`)))

	// The admin adds a helpdesk user; the generated password is shown once.
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`a[href="/users"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="new-user-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="new-user-form"] input[name="name"]`), "hannah"),
		chromedp.SetValue(chromedp.CSS(`[data-testid="new-user-form"] select[name="role"]`), "helpdesk"),
		chromedp.Click(chromedp.CSS(`[data-testid="new-user-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="generated-password-value"]`)),
	)
	hannahPW := text(t, ctx, `[data-testid="generated-password-value"]`)
	if len(hannahPW) < 20 {
		t.Fatalf("generated password %q", hannahPW)
	}
	signOut(t, ctx)

	// The helpdesk user signs in, sets a password, and is refused the admin pages.
	signIn("hannah", hannahPW)
	changePassword(hannahPW, "Pebble-Saffron-Canyon-64")
	signIn("hannah", "Pebble-Saffron-Canyon-64")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid="regions"]`)))
	nav := text(t, ctx, `header nav`)
	if strings.Contains(nav, "Users") || strings.Contains(nav, "Audit") {
		t.Errorf("the helpdesk navigation offers admin pages: %q", nav)
	}
	for _, page := range []string{"/users", "/audit"} {
		do(t, ctx, chromedp.Navigate(url+page), chromedp.WaitVisible(chromedp.CSS(`[data-testid="error-page"]`)))
		if h := text(t, ctx, `h1`); h != "Not allowed" {
			t.Errorf("%s shows %q, want the 403 page", page, h)
		}
		if text(t, ctx, `[data-testid="request-id"]`) == "" {
			t.Errorf("%s: the error page shows no request ID", page)
		}
	}
	signOut(t, ctx)

	// The admin reads the refused attempts in the audit log.
	signIn("admin", "Harbor-Violet-Engine-31")
	do(t, ctx,
		chromedp.Navigate(url+"/audit?user=hannah"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="audit-table"]`)),
	)
	audit := text(t, ctx, `[data-testid="audit-table"]`)
	for _, want := range []string{"denied", "GET /users", "GET /audit", "auth.login"} {
		if !strings.Contains(audit, want) {
			t.Errorf("the audit of hannah lacks %q:\n%s", want, audit)
		}
	}
}

// signOut clicks "Sign out" and waits until the sign-in page has loaded.
func signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, chromedp.Click(chromedp.CSS(`header form[action="/logout"] button`)))
	waitJS(t, ctx, "the sign-in page", `location.pathname === "/login" && document.readyState === "complete" && !!document.querySelector("#username")`, 10*time.Second)
}
