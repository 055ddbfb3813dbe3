package handlers

import (
	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/jobs"
)

// confirmAll answers a bulk restart that is not confirmed yet: how many
// instances it would restart and the first of them. Nothing is sent.
func (h *JobActions) confirmAll(c echo.Context, kind jobs.RestartAllKind) error {
	id, err := request.JobID(c)
	if err != nil {
		return err
	}
	j, n, first, err := h.engine.RestartPreview(c.Request().Context(), id, kind, confirmFirst)
	if err != nil {
		return err
	}
	if n == 0 {
		return apperr.Conflict(request.T(c, "act.none_"+string(kind.Op())))
	}
	action := jobURL(id) + "/reboot-all"
	if kind == jobs.StartAllStopped {
		action = jobURL(id) + "/start-all"
	}
	return h.confirm(c, j, kind.Op(), action, n, first)
}

// confirmOne answers a row's reboot that is not confirmed yet.
func (h *JobActions) confirmOne(c echo.Context) error {
	id, inst, err := jobAndInstance(c)
	if err != nil {
		return err
	}
	j, it, err := h.engine.Item(c.Request().Context(), id, inst)
	if err != nil {
		return err
	}
	if !jobs.RebootAllRunning.Picks(it) && it.CanRestart() != jobs.OpReboot {
		return apperr.Conflict(request.T(c, "act.cannot_reboot", "ID", inst))
	}
	return h.confirm(c, j, jobs.OpReboot, jobURL(id)+"/items/"+inst+"/reboot", 1, []jobs.Item{it})
}
