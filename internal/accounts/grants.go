package accounts

import (
	"context"
	"regexp"
	"strings"
	"time"

	"keybind/internal/auth"
	"keybind/internal/fault"
	"keybind/internal/store"
)

// Grant is who may work in an account.
type Grant struct {
	Account   string    `json:"account"`
	Subject   string    `json:"subject"` // "user:NAME", "group:NAME" or "*"
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

var subjectRE = regexp.MustCompile(`^(user|group):[^\s\x00-\x1f\x7f]{1,128}$`)

// NormalizeSubject reads what an administrator typed: "*" or "everyone",
// "group:NAME", "user:NAME", or a bare user name.
func NormalizeSubject(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == Everyone || strings.EqualFold(s, "everyone"):
		return Everyone, nil
	case !strings.HasPrefix(s, "user:") && !strings.HasPrefix(s, "group:"):
		s = "user:" + s
	}
	if !subjectRE.MatchString(s) {
		return "", fault.New(fault.KindInvalid, "grant_subject_invalid").OnField("subject")
	}
	return s, nil
}

// Grants lists every grant (administrators only).
func (s *Service) Grants(ctx context.Context, actor auth.Actor) ([]Grant, error) {
	if err := s.cfg.Audit.Authorize(ctx, actor, auth.PermManageAccounts); err != nil {
		return nil, err
	}
	rows, err := s.cfg.Store.AccountGrants(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Grant, len(rows))
	for i, r := range rows {
		out[i] = Grant{Account: r.Account, Subject: r.Subject, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// AddGrant lets subject work in the account (administrators only).
func (s *Service) AddGrant(ctx context.Context, actor auth.Actor, account, subject string) error {
	subject, err := s.grantSubject(ctx, actor, subject)
	if err != nil {
		return err
	}
	if _, err := s.find(ctx, account); err != nil {
		return err
	}
	g := store.AccountGrant{Account: account, Subject: subject, CreatedBy: actorName(actor), CreatedAt: s.cfg.Clock.Now()}
	if err := s.cfg.Store.AddAccountGrant(ctx, g); err != nil {
		return err
	}
	s.record(ctx, actor, ActionGrant, account, store.OutcomeSuccess, "granted to "+subject)
	return nil
}

// RemoveGrant takes a grant back (administrators only).
func (s *Service) RemoveGrant(ctx context.Context, actor auth.Actor, account, subject string) error {
	subject, err := s.grantSubject(ctx, actor, subject)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.RemoveAccountGrant(ctx, account, subject); err != nil {
		return err
	}
	s.record(ctx, actor, ActionRevoke, account, store.OutcomeSuccess, "taken back from "+subject)
	return nil
}

// All lists every account (administrators only), for the accounts page.
func (s *Service) All(ctx context.Context, actor auth.Actor) ([]Account, error) {
	if err := s.cfg.Audit.Authorize(ctx, actor, auth.PermManageAccounts); err != nil {
		return nil, err
	}
	return s.all(ctx)
}

// grantSubject checks that actor may change grants and returns subject in
// its one written form.
func (s *Service) grantSubject(ctx context.Context, actor auth.Actor, subject string) (string, error) {
	if err := s.cfg.Audit.Authorize(ctx, actor, auth.PermManageAccounts); err != nil {
		return "", err
	}
	return NormalizeSubject(subject)
}
