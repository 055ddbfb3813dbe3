package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/auth"
	"keybind/internal/inventory"
	"keybind/internal/jobs"
	"keybind/views"
)

// JobFinder finds jobs by state, person, region, instance or words;
// *jobs.Engine provides it.
type JobFinder interface {
	FindJobs(ctx context.Context, f jobs.JobFilter) ([]jobs.Job, int, error)
}

// UnfinishedFinder finds the unfinished jobs the dashboard leads back to;
// *jobs.Engine provides it.
type UnfinishedFinder interface {
	FindUnfinished(ctx context.Context, name string, userID int64, n int) (jobs.Unfinished, error)
}

// Dashboard is the first page after sign-in: it leads back to unfinished
// work (the person's jobs, then the team's, that wait for a decision, a
// restart or are still in progress), then lists the regions, which proves
// the path browser → console → gateway → cloud works.
type Dashboard struct {
	cloud inventory.RegionLister
	jobs  UnfinishedFinder
}

// NewDashboard builds the dashboard handler.
func NewDashboard(c inventory.RegionLister, j UnfinishedFinder) *Dashboard {
	return &Dashboard{cloud: c, jobs: j}
}

// dashboardJobs is how many unfinished jobs each list shows.
const dashboardJobs = 10

// Show renders the dashboard.
func (h *Dashboard) Show(c echo.Context) error {
	d := views.DashboardPage{Page: page(c, request.T(c, "dashboard.title"), "dashboard")}
	ctx := c.Request().Context()
	if u := request.Get(c).User; u.Role.Can(auth.PermViewJobs) {
		d.ShowJobs = true
		un, err := h.jobs.FindUnfinished(ctx, u.Name, u.ID, dashboardJobs)
		if err != nil {
			return err
		}
		d.Mine, d.MineTotal = listRows(c, un.Mine), un.MineTotal
		d.Team, d.TeamTotal = listRows(c, un.Team), un.TeamTotal
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

// listRows are the job list's rows of jobs.
func listRows(c echo.Context, list []jobs.Job) []views.JobListRow {
	rows := make([]views.JobListRow, len(list))
	for i, j := range list {
		rows[i] = jobListRow(c, j)
	}
	return rows
}
