package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"keybind/internal/store"
)

// Login checks the username and password. On success it deletes the
// session oldRawID (if any), resets the failures of the account at ip and
// returns a new signed-in session; its ID is the cookie's new token. It
// returns ErrInvalidCredentials for an unknown user, a wrong password and a
// disabled account alike, after the same work in each case, and counts the
// failure (see throttlePolicy); and *ThrottledError, without checking the
// password, while a failure counter holds the attempt back. A *Device in ctx
// (WithDevice) exempts a browser the account signed in from before from the
// per-account backstop, and learns the account on success.
//
// While password sign-in is off (Config.PasswordLogin), a name that is not
// a break-glass administrator's is refused with ErrPasswordLoginOff before
// anything else, and audited.
func (s *Service) Login(ctx context.Context, oldRawID, username, password, ip, userAgent string) (*Session, error) {
	key := throttleKey(username)
	ip = truncate(ip, maxClientIP)
	attempt := store.AuditEntry{Username: key, Via: ViaWeb, ClientIP: ip, Action: ActionLogin, Outcome: store.OutcomeFailure}
	if s.passwordOff && !s.breakGlass[key] {
		s.signInFailed(FailurePasswordOff)
		return nil, s.refusePassword(ctx, attempt)
	}
	device := deviceFrom(ctx)
	keys := failureKeys(key, ip)

	now := s.now()
	wait, by, err := s.throttled(ctx, keys, now, device.knows(key))
	if err != nil {
		return nil, fmt.Errorf("auth: login: %w", err)
	}
	if wait > 0 {
		attempt.Detail = throttledDetail(by)
		s.recordBestEffort(ctx, attempt)
		s.signInFailed(FailureThrottled)
		return nil, &ThrottledError{RetryAfter: wait, Scope: by.scope}
	}

	var user *store.UserRow
	encoded := s.dummy()
	if u, err := s.st.UserByName(ctx, key); err == nil {
		user = &u
		if u.SSOSubject == "" {
			encoded = u.PasswordHash
		}
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
	var reason string
	switch {
	case user == nil:
		// People type passwords into the username field: an unknown name is
		// recorded masked, enough to tell a typo from a spray.
		attempt.Username = maskUnknown(key)
		attempt.Detail, reason = "unknown user", FailureUnknownUser
	case user.SSOSubject != "":
		// Checked against the unknown-user hash above: the same work, and
		// never a match.
		attempt.Detail, reason = "single sign-on account: it has no password", FailureSSOAccount
	case !ok:
		attempt.Detail, reason = "wrong password", FailureWrongPassword
	case user.Disabled:
		attempt.Detail, reason = "account disabled", FailureDisabled
	}
	if reason != "" {
		s.signInFailed(reason)
		if err := s.recordFailure(ctx, keys, s.now(), attempt); err != nil {
			return nil, fmt.Errorf("auth: login: %w", err)
		}
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
		if err := q.ResetLoginFailures(ctx, keys[0]); err != nil {
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
	if device != nil {
		device.SignedIn = user.Name
	}
	u := userFromRow(*user)
	return &Session{ID: raw, User: &u, CreatedAt: now, LastSeen: now, Data: map[string]string{}}, nil
}

// refusePassword audits a password sign-in refused because password
// sign-in is off, and returns ErrPasswordLoginOff.
func (s *Service) refusePassword(ctx context.Context, attempt store.AuditEntry) error {
	attempt.Detail = "password sign-in is off; not a break-glass administrator"
	if u, err := s.st.UserByName(ctx, attempt.Username); err == nil {
		attempt.UserID, attempt.Role = u.ID, u.Role
	} else {
		attempt.Username = maskUnknown(attempt.Username)
	}
	s.recordBestEffort(ctx, attempt)
	return ErrPasswordLoginOff
}

// PasswordLoginOn reports whether the sign-in page offers the password
// form to everyone (it is off when Config.PasswordLogin.Off is set).
func (s *Service) PasswordLoginOn() bool { return !s.passwordOff }

// maskUnknown keeps the first character and the length of a name that
// matches no account.
func maskUnknown(name string) string {
	r := []rune(name)
	if len(r) == 0 {
		return "(empty)"
	}
	return fmt.Sprintf("%c… (%d characters, no such user)", r[0], len(r))
}
