package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"keybind/internal/apperr"
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

// jobID reads the :id path parameter.
func jobID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, apperr.NotFound("The job")
	}
	return id, nil
}

// Show renders the whole page.
func (h *JobShow) Show(c echo.Context) error {
	g, err := h.grid(c)
	if err != nil {
		return err
	}
	varyOnHTMX(c)
	return render(c, http.StatusOK, views.Job(views.JobPage{Page: page(c, g.Job.Title, "jobs"), Grid: g}))
}

// Grid renders the fragment the page polls while anything is in motion.
func (h *JobShow) Grid(c echo.Context) error {
	g, err := h.grid(c)
	if err != nil {
		return err
	}
	varyOnHTMX(c)
	return render(c, http.StatusOK, views.JobGrid(g))
}

// grid reads the job and its items and maps them to the view model.
func (h *JobShow) grid(c echo.Context) (views.JobGridData, error) {
	id, err := jobID(c)
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
	return jobGrid(j, items), nil
}

// jobGrid maps a job and its items to the grid's view model.
func jobGrid(j jobs.Job, items []jobs.Item) views.JobGridData {
	g := views.JobGridData{Job: jobSummary(j), InMotion: j.InMotion()}
	for _, it := range items {
		row := views.JobRow{ID: it.InstanceID, Name: it.Name, PrevKey: it.PreviousKey, TargetKey: it.ExpectKey}
		if row.Name == "" {
			row.Name = it.InstanceID
		}
		row.Result, row.ResultTone, row.ResultDetail = resultWords(it)
		row.Restart, row.RestartTone = it.RestartLabel(), restartTone(it.Restart)
		if it.Key == jobs.KeyDone {
			switch it.Restart {
			case jobs.RestartNeedsReboot:
				row.CanReboot = true
				g.Job.Counts.RebootReady++
			case jobs.RestartNeedsStart, jobs.RestartEndedStopped:
				row.CanStart = true
				if it.Restart == jobs.RestartNeedsStart {
					g.Job.Counts.StartReady++
				}
			case jobs.RestartNeedsDecision:
				row.NeedsDecision = true
			}
		}
		if (it.Key == jobs.KeyFailed && it.KeyRetryable) || (it.Restart == jobs.RestartFailed && it.RestartRetryable) {
			g.Job.Counts.Retryable++
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
		Created: formatTime(j.CreatedAt), State: j.State.Label(), StateTone: stateTone(j.State),
		Counts: views.JobCounts{Total: c.Total, Bound: c.Bound, Failed: c.Failed(), Excluded: c.Excluded,
			Pending: c.KeyPending, InEffect: c.KeyInEffect, InMotion: c.InMotion, Decisions: c.NeedsDecision},
	}
	// "Done" would mislead while keys wait for a restart to work.
	if waiting := c.NeedsReboot + c.NeedsStart; waiting > 0 && !j.InMotion() {
		s.State = fmt.Sprintf("Waiting for you: %s before the change takes effect", plural(waiting, "instance needs a reboot or start", "instances need a reboot or start"))
		s.StateTone = components.ToneWarn
	}
	switch j.Kind {
	case jobs.KindUnbind:
		s.Title = "Unbind " + j.KeyPair
	case jobs.KindRollback:
		s.Title = fmt.Sprintf("Restore the keys from before job %d", j.ParentID)
	default:
		s.Title = "Bind " + j.KeyPair
	}
	if j.Policy.AfterBind {
		force := ""
		if j.Policy.Force {
			force = ", force stop"
		}
		s.After = fmt.Sprintf("After binding: reboot the Running instances and start the Stopped ones, at most %d at a time%s.", j.Policy.WaveSize, force)
	} else {
		s.After = "After binding: nothing automatic. Reboot or start instances below to make the key take effect."
	}
	return s
}

// resultWords is the key call's outcome in words, colour and detail.
func resultWords(it jobs.Item) (string, components.Tone, string) {
	switch it.Key {
	case jobs.KeyDone:
		label := "Bound"
		if it.Action == jobs.ActionDetach {
			label = "Unbound"
		}
		if it.Change == jobs.ChangeSame {
			label += " (already had it)"
		}
		return label, components.ToneOK, ""
	case jobs.KeyFailed:
		detail := it.KeyMessage
		if it.KeyCode != "" {
			detail = it.KeyCode + ": " + detail
		}
		return "Failed", components.ToneBad, detail
	case jobs.KeyExcluded:
		return "Excluded", components.ToneMuted, it.ExcludeReason.Label()
	case jobs.KeyPending:
		return "Waiting", components.ToneInfo, ""
	case jobs.KeyAttempting:
		return "Sending", components.ToneInfo, ""
	case jobs.KeyApplied:
		return "Confirming", components.ToneInfo, ""
	}
	return string(it.Key), components.ToneMuted, ""
}

func restartTone(s jobs.RestartState) components.Tone {
	switch s {
	case jobs.RestartKeyInEffect, jobs.RestartMarkedDone:
		return components.ToneOK
	case jobs.RestartNeedsReboot, jobs.RestartNeedsStart, jobs.RestartNeedsDecision:
		return components.ToneWarn
	case jobs.RestartEndedStopped, jobs.RestartDisappeared, jobs.RestartTimedOut, jobs.RestartFailed:
		return components.ToneBad
	case jobs.RestartNone, jobs.RestartNotNeeded:
		return components.ToneMuted
	}
	return components.ToneInfo
}

func stateTone(s jobs.State) components.Tone {
	switch s {
	case jobs.StateDone:
		return components.ToneOK
	case jobs.StateNeedsAttention:
		return components.ToneWarn
	}
	return components.ToneInfo
}
