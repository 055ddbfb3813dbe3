package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Scopes of sign-in failure counters.
const (
	ScopePair    = "pair"    // one account from one client address
	ScopeAddress = "address" // every account from one client address
	ScopeAccount = "account" // one account from every address
)

// FailureKey names one sign-in failure counter. Account is "" for
// ScopeAddress and Address is "" for ScopeAccount.
type FailureKey struct {
	Scope, Account, Address string
}

// FailureCount is a counter: Failures since FirstAt (the window's start),
// the last one at LastAt. A key that never failed has Failures 0.
type FailureCount struct {
	FailureKey
	Failures int
	FirstAt  time.Time
	LastAt   time.Time
}

// LoginFailures returns the counter of each key, in order.
func (q *Queries) LoginFailures(ctx context.Context, keys ...FailureKey) ([]FailureCount, error) {
	out := make([]FailureCount, len(keys))
	for i, k := range keys {
		out[i].FailureKey = k
		var first, last int64
		err := q.db.QueryRowContext(ctx, `
			SELECT failures, first_failure_at, last_failure_at FROM login_failures
			WHERE scope = $1 AND account = $2 AND address = $3`,
			k.Scope, k.Account, k.Address).Scan(&out[i].Failures, &first, &last)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("store: login failures: %w", err)
		}
		out[i].FirstAt, out[i].LastAt = fromMicros(first), fromMicros(last)
	}
	return out, nil
}

// RecordLoginFailure counts one failure for k at at. A counter whose window
// opened before windowStart starts again with this failure. It returns the
// counter after the change.
func (q *Queries) RecordLoginFailure(ctx context.Context, k FailureKey, at, windowStart time.Time) (FailureCount, error) {
	c := FailureCount{FailureKey: k}
	var first, last int64
	err := q.db.QueryRowContext(ctx, `
		INSERT INTO login_failures (scope, account, address, failures, first_failure_at, last_failure_at)
		VALUES ($1, $2, $3, 1, $4, $4)
		ON CONFLICT (scope, account, address) DO UPDATE SET
			failures = CASE WHEN login_failures.first_failure_at < $5 THEN 1 ELSE login_failures.failures + 1 END,
			first_failure_at = CASE WHEN login_failures.first_failure_at < $5 THEN excluded.first_failure_at
				ELSE login_failures.first_failure_at END,
			last_failure_at = excluded.last_failure_at
		RETURNING failures, first_failure_at, last_failure_at`,
		k.Scope, k.Account, k.Address, micros(at), micros(windowStart)).Scan(&c.Failures, &first, &last)
	if err != nil {
		return FailureCount{}, fmt.Errorf("store: record login failure: %w", err)
	}
	c.FirstAt, c.LastAt = fromMicros(first), fromMicros(last)
	return c, nil
}

// ResetLoginFailures forgets the counter k.
func (q *Queries) ResetLoginFailures(ctx context.Context, k FailureKey) error {
	_, err := q.db.ExecContext(ctx, `DELETE FROM login_failures WHERE scope = $1 AND account = $2 AND address = $3`,
		k.Scope, k.Account, k.Address)
	if err != nil {
		return fmt.Errorf("store: reset login failures: %w", err)
	}
	return nil
}

// ResetAccountFailures forgets every counter of account (from each address,
// and the backstop); the counters of addresses are kept.
func (q *Queries) ResetAccountFailures(ctx context.Context, account string) error {
	_, err := q.db.ExecContext(ctx, `DELETE FROM login_failures WHERE scope IN ($1, $2) AND account = $3`,
		ScopePair, ScopeAccount, account)
	if err != nil {
		return fmt.Errorf("store: reset account failures: %w", err)
	}
	return nil
}

// PurgeLoginFailures forgets counters whose last failure is before before.
func (q *Queries) PurgeLoginFailures(ctx context.Context, before time.Time) (int64, error) {
	res, err := q.db.ExecContext(ctx, `DELETE FROM login_failures WHERE last_failure_at < $1`, micros(before))
	if err != nil {
		return 0, fmt.Errorf("store: purge login failures: %w", err)
	}
	return res.RowsAffected()
}
