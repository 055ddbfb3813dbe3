package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// SessionRow is a row of the sessions table. IDHash is the hex SHA-256 of the
// session token; the token itself is never stored.
type SessionRow struct {
	IDHash     string
	UserID     int64 // 0: anonymous (before sign-in)
	CreatedAt  time.Time
	LastSeenAt time.Time
	Data       map[string]string
	ClientIP   string
	UserAgent  string
	// SSOIDToken is the OpenID Provider's ID token of a session made by
	// single sign-on, kept for the end-session hint at sign-out; "" otherwise.
	SSOIDToken string
}

func encodeData(m map[string]string) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	return string(b), err
}

func decodeData(s string) (map[string]string, error) {
	m := map[string]string{}
	if s == "" {
		return m, nil
	}
	err := json.Unmarshal([]byte(s), &m)
	return m, err
}

// CreateSession inserts s; ErrConflict if its hash exists.
func (q *Queries) CreateSession(ctx context.Context, s SessionRow) error {
	data, err := encodeData(s.Data)
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	var userID sql.NullInt64
	if s.UserID != 0 {
		userID = sql.NullInt64{Int64: s.UserID, Valid: true}
	}
	_, err = q.db.ExecContext(ctx, `
		INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, data, client_ip, user_agent, sso_id_token)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		s.IDHash, userID, micros(s.CreatedAt), micros(s.LastSeenAt), data, s.ClientIP, s.UserAgent, s.SSOIDToken)
	if isUniqueViolation(err) {
		return fmt.Errorf("store: create session: %w", ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SessionWithUser returns the session with that hash and, for a signed-in
// session, its user (nil for an anonymous one); ErrNotFound if there is no
// such session.
func (q *Queries) SessionWithUser(ctx context.Context, idHash string) (SessionRow, *UserRow, error) {
	var (
		s                 SessionRow
		userID            sql.NullInt64
		created, lastSeen int64
		data              string
		uID               sql.NullInt64
		uName, uRole      sql.NullString
		uHash             sql.NullString
		uDisabled, uMust  sql.NullInt64
		uCreated, uChange sql.NullInt64
		uUpdated          sql.NullInt64
		uSSOIss, uSSOSub  sql.NullString
	)
	err := q.db.QueryRowContext(ctx, `
		SELECT s.id_hash, s.user_id, s.created_at, s.last_seen_at, s.data, s.client_ip, s.user_agent,
		       u.id, u.name, u.role, u.password_hash, u.disabled, u.must_change_password,
		       u.created_at, u.password_changed_at, u.updated_at, u.sso_issuer, u.sso_subject
		FROM sessions s LEFT JOIN users u ON u.id = s.user_id
		WHERE s.id_hash = $1`, idHash).Scan(
		&s.IDHash, &userID, &created, &lastSeen, &data, &s.ClientIP, &s.UserAgent,
		&uID, &uName, &uRole, &uHash, &uDisabled, &uMust, &uCreated, &uChange, &uUpdated, &uSSOIss, &uSSOSub)
	if errors.Is(err, sql.ErrNoRows) {
		return SessionRow{}, nil, ErrNotFound
	}
	if err != nil {
		return SessionRow{}, nil, fmt.Errorf("store: session: %w", err)
	}
	s.UserID = userID.Int64
	s.CreatedAt, s.LastSeenAt = fromMicros(created), fromMicros(lastSeen)
	if s.Data, err = decodeData(data); err != nil {
		return SessionRow{}, nil, fmt.Errorf("store: session data: %w", err)
	}
	if !uID.Valid {
		return s, nil, nil
	}
	u := &UserRow{
		ID: uID.Int64, Name: uName.String, Role: uRole.String, PasswordHash: uHash.String,
		Disabled: uDisabled.Int64 != 0, MustChangePassword: uMust.Int64 != 0,
		CreatedAt: fromMicros(uCreated.Int64), PasswordChangedAt: fromMicros(uChange.Int64),
		UpdatedAt: fromMicros(uUpdated.Int64), SSOIssuer: uSSOIss.String, SSOSubject: uSSOSub.String,
	}
	return s, u, nil
}

// TouchSession records activity on the session at at.
func (q *Queries) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	err := rowsAffected(q.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1`, idHash, micros(at)))
	if err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// SetSessionData replaces the session's data; ErrNotFound if it is gone.
func (q *Queries) SetSessionData(ctx context.Context, idHash string, data map[string]string) error {
	enc, err := encodeData(data)
	if err != nil {
		return fmt.Errorf("store: session data: %w", err)
	}
	err = rowsAffected(q.db.ExecContext(ctx, `UPDATE sessions SET data = $2 WHERE id_hash = $1`, idHash, enc))
	if err != nil {
		return fmt.Errorf("store: set session data: %w", err)
	}
	return nil
}

// DeleteSession deletes the session and reports whether it existed.
func (q *Queries) DeleteSession(ctx context.Context, idHash string) (bool, error) {
	err := rowsAffected(q.db.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, idHash))
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: delete session: %w", err)
	}
	return true, nil
}

// EndSession deletes the session and returns the ID token it kept (see
// SessionRow.SSOIDToken); found is false if there was no such session.
func (q *Queries) EndSession(ctx context.Context, idHash string) (idToken string, found bool, err error) {
	err = q.db.QueryRowContext(ctx, `DELETE FROM sessions WHERE id_hash = $1 RETURNING sso_id_token`, idHash).Scan(&idToken)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: end session: %w", err)
	}
	return idToken, true, nil
}

// DeleteUserSessions deletes every session of the user and returns how many.
func (q *Queries) DeleteUserSessions(ctx context.Context, userID int64) (int64, error) {
	res, err := q.db.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	if err != nil {
		return 0, fmt.Errorf("store: delete sessions of user %d: %w", userID, err)
	}
	return res.RowsAffected()
}

// CountUserSessions returns the number of session rows of the user (expired
// rows not yet purged included).
func (q *Queries) CountUserSessions(ctx context.Context, userID int64) (int, error) {
	var n int
	if err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE user_id = $1`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count sessions of user %d: %w", userID, err)
	}
	return n, nil
}

// PurgeSessions deletes sessions last seen before idleBefore or created
// before createdBefore, and returns how many.
func (q *Queries) PurgeSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error) {
	res, err := q.db.ExecContext(ctx, `DELETE FROM sessions WHERE last_seen_at <= $1 OR created_at <= $2`,
		micros(idleBefore), micros(createdBefore))
	if err != nil {
		return 0, fmt.Errorf("store: purge sessions: %w", err)
	}
	return res.RowsAffected()
}
