package handlers

import (
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"keybind/handlers/htmx"
	"keybind/handlers/request"
	"keybind/internal/auth"
	"keybind/internal/jobs"
	"keybind/views"
)

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
		id, err := request.JobID(c)
		if err != nil {
			return err
		}
		j, err := h.engine.Job(c.Request().Context(), id)
		if err != nil {
			return err
		}
		if htmx.Is(c) {
			return render(c, http.StatusOK, views.JobCancelDialog(jobSummary(j), request.Get(c).CSRFToken))
		}
		p := views.JobCancelConfirmPage{Page: page(c, "Cancel job "+strconv.FormatInt(j.ID, 10), "jobs"), Job: jobSummary(j)}
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
