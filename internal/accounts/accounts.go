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
	"regexp"
	"slices"
	"strings"
	"time"

	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/fault"
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
type Service struct{ cfg Config }

// New builds the service and lets the gateway find in the database the
// accounts it does not know (added by another console sharing it); call
// Load to register the stored accounts at start.
func New(cfg Config) *Service {
	s := &Service{cfg: cfg}
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

// Usable lists the accounts actor may work in.
func (s *Service) Usable(ctx context.Context, actor auth.Actor) ([]Account, error) {
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

var (
	nameRE     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	regionRE   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	accessKey  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)
	externalID = regexp.MustCompile(`^[\w+=,.@:/-]{2,}$`)
)

// check validates in; the field names are the form's.
func (in Input) check() (regions []string, err error) {
	fields := map[string]string{}
	if !nameRE.MatchString(in.Name) {
		fields["name"] = "account_name_invalid"
	}
	switch {
	case in.RoleARN != "" && (in.AccessKeyID != "" || in.AccessKeySecret != ""):
		fields["role_arn"] = "account_kind_invalid"
	case in.RoleARN != "":
		if !cloud.ValidRoleARN(in.RoleARN) {
			fields["role_arn"] = "role_arn_invalid"
		}
		if in.ExternalID != "" && (!externalID.MatchString(in.ExternalID) || len(in.ExternalID) > 1224) {
			fields["external_id"] = "account_invalid"
		}
	case !accessKey.MatchString(in.AccessKeyID) || in.AccessKeySecret == "" || len(in.AccessKeySecret) > 256:
		fields["access_key_id"] = "access_key_invalid"
	}
	for _, r := range strings.Split(in.DefaultRegions, ",") {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		if !regionRE.MatchString(r) || len(r) > 64 {
			fields["default_regions"] = "regions_invalid"
			break
		}
		regions = append(regions, r)
	}
	return regions, fault.Invalid("account_invalid", fields)
}

// Create adds an account (administrators only). The secret is sealed before
// it is stored and is never shown again.
func (s *Service) Create(ctx context.Context, actor auth.Actor, in Input) (Account, error) {
	if err := s.cfg.Audit.Authorize(ctx, actor, auth.PermManageAccounts); err != nil {
		return Account{}, err
	}
	in.Name, in.AccessKeyID, in.RoleARN = strings.TrimSpace(in.Name), strings.TrimSpace(in.AccessKeyID), strings.TrimSpace(in.RoleARN)
	in.ExternalID = strings.TrimSpace(in.ExternalID)
	regions, err := in.check()
	if err != nil {
		return Account{}, err
	}
	if in.Name == Default {
		return Account{}, ErrBuiltin.OnField("name")
	}
	row := store.CloudAccountRow{Name: in.Name, Kind: KindRole, RoleARN: in.RoleARN, ExternalID: in.ExternalID,
		DefaultRegions: strings.Join(regions, ","), CreatedBy: actorName(actor), CreatedAt: s.cfg.Clock.Now()}
	if in.RoleARN == "" {
		if s.cfg.Sealer == nil {
			return Account{}, ErrNoSecretKey
		}
		row.Kind, row.AccessKeyID = KindAccessKey, in.AccessKeyID
		if row.SealedSecret, err = s.cfg.Sealer.Seal(in.Name, in.AccessKeySecret); err != nil {
			return Account{}, err
		}
	}
	ca := cloud.Account{Name: in.Name, AccessKeyID: row.AccessKeyID, AccessKeySecret: in.AccessKeySecret, RoleARN: in.RoleARN, ExternalID: in.ExternalID}
	if _, err := s.cfg.Store.CreateCloudAccount(ctx, row); errors.Is(err, store.ErrConflict) {
		return Account{}, ErrExists.About(in.Name).OnField("name")
	} else if err != nil {
		return Account{}, err
	}
	if err := s.cfg.Gateway.SetAccount(ca); err != nil {
		_ = s.cfg.Store.DeleteCloudAccount(ctx, in.Name)
		return Account{}, fault.New(fault.KindInvalid, "account_invalid").Wrap(err)
	}
	detail := "AccessKey " + row.AccessKeyID
	if row.Kind == KindRole {
		detail = "role " + row.RoleARN
	}
	s.record(ctx, actor, ActionCreate, in.Name, store.OutcomeSuccess, detail)
	return fromRow(row), nil
}

// Delete removes an account and its grants (administrators only), unless
// unfinished jobs work in it (ErrInUse). Finished jobs keep its name.
func (s *Service) Delete(ctx context.Context, actor auth.Actor, name string) error {
	if err := s.cfg.Audit.Authorize(ctx, actor, auth.PermManageAccounts); err != nil {
		return err
	}
	if name == Default {
		return ErrBuiltin
	}
	if n, err := s.cfg.Store.UnfinishedJobsIn(ctx, name); err != nil {
		return err
	} else if n > 0 {
		return ErrInUse.About(name)
	}
	if err := s.cfg.Store.DeleteCloudAccount(ctx, name); errors.Is(err, store.ErrNotFound) {
		return ErrNotFound.About(name)
	} else if err != nil {
		return err
	}
	s.cfg.Gateway.RemoveAccount(name)
	s.record(ctx, actor, ActionDelete, name, store.OutcomeSuccess, "")
	return nil
}

// Test calls DescribeRegions in the account (administrators only) and
// returns what it answered; the outcome is audited.
func (s *Service) Test(ctx context.Context, actor auth.Actor, name string) ([]cloud.Region, error) {
	if err := s.cfg.Audit.Authorize(ctx, actor, auth.PermManageAccounts); err != nil {
		return nil, err
	}
	if _, err := s.find(ctx, name); err != nil {
		return nil, err
	}
	regions, err := s.cfg.Gateway.Regions(Context(ctx, name, actor))
	if err != nil {
		s.record(ctx, actor, ActionTest, name, store.OutcomeFailure, err.Error())
		return nil, err
	}
	s.record(ctx, actor, ActionTest, name, store.OutcomeSuccess, fmt.Sprintf("%d regions", len(regions)))
	return regions, nil
}

func (s *Service) find(ctx context.Context, name string) (Account, error) {
	all, err := s.all(ctx)
	if err != nil {
		return Account{}, err
	}
	for _, a := range all {
		if a.Name == name {
			return a, nil
		}
	}
	return Account{}, ErrNotFound.About(name)
}

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
	if err := s.cfg.Audit.Authorize(ctx, actor, auth.PermManageAccounts); err != nil {
		return err
	}
	subject, err := NormalizeSubject(subject)
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
	if err := s.cfg.Audit.Authorize(ctx, actor, auth.PermManageAccounts); err != nil {
		return err
	}
	subject, err := NormalizeSubject(subject)
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

func actorName(a auth.Actor) string {
	if a.User != nil {
		return a.User.Name
	}
	return a.Via
}
