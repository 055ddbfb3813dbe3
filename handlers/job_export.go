package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/export"
	"keybind/internal/jobs"
	"keybind/views"
)

// jobRowJSON is one grid row in the JSON export: the words the grid shows.
type jobRowJSON struct {
	InstanceID   string `json:"instance_id"`
	Name         string `json:"name"`
	PreviousKey  string `json:"previous_key"`
	NewKey       string `json:"new_key"`
	Result       string `json:"result"`
	ResultDetail string `json:"result_detail,omitempty"`
	RestartState string `json:"restart_state"`
}

var jobRowHeader = []string{"instance_id", "name", "previous_key", "new_key", "result", "result_detail", "restart_state"}

func jobRowCells(r views.JobRow) []string {
	return []string{r.ID, r.Name, r.PrevKey, r.TargetKey, r.Result, r.ResultDetail, r.Restart}
}

// all reads the job the path names with every one of its rows.
func (h *JobShow) all(c echo.Context) (views.JobGridData, error) {
	id, err := request.JobID(c)
	if err != nil {
		return views.JobGridData{}, err
	}
	ctx := c.Request().Context()
	j, err := h.jobs.Job(ctx, id)
	if err != nil {
		return views.JobGridData{}, err
	}
	items, err := h.jobs.Items(ctx, id)
	if err != nil {
		return views.JobGridData{}, err
	}
	g := views.JobGridData{Job: jobSummary(c, j)}
	for _, it := range items {
		g.Rows = append(g.Rows, jobRow(c, it))
	}
	return g, nil
}

// ExportCSV writes the job's grid as CSV, row for row, every row.
func (h *JobShow) ExportCSV(c echo.Context) error {
	utcTimes(c)
	g, err := h.all(c)
	if err != nil {
		return err
	}
	return writeCSV(c, fmt.Sprintf("keybind-job-%d.csv", g.Job.ID), jobRowHeader, g.Rows, jobRowCells)
}

// writeCSV answers rows as a CSV attachment: the header in the person's
// language, then each row's cells.
func writeCSV[T any](c echo.Context, file string, header []string, rows []T, cells func(T) []string) error {
	attachment(c, "text/csv; charset=utf-8", file)
	w := export.NewCSV(c.Response())
	c.Response().WriteHeader(http.StatusOK)
	if err := w.Row(csvHeader(c, header)...); err != nil {
		return err
	}
	for _, r := range rows {
		if err := w.Row(cells(r)...); err != nil {
			return err
		}
	}
	return w.Flush()
}

// ExportJSON writes the job's grid as JSON: the summary and every row.
func (h *JobShow) ExportJSON(c echo.Context) error {
	stableWords(c)
	g, err := h.all(c)
	if err != nil {
		return err
	}
	out := struct {
		Job  jobJSON      `json:"job"`
		Rows []jobRowJSON `json:"rows"`
	}{Job: toJobJSON(g.Job), Rows: []jobRowJSON{}}
	for _, r := range g.Rows {
		out.Rows = append(out.Rows, jobRowJSON{InstanceID: r.ID, Name: r.Name, PreviousKey: r.PrevKey, NewKey: r.TargetKey,
			Result: r.Result, ResultDetail: r.ResultDetail, RestartState: r.Restart})
	}
	attachment(c, "", fmt.Sprintf("keybind-job-%d.json", g.Job.ID))
	return writeJSON(c, out)
}

// jobJSON is a job's summary as the exports show it.
type jobJSON struct {
	ID        int64  `json:"id"`
	Title     string `json:"title"`
	Account   string `json:"account"`
	Region    string `json:"region"`
	KeyPair   string `json:"key_pair"`
	CreatedBy string `json:"created_by"`
	Created   string `json:"created"`
	Reason    string `json:"reason"`
	State     string `json:"state"`
	Total     int    `json:"total"`
	Bound     int    `json:"bound"`
	Failed    int    `json:"failed"`
	Excluded  int    `json:"excluded"`
	InEffect  int    `json:"key_in_effect"`
}

func toJobJSON(s views.JobSummary) jobJSON {
	return jobJSON{ID: s.ID, Title: s.Title, Account: s.Account, Region: s.Region, KeyPair: s.Key, CreatedBy: s.CreatedBy, Created: s.Created,
		Reason: s.Reason, State: s.State, Total: s.Counts.Total, Bound: s.Counts.Bound, Failed: s.Counts.Failed, Excluded: s.Counts.Excluded,
		InEffect: s.Counts.InEffect}
}

var jobsHeader = []string{"id", "title", "created_utc", "created_by", "account", "region", "key_pair", "total", "bound", "failed", "excluded", "key_in_effect", "state", "reason"}

// ExportCSV writes every job of the history as CSV, newest first.
func (h *JobsList) ExportCSV(c echo.Context) error {
	utcTimes(c)
	all, err := h.all(c)
	if err != nil {
		return err
	}
	return writeCSV(c, "keybind-jobs.csv", jobsHeader, all, func(s views.JobSummary) []string {
		return []string{strconv.FormatInt(s.ID, 10), s.Title, s.Created, s.CreatedBy, s.Account, s.Region, s.Key,
			strconv.Itoa(s.Counts.Total), strconv.Itoa(s.Counts.Bound), strconv.Itoa(s.Counts.Failed),
			strconv.Itoa(s.Counts.Excluded), strconv.Itoa(s.Counts.InEffect), s.State, s.Reason}
	})
}

// ExportJSON writes every job of the history as JSON, newest first.
func (h *JobsList) ExportJSON(c echo.Context) error {
	stableWords(c)
	all, err := h.all(c)
	if err != nil {
		return err
	}
	out := []jobJSON{}
	for _, s := range all {
		out = append(out, toJobJSON(s))
	}
	attachment(c, "", "keybind-jobs.json")
	return writeJSON(c, out)
}

// all reads the whole history the list's filter selects, page by page.
func (h *JobsList) all(c echo.Context) ([]views.JobSummary, error) {
	f, _, errs := parseJobFilter(c)
	if len(errs) > 0 {
		return nil, apperr.Invalid(request.T(c, "fault.check_filter"), errs)
	}
	var out []views.JobSummary
	for f.Page, f.PageSize = 1, jobs.MaxPageSize; ; f.Page++ {
		list, total, err := h.jobs.FindJobs(c.Request().Context(), f)
		if err != nil {
			return nil, err
		}
		for _, j := range list {
			out = append(out, jobSummary(c, j))
		}
		if len(list) == 0 || len(out) >= total {
			return out, nil
		}
	}
}

func attachment(c echo.Context, ctype, name string) {
	if ctype != "" {
		c.Response().Header().Set(echo.HeaderContentType, ctype)
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
}

func writeJSON(c echo.Context, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, b)
}
