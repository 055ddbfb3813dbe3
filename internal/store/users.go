package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// UserRow is a row of the users table.
type UserRow struct {
	ID                 int64
	Name               string // normalized by the caller
	Role               string
	PasswordHash       string // PHC string
	Disabled           bool
	MustChangePassword bool
	CreatedAt          time.Time
	PasswordChangedAt  time.Time
	UpdatedAt          time.Time
	// SSOIssuer and SSOSubject name the OpenID Provider's person an account
	// made by single sign-on belongs to; both empty for a local account.
	SSOIssuer  string
	SSOSubject string
}

const userColumns = `id, name, role, password_hash, disabled, must_change_password, created_at, password_changed_at, updated_at, sso_issuer, sso_subject`

func scanUser(sc Scanner) (UserRow, error) {
	var (
		u                     UserRow
		disabled, mustChange  int64
		created, changed, upd int64
	)
	if err := sc.Scan(&u.ID, &u.Name, &u.Role, &u.PasswordHash, &disabled, &mustChange, &created, &changed, &upd, &u.SSOIssuer, &u.SSOSubject); err != nil {
		return UserRow{}, err
	}
	u.Disabled, u.MustChangePassword = disabled != 0, mustChange != 0
	u.CreatedAt, u.PasswordChangedAt, u.UpdatedAt = fromMicros(created), fromMicros(changed), fromMicros(upd)
	return u, nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// CreateUser inserts u (its ID is ignored) and returns the new ID;
// ErrConflict if the name is taken.
func (q *Queries) CreateUser(ctx context.Context, u UserRow) (int64, error) {
	var id int64
	err := q.db.QueryRowContext(ctx, `
		INSERT INTO users (name, role, password_hash, disabled, must_change_password, created_at, password_changed_at, updated_at,
		                   sso_issuer, sso_subject)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		RETURNING id`,
		u.Name, u.Role, u.PasswordHash, boolInt(u.Disabled), boolInt(u.MustChangePassword),
		micros(u.CreatedAt), micros(u.PasswordChangedAt), micros(u.UpdatedAt), u.SSOIssuer, u.SSOSubject,
	).Scan(&id)
	if isUniqueViolation(err) {
		return 0, fmt.Errorf("store: create user %q: %w", u.Name, ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("store: create user %q: %w", u.Name, err)
	}
	return id, nil
}

// UserByName returns the user with that exact name, or ErrNotFound.
func (q *Queries) UserByName(ctx context.Context, name string) (UserRow, error) {
	if strings.ContainsRune(name, 0) || !utf8.ValidString(name) {
		return UserRow{}, ErrNotFound // no name holds these (and PostgreSQL's text cannot)
	}
	return q.userWhere(ctx, `name = $1`, name)
}

// UserBySSO returns the account made by single sign-on for the provider's
// person (issuer, subject), or ErrNotFound.
func (q *Queries) UserBySSO(ctx context.Context, issuer, subject string) (UserRow, error) {
	if subject == "" {
		return UserRow{}, ErrNotFound
	}
	return q.userWhere(ctx, `sso_issuer = $1 AND sso_subject = $2`, issuer, subject)
}

// UserByID returns the user with that ID, or ErrNotFound.
func (q *Queries) UserByID(ctx context.Context, id int64) (UserRow, error) {
	return q.userWhere(ctx, `id = $1`, id)
}

// userWhere reads the one user matching where, or ErrNotFound.
func (q *Queries) userWhere(ctx context.Context, where string, args ...any) (UserRow, error) {
	u, err := scanUser(q.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return UserRow{}, ErrNotFound
	}
	if err != nil {
		return UserRow{}, fmt.Errorf("store: user where %s %q: %w", where, args, err)
	}
	return u, nil
}

// ListUsers returns every user ordered by name.
func (q *Queries) ListUsers(ctx context.Context) ([]UserRow, error) {
	out, err := All(ctx, q.db, scanUser, `SELECT `+userColumns+` FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return out, nil
}

// CountUsers returns the number of users, disabled ones included.
func (q *Queries) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

// CountEnabledWithRole returns the number of enabled users holding role.
func (q *Queries) CountEnabledWithRole(ctx context.Context, role string) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = $1 AND disabled = 0`, role).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count %s users: %w", role, err)
	}
	return n, nil
}

// SetPasswordHash stores a new password for user id, changed at at.
func (q *Queries) SetPasswordHash(ctx context.Context, id int64, hash string, mustChange bool, at time.Time) error {
	err := rowsAffected(q.db.ExecContext(ctx, `
		UPDATE users SET password_hash = $2, must_change_password = $3, password_changed_at = $4, updated_at = $4
		WHERE id = $1`, id, hash, boolInt(mustChange), micros(at)))
	if err != nil {
		return fmt.Errorf("store: set password of user %d: %w", id, err)
	}
	return nil
}

// RehashPassword replaces the hash of user id by newHash if it is still
// oldHash (same password, new parameters); it reports whether it did.
func (q *Queries) RehashPassword(ctx context.Context, id int64, oldHash, newHash string) (bool, error) {
	err := rowsAffected(q.db.ExecContext(ctx, `
		UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2`, id, oldHash, newHash))
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: rehash password of user %d: %w", id, err)
	}
	return true, nil
}

// SetUserRole changes the role of user id.
func (q *Queries) SetUserRole(ctx context.Context, id int64, role string, at time.Time) error {
	err := rowsAffected(q.db.ExecContext(ctx, `UPDATE users SET role = $2, updated_at = $3 WHERE id = $1`, id, role, micros(at)))
	if err != nil {
		return fmt.Errorf("store: set role of user %d: %w", id, err)
	}
	return nil
}

// SetUserDisabled disables or enables user id.
func (q *Queries) SetUserDisabled(ctx context.Context, id int64, disabled bool, at time.Time) error {
	err := rowsAffected(q.db.ExecContext(ctx, `UPDATE users SET disabled = $2, updated_at = $3 WHERE id = $1`, id, boolInt(disabled), micros(at)))
	if err != nil {
		return fmt.Errorf("store: set disabled of user %d: %w", id, err)
	}
	return nil
}
