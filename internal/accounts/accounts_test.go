package accounts_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"keybind/internal/accounts"
	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/fault"
	"keybind/internal/sandbox"
	"keybind/internal/sandbox/sandboxtest"
	"keybind/internal/store"
	"keybind/internal/store/storetest"
)

type fixture struct {
	svc             *accounts.Service
	st              *store.Store
	auth            *auth.Service
	env             *sandboxtest.Env
	gw              *cloud.Gateway
	admin, helpdesk auth.Actor
	sealer          *accounts.Sealer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	env := sandboxtest.Start(t, sandbox.Options{InstancesPerRegion: 5,
		Accounts: []sandbox.Account{{Name: "prod", AccessKeyID: "LTAI-prod", AccessKeySecret: "prod-secret"},
			{Name: "staging", AccessKeyID: "LTAI-staging", AccessKeySecret: "staging-secret"}},
		Roles: []sandbox.Role{{Account: "staging", Name: "keybind-operator"}}})
	gw, err := cloud.New(cloud.Config{Endpoint: env.URL, STSEndpoint: env.URL, AccessKeyID: env.AccessKeyID,
		AccessKeySecret: env.AccessKeySecret, Now: env.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.Open(t) // SQLite, or PostgreSQL with KEYBIND_TEST_DATABASE=postgres
	a := auth.New(st, auth.Config{Clock: env.Clock, Params: auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
	admin, err := a.CreateUser(ctx, auth.LocalActor(), "root", auth.RoleAdmin, "violet-harbour-tractor")
	if err != nil {
		t.Fatal(err)
	}
	hd, err := a.CreateUser(ctx, auth.LocalActor(), "helen", auth.RoleHelpdesk, "pebble-lantern-orchid")
	if err != nil {
		t.Fatal(err)
	}
	key, err := accounts.LoadSecretKey("", "", t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := accounts.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	svc := accounts.New(accounts.Config{Store: st, Gateway: gw, Audit: a, Sealer: sealer, Clock: env.Clock, Default: true})
	return &fixture{svc: svc, st: st, auth: a, env: env, gw: gw, sealer: sealer,
		admin: auth.WebActor(&admin, "10.0.0.1"), helpdesk: auth.WebActor(&hd, "10.0.0.2")}
}

func names(as []accounts.Account) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Name)
	}
	return out
}

func (f *fixture) addBoth(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.svc.Create(ctx, f.admin, accounts.Input{Name: "prod", AccessKeyID: "LTAI-prod", AccessKeySecret: "prod-secret",
		DefaultRegions: "cn-hangzhou, cn-shanghai"}); err != nil {
		t.Fatalf("create prod: %v", err)
	}
	arn := f.env.Sandbox.Account("staging").RoleARN("keybind-operator")
	if _, err := f.svc.Create(ctx, f.admin, accounts.Input{Name: "staging", RoleARN: arn}); err != nil {
		t.Fatalf("create staging: %v", err)
	}
}

// Accounts by AccessKey and by role work at once; the secret is stored
// sealed, is never shown, and survives a restart (Load).
func TestCreateTestAndReload(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.addBoth(t)
	for _, name := range []string{"default", "prod", "staging"} {
		regions, err := f.svc.Test(ctx, f.admin, name)
		if err != nil || len(regions) == 0 {
			t.Errorf("test %s: %d regions, %v", name, len(regions), err)
		}
	}
	row, err := f.st.CloudAccount(ctx, "prod")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(row.SealedSecret, "prod-secret") || row.SealedSecret == "" {
		t.Errorf("stored secret %q is not sealed", row.SealedSecret)
	}
	if got, err := f.sealer.Open("staging", row.SealedSecret); err == nil {
		t.Errorf("the sealed secret opened for another account name: %q", got)
	}
	all, _ := f.svc.All(ctx, f.admin)
	if got := names(all); !slices.Equal(got, []string{"default", "prod", "staging"}) {
		t.Errorf("accounts %v", got)
	}
	if all[1].DefaultRegions == nil || all[1].DefaultRegions[1] != "cn-shanghai" {
		t.Errorf("prod's default regions %v", all[1].DefaultRegions)
	}

	// A second gateway and service over the same database find them again.
	gw2, _ := cloud.New(cloud.Config{Endpoint: f.env.URL, STSEndpoint: f.env.URL, AccessKeyID: f.env.AccessKeyID, AccessKeySecret: f.env.AccessKeySecret})
	svc2 := accounts.New(accounts.Config{Store: f.st, Gateway: gw2, Audit: f.auth, Sealer: f.sealer, Clock: f.env.Clock, Default: true})
	if err := svc2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := gw2.AllInstances(cloud.WithAccount(ctx, "prod"), "cn-hangzhou", cloud.InstanceFilter{}, 0)
	want := f.env.Sandbox.Account("prod").Instances("cn-hangzhou")
	if err != nil || len(got) != len(want) || got[0].ID != want[0].InstanceID {
		t.Errorf("after reload, prod lists %d (%v), want %d of its own", len(got), err, len(want))
	}
	// Another console sharing the database, started before the accounts
	// were added (no Load), finds them when it first needs them.
	gw3, _ := cloud.New(cloud.Config{Endpoint: f.env.URL, STSEndpoint: f.env.URL, AccessKeyID: f.env.AccessKeyID, AccessKeySecret: f.env.AccessKeySecret})
	accounts.New(accounts.Config{Store: f.st, Gateway: gw3, Audit: f.auth, Sealer: f.sealer, Clock: f.env.Clock, Default: true})
	for _, name := range []string{"prod", "staging"} {
		got, err := gw3.AllInstances(cloud.WithAccount(ctx, name), "cn-hangzhou", cloud.InstanceFilter{}, 0)
		want := f.env.Sandbox.Account(name).Instances("cn-hangzhou")
		if err != nil || len(got) != len(want) || got[0].ID != want[0].InstanceID {
			t.Errorf("a console that did not load %s lists %d (%v), want %d of its own", name, len(got), err, len(want))
		}
	}
	if _, err := gw3.Regions(cloud.WithAccount(ctx, "nosuch")); err == nil {
		t.Error("an account in no database worked")
	}

	// An unfinished job in prod keeps it.
	if _, err := f.st.DB().ExecContext(ctx, `INSERT INTO jobs (kind, region, idempotency_key, created_by_id, created_by_name,
		created_by_role, wave_size, created_at, updated_at, account) VALUES ('bind', 'cn-hangzhou', 'k1', 1, 'root', 'admin', 10, 1, 1, 'prod')`); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Delete(ctx, f.admin, "prod"); !errors.Is(err, accounts.ErrInUse) {
		t.Errorf("delete with an unfinished job: %v, want ErrInUse", err)
	}
	if _, err := f.st.DB().ExecContext(ctx, `UPDATE jobs SET finished_at = 2 WHERE account = 'prod'`); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Delete(ctx, f.admin, "prod"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Test(ctx, f.admin, "prod"); !errors.Is(err, accounts.ErrNotFound) {
		t.Errorf("test after delete: %v, want ErrNotFound", err)
	}
	if _, err := f.gw.Regions(cloud.WithAccount(ctx, "prod")); err == nil {
		t.Error("the gateway still works in a deleted account")
	}
}

func TestCreateRefusesBadInput(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		in    accounts.Input
		field string
	}{
		{accounts.Input{Name: "", RoleARN: "acs:ram::1:role/x"}, "name"},
		{accounts.Input{Name: "a b", RoleARN: "acs:ram::1:role/x"}, "name"},
		{accounts.Input{Name: "x", RoleARN: "arn:aws:iam::1:role/x"}, "role_arn"},
		{accounts.Input{Name: "x", RoleARN: "acs:ram::1:role/x", AccessKeyID: "LTAI"}, "role_arn"},
		{accounts.Input{Name: "x", AccessKeyID: "LTAI"}, "access_key_id"},
		{accounts.Input{Name: "x", AccessKeyID: "LTAI", AccessKeySecret: "s", DefaultRegions: "cn hangzhou"}, "default_regions"},
	} {
		_, err := f.svc.Create(ctx, f.admin, tc.in)
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Kind != fault.KindInvalid || fe.Fields[tc.field] == "" {
			t.Errorf("%+v: %v, want invalid %s", tc.in, err, tc.field)
		}
	}
	if _, err := f.svc.Create(ctx, f.admin, accounts.Input{Name: "default", RoleARN: "acs:ram::1:role/x"}); !errors.Is(err, accounts.ErrBuiltin) {
		t.Errorf("an account named default: %v", err)
	}
	f.addBoth(t)
	if _, err := f.svc.Create(ctx, f.admin, accounts.Input{Name: "prod", RoleARN: "acs:ram::1:role/x"}); !errors.Is(err, accounts.ErrExists) {
		t.Errorf("a second prod: %v, want ErrExists", err)
	}
	if _, err := f.svc.Create(ctx, f.helpdesk, accounts.Input{Name: "mine", RoleARN: "acs:ram::1:role/x"}); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("helpdesk creating an account: %v, want ErrForbidden", err)
	}
}

// A helpdesk user works only in what is granted to them (by name, by SSO
// group, or to everyone); a refusal is audited; administrators work everywhere.
func TestGrants(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.addBoth(t)
	usable := func(a auth.Actor) []string {
		t.Helper()
		as, err := f.svc.Usable(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		return names(as)
	}
	if got := usable(f.helpdesk); !slices.Equal(got, []string{"default"}) {
		t.Errorf("helpdesk before grants: %v, want [default] (granted to everyone)", got)
	}
	if got := usable(f.admin); !slices.Equal(got, []string{"default", "prod", "staging"}) {
		t.Errorf("admin: %v", got)
	}
	if err := f.svc.RemoveGrant(ctx, f.admin, "default", "everyone"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.AddGrant(ctx, f.admin, "staging", "helen"); err != nil {
		t.Fatal(err)
	}
	if got := usable(f.helpdesk); !slices.Equal(got, []string{"staging"}) {
		t.Errorf("helpdesk granted staging: %v", got)
	}
	uctx, err := f.svc.Use(ctx, f.helpdesk, "staging")
	if err != nil || cloud.AccountOf(uctx) != "staging" || cloud.ActorOf(uctx) != "helen" {
		t.Errorf("use staging: %v, account %q actor %q", err, cloud.AccountOf(uctx), cloud.ActorOf(uctx))
	}
	for _, name := range []string{"prod", "default", "nosuch"} {
		_, err := f.svc.Use(ctx, f.helpdesk, name)
		if !errors.Is(err, accounts.ErrForbidden) || fault.KindOf(err) != fault.KindForbidden {
			t.Errorf("helpdesk using %s: %v, want ErrForbidden", name, err)
		}
	}
	denied, _, err := f.st.ListAudit(ctx, store.AuditFilter{Action: accounts.ActionUse, Outcome: store.OutcomeDenied})
	if err != nil || len(denied) != 3 || denied[0].Username != "helen" || denied[2].Account != "prod" {
		t.Errorf("audited refusals: %+v (%v), want 3 by helen, prod first", denied, err)
	}
	// A group grant reaches the members of the group at their last sign-in.
	if err := f.svc.AddGrant(ctx, f.admin, "prod", "group:ops"); err != nil {
		t.Fatal(err)
	}
	if err := f.st.SetUserSSOGroups(ctx, f.helpdesk.User.ID, []string{"ops", "staff"}); err != nil {
		t.Fatal(err)
	}
	if got := usable(f.helpdesk); !slices.Equal(got, []string{"prod", "staging"}) {
		t.Errorf("helpdesk in group ops: %v", got)
	}
	if err := f.svc.AddGrant(ctx, f.admin, "nosuch", "helen"); !errors.Is(err, accounts.ErrNotFound) {
		t.Errorf("grant of an unknown account: %v", err)
	}
	if err := f.svc.AddGrant(ctx, f.admin, "prod", "user:bad name"); fault.KindOf(err) != fault.KindInvalid {
		t.Errorf("grant to a bad subject: %v", err)
	}
	if err := f.svc.AddGrant(ctx, f.helpdesk, "prod", "helen"); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("helpdesk granting: %v", err)
	}
}

func TestSecretKey(t *testing.T) {
	dir := t.TempDir()
	k1, err := accounts.LoadSecretKey("", "", dir, true)
	if err != nil || len(k1) != 32 {
		t.Fatalf("generate: %d bytes, %v", len(k1), err)
	}
	fi, err := os.Stat(filepath.Join(dir, accounts.SecretKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v (%v), want 0600", fi.Mode(), err)
	}
	k2, err := accounts.LoadSecretKey("", "", dir, true)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Errorf("the generated key was not read back: %v", err)
	}
	if _, err := accounts.LoadSecretKey("", "", t.TempDir(), false); !errors.Is(err, accounts.ErrSecretKeyRequired) {
		t.Errorf("no key and no generation (PostgreSQL): %v, want ErrSecretKeyRequired", err)
	}
	if _, err := accounts.LoadSecretKey("c2hvcnQ=", "", dir, true); err == nil {
		t.Error("a short KEYBIND_SECRET_KEY was accepted")
	}
}
