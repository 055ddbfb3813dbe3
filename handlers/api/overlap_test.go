package api_test

import (
	"net/http"
	"strings"
	"testing"

	"keybind/internal/testapp"
)

// A bind on instances an active job works on is refused with 409 jobs_overlap naming the job and
// the instances, and sends nothing; an instance list that shares none goes through.
func TestAPIOverlappingJobIsRefused(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 40})
	browser := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	a := newAPIClient(t, app, apiToken(t, browser, "overlap"))
	ids := linuxInstances(t, app, 6)
	key := app.FirstKey(t)
	bind := func(ids []string, idem string) apiResp {
		return a.call(http.MethodPost, "/api/v1/jobs/bind", map[string]any{"region": testapp.Region, "key_pair": key,
			"instance_ids": ids, "acknowledge": true, "after": "restart"}, "Idempotency-Key", idem)
	}
	first := bind(ids[:4], "overlap-first").want(t, http.StatusCreated, "first bind")
	id := first.Header.Get("Location")[len("/api/v1/jobs/"):]

	r := bind(ids[2:], "overlap-second")
	if r.Status != http.StatusConflict || r.str("code") != "jobs_overlap" {
		t.Fatalf("overlapping bind = %d %s, want 409 jobs_overlap", r.Status, r.Raw)
	}
	if msg := r.field("instance_ids"); !strings.Contains(msg, "job "+id) || !strings.Contains(msg, ids[2]) || strings.Contains(msg, ids[4]) {
		t.Errorf("message %q should name job %s and the shared instances (%s, not %s)", msg, id, ids[2], ids[4])
	}
	if n := app.Sandbox.Calls()["AttachKeyPair"]; n != 0 {
		t.Errorf("AttachKeyPair sent %d times", n)
	}
	bind(ids[4:], "overlap-third").want(t, http.StatusCreated, "a bind sharing no instance")
}
