package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// JobByIdempotencyKey finds the job that userID created from the review form
// carrying key, so a retried submit lands on the same job.
func (e *Engine) JobByIdempotencyKey(ctx context.Context, userID int64, key string) (int64, bool, error) {
	var id int64
	err := e.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT id FROM jobs WHERE idempotency_key = $1 AND created_by_id = $2`, key, userID).Scan(&id)
	})
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, ErrJobNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("jobs: find job by idempotency key: %w", err)
	}
	return id, true, nil
}
