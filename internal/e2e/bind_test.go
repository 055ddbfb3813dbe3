package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"keybind/internal/sandbox"
	"keybind/internal/testapp"
)

const region = "cn-hangzhou"

// TestHelpdeskBindsAKeyTo120Instances is the done-when in the
// browser: a helpdesk user binds a key to 120 instances (Windows, stopped
// and locked ones among them), reads the review's warnings, submits,
// watches the grid fill, reboots one instance and starts another from their
// rows, makes the key take effect on the rest, and the sandbox's control
// API confirms that exactly the bound instances accept the new key.
func TestHelpdeskBindsAKeyTo120Instances(t *testing.T) {
	app := testapp.New(t, testapp.Options{RunEngine: true})
	ctx := browser(t)
	key := app.Sandbox.KeyPairs(region)[0].Name
	picked := pick(app, 120, key)

	do(t, ctx,
		chromedp.Navigate(app.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), "helen"),
		chromedp.SendKeys(chromedp.CSS(`#password`), testapp.HelpdeskPassword),
		chromedp.Click(chromedp.CSS(`[data-testid="login-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="regions"]`)),
	)
	if got := text(t, ctx, `[data-testid="current-user"]`); got != "helen (helpdesk)" {
		t.Errorf("signed in as %q", got)
	}

	// Region, then key pair.
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`a[href="/bind"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#region`)),
		chromedp.SetValue(chromedp.CSS(`#region`), region),
		chromedp.Click(chromedp.CSS(`[data-testid="region-form"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="key-table"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="use-key"][data-key="`+key+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="instance-table"]`)),
	)
	if got := text(t, ctx, `[data-testid="chosen-key"]`); got != key {
		t.Errorf("chosen key = %q, want %q", got, key)
	}

	// Paste the 120 IDs.
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="paste-box"] summary`)),
		chromedp.SetValue(chromedp.CSS(`#paste-ids`), strings.Join(picked.ids, "\n")),
		chromedp.Click(chromedp.CSS(`[data-testid="paste-box"] button[type="submit"]`)),
	)
	waitJS(t, ctx, "120 instances are selected",
		`document.querySelector('[data-testid="selected-count"]').textContent.trim() === "120 instances selected"`, 10*time.Second)

	// The review states the consequences with the right counts.
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="review-link"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="password-warning"]`)),
	)
	if got, want := text(t, ctx, `[data-testid="password-warning-text"]`), fmt.Sprintf("Password login will be disabled on %d instances.", len(picked.noKey)); got != want {
		t.Errorf("warning = %q, want %q", got, want)
	}
	for testid, want := range map[string]int{
		"count-bind": len(picked.bindable), "count-excluded": 120 - len(picked.bindable),
		"count-reboot": len(picked.running), "count-start": len(picked.stopped),
	} {
		if got := text(t, ctx, `[data-testid="`+testid+`"]`); got != fmt.Sprint(want) {
			t.Errorf("review %s = %s, want %d", testid, got, want)
		}
	}
	look(t, ctx, "review")
	summary := text(t, ctx, `[data-testid="left-out"]`) + text(t, ctx, `[data-testid="review-summary"]`)
	for _, want := range []string{"Windows", "Locked for security", "Already has this key", "reboot", "started"} {
		if !strings.Contains(summary, want) {
			t.Errorf("review summary does not mention %q: %q", want, summary)
		}
	}

	// From here on simulated time moves on its own while the browser waits,
	// as it would in the cloud.
	stop := tick(app)
	defer stop()

	// Submit; the grid fills by itself (all 120 rows on one page).
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="ack"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="submit-bind"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="job-grid"]`)),
	)
	do(t, ctx, chromedp.Click(chromedp.CSS(`#grid-size`)), chromedp.SetValue(chromedp.CSS(`#grid-size`), "200"), chromedp.Click(chromedp.CSS(`#grid-show`)))
	waitJS(t, ctx, "the grid shows 200 rows a page", `location.search.includes("size=200")`, 10*time.Second)
	waitJS(t, ctx, "every instance is bound or excluded", fmt.Sprintf(
		`document.querySelector('[data-testid="count-bound"]').textContent === "%d" && document.querySelector('[data-testid="count-excluded"]').textContent === "%d"`,
		len(picked.bindable), 120-len(picked.bindable)), 60*time.Second)

	look(t, ctx, "grid-bound")

	// Reboot one instance and start another from their rows.
	reboot, start := picked.running[0], picked.stopped[0]
	if !clickIfEnabled(t, ctx, rowSel(reboot)+` [data-testid="item-reboot"]`) {
		t.Fatalf("no Reboot button on %s", reboot)
	}
	if !confirm(t, ctx) {
		t.Fatalf("rebooting %s from its row asked for no confirmation", reboot)
	}
	waitJS(t, ctx, reboot+" is being rebooted", `!document.querySelector('`+rowSel(reboot)+` [data-testid="item-reboot"]')`, 10*time.Second)
	if !clickIfEnabled(t, ctx, rowSel(start)+` [data-testid="item-start"]`) {
		t.Fatalf("no Start button on %s", start)
	}
	for _, id := range []string{reboot, start} {
		waitJS(t, ctx, id+" shows key in effect",
			`(document.querySelector('`+rowSel(id)+` [data-testid="item-restart"]')||{}).textContent === "Running — key in effect"`, 60*time.Second)
	}

	// Make the key take effect everywhere else with the bulk buttons.
	deadline := time.Now().Add(90 * time.Second)
	for {
		inEffect := text(t, ctx, `[data-testid="count-in-effect"]`)
		if inEffect == fmt.Sprint(len(picked.bindable)) {
			break
		}
		if time.Now().After(deadline) {
			shot(t, ctx)
			t.Fatalf("key in effect on %s of %d instances", inEffect, len(picked.bindable))
		}
		for _, b := range []string{"reboot-all", "start-all"} {
			if clickIfEnabled(t, ctx, `[data-testid="`+b+`"]`) && !confirm(t, ctx) {
				t.Logf("%s had nothing left to restart: %s", b, text(t, ctx, `[data-testid="flash-region"]`))
			}
		}
		waitJS(t, ctx, "progress", `document.querySelector('[data-testid="count-in-effect"]').textContent !== "`+inEffect+`" || !!document.querySelector('[data-testid="reboot-all"]:not([aria-disabled]), [data-testid="start-all"]:not([aria-disabled])')`, 30*time.Second)
	}
	look(t, ctx, "grid-done")
	waitJS(t, ctx, "the grid stops polling", `document.querySelector('[data-testid="grid-poll"]').dataset.inMotion === "false"`, 30*time.Second)
	if got := text(t, ctx, `[data-testid="job-state"]`); got != "Done" {
		t.Errorf("job state = %q, want Done", got)
	}

	// The sandbox's control API: exactly the bound instances accept the key.
	ctl := httptest.NewServer(app.Sandbox)
	defer ctl.Close()
	resp, err := http.Get(ctl.URL + "/_sandbox/keys?region=" + region)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rows []struct {
		InstanceID       string `json:"instance_id"`
		EffectiveKeyPair string `json:"effective_key_pair"`
		PasswordLogin    bool   `json:"password_login"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&rows); err != nil {
		t.Fatal(err)
	}
	bound := map[string]bool{}
	for _, id := range picked.bindable {
		bound[id] = true
	}
	accepted := 0
	for _, r := range rows {
		switch {
		case bound[r.InstanceID] && (r.EffectiveKeyPair != key || r.PasswordLogin):
			t.Errorf("bound %s: key in effect %q, password login %t", r.InstanceID, r.EffectiveKeyPair, r.PasswordLogin)
		case !bound[r.InstanceID] && r.EffectiveKeyPair == key && !picked.hadKey[r.InstanceID]:
			t.Errorf("%s was not bound but accepts %s", r.InstanceID, key)
		case r.EffectiveKeyPair == key:
			accepted++
		}
	}
	if accepted < len(picked.bindable) {
		t.Errorf("%d instances accept %s, want at least the %d bound", accepted, key, len(picked.bindable))
	}
}

func rowSel(id string) string { return `[data-testid="job-row"][data-instance-id="` + id + `"]` }

// confirm answers the confirmation dialog a restart opens: yes. A bulk
// button read as enabled just before a poll disabled it is answered with a
// message instead (nothing is left to restart); confirm then reports false.
func confirm(t *testing.T, ctx context.Context) bool {
	t.Helper()
	waitJS(t, ctx, "the confirmation or an answer", `(document.querySelector('dialog[data-testid="confirm-dialog"]')||{}).open === true || document.getElementById("flash-region").textContent.trim() !== ""`, 10*time.Second)
	if open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector('dialog[data-testid="confirm-dialog"]')`)); err != nil || !open {
		return false
	}
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid="confirm-yes"]`)), chromedp.Click(chromedp.CSS(`[data-testid="confirm-yes"]`)))
	waitJS(t, ctx, "the confirmation closes", `!document.querySelector('dialog[data-testid="confirm-dialog"]')`, 10*time.Second)
	return true
}

// clickIfEnabled clicks a button when it is there and has something to act on.
func clickIfEnabled(t *testing.T, ctx context.Context, css string) bool {
	t.Helper()
	// Find and click in one step: the polling grid may swap the button
	// between a look-up and a separate click. The click runs after the
	// evaluation returns: a click that navigates (the form's own POST, when
	// it lands before htmx has taken over a freshly swapped button) would
	// otherwise leave the evaluation waiting on a page that is gone.
	enabled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const b = document.querySelector(`+strconv.Quote(css)+`); if (!b || b.disabled || b.getAttribute("aria-disabled") === "true") return false; const f = document.getElementById("flash-region"); if (f) f.replaceChildren(); setTimeout(() => b.click(), 0); return true })()`))
	if err != nil {
		shot(t, ctx)
		t.Fatal(err)
	}
	return enabled
}

// tick advances the app's clock by one simulated second every 50 ms.
func tick(app *testapp.App) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				app.Clock.Advance(time.Second)
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// picked is a set of instances to bind, sorted by what binding does to them.
type picked struct {
	ids, bindable, running, stopped []string
	same, noKey                     []string // already have the key (left out); have no key (password login on)
	hadKey                          map[string]bool
}

// pick takes n instances of the region, the security-locked one first, and
// sorts them by what binding key does to them.
func pick(app *testapp.App, n int, key string) picked {
	all := app.Sandbox.Instances(region)
	var list []sandbox.InstanceState
	for _, in := range all {
		if in.LockReason == "security" {
			list = append(list, in)
		}
	}
	for _, in := range all {
		if in.LockReason != "security" && len(list) < n {
			list = append(list, in)
		}
	}
	p := picked{hadKey: map[string]bool{}}
	for _, in := range list {
		p.ids = append(p.ids, in.InstanceID)
		p.hadKey[in.InstanceID] = in.EffectiveKeyPair != ""
		if in.OSType == "windows" || !in.IoOptimized || in.LockReason == "security" {
			continue
		}
		if in.KeyPairName == key {
			p.same = append(p.same, in.InstanceID)
			continue
		}
		if in.KeyPairName == "" {
			p.noKey = append(p.noKey, in.InstanceID)
		}
		p.bindable = append(p.bindable, in.InstanceID)
		switch in.Status {
		case sandbox.StatusRunning:
			p.running = append(p.running, in.InstanceID)
		case sandbox.StatusStopped:
			p.stopped = append(p.stopped, in.InstanceID)
		}
	}
	return p
}
