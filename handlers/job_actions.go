package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"keybind/handlers/htmx"
	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/jobs"
	"keybind/internal/text"
	"keybind/views"
)

// JobRestarter asks the engine to reboot, start, retry or resolve items.
type JobRestarter interface {
	Restart(ctx context.Context, actor jobs.Actor, jobID int64, op jobs.RestartOp, instanceIDs []string, force bool) (int, error)
	RestartAll(ctx context.Context, actor jobs.Actor, jobID int64, kind jobs.RestartAllKind, force bool) (int, error)
	RetryFailed(ctx context.Context, actor jobs.Actor, jobID int64) (int, error)
	ResolveOperator(ctx context.Context, actor jobs.Actor, jobID int64, instanceID string, d jobs.Decision) error
	Pause(ctx context.Context, actor jobs.Actor, jobID int64) error
	Resume(ctx context.Context, actor jobs.Actor, jobID int64) error
	Cancel(ctx context.Context, actor jobs.Actor, jobID int64) error
}

// JobEngine acts on a job's items and reads the job back; *jobs.Engine
// provides it.
type JobEngine interface {
	JobRestarter
	JobReader
}

// JobActions handles the result grid's buttons.
type JobActions struct{ engine JobEngine }

// NewJobActions builds the grid's action handlers.
func NewJobActions(e JobEngine) *JobActions { return &JobActions{engine: e} }

// Reboot reboots one instance (its row's button).
func (h *JobActions) Reboot(c echo.Context) error { return h.restartOne(c, "reboot") }

// Start starts one instance (its row's button).
func (h *JobActions) Start(c echo.Context) error { return h.restartOne(c, "start") }

func (h *JobActions) restartOne(c echo.Context, what string) error {
	id, err := request.JobID(c)
	if err != nil {
		return err
	}
	inst, err := request.InstanceID(c)
	if err != nil {
		return err
	}
	op := jobs.OpStart
	if what == "reboot" {
		op = jobs.OpReboot
	}
	force := op == jobs.OpReboot && c.FormValue("force") == "yes"
	_, err = h.engine.Restart(c.Request().Context(), request.JobActor(c, auth.ViaWeb), id, op, []string{inst}, force)
	var re *jobs.RestartError
	if errors.As(err, &re) {
		return apperr.Conflict(fmt.Sprintf("%s cannot be %s now: check its state in the grid.", inst, jobs.RestartOp(what).Past()))
	}
	if err != nil {
		return err
	}
	return h.after(c, id, "success", fmt.Sprintf("Asked the cloud to %s %s.", what, inst))
}

// RebootAll reboots every bound Running instance of the job.
func (h *JobActions) RebootAll(c echo.Context) error {
	return h.all(c, jobs.RebootAllRunning, c.FormValue("force") == "yes", "reboot")
}

// StartAll starts every bound Stopped instance of the job.
func (h *JobActions) StartAll(c echo.Context) error {
	return h.all(c, jobs.StartAllStopped, false, "start")
}

func (h *JobActions) all(c echo.Context, kind jobs.RestartAllKind, force bool, what string) error {
	id, err := request.JobID(c)
	if err != nil {
		return err
	}
	n, err := h.engine.RestartAll(c.Request().Context(), request.JobActor(c, auth.ViaWeb), id, kind, force)
	if err != nil {
		return nothingToDo(err, "No instance of this job can be "+jobs.RestartOp(what).Past()+" now.")
	}
	return h.after(c, id, "success", fmt.Sprintf("Asked the cloud to %s %s.", what, text.Plural(n, "instance", "instances")))
}

// Retry sends again the failed calls whose error can be retried.
func (h *JobActions) Retry(c echo.Context) error {
	id, err := request.JobID(c)
	if err != nil {
		return err
	}
	n, err := h.engine.RetryFailed(c.Request().Context(), request.JobActor(c, auth.ViaWeb), id)
	if err != nil {
		return nothingToDo(err, "No failed instance of this job can be retried.")
	}
	return h.after(c, id, "success", fmt.Sprintf("Retrying %s.", text.Plural(n, "instance", "instances")))
}

// Resolve records an operator's decision about a restart of unknown outcome.
func (h *JobActions) Resolve(c echo.Context) error {
	id, err := request.JobID(c)
	if err != nil {
		return err
	}
	inst, err := request.InstanceID(c)
	if err != nil {
		return err
	}
	var d jobs.Decision
	switch c.FormValue("decision") {
	case "restart":
		d = jobs.DecisionRestartAgain
	case "done":
		d = jobs.DecisionMarkDone
	default:
		return apperr.BadRequest("Choose whether to restart the instance again or mark it as restarted.")
	}
	if err := h.engine.ResolveOperator(c.Request().Context(), request.JobActor(c, auth.ViaWeb), id, inst, d); err != nil {
		return nothingToDo(err, inst+" does not need a decision any more.")
	}
	return h.after(c, id, "success", "Recorded your decision for "+inst+".")
}

// Pause stops the job from sending anything new until it is resumed.
func (h *JobActions) Pause(c echo.Context) error {
	return h.control(c, h.engine.Pause, "Paused the job: nothing new is sent until you resume it.")
}

// Resume lets a paused job send again.
func (h *JobActions) Resume(c echo.Context) error {
	return h.control(c, h.engine.Resume, "Resumed the job.")
}

// Cancel asks first (a page that works without JavaScript), then cancels.
func (h *JobActions) Cancel(c echo.Context) error {
	if c.FormValue("confirm") != "yes" {
		g, err := readGrid(c, h.engine)
		if err != nil {
			return err
		}
		p := views.JobCancelConfirmPage{Page: page(c, "Cancel job "+strconv.FormatInt(g.Job.ID, 10), "jobs"), Job: g.Job}
		return render(c, http.StatusOK, views.JobCancelConfirm(p))
	}
	return h.control(c, h.engine.Cancel, "Cancelled the job: nothing new is sent; what was sent finishes.")
}

func (h *JobActions) control(c echo.Context, act func(ctx context.Context, actor jobs.Actor, jobID int64) error, done string) error {
	id, err := request.JobID(c)
	if err != nil {
		return err
	}
	if err := act(c.Request().Context(), request.JobActor(c, auth.ViaWeb), id); err != nil {
		return err
	}
	return h.after(c, id, "success", done)
}

// after answers an action: the refreshed grid for htmx, or a redirect with
// a flash message for a plain form post.
func (h *JobActions) after(c echo.Context, id int64, kind, msg string) error {
	if !htmx.Is(c) {
		if err := addFlash(c, kind, msg); err != nil {
			return err
		}
		return redirect(c, fmt.Sprintf("/jobs/%d", id))
	}
	g, err := readGrid(c, h.engine)
	if err != nil {
		return err
	}
	g.InMotion = true // the engine has just been given work: keep polling
	return render(c, http.StatusOK, views.JobGrid(g))
}

// nothingToDo words the engine's "nothing to do" for this action.
func nothingToDo(err error, msg string) error {
	if errors.Is(err, jobs.ErrNothingToDo) {
		return apperr.Conflict(msg)
	}
	return err
}
