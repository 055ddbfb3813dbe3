package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"keybind/internal/store"
)

// Throttling: the first freeFailures failed sign-ins of a username cost
// nothing; after that each attempt must wait 2^(n-freeFailures) seconds
// after the last failure, up to maxThrottleDelay. A success resets the
// count, and nothing ever locks an account for good.
const (
	freeFailures     = 5
	maxThrottleDelay = 15 * time.Minute
)

func throttleDelay(failures int) time.Duration {
	n := failures - freeFailures
	if n < 0 {
		return 0
	}
	if n >= 10 { // 2^10 s is already over the cap
		return maxThrottleDelay
	}
	return min(time.Second<<n, maxThrottleDelay)
}

// throttleKey is the username as throttling and the audit trail see it:
// normalized, printable, bounded; the same whether or not the user exists.
func throttleKey(username string) string {
	name := strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, NormalizeUsername(username))
	return truncate(name, MaxUsernameLen)
}

// reserveAttempt counts an attempt for key as a failure before the password
// is checked (a success resets it), so parallel guesses cannot all slip in
// under the same count. It returns how long to wait instead if key is being
// throttled.
func (s *Service) reserveAttempt(ctx context.Context, key string, now time.Time) (time.Duration, error) {
	var wait time.Duration
	err := s.st.WithTx(ctx, func(tx *sql.Tx) error {
		q := s.st.With(tx)
		row, err := q.Throttle(ctx, key)
		if err != nil {
			return err
		}
		if next := row.LastFailureAt.Add(throttleDelay(row.Failures)); row.Failures >= freeFailures && now.Before(next) {
			wait = next.Sub(now)
			return nil
		}
		_, err = q.RecordFailure(ctx, key, now)
		return err
	})
	return wait, err
}

// Login checks the username and password. On success it deletes the
// pre-login session oldRawID (if any) and returns a new signed-in session;
// its ID is the cookie's new token. It returns ErrInvalidCredentials for an
// unknown user, a wrong password and a disabled account alike, after the
// same work in each case, and *ThrottledError, without checking the
// password, while the username is throttled.
func (s *Service) Login(ctx context.Context, oldRawID, username, password, ip, userAgent string) (*Session, error) {
	key := throttleKey(username)
	ip = truncate(ip, maxClientIP)
	attempt := store.AuditEntry{Username: key, Via: ViaWeb, ClientIP: ip, Action: ActionLogin, Outcome: store.OutcomeFailure}

	now := s.now()
	wait, err := s.reserveAttempt(ctx, key, now)
	if err != nil {
		return nil, fmt.Errorf("auth: login: %w", err)
	}
	if wait > 0 {
		attempt.Detail = "throttled: too many failed sign-ins"
		s.recordBestEffort(ctx, attempt)
		return nil, &ThrottledError{RetryAfter: wait}
	}

	var user *store.UserRow
	encoded := s.dummy()
	if u, err := s.st.UserByName(ctx, key); err == nil {
		user, encoded = &u, u.PasswordHash
		attempt.UserID, attempt.Role = u.ID, u.Role
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("auth: login: %w", err)
	}
	ok, rehash, err := s.verify(ctx, password, encoded)
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("auth: login: %w", err)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "auth: stored password hash unusable", "user", key, "err", err)
	}
	switch {
	case user == nil:
		// People type passwords into the username field: an unknown name is
		// recorded masked, enough to tell a typo from a spray.
		attempt.Username = maskUnknown(key)
		attempt.Detail = "unknown user"
	case !ok:
		attempt.Detail = "wrong password"
	case user.Disabled:
		attempt.Detail = "account disabled"
	}
	if attempt.Detail != "" {
		s.recordBestEffort(ctx, attempt)
		return nil, ErrInvalidCredentials
	}

	var newHash string
	if rehash {
		if newHash, err = s.hash(ctx, password); err != nil {
			s.log.WarnContext(ctx, "auth: rehash password", "user", key, "err", err)
			newHash = ""
		}
	}
	raw, idHash, err := newSessionID()
	if err != nil {
		return nil, fmt.Errorf("auth: login: %w", err)
	}
	now = s.now()
	err = s.st.WithTx(ctx, func(tx *sql.Tx) error {
		q := s.st.With(tx)
		if err := q.ResetThrottle(ctx, key); err != nil {
			return err
		}
		if oldHash, ok := sessionIDHash(oldRawID); ok {
			if _, err := q.DeleteSession(ctx, oldHash); err != nil {
				return err
			}
		}
		if newHash != "" {
			if _, err := q.RehashPassword(ctx, user.ID, user.PasswordHash, newHash); err != nil {
				return err
			}
		}
		row := store.SessionRow{IDHash: idHash, UserID: user.ID, CreatedAt: now, LastSeenAt: now,
			ClientIP: ip, UserAgent: truncate(userAgent, maxUserAgent)}
		if err := q.CreateSession(ctx, row); err != nil {
			return err
		}
		attempt.Outcome, attempt.Time = store.OutcomeSuccess, now
		_, err := q.AppendAudit(ctx, attempt)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("auth: login: %w", err)
	}
	u := userFromRow(*user)
	return &Session{ID: raw, User: &u, CreatedAt: now, LastSeen: now, Data: map[string]string{}}, nil
}

// maskUnknown keeps the first character and the length of a name that
// matches no account.
func maskUnknown(name string) string {
	r := []rune(name)
	if len(r) == 0 {
		return "(empty)"
	}
	return fmt.Sprintf("%c… (%d characters, no such user)", r[0], len(r))
}
