package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/internal/apperr"
	"keybind/internal/jobs"
)

// APIJobRollback restores the keys instances had before a finished job, as
// a new job, with the rules of the console's rollback review.
type APIJobRollback struct {
	apiJobCreate
	rollback *JobRollback
}

// NewAPIJobRollback builds POST /api/v1/jobs/:id/rollback.
func NewAPIJobRollback(j APIJobStore, i InstanceLister, r RegionLister) *APIJobRollback {
	return &APIJobRollback{apiJobCreate: apiJobCreate{jobs: j}, rollback: NewJobRollback(j, j, i, r)}
}

// Rollback plans putting back every bound item's previous key from a fresh
// read of the cloud (items whose key changed since are left out) and writes
// the job. The body (the restart policy) may be empty.
func (h *APIJobRollback) Rollback(c echo.Context) error {
	var req apiPolicyRequest
	if err := decodeOptionalJSON(c, &req); err != nil {
		return err
	}
	fields := map[string]string{}
	policy := req.policy(fields)
	parent, err := jobID(c)
	if err != nil {
		return err
	}
	idem, err := h.idempotencyKey(c)
	if err != nil {
		return err
	}
	want := apiWant{kind: jobs.KindRollback, parent: parent, policy: policy}
	if handled, err := h.replay(c, idem, want); handled || err != nil {
		return err
	}
	if len(fields) > 0 {
		return apperr.Invalid("The job was not created: check the fields.", fields)
	}
	j, _, plan, err := h.rollback.plan(c)
	if err != nil {
		return err
	}
	want.region = j.Region
	if plan.Counts.Included == 0 {
		return apperr.New(http.StatusConflict, codeNothingToDo, "No key of this job can be restored: "+excludedWords(plan)+".")
	}
	return h.create(c, idem, want, plan)
}
