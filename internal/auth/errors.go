package auth

import (
	"errors"
	"fmt"
	"time"

	"keybind/internal/fault"
)

var (
	// ErrInvalidCredentials is the one sign-in error for an unknown user, a
	// wrong password and a disabled account alike.
	ErrInvalidCredentials = errors.New("auth: invalid username or password")
	// ErrNoSession means the session is unknown, expired, signed out or
	// belongs to a disabled user.
	ErrNoSession = errors.New("auth: no valid session")
	// ErrForbidden means the actor's role does not allow the action.
	ErrForbidden = errors.New("auth: forbidden")
	// ErrNotFound means there is no user of that name.
	ErrNotFound = errors.New("auth: user not found")
	// ErrExists means the user name is taken.
	ErrExists = errors.New("auth: user already exists")
	// ErrLastAdmin refuses a change that would leave no enabled admin.
	ErrLastAdmin = errors.New("auth: this would leave no enabled admin")
	// ErrSessionDataTooLarge refuses session data over the size limit.
	ErrSessionDataTooLarge = errors.New("auth: session data too large")
)

// Refusals of single sign-on and of password sign-in next to it. Each is
// audited where it is decided; the edge words them.
var (
	// ErrPasswordLoginOff refuses a password sign-in while password sign-in
	// is off and the name is not a break-glass administrator's.
	ErrPasswordLoginOff = fault.New(fault.KindConflict, "password_login_off")
	// ErrSSOAccount refuses a password change or reset for an account that
	// signs in through single sign-on: keybind keeps no password for it.
	ErrSSOAccount = fault.New(fault.KindConflict, "sso_account")
	// ErrNoRole refuses a person whose provider claims map to no role.
	ErrNoRole = fault.New(fault.KindConflict, "sso_no_role")
	// ErrAccountDisabled refuses a person whose keybind account is disabled.
	ErrAccountDisabled = fault.New(fault.KindConflict, "sso_account_disabled")
	// ErrNameTaken refuses a first sign-in whose user name belongs to
	// another account (a local one, or another provider person's).
	ErrNameTaken = fault.New(fault.KindConflict, "sso_name_taken")
	// ErrBadUsername refuses a first sign-in whose user name claim is not a
	// valid keybind user name.
	ErrBadUsername = fault.New(fault.KindInvalid, "sso_username_invalid")
)

// ThrottledError refuses a sign-in attempt made too soon after repeated
// failures; the password was not checked. Scope is the counter that refused
// it (store.ScopePair, ScopeAddress or ScopeAccount).
type ThrottledError struct {
	RetryAfter time.Duration
	Scope      string
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("auth: too many failed sign-ins, retry in %s", e.RetryAfter.Round(time.Second))
}

// ValidationError is a user-correctable problem with one input field; its
// Message is safe to show next to the field.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Message }
