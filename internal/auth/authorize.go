package auth

import (
	"context"
	"fmt"

	"keybind/internal/cloud"
	"keybind/internal/store"
)

// Channels an action can come through, recorded in the audit trail.
const (
	ViaWeb    = "web"
	ViaCLI    = "cli"
	ViaAPI    = "api"
	ViaSystem = "system"
)

// Audit actions recorded by this package.
const (
	ActionLogin             = "auth.login"
	ActionLogout            = "auth.logout"
	ActionChangeOwnPassword = "auth.password.change"
	ActionUserBootstrap     = "user.bootstrap"
	ActionUserCreate        = "user.create"
	ActionUserPasswordReset = "user.password.reset"
	ActionUserRole          = "user.role"
	ActionUserDisable       = "user.disable"
	ActionUserEnable        = "user.enable"
	ActionUserEndSessions   = "user.sessions.end"
)

// Actor is who asks for an action: a signed-in user through the web or the
// API, or the local operator through the CLI (LocalActor).
type Actor struct {
	User  *User // nil for the CLI
	IP    string
	Via   string // ViaWeb, ViaCLI, ViaAPI
	local bool
}

// LocalActor is the operator running the keybind CLI on the server. Having
// the database file, they are trusted with every permission; only this
// constructor makes such an actor, so a web request cannot claim to be one.
func LocalActor() Actor { return Actor{Via: ViaCLI, local: true} }

// WebActor is a signed-in user acting through the console.
func WebActor(u *User, ip string) Actor { return Actor{User: u, IP: ip, Via: ViaWeb} }

// Can reports whether the actor has permission p, recording nothing.
func (a Actor) Can(p Permission) bool { return a.can(p) }

func (a Actor) can(p Permission) bool {
	if a.local {
		return true
	}
	return a.User != nil && !a.User.Disabled && a.User.Role.Can(p)
}

// entry starts an audit entry made by a.
func (a Actor) entry(action, outcome, detail string) store.AuditEntry {
	e := store.AuditEntry{Via: a.Via, ClientIP: a.IP, Action: action, Outcome: outcome, Detail: detail}
	if a.User != nil {
		e.UserID, e.Username, e.Role = a.User.ID, a.User.Name, string(a.User.Role)
	}
	return e
}

// Authorize returns nil if actor may exercise p, and otherwise records a
// "denied" audit entry and returns ErrForbidden.
func (s *Service) Authorize(ctx context.Context, actor Actor, p Permission) error {
	return s.authorize(ctx, actor, p, "perm."+string(p))
}

func (s *Service) authorize(ctx context.Context, actor Actor, p Permission, action string) error {
	if actor.can(p) {
		return nil
	}
	role := "no user"
	if actor.User != nil {
		role = "role " + string(actor.User.Role)
		if actor.User.Disabled {
			role = "disabled user"
		}
	}
	if err := s.RecordDenied(ctx, actor, action, fmt.Sprintf("%s lacks permission %s", role, p)); err != nil {
		s.log.ErrorContext(ctx, "auth: record denied", "action", action, "err", err)
	}
	return ErrForbidden
}

// RecordDenied records that actor was refused action (the web layer calls it
// for routes it refuses itself).
func (s *Service) RecordDenied(ctx context.Context, actor Actor, action, detail string) error {
	return s.Record(ctx, actor, actor.entry(action, store.OutcomeDenied, detail))
}

// Record appends e to the audit trail with the actor's identity and the
// service clock's time filled in.
func (s *Service) Record(ctx context.Context, actor Actor, e store.AuditEntry) error {
	a := actor.entry(e.Action, e.Outcome, e.Detail)
	e.UserID, e.Username, e.Role, e.Via, e.ClientIP = a.UserID, a.Username, a.Role, a.Via, a.ClientIP
	if n, ok := cloud.AccountIn(ctx); ok && e.Account == "" {
		e.Account = n // the cloud account the action works in
	}
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	_, err := s.st.AppendAudit(ctx, e)
	return err
}

// ListAudit returns a page of the audit trail if actor may read it.
func (s *Service) ListAudit(ctx context.Context, actor Actor, f store.AuditFilter) ([]store.AuditEntry, int, error) {
	if err := s.Authorize(ctx, actor, PermReadAudit); err != nil {
		return nil, 0, err
	}
	return s.st.ListAudit(ctx, f)
}

// EachAudit calls fn for every entry f selects (for CSV export) if actor may
// read the audit trail.
func (s *Service) EachAudit(ctx context.Context, actor Actor, f store.AuditFilter, fn func(store.AuditEntry) error) error {
	if err := s.Authorize(ctx, actor, PermReadAudit); err != nil {
		return err
	}
	return s.st.EachAudit(ctx, f, fn)
}

// recordBestEffort appends e and logs a failure instead of returning it, for
// entries that must not change the outcome of what they describe (a failed
// sign-in stays failed).
func (s *Service) recordBestEffort(ctx context.Context, e store.AuditEntry) {
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	if _, err := s.st.AppendAudit(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "auth: append audit", "action", e.Action, "err", err)
	}
}
