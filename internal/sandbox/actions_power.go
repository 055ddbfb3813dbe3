package sandbox

import (
	"net/http"

	"keybind/internal/dedupe"
)

// powerActions are the ECS actions that reboot and start instances.
var powerActions = map[string]action{
	"RebootInstance":  {run: (*Sandbox).rebootInstance, region: regionOptional},
	"StartInstance":   {run: (*Sandbox).startInstance, region: regionOptional},
	"RebootInstances": {run: (*Sandbox).rebootInstances, region: regionRequired},
	"StartInstances":  {run: (*Sandbox).startInstances, region: regionRequired},
}

// power describes one of the restart operations.
type power struct {
	op   string
	from string // the status the instance must be in
	next string // the status it reports right after the call
}

var (
	powerReboot = power{op: OpReboot, from: StatusRunning, next: StatusStopping}
	powerStart  = power{op: OpStart, from: StatusStopped, next: StatusStarting}
)

// check validates one instance for the operation and returns its current status.
func (s *Sandbox) check(c *call, in *instance, pw power) (string, *apiError) {
	if in == nil {
		return "", errInstanceNotFound
	}
	status := in.settle(c.now, s.opts.Transition)
	if in.locked() {
		return status, newError(http.StatusForbidden, "InstanceLockedForSecurity", "The specified operation is denied as your instance is locked for security reasons.")
	}
	if status != pw.from {
		return status, newError(http.StatusForbidden, "IncorrectInstanceStatus", "The current status of the resource does not support this operation.")
	}
	return status, nil
}

// findInstance looks an instance up in RegionId, or in every region of the
// signer's account when RegionId is absent.
func findInstance(c *call, id string) *instance {
	if c.region != nil {
		return c.region.find(id)
	}
	for _, r := range c.who.acct.regions {
		if in := r.find(id); in != nil {
			return in
		}
	}
	return nil
}

func (s *Sandbox) rebootInstance(c *call) (any, *apiError) {
	if _, aerr := c.p.boolean("ForceStop", false); aerr != nil {
		return nil, aerr
	}
	return s.powerOne(c, powerReboot)
}

func (s *Sandbox) startInstance(c *call) (any, *apiError) {
	if _, aerr := c.p.boolean("InitLocalDisk", false); aerr != nil {
		return nil, aerr
	}
	return s.powerOne(c, powerStart)
}

func (s *Sandbox) powerOne(c *call, pw power) (any, *apiError) {
	id, aerr := c.p.required("InstanceId")
	if aerr != nil {
		return nil, aerr
	}
	dry, aerr := c.p.boolean("DryRun", false)
	if aerr != nil {
		return nil, aerr
	}
	in := findInstance(c, id)
	if _, aerr := s.check(c, in, pw); aerr != nil {
		return nil, aerr
	}
	if dry {
		return nil, errDryRun
	}
	in.begin(pw.op, c.now)
	return requestOnlyResponse{RequestID: c.requestID}, nil
}

type wireInstanceResponse struct {
	InstanceID     string `json:"InstanceId"`
	Code           string `json:"Code"`
	Message        string `json:"Message"`
	PreviousStatus string `json:"PreviousStatus"`
	CurrentStatus  string `json:"CurrentStatus"`
}

func (s *Sandbox) rebootInstances(c *call) (any, *apiError) {
	if _, aerr := c.p.boolean("ForceReboot", false); aerr != nil {
		return nil, aerr
	}
	return s.powerBatch(c, powerReboot)
}

func (s *Sandbox) startInstances(c *call) (any, *apiError) { return s.powerBatch(c, powerStart) }

// powerBatch serves RebootInstances and StartInstances.
// AllTogether (default): any invalid instance fails the whole request with its error.
// SuccessFirst: every instance gets its own result.
// DryRun: AllTogether answers 400 DryRunOperation once validation passes;
// SuccessFirst answers 200 with Code DRYRUN.SUCCESS for every instance.
func (s *Sandbox) powerBatch(c *call, pw power) (any, *apiError) {
	ids, aerr := c.p.repeated("InstanceId", 100)
	if aerr != nil {
		return nil, aerr
	}
	if len(ids) == 0 {
		return nil, errMissing("InstanceId.1")
	}
	ids = dedupe.Slice(ids)
	if !c.p.oneOf("BatchOptimization", "AllTogether", "SuccessFirst") {
		return nil, errInvalid("BatchOptimization")
	}
	allTogether := c.p.str("BatchOptimization") != "SuccessFirst"
	dry, aerr := c.p.boolean("DryRun", false)
	if aerr != nil {
		return nil, aerr
	}
	out := make([]wireInstanceResponse, 0, len(ids))
	if allTogether {
		for _, id := range ids {
			if _, aerr := s.check(c, c.region.find(id), pw); aerr != nil {
				return nil, aerr
			}
		}
		if dry {
			return nil, errDryRun
		}
	}
	for _, id := range ids {
		in := c.region.find(id)
		prev, aerr := s.check(c, in, pw)
		res := wireInstanceResponse{InstanceID: id, PreviousStatus: prev, CurrentStatus: prev}
		switch {
		case dry:
			res.Code, res.Message = "DRYRUN.SUCCESS", "Request validation has been passed with DryRun flag set."
		case aerr != nil:
			res.Code, res.Message = aerr.Code, aerr.Message
		default:
			in.begin(pw.op, c.now)
			res.Code, res.Message, res.CurrentStatus = "200", "success", pw.next
		}
		out = append(out, res)
	}
	return wireList(c.requestID, "InstanceResponses", "InstanceResponse", out), nil
}
