package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"keybind/internal/sandbox"
	"keybind/internal/testapp"
)

// apiFleet picks the first n instances of the testapp.Region and sorts out the
// ones a binding includes by status.
type apiFleet struct {
	ids, running, stopped, excluded []string
}

func pickFleet(app *testapp.App, n int) apiFleet {
	var f apiFleet
	for _, in := range app.Sandbox.Instances(testapp.Region) {
		if len(f.ids) == n {
			break
		}
		f.ids = append(f.ids, in.InstanceID)
		switch {
		case in.OSType != "linux" || !in.IoOptimized || in.LockReason == "security":
			f.excluded = append(f.excluded, in.InstanceID)
		case in.Status == sandbox.StatusRunning:
			f.running = append(f.running, in.InstanceID)
		case in.Status == sandbox.StatusStopped:
			f.stopped = append(f.stopped, in.InstanceID)
		}
	}
	return f
}

// apiStepUntil runs engine rounds, moving the clock, until the job's JSON
// says it rests; it returns that JSON.
func apiStepUntil(t *testing.T, app *testapp.App, a *apiClient, job string) apiResp {
	t.Helper()
	for range 80 {
		if err := app.Engine.Step(context.Background()); err != nil {
			t.Fatalf("engine step: %v", err)
		}
		r := a.get(job).want(t, http.StatusOK, "GET "+job)
		if r.JSON["in_motion"] == false {
			return r
		}
		app.Clock.Advance(2 * time.Second)
	}
	t.Fatalf("%s still in motion after 80 engine rounds", job)
	return apiResp{}
}

// sameAsGrid checks that the job's JSON says what the grid fragment shows:
// the state, the counts and every row's result, restart state and buttons.
func sameAsGrid(t *testing.T, browser *testapp.Client, j apiResp) {
	t.Helper()
	id := jNum(j.JSON["id"])
	g := browser.Get(fmt.Sprintf("/jobs/%d/grid", id))
	if g.StatusCode != http.StatusOK || g.Doc == nil {
		t.Fatalf("grid of job %d: status %d", id, g.StatusCode)
	}
	if got := strings.TrimSpace(g.Doc.Find(`[data-testid="job-state"]`).Text()); got != j.str("state_label") {
		t.Errorf("state: grid %q, JSON state_label %q", got, j.str("state_label"))
	}
	counts := jObj(j.JSON["counts"])
	for testid, key := range map[string]string{"count-bound": "bound", "count-failed": "failed", "count-excluded": "excluded",
		"count-in-effect": "in_effect", "count-in-motion": "in_motion"} {
		if got, want := testapp.Count(t, g.Doc, testid), jNum(counts[key]); got != want {
			t.Errorf("%s: grid %d, JSON counts.%s %d", testid, got, key, want)
		}
	}
	for testid, key := range map[string]string{"reboot-all": "reboot_ready", "start-all": "start_ready", "retry-failed": "retryable"} {
		btn := g.Doc.Find(`[data-testid="` + testid + `"]`)
		n := jNum(counts[key])
		if disabled := btn.AttrOr("aria-disabled", "") == "true"; disabled != (n == 0) || n > 0 && !strings.Contains(btn.Text(), fmt.Sprint(n)) {
			t.Errorf("%s button %q (disabled %t), JSON counts.%s %d", testid, btn.Text(), disabled, key, jNum(counts[key]))
		}
	}
	rows := g.Doc.Find(`[data-testid="job-row"]`)
	items := jList(j.JSON["items"])
	if rows.Length() != len(items) {
		t.Fatalf("grid has %d rows, JSON %d items", rows.Length(), len(items))
	}
	rows.Each(func(i int, row *goquery.Selection) {
		it := jObj(items[i])
		rid, _ := row.Attr("data-instance-id")
		if rid != jStr(it["instance_id"]) {
			t.Errorf("row %d: grid %s, JSON %s", i, rid, jStr(it["instance_id"]))
			return
		}
		checks := []struct {
			what      string
			grid, api any
		}{
			{"result", row.Find(`[data-testid="item-result"]`).Text(), jStr(it["result"])},
			{"restart", row.Find(`[data-testid="item-restart"]`).Text(), jStr(it["restart"])},
			{"can_reboot", row.Find(`[data-testid="item-reboot"]`).Length() == 1, it["can_reboot"]},
			{"can_start", row.Find(`[data-testid="item-start"]`).Length() == 1, it["can_start"]},
		}
		if d := jStr(it["result_detail"]); d != "" && !strings.Contains(row.Text(), d) {
			t.Errorf("%s: the grid does not show the detail %q", rid, d)
		}
		for _, c := range checks {
			if c.grid != c.api {
				t.Errorf("%s %s: grid %v, JSON %v", rid, c.what, c.grid, c.api)
			}
		}
	})
}

// The done-when: with a token, bind → reboot → done, and the job's
// JSON matches the grid at every step. A retried POST yields the same job.
func TestAPIBindRebootDone(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	browser := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	a := newAPIClient(t, app, apiToken(t, browser, "bind script"))
	f := pickFleet(app, 30)
	if len(f.running) < 3 || len(f.stopped) < 2 || len(f.excluded) < 1 {
		t.Fatalf("the first 30 instances lack a kind: %d running, %d stopped, %d excluded", len(f.running), len(f.stopped), len(f.excluded))
	}

	// What a script looks up first.
	regions := a.get("/api/v1/regions").want(t, http.StatusOK, "regions")
	if !strings.Contains(regions.Raw, `"id":"`+testapp.Region+`"`) {
		t.Fatalf("regions lack %s: %s", testapp.Region, regions.Raw)
	}
	key := app.FirstKey(t)
	a.get("/api/v1/regions/"+testapp.Region+"/keypairs/"+key).want(t, http.StatusOK, "the key pair")
	page := a.get("/api/v1/regions/"+testapp.Region+"/instances?page_size=100").want(t, http.StatusOK, "instances")
	bindable := map[string]bool{}
	for _, it := range jList(page.JSON["items"]) {
		bindable[jStr(jObj(it)["id"])] = jObj(it)["bindable"] == true
	}
	for _, id := range f.excluded {
		if bindable[id] {
			t.Errorf("%s is listed as bindable", id)
		}
	}

	ids := append(append([]string{}, f.ids...), "i-doesnotexist0")
	body := map[string]any{"region": testapp.Region, "key_pair": key, "instance_ids": ids, "acknowledge": true, "after": "none", "wave_size": 5,
		"include_same_key": true, "reason": "CHG-1234"}
	const idem = "bind-2026-11-26-ops"
	created := a.call(http.MethodPost, "/api/v1/jobs/bind", body, "Idempotency-Key", idem).want(t, http.StatusCreated, "create the job")
	job := created.Header.Get("Location")
	if job != fmt.Sprintf("/api/v1/jobs/%d", jNum(created.JSON["id"])) || created.str("kind") != "bind" || created.str("created_via") != "api" {
		t.Fatalf("created: Location %q, body %.400s", job, created.Raw)
	}

	// A retry of the same POST: the same job, not a second one.
	again := a.call(http.MethodPost, "/api/v1/jobs/bind", body, "Idempotency-Key", idem).want(t, http.StatusOK, "the retried POST")
	if jNum(again.JSON["id"]) != jNum(created.JSON["id"]) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry answered job %v (Idempotent-Replayed %q), want job %v", again.JSON["id"], again.Header.Get("Idempotent-Replayed"), created.JSON["id"])
	}
	other := map[string]any{"region": testapp.Region, "key_pair": key, "instance_ids": f.running[:1], "acknowledge": true}
	if r := a.call(http.MethodPost, "/api/v1/jobs/bind", other, "Idempotency-Key", idem); r.Status != http.StatusUnprocessableEntity || r.str("code") != "idempotency_key_reused" {
		t.Errorf("the key reused for another request: %d %s, want 422 idempotency_key_reused", r.Status, r.Raw)
	}
	if r := a.get("/api/v1/jobs").want(t, http.StatusOK, "jobs"); r.num("total") != 1 {
		t.Errorf("%d jobs, want 1", r.num("total"))
	}

	// Bound; the instances wait for a reboot or a start.
	j := apiStepUntil(t, app, a, job)
	sameAsGrid(t, browser, j)
	counts := jObj(j.JSON["counts"])
	if bound := len(f.running) + len(f.stopped); jNum(counts["bound"]) < bound || jNum(counts["excluded"]) != len(f.excluded)+1 {
		t.Errorf("counts %v, want at least %d bound and %d excluded", counts, bound, len(f.excluded)+1)
	}
	if j.str("state") != "waiting-for-you" || !strings.HasPrefix(j.str("state_label"), "Waiting for you") {
		t.Errorf("state %q (%q), want waiting-for-you", j.str("state"), j.str("state_label"))
	}

	// Reboot one and start one by ID; a wrong choice sends nothing.
	r := a.call(http.MethodPost, job+"/reboot", map[string]any{"instance_ids": []string{f.stopped[0]}})
	if r.Status != http.StatusConflict || r.str("code") != "nothing_to_do" || !strings.Contains(r.field("instance_ids"), f.stopped[0]) {
		t.Errorf("reboot a Stopped instance: %d %s, want 409 naming it", r.Status, r.Raw)
	}
	r = a.call(http.MethodPost, job+"/reboot", map[string]any{"instance_ids": []string{"i-notinthisjob"}})
	if r.Status != http.StatusUnprocessableEntity || r.field("instance_ids") == "" {
		t.Errorf("reboot an instance not in the job: %d %s, want 422 naming instance_ids", r.Status, r.Raw)
	}
	if n := app.Sandbox.Calls()["RebootInstances"] + app.Sandbox.Calls()["StartInstances"]; n != 0 {
		t.Fatalf("%d restarts sent before any was asked for", n)
	}
	r = a.call(http.MethodPost, job+"/reboot", map[string]any{"instance_ids": []string{f.running[0]}}).want(t, http.StatusAccepted, "reboot one")
	if r.num("queued") != 1 {
		t.Errorf("reboot one: queued %d, want 1", r.num("queued"))
	}
	a.call(http.MethodPost, job+"/start", map[string]any{"instance_ids": []string{f.stopped[0]}}).want(t, http.StatusAccepted, "start one")

	// The rest in bulk.
	r = a.call(http.MethodPost, job+"/reboot-running", nil).want(t, http.StatusAccepted, "reboot the running")
	if r.num("queued") < len(f.running)-1 {
		t.Errorf("reboot-running queued %d, want at least %d", r.num("queued"), len(f.running)-1)
	}
	a.call(http.MethodPost, job+"/start-stopped", map[string]any{}).want(t, http.StatusAccepted, "start the stopped")
	if r := a.call(http.MethodPost, job+"/reboot-running", nil); r.Status != http.StatusConflict || r.str("code") != "nothing_to_do" {
		t.Errorf("reboot-running again: %d %s, want 409 nothing_to_do", r.Status, r.Raw)
	}

	// Done: every bound instance runs with the key in effect.
	j = apiStepUntil(t, app, a, job)
	sameAsGrid(t, browser, j)
	counts = jObj(j.JSON["counts"])
	if j.str("state") != "done" || j.str("state_label") != "Done" || jNum(counts["in_effect"]) != jNum(counts["bound"]) {
		t.Errorf("final state %q (%q), counts %v; want done with every bound key in effect", j.str("state"), j.str("state_label"), counts)
	}
	for _, it := range jList(j.JSON["items"]) {
		item := jObj(it)
		if item["key_state"] != "done" {
			continue
		}
		id := jStr(item["instance_id"])
		if ks, _ := app.Sandbox.KeyInEffect(testapp.Region, id); ks.EffectiveKeyPair != key || ks.PasswordLogin {
			t.Errorf("sandbox %s: key in effect %q, password login %t; want %q and off", id, ks.EffectiveKeyPair, ks.PasswordLogin, key)
		}
		if jStr(item["restart"]) != "Running — key in effect" || item["restart_state"] != "key-in-effect" {
			t.Errorf("%s: restart %q / %v", id, jStr(item["restart"]), item["restart_state"])
		}
	}

	// Every change is in the audit trail under helen, via the API.
	var create, restarts int
	for _, e := range app.Audit(t, "") {
		if e.JobID != int64(jNum(j.JSON["id"])) || e.Username != "helen" {
			continue
		}
		if e.Via != "api" {
			t.Errorf("audit %s via %q, want api", e.Action, e.Via)
		}
		switch {
		case e.Action == "job.create":
			create++
		case strings.HasPrefix(e.Action, "job.restart"):
			restarts++
		}
	}
	if create != 1 || restarts < 3 {
		t.Errorf("audit: %d job.create and %d restart requests by helen via api, want 1 and at least 3", create, restarts)
	}
}
