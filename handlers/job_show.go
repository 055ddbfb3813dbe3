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

// JobShow renders a job's result grid and its self-refreshing fragment.
type JobShow struct {
	jobs JobReader
}

// NewJobShow builds the result grid handler.
func NewJobShow(j JobReader) *JobShow { return &JobShow{jobs: j} }

// jobURL is a job's result grid.
func jobURL(id int64) string { return "/jobs/" + strconv.FormatInt(id, 10) }

// Show renders the whole page.
func (h *JobShow) Show(c echo.Context) error {
	g, err := h.grid(c)
	if err != nil {
		return err
	}
	htmx.Vary(c)
	return render(c, http.StatusOK, views.Job(views.JobPage{Page: page(c, g.Job.Title, "jobs"), Grid: g}))
}

// Grid renders the fragment the page polls while anything is in motion.
func (h *JobShow) Grid(c echo.Context) error {
	g, err := h.grid(c)
	if err != nil {
		return err
	}
	htmx.Vary(c)
	return render(c, http.StatusOK, views.JobGrid(g))
}

// grid reads the job the path names and maps it to the view model.
func (h *JobShow) grid(c echo.Context) (views.JobGridData, error) { return readGrid(c, h.jobs) }

// readGrid reads the job the path names, with its items, and maps them to
// the grid's view model.
func readGrid(c echo.Context, r JobReader) (views.JobGridData, error) {
	id, err := request.JobID(c)
	if err != nil {
		return views.JobGridData{}, err
	}
	ctx := c.Request().Context()
	j, err := r.Job(ctx, id)
	if err != nil {
		return views.JobGridData{}, err
	}
	items, err := r.Items(ctx, id)
	if err != nil {
		return views.JobGridData{}, err
	}
	return jobGrid(j, items), nil
}

// jobGrid maps a job and its items to the grid's view model.
func jobGrid(j jobs.Job, items []jobs.Item) views.JobGridData {
	g := views.JobGridData{Job: jobSummary(j), InMotion: j.InMotion()}
	ready := jobs.ReadyOf(items)
	g.Job.Counts.RebootReady, g.Job.Counts.StartReady, g.Job.Counts.Retryable = ready.Reboot, ready.Start, ready.Retryable
	for _, it := range items {
		v := it.View()
		row := views.JobRow{ID: it.InstanceID, Name: it.Name, PrevKey: it.PreviousKey, TargetKey: it.ExpectKey,
			Result: v.Result, ResultTone: resultTone(it.Key), ResultDetail: v.ResultDetail,
			Restart: v.Restart, RestartTone: restartTone(it.Restart),
			CanReboot: v.CanReboot, CanStart: v.CanStart, NeedsDecision: v.NeedsDecision}
		if row.Name == "" {
			row.Name = it.InstanceID
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// jobSummary maps the job's header and counts.
func jobSummary(j jobs.Job) views.JobSummary {
	c := j.Counts
	s := views.JobSummary{
		RollbackOf: j.ParentID, CanRollback: !j.InMotion() && c.Bound > 0,
		ID: j.ID, Kind: string(j.Kind), Region: j.Region, Key: j.KeyPair, CreatedBy: j.CreatedBy.Username,
		Created: formatTime(j.CreatedAt), State: j.StateWords(), StateTone: stateTone(j.State),
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
