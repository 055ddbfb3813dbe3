package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/dedupe"
)

// Codes the engine assigns to items.
const (
	CodeNotConfirmed = "KeyNotConfirmed" // the cloud accepted the key call, but KeyPairName does not show it
	CodeDisappeared  = "InvalidInstanceId.NotFound"
	CodeInterrupted  = "Interrupted" // keybind stopped while a reboot/start was being requested
)

// confirmKeys re-reads KeyPairName (DescribeInstances) for items whose key call the cloud
// accepted. A match is Done and gets its restart need from the status read alongside; a
// mismatch is read again on later rounds for ConfirmGrace, then fails (retryable).
func (e *Engine) confirmKeys(ctx context.Context, j Job) error {
	items, err := loadItemsWhere(ctx, e.db, j.ID, "key_state = 'applied'")
	if err != nil || len(items) == 0 {
		return err
	}
	found, _, err := e.cloud.InstancesByID(ctx, j.Region, itemIDs(items))
	if err != nil {
		return fmt.Errorf("confirm keys: %w", err) // read again next round
	}
	byID := dedupe.ByKey(found, func(in cloud.Instance) string { return in.ID })
	now := e.now()
	var changes []change
	for _, it := range items {
		in, ok := byID[it.InstanceID]
		n := it
		n.UpdatedAt = now
		switch {
		case !ok:
			n.Key, n.KeyAt, n.KeyCode, n.KeyRetryable = KeyFailed, now, CodeDisappeared, false
			n.KeyMessage = "The instance no longer exists."
			n.Restart = RestartNone
		case in.KeyPairName == it.ExpectKey:
			n.Key, n.KeyAt = KeyDone, now
			n = e.afterKey(n, j, in.Status, now)
		case now.Sub(it.KeyAt) < e.cfg.ConfirmGrace:
			continue
		default:
			n.Key, n.KeyAt, n.KeyCode, n.KeyRetryable = KeyFailed, now, CodeNotConfirmed, true
			n.KeyMessage = notConfirmedMessage(in.KeyPairName)
		}
		changes = append(changes, change{n, it.Key, it.Restart})
	}
	return e.tx(ctx, func(tx *sql.Tx) error {
		_, err := saveItems(ctx, tx, changes)
		return err
	})
}

func notConfirmedMessage(got string) string {
	if got == "" {
		return "The cloud accepted the call, but the instance shows no key pair."
	}
	return fmt.Sprintf("The cloud accepted the call, but the instance shows key pair %q.", got)
}

// afterKey sets the restart state of an item whose key call is done, from the instance's
// status: needs reboot (Running), needs start (Stopped) or in transition; queued right away
// when the job restarts after binding.
func (e *Engine) afterKey(it Item, j Job, status cloud.Status, now time.Time) Item {
	it.LastStatus, it.SeenTransition, it.StoppedSince = status, false, time.Time{}
	it.RestartCode, it.RestartMessage, it.RestartRequestID, it.RestartRetryable = "", "", "", false
	switch NeedFor(status) {
	case NeedReboot:
		it.Restart, it.Op, it.Force = RestartNeedsReboot, OpReboot, j.Policy.Force
	case NeedStart:
		it.Restart, it.Op, it.Force = RestartNeedsStart, OpStart, false
	default:
		it.Restart, it.Op, it.Deadline = RestartInTransition, OpNone, now.Add(e.cfg.RestartDeadline)
		return it
	}
	// An instance that already had the key changes nothing: whether the key is in effect on it
	// cannot be known, and it is not restarted unless a person asks.
	if j.Policy.AfterBind && it.Change != ChangeSame && j.CancelledAt.IsZero() {
		it = queue(it, it.Op, it.Force, it.KeyRequest, now)
	}
	return it
}

// queue puts an item in the restart queue for op on behalf of request req.
func queue(it Item, op RestartOp, force bool, req int64, now time.Time) Item {
	it.Restart, it.Op, it.Force, it.RestartRequest = RestartQueued, op, force && op == OpReboot, req
	it.QueuedAt, it.NextAt, it.RestartAttempts, it.UpdatedAt = now, time.Time{}, 0, now
	it.RestartCode, it.RestartMessage, it.RestartRetryable = "", "", false
	return it
}
