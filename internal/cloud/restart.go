package cloud

import (
	"context"
	"fmt"

	"keybind/internal/dedupe"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

// RebootInstances reboots Running instances in calls of at most 100 (BatchOptimization=SuccessFirst)
// and returns one result per distinct ID in input order; force is a power-off reboot.
func (g *Gateway) RebootInstances(ctx context.Context, region string, ids []string, force bool) ([]InstanceResult, error) {
	return g.restartBatch(ctx, restartOp{action: "RebootInstances", force: force}, region, ids)
}

// StartInstances starts Stopped instances in calls of at most 100; results as for RebootInstances.
func (g *Gateway) StartInstances(ctx context.Context, region string, ids []string) ([]InstanceResult, error) {
	return g.restartBatch(ctx, restartOp{action: "StartInstances"}, region, ids)
}

// DryRunRebootInstances checks permissions, parameters and instance states without rebooting;
// OK results mean the reboot would be accepted.
func (g *Gateway) DryRunRebootInstances(ctx context.Context, region string, ids []string, force bool) ([]InstanceResult, error) {
	return g.restartBatch(ctx, restartOp{action: "RebootInstances", force: force, dryRun: true}, region, ids)
}

type restartOp struct {
	action        string
	force, dryRun bool
}

func (g *Gateway) restartBatch(ctx context.Context, op restartOp, region string, ids []string) ([]InstanceResult, error) {
	ids, err := checkIDs(op.action, region, ids)
	if err != nil {
		return nil, err
	}
	chunks := split(ids, maxBatchIDs)
	parts := make([][]InstanceResult, len(chunks))
	ran := fanOut(ctx, len(chunks), g.cfg.Concurrency, func(i int) {
		parts[i] = g.restartChunk(ctx, op, region, chunks[i])
	})
	out := make([]InstanceResult, 0, len(ids))
	for i, c := range chunks {
		if !ran[i] || parts[i] == nil {
			parts[i] = failInstances(c, canceled(op.action, region))
		}
		out = append(out, parts[i]...)
	}
	if ctx.Err() != nil {
		return out, fmt.Errorf("cloud: %s: %w", op.action, ctx.Err())
	}
	return out, nil
}

// restartChunk makes one RebootInstances/StartInstances call for at most 100 IDs.
func (g *Gateway) restartChunk(ctx context.Context, op restartOp, region string, ids []string) []InstanceResult {
	var responses []ecs.InstanceResponse
	// A reboot or start is not idempotent: a retry after an answer that was
	// lost (timeout, 500) could restart an instance twice. Retry only when the
	// cloud cannot have run it (throttled, 503, never connected); otherwise the
	// job engine decides with an operator.
	rid, err := g.call(ctx, region, op.action, callOpts{dryRun: op.dryRun, unsafe: !op.dryRun}, func(c *ecs.Client) (string, error) {
		list := append([]string(nil), ids...)
		if op.action == "RebootInstances" {
			req := ecs.CreateRebootInstancesRequest()
			req.RegionId, req.InstanceId, req.BatchOptimization = region, &list, "SuccessFirst"
			req.ForceReboot = requests.NewBoolean(op.force)
			if op.dryRun {
				req.DryRun = requests.NewBoolean(true)
			}
			resp, err := c.RebootInstances(req)
			if err != nil {
				return "", err
			}
			responses = resp.InstanceResponses.InstanceResponse
			return resp.RequestId, nil
		}
		req := ecs.CreateStartInstancesRequest()
		req.RegionId, req.InstanceId, req.BatchOptimization = region, &list, "SuccessFirst"
		if op.dryRun {
			req.DryRun = requests.NewBoolean(true)
		}
		resp, err := c.StartInstances(req)
		if err != nil {
			return "", err
		}
		responses = resp.InstanceResponses.InstanceResponse
		return resp.RequestId, nil
	})
	if err != nil {
		return failInstances(ids, asError(op.action, region, err))
	}
	byID := dedupe.ByKey(responses, func(r ecs.InstanceResponse) string { return r.InstanceId })
	out := make([]InstanceResult, len(ids))
	for i, id := range ids {
		r, found := byID[id]
		res := InstanceResult{InstanceID: id, RequestID: rid,
			PreviousStatus: Status(r.PreviousStatus), CurrentStatus: Status(r.CurrentStatus)}
		switch {
		case !found && op.dryRun && len(responses) == 0:
			res.OK = true // a DryRunOperation answer covers the whole call
		case !found:
			res.Code, res.Message = CodeResultMissing, UserMessage(CodeResultMissing, "")
		case r.Code == "200" || op.dryRun && (r.Code == "DRYRUN.SUCCESS" || r.Code == "DryRunOperation"):
			res.OK, res.Code = true, r.Code
		default:
			code := r.Code
			if code == "" {
				code = "Failed"
			}
			res.Code, res.Message, res.Retryable = code, UserMessage(code, plainMessage(r.Message)), retryableCode(code)
		}
		out[i] = res
	}
	return out
}

func failInstances(ids []string, e *Error) []InstanceResult {
	out := make([]InstanceResult, len(ids))
	for i, id := range ids {
		out[i] = InstanceResult{InstanceID: id, Code: e.Code, Message: e.UserMessage(), RequestID: e.RequestID, Retryable: e.Retryable()}
	}
	return out
}
