package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

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
