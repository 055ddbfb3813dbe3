package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"keybind/internal/jobs"
	"keybind/internal/sandbox"
	"keybind/internal/testapp"
)

// TestReviewIsHonest is issue 10's item 3: password login is counted only
// where it is on now; an instance that already has the key is "no change"
// and is neither sent the key nor restarted unless the person asks; the red
// box names every key whose holders lose access; what will not change is
// counted before the submit button; a pasted header line is ignored, not
// fatal; the reason is kept; reloading the submitted review leads to its job.
func TestReviewIsHonest(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 40})
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	key := app.FirstKey(t)
	ids := app.LinuxInstances(t, 6)
	run, stop := sandbox.StatusRunning, sandbox.StatusStopped
	app.SetInstance(t, ids[0], run, "ci-runner")       // replaced: ci-runner's holders lose access
	app.SetInstance(t, ids[1], run, "bob_workstation") // replaced
	app.SetInstance(t, ids[2], run, "bob_workstation") // replaced
	app.SetInstance(t, ids[3], run, "")                // password login on now
	app.SetInstance(t, ids[4], stop, "")               // password login on now
	app.SetInstance(t, ids[5], run, key)               // already has the key: no change
	unknown := "i-unknown000000000000"
	params := url.Values{"region": {region}, "key": {key}}
	c.Get("/bind/instances?" + params.Encode())

	paste := "Instance ID\n" + strings.Join(ids, "\n") + "\n" + unknown
	r := c.PostHTMX("/bind/selection/paste", url.Values{"region": {region}, "key": {key}, "ids": {paste}})
	msg := r.Doc.Find(`[data-testid="selection-message"]`).Text()
	if r.StatusCode != http.StatusOK || !strings.Contains(msg, `Ignored 1 line without an instance ID: "Instance ID"`) || !strings.Contains(msg, unknown) {
		t.Fatalf("paste with a header line = %d, %q", r.StatusCode, msg)
	}
	if got := strings.TrimSpace(r.Doc.Find(`[data-testid="selected-count"]`).Text()); got != "7 instances selected" {
		t.Errorf("after the paste: %q, want the 6 instances and the unknown ID", got)
	}

	r = c.Get("/bind/review?" + params.Encode())
	doc := r.Doc
	if got := doc.Find(`[data-testid="password-warning-text"]`).Text(); got != "Password login will be disabled on 2 instances." {
		t.Errorf("password warning %q, want 2 instances (the others have a key, so password login is off already)", got)
	}
	var losing []string
	doc.Find(`[data-testid="password-warning"] [data-testid="losing-access"] li`).Each(func(_ int, s *goquery.Selection) {
		losing = append(losing, strings.TrimSpace(s.Text()))
	})
	if strings.Join(losing, "; ") != "bob_workstation on 2 instances; ci-runner on 1 instance" {
		t.Errorf("red box lists the keys losing access as %q", losing)
	}
	for id, n := range map[string]int{"count-bind": 5, "count-reboot": 4, "count-start": 1, "count-already": 1, "count-excluded": 2} {
		if got := testapp.Count(t, doc, id); got != n {
			t.Errorf("review %s = %d, want %d", id, got, n)
		}
	}
	leftOut := doc.Find(`[data-testid="left-out"]`)
	for _, want := range []string{"2 instances will not change", "Not found in this region: 1 instance", "Already has this key (no change): 1 instance", "cannot tell whether the key is in effect"} {
		if !strings.Contains(leftOut.Text(), want) {
			t.Errorf("what will not change (%q) does not say %q", leftOut.Text(), want)
		}
	}
	html, _ := doc.Html()
	if i, j := strings.Index(html, `data-testid="left-out"`), strings.Index(html, `data-testid="submit-bind"`); i < 0 || j < 0 || i > j {
		t.Errorf("what will not change is at %d, the submit button at %d: want it before", i, j)
	}
	if doc.Find(`[data-testid="review-included"] [data-instance-id="`+ids[5]+`"]`).Length() != 0 ||
		doc.Find(`[data-testid="review-excluded"] [data-instance-id="`+ids[5]+`"]`).Length() != 1 {
		t.Errorf("%s already has the key but is listed as changing", ids[5])
	}

	idem, _ := doc.Find(`input[name="idempotency_key"]`).Attr("value")
	form := url.Values{"region": {region}, "key": {key}, "idempotency_key": {idem}, "ack": {"yes"}, "after": {"restart"},
		"force": {"no"}, "wave": {"5"}, "reason": {"  CHG-1234 rotate the deploy key "}}
	r = c.PostForm("/jobs", url.Values{"region": {region}, "key": {key}, "idempotency_key": {idem}, "ack": {"yes"}, "reason": {"two\nlines"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc.Find(`#reason-help`).Text(), "one line") {
		t.Errorf("a two-line reason = %d, %q", r.StatusCode, r.Doc.Find(`#reason-help`).Text())
	}
	r = c.PostForm("/jobs", form)
	m := jobURL.FindStringSubmatch(r.Header.Get("Location"))
	if r.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("submit = %d → %q", r.StatusCode, r.Header.Get("Location"))
	}
	jobID := int64(mustAtoi(t, m[1]))
	j, err := app.Engine.Job(context.Background(), jobID)
	if err != nil || j.Reason != "CHG-1234 rotate the deploy key" {
		t.Errorf("job reason %q, %v", j.Reason, err)
	}
	items, _ := app.Engine.Items(context.Background(), jobID)
	for _, it := range items {
		if it.InstanceID == ids[5] && (it.Key != jobs.KeyExcluded || it.ExcludeReason != jobs.ExcludedAlreadyHas) {
			t.Errorf("%s already had the key: item %s (%s), want excluded: nothing sent, no restart", it.InstanceID, it.Key, it.ExcludeReason)
		}
	}
	stepUntil(t, app, func() bool { j, _ := app.Engine.Job(context.Background(), jobID); return !j.InMotion() })
	if inst, _ := app.Sandbox.Instance(region, ids[5]); inst.Status != sandbox.StatusRunning || inst.Operation != "" {
		t.Errorf("%s already had the key but was restarted: %s %s", ids[5], inst.Status, inst.Operation)
	}
	if grid := c.Get("/jobs/" + m[1]).Doc; !strings.Contains(grid.Find(`[data-testid="job-reason"]`).Text(), "CHG-1234") {
		t.Errorf("the grid does not show the reason: %q", grid.Find(`[data-testid="job-reason"]`).Text())
	}

	// The audit log shows the reason with the job's entries.
	audit := app.SignIn(t, "admin", testapp.AdminPassword).Get("/audit?action=job.create").Doc
	if got := audit.Find(`[data-testid="audit-job-reason"]`).First().Text(); got != "Reason: CHG-1234 rotate the deploy key" {
		t.Errorf("the audit entry of the job shows the reason %q", got)
	}

	// Reloading the submitted review leads to its job.
	r = c.Get("/bind/review?" + params.Encode())
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/jobs/"+m[1] {
		t.Errorf("reload of the submitted review = %d → %q, want its job", r.StatusCode, r.Header.Get("Location"))
	}

	// Only instances that have the key: nothing changes unless the person asks to send it again.
	c.Get("/bind/instances?" + params.Encode())
	c.PostHTMX("/bind/selection/paste", url.Values{"region": {region}, "key": {key}, "ids": {ids[5]}})
	doc = c.Get("/bind/review?" + params.Encode()).Doc
	idem, _ = doc.Find(`input[name="idempotency_key"]`).Attr("value")
	again := url.Values{"region": {region}, "key": {key}, "idempotency_key": {idem}, "ack": {"yes"}, "after": {"none"}}
	if r := c.PostForm("/jobs", again); r.StatusCode != http.StatusUnprocessableEntity || r.Doc.Find(`[data-testid="same-error"]`).Length() != 1 {
		t.Fatalf("submit with nothing to change = %d, want 422 asking to tick the box", r.StatusCode)
	}
	again.Set("same", "yes")
	r = c.PostForm("/jobs", again)
	if m = jobURL.FindStringSubmatch(r.Header.Get("Location")); m == nil {
		t.Fatalf("submit with the box ticked = %d → %q", r.StatusCode, r.Header.Get("Location"))
	}
	items, _ = app.Engine.Items(context.Background(), int64(mustAtoi(t, m[1])))
	if len(items) != 1 || items[0].Key != jobs.KeyPending || items[0].Change != jobs.ChangeSame {
		t.Errorf("sent again on request: %+v", items)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
