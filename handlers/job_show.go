package handlers

import (
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"keybind/handlers/htmx"
	"keybind/handlers/request"
	"keybind/internal/jobs"
	"keybind/views"
	"keybind/views/components"
)

// JobReader reads jobs from the database (never from the cloud).
type JobReader interface {
	Job(ctx context.Context, id int64) (jobs.Job, error)
	Items(ctx context.Context, id int64) ([]jobs.Item, error)
}

// JobGridReader reads one page of a job's grid, and the job's revision,
// from the database; *jobs.Engine provides it.
type JobGridReader interface {
	Grid(ctx context.Context, id int64, q jobs.GridQuery) (jobs.GridPage, error)
	Rev(ctx context.Context, id int64) (int64, error)
}

// JobShow renders a job's result grid, its fragments and the changes its
// poll asks for, and exports the whole job.
type JobShow struct {
	grid JobGridReader
	jobs JobReader
}

// NewJobShow builds the result grid handler.
func NewJobShow(g JobGridReader, j JobReader) *JobShow { return &JobShow{grid: g, jobs: j} }

// jobURL is a job's result grid.
func jobURL(id int64) string { return "/jobs/" + strconv.FormatInt(id, 10) }

// gridID is the id of the grid's element, which its links load in place.
const gridID = "job-grid"

// Show renders the whole page, or only the grid when the grid's own links
// ask for it (the same URL serves both: Vary).
func (h *JobShow) Show(c echo.Context) error {
	g, _, err := h.read(c)
	if err != nil {
		return err
	}
	htmx.Vary(c)
	if htmx.Targets(c, gridID) {
		return render(c, http.StatusOK, views.JobGrid(g))
	}
	g.CSRF = request.Get(c).CSRFToken // the forms work without JavaScript
	return render(c, http.StatusOK, views.Job(views.JobPage{Page: page(c, g.Job.Title, "jobs"), Grid: g}))
}

// Grid renders the grid alone.
func (h *JobShow) Grid(c echo.Context) error {
	g, _, err := h.read(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.JobGrid(g))
}

// Changes answers the grid's poll. Nothing changed since the revision the
// page shows: 204 and no body. Otherwise the summary, and the rows of the
// page that changed since then, or the whole page of rows when the filter
// now selects other rows. Its cost follows the changes, not the job.
func (h *JobShow) Changes(c echo.Context) error {
	id, err := request.JobID(c)
	if err != nil {
		return err
	}
	since, _ := strconv.ParseInt(c.QueryParam("since"), 10, 64)
	rev, err := h.grid.Rev(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if rev == since {
		return c.NoContent(http.StatusNoContent)
	}
	q := parseGridQuery(c)
	q.Since = since // the page's rows in full only where they changed
	p, err := h.grid.Grid(c.Request().Context(), id, q)
	if err != nil {
		return err
	}
	ch := views.JobGridChanges{PageChanged: pageSig(p) != c.QueryParam("sig")}
	if ch.PageChanged { // other rows now: all of them, in full
		q.Since = 0
		if p, err = h.grid.Grid(c.Request().Context(), id, q); err != nil {
			return err
		}
	}
	ch.Grid = jobGrid(p)
	for i, it := range p.Items {
		if !ch.PageChanged && it.Rev > since {
			ch.Changed = append(ch.Changed, ch.Grid.Rows[i])
		}
	}
	return render(c, http.StatusOK, views.JobGridPoll(ch))
}

// read reads the grid page the request names and maps it to the view model.
func (h *JobShow) read(c echo.Context) (views.JobGridData, jobs.GridPage, error) {
	id, err := request.JobID(c)
	if err != nil {
		return views.JobGridData{}, jobs.GridPage{}, err
	}
	p, err := h.grid.Grid(c.Request().Context(), id, parseGridQuery(c))
	if err != nil {
		return views.JobGridData{}, p, err
	}
	return jobGrid(p), p, nil
}

// jobRow maps one item to its grid row, in the domain's words.
func jobRow(it jobs.Item) views.JobRow {
	v := it.View()
	row := views.JobRow{ID: it.InstanceID, Name: it.Name, PrevKey: it.PreviousKey, TargetKey: it.ExpectKey,
		Result: v.Result, ResultTone: resultTone(it.Key), ResultDetail: v.ResultDetail, Waiting: it.RetryWords(),
		Restart: it.RestartWords(), RestartTone: restartTone(it.Restart),
		CanReboot: v.CanReboot, CanStart: v.CanStart, NeedsDecision: v.NeedsDecision, Unchanged: it.Key == jobs.KeyExcluded}
	if row.Name == "" {
		row.Name = it.InstanceID
	}
	return row
}

// jobSummary maps the job's header and counts.
func jobSummary(j jobs.Job) views.JobSummary {
	c := j.Counts
	s := views.JobSummary{
		RollbackOf: j.ParentID, CanRollback: !j.InMotion() && c.Bound > 0,
		ID: j.ID, Kind: string(j.Kind), Account: j.Account, Region: j.Region, Key: j.KeyPair, CreatedBy: j.CreatedBy.Username,
		Created: formatTime(j.CreatedAt), Reason: j.Reason, State: j.StateWords(), StateTone: stateTone(j.State),
		Title: j.Title(), After: j.AfterWords(),
		CanPause:  j.FinishedAt.IsZero() && j.Paused.At.IsZero() && j.CancelledAt.IsZero(),
		CanResume: !j.Paused.At.IsZero() && j.CancelledAt.IsZero(),
		CanCancel: j.FinishedAt.IsZero() && j.CancelledAt.IsZero(),
		Counts: views.JobCounts{Total: c.Total, Bound: c.Bound, Failed: c.Failed(), Excluded: c.Excluded,
			Pending: c.KeyPending, InEffect: c.KeyInEffect, InMotion: c.InMotion, Decisions: c.NeedsDecision},
	}
	if j.WaitingForPeople() > 0 {
		s.StateTone = components.ToneWarn
	}
	return s
}
