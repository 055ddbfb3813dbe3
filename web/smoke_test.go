package web_test

import (
	"net/http"
	"testing"

	"keybind/internal/testapp"
)

func TestSignInSeesRegionsFromTheSandbox(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 20})
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	r := c.Get("/")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", r.StatusCode)
	}
	if n := r.Doc.Find(`[data-testid="region-row"]`).Length(); n < 5 {
		t.Errorf("dashboard lists %d regions, want at least 5", n)
	}
	if got := r.Doc.Find(`[data-testid="sandbox-banner"]`).Text(); got != "Sandbox: changes affect simulated instances only" {
		t.Errorf("banner = %q", got)
	}
}
