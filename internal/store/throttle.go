package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ThrottleRow is the failed sign-in record of one normalized username.
type ThrottleRow struct {
	Username      string
	Failures      int
	LastFailureAt time.Time
}

// Throttle returns the record for username; a zero record (Failures 0) if
// there is none. Inside WithTx the row stays locked until the transaction
// ends, so a read followed by RecordFailure is atomic.
func (q *Queries) Throttle(ctx context.Context, username string) (ThrottleRow, error) {
	r := ThrottleRow{Username: username}
	var last int64
	err := q.db.QueryRowContext(ctx, `
		SELECT failures, last_failure_at FROM login_throttle WHERE username = $1`+selectForUpdate,
		username).Scan(&r.Failures, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return r, nil
	}
	if err != nil {
		return ThrottleRow{}, fmt.Errorf("store: throttle: %w", err)
	}
	r.LastFailureAt = fromMicros(last)
	return r, nil
}

// RecordFailure adds one failure for username at at and returns the new count.
func (q *Queries) RecordFailure(ctx context.Context, username string, at time.Time) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, `
		INSERT INTO login_throttle (username, failures, last_failure_at) VALUES ($1, 1, $2)
		ON CONFLICT (username) DO UPDATE
		SET failures = login_throttle.failures + 1, last_failure_at = excluded.last_failure_at
		RETURNING failures`, username, micros(at)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: record failure: %w", err)
	}
	return n, nil
}

// ResetThrottle forgets the failures of username.
func (q *Queries) ResetThrottle(ctx context.Context, username string) error {
	if _, err := q.db.ExecContext(ctx, `DELETE FROM login_throttle WHERE username = $1`, username); err != nil {
		return fmt.Errorf("store: reset throttle: %w", err)
	}
	return nil
}

// PurgeThrottle forgets usernames whose last failure is before before.
func (q *Queries) PurgeThrottle(ctx context.Context, before time.Time) (int64, error) {
	res, err := q.db.ExecContext(ctx, `DELETE FROM login_throttle WHERE last_failure_at < $1`, micros(before))
	if err != nil {
		return 0, fmt.Errorf("store: purge throttle: %w", err)
	}
	return res.RowsAffected()
}
