package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/dedupe"
)

// dispatch fills the job's restart window: at most the window's size of instances are
// restarting at once (sent, or watched after a lost answer), and the next queued ones go out the
// moment places free up — the poll earlier in the same round frees them — oldest request first,
// grouped into RebootInstances (by force) and StartInstances calls. A paused or cancelled job
// sends nothing; one that starts with one keeps its window at one until a restart has worked;
// one whose failed restarts exceed its budget is paused here, with the reason, for a person.
func (e *Engine) dispatch(ctx context.Context, j Job) error {
	j, err := loadJob(ctx, e.db, j.ID) // the counts after this round's polls
	if err != nil || j.State == StatePaused || !j.CancelledAt.IsZero() {
		return err
	}
	if j.Counts.Queued == 0 {
		return nil
	}
	if failed := j.Counts.RestartFailed - j.Paused.ErrorsAccepted; failed > j.Policy.MaxErrors {
		return e.pauseForErrors(ctx, j, failed)
	}
	window := max(j.Policy.WaveSize, 1)
	if j.Policy.StartWithOne && j.Counts.KeyInEffect == 0 {
		window = 1 // the first restart shows the way; the window opens once it worked
	}
	free := window - j.Counts.Restarting
	if free <= 0 {
		return nil
	}
	items, err := loadItemsWhere(ctx, e.db, j.ID, "restart_state = 'queued'")
	if err != nil {
		return err
	}
	now := e.now()
	ready := slices.DeleteFunc(items, func(it Item) bool { return it.NextAt.After(now) })
	slices.SortStableFunc(ready, func(a, b Item) int {
		if c := a.QueuedAt.Compare(b.QueuedAt); c != 0 {
			return c
		}
		return a.Seq - b.Seq
	})
	if len(ready) > free {
		ready = ready[:free]
	}
	// One call per operation, force and request.
	return dispatch(ctx, e, j, ready, maxRestartIDs, func(it Item) (callKey, int64) {
		return callKey{string(it.Op), it.Force, it.RestartRequest}, it.RestartRequest
	}, calls{record: e.recordRestartRequest, send: e.sendRestartCall})
}

// pauseForErrors pauses the job because more restarts failed than its policy allows.
func (e *Engine) pauseForErrors(ctx context.Context, j Job, failed int) error {
	detail := fmt.Sprintf("%d restarts failed, more than the %d allowed", failed, j.Policy.MaxErrors)
	return e.jobTx(ctx, j.ID, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET paused_at = $1, pause_reason = $2, paused_by = '', updated_at = $1, rev = rev + 1
			WHERE id = $3 AND paused_at = 0 AND cancelled_at = 0`, micros(e.now()), PauseErrors, j.ID)
		if err != nil {
			return fmt.Errorf("jobs: pause job %d: %w", j.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return e.auditRequest(ctx, tx, j, systemActor, "job.paused", nil, detail)
	})
}

// restartCall is the audit entry of a reboot or start for items sharing op, force and requester.
func restartCall(j Job, actor Actor, items []Item) auditCall {
	a := auditCall{job: j, actor: actor, action: "RebootInstances", keyPair: items[0].ExpectKey}
	if items[0].Op == OpStart {
		a.action = "StartInstances"
	} else if items[0].Force {
		a.detail = "force-stop"
	}
	return a
}

// recordRestartRequest records, in tx, the request of a reboot or start and its audit intent.
func (e *Engine) recordRestartRequest(ctx context.Context, tx *sql.Tx, j Job, actor Actor, items []Item) ([]Item, error) {
	return e.recordAttempt(ctx, tx, j, actor, items, func(it Item, now time.Time) change {
		it.Restart, it.RestartAttempts, it.RequestedAt, it.UpdatedAt = RestartRequested, it.RestartAttempts+1, now, now
		return change{it, it.Key, RestartQueued}
	}, restartCall)
}

// sendRestartCall makes one reboot or start call for items whose request is recorded, and
// records the outcome.
func (e *Engine) sendRestartCall(ctx context.Context, j Job, actor Actor, sent []Item) error {
	a := restartCall(j, actor, sent)
	ctx = actingFor(ctx, actor)
	op, force := sent[0].Op, sent[0].Force

	var results []cloud.InstanceResult
	var callErr error
	if op == OpStart {
		results, callErr = e.cloud.StartInstances(ctx, j.Region, itemIDs(sent))
	} else {
		results, callErr = e.cloud.RebootInstances(ctx, j.Region, itemIDs(sent), force)
	}
	byID := dedupe.ByKey(results, func(r cloud.InstanceResult) string { return r.InstanceID })
	now := e.now()
	changes := make([]change, len(sent))
	audit := make([]callResult, len(sent))
	for i, it := range sent {
		r, ok := byID[it.InstanceID]
		if !ok {
			kr := resultFromError(it.InstanceID, callErr)
			r = cloud.InstanceResult{InstanceID: it.InstanceID, Code: kr.Code, Message: kr.Message, RequestID: kr.RequestID, Retryable: kr.Retryable}
		}
		n := e.restartOutcome(it, j, r, now)
		changes[i] = change{n, it.Key, RestartRequested}
		audit[i] = callResult{ID: it.InstanceID, OK: r.OK, Unknown: n.Unconfirmed, Code: r.Code, RequestID: r.RequestID}
	}
	return e.jobTx(ctx, j.ID, func(tx *sql.Tx) error {
		if _, err := saveItems(ctx, tx, changes); err != nil {
			return err
		}
		return e.auditOutcome(ctx, tx, a, audit)
	})
}

// restartOutcome applies one reboot/start result to a Requested item. A call that may have run
// (cancelled, timed out, internal error, or the instance already restarting) is never repeated
// automatically: the instance is watched, and a start after the key was bound proves the restart
// (see observe); without that proof a person decides. A call refused before it ran (throttled,
// unavailable, no connection) is queued again while attempts remain.
func (e *Engine) restartOutcome(it Item, j Job, r cloud.InstanceResult, now time.Time) Item {
	n := it
	n.UpdatedAt = now
	n.RestartCode, n.RestartMessage, n.RestartRequestID, n.RestartRetryable = r.Code, r.Message, r.RequestID, false
	switch {
	case r.OK:
		n = e.watch(n, j, now, false)
		n.RestartCode, n.RestartMessage = "", ""
		if r.CurrentStatus != "" {
			n.LastStatus = r.CurrentStatus
			n.SeenTransition = NeedFor(r.CurrentStatus) == NeedInTransition
		}
	case r.Code == cloud.CodeCanceled || unknownOutcome(r.Code):
		n = e.watch(n, j, now, true)
		n.RestartMessage = fmt.Sprintf("The answer to the %s was lost (%s): keybind watches the instance for a start after the key was bound.",
			op(it.Op), r.Code)
	case r.Code == "IncorrectInstanceStatus" && r.PreviousStatus != "" && NeedFor(r.PreviousStatus) == NeedInTransition:
		// Already restarting: perhaps by a call of ours that was retried after an error, perhaps
		// by someone else. Watch it: the StartTime it comes back with tells.
		n = e.watch(n, j, now, true)
		n.LastStatus = r.PreviousStatus
		n.RestartMessage = fmt.Sprintf("The instance was already %s when the %s was sent: keybind watches it for a start after the key was bound.",
			r.PreviousStatus, op(it.Op))
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

// watch puts an item whose restart was sent (or may have been) under observation: its status
// is first read when a restart of this job usually has finished, then with a growing backoff.
// unconfirmed says the cloud's answer was lost, so the restart needs proof.
func (e *Engine) watch(it Item, j Job, now time.Time, unconfirmed bool) Item {
	it.Restart, it.Unconfirmed = RestartInProgress, unconfirmed
	it.AcceptedAt, it.Deadline, it.StoppedSince, it.SeenTransition = now, now.Add(e.cfg.RestartDeadline), time.Time{}, false
	it.Polls, it.NextPollAt = 0, now.Add(e.firstPoll(j))
	return it
}

// firstPoll is how long after a restart its status is first read: as long as a restart of the
// job took so far, or FirstPollDelay before one has been seen.
func (e *Engine) firstPoll(j Job) time.Duration {
	if j.Transition > 0 {
		return j.Transition
	}
	return e.cfg.FirstPollDelay
}

func op(o RestartOp) string {
	if o == OpStart {
		return "start"
	}
	return "reboot"
}
