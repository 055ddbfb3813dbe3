package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/fault"
)

// Actions are what a person may do to a running job: restart chosen items or
// a whole group, retry, decide an item, pause, resume and cancel. *Engine
// provides it; the result grid and the API call it.
type Actions interface {
	Restart(ctx context.Context, actor Actor, jobID int64, op RestartOp, instanceIDs []string, force bool) (int, error)
	RestartAll(ctx context.Context, actor Actor, jobID int64, kind RestartAllKind, force bool) (int, error)
	RetryFailed(ctx context.Context, actor Actor, jobID int64) (int, error)
	ResolveOperator(ctx context.Context, actor Actor, jobID int64, instanceID string, d Decision) error
	Pause(ctx context.Context, actor Actor, jobID int64) error
	Resume(ctx context.Context, actor Actor, jobID int64) error
	Cancel(ctx context.Context, actor Actor, jobID int64) error
}

var _ Actions = (*Engine)(nil)

// RestartAllKind selects the items of a bulk restart.
type RestartAllKind string

// Bulk restarts.
const (
	RebootAllRunning RestartAllKind = "reboot-running" // every bound item that needs a reboot
	StartAllStopped  RestartAllKind = "start-stopped"  // every bound item that is Stopped
)

// Decision is an operator's answer for an item whose reboot/start may or may not have happened.
type Decision string

// Decisions.
const (
	DecisionRestartAgain Decision = "restart-again" // send the reboot/start again
	DecisionMarkDone     Decision = "mark-done"     // it happened; stop tracking it
)

// RestartError refuses a restart request that names instances the job does
// not have, or that cannot take the restart asked for now; nothing was queued.
type RestartError struct {
	Op       RestartOp
	Absent   []string // not in the job
	NotReady []Item   // in the job, but not ready for Op
}

func (e *RestartError) Error() string {
	return fmt.Sprintf("jobs: %s: %d instances not in the job, %d not ready", e.Op, len(e.Absent), len(e.NotReady))
}

// FaultKind implements fault.Kinded: absent instances are bad input, the
// others a state that does not allow it.
func (e *RestartError) FaultKind() fault.Kind {
	if len(e.Absent) > 0 {
		return fault.KindInvalid
	}
	return fault.KindConflict
}

// FaultCode implements fault.Kinded.
func (e *RestartError) FaultCode() string { return "restart_not_ready" }

// Restart queues op (a reboot of Running instances or a start of Stopped
// ones) for the named items of a job; force applies to reboots. Every named
// instance must be in the job and ready for op, or nothing is queued and a
// *RestartError says which are not. Queued items go out with the job's next
// wave, after the current one is Running.
func (e *Engine) Restart(ctx context.Context, actor Actor, jobID int64, op RestartOp, instanceIDs []string, force bool) (int, error) {
	want := map[string]bool{}
	for _, id := range instanceIDs {
		want[id] = true
	}
	refused := &RestartError{Op: op}
	n, err := e.request(ctx, actor, jobID, reqRestart, "RestartRequested", fmt.Sprintf("force: %t", force), func(it Item) (Item, bool) {
		if !want[it.InstanceID] {
			return it, false
		}
		delete(want, it.InstanceID)
		if restartOp(it) != op {
			refused.NotReady = append(refused.NotReady, it)
			return it, false
		}
		return queue(it, op, force, 0, e.now()), true
	}, func() error {
		for _, id := range instanceIDs {
			if want[id] {
				refused.Absent = append(refused.Absent, id)
			}
		}
		if len(refused.Absent) > 0 || len(refused.NotReady) > 0 {
			return refused
		}
		return nil
	})
	return n, err
}

// RestartAll queues every bound item of the kind: reboot the ones that need a reboot, or
// start the ones that are Stopped.
func (e *Engine) RestartAll(ctx context.Context, actor Actor, jobID int64, kind RestartAllKind, force bool) (int, error) {
	if kind != RebootAllRunning && kind != StartAllStopped {
		return 0, ErrBadRequest
	}
	return e.request(ctx, actor, jobID, reqRestartAll, "RestartAllRequested", fmt.Sprintf("%s, force: %t", kind, force), func(it Item) (Item, bool) {
		switch o := restartOp(it); {
		case kind == RebootAllRunning && o == OpReboot && it.Restart == RestartNeedsReboot:
			return queue(it, OpReboot, force, 0, e.now()), true
		case kind == StartAllStopped && o == OpStart:
			return queue(it, OpStart, false, 0, e.now()), true
		}
		return it, false
	})
}

// RetryFailed sends again every key call and restart of the job that failed with an error
// that can be retried. A reboot/start whose outcome is unknown is not retried here: it needs
// an operator decision (ResolveOperator).
func (e *Engine) RetryFailed(ctx context.Context, actor Actor, jobID int64) (int, error) {
	return e.request(ctx, actor, jobID, reqRetry, "RetryRequested", "", func(it Item) (Item, bool) {
		now := e.now()
		switch {
		case it.Key == KeyFailed && it.KeyRetryable:
			it.Key, it.KeyAttempts, it.KeyNextAt, it.KeyAt = KeyPending, 0, now, now
			it.KeyCode, it.KeyMessage, it.KeyRetryable = "", "", false
			it.Restart = RestartNone
			return it, true
		case it.Key == KeyDone && it.Restart == RestartFailed && it.RestartRetryable:
			return queue(it, it.Op, it.Force, 0, now), true
		}
		return it, false
	})
}

// ResolveOperator records an operator's decision for an item that needs one.
func (e *Engine) ResolveOperator(ctx context.Context, actor Actor, jobID int64, instanceID string, d Decision) error {
	if d != DecisionRestartAgain && d != DecisionMarkDone {
		return ErrBadRequest
	}
	found := false
	_, err := e.request(ctx, actor, jobID, reqResolve, "OperatorDecision", string(d), func(it Item) (Item, bool) {
		if it.InstanceID != instanceID {
			return it, false
		}
		found = true
		if it.Restart != RestartNeedsDecision {
			return it, false
		}
		if d == DecisionMarkDone {
			it.Restart, it.RestartCode, it.RestartMessage, it.UpdatedAt = RestartMarkedDone, "", "", e.now()
			return it, true
		}
		return queue(it, it.Op, it.Force, 0, e.now()), true
	})
	if errors.Is(err, ErrNothingToDo) && !found {
		return ErrItemNotFound
	}
	return err
}

// CanRestart is the restart the grid may offer for the item now: reboot (Running), start
// (Stopped), or none (key not bound, in motion, waiting for a decision, gone).
func (it Item) CanRestart() RestartOp { return restartOp(it) }

// NeedsDecision reports whether the item waits for an operator decision (ResolveOperator).
func (it Item) NeedsDecision() bool { return it.Restart == RestartNeedsDecision }

// restartOp is the restart an item can take now: reboot if Running, start if Stopped, none if
// its key is not bound or it is in motion.
func restartOp(it Item) RestartOp {
	if it.Key != KeyDone || it.Restart.InMotion() || it.Restart == RestartNeedsDecision || it.Restart == RestartDisappeared {
		return OpNone
	}
	switch {
	case it.Restart == RestartNeedsReboot:
		return OpReboot
	case it.Restart == RestartNeedsStart || it.Restart == RestartEndedStopped:
		return OpStart
	case it.LastStatus == cloud.StatusRunning:
		return OpReboot
	case it.LastStatus == cloud.StatusStopped:
		return OpStart
	}
	return OpNone
}

// request applies pick to every item of the job in one transaction: the items it changes are
// written (compare-and-set), tied to a new job request of the actor, the job is made active and
// the request is audited. It returns how many items changed, or ErrNothingToDo.
// check, if given, runs after every item was picked and can refuse the
// whole request before anything is written.
func (e *Engine) request(ctx context.Context, actor Actor, jobID int64, kind, action, detail string, pick func(Item) (Item, bool), check ...func() error) (int, error) {
	var n int
	err := e.tx(ctx, func(tx *sql.Tx) error {
		j, err := loadJob(ctx, tx, jobID)
		if err != nil {
			return err
		}
		if !j.CancelledAt.IsZero() {
			return ErrJobCancelled
		}
		items, err := loadItems(ctx, tx, jobID)
		if err != nil {
			return err
		}
		now := e.now()
		var changes []change
		for _, it := range items {
			next, ok := pick(it)
			if !ok {
				continue
			}
			next.UpdatedAt = now
			changes = append(changes, change{next, it.Key, it.Restart})
		}
		for _, c := range check {
			if err := c(); err != nil {
				return err
			}
		}
		if len(changes) == 0 {
			return ErrNothingToDo
		}
		reqID, err := insertRequest(ctx, tx, request{JobID: jobID, Kind: kind, Actor: actor, Detail: detail, At: now})
		if err != nil {
			return err
		}
		for i := range changes {
			if changes[i].item.Key == KeyPending {
				changes[i].item.KeyRequest = reqID
			}
			if changes[i].item.Restart == RestartQueued {
				changes[i].item.RestartRequest = reqID
			}
		}
		applied, err := saveItems(ctx, tx, changes)
		if err != nil {
			return err
		}
		if n = len(applied); n == 0 {
			return ErrNothingToDo
		}
		if err := setFinished(ctx, tx, jobID, time.Time{}, now); err != nil {
			return err
		}
		return e.auditRequest(ctx, tx, j, actor, "job."+strings.ReplaceAll(kind, "-", "_"), itemIDs(applied),
			strings.TrimSpace(action+" "+detail))
	})
	if err != nil {
		return 0, err
	}
	e.Wake()
	return n, nil
}

// Pause stops the job from sending anything new — key calls and restarts — until a person
// resumes it. Calls already sent are followed to their end. A job the engine has no work for
// cannot be paused (ErrJobFinished).
func (e *Engine) Pause(ctx context.Context, actor Actor, jobID int64) error {
	return e.control(ctx, actor, jobID, "job.pause", func(tx *sql.Tx, j Job, now int64) (string, error) {
		switch {
		case !j.CancelledAt.IsZero():
			return "", ErrJobCancelled
		case !j.Paused.At.IsZero():
			return "", ErrAlreadyPaused
		case !j.FinishedAt.IsZero():
			return "", ErrJobFinished
		}
		_, err := tx.ExecContext(ctx, `UPDATE jobs SET paused_at = $1, pause_reason = $2, paused_by = $3 WHERE id = $4`,
			now, PauseByPerson, actor.Username, j.ID)
		return "paused by a person", err
	})
}

// Resume lets a paused job send again. Failed restarts that paused it are accepted: the job
// pauses again only if more fail than its policy allows from here on.
func (e *Engine) Resume(ctx context.Context, actor Actor, jobID int64) error {
	return e.control(ctx, actor, jobID, "job.resume", func(tx *sql.Tx, j Job, now int64) (string, error) {
		if !j.CancelledAt.IsZero() {
			return "", ErrJobCancelled
		}
		if j.Paused.At.IsZero() {
			return "", ErrNotPaused
		}
		_, err := tx.ExecContext(ctx, `UPDATE jobs SET paused_at = 0, pause_reason = '', paused_by = '', errors_accepted = $1 WHERE id = $2`,
			j.Counts.RestartFailed, j.ID)
		return fmt.Sprintf("resumed (was paused: %s); %d failed restarts accepted", j.Paused.Reason, j.Counts.RestartFailed), err
	})
}

// Cancel ends the job: nothing new is sent; key calls not yet sent and restarts still queued
// end as cancelled; calls already sent finish and are recorded. Instances already bound keep the
// key (restore them with a rollback job).
func (e *Engine) Cancel(ctx context.Context, actor Actor, jobID int64) error {
	return e.control(ctx, actor, jobID, "job.cancel", func(tx *sql.Tx, j Job, now int64) (string, error) {
		if !j.CancelledAt.IsZero() {
			return "", ErrJobCancelled
		}
		if !j.FinishedAt.IsZero() {
			return "", ErrJobFinished
		}
		if _, err := tx.ExecContext(ctx, `UPDATE jobs SET cancelled_at = $1, cancelled_by = $2, paused_at = 0 WHERE id = $3`,
			now, actor.Username, j.ID); err != nil {
			return "", err
		}
		items, err := loadItemsWhere(ctx, tx, j.ID, "key_state = 'pending' OR restart_state = 'queued'")
		if err != nil {
			return "", err
		}
		changes := make([]change, len(items))
		for i, it := range items {
			n := it
			if n.Key == KeyPending {
				n.Key, n.KeyCode, n.KeyMessage = KeyCancelled, "Cancelled", "The job was cancelled before the call was sent."
			} else {
				n.Restart, n.RestartCode, n.RestartMessage = RestartCancelled, "Cancelled", "The job was cancelled before the restart was sent."
			}
			n.UpdatedAt = fromMicros(now)
			changes[i] = change{n, it.Key, it.Restart}
		}
		applied, err := saveItems(ctx, tx, changes)
		return fmt.Sprintf("cancelled: %d calls and restarts left unsent", len(applied)), err
	})
}

// control applies a change to the job in one transaction, raises its revision and audits it.
func (e *Engine) control(ctx context.Context, actor Actor, jobID int64, action string,
	apply func(tx *sql.Tx, j Job, now int64) (string, error)) error {
	err := e.tx(ctx, func(tx *sql.Tx) error {
		j, err := loadJob(ctx, tx, jobID)
		if err != nil {
			return err
		}
		now := micros(e.now())
		detail, err := apply(tx, j, now)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE jobs SET updated_at = $1, rev = rev + 1 WHERE id = $2`, now, jobID); err != nil {
			return fmt.Errorf("jobs: %s job %d: %w", strings.TrimPrefix(action, "job."), jobID, err)
		}
		return e.auditRequest(ctx, tx, j, actor, action, nil, detail)
	})
	if err == nil {
		e.Wake()
	}
	return err
}
