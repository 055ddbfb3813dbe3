package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"keybind/internal/accounts"
	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/sandbox"
	"keybind/internal/store"
)

// secretKeyGenerated says whether the key that seals cloud account secrets
// may be generated into the data directory when none is given: yes beside
// a SQLite file, which is one process's. A shared database (PostgreSQL,
// --database-url) must return false here, so that every console sharing it
// is given the same key (--secret-key-file or KEYBIND_SECRET_KEY) and a
// start without one fails with accounts.ErrSecretKeyRequired.
func secretKeyGenerated(c serveConfig) bool { return c.DatabaseURL == "" }

// newAccounts builds the cloud accounts service and registers the stored
// accounts with the gateway.
func newAccounts(ctx context.Context, cfg serveConfig, sys IO, st *store.Store, a *auth.Service, cl *cloudConn) (*accounts.Service, error) {
	key, err := accounts.LoadSecretKey(sys.Getenv("KEYBIND_SECRET_KEY"), cfg.SecretKeyFile, cfg.DataDir, secretKeyGenerated(cfg))
	if err != nil {
		return nil, fmt.Errorf("cloud accounts: %w", err)
	}
	sealer, err := accounts.NewSealer(key)
	if err != nil {
		return nil, fmt.Errorf("cloud accounts: %w", err)
	}
	svc := accounts.New(accounts.Config{Store: st, Gateway: cl.gateway, Audit: a, Sealer: sealer, Clock: auth.SystemClock,
		Default: cl.hasDefault})
	if err := svc.Load(ctx); err != nil {
		return nil, fmt.Errorf("cloud accounts: %w", err)
	}
	return svc, nil
}

// hasDefaultAccount says whether the console has credentials of its own,
// which are the account "default".
func hasDefaultAccount(sys IO, endpoint string, sandbox bool) bool {
	return sandbox || cloud.CredentialsFromEnv(sys.Getenv) || endpoint != ""
}

// parseSandboxAccounts reads the embedded sandbox's --sandbox-account and
// --sandbox-role values, as keybind sandbox reads --account and --role.
func parseSandboxAccounts(accounts, roles []string) ([]sandbox.Account, []sandbox.Role, error) {
	o := sandbox.Options{AccessKeyID: "sandbox-embedded", AccessKeySecret: "made-up"}
	for _, v := range accounts {
		a, err := parseAccount(v)
		if err != nil {
			return nil, nil, fmt.Errorf("--sandbox-account: %w", err)
		}
		o.Accounts = append(o.Accounts, a)
	}
	for _, v := range roles {
		r, err := parseRole(v)
		if err != nil {
			return nil, nil, fmt.Errorf("--sandbox-role: %w", err)
		}
		o.Roles = append(o.Roles, r)
	}
	if err := o.Validate(); err != nil {
		return nil, nil, errors.New(strings.TrimPrefix(err.Error(), "sandbox: "))
	}
	return o.Accounts, o.Roles, nil
}
