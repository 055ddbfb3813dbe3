package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"keybind/internal/cloud"
)

// poll reads the status of the job's restarting and in-transition instances with one batched
// InstanceStatuses call set (⌈N/50⌉ DescribeInstanceStatus calls) and moves them on. A restart
// is first polled FirstPollDelay after the cloud accepted it. An instance the status call does
// not return is looked up once more (DescribeInstances) before it is reported disappeared.
func (e *Engine) poll(ctx context.Context, j Job) error {
	items, err := loadItemsWhere(ctx, e.db, j.ID, "restart_state IN ('in-progress', 'in-transition')")
	if err != nil || len(items) == 0 {
		return err
	}
	now := e.now()
	var due []Item
	for _, it := range items {
		if it.Restart == RestartInTransition || !now.Before(it.AcceptedAt.Add(e.cfg.FirstPollDelay)) {
			due = append(due, it)
		}
	}
	if len(due) == 0 {
		return nil
	}
	statuses, pollErr := e.cloud.InstanceStatuses(ctx, j.Region, itemIDs(due))
	if pollErr != nil {
		return fmt.Errorf("poll: %w", pollErr) // try again next round
	}
	status := make(map[string]cloud.Status, len(statuses))
	for _, s := range statuses {
		status[s.InstanceID] = s.Status
	}
	var missing []string
	for _, it := range due {
		if _, ok := status[it.InstanceID]; !ok {
			missing = append(missing, it.InstanceID)
		}
	}
	gone := map[string]bool{}
	var lookupErr error
	if len(missing) > 0 {
		found, notFound, err := e.cloud.InstancesByID(ctx, j.Region, missing)
		if err != nil {
			lookupErr = fmt.Errorf("poll: look up missing instances: %w", err)
		}
		for _, in := range found {
			status[in.ID] = in.Status
		}
		for _, id := range notFound {
			gone[id] = true
		}
	}
	return errors.Join(lookupErr, e.applyStatuses(ctx, j, due, status, gone))
}

// applyStatuses moves polled items on and writes the ones that changed.
func (e *Engine) applyStatuses(ctx context.Context, j Job, due []Item, status map[string]cloud.Status, gone map[string]bool) error {
	now := e.now()
	var changes []change
	for _, it := range due {
		var n Item
		switch s, ok := status[it.InstanceID]; {
		case gone[it.InstanceID]:
			n = it
			n.Restart, n.RestartCode, n.RestartMessage = RestartDisappeared, CodeDisappeared, "The instance no longer exists."
		case ok:
			n = e.observe(it, j, s, now)
		default:
			// No status this round (the poll failed): keep waiting rather than report a timeout
			// that was not observed; deadlines apply to what is seen.
			continue
		}
		if n != it {
			n.UpdatedAt = now
			changes = append(changes, change{n, it.Key, it.Restart})
		}
	}
	if len(changes) == 0 {
		return nil
	}
	return e.tx(ctx, func(tx *sql.Tx) error {
		_, err := saveItems(ctx, tx, changes)
		return err
	})
}

// observe applies one polled status to an in-progress or in-transition item.
func (e *Engine) observe(it Item, j Job, s cloud.Status, now time.Time) Item {
	n := it
	n.LastStatus = s
	if it.Restart == RestartInTransition {
		if NeedFor(s) != NeedInTransition {
			return e.afterKey(n, j, s, now)
		}
		return e.deadline(n, now)
	}
	switch s {
	case cloud.StatusRunning:
		n.StoppedSince = time.Time{}
		if it.Op == OpStart || it.SeenTransition || now.Sub(it.AcceptedAt) >= e.cfg.RunningGrace {
			n.Restart = RestartKeyInEffect
			return n
		}
	case cloud.StatusStopped:
		if n.StoppedSince.IsZero() {
			n.StoppedSince = now
		}
		n.SeenTransition = it.SeenTransition || it.Op == OpReboot // a reboot does not start from Stopped
		if it.Op == OpStart && it.SeenTransition || now.Sub(n.StoppedSince) >= e.cfg.StoppedGrace {
			n.Restart, n.RestartCode = RestartEndedStopped, "EndedStopped"
			n.RestartMessage = "The instance is Stopped: the key takes effect when it is started."
			return n
		}
	default:
		n.SeenTransition, n.StoppedSince = true, time.Time{}
	}
	return e.deadline(n, now)
}

// deadline ends an item still waiting after its deadline: ended stopped if it was last seen
// Stopped, timed out otherwise.
func (e *Engine) deadline(it Item, now time.Time) Item {
	if it.Deadline.IsZero() || now.Before(it.Deadline) {
		return it
	}
	if it.Restart == RestartInProgress && it.LastStatus == cloud.StatusStopped {
		it.Restart, it.RestartCode = RestartEndedStopped, "EndedStopped"
		it.RestartMessage = "The instance is Stopped: the key takes effect when it is started."
		return it
	}
	it.Restart, it.RestartCode = RestartTimedOut, "TimedOut"
	last := string(it.LastStatus)
	if last == "" {
		last = "unknown"
	}
	it.RestartMessage = fmt.Sprintf("Not Running after %s (last status: %s).", e.cfg.RestartDeadline, last)
	return it
}
