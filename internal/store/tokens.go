package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// APITokenRow is a row of the api_tokens table. TokenHash is the hex SHA-256
// of the token; the token itself is never stored. Zero times are unset.
type APITokenRow struct {
	ID         int64
	UserID     int64
	Name       string
	TokenHash  string
	Hint       string
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: never expires
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero: not revoked
}

const (
	apiTokenFields  = `id, user_id, name, token_hash, hint, created_at, expires_at, last_used_at, revoked_at`
	apiTokenColumns = `t.id, t.user_id, t.name, t.token_hash, t.hint, t.created_at, t.expires_at, t.last_used_at, t.revoked_at`
)

// optMicros stores a zero time as 0, so "unset" reads back as zero.
func optMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micros(t)
}

func optTime(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return fromMicros(v)
}

func scanAPIToken(sc Scanner, extra ...any) (APITokenRow, error) {
	var (
		t                              APITokenRow
		created, expires, used, revoke int64
	)
	dest := append([]any{&t.ID, &t.UserID, &t.Name, &t.TokenHash, &t.Hint, &created, &expires, &used, &revoke}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return APITokenRow{}, err
	}
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt = fromMicros(created), optTime(expires), optTime(used), optTime(revoke)
	return t, nil
}

// CreateAPIToken inserts t (its ID is ignored) and returns the new ID;
// ErrConflict if the hash exists.
func (q *Queries) CreateAPIToken(ctx context.Context, t APITokenRow) (int64, error) {
	var id int64
	err := q.db.QueryRowContext(ctx, `
		INSERT INTO api_tokens (user_id, name, token_hash, hint, created_at, expires_at, last_used_at, revoked_at)
		VALUES ($1, $2, $3, $4, $5, $6, 0, 0)
		RETURNING id`,
		t.UserID, t.Name, t.TokenHash, t.Hint, micros(t.CreatedAt), optMicros(t.ExpiresAt)).Scan(&id)
	if isUniqueViolation(err) {
		return 0, fmt.Errorf("store: create API token: %w", ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("store: create API token: %w", err)
	}
	return id, nil
}

// APITokenWithUser returns the token with that hash and its user (as the
// users table has it now); ErrNotFound if there is no such token. Revoked
// and expired tokens are returned too: the caller decides.
func (q *Queries) APITokenWithUser(ctx context.Context, tokenHash string) (APITokenRow, UserRow, error) {
	var (
		u                    UserRow
		disabled, mustChange int64
		uCreated, uChg, uUpd int64
	)
	t, err := scanAPIToken(q.db.QueryRowContext(ctx, `
		SELECT `+apiTokenColumns+`,
		       u.id, u.name, u.role, u.password_hash, u.disabled, u.must_change_password,
		       u.created_at, u.password_changed_at, u.updated_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1`, tokenHash),
		&u.ID, &u.Name, &u.Role, &u.PasswordHash, &disabled, &mustChange, &uCreated, &uChg, &uUpd)
	if errors.Is(err, sql.ErrNoRows) {
		return APITokenRow{}, UserRow{}, ErrNotFound
	}
	if err != nil {
		return APITokenRow{}, UserRow{}, fmt.Errorf("store: API token: %w", err)
	}
	u.Disabled, u.MustChangePassword = disabled != 0, mustChange != 0
	u.CreatedAt, u.PasswordChangedAt, u.UpdatedAt = fromMicros(uCreated), fromMicros(uChg), fromMicros(uUpd)
	return t, u, nil
}

// ListAPITokens returns the user's tokens that are not revoked, newest first.
func (q *Queries) ListAPITokens(ctx context.Context, userID int64) ([]APITokenRow, error) {
	out, err := All(ctx, q.db, func(sc Scanner) (APITokenRow, error) { return scanAPIToken(sc) },
		`SELECT `+apiTokenColumns+` FROM api_tokens t WHERE t.user_id = $1 AND t.revoked_at = 0 ORDER BY t.id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: list API tokens: %w", err)
	}
	return out, nil
}

// CountActiveAPITokens returns how many of the user's tokens are neither
// revoked nor expired at now.
func (q *Queries) CountActiveAPITokens(ctx context.Context, userID int64, now time.Time) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_tokens
		WHERE user_id = $1 AND revoked_at = 0 AND (expires_at = 0 OR expires_at > $2)`, userID, micros(now)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count API tokens: %w", err)
	}
	return n, nil
}

// RevokeAPIToken marks the user's token id revoked at at and returns its
// row; ErrNotFound if the user has no such token or it is already revoked.
func (q *Queries) RevokeAPIToken(ctx context.Context, userID, id int64, at time.Time) (APITokenRow, error) {
	t, err := scanAPIToken(q.db.QueryRowContext(ctx, `
		UPDATE api_tokens SET revoked_at = $3
		WHERE id = $1 AND user_id = $2 AND revoked_at = 0
		RETURNING `+apiTokenFields, id, userID, micros(at)))
	if errors.Is(err, sql.ErrNoRows) {
		return APITokenRow{}, ErrNotFound
	}
	if err != nil {
		return APITokenRow{}, fmt.Errorf("store: revoke API token %d: %w", id, err)
	}
	return t, nil
}

// TouchAPIToken records that token id was used at at.
func (q *Queries) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	err := rowsAffected(q.db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, id, micros(at)))
	if err != nil {
		return fmt.Errorf("store: touch API token %d: %w", id, err)
	}
	return nil
}
