package cloud

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"keybind/internal/dedupe"
	"keybind/internal/sshkey"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

// AttachKeyPair binds keyPair to every instance in ids, in calls of at most 50 instances, and
// returns one result per distinct ID in input order. A call that fails after retries fails its
// instances; the error is only for invalid arguments or a cancelled ctx.
func (g *Gateway) AttachKeyPair(ctx context.Context, region, keyPair string, ids []string) ([]KeyPairResult, error) {
	return g.keyPairBatch(ctx, "AttachKeyPair", region, keyPair, ids)
}

// DetachKeyPair unbinds keyPair from every instance in ids; results as for AttachKeyPair.
func (g *Gateway) DetachKeyPair(ctx context.Context, region, keyPair string, ids []string) ([]KeyPairResult, error) {
	return g.keyPairBatch(ctx, "DetachKeyPair", region, keyPair, ids)
}

func (g *Gateway) keyPairBatch(ctx context.Context, action, region, name string, ids []string) ([]KeyPairResult, error) {
	ids, err := checkIDs(action, region, ids)
	if err != nil {
		return nil, err
	}
	if err := checkKeyPairName(action, region, name); err != nil {
		return nil, err
	}
	chunks := split(ids, maxKeyPairIDs)
	parts := make([][]KeyPairResult, len(chunks))
	var fatal atomic.Pointer[Error] // a call error that every other chunk would hit too
	ran := fanOut(ctx, len(chunks), g.cfg.Concurrency, func(i int) {
		if e := fatal.Load(); e != nil {
			parts[i] = failKeyPair(chunks[i], e)
			return
		}
		var e *Error
		parts[i], e = g.keyPairChunk(ctx, action, region, name, chunks[i])
		if e != nil && e.failsEveryCall() {
			fatal.CompareAndSwap(nil, e)
		}
	})
	out := make([]KeyPairResult, 0, len(ids))
	for i, c := range chunks {
		if !ran[i] || parts[i] == nil {
			parts[i] = failKeyPair(c, canceled(action, region))
		}
		out = append(out, parts[i]...)
	}
	if ctx.Err() != nil {
		return out, fmt.Errorf("cloud: %s: %w", action, ctx.Err())
	}
	return out, nil
}

// keyPairChunk makes one Attach/DetachKeyPair call for at most 50 IDs.
func (g *Gateway) keyPairChunk(ctx context.Context, action, region, name string, ids []string) ([]KeyPairResult, *Error) {
	var results []ecs.Result
	var failCount string
	rid, err := g.call(ctx, region, action, callOpts{}, func(c *ecs.Client) (string, error) {
		if action == "AttachKeyPair" {
			req := ecs.CreateAttachKeyPairRequest()
			req.RegionId, req.KeyPairName, req.InstanceIds = region, name, jsonList(ids)
			resp, err := c.AttachKeyPair(req)
			if err != nil {
				return "", err
			}
			results, failCount = resp.Results.Result, resp.FailCount
			return resp.RequestId, nil
		}
		req := ecs.CreateDetachKeyPairRequest()
		req.RegionId, req.KeyPairName, req.InstanceIds = region, name, jsonList(ids)
		resp, err := c.DetachKeyPair(req)
		if err != nil {
			return "", err
		}
		results, failCount = resp.Results.Result, resp.FailCount
		return resp.RequestId, nil
	})
	if err != nil {
		e := asError(action, region, err)
		return failKeyPair(ids, e), e
	}
	byID := dedupe.ByKey(results, func(r ecs.Result) string { return r.InstanceId })
	out := make([]KeyPairResult, len(ids))
	for i, id := range ids {
		r, ok := byID[id]
		switch {
		case !ok && len(results) == 0 && failCount == "0":
			out[i] = KeyPairResult{InstanceID: id, OK: true, RequestID: rid}
		case !ok:
			out[i] = KeyPairResult{InstanceID: id, Code: CodeResultMissing, Message: UserMessage(CodeResultMissing, ""), RequestID: rid}
		case resultOK(r.Code, r.Success):
			out[i] = KeyPairResult{InstanceID: id, OK: true, Code: "200", RequestID: rid}
		default:
			code := r.Code
			if code == "" {
				code = "Failed"
			}
			out[i] = KeyPairResult{InstanceID: id, Code: code, Message: UserMessage(code, plainMessage(r.Message)),
				RequestID: rid, Retryable: retryableCode(code)}
		}
	}
	return out, nil
}

// resultOK interprets a per-instance Code/Success pair; "200" means OK.
func resultOK(code, success string) bool {
	if strings.EqualFold(success, "false") {
		return false
	}
	return code == "200" || code == "" && strings.EqualFold(success, "true")
}

func failKeyPair(ids []string, e *Error) []KeyPairResult {
	out := make([]KeyPairResult, len(ids))
	for i, id := range ids {
		out[i] = KeyPairResult{InstanceID: id, Code: e.Code, Message: e.UserMessage(), RequestID: e.RequestID, Retryable: e.Retryable()}
	}
	return out
}

// failsEveryCall reports whether the error is not about the chunk's instances, so the remaining
// chunks of the same operation would fail the same way and need not be sent.
func (e *Error) failsEveryCall() bool {
	switch {
	case e.Kind == KindAuth:
		return true
	case e.Code == "InvalidKeyPairName.NotFound", e.Code == "InvalidRegionId.NotFound",
		strings.HasPrefix(e.Code, "Forbidden"), strings.HasPrefix(e.Code, "Unauthorized"):
		return true
	}
	return false
}

// asError extracts the *Error from call's error; a context error becomes a Canceled *Error.
func asError(action, region string, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	c := canceled(action, region)
	c.Err = err
	return c
}

func canceled(action, region string) *Error {
	return &Error{Action: action, Region: region, Code: CodeCanceled, Kind: KindUnknown, Err: context.Canceled}
}

// checkKeyPairName validates a reference to an existing key pair: 1-128 characters, no wildcard,
// no control characters or quotes.
func checkKeyPairName(action, region, name string) error {
	if !sshkey.ValidExistingName(name) {
		return invalidArg(action, region, "%q is not a key pair name", name)
	}
	return nil
}

// checkNewKeyPairName validates a name for a new key pair as ECS defines it: 2-128 characters,
// starting with a letter; letters, digits, ':', '_' and '-'; not starting with http:// or https://.
func checkNewKeyPairName(action, region, name string) error {
	if !validNewKeyPairName(name) {
		return invalidArg(action, region, "%q is not a valid key pair name: use 2 to 128 letters, digits, ':', '_' or '-', starting with a letter", name)
	}
	return nil
}

func validNewKeyPairName(name string) bool { return sshkey.ValidName(name) == nil }
