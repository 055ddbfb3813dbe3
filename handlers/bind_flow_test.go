package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"keybind/internal/sandbox"
	"keybind/internal/testapp"
)

const region = testapp.Region

// fleet classifies the sandbox's instances the way the review page must.
type fleet struct {
	ids                                  []string
	bindable, windows, notIO, locked     []string
	running, stopped, transition, hasKey []string
	same, noKey                          []string // already have the key (no change); have no key (password login on)
}

// classify picks n instances of the region, the security-locked one first,
// and sorts them by what binding key will do to them.
func classify(app *testapp.App, n int, key string) fleet {
	var f fleet
	all := app.Sandbox.Instances(region)
	var picked []sandbox.InstanceState
	for _, in := range all {
		if in.LockReason == "security" {
			picked = append(picked, in)
		}
	}
	for _, in := range all {
		if in.LockReason != "security" && len(picked) < n {
			picked = append(picked, in)
		}
	}
	for _, in := range picked {
		f.ids = append(f.ids, in.InstanceID)
		switch {
		case in.OSType == "windows":
			f.windows = append(f.windows, in.InstanceID)
		case !in.IoOptimized:
			f.notIO = append(f.notIO, in.InstanceID)
		case in.LockReason == "security":
			f.locked = append(f.locked, in.InstanceID)
		case in.KeyPairName == key:
			f.same = append(f.same, in.InstanceID)
		default:
			f.bindable = append(f.bindable, in.InstanceID)
			switch in.Status {
			case sandbox.StatusRunning:
				f.running = append(f.running, in.InstanceID)
			case sandbox.StatusStopped:
				f.stopped = append(f.stopped, in.InstanceID)
			default:
				f.transition = append(f.transition, in.InstanceID)
			}
			if in.KeyPairName != "" {
				f.hasKey = append(f.hasKey, in.InstanceID)
			} else {
				f.noKey = append(f.noKey, in.InstanceID)
			}
		}
	}
	return f
}

// stepUntil runs engine rounds, moving the clock, until done says so.
func stepUntil(t *testing.T, app *testapp.App, done func() bool) {
	t.Helper()
	for i := 0; i < 60; i++ {
		if err := app.Engine.Step(context.Background()); err != nil {
			t.Fatalf("engine step: %v", err)
		}
		if done() {
			return
		}
		app.Clock.Advance(2 * time.Second)
	}
	t.Fatal("the engine did not get there in 60 rounds")
}

var jobURL = regexp.MustCompile(`^/jobs/(\d+)$`)

func TestBindFlow120Instances(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	key := app.FirstKey(t)
	f := classify(app, 120, key)
	if len(f.windows) == 0 || len(f.locked) == 0 || len(f.stopped) == 0 || len(f.notIO) == 0 || len(f.same) == 0 || len(f.hasKey) == 0 {
		t.Fatalf("the first 120 instances lack a kind: %d windows, %d locked, %d stopped, %d not I/O optimized, %d with the key, %d with another",
			len(f.windows), len(f.locked), len(f.stopped), len(f.notIO), len(f.same), len(f.hasKey))
	}

	// Step 1: the region is remembered.
	r := c.PostForm("/bind/region", url.Values{"region": {region}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/bind/key?region="+region {
		t.Fatalf("POST /bind/region = %d → %q", r.StatusCode, r.Header.Get("Location"))
	}
	if sel, _ := c.Get("/bind").Doc.Find(`#region option[selected]`).Attr("value"); sel != region {
		t.Errorf("the region form preselects %q, want the last choice %q", sel, region)
	}

	// Step 2: the key pair list offers the key.
	r = c.Get("/bind/key?region=" + region)
	if r.Doc.Find(`[data-testid="key-row"]`).Length() == 0 {
		t.Fatal("no key pair listed")
	}

	// Step 3: paste 120 IDs as a JSON array.
	list := "/bind/instances?" + url.Values{"region": {region}, "key": {key}}.Encode()
	c.Get(list)
	r = c.PostHTMX("/bind/selection/paste", url.Values{"region": {region}, "key": {key}, "ids": {`["` + strings.Join(f.ids, `","`) + `"]`}})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("paste = %d: %.300s", r.StatusCode, r.Body)
	}
	if got := strings.TrimSpace(r.Doc.Find(`[data-testid="selected-count"]`).Text()); got != "120 instances selected" {
		t.Errorf("after the paste: %q, want 120 selected", got)
	}
	if msg := r.Doc.Find(`[data-testid="selection-message"]`).Text(); !strings.Contains(msg, "Windows") || !strings.Contains(msg, "Locked") {
		t.Errorf("paste message %q does not say why instances were left out", msg)
	}
	// The selection survives a reload.
	if got := c.Get(list).Doc.Find(`[data-testid="selected-count"]`).Text(); strings.TrimSpace(got) != "120 instances selected" {
		t.Errorf("after reload: %q", got)
	}

	// Step 4: the review states the consequences with the right counts.
	r = c.Get("/bind/review?" + url.Values{"region": {region}, "key": {key}}.Encode())
	if r.StatusCode != http.StatusOK {
		t.Fatalf("review = %d: %.300s", r.StatusCode, r.Body)
	}
	want := map[string]int{"count-bind": len(f.bindable), "count-reboot": len(f.running), "count-start": len(f.stopped),
		"count-transition": len(f.transition), "count-excluded": 120 - len(f.bindable)}
	for id, n := range want {
		if got := testapp.Count(t, r.Doc, id); got != n {
			t.Errorf("review %s = %d, want %d", id, got, n)
		}
	}
	// Password login is on only where there is no key; the instances that already have the key do not change.
	warning := r.Doc.Find(`[data-testid="password-warning-text"]`).Text()
	if warning != fmt.Sprintf("Password login will be disabled on %d instances.", len(f.noKey)) {
		t.Errorf("password warning = %q, want %d instances", warning, len(f.noKey))
	}
	if got := testapp.Count(t, r.Doc, "count-already"); got != len(f.same) {
		t.Errorf("review count-already = %d, want %d", got, len(f.same))
	}
	for _, id := range f.same {
		if r.Doc.Find(`[data-testid="review-excluded"] [data-instance-id="`+id+`"]`).Length() != 1 {
			t.Errorf("%s already has the key but is not listed as not changing", id)
		}
	}
	idem, _ := r.Doc.Find(`input[name="idempotency_key"]`).Attr("value")
	form := url.Values{"region": {region}, "key": {key}, "idempotency_key": {idem}, "after": {"none"}, "wave": {"20"}}

	// Without the acknowledgement nothing is created.
	r = c.PostForm("/jobs", form)
	if r.StatusCode != http.StatusUnprocessableEntity || r.Doc.Find(`[data-testid="ack-error"]`).Length() != 1 {
		t.Fatalf("submit without ack = %d, want 422 with the ack error: %v %.2000s", r.StatusCode, r.Header, r.Body)
	}
	if calls := app.Sandbox.Calls()["AttachKeyPair"]; calls != 0 {
		t.Fatalf("AttachKeyPair called %d times before the submit", calls)
	}

	// Step 5: submit twice; one job.
	form.Set("ack", "yes")
	r = c.PostForm("/jobs", form)
	m := jobURL.FindStringSubmatch(r.Header.Get("Location"))
	if r.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("submit = %d → %q, want 303 to /jobs/N", r.StatusCode, r.Header.Get("Location"))
	}
	again := c.PostForm("/jobs", form)
	if again.StatusCode != http.StatusSeeOther || again.Header.Get("Location") != r.Header.Get("Location") {
		t.Errorf("second submit = %d → %q, want the same job %q", again.StatusCode, again.Header.Get("Location"), r.Header.Get("Location"))
	}
	job := "/jobs/" + m[1]

	// Step 6: the grid fills; buttons match each instance's state.
	stepUntil(t, app, func() bool {
		return c.Get(job).Doc.Find(`[data-testid="grid-poll"]`).AttrOr("data-in-motion", "") == "false"
	})
	g := c.Get(job + "/grid?size=200").Doc
	if got := testapp.Count(t, g, "count-bound"); got != len(f.bindable) {
		t.Errorf("bound = %d, want %d", got, len(f.bindable))
	}
	if got := testapp.Count(t, g, "count-excluded"); got != 120-len(f.bindable) {
		t.Errorf("excluded = %d, want %d", got, 120-len(f.bindable))
	}
	row := func(id string) *goquery.Selection {
		return g.Find(`[data-testid="job-row"][data-instance-id="` + id + `"]`)
	}
	for _, id := range f.running {
		if row(id).Find(`[data-testid="item-reboot"]`).Length() != 1 || row(id).Find(`[data-testid="item-start"]`).Length() != 0 {
			t.Errorf("Running %s: want a Reboot button and no Start button", id)
		}
	}
	for _, id := range f.stopped {
		if row(id).Find(`[data-testid="item-start"]`).Length() != 1 || row(id).Find(`[data-testid="item-reboot"]`).Length() != 0 {
			t.Errorf("Stopped %s: want a Start button and no Reboot button", id)
		}
	}
	for _, id := range append(f.windows, f.locked...) {
		if row(id).Find(`button`).Length() != 0 || row(id).Find(`[data-testid="item-result"]`).Text() != "Excluded" {
			t.Errorf("excluded %s: want no button and result Excluded", id)
		}
	}

	// Reboot one, start another, from their rows; each reaches "key in effect".
	reboot, start := f.running[0], f.stopped[0]
	if r := c.PostHTMX(job+"/items/"+reboot+"/reboot", nil); r.StatusCode != http.StatusOK || r.Doc.Find(`[data-testid="confirm-dialog"]`).Length() != 1 {
		t.Fatalf("unconfirmed reboot = %d, want the confirmation: %.300s", r.StatusCode, r.Body)
	}
	if n := app.Sandbox.Calls()["RebootInstances"] + app.Sandbox.Calls()["RebootInstance"]; n != 0 {
		t.Fatalf("an unconfirmed reboot sent %d calls", n)
	}
	if r := c.PostHTMX(job+"/items/"+reboot+"/reboot", url.Values{"confirm": {"yes"}, "force": {"no"}}); r.StatusCode != http.StatusOK {
		t.Fatalf("reboot = %d: %.300s", r.StatusCode, r.Body)
	}
	if r := c.PostHTMX(job+"/items/"+start+"/start", nil); r.StatusCode != http.StatusOK {
		t.Fatalf("start = %d: %.300s", r.StatusCode, r.Body)
	}
	stepUntil(t, app, func() bool {
		g := c.Get(job + "/grid?size=200").Doc
		return g.Find(`[data-testid="job-row"][data-instance-id="`+reboot+`"] [data-testid="item-restart"]`).Text() == "Running — key in effect" &&
			g.Find(`[data-testid="job-row"][data-instance-id="`+start+`"] [data-testid="item-restart"]`).Text() == "Running — key in effect"
	})
	for _, id := range []string{reboot, start} {
		ks, _ := app.Sandbox.KeyInEffect(region, id)
		if ks.EffectiveKeyPair != key || ks.PasswordLogin {
			t.Errorf("sandbox %s: key in effect %q, password login %t; want %q and off", id, ks.EffectiveKeyPair, ks.PasswordLogin, key)
		}
	}
	// An instance that was bound but not restarted does not accept the key yet.
	if ks, _ := app.Sandbox.KeyInEffect(region, f.running[1]); ks.EffectiveKeyPair == key && !containsID(f.hasKey, f.running[1]) {
		t.Errorf("%s accepts the new key without a reboot", f.running[1])
	}
}

func containsID(list []string, id string) bool {
	for _, v := range list {
		if v == id {
			return true
		}
	}
	return false
}
