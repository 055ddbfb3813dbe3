package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/handlers/htmx"
	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/jobs"
	"keybind/views"
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
		return apperr.Conflict("No instance of this job can be " + kind.Op().Past() + " now.")
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
		return apperr.Conflict(fmt.Sprintf("%s cannot be rebooted now: check its state in the grid.", inst))
	}
	return h.confirm(c, j, jobs.OpReboot, jobURL(id)+"/items/"+inst+"/reboot", 1, []jobs.Item{it})
}

func (h *JobActions) confirm(c echo.Context, j jobs.Job, op jobs.RestartOp, action string, n int, first []jobs.Item) error {
	p := views.RestartConfirm{JobID: j.ID, Title: j.Title(), Op: string(op), Action: action, N: n, CancelURL: jobURL(j.ID),
		CSRF: request.Get(c).CSRFToken, Force: j.Policy.Force}
	for _, it := range first {
		r := jobRow(it)
		p.First = append(p.First, views.ConfirmRow{ID: r.ID, Name: r.Name, State: r.Restart})
	}
	p.More = n - len(p.First)
	if htmx.Is(c) {
		return render(c, http.StatusOK, views.RestartDialog(p))
	}
	return render(c, http.StatusOK, views.RestartConfirmPage(page(c, p.Heading(), "jobs"), p))
}
