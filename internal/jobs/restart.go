package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"keybind/internal/cloud"
)

// maxRestartIDs is the most instance IDs one RebootInstances/StartInstances call takes.
const maxRestartIDs = 100

// dispatch sends the job's next restart wave. Waves are strict: nothing is sent while any item
// of the job is still requested or restarting, then up to WaveSize queued items go out
// (oldest request first), grouped into RebootInstances (by force) and StartInstances calls.
func (e *Engine) dispatch(ctx context.Context, j Job) error {
	items, err := loadItemsWhere(ctx, e.db, j.ID, "restart_state IN ('queued', 'requested', 'in-progress')")
	if err != nil || len(items) == 0 {
		return err
	}
	now := e.now()
	var ready []Item
	for _, it := range items {
		if it.Restart != RestartQueued {
			return nil // the current wave is still in motion
		}
		if !it.NextAt.After(now) {
			ready = append(ready, it)
		}
	}
	slices.SortStableFunc(ready, func(a, b Item) int {
		if c := a.QueuedAt.Compare(b.QueuedAt); c != 0 {
			return c
		}
		return a.Seq - b.Seq
	})
	wave := max(j.Policy.WaveSize, 1)
	if len(ready) > wave {
		ready = ready[:wave]
	}
	type groupKey struct {
		op    RestartOp
		force bool
		req   int64
	}
	return dispatch(ctx, e, ready, maxRestartIDs, func(it Item) (groupKey, int64) {
		return groupKey{it.Op, it.Force, it.RestartRequest}, it.RestartRequest
	}, func(ctx context.Context, actor Actor, batch []Item) error {
		return e.sendRestartBatch(ctx, j, actor, batch)
	})
}

// sendRestartBatch makes one reboot or start call for items sharing op, force and requester.
// The request is recorded (with the audit intent) before the call, the outcome after it.
func (e *Engine) sendRestartBatch(ctx context.Context, j Job, actor Actor, items []Item) error {
	op, force := items[0].Op, items[0].Force
	a := auditCall{job: j, actor: actor, action: "RebootInstances", keyPair: items[0].ExpectKey}
	if op == OpStart {
		a.action = "StartInstances"
	} else if force {
		a.detail = "force-stop"
	}
	now := e.now()
	var sent []Item
	err := e.tx(ctx, func(tx *sql.Tx) error {
		changes := make([]change, len(items))
		for i, it := range items {
			n := it
			n.Restart, n.RestartAttempts, n.RequestedAt, n.UpdatedAt = RestartRequested, it.RestartAttempts+1, now, now
			changes[i] = change{n, it.Key, RestartQueued}
		}
		var err error
		if sent, err = saveItems(ctx, tx, changes); err != nil || len(sent) == 0 {
			return err
		}
		return e.auditIntent(ctx, tx, a, itemIDs(sent))
	})
	if err != nil || len(sent) == 0 {
		return err
	}

	var results []cloud.InstanceResult
	var callErr error
	if op == OpStart {
		results, callErr = e.cloud.StartInstances(ctx, j.Region, itemIDs(sent))
	} else {
		results, callErr = e.cloud.RebootInstances(ctx, j.Region, itemIDs(sent), force)
	}
	byID := make(map[string]cloud.InstanceResult, len(results))
	for _, r := range results {
		byID[r.InstanceID] = r
	}
	now = e.now()
	changes := make([]change, len(sent))
	audit := make([]callResult, len(sent))
	for i, it := range sent {
		r, ok := byID[it.InstanceID]
		if !ok {
			kr := resultFromError(it.InstanceID, callErr)
			r = cloud.InstanceResult{InstanceID: it.InstanceID, Code: kr.Code, Message: kr.Message, RequestID: kr.RequestID, Retryable: kr.Retryable}
		}
		n := e.restartOutcome(it, r, now)
		changes[i] = change{n, it.Key, RestartRequested}
		audit[i] = callResult{ID: it.InstanceID, OK: r.OK, Unknown: n.Restart == RestartNeedsDecision, Code: r.Code, RequestID: r.RequestID}
	}
	return e.tx(ctx, func(tx *sql.Tx) error {
		if _, err := saveItems(ctx, tx, changes); err != nil {
			return err
		}
		return e.auditOutcome(ctx, tx, a, audit)
	})
}

// restartOutcome applies one reboot/start result to a Requested item. A call that may have run
// (cancelled, timed out, internal error) is never repeated automatically: it needs an operator
// decision. A call refused before it ran (throttled, unavailable, no connection) is queued again
// while attempts remain.
func (e *Engine) restartOutcome(it Item, r cloud.InstanceResult, now time.Time) Item {
	n := it
	n.UpdatedAt = now
	n.RestartCode, n.RestartMessage, n.RestartRequestID, n.RestartRetryable = r.Code, r.Message, r.RequestID, false
	switch {
	case r.OK:
		n.Restart, n.RestartCode, n.RestartMessage = RestartInProgress, "", ""
		n.AcceptedAt, n.Deadline, n.StoppedSince = now, now.Add(e.cfg.RestartDeadline), time.Time{}
		n.SeenTransition = false
		if r.CurrentStatus != "" {
			n.LastStatus = r.CurrentStatus
			n.SeenTransition = NeedFor(r.CurrentStatus) == NeedInTransition
		}
	case r.Code == cloud.CodeCanceled || unknownOutcome(r.Code):
		n.Restart = RestartNeedsDecision
		n.RestartMessage = fmt.Sprintf("keybind cannot tell whether the %s reached the instance (%s). Check it, then ask to %s again or mark it done.",
			op(it.Op), r.Code, op(it.Op))
	case r.Code == "IncorrectInstanceStatus" && r.PreviousStatus != "" && NeedFor(r.PreviousStatus) == NeedInTransition:
		// Already restarting: perhaps by a call of ours that was retried after an error, perhaps
		// by someone else. Whose restart it is cannot be told, so an operator decides.
		n.Restart, n.LastStatus = RestartNeedsDecision, r.PreviousStatus
		n.RestartMessage = fmt.Sprintf("The instance was already %s when the %s was sent; keybind cannot tell whose restart that is. "+
			"Check it, then ask to %s again or mark it done.", r.PreviousStatus, op(it.Op), op(it.Op))
	case r.Retryable:
		if it.RestartAttempts < e.cfg.RestartAttempts {
			n.Restart, n.NextAt = RestartQueued, now.Add(e.retryDelay(it.RestartAttempts))
		} else {
			n.Restart, n.RestartRetryable = RestartFailed, true
		}
	default:
		n.Restart = RestartFailed
	}
	if n.Restart == RestartFailed && n.RestartMessage == "" {
		n.RestartMessage = cloud.UserMessage(n.RestartCode, "The cloud refused the "+op(it.Op)+".")
	}
	return n
}

func op(o RestartOp) string {
	if o == OpStart {
		return "start"
	}
	return "reboot"
}
