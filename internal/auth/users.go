package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"keybind/internal/store"
	"keybind/internal/text"
)

// User is a keybind account.
type User struct {
	ID       int64
	Name     string
	Role     Role
	Disabled bool
	// MustChangePassword is set when someone else chose the password (an
	// admin, the CLI, the generated first-admin password); the web layer
	// should send the user to change it before anything else.
	MustChangePassword bool
	CreatedAt          time.Time
	PasswordChangedAt  time.Time
	// SSO: the account was made by single sign-on and signs in only through
	// its identity provider; it has no password.
	SSO bool
}

func userFromRow(r store.UserRow) User {
	return User{ID: r.ID, Name: r.Name, Role: Role(r.Role), Disabled: r.Disabled,
		MustChangePassword: r.MustChangePassword, CreatedAt: r.CreatedAt, PasswordChangedAt: r.PasswordChangedAt,
		SSO: r.SSOSubject != ""}
}

// FirstAdminName is the account EnsureFirstAdmin creates.
const FirstAdminName = "admin"

// EnsureFirstAdmin creates the admin account if there are no users at all.
// With envPassword (KEYBIND_ADMIN_PASSWORD) it uses that, which must pass
// the password policy; otherwise it generates a password and returns it for
// the caller to print once (the account must then change it). It does
// nothing when any user exists.
func (s *Service) EnsureFirstAdmin(ctx context.Context, envPassword string) (generated string, created bool, err error) {
	if n, err := s.st.CountUsers(ctx); err != nil || n > 0 {
		return "", false, err
	}
	pw, detail := envPassword, "first admin, password from KEYBIND_ADMIN_PASSWORD"
	if pw == "" {
		if pw, err = GeneratePassword(); err != nil {
			return "", false, fmt.Errorf("auth: first admin: %w", err)
		}
		generated, detail = pw, "first admin, generated password"
	}
	if err := validatePassword(FirstAdminName, pw); err != nil {
		return "", false, fmt.Errorf("auth: first admin: KEYBIND_ADMIN_PASSWORD %w", err)
	}
	hash, err := s.hash(ctx, pw)
	if err != nil {
		return "", false, fmt.Errorf("auth: first admin: %w", err)
	}
	now := s.now()
	err = s.st.WithTx(ctx, func(tx *sql.Tx) error {
		q := s.st.With(tx)
		if err := q.Serialize(ctx, "auth.first-admin"); err != nil {
			return err
		}
		// Check again under the write lock: another process may have won.
		if n, err := q.CountUsers(ctx); err != nil || n > 0 {
			return err
		}
		id, err := q.CreateUser(ctx, store.UserRow{Name: FirstAdminName, Role: string(RoleAdmin), PasswordHash: hash,
			MustChangePassword: generated != "", CreatedAt: now, PasswordChangedAt: now, UpdatedAt: now})
		if err != nil {
			return err
		}
		e := Actor{Via: ViaSystem}.entry(ActionUserBootstrap, store.OutcomeSuccess, detail)
		e.Time, e.UserID, e.Username, e.Role = now, id, FirstAdminName, string(RoleAdmin)
		if _, err := q.AppendAudit(ctx, e); err != nil {
			return err
		}
		created = true
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		// Another replica created it between our count and our insert (on
		// PostgreSQL the count takes no lock): its admin stands.
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("auth: first admin: %w", err)
	}
	if !created {
		return "", false, nil
	}
	return generated, true, nil
}

// Users returns every user ordered by name. Callers check PermManageUsers.
func (s *Service) Users(ctx context.Context) ([]User, error) {
	rows, err := s.st.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]User, len(rows))
	for i, r := range rows {
		out[i] = userFromRow(r)
	}
	return out, nil
}

// User returns the user named name (normalized), or ErrNotFound.
func (s *Service) User(ctx context.Context, name string) (User, error) {
	r, err := s.st.UserByName(ctx, NormalizeUsername(name))
	if errors.Is(err, store.ErrNotFound) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, err
	}
	return userFromRow(r), nil
}

// CreateUser creates an account with the given role and password. The user
// must change the password at first sign-in. Use GeneratePassword for a
// one-time password to hand over.
func (s *Service) CreateUser(ctx context.Context, actor Actor, name string, role Role, password string) (User, error) {
	if err := s.authorize(ctx, actor, PermManageUsers, ActionUserCreate); err != nil {
		return User{}, err
	}
	name = NormalizeUsername(name)
	if err := ValidateUsername(name); err != nil {
		return User{}, err
	}
	if _, err := ParseRole(string(role)); err != nil {
		return User{}, err
	}
	if err := validatePassword(name, password); err != nil {
		return User{}, err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return User{}, fmt.Errorf("auth: create user: %w", err)
	}
	now := s.now()
	row := store.UserRow{Name: name, Role: string(role), PasswordHash: hash, MustChangePassword: true,
		CreatedAt: now, PasswordChangedAt: now, UpdatedAt: now}
	err = s.st.WithTx(ctx, func(tx *sql.Tx) error {
		q := s.st.With(tx)
		id, err := q.CreateUser(ctx, row)
		if err != nil {
			return err
		}
		row.ID = id
		return appendAt(ctx, q, actor.entry(ActionUserCreate, store.OutcomeSuccess, fmt.Sprintf("%s: created with role %s", name, role)), now)
	})
	if errors.Is(err, store.ErrConflict) {
		return User{}, ErrExists
	}
	if err != nil {
		return User{}, fmt.Errorf("auth: create user: %w", err)
	}
	return userFromRow(row), nil
}

func appendAt(ctx context.Context, q *store.Queries, e store.AuditEntry, at time.Time) error {
	e.Time = at
	_, err := q.AppendAudit(ctx, e)
	return err
}

// update runs change on the named user inside a transaction, after checking
// that actor may manage users.
func (s *Service) update(ctx context.Context, actor Actor, action, name string, change func(q *store.Queries, u store.UserRow, now time.Time) error) error {
	if err := s.authorize(ctx, actor, PermManageUsers, action); err != nil {
		return err
	}
	name = NormalizeUsername(name)
	now := s.now()
	err := s.st.WithTx(ctx, func(tx *sql.Tx) error {
		q := s.st.With(tx)
		// One change to the accounts at a time on every replica: two admins disabling each
		// other at once must not leave none (keepsAnAdmin).
		if err := q.Serialize(ctx, "auth.users"); err != nil {
			return err
		}
		u, err := q.UserByName(ctx, name)
		if err != nil {
			return err
		}
		return change(q, u, now)
	})
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil && !errors.Is(err, ErrLastAdmin) && !errors.Is(err, ErrSSOAccount) {
		return fmt.Errorf("auth: %s %q: %w", action, name, err)
	}
	return err
}

// keepsAnAdmin returns ErrLastAdmin if u is the only enabled admin.
func keepsAnAdmin(ctx context.Context, q *store.Queries, u store.UserRow) error {
	if u.Role != string(RoleAdmin) || u.Disabled {
		return nil
	}
	n, err := q.CountEnabledWithRole(ctx, string(RoleAdmin))
	if err != nil {
		return err
	}
	if n <= 1 {
		return ErrLastAdmin
	}
	return nil
}

// SetPassword sets another user's password (an admin reset, or the CLI's
// "user passwd"), ends all their sessions and clears their sign-in
// throttle. They must change it at their next sign-in unless actor is
// themselves.
func (s *Service) SetPassword(ctx context.Context, actor Actor, name, password string) error {
	if err := s.authorize(ctx, actor, PermManageUsers, ActionUserPasswordReset); err != nil {
		return err
	}
	name = NormalizeUsername(name)
	if err := validatePassword(name, password); err != nil {
		return err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return fmt.Errorf("auth: set password: %w", err)
	}
	return s.update(ctx, actor, ActionUserPasswordReset, name, func(q *store.Queries, u store.UserRow, now time.Time) error {
		if u.SSOSubject != "" {
			return ErrSSOAccount
		}
		self := actor.User != nil && actor.User.ID == u.ID
		if err := q.SetPasswordHash(ctx, u.ID, hash, !self, now); err != nil {
			return err
		}
		n, err := q.DeleteUserSessions(ctx, u.ID)
		if err != nil {
			return err
		}
		if err := q.ResetAccountFailures(ctx, u.Name); err != nil {
			return err
		}
		return appendAt(ctx, q, actor.entry(ActionUserPasswordReset, store.OutcomeSuccess,
			u.Name+": password set, "+sessionsEnded(n)), now)
	})
}

// ChangeOwnPassword changes the signed-in actor's password after checking
// the current one, then ends all their sessions (the current one too: they
// sign in again with the new password). Wrong current passwords count
// towards the same failure counters as sign-ins; the per-account backstop
// does not hold a signed-in browser back.
func (s *Service) ChangeOwnPassword(ctx context.Context, actor Actor, current, next string) error {
	if actor.User == nil {
		return ErrForbidden
	}
	key := actor.User.Name
	if err := validatePassword(key, next); err != nil {
		return err
	}
	if next == current {
		return &ValidationError{Field: "password", Message: "must differ from the current password"}
	}
	keys := failureKeys(key, truncate(actor.IP, maxClientIP))
	wait, _, err := s.throttled(ctx, keys, s.now(), true)
	if err != nil {
		return fmt.Errorf("auth: change password: %w", err)
	}
	if wait > 0 {
		s.recordBestEffort(ctx, actor.entry(ActionChangeOwnPassword, store.OutcomeFailure, "throttled: too many wrong current passwords"))
		return &ThrottledError{RetryAfter: wait}
	}
	u, err := s.st.UserByID(ctx, actor.User.ID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrForbidden
	}
	if err != nil {
		return fmt.Errorf("auth: change password: %w", err)
	}
	if u.SSOSubject != "" {
		return ErrSSOAccount
	}
	ok, _, err := s.verify(ctx, current, u.PasswordHash)
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("auth: change password: %w", err)
	}
	if !ok || u.Disabled {
		if err := s.recordFailure(ctx, keys, s.now(), actor.entry(ActionChangeOwnPassword, store.OutcomeFailure, "wrong current password")); err != nil {
			return fmt.Errorf("auth: change password: %w", err)
		}
		return ErrInvalidCredentials
	}
	hash, err := s.hash(ctx, next)
	if err != nil {
		return fmt.Errorf("auth: change password: %w", err)
	}
	now := s.now()
	err = s.st.WithTx(ctx, func(tx *sql.Tx) error {
		q := s.st.With(tx)
		if err := q.SetPasswordHash(ctx, u.ID, hash, false, now); err != nil {
			return err
		}
		if err := q.ResetLoginFailures(ctx, keys[0]); err != nil {
			return err
		}
		n, err := q.DeleteUserSessions(ctx, u.ID)
		if err != nil {
			return err
		}
		return appendAt(ctx, q, actor.entry(ActionChangeOwnPassword, store.OutcomeSuccess, sessionsEnded(n)), now)
	})
	if err != nil {
		return fmt.Errorf("auth: change password: %w", err)
	}
	return nil
}

// SetRole changes a user's role and ends all their sessions. Demoting the
// last enabled admin returns ErrLastAdmin.
func (s *Service) SetRole(ctx context.Context, actor Actor, name string, role Role) error {
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	return s.update(ctx, actor, ActionUserRole, name, func(q *store.Queries, u store.UserRow, now time.Time) error {
		if u.Role == string(role) {
			return nil
		}
		if err := keepsAnAdmin(ctx, q, u); err != nil {
			return err
		}
		if err := q.SetUserRole(ctx, u.ID, string(role), now); err != nil {
			return err
		}
		n, err := q.DeleteUserSessions(ctx, u.ID)
		if err != nil {
			return err
		}
		return appendAt(ctx, q, actor.entry(ActionUserRole, store.OutcomeSuccess,
			fmt.Sprintf("%s: role %s → %s, %s", u.Name, u.Role, role, sessionsEnded(n))), now)
	})
}

// Disable disables a user and ends all their sessions. Disabling the last
// enabled admin returns ErrLastAdmin.
func (s *Service) Disable(ctx context.Context, actor Actor, name string) error {
	return s.update(ctx, actor, ActionUserDisable, name, func(q *store.Queries, u store.UserRow, now time.Time) error {
		if u.Disabled {
			return nil
		}
		if err := keepsAnAdmin(ctx, q, u); err != nil {
			return err
		}
		if err := q.SetUserDisabled(ctx, u.ID, true, now); err != nil {
			return err
		}
		n, err := q.DeleteUserSessions(ctx, u.ID)
		if err != nil {
			return err
		}
		return appendAt(ctx, q, actor.entry(ActionUserDisable, store.OutcomeSuccess,
			u.Name+": disabled, "+sessionsEnded(n)), now)
	})
}

// Enable enables a disabled user.
func (s *Service) Enable(ctx context.Context, actor Actor, name string) error {
	return s.update(ctx, actor, ActionUserEnable, name, func(q *store.Queries, u store.UserRow, now time.Time) error {
		if !u.Disabled {
			return nil
		}
		if err := q.SetUserDisabled(ctx, u.ID, false, now); err != nil {
			return err
		}
		return appendAt(ctx, q, actor.entry(ActionUserEnable, store.OutcomeSuccess, u.Name+": enabled"), now)
	})
}

// EndSessions signs a user out everywhere.
func (s *Service) EndSessions(ctx context.Context, actor Actor, name string) error {
	return s.update(ctx, actor, ActionUserEndSessions, name, func(q *store.Queries, u store.UserRow, now time.Time) error {
		n, err := q.DeleteUserSessions(ctx, u.ID)
		if err != nil {
			return err
		}
		return appendAt(ctx, q, actor.entry(ActionUserEndSessions, store.OutcomeSuccess,
			u.Name+": "+sessionsEnded(n)), now)
	})
}

// sessionsEnded is the audit's words for ending n sessions.
func sessionsEnded(n int64) string { return text.Plural(int(n), "session", "sessions") + " ended" }
