package e2e_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/ssh"

	"keybind/internal/testapp"
)

// TestImportBindRebootRollBack is the key pairs issue's done-when in the
// browser: a helpdesk user imports a pasted public key, binds it to 3
// instances and makes it take effect; the grid is exported to CSV; then an
// admin rolls the job back and the sandbox confirms the previous keys are in
// effect again (and password login where there was no key).
func TestImportBindRebootRollBack(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 30, RunEngine: true})
	ctx := browser(t)
	a, b, c := app.ThreeInstances(t, "")
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	authorized := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))) + " helen@laptop"

	signInAs(t, ctx, app.URL, "helen", testapp.HelpdeskPassword)
	// Import the pasted key.
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`a[href="/keypairs"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="keypair-region-form"]`)),
		chromedp.SetValue(chromedp.CSS(`#kp-region`), region),
		chromedp.Submit(chromedp.CSS(`#kp-region`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="import-link"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="import-link"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="import-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`#kp-name`), "helen-laptop"),
		chromedp.SetValue(chromedp.CSS(`#kp-public-key`), authorized),
		chromedp.Click(chromedp.CSS(`[data-testid="import-button"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="key-md5"]`)),
	)
	if got, want := text(t, ctx, `[data-testid="key-sha256"]`), ssh.FingerprintSHA256(sshPub); got != want {
		t.Errorf("SHA256 fingerprint shown %q, want %q", got, want)
	}
	if got, want := text(t, ctx, `[data-testid="key-md5"]`), ssh.FingerprintLegacyMD5(sshPub); got != want {
		t.Errorf("MD5 fingerprint shown %q, want %q", got, want)
	}

	// Bind it to the 3 instances and make it take effect.
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="bind-link"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="instance-table"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="paste-box"] summary`)),
		chromedp.SetValue(chromedp.CSS(`#paste-ids`), a+", "+b+", "+c),
		chromedp.Click(chromedp.CSS(`[data-testid="paste-box"] button[type="submit"]`)),
	)
	waitJS(t, ctx, "3 instances are selected", `document.querySelector('[data-testid="selected-count"]').textContent.trim() === "3 instances selected"`, 10*time.Second)
	stop := tick(app)
	defer stop()
	submitReview(t, ctx, `[data-testid="review-link"]`, "password-warning")
	waitJS(t, ctx, "the key is in effect on all 3", `document.querySelector('[data-testid="count-in-effect"]').textContent === "3"`, 60*time.Second)
	for _, id := range []string{a, b, c} {
		if ks, _ := app.Sandbox.KeyInEffect(region, id); ks.EffectiveKeyPair != "helen-laptop" || ks.PasswordLogin {
			t.Errorf("after the bind %s: %+v", id, ks)
		}
	}

	look(t, ctx, "import-bind-grid")

	// The grid exports to CSV, one row per instance.
	jobPath, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		t.Fatal(err)
	}
	csvText, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(location.pathname + "/export.csv").then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(csvText)).ReadAll()
	if err != nil || len(rows) != 4 || rows[0][0] != "instance_id" {
		t.Fatalf("CSV export: %d rows, %v:\n%s", len(rows), err, csvText)
	}
	for _, r := range rows[1:] {
		if r[4] != "Bound" || r[6] != "Running — key in effect" {
			t.Errorf("CSV row %q, want Bound and key in effect", r)
		}
	}
	signOut(t, ctx)

	// An admin restores the previous keys.
	signInAs(t, ctx, app.URL, "admin", testapp.AdminPassword)
	do(t, ctx,
		chromedp.Navigate(app.URL+jobPath),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="rollback-link"]`)),
	)
	submitReview(t, ctx, `[data-testid="rollback-link"]`, "rollback-warning")
	waitJS(t, ctx, "the previous keys are in effect", `document.querySelector('[data-testid="count-in-effect"]').textContent === "3"`, 60*time.Second)
	want := map[string]string{a: "ci-runner", b: "", c: ""}
	for id, k := range want {
		ks, _ := app.Sandbox.KeyInEffect(region, id)
		if ks.EffectiveKeyPair != k || ks.PasswordLogin != (k == "") {
			t.Errorf("after the rollback %s: key in effect %q, password login %t; want %q", id, ks.EffectiveKeyPair, ks.PasswordLogin, k)
		}
	}
}

// submitReview opens a review page, checks its warning, chooses to make the
// change take effect, and submits.
func submitReview(t *testing.T, ctx context.Context, link, warning string) {
	t.Helper()
	do(t, ctx,
		chromedp.Click(chromedp.CSS(link)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="`+warning+`"]`)),
	)
	look(t, ctx, "review-"+warning)
	if ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector('[data-testid="ack"]')`)); ok {
		do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="ack"]`)))
	}
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="after-restart"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="submit-bind"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="job-grid"]`)),
	)
}

// signInAs signs in through the form and waits for the first page.
func signInAs(t *testing.T, ctx context.Context, base, name, pw string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), name),
		chromedp.SendKeys(chromedp.CSS(`#password`), pw),
		chromedp.Click(chromedp.CSS(`[data-testid="login-form"] button[type="submit"]`)),
	)
	waitJS(t, ctx, name+" is signed in", `location.pathname !== "/login" && document.readyState === "complete"`, 10*time.Second)
}
