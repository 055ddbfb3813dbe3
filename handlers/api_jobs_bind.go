package handlers

import (
	"github.com/labstack/echo/v4"

	"keybind/internal/apperr"
	"keybind/internal/jobs"
)

// APIJobsBind creates binding (and unbinding) jobs.
type APIJobsBind struct {
	apiJobCreate
	regions   *regionCache
	keys      KeyPairGetter
	instances InstanceLister
}

// NewAPIJobsBind builds POST /api/v1/jobs/bind and /api/v1/jobs/unbind.
func NewAPIJobsBind(r RegionLister, k KeyPairGetter, i InstanceLister, j APIJobStore) *APIJobsBind {
	return &APIJobsBind{apiJobCreate: apiJobCreate{jobs: j}, regions: newRegionCache(r), keys: k, instances: i}
}

type apiBindRequest struct {
	Region      string   `json:"region"`
	KeyPair     string   `json:"key_pair"`
	InstanceIDs []string `json:"instance_ids"`
	// Acknowledge must be true: binding disables password login on every
	// bound instance (the review page's checkbox).
	Acknowledge bool `json:"acknowledge"`
	apiPolicyRequest
}

// Bind plans the binding from a fresh read of the cloud, as the review page
// does, and writes the job. A retried request with the same Idempotency-Key
// answers the same job.
func (h *APIJobsBind) Bind(c echo.Context) error {
	var req apiBindRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	fields := map[string]string{}
	if !validKeyPairName(req.KeyPair) {
		fields["key_pair"] = "Required: the name of a key pair in the region."
	}
	checkInstanceIDs(req.InstanceIDs, fields)
	if !req.Acknowledge {
		fields["acknowledge"] = "Set to true to confirm that binding disables password login on every bound instance."
	}
	policy := req.policy(fields)
	return h.plan(c, jobs.KindBind, req.Region, req.KeyPair, req.InstanceIDs, policy, fields)
}

type apiUnbindRequest struct {
	Region      string   `json:"region"`
	KeyPair     string   `json:"key_pair"`
	InstanceIDs []string `json:"instance_ids"`
	apiPolicyRequest
}

// Unbind plans detaching the key pair from the instances that have it and
// writes the job; password login returns on them after a restart.
func (h *APIJobsBind) Unbind(c echo.Context) error {
	var req apiUnbindRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	fields := map[string]string{}
	if !existingKeyName(req.KeyPair) {
		fields["key_pair"] = "Required: the name of a key pair in the region."
	}
	checkInstanceIDs(req.InstanceIDs, fields)
	policy := req.policy(fields)
	return h.plan(c, jobs.KindUnbind, req.Region, req.KeyPair, req.InstanceIDs, policy, fields)
}

func (h *APIJobsBind) plan(c echo.Context, kind jobs.Kind, regionID, key string, ids []string, policy jobs.RestartPolicy, fields map[string]string) error {
	ctx := c.Request().Context()
	idem, err := h.idempotencyKey(c)
	if err != nil {
		return err
	}
	want := apiWant{kind: kind, region: regionID, keyPair: key, ids: ids, policy: policy}
	if handled, err := h.replay(c, idem, want); handled || err != nil {
		return err
	}
	region, err := apiRegionField(ctx, h.regions, "region", regionID)
	if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
		for k, v := range e.Fields {
			fields[k] = v
		}
	} else if err != nil {
		return err
	}
	if len(fields) > 0 {
		return apperr.Invalid("The job was not created: check the fields.", fields)
	}
	if err := apiKeyPairField(ctx, h.keys, region, key); err != nil {
		return err
	}
	found, missing, err := h.instances.InstancesByID(ctx, region.ID, ids)
	if err != nil {
		return err
	}
	var plan jobs.Plan
	verb := "bound"
	if kind == jobs.KindUnbind {
		plan, verb = jobs.PlanUnbind(region.ID, key, ids, found, missing), "unbound"
	} else {
		plan = jobs.PlanBind(region.ID, key, ids, found, missing)
	}
	if plan.Counts.Included == 0 {
		return nothingIncluded(verb, plan)
	}
	return h.create(c, idem, want, plan)
}
