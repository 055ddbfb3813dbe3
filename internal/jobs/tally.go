package jobs

import (
	"context"
	"database/sql"
	"fmt"
)

// StateFinished counts, in a Tally, the jobs the engine has no work left for.
const StateFinished State = "finished"

// Tally is how many jobs are in each state and how many items of the unfinished ones are in
// each key and restart state: what monitoring watches during a rollout. Every known state is
// present, zero or not, so a series does not vanish when its count drops to nothing.
type Tally struct {
	Jobs          map[State]int
	KeyStates     map[KeyState]int
	RestartStates map[RestartState]int // RestartNone is an item that needs no restart (yet)
}

// Tally counts jobs and items by state. It reads the unfinished jobs and their items (through
// the item state index) and counts the finished ones; it never reads a finished job's items,
// so its cost follows the work in progress, not the history.
func (e *Engine) Tally(ctx context.Context) (Tally, error) {
	t := newTally()
	err := e.read(ctx, func(tx *sql.Tx) error {
		active, err := activeJobs(ctx, tx)
		if err != nil {
			return err
		}
		if err := withCounts(ctx, tx, active); err != nil {
			return err
		}
		for _, j := range active {
			t.Jobs[j.State]++
		}
		var finished int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE finished_at <> 0`).Scan(&finished); err != nil {
			return fmt.Errorf("jobs: tally finished jobs: %w", err)
		}
		t.Jobs[StateFinished] = finished
		return tallyItems(ctx, tx, t)
	})
	if err != nil {
		return Tally{}, fmt.Errorf("jobs: tally: %w", err)
	}
	return t, nil
}

// tallyItems adds the items of unfinished jobs by key and restart state.
func tallyItems(ctx context.Context, tx *sql.Tx, t Tally) error {
	rows, err := tx.QueryContext(ctx, `SELECT i.key_state, i.restart_state, COUNT(*)
		FROM jobs j JOIN job_items i ON i.job_id = j.id
		WHERE j.finished_at = 0 GROUP BY i.key_state, i.restart_state`)
	if err != nil {
		return fmt.Errorf("jobs: tally items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k KeyState
		var r RestartState
		var n int
		if err := rows.Scan(&k, &r, &n); err != nil {
			return fmt.Errorf("jobs: tally items: %w", err)
		}
		t.KeyStates[k] += n
		t.RestartStates[r] += n
	}
	return rows.Err()
}

// newTally has every known state at zero.
func newTally() Tally {
	t := Tally{Jobs: map[State]int{}, KeyStates: map[KeyState]int{}, RestartStates: map[RestartState]int{}}
	for _, s := range []State{StateRunning, StateWaitingRestart, StateNeedsAttention, StateDone, StatePaused,
		StateCancelling, StateCancelled, StateFinished} {
		t.Jobs[s] = 0
	}
	for _, s := range []KeyState{KeyExcluded, KeyPending, KeyAttempting, KeyApplied, KeyDone, KeyFailed, KeyCancelled} {
		t.KeyStates[s] = 0
	}
	for _, s := range []RestartState{RestartNone, RestartInTransition, RestartNeedsReboot, RestartNeedsStart,
		RestartQueued, RestartRequested, RestartInProgress, RestartKeyInEffect, RestartEndedStopped,
		RestartDisappeared, RestartTimedOut, RestartNeedsDecision, RestartMarkedDone, RestartNotNeeded,
		RestartFailed, RestartKeyReplaced, RestartCancelled} {
		t.RestartStates[s] = 0
	}
	return t
}
