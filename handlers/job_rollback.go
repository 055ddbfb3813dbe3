package handlers

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"keybind/internal/apperr"
	"keybind/internal/cloud"
	"keybind/internal/jobs"
	"keybind/views"
)

// JobRollback restores the keys instances had before a finished job, as a
// new job with its own review.
type JobRollback struct {
	jobs      JobReader
	create    JobCreator
	instances InstanceLister
	regions   *regionCache
}

// NewJobRollback builds the rollback handlers.
func NewJobRollback(j JobReader, c JobCreator, i InstanceLister, r RegionLister) *JobRollback {
	return &JobRollback{jobs: j, create: c, instances: i, regions: newRegionCache(r)}
}

// plan reads the job and the instances now, and plans the rollback.
func (h *JobRollback) plan(c echo.Context) (jobs.Job, cloud.Region, jobs.Plan, error) {
	id, err := jobID(c)
	if err != nil {
		return jobs.Job{}, cloud.Region{}, jobs.Plan{}, err
	}
	ctx := c.Request().Context()
	j, err := h.jobs.Job(ctx, id)
	if err != nil {
		return j, cloud.Region{}, jobs.Plan{}, err
	}
	if j.InMotion() {
		return j, cloud.Region{}, jobs.Plan{}, apperr.Conflict("This job is still running. Restore the previous keys once it has finished.")
	}
	region, err := h.regions.lookup(ctx, j.Region)
	if err != nil {
		return j, region, jobs.Plan{}, err
	}
	items, err := h.jobs.Items(ctx, id)
	if err != nil {
		return j, region, jobs.Plan{}, err
	}
	var ids []string
	for _, it := range items {
		if it.Key == jobs.KeyDone {
			ids = append(ids, it.InstanceID)
		}
	}
	if len(ids) == 0 {
		return j, region, jobs.Plan{}, apperr.Conflict("This job changed no key, so there is nothing to restore.")
	}
	found, missing, err := h.instances.InstancesByID(ctx, j.Region, ids)
	if err != nil {
		return j, region, jobs.Plan{}, err
	}
	return j, region, jobs.PlanRollback(j.Region, items, found, missing), nil
}

// Show renders the rollback's review.
func (h *JobRollback) Show(c echo.Context) error {
	j, region, plan, err := h.plan(c)
	if err != nil {
		return err
	}
	form := views.ReviewForm{IdempotencyKey: newToken(), After: "none", Wave: defaultWave}
	return render(c, http.StatusOK, views.Review(rollbackPage(page(c, "Restore previous keys", "jobs"), j, region, plan, form, nil)))
}

func rollbackPage(pg views.Page, j jobs.Job, region cloud.Region, plan jobs.Plan, form views.ReviewForm, errs map[string]string) views.ReviewPage {
	p := reviewPage(pg, region, plan, form, errs)
	p.RollbackOf = j.ID
	p.Key = j.KeyPair
	p.Action = "/jobs/" + strconv.FormatInt(j.ID, 10) + "/rollback"
	p.BackURL = "/jobs/" + strconv.FormatInt(j.ID, 10)
	return p
}

// Create writes the rollback job and redirects (303) to its grid.
func (h *JobRollback) Create(c echo.Context) error {
	form, errs := parseReviewForm(c, false)
	if !idempotencyPattern.MatchString(form.IdempotencyKey) {
		return apperr.BadRequest("This form is incomplete. Go back to the review page and submit it from there.")
	}
	ctx := c.Request().Context()
	if id, found, err := h.create.JobByIdempotencyKey(ctx, State(c).User.ID, form.IdempotencyKey); err != nil {
		return err
	} else if found {
		return redirect(c, fmt.Sprintf("/jobs/%d", id))
	}
	j, region, plan, err := h.plan(c)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return render(c, http.StatusUnprocessableEntity, views.Review(rollbackPage(page(c, "Restore previous keys", "jobs"), j, region, plan, form, errs)))
	}
	id, _, err := h.create.Create(ctx, jobs.CreateRequest{IdempotencyKey: form.IdempotencyKey, Actor: jobActor(c), Plan: plan,
		Policy: jobs.RestartPolicy{AfterBind: form.After == "restart", Force: form.Force, WaveSize: form.Wave}, ParentID: j.ID})
	if err != nil {
		return err
	}
	return redirect(c, fmt.Sprintf("/jobs/%d", id))
}
