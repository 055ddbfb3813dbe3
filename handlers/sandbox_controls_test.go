package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"keybind/internal/testapp"
)

func TestSandboxControls(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	admin := app.SignIn(t, "admin", testapp.AdminPassword)
	if r := admin.Get("/sandbox"); r.StatusCode != http.StatusOK || r.Doc.Find(`[data-testid="fault-form"]`).Length() != 1 {
		t.Fatalf("GET /sandbox = %d", r.StatusCode)
	}
	before := app.Sandbox.Now()
	if r := admin.PostForm("/sandbox/advance", url.Values{"seconds": {"60"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("advance = %d", r.StatusCode)
	}
	if d := app.Sandbox.Now().Sub(before); d < time.Minute {
		t.Errorf("the sandbox clock moved %s, want a minute", d)
	}
	r := admin.PostForm("/sandbox/faults", url.Values{"action": {"AttachKeyPair"}, "kind": {"throttle"}, "count": {"3"}, "probability": {"0"}, "latency_ms": {"0"}})
	if r.StatusCode != http.StatusSeeOther || len(app.Sandbox.Faults()) != 1 {
		t.Fatalf("add fault = %d, %d faults", r.StatusCode, len(app.Sandbox.Faults()))
	}
	r = admin.PostForm("/sandbox/faults", url.Values{"action": {"NoSuchAction"}, "kind": {"throttle"}, "count": {"1"}, "probability": {"0"}, "latency_ms": {"0"}})
	if r.StatusCode != http.StatusUnprocessableEntity || len(app.Sandbox.Faults()) != 1 {
		t.Errorf("bad fault = %d, %d faults; want 422 and nothing added", r.StatusCode, len(app.Sandbox.Faults()))
	}
	if r := admin.PostForm("/sandbox/faults/clear", nil); r.StatusCode != http.StatusSeeOther || len(app.Sandbox.Faults()) != 0 {
		t.Errorf("clear = %d, %d faults left", r.StatusCode, len(app.Sandbox.Faults()))
	}
	audit := admin.Get("/audit?action=sandbox.advance")
	if !strings.Contains(audit.Doc.Find(`[data-testid="audit-table"]`).Text(), "advanced 60 s") {
		t.Error("the audit log does not show the clock change")
	}

	helpdesk := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	if r := helpdesk.Get("/sandbox"); r.StatusCode != http.StatusForbidden {
		t.Errorf("helpdesk GET /sandbox = %d, want 403", r.StatusCode)
	}
	if r := helpdesk.PostForm("/sandbox/reset", nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("helpdesk POST /sandbox/reset = %d, want 403", r.StatusCode)
	}
}
