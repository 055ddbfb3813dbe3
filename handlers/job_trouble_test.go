package handlers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"keybind/internal/jobs"
	"keybind/internal/sandbox"
	"keybind/internal/testapp"
)

// TestCloudTroubleInWords is issue 10's item 4: while ECS throttles, each
// waiting row says so, with the attempts and the next try, and the job's
// header says the job is held up and why; nothing speaks of waves or "n/a".
func TestCloudTroubleInWords(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 20})
	ctx := context.Background()
	ids := app.LinuxInstances(t, 4)
	for _, id := range ids {
		app.SetInstance(t, id, sandbox.StatusRunning, "")
	}
	found, _, err := app.Gateway.InstancesByID(ctx, testapp.Region, ids)
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := app.Engine.Create(ctx, jobs.CreateRequest{IdempotencyKey: "throttled", Plan: jobs.PlanBind(testapp.Region, app.FirstKey(t), ids, found),
		Actor: jobs.Actor{UserID: app.Helpdesk.ID, Username: "helen", Role: "helpdesk", Via: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	app.Sandbox.AddFault(sandbox.Fault{Action: "AttachKeyPair", Kind: sandbox.FaultThrottle, RetryAfter: time.Millisecond})
	if err := app.Engine.Step(ctx); err != nil {
		t.Logf("engine round: %v", err)
	}
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	g := c.Get("/jobs/" + itoa(id)).Doc
	held := g.Find(`[data-testid="held-up"]`).Text()
	if !strings.Contains(held, "Held up: 4 instances wait to be tried again") || !strings.Contains(held, "Throttling") || !strings.Contains(held, "Next try at") {
		t.Errorf("the header says %q, want why the job is held up", held)
	}
	for _, inst := range ids {
		row := g.Find(`#row-` + inst)
		if w := row.Find(`[data-testid="item-waiting"]`).Text(); !strings.Contains(w, "The key call failed once") || !strings.Contains(w, "Throttling") || !strings.Contains(w, "Next try at") {
			t.Errorf("%s waits and says %q", inst, w)
		}
		if r := row.Find(`[data-testid="item-restart"]`).Text(); r != "After the key is bound" {
			t.Errorf("%s restart column %q", inst, r)
		}
	}
	if html := mustHTML(t, g); strings.Contains(html, "wave") || strings.Contains(html, ">n/a<") {
		t.Error("the grid speaks of waves or n/a")
	}
	// Once ECS answers again the job goes on and the header says nothing more.
	app.Sandbox.ClearFaults()
	for range 5 {
		app.Clock.Advance(time.Second)
		if err := app.Engine.Step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if held := c.Get("/jobs/" + itoa(id)).Doc.Find(`[data-testid="held-up"]`); held.Length() != 0 {
		t.Errorf("after the throttling ended the header still says %q", held.Text())
	}
}
