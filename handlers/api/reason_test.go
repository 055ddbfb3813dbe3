package api_test

import (
	"net/http"
	"testing"

	"keybind/internal/sandbox"
	"keybind/internal/testapp"
)

// TestAPIReasonAndInstancesThatHaveTheKey: a job created through the API
// keeps its reason (the review page's rule: one line, at most 200
// characters) and shows it; instances that already have the key are left
// out unless include_same_key asks for them, as on the review page.
func TestAPIReasonAndInstancesThatHaveTheKey(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 20})
	a := newAPIClient(t, app, apiToken(t, app.SignIn(t, "helen", testapp.HelpdeskPassword), "reason"))
	key := app.FirstKey(t)
	ids := app.LinuxInstances(t, 3)
	app.SetInstance(t, ids[0], sandbox.StatusRunning, key)
	app.SetInstance(t, ids[1], sandbox.StatusRunning, "")
	app.SetInstance(t, ids[2], sandbox.StatusRunning, key)
	body := map[string]any{"region": testapp.Region, "key_pair": key, "instance_ids": ids[:2], "acknowledge": true, "reason": "two\nlines"}
	if r := a.call(http.MethodPost, "/api/v1/jobs/bind", body, "Idempotency-Key", "reason-bad-1"); r.Status != http.StatusUnprocessableEntity || r.field("reason") == "" {
		t.Errorf("a two-line reason: %d %s, want 422 naming reason", r.Status, r.Raw)
	}
	body["reason"] = "  CHG-9 rotate "
	r := a.call(http.MethodPost, "/api/v1/jobs/bind", body, "Idempotency-Key", "reason-ok-1").want(t, http.StatusCreated, "bind with a reason")
	if r.str("reason") != "CHG-9 rotate" {
		t.Errorf("job reason %q, want it trimmed", r.str("reason"))
	}
	for _, it := range jList(r.JSON["items"]) {
		item := jObj(it)
		if jStr(item["instance_id"]) == ids[0] && (jStr(item["key_state"]) != "excluded" || jStr(item["excluded_reason"]) != "already-has") {
			t.Errorf("%s already has the key: %v, want excluded already-has", ids[0], item)
		}
	}
	if l := a.get("/api/v1/jobs").want(t, http.StatusOK, "jobs"); jStr(jObj(jList(l.JSON["items"])[0])["reason"]) != "CHG-9 rotate" {
		t.Errorf("the job list does not carry the reason: %.300s", l.Raw)
	}
	// Another instance that has the key (one instance is in one active job at a time).
	body["include_same_key"], body["reason"], body["instance_ids"] = true, "", ids[2:]
	r = a.call(http.MethodPost, "/api/v1/jobs/bind", body, "Idempotency-Key", "reason-same-1").want(t, http.StatusCreated, "bind with include_same_key")
	for _, it := range jList(r.JSON["items"]) {
		if item := jObj(it); jStr(item["key_state"]) == "excluded" {
			t.Errorf("include_same_key left %s out", jStr(item["instance_id"]))
		}
	}
}
