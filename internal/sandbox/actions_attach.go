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
	r, aerr := s.regionParam(c, true)
	if aerr != nil {
		return nil, aerr
	}
	name, aerr := c.p.required("KeyPairName")
	if aerr != nil {
		return nil, aerr
	}
	raw, aerr := c.p.required("InstanceIds")
	if aerr != nil {
		return nil, aerr
	}
	ids, ok := parseList(raw)
	if !ok || len(ids) == 0 {
		return nil, newError(http.StatusBadRequest, "InvalidInstanceIds.ValueNotSupported", "The specified parameter InstanceIds is not valid.")
	}
	if len(ids) > maxAttachInstances {
		return nil, newError(http.StatusForbidden, "InstanceKeyPairLimitExceeded", "The specified instances are beyond the permitted range.")
	}
	ids = dedupe.Slice(ids)
	kp := r.keyPairs[name]
	if kp == nil {
		return nil, errKeyPairNotFound()
	}
	resp := keyPairBindResponse{RequestID: c.requestID, KeyPairName: name, TotalCount: len(ids)}
	resp.Results.Result = make([]wireResult, 0, len(ids))
	for _, id := range ids {
		res := wireResult{InstanceID: id, Success: true, Code: "200", Message: "successful"}
		if e := s.bindOne(c, r, id, kp, attach); e != nil {
			res = wireResult{InstanceID: id, Success: false, Code: e.Code, Message: e.Message}
			resp.FailCount++
		}
		resp.Results.Result = append(resp.Results.Result, res)
	}
	return resp, nil
}

func (s *Sandbox) bindOne(c *call, r *region, id string, kp *keyPair, attach bool) *apiError {
	in := r.byID[id]
	switch {
	case in == nil:
		return errInstanceNotFound()
	case c.instanceFaults[id] != nil:
		return c.instanceFaults[id]
	case in.isWindows():
		return failWindows
	case attach && !in.st.IoOptimized:
		return failIoOptimize
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
