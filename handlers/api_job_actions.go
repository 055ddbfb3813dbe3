package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"keybind/internal/apperr"
	"keybind/internal/jobs"
)

// APIJobEngine is the engine as the API's job actions use it.
type APIJobEngine interface {
	JobReader
	JobRestarter
}

// APIJobActions are the result grid's buttons: reboot or start chosen
// instances, the bulk actions, retry and the operator's decision.
type APIJobActions struct{ engine APIJobEngine }

// NewAPIJobActions builds the POST /api/v1/jobs/:id/… actions.
func NewAPIJobActions(e APIJobEngine) *APIJobActions { return &APIJobActions{engine: e} }

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
func (h *APIJobActions) Reboot(c echo.Context) error {
	var req apiRestartRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	return h.restart(c, "reboot", req.InstanceIDs, req.Force)
}

// Start starts the named instances, each of which must show a Start
// button in the grid (bound and Stopped).
func (h *APIJobActions) Start(c echo.Context) error {
	var req apiStartRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	return h.restart(c, "start", req.InstanceIDs, false)
}

func (h *APIJobActions) restart(c echo.Context, what string, ids []string, force bool) error {
	id, err := jobID(c)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	checkInstanceIDs(ids, fields)
	if len(fields) > 0 {
		return apperr.Invalid("Check the instances.", fields)
	}
	j, err := apiReadJob(c, h.engine, id)
	if err != nil {
		return err
	}
	items := make(map[string]apiJobItem, len(j.Items))
	for _, it := range j.Items {
		items[it.InstanceID] = it
	}
	var absent, notReady []string
	for _, inst := range ids {
		it, ok := items[inst]
		switch {
		case !ok:
			absent = append(absent, inst)
		case what == "reboot" && !it.CanReboot, what == "start" && !it.CanStart:
			notReady = append(notReady, fmt.Sprintf("%s (%s)", inst, it.Restart))
		}
	}
	if len(absent) > 0 {
		return apperr.Invalid("Some instances are not in this job.", map[string]string{
			"instance_ids": "Not in job " + fmt.Sprint(id) + ": " + strings.Join(firstFew(absent), ", ") + "."})
	}
	if len(notReady) > 0 {
		e := apperr.New(http.StatusConflict, codeNothingToDo, fmt.Sprintf("Nothing was sent: some instances cannot be %s now.", pastTense(what)))
		e.Fields = map[string]string{"instance_ids": "Cannot be " + pastTense(what) + " now: " + strings.Join(firstFew(notReady), ", ") + "."}
		return e
	}
	n, err := h.engine.RequestRestart(c.Request().Context(), apiJobActor(c), id, ids, force && what == "reboot")
	return h.answer(c, id, n, err, fmt.Sprintf("None of these instances can be %s now.", pastTense(what)))
}

// RebootRunning reboots every bound instance that needs a reboot.
func (h *APIJobActions) RebootRunning(c echo.Context) error {
	var req apiForceRequest
	if err := decodeOptionalJSON(c, &req); err != nil {
		return err
	}
	return h.all(c, jobs.RebootAllRunning, req.Force, "No instance of this job needs a reboot now.")
}

// StartStopped starts every bound instance that is Stopped.
func (h *APIJobActions) StartStopped(c echo.Context) error {
	var req struct{}
	if err := decodeOptionalJSON(c, &req); err != nil {
		return err
	}
	return h.all(c, jobs.StartAllStopped, false, "No instance of this job needs a start now.")
}

func (h *APIJobActions) all(c echo.Context, kind jobs.RestartAllKind, force bool, none string) error {
	id, err := jobID(c)
	if err != nil {
		return err
	}
	n, err := h.engine.RestartAll(c.Request().Context(), apiJobActor(c), id, kind, force)
	return h.answer(c, id, n, err, none)
}

// RetryFailed sends again the failed key calls and restarts whose error can
// be retried.
func (h *APIJobActions) RetryFailed(c echo.Context) error {
	var req struct{}
	if err := decodeOptionalJSON(c, &req); err != nil {
		return err
	}
	id, err := jobID(c)
	if err != nil {
		return err
	}
	n, err := h.engine.RetryFailed(c.Request().Context(), apiJobActor(c), id)
	return h.answer(c, id, n, err, "No failed instance of this job can be retried.")
}

// Resolve records the operator's decision about a reboot or start whose
// outcome is not known: "restart" sends it again, "done" marks it done.
func (h *APIJobActions) Resolve(c echo.Context) error {
	var req apiResolveRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	id, err := jobID(c)
	if err != nil {
		return err
	}
	inst, err := instanceParam(c)
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
	err = h.engine.ResolveOperator(c.Request().Context(), apiJobActor(c), id, inst, d)
	n := 1
	if err != nil {
		n = 0
	}
	return h.answer(c, id, n, err, inst+" does not need a decision.")
}

// answer words the engine's outcome: 202 with the job, or 409 when there was
// nothing to do.
func (h *APIJobActions) answer(c echo.Context, id int64, n int, err error, none string) error {
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

// firstFew keeps a list short enough for a message.
func firstFew(l []string) []string {
	if len(l) > 5 {
		return append(l[:5:5], fmt.Sprintf("and %d more", len(l)-5))
	}
	return l
}
