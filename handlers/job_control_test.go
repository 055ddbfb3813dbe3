package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"keybind/internal/jobs"
	"keybind/internal/testapp"
)

// TestJobControlsOnTheGrid: the grid's summary offers pause while the job
// has work; pause and resume answer htmx with the message and the event
// that refreshes the grid; cancel asks first (a dialog for htmx, a page
// without JavaScript, whose form carries the CSRF token) and cancels only
// once confirmed.
func TestJobControlsOnTheGrid(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 20})
	ctx := context.Background()
	ids := app.LinuxInstances(t, 3)
	found, _, err := app.Gateway.InstancesByID(ctx, testapp.Region, ids)
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := app.Engine.Create(ctx, jobs.CreateRequest{IdempotencyKey: "controls", Plan: jobs.PlanBind(testapp.Region, app.Sandbox.KeyPairs(testapp.Region)[1].Name, ids, found).IncludeSame(),
		Actor: jobs.Actor{UserID: app.Helpdesk.ID, Username: "helen", Role: "helpdesk", Via: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	job := "/jobs/" + itoa(id)
	doc := c.Get(job).Doc
	if doc.Find(`[data-testid="job-pause"]`).Length() != 1 || doc.Find(`form[action="`+job+`/cancel"] input[name="csrf_token"]`).Length() != 1 {
		t.Fatal("the grid of a running job offers no pause, or its cancel form carries no CSRF token")
	}
	r := c.PostHTMX(job+"/pause", nil)
	if r.StatusCode != http.StatusOK || r.Header.Get("HX-Trigger") != "grid-refresh" {
		t.Fatalf("pause via htmx = %d, trigger %q", r.StatusCode, r.Header.Get("HX-Trigger"))
	}
	if j, _ := app.Engine.Job(ctx, id); j.State != jobs.StatePaused {
		t.Fatalf("after pause the job is %s", j.State)
	}
	if r := c.PostHTMX(job+"/resume", nil); r.Header.Get("HX-Trigger") != "grid-refresh" {
		t.Errorf("resume via htmx = %d, trigger %q", r.StatusCode, r.Header.Get("HX-Trigger"))
	}
	if r := c.PostHTMX(job+"/cancel", nil); r.Doc.Find(`dialog[data-testid="confirm-dialog"] [data-testid="cancel-confirm-button"]`).Length() != 1 {
		t.Errorf("unconfirmed cancel via htmx: no dialog: %.300s", r.Body)
	}
	page := c.PostForm(job+"/cancel", nil)
	if page.StatusCode != http.StatusOK || page.Doc.Find(`form[data-testid="cancel-confirm"] input[name="csrf_token"]`).Length() != 1 {
		t.Fatalf("unconfirmed cancel without JavaScript = %d, want the confirmation page", page.StatusCode)
	}
	if j, _ := app.Engine.Job(ctx, id); !j.CancelledAt.IsZero() {
		t.Fatal("the job was cancelled before the confirmation")
	}
	if r := c.PostForm(job+"/cancel", url.Values{"confirm": {"yes"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed cancel = %d", r.StatusCode)
	}
	if j, _ := app.Engine.Job(ctx, id); j.CancelledAt.IsZero() {
		t.Error("the confirmed cancel did not cancel the job")
	}
}
