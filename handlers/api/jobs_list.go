package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/internal/jobs"
)

// JobLister pages through all jobs, newest first.
type JobLister interface {
	Jobs(ctx context.Context, page, pageSize int) ([]jobs.Job, int, error)
}

// JobsList pages through the job history, newest first.
type JobsList struct{ jobs JobLister }

// jobsPageSize is the default page of the job list, as on the jobs page.
const jobsPageSize = 25

// NewJobsList builds GET /api/v1/jobs.
func NewJobsList(j JobLister) *JobsList { return &JobsList{jobs: j} }

type apiJobListEntry struct {
	apiJobSummary
	Counts apiListCounts `json:"counts"`
}

// List answers one page of jobs with the jobs page's counts (the items and
// the bulk-action counts are on GET /api/v1/jobs/{id}).
func (h *JobsList) List(c echo.Context) error {
	if err := onlyQuery(c, "account", "page", "page_size"); err != nil {
		return err
	}
	page, size, err := apiPaging(c, jobsPageSize, jobs.MaxPageSize)
	if err != nil {
		return err
	}
	list, total, err := h.jobs.Jobs(c.Request().Context(), page, size)
	if err != nil {
		return err
	}
	out := apiPage[apiJobListEntry]{Page: page, PageSize: size, Total: total, Items: make([]apiJobListEntry, 0, len(list))}
	for _, j := range list {
		out.Items = append(out.Items, apiJobListEntry{apiJobSummary: toAPIJobSummary(j), Counts: toAPIListCounts(j.Counts)})
	}
	return c.JSON(http.StatusOK, out)
}
