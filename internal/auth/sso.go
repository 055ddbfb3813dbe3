package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"keybind/internal/fault"
	"keybind/internal/store"
)

// ExternalIdentity is a person as an OpenID Provider vouched for them in an
// ID token that has been verified (package sso).
type ExternalIdentity struct {
	// Issuer and Subject name the person: the identity, never the e-mail
	// or the user name.
	Issuer, Subject string
	// Username is the configured claim's value (preferred_username or
	// email); it names the account made at the first sign-in and is not
	// changed later.
	Username string
	// Role is what the provider's claims map to; "" for none.
	Role Role
	// Claims says what Role was read from, for the audit trail, such as
	// `groups ["keybind-admins"]`.
	Claims string
	// Groups are the values of the role claim (the provider's groups), kept
	// for the cloud accounts granted to a group.
	Groups []string
	// IDToken is kept with the session, server-side, as the provider's
	// end-session hint.
	IDToken string
}

// ActionUserSSORole is the audit action of a role the identity provider
// changed at a sign-in.
const ActionUserSSORole = "user.role.sso"

// LoginSSO signs in the person an OpenID Provider vouched for, as Login does
// for a password: it deletes the session oldRawID (if any) and returns a new
// signed-in session with the same timeouts and cookie.
//
// The account is found by the provider's issuer and subject. At the first
// sign-in it is made with the username claim's name (normalized, '@'
// allowed) and no password; a name that another account already holds is
// refused with ErrNameTaken and never linked (a single sign-on never takes
// over a local account). The role is re-read at every sign-in: a changed
// role is stored and ends the account's other sessions; claims that map to
// no role are refused with ErrNoRole and end every session of the account.
// A disabled account is refused with ErrAccountDisabled. Each outcome is
// audited as auth.login.
func (s *Service) LoginSSO(ctx context.Context, oldRawID string, id ExternalIdentity, ip, userAgent string) (*Session, error) {
	ip = truncate(ip, maxClientIP)
	name := NormalizeUsername(id.Username)
	attempt := store.AuditEntry{Username: truncate(name, MaxUsernameLen+16), Via: ViaWeb, ClientIP: ip,
		Action: ActionLogin, Outcome: store.OutcomeFailure}
	raw, idHash, err := newSessionID()
	if err != nil {
		return nil, fmt.Errorf("auth: sso login: %w", err)
	}
	now := s.now()
	var (
		sess    *Session
		refusal error
	)
	err = s.st.WithTx(ctx, func(tx *sql.Tx) error {
		q := s.st.With(tx)
		// The same person's first sign-ins on two replicas at once make one account.
		if err := q.Serialize(ctx, "auth.sso:"+id.Issuer+" "+id.Subject); err != nil {
			return err
		}
		// refuse audits a refusal; the error names the account (Subject)
		// for the page that words it.
		refuse := func(e *fault.Error, detail string) error {
			attempt.Detail, attempt.Time, refusal = "single sign-on: "+detail, now, e.About(attempt.Username)
			_, err := q.AppendAudit(ctx, attempt)
			return err
		}
		u, err := q.UserBySSO(ctx, id.Issuer, id.Subject)
		found := err == nil
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if found {
			attempt.UserID, attempt.Username, attempt.Role = u.ID, u.Name, u.Role
		}
		switch {
		case id.Role == "":
			detail := "no role for " + id.Claims
			if found {
				n, err := q.DeleteUserSessions(ctx, u.ID)
				if err != nil {
					return err
				}
				detail += fmt.Sprintf("; %d sessions ended", n)
			}
			return refuse(ErrNoRole, detail)
		case found && u.Disabled:
			return refuse(ErrAccountDisabled, "account disabled")
		case !found:
			if err := ValidateSSOUsername(name); err != nil {
				var ve *ValidationError
				errors.As(err, &ve)
				return refuse(ErrBadUsername, fmt.Sprintf("the username %q %s", attempt.Username, ve.Message))
			}
			if _, err := q.UserByName(ctx, name); err == nil {
				return refuse(ErrNameTaken, fmt.Sprintf("the username belongs to another account; not linked to subject %q of %s", id.Subject, id.Issuer))
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if u, err = s.createSSOUser(ctx, q, name, id, ip, now); err != nil {
				return err
			}
			attempt.UserID, attempt.Role = u.ID, u.Role
		case u.Role != string(id.Role):
			if err := s.ssoRoleChange(ctx, q, u, id, ip, now); err != nil {
				return err
			}
			u.Role, attempt.Role = string(id.Role), string(id.Role)
		}
		if err := q.SetUserSSOGroups(ctx, u.ID, id.Groups); err != nil {
			return err
		}
		if oldHash, ok := sessionIDHash(oldRawID); ok {
			if _, err := q.DeleteSession(ctx, oldHash); err != nil {
				return err
			}
		}
		row := store.SessionRow{IDHash: idHash, UserID: u.ID, CreatedAt: now, LastSeenAt: now,
			ClientIP: ip, UserAgent: truncate(userAgent, maxUserAgent), SSOIDToken: id.IDToken}
		if err := q.CreateSession(ctx, row); err != nil {
			return err
		}
		attempt.Outcome, attempt.Time = store.OutcomeSuccess, now
		attempt.Detail = "single sign-on: " + id.Claims
		if _, err := q.AppendAudit(ctx, attempt); err != nil {
			return err
		}
		user := userFromRow(u)
		sess = &Session{ID: raw, User: &user, CreatedAt: now, LastSeen: now, Data: map[string]string{}}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("auth: sso login: %w", err)
	}
	if refusal != nil {
		return nil, refusal
	}
	return sess, nil
}

// createSSOUser makes the account of a person's first sign-in.
func (s *Service) createSSOUser(ctx context.Context, q *store.Queries, name string, id ExternalIdentity, ip string, now time.Time) (store.UserRow, error) {
	row := store.UserRow{Name: name, Role: string(id.Role), CreatedAt: now, PasswordChangedAt: now, UpdatedAt: now,
		SSOIssuer: id.Issuer, SSOSubject: id.Subject}
	uid, err := q.CreateUser(ctx, row)
	if err != nil {
		return row, err
	}
	row.ID = uid
	u := userFromRow(row)
	e := WebActor(&u, ip).entry(ActionUserCreate, store.OutcomeSuccess,
		fmt.Sprintf("%s: created by single sign-on with role %s (%s)", name, id.Role, id.Claims))
	return row, appendAt(ctx, q, e, now)
}

// ssoRoleChange stores the role the provider's claims now map to and ends
// the account's sessions, as an administrator's role change does.
func (s *Service) ssoRoleChange(ctx context.Context, q *store.Queries, u store.UserRow, id ExternalIdentity, ip string, now time.Time) error {
	if err := q.SetUserRole(ctx, u.ID, string(id.Role), now); err != nil {
		return err
	}
	n, err := q.DeleteUserSessions(ctx, u.ID)
	if err != nil {
		return err
	}
	actor := userFromRow(u)
	e := WebActor(&actor, ip).entry(ActionUserSSORole, store.OutcomeSuccess,
		fmt.Sprintf("%s: role %s → %s from the identity provider (%s), %d sessions ended", u.Name, u.Role, id.Role, id.Claims, n))
	return appendAt(ctx, q, e, now)
}

// RecordSignInFailure audits a single sign-on that failed before a person
// was known (a refused answer from the provider, a token that did not
// verify); username is "" when the provider named nobody.
func (s *Service) RecordSignInFailure(ctx context.Context, username, ip, detail string) {
	s.recordBestEffort(ctx, store.AuditEntry{Username: truncate(NormalizeUsername(username), MaxUsernameLen+16), Via: ViaWeb,
		ClientIP: truncate(ip, maxClientIP), Action: ActionLogin, Outcome: store.OutcomeFailure, Detail: "single sign-on: " + detail})
}

// ValidateSSOUsername checks a name made from a provider's claim: the rules
// of ValidateUsername, and '@' is allowed too (an e-mail address or a
// Microsoft Entra user principal name). A local account cannot hold such a
// name, so an e-mail claim never collides with one.
func ValidateSSOUsername(name string) error {
	if err := ValidateUsername(strings.ReplaceAll(name, "@", "_")); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) && strings.Contains(ve.Message, "may only contain") {
			ve.Message = "may only contain letters, digits, '.', '_', '-' and '@'"
		}
		return err
	}
	return nil
}
