package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/internal/jobs"
)

// APIJobsList pages through the job history, newest first.
type APIJobsList struct{ jobs JobLister }

// NewAPIJobsList builds GET /api/v1/jobs.
func NewAPIJobsList(j JobLister) *APIJobsList { return &APIJobsList{jobs: j} }

type apiJobListEntry struct {
	apiJobSummary
	Counts apiListCounts `json:"counts"`
}

// List answers one page of jobs with the jobs page's counts (the items and
// the bulk-action counts are on GET /api/v1/jobs/{id}).
func (h *APIJobsList) List(c echo.Context) error {
	if err := onlyQuery(c, "page", "page_size"); err != nil {
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
	out := struct {
		Page     int               `json:"page"`
		PageSize int               `json:"page_size"`
		Total    int               `json:"total"`
		Items    []apiJobListEntry `json:"items"`
	}{Page: page, PageSize: size, Total: total, Items: make([]apiJobListEntry, 0, len(list))}
	for _, j := range list {
		s := jobSummary(j)
		out.Items = append(out.Items, apiJobListEntry{apiJobSummary: toAPIJobSummary(j, s), Counts: toAPIListCounts(s.Counts)})
	}
	return c.JSON(http.StatusOK, out)
}
