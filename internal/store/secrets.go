package store

import (
	"context"
	"fmt"
	"time"
)

// SharedSecret returns the value kept under name, first storing candidate
// when there is none yet: every replica asking at once gets the one value
// that won. (shared_secrets: values generated once that every replica must
// agree on, such as the session cookie keys.)
func (q *Queries) SharedSecret(ctx context.Context, name, candidate string, now time.Time) (string, error) {
	if _, err := q.db.ExecContext(ctx, `INSERT INTO shared_secrets (name, value, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO NOTHING`, name, candidate, micros(now)); err != nil {
		return "", fmt.Errorf("store: shared secret %s: %w", name, err)
	}
	var v string
	if err := q.db.QueryRowContext(ctx, `SELECT value FROM shared_secrets WHERE name = $1`, name).Scan(&v); err != nil {
		return "", fmt.Errorf("store: shared secret %s: %w", name, err)
	}
	return v, nil
}
