package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"keybind/handlers/request"
	"keybind/internal/testapp"
)

// Two people select the same instances. The first submits; while that job works, the second's
// review names the job and the instances, offers no submit, and a submit anyway is refused with
// 409 and the same words: one instance is changed by one job at a time. Once the first job is
// finished the second goes through.
func TestOverlappingSelectionIsRefusedOnTheReview(t *testing.T) {
	app := testapp.New(t, testapp.Options{})
	key := "ops-deploy"
	f := classify(app, 20, key)
	ids := strings.Join(f.bindable[:6], "\n")
	q := url.Values{"region": {region}, "key": {key}}
	review := "/bind/review?" + q.Encode()
	sel := func(c *testapp.Client) {
		t.Helper()
		c.Get("/bind/instances?" + q.Encode())
		if r := c.PostHTMX("/bind/selection/paste", url.Values{"region": {region}, "key": {key}, "ids": {ids}}); r.StatusCode != http.StatusOK {
			t.Fatalf("paste = %d", r.StatusCode)
		}
	}
	submit := func(c *testapp.Client, idem string) *testapp.Response {
		return c.PostForm("/jobs", url.Values{"region": {region}, "key": {key}, "idempotency_key": {idem}, "ack": {"yes"}, "after": {"none"}})
	}
	alice := app.SignIn(t, "admin", testapp.AdminPassword)
	helen := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	sel(alice)
	sel(helen)

	first := alice.Get(review)
	r := submit(alice, first.Doc.Find(`input[name="idempotency_key"]`).AttrOr("value", ""))
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("first submit = %d: %.300s", r.StatusCode, r.Body)
	}
	job := r.Header.Get("Location") // /jobs/N; the engine has not run: the job is still working

	r = helen.Get(review)
	box := r.Doc.Find(`[data-testid="review-overlaps"]`)
	if box.Length() != 1 || !strings.Contains(box.Text(), strings.TrimPrefix(job, "/jobs/")) || !strings.Contains(box.Text(), f.bindable[0]) {
		t.Fatalf("review while the first job works: overlap box %q, want it to name %s and %s", strings.TrimSpace(box.Text()), job, f.bindable[0])
	}
	if r.Doc.Find(`[data-testid="review-form"] button[type="submit"]`).Length() != 0 {
		t.Error("the review offers a submit for instances another job works on")
	}
	// A form kept from before (or a crafted one) is refused the same way.
	r = submit(helen, request.NewToken())
	if r.StatusCode != http.StatusConflict || r.Doc.Find(`[data-testid="review-overlaps"]`).Length() != 1 {
		t.Fatalf("second submit = %d, want 409 with the overlap box: %.500s", r.StatusCode, r.Body)
	}
	if n := app.Sandbox.Calls()["AttachKeyPair"]; n != 0 {
		t.Errorf("AttachKeyPair sent %d times; nothing should have run yet", n)
	}

	stepUntil(t, app, func() bool {
		return alice.Get(job+"/grid").Doc.Find(`[data-testid="grid-poll"]`).AttrOr("data-in-motion", "") == "false"
	})
	sel(helen)
	r = helen.Get(review)
	if r.Doc.Find(`[data-testid="review-overlaps"]`).Length() != 0 {
		t.Errorf("the first job is finished, yet the review still refuses: %q", r.Doc.Find(`[data-testid="review-overlaps"]`).Text())
	}
}
