package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/handlers/htmx"
	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/i18n"
	"keybind/internal/jobs"
	"keybind/views"
)

// RestartPreviewer reads what a restart would act on, for its confirmation;
// *jobs.Engine provides it.
type RestartPreviewer interface {
	RestartPreview(ctx context.Context, jobID int64, kind jobs.RestartAllKind, first int) (jobs.Job, int, []jobs.Item, error)
	Item(ctx context.Context, jobID int64, instanceID string) (jobs.Job, jobs.Item, error)
}

// JobEngine acts on a job's items and reads what a restart would do;
// *jobs.Engine provides it.
type JobEngine interface {
	jobs.Actions
	RestartPreviewer
	Job(ctx context.Context, id int64) (jobs.Job, error)
}

// JobActions handles the result grid's buttons. A reboot or a bulk start
// is sent only once the person confirmed it: the first POST (without
// confirm=yes) answers the confirmation, as a dialog for htmx and as a
// page without JavaScript, and sends nothing.
type JobActions struct{ engine JobEngine }

// NewJobActions builds the grid's action handlers.
func NewJobActions(e JobEngine) *JobActions { return &JobActions{engine: e} }

// confirmFirst is how many instances a confirmation names.
const confirmFirst = 10

func confirmed(c echo.Context) bool { return c.FormValue("confirm") == "yes" }

// Reboot reboots one instance (its row's button), once confirmed, normally
// or forced as chosen in the confirmation.
func (h *JobActions) Reboot(c echo.Context) error {
	if !confirmed(c) {
		return h.confirmOne(c)
	}
	return h.restartOne(c, jobs.OpReboot, c.FormValue("force") == "yes")
}

// Start starts one Stopped instance (its row's button): nothing is lost by
// starting, so it asks nothing.
func (h *JobActions) Start(c echo.Context) error { return h.restartOne(c, jobs.OpStart, false) }

func (h *JobActions) restartOne(c echo.Context, op jobs.RestartOp, force bool) error {
	id, inst, err := jobAndInstance(c)
	if err != nil {
		return err
	}
	_, err = h.engine.Restart(c.Request().Context(), request.JobActor(c, auth.ViaWeb), id, op, []string{inst}, force)
	var re *jobs.RestartError
	if errors.As(err, &re) {
		return apperr.Conflict(request.T(c, "act.cannot_"+string(op), "ID", inst))
	}
	if err != nil {
		return err
	}
	msg := request.T(c, "act.asked_"+string(op), "ID", inst)
	if force {
		msg = request.T(c, "act.asked_reboot_forced", "ID", inst)
	}
	return h.after(c, id, "success", msg)
}

// RebootAll reboots every bound Running instance of the job, once confirmed.
func (h *JobActions) RebootAll(c echo.Context) error {
	return h.all(c, jobs.RebootAllRunning, c.FormValue("force") == "yes")
}

// StartAll starts every bound Stopped instance of the job, once confirmed.
func (h *JobActions) StartAll(c echo.Context) error { return h.all(c, jobs.StartAllStopped, false) }

func (h *JobActions) all(c echo.Context, kind jobs.RestartAllKind, force bool) error {
	if !confirmed(c) {
		return h.confirmAll(c, kind)
	}
	id, err := request.JobID(c)
	if err != nil {
		return err
	}
	n, err := h.engine.RestartAll(c.Request().Context(), request.JobActor(c, auth.ViaWeb), id, kind, force)
	if err != nil {
		return nothingToDo(err, request.T(c, "act.none_"+string(kind.Op())))
	}
	msg := request.T(c, "act.asked_all_"+string(kind.Op()), "Count", n)
	if force {
		msg = request.T(c, "act.asked_all_reboot_forced", "Count", n)
	}
	return h.after(c, id, "success", msg)
}

// Retry sends again the failed calls whose error can be retried.
func (h *JobActions) Retry(c echo.Context) error {
	id, err := request.JobID(c)
	if err != nil {
		return err
	}
	n, err := h.engine.RetryFailed(c.Request().Context(), request.JobActor(c, auth.ViaWeb), id)
	if err != nil {
		return nothingToDo(err, request.T(c, "act.none_retry"))
	}
	return h.after(c, id, "success", request.T(c, "act.retrying", "Count", n))
}

// Resolve records an operator's decision about a restart of unknown outcome.
func (h *JobActions) Resolve(c echo.Context) error {
	id, inst, err := jobAndInstance(c)
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
		return apperr.BadRequest(request.T(c, "act.choose_decision"))
	}
	if err := h.engine.ResolveOperator(c.Request().Context(), request.JobActor(c, auth.ViaWeb), id, inst, d); err != nil {
		return nothingToDo(err, request.T(c, "act.no_decision", "ID", inst))
	}
	return h.after(c, id, "success", request.T(c, "act.decided", "ID", inst))
}

// Pause stops the job from sending anything new until it is resumed.
func (h *JobActions) Pause(c echo.Context) error {
	return h.control(c, h.engine.Pause, request.T(c, "act.paused"))
}

// Resume lets a paused job send again.
func (h *JobActions) Resume(c echo.Context) error {
	return h.control(c, h.engine.Resume, request.T(c, "act.resumed"))
}

// Cancel asks first (a page that works without JavaScript), then cancels.
func (h *JobActions) Cancel(c echo.Context) error {
	if c.FormValue("confirm") != "yes" {
		id, err := request.JobID(c)
		if err != nil {
			return err
		}
		j, err := h.engine.Job(c.Request().Context(), id)
		if err != nil {
			return err
		}
		if htmx.Is(c) {
			return render(c, http.StatusOK, views.JobCancelDialog(jobSummary(c, j), request.Get(c).CSRFToken))
		}
		p := views.JobCancelConfirmPage{Page: page(c, request.T(c, "jobctl.cancel_title", "Job", itoa64(j.ID)), "jobs"), Job: jobSummary(c, j)}
		return render(c, http.StatusOK, views.JobCancelConfirm(p))
	}
	return h.control(c, h.engine.Cancel, request.T(c, "act.cancelled"))
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

func jobAndInstance(c echo.Context) (int64, string, error) {
	id, err := request.JobID(c)
	if err != nil {
		return 0, "", err
	}
	inst, err := request.InstanceID(c)
	return id, inst, err
}

// after answers an action: for htmx the message, swapped into the flash
// region, and the event that makes the grid fetch what changed; for a
// plain form post a redirect with the message as a flash.
func (h *JobActions) after(c echo.Context, id int64, kind, msg string) error {
	if !htmx.Is(c) {
		if err := addFlash(c, kind, msg); err != nil {
			return err
		}
		return redirect(c, fmt.Sprintf("/jobs/%d", id))
	}
	htmx.Fire(c, views.GridRefresh)
	return render(c, http.StatusOK, views.FlashSwap(views.Flash{Kind: kind, Message: msg}))
}

// confirm answers a restart that is not confirmed yet: a dialog for htmx,
// a page without JavaScript; nothing is sent.
func (h *JobActions) confirm(c echo.Context, j jobs.Job, op jobs.RestartOp, action string, n int, first []jobs.Item) error {
	p := views.RestartConfirm{JobID: j.ID, Title: jobTitle(c, j), Op: string(op), Action: action, N: n, CancelURL: jobURL(j.ID),
		CSRF: request.Get(c).CSRFToken, Force: j.Policy.Force}
	for _, it := range first {
		r := jobRow(c, it)
		p.First = append(p.First, views.ConfirmRow{ID: r.ID, Name: r.Name, State: r.Restart})
	}
	p.More = n - len(p.First)
	if htmx.Is(c) {
		return render(c, http.StatusOK, views.RestartDialog(p))
	}
	return render(c, http.StatusOK, views.RestartConfirmPage(page(c, p.Heading(i18n.With(c.Request().Context(), request.Loc(c))), "jobs"), p))
}

// nothingToDo words the engine's "nothing to do" for this action.
func nothingToDo(err error, msg string) error {
	if errors.Is(err, jobs.ErrNothingToDo) {
		return apperr.Conflict(msg)
	}
	return err
}
