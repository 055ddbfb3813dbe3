package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Pref returns the value of preference name of the user; ok is false if unset.
func (q *Queries) Pref(ctx context.Context, userID int64, name string) (value string, ok bool, err error) {
	err = q.db.QueryRowContext(ctx, `SELECT value FROM user_prefs WHERE user_id = $1 AND name = $2`, userID, name).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: pref %q: %w", name, err)
	}
	return value, true, nil
}

// SetPref sets preference name of the user.
func (q *Queries) SetPref(ctx context.Context, userID int64, name, value string, at time.Time) error {
	_, err := q.db.ExecContext(ctx, `
		INSERT INTO user_prefs (user_id, name, value, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		userID, name, value, micros(at))
	if err != nil {
		return fmt.Errorf("store: set pref %q: %w", name, err)
	}
	return nil
}

// Prefs returns every preference of the user.
func (q *Queries) Prefs(ctx context.Context, userID int64) (map[string]string, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT name, value FROM user_prefs WHERE user_id = $1`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: prefs: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("store: prefs: %w", err)
		}
		out[k] = v
	}
	return out, rows.Err()
}
