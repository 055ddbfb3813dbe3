package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"keybind/internal/jobs"
	"keybind/internal/testapp"
)

// TestBackToUnfinishedWork is issue 10's item 6: the dashboard leads with
// the person's and the team's unfinished jobs; the job list filters by
// state, person, region, instance and the reason.
func TestBackToUnfinishedWork(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 40})
	mine, _ := app.BoundJob(t, 20, 0) // helen's: waits for reboots and starts
	ctx := context.Background()
	ids := app.LinuxInstances(t, 25)[22:]
	found, _, err := app.Gateway.InstancesByID(ctx, testapp.Region, ids)
	if err != nil {
		t.Fatal(err)
	}
	theirs, _, err := app.Engine.Create(ctx, jobs.CreateRequest{IdempotencyKey: "admins-job", Reason: "CHG-77 rotate the deploy key",
		Actor: jobs.Actor{UserID: app.Admin.ID, Username: "admin", Role: "admin", Via: "test"},
		Plan:  jobs.PlanBind(testapp.Region, app.Sandbox.KeyPairs(testapp.Region)[1].Name, ids, found)}) // in progress: the engine has not run
	if err != nil {
		t.Fatal(err)
	}
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	doc := c.Get("/").Doc
	if got := jobIDs(doc, "my-jobs"); got != itoa(mine) {
		t.Errorf("dashboard: your unfinished jobs %q, want %d", got, mine)
	}
	if got := jobIDs(doc, "team-jobs"); got != itoa(theirs) {
		t.Errorf("dashboard: the team's unfinished jobs %q, want %d", got, theirs)
	}
	if w := doc.Find(`[data-testid="my-jobs"] [data-testid="jobs-row"]`).Text(); !strings.Contains(w, "wait for a reboot or start") {
		t.Errorf("your job does not say what it waits for: %q", w)
	}
	for _, tc := range []struct{ query, want string }{
		{"", itoa(theirs) + " " + itoa(mine)},
		{"?state=unfinished&by=helen", itoa(mine)},
		{"?state=in-progress", itoa(theirs)},
		{"?state=waiting", itoa(mine)},
		{"?state=done", ""},
		{"?instance=" + ids[1], itoa(theirs)},
		{"?q=chg-77", itoa(theirs)},
		{"?q=%23" + itoa(mine), itoa(mine)},
		{"?region=" + testapp.Region + "&by=admin", itoa(theirs)},
		{"?region=ap-south-1", ""},
	} {
		r := c.Get("/jobs" + tc.query)
		if got := jobIDs(r.Doc, "jobs-table"); r.StatusCode != http.StatusOK || got != tc.want {
			t.Errorf("/jobs%s = %d, jobs %q, want %q", tc.query, r.StatusCode, got, tc.want)
		}
	}
	if r := c.Get("/jobs?q=chg-77"); !strings.Contains(r.Doc.Find(`[data-testid="jobs-reason"]`).Text(), "CHG-77") {
		t.Error("the job list does not show the reason")
	}
	if r := c.Get("/jobs?instance=I-NOPE"); r.StatusCode != http.StatusUnprocessableEntity || r.Doc.Find(`[data-testid="jobs-filter-error"]`).Length() != 1 {
		t.Errorf("a filter by a malformed instance ID = %d", r.StatusCode)
	}
	if r := c.Get("/jobs/export.csv?by=admin"); !strings.Contains(r.Body, "CHG-77") || strings.Contains(r.Body, "\n"+itoa(mine)+",") {
		t.Errorf("the CSV export does not follow the filter: %.300s", r.Body)
	}
}

func jobIDs(doc *goquery.Document, table string) string {
	var ids []string
	doc.Find(`[data-testid="` + table + `"] [data-testid="jobs-row"]`).Each(func(_ int, s *goquery.Selection) {
		ids = append(ids, s.AttrOr("data-job-id", ""))
	})
	return strings.Join(ids, " ")
}
