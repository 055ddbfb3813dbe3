package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/jobs"
	"keybind/internal/text"
)

// JobEngine is the engine as the API's job actions use it.
type JobEngine interface {
	JobReader
	jobs.Actions
}

// JobActions are the result grid's buttons: reboot or start chosen
// instances, the bulk actions, retry and the operator's decision.
type JobActions struct{ engine JobEngine }

// NewJobActions builds the POST /api/v1/jobs/:id/… actions.
func NewJobActions(e JobEngine) *JobActions { return &JobActions{engine: e} }

type apiRestartRequest struct {
	InstanceIDs []string `json:"instance_ids"`
	Force       bool     `json:"force"`
}

type apiStartRequest struct {
	InstanceIDs []string `json:"instance_ids"`
}

type apiForceRequest struct {
	Force bool `json:"force"`
}

type apiResolveRequest struct {
	Decision string `json:"decision"`
}

// apiQueued answers an action: how many items it queued, and the job now.
type apiQueued struct {
	Queued int    `json:"queued"`
	Job    apiJob `json:"job"`
}

// Reboot reboots the named instances, each of which must show a Reboot
// button in the grid (bound, Running, not yet restarted).
func (h *JobActions) Reboot(c echo.Context) error {
	var req apiRestartRequest
	id, err := jobBody(c, &req, decodeJSON)
	if err != nil {
		return err
	}
	return h.restart(c, id, "reboot", req.InstanceIDs, req.Force)
}

// Start starts the named instances, each of which must show a Start
// button in the grid (bound and Stopped).
func (h *JobActions) Start(c echo.Context) error {
	var req apiStartRequest
	id, err := jobBody(c, &req, decodeJSON)
	if err != nil {
		return err
	}
	return h.restart(c, id, "start", req.InstanceIDs, false)
}

// jobBody decodes the request's body into req and reads the job's ID from
// the path.
func jobBody(c echo.Context, req any, decode func(echo.Context, any) error) (int64, error) {
	if err := decode(c, req); err != nil {
		return 0, err
	}
	return request.JobID(c)
}

func (h *JobActions) restart(c echo.Context, id int64, what string, ids []string, force bool) error {
	fields := map[string]string{}
	checkInstanceIDs(ids, fields)
	if len(fields) > 0 {
		return apperr.Invalid("Check the instances.", fields)
	}
	op := jobs.OpStart
	if what == "reboot" {
		op = jobs.OpReboot
	}
	n, err := h.engine.Restart(c.Request().Context(), request.JobActor(c, auth.ViaAPI), id, op, ids, force && op == jobs.OpReboot)
	var re *jobs.RestartError
	switch {
	case errors.As(err, &re) && len(re.Absent) > 0:
		return apperr.Invalid("Some instances are not in this job.", map[string]string{
			"instance_ids": request.T(c, "api4.not_in_job", "Job", fmt.Sprint(id), "List", strings.Join(text.FirstFew(re.Absent, 5), ", "))})
	case errors.As(err, &re):
		notReady := make([]string, len(re.NotReady))
		for i, it := range re.NotReady {
			notReady[i] = fmt.Sprintf("%s (%s)", it.InstanceID, it.RestartLabel())
		}
		e := apperr.New(http.StatusConflict, codeNothingToDo, request.T(c, "api4.nothing_sent_"+what))
		e.Fields = map[string]string{"instance_ids": request.T(c, "api4.cannot_now_"+what, "List", strings.Join(text.FirstFew(notReady, 5), ", "))}
		return e
	}
	return h.answer(c, id, n, err, request.T(c, "api4.none_can_"+what))
}

// RebootRunning reboots every bound instance that needs a reboot.
func (h *JobActions) RebootRunning(c echo.Context) error {
	var req apiForceRequest
	id, err := jobBody(c, &req, decodeOptionalJSON)
	if err != nil {
		return err
	}
	return h.all(c, id, jobs.RebootAllRunning, req.Force, "No instance of this job needs a reboot now.")
}

// StartStopped starts every bound instance that is Stopped.
func (h *JobActions) StartStopped(c echo.Context) error {
	id, err := jobBody(c, &struct{}{}, decodeOptionalJSON)
	if err != nil {
		return err
	}
	return h.all(c, id, jobs.StartAllStopped, false, "No instance of this job needs a start now.")
}

func (h *JobActions) all(c echo.Context, id int64, kind jobs.RestartAllKind, force bool, none string) error {
	n, err := h.engine.RestartAll(c.Request().Context(), request.JobActor(c, auth.ViaAPI), id, kind, force)
	return h.answer(c, id, n, err, none)
}

// RetryFailed sends again the failed key calls and restarts whose error can
// be retried.
func (h *JobActions) RetryFailed(c echo.Context) error {
	id, err := jobBody(c, &struct{}{}, decodeOptionalJSON)
	if err != nil {
		return err
	}
	n, err := h.engine.RetryFailed(c.Request().Context(), request.JobActor(c, auth.ViaAPI), id)
	return h.answer(c, id, n, err, "No failed instance of this job can be retried.")
}

// Resolve records the operator's decision about a reboot or start whose
// outcome is not known: "restart" sends it again, "done" marks it done.
func (h *JobActions) Resolve(c echo.Context) error {
	var req apiResolveRequest
	id, err := jobBody(c, &req, decodeJSON)
	if err != nil {
		return err
	}
	inst, err := request.InstanceID(c)
	if err != nil {
		return err
	}
	var d jobs.Decision
	switch req.Decision {
	case "restart":
		d = jobs.DecisionRestartAgain
	case "done":
		d = jobs.DecisionMarkDone
	default:
		return apperr.Invalid("Check the decision.", map[string]string{"decision": `Either "restart" (send the reboot or start again) or "done" (it restarted).`})
	}
	err = h.engine.ResolveOperator(c.Request().Context(), request.JobActor(c, auth.ViaAPI), id, inst, d)
	n := 1
	if err != nil {
		n = 0
	}
	return h.answer(c, id, n, err, request.T(c, "api4.no_decision", "ID", inst))
}

// Pause stops the job from sending anything new until it is resumed.
func (h *JobActions) Pause(c echo.Context) error { return h.control(c, h.engine.Pause) }

// Resume lets a paused job send again.
func (h *JobActions) Resume(c echo.Context) error { return h.control(c, h.engine.Resume) }

// Cancel ends the job: nothing new is sent; what was sent finishes.
func (h *JobActions) Cancel(c echo.Context) error { return h.control(c, h.engine.Cancel) }

func (h *JobActions) control(c echo.Context, act func(ctx context.Context, actor jobs.Actor, jobID int64) error) error {
	id, err := jobBody(c, &struct{}{}, decodeOptionalJSON)
	if err != nil {
		return err
	}
	if err := act(c.Request().Context(), request.JobActor(c, auth.ViaAPI), id); err != nil {
		return err
	}
	j, err := apiReadJob(c, h.engine, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, j)
}

// answer words the engine's outcome: 202 with the job, or 409 when there was
// nothing to do.
func (h *JobActions) answer(c echo.Context, id int64, n int, err error, none string) error {
	if errors.Is(err, jobs.ErrNothingToDo) {
		return apperr.New(http.StatusConflict, codeNothingToDo, none)
	}
	if err != nil {
		return err
	}
	j, err := apiReadJob(c, h.engine, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, apiQueued{Queued: n, Job: j})
}
