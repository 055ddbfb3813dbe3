package e2e_test

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"keybind/internal/testapp"
)

// axe-core, pinned (testdata/VERSIONS): injected into each page by the
// test; the console never serves it.
//
//go:embed testdata/axe.min.js
var axeSource string

const axeSHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"

// screen is a window size people use: a 1,366 px laptop and a 390 px phone.
type screen struct {
	name          string
	width, height int64
}

var screens = []screen{{"desktop", 1366, 900}, {"phone", 390, 844}}

// sitePage is a page to check and how to reach it.
type sitePage struct {
	name string
	path string             // navigate here, unless open is set
	open func(t *testing.T) // reach the page some other way (a click, a POST)
	done func(t *testing.T) // leave it in a state to navigate away from
	wait string             // a CSS selector the page shows once ready
}

// TestEveryPageFitsAndPassesAxe is issue 10's item 8 and its done-when:
// every page, signed out and signed in as an admin (who sees every page),
// with a 200-instance job and a 200-instance review, neither overflows a
// 1,366 × 900 laptop nor a 390 × 844 phone, and axe-core finds no serious
// or critical violation in the light or the dark colour scheme.
func TestEveryPageFitsAndPassesAxe(t *testing.T) {
	if sum := sha256.Sum256([]byte(axeSource)); hex.EncodeToString(sum[:]) != axeSHA256 {
		t.Fatalf("testdata/axe.min.js is not the pinned axe-core (sha256 %x)", sum)
	}
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 220})
	id, _ := app.BoundJob(t, 200, 3)
	key := app.Sandbox.KeyPairs(testapp.Region)[1].Name // not the job's: the review replaces keys
	region := testapp.Region
	job := "/jobs/" + itoa(id)
	// A 200-instance selection for the review (selections are the user's, whatever the session).
	c := app.SignIn(t, "admin", testapp.AdminPassword)
	c.Get("/bind/instances?" + url.Values{"region": {region}, "key": {key}}.Encode())
	var ids []string
	for _, in := range app.Sandbox.Instances(region)[:200] {
		ids = append(ids, in.InstanceID)
	}
	c.PostHTMX("/bind/selection/paste", url.Values{"region": {region}, "key": {key}, "ids": {"Instance ID\n" + strings.Join(ids, "\n") + "\ni-unknown000000000000"}})
	q := url.Values{"region": {region}, "key": {key}}.Encode()

	ctx := browserFor(t, 12*time.Minute)
	pages := []sitePage{
		{name: "login", path: "/login", wait: `#username`},
		{name: "dashboard", path: "/", wait: `h1`},
		{name: "bind-region", path: "/bind", wait: `#region`},
		{name: "bind-key", path: "/bind/key?region=" + region, wait: `[data-testid="key-table"]`},
		{name: "bind-instances", path: "/bind/instances?" + q, wait: `[data-testid="instance-table"]`},
		{name: "review", path: "/bind/review?" + q, wait: `[data-testid="review-form"]`},
		{name: "jobs", path: "/jobs", wait: `[data-testid="jobs-table"]`},
		{name: "jobs-unfinished", path: "/jobs?state=unfinished&region=" + region, wait: `[data-testid="jobs-table"]`},
		{name: "grid", path: job, wait: `[data-testid="job-table"]`},
		{name: "grid-failed", path: job + "?group=failed", wait: `[data-testid="job-table"]`},
		{name: "grid-confirm", path: job, wait: `dialog[data-testid="confirm-dialog"]`, open: func(t *testing.T) {
			do(t, ctx, chromedp.Navigate(app.URL+job), chromedp.WaitVisible(chromedp.CSS(`[data-testid="reboot-all"]`)),
				chromedp.Click(chromedp.CSS(`[data-testid="reboot-all"]`)))
		}},
		{name: "confirm-page", wait: `[data-testid="confirm-page"]`, open: func(t *testing.T) {
			// Without JavaScript the form posts as a plain form: form.submit() skips htmx's handler.
			do(t, ctx, chromedp.Navigate(app.URL+job), chromedp.WaitVisible(chromedp.CSS(`[data-testid="reboot-all"]`)),
				chromedp.Evaluate[chromedp.Void](`document.getElementById('bulk-reboot').form.submit()`))
		}},
		{name: "rollback-review", path: job + "/rollback", wait: `h1`},
		{name: "keypairs", path: "/keypairs?region=" + region, wait: `h1`},
		{name: "keypair", path: "/keypairs/key?" + url.Values{"region": {region}, "name": {key}}.Encode(), wait: `h1`},
		{name: "keypair-import", path: "/keypairs/import?region=" + region, wait: `[data-testid="import-form"]`},
		{name: "keypair-create", path: "/keypairs/create?region=" + region, wait: `[data-testid="create-form"]`},
		{name: "keypair-created", wait: `[data-testid="private-key-warning"]`, open: func(t *testing.T) {
			do(t, ctx, chromedp.Navigate(app.URL+"/keypairs/create?region="+region), chromedp.WaitVisible(chromedp.CSS(`#kp-name`)),
				chromedp.SendKeys(chromedp.CSS(`#kp-name`), "axe-check-key"), chromedp.Click(chromedp.CSS(`[data-testid="create-button"]`)))
		}, done: func(t *testing.T) {
			do(t, ctx, chromedp.Click(chromedp.CSS(`#key-saved`))) // or leaving the page asks first
		}},
		{name: "account", path: "/account", wait: `h1`},
		{name: "users", path: "/users", wait: `h1`},
		{name: "cloud-accounts", path: "/accounts", wait: `[data-testid="accounts-table"]`},
		{name: "choose-account", path: "/accounts/choose", wait: `h1`},
		{name: "audit", path: "/audit", wait: `h1`},
		{name: "sandbox", path: "/sandbox", wait: `h1`},
		{name: "not-found", path: "/jobs/999999", wait: `h1`},
	}
	for i, p := range pages {
		if i == 1 {
			signInAs(t, ctx, app.URL, "admin", testapp.AdminPassword)
		}
		t.Run(p.name, func(t *testing.T) {
			if p.open != nil {
				p.open(t)
			} else {
				do(t, ctx, chromedp.Navigate(app.URL+p.path))
			}
			waitJS(t, ctx, p.name+" is shown", `document.readyState === "complete" && !!document.querySelector(`+jsString(p.wait)+`)`, 20*time.Second)
			for _, s := range screens {
				do(t, ctx, chromedp.EmulateViewport(s.width, s.height))
				if over := overflow(t, ctx); over != "" {
					t.Errorf("%s at %d × %d overflows: %s", p.name, s.width, s.height, over)
				}
				for _, scheme := range []string{"light", "dark"} {
					do(t, ctx, colorScheme(scheme))
					if s.name == "desktop" {
						for _, v := range axeViolations(t, ctx) {
							t.Errorf("axe, %s, %s: %s", p.name, scheme, v)
						}
					}
					lookAt(t, ctx, p.name+"-"+s.name+"-"+scheme)
				}
			}
			do(t, ctx, colorScheme("light"), chromedp.EmulateViewport(1366, 900))
			if p.done != nil {
				p.done(t)
			}
		})
	}
}

// colorScheme emulates the browser's colour scheme preference, with
// reduced motion (Pico then skips its colour transitions, which axe would
// otherwise measure half-way).
func colorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}, {Name: "prefers-reduced-motion", Value: "reduce"}}})
		return err
	})
}

// overflow says which elements stick out of the viewport sideways, or ""
// (elements inside a box that scrolls on its own do not count).
func overflow(t *testing.T, ctx context.Context) string {
	t.Helper()
	return evaluate[string](t, ctx, `(() => {
		const doc = document.documentElement, w = doc.clientWidth;
		if (doc.scrollWidth <= w + 1) return "";
		const out = [];
		const scrolls = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) { if (getComputedStyle(p).overflowX !== "visible") return true } return false };
		for (const el of document.body.querySelectorAll("*")) {
			if (scrolls(el)) continue;
			const r = el.getBoundingClientRect();
			if (r.right > w + 1 && r.width > 0 && out.length < 5 && !out.some(o => o.el.contains(el))) out.push({el, right: Math.round(r.right)});
		}
		return "page " + doc.scrollWidth + " px wide in " + w + " px: " + out.map(o => o.el.tagName.toLowerCase() + (o.el.id ? "#" + o.el.id : "") + (o.el.className ? "." + String(o.el.className).split(" ").join(".") : "") + " to " + o.right).join(", ");
	})()`)
}

// axeViolations runs axe-core on the page and returns its serious and
// critical violations, with the rule that checks a visible label is part
// of the accessible name switched on.
func axeViolations(t *testing.T, ctx context.Context) []string {
	t.Helper()
	if !evaluate[bool](t, ctx, `typeof axe === "object"`) {
		do(t, ctx, chromedp.Evaluate[chromedp.Void](axeSource))
	}
	v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, {resultTypes: ["violations"], rules: {"label-content-name-mismatch": {enabled: true}}})
		.then(r => r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => v.id + " (" + v.impact + ", " + v.nodes.length + " nodes): " + v.help + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ") + (n.failureSummary ? " [" + n.failureSummary.replace(/\s+/g, " ").slice(0, 160) + "]" : "")).join(" | ")))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		shot(t, ctx)
		t.Fatalf("axe: %v", err)
	}
	return v
}

// lookAt saves a screenshot of the viewport when KEYBIND_E2E_SHOTS names a
// folder, for people to look at.
func lookAt(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("KEYBIND_E2E_SHOTS")
	if dir == "" {
		return
	}
	b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}

// TestANewPrivateKeyIsSavedBeforeBinding is issue 10's item 5: after
// creating a key pair, "Bind … to instances" appears only once the private
// key was downloaded (or the person ticks that it is saved).
func TestANewPrivateKeyIsSavedBeforeBinding(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	ctx := browser(t)
	signInAs(t, ctx, app.URL, "helen", testapp.HelpdeskPassword)
	do(t, ctx, chromedp.Navigate(app.URL+"/keypairs/create?region="+testapp.Region), chromedp.WaitVisible(chromedp.CSS(`#kp-name`)),
		chromedp.SendKeys(chromedp.CSS(`#kp-name`), "new-team-key"), chromedp.Click(chromedp.CSS(`[data-testid="create-button"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="private-key-warning"]`)))
	visible := `(() => { const b = document.querySelector('[data-testid="bind-link"]'); return !!b && b.offsetParent !== null })()`
	if evaluate[bool](t, ctx, visible) {
		t.Fatal("binding is offered before the private key was downloaded")
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="download-private-key"]`)))
	waitJS(t, ctx, "binding is offered once the key is downloaded", visible+` && document.getElementById('key-saved').checked`, 5*time.Second)
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid="bind-link"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="instance-table"]`)))
	if got := text(t, ctx, `[data-testid="chosen-key"]`); got != "new-team-key" {
		t.Errorf("the bind flow chose %q", got)
	}
}
