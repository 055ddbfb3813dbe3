package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"keybind/internal/cloud"
	"keybind/internal/jobs"
	"keybind/internal/text"
	"keybind/views"
	"keybind/views/components"
)

// JobsList renders the job history, filtered by state, person, region,
// instance or words (the reason, the key pair, the job's number).
type JobsList struct{ jobs JobFinder }

// NewJobsList builds the history handler.
func NewJobsList(j JobFinder) *JobsList { return &JobsList{jobs: j} }

const jobsPageSize = 25

// parseJobFilter reads the list's filter; a value that cannot select
// anything is a field error.
func parseJobFilter(c echo.Context) (jobs.JobFilter, views.JobFilter, map[string]string) {
	vf := views.JobFilter{State: c.QueryParam("state"), By: strings.TrimSpace(c.QueryParam("by")), Region: strings.TrimSpace(c.QueryParam("region")),
		Instance: strings.TrimSpace(c.QueryParam("instance")), Search: strings.TrimSpace(c.QueryParam("q"))}
	f := jobs.JobFilter{State: jobs.JobState(vf.State), CreatedBy: vf.By, Region: vf.Region, InstanceID: vf.Instance, Search: vf.Search,
		Page: pageParam(c.QueryParam("page")), PageSize: jobsPageSize}
	errs := map[string]string{}
	if !f.State.Valid() {
		errs["state"] = "Choose a state from the list."
	}
	for field, v := range map[string]string{"by": vf.By, "region": vf.Region, "q": vf.Search} {
		if utf8.RuneCountInString(v) > 128 {
			errs[field] = "At most 128 characters."
		}
	}
	if vf.Instance != "" && !cloud.ValidInstanceID(vf.Instance) {
		errs["instance"] = "An instance ID is i- followed by lowercase letters and digits."
	}
	for _, s := range jobs.JobStates {
		vf.States = append(vf.States, views.Option{Value: string(s), Label: s.Label(), Selected: s == f.State})
	}
	return f, vf, errs
}

// jobsQuery is a filter as the list's URL parameters (page apart).
func jobsQuery(f jobs.JobFilter) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"state": string(f.State), "by": f.CreatedBy, "region": f.Region, "instance": f.InstanceID, "q": f.Search} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// Show renders one page of the filtered history.
func (h *JobsList) Show(c echo.Context) error {
	f, vf, errs := parseJobFilter(c)
	q := jobsQuery(f)
	p := views.JobsPage{Page: page(c, "Jobs", "jobs"), Filter: vf, Errors: errs,
		ExportCSV: withQuery("/jobs/export.csv", q), ExportJSON: withQuery("/jobs/export.json", q),
		Pager: components.PagerProps{Page: f.Page, PageSize: jobsPageSize, BaseURL: "/jobs", Query: q, Label: "jobs"}}
	if len(errs) > 0 {
		return render(c, http.StatusUnprocessableEntity, views.Jobs(p))
	}
	list, total, err := h.jobs.FindJobs(c.Request().Context(), f)
	if err != nil {
		return err
	}
	p.Pager.Total, p.Filtered = total, len(q) > 0
	for _, j := range list {
		p.Jobs = append(p.Jobs, jobListRow(j))
	}
	return render(c, http.StatusOK, views.Jobs(p))
}

// jobListRow maps a job to its line in the job list and on the dashboard.
func jobListRow(j jobs.Job) views.JobListRow {
	s := jobSummary(j)
	return views.JobListRow{ID: j.ID, Title: s.Title, Account: j.Account, CreatedBy: s.CreatedBy, Created: s.Created, Region: j.Region, Key: j.KeyPair,
		Reason: j.Reason, Counts: s.Counts, State: s.State, StateTone: s.StateTone, Waits: waitsFor(j)}
}

// waitsFor says what a job waits for, in a few words; "" when nothing.
func waitsFor(j jobs.Job) string {
	c := j.Counts
	var parts []string
	if c.NeedsDecision > 0 {
		parts = append(parts, text.Plural(c.NeedsDecision, "needs a decision", "need a decision"))
	}
	if n := c.NeedsReboot + c.NeedsStart; n > 0 {
		parts = append(parts, text.Plural(n, "waits for a reboot or start", "wait for a reboot or start"))
	}
	if j.InMotion() {
		parts = append(parts, "in progress")
	}
	if f := c.Failed(); f > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", f))
	}
	return strings.Join(parts, "; ")
}
