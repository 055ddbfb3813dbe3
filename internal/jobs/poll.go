package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"keybind/internal/cloud"
)

// poll reads the status of the job's restarting and in-transition instances that are due: an
// instance is first read when a restart of this job usually has finished, then again after
// 1 s, 2 s, 4 s… (capped at PollBackoffCap). The statuses of all instances due in a round come
// from the fewest DescribeInstanceStatus calls (50 IDs each); the ones found Running after a
// restart are read once more with DescribeInstances (100 IDs each) for the key pair they now
// report and their StartTime. An instance the status call does not return is looked up once
// more before it is reported disappeared.
func (e *Engine) poll(ctx context.Context, j Job) error {
	due, err := e.dueItems(ctx, j.ID, "restart_state IN ('in-progress', 'in-transition')", func(it Item) time.Time { return it.NextPollAt })
	if err != nil || len(due) == 0 {
		return err
	}
	// Under throttling some calls fail: what the others read moves those instances on, and
	// the rest are read again next round.
	statuses, err := e.cloud.InstanceStatuses(ctx, j.Region, itemIDs(due))
	unread := unreadIDs(err)
	if err != nil && unread == nil {
		return fmt.Errorf("poll: %w", err) // try again next round
	}
	pollErr := err
	status := make(map[string]cloud.Status, len(statuses))
	for _, s := range statuses {
		status[s.InstanceID] = s.Status
	}
	// Read again: the instances the status call did not return (gone?), the restarted ones now
	// Running (which key do they report, when did they start?), and the Stopped ones whose
	// start's answer was lost (did it start since?).
	var reread []string
	for _, it := range due {
		s, ok := status[it.InstanceID]
		if !ok && !unread[it.InstanceID] || s == cloud.StatusRunning && it.Restart == RestartInProgress ||
			s == cloud.StatusStopped && it.Restart == RestartInProgress && it.Unconfirmed {
			reread = append(reread, it.InstanceID)
		}
	}
	seen := map[string]cloud.Instance{}
	gone := map[string]bool{}
	var readErr error
	if len(reread) > 0 {
		found, notFound, err := e.cloud.InstancesByID(ctx, j.Region, reread)
		if err != nil {
			readErr = fmt.Errorf("poll: read instances again: %w", err)
		}
		for _, in := range found {
			seen[in.ID] = in
			if _, ok := status[in.ID]; !ok {
				status[in.ID] = in.Status
			}
		}
		for _, id := range notFound {
			gone[id] = true
		}
	}
	if pollErr != nil {
		pollErr = fmt.Errorf("poll: %w", pollErr)
	}
	return errors.Join(pollErr, readErr, e.applyStatuses(ctx, j, due, status, seen, gone))
}

// unreadIDs are the IDs a batched read could not read (a *cloud.PartialError), or nil when
// err is nil or the read failed as a whole.
func unreadIDs(err error) map[string]bool {
	var partial *cloud.PartialError
	if !errors.As(err, &partial) {
		return nil
	}
	out := make(map[string]bool, len(partial.Unread))
	for _, id := range partial.Unread {
		out[id] = true
	}
	return out
}

// applyStatuses moves polled items on and writes the ones that changed, with the audit entries
// of restarts resolved from evidence and what the job learned about how long a restart takes.
func (e *Engine) applyStatuses(ctx context.Context, j Job, due []Item, status map[string]cloud.Status,
	seen map[string]cloud.Instance, gone map[string]bool) error {
	now := e.now()
	var changes []change
	var resolved, notDone []callResult
	learned := time.Duration(0)
	for _, it := range due {
		var n Item
		switch s, ok := status[it.InstanceID]; {
		case gone[it.InstanceID]:
			n = it
			n.Restart, n.RestartCode, n.RestartMessage = RestartDisappeared, CodeDisappeared, "The instance no longer exists."
		case !ok:
			continue // no status this round (a read failed): keep waiting; deadlines apply to what is seen
		default:
			in, read := seen[it.InstanceID]
			n = e.observe(it, j, s, in, read, now)
		}
		if n.Restart == RestartQueued && it.Restart == RestartInProgress {
			notDone = append(notDone, callResult{ID: it.InstanceID, Code: "StartTime " + n.StartTime.UTC().Format("2006-01-02T15:04Z")})
		}
		if n.Restart == RestartKeyInEffect && it.Restart == RestartInProgress {
			if it.Unconfirmed {
				resolved = append(resolved, callResult{ID: it.InstanceID, OK: true, Code: "StartTime " + n.StartTime.UTC().Format("2006-01-02T15:04Z")})
			} else if d := now.Sub(it.AcceptedAt); learned == 0 || d < learned {
				learned = d
			}
		}
		if n.InMotion() && n.Restart == it.Restart {
			n.Polls, n.NextPollAt = it.Polls+1, now.Add(e.pollBackoff(it.Polls))
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
		applied, err := saveItems(ctx, tx, changes)
		if err != nil {
			return err
		}
		if learned > 0 && (j.Transition == 0 || learned < j.Transition) {
			if _, err := tx.ExecContext(ctx, `UPDATE jobs SET transition_ms = $1 WHERE id = $2 AND (transition_ms = 0 OR transition_ms > $1)`,
				learned.Milliseconds(), j.ID); err != nil {
				return fmt.Errorf("jobs: job %d transition: %w", j.ID, err)
			}
		}
		if err := e.auditEvidence(ctx, tx, j, applied, resolved, "job.restart_resolved",
			"resolved from evidence: the instance started after the key was bound (its StartTime)"); err != nil {
			return err
		}
		return e.auditEvidence(ctx, tx, j, applied, notDone, "job.restart_not_done",
			"not done, from evidence: the instance has not started since before the call (its StartTime); queued again")
	})
}

// auditEvidence records, as action, the lost answers that evidence settled (results) among the
// items written.
func (e *Engine) auditEvidence(ctx context.Context, tx *sql.Tx, j Job, applied []Item, results []callResult, action, detail string) error {
	if len(results) == 0 {
		return nil
	}
	written := map[string]bool{}
	for _, it := range applied {
		written[it.InstanceID] = true
	}
	var rs []callResult
	for _, r := range results {
		if written[r.ID] {
			rs = append(rs, r)
		}
	}
	if len(rs) == 0 {
		return nil
	}
	a := auditCall{job: j, actor: systemActor, action: action, keyPair: j.KeyPair, detail: detail}
	for _, r := range rs {
		en := a.entry("success", []string{r.ID})
		en.Detail = a.detail + "; " + r.Code
		if err := e.audit(ctx, tx, en); err != nil {
			return err
		}
	}
	return nil
}

// pollBackoff is the wait before the next status read after polls reads: 1 s, 2 s, 4 s, …
// capped at PollBackoffCap.
func (e *Engine) pollBackoff(polls int) time.Duration {
	d := e.cfg.PollBackoff
	for i := 0; i < polls && d < e.cfg.PollBackoffCap; i++ {
		d *= 2
	}
	return min(d, e.cfg.PollBackoffCap)
}

// observe applies one polled status to an in-progress or in-transition item; in is the instance
// as read again (read false when it was not), for a restarted one found Running.
func (e *Engine) observe(it Item, j Job, s cloud.Status, in cloud.Instance, read bool, now time.Time) Item {
	n := it
	n.LastStatus = s
	if read {
		n.StartTime = in.StartTime
	}
	if it.Restart == RestartInTransition {
		if NeedFor(s) != NeedInTransition {
			return e.afterKey(n, j, s, now)
		}
		return e.deadline(n, now)
	}
	switch s {
	case cloud.StatusRunning:
		n.StoppedSince = time.Time{}
		if !read {
			return n // Running, but not read again (the read failed): read next round, no deadline for what was not seen
		}
		return e.runningAgain(n, in, now)
	case cloud.StatusStopped:
		if n.StoppedSince.IsZero() {
			n.StoppedSince = now
		}
		n.SeenTransition = it.SeenTransition || it.Op == OpReboot // a reboot does not start from Stopped
		if it.Op == OpStart && n.Unconfirmed && !n.SeenTransition && read && now.Sub(n.AcceptedAt) >= e.cfg.StoppedGrace &&
			notStartedSince(in.StartTime, n.RequestedAt) {
			return e.notDone(n, in)
		}
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

// runningAgain decides about a restarted instance found Running, from the key pair it reports
// and its StartTime. Another key pair means someone replaced the job's key: the key of this job
// is not in effect. Otherwise the restart happened when the instance started after the key was
// bound (StartTime, to the minute), when a transition was seen, after a start from Stopped, or,
// for a call the cloud accepted, once RunningGrace has passed; a restart whose answer was lost
// and shows none of that waits RunningGrace, then goes to a person.
func (e *Engine) runningAgain(n Item, in cloud.Instance, now time.Time) Item {
	if in.KeyPairName != n.ExpectKey {
		n.Restart, n.RestartCode, n.ReplacedBy = RestartKeyReplaced, "KeyReplaced", in.KeyPairName
		n.RestartMessage = replacedMessage(in.KeyPairName)
		return n
	}
	evidence := startedAfter(in.StartTime, n.KeyAt)
	switch {
	case evidence, n.SeenTransition, n.Op == OpStart && !n.Unconfirmed:
	case !n.Unconfirmed && now.Sub(n.AcceptedAt) >= e.cfg.RunningGrace:
	case n.Unconfirmed && now.Sub(n.AcceptedAt) >= e.cfg.RunningGrace && !n.SeenTransition && notStartedSince(in.StartTime, n.RequestedAt):
		return e.notDone(n, in)
	case n.Unconfirmed && now.Sub(n.AcceptedAt) >= e.cfg.RunningGrace:
		n.Restart, n.RestartCode = RestartNeedsDecision, CodeInterrupted
		n.RestartMessage = fmt.Sprintf("keybind cannot tell whether the %s happened: the instance is Running and last started %s, "+
			"before the key was bound. Check it, then ask to %s again or mark it done.", op(n.Op), startedWords(in.StartTime), op(n.Op))
		return n
	default:
		return e.deadline(n, now)
	}
	n.Restart, n.RestartCode, n.RestartMessage, n.Unconfirmed = RestartKeyInEffect, "", "", false
	return n
}

// clockSkew is how far apart keybind's clock and the cloud's may be for a StartTime to count as
// evidence that an instance did not start after a moment.
const clockSkew = 30 * time.Second

// notStartedSince reports whether an instance whose StartTime (to the minute) is start surely
// last started before t: a reboot or start sent at t and done would have moved it past t.
func notStartedSince(start, t time.Time) bool {
	return !start.IsZero() && !t.IsZero() && !start.Add(time.Minute+clockSkew).After(t)
}

// notDone queues again a restart whose answer was lost when the instance shows it was not done:
// no transition was seen since, the grace for it to begin has passed, and it has not started since
// before the call (its StartTime). The cloud changes an instance's status as it accepts a reboot or
// start, so a call that ran would show. A restart out of attempts goes to a person.
func (e *Engine) notDone(n Item, in cloud.Instance) Item {
	n.StartTime = in.StartTime
	if n.RestartAttempts >= e.cfg.RestartAttempts {
		n.Restart, n.RestartCode = RestartNeedsDecision, CodeInterrupted
		n.RestartMessage = fmt.Sprintf("The %s was asked for %d times and did not happen: the instance last started %s. Check it, then ask to %s again or mark it done.",
			op(n.Op), n.RestartAttempts, startedWords(in.StartTime), op(n.Op))
		return n
	}
	n.Restart, n.NextAt, n.Unconfirmed = RestartQueued, time.Time{}, false
	n.RestartCode = "NotDone"
	n.RestartMessage = fmt.Sprintf("The %s was not done (the instance last started %s, before it was asked for): it is sent again.",
		op(n.Op), startedWords(in.StartTime))
	return n
}

// startedAfter reports whether an instance whose StartTime (to the minute, as ECS gives it) is
// start surely started after t.
func startedAfter(start, t time.Time) bool { return !start.IsZero() && !t.IsZero() && start.After(t) }

func startedWords(t time.Time) string {
	if t.IsZero() {
		return "at an unknown time"
	}
	return "at " + t.UTC().Format("2006-01-02 15:04 UTC")
}

func replacedMessage(key string) string {
	if key == "" {
		return "Running again, but with no key pair: someone removed the key after it was bound."
	}
	return fmt.Sprintf("Running again, but with key pair %s: someone replaced the key after it was bound.", key)
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
