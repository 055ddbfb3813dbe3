package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/binding"
	"keybind/views"
)

// RollbackCreator plans and writes a job that restores the keys instances
// had before a finished job; *binding.Service provides it.
type RollbackCreator interface {
	PlanRollback(ctx context.Context, parentID int64) (binding.Review, error)
	Existing(ctx context.Context, userID int64, key string) (jobID int64, found bool, err error)
	Create(ctx context.Context, r binding.Request) (jobID int64, created bool, err error)
}

// JobRollback restores the keys instances had before a finished job, as a
// new job with its own review.
type JobRollback struct{ jobs RollbackCreator }

// NewJobRollback builds the rollback handlers.
func NewJobRollback(j RollbackCreator) *JobRollback { return &JobRollback{jobs: j} }

// Show renders the rollback's review.
func (h *JobRollback) Show(c echo.Context) error {
	rv, err := h.plan(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.Review(reviewPage(c, page(c, request.T(c, "review.title_rollback"), "jobs"), rv, newReviewForm(rv), nil)))
}

func (h *JobRollback) plan(c echo.Context) (binding.Review, error) {
	id, err := request.JobID(c)
	if err != nil {
		return binding.Review{}, err
	}
	return h.jobs.PlanRollback(c.Request().Context(), id)
}

// Create writes the rollback job and redirects (303) to its grid.
func (h *JobRollback) Create(c echo.Context) error {
	form, errs, err := parseReviewForm(c, false)
	if err != nil {
		return err
	}
	if id, found, err := h.jobs.Existing(c.Request().Context(), request.Get(c).User.ID, form.IdempotencyKey); err != nil || found {
		return redirectToJob(c, id, err)
	}
	rv, err := h.plan(c)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return render(c, http.StatusUnprocessableEntity, views.Review(reviewPage(c, page(c, request.T(c, "review.title_rollback"), "jobs"), rv, form, errs)))
	}
	id, _, err := h.jobs.Create(c.Request().Context(), reviewRequest(c, rv, form))
	if err != nil {
		return reviewRefused(c, rv, form, err)
	}
	return redirect(c, jobURL(id))
}
