package sandbox

import "keybind/internal/dedupe"

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
		return "", errInstanceNotFound()
	}
	status := in.settle(c.now, s.opts.Transition)
	if in.locked() {
		return status, errLocked()
	}
	if status != pw.from {
		return status, errIncorrectStatus()
	}
	return status, nil
}

// findInstance looks an instance up in RegionId, or in every region when RegionId is absent.
func (s *Sandbox) findInstance(c *call, id string) (*instance, *apiError) {
	r, aerr := s.regionParam(c, false)
	if aerr != nil {
		return nil, aerr
	}
	if r != nil {
		return r.byID[id], nil
	}
	for _, r := range s.regions {
		if in := r.byID[id]; in != nil {
			return in, nil
		}
	}
	return nil, nil
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
	in, aerr := s.findInstance(c, id)
	if aerr != nil {
		return nil, aerr
	}
	if _, aerr := s.check(c, in, pw); aerr != nil {
		return nil, aerr
	}
	if dry {
		return nil, errDryRun()
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

type batchPowerResponse struct {
	RequestID         string `json:"RequestId"`
	InstanceResponses struct {
		InstanceResponse []wireInstanceResponse `json:"InstanceResponse"`
	} `json:"InstanceResponses"`
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
	r, aerr := s.regionParam(c, true)
	if aerr != nil {
		return nil, aerr
	}
	ids, aerr := c.p.repeated("InstanceId", 100)
	if aerr != nil {
		return nil, aerr
	}
	if len(ids) == 0 {
		return nil, errMissing("InstanceId.1")
	}
	ids = dedupe.Slice(ids)
	mode := c.p.str("BatchOptimization")
	switch mode {
	case "":
		mode = "AllTogether"
	case "AllTogether", "SuccessFirst":
	default:
		return nil, errInvalid("BatchOptimization")
	}
	dry, aerr := c.p.boolean("DryRun", false)
	if aerr != nil {
		return nil, aerr
	}
	resp := batchPowerResponse{RequestID: c.requestID}
	out := make([]wireInstanceResponse, 0, len(ids))
	if mode == "AllTogether" {
		for _, id := range ids {
			if _, aerr := s.check(c, r.byID[id], pw); aerr != nil {
				return nil, aerr
			}
		}
		if dry {
			return nil, errDryRun()
		}
	}
	for _, id := range ids {
		in := r.byID[id]
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
	resp.InstanceResponses.InstanceResponse = out
	return resp, nil
}
