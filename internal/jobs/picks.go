package jobs

import (
	"context"
	"database/sql"
	"errors"
)

// Picks reports whether RestartAll of this kind queues the item: the bulk
// buttons count these and their confirmation lists them (rebootPickSQL and
// startPickSQL say the same in SQL).
func (k RestartAllKind) Picks(it Item) bool {
	switch o := it.CanRestart(); k {
	case RebootAllRunning:
		return o == OpReboot && it.Restart == RestartNeedsReboot
	case StartAllStopped:
		return o == OpStart
	}
	return false
}

// Op is the restart the kind sends.
func (k RestartAllKind) Op() RestartOp {
	if k == StartAllStopped {
		return OpStart
	}
	return OpReboot
}

// Item reads one item of a job; ErrItemNotFound if the job has no such
// instance, ErrJobNotFound if there is no such job.
func (e *Engine) Item(ctx context.Context, jobID int64, instanceID string) (Job, Item, error) {
	var j Job
	var it Item
	err := e.read(ctx, func(tx *sql.Tx) error {
		var err error
		if j, err = loadJob(ctx, tx, jobID); err != nil {
			return err
		}
		it, err = scanItem(tx.QueryRowContext(ctx, `SELECT `+itemCols+` FROM job_items WHERE job_id = $1 AND instance_id = $2`, jobID, instanceID))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrItemNotFound
		}
		return err
	})
	return j, it, err
}
