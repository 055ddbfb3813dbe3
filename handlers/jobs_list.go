package handlers

import (
	"context"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"keybind/internal/jobs"
	"keybind/views"
	"keybind/views/components"
)

// JobLister pages through all jobs, newest first.
type JobLister interface {
	Jobs(ctx context.Context, page, pageSize int) ([]jobs.Job, int, error)
}

// JobsList renders the job history.
type JobsList struct{ jobs JobLister }

// NewJobsList builds the history handler.
func NewJobsList(j JobLister) *JobsList { return &JobsList{jobs: j} }

const jobsPageSize = 25

// Show renders one page of the history.
func (h *JobsList) Show(c echo.Context) error {
	pageNo := pageParam(c.QueryParam("page"))
	list, total, err := h.jobs.Jobs(c.Request().Context(), pageNo, jobsPageSize)
	if err != nil {
		return err
	}
	p := views.JobsPage{Page: page(c, "Jobs", "jobs"),
		Pager: components.PagerProps{Page: pageNo, PageSize: jobsPageSize, Total: total, BaseURL: "/jobs", Query: url.Values{}, Label: "jobs"}}
	for _, j := range list {
		s := jobSummary(j)
		p.Jobs = append(p.Jobs, views.JobListRow{ID: j.ID, Title: s.Title, CreatedBy: s.CreatedBy, Created: s.Created,
			Region: j.Region, Key: j.KeyPair, Counts: s.Counts, State: s.State, StateTone: s.StateTone})
	}
	return render(c, http.StatusOK, views.Jobs(p))
}
