package api

import (
	"cmp"
	"errors"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/binding"
	"keybind/internal/cloud"
	"keybind/internal/inventory"
	"keybind/internal/jobs"
	"keybind/internal/sshkey"
)

type apiBindRequest struct {
	Account     string   `json:"account"` // the cloud account; default "default"
	Region      string   `json:"region"`
	KeyPair     string   `json:"key_pair"`
	InstanceIDs []string `json:"instance_ids"`
	// Acknowledge must be true: binding disables password login on every
	// bound instance (the review page's checkbox).
	Acknowledge bool `json:"acknowledge"`
	// IncludeSameKey sends the key again to instances that already have it
	// (the review page's box); by default they are left out.
	IncludeSameKey bool `json:"include_same_key"`
	apiPolicyRequest
}

// Bind plans the binding from a fresh read of the cloud, as the review page
// does, and writes the job. A retried request with the same Idempotency-Key
// answers the same job.
func (h *JobsCreate) Bind(c echo.Context) error {
	var req apiBindRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	fields := map[string]string{}
	if sshkey.ValidName(req.KeyPair) != nil {
		fields["key_pair"] = "Required: the name of a key pair in the region."
	}
	checkInstanceIDs(req.InstanceIDs, fields)
	if !req.Acknowledge {
		fields["acknowledge"] = "Set to true to confirm that binding disables password login on every bound instance."
	}
	want := apiWant{account: req.Account, rollout: req.rollout(fields), reason: req.reason(fields), same: req.IncludeSameKey}
	return h.plan(c, binding.Target{Kind: jobs.KindBind, Region: req.Region, KeyPair: req.KeyPair, InstanceIDs: req.InstanceIDs}, want, fields)
}

type apiUnbindRequest struct {
	Account     string   `json:"account"` // the cloud account; default "default"
	Region      string   `json:"region"`
	KeyPair     string   `json:"key_pair"`
	InstanceIDs []string `json:"instance_ids"`
	apiPolicyRequest
}

// Unbind plans detaching the key pair from the instances that have it and
// writes the job; password login returns on them after a restart.
func (h *JobsCreate) Unbind(c echo.Context) error {
	var req apiUnbindRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	fields := map[string]string{}
	if !sshkey.ValidExistingName(req.KeyPair) {
		fields["key_pair"] = "Required: the name of a key pair in the region."
	}
	checkInstanceIDs(req.InstanceIDs, fields)
	want := apiWant{account: req.Account, rollout: req.rollout(fields), reason: req.reason(fields)}
	return h.plan(c, binding.Target{Kind: jobs.KindUnbind, Region: req.Region, KeyPair: req.KeyPair, InstanceIDs: req.InstanceIDs}, want, fields)
}

// plan plans the target from a fresh read of the cloud and creates its
// job; want carries the request's rollout, reason and choices.
func (h *JobsCreate) plan(c echo.Context, t binding.Target, want apiWant, fields map[string]string) error {
	idem, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	want.kind, want.region, want.keyPair, want.ids = t.Kind, t.Region, t.KeyPair, t.InstanceIDs
	want.account = cmp.Or(want.account, cloud.DefaultAccount)
	// The plan reads the cloud in the account, if the person may use it
	// (a refusal is audited).
	actx, err := h.accounts.Use(c.Request().Context(), request.Actor(c, auth.ViaAPI), want.account)
	if err != nil {
		return err
	}
	c.SetRequest(c.Request().WithContext(actx))
	if handled, err := h.replay(c, idem, want); handled || err != nil {
		return err
	}
	if len(fields) > 0 {
		if !inventory.ValidRegionID(t.Region) {
			if e, ok := apperr.As(regionField("region", t.Region, inventory.ErrRegionIDInvalid)); ok {
				fields["region"] = e.Fields["region"]
			}
		}
		return apperr.Invalid("The job was not created: check the fields.", fields)
	}
	rv, err := h.plans.Plan(c.Request().Context(), t)
	switch {
	case errors.Is(err, inventory.ErrRegionIDInvalid), errors.Is(err, inventory.ErrRegionNotFound):
		return regionField("region", t.Region, err)
	case errors.Is(err, binding.ErrKeyPairNotFound):
		return apperr.Invalid("Check the key pair.", map[string]string{"key_pair": "There is no key pair " + t.KeyPair + " in " + t.Region + "."})
	case err != nil:
		return err
	}
	if want.same {
		rv.Plan = rv.Plan.IncludeSame()
	}
	return h.create(c, idem, want, rv)
}

// Rollback plans putting back every bound item's previous key from a fresh
// read of the cloud (items whose key changed since are left out) and writes
// the job. The body (the restart policy) may be empty.
func (h *JobsCreate) Rollback(c echo.Context) error {
	var req apiPolicyRequest
	if err := decodeOptionalJSON(c, &req); err != nil {
		return err
	}
	fields := map[string]string{}
	rollout, reason := req.rollout(fields), req.reason(fields)
	parent, err := request.JobID(c)
	if err != nil {
		return err
	}
	idem, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	want := apiWant{kind: jobs.KindRollback, parent: parent, rollout: rollout, reason: reason}
	if handled, err := h.replay(c, idem, want); handled || err != nil {
		return err
	}
	if len(fields) > 0 {
		return apperr.Invalid("The job was not created: check the fields.", fields)
	}
	rv, err := h.plans.PlanRollback(c.Request().Context(), parent)
	if err != nil {
		return err
	}
	want.region = rv.Region.ID
	return h.create(c, idem, want, rv)
}
