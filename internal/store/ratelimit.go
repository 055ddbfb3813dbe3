package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// RateLimit is a token bucket kept in the database (rate_limits), shared by
// every replica: Interval is the time one token takes to come back, Burst
// the bucket's size.
type RateLimit struct {
	Interval time.Duration
	Burst    int
}

// tolerance is how far ahead of now a key's theoretical arrival time may be
// and still let a call through (GCRA).
func (l RateLimit) tolerance() int64 {
	return (l.Interval * time.Duration(max(l.Burst-1, 0))).Microseconds()
}

// TakeToken spends one of key's tokens if it has one; otherwise it spends
// nothing and says how long until it has. One statement, so replicas asking
// at once cannot both spend the last token.
func (q *Queries) TakeToken(ctx context.Context, key string, l RateLimit, now time.Time) (time.Duration, bool, error) {
	n, step := micros(now), l.Interval.Microseconds()
	var tat int64
	err := q.db.QueryRowContext(ctx, `
		INSERT INTO rate_limits (key, tat) VALUES ($1, CAST($5 AS BIGINT))
		ON CONFLICT (key) DO UPDATE SET
			tat = (CASE WHEN rate_limits.tat > CAST($2 AS BIGINT) THEN rate_limits.tat ELSE CAST($2 AS BIGINT) END) + CAST($3 AS BIGINT)
		WHERE rate_limits.tat - CAST($2 AS BIGINT) <= CAST($4 AS BIGINT)
		RETURNING tat`, key, n, step, l.tolerance(), n+step).Scan(&tat)
	if errors.Is(err, sql.ErrNoRows) {
		wait, err := q.PeekToken(ctx, key, l, now)
		return wait, false, err
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: rate limit: %w", err)
	}
	return 0, true, nil
}

// PeekToken says how long until key has a token (0: it has one now),
// spending nothing.
func (q *Queries) PeekToken(ctx context.Context, key string, l RateLimit, now time.Time) (time.Duration, error) {
	var tat int64
	err := q.db.QueryRowContext(ctx, `SELECT tat FROM rate_limits WHERE key = $1`, key).Scan(&tat)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: rate limit: %w", err)
	}
	over := tat - micros(now) - l.tolerance()
	if over <= 0 {
		return 0, nil
	}
	return time.Duration(over) * time.Microsecond, nil
}

// PurgeRateLimits forgets the keys whose bucket is full again (a full
// bucket behaves like no row) and returns how many.
func (q *Queries) PurgeRateLimits(ctx context.Context, now time.Time) (int64, error) {
	res, err := q.db.ExecContext(ctx, `DELETE FROM rate_limits WHERE tat < $1`, micros(now))
	if err != nil {
		return 0, fmt.Errorf("store: purge rate limits: %w", err)
	}
	return res.RowsAffected()
}
