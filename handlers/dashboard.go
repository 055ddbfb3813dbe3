package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/auth"
	"keybind/internal/jobs"
	"keybind/views"
)

// JobFinder finds jobs by state, person, region, instance or words;
// *jobs.Engine provides it.
type JobFinder interface {
	FindJobs(ctx context.Context, f jobs.JobFilter) ([]jobs.Job, int, error)
}

// Dashboard is the first page after sign-in: it leads back to unfinished
// work (the person's jobs, then the team's, that wait for a decision, a
// restart or are still in progress), then lists the regions, which proves
// the path browser → console → gateway → cloud works.
type Dashboard struct {
	cloud RegionLister
	jobs  JobFinder
}

// NewDashboard builds the dashboard handler.
func NewDashboard(c RegionLister, j JobFinder) *Dashboard { return &Dashboard{cloud: c, jobs: j} }

// dashboardJobs is how many unfinished jobs each list shows.
const dashboardJobs = 10

// Show renders the dashboard.
func (h *Dashboard) Show(c echo.Context) error {
	d := views.DashboardPage{Page: page(c, request.T(c, "dashboard.title"), "dashboard")}
	ctx := c.Request().Context()
	if u := request.Get(c).User; u.Role.Can(auth.PermViewJobs) {
		d.ShowJobs = true
		var err error
		if d.Mine, d.MineTotal, err = h.unfinished(c, jobs.JobFilter{CreatedBy: u.Name}); err != nil {
			return err
		}
		if d.Team, d.TeamTotal, err = h.unfinished(c, jobs.JobFilter{NotByUserID: u.ID}); err != nil {
			return err
		}
		d.MineURL = "/jobs?" + jobsQuery(jobs.JobFilter{State: jobs.JobsUnfinished, CreatedBy: u.Name}).Encode()
		d.TeamURL = "/jobs?" + jobsQuery(jobs.JobFilter{State: jobs.JobsUnfinished}).Encode()
	}
	regions, err := h.cloud.Regions(ctx)
	if err != nil {
		request.Get(c).Logger.Warn("list regions", "err", err)
		d.Error = cloudMessage(c, err)
	}
	for _, r := range regions {
		d.Regions = append(d.Regions, views.Region{ID: r.ID, Name: r.Name, Available: r.Available})
	}
	return render(c, http.StatusOK, views.Dashboard(d))
}

// unfinished lists the newest unfinished jobs the filter selects.
func (h *Dashboard) unfinished(c echo.Context, f jobs.JobFilter) ([]views.JobListRow, int, error) {
	f.State, f.PageSize = jobs.JobsUnfinished, dashboardJobs
	list, total, err := h.jobs.FindJobs(c.Request().Context(), f)
	if err != nil {
		return nil, 0, err
	}
	rows := make([]views.JobListRow, len(list))
	for i, j := range list {
		rows[i] = jobListRow(c, j)
	}
	return rows, total, nil
}
