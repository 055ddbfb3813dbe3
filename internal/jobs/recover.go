package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"keybind/internal/cloud"
	"keybind/internal/dedupe"
)

// Recover settles every item whose outcome is unknown because keybind stopped (or a round was
// cancelled) between recording an attempt and recording its outcome. Run does this at the start
// of every round; call Recover at start-up to do it before serving.
func (e *Engine) Recover(ctx context.Context) error { return e.eachActiveJob(ctx, e.reconcile) }

// reconcile settles one job's unknown outcomes. No call of this engine is in flight when it runs
// (rounds are serialised), so Attempting and Requested items are leftovers:
//   - a key call is checked with DescribeInstances: if KeyPairName already shows the expected
//     key it is bound (confirmed); if not, it goes back to Pending and is sent again (safe);
//   - a reboot/start is never sent again: the instance is watched, and a start after the key was
//     bound (its StartTime) proves it happened; without proof, an operator decides.
func (e *Engine) reconcile(ctx context.Context, j Job) error {
	items, err := loadItemsWhere(ctx, e.db, j.ID, "key_state = 'attempting' OR restart_state = 'requested'")
	if err != nil || len(items) == 0 {
		return err
	}
	var keys, restarts []Item
	for _, it := range items {
		if it.Key == KeyAttempting {
			keys = append(keys, it)
		} else {
			restarts = append(restarts, it)
		}
	}
	var errs []error
	if len(restarts) > 0 {
		errs = append(errs, e.reconcileRestarts(ctx, j, restarts))
	}
	if len(keys) > 0 {
		errs = append(errs, e.reconcileKeys(ctx, j, keys))
	}
	return errors.Join(errs...)
}

func (e *Engine) reconcileRestarts(ctx context.Context, j Job, items []Item) error {
	now := e.now()
	changes := make([]change, len(items))
	for i, it := range items {
		n := e.watch(it, j, now, true)
		n.RestartCode, n.UpdatedAt = CodeInterrupted, now
		n.RestartMessage = fmt.Sprintf("keybind stopped while the %s was being requested: it watches the instance for a start after the key was bound.", op(it.Op))
		changes[i] = change{n, it.Key, RestartRequested}
	}
	reqs, err := loadRequests(ctx, e.db, requestIDs(items, false))
	if err != nil {
		return err
	}
	return e.tx(ctx, func(tx *sql.Tx) error {
		applied, err := saveItems(ctx, tx, changes)
		if err != nil {
			return err
		}
		for _, it := range applied {
			a := auditCall{job: j, actor: reqs[it.RestartRequest].Actor, action: "RebootInstances", keyPair: it.ExpectKey,
				detail: "reconciled after an interruption: outcome unknown, watched for a start after the key was bound"}
			if it.Op == OpStart {
				a.action = "StartInstances"
			}
			if err := e.auditOutcome(ctx, tx, a, []callResult{{ID: it.InstanceID, Unknown: true, Code: CodeInterrupted}}); err != nil {
				return err
			}
		}
		return nil
	})
}

func (e *Engine) reconcileKeys(ctx context.Context, j Job, items []Item) error {
	found, _, err := e.cloud.InstancesByID(ctx, j.Region, itemIDs(items))
	if err != nil {
		return fmt.Errorf("reconcile: %w", err) // stay Attempting; try again next round
	}
	byID := dedupe.ByKey(found, func(in cloud.Instance) string { return in.ID })
	now := e.now()
	changes := make([]change, len(items))
	results := make([]callResult, len(items))
	for i, it := range items {
		n := it
		n.UpdatedAt, n.KeyAt = now, now
		in, ok := byID[it.InstanceID]
		switch {
		case !ok:
			n.Key, n.KeyCode, n.KeyMessage, n.KeyRetryable = KeyFailed, CodeDisappeared, "The instance no longer exists.", false
			results[i] = callResult{ID: it.InstanceID, Code: CodeDisappeared}
		case in.KeyPairName == it.ExpectKey:
			n.Key, n.KeyCode, n.KeyMessage = KeyDone, "", ""
			n = e.afterKey(n, j, in.Status, now)
			results[i] = callResult{ID: it.InstanceID, OK: true}
		default:
			n.Key, n.KeyNextAt = KeyPending, now // safe to send again
			results[i] = callResult{ID: it.InstanceID, Unknown: true, Code: CodeInterrupted}
		}
		changes[i] = change{n, KeyAttempting, it.Restart}
	}
	reqs, err := loadRequests(ctx, e.db, requestIDs(items, true))
	if err != nil {
		return err
	}
	return e.tx(ctx, func(tx *sql.Tx) error {
		if _, err := saveItems(ctx, tx, changes); err != nil {
			return err
		}
		// One audit entry set per requester and call.
		type key struct {
			req     int64
			action  KeyAction
			keyPair string
		}
		groups := map[key][]callResult{}
		var order []key
		for i, it := range items {
			k := key{it.KeyRequest, it.Action, it.KeyPair}
			if _, ok := groups[k]; !ok {
				order = append(order, k)
			}
			groups[k] = append(groups[k], results[i])
		}
		for _, k := range order {
			a := auditCall{job: j, actor: reqs[k.req].Actor, action: "AttachKeyPair", keyPair: k.keyPair,
				detail: "reconciled after an interruption with DescribeInstances (unknown = not bound yet, sent again)"}
			if k.action == ActionDetach {
				a.action = "DetachKeyPair"
			}
			if err := e.auditOutcome(ctx, tx, a, groups[k]); err != nil {
				return err
			}
		}
		return nil
	})
}

func requestIDs(items []Item, key bool) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		if key {
			out[i] = it.KeyRequest
		} else {
			out[i] = it.RestartRequest
		}
	}
	return out
}
