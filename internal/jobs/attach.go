package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/dedupe"
)

// The most instance IDs one call takes.
const (
	maxKeyPairIDs = 50  // AttachKeyPair, DetachKeyPair
	maxRestartIDs = 100 // RebootInstances, StartInstances
)

// dueItems loads the job's items matching where whose time (next) has come.
func (e *Engine) dueItems(ctx context.Context, jobID int64, where string, next func(Item) time.Time) ([]Item, error) {
	items, err := loadItemsWhere(ctx, e.db, jobID, where)
	if err != nil {
		return nil, err
	}
	now := e.now()
	due := items[:0]
	for _, it := range items {
		if !next(it).After(now) {
			due = append(due, it)
		}
	}
	return due, nil
}

// sendKeys sends the job's pending key calls in batches of at most 50, Concurrency at a time.
// Each batch records its attempt (and the audit intent) before the call and its outcome after.
func (e *Engine) sendKeys(ctx context.Context, j Job) error {
	if !j.Paused.At.IsZero() || !j.CancelledAt.IsZero() {
		return nil // a paused job sends nothing new
	}
	due, err := e.dueItems(ctx, j.ID, "key_state = 'pending'", func(it Item) time.Time { return it.KeyNextAt })
	if err != nil || len(due) == 0 {
		return err
	}
	// One call per action, key pair and request.
	return dispatch(ctx, e, j, due, maxKeyPairIDs, func(it Item) (callKey, int64) {
		return callKey{string(it.Action) + " " + it.KeyPair, false, it.KeyRequest}, it.KeyRequest
	}, calls{record: e.recordKeyAttempt, send: e.sendKeyCall})
}

// keyCall is the audit entry of a key call for items that share action, key pair and requester.
func keyCall(j Job, actor Actor, items []Item) auditCall {
	a := auditCall{job: j, actor: actor, action: "AttachKeyPair", keyPair: items[0].KeyPair}
	if items[0].Action == ActionDetach {
		a.action = "DetachKeyPair"
	}
	return a
}

// recordKeyAttempt records, in tx, the attempt of a key call and its audit intent.
func (e *Engine) recordKeyAttempt(ctx context.Context, tx *sql.Tx, j Job, actor Actor, items []Item) ([]Item, error) {
	return e.recordAttempt(ctx, tx, j, actor, items, keyAttempted, keyCall)
}

// keyAttempted is the change of an item whose key call is being attempted.
func keyAttempted(it Item, now time.Time) change {
	n := it
	n.Key, n.KeyAttempts, n.KeyAt, n.UpdatedAt = KeyAttempting, it.KeyAttempts+1, now, now
	return change{n, KeyPending, it.Restart}
}

// recordAttempt records, in tx, a call's attempt on items — each changed by mark — and the
// call's audit intent. It returns the items whose change applied.
func (e *Engine) recordAttempt(ctx context.Context, tx *sql.Tx, j Job, actor Actor, items []Item,
	mark func(Item, time.Time) change, call func(j Job, actor Actor, sent []Item) auditCall) ([]Item, error) {
	now := e.now()
	changes := make([]change, len(items))
	for i, it := range items {
		changes[i] = mark(it, now)
	}
	sent, err := saveItems(ctx, tx, changes)
	if err != nil || len(sent) == 0 {
		return sent, err
	}
	return sent, e.auditIntent(ctx, tx, call(j, actor, sent), itemIDs(sent))
}

// sendKeyCall makes one key call for items whose attempt is recorded, and records the outcome.
func (e *Engine) sendKeyCall(ctx context.Context, j Job, actor Actor, sent []Item) error {
	a := keyCall(j, actor, sent)
	ctx = actingFor(ctx, actor)
	call := e.cloud.AttachKeyPair
	if sent[0].Action == ActionDetach {
		call = e.cloud.DetachKeyPair
	}
	results, callErr := call(ctx, j.Region, sent[0].KeyPair, itemIDs(sent))
	byID := dedupe.ByKey(results, func(r cloud.KeyPairResult) string { return r.InstanceID })
	now := e.now()
	changes := make([]change, 0, len(sent))
	audit := make([]callResult, 0, len(sent))
	for _, it := range sent {
		r, ok := byID[it.InstanceID]
		if !ok {
			r = resultFromError(it.InstanceID, callErr)
		}
		n := e.keyOutcome(it, r, now)
		audit = append(audit, callResult{ID: it.InstanceID, OK: r.OK, Unknown: n.Key == KeyAttempting, Code: r.Code, RequestID: r.RequestID})
		if n.Key != KeyAttempting {
			changes = append(changes, change{n, KeyAttempting, it.Restart})
		}
	}
	return e.jobTx(ctx, j.ID, func(tx *sql.Tx) error {
		if _, err := saveItems(ctx, tx, changes); err != nil {
			return err
		}
		return e.auditOutcome(ctx, tx, a, audit)
	})
}

// keyOutcome applies one key call result to an item that was Attempting. A cancelled call
// stays Attempting (its outcome is unknown; reconcile settles it). Retryable failures, and
// failures whose outcome is unknown, go back to Pending for another automatic attempt while
// attempts remain: re-sending a key call is harmless.
func (e *Engine) keyOutcome(it Item, r cloud.KeyPairResult, now time.Time) Item {
	n := it
	n.KeyAt, n.UpdatedAt = now, now
	n.KeyCode, n.KeyMessage, n.KeyRequestID, n.KeyRetryable = r.Code, r.Message, r.RequestID, false
	switch {
	case r.OK:
		n.Key, n.KeyCode, n.KeyMessage = KeyApplied, "", ""
	case r.Code == cloud.CodeCanceled:
		n.Key = KeyAttempting
	case (r.Retryable || unknownOutcome(r.Code)) && it.KeyAttempts < e.cfg.KeyAttempts:
		n.Key, n.KeyNextAt = KeyPending, now.Add(e.retryDelay(it.KeyAttempts))
	case unknownOutcome(r.Code):
		// Out of attempts, and the last answer was lost: the call may well have run. The key
		// pair the instance reports settles it (confirmKeys), not another guess.
		n.Key = KeyApplied
	case r.Retryable:
		n.Key, n.KeyRetryable = KeyFailed, true
	default:
		n.Key = KeyFailed
	}
	if n.Key == KeyFailed && n.KeyMessage == "" {
		n.KeyMessage = cloud.UserMessage(n.KeyCode, "The cloud refused the call.")
	}
	return n
}

// retryDelay is RetryDelay doubled for each attempt already made.
func (e *Engine) retryDelay(attempts int) time.Duration {
	d := e.cfg.RetryDelay
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return d
}

// unknownOutcome reports whether a failed call may nevertheless have been carried out.
func unknownOutcome(code string) bool {
	switch code {
	case cloud.CodeCanceled, cloud.CodeTimeout, cloud.CodeNetwork, cloud.CodeResultMissing,
		cloud.CodeInvalidResponse, cloud.CodeHTTPError, "InternalError", "UnknownError":
		return true
	}
	return false
}

// resultFromError is the result for an instance the gateway returned no result for.
func resultFromError(id string, err error) cloud.KeyPairResult {
	var ce *cloud.Error
	switch {
	case errors.As(err, &ce):
		return cloud.KeyPairResult{InstanceID: id, Code: ce.Code, Message: ce.UserMessage(), RequestID: ce.RequestID, Retryable: ce.Retryable()}
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return cloud.KeyPairResult{InstanceID: id, Code: cloud.CodeCanceled}
	}
	msg := "The cloud returned no result for this instance."
	if err != nil {
		msg = fmt.Sprintf("The call could not be made (%s).", cloud.CodeResultMissing)
	}
	return cloud.KeyPairResult{InstanceID: id, Code: cloud.CodeResultMissing, Message: msg}
}
