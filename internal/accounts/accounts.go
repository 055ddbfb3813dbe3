// Package accounts holds the cloud accounts keybind works in and who may use
// which. An account is an AccessKey pair or a RAM role assumed through STS
// with the console's own credentials; the console's own credentials are the
// account "default". Administrators add, test and delete accounts and grant
// them to helpdesk users or SSO groups; administrators work in every account,
// everyone else only in what is granted to them, and every refusal is
// audited. AccessKey secrets are sealed with AES-GCM and never shown again.
package accounts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/fault"
	"keybind/internal/gencache"
	"keybind/internal/store"
)

// Default is the account of the console's own credentials.
const Default = cloud.DefaultAccount

// Kinds of account.
const (
	KindAccessKey = "accesskey"
	KindRole      = "role"
	KindBuiltin   = "builtin" // the account "default"
)

// Everyone is the grant subject that lets every signed-in user work in an account.
const Everyone = "*"

// Audit actions.
const (
	ActionCreate = "account.create"
	ActionDelete = "account.delete"
	ActionTest   = "account.test"
	ActionGrant  = "account.grant"
	ActionRevoke = "account.revoke"
	ActionUse    = "account.use" // recorded when refused
)

// Errors.
var (
	ErrForbidden   = fault.New(fault.KindForbidden, "account_forbidden")
	ErrNotFound    = fault.New(fault.KindNotFound, "account_not_found")
	ErrExists      = fault.New(fault.KindConflict, "account_exists")
	ErrBuiltin     = fault.New(fault.KindConflict, "account_builtin")
	ErrInUse       = fault.New(fault.KindConflict, "account_in_use") // unfinished jobs work in it
	ErrNoSecretKey = fault.New(fault.KindUnavailable, "account_secret_key")
)

// Account is a cloud account as pages and the API show it: never a secret.
type Account struct {
	Name           string    `json:"name"`
	Kind           string    `json:"kind"`
	AccessKeyID    string    `json:"access_key_id,omitempty"`
	RoleARN        string    `json:"role_arn,omitempty"`
	DefaultRegions []string  `json:"default_regions,omitempty"`
	CreatedBy      string    `json:"created_by,omitempty"`
	CreatedAt      time.Time `json:"created_at,omitzero"`
}

// Input is what an administrator enters to add an account: an AccessKey
// pair or a role ARN (with an optional external ID).
type Input struct {
	Name, AccessKeyID, AccessKeySecret string
	RoleARN, ExternalID                string
	DefaultRegions                     string // comma-separated region IDs
}

// Gateway is the part of the cloud gateway accounts need; *cloud.Gateway provides it.
type Gateway interface {
	SetAccount(a cloud.Account) error
	RemoveAccount(name string)
	SetAccountResolver(r cloud.AccountResolver)
	Regions(ctx context.Context) ([]cloud.Region, error)
}

// Audit checks a permission (recording a refusal) and appends to the audit
// trail; *auth.Service provides it.
type Audit interface {
	Authorize(ctx context.Context, actor auth.Actor, p auth.Permission) error
	Record(ctx context.Context, actor auth.Actor, e store.AuditEntry) error
}

// Clock tells the time.
type Clock interface{ Now() time.Time }

// Config builds a Service.
type Config struct {
	Store   *store.Store
	Gateway Gateway
	Audit   Audit
	Sealer  *Sealer // nil: AccessKey accounts cannot be added (roles still can)
	Clock   Clock
	// Default says whether the console has credentials of its own (the
	// environment, a profile, an instance RAM role or the embedded sandbox):
	// they are the account "default" and the source of every role.
	Default bool
}

// Service is the cloud accounts' use-cases.
type Service struct {
	cfg Config
	// usable is what Usable read, kept while the database's change
	// counter stays put (store.Changes, internal/gencache).
	usable *gencache.Cache[usableKey, []Account]
}

// usableKey is what Usable's answer depends on besides the database.
type usableKey struct {
	id       int64
	name     string
	role     auth.Role
	disabled bool
}

// New builds the service and lets the gateway find in the database the
// accounts it does not know (added by another console sharing it); call
// Load to register the stored accounts at start.
func New(cfg Config) *Service {
	s := &Service{cfg: cfg, usable: gencache.New[usableKey, []Account](10_000)}
	if cfg.Gateway != nil {
		cfg.Gateway.SetAccountResolver(s.resolve)
	}
	return s
}

// Load registers every stored account with the gateway (at start).
func (s *Service) Load(ctx context.Context) error {
	rows, err := s.cfg.Store.CloudAccounts(ctx)
	if err != nil {
		return err
	}
	for _, r := range rows {
		ca, err := s.cloudAccount(r)
		if err != nil {
			return err
		}
		if err := s.cfg.Gateway.SetAccount(ca); err != nil {
			return err
		}
	}
	return nil
}

// cloudAccount opens a stored account for the gateway.
func (s *Service) cloudAccount(r store.CloudAccountRow) (cloud.Account, error) {
	ca := cloud.Account{Name: r.Name, AccessKeyID: r.AccessKeyID, RoleARN: r.RoleARN, ExternalID: r.ExternalID}
	if r.Kind != KindAccessKey {
		return ca, nil
	}
	if s.cfg.Sealer == nil {
		return ca, fmt.Errorf("accounts: account %q has a sealed secret and no secret key was given", r.Name)
	}
	var err error
	if ca.AccessKeySecret, err = s.cfg.Sealer.Open(r.Name, r.SealedSecret); err != nil {
		return ca, fmt.Errorf("accounts: account %q: %w", r.Name, err)
	}
	return ca, nil
}

// resolve reads an account the gateway does not know from the database.
func (s *Service) resolve(ctx context.Context, name string) (cloud.Account, bool, error) {
	r, err := s.cfg.Store.CloudAccount(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return cloud.Account{}, false, nil
	}
	if err != nil {
		return cloud.Account{}, false, err
	}
	ca, err := s.cloudAccount(r)
	return ca, err == nil, err
}

func fromRow(r store.CloudAccountRow) Account {
	a := Account{Name: r.Name, Kind: r.Kind, AccessKeyID: r.AccessKeyID, RoleARN: r.RoleARN, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt}
	for _, reg := range strings.Split(r.DefaultRegions, ",") {
		if reg = strings.TrimSpace(reg); reg != "" {
			a.DefaultRegions = append(a.DefaultRegions, reg)
		}
	}
	return a
}

// all lists every account, "default" first when the console has one.
func (s *Service) all(ctx context.Context) ([]Account, error) {
	rows, err := s.cfg.Store.CloudAccounts(ctx)
	if err != nil {
		return nil, err
	}
	var out []Account
	if s.cfg.Default {
		out = append(out, Account{Name: Default, Kind: KindBuiltin})
	}
	for _, r := range rows {
		out = append(out, fromRow(r))
	}
	return out, nil
}

// UsableLister lists the cloud accounts an actor may work in; *Service
// provides it to the account chooser and the API.
type UsableLister interface {
	Usable(ctx context.Context, actor auth.Actor) ([]Account, error)
}

// Usable lists the accounts actor may work in.
func (s *Service) Usable(ctx context.Context, actor auth.Actor) ([]Account, error) {
	changes, counted := store.ChangesFrom(ctx)
	if !counted || actor.User == nil {
		return s.usableNow(ctx, actor)
	}
	u := actor.User
	k := usableKey{id: u.ID, name: u.Name, role: u.Role, disabled: u.Disabled}
	if list, ok := s.usable.Get(changes.Auth, k); ok {
		return slices.Clone(list), nil
	}
	list, err := s.usableNow(ctx, actor)
	if err == nil {
		s.usable.Put(changes.Auth, k, slices.Clone(list))
	}
	return list, err
}

// usableNow is Usable read from the database.
func (s *Service) usableNow(ctx context.Context, actor auth.Actor) ([]Account, error) {
	all, err := s.all(ctx)
	if err != nil || actor.Can(auth.PermAllAccounts) {
		return all, err
	}
	granted, err := s.grantedTo(ctx, actor)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(a Account) bool { return !granted[a.Name] }), nil
}

// grantedTo is the set of account names granted to actor: to everyone, to
// the user by name, or to one of the SSO groups of their last sign-in.
func (s *Service) grantedTo(ctx context.Context, actor auth.Actor) (map[string]bool, error) {
	if actor.User == nil || actor.User.Disabled {
		return map[string]bool{}, nil
	}
	names, err := s.cfg.Store.GrantedAccounts(ctx, actor.User.ID, actor.User.Name)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(names))
	for _, n := range names {
		out[n] = true
	}
	return out, nil
}

// Use checks that actor may work in the account and returns ctx set to make
// the gateway's calls there, on the actor's behalf (a role's session name
// names them). A refusal is audited and returns ErrForbidden; an account
// that does not exist is ErrNotFound for those who may see every account,
// and ErrForbidden for everyone else.
func (s *Service) Use(ctx context.Context, actor auth.Actor, name string) (context.Context, error) {
	if name == "" {
		name = Default
	}
	usable, err := s.Usable(ctx, actor)
	if err != nil {
		return ctx, err
	}
	if slices.ContainsFunc(usable, func(a Account) bool { return a.Name == name }) {
		return Context(ctx, name, actor), nil
	}
	if actor.Can(auth.PermAllAccounts) {
		return ctx, ErrNotFound.About(name)
	}
	s.record(ctx, actor, ActionUse, name, store.OutcomeDenied, "not granted")
	return ctx, ErrForbidden.About(name)
}

// Context sets ctx to make the gateway's calls in the account on behalf of
// the actor, without checking: for work that was checked when it was asked
// for (a job the engine runs).
func Context(ctx context.Context, name string, actor auth.Actor) context.Context {
	ctx = cloud.WithAccount(ctx, name)
	if actor.User != nil {
		ctx = cloud.WithActor(ctx, actor.User.Name)
	}
	return ctx
}

// Pick is the account a person's flow starts in: want when given, else the
// only usable one, else "" (they must choose). It does not check want; Use does.
func Pick(usable []Account, want string) string {
	switch {
	case want != "":
		return want
	case len(usable) == 1:
		return usable[0].Name
	}
	return ""
}

func (s *Service) record(ctx context.Context, actor auth.Actor, action, account, outcome, detail string) {
	_ = s.cfg.Audit.Record(ctx, actor, store.AuditEntry{Action: action, Account: account, Outcome: outcome, Detail: detail})
}
