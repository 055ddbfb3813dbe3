package sandbox

import (
	"net/http"

	"keybind/internal/dedupe"
)

const maxAttachInstances = 50

type wireResult struct {
	InstanceID string `json:"InstanceId"`
	Success    bool   `json:"Success"`
	Code       string `json:"Code"`
	Message    string `json:"Message"`
}

type keyPairBindResponse struct {
	RequestID   string `json:"RequestId"`
	KeyPairName string `json:"KeyPairName"`
	TotalCount  int    `json:"TotalCount"`
	FailCount   int    `json:"FailCount"`
	Results     struct {
		Result []wireResult `json:"Result"`
	} `json:"Results"`
}

func (s *Sandbox) attachKeyPair(c *call) (any, *apiError) { return s.bindKeyPair(c, true) }
func (s *Sandbox) detachKeyPair(c *call) (any, *apiError) { return s.bindKeyPair(c, false) }

// bindKeyPair serves AttachKeyPair (attach) and DetachKeyPair (!attach).
// Request-level problems are errors; per-instance problems are failed results.
func (s *Sandbox) bindKeyPair(c *call, attach bool) (any, *apiError) {
	name, aerr := c.p.required("KeyPairName")
	if aerr != nil {
		return nil, aerr
	}
	ids, aerr := c.p.list("InstanceIds", newError(http.StatusBadRequest, "InvalidInstanceIds.ValueNotSupported", "The specified parameter InstanceIds is not valid."))
	if aerr != nil {
		return nil, aerr
	}
	if len(ids) > maxAttachInstances {
		return nil, newError(http.StatusForbidden, "InstanceKeyPairLimitExceeded", "The specified instances are beyond the permitted range.")
	}
	ids = dedupe.Slice(ids)
	kp := c.region.keyPairs[name]
	if kp == nil {
		return nil, newError(http.StatusBadRequest, "InvalidKeyPairName.NotFound", "The specified KeyPairName does not exist in our records.")
	}
	resp := keyPairBindResponse{RequestID: c.requestID, KeyPairName: name, TotalCount: len(ids)}
	resp.Results.Result = make([]wireResult, 0, len(ids))
	for _, id := range ids {
		res := wireResult{InstanceID: id, Success: true, Code: "200", Message: "successful"}
		if e := s.bindOne(c, c.region.find(id), id, kp, attach); e != nil {
			res = wireResult{InstanceID: id, Success: false, Code: e.Code, Message: e.Message}
			resp.FailCount++
		}
		resp.Results.Result = append(resp.Results.Result, res)
	}
	return resp, nil
}

func (s *Sandbox) bindOne(c *call, in *instance, id string, kp *keyPair, attach bool) *apiError {
	switch {
	case in == nil:
		return errInstanceNotFound
	case c.instanceFaults[id] != nil:
		return c.instanceFaults[id]
	case in.isWindows():
		return newError(http.StatusForbidden, "DependencyViolation.WindowsInstance", "The instance creating is windows, cannot use ssh key pair to login")
	case attach && !in.st.IoOptimized:
		return newError(http.StatusBadRequest, "DependencyViolation.IoOptimize", "The specified parameter InstanceIds is not valid.")
	case !attach && in.st.KeyPairName != kp.Name:
		return newError(http.StatusBadRequest, "InvalidKeyPairName.NotFound", "The specified KeyPairName is not bound to the instance.")
	}
	in.settle(c.now, s.opts.Transition)
	if attach {
		in.setKey(kp.Name, kp.Fingerprint)
	} else {
		in.setKey("", "")
	}
	return nil
}
